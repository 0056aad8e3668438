//! The batched writer: every flush interval, everything pending goes to the database in one
//! transaction; a failure puts it back and retries with backoff.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::lock;
use crate::domain::activity::Deltas;
use crate::store::Store;

/// The longest wait between two attempts while the database is failing.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// How often an ongoing outage is reported.
const OUTAGE_REPORT_EVERY: Duration = Duration::from_secs(60);

/// The running writer.
pub(super) struct Writer {
    store: Arc<dyn Store>,
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
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(run(Arc::clone(&store), pending, interval, stopped));
        Self { store, stop, task }
    }

    /// Stops the periodic flushes and writes what is left, retrying until `deadline` passes.
    pub(super) async fn finish(self, pending: Arc<Mutex<Deltas>>, deadline: Duration) {
        // The loop flushes between ticks; stop it first so the final flush runs alone.
        let _ = self.stop.send(true);
        if let Err(error) = self.task.await {
            tracing::error!(%error, "the writer task failed");
        }
        let started = Instant::now();
        let mut backoff = Duration::from_millis(200);
        loop {
            match flush(self.store.as_ref(), &pending).await {
                Flush::Nothing => return,
                Flush::Written { rows, events } => {
                    tracing::info!(rows, events, "flushed pending counts before exit");
                    // A handler that was still running may have folded in a last event: give it
                    // a moment and flush again until nothing is left.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Flush::Failed { rows, error } => {
                    if started.elapsed() + backoff > deadline {
                        tracing::error!(
                            rows,
                            %error,
                            "the database refused the last flush until the shutdown deadline; these counts are lost"
                        );
                        return;
                    }
                    tracing::warn!(rows, %error, "the last flush failed; retrying before exit");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
    }
}

/// The outcome of one flush.
enum Flush {
    /// Nothing was pending.
    Nothing,
    /// Written.
    Written { rows: usize, events: u64 },
    /// The database refused it; it is pending again.
    Failed {
        rows: usize,
        error: crate::store::StoreError,
    },
}

/// Takes everything pending and writes it; on failure puts it back.
async fn flush(store: &dyn Store, pending: &Mutex<Deltas>) -> Flush {
    let batch = std::mem::take(&mut *lock(pending));
    if batch.is_empty() {
        return Flush::Nothing;
    }
    let (rows, events) = (batch.rows(), batch.events);
    match store.apply_deltas(&batch).await {
        Ok(()) => Flush::Written { rows, events },
        Err(error) => {
            lock(pending).merge(batch);
            Flush::Failed { rows, error }
        }
    }
}

async fn run(
    store: Arc<dyn Store>,
    pending: Arc<Mutex<Deltas>>,
    interval: Duration,
    mut stopped: watch::Receiver<bool>,
) {
    let mut wait = interval;
    let mut failing_since: Option<Instant> = None;
    let mut last_report: Option<Instant> = None;
    loop {
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = stopped.changed() => return,
        }
        match flush(store.as_ref(), &pending).await {
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
                } else {
                    tracing::debug!(rows, events, "flushed");
                }
                wait = interval;
            }
            Flush::Failed { rows, error } => {
                let since = *failing_since.get_or_insert_with(Instant::now);
                if last_report.is_none_or(|at| at.elapsed() >= OUTAGE_REPORT_EVERY) {
                    tracing::warn!(
                        pending_rows = rows,
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
