//! The Redis cache: shared by every shard process, used when `REDIS_URL` is set.
//!
//! # A dead Redis never fails a command
//!
//! Every call is bounded: a connection attempt gives up after [`CONNECTION_TIMEOUT`], an answer
//! after [`RESPONSE_TIMEOUT`], and the whole call after [`CALL_DEADLINE`] whatever happens inside
//! the driver. After a call fails for want of Redis, the connection is replaced by a fresh one
//! that connects on first use. Every call passes through the cache's one outage breaker,
//! [`CacheHealth`]: for [`RETRY_PAUSE`] after a failure calls fail at once without touching the
//! network, so during an outage at most one call per pause waits for a timeout and the others
//! fall back to the store immediately; the outage is logged once when it starts and once when it
//! ends. Redis coming back needs nothing from anyone: the next call after a pause connects again.
//!
//! # Start-up
//!
//! [`RedisCache::connect`] never fails. It pings once: if Redis answers it logs `connected`; if
//! not, it logs one warning saying the bot runs without it (which counts as the outage's start),
//! and the connection is retried on use as above. A URL the driver cannot use at all (a bad
//! database number, say) is logged as an error and every call then answers
//! [`CacheError::Unavailable`]: the bot still runs, from the database. `trakker check-config`
//! pings too, so an operator can see the problem before a start.
//!
//! # TLS
//!
//! `rediss://` connects over TLS, verified against the Mozilla root certificates bundled with
//! the binary. Heroku Redis presents a self-signed certificate: append `#insecure` to the URL
//! (`rediss://:password@host:port#insecure`) to skip verification, as the driver supports.
//! The connection is still encrypted, but no longer authenticated; use it only where the
//! provider requires it.
//!
//! # Secrets
//!
//! Log lines show the URL with its password redacted, and the password (as written and
//! decoded) is scrubbed from every error text before it leaves this module.

