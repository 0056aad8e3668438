//! Start-up and shutdown: turns a [`Config`] into a running bot.
//!
//! [`App`] is what every command and event handler can reach: the store, the cache and the facts
//! /about shows. It is built once, before the gateway connects, so a database that cannot be
//! opened stops the process with a clear message instead of failing the first command.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use tokio::task::JoinHandle;

use crate::cache::{self, Cache};
use crate::config::Config;
use crate::ingest::voice::{spawn_heartbeat, VoiceLog, VoiceWriter};
use crate::ingest::{Ingest, IngestTasks, Telemetry, SHUTDOWN_FLUSH_DEADLINE};
use crate::squad::Leaderboards;
use crate::store::{self, Store};

/// The key prefix trakker's cache entries live under, so several bots can share one Redis.
pub const CACHE_PREFIX: &str = "trakker";

/// Shared state of the running bot.
pub struct App {
    /// Where everything is stored.
    pub store: Arc<dyn Store>,
    /// Fast reads in front of the store.
    pub cache: Arc<dyn Cache>,
    /// Leaderboards served from the cache, always equal to the ledger.
    pub boards: Leaderboards,
    /// Counters from gateway events, batched into the store.
    pub ingest: Ingest,
    /// Voice events, written at once and in order.
    pub voice: VoiceLog,
    /// What the activity handlers learned about each guild (invite access, recent messages).
    pub telemetry: Telemetry,
    /// When this process started, for /about's uptime.
    pub started_at: Instant,
    /// The configuration the bot runs with.
    pub config: Config,
    background: Mutex<Background>,
}

/// Tasks to stop, in order, when the process exits.
#[derive(Default)]
struct Background {
    ingest: Option<IngestTasks>,
    voice: Option<VoiceWriter>,
    heartbeats: HashMap<u32, JoinHandle<()>>,
}

impl App {
    /// Opens the store (applying migrations) and the cache that `config` names.
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
        let boards = Leaderboards::new(Arc::clone(&store), Arc::clone(&cache));
        let (ingest, ingest_tasks) = Ingest::start(Arc::clone(&store), config.flush_interval);
        let (voice, voice_writer) = VoiceLog::start(Arc::clone(&store));
        Ok(Self {
            store,
            cache,
            boards,
            ingest,
            voice,
            telemetry: Telemetry::default(),
            background: Mutex::new(Background {
                ingest: Some(ingest_tasks),
                voice: Some(voice_writer),
                heartbeats: HashMap::new(),
            }),
            started_at: Instant::now(),
            config,
        })
    }

    /// Starts writing `shard`'s heartbeat, once per shard for the life of the process.
    pub fn keep_heartbeat(&self, shard: u32) {
        let mut background = self.background();
        background
            .heartbeats
            .entry(shard)
            .or_insert_with(|| spawn_heartbeat(self.voice.clone(), shard));
    }

    fn background(&self) -> std::sync::MutexGuard<'_, Background> {
        self.background
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes every pending count and voice event, then closes the store. Called once the
    /// gateway is closed, so no new event arrives meanwhile.
    pub async fn shutdown(&self) {
        let (ingest, voice) = {
            let mut background = self.background();
            for (_, heartbeat) in background.heartbeats.drain() {
                heartbeat.abort();
            }
            (background.ingest.take(), background.voice.take())
        };
        let deadline = Instant::now() + SHUTDOWN_FLUSH_DEADLINE;
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

/// The configured cache: Redis when `REDIS_URL` is set, memory otherwise.
pub async fn open_cache(config: &Config) -> Arc<dyn Cache> {
    match &config.redis_url {
        Some(url) => Arc::new(cache::redis::RedisCache::connect(url, CACHE_PREFIX).await),
        None => Arc::new(cache::memory::MemoryCache::new(CACHE_PREFIX)),
    }
}
