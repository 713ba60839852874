-- versions_retired serves garbage collection, which reads retired rows
-- only. Over every row it also matched "retired_at = 0", and SQLite,
-- without statistics, chose it over the primary key for publish's and
-- delete's "article_id = ? AND retired_at = 0": a walk over every current
-- version (all of them, in a large archive) inside the write transaction.
-- Indexing retired rows only keeps it out of those plans and smaller.

-- +goose Up
DROP INDEX versions_retired;
CREATE INDEX versions_retired ON versions (retired_at) WHERE retired_at <> 0;

-- +goose Down
DROP INDEX versions_retired;
CREATE INDEX versions_retired ON versions (retired_at);
