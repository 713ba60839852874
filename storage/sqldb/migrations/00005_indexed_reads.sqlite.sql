-- Reads that stay flat as the archive grows (SQLite).
--
-- Search: an FTS5 trigram index over articles.search (title, lead and id,
-- folded) finds the rows holding each word of three letters or more;
-- shorter words are checked on the candidates (or on every row when no
-- word is long enough). The index takes its text from articles
-- (external content) and keys it by articles' rowid: a VACUUM, which may
-- renumber rowids, must be followed by
--   INSERT INTO articles_fts(articles_fts) VALUES('rebuild');
--
-- Feeds: feed_counts holds how many listed articles (current version with
-- a size and a duration) each feed has, kept by triggers in the same
-- transaction as every insert, update and delete of an article, so a feed
-- page reads one row per feed instead of counting the archive. Partial
-- indexes over listed articles give the page itself and the newest
-- publication and update without walking unlisted rows.

-- +goose Up
CREATE VIRTUAL TABLE articles_fts USING fts5(search, content = 'articles', tokenize = 'trigram');
INSERT INTO articles_fts (articles_fts) VALUES ('rebuild');

-- +goose StatementBegin
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, search) VALUES (new.rowid, new.search);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, search) VALUES ('delete', old.rowid, old.search);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER articles_fts_update AFTER UPDATE OF search ON articles WHEN old.search <> new.search BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, search) VALUES ('delete', old.rowid, old.search);
    INSERT INTO articles_fts (rowid, search) VALUES (new.rowid, new.search);
END;
-- +goose StatementEnd

CREATE TABLE feed_counts (
    feed  TEXT PRIMARY KEY,
    items BIGINT NOT NULL
);
INSERT INTO feed_counts (feed, items)
SELECT feed, COUNT(*) FROM articles WHERE current_version <> '' AND bytes > 0 AND duration_ms > 0 GROUP BY feed;

-- +goose StatementBegin
CREATE TRIGGER articles_listed_insert AFTER INSERT ON articles
WHEN new.current_version <> '' AND new.bytes > 0 AND new.duration_ms > 0 BEGIN
    INSERT INTO feed_counts (feed, items) VALUES (new.feed, 1)
    ON CONFLICT (feed) DO UPDATE SET items = items + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER articles_listed_delete AFTER DELETE ON articles
WHEN old.current_version <> '' AND old.bytes > 0 AND old.duration_ms > 0 BEGIN
    UPDATE feed_counts SET items = items - 1 WHERE feed = old.feed;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER articles_listed_update AFTER UPDATE OF current_version, bytes, duration_ms, feed ON articles
WHEN (old.current_version <> '' AND old.bytes > 0 AND old.duration_ms > 0) <> (new.current_version <> '' AND new.bytes > 0 AND new.duration_ms > 0)
  OR (old.current_version <> '' AND old.bytes > 0 AND old.duration_ms > 0 AND old.feed <> new.feed) BEGIN
    UPDATE feed_counts SET items = items - 1
    WHERE feed = old.feed AND old.current_version <> '' AND old.bytes > 0 AND old.duration_ms > 0;
    INSERT INTO feed_counts (feed, items)
    SELECT new.feed, 1 WHERE new.current_version <> '' AND new.bytes > 0 AND new.duration_ms > 0
    ON CONFLICT (feed) DO UPDATE SET items = items + 1;
END;
-- +goose StatementEnd

CREATE INDEX articles_listed_published ON articles (published_at DESC, id)
WHERE current_version <> '' AND bytes > 0 AND duration_ms > 0;
CREATE INDEX articles_listed_feed_published ON articles (feed, published_at DESC, id)
WHERE current_version <> '' AND bytes > 0 AND duration_ms > 0;
CREATE INDEX articles_listed_updated ON articles (updated_at)
WHERE current_version <> '' AND bytes > 0 AND duration_ms > 0;
CREATE INDEX articles_listed_feed_updated ON articles (feed, updated_at)
WHERE current_version <> '' AND bytes > 0 AND duration_ms > 0;

-- +goose Down
DROP INDEX articles_listed_feed_updated;
DROP INDEX articles_listed_updated;
DROP INDEX articles_listed_feed_published;
DROP INDEX articles_listed_published;
DROP TRIGGER articles_listed_update;
DROP TRIGGER articles_listed_delete;
DROP TRIGGER articles_listed_insert;
DROP TABLE feed_counts;
DROP TRIGGER articles_fts_update;
DROP TRIGGER articles_fts_delete;
DROP TRIGGER articles_fts_insert;
DROP TABLE articles_fts;
