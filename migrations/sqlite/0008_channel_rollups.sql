-- Messages per channel and hour, the whole server's: what the messages chart reads. The same
-- counts as message_rollups summed over members, kept beside them by every flush so a year of a
-- large server is read as thousands of rows instead of millions. Rebuilt here from the member
-- rollups already stored.
CREATE TABLE channel_rollups (
    guild_id   INTEGER NOT NULL,
    hour       INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    messages   INTEGER NOT NULL CHECK (messages >= 0),
    PRIMARY KEY (guild_id, hour, channel_id)
) STRICT, WITHOUT ROWID;

INSERT INTO channel_rollups (guild_id, hour, channel_id, messages)
SELECT guild_id, hour, channel_id, SUM(messages) FROM message_rollups
GROUP BY guild_id, hour, channel_id;
