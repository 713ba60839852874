-- Players find audio by the page's canonical URL (audio by page URL), and
-- a URL submitted twice without an id must find its article.

-- +goose Up
CREATE INDEX articles_canonical_url ON articles (canonical_url);

-- +goose Down
DROP INDEX articles_canonical_url;
