//! The real `trakker` binary against an in-process fakecord: start it with a fresh database,
//! wait until it is connected and its commands are registered, and stop it with SIGTERM,
//! checking that it exits cleanly. [`run_until_exit`] is for starts that must fail.

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
    /// The fake Discord, shared with the other processes of a sharded bot ([`Bot::beside`]).
    pub server: Arc<RunningServer>,
    /// A client of fakecord's control API.
    pub discord: Fakecord,
    child: Child,
    logs: Arc<Mutex<String>>,
    database: DatabaseUrl,
    vars: Vec<(String, String)>,
    workdir: tempfile::TempDir,
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
        let server = start_fakecord().await;
        Self::launch(server, database, vars, None).await
    }

    /// Like [`Bot::start_with`], against a fakecord made from `config` (more shards, say).
    ///
    /// # Panics
    /// When either does not start in time; the bot's log is in the message.
    pub async fn start_on(
        config: fakecord::Config,
        database: &DatabaseUrl,
        vars: &[(&str, &str)],
    ) -> Self {
        let server = start_fakecord_with(config).await;
        Self::launch(server, database, vars, None).await
    }

    /// Like [`Bot::start_with`], against a fakecord that enforces Discord's rate limits (50
    /// requests a second, one reaction per quarter second per channel).
    ///
    /// # Panics
    /// When either does not start in time; the bot's log is in the message.
    pub async fn start_rate_limited(database: &DatabaseUrl, vars: &[(&str, &str)]) -> Self {
        let server = start_fakecord_with(
            fakecord::Config::default().with_rate_limits(fakecord::RateLimits::discord()),
        )
        .await;
        Self::launch(server, database, vars, None).await
    }

    /// Starts fakecord with a guild made from `spec`, then the bot with `DEV_GUILD_ID` set to that
    /// guild, and waits until /about is registered there.
    ///
    /// # Panics
    /// When either does not start in time; the bot's log is in the message.
    pub async fn start_in_dev_guild(
        database: &DatabaseUrl,
        spec: fakecord::api::GuildSpec,
    ) -> (Self, fakecord::api::GuildInfo) {
        let server = start_fakecord().await;
        let guild = server
            .client()
            .create_guild(spec)
            .await
            .expect("guild created");
        let bot = Self::launch(
            server,
            database,
            &[("DEV_GUILD_ID", &guild.id.to_string())],
            Some(guild.id),
        )
        .await;
        (bot, guild)
    }

    /// Starts the bot against `server`, and waits until /about is registered (globally, or in
    /// `guild`) and the bot is connected.
    async fn launch(
        server: RunningServer,
        database: &DatabaseUrl,
        vars: &[(&str, &str)],
        guild: Option<fakecord::Snowflake>,
    ) -> Self {
        let bot = Self::spawned(Arc::new(server), database, vars);
        bot.wait_until_registered(guild).await;
        bot
    }

    /// Starts the bot process against `server`, without waiting for anything.
    fn spawned(server: Arc<RunningServer>, database: &DatabaseUrl, vars: &[(&str, &str)]) -> Self {
        let discord = server.client();
        let workdir = tempfile::tempdir().expect("a working directory");
        let vars = owned(vars);
        let logs = Arc::new(Mutex::new(String::new()));
        let child = spawn(&server, database, &vars, workdir.path(), &logs);
        Self {
            server,
            discord,
            child,
            logs,
            database: database.clone(),
            vars,
            workdir,
        }
    }

    /// Starts another process of the same bot, on this one's fake Discord and database, with its
    /// own `vars` (e.g. another `SHARDS` range); returns once it is connected. Each process is
    /// stopped on its own; the fake Discord stops with the last.
    ///
    /// # Panics
    /// When it does not connect in time.
    pub async fn beside(&self, vars: &[(&str, &str)]) -> Self {
        let other = Self::spawned(Arc::clone(&self.server), &self.database, vars);
        let connected = eventually(START_TIMEOUT, || async {
            other.logs().contains("connected to Discord").then_some(())
        })
        .await;
        assert!(
            connected.is_some(),
            "the second process did not connect\n{}",
            other.logs()
        );
        other
    }

    /// Commands are registered before the gateway connects, so both are waited for: a test may
    /// act as soon as this returns.
    async fn wait_until_registered(&self, guild: Option<fakecord::Snowflake>) {
        if let Err(error) = self
            .discord
            .wait_for_command("about", guild, START_TIMEOUT)
            .await
        {
            panic!(
                "the bot did not register its commands: {error}\n--- bot log ---\n{}",
                self.logs()
            );
        }
        let connected = eventually(START_TIMEOUT, || async {
            self.logs().contains("connected to Discord").then_some(())
        })
        .await;
        assert!(
            connected.is_some(),
            "the bot did not connect to the gateway\n--- bot log ---\n{}",
            self.logs()
        );
    }

    /// Stops the bot with SIGTERM and starts it again on the same database and fake Discord, as
    /// a deploy would; returns once it is connected again.
    ///
    /// # Panics
    /// When the bot does not stop cleanly or does not come back.
    pub async fn restart(&mut self) {
        let status = self.terminate().await;
        assert!(
            status.success(),
            "the bot stopped cleanly before the restart\n{}",
            self.logs()
        );
        self.relaunch().await;
    }

    /// Kills the bot with SIGKILL, as a crash would: nothing is flushed. Start it again with
    /// [`Bot::relaunch`].
    pub async fn crash(&mut self) {
        self.child.kill().await.expect("SIGKILL delivered");
    }

    /// Starts the bot again after [`Bot::crash`]; returns once it is connected.
    ///
    /// # Panics
    /// When the bot does not come back.
    pub async fn relaunch(&mut self) {
        let connections_before = self.logs().matches("connected to Discord").count();
        self.child = spawn(
            &self.server,
            &self.database,
            &self.vars,
            self.workdir.path(),
            &self.logs,
        );
        let connected = eventually(START_TIMEOUT, || async {
            (self.logs().matches("connected to Discord").count() > connections_before).then_some(())
        })
        .await;
        assert!(connected.is_some(), "the bot came back\n{}", self.logs());
    }

    /// Creates a guild with a `general` text channel and `members`, as the bot sees it join.
    ///
    /// # Panics
    /// When fakecord refuses the guild.
    pub async fn guild(&self, name: &str, members: &[&str]) -> fakecord::api::GuildInfo {
        self.guild_from(
            fakecord::api::GuildSpec::new(name)
                .members(members.iter().copied())
                .text_channel("general"),
        )
        .await
    }

    /// Creates a guild from `spec` and waits until the bot has stored it (with its default game
    /// list), as it has before any member can run a command there on Discord.
    ///
    /// # Panics
    /// When fakecord refuses the guild or the bot does not store it in time.
    pub async fn guild_from(&self, spec: fakecord::api::GuildSpec) -> fakecord::api::GuildInfo {
        let guild = self
            .discord
            .create_guild(spec)
            .await
            .expect("guild created");
        let store = trakker::store::connect(&self.database, false)
            .await
            .expect("open the bot's database");
        let id = trakker::domain::ids::GuildId(guild.id.0);
        let stored = eventually(START_TIMEOUT, || async {
            super::stored::StoredRows::guild(store.as_ref(), id)
                .await
                .ok()
                .flatten()
                .map(drop)
        })
        .await;
        store.close().await;
        assert!(
            stored.is_some(),
            "the bot stored the guild\n{}",
            self.logs()
        );
        guild
    }

    /// Asserts that every body the bot sent passed Discord's OpenAPI spec and went to a route
    /// Discord has.
    ///
    /// # Panics
    /// Listing the offending requests, when one did not.
    pub async fn assert_discord_accepted_everything(&self) {
        let requests = self
            .discord
            .requests(&fakecord::api::RequestFilter::default())
            .await
            .expect("request log");
        let invalid: Vec<String> = requests
            .iter()
            .filter(|request| request.validation.starts_with("invalid"))
            .map(|request| {
                format!(
                    "{} {}: {}",
                    request.method, request.path, request.validation
                )
            })
            .collect();
        assert!(
            invalid.is_empty(),
            "bodies Discord would reject: {invalid:#?}"
        );
        let unexpected = self
            .discord
            .unexpected_requests()
            .await
            .expect("unexpected log");
        assert!(
            unexpected.is_empty(),
            "routes Discord does not have: {unexpected:#?}"
        );
    }

    /// Asserts that every message the bot created or edited, by any route, carried allowed
    /// mentions that ping nobody: no `parse` entry, no user or role ids, no replied-to author.
    /// [`Bot::stop`] runs it, so every end-to-end test checks it for every command it used.
    ///
    /// # Panics
    /// Listing the offending requests, when one could have pinged someone.
    pub async fn assert_nobody_pinged(&self) {
        let requests = self
            .discord
            .requests(&fakecord::api::RequestFilter::default())
            .await
            .expect("request log");
        let mut loud = Vec::new();
        for request in &requests {
            let Some(message) = message_body(&request.method, &request.path, request.body.as_ref())
            else {
                continue;
            };
            if let Err(why) = pings_nobody(message) {
                loud.push(format!("{} {}: {why}", request.method, request.path));
            }
        }
        assert!(
            loud.is_empty(),
            "messages that could ping someone: {loud:#?}"
        );
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
        let status = self.terminate().await;
        self.assert_nobody_pinged().await;
        let logs = self.logs();
        if let Ok(server) = Arc::try_unwrap(self.server) {
            server.shutdown().await;
        }
        (status, logs)
    }

    /// Sets an environment variable for the next start ([`Bot::relaunch`], [`Bot::restart`]).
    pub fn set_var(&mut self, name: &str, value: &str) {
        self.vars.retain(|(existing, _)| existing != name);
        self.vars.push((name.to_owned(), value.to_owned()));
    }

    /// Stops the bot with SIGTERM and waits for it to exit, leaving fakecord running; start it
    /// again with [`Bot::relaunch`].
    pub async fn terminate(&mut self) -> ExitStatus {
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
        status
    }
}

