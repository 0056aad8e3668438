-- The weekly recap (src/domain/recap.rs): where and when each server wants it, and the recaps
-- made, one per server and week (keyed by the recap's local date, as YYYYMMDD), so that several
-- processes and restarts make each one once.
CREATE TABLE recap_settings (
    guild_id   bigint      NOT NULL PRIMARY KEY REFERENCES guilds (id) ON DELETE CASCADE,
    channel_id bigint      NOT NULL,
    weekday    bigint      NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    local_hour bigint      NOT NULL CHECK (local_hour BETWEEN 0 AND 23),
    set_up_at  timestamptz NOT NULL
);

CREATE TABLE recap_posts (
    guild_id   bigint      NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    day        bigint      NOT NULL,
    message_id bigint,
    claimed_at timestamptz NOT NULL,
    PRIMARY KEY (guild_id, day)
);
