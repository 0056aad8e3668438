//! Outgoing webhooks in the store: the hooks a server registered and the durable outbox of
//! deliveries. [`WebhookStore`] is a supertrait of [`super::Store`]; [`super::sql::SqlStore`]
//! implements it for both databases in `sql/webhooks.rs`.
//!
//! An event is written once per following hook and deleted when its receiver accepted it; a
//! hook sends its oldest delivery first and waits as a whole after a failure, so deliveries
//! arrive in order. A lease lets one of several processes work a hook at a time.

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};

use super::StoreError;
use crate::config::Secret;
use crate::domain::ids::{ChannelId, GuildId};
use crate::domain::webhooks::{Event, Events};

/// A hook as managers see it in /webhooks list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hook {
    /// Its number in the server.
    pub id: i64,
    /// Where deliveries go.
    pub url: String,
    /// What it follows.
    pub events: Events,
    /// Where it was added: notices about it go there.
    pub channel_id: ChannelId,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// Failures in a row since the last success.
    pub failures: u64,
    /// The first of those failures.
    pub failing_since: Option<DateTime<Utc>>,
    /// What the last failure was.
    pub last_error: Option<String>,
    /// When it was paused for failing a whole day.
    pub paused_at: Option<DateTime<Utc>>,
    /// Deliveries accepted so far.
    pub delivered: u64,
    /// Deliveries waiting.
    pub pending: u64,
}

/// A hook before it is stored.
#[derive(Clone, Debug)]
pub struct NewHook {
    /// The guild.
    pub guild_id: GuildId,
    /// The destination, already checked.
    pub url: String,
    /// The signing secret, shown to the manager once.
    pub secret: Secret,
    /// What it follows.
    pub events: Events,
    /// Where it is being added.
    pub channel_id: ChannelId,
}

/// One delivery ready to send: the oldest waiting one of its hook.
#[derive(Clone, Debug)]
pub struct Delivery {
    /// The outbox row.
    pub outbox_id: i64,
    /// The hook.
    pub hook_id: i64,
    /// Where it goes.
    pub url: String,
    /// The hook's signing secret.
    pub secret: Secret,
    /// The event's key.
    pub event: String,
    /// The event's id, as in the body.
    pub event_id: String,
    /// The JSON body, exactly as signed and sent.
    pub body: String,
    /// The hook's failures in a row so far, for the backoff.
    pub failures: u64,
}

/// A hook paused because it failed for a whole day: the server is told in `channel_id`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paused {
    /// The hook.
    pub hook_id: i64,
    /// Its guild.
    pub guild_id: GuildId,
    /// Where it was added.
    pub channel_id: ChannelId,
    /// Where it pointed.
    pub url: String,
    /// Its last failure.
    pub last_error: String,
}

/// Registered hooks and their outbox.
#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// Adds a hook; `None` when the guild already has `limit` (nothing written). An unknown guild
    /// is [`StoreError::UnknownGuild`].
    async fn add_hook(
        &self,
        hook: &NewHook,
        limit: u32,
        at: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError>;

    /// The guild's hooks, oldest first.
    async fn hooks(&self, guild_id: GuildId) -> Result<Vec<Hook>, StoreError>;

    /// Removes a hook and what waits for it; `false` when the guild has no such hook.
    async fn remove_hook(&self, guild_id: GuildId, hook_id: i64) -> Result<bool, StoreError>;

    /// Unpauses a hook and forgets its failures so it is tried at once; `false` when the guild
    /// has no such hook.
    async fn resume_hook(
        &self,
        guild_id: GuildId,
        hook_id: i64,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Queues `body` (the envelope of event `event_id`) for every hook of the guild that follows
    /// `event` (a paused one keeps it until it is resumed), or for `only` that hook whatever it
    /// follows; returns how many deliveries were queued.
    async fn enqueue(
        &self,
        guild_id: GuildId,
        event: Event,
        only: Option<i64>,
        (event_id, body): (&str, &str),
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError>;

    /// Takes the lease, until `lease_ends_at`, of up to `limit` hooks, in any guild, that have a
    /// delivery waiting, are due and are not paused or leased by another process.
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease_ends_at: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<i64>, StoreError>;

    /// When the next hook with a delivery waiting falls due (its retry time, or the end of
    /// another process's lease on it), paused hooks left out; `None` when nothing waits.
    async fn next_due(&self) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// The hook's oldest waiting delivery.
    async fn next_delivery(&self, hook_id: i64) -> Result<Option<Delivery>, StoreError>;

    /// The receiver accepted the delivery: it leaves the outbox (that row of that event only,
    /// whatever was queued since) and the hook's failures are forgotten.
    async fn delivered(&self, delivery: &Delivery) -> Result<(), StoreError>;

    /// A delivery failed with `error`: the hook waits until `retry_at` and gives up its lease;
    /// when it has been failing for `pause_after` it is paused and returned, once.
    async fn delivery_failed(
        &self,
        hook_id: i64,
        error: &str,
        (now, retry_at): (DateTime<Utc>, DateTime<Utc>),
        pause_after: TimeDelta,
    ) -> Result<Option<Paused>, StoreError>;

    /// Gives up the lease this process took until `lease_ends_at`; a lease another process took
    /// since (this one ran out) is left alone.
    async fn release(&self, hook_id: i64, lease_ends_at: DateTime<Utc>) -> Result<(), StoreError>;

    /// Deliveries waiting, in every guild.
    async fn outbox_len(&self) -> Result<u64, StoreError>;
}