/// Starts fakecord and the bot with `vars`, for a start that must fail: waits up to `timeout`
/// for the bot to exit by itself, and returns its status (`None` if it was still running and
/// had to be killed) and everything it wrote.
pub async fn run_until_exit(
    database: &DatabaseUrl,
    vars: &[(&str, &str)],
    timeout: Duration,
) -> (Option<ExitStatus>, String) {
    let server = start_fakecord().await;
    let workdir = tempfile::tempdir().expect("a working directory");
    let vars = owned(vars);
    let logs = Arc::new(Mutex::new(String::new()));
    let mut child = spawn(&server, database, &vars, workdir.path(), &logs);
    let status = if let Ok(status) = tokio::time::timeout(timeout, child.wait()).await {
        Some(status.expect("wait for the bot"))
    } else {
        let _ = child.kill().await;
        None
    };
    // Give the log readers a moment to drain the pipes.
    tokio::time::sleep(Duration::from_millis(100)).await;
    server.shutdown().await;
    let logs = logs.lock().map(|logs| logs.clone()).unwrap_or_default();
    (status, logs)
}

/// `vars` as the bot keeps them, to start it again with the same environment.
fn owned(vars: &[(&str, &str)]) -> Vec<(String, String)> {
    vars.iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}

/// Starts fakecord. Where the suite must not skip anything (`TRAKKER_REQUIRE_SERVICES=1`, as in
/// CI), a missing or unreadable OpenAPI spec fails the test instead of silently turning off the
/// validation of every request body.
async fn start_fakecord() -> RunningServer {
    start_fakecord_with(fakecord::Config::default()).await
}

