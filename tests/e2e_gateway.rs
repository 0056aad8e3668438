//! End to end, through fakecord: the bot survives what Discord's gateway does to every bot —
//! a reconnect request (op 7), an invalid session (op 9) and a dropped socket — and handles an
//! event dispatched during the gap; interactions it cannot serve leave it running.

mod support;

use std::time::Duration;

use fakecord::api::{CommandInvocation, JoinSpec};
use support::bot::{eventually, Bot};
use support::db::TempSqlite;
use trakker::domain::ids::{GuildId, UserId};

#[derive(Clone, Copy, Debug)]
enum Disruption {
    Reconnect,
    InvalidSession,
    DroppedSocket,
}

async fn the_bot_comes_back_after(disruption: Disruption) {
    let database = TempSqlite::new();
    let bot = Bot::start(database.url()).await;
    let guild = bot.guild("Squad", &["ada"]).await;
    let before = bot.discord.status().await.expect("status");

    match disruption {
        Disruption::Reconnect => bot.discord.reconnect(None).await,
        Disruption::InvalidSession => bot.discord.invalidate_session(None, false).await,
        Disruption::DroppedSocket => bot.discord.drop_socket(None).await,
    }
    .expect("disruption sent");
    // Dan joins while the bot is away: the event must reach it once it is back.
    let dan = bot
        .discord
        .join(guild.id, JoinSpec::new("dan"))
        .await
        .expect("dan joins");

    let store = trakker::store::connect(database.url(), false)
        .await
        .expect("open the bot's database");
    let stored = eventually(Duration::from_secs(30), || async {
        store
            .member(GuildId(guild.id.0), UserId(dan.user_id.0))
            .await
            .expect("read member")
    })
    .await;
    let dan_record = stored.unwrap_or_else(|| {
        panic!(
            "dan's join during the {disruption:?} gap never reached the bot\n{}",
            bot.logs()
        )
    });
    assert_eq!(dan_record.display_name, "dan");
    store.close().await;

    let after = bot.discord.status().await.expect("status");
    assert_eq!(after.connected, 1, "one shard connected again: {after:?}");
    let resumes =
        |status: &fakecord::api::Status| status.sessions.iter().map(|s| s.resumes).sum::<u32>();
    match disruption {
        Disruption::InvalidSession => assert!(
            after.sessions.iter().any(|s| s.connected
                && before
                    .sessions
                    .iter()
                    .all(|old| old.session_id != s.session_id)),
            "a non-resumable invalid session starts a new session: {after:?}"
        ),
        Disruption::Reconnect | Disruption::DroppedSocket => assert!(
            resumes(&after) > resumes(&before),
            "the bot resumed its session: {after:?}"
        ),
    }

    let about = bot
        .discord
        .invoke(guild.id, "ada", "about", Vec::new())
        .await
        .expect("/about answers after the disruption");
    assert_eq!(about.embeds.len(), 1);

    let (status, logs) = bot.stop().await;
    assert!(status.success(), "{logs}");
}

#[tokio::test]
async fn after_a_reconnect_request_the_bot_resumes_and_sees_the_missed_join() {
    the_bot_comes_back_after(Disruption::Reconnect).await;
}

#[tokio::test]
async fn after_an_invalid_session_the_bot_identifies_again_and_sees_the_missed_join() {
    the_bot_comes_back_after(Disruption::InvalidSession).await;
}

#[tokio::test]
async fn after_a_dropped_socket_the_bot_resumes_and_sees_the_missed_join() {
    the_bot_comes_back_after(Disruption::DroppedSocket).await;
}

#[tokio::test]
async fn interactions_the_bot_cannot_serve_leave_it_running() {
    let database = TempSqlite::new();
    let bot = Bot::start(database.url()).await;
    let guild = bot.guild("Squad", &["ada"]).await;

    // A command the bot never registered: Discord would show "interaction failed".
    let unknown = bot
        .discord
        .invoke_with(
            CommandInvocation::new(guild.id, "ada", "no-such-command")
                .timeout(Duration::from_secs(2)),
        )
        .await;
    assert!(
        unknown.is_err(),
        "an unknown command gets no answer: {unknown:?}"
    );

    // /about from a DM, where the bot has no guild at all.
    let in_dm = bot
        .discord
        .invoke_with(CommandInvocation::in_dm("ada", "about"))
        .await
        .expect("/about answers in a DM");
    assert_eq!(in_dm.embeds.len(), 1);

    let about = bot
        .discord
        .invoke(guild.id, "ada", "about", Vec::new())
        .await
        .expect("the bot still answers");
    assert_eq!(about.embeds.len(), 1);
    let (status, logs) = bot.stop().await;
    assert!(status.success(), "{logs}");
    assert!(!logs.contains("panicked"), "{logs}");
}
