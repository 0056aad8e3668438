//! One bot run as two processes, end to end: `SHARD_COUNT=4` with `SHARDS=0-1` and `SHARDS=2-3`,
//! one Postgres and one Redis, against a fakecord with four shards and two guilds on each.
//!
//! Each guild's events reach one process and are counted once; the commands are registered by
//! the process running shard 0 only; each guild's daily post is made once, whatever restarts;
//! the leaderboards equal the ledger. SIGTERM to one process loses nothing it had received (the
//! flush interval is a minute, so the counts are written at exit) while the other keeps
//! answering, and a rolling restart of both, one at a time, loses and doubles nothing.

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use fakecord::api::{
    CommandInvocation, GuildInfo, GuildSpec, MessageSpec, OptionSpec, PermissionSet, RequestFilter,
};
use fakecord::Snowflake;
use support::activity::stored_messages;
use support::bot::{eventually, Bot};
use support::cache::PrivateRedis;
use support::db::FreshPostgres;
use support::metrics::{self, Scrape};
use trakker::config::DatabaseUrl;
use trakker::domain::board::{BoardScope, Span};
use trakker::domain::ids::GuildId;
use trakker::domain::kills::KillKind;

const SHARDS: u64 = 4;
const ANSWER: Duration = Duration::from_secs(30);

/// A guild id on `shard`: Discord routes a guild to shard `(id >> 22) % shards`.
fn on_shard(shard: u64, nth: u64) -> Snowflake {
    Snowflake((1_000_000 + SHARDS * nth + shard) << 22)
}

/// The shard a guild is on.
fn shard_of(guild: &GuildInfo) -> u64 {
    (guild.id.0 >> 22) % SHARDS
}

/// The answer's text and embeds, and whether only the caller saw it.
async fn run(bot: &Bot, invocation: CommandInvocation) -> (String, bool) {
    let name = invocation.command.clone();
    let outcome = bot
        .discord
        .invoke_with(invocation.timeout(ANSWER))
        .await
        .unwrap_or_else(|error| panic!("/{name} answers: {error}\n{}", bot.logs()));
    let embeds: Vec<String> = outcome.embeds.iter().map(ToString::to_string).collect();
    (
        format!("{}{}", outcome.content, embeds.join("")),
        outcome.ephemeral,
    )
}

async fn track(bot: &Bot, guild: &GuildInfo, kills: i64) {
    let ada = guild.user("ada").expect("ada");
    let answer = run(
        bot,
        CommandInvocation::new(guild.id, "bob", "track")
            .option(OptionSpec::new("player", ada.to_string()))
            .option(OptionSpec::new("kills", kills)),
    )
    .await;
    assert!(
        !answer.1 && answer.0.contains(&kills.to_string()),
        "{answer:?}"
    );
}

/// Ada's total on the all-time board as /leaderboard tells her.
async fn board_says(bot: &Bot, guild: &GuildInfo, kills: i64) {
    let (board, _) = run(bot, CommandInvocation::new(guild.id, "ada", "leaderboard")).await;
    assert!(
        board.contains(&format!("You are #1 with {kills} kills")),
        "guild on shard {}: {board}",
        shard_of(guild)
    );
}

/// `count` messages in each guild, from Ada and Bob in turn.
async fn chat(bot: &Bot, guilds: &[GuildInfo], count: usize) {
    for guild in guilds {
        for n in 0..count {
            let author = if n % 2 == 0 { "ada" } else { "bob" };
            bot.discord
                .post_message(guild.id, MessageSpec::new("general", author, "gg"))
                .await
                .expect("a message");
        }
    }
}

/// Messages the process has received from the gateway since it started (its own answers
/// included).
async fn seen(bot: &Bot) -> u64 {
    Scrape::from(metrics::address(bot))
        .await
        .count("trakker_gateway_events_total", &[("event", "message")])
}

/// Waits until the process has received `more` messages after the `before` it had seen, and
/// checks it received no more than that.
async fn received(bot: &Bot, before: u64, more: u64) {
    let got = eventually(ANSWER, || async {
        let count = seen(bot).await;
        (count >= before + more).then_some(count)
    })
    .await;
    assert_eq!(got, Some(before + more), "{}", bot.logs());
}

