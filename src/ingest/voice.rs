//! Voice events, written at once and in order: joins, leaves, moves and flag changes go to the
//! database as they happen (not batched, since a session's start and end times are the data),
//! through one queue that retries a failed write until it succeeds, so an outage delays voice
//! bookkeeping but never drops or reorders it. Reconciliation after a restart goes through the
//! same queue, and so does each shard's heartbeat.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::clock::Clock;
use crate::domain::ids::{ChannelId, GuildId, UserId};
use crate::domain::voice::{reconcile, OpenSession, HEARTBEAT_GAP};
use crate::store::activity::VoiceFlags;
use crate::store::{Store, StoreError};

/// How often each shard records that it is alive.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(30);

/// The longest wait between two attempts of a failing write.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// One voice fact to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VoiceOp {
    /// The member's voice state as it is now: in `channel` (with `afk` when that is the guild's
    /// AFK channel) or out of voice, with these flags.
    ///
    /// serenity hands gateway events to handlers as concurrent tasks, so two voice events of one
    /// member can reach this queue in either order. Each therefore carries the member's latest
    /// state (read from the cache, which is updated in gateway order), not a transition: applying
    /// them in any order ends in the true state, and never opens a stay the member has left.
    Now {
        /// The guild's shard (each voice fact also proves the shard alive).
        shard: u32,
        /// The guild.
        guild_id: GuildId,
        /// Who.
        user_id: UserId,
        /// Where they are, and whether it is the AFK channel; `None` when out of voice.
        channel: Option<(ChannelId, bool)>,
        /// Their flags.
        flags: VoiceFlags,
        /// When.
        at: DateTime<Utc>,
    },
    /// Bring the store in line with who is in voice now (at `GUILD_CREATE`).
    Reconcile {
        /// The guild.
        guild_id: GuildId,
        /// Its shard, whose heartbeat tells whether the bot was down.
        shard: u32,
        /// Who is in which channel now, with their flags.
        present: HashMap<UserId, (ChannelId, VoiceFlags)>,
        /// The guild's AFK channel.
        afk_channel: Option<ChannelId>,
        /// Now.
        at: DateTime<Utc>,
    },
    /// The shard is alive.
    Heartbeat {
        /// The shard.
        shard: u32,
        /// When.
        at: DateTime<Utc>,
    },
}

/// The queue voice facts are written through. Cloning shares it.
#[derive(Clone)]
pub struct VoiceLog {
    sender: mpsc::UnboundedSender<VoiceOp>,
    clock: Clock,
}

/// The task writing a [`VoiceLog`].
pub struct VoiceWriter {
    task: JoinHandle<()>,
    close: watch::Sender<bool>,
}

impl VoiceLog {
    /// Starts the writer.
    #[must_use]
    pub fn start(store: Arc<dyn Store>, clock: Clock) -> (Self, VoiceWriter) {
        // Unbounded: voice events are a few per member per evening, and a handler must never
        // wait on the database, which a full bounded queue would make it do during an outage.
        let (sender, receiver) = mpsc::unbounded_channel();
        let (close, closed) = watch::channel(false);
        let heartbeat_gap = HEARTBEAT_GAP
            .to_std()
            .map_or(HEARTBEAT_GAP, |gap| clock.span(gap));
        let task = tokio::spawn(write(store, receiver, closed, clock.now(), heartbeat_gap));
        (Self { sender, clock }, VoiceWriter { task, close })
    }

    /// Queues one fact.
    pub fn record(&self, op: VoiceOp) {
        if self.sender.send(op).is_err() {
            tracing::warn!("a voice event arrived after shutdown and was not written");
        }
    }
}

impl VoiceWriter {
    /// Stops taking events and waits until everything queued is written, or until `deadline`.
    pub async fn finish(self, deadline: std::time::Instant) {
        let _ = self.close.send(true);
        let deadline = tokio::time::Instant::from_std(deadline);
        if tokio::time::timeout_at(deadline, self.task).await.is_err() {
            tracing::error!("voice events were still waiting for the database at shutdown");
        }
    }
}

/// What the writer remembers between ops.
struct Memory {
    /// Each shard's last heartbeat as the previous run left it, read before this process wrote
    /// its own: what a restart reconciles against.
    previous_run: HashMap<u32, Option<DateTime<Utc>>>,
    /// Guilds reconciled since this process started.
    reconciled: HashSet<GuildId>,
    /// When this writer started: sessions opened since were opened by this process.
    started: DateTime<Utc>,
    /// [`HEARTBEAT_GAP`] on the bot's clock: heartbeats come every 30 s of real time whatever
    /// its rate.
    heartbeat_gap: TimeDelta,
    /// The flags last written for each member in voice, so an event that changes nothing else
    /// (a repeat, or one overtaken by a later one) writes nothing.
    flags: HashMap<(GuildId, UserId), VoiceFlags>,
}

impl Memory {
    async fn previous_run_heartbeat(
        &mut self,
        store: &dyn Store,
        shard: u32,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        if let Some(beat) = self.previous_run.get(&shard) {
            return Ok(*beat);
        }
        let beat = store.last_heartbeat(shard).await?;
        self.previous_run.insert(shard, beat);
        Ok(beat)
    }
}

