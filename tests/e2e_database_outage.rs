//! Commands while the database is away, end to end through fakecord: Postgres cut off by a TCP
//! proxy, and a SQLite file whose write lock another program holds. Every command must be
//! answered inside Discord's three seconds (fakecord refuses a later acknowledgement, as Discord
//! does), say that the database is not answering and that nothing was recorded, and a /track
//! the member was told failed must never appear in the ledger afterwards.
//!
//! The Postgres scenario also scrapes the bot's health and metrics server: `/readyz` turns 503
//! while the database is cut and back to 200 after, and the counters move with what happened.

mod support;

use std::time::Duration;

use std::net::SocketAddr;

use fakecord::api::{CommandInvocation, GuildInfo, InteractionOutcome, MessageSpec, OptionSpec};
use sqlx::Connection as _;
use support::bot::{eventually, Bot};
use support::db::{FreshPostgres, TempSqlite};
use support::metrics::{self, Scrape};
use support::proxy::in_front_of;
use trakker::config::DatabaseUrl;
use trakker::domain::ids::GuildId;

/// What every refusal for an unreachable database says.
const NOT_ANSWERING: &str = "The database is not answering right now";
const NOTHING_RECORDED: &str = "nothing was recorded";

/// Long enough for a deferred answer after SQLite's five-second busy timeout.
const ANSWER: Duration = Duration::from_secs(15);

fn track(guild: &GuildInfo, by: &str, player: &str, kills: i64) -> CommandInvocation {
    CommandInvocation::new(guild.id, by, "track")
        .option(OptionSpec::new("player", player))
        .option(OptionSpec::new("kills", kills))
        .timeout(ANSWER)
}

async fn ask(bot: &Bot, invocation: CommandInvocation) -> InteractionOutcome {
    let name = invocation.command.clone();
    bot.discord
        .invoke_with(invocation)
        .await
        .unwrap_or_else(|error| panic!("/{name} is answered: {error}\n{}", bot.logs()))
}

/// The text and flags of the answer: the reply itself, or, when the bot deferred and then had
/// something private to say, the follow-up that replaced the "thinking…" message.
fn answer(outcome: &InteractionOutcome) -> (String, u64) {
    match outcome.followups.last() {
        Some(followup) if outcome.content.is_empty() => (followup.content.clone(), followup.flags),
        _ => (outcome.content.clone(), outcome.flags),
    }
}

/// Discord's flag for a message only its recipient sees.
const EPHEMERAL: u64 = 1 << 6;

#[track_caller]
fn assert_told_nothing_was_recorded(outcome: &InteractionOutcome) {
    let (content, flags) = answer(outcome);
    assert!(
        flags & EPHEMERAL != 0,
        "the refusal is private: {outcome:?}"
    );
    assert!(
        content.contains(NOT_ANSWERING) && content.contains(NOTHING_RECORDED),
        "{outcome:?}"
    );
}

async fn ledger_size(database: &DatabaseUrl, guild: &GuildInfo) -> usize {
    let store = trakker::store::connect(database, false)
        .await
        .expect("open the bot's database");
    let page = store
        .history(GuildId(guild.id.0), None, None, 100)
        .await
        .expect("read the ledger");
    store.close().await;
    page.entries.len()
}

const COMMANDS: &str = "trakker_commands_total";
const EVENTS: &str = "trakker_gateway_events_total";

