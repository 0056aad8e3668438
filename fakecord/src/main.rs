//! The `fakecord` binary: runs a fake Discord until interrupted.
//!
//! The first line on stdout is the base URL (`http://127.0.0.1:PORT`), so scripts can start it
//! with `--addr 127.0.0.1:0` and read the port; logs go to stderr.

use std::io::IsTerminal as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use fakecord::api::GuildSpec;
use fakecord::{Config, FakeDiscord, RateLimits};
use serde::Deserialize;
use tracing_subscriber::EnvFilter;

/// A fake Discord (REST, gateway and a control API) for testing bots end to end.
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:0")]
    addr: SocketAddr,
    /// Bot token the bot must present.
    #[arg(long, env = "FAKECORD_TOKEN", default_value = "fakecord-bot-token")]
    token: String,
    /// Shard count advertised by GET /gateway/bot.
    #[arg(long, default_value_t = 1)]
    shards: u32,
    /// JSON file with guilds to create at start: a list of guild specs, or {"guilds": [...]}.
    #[arg(long)]
    seed: Option<PathBuf>,
    /// Application (and bot user) id.
    #[arg(long)]
    application_id: Option<u64>,
    /// Dispatches kept per gateway session for RESUME.
    #[arg(long, default_value_t = 10_000)]
    replay_capacity: usize,
    /// Seconds the control API waits for the bot to answer an interaction.
    #[arg(long, default_value_t = 10)]
    interaction_timeout: u64,
    /// Discord OpenAPI spec to validate the bot's request bodies with.
    #[arg(long, env = "DISCORD_OPENAPI_SPEC")]
    openapi_spec: Option<PathBuf>,
    /// Refuse to start when the OpenAPI spec cannot be found or loaded.
    #[arg(long)]
    require_openapi_spec: bool,
    /// Enforce Discord's REST rate limits (50 requests a second, one reaction per 250 ms per
    /// channel), answering 429 beyond them.
    #[arg(long)]
    rate_limits: bool,
}

/// The seed file: a list of guilds, or an object holding one.
#[derive(Deserialize)]
#[serde(untagged)]
enum Seed {
    List(Vec<GuildSpec>),
    Wrapped { guilds: Vec<GuildSpec> },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let cli = Cli::parse();

    let seed = match &cli.seed {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading seed file {}", path.display()))?;
            match serde_json::from_str(&text)
                .with_context(|| format!("parsing seed file {}", path.display()))?
            {
                Seed::List(guilds) | Seed::Wrapped { guilds } => guilds,
            }
        }
        None => Vec::new(),
    };

    let mut config = Config::default()
        .with_addr(cli.addr)
        .with_token(cli.token)
        .with_shards(cli.shards)
        .with_replay_capacity(cli.replay_capacity)
        .with_interaction_timeout(Duration::from_secs(cli.interaction_timeout))
        .with_openapi_spec_required(cli.require_openapi_spec);
    if let Some(id) = cli.application_id {
        config = config.with_application_id(id);
    }
    if let Some(spec) = cli.openapi_spec {
        config = config.with_openapi_spec(spec);
    }
    if cli.rate_limits {
        config = config.with_rate_limits(RateLimits::discord());
    }

    let server = FakeDiscord::start(config)
        .await
        .context("starting fakecord")?;
    // The address first, alone on its line: scripts wait for it.
    println!("{}", server.base_url());
    let ids = server
        .seed(&seed)
        .map_err(anyhow::Error::msg)
        .context("creating the seed guilds")?;
    tracing::info!(
        guilds = ids.len(),
        application_id = %server.application_id(),
        "ready for a bot: DISCORD_API_BASE={}",
        server.base_url()
    );

    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    tracing::info!("shutting down");
    server.shutdown().await;
    Ok(())
}
