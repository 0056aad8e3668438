//! Commands while the database is away, end to end through fakecord: Postgres cut off by a TCP
//! proxy, and a SQLite file whose write lock another program holds. Every command must be
//! answered inside Discord's three seconds (fakecord refuses a later acknowledgement, as Discord
//! does), say that the database is not answering and that nothing was recorded, and a /track
//! the member was told failed must never appear in the ledger afterwards.

mod support;

use std::time::Duration;

use fakecord::api::{CommandInvocation, GuildInfo, InteractionOutcome, OptionSpec};
use sqlx::Connection as _;
use support::bot::{eventually, Bot};
use support::db::{FreshPostgres, TempSqlite};
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

#[tokio::test]
async fn commands_answer_in_time_while_postgres_is_cut_off_and_refused_tracks_never_land() {
    let Some(database) = FreshPostgres::create().await else {
        return;
    };
    let (proxy, url) = in_front_of(database.url()).await;
    let bot = Bot::start(&url).await;
    let guild = bot.guild("Squad", &["ada", "bob"]).await;
    let first = ask(&bot, track(&guild, "bob", "ada", 2)).await;
    assert!(!first.ephemeral, "{first:?}");

    proxy.cut();
    let refused = ask(&bot, track(&guild, "bob", "ada", 5)).await;
    assert_told_nothing_was_recorded(&refused);
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
