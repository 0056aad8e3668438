//! The batched writer: every flush interval, everything pending goes to the database in one
//! transaction, under a batch id. A batch that fails stays as it is and is retried with the same
//! id (with backoff) before anything newer, so a retry of a flush whose commit succeeded but
//! whose answer was lost is recognised by the store and not counted twice. Events arriving
//! meanwhile keep merging into the pending deltas.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::lock;
use super::written::WrittenHours;
use crate::domain::activity::Deltas;
use crate::domain::ids::{GuildId, UserId};
use crate::store::{Store, StoreError};

/// The longest wait between two attempts while the database is failing.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// The longest wait between two attempts of the final flush at shutdown.
const MAX_SHUTDOWN_BACKOFF: Duration = Duration::from_secs(5);

/// How often an ongoing outage is reported.
const OUTAGE_REPORT_EVERY: Duration = Duration::from_secs(60);

/// Takes batches out of the pending deltas and writes them.
pub(super) struct Flusher {
    store: Arc<dyn Store>,
    pending: Arc<Mutex<Deltas>>,
    /// The batch being written, kept as it is until the store has it, with when it was taken.
    inflight: Mutex<Option<Inflight>>,
    /// Held while a batch is written; by [`Flusher::hold_without`] so an erasure is never
    /// overtaken by a batch taken before it, and by [`Flusher::hold`] so another writer of this
    /// process takes turns with flushes instead of racing them for the database.
    writing: Arc<tokio::sync::Mutex<()>>,
    /// Unique to this process, so batch ids never collide across restarts or shards.
    run: String,
    next: AtomicU64,
    /// Where each written batch's message hours are noted.
    written: Arc<WrittenHours>,
    /// When a flush last left nothing behind it: rows waiting now have waited at most this long.
    caught_up: Mutex<Instant>,
}

/// A batch taken out of the pending deltas and not yet stored.
struct Inflight {
    id: String,
    batch: Deltas,
    /// When it was taken: rows pending after it arrived later.
    taken_at: Instant,
}

/// The outcome of one flush.
pub(super) enum Flush {
    /// Nothing was pending.
    Nothing,
    /// Written.
    Written { rows: usize, events: u64 },
    /// The database refused it; it will be retried as it is.
    Failed { rows: usize, error: StoreError },
}

impl Flusher {
    pub(super) fn new(store: Arc<dyn Store>, pending: Arc<Mutex<Deltas>>) -> Self {
        let started = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos());
        Self {
            store,
            pending,
            inflight: Mutex::new(None),
            writing: Arc::default(),
            run: format!("{started:x}-{:x}", std::process::id()),
            next: AtomicU64::new(0),
            written: Arc::default(),
            caught_up: Mutex::new(Instant::now()),
        }
    }

    /// What the flushes wrote.
    pub(super) fn written(&self) -> Arc<WrittenHours> {
        Arc::clone(&self.written)
    }

    /// Rows in the batch being retried, if any.
    pub(super) fn inflight_rows(&self) -> usize {
        self.inflight()
            .as_ref()
            .map_or(0, |inflight| inflight.batch.rows())
    }

    /// How long rows have waited since the writer last caught up, or zero when nothing waits.
    pub(super) fn lag(&self, waiting: bool) -> Duration {
        if waiting {
            self.caught_up
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .elapsed()
        } else {
            Duration::ZERO
        }
    }

    fn caught_up(&self, at: Instant) {
        *self
            .caught_up
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = at;
    }

    fn inflight(&self) -> std::sync::MutexGuard<'_, Option<Inflight>> {
        self.inflight.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for a flush in progress and holds off the next until the guard is dropped.
    pub(super) async fn hold(&self) -> tokio::sync::OwnedMutexGuard<()> {
        Arc::clone(&self.writing).lock_owned().await
    }

    /// Waits for a flush in progress, drops the waiting rows of `user` in `guild` (pending and
    /// in a batch being retried), and holds off flushes until the returned guard is dropped.
    pub(super) async fn hold_without(
        &self,
        guild: GuildId,
        user: UserId,
    ) -> tokio::sync::OwnedMutexGuard<()> {
        let held = self.hold().await;
        let mut dropped = lock(&self.pending).remove_member(guild, user);
        if let Some(inflight) = self.inflight().as_mut() {
            // The batch keeps its id: if it was written already, the retry is skipped as before;
            // if not, what is written no longer holds the member.
            dropped += inflight.batch.remove_member(guild, user);
        }
        tracing::debug!(rows = dropped, "dropped an erased member's waiting rows");
        held
    }

    /// Writes the batch being retried, or else everything pending as a new batch.
    pub(super) async fn flush(&self) -> Flush {
        let _writing = self.writing.lock().await;
        let retry = self.inflight().take();
        let Inflight {
            id,
            batch,
            taken_at,
        } = if let Some(inflight) = retry {
            inflight
        } else {
            let taken_at = Instant::now();
            let batch = std::mem::take(&mut *lock(&self.pending));
            if batch.is_empty() {
                self.caught_up(taken_at);
                return Flush::Nothing;
            }
            let number = self.next.fetch_add(1, Ordering::Relaxed);
            Inflight {
                id: format!("{}-{number}", self.run),
                batch,
                taken_at,
            }
        };
        let (rows, events) = (batch.rows(), batch.events);
        let result = self.store.apply_deltas(&id, &batch).await;
        crate::ops::metrics::flush(result.is_ok());
        match result {
            Ok(fresh) => {
                self.written.note(&batch);
                if !fresh {
                    tracing::info!(batch = %id, rows, "a retried flush had been written already; not counted twice");
                }
                // Everything pending when the batch was taken was in it: what waits now came
                // later.
                self.caught_up(taken_at);
                Flush::Written { rows, events }
            }
            Err(error) => {
                *self.inflight() = Some(Inflight {
                    id,
                    batch,
                    taken_at,
                });
                Flush::Failed { rows, error }
            }
        }
    }
}

