//! Start-up and shutdown: turns a [`Config`] into a running bot, and stops it in order.
//!
//! [`App`] is what every command and event handler can reach: the store, the cache and the facts
//! /about shows. [`App::start`] opens the store and the cache that the configuration names,
//! before the gateway connects, so a database that cannot be opened stops the process with a
//! clear message instead of failing the first command; [`App::new`] builds one from parts
//! already open, so a test can build one too.
//!
//! The app owns every background task: the ingest pipeline and the voice writer from the start,
//! the shards' heartbeats, the session sweeper, the daily post's scheduler and the retention task
//! once the Discord client starts them ([`Task`]). [`App::shutdown`], called once the gateway is
//! closed, stops them in this order: heartbeats, then the sweeper (letting a sweep in hand post
//! its summaries), the scheduler (letting a post in hand be made) and the retention task (between
//! two batches), then the final ingest flush,
//! then the voice writer, and closes the store last, all within [`SHUTDOWN_FLUSH_DEADLINE`].

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::cache::{self, Cache};
use crate::clock::Clock;
use crate::community::charts::ChartCache;
use crate::community::retention::RetentionWake;
use crate::community::Membership;
use crate::config::Config;
use crate::ingest::voice::{spawn_heartbeat, VoiceLog, VoiceWriter};
use crate::ingest::{Ingest, IngestTasks, Telemetry, SHUTDOWN_FLUSH_DEADLINE};
use crate::ops::ShardReport;
use crate::schedule::Schedules;
use crate::squad::Leaderboards;
use crate::store::{self, Store};
use crate::webhooks::{Sender, Webhooks};

/// The key prefix trakker's cache entries live under, so several bots can share one Redis.
pub const CACHE_PREFIX: &str = "trakker";

/// How long a sweep or a post in hand at shutdown may take to finish: enough to post a few summaries,
/// while the rest of the deadline stays for the counts and voice events, which matter more.
const TASK_GRACE: Duration = Duration::from_secs(5);

/// Shared state of the running bot.
pub struct App {
    /// Where everything is stored.
    pub store: Arc<dyn Store>,
    /// Fast reads in front of the store.
    pub cache: Arc<dyn Cache>,
    /// Leaderboards served from the cache, always equal to the ledger.
    pub boards: Leaderboards,
    /// Members joining and leaving, their game presence, the servers' invites.
    pub membership: Membership,
    /// Who plays when: the daily post and its scheduler.
    pub schedules: Arc<Schedules>,
    /// Counters from gateway events, batched into the store.
    pub ingest: Ingest,
    /// Voice events, written at once and in order.
    pub voice: VoiceLog,
    /// What the activity handlers learned about each guild (invite access, recent messages).
    pub telemetry: Telemetry,
    /// The voice stays the charts read, kept per guild between draws.
    pub chart_cache: ChartCache,
    /// Wakes the retention task when a server's retention changes.
    pub retention: RetentionWake,
    /// Outgoing webhooks: events published into the outbox, delivered by [`Task::Webhooks`].
    pub webhooks: Arc<Webhooks>,
    /// When this process started, for /about's uptime.
    pub started_at: Instant,
    /// The configuration the bot runs with.
    pub config: Config,
    /// This process's shards, once the Discord client is built: for `/readyz` and the metrics.
    pub gateway: OnceLock<Arc<dyn ShardReport>>,
    /// The one clock: everything recorded or decided by the time reads it ([`App::now`]).
    pub clock: Clock,
    background: Mutex<Background>,
    /// Set to `true` when shutdown begins, for tasks that finish the work in hand first.
    stop: watch::Sender<bool>,
}

/// Tasks to stop, in order, when the process exits.
struct Background {
    ingest: Option<IngestTasks>,
    voice: Option<VoiceWriter>,
    heartbeats: HashMap<u32, JoinHandle<()>>,
    /// Tasks that finish the work in hand once [`App::stopped`] resolves, by kind.
    tasks: HashMap<Task, JoinHandle<()>>,
}

