//! End to end, through fakecord: a start that cannot give a working bot stops it, at once, with
//! a non-zero exit and one sentence naming the setting to fix — a development guild the bot is
//! not in, a token Discord refuses — instead of a bot that sits online and never answers.
//! A development guild the bot is in gets the commands, and only it.

mod support;

use std::process::ExitStatus;
use std::time::Duration;

use fakecord::api::GuildSpec;
use support::bot::{run_until_exit, Bot};
use support::db::TempSqlite;

/// Long enough for a start to fail (it needs a few local requests); far shorter than "forever",
/// which is what a bot that stays connected would take.
const EXIT_TIMEOUT: Duration = Duration::from_secs(30);

fn assert_stopped_with_an_error(status: Option<ExitStatus>, logs: &str) {
    let status = status.unwrap_or_else(|| panic!("the bot kept running\n{logs}"));
    assert!(!status.success(), "{status}\n{logs}");
}

#[tokio::test]
async fn a_dev_guild_the_bot_is_not_in_stops_it_with_the_reason() {
    let database = TempSqlite::new();
    let (status, logs) =
        run_until_exit(database.url(), &[("DEV_GUILD_ID", "4242")], EXIT_TIMEOUT).await;
    assert_stopped_with_an_error(status, &logs);
    assert!(
        logs.contains("could not register the slash commands in DEV_GUILD_ID 4242"),
        "{logs}"
    );
    assert!(
        logs.contains("Discord answered 403 Missing Access (code 50001)"),
        "{logs}"
    );
    assert!(
        !logs.contains("connected to Discord"),
        "stopped before connecting: {logs}"
    );
}

#[tokio::test]
async fn a_metrics_port_in_use_stops_the_bot_before_it_opens_anything() {
    let database = TempSqlite::new();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let addr = taken.local_addr().expect("its address").to_string();
    let (status, logs) =
        run_until_exit(database.url(), &[("METRICS_ADDR", &addr)], EXIT_TIMEOUT).await;
    assert_stopped_with_an_error(status, &logs);
    assert!(
        logs.contains(&format!("could not listen on METRICS_ADDR {addr}")),
        "{logs}"
    );
    assert!(!logs.contains("storage ready"), "nothing opened: {logs}");
    assert!(
        !database.path().exists(),
        "no database file was created: {logs}"
    );
}

#[tokio::test]
async fn a_refused_token_stops_the_bot_and_names_discord_token() {
    let database = TempSqlite::new();
    let (status, logs) = run_until_exit(
        database.url(),
        &[("DISCORD_TOKEN", "an-outdated-token-value")],
        EXIT_TIMEOUT,
    )
    .await;
    assert_stopped_with_an_error(status, &logs);
    assert!(
        logs.contains("Discord refused DISCORD_TOKEN (401 Unauthorized)"),
        "{logs}"
    );
    assert!(
        logs.contains("discord.com/developers/applications"),
        "{logs}"
    );
    assert!(!logs.contains("an-outdated-token-value"), "{logs}");
}

#[tokio::test]
async fn a_dev_guild_the_bot_is_in_gets_the_commands_and_nothing_is_global() {
    let database = TempSqlite::new();
    let (bot, guild) = Bot::start_in_dev_guild(
        database.url(),
        GuildSpec::new("Test Lab")
            .members(["ada"])
            .text_channel("general"),
    )
    .await;
    let registry = bot.discord.commands().await.expect("registered commands");
    assert!(registry.global.is_empty(), "{:#?}", registry.global);
    assert!(registry.has("track", Some(guild.id)));

    let about = bot
        .discord
        .invoke(guild.id, "ada", "about", Vec::new())
        .await
        .expect("/about answers in the development guild");
    assert_eq!(about.embeds.len(), 1);

    let (status, logs) = bot.stop().await;
    assert!(status.success(), "{logs}");
    assert!(
        logs.contains("commands registered in the development guild"),
        "{logs}"
    );
}
