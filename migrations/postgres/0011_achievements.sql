-- Achievements: a server's own milestones beside the built-in ones (src/domain/achievements.rs),
-- the roles milestones grant, where unlocks are announced, and who holds which badge.
--
-- A milestone is named by its key: `kills-100` for a built-in one, `custom-<id>` for a row of
-- `milestones`. The primary key of `achievement_unlocks` makes every unlock happen once, however
-- many /track commands cross the milestone at the same moment.
CREATE TABLE achievement_settings (
    guild_id     bigint  NOT NULL PRIMARY KEY REFERENCES guilds (id) ON DELETE CASCADE,
    channel_id   bigint,
    shame_badges boolean NOT NULL DEFAULT true,
    enabled      boolean NOT NULL DEFAULT true
);

CREATE TABLE milestones (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id   bigint      NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    name       text        NOT NULL,
    emoji      text        NOT NULL,
    measure    text        NOT NULL,
    threshold  bigint      NOT NULL CHECK (threshold >= 1),
    created_at timestamptz NOT NULL
);
CREATE INDEX milestones_by_guild ON milestones (guild_id, id);

CREATE TABLE milestone_roles (
    guild_id  bigint NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    milestone text   NOT NULL,
    role_id   bigint NOT NULL,
    PRIMARY KEY (guild_id, milestone)
);

CREATE TABLE achievement_unlocks (
    guild_id    bigint      NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    user_id     bigint      NOT NULL,
    milestone   text        NOT NULL,
    unlocked_at timestamptz NOT NULL,
    PRIMARY KEY (guild_id, user_id, milestone)
);

-- The achievements voice pass finds the stays closed since its last look.
CREATE INDEX voice_sessions_by_left ON voice_sessions (left_at);
