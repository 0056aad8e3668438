//! The serenity client: built from the configuration, run until the caller's shutdown future
//! resolves (in the binary, SIGTERM or Ctrl-C), every shard then closed before [`run`] returns.
//!
//! Before any shard connects, [`startup`] checks the token and registers the slash commands, so
//! a bot that could not answer anyone stops with a clear message instead of idling online. The
//! session sweeper starts with the shards; it is handed to the [`App`], which stops it.
//!
//! With `DISCORD_API_BASE` set, REST goes to that base through serenity's proxy support, with
//! the rate limiter off (the local server does not rate-limit), and the gateway URL comes from
//! `GET {base}/api/v10/gateway` like it would from Discord.

use std::future::Future;
use std::sync::Arc;

use anyhow::Context as _;
use poise::serenity_prelude as serenity;

use crate::app::{App, Task};
use crate::community::retention;
use crate::config::Sharding;
use crate::discord::schedule::SerenityPosts;
use crate::discord::startup::{self, Registration};
use crate::discord::{commands, error, events, intents, reply, sweeper, CommandError};
use crate::ops::metrics::Outcome;
use crate::ops::{ShardReport, ShardState};

/// This process's shards as the health server sees them: serenity's runners, read when asked.
struct Gateway {
    manager: Arc<serenity::ShardManager>,
    shards: std::ops::RangeInclusive<u32>,
}

#[async_trait::async_trait]
impl ShardReport for Gateway {
    async fn shards(&self) -> Vec<ShardState> {
        let runners = self.manager.runners.lock().await;
        self.shards
            .clone()
            .map(|id| match runners.get(&serenity::ShardId(id)) {
                Some(runner) => ShardState {
                    id,
                    connected: runner.stage == serenity::ConnectionStage::Connected,
                    stage: runner.stage.to_string(),
                    latency: runner.latency,
                },
                None => ShardState {
                    id,
                    connected: false,
                    stage: "not started yet".to_owned(),
                    latency: None,
                },
            })
            .collect()
    }
}

/// The REST client for the configured token: Discord's, or with `DISCORD_API_BASE` the local
/// server's (serenity's rate limiter off, since a local server has none).
///
/// # Errors
/// When no token is configured.
pub fn rest(config: &crate::config::Config) -> anyhow::Result<serenity::Http> {
    let token = config
        .discord_token
        .as_ref()
        .context(crate::config::MISSING_TOKEN_HELP)?;
    let mut http = serenity::HttpBuilder::new(token.expose());
    if let Some(base) = &config.discord_api_base {
        tracing::warn!(base = %base, "sending Discord traffic to a local server instead of discord.com");
        http = http
            .proxy(base.as_str().trim_end_matches('/'))
            .ratelimiter_disabled(true);
    }
    Ok(http.build())
}

/// A server's channel names by id, asked of Discord over REST (the command line has no
/// gateway cache to read them from).
///
/// # Errors
/// When no token is configured or Discord does not answer.
pub async fn channel_names(
    config: &crate::config::Config,
    guild: crate::domain::ids::GuildId,
) -> anyhow::Result<std::collections::HashMap<u64, String>> {
    let http = rest(config)?;
    let guild = serenity::GuildId::new(guild.0.max(1));
    Ok(guild
        .channels(&http)
        .await?
        .into_iter()
        .map(|(id, channel)| (id.get(), channel.name))
        .collect())
}

