//! The retention task: removes raw activity older than each server's retention, in small batches
//! with a pause between them, so the ingest writer and the voice writer never wait long for the
//! database. It runs an hour apart, and at once when a manager changes a server's retention.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::community::charts::ChartCache;
use crate::domain::ids::GuildId;
use crate::domain::retention::RetentionDays;
use crate::ingest::Ingest;
use crate::store::{Store, StoreError};

/// Rows of each kind one batch removes at most.
pub const BATCH_ROWS: u32 = 2_000;

/// The pause between two batches, in which writers get the database.
pub const PAUSE: Duration = Duration::from_millis(20);

/// How often every server is checked for old rows.
const EVERY: Duration = Duration::from_secs(3_600);

/// Wakes the retention task before its next hour (a server's retention changed).
#[derive(Debug, Default)]
pub struct RetentionWake(Notify);

impl RetentionWake {
    /// Asks for a pass now.
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

/// Starts the task: a pass now, then every [`EVERY`] or when woken, until [`App::stopped`]
/// resolves. A pass in hand then stops where it is: every batch commits on its own, and the
/// next start carries on. Hand it to [`App::keep_task`].
#[must_use]
pub fn spawn(app: Arc<App>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let stopped = app.stopped();
        tokio::pin!(stopped);
        loop {
            tokio::select! {
                () = &mut stopped => return,
                result = pass(&app) => {
                    if let Err(error) = result {
                        tracing::warn!(%error, "a retention pass failed; retrying at the next");
                    }
                }
            }
            tokio::select! {
                () = &mut stopped => return,
                () = tokio::time::sleep(EVERY) => {}
                () = app.retention.0.notified() => {}
            }
        }
    })
}

/// One pass over every server with a retention; returns the rows removed.
///
/// # Errors
/// When the store fails; what earlier batches removed stays removed.
pub async fn pass(app: &App) -> Result<u64, StoreError> {
    let neighbours = Neighbours {
        charts: &app.chart_cache,
        ingest: &app.ingest,
    };
    let removed = apply(app.store.as_ref(), Some(neighbours), app.now()).await?;
    Ok(removed.iter().map(|(_, _, rows)| rows).sum())
}

/// Applies every server's retention as of `now` (the bot's clock, which stamped the rows);
/// returns, per server with a retention, the days kept and the rows removed. `neighbours` are
/// the bot's own, or `None` from the command line.
///
/// # Errors
/// When the store fails; what earlier batches removed stays removed.
pub async fn apply(
    store: &dyn Store,
    neighbours: Option<Neighbours<'_>>,
    now: DateTime<Utc>,
) -> Result<Vec<(GuildId, RetentionDays, u64)>, StoreError> {
    let mut removed = Vec::new();
    for (guild, days) in store.retention_guilds().await? {
        let rows = purge(store, neighbours, guild, days.cutoff(now)).await?;
        removed.push((guild, days, rows));
    }
    Ok(removed)
}

/// What a purge inside the bot's process must keep in step: the charts' cached voice stays and
/// the ingest writer, which takes turns with the batches. From the command line there is
/// neither: a running bot drops the removed stays from its charts when its cached copy of the
/// server expires (15 minutes after its last draw) or at restart.
#[derive(Clone, Copy)]
pub struct Neighbours<'a> {
    /// The charts' cache.
    pub charts: &'a ChartCache,
    /// The ingest writer.
    pub ingest: &'a Ingest,
}

/// Removes everything of `guild` from `before` back, batch by batch, taking turns with the
/// ingest writer's flushes, and makes the charts read the voice stays again when some went
/// (both when `neighbours` are given);
/// returns the rows removed.
///
/// # Errors
/// When the store fails; what earlier batches removed stays removed.
pub async fn purge(
    store: &dyn Store,
    neighbours: Option<Neighbours<'_>>,
    guild: GuildId,
    before: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let mut removed = 0;
    loop {
        let purged = {
            // Batches and flushes take turns, so a flush waits one batch at most.
            let _turn = match neighbours {
                Some(neighbours) => Some(neighbours.ingest.hold().await),
                None => None,
            };
            store.purge_activity(guild, before, BATCH_ROWS).await?
        };
        if let (true, Some(neighbours)) = (purged.voice_stays, neighbours) {
            neighbours.charts.forget(guild);
        }
        removed += purged.rows;
        if purged.rows == 0 {
            break;
        }
        tokio::time::sleep(PAUSE).await;
    }
    if removed > 0 {
        tracing::info!(
            guild = guild.0,
            rows = removed,
            %before,
            "removed activity older than the server's retention"
        );
    }
    Ok(removed)
}
