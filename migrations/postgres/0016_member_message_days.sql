-- Messages per member and UTC day, kept beside the hourly message rollups by every flush (as
-- channel_rollups are), so a week's top posters read about seven rows per member instead of one
-- per member, channel and hour. Built here from the rollups already kept.
CREATE TABLE member_message_days (
    guild_id bigint      NOT NULL,
    day_at   timestamptz NOT NULL,
    user_id  bigint      NOT NULL,
    messages bigint      NOT NULL CHECK (messages >= 0),
    PRIMARY KEY (guild_id, day_at, user_id)
);

INSERT INTO member_message_days (guild_id, day_at, user_id, messages)
SELECT guild_id, date_trunc('day', hour, 'UTC'), user_id, SUM(messages) FROM message_rollups
GROUP BY guild_id, date_trunc('day', hour, 'UTC'), user_id
HAVING SUM(messages) > 0;
