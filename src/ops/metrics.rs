//! Every metric trakker exports, named once: the recording functions below are the only place a
//! metric name appears, so a dashboard's query and the code cannot drift apart.
//!
//! Recording goes through the [`metrics`] facade. [`install`] puts a Prometheus recorder behind
//! it when `METRICS_ADDR` is set; otherwise the facade's calls find no recorder and do nothing,
//! which is why the hot paths (a counter per gateway event) can call them unconditionally.
//!
//! Gauges that describe the present (shards, waiting rows, the cache's state) are read when
//! scraped, by [`server`](super::server), rather than kept up to date on every change.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

const GATEWAY_EVENTS: &str = "trakker_gateway_events_total";
const SHARD_UP: &str = "trakker_shard_up";
const SHARD_LATENCY: &str = "trakker_shard_latency_seconds";
const COMMANDS: &str = "trakker_commands_total";
const COMMAND_DURATION: &str = "trakker_command_duration_seconds";
const INGEST_PENDING: &str = "trakker_ingest_pending_rows";
const INGEST_LAG: &str = "trakker_ingest_flush_lag_seconds";
const INGEST_EVENTS: &str = "trakker_ingest_events_total";
const INGEST_FLUSHES: &str = "trakker_ingest_flushes_total";
const DATABASE_ERRORS: &str = "trakker_database_errors_total";
const DATABASE_OUTAGES: &str = "trakker_database_outages_total";
const DATABASE_UP: &str = "trakker_database_up";
const CACHE_ERRORS: &str = "trakker_cache_errors_total";
const CACHE_OUTAGES: &str = "trakker_cache_outages_total";
const CACHE_UP: &str = "trakker_cache_up";
const SCHEDULE_POSTS: &str = "trakker_schedule_posts_total";
const SCHEDULE_EDITS: &str = "trakker_schedule_edits_total";
const SCHEDULE_COALESCED: &str = "trakker_schedule_edits_coalesced_total";

/// Upper bounds of the command latency buckets, in seconds: Discord's 3-second limit sits
/// between two of them, and the first ones separate a cached answer from a database read.
const COMMAND_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0,
];

/// Installs the Prometheus recorder for the whole process, once; later calls return the same
/// handle. `None` when another recorder was installed first (a library user's).
pub fn install() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full(COMMAND_DURATION.to_owned()),
                    &COMMAND_BUCKETS,
                )
                .ok()?;
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            describe();
            Some(handle)
        })
        .clone()
}

fn describe() {
    describe_counter!(GATEWAY_EVENTS, "Gateway events received, by event kind.");
    describe_gauge!(
        SHARD_UP,
        "1 while the shard is connected to the gateway, 0 otherwise."
    );
    describe_gauge!(SHARD_LATENCY, "The shard's last heartbeat round trip.");
    describe_counter!(COMMANDS, "Slash commands run, by command and outcome (ok, refused, unavailable, in_doubt, expired, failed).");
    describe_histogram!(
        COMMAND_DURATION,
        "Time from a command's start to its end, by command."
    );
    describe_gauge!(
        INGEST_PENDING,
        "Activity rows waiting to be written to the database."
    );
    describe_gauge!(
        INGEST_LAG,
        "How long rows have been waiting since the writer last caught up (0 when nothing waits)."
    );
    describe_counter!(INGEST_EVENTS, "Activity events recorded by this process.");
    describe_counter!(
        INGEST_FLUSHES,
        "Batched writes of activity rows, by outcome (written, failed)."
    );
    describe_counter!(
        DATABASE_ERRORS,
        "Database calls that failed, by kind (unavailable, in_doubt, refused)."
    );
    describe_counter!(DATABASE_OUTAGES, "Times the database stopped answering.");
    describe_gauge!(
        DATABASE_UP,
        "1 while the database answers, 0 during an outage."
    );
    describe_counter!(
        CACHE_ERRORS,
        "Cache calls that failed because the cache was unreachable."
    );
    describe_counter!(CACHE_OUTAGES, "Times the cache stopped answering.");
    describe_gauge!(
        CACHE_UP,
        "1 while the cache answers (always 1 for the in-process cache)."
    );
    describe_counter!(SCHEDULE_POSTS, "Daily schedule posts made.");
    describe_counter!(SCHEDULE_EDITS, "Edits of daily posts sent to Discord.");
    describe_counter!(
        SCHEDULE_COALESCED,
        "Changes to a daily post that rode along with an edit already scheduled."
    );
}

