//! The ingest pipeline: how gateway events become counts in the database without a handler ever
//! waiting on it, and without losing a count to a restart or an outage.
//!
//! ```text
//! handlers ──► bounded channel ──► aggregator (folds into Deltas) ──► writer (one transaction
//!                                                                      per flush interval)
//! ```
//!
//! - [`Ingest::record`] only waits when the channel is full, that is when the aggregator is
//!   behind; the aggregator never touches the database, so that wait is short and bounded.
//! - The aggregator merges events into [`Deltas`] per rollup row: memory grows with distinct rows
//!   between two flushes, not with events.
//! - The writer takes everything pending each interval and writes it in one transaction. When the
//!   database fails, the batch is merged back and retried with backoff; nothing is dropped, and
//!   one line per minute says how much is waiting.
//! - [`Ingest::shutdown`] (on SIGTERM) drains the channel and flushes until the database has
//!   everything, then returns.

mod telemetry;
pub mod voice;
mod writer;
mod written;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

pub use telemetry::Telemetry;
pub use written::WrittenHours;

use crate::domain::activity::{ActivityEvent, Deltas};
use crate::domain::ids::{GuildId, UserId};
use crate::store::Store;

/// Events the channel holds before handlers wait for the aggregator.
const CHANNEL_CAPACITY: usize = 65_536;

/// Events the aggregator takes from the channel per lock of the pending deltas.
const BATCH: usize = 1_024;

/// How long a shutdown keeps retrying a database that refuses the last writes, counters and voice
/// together: Heroku sends SIGKILL 30 s after SIGTERM.
pub const SHUTDOWN_FLUSH_DEADLINE: Duration = Duration::from_secs(25);

/// The handle gateway handlers record events through. Cloning shares the pipeline.
#[derive(Clone)]
pub struct Ingest {
    sender: mpsc::Sender<ActivityEvent>,
    pending: Arc<Mutex<Deltas>>,
    flusher: Arc<writer::Flusher>,
    recorded: Arc<AtomicU64>,
}

/// Flushes are held off while this lives (see [`Ingest::hold_without`]).
#[must_use = "flushes resume as soon as the hold is dropped"]
pub struct FlushHold(
    #[expect(dead_code, reason = "held for its drop")] tokio::sync::OwnedMutexGuard<()>,
);

/// How long [`Ingest::hold_without`] waits for the channel to drain.
const DRAIN_WAIT: Duration = Duration::from_secs(1);

/// The running pipeline's tasks, for [`IngestTasks::shutdown`].
pub struct IngestTasks {
    aggregator: JoinHandle<()>,
    close: watch::Sender<bool>,
    writer: writer::Writer,
}

/// Locks the pending deltas; a panic elsewhere cannot leave them half-merged, since each merge
/// is a sequence of additions that are each complete.
fn lock(pending: &Mutex<Deltas>) -> std::sync::MutexGuard<'_, Deltas> {
    pending.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Ingest {
    /// Starts the aggregator and the writer, flushing to `store` every `flush_interval`.
    #[must_use]
    pub fn start(store: Arc<dyn Store>, flush_interval: Duration) -> (Self, IngestTasks) {
        let (sender, receiver) = mpsc::channel(CHANNEL_CAPACITY);
        let (close, closed) = watch::channel(false);
        let pending = Arc::new(Mutex::new(Deltas::default()));
        let aggregator = tokio::spawn(aggregate(receiver, closed, Arc::clone(&pending)));
        let writer = writer::Writer::start(store, Arc::clone(&pending), flush_interval);
        let flusher = writer.flusher();
        let tasks = IngestTasks {
            aggregator,
            close,
            writer,
        };
        let recorded = Arc::new(AtomicU64::new(0));
        (
            Self {
                sender,
                pending,
                flusher,
                recorded,
            },
            tasks,
        )
    }

    /// What the flushes wrote, for readers that keep counts in memory.
    #[must_use]
    pub fn written(&self) -> Arc<WrittenHours> {
        self.flusher.written()
    }

    /// Records one event. Waits only while the channel is full.
    pub async fn record(&self, event: ActivityEvent) {
        self.recorded.fetch_add(1, Ordering::Relaxed);
        if let Err(error) = self.sender.send(event).await {
            // Only during shutdown: the channel is closed, so fold the event in directly and let
            // the final flush carry it.
            lock(&self.pending).add(error.0);
        }
    }

    /// Makes sure nothing of `user` in `guild` gathered so far reaches the store after an
    /// erasure: waits (a second at most) for the aggregator to fold in what the channel holds,
    /// drops the member's waiting rows and holds off flushes until the guard is dropped. Erase
    /// while holding it. Events arriving meanwhile still wait in the pending deltas.
    pub async fn hold_without(&self, guild: GuildId, user: UserId) -> FlushHold {
        let deadline = Instant::now() + DRAIN_WAIT;
        while self.sender.capacity() < self.sender.max_capacity() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        FlushHold(self.flusher.hold_without(guild, user).await)
    }

    /// Waits for a flush in progress and holds off the next while the guard lives: for another
    /// writer of this process (the retention task) to take turns with flushes. On SQLite, whose
    /// writers otherwise poll for the one write lock with growing sleeps, a flush then waits for
    /// one short batch instead of losing the race again and again.
    pub async fn hold(&self) -> FlushHold {
        FlushHold(self.flusher.hold().await)
    }

    /// Events recorded since the process started.
    #[must_use]
    pub fn recorded(&self) -> u64 {
        self.recorded.load(Ordering::Relaxed)
    }

    /// Rows waiting to be written (for /config status and logs).
    #[must_use]
    pub fn pending_rows(&self) -> usize {
        lock(&self.pending).rows() + self.flusher.inflight_rows()
    }

    /// How long the rows waiting now may have waited: the time since a flush last left nothing
    /// behind it, or zero when nothing waits. One flush interval at most while the database
    /// keeps up; it grows during an outage.
    #[must_use]
    pub fn flush_lag(&self) -> Duration {
        self.flusher.lag(self.pending_rows() > 0)
    }
}

impl IngestTasks {
    /// Closes the channel, folds in what it still holds, writes everything pending and returns
    /// once it is stored, or at `deadline` with the database still refusing (logged, with what is
    /// lost). Events recorded after this started go straight into the
    /// pending deltas and are written too.
    pub async fn shutdown(self, deadline: Instant) {
        let _ = self.close.send(true);
        if let Err(error) = self.aggregator.await {
            tracing::error!(%error, "the aggregator task failed");
        }
        self.writer.finish(deadline).await;
    }
}

/// Folds events from the channel into the pending deltas until it is closed and drained.
async fn aggregate(
    mut receiver: mpsc::Receiver<ActivityEvent>,
    mut closed: watch::Receiver<bool>,
    pending: Arc<Mutex<Deltas>>,
) {
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        tokio::select! {
            taken = receiver.recv_many(&mut batch, BATCH) => {
                if taken == 0 {
                    return;
                }
            }
            _ = closed.changed() => {
                // Refuse new events (senders fold them in themselves) and drain what is queued.
                receiver.close();
                while receiver.recv_many(&mut batch, BATCH).await > 0 {
                    fold(&pending, &mut batch);
                }
                return;
            }
        }
        fold(&pending, &mut batch);
    }
}

fn fold(pending: &Mutex<Deltas>, batch: &mut Vec<ActivityEvent>) {
    let mut deltas = lock(pending);
    for event in batch.drain(..) {
        deltas.add(event);
    }
}
