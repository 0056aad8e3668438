//! `trakker-demo`: see trakker work before creating a Discord application. It starts fakecord
//! (a fake Discord on 127.0.0.1) with a simulated community, runs the real bot against it on a
//! clock running fast, plays weeks of the community's life in about a minute, then prints the
//! leaderboard, a session summary and the daily post as text and draws every chart into PNG
//! files. Nothing leaves the machine: no token, no network beyond the loopback address.

mod community;
mod play;
mod report;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::{DateTime, TimeDelta, Utc};
use clap::Parser;
use fakecord::api::{
    ChannelKind, ChannelSpec, CommandInvocation, GuildInfo, GuildSpec, OptionSpec,
};
use fakecord::{FakeDiscord, Fakecord};
use trakker::app::App;
use trakker::config::Config;

use crate::community::{FIRST_HOUR, LAST_HOUR, SCHEDULE_CHANNEL, TEXT_CHANNELS, VOICE_CHANNELS};
use crate::report::{embed_text, section, Names};

/// Plays weeks of a gaming community's life through the real trakker bot and a local fake
/// Discord, fast-forwarded, then shows what the bot made of it.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Days of community life to play.
    #[arg(long, default_value_t = 21, value_parser = clap::value_parser!(u32).range(1..=60))]
    days: u32,
    /// About how many real seconds to play them in (the bot's clock runs that much faster).
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u32).range(5..=3600))]
    seconds: u32,
    /// Where the demo's database and pictures go (made when missing; a previous demo's
    /// database there is replaced).
    #[arg(long, default_value = "trakker-demo")]
    out: PathBuf,
    /// Another seed plays other weeks.
    #[arg(long, default_value_t = 7)]
    seed: u64,
}

/// How long the bot gets to start.
const PATIENCE: Duration = Duration::from_secs(30);
/// How long the bot gets to answer a command (Discord gives three seconds, then a follow-up).
const ANSWER: Duration = Duration::from_secs(10);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| "error".to_owned());
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .init();
    let rate = args.days * 86_400 / args.seconds;
    if rate > trakker::clock::MAX_RATE {
        anyhow::bail!(
            "{} days in {} seconds needs the clock {rate} times faster than real time; the most is {}: give more --seconds",
            args.days,
            args.seconds,
            trakker::clock::MAX_RATE
        );
    }
    let began = Instant::now();
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("could not make {}", args.out.display()))?;
    let database = fresh_database(&args.out)?;
    println!(
        "trakker demo: the real bot, a fake Discord on this machine and {} days of a {}-member community, played in about {} s. Nothing leaves this machine.",
        args.days,
        community::MEMBERS.len(),
        args.seconds
    );

    let server = FakeDiscord::start(fakecord::Config::default())
        .await
        .context("could not start the fake Discord")?;
    let discord = server.client();
    let guild = discord.create_guild(server_spec()).await?;
    // The weeks end at today's midnight (UTC): everything played lies in the past.
    let today = Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .context("midnight")?
        .and_utc();
    let start = today - TimeDelta::days(i64::from(args.days));
    // The bot's clock starts a day early: its start-up and the schedule's set-up use that day
    // (about three real seconds), so the first played day begins only once the bot is ready.
    let config = config(&server, &database, start - TimeDelta::days(1), rate)?;
    println!(
        "\n1. Fake Discord at {}; the bot's database is {}",
        server.base_url(),
        database.display()
    );

    let app = Arc::new(App::start(config.clone()).await?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let client = tokio::spawn(trakker::discord::client::run(Arc::clone(&app), async {
        let _ = stopped.await;
    }));
    ready(&discord, &guild).await?;
    set_up(&discord, &guild).await?;

    println!(
        "\n2. Playing {} days (the bot's clock runs {rate} times faster than yours)",
        args.days
    );
    let events = community::timeline(start, args.days, args.seed);
    let played = play::play(&discord, &guild, &app.clock, events, |day| {
        if day == 1 || day % 7 == 0 || day == i64::from(args.days) {
            println!("   day {day} of {}", args.days);
        }
    })
    .await?;
    println!(
        "   {} messages, {} voice joins, {} sessions with {} kills and {} team kills tracked, {} hours marked on daily posts",
        played.messages, played.joins, played.sessions, played.kills, played.team_kills, played.marks
    );
    for failure in played.failures.iter().take(5) {
        println!("   (did not happen: {failure})");
    }

    println!("\n3. What the bot says");
    show(&discord, &guild, &played).await?;

    let _ = stop.send(());
    client.await??;
    app.shutdown().await;

    println!("\n4. Every chart, drawn from the bot's database");
    let out = args.out.join("charts");
    let charts = trakker::admin::ChartsArgs {
        guild: guild.id.get(),
        days: None,
        out: out.clone(),
    };
    trakker::admin::charts(&config, &charts).await?;
    server.shutdown().await;

    println!(
        "\nDone in {:.0} s. Open the pictures in {}; look into the database with\n   DATABASE_URL=sqlite://{} trakker overview\nor `trakker admin`. To run trakker for real, create a Discord application and follow the Quick start in README.md.",
        began.elapsed().as_secs_f64(),
        out.display(),
        database.display()
    );
    Ok(())
}

