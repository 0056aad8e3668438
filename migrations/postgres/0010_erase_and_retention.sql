-- Erasing a member and keeping raw activity for a limited time.
--
-- A manager who erases a member who left is recorded here (who, whom, when), so the server can
-- account for it; a member erasing themselves leaves no row. Only 'erase' exists today.
CREATE TABLE privacy_actions (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id   bigint      NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    at         timestamptz NOT NULL,
    actor_id   bigint      NOT NULL,
    subject_id bigint      NOT NULL,
    action     text        NOT NULL CHECK (action IN ('erase'))
);
CREATE INDEX privacy_actions_by_guild ON privacy_actions (guild_id, id);

-- Days of raw activity a server keeps (voice stays, hourly rollups, flag changes, game sessions,
-- joins); NULL keeps everything. Ledgers and seasons are never removed by it.
ALTER TABLE guild_settings ADD COLUMN retention_days integer
    CHECK (retention_days BETWEEN 1 AND 3650);

-- Retention removes a guild's oldest flag changes first; erase finds a member's command rows.
CREATE INDEX voice_flag_changes_by_time ON voice_flag_changes (guild_id, at);
CREATE INDEX app_rollups_by_member ON app_rollups (guild_id, user_id, hour);
