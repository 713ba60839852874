-- The periodic collection sweeps the stored audio and segments a bounded
-- part per run, not the whole archive: gc_sweeps keeps, per key prefix
-- ("audio/", "segments/"), the last key the previous run looked at. A
-- missing row or an empty last_key starts at the beginning.

-- +goose Up
CREATE TABLE gc_sweeps (
    prefix   TEXT PRIMARY KEY,
    last_key TEXT NOT NULL
);

-- +goose Down
DROP TABLE gc_sweeps;
