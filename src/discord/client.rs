//! The serenity client: built from the configuration, run until a signal, stopped cleanly.
//!
//! With `DISCORD_API_BASE` set, REST goes to that base through serenity's proxy support, with
//! the rate limiter off (the local server does not rate-limit), and the gateway URL comes from
//! `GET {base}/api/v10/gateway` like it would from Discord.

use std::sync::Arc;

use anyhow::Context as _;
use poise::serenity_prelude as serenity;

use crate::app::App;
use crate::config::Sharding;
use crate::discord::{commands, error, events, intents, reply, sweeper, CommandError};

/// Connects to Discord and runs until SIGTERM or Ctrl-C, then stops every shard and returns.
///
/// # Errors
/// When the token is refused, the gateway cannot be reached, or a shard fails for good.
pub async fn run(app: Arc<App>) -> anyhow::Result<()> {
    let config = &app.config;
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

    let http = http.build();
    if let Some(base) = &config.discord_api_base {
        // If this call fails, serenity silently falls back to Discord's real gateway, which would
        // send the token to discord.com while the operator asked for a local server.
        http.get_gateway()
            .await
            .with_context(|| format!("the local Discord at {base} did not answer GET /gateway"))?;
    }

    let framework = framework(Arc::clone(&app));
    let mut client = serenity::ClientBuilder::new_with_http(http, intents::for_config(config))
        .framework(framework)
        .await
        .context("could not build the Discord client")?;

    let shard_manager = Arc::clone(&client.shard_manager);
    let stopper = tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: closing the gateway connections");
        shard_manager.shutdown_all().await;
    });

    let result = match config.sharding {
        Sharding::Auto => client.start_autosharded().await,
        Sharding::Range { first, last, total } => {
            client.start_shard_range(first..last + 1, total).await
        }
    };
    stopper.abort();
    result.context("the gateway connection failed")
}

fn framework(app: Arc<App>) -> poise::Framework<Arc<App>, CommandError> {
    let dev_guild = app.config.dev_guild_id;
    poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: commands::all(),
            on_error: |err| Box::pin(error::on_error(err)),
            pre_command: |ctx| Box::pin(reply::watch(ctx)),
            allowed_mentions: Some(reply::nobody()),
            event_handler: |framework, event| Box::pin(events::handle(framework, event)),
            ..Default::default()
        })
        .initialize_owners(false)
        .setup(move |ctx, ready, framework| {
            Box::pin(async move {
                // With several processes sharing one bot, only the one running shard 0 registers.
                let registers = ready.shard.is_none_or(|shard| shard.id.0 == 0);
                if registers {
                    let commands = &framework.options().commands;
                    if let Some(guild) = dev_guild {
                        poise::builtins::register_in_guild(ctx, commands, serenity::GuildId::new(guild)).await?;
                        tracing::info!(guild, count = commands.len(), "commands registered in the development guild");
                    } else {
                        poise::builtins::register_globally(ctx, commands).await?;
                        tracing::info!(count = commands.len(), "commands registered globally");
                    }
                }
                tracing::info!(user = %ready.user.name, guilds = ready.guilds.len(), "connected to Discord");
                sweeper::spawn(Arc::clone(&ctx.http), Arc::clone(&app));
                Ok(app)
            })
        })
        .build()
}

/// Resolves on SIGTERM (Heroku, Docker, systemd) or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "could not listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "could not listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
