//! Activity counts through the faults production sees, end to end through fakecord: Postgres
//! going away in the middle of a burst, and a gateway resume that replays what the bot missed.
//! In both, the store must end up with every message exactly once.

mod support;

use std::time::{Duration, Instant};

use fakecord::api::{BulkKind, BulkSpec, GuildSpec, MessageSpec, RawDispatch};
use fakecord::Snowflake;
use serde_json::json;
use support::activity::{recorded_events, stored_messages};
use support::bot::{eventually, Bot};
use support::db::{FreshPostgres, TempSqlite};
use support::proxy::in_front_of;
use tokio::sync::watch;
use trakker::store::Store;

/// How long counts may take to reach the store: a flush interval plus slack for a busy machine.
const SETTLE: Duration = Duration::from_secs(30);

/// How long Postgres stays unreachable in the outage scenario.
const OUTAGE: Duration = Duration::from_secs(20);

/// How long the bot may take to write again once Postgres is back: the writer's longest backoff
/// (30 s) plus the pool noticing its connections died, with slack.
const RECOVERY: Duration = Duration::from_secs(60);

/// The line the writer logs (once a minute) while the database refuses its flushes.
const UNAVAILABLE: &str = "database unavailable; counts are kept and retried";

/// The line the writer logs when a flush succeeds after an outage.
const BACK: &str = "database is back";

/// Members chatting all along: bursts of 500 messages a quarter second apart, until told to stop;
/// returns how many messages reached the bot's socket. One burst after another, the traffic
/// lasts as long as the outage, however fast this machine delivers a burst.
fn chatter(bot: &Bot, guild: Snowflake) -> (watch::Sender<bool>, tokio::task::JoinHandle<u64>) {
    let (stop, mut stopped) = watch::channel(false);
    let discord = bot.discord.clone();
    let task = tokio::spawn(async move {
        let mut sent = 0;
        while !*stopped.borrow_and_update() {
            let report = discord
                .bulk(&BulkSpec::new(BulkKind::MessageCreate, 500, guild))
                .await
                .expect("fakecord sends the burst");
            sent += report.sent;
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        sent
    });
    (stop, task)
}

#[tokio::test]
#[expect(
    clippy::too_many_lines,
    reason = "the outage reads best as one timeline, from the first count to the exit"
)]
async fn a_postgres_outage_of_20_seconds_during_a_burst_loses_nothing() {
    let Some(database) = FreshPostgres::create().await else {
        return;
    };
    // The bot reaches Postgres only through the proxy; the test reads the store directly, so it
    // sees what is stored while the bot cannot write.
    let (proxy, url) = in_front_of(database.url()).await;
    let bot = Bot::start(&url).await;
    let guild = bot
        .guild_from(
            GuildSpec::new("Busy")
                .generated_members(200)
                .text_channel("general")
                .text_channel("memes"),
        )
        .await;
    let store = trakker::store::connect(database.url(), false)
        .await
        .expect("open the bot's database directly");

    let started = Instant::now();
    let (stop_chatter, chatter) = chatter(&bot, guild.id);
    let before_cut = eventually(SETTLE, || async {
        let counted = stored_messages(store.as_ref(), guild.id).await;
        (counted > 0).then_some(counted)
    })
    .await
    .unwrap_or_else(|| panic!("counts reach the store before the outage\n{}", bot.logs()));

    proxy.cut();
    let cut_at = Instant::now();
    println!(
        "cut after {:.1}s with {before_cut} messages stored",
        started.elapsed().as_secs_f64()
    );
    // A flush already past its COMMIT may land just as the cut happens; after that, nothing.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let early_in_outage = stored_messages(store.as_ref(), guild.id).await;
    tokio::time::sleep(OUTAGE.saturating_sub(cut_at.elapsed())).await;
    let late_in_outage = stored_messages(store.as_ref(), guild.id).await;
    proxy.restore();
    let restored_at = Instant::now();
    assert_eq!(
        early_in_outage,
        late_in_outage,
        "nothing reaches the store while the proxy is cut (the test would prove nothing)\n{}",
        bot.logs()
    );
    assert!(
        proxy.refused() > 0,
        "the bot tried to reach the database during the outage"
    );
    assert!(
        bot.logs().contains(UNAVAILABLE),
        "the bot noticed the outage\n{}",
        bot.logs()
    );

    let back = eventually(RECOVERY, || async {
        bot.logs().contains(BACK).then_some(())
    })
    .await;
    assert!(
        back.is_some(),
        "the bot did not write again within {RECOVERY:?} of Postgres coming back\n{}",
        bot.logs()
    );
    println!(
        "writing again {:.1}s after the restore ({:.1}s after the cut)",
        restored_at.elapsed().as_secs_f64(),
        cut_at.elapsed().as_secs_f64()
    );

    stop_chatter.send_replace(true);
    let sent = chatter.await.expect("the chatter task ends");
    let caught_up = eventually(SETTLE, || async {
        (stored_messages(store.as_ref(), guild.id).await == sent).then_some(())
    })
    .await;
    let stored_before_exit = stored_messages(store.as_ref(), guild.id).await;
    assert!(
        caught_up.is_some(),
        "the store caught up with the {sent} messages sent: {stored_before_exit}\n{}",
        bot.logs()
    );

    let (status, logs) = bot.stop().await;
    assert!(status.success(), "SIGTERM ends with exit 0\n{logs}");
    let recorded = recorded_events(&logs);
    let counted = stored_messages(store.as_ref(), guild.id).await;
    store.close().await;
    println!(
        "{sent} messages sent, {recorded} recorded, {counted} stored; {:.1}s in all",
        started.elapsed().as_secs_f64()
    );
    assert!(
        recorded > before_cut,
        "messages arrived during the outage: {recorded} vs {before_cut} at the cut"
    );
    assert_eq!(recorded, sent, "the bot took in every message sent\n{logs}");
    assert_eq!(
        counted, recorded,
        "every message the bot took in is in the store, once\n{logs}"
    );
    assert_eq!(
        logs.matches(UNAVAILABLE).count(),
        1,
        "one warning per minute of outage, and this one was shorter\n{logs}"
    );
    assert!(logs.contains(BACK), "{logs}");
}

