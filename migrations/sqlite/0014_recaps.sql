-- The weekly recap (src/domain/recap.rs): where and when each server wants it, and the recaps
-- made, one per server and week (keyed by the recap's local date, as YYYYMMDD), so that several
-- processes and restarts make each one once.
CREATE TABLE recap_settings (
    guild_id   INTEGER NOT NULL PRIMARY KEY REFERENCES guilds (id) ON DELETE CASCADE,
    channel_id INTEGER NOT NULL,
    weekday    INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    local_hour INTEGER NOT NULL CHECK (local_hour BETWEEN 0 AND 23),
    set_up_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE recap_posts (
    guild_id   INTEGER NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    day        INTEGER NOT NULL,
    message_id INTEGER,
    claimed_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, day)
) STRICT;
