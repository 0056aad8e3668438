//! End to end, through fakecord: the bot survives what Discord's gateway does to every bot —
//! a reconnect request (op 7), an invalid session (op 9) and a dropped socket — and handles an
//! event dispatched during the gap; and every interaction gets an answer, even those it cannot
//! serve.

mod support;

use std::time::Duration;

use fakecord::api::{CommandInvocation, ComponentClick, InteractionOutcome, JoinSpec, RawDispatch};
use serde_json::json;
use support::bot::{eventually, Bot};
use support::db::TempSqlite;
use support::stored::StoredRows;
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

/// One private sentence, as every answer to an interaction the bot cannot serve is.
#[track_caller]
fn assert_private_sentence(outcome: &InteractionOutcome, phrase: &str) {
    assert!(outcome.ephemeral, "private: {outcome:?}");
    assert!(
        outcome.content.contains(phrase),
        "“{phrase}” in {outcome:?}"
    );
    assert!(!outcome.content.contains('\n'), "one sentence: {outcome:?}");
}

#[tokio::test]
async fn every_interaction_gets_an_answer_even_ones_the_bot_cannot_serve() {
    let database = TempSqlite::new();
    let bot = Bot::start(database.url()).await;
    let guild = bot.guild("Squad", &["ada"]).await;
    let ask = |invocation: CommandInvocation| {
        let bot = &bot;
        async move {
            let name = invocation.command.clone();
            bot.discord
                .invoke_with(invocation.timeout(Duration::from_secs(10)))
                .await
                .unwrap_or_else(|error| panic!("/{name} is answered: {error}\n{}", bot.logs()))
        }
    };

    // Clients keep their command list for a while after a deploy: a command or subcommand
    // this version no longer has.
    let unknown = ask(CommandInvocation::new(guild.id, "ada", "no-such-command").stale()).await;
    assert_private_sentence(&unknown, "has changed or no longer exists");
    let unknown_sub = ask(CommandInvocation::new(guild.id, "ada", "season rewind").stale()).await;
    assert_private_sentence(&unknown_sub, "has changed or no longer exists");

    // A command group without a subcommand, which only a forged request sends.
    for (group, choice) in [
        ("season", "`/season start`"),
        ("session", "`/session status`"),
        ("config", "`/config games`"),
        ("config games", "`/config games add`"),
    ] {
        let bare = ask(CommandInvocation::new(guild.id, "ada", group)).await;
        assert_private_sentence(&bare, choice);
    }

    // Buttons the bot no longer knows, and a paging button with a forged id.
    let about = ask(CommandInvocation::new(guild.id, "ada", "about")).await;
    let message = about.message_id.expect("/about replies with a message");
    for custom_id in ["schedule:v1:hour:20", "history:forged:id"] {
        let click = bot
            .discord
            .click(ComponentClick {
                component_type: Some(2),
                ..ComponentClick::button(message, "ada", custom_id)
            })
            .await
            .unwrap_or_else(|error| panic!("{custom_id} is answered: {error}\n{}", bot.logs()));
        assert_private_sentence(&click, "no longer works");
    }

    // /about from a DM, where the bot has no guild at all.
    let in_dm = ask(CommandInvocation::in_dm("ada", "about")).await;
    assert_eq!(in_dm.embeds.len(), 1);

    // A forged interaction from a guild the bot has never seen, a hundred times over: the bot
    // answers what it can and does not fill the error log.
    for n in 0..100_u64 {
        let forged = json!({
            "id": (2_000_000_000_000_000_000_u64 + n).to_string(),
            "application_id": bot.server.application_id().to_string(),
            "type": 2,
            "token": format!("forged-{n}"),
            "version": 1,
            "guild_id": "999999999999999999",
            "channel_id": "999999999999999998",
            "locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {},
            "app_permissions": "0",
            "attachment_size_limit": 10_485_760,
            "member": {
                "user": {"id": "999999999999999997", "username": "mallory", "discriminator": "0", "global_name": null, "avatar": null},
                "roles": [], "joined_at": "2026-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false,
                "flags": 0, "permissions": "8"
            },
            "data": {"id": "1", "name": "stats", "type": 1}
        });
        bot.discord
            .dispatch(&RawDispatch {
                event: "INTERACTION_CREATE".to_owned(),
                guild_id: None,
                data: forged,
            })
            .await
            .expect("fakecord dispatches the forged interaction");
    }

    let about = ask(CommandInvocation::new(guild.id, "ada", "about")).await;
    assert_eq!(about.embeds.len(), 1, "the bot still answers");
    let (status, logs) = bot.stop().await;
    assert!(status.success(), "{logs}");
    assert!(!logs.contains("panicked"), "{logs}");
    assert!(!logs.contains(" ERROR "), "nothing at ERROR level:\n{logs}");
}
