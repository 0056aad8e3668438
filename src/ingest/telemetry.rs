//! What the activity handlers remember between events: members who opted out of tracking,
//! guilds whose invites the bot cannot read, and recently counted message ids, so an event the
//! gateway delivers twice (a replay after a resume) is counted once.

use std::collections::{HashSet, VecDeque};
use std::sync::{Mutex, PoisonError, RwLock};

use crate::domain::ids::{GuildId, UserId};

/// Message ids remembered for deduplication: far more than a resume can replay.
const RECENT_MESSAGES: usize = 50_000;

/// Per-process memory of the activity handlers. Shared by every shard of the process.
#[derive(Default)]
pub struct Telemetry {
    opted_out: RwLock<HashSet<(GuildId, UserId)>>,
    invites_unreadable: Mutex<HashSet<GuildId>>,
    recent_messages: Mutex<RecentIds>,
}

#[derive(Default)]
struct RecentIds {
    order: VecDeque<u64>,
    seen: HashSet<u64>,
}

impl Telemetry {
    /// Whether the member's activity must not be recorded.
    #[must_use]
    pub fn is_opted_out(&self, guild: GuildId, user: UserId) -> bool {
        self.opted_out
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&(guild, user))
    }

    /// Replaces the guild's opted-out members (from the store, at `GUILD_CREATE`).
    pub fn set_opted_out(&self, guild: GuildId, users: &[UserId]) {
        let mut opted_out = self
            .opted_out
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        opted_out.retain(|(g, _)| *g != guild);
        opted_out.extend(users.iter().map(|user| (guild, *user)));
    }

    /// Notes whether the guild's invites can be read; returns `true` when this changes it to
    /// unreadable (so the caller logs it once).
    pub fn note_invites_readable(&self, guild: GuildId, readable: bool) -> bool {
        let mut unreadable = self
            .invites_unreadable
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if readable {
            unreadable.remove(&guild);
            false
        } else {
            unreadable.insert(guild)
        }
    }

    /// Whether the bot could not read the guild's invites last time it tried.
    #[must_use]
    pub fn invites_unreadable(&self, guild: GuildId) -> bool {
        self.invites_unreadable
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&guild)
    }

    /// Whether message `id` is new (and remembers it); `false` for one already counted.
    pub fn first_sight_of_message(&self, id: u64) -> bool {
        let mut recent = self
            .recent_messages
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if !recent.seen.insert(id) {
            return false;
        }
        recent.order.push_back(id);
        if recent.order.len() > RECENT_MESSAGES {
            if let Some(oldest) = recent.order.pop_front() {
                recent.seen.remove(&oldest);
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replayed_message_is_counted_once() {
        let telemetry = Telemetry::default();
        assert!(telemetry.first_sight_of_message(42));
        assert!(!telemetry.first_sight_of_message(42));
        assert!(telemetry.first_sight_of_message(43));
    }

    #[test]
    fn old_message_ids_are_forgotten_so_memory_stays_bounded() {
        let telemetry = Telemetry::default();
        for id in 0..(RECENT_MESSAGES as u64 + 10) {
            telemetry.first_sight_of_message(id);
        }
        assert!(
            telemetry.first_sight_of_message(0),
            "the oldest was forgotten"
        );
        assert!(!telemetry.first_sight_of_message(RECENT_MESSAGES as u64 + 9));
    }

    #[test]
    fn opt_outs_are_per_guild() {
        let telemetry = Telemetry::default();
        telemetry.set_opted_out(GuildId(1), &[UserId(7)]);
        assert!(telemetry.is_opted_out(GuildId(1), UserId(7)));
        assert!(!telemetry.is_opted_out(GuildId(2), UserId(7)));
        telemetry.set_opted_out(GuildId(1), &[]);
        assert!(!telemetry.is_opted_out(GuildId(1), UserId(7)));
    }

    #[test]
    fn an_unreadable_guild_is_reported_once() {
        let telemetry = Telemetry::default();
        assert!(telemetry.note_invites_readable(GuildId(1), false));
        assert!(!telemetry.note_invites_readable(GuildId(1), false));
        assert!(telemetry.invites_unreadable(GuildId(1)));
        telemetry.note_invites_readable(GuildId(1), true);
        assert!(!telemetry.invites_unreadable(GuildId(1)));
    }
}