use std::fmt;
use std::future::Future;
use std::sync::{LazyLock, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{ErrorKind, RedisError, RedisResult, ServerErrorKind};

use super::{key, Cache, CacheBackend, CacheError, CacheHealth, CacheKey, Ranked, SealedView};
use crate::config::SecretUrl;
use crate::domain::ids::GuildId;

/// How long one connection attempt (TCP, TLS, AUTH) may take. Long enough for a TLS handshake
/// to a Redis in another region, short enough that a command does not notice.
pub const CONNECTION_TIMEOUT: Duration = Duration::from_secs(1);
/// How long Redis may take to answer one command; a healthy one answers in a millisecond.
pub const RESPONSE_TIMEOUT: Duration = Duration::from_millis(500);
/// The hard bound on one call, connecting included, whatever the driver does.
pub const CALL_DEADLINE: Duration = Duration::from_millis(1500);
/// After a failure, calls fail at once for this long before one tries to connect again: the
/// breaker's pause (see [`CacheHealth`]).
pub const RETRY_PAUSE: Duration = Duration::from_secs(1);

/// A cache in Redis, safe to share between tasks.
pub struct RedisCache {
    prefix: String,
    /// The URL as logs may show it (password redacted).
    shown_url: String,
    /// Texts that must not appear in any error message: the password, as written and decoded.
    secrets: Vec<String>,
    link: Link,
    health: CacheHealth,
}

enum Link {
    /// The driver accepted the URL; the connection may still be down. Boxed: it is much larger
    /// than the other variant.
    Ready(Box<Mutex<Connection>>),
    /// The driver refused the URL: every call fails with this reason.
    Unusable(String),
}

struct Connection {
    client: redis::Client,
    manager: ConnectionManager,
    /// Counts replacements, so that of many calls failing on one connection only the first
    /// replaces it.
    generation: u64,
}

impl RedisCache {
    /// A cache in the Redis at `url`, with keys under `prefix`. Never fails and returns within
    /// about [`CALL_DEADLINE`]: when Redis is down it logs a warning and connects later, on use.
    pub async fn connect(url: &SecretUrl, prefix: &str) -> Self {
        if let Err(error) = key::validate_prefix(prefix) {
            tracing::error!(%error, "the Redis cache has an unusable key prefix");
        }
        let shown_url = url.to_string();
        let secrets = password_forms(url.expose());
        let link = match redis::Client::open(url.expose()) {
            Ok(client) => {
                match ConnectionManager::new_lazy_with_config(client.clone(), manager_config()) {
                    Ok(manager) => Link::Ready(Box::new(Mutex::new(Connection {
                        client,
                        manager,
                        generation: 0,
                    }))),
                    Err(error) => Link::Unusable(scrub(&secrets, &error.to_string())),
                }
            }
            Err(error) => Link::Unusable(scrub(&secrets, &error.to_string())),
        };
        let cache = Self {
            prefix: prefix.to_owned(),
            shown_url,
            secrets,
            link,
            health: CacheHealth::new(RETRY_PAUSE),
        };
        // Not through `call`: a Redis that is down at start-up gets the warning below, in words
        // for that moment, instead of the breaker's "cache unavailable".
        let ping = cache.attempt(ping).await;
        if ping.is_err() {
            cache.health.note_down_at_start();
        }
        match (&cache.link, ping) {
            (Link::Unusable(reason), _) => tracing::error!(
                url = %cache.shown_url,
                "REDIS_URL cannot be used ({reason}); the bot runs without a cache, answering from the database"
            ),
            (Link::Ready(_), Ok(())) => {
                tracing::info!(url = %cache.shown_url, "connected to Redis");
            }
            (Link::Ready(_), Err(error)) => tracing::warn!(
                url = %cache.shown_url,
                "Redis is not reachable at start-up ({error}); the bot runs, answering from the database, and reconnects when Redis is back"
            ),
        }
        cache
    }

    /// The outage breaker every call of this cache passes through.
    #[must_use]
    pub fn health(&self) -> &CacheHealth {
        &self.health
    }

    /// The connection to use for one call and its generation, or an error at once when the URL
    /// is unusable.
    fn checkout(&self) -> Result<(ConnectionManager, u64), CacheError> {
        let connection = match &self.link {
            Link::Ready(connection) => lock(connection),
            Link::Unusable(reason) => {
                return Err(CacheError::Unavailable(format!(
                    "{}: {reason}",
                    self.shown_url
                )));
            }
        };
        Ok((connection.manager.clone(), connection.generation))
    }

    /// Replaces the connection of `generation` by a fresh one.
    /// Done here rather than left to the connection manager: it does not reconnect after a
    /// response timeout (a Redis that vanished without closing the socket), nor once its own
    /// reconnection has failed with something other than an I/O error.
    fn replace(&self, generation: u64) {
        let Link::Ready(connection) = &self.link else {
            return;
        };
        let mut connection = lock(connection);
        if connection.generation != generation {
            return; // another call already replaced it
        }
        match ConnectionManager::new_lazy_with_config(connection.client.clone(), manager_config()) {
            Ok(manager) => connection.manager = manager,
            // Only a configuration error fails here, and the client was built from the same
            // configuration before; keep the old connection, which reconnects by itself.
            Err(error) => {
                tracing::debug!(error = %self.scrub(&error.to_string()), "kept the Redis connection");
            }
        }
        connection.generation += 1;
    }

    /// Runs one call through the breaker: at once an error while it is open, else the call,
    /// whose outcome it notes.
    async fn call<T, F, Fut>(&self, op: F) -> Result<T, CacheError>
    where
        F: FnOnce(ConnectionManager) -> Fut + Send,
        Fut: Future<Output = RedisResult<T>> + Send,
    {
        if !self.health.worth_trying() {
            return Err(CacheError::Unavailable(format!(
                "{}: down at the last attempt, retrying shortly",
                self.shown_url
            )));
        }
        let result = self.attempt(op).await;
        self.health.note(&result);
        result
    }

    /// Runs one call with the deadline, classifying its failure.
    async fn attempt<T, F, Fut>(&self, op: F) -> Result<T, CacheError>
    where
        F: FnOnce(ConnectionManager) -> Fut + Send,
        Fut: Future<Output = RedisResult<T>> + Send,
    {
        let (manager, generation) = self.checkout()?;
        match tokio::time::timeout(CALL_DEADLINE, op(manager)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) if is_refusal(&error) => {
                Err(CacheError::Rejected(self.scrub(&error.to_string())))
            }
            Ok(Err(error)) => {
                self.replace(generation);
                let reason = self.scrub(&error.to_string());
                Err(CacheError::Unavailable(format!(
                    "{}: {reason}",
                    self.shown_url
                )))
            }
            Err(_elapsed) => {
                self.replace(generation);
                Err(CacheError::Unavailable(format!(
                    "{}: no answer within {} ms",
                    self.shown_url,
                    CALL_DEADLINE.as_millis()
                )))
            }
        }
    }

    fn scrub(&self, text: &str) -> String {
        scrub(&self.secrets, text)
    }
}