/// A `MESSAGE_CREATE` as Discord sends it, for `RawDispatch`: `author` posts "gg" in `channel`.
fn message_create(
    guild: Snowflake,
    channel: Snowflake,
    author: (&str, Snowflake),
    id: Snowflake,
) -> RawDispatch {
    let (name, user) = author;
    RawDispatch {
        event: "MESSAGE_CREATE".into(),
        guild_id: Some(guild),
        data: json!({
            "id": id,
            "channel_id": channel,
            "guild_id": guild,
            "author": {
                "id": user,
                "username": name,
                "discriminator": "0",
                "global_name": name,
                "avatar": null,
                "bot": false,
            },
            "content": "gg",
            "timestamp": chrono::Utc::now().to_rfc3339(),
            "edited_timestamp": null,
            "tts": false,
            "mention_everyone": false,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": false,
            "type": 0,
        }),
    }
}

/// The bot's gateway session as fakecord sees it.
struct Session {
    resumes: u32,
    /// Every dispatch was written to the bot's socket, and it is connected.
    caught_up: bool,
}

async fn session(bot: &Bot) -> Session {
    let status = bot.discord.status().await.expect("status");
    let session = status
        .sessions
        .iter()
        .max_by_key(|session| session.connected)
        .expect("the bot has a gateway session");
    Session {
        resumes: session.resumes,
        caught_up: session.connected && session.written_seq == session.seq,
    }
}

/// What [`post_through_dropped_sockets`] did.
struct Gaps {
    drops: u32,
    posted: u64,
    surely_replayed: u64,
}

/// Drops the bot's socket and has members post a batch of messages at once right after, again
/// and again until `goal` messages surely went through a replay (or `max_drops`), waiting each
/// time until the bot has resumed and read everything.
///
/// fakecord replays what the bot missed after the sequence number its RESUME names, so nothing
/// the bot read is sent twice. The bot resumes within milliseconds: a batch fakecord took before
/// the RESUME (the resume count has not moved once the whole batch is posted) can only have
/// reached the bot through the replay; a later one came live.
async fn post_through_dropped_sockets(
    bot: &Bot,
    guild: Snowflake,
    goal: u64,
    max_drops: u32,
) -> Gaps {
    const BATCH: u64 = 10;
    let mut gaps = Gaps {
        drops: 0,
        posted: 0,
        surely_replayed: 0,
    };
    while gaps.surely_replayed < goal && gaps.drops < max_drops {
        let before = session(bot).await.resumes;
        bot.discord.drop_socket(None).await.expect("socket dropped");
        gaps.drops += 1;
        let batch = (0..BATCH).map(|n| {
            let user = if n % 2 == 0 { "bob" } else { "ada" };
            bot.discord
                .post_message(guild, MessageSpec::new("general", user, "still here?"))
        });
        for posted in futures::future::join_all(batch).await {
            posted.expect("posted during the gap");
        }
        gaps.posted += BATCH;
        if session(bot).await.resumes == before {
            gaps.surely_replayed += BATCH;
        }
        let back = eventually(SETTLE, || async {
            let now = session(bot).await;
            (now.resumes > before && now.caught_up).then_some(())
        })
        .await;
        assert!(
            back.is_some(),
            "the bot resumed and read what it missed: {:?}\n{}",
            bot.discord.status().await,
            bot.logs()
        );
    }
    gaps
}

