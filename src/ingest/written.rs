//! What the flushes wrote, for readers that keep counts in memory: the oldest message hour each
//! guild's flushes wrote since a reader last asked.
//!
//! The messages chart keeps each guild's hourly counts between draws and reads again only the
//! latest hour, whose counts still grow. A flush can also write an older hour (messages held back
//! by a database outage, then written when it returns); it notes that hour here, and the next
//! draw reads again from it. Every flush of the process that owns the guild goes through here,
//! so nothing written is missed.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Utc};

use crate::domain::activity::Deltas;
use crate::domain::ids::GuildId;

/// The oldest message hour written per guild since it was last taken.
#[derive(Debug, Default)]
pub struct WrittenHours {
    oldest: Mutex<HashMap<GuildId, DateTime<Utc>>>,
}

impl WrittenHours {
    /// Notes the message hours of a batch the store now holds.
    pub(super) fn note(&self, batch: &Deltas) {
        if batch.messages.is_empty() {
            return;
        }
        let mut oldest = self.lock();
        for key in batch.messages.keys() {
            oldest
                .entry(key.guild_id)
                .and_modify(|hour| *hour = (*hour).min(key.hour))
                .or_insert(key.hour);
        }
    }

    /// The oldest message hour of `guild` written since the last call, if any, forgetting it.
    pub fn take(&self, guild: GuildId) -> Option<DateTime<Utc>> {
        self.lock().remove(&guild)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<GuildId, DateTime<Utc>>> {
        self.oldest.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
