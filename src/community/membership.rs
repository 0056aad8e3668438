//! Members coming and going, their game presence, and the server's invites: what the bot records
//! when a guild becomes available, a member joins or leaves, or a presence changes.
//!
//! serenity runs each gateway event's handler as its own task, so two events of one guild can be
//! handled in either order. Member events therefore take the guild's *turn* ([`Membership::turn`])
//! before they read or write anything, and each carries the latest state Discord's cache holds
//! (which serenity updates in gateway order before any handler runs): a join says whether the
//! member is still there, a presence says what the member plays now. Whatever order the handlers
//! run in, the store ends in the true state. Voice does the same through its own ordered writer
//! (`ingest::voice`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use tokio::sync::OwnedMutexGuard;

use crate::clock::Clock;
use crate::domain::ids::{GuildId, UserId};
use crate::domain::invites::{attribute, InviteRecord, JoinRecord, JoinSource};
use crate::store::{GuildRecord, MemberRecord, Store, StoreError};

/// A guild's turn for member events; member events of the guild wait while it is held.
pub struct Turn {
    guild: GuildId,
    _held: OwnedMutexGuard<()>,
}

/// What the bot records about a guild's members.
pub struct Membership {
    store: Arc<dyn Store>,
    clock: Clock,
    turns: Mutex<HashMap<GuildId, Arc<tokio::sync::Mutex<()>>>>,
}

/// A member who just joined, as Discord's cache shows them when their turn comes.
pub struct Arrival {
    /// The member.
    pub member: MemberRecord,
    /// Whether their join counts as community activity (not a bot, not opted out).
    pub tracked: bool,
    /// Whether the cache still lists them: when not, they left while their join waited, and
    /// the join is recorded as ended.
    pub still_here: bool,
    /// The invites Discord lists now, or `None` when the bot may not read them.
    pub invites_now: Option<Vec<InviteRecord>>,
}

impl Membership {
    /// Member records kept in `store`, dated by `clock`.
    #[must_use]
    pub fn new(store: Arc<dyn Store>, clock: Clock) -> Self {
        Self {
            store,
            clock,
            turns: Mutex::default(),
        }
    }

    /// Waits for `guild`'s turn. Hold it from before reading Discord's state (the invites, the
    /// cache) until the change is written: two joins compared against one invite snapshot would
    /// both see both uses rise, and a departure must not be written before the join it ends.
    pub async fn turn(&self, guild: GuildId) -> Turn {
        let lock = {
            let mut turns = self.turns.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(turns.entry(guild).or_default())
        };
        Turn {
            guild,
            _held: lock.lock_owned().await,
        }
    }

    /// A guild became available (start-up, a new server, a reconnect): its row first, so
    /// commands can run there at once, then the members Discord sent with it.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn guild_available(
        &self,
        guild: &GuildRecord,
        members: &[MemberRecord],
    ) -> Result<(), StoreError> {
        self.store.upsert_guild(guild).await?;
        self.store.upsert_members(guild.id, members).await
    }

    /// Members Discord sent on request for a large guild.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn members_arrived(
        &self,
        guild: GuildId,
        members: &[MemberRecord],
    ) -> Result<(), StoreError> {
        self.store.upsert_members(guild, members).await
    }

    /// Records a join in its turn: the member (while still here), and for tracked members the
    /// join itself with the invite it came through, told from the invites before and now.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn joined(&self, turn: &Turn, arrival: Arrival) -> Result<(), StoreError> {
        let guild = turn.guild;
        if arrival.still_here {
            self.store
                .upsert_members(guild, std::slice::from_ref(&arrival.member))
                .await?;
        }
        if !arrival.tracked {
            return Ok(());
        }
        let source = match &arrival.invites_now {
            Some(now) => self.attribute(guild, now).await,
            None => JoinSource::Unknown,
        };
        let join = JoinRecord {
            user_id: arrival.member.user_id,
            joined_at: arrival.member.joined_at,
            source,
            left_at: (!arrival.still_here).then(|| self.clock.now()),
        };
        self.store.record_join(guild, &join).await
    }

    /// The invite a join came through, from the invites stored before it and `now`, which
    /// then become the stored ones. A store that cannot say gives "could not tell": the join
    /// itself is still recorded.
    async fn attribute(&self, guild: GuildId, now: &[InviteRecord]) -> JoinSource {
        let before = match self.store.invites(guild).await {
            Ok(before) => before,
            Err(error) => {
                tracing::warn!(%error, guild = %guild, "could not read the stored invites");
                return JoinSource::Unknown;
            }
        };
        if let Err(error) = self.store.sync_invites(guild, now, self.clock.now()).await {
            tracing::warn!(%error, guild = %guild, "could not store the server's invites");
        }
        attribute(&before, now)
    }

    /// Records a departure in its turn; `tracked` when it counts as community activity.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn left(
        &self,
        turn: &Turn,
        user: UserId,
        tracked: bool,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.store.mark_member_left(turn.guild, user, at).await?;
        if tracked {
            self.store.record_departure(turn.guild, user, at).await?;
        }
        Ok(())
    }

    /// Brings a member's game sessions to `playing`, what their latest presence says, in their
    /// guild's turn.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn playing(
        &self,
        turn: &Turn,
        user: UserId,
        playing: &[String],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.store
            .activity_stop(turn.guild, user, playing, at)
            .await?;
        for game in playing {
            self.store
                .activity_start(turn.guild, user, game, at)
                .await?;
        }
        Ok(())
    }

    /// A new invite, from Discord's event, recorded unless the guild's invites already list
    /// it: a join through it may have been handled first, with counts newer than the event's.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn invite_created(
        &self,
        turn: &Turn,
        invite: &InviteRecord,
    ) -> Result<(), StoreError> {
        let known = self.store.invites(turn.guild).await?;
        if known.iter().any(|stored| stored.code == invite.code) {
            return Ok(());
        }
        self.store.upsert_invite(turn.guild, invite).await
    }

    /// An invite was deleted or expired.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn invite_deleted(
        &self,
        turn: &Turn,
        code: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.store.delete_invite(turn.guild, code, at).await
    }

    /// Replaces the guild's known invites with what Discord lists now.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn sync_invites(
        &self,
        guild: GuildId,
        invites: &[InviteRecord],
    ) -> Result<(), StoreError> {
        self.store
            .sync_invites(guild, invites, self.clock.now())
            .await
    }
}