/// Before the outage: alive, ready once the shard is connected, and the first /track and a
/// message counted. Returns the scrape taken after the message was written.
async fn ready_and_counting(bot: &Bot, addr: SocketAddr, guild: &GuildInfo) -> Scrape {
    assert_eq!(metrics::get(addr, "/healthz").await.0, 200);
    let ready = eventually(Duration::from_secs(10), || async {
        let (status, body) = metrics::get(addr, "/readyz").await;
        (status == 200).then_some(body)
    })
    .await;
    assert_eq!(ready.as_deref(), Some("ready\n"), "{}", bot.logs());
    let before = Scrape::from(addr).await;
    bot.discord
        .post_message(guild.id, MessageSpec::new("general", "ada", "gg"))
        .await
        .expect("a message");
    let after = eventually(Duration::from_secs(10), || async {
        let scrape = Scrape::from(addr).await;
        let written = scrape.count(EVENTS, &[("event", "message")])
            > before.count(EVENTS, &[("event", "message")])
            && scrape.value("trakker_ingest_pending_rows", &[]) == Some(0.0);
        written.then_some(scrape)
    })
    .await;
    let Some(after) = after else {
        panic!(
            "the message is counted and written\n{}",
            Scrape::from(addr).await.text
        );
    };
    // The answer to /track was a message too.
    assert_eq!(
        after.count(EVENTS, &[("event", "message")]),
        before.count(EVENTS, &[("event", "message")]) + 1
    );
    assert!(
        after.count("trakker_ingest_events_total", &[])
            > before.count("trakker_ingest_events_total", &[]),
        "{}",
        after.text
    );
    assert_eq!(
        after.value("trakker_ingest_flush_lag_seconds", &[]),
        Some(0.0)
    );
    assert_eq!(
        after.count(COMMANDS, &[("command", "track"), ("outcome", "ok")]),
        1
    );
    assert_eq!(
        after.count(
            "trakker_command_duration_seconds_count",
            &[("command", "track")]
        ),
        1,
        "{}",
        after.text
    );
    assert!(after.count(EVENTS, &[("event", "guild_create")]) >= 1);
    assert_eq!(
        after.value("trakker_shard_up", &[("shard", "0")]),
        Some(1.0)
    );
    assert_eq!(after.value("trakker_database_up", &[]), Some(1.0));
    assert_eq!(after.value("trakker_cache_up", &[]), Some(1.0));
    after
}

