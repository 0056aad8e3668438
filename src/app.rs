//! Start-up and shutdown: turns a [`Config`] into a running bot.
//!
//! [`App`] is what every command and event handler can reach: the store, the cache and the facts
//! /about shows. It is built once, before the gateway connects, so a database that cannot be
//! opened stops the process with a clear message instead of failing the first command.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;

use crate::cache::{self, Cache, CacheHealth};
use crate::config::Config;
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
    /// Notes cache outages so they are logged once, not once per command.
    pub cache_health: CacheHealth,
    /// Leaderboards served from the cache, always equal to the ledger.
    pub boards: Leaderboards,
    /// When this process started, for /about's uptime.
    pub started_at: Instant,
    /// The configuration the bot runs with.
    pub config: Config,
}

impl App {
    /// Opens the store (applying migrations) and the cache that `config` names.
    ///
    /// # Errors
    /// When the database cannot be opened or migrated. A Redis that cannot be reached is not an
    /// error: the bot starts and answers from the database until Redis is back.
    pub async fn start(config: Config) -> anyhow::Result<Self> {
        let store: Arc<dyn Store> = store::connect(&config.database_url, true)
            .await
            .with_context(|| format!("could not open the database at {}", config.database_url))?
            .into();
        let cache = open_cache(&config).await;
        tracing::info!(
            storage = store.backend().name(),
            cache = cache.backend().name(),
            "storage ready"
        );
        let cache_health = CacheHealth::default();
        let boards = Leaderboards::new(Arc::clone(&cache), cache_health.clone());
        Ok(Self {
            store,
            cache,
            cache_health,
            boards,
            started_at: Instant::now(),
            config,
        })
    }

    /// Flushes and closes what needs closing before the process exits.
    pub async fn shutdown(&self) {
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
