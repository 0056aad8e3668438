//! The real `trakker` binary as a child process: started against fakecord with a database and
//! an optional Redis, considered ready once it answers /about on a new gateway session, and
//! stopped with SIGTERM as Heroku would.

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use anyhow::Context as _;
use fakecord::api::CommandInvocation;
use fakecord::{RunningServer, Snowflake};
use tokio::process::{Child, Command};

/// How to start one bot.
pub struct Launch {
    /// The `trakker` binary.
    pub binary: PathBuf,
    /// `DATABASE_URL`.
    pub database_url: String,
    /// `REDIS_URL`; the in-process cache when `None`.
    pub redis_url: Option<String>,
    /// `RUST_LOG`; the bot's default when `None`.
    pub rust_log: Option<String>,
    /// Where the bot's stdout and stderr go.
    pub log_file: PathBuf,
    /// Further environment variables (e.g. `FLUSH_INTERVAL_MS`).
    pub env: Vec<(String, String)>,
}

/// A running bot.
pub struct Bot {
    child: Child,
    log_file: PathBuf,
    /// How long it took from the process's start.
    pub startup: Startup,
}

/// How long a bot took to start, from the moment its process was spawned.
#[derive(Clone, Copy, Debug)]
pub struct Startup {
    /// Until a new gateway session was connected (READY sent).
    pub ready: Duration,
    /// Until it answered /about.
    pub answered: Duration,
}

impl Bot {
    /// Starts the bot and waits until it answers /about in `guild` on a session that did not
    /// exist before (an earlier bot's session stays in fakecord, waiting for a resume).
    pub async fn start(
        server: &RunningServer,
        launch: &Launch,
        guild: Snowflake,
        timeout: Duration,
    ) -> anyhow::Result<Self> {
        let discord = server.client();
        let known: HashSet<String> = discord
            .status()
            .await?
            .sessions
            .into_iter()
            .map(|s| s.session_id)
            .collect();
        let log = std::fs::File::create(&launch.log_file)
            .with_context(|| format!("create {}", launch.log_file.display()))?;
        let mut command = Command::new(&launch.binary);
        command
            .arg("run")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("DISCORD_TOKEN", server.token())
            .env("DISCORD_API_BASE", server.base_url())
            .env("DATABASE_URL", &launch.database_url)
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log))
            .kill_on_drop(true);
        if let Some(redis) = &launch.redis_url {
            command.env("REDIS_URL", redis);
        }
        if let Some(filter) = &launch.rust_log {
            command.env("RUST_LOG", filter);
        }
        command.envs(launch.env.iter().map(|(name, value)| (name, value)));
        let spawned = std::time::Instant::now();
        let child = command
            .spawn()
            .with_context(|| format!("start {}", launch.binary.display()))?;
        let mut bot = Self {
            child,
            log_file: launch.log_file.clone(),
            startup: Startup {
                ready: Duration::ZERO,
                answered: Duration::ZERO,
            },
        };
        let ready_at = std::sync::Mutex::new(None);
        let ready = discord
            .wait_for(timeout, "a new gateway session answering /about", || {
                let (discord, known, ready_at) = (&discord, &known, &ready_at);
                async move {
                    let status = discord.status().await?;
                    let fresh = status.sessions.iter().any(|s| {
                        s.connected && s.written_seq >= 1 && !known.contains(&s.session_id)
                    });
                    if !fresh {
                        return Ok(None);
                    }
                    ready_at
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .get_or_insert_with(|| spawned.elapsed());
                    let about = CommandInvocation::new(guild, "member-0001", "about")
                        .timeout(Duration::from_secs(5));
                    Ok(discord.invoke_with(about).await.ok())
                }
            })
            .await;
        if let Err(error) = ready {
            anyhow::bail!(
                "the bot did not get ready: {error}\n--- bot log ---\n{}",
                bot.log_tail()
            );
        }
        let answered = spawned.elapsed();
        bot.startup = Startup {
            ready: ready_at
                .into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .unwrap_or(answered),
            answered,
        };
        Ok(bot)
    }

    /// The bot's process id, to read its CPU time and memory from /proc.
    #[must_use]
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Everything the bot wrote so far.
    #[must_use]
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_file).unwrap_or_default()
    }

    /// Where the bot's health and metrics server listens, from its log (`METRICS_ADDR` set).
    #[must_use]
    pub fn metrics_address(&self) -> Option<std::net::SocketAddr> {
        self.log()
            .lines()
            .rev()
            .find(|line| line.contains("serving /healthz, /readyz and /metrics"))?
            .split_whitespace()
            .find_map(|word| word.strip_prefix("addr="))?
            .parse()
            .ok()
    }

    /// The last lines the bot wrote, for error messages.
    #[must_use]
    pub fn log_tail(&self) -> String {
        let text = self.log();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Sends SIGTERM, waits for a clean exit and returns everything the bot logged.
    pub async fn stop(mut self) -> anyhow::Result<String> {
        let pid = self.child.id().context("the bot already exited")?;
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .context("run kill")?;
        anyhow::ensure!(sent.success(), "could not send SIGTERM to the bot ({pid})");
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .context("the bot did not exit within 30 s of SIGTERM")??;
        anyhow::ensure!(
            status.success(),
            "the bot exited with {status}\n--- bot log ---\n{}",
            self.log_tail()
        );
        Ok(self.log())
    }
}
