//! The real `trakker` binary against an in-process fakecord: start it with a fresh database,
//! wait until it is connected and its commands are registered, and stop it with SIGTERM,
//! checking that it exits cleanly.

use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fakecord::{FakeDiscord, Fakecord, RunningServer};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use trakker::config::DatabaseUrl;

/// How long start-up (connect, READY, command registration) may take before a test fails.
pub const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running bot process and the fake Discord it is connected to.
pub struct Bot {
    /// The fake Discord.
    pub server: RunningServer,
    /// A client of fakecord's control API.
    pub discord: Fakecord,
    child: Child,
    logs: Arc<Mutex<String>>,
    _workdir: tempfile::TempDir,
}

impl Bot {
    /// Starts fakecord and the bot on `database`, and waits until /about is registered.
    ///
    /// # Panics
    /// When either does not start in time; the bot's log is in the message.
    pub async fn start(database: &DatabaseUrl) -> Self {
        Self::start_with(database, &[]).await
    }

    /// Like [`Bot::start`], with extra environment variables for the bot.
    ///
    /// # Panics
    /// When either does not start in time; the bot's log is in the message.
    pub async fn start_with(database: &DatabaseUrl, vars: &[(&str, &str)]) -> Self {
        let server = FakeDiscord::start(fakecord::Config::default())
            .await
            .expect("fakecord starts");
        let discord = server.client();
        let workdir = tempfile::tempdir().expect("a working directory");
        let mut command = Command::new(env!("CARGO_BIN_EXE_trakker"));
        command
            .arg("run")
            .current_dir(workdir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("DISCORD_TOKEN", server.token())
            .env("DISCORD_API_BASE", server.base_url())
            .env("DATABASE_URL", database.expose())
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (name, value) in vars {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("the trakker binary starts");
        let logs = Arc::new(Mutex::new(String::new()));
        collect(child.stdout.take(), Arc::clone(&logs));
        collect(child.stderr.take(), Arc::clone(&logs));
        let bot = Self {
            server,
            discord,
            child,
            logs,
            _workdir: workdir,
        };
        if let Err(error) = bot
            .discord
            .wait_for_command("about", None, START_TIMEOUT)
            .await
        {
            panic!(
                "the bot did not register its commands: {error}\n--- bot log ---\n{}",
                bot.logs()
            );
        }
        bot
    }

    /// Creates a guild with a `general` text channel and `members`, as the bot sees it join.
    ///
    /// # Panics
    /// When fakecord refuses the guild.
    pub async fn guild(&self, name: &str, members: &[&str]) -> fakecord::api::GuildInfo {
        self.discord
            .create_guild(
                fakecord::api::GuildSpec::new(name)
                    .members(members.iter().copied())
                    .text_channel("general"),
            )
            .await
            .expect("guild created")
    }

    /// Everything the bot wrote to stdout and stderr so far.
    #[must_use]
    pub fn logs(&self) -> String {
        self.logs
            .lock()
            .map(|logs| logs.clone())
            .unwrap_or_default()
    }

    /// Sends SIGTERM and waits for the process to exit; returns its status and full log.
    ///
    /// # Panics
    /// When the bot does not exit within 15 seconds.
    pub async fn stop(mut self) -> (ExitStatus, String) {
        let pid = self.child.id().expect("the bot is still running");
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "SIGTERM delivered");
        let status = tokio::time::timeout(Duration::from_secs(15), self.child.wait())
            .await
            .unwrap_or_else(|_| panic!("the bot did not exit after SIGTERM\n{}", self.logs()))
            .expect("wait for the bot");
        // Give the log readers a moment to drain the pipes.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let logs = self.logs();
        self.server.shutdown().await;
        (status, logs)
    }
}

/// Polls `check` every 50 ms until it returns `Some`, or `None` once `timeout` has passed: for
/// state the bot writes from event handlers, which serenity runs concurrently.
pub async fn eventually<T, F, Fut>(timeout: Duration, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return Some(value);
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn collect(
    pipe: Option<impl tokio::io::AsyncRead + Unpin + Send + 'static>,
    logs: Arc<Mutex<String>>,
) {
    let Some(pipe) = pipe else { return };
    tokio::spawn(async move {
        let mut lines = BufReader::new(pipe).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if let Ok(mut logs) = logs.lock() {
                logs.push_str(&line);
                logs.push('\n');
            }
        }
    });
}