/// Waits until the store holds `expected` messages of `guild`; panics with `what` otherwise.
async fn wait_for_count(store: &dyn Store, guild: Snowflake, expected: u64, what: &str, bot: &Bot) {
    let counted = eventually(SETTLE, || async {
        (stored_messages(store, guild).await == expected).then_some(())
    })
    .await;
    assert!(
        counted.is_some(),
        "{what}: {expected} messages expected, {} stored\n{}",
        stored_messages(store, guild).await,
        bot.logs()
    );
}

#[tokio::test]
async fn events_replayed_after_a_resume_are_counted_once() {
    const BEFORE: u64 = 50;
    let database = TempSqlite::new();
    let bot = Bot::start(database.url()).await;
    let guild = bot.guild("Replay", &["ada", "bob"]).await;
    let store = trakker::store::connect(database.url(), false)
        .await
        .expect("open the bot's database");
    let started = Instant::now();

    let mut first_message = None;
    for n in 0..BEFORE {
        let user = if n % 2 == 0 { "ada" } else { "bob" };
        let posted = bot
            .discord
            .post_message(guild.id, MessageSpec::new("general", user, "gg"))
            .await
            .expect("posted");
        first_message.get_or_insert(posted.id);
    }
    let first_message = first_message.expect("at least one message");
    // Everything before the first gap reached the bot.
    let read = eventually(SETTLE, || async {
        session(&bot).await.caught_up.then_some(())
    })
    .await;
    assert!(read.is_some(), "the bot read everything before the gap");

    let gaps = post_through_dropped_sockets(&bot, guild.id, 20, 100).await;
    println!(
        "{} dropped sockets; {} of the {} messages posted in the gaps surely replayed",
        gaps.drops, gaps.surely_replayed, gaps.posted
    );
    assert!(
        gaps.surely_replayed > 0,
        "in {} dropped sockets the bot always resumed before a message was posted: the replay \
         was never exercised",
        gaps.drops
    );
    let expected = BEFORE + gaps.posted;
    wait_for_count(
        store.as_ref(),
        guild.id,
        expected,
        "after the resumes",
        &bot,
    )
    .await;

    // Discord may also deliver an event twice: the first message arrives again, same id. A new
    // message dispatched the same way after it shows that raw dispatches do reach the bot.
    let channel = guild.channel("general").expect("general");
    let ada = ("ada", guild.user("ada").expect("ada"));
    let again = message_create(guild.id, channel, ada, first_message);
    let sessions = bot.discord.dispatch(&again).await.expect("dispatched");
    assert_eq!(sessions, 1, "the repeat went to the bot's session");
    // An id minted in 2020, before anything fakecord mints.
    let new_id = Snowflake(((1_577_836_800_000 - fakecord::snowflake::DISCORD_EPOCH_MS) << 22) | 7);
    let new = message_create(guild.id, channel, ada, new_id);
    bot.discord.dispatch(&new).await.expect("dispatched");
    let expected = expected + 1;
    wait_for_count(
        store.as_ref(),
        guild.id,
        expected,
        "the new message counted",
        &bot,
    )
    .await;

    let (status, logs) = bot.stop().await;
    assert!(status.success(), "SIGTERM ends with exit 0\n{logs}");
    let stored = stored_messages(store.as_ref(), guild.id).await;
    store.close().await;
    println!(
        "{stored} stored; {:.1}s in all",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(
        recorded_events(&logs),
        expected,
        "the bot recorded every message once, the repeat not\n{logs}"
    );
    assert_eq!(stored, expected, "every message once\n{logs}");
}