impl fmt::Debug for RedisCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Written by hand: the driver's client would print the connection info, password included.
        f.debug_struct("RedisCache")
            .field("url", &self.shown_url)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

/// [`Cache::zincr_sealed`]: `KEYS[1]` the set, `ARGV` seal, member, delta. A script, so that
/// the check for the seal and both increments happen with nothing in between.
static ZINCR_SEALED: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
        if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return false end
        redis.call('ZINCRBY', KEYS[1], ARGV[3], ARGV[2])
        return redis.call('ZINCRBY', KEYS[1], -1, ARGV[1])
        ",
    )
});

/// [`Cache::zview_sealed`]: `KEYS[1]` the set, `ARGV` seal, how many to fetch, member.
static ZVIEW_SEALED: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
        local seal = redis.call('ZSCORE', KEYS[1], ARGV[1])
        if not seal then return false end
        local top = redis.call('ZREVRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1, 'WITHSCORES')
        local rank = redis.call('ZREVRANK', KEYS[1], ARGV[3])
        local score = redis.call('ZSCORE', KEYS[1], ARGV[3])
        return {seal, top, rank, score}
        ",
    )
});

async fn ping(mut conn: ConnectionManager) -> RedisResult<()> {
    redis::cmd("PING").query_async::<()>(&mut conn).await
}

fn manager_config() -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_connection_timeout(Some(CONNECTION_TIMEOUT))
        .set_response_timeout(Some(RESPONSE_TIMEOUT))
        // One attempt per connection: retrying is paced by `RETRY_PAUSE` above, so that no call
        // waits through the driver's own backoff.
        .set_number_of_retries(0)
}

