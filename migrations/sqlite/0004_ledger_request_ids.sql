-- The interaction that asked for a ledger entry. When the database stops answering during the
-- commit of a /track, the bot cannot know whether the entry was kept; it retries with the same
-- id, and the retry finds the first entry instead of adding a second.
ALTER TABLE kill_ledger ADD COLUMN request_id INTEGER;
CREATE UNIQUE INDEX kill_ledger_by_request ON kill_ledger (guild_id, request_id)
    WHERE request_id IS NOT NULL;
