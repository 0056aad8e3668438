-- Who plays when: the daily post's settings, each day's post, the members' marks on it, weekly
-- schedules and members' time zones. The server's own zone is guild_settings.default_timezone.
-- A posting day is the server's local date as the integer YYYYMMDD, the same on both databases.

CREATE TABLE schedule_settings (
    guild_id     INTEGER NOT NULL PRIMARY KEY REFERENCES guilds (id) ON DELETE CASCADE,
    channel_id   INTEGER NOT NULL,
    post_minute  INTEGER NOT NULL CHECK (post_minute BETWEEN 0 AND 1439),
    window_start INTEGER NOT NULL CHECK (window_start BETWEEN 0 AND 23),
    window_hours INTEGER NOT NULL CHECK (window_hours BETWEEN 1 AND 20),
    weekdays     INTEGER NOT NULL CHECK (weekdays BETWEEN 1 AND 127),
    updated_at   INTEGER NOT NULL
) STRICT;

-- One row per guild and day, claimed before the message is sent: the claim is what makes a post
-- happen once across restarts and processes, and its nonce lets Discord drop a second send.
CREATE TABLE schedule_posts (
    guild_id   INTEGER NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    day        INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    message_id INTEGER,
    nonce      TEXT    NOT NULL,
    state      TEXT    NOT NULL CHECK (state IN ('sending', 'posted', 'deleted')),
    claimed_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, day)
) STRICT;
CREATE INDEX schedule_posts_by_message ON schedule_posts (guild_id, message_id);

-- A member's marks on a day: the hours they reacted to (slot -1 is "not today") and the hours
-- they were seen in voice.
CREATE TABLE schedule_marks (
    guild_id INTEGER NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    day      INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    source   TEXT    NOT NULL CHECK (source IN ('reaction', 'voice')),
    slot     INTEGER NOT NULL CHECK (slot BETWEEN -1 AND 19),
    PRIMARY KEY (guild_id, day, user_id, source, slot)
) STRICT;

-- Members who reacted on a day's post: from then on their reactions are the truth for that day,
-- even once they take them all back.
CREATE TABLE schedule_responders (
    guild_id INTEGER NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    day      INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    PRIMARY KEY (guild_id, day, user_id)
) STRICT;

-- A member's weekly schedule: per weekday (0 Monday … 6 Sunday) the local hours as a 24-bit mask.
CREATE TABLE weekly_schedules (
    guild_id INTEGER NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL,
    weekday  INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    hours    INTEGER NOT NULL CHECK (hours BETWEEN 1 AND 16777215),
    PRIMARY KEY (guild_id, user_id, weekday)
) STRICT;

CREATE TABLE member_timezones (
    guild_id   INTEGER NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    timezone   TEXT    NOT NULL,
    private    INTEGER NOT NULL DEFAULT 0 CHECK (private IN (0, 1)),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id)
) STRICT;