/// Connects to Discord and runs until `shutdown` resolves, then stops every shard and returns.
/// Resolving before the shards start (start-up retries can take a while) returns at once.
///
/// # Errors
/// When the token is refused, the commands cannot be registered, the gateway cannot be reached,
/// or a shard fails for good.
pub async fn run(
    app: Arc<App>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    // Boxed so it can be polled here during start-up, then moved into the task that stops the
    // shards.
    let mut shutdown = Box::pin(shutdown);
    let config = &app.config;
    let http = rest(config)?;
    if let Some(base) = &config.discord_api_base {
        // If this call fails, serenity silently falls back to Discord's real gateway, which would
        // send the token to discord.com while the operator asked for a local server.
        http.get_gateway()
            .await
            .with_context(|| format!("the local Discord at {base} did not answer GET /gateway"))?;
    }

    let commands = commands::all();
    let prepared = async {
        startup::check_token(&http).await?;
        if let Some(registration) = Registration::for_config(config) {
            startup::register_commands(&http, &commands, registration).await?;
        }
        anyhow::Ok(())
    };
    // Retries can take a while; a shutdown meanwhile (a deploy's SIGTERM) ends them at once.
    tokio::select! {
        result = prepared => result?,
        () = &mut shutdown => {
            tracing::info!("stopped before connecting to the gateway");
            return Ok(());
        }
    }

    let framework = framework(Arc::clone(&app), commands);
    let mut client = serenity::ClientBuilder::new_with_http(http, intents::for_config(config))
        .framework(framework)
        .await
        .context("could not build the Discord client")?;

    app.keep_task(
        Task::Sweeper,
        sweeper::spawn(Arc::clone(&client.http), Arc::clone(&app)),
    );
    app.keep_task(Task::Retention, retention::spawn(Arc::clone(&app)));
    app.keep_task(
        Task::VoiceAchievements,
        crate::discord::achievements::spawn_voice_pass(Arc::clone(&client.http), Arc::clone(&app)),
    );
    app.keep_task(
        Task::Webhooks,
        crate::discord::webhooks::spawn(Arc::clone(&client.http), Arc::clone(&app)),
    );
    app.schedules.connect(Arc::new(SerenityPosts::new(
        Arc::clone(&client.http),
        Arc::clone(&client.cache),
    )));
    app.keep_task(Task::Scheduler, app.schedules.spawn(app.stopped()));
    // Auto sharding asks Discord for its recommended count here rather than inside serenity, so
    // this process knows which shards it must have connected before it reports ready.
    let (first, last, total) = match config.sharding {
        Sharding::Auto => {
            let total = client
                .http
                .get_bot_gateway()
                .await
                .context("could not ask Discord how many shards to run")?
                .shards;
            (0, total.saturating_sub(1), total)
        }
        Sharding::Range { first, last, total } => (first, last, total),
    };
    let _ = app.gateway.set(Arc::new(Gateway {
        manager: Arc::clone(&client.shard_manager),
        shards: first..=last,
    }));
    let shard_manager = Arc::clone(&client.shard_manager);
    let stopper = tokio::spawn(async move {
        shutdown.await;
        tracing::info!("shutting down: closing the gateway connections");
        shard_manager.shutdown_all().await;
    });

    // serenity 0.12 reads the range's end as the last shard to run, not one past it: `first..last`
    // runs `first` to `last` inclusive (`first..last + 1` would start a shard of another process,
    // or one Discord refuses).
    let result = client.start_shard_range(first..last, total).await;
    stopper.abort();
    result.context("the gateway connection failed")
}

fn framework(
    app: Arc<App>,
    commands: Vec<poise::Command<Arc<App>, CommandError>>,
) -> poise::Framework<Arc<App>, CommandError> {
    poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands,
            on_error: |err| Box::pin(error::on_error(err)),
            pre_command: |ctx| Box::pin(reply::watch(ctx)),
            post_command: |ctx| Box::pin(error::count(ctx, Outcome::Ok)),
            allowed_mentions: Some(reply::nobody()),
            event_handler: |framework, event| Box::pin(events::handle(framework, event)),
            ..Default::default()
        })
        .initialize_owners(false)
        // Runs once, on the first READY. Nothing here may fail: a failing setup leaves every
        // command waiting for data that never comes, which is why registration happens before.
        .setup(move |_ctx, ready, _framework| {
            Box::pin(async move {
                tracing::info!(user = %ready.user.name, guilds = ready.guilds.len(), "connected to Discord");
                Ok(app)
            })
        })
        .build()
}