/// A gateway event of `kind` (serenity's snake-case name, e.g. `message`) arrived.
pub fn gateway_event(kind: &'static str) {
    counter!(GATEWAY_EVENTS, "event" => kind).increment(1);
}

/// Sets shard `shard`'s state, read when scraped.
pub fn shard(shard: u32, connected: bool, latency: Option<Duration>) {
    let label = shard.to_string();
    gauge!(SHARD_UP, "shard" => label.clone()).set(if connected { 1.0 } else { 0.0 });
    if let Some(latency) = latency {
        gauge!(SHARD_LATENCY, "shard" => label).set(latency.as_secs_f64());
    }
}

/// How a command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It did what was asked.
    Ok,
    /// It refused, with a sentence for the member (bad input, missing permission).
    Refused,
    /// The database did not answer; nothing was done.
    Unavailable,
    /// The database stopped answering while saving.
    InDoubt,
    /// Discord no longer knew the interaction.
    Expired,
    /// Something failed on our side (logged).
    Failed,
}

impl Outcome {
    const fn label(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Refused => "refused",
            Self::Unavailable => "unavailable",
            Self::InDoubt => "in_doubt",
            Self::Expired => "expired",
            Self::Failed => "failed",
        }
    }
}

/// Command `name` (its full name, e.g. `season start`) ended with `outcome` after `took`.
pub fn command(name: &str, outcome: Outcome, took: Option<Duration>) {
    counter!(COMMANDS, "command" => name.to_owned(), "outcome" => outcome.label()).increment(1);
    if let Some(took) = took {
        histogram!(COMMAND_DURATION, "command" => name.to_owned()).record(took.as_secs_f64());
    }
}

/// The ingest pipeline's state, read when scraped.
pub fn ingest(pending_rows: usize, lag: Duration, events: u64) {
    #[expect(clippy::cast_precision_loss, reason = "a gauge; exact below 2^52 rows")]
    gauge!(INGEST_PENDING).set(pending_rows as f64);
    gauge!(INGEST_LAG).set(lag.as_secs_f64());
    counter!(INGEST_EVENTS).absolute(events);
}

/// A batched write of activity rows was written (`true`) or failed.
pub fn flush(written: bool) {
    let outcome = if written { "written" } else { "failed" };
    counter!(INGEST_FLUSHES, "outcome" => outcome).increment(1);
    database_answered(written);
}

/// What kind of database failure, for [`database_error`].
#[derive(Clone, Copy, Debug)]
pub enum DatabaseFailure {
    /// Not reachable, or too busy.
    Unavailable,
    /// The connection broke during a commit.
    InDoubt,
    /// The database refused the statement.
    Refused,
}

/// A database call failed.
pub fn database_error(kind: DatabaseFailure) {
    let label = match kind {
        DatabaseFailure::Unavailable => "unavailable",
        DatabaseFailure::InDoubt => "in_doubt",
        DatabaseFailure::Refused => "refused",
    };
    counter!(DATABASE_ERRORS, "kind" => label).increment(1);
    if !matches!(kind, DatabaseFailure::Refused) {
        database_answered(false);
    }
}

/// Whether the database answered a call that can only fail for want of it (a flush, a ping):
/// an answer after a failure ends an outage, a failure after an answer starts one.
pub fn database_answered(answered: bool) {
    static DOWN: AtomicBool = AtomicBool::new(false);
    let was_down = DOWN.swap(!answered, Ordering::AcqRel);
    if !answered && !was_down {
        counter!(DATABASE_OUTAGES).increment(1);
    }
    gauge!(DATABASE_UP).set(if answered { 1.0 } else { 0.0 });
}

/// A cache call failed because the cache was unreachable; `started_outage` when it is the first
/// failure of an outage.
pub fn cache_error(started_outage: bool) {
    counter!(CACHE_ERRORS).increment(1);
    if started_outage {
        counter!(CACHE_OUTAGES).increment(1);
    }
}

/// Whether the cache answers, read when scraped.
pub fn cache_up(up: bool) {
    gauge!(CACHE_UP).set(if up { 1.0 } else { 0.0 });
}

/// A daily schedule post was made.
pub fn schedule_posted() {
    counter!(SCHEDULE_POSTS).increment(1);
}

/// An edit of a daily post was sent.
pub fn schedule_edited() {
    counter!(SCHEDULE_EDITS).increment(1);
}

/// A change to a daily post joined an edit already scheduled instead of making its own.
pub fn schedule_edit_coalesced() {
    counter!(SCHEDULE_COALESCED).increment(1);
}
