-- What an editor sent waits here, written in the transaction that creates
-- or changes the article, until its synthesis job has written it to the
-- blob store: a submission then answers after one database transaction
-- instead of after store writes and their fsyncs. token names one staged
-- content (a new one on every change). etag and stored_at are set once the
-- content is in the store under that ETag; the periodic collection deletes
-- the row after checking that the store still holds it, and until then
-- every reader takes the source from here. Times are integer microseconds.

-- +goose Up
CREATE TABLE staged_sources (
    article_id TEXT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    token      TEXT NOT NULL,
    body       TEXT NOT NULL,
    staged_at  BIGINT NOT NULL,
    etag       TEXT NOT NULL DEFAULT '',
    stored_at  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX staged_sources_staged_at ON staged_sources (staged_at);

-- +goose Down
DROP TABLE staged_sources;