/// Each guild's messages in the store, in guild order.
async fn stored(database: &DatabaseUrl, guilds: &[GuildInfo]) -> Vec<u64> {
    let store = trakker::store::connect(database, false)
        .await
        .expect("open the bot's database");
    let mut counts = Vec::new();
    for guild in guilds {
        counts.push(stored_messages(store.as_ref(), guild.id).await);
    }
    store.close().await;
    counts
}

/// Ada's kills in the ledger and on the all-time board in Redis, for one guild.
async fn ledger_and_board(
    database: &DatabaseUrl,
    redis: &PrivateRedis,
    guild: &GuildInfo,
) -> (i64, Option<f64>) {
    let ada = guild.user("ada").expect("ada");
    let store = trakker::store::connect(database, false)
        .await
        .expect("open the bot's database");
    let totals = store
        .board_totals(
            GuildId(guild.id.0),
            &BoardScope::new(KillKind::Kill, Span::AllTime, None),
        )
        .await
        .expect("totals");
    store.close().await;
    let ledger = totals
        .iter()
        .find(|standing| standing.player.0 == ada.0)
        .map_or(0, |standing| standing.total);
    let client = redis::Client::open(redis.url().expose()).expect("redis url");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis connects");
    let board: Option<f64> = redis::cmd("ZSCORE")
        .arg(format!("trakker:g:{}:lb:kills:all:all", guild.id.0))
        .arg(ada.to_string())
        .query_async(&mut conn)
        .await
        .expect("ZSCORE");
    (ledger, board)
}

/// The bot's daily posts in the guild's #plays, deleted ones left out.
async fn daily_posts(bot: &Bot, guild: &GuildInfo) -> usize {
    let plays = guild.channel("plays").expect("#plays");
    bot.discord
        .bot_messages(plays)
        .await
        .expect("messages")
        .iter()
        .filter(|message| !message.deleted && message.interaction_id.is_none())
        .count()
}

async fn registrations(bot: &Bot) -> usize {
    bot.discord
        .requests(&RequestFilter {
            method: Some("PUT".to_owned()),
            path: Some("/commands".to_owned()),
            ..RequestFilter::default()
        })
        .await
        .expect("requests")
        .len()
}

/// The shards a process reports up on its /metrics.
async fn shards_up(addr: SocketAddr) -> Vec<u64> {
    let scrape = Scrape::from(addr).await;
    (0..SHARDS)
        .filter(|shard| {
            scrape.value("trakker_shard_up", &[("shard", &shard.to_string())]) == Some(1.0)
        })
        .collect()
}

/// Both processes ready, each with its own two shards.
async fn both_ready(first: &Bot, second: &Bot) {
    for (bot, shards) in [(first, vec![0, 1]), (second, vec![2, 3])] {
        let addr = metrics::address(bot);
        let ready = eventually(ANSWER, || async {
            (metrics::get(addr, "/readyz").await.0 == 200).then_some(())
        })
        .await;
        assert!(ready.is_some(), "{}", metrics::get(addr, "/readyz").await.1);
        assert_eq!(shards_up(addr).await, shards);
    }
}

