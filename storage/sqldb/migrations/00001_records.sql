-- Small records that lived as JSON objects in the blob store until the
-- catalog moved to SQL. Times are integer microseconds since the Unix epoch
-- on both engines.

-- +goose Up
-- The lexicon's version and last change; the one row is also the lock that
-- orders concurrent edits.
CREATE TABLE lexicon_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    version    BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
INSERT INTO lexicon_state (id, version, updated_at) VALUES (1, 0, 0);

-- Current rules; body is the rule as JSON, seq keeps the order editors
-- added them in (the order rules apply in).
CREATE TABLE lexicon_rules (
    id   TEXT PRIMARY KEY,
    feed TEXT NOT NULL,
    seq  BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX lexicon_rules_feed ON lexicon_rules (feed, seq);

-- One row per change: the lexicon version it made, and the rule after the
-- change (NULL after a delete).
CREATE TABLE lexicon_changes (
    version    BIGINT PRIMARY KEY,
    action     TEXT NOT NULL CHECK (action IN ('add', 'update', 'delete')),
    rule_id    TEXT NOT NULL,
    body       TEXT,
    changed_at BIGINT NOT NULL
);
CREATE INDEX lexicon_changes_rule ON lexicon_changes (rule_id, version);

-- Editor tokens an admin created, by the hex SHA-256 of their secret.
CREATE TABLE editor_tokens (
    digest     TEXT PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Anonymous player events per article.
CREATE TABLE listens (
    article_id TEXT NOT NULL,
    event      TEXT NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (article_id, event)
);

-- What each TTS backend instance was billed for per UTC day.
CREATE TABLE tts_usage (
    backend    TEXT NOT NULL,
    day        TEXT NOT NULL,
    unit       TEXT NOT NULL,
    used       BIGINT NOT NULL,
    requests   BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (backend, day)
);

-- One-time imports done on this database (the blob-store upgrade).
CREATE TABLE imports (
    name    TEXT PRIMARY KEY,
    done_at BIGINT NOT NULL,
    summary TEXT NOT NULL
);

-- +goose Down
DROP TABLE imports;
DROP TABLE tts_usage;
DROP TABLE listens;
DROP TABLE editor_tokens;
DROP TABLE lexicon_changes;
DROP TABLE lexicon_rules;
DROP TABLE lexicon_state;