/// The demo's database file in `out`, a previous demo's removed.
fn fresh_database(out: &Path) -> anyhow::Result<PathBuf> {
    let database = std::path::absolute(out.join("demo.db"))?;
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", database.display()));
        if file.exists() {
            std::fs::remove_file(&file)
                .with_context(|| format!("could not remove {}", file.display()))?;
        }
    }
    Ok(database)
}

/// The community's server: its members, text and voice channels.
fn server_spec() -> GuildSpec {
    let mut spec = GuildSpec::new("Friday Night Squad").members(community::MEMBERS);
    for channel in TEXT_CHANNELS {
        spec = spec.channel(ChannelSpec::new(channel, ChannelKind::Text));
    }
    for channel in VOICE_CHANNELS {
        spec = spec.channel(ChannelSpec::new(channel, ChannelKind::Voice));
    }
    spec
}

/// The bot's configuration: the fake Discord, a SQLite file, the fast clock from `start`.
fn config(
    server: &fakecord::RunningServer,
    database: &Path,
    start: DateTime<Utc>,
    rate: u32,
) -> anyhow::Result<Config> {
    let vars: HashMap<&str, String> = HashMap::from([
        ("DISCORD_TOKEN", server.token().to_owned()),
        ("DISCORD_API_BASE", server.base_url().to_owned()),
        ("DATABASE_URL", format!("sqlite://{}", database.display())),
        ("CLOCK_START", start.to_rfc3339()),
        ("CLOCK_RATE", rate.to_string()),
        // A flush every quarter second: a few minutes of the fast clock.
        ("FLUSH_INTERVAL_MS", "250".to_owned()),
    ]);
    Config::from_lookup(|name| vars.get(name).cloned()).map_err(|errors| {
        let sentences: Vec<String> = errors.0.iter().map(ToString::to_string).collect();
        anyhow::anyhow!(sentences.join("; "))
    })
}

/// Waits until the bot answers a command in the community's server.
async fn ready(discord: &Fakecord, guild: &GuildInfo) -> anyhow::Result<()> {
    discord.wait_for_command("about", None, PATIENCE).await?;
    discord
        .wait_for(PATIENCE, "the bot answering /about", || async {
            let about =
                CommandInvocation::new(guild.id, "ada", "about").timeout(Duration::from_secs(5));
            Ok(discord.invoke_with(about).await.ok())
        })
        .await?;
    Ok(())
}

/// The owner adds the squad's game and sets up the daily post: every morning at 09:00, one
/// line per hour from 18:00 to 22:00, on UTC.
async fn set_up(discord: &Fakecord, guild: &GuildInfo) -> anyhow::Result<()> {
    let names = Names::of(guild);
    let game = CommandInvocation::new(guild.id, "ada", "config games add")
        .option(OptionSpec::new("name", community::GAME));
    let setup = CommandInvocation::new(guild.id, "ada", "schedule setup")
        .option(OptionSpec::new("channel", SCHEDULE_CHANNEL))
        .option(OptionSpec::new("time", "09:00"))
        .option(OptionSpec::new("from", i64::from(FIRST_HOUR)))
        .option(OptionSpec::new("to", i64::from(LAST_HOUR + 1)))
        .option(OptionSpec::new("timezone", "UTC"));
    for (shown, command) in [("/config games add", game), ("/schedule setup", setup)] {
        let answer = discord.invoke_with(command.timeout(ANSWER)).await?;
        println!("   {shown}: {}", names.resolve(&answer.content));
    }
    Ok(())
}

/// The leaderboard, the last session summary and the latest daily post, as text.
async fn show(discord: &Fakecord, guild: &GuildInfo, played: &play::Played) -> anyhow::Result<()> {
    let names = Names::of(guild);
    let board = CommandInvocation::new(guild.id, "ada", "leaderboard")
        .channel(community::SQUAD_CHANNEL)
        .option(OptionSpec::new("period", 1));
    let board = discord.invoke_with(board.timeout(ANSWER)).await?;
    let text: Vec<String> = board.embeds.iter().map(embed_text).collect();
    let text = if text.is_empty() {
        board.content
    } else {
        text.join("\n")
    };
    section("/leaderboard period:all-time", &names.resolve(&text));
    if let Some(summary) = played.last_summary.first() {
        section(
            "the last session's summary",
            &names.resolve(&embed_text(summary)),
        );
    }
    if let Some(post) = play::latest_post(discord, guild).await? {
        let post = discord.message(post).await?;
        let text: Vec<String> = post.embeds.iter().map(embed_text).collect();
        let text = if text.is_empty() {
            post.content
        } else {
            text.join("\n")
        };
        section(
            &format!("the daily post in #{SCHEDULE_CHANNEL} (the last day played)"),
            &names.resolve(&text),
        );
    }
    Ok(())
}