/// During the outage: not ready, saying why; the refused /track, the database's errors and the
/// outage counted; a message waits in memory, and its wait grows.
async fn not_ready_while_cut(bot: &Bot, addr: SocketAddr, guild: &GuildInfo, healthy: &Scrape) {
    let (status, body) = metrics::get(addr, "/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body, "the database (PostgreSQL) is not answering\n");
    assert_eq!(
        metrics::get(addr, "/healthz").await.0,
        200,
        "alive all the same"
    );
    bot.discord
        .post_message(guild.id, MessageSpec::new("general", "bob", "anyone?"))
        .await
        .expect("a message");
    let waiting = eventually(Duration::from_secs(10), || async {
        let scrape = Scrape::from(addr).await;
        let lag = scrape
            .value("trakker_ingest_flush_lag_seconds", &[])
            .unwrap_or(0.0);
        (scrape.count("trakker_ingest_pending_rows", &[]) > 0 && lag > 1.0).then_some(scrape)
    })
    .await;
    let Some(waiting) = waiting else {
        panic!("the message waits\n{}", Scrape::from(addr).await.text);
    };
    assert_eq!(
        waiting.count(
            COMMANDS,
            &[("command", "track"), ("outcome", "unavailable")]
        ),
        1,
        "{}",
        waiting.text
    );
    assert_eq!(waiting.value("trakker_database_up", &[]), Some(0.0));
    assert_eq!(
        waiting.count("trakker_database_outages_total", &[]),
        healthy.count("trakker_database_outages_total", &[]) + 1
    );
    assert!(
        waiting.count("trakker_database_errors_total", &[("kind", "unavailable")])
            > healthy.count("trakker_database_errors_total", &[("kind", "unavailable")])
    );
    assert!(
        waiting.count("trakker_ingest_flushes_total", &[("outcome", "failed")]) >= 1,
        "{}",
        waiting.text
    );
}

/// After the outage: ready again, and the waiting message written.
async fn ready_again(addr: SocketAddr, healthy: &Scrape) {
    let back = eventually(Duration::from_secs(30), || async {
        let (status, _) = metrics::get(addr, "/readyz").await;
        let scrape = Scrape::from(addr).await;
        (status == 200 && scrape.value("trakker_ingest_pending_rows", &[]) == Some(0.0))
            .then_some(scrape)
    })
    .await
    .expect("ready again, with nothing waiting");
    assert_eq!(back.value("trakker_database_up", &[]), Some(1.0));
    assert!(
        back.count(EVENTS, &[("event", "message")])
            > healthy.count(EVENTS, &[("event", "message")])
    );
    assert_eq!(
        back.value("trakker_ingest_flush_lag_seconds", &[]),
        Some(0.0)
    );
}

#[tokio::test]
async fn commands_answer_in_time_while_postgres_is_cut_off_and_refused_tracks_never_land() {
    let Some(database) = FreshPostgres::create().await else {
        return;
    };
    let (proxy, url) = in_front_of(database.url()).await;
    let bot = Bot::start_with(&url, &[metrics::ON_ANY_PORT]).await;
    let addr = metrics::address(&bot);
    let guild = bot.guild("Squad", &["ada", "bob"]).await;
    let first = ask(&bot, track(&guild, "bob", "ada", 2)).await;
    assert!(!first.ephemeral, "{first:?}");
    let healthy = ready_and_counting(&bot, addr, &guild).await;

    proxy.cut();
    let refused = ask(&bot, track(&guild, "bob", "ada", 5)).await;
    assert_told_nothing_was_recorded(&refused);
    not_ready_while_cut(&bot, addr, &guild, &healthy).await;
    for command in ["leaderboard", "stats", "history", "season start"] {
        let mut invocation = CommandInvocation::new(guild.id, "ada", command).timeout(ANSWER);
        if command == "season start" {
            invocation = invocation.option(OptionSpec::new("name", "Wipe 3"));
        }
        let outcome = ask(&bot, invocation).await;
        let (content, _) = answer(&outcome);
        assert!(
            content.contains(NOT_ANSWERING),
            "/{command} during the outage: {outcome:?}\n{}",
            bot.logs()
        );
    }

    proxy.restore();
    let again = eventually(Duration::from_secs(30), || async {
        let outcome = ask(&bot, track(&guild, "bob", "ada", 1)).await;
        (!outcome.ephemeral).then_some(outcome)
    })
    .await;
    assert!(
        again.is_some(),
        "/track works once Postgres is back\n{}",
        bot.logs()
    );
    ready_again(addr, &healthy).await;
    // Whatever the pool still held, the refused entry does not turn up later.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        ledger_size(database.url(), &guild).await,
        2,
        "the first and the last /track, never the refused one"
    );
    let (status, logs) = bot.stop().await;
    assert!(status.success(), "{logs}");
    assert!(
        !logs.contains("command failed"),
        "no internal error: {logs}"
    );
}

#[tokio::test]
async fn a_locked_sqlite_file_is_answered_in_time_and_records_nothing() {
    let database = TempSqlite::new();
    let bot = Bot::start(database.url()).await;
    let guild = bot.guild("Squad", &["ada", "bob"]).await;
    let first = ask(&bot, track(&guild, "bob", "ada", 2)).await;
    assert!(!first.ephemeral, "{first:?}");

    // Another program (a backup, a curious operator's sqlite3 shell) holds the write lock.
    let mut other = sqlx::SqliteConnection::connect(database.url().expose())
        .await
        .expect("open the file");
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut other)
        .await
        .expect("take the write lock");
    let refused = ask(&bot, track(&guild, "bob", "ada", 5)).await;
    assert!(
        refused.deferred,
        "SQLite waits five seconds for its lock, so the bot deferred: {refused:?}"
    );
    assert_told_nothing_was_recorded(&refused);
    // Reads do not need the lock.
    let board = ask(
        &bot,
        CommandInvocation::new(guild.id, "ada", "leaderboard").timeout(ANSWER),
    )
    .await;
    assert!(!board.ephemeral, "{board:?}");

    sqlx::query("ROLLBACK")
        .execute(&mut other)
        .await
        .expect("release the lock");
    other.close().await.expect("close");
    let again = ask(&bot, track(&guild, "bob", "ada", 1)).await;
    assert!(!again.ephemeral, "{again:?}");
    assert_eq!(ledger_size(database.url(), &guild).await, 2);
    let (status, logs) = bot.stop().await;
    assert!(status.success(), "{logs}");
}
