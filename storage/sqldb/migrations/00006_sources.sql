-- Sources: the publisher's feeds and sitemaps Loa follows, and what each
-- poll must remember so the next one refetches nothing unchanged. Times are
-- integer microseconds.

-- +goose Up
-- settings is the editor's configuration as JSON (url, feed, voice,
-- interval, backfill, include, exclude, max_age); state is the poller's
-- memory as JSON (the listing's ETag/Last-Modified, child sitemaps'
-- validators, consecutive failures). next_poll is when the source is due;
-- a paused source is never due.
CREATE TABLE sources (
    id         TEXT PRIMARY KEY,
    url        TEXT NOT NULL,
    settings   TEXT NOT NULL,
    paused     BIGINT NOT NULL DEFAULT 0,
    state      TEXT NOT NULL DEFAULT '{}',
    last_poll  BIGINT NOT NULL DEFAULT 0,
    next_poll  BIGINT NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX sources_due ON sources (paused, next_poll);

-- One row per item a source listed. article_id is the article the item
-- became ('' when it was skipped, e.g. beyond the first poll's backfill);
-- created marks the source that made the article (an article first made
-- by an editor or another source is only linked). content_hash is the
-- hash of the extracted text, etag/last_modified the page's validators.
CREATE TABLE source_items (
    source_id     TEXT NOT NULL,
    guid          TEXT NOT NULL,
    url           TEXT NOT NULL,
    article_id    TEXT NOT NULL DEFAULT '',
    created       BIGINT NOT NULL DEFAULT 0,
    content_hash  TEXT NOT NULL DEFAULT '',
    etag          TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    seen_at       BIGINT NOT NULL,
    PRIMARY KEY (source_id, guid)
);
CREATE INDEX source_items_article ON source_items (article_id);

-- +goose Down
DROP TABLE source_items;
DROP TABLE sources;
