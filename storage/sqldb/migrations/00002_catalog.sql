-- The article catalog: what index/articles.json, the manifests and the
-- store-based job queue held until the catalog moved to SQL. Source JSON,
-- pages, plans, audio, timings, transcripts, chapters and segments stay in
-- the blob store; these rows name them. Times are integer microseconds.

-- +goose Up
-- One row per article. revision counts editor requests; job_id is the
-- River job working on that revision (cancelled when a newer one comes).
-- search is title, lead and id folded (lowercase, no diacritics) for the
-- editors' search.
CREATE TABLE articles (
    id                    TEXT PRIMARY KEY,
    source_id             TEXT NOT NULL DEFAULT '',
    canonical_url         TEXT NOT NULL DEFAULT '',
    content_hash          TEXT NOT NULL DEFAULT '',
    feed                  TEXT NOT NULL DEFAULT '',
    title                 TEXT NOT NULL DEFAULT '',
    lead                  TEXT NOT NULL DEFAULT '',
    status                TEXT NOT NULL,
    revision              BIGINT NOT NULL,
    voice                 TEXT NOT NULL DEFAULT '',
    link                  TEXT NOT NULL DEFAULT '',
    guid                  TEXT NOT NULL,
    current_version       TEXT NOT NULL DEFAULT '',
    bytes                 BIGINT NOT NULL DEFAULT 0,
    duration_ms           BIGINT NOT NULL DEFAULT 0,
    sentences_total       BIGINT NOT NULL DEFAULT 0,
    sentences_done        BIGINT NOT NULL DEFAULT 0,
    sentences_synthesized BIGINT NOT NULL DEFAULT 0,
    sentences_cached      BIGINT NOT NULL DEFAULT 0,
    error                 TEXT NOT NULL DEFAULT '',
    preflight             TEXT NOT NULL DEFAULT '',
    job_id                BIGINT NOT NULL DEFAULT 0,
    search                TEXT NOT NULL DEFAULT '',
    published_at          BIGINT NOT NULL,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);
-- Listings and feeds page newest first by (published_at, id).
CREATE INDEX articles_published ON articles (published_at DESC, id);
CREATE INDEX articles_feed_published ON articles (feed, published_at DESC, id);
CREATE INDEX articles_status_published ON articles (status, published_at DESC, id);

-- Every rendering of an article: the current one (retired_at = 0) and
-- retired ones awaiting garbage collection. Rows outlive their article
-- until the takedown collects them. gc_at marks a version whose objects
-- are being deleted, so a publish of the same content waits for it.
CREATE TABLE versions (
    article_id   TEXT NOT NULL,
    id           TEXT NOT NULL,
    revision     BIGINT NOT NULL,
    audio_key    TEXT NOT NULL,
    timings_key  TEXT NOT NULL DEFAULT '',
    vtt_key      TEXT NOT NULL DEFAULT '',
    chapters_key TEXT NOT NULL DEFAULT '',
    bytes        BIGINT NOT NULL DEFAULT 0,
    duration_ms  BIGINT NOT NULL DEFAULT 0,
    sentences    BIGINT NOT NULL DEFAULT 0,
    voices       TEXT NOT NULL DEFAULT '[]',
    preflight    TEXT NOT NULL DEFAULT '',
    published_at BIGINT NOT NULL,
    retired_at   BIGINT NOT NULL DEFAULT 0,
    gc_at        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (article_id, id)
);
CREATE INDEX versions_retired ON versions (retired_at);

-- Which cached segments each version's audio is made of: a segment no
-- version uses may be collected.
CREATE TABLE version_segments (
    article_id TEXT NOT NULL,
    version_id TEXT NOT NULL,
    hash       TEXT NOT NULL,
    PRIMARY KEY (article_id, version_id, hash)
);
CREATE INDEX version_segments_hash ON version_segments (hash);

-- +goose Down
DROP TABLE version_segments;
DROP TABLE versions;
DROP TABLE articles;
