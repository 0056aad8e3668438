-- Guilds the bot is or was in, their settings, and their members.
-- SQLite conventions: snowflakes are INTEGER (u64 cast bit for bit to i64), times are INTEGER unix
-- milliseconds in UTC, booleans are INTEGER 0/1. STRICT makes SQLite refuse values of another type.

CREATE TABLE guilds (
    id        INTEGER NOT NULL PRIMARY KEY,
    name      TEXT    NOT NULL,
    joined_at INTEGER NOT NULL,
    left_at   INTEGER
) STRICT;

CREATE TABLE guild_settings (
    guild_id         INTEGER NOT NULL PRIMARY KEY REFERENCES guilds (id) ON DELETE CASCADE,
    admin_role_id    INTEGER,
    default_timezone TEXT,
    updated_at       INTEGER NOT NULL
) STRICT;

CREATE TABLE members (
    guild_id         INTEGER NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    user_id          INTEGER NOT NULL,
    display_name     TEXT    NOT NULL,
    is_bot           INTEGER NOT NULL DEFAULT 0 CHECK (is_bot IN (0, 1)),
    joined_at        INTEGER NOT NULL,
    left_at          INTEGER,
    tracking_opt_out INTEGER NOT NULL DEFAULT 0 CHECK (tracking_opt_out IN (0, 1)),
    PRIMARY KEY (guild_id, user_id)
) STRICT;
