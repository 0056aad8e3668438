-- Achievements: a server's own milestones beside the built-in ones (src/domain/achievements.rs),
-- the roles milestones grant, where unlocks are announced, and who holds which badge.
--
-- A milestone is named by its key: `kills-100` for a built-in one, `custom-<id>` for a row of
-- `milestones`. The primary key of `achievement_unlocks` makes every unlock happen once, however
-- many /track commands cross the milestone at the same moment.
CREATE TABLE achievement_settings (
    guild_id     INTEGER NOT NULL PRIMARY KEY REFERENCES guilds (id) ON DELETE CASCADE,
    channel_id   INTEGER,
    shame_badges INTEGER NOT NULL DEFAULT 1 CHECK (shame_badges IN (0, 1)),
    enabled      INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1))
) STRICT;

CREATE TABLE milestones (
    id         INTEGER NOT NULL PRIMARY KEY,
    guild_id   INTEGER NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    emoji      TEXT    NOT NULL,
    measure    TEXT    NOT NULL,
    threshold  INTEGER NOT NULL CHECK (threshold >= 1),
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX milestones_by_guild ON milestones (guild_id, id);

CREATE TABLE milestone_roles (
    guild_id  INTEGER NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    milestone TEXT    NOT NULL,
    role_id   INTEGER NOT NULL,
    PRIMARY KEY (guild_id, milestone)
) STRICT, WITHOUT ROWID;

CREATE TABLE achievement_unlocks (
    guild_id    INTEGER NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    milestone   TEXT    NOT NULL,
    unlocked_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id, milestone)
) STRICT, WITHOUT ROWID;

-- The achievements voice pass finds the stays closed since its last look.
CREATE INDEX voice_sessions_by_left ON voice_sessions (left_at);
