//! Test harness for the cache: the shared Redis (found through `TEST_REDIS_URL`, else the local
//! default port) with one random key prefix per test, cleaned up when the test ends, and private
//! `redis-server` processes that a test may stop, freeze and restart to stage an outage.
//!
//! A missing service prints one `skipped: …` line and the test passes, unless
//! `TRAKKER_REQUIRE_SERVICES=1`, when it fails instead.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use trakker::config::SecretUrl;

/// The Redis used when `TEST_REDIS_URL` is unset.
const DEFAULT_TEST_REDIS_URL: &str = "redis://127.0.0.1:6379";

/// Whether a missing service must fail the test instead of skipping it.
pub fn services_required() -> bool {
    std::env::var("TRAKKER_REQUIRE_SERVICES").is_ok_and(|value| value == "1")
}

/// Skips the test (one line on stdout) or, when services are required, fails it.
pub fn skip(reason: &str) {
    assert!(
        !services_required(),
        "TRAKKER_REQUIRE_SERVICES=1 but {reason}"
    );
    println!("skipped: {reason}");
}

/// A key prefix no other test or run uses, so tests share one Redis without meeting.
pub fn random_prefix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("test-{}-{nanos:x}-{n}", std::process::id())
}

/// The shared Redis and this test's prefix in it. Dropping it deletes every key under the prefix,
/// even when the test failed.
pub struct SharedRedis {
    /// Where the Redis is.
    pub url: SecretUrl,
    /// The prefix this test owns; keys under `{prefix}*` are deleted at the end.
    pub prefix: String,
}

impl SharedRedis {
    /// The shared Redis with a fresh prefix, or `None` (after saying so) when it is not reachable.
    pub fn open() -> Option<Self> {
        let raw =
            std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| DEFAULT_TEST_REDIS_URL.to_owned());
        let Ok(url) = SecretUrl::parse(&raw) else {
            skip("TEST_REDIS_URL is not a URL");
            return None;
        };
        if connect(&url)
            .and_then(|mut conn| redis::cmd("PING").query::<()>(&mut conn))
            .is_err()
        {
            skip(&format!("Redis not reachable at {url}"));
            return None;
        }
        Some(Self {
            url,
            prefix: random_prefix(),
        })
    }

    /// How many keys exist under this test's prefix.
    pub fn key_count(&self) -> usize {
        keys_under(&self.url, &self.prefix).map_or(usize::MAX, |keys| keys.len())
    }

    /// Deletes every key under this test's prefix (`SCAN {prefix}*`, then `DEL`).
    pub fn delete_keys(&self) {
        // Synchronous on purpose: `Drop` cannot await, and it must also run after a panic.
        if let Ok(keys) = keys_under(&self.url, &self.prefix) {
            if let Ok(mut conn) = connect(&self.url) {
                for chunk in keys.chunks(500) {
                    let _ = redis::cmd("DEL").arg(chunk).query::<()>(&mut conn);
                }
            }
        }
    }
}

impl Drop for SharedRedis {
    fn drop(&mut self) {
        self.delete_keys();
    }
}

fn connect(url: &SecretUrl) -> redis::RedisResult<redis::Connection> {
    let client = redis::Client::open(url.expose())?;
    let conn = client.get_connection_with_timeout(Duration::from_secs(1))?;
    conn.set_read_timeout(Some(Duration::from_secs(2)))?;
    Ok(conn)
}

/// Every key under `prefix`, by `SCAN` (never `KEYS`, which blocks a shared server).
fn keys_under(url: &SecretUrl, prefix: &str) -> redis::RedisResult<Vec<String>> {
    let mut conn = connect(url)?;
    let mut keys = Vec::new();
    let mut cursor = 0_u64;
    loop {
        let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}*"))
            .arg("COUNT")
            .arg(1000)
            .query(&mut conn)?;
        keys.extend(batch);
        if next == 0 {
            return Ok(keys);
        }
        cursor = next;
    }
}

/// A port on 127.0.0.1 that nothing listens on (free a moment ago).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port on 127.0.0.1")
}

/// The URL of a Redis on 127.0.0.1 at `port`, with `password` when given.
pub fn redis_url(port: u16, password: Option<&str>) -> SecretUrl {
    let auth = password.map_or(String::new(), |password| format!(":{password}@"));
    SecretUrl::parse(&format!("redis://{auth}127.0.0.1:{port}")).expect("a valid URL")
}

/// A `redis-server` of this test's own, on a free port, that it can stop, freeze and restart.
pub struct PrivateRedis {
    port: u16,
    password: Option<String>,
    child: Option<Child>,
}

impl PrivateRedis {
    /// Starts one on a free port, or `None` (after saying so) when `redis-server` cannot run.
    pub async fn start() -> Option<Self> {
        Self::start_on(free_port(), None).await
    }

    /// Starts one on `port`, requiring `password` when given, or `None` (after saying so) when
    /// `redis-server` cannot run.
    pub async fn start_on(port: u16, password: Option<&str>) -> Option<Self> {
        let mut server = Self {
            port,
            password: password.map(str::to_owned),
            child: None,
        };
        match server.spawn() {
            Ok(()) => {
                server.wait_until_listening().await;
                Some(server)
            }
            Err(error) => {
                skip(&format!("redis-server could not be started ({error})"));
                None
            }
        }
    }

    /// Its URL, with the password if it requires one.
    pub fn url(&self) -> SecretUrl {
        redis_url(self.port, self.password.as_deref())
    }

    /// Kills it, as a crash or a restart would.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port, with an empty data set.
    pub async fn restart(&mut self) {
        self.stop();
        self.spawn().expect("redis-server starts again");
        self.wait_until_listening().await;
    }

    /// Suspends it (SIGSTOP): connections stay open but nothing answers, as when a network
    /// path goes dark.
    pub fn freeze(&self) {
        self.signal("-STOP");
    }

    /// Resumes it after [`PrivateRedis::freeze`].
    pub fn thaw(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let pid = self
            .child
            .as_ref()
            .expect("the server is running")
            .id()
            .to_string();
        let status = Command::new("kill")
            .args([signal, &pid])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill {signal} {pid}");
    }

    fn spawn(&mut self) -> std::io::Result<()> {
        let port = self.port.to_string();
        let mut command = Command::new("redis-server");
        command.args([
            "--port",
            &port,
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]);
        if let Some(password) = &self.password {
            command.args(["--requirepass", password]);
        }
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        self.child = Some(child);
        Ok(())
    }

    /// Waits until the server answers a command, not only accepts connections: on a loaded
    /// machine the first command can otherwise time out and open the breaker under test.
    async fn wait_until_listening(&self) {
        let started = Instant::now();
        while !self.answers() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "redis-server did not start"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Whether a PING gets a reply (`+PONG`, or `-NOAUTH` when it requires a password).
    fn answers(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        let mut reply = [0_u8; 1];
        stream.write_all(b"PING\r\n").is_ok() && matches!(stream.read(&mut reply), Ok(1))
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        // SIGKILL ends a frozen server too.
        self.stop();
    }
}