/// The running writer.
pub(super) struct Writer {
    flusher: Arc<Flusher>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Writer {
    /// Starts flushing `pending` to `store` every `interval`.
    pub(super) fn start(
        store: Arc<dyn Store>,
        pending: Arc<Mutex<Deltas>>,
        interval: Duration,
    ) -> Self {
        let flusher = Arc::new(Flusher::new(store, pending));
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(run(Arc::clone(&flusher), interval, stopped));
        Self {
            flusher,
            stop,
            task,
        }
    }

    /// The flusher, for reading how much is waiting.
    pub(super) fn flusher(&self) -> Arc<Flusher> {
        Arc::clone(&self.flusher)
    }

    /// Stops the periodic flushes and writes what is left, retrying until `deadline`.
    pub(super) async fn finish(self, deadline: Instant) {
        // The loop flushes between ticks; stop it first so the final flushes run alone.
        let _ = self.stop.send(true);
        if let Err(error) = self.task.await {
            tracing::error!(%error, "the writer task failed");
        }
        let mut backoff = Duration::from_millis(200);
        loop {
            match self.flusher.flush().await {
                Flush::Nothing => return,
                Flush::Written { rows, events } => {
                    tracing::info!(rows, events, "flushed pending counts before exit");
                    // A handler that was still running may have folded in a last event: give it
                    // a moment and flush again until nothing is left.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Flush::Failed { rows, error } => {
                    if Instant::now() + backoff > deadline {
                        let waiting = rows + lock(&self.flusher.pending).rows();
                        tracing::error!(
                            rows = waiting,
                            %error,
                            "the database refused the last flush until the shutdown deadline; these counts are lost"
                        );
                        return;
                    }
                    tracing::warn!(rows, %error, "the last flush failed; retrying before exit");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_SHUTDOWN_BACKOFF);
                }
            }
        }
    }
}

async fn run(flusher: Arc<Flusher>, interval: Duration, mut stopped: watch::Receiver<bool>) {
    let mut wait = interval;
    let mut failing_since: Option<Instant> = None;
    let mut last_report: Option<Instant> = None;
    // Flushes start one interval apart, however long each takes to write.
    let mut started = tokio::time::Instant::now();
    loop {
        tokio::select! {
            () = tokio::time::sleep_until(started + wait) => {}
            _ = stopped.changed() => return,
        }
        started = tokio::time::Instant::now();
        match flusher.flush().await {
            Flush::Nothing => wait = interval,
            Flush::Written { rows, events } => {
                if let Some(since) = failing_since.take() {
                    tracing::info!(
                        rows,
                        events,
                        outage_secs = since.elapsed().as_secs(),
                        "database is back; pending counts written"
                    );
                    last_report = None;
                    // Whatever piled up behind the retried batch goes out at once.
                    wait = Duration::ZERO;
                } else {
                    tracing::debug!(rows, events, "flushed");
                    wait = interval;
                }
            }
            Flush::Failed { rows, error } => {
                let since = *failing_since.get_or_insert_with(Instant::now);
                if last_report.is_none_or(|at| at.elapsed() >= OUTAGE_REPORT_EVERY) {
                    let pending = rows + lock(&flusher.pending).rows();
                    tracing::warn!(
                        pending_rows = pending,
                        outage_secs = since.elapsed().as_secs(),
                        %error,
                        "database unavailable; counts are kept and retried"
                    );
                    last_report = Some(Instant::now());
                }
                wait = (wait * 2).clamp(interval, MAX_BACKOFF);
            }
        }
    }
}
