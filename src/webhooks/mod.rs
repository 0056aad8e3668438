//! Outgoing webhooks as a service: registering hooks, publishing events into the durable outbox
//! and the loop that delivers it.
//!
//! Publishing writes the event to the outbox (one row per following hook) and wakes the loop;
//! the loop leases due hooks, sends each hook's deliveries oldest first, deletes what was
//! accepted, and after a failure makes the hook wait with backoff, pausing it after a day of
//! failures. Deliveries are at least once: a receiver that answered but whose answer was lost
//! gets the same event (same id) again.

pub mod payload;
pub mod sender;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::RngCore;
use tokio::sync::Notify;
use tokio::task::JoinSet;

use crate::clock::Clock;
use crate::config::Secret;
use crate::domain::ids::{ChannelId, GuildId};
use crate::domain::webhooks::{
    backoff, envelope, Destination, DestinationError, Event, Events, FIRST_RETRY, HOOK_LIMIT,
    PAUSE_AFTER,
};
use crate::store::webhooks::{NewHook, Paused};
use crate::store::{Store, StoreError};
pub use sender::Sender;

/// How long a process holds a hook it is delivering, in real time (the turn inside it is real
/// time too, whatever the clock's rate).
const LEASE: Duration = Duration::from_secs(60);

/// How long a process works one hook before letting others have their turn.
const TURN: Duration = Duration::from_secs(20);

/// How often the loop looks for due hooks when nothing woke it (retries, other processes).
const POLL: Duration = Duration::from_secs(1);

/// The shortest wait between two looks, so a hook due now but leased elsewhere is not polled
/// in a tight loop.
const MIN_WAIT: Duration = Duration::from_millis(5);

/// Hooks worked at once. A hook is leased only when a slot is free for it, so its turn plus
/// one delivery (30 s) ends well inside its lease.
const PARALLEL_HOOKS: usize = 8;

/// Tries at queueing an event before it is given up (and logged).
const QUEUE_TRIES: u32 = 3;

