-- Rank emojis for the daily post: a server's ranks (a name and an emoji), and each member's pick.
-- rank_key is the name compared without case, width or invisible characters.

CREATE TABLE ranks (
    guild_id BIGINT NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    rank_key TEXT   COLLATE "C" NOT NULL,
    name     TEXT   NOT NULL,
    emoji    TEXT   NOT NULL,
    PRIMARY KEY (guild_id, rank_key)
);

CREATE TABLE member_ranks (
    guild_id BIGINT NOT NULL,
    user_id  BIGINT NOT NULL,
    rank_key TEXT   COLLATE "C" NOT NULL,
    PRIMARY KEY (guild_id, user_id),
    FOREIGN KEY (guild_id, rank_key) REFERENCES ranks (guild_id, rank_key) ON DELETE CASCADE
);
