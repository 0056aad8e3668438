-- Members' privacy choices beside tracking_opt_out (0001): hidden members are still recorded
-- but never shown in a chart, a ranking or another member's lists. The partial index lets every
-- flush read a guild's opted-out members without touching the others.
ALTER TABLE members ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1));

CREATE INDEX members_opted_out ON members (guild_id, user_id) WHERE tracking_opt_out;
CREATE INDEX members_hidden ON members (guild_id, user_id) WHERE hidden;

-- The charts read a guild's voice ledger from where they last stopped (id > the last one read).
CREATE INDEX voice_sessions_by_id ON voice_sessions (guild_id, id);
