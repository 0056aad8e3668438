-- Messages per member and UTC day, kept beside the hourly message rollups by every flush (as
-- channel_rollups are), so a week's top posters read about seven rows per member instead of one
-- per member, channel and hour. Built here from the rollups already kept.
CREATE TABLE member_message_days (
    guild_id INTEGER NOT NULL,
    day_at   INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    messages INTEGER NOT NULL CHECK (messages >= 0),
    PRIMARY KEY (guild_id, day_at, user_id)
) STRICT, WITHOUT ROWID;

INSERT INTO member_message_days (guild_id, day_at, user_id, messages)
SELECT guild_id, hour - (hour % 86400000), user_id, SUM(messages) FROM message_rollups
GROUP BY guild_id, hour - (hour % 86400000), user_id
HAVING SUM(messages) > 0;