/// Two guilds on every shard, each with the daily post set up (due at once) and a first /track.
async fn guilds(first: &Bot, second: &Bot) -> Vec<GuildInfo> {
    let mut guilds = Vec::new();
    for nth in 0..2 {
        for shard in 0..SHARDS {
            let guild = first
                .guild_from(
                    GuildSpec::new(format!("Shard {shard} #{nth}"))
                        .id(on_shard(shard, nth))
                        .members(["ada", "bob"])
                        .text_channel("general")
                        .text_channel("plays"),
                )
                .await;
            assert_eq!(shard_of(&guild), shard);
            guilds.push(guild);
        }
    }
    for guild in &guilds {
        let bot = if shard_of(guild) < 2 { first } else { second };
        let (answer, _) = run(
            bot,
            CommandInvocation::new(guild.id, "ada", "schedule setup")
                .option(OptionSpec::new("channel", "plays"))
                .option(OptionSpec::new("time", "00:00"))
                .option(OptionSpec::new("from", 18))
                .option(OptionSpec::new("to", 23))
                .option(OptionSpec::new("timezone", "UTC"))
                .permissions(PermissionSet::all()),
        )
        .await;
        assert!(answer.contains("set up"), "{answer}");
        track(bot, guild, 3).await;
    }
    guilds
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_share_the_shards_and_lose_or_double_nothing() {
    let Some(database) = FreshPostgres::create().await else {
        return;
    };
    let Some(redis) = PrivateRedis::start().await else {
        return;
    };
    let redis_url = redis.url().expose().to_owned();
    let common = [
        ("SHARD_COUNT", "4"),
        ("REDIS_URL", redis_url.as_str()),
        ("FLUSH_INTERVAL_MS", "60000"),
        metrics::ON_ANY_PORT,
    ];
    let with = |range: &'static str| {
        let mut vars = common.to_vec();
        vars.push(("SHARDS", range));
        vars
    };
    let mut first = Bot::start_on(
        fakecord::Config::default().with_shards(4),
        database.url(),
        &with("0-1"),
    )
    .await;
    let mut second = first.beside(&with("2-3")).await;
    both_ready(&first, &second).await;
    assert_eq!(registrations(&first).await, 1, "registered once");
    assert!(
        !second.logs().contains("commands registered"),
        "{}",
        second.logs()
    );

    let guilds = guilds(&first, &second).await;
    let before = (seen(&first).await, seen(&second).await);
    chat(&first, &guilds, 5).await;
    received(&first, before.0, 20).await;
    received(&second, before.1, 20).await;

    // The second process stops with its counts still in memory; the first keeps serving.
    assert!(second.terminate().await.success(), "{}", second.logs());
    let counts = stored(database.url(), &guilds).await;
    for (guild, count) in guilds.iter().zip(&counts) {
        if shard_of(guild) >= 2 {
            assert_eq!(*count, 5, "written at SIGTERM: {counts:?}");
        }
    }
    for guild in guilds.iter().filter(|guild| shard_of(guild) < 2) {
        track(&first, guild, 2).await;
        board_says(&first, guild, 5).await;
    }
    second.relaunch().await;
    both_ready(&first, &second).await;

    // A rolling restart, one process at a time, with traffic between the steps.
    first.restart().await;
    // A restarted process counts what its shards deliver once they are connected again.
    both_ready(&first, &second).await;
    let before = (seen(&first).await, seen(&second).await);
    chat(&first, &guilds, 2).await;
    received(&first, before.0, 8).await;
    received(&second, before.1, 8).await;
    second.restart().await;
    both_ready(&first, &second).await;
    let before = (seen(&first).await, seen(&second).await);
    chat(&first, &guilds, 1).await;
    received(&first, before.0, 4).await;
    received(&second, before.1, 4).await;
    for guild in guilds.iter().filter(|guild| shard_of(guild) >= 2) {
        track(&second, guild, 2).await;
    }
    for guild in &guilds {
        let bot = if shard_of(guild) < 2 { &first } else { &second };
        board_says(bot, guild, 5).await;
    }

    stop_both(first, second, database.url(), &redis, &guilds).await;
}

/// Stops the processes one after the other and checks what the database and Redis hold: every
/// message once (8 per guild), one daily post per guild, boards equal to the ledger.
async fn stop_both(
    first: Bot,
    second: Bot,
    database: &DatabaseUrl,
    redis: &PrivateRedis,
    guilds: &[GuildInfo],
) {
    assert_eq!(
        registrations(&first).await,
        2,
        "once per start of shard 0's process"
    );
    let (status, logs) = second.stop().await;
    assert!(status.success(), "{logs}");
    let counts = stored(database, guilds).await;
    assert!(
        guilds
            .iter()
            .zip(&counts)
            .all(|(guild, count)| shard_of(guild) < 2 || *count == 8),
        "{counts:?}"
    );
    for guild in guilds {
        assert_eq!(
            daily_posts(&first, guild).await,
            1,
            "one post in {}",
            guild.name
        );
        assert_eq!(
            ledger_and_board(database, redis, guild).await,
            (5, Some(5.0)),
            "the board equals the ledger in {}",
            guild.name
        );
    }
    let (status, logs) = first.stop().await;
    assert!(status.success(), "{logs}");
    assert_eq!(stored(database, guilds).await, vec![8; guilds.len()]);
}
