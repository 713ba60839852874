-- Admins' browser sessions for the jobs view, so that signing out ends a
-- session on every node sharing the database. digest is the hex HMAC of the
-- cookie's secret under a key derived from the admin token: the database
-- holds no usable secret, and a new admin token matches no stored session.
-- Sign-in deletes expired rows and all but the newest few. Times are
-- integer microseconds.

-- +goose Up
CREATE TABLE admin_sessions (
    digest     TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE admin_sessions;