async fn start_fakecord_with(config: fakecord::Config) -> RunningServer {
    let required = super::db::services_required();
    FakeDiscord::start(config.with_openapi_spec_required(required))
        .await
        .unwrap_or_else(|error| panic!("fakecord starts: {error}"))
}

/// Starts the bot binary against `server` and `database`, its output appended to `logs`.
fn spawn(
    server: &RunningServer,
    database: &DatabaseUrl,
    vars: &[(String, String)],
    workdir: &std::path::Path,
    logs: &Arc<Mutex<String>>,
) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_trakker"));
    command
        .arg("run")
        .current_dir(workdir)
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
    collect(child.stdout.take(), Arc::clone(logs));
    collect(child.stderr.take(), Arc::clone(logs));
    child
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

/// The part of a request that becomes a message, for every route by which the bot creates or
/// edits one: channel messages, interaction answers (a message or a component's update), and
/// interaction follow-ups and edits.
fn message_body<'a>(
    method: &str,
    path: &str,
    body: Option<&'a serde_json::Value>,
) -> Option<&'a serde_json::Value> {
    let body = body?;
    let path = path.trim_start_matches("/api/v10");
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method, segments.as_slice()) {
        ("POST", ["channels", _, "messages"] | ["webhooks", _, _])
        | ("PATCH", ["channels", _, "messages", _] | ["webhooks", _, _, "messages", _]) => {
            Some(body)
        }
        ("POST", ["interactions", _, _, "callback"]) => {
            // 4: a message; 7: the message a component sits on, updated. Deferrals carry none.
            let kind = body.get("type").and_then(serde_json::Value::as_u64);
            matches!(kind, Some(4 | 7))
                .then(|| body.get("data"))
                .flatten()
        }
        _ => None,
    }
}

/// Whether a message body's allowed mentions ping nobody; the reason when they could.
fn pings_nobody(message: &serde_json::Value) -> Result<(), String> {
    let Some(mentions) = message.get("allowed_mentions") else {
        return Err(
            "no allowed_mentions: Discord's default pings every mention in the text".into(),
        );
    };
    let empty = |field: &str| {
        mentions
            .get(field)
            .is_none_or(|value| value.as_array().is_some_and(Vec::is_empty))
    };
    if !(empty("parse") && empty("users") && empty("roles")) {
        return Err(format!("allowed_mentions pings someone: {mentions}"));
    }
    if mentions.get("replied_user") == Some(&serde_json::Value::Bool(true)) {
        return Err("allowed_mentions pings the replied-to author".into());
    }
    Ok(())
}