/// The background tasks started with the Discord client, one of each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Task {
    /// Ends idle game sessions and posts their summaries.
    Sweeper,
    /// Makes the daily schedule posts.
    Scheduler,
    /// Removes activity older than each server's retention.
    Retention,
    /// Checks the voice milestones of members whose stays closed.
    VoiceAchievements,
    /// Delivers the webhook outbox.
    Webhooks,
}

impl Task {
    const fn name(self) -> &'static str {
        match self {
            Self::Sweeper => "the session sweeper",
            Self::Scheduler => "the daily post's scheduler",
            Self::Retention => "the retention task",
            Self::VoiceAchievements => "the achievements voice pass",
            Self::Webhooks => "the webhook deliveries",
        }
    }
}

impl App {
    /// Opens the store (applying migrations) and the cache that `config` names, then builds the
    /// app from them with [`App::new`].
    ///
    /// # Errors
    /// When the database cannot be opened or migrated. A Redis that cannot be reached is not an
    /// error: the bot starts and answers from the database until Redis is back.
    pub async fn start(config: Config) -> anyhow::Result<Self> {
        // The error names the database and the cause already ("could not connect to the database
        // at …: connection refused"); more context would only repeat the URL.
        let store: Arc<dyn Store> = store::connect(&config.database_url, true).await?.into();
        let cache = open_cache(&config).await;
        tracing::info!(
            storage = store.backend().name(),
            cache = cache.backend().name(),
            "storage ready"
        );
        Ok(Self::new(config, store, cache))
    }

    /// The app over a `store` and a `cache` already open. Starts the ingest pipeline and the voice
    /// writer, so it must be called inside a tokio runtime.
    #[must_use]
    pub fn new(config: Config, store: Arc<dyn Store>, cache: Arc<dyn Cache>) -> Self {
        let clock = config
            .clock_start
            .map_or_else(Clock::system, Clock::starting_at);
        let clock = config.clock_rate.map_or(clock, |rate| clock.running(rate));
        let boards = Leaderboards::new(Arc::clone(&store), Arc::clone(&cache), clock);
        let membership = Membership::new(Arc::clone(&store), clock);
        let webhooks = Arc::new(Webhooks::new(
            Arc::clone(&store),
            Sender::new(config.webhook_networks.clone()),
            clock,
        ));
        let schedules = Arc::new(Schedules::new(Arc::clone(&store), clock));
        schedules.publish_to(Arc::clone(&webhooks));
        let (ingest, ingest_tasks) = Ingest::start(Arc::clone(&store), config.flush_interval);
        let chart_cache = ChartCache::new(ingest.written());
        let (voice, voice_writer) = VoiceLog::start(Arc::clone(&store), clock);
        Self {
            clock,
            store,
            cache,
            boards,
            membership,
            schedules,
            ingest,
            voice,
            telemetry: Telemetry::default(),
            chart_cache,
            retention: RetentionWake::default(),
            webhooks,
            background: Mutex::new(Background {
                ingest: Some(ingest_tasks),
                voice: Some(voice_writer),
                heartbeats: HashMap::new(),
                tasks: HashMap::new(),
            }),
            stop: watch::Sender::new(false),
            started_at: Instant::now(),
            config,
            gateway: OnceLock::new(),
        }
    }

    /// Starts writing `shard`'s heartbeat, once per shard for the life of the process.
    pub fn keep_heartbeat(&self, shard: u32) {
        let mut background = self.background();
        background
            .heartbeats
            .entry(shard)
            .or_insert_with(|| spawn_heartbeat(self.voice.clone(), shard));
    }

    /// Keeps a background task started with the Discord client, to stop it at shutdown; it
    /// should end soon after [`App::stopped`] resolves. A task of the same kind kept before is
    /// aborted: two sweepers would post every idle summary twice, two schedulers would race for
    /// the same posts.
    pub fn keep_task(&self, kind: Task, task: JoinHandle<()>) {
        if let Some(previous) = self.background().tasks.insert(kind, task) {
            previous.abort();
        }
    }