fn lock(connection: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // The critical sections only swap fields; a panic cannot leave one half-updated.
    connection.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Whether Redis answered and refused the call (a bug in the call), as opposed to not being
/// reachable or usable (an outage).
fn is_refusal(error: &RedisError) -> bool {
    match error.kind() {
        ErrorKind::Server(ServerErrorKind::ResponseError | ServerErrorKind::ExecAbort)
        | ErrorKind::UnexpectedReturnType => true,
        // Codes the driver does not know: WRONGTYPE is the caller's mistake; others (NOAUTH,
        // WRONGPASS) are the deployment's, and are logged once as an outage.
        ErrorKind::Extension => error.code() == Some("WRONGTYPE"),
        _ => false,
    }
}

/// The password of `url` as written and percent-decoded; empty forms are left out, since
/// scrubbing an empty string would mangle every message.
fn password_forms(url: &str) -> Vec<String> {
    let Some(password) = url::Url::parse(url)
        .ok()
        .and_then(|url| url.password().map(str::to_owned))
    else {
        return Vec::new();
    };
    let decoded = percent_decode(&password);
    let mut forms = vec![password];
    if !forms.contains(&decoded) {
        forms.push(decoded);
    }
    forms.retain(|form| !form.is_empty());
    forms
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                i += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

fn scrub(secrets: &[String], text: &str) -> String {
    secrets.iter().fold(text.to_owned(), |text, secret| {
        text.replace(secret.as_str(), "[redacted]")
    })
}

#[async_trait]
impl Cache for RedisCache {
    fn backend(&self) -> CacheBackend {
        CacheBackend::Redis
    }

    fn is_available(&self) -> bool {
        self.health.is_available()
    }

    fn prefix(&self) -> &str {
        &self.prefix
    }

    async fn ping(&self) -> Result<(), CacheError> {
        self.call(ping).await
    }

    async fn zincr(&self, key: &CacheKey, member: &str, delta: f64) -> Result<f64, CacheError> {
        let key = key.as_str();
        self.call(|mut conn| async move {
            redis::cmd("ZINCRBY")
                .arg(key)
                .arg(delta)
                .arg(member)
                .query_async(&mut conn)
                .await
        })
        .await
    }

    async fn zscore(&self, key: &CacheKey, member: &str) -> Result<Option<f64>, CacheError> {
        let key = key.as_str();
        self.call(|mut conn| async move {
            redis::cmd("ZSCORE")
                .arg(key)
                .arg(member)
                .query_async(&mut conn)
                .await
        })
        .await
    }

    async fn zrank_desc(&self, key: &CacheKey, member: &str) -> Result<Option<u64>, CacheError> {
        let key = key.as_str();
        self.call(|mut conn| async move {
            redis::cmd("ZREVRANK")
                .arg(key)
                .arg(member)
                .query_async(&mut conn)
                .await
        })
        .await
    }

    async fn ztop(&self, key: &CacheKey, limit: usize) -> Result<Vec<Ranked>, CacheError> {
        if limit == 0 {
            // `ZREVRANGE key 0 -1` would mean "all of them".
            return Ok(Vec::new());
        }
        let key = key.as_str();
        // A limit beyond i64 is "all of them", which -1 says.
        let stop = i64::try_from(limit - 1).unwrap_or(-1);
        // ZREVRANGE rather than `ZRANGE … REV`: the latter needs Redis 6.2, and hosted plans lag.
        let entries: Vec<(String, f64)> = self
            .call(|mut conn| async move {
                redis::cmd("ZREVRANGE")
                    .arg(key)
                    .arg(0)
                    .arg(stop)
                    .arg("WITHSCORES")
                    .query_async(&mut conn)
                    .await
            })
            .await?;
        Ok(entries
            .into_iter()
            .map(|(member, score)| Ranked { member, score })
            .collect())
    }

    async fn zincr_sealed(
        &self,
        key: &CacheKey,
        seal: &str,
        member: &str,
        delta: f64,
    ) -> Result<Option<f64>, CacheError> {
        let key = key.as_str();
        self.call(|mut conn| async move {
            ZINCR_SEALED
                .key(key)
                .arg(seal)
                .arg(member)
                .arg(delta)
                .invoke_async(&mut conn)
                .await
        })
        .await
    }

    async fn zview_sealed(
        &self,
        key: &CacheKey,
        seal: &str,
        limit: usize,
        member: &str,
    ) -> Result<Option<SealedView>, CacheError> {
        let key = key.as_str();
        // One more than asked for, since the seal may be among them (it is last when it is).
        let fetch = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
        let view: Option<(f64, Vec<(String, f64)>, Option<u64>, Option<f64>)> = self
            .call(|mut conn| async move {
                ZVIEW_SEALED
                    .key(key)
                    .arg(seal)
                    .arg(fetch)
                    .arg(member)
                    .invoke_async(&mut conn)
                    .await
            })
            .await?;
        Ok(view.map(|(sealed, top, rank, score)| SealedView {
            seal: sealed,
            top: top
                .into_iter()
                .filter(|(entry, _)| entry != seal)
                .take(limit)
                .map(|(member, score)| Ranked { member, score })
                .collect(),
            rank,
            score,
        }))
    }

    async fn zreplace(&self, key: &CacheKey, entries: &[Ranked]) -> Result<(), CacheError> {
        // Refused before sending: inside MULTI, a bad score would fail the ZADD after the DEL
        // had run, leaving the set empty instead of unchanged.
        if entries.iter().any(|entry| entry.score.is_nan()) {
            return Err(CacheError::Rejected(
                "ERR value is not a valid float".to_owned(),
            ));
        }
        let key = key.as_str();
        let mut pipeline = redis::pipe();
        // MULTI … EXEC: other clients see the old set or the new one, never the gap between.
        pipeline.atomic().cmd("DEL").arg(key).ignore();
        if !entries.is_empty() {
            let zadd = pipeline.cmd("ZADD").arg(key);
            for entry in entries {
                zadd.arg(entry.score).arg(&entry.member);
            }
            zadd.ignore();
        }
        self.call(|mut conn| async move { pipeline.query_async::<()>(&mut conn).await })
            .await
    }

    async fn zrem_guild(&self, guild: GuildId, member: &str) -> Result<u64, CacheError> {
        let pattern = format!("{}*", CacheKey::guild_start(&self.prefix, guild)?);
        let mut removed = 0;
        let mut cursor: u64 = 0;
        loop {
            // SCAN visits every key present for the whole scan at least once, without blocking
            // Redis the way KEYS would on a large keyspace.
            let pattern = pattern.as_str();
            let (next, keys): (u64, Vec<String>) = self
                .call(|mut conn| async move {
                    redis::cmd("SCAN")
                        .arg(cursor)
                        .arg("MATCH")
                        .arg(pattern)
                        .arg("COUNT")
                        .arg(SCAN_COUNT)
                        .query_async(&mut conn)
                        .await
                })
                .await?;
            if !keys.is_empty() {
                let mut pipeline = redis::pipe();
                for key in &keys {
                    pipeline.cmd("ZREM").arg(key).arg(member);
                }
                let counts: Vec<u64> = self
                    .call(|mut conn| async move { pipeline.query_async(&mut conn).await })
                    .await?;
                removed += counts.iter().filter(|&&count| count > 0).count() as u64;
            }
            if next == 0 {
                return Ok(removed);
            }
            cursor = next;
        }
    }
}

/// Keys SCAN looks at per call when erasing a member from a guild's sets.
const SCAN_COUNT: u64 = 1_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_scrubbed_as_written_and_decoded() {
        let forms = password_forms("rediss://user:p%40ss%3Aw0rd@cache.example:6380#insecure");
        assert_eq!(forms, ["p%40ss%3Aw0rd", "p@ss:w0rd"]);
        assert_eq!(
            scrub(&forms, "AUTH p@ss:w0rd failed"),
            "AUTH [redacted] failed"
        );
        assert!(password_forms("redis://127.0.0.1:6379").is_empty());
        assert!(password_forms("redis://user:@127.0.0.1:6379").is_empty());
    }

    #[test]
    fn a_truncated_escape_is_kept_as_written() {
        assert_eq!(percent_decode("ab%4"), "ab%4");
        assert_eq!(percent_decode("%zz%41"), "%zzA");
    }

    #[tokio::test]
    async fn an_unusable_url_makes_every_call_fail_without_leaking_the_password() {
        let url =
            SecretUrl::parse("redis://:hunter2secret@127.0.0.1:6379/not-a-db").expect("a URL");
        let cache = RedisCache::connect(&url, "test").await;
        let error = cache.ping().await.expect_err("the URL is unusable");
        assert!(error.is_outage());
        assert!(!error.to_string().contains("hunter2secret"), "{error}");
        assert!(!format!("{cache:?}").contains("hunter2secret"));
    }
}