async fn write(
    store: Arc<dyn Store>,
    mut receiver: mpsc::UnboundedReceiver<VoiceOp>,
    mut closed: watch::Receiver<bool>,
    started: DateTime<Utc>,
    heartbeat_gap: TimeDelta,
) {
    let mut memory = Memory {
        previous_run: HashMap::new(),
        reconciled: HashSet::new(),
        started,
        heartbeat_gap,
        flags: HashMap::new(),
    };
    loop {
        let op = tokio::select! {
            op = receiver.recv() => op,
            _ = closed.changed() => {
                // Refuse new events, then write what is queued.
                receiver.close();
                receiver.recv().await
            }
        };
        let Some(op) = op else { return };
        let mut backoff = Duration::from_millis(200);
        let mut reported = false;
        while let Err(error) = apply(store.as_ref(), &mut memory, &op).await {
            if !reported {
                tracing::warn!(%error, "could not write a voice event; retrying until the database answers");
                reported = true;
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
        if reported {
            tracing::info!("voice events are being written again");
        }
    }
}

/// The guild's open voice sessions, as reconciliation sees them.
async fn open_sessions(store: &dyn Store, guild: GuildId) -> Result<Vec<OpenSession>, StoreError> {
    Ok(store
        .open_voice_sessions(guild)
        .await?
        .into_iter()
        .map(|session| OpenSession {
            id: session.id,
            user_id: session.user_id,
            channel_id: session.channel_id,
            joined_at: session.joined_at,
        })
        .collect())
}

async fn apply(store: &dyn Store, memory: &mut Memory, op: &VoiceOp) -> Result<(), StoreError> {
    match op {
        VoiceOp::Now {
            shard,
            guild_id,
            user_id,
            channel,
            flags,
            at,
        } => {
            let open = store
                .open_voice_sessions(*guild_id)
                .await?
                .into_iter()
                .find(|session| session.user_id == *user_id);
            let key = (*guild_id, *user_id);
            match (channel, open) {
                (None, None) => {}
                (None, Some(_)) => {
                    store.voice_leave(*guild_id, *user_id, *at).await?;
                    memory.flags.remove(&key);
                }
                (Some((channel, _)), Some(open)) if open.channel_id == *channel => {
                    if memory.flags.get(&key) != Some(flags) {
                        store
                            .voice_flags_changed(*guild_id, *user_id, *flags, *at)
                            .await?;
                        memory.flags.insert(key, *flags);
                    }
                }
                (Some((channel, afk)), _) => {
                    // Joined, or moved: the store closes any open stay first. The join records
                    // the flags on arrival.
                    store
                        .voice_join(*guild_id, *channel, *user_id, *afk, *flags, *at)
                        .await?;
                    memory.flags.insert(key, *flags);
                }
            }
            proven_alive(store, memory, *shard, *at).await;
            Ok(())
        }
        VoiceOp::Reconcile {
            guild_id,
            shard,
            present,
            afk_channel,
            at,
        } => {
            let open = open_sessions(store, *guild_id).await?;
            let channels: HashMap<UserId, ChannelId> = present
                .iter()
                .map(|(user, (channel, _))| (*user, *channel))
                .collect();
            let same_process = memory.reconciled.contains(guild_id);
            let last_heartbeat = if same_process {
                store.last_heartbeat(*shard).await?
            } else {
                memory.previous_run_heartbeat(store, *shard).await?
            };
            let plan = reconcile(
                &open,
                &channels,
                last_heartbeat,
                same_process,
                memory.started,
                *at,
                memory.heartbeat_gap,
            );
            for (session, end) in &plan.close {
                store.close_voice_session(*guild_id, *session, *end).await?;
            }
            for (user, channel) in &plan.open {
                let flags = present
                    .get(user)
                    .map(|(_, flags)| *flags)
                    .unwrap_or_default();
                let afk = Some(*channel) == *afk_channel;
                store
                    .voice_join(*guild_id, *channel, *user, afk, flags, *at)
                    .await?;
                memory.flags.insert((*guild_id, *user), flags);
            }
            memory.reconciled.insert(*guild_id);
            if !plan.close.is_empty() || !plan.open.is_empty() {
                tracing::info!(
                    guild = %guild_id,
                    closed = plan.close.len(),
                    opened = plan.open.len(),
                    "voice sessions reconciled"
                );
            }
            Ok(())
        }
        VoiceOp::Heartbeat { shard, at } => {
            memory.previous_run_heartbeat(store, *shard).await?;
            store.heartbeat(*shard, *at).await
        }
    }
}

/// A voice fact written at `at` shows the shard was alive then: move its heartbeat forward, so a
/// crash soon after closes sessions as late as is known to be true. Best effort: the fact itself
/// is written, and a missed heartbeat only makes a later reconciliation more cautious.
async fn proven_alive(store: &dyn Store, memory: &mut Memory, shard: u32, at: DateTime<Utc>) {
    let result = match memory.previous_run_heartbeat(store, shard).await {
        Ok(_) => store.heartbeat(shard, at).await,
        Err(error) => Err(error),
    };
    if let Err(error) = result {
        tracing::debug!(%error, shard, "could not move the heartbeat forward");
    }
}

/// Queues a heartbeat for `shard` every [`HEARTBEAT_EVERY`] for as long as the process runs.
#[must_use = "abort the task at shutdown"]
pub fn spawn_heartbeat(log: VoiceLog, shard: u32) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(HEARTBEAT_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            log.record(VoiceOp::Heartbeat {
                shard,
                at: log.clock.now(),
            });
        }
    })
}