    /// Resolves once shutdown has begun, for background tasks that finish the work in hand and
    /// then return instead of being cut off mid-way.
    pub fn stopped(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut stop = self.stop.subscribe();
        async move {
            // An error means the app is gone, which is a stop too.
            let _ = stop.wait_for(|stopped| *stopped).await;
        }
    }

    /// The current time on the one clock.
    #[must_use]
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Whether shutdown has begun.
    #[must_use]
    pub fn is_stopping(&self) -> bool {
        *self.stop.borrow()
    }

    fn background(&self) -> std::sync::MutexGuard<'_, Background> {
        self.background
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Stops the background tasks in order (see the module documentation): writes every pending
    /// count and voice event, then closes the store. Called once the gateway is closed, so no
    /// new event arrives meanwhile.
    pub async fn shutdown(&self) {
        let deadline = Instant::now() + SHUTDOWN_FLUSH_DEADLINE;
        let (tasks, ingest, voice) = {
            let mut background = self.background();
            for (_, heartbeat) in background.heartbeats.drain() {
                heartbeat.abort();
            }
            (
                std::mem::take(&mut background.tasks),
                background.ingest.take(),
                background.voice.take(),
            )
        };
        self.stop.send_replace(true);
        // They finish the work in hand at once, within one grace period.
        futures::future::join_all(
            tasks
                .into_iter()
                .map(|(kind, task)| stop_task(task, kind.name())),
        )
        .await;
        if let Some(ingest) = ingest {
            ingest.shutdown(deadline).await;
            tracing::info!(
                events = self.ingest.recorded(),
                "activity events recorded by this process"
            );
        }
        if let Some(voice) = voice {
            voice.finish(deadline).await;
        }
        self.store.close().await;
    }
}

/// Waits for a task to finish the work in hand, for up to [`TASK_GRACE`], then stops it.
async fn stop_task(mut task: JoinHandle<()>, name: &str) {
    match tokio::time::timeout(TASK_GRACE, &mut task).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::error!(%error, "{name} failed"),
        Err(_elapsed) => {
            task.abort();
            tracing::warn!("stopped {name} in the middle of its work");
        }
    }
}

/// The configured cache: Redis when `REDIS_URL` is set, memory otherwise.
pub async fn open_cache(config: &Config) -> Arc<dyn Cache> {
    match &config.redis_url {
        Some(url) => Arc::new(cache::redis::RedisCache::connect(url, CACHE_PREFIX).await),
        None => Arc::new(cache::memory::MemoryCache::new(CACHE_PREFIX)),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;
    use crate::cache::memory::MemoryCache;
    use crate::domain::ids::GuildId;

    /// An app over an in-memory database and cache, as a test builds one.
    pub(crate) async fn app() -> App {
        let config = Config::from_lookup(|name| {
            (name == "DATABASE_URL").then(|| "sqlite::memory:".to_owned())
        })
        .expect("a valid configuration");
        let store: Arc<dyn Store> = store::connect(&config.database_url, true)
            .await
            .expect("an in-memory database")
            .into();
        App::new(config, store, Arc::new(MemoryCache::new(CACHE_PREFIX)))
    }

    #[tokio::test]
    async fn shutdown_lets_the_sweeper_finish_before_the_store_closes() {
        let app = Arc::new(app().await);
        let finished = Arc::new(AtomicBool::new(false));
        let sweeper = {
            let (app, finished) = (Arc::clone(&app), Arc::clone(&finished));
            let stopped = app.stopped();
            tokio::spawn(async move {
                stopped.await;
                // The last sweep still reaches the database.
                app.store
                    .settings(GuildId(1))
                    .await
                    .expect("the store is still open");
                finished.store(true, Ordering::SeqCst);
            })
        };
        app.keep_task(Task::Sweeper, sweeper);

        app.shutdown().await;
        assert!(
            finished.load(Ordering::SeqCst),
            "the sweeper ran to its end"
        );
    }
}
