-- Guilds the bot is or was in, their settings, and their members.
-- Postgres conventions: snowflakes are bigint (u64 cast bit for bit to i64), times are timestamptz.

CREATE TABLE guilds (
    id        bigint      NOT NULL PRIMARY KEY,
    name      text        NOT NULL,
    joined_at timestamptz NOT NULL,
    left_at   timestamptz
);

CREATE TABLE guild_settings (
    guild_id         bigint      NOT NULL PRIMARY KEY REFERENCES guilds (id) ON DELETE CASCADE,
    admin_role_id    bigint,
    default_timezone text,
    updated_at       timestamptz NOT NULL
);

CREATE TABLE members (
    guild_id         bigint      NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    user_id          bigint      NOT NULL,
    display_name     text        NOT NULL,
    is_bot           boolean     NOT NULL DEFAULT false,
    joined_at        timestamptz NOT NULL,
    left_at          timestamptz,
    tracking_opt_out boolean     NOT NULL DEFAULT false,
    PRIMARY KEY (guild_id, user_id)
);
