//! Message nonces as serenity sends them: echoed back, and with `enforce_nonce` a repeated send
//! (a restarted bot posting the day's board again) returns the first message instead of
//! posting a second one.

use fakecord::api::RequestFilter;
use fakecord::Config;
use serenity::all::{ChannelId, CreateMessage, GatewayIntents, Nonce};
use serenity::http::HttpError;

use crate::support::{self, ada_in_squad, Bot, Seen};

fn board(nonce: &str) -> CreateMessage {
    CreateMessage::new()
        .content("who plays when")
        .nonce(Nonce::String(nonce.to_owned()))
        .enforce_nonce(true)
}

#[tokio::test]
async fn two_sends_with_the_same_enforced_nonce_make_one_message() {
    let (server, fc, guild) = ada_in_squad(Config::default()).await;
    let mut bot = Bot::connect(
        &server,
        GatewayIntents::non_privileged() | GatewayIntents::MESSAGE_CONTENT,
        false,
    )
    .await;
    fc.wait_for_sessions(1, support::WAIT)
        .await
        .expect("bot connects");
    let general = guild.channel("general").expect("general");
    let channel = ChannelId::new(general.get());

    let first = channel
        .send_message(&bot.http, board("board-2024-06-01"))
        .await
        .expect("the board");
    assert!(
        matches!(&first.nonce, Some(Nonce::String(n)) if n == "board-2024-06-01"),
        "{:?}",
        first.nonce
    );
    let again = channel
        .send_message(&bot.http, board("board-2024-06-01"))
        .await
        .expect("the board again");
    assert_eq!(again.id, first.id, "the same message comes back");

    let next_day = channel
        .send_message(&bot.http, board("board-2024-06-02"))
        .await
        .expect("the next day's board");
    assert_ne!(next_day.id, first.id);
    bot.events
        .wait_for("the next day's board", |s| {
            matches!(s, Seen::Message { id, .. } if *id == next_day.id.get()).then_some(())
        })
        .await;
    bot.events.drain();
    assert_eq!(
        bot.events
            .count(|s| matches!(s, Seen::Message { id, .. } if *id == first.id.get())),
        1,
        "one MESSAGE_CREATE for the first board"
    );
    assert_eq!(fc.bot_messages(general).await.expect("messages").len(), 2);

    let sends = fc
        .requests(&RequestFilter {
            method: Some("POST".into()),
            path: Some("/messages".into()),
            ..RequestFilter::default()
        })
        .await
        .expect("log");
    assert!(
        sends
            .iter()
            .all(|r| r.validation == "valid" || r.validation == "skipped"),
        "{sends:#?}"
    );
    bot.stop().await;
}

#[tokio::test]
async fn without_enforce_nonce_every_send_is_a_message_and_long_nonces_are_refused() {
    let (server, fc, guild) = ada_in_squad(Config::default()).await;
    let http = support::http(&server);
    let general = guild.channel("general").expect("general");
    let channel = ChannelId::new(general.get());

    let mut ids = Vec::new();
    for _ in 0..2 {
        let sent = channel
            .send_message(
                &http,
                CreateMessage::new().content("gg").nonce(Nonce::Number(7)),
            )
            .await
            .expect("sent");
        assert!(
            matches!(sent.nonce, Some(Nonce::Number(7))),
            "echoed as sent: {:?}",
            sent.nonce
        );
        ids.push(sent.id);
    }
    assert_ne!(ids[0], ids[1]);
    let fetched = channel.message(&http, ids[0]).await.expect("fetched");
    assert!(fetched.nonce.is_none(), "only the create answer carries it");

    let error = channel
        .send_message(&http, board(&"x".repeat(26)))
        .await
        .expect_err("a nonce of 26 characters");
    let serenity::Error::Http(HttpError::UnsuccessfulRequest(response)) = error else {
        panic!("an HTTP refusal, got {error:?}");
    };
    assert_eq!(response.status_code.as_u16(), 400);
    assert_eq!(response.error.errors[0].path, "nonce");
    assert_eq!(fc.bot_messages(general).await.expect("messages").len(), 2);
}

#[tokio::test]
async fn an_enforced_nonce_is_forgotten_after_the_window() {
    let config = Config::default().with_nonce_window(std::time::Duration::ZERO);
    let (server, fc, guild) = ada_in_squad(config).await;
    let http = support::http(&server);
    let general = guild.channel("general").expect("general");
    let channel = ChannelId::new(general.get());
    let first = channel
        .send_message(&http, board("board-2024-06-01"))
        .await
        .expect("the board");
    // A window of zero keeps nothing from an earlier millisecond.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let second = channel
        .send_message(&http, board("board-2024-06-01"))
        .await
        .expect("the board again");
    assert_ne!(first.id, second.id);
    assert_eq!(fc.bot_messages(general).await.expect("messages").len(), 2);
}
