-- Reads that stay flat as the archive grows (PostgreSQL).
--
-- Search: a pg_trgm GIN index over articles.search (title, lead and id,
-- folded) serves `search LIKE '%word%'` for words of three letters or
-- more; shorter words are checked on the rows (strpos), since a LIKE
-- pattern without a trigram would read the whole index. pg_trgm ships with
-- PostgreSQL (Debian's postgresql-15 has it) and is a trusted extension:
-- a role that is not superuser may create it when it has CREATE on the
-- database (the database's owner has). Where Loa's role has not, a
-- superuser runs `CREATE EXTENSION pg_trgm;` in Loa's database once before
-- Loa starts; the migration then finds it in whatever schema it lives in.
--
-- Feeds: feed_counts holds how many listed articles (current version with
-- a size and a duration) each feed has, kept by a trigger in the same
-- transaction as every insert, update and delete of an article (row locks
-- on the feed's row order concurrent publishes), so a feed page reads one
-- row per feed instead of counting the archive. Partial indexes over
-- listed articles give the page itself and the newest publication and
-- update without walking unlisted rows.

-- +goose Up
-- +goose StatementBegin
DO $$
DECLARE
    ext_schema name;
BEGIN
    SELECT extnamespace::regnamespace::name INTO ext_schema FROM pg_extension WHERE extname = 'pg_trgm';
    IF ext_schema IS NULL THEN
        BEGIN
            -- A schema of its own outlives the application schema it was
            -- first needed from, and is shared by every schema that needs it.
            CREATE SCHEMA IF NOT EXISTS loa_ext;
            CREATE EXTENSION pg_trgm SCHEMA loa_ext;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE EXCEPTION 'Loa needs the pg_trgm extension: % (as a superuser, run CREATE EXTENSION pg_trgm; in database %, or GRANT CREATE ON DATABASE % TO %)',
                SQLERRM, current_database(), current_database(), current_user;
        END;
        ext_schema := 'loa_ext';
    END IF;
    EXECUTE format('CREATE INDEX articles_search_trgm ON articles USING gin (search %I.gin_trgm_ops)', ext_schema);
END
$$;
-- +goose StatementEnd

CREATE TABLE feed_counts (
    feed  TEXT PRIMARY KEY,
    items BIGINT NOT NULL
);
INSERT INTO feed_counts (feed, items)
SELECT feed, COUNT(*) FROM articles WHERE current_version <> '' AND bytes > 0 AND duration_ms > 0 GROUP BY feed;

-- +goose StatementBegin
CREATE FUNCTION articles_count_listed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was_listed boolean := false;
    is_listed  boolean := false;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        was_listed := OLD.current_version <> '' AND OLD.bytes > 0 AND OLD.duration_ms > 0;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        is_listed := NEW.current_version <> '' AND NEW.bytes > 0 AND NEW.duration_ms > 0;
    END IF;
    IF was_listed AND is_listed AND OLD.feed = NEW.feed THEN
        RETURN NULL;
    END IF;
    IF was_listed THEN
        UPDATE feed_counts SET items = items - 1 WHERE feed = OLD.feed;
    END IF;
    IF is_listed THEN
        INSERT INTO feed_counts (feed, items) VALUES (NEW.feed, 1)
        ON CONFLICT (feed) DO UPDATE SET items = feed_counts.items + 1;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER articles_count_listed AFTER INSERT OR DELETE OR UPDATE OF current_version, bytes, duration_ms, feed ON articles
FOR EACH ROW EXECUTE FUNCTION articles_count_listed();

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
DROP TRIGGER articles_count_listed ON articles;
DROP FUNCTION articles_count_listed();
DROP TABLE feed_counts;
DROP INDEX articles_search_trgm;