/// Why a hook was not added.
#[derive(Debug, thiserror::Error)]
pub enum AddError {
    /// The URL was refused.
    #[error("{0}")]
    Destination(#[from] DestinationError),
    /// The server has [`HOOK_LIMIT`] already.
    #[error("this server has {HOOK_LIMIT} webhooks already; remove one first")]
    Limit,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What became of a test delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ping {
    /// Queued.
    Queued,
    /// The hook is paused: nothing is sent until it is resumed.
    Paused,
    /// The server has no such hook.
    NoSuchHook,
}

/// A hook just added, with its secret: shown once, never again.
#[derive(Debug)]
pub struct Added {
    /// Its number.
    pub id: i64,
    /// Its signing secret.
    pub secret: Secret,
}

/// Webhooks for every server of this process.
pub struct Webhooks {
    store: Arc<dyn Store>,
    sender: Sender,
    clock: Clock,
    wake: Notify,
    first_retry: Duration,
}

impl Webhooks {
    /// Webhooks over `store`, sending with `sender`, timed by `clock`.
    #[must_use]
    pub fn new(store: Arc<dyn Store>, sender: Sender, clock: Clock) -> Self {
        Self {
            store,
            sender,
            clock,
            wake: Notify::new(),
            first_retry: FIRST_RETRY,
        }
    }

    /// The same with a different wait after a first failure (benchmarks and tests, whose
    /// receivers fail on purpose); doubling and the 15-minute cap stay.
    #[must_use]
    pub const fn with_first_retry(mut self, first_retry: Duration) -> Self {
        self.first_retry = first_retry;
        self
    }

    /// Adds a hook to `url` following `events`, added in `channel`, after checking the URL and
    /// the addresses its host resolves to.
    ///
    /// # Errors
    /// An [`AddError`] saying what is wrong; nothing is written then.
    pub async fn add(
        &self,
        guild: GuildId,
        url: &str,
        events: Events,
        channel: ChannelId,
    ) -> Result<Added, AddError> {
        let destination = Destination::parse(url, self.sender.allowed())?;
        self.sender.check_host(&destination).await?;
        let secret = Secret::new(random_hex(32));
        let hook = NewHook {
            guild_id: guild,
            url: destination.as_str().to_owned(),
            secret: secret.clone(),
            events,
            channel_id: channel,
        };
        let id = self
            .store
            .add_hook(&hook, HOOK_LIMIT, self.clock.now())
            .await?
            .ok_or(AddError::Limit)?;
        Ok(Added { id, secret })
    }

    /// Queues `event` with `data` for every hook of `guild` that follows it. Never fails the
    /// caller: the fact itself is recorded already, so a store error is retried a few times and
    /// then logged.
    pub async fn publish(&self, guild: GuildId, event: Event, data: serde_json::Value) {
        for attempt in 1..=QUEUE_TRIES {
            match self.queue(guild, event, None, &data).await {
                Ok(_) => return,
                Err(error) if attempt == QUEUE_TRIES => {
                    tracing::warn!(%error, guild = %guild, event = event.key(), "could not queue a webhook event");
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await,
            }
        }
    }

    /// Queues a test delivery for hook `hook` of `guild`.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn ping(&self, guild: GuildId, hook: i64) -> Result<Ping, StoreError> {
        let Some(found) = self
            .store
            .hooks(guild)
            .await?
            .into_iter()
            .find(|found| found.id == hook)
        else {
            return Ok(Ping::NoSuchHook);
        };
        if found.paused_at.is_some() {
            return Ok(Ping::Paused);
        }
        let data = serde_json::json!({ "hook_id": hook });
        self.queue(guild, Event::Ping, Some(hook), &data).await?;
        Ok(Ping::Queued)
    }

    async fn queue(
        &self,
        guild: GuildId,
        event: Event,
        only: Option<i64>,
        data: &serde_json::Value,
    ) -> Result<u64, StoreError> {
        let at = self.clock.now();
        let id = random_hex(16);
        let body = envelope(&id, event, guild.0, at, data);
        let queued = self
            .store
            .enqueue(guild, event, only, (&id, &body), at)
            .await?;
        if queued > 0 {
            self.wake.notify_one();
        }
        Ok(queued)
    }

    /// Delivers the outbox until `stopped` resolves, calling `on_paused` for each hook paused
    /// after a day of failures. Up to [`PARALLEL_HOOKS`] hooks are worked at once, each turn a
    /// task of its own (a turn holding a write transaction must never wait for this loop),
    /// taken as soon as a slot is free and a hook is due. Stops between deliveries, giving its
    /// leases back, so a restart picks up at once where this one stopped.
    pub async fn run<F, P>(self: &Arc<Self>, stopped: F, on_paused: P)
    where
        F: std::future::Future<Output = ()> + Send,
        P: Fn(Paused) + Send + Sync + 'static,
    {
        tokio::pin!(stopped);
        let stopping = Arc::new(AtomicBool::new(false));
        let on_paused = Arc::new(on_paused);
        let mut turns = JoinSet::new();
        loop {
            let free = PARALLEL_HOOKS - turns.len();
            let mut wait = POLL;
            if free > 0 {
                let now = self.clock.now();
                let lease_ends_at = now + self.clock.span(LEASE);
                let limit = u32::try_from(free).unwrap_or(1);
                match self.store.claim_due(now, lease_ends_at, limit).await {
                    Ok(claimed) => {
                        let all_taken = claimed.len() == free;
                        for hook in claimed {
                            let (this, stopping, on_paused) = (
                                Arc::clone(self),
                                Arc::clone(&stopping),
                                Arc::clone(&on_paused),
                            );
                            turns.spawn(async move {
                                this.work((hook, lease_ends_at), &stopping, on_paused.as_ref())
                                    .await;
                            });
                        }
                        if !all_taken {
                            wait = self.until_next_due().await;
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, "could not read the webhook outbox; retrying");
                    }
                }
            }
            tokio::select! {
                Some(_) = turns.join_next(), if !turns.is_empty() => {}
                () = self.wake.notified() => {}
                () = tokio::time::sleep(wait) => {}
                () = &mut stopped => {
                    // Each hook finishes the delivery in hand and gives its lease back.
                    stopping.store(true, Ordering::SeqCst);
                    while turns.join_next().await.is_some() {}
                    return;
                }
            }
        }
    }

    /// How long until the next hook falls due (a retry, or another process's lease ending),
    /// between [`MIN_WAIT`] and [`POLL`].
    async fn until_next_due(&self) -> Duration {
        match self.store.next_due().await {
            Ok(Some(due)) => self
                .clock
                .real(due - self.clock.now())
                .clamp(MIN_WAIT, POLL),
            Ok(None) | Err(_) => POLL,
        }
    }

    /// Sends `hook`'s deliveries oldest first for one turn, stopping at its first failure.
    async fn work(
        &self,
        (hook, lease_ends_at): (i64, DateTime<Utc>),
        stopping: &AtomicBool,
        on_paused: &(dyn Fn(Paused) + Send + Sync),
    ) {
        let started = tokio::time::Instant::now();
        let outcome: Result<(), StoreError> = async {
            while started.elapsed() < TURN && !stopping.load(Ordering::SeqCst) {
                let Some(delivery) = self.store.next_delivery(hook).await? else {
                    break;
                };
                match self.sender.send(&delivery).await {
                    Ok(()) => self.store.delivered(&delivery).await?,
                    Err(error) => {
                        let now = self.clock.now();
                        let failures = u32::try_from(delivery.failures + 1).unwrap_or(u32::MAX);
                        let wait = backoff(failures, self.first_retry);
                        let retry_at = now + self.clock.span(wait);
                        tracing::debug!(hook, %error, "a webhook delivery failed");
                        if let Some(paused) = self
                            .store
                            .delivery_failed(hook, &error, (now, retry_at), PAUSE_AFTER)
                            .await?
                        {
                            tracing::warn!(hook, guild = %paused.guild_id, "paused a webhook failing for a day");
                            on_paused(paused);
                        }
                        // `delivery_failed` gave the lease back.
                        return Ok(());
                    }
                }
            }
            self.store.release(hook, lease_ends_at).await
        }
        .await;
        if let Err(error) = outcome {
            // The lease runs out on its own; the delivery is still in the outbox.
            tracing::warn!(%error, hook, "webhook delivery interrupted by the store");
        }
    }

    /// Wakes the delivery loop (a hook was resumed).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The time now, as this service sees it.
    #[must_use]
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}

/// `bytes` random bytes as lowercase hex.
fn random_hex(bytes: usize) -> String {
    let mut raw = vec![0_u8; bytes];
    rand::thread_rng().fill_bytes(&mut raw);
    crate::domain::webhooks::hex(&raw)
}
