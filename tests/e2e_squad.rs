//! Squad stats end to end, through fakecord: /track, /untrack, /leaderboard, /stats, /history,
//! sessions and seasons, checked against what the bot answered, what its database holds and what
//! its cache holds — including while Redis is gone and across a restart.

mod support;

use std::time::Duration;

use fakecord::api::{CommandInvocation, ComponentClick, GuildInfo, InteractionOutcome, OptionSpec};
use fakecord::Snowflake;
use support::bot::Bot;
use support::cache::PrivateRedis;
use support::db::{FreshPostgres, TempSqlite};
use support::metrics::{self, Scrape};
use trakker::config::DatabaseUrl;
use trakker::domain::board::{BoardScope, Span};
use trakker::domain::ids::GuildId;
use trakker::domain::kills::KillKind;

/// Choice options travel as the index of the choice (poise registers them as integers):
/// `period` is season, all-time, 7 days, 30 days; `kind` is kill, teamkill.
const PERIOD_ALL_TIME: i64 = 1;
const KIND_TEAMKILL: i64 = 1;

/// How long one command may take, generous for a loaded CI machine.
const ANSWER: Duration = Duration::from_secs(20);

async fn run(bot: &Bot, invocation: CommandInvocation) -> InteractionOutcome {
    let name = invocation.command.clone();
    bot.discord
        .invoke_with(invocation.timeout(ANSWER))
        .await
        .unwrap_or_else(|error| panic!("/{name} answers: {error}\n{}", bot.logs()))
}

async fn track(
    bot: &Bot,
    guild: &GuildInfo,
    by: &str,
    player: &str,
    kills: i64,
) -> InteractionOutcome {
    let player = guild.user(player).expect("a member");
    let outcome = run(
        bot,
        CommandInvocation::new(guild.id, by, "track")
            .option(OptionSpec::new("player", player.to_string()))
            .option(OptionSpec::new("kills", kills)),
    )
    .await;
    assert!(
        !outcome.ephemeral,
        "/track was refused: {}",
        outcome.content
    );
    outcome
}

/// The /leaderboard embed as text, as `user` sees it.
async fn leaderboard(bot: &Bot, guild: &GuildInfo, user: &str, options: Vec<OptionSpec>) -> String {
    let outcome = run(
        bot,
        CommandInvocation::new(guild.id, user, "leaderboard").options(options),
    )
    .await;
    assert!(!outcome.ephemeral, "{}", outcome.content);
    outcome
        .embeds
        .first()
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// The /stats embed of `user` as text.
async fn stats(bot: &Bot, guild: &GuildInfo, user: &str) -> String {
    let outcome = run(bot, CommandInvocation::new(guild.id, user, "stats")).await;
    outcome
        .embeds
        .first()
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// `user`'s all-time kills as the ledger has them.
async fn ledger_kills(database: &DatabaseUrl, guild: Snowflake, user: Snowflake) -> i64 {
    let store = trakker::store::connect(database, false)
        .await
        .expect("open the bot's database");
    let totals = store
        .board_totals(
            GuildId(guild.0),
            &BoardScope::new(KillKind::Kill, Span::AllTime, None),
        )
        .await
        .expect("totals");
    store.close().await;
    totals
        .iter()
        .find(|standing| standing.player.0 == user.0)
        .map_or(0, |standing| standing.total)
}

/// `user`'s score on the all-time kills board in Redis, if the board is there.
async fn redis_score(redis: &PrivateRedis, guild: Snowflake, user: Snowflake) -> Option<f64> {
    let client = redis::Client::open(redis.url().expose()).expect("redis url");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis connects");
    let key = format!("trakker:g:{}:lb:kills:all:all", guild.0);
    redis::cmd("ZSCORE")
        .arg(key)
        .arg(user.to_string())
        .query_async(&mut conn)
        .await
        .expect("ZSCORE")
}

async fn fifty_concurrent_tracks_all_land(database: &DatabaseUrl) {
    let Some(redis) = PrivateRedis::start().await else {
        return;
    };
    let bot = Bot::start_with(database, &[("REDIS_URL", redis.url().expose())]).await;
    let guild = bot
        .guild("Squad", &["ada", "bob", "cleo", "dan", "eve"])
        .await;
    let ada = guild.user("ada").expect("ada");
    // Read the board once so the cache holds it and every /track below increments it.
    let empty = leaderboard(&bot, &guild, "ada", Vec::new()).await;
    assert!(empty.contains("Nobody is on this board yet"), "{empty}");
    // Ten kills first, so the burst below crosses the 100 kills milestone (and 50 without a
    // team kill) somewhere in its middle.
    track(&bot, &guild, "bob", "ada", 10).await;

    let recorders = ["ada", "bob", "cleo", "dan", "eve"];
    let calls = (0..50_i64).map(|i| {
        let invocation = CommandInvocation::new(
            guild.id,
            recorders[usize::try_from(i).unwrap_or(0) % 5],
            "track",
        )
        .option(OptionSpec::new("player", ada.to_string()))
        .option(OptionSpec::new("kills", 1 + i % 3))
        .timeout(ANSWER);
        bot.discord.invoke_with(invocation)
    });
    let outcomes = futures::future::join_all(calls).await;
    for outcome in &outcomes {
        let outcome = outcome.as_ref().expect("every /track answers");
        assert!(!outcome.ephemeral, "{}", outcome.content);
    }
    let expected: i64 = 10 + (0..50).map(|i| 1 + i % 3).sum::<i64>();

    assert_eq!(
        ledger_kills(database, guild.id, ada).await,
        expected,
        "the store"
    );
    #[expect(clippy::cast_precision_loss, reason = "a small whole number")]
    let cached = expected as f64;
    assert_eq!(
        redis_score(&redis, guild.id, ada).await,
        Some(cached),
        "the cache"
    );
    let board = leaderboard(&bot, &guild, "ada", Vec::new()).await;
    assert!(
        board.contains(&format!("You are #1 with {expected} kills")),
        "{board}"
    );
    let mine = stats(&bot, &guild, "ada").await;
    assert!(mine.contains(&format!("Kills: **{expected}**")), "{mine}");
    unlocked_once(&bot, &guild, &["Centurion", "Clean Hands"]).await;

    let (status, logs) = bot.stop().await;
    assert!(status.success(), "{logs}");
}

/// Each of `badges` was announced exactly once in the guild's first channel, and nothing else
/// was unlocked.
async fn unlocked_once(bot: &Bot, guild: &GuildInfo, badges: &[&str]) {
    let general = guild.channel("general").expect("general");
    let announced = || async {
        let messages = bot.discord.bot_messages(general).await.ok()?;
        let announcements: Vec<String> = messages
            .into_iter()
            .filter(|message| message.content.starts_with("🏅"))
            .map(|message| message.content)
            .collect();
        Some(announcements)
    };
    let all_there = |announcements: &[String]| {
        badges.iter().all(|badge| {
            announcements
                .iter()
                .any(|text| text.contains(&format!("**{badge}**")))
        })
    };
    support::bot::eventually(ANSWER, || async {
        announced().await.filter(|found| all_there(found))
    })
    .await
    .unwrap_or_else(|| panic!("{badges:?} announced\n{}", bot.logs()));
    // Checks still under way would announce a second time now, if they could.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let announcements = announced().await.expect("messages");
    for badge in badges {
        let times = announcements
            .iter()
            .filter(|text| text.contains(&format!("**{badge}**")))
            .count();
        assert_eq!(times, 1, "{badge} once: {announcements:#?}");
    }
    let unlocked: usize = announcements
        .iter()
        .map(|text| text.matches("**").count() / 2)
        .sum();
    assert_eq!(unlocked, badges.len(), "{announcements:#?}");
    for text in &announcements {
        assert!(
            text.contains(&format!("<@{}>", guild.user("ada").expect("ada"))),
            "{text}"
        );
    }
}

#[tokio::test]
async fn fifty_concurrent_tracks_all_land_on_sqlite() {
    let database = TempSqlite::new();
    fifty_concurrent_tracks_all_land(database.url()).await;
}

#[tokio::test]
async fn fifty_concurrent_tracks_all_land_on_postgres() {
    let Some(database) = FreshPostgres::create().await else {
        return;
    };
    fifty_concurrent_tracks_all_land(database.url()).await;
}

#[tokio::test]
async fn the_board_equals_the_ledger_after_untrack_a_season_change_and_a_restart() {
    let database = TempSqlite::new();
    let Some(redis) = PrivateRedis::start().await else {
        return;
    };
    let mut bot = Bot::start_with(database.url(), &[("REDIS_URL", redis.url().expose())]).await;
    let guild = bot.guild("Squad", &["ada", "bob"]).await;
    let ada = guild.user("ada").expect("ada");

    track(&bot, &guild, "ada", "ada", 5).await;
    track(&bot, &guild, "ada", "ada", 4).await;
    assert!(leaderboard(&bot, &guild, "ada", Vec::new())
        .await
        .contains("You are #1 with 9 kills"));

    let undo = run(&bot, CommandInvocation::new(guild.id, "ada", "untrack")).await;
    assert!(!undo.ephemeral, "{}", undo.content);
    assert!(undo.content.contains("Undid entry"), "{}", undo.content);
    assert!(leaderboard(&bot, &guild, "ada", Vec::new())
        .await
        .contains("You are #1 with 5 kills"));

    let season = run(
        &bot,
        CommandInvocation::new(guild.id, "ada", "season start")
            .option(OptionSpec::new("name", "Wipe 2"))
            .permissions(fakecord::api::PermissionSet::all()),
    )
    .await;
    assert!(!season.ephemeral, "{}", season.content);
    let fresh = leaderboard(&bot, &guild, "ada", Vec::new()).await;
    assert!(
        fresh.contains("Nobody is on this board yet"),
        "a new season starts at zero: {fresh}"
    );
    track(&bot, &guild, "bob", "ada", 2).await;
    let season_board = leaderboard(&bot, &guild, "ada", Vec::new()).await;
    assert!(
        season_board.contains("You are #1 with 2 kills"),
        "{season_board}"
    );
    let all_time = vec![OptionSpec::new("period", PERIOD_ALL_TIME)];
    assert!(leaderboard(&bot, &guild, "ada", all_time.clone())
        .await
        .contains("You are #1 with 7 kills"));

    // A crash between a commit and its increment would leave the cache behind the ledger: fake
    // that by tampering with Redis, then check the restarted bot does not trust it.
    let client = redis::Client::open(redis.url().expose()).expect("redis url");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("connect");
    let key = format!("trakker:g:{}:lb:kills:all:all", guild.id.0);
    let _: () = redis::cmd("ZADD")
        .arg(&key)
        .arg(1)
        .arg(ada.to_string())
        .query_async(&mut conn)
        .await
        .expect("ZADD");

    bot.restart().await;
    let after = leaderboard(&bot, &guild, "ada", all_time).await;
    assert!(
        after.contains("You are #1 with 7 kills"),
        "rebuilt from the ledger: {after}"
    );
    assert_eq!(redis_score(&redis, guild.id, ada).await, Some(7.0));
    let (status, logs) = bot.stop().await;
    assert!(status.success(), "{logs}");
}

#[tokio::test]
async fn every_command_answers_from_the_store_while_redis_is_down() {
    let database = TempSqlite::new();
    let Some(mut redis) = PrivateRedis::start().await else {
        return;
    };
    let bot = Bot::start_with(
        database.url(),
        &[("REDIS_URL", redis.url().expose()), metrics::ON_ANY_PORT],
    )
    .await;
    let addr = metrics::address(&bot);
    let guild = bot.guild("Squad", &["ada", "bob"]).await;
    let ada = guild.user("ada").expect("ada");
    track(&bot, &guild, "bob", "ada", 3).await;
    assert!(leaderboard(&bot, &guild, "ada", Vec::new())
        .await
        .contains("You are #1 with 3 kills"));

    redis.stop();
    track(&bot, &guild, "bob", "ada", 4).await;
    assert!(leaderboard(&bot, &guild, "ada", Vec::new())
        .await
        .contains("You are #1 with 7 kills"));
    assert!(stats(&bot, &guild, "ada").await.contains("Kills: **7**"));
    let history = run(&bot, CommandInvocation::new(guild.id, "ada", "history")).await;
    assert!(!history.ephemeral, "{}", history.content);
    let undo = run(&bot, CommandInvocation::new(guild.id, "bob", "untrack")).await;
    assert!(!undo.ephemeral, "{}", undo.content);
    assert!(leaderboard(&bot, &guild, "ada", Vec::new())
        .await
        .contains("You are #1 with 3 kills"));
    let down = Scrape::from(addr).await;
    assert_eq!(
        down.value("trakker_cache_up", &[]),
        Some(0.0),
        "{}",
        down.text
    );
    assert_eq!(down.count("trakker_cache_outages_total", &[]), 1);
    assert!(down.count("trakker_cache_errors_total", &[]) >= 1);
    assert_eq!(
        metrics::get(addr, "/readyz").await,
        (200, "ready\n".to_owned()),
        "a cache outage does not take the bot out of service"
    );

    redis.restart().await;
    // The bot tries Redis again a few seconds after the outage; until then it answers from the
    // store, and afterwards the board is rebuilt into the new, empty Redis.
    let rebuilt = support::bot::eventually(Duration::from_secs(20), || async {
        let board = leaderboard(&bot, &guild, "ada", Vec::new()).await;
        assert!(board.contains("You are #1 with 3 kills"), "{board}");
        redis_score(&redis, guild.id, ada).await
    })
    .await;
    assert_eq!(
        rebuilt,
        Some(3.0),
        "the board is back in Redis and equal to the ledger"
    );
    assert_eq!(ledger_kills(database.url(), guild.id, ada).await, 3);
    let up = Scrape::from(addr).await;
    assert_eq!(up.value("trakker_cache_up", &[]), Some(1.0), "{}", up.text);
    assert_eq!(up.count("trakker_cache_outages_total", &[]), 1);
    let (status, logs) = bot.stop().await;
    assert!(status.success(), "{logs}");
    assert_eq!(
        logs.matches("cache unavailable").count(),
        1,
        "the outage is logged once: {logs}"
    );
}

/// Empties the whole Redis with `FLUSHALL`, as an operator might.
async fn flush_all(redis: &PrivateRedis) {
    let client = redis::Client::open(redis.url().expose()).expect("redis url");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis connects");
    let _: () = redis::cmd("FLUSHALL")
        .query_async(&mut conn)
        .await
        .expect("FLUSHALL");
}

#[tokio::test]
async fn boards_stay_equal_to_the_ledger_when_redis_loses_them() {
    let database = TempSqlite::new();
    let Some(mut redis) = PrivateRedis::start().await else {
        return;
    };
    let bot = Bot::start_with(database.url(), &[("REDIS_URL", redis.url().expose())]).await;
    let squad = bot.guild("Squad", &["ada", "bob"]).await;
    let raiders = bot.guild("Raiders", &["ada", "bob"]).await;
    let ada_in_raiders = raiders.user("ada").expect("ada");
    track(&bot, &squad, "bob", "ada", 3).await;
    track(&bot, &raiders, "bob", "ada", 5).await;
    for (guild, total) in [(&squad, 3), (&raiders, 5)] {
        let board = leaderboard(&bot, guild, "ada", Vec::new()).await;
        assert!(
            board.contains(&format!("You are #1 with {total} kills")),
            "{board}"
        );
    }

    // Redis restarts empty while only the squad plays; the raiders' boards are not touched by
    // any failing call, so nothing tells the bot they are gone but the boards themselves.
    redis.restart().await;
    track(&bot, &squad, "bob", "ada", 2).await;
    let ada_in_squad = squad.user("ada").expect("ada");
    let squad_back = support::bot::eventually(Duration::from_secs(20), || async {
        let squad_board = leaderboard(&bot, &squad, "ada", Vec::new()).await;
        assert!(
            squad_board.contains("You are #1 with 5 kills"),
            "{squad_board}"
        );
        redis_score(&redis, squad.id, ada_in_squad).await
    })
    .await;
    assert_eq!(squad_back, Some(5.0), "the squad's board is back in Redis");
    let raiders_board = leaderboard(&bot, &raiders, "ada", Vec::new()).await;
    assert!(
        raiders_board.contains("You are #1 with 5 kills"),
        "an idle guild's board after the restart: {raiders_board}"
    );
    track(&bot, &raiders, "bob", "ada", 1).await;
    let raiders_board = leaderboard(&bot, &raiders, "ada", Vec::new()).await;
    assert!(
        raiders_board.contains("You are #1 with 6 kills"),
        "{raiders_board}"
    );

    // An operator's FLUSHALL, with no outage at all.
    let rebuilt = support::bot::eventually(Duration::from_secs(20), || async {
        leaderboard(&bot, &raiders, "ada", Vec::new()).await;
        redis_score(&redis, raiders.id, ada_in_raiders)
            .await
            .filter(|score| (*score - 6.0).abs() < f64::EPSILON)
    })
    .await;
    assert!(
        rebuilt.is_some(),
        "the board is back in Redis\n{}",
        bot.logs()
    );
    flush_all(&redis).await;
    track(&bot, &raiders, "bob", "ada", 4).await;
    assert_eq!(
        redis_score(&redis, raiders.id, ada_in_raiders).await,
        None,
        "an increment after the flush does not start a board from zero"
    );
    let raiders_board = leaderboard(&bot, &raiders, "ada", Vec::new()).await;
    assert!(
        raiders_board.contains("You are #1 with 10 kills"),
        "{raiders_board}"
    );
    assert_eq!(
        redis_score(&redis, raiders.id, ada_in_raiders).await,
        Some(10.0)
    );
    assert_eq!(
        ledger_kills(database.url(), raiders.id, ada_in_raiders).await,
        10
    );
    let (status, logs) = bot.stop().await;
    assert!(status.success(), "{logs}");
}

#[tokio::test]
async fn two_guilds_with_the_same_members_never_see_each_others_numbers() {
    let database = TempSqlite::new();
    let bot = Bot::start(database.url()).await;
    let north = bot.guild("North", &["ada", "bob"]).await;
    let south = bot.guild("South", &["ada", "bob"]).await;
    assert_eq!(
        north.user("ada").ok(),
        south.user("ada").ok(),
        "the same user in both"
    );
    track(&bot, &north, "ada", "ada", 8).await;
    track(&bot, &south, "ada", "ada", 2).await;
    track(&bot, &south, "bob", "bob", 3).await;
    let north_board = leaderboard(&bot, &north, "ada", Vec::new()).await;
    assert!(
        north_board.contains("You are #1 with 8 kills"),
        "{north_board}"
    );
    let south_board = leaderboard(&bot, &south, "ada", Vec::new()).await;
    assert!(
        south_board.contains("You are #2 with 2 kills"),
        "{south_board}"
    );
    assert!(stats(&bot, &south, "ada").await.contains("Kills: **2**"));
    let (status, logs) = bot.stop().await;
    assert!(status.success(), "{logs}");
}

#[tokio::test]
async fn a_session_ends_with_a_summary_that_compares_it_with_the_last_one() {
    let database = TempSqlite::new();
    let bot = Bot::start(database.url()).await;
    let guild = bot.guild("Squad", &["ada", "bob", "cleo"]).await;
    let start = |name: &'static str| {
        CommandInvocation::new(guild.id, "ada", "session start")
            .option(OptionSpec::new("game", "PUBG"))
            .option(OptionSpec::new("name", name))
    };
    let started = run(&bot, start("Friday")).await;
    assert!(!started.ephemeral, "{}", started.content);
    track(&bot, &guild, "ada", "ada", 4).await;
    track(&bot, &guild, "ada", "bob", 1).await;
    let first = run(&bot, CommandInvocation::new(guild.id, "bob", "session end")).await;
    assert!(!first.ephemeral, "{}", first.content);

    assert!(!run(&bot, start("Saturday")).await.ephemeral);
    let bob = guild.user("bob").expect("bob");
    let cleo = guild.user("cleo").expect("cleo");
    track(&bot, &guild, "ada", "bob", 6).await;
    let teamkill = run(
        &bot,
        CommandInvocation::new(guild.id, "ada", "track")
            .option(OptionSpec::new("player", cleo.to_string()))
            .option(OptionSpec::new("kills", 1))
            .option(OptionSpec::new("kind", KIND_TEAMKILL))
            .option(OptionSpec::new("victim", bob.to_string())),
    )
    .await;
    assert!(!teamkill.ephemeral, "{}", teamkill.content);
    let status = run(
        &bot,
        CommandInvocation::new(guild.id, "cleo", "session status"),
    )
    .await;
    assert!(
        status.embeds[0]
            .to_string()
            .contains("Session running: Saturday (PUBG)"),
        "{:?}",
        status.embeds
    );

    let summary = run(
        &bot,
        CommandInvocation::new(guild.id, "cleo", "session end"),
    )
    .await;
    let text = summary.embeds[0].to_string();
    assert!(text.contains("Session over: Saturday (PUBG)"), "{text}");
    assert!(text.contains("6 kills · 1 team kill · 2 players"), "{text}");
    assert!(
        text.contains(&format!("<@{bob}> with 6 kills")),
        "MVP: {text}"
    );
    assert!(
        text.contains(&format!("<@{cleo}> with 1")),
        "most team kills: {text}"
    );
    assert!(
        text.contains("▲ 1 more kills"),
        "6 kills against 5 last time: {text}"
    );
    let ended_again = run(
        &bot,
        CommandInvocation::new(guild.id, "cleo", "session end"),
    )
    .await;
    assert!(ended_again.ephemeral, "no session left to end");
    bot.assert_discord_accepted_everything().await;
    let (status, logs) = bot.stop().await;
    assert!(status.success(), "{logs}");
}

#[tokio::test]
async fn history_pages_through_the_ledger_with_buttons() {
    let database = TempSqlite::new();
    let bot = Bot::start(database.url()).await;
    let guild = bot.guild("Squad", &["ada"]).await;
    let mut last = None;
    for kills in 1..=25 {
        last = track(&bot, &guild, "ada", "ada", kills).await.message_id;
    }
    let tracked = last.expect("the /track reply is a message");
    let reactions = support::bot::eventually(ANSWER, || async {
        let message = bot.discord.message(tracked).await.ok()?;
        (!message.reactions.is_empty()).then_some(message.reactions)
    })
    .await
    .unwrap_or_default();
    assert_eq!(
        reactions
            .first()
            .map(|reaction| (reaction.emoji.as_str(), reaction.me)),
        Some(("🎯", true)),
        "the bot reacts to its /track reply"
    );
    let first = run(&bot, CommandInvocation::new(guild.id, "ada", "history")).await;
    let text = first.embeds[0].to_string();
    assert!(
        text.contains("`#25`") && text.contains("`#6`") && !text.contains("`#5`"),
        "{text}"
    );
    let message = first.message_id.expect("the reply is a message");
    let older = bot
        .discord
        .click(ComponentClick::button(message, "ada", "history:0:6"))
        .await
        .expect("the button answers");
    let page = older.embeds[0].to_string();
    assert!(
        page.contains("`#5`") && page.contains("`#1`") && !page.contains("`#6`"),
        "{page}"
    );
    bot.assert_discord_accepted_everything().await;
    let (status, logs) = bot.stop().await;
    assert!(status.success(), "{logs}");
}

#[tokio::test]
async fn a_session_idle_past_the_limit_ends_by_itself_with_its_summary() {
    let database = TempSqlite::new();
    let mut bot = Bot::start(database.url()).await;
    let guild = bot.guild("Squad", &["ada"]).await;
    let started = run(
        &bot,
        CommandInvocation::new(guild.id, "ada", "session start"),
    )
    .await;
    assert!(!started.ephemeral, "{}", started.content);
    track(&bot, &guild, "ada", "ada", 2).await;

    // Seven quiet hours pass (the default limit is six): age the session in the database, then
    // restart so the sweep, which runs at start-up and every minute, sees it.
    let pool = sqlx::SqlitePool::connect(database.url().expose())
        .await
        .expect("open the file");
    let seven_hours: i64 = 7 * 3600 * 1000;
    sqlx::query("UPDATE game_sessions SET started_at = started_at - ?1, last_activity_at = last_activity_at - ?1")
        .bind(seven_hours)
        .execute(&pool)
        .await
        .expect("age the session");
    pool.close().await;
    bot.restart().await;

    let general = guild.channel("general").expect("general");
    let discord = &bot.discord;
    let summary = support::bot::eventually(ANSWER, || async move {
        let messages = discord.bot_messages(general).await.ok()?;
        messages
            .into_iter()
            .find_map(|message| message.embeds.first().map(ToString::to_string))
            .filter(|embed| embed.contains("Session over (idle)"))
    })
    .await
    .unwrap_or_else(|| panic!("no idle summary was posted\n{}", bot.logs()));
    assert!(
        summary.contains("2 kills · 0 team kills · 1 player"),
        "{summary}"
    );
    let ended = run(
        &bot,
        CommandInvocation::new(guild.id, "ada", "session status"),
    )
    .await;
    assert!(ended.ephemeral, "the session is over: {}", ended.content);
    let (status, logs) = bot.stop().await;
    assert!(status.success(), "{logs}");
}

#[tokio::test]
async fn a_redis_that_is_unreachable_from_the_start_changes_nothing_for_users() {
    let database = TempSqlite::new();
    let nobody_listens = support::cache::redis_url(support::cache::free_port(), None);
    let bot = Bot::start_with(database.url(), &[("REDIS_URL", nobody_listens.expose())]).await;
    let guild = bot.guild("Squad", &["ada", "bob"]).await;
    track(&bot, &guild, "bob", "ada", 3).await;
    track(&bot, &guild, "ada", "bob", 1).await;
    let board = leaderboard(&bot, &guild, "bob", Vec::new()).await;
    assert!(board.contains("You are #2 with 1 kill"), "{board}");
    assert!(stats(&bot, &guild, "ada").await.contains("Kills: **3**"));
    let (status, logs) = bot.stop().await;
    assert!(status.success(), "{logs}");
}

#[tokio::test]
async fn team_stats_seasons_and_the_game_list_read_back_what_was_recorded() {
    let database = TempSqlite::new();
    let bot = Bot::start(database.url()).await;
    let guild = bot
        .guild_from(
            fakecord::api::GuildSpec::new("Squad")
                .members(["ada", "bob"])
                .text_channel("general")
                .emoji("chicken_dinner"),
        )
        .await;
    let manager = |command: &str| {
        CommandInvocation::new(guild.id, "ada", command)
            .permissions(fakecord::api::PermissionSet::all())
    };
    let added = run(
        &bot,
        manager("config games add").option(OptionSpec::new("name", "Minecraft")),
    )
    .await;
    assert!(!added.ephemeral, "{}", added.content);
    let removed = run(
        &bot,
        manager("config games remove").option(OptionSpec::new("name", "fortnite")),
    )
    .await;
    assert!(!removed.ephemeral, "{}", removed.content);
    let games = run(&bot, manager("config games list")).await.embeds[0].to_string();
    assert!(
        games.contains("Minecraft") && games.contains("PUBG") && !games.contains("Fortnite"),
        "{games}"
    );

    let emoji = guild.emoji("chicken_dinner").expect("emoji");
    let custom = format!("<:chicken_dinner:{emoji}>");
    let reaction = run(
        &bot,
        manager("config reactions").option(OptionSpec::new("emoji", custom.clone())),
    )
    .await;
    assert!(!reaction.ephemeral, "{}", reaction.content);
    let season = run(
        &bot,
        manager("season start").option(OptionSpec::new("name", "Wipe 1")),
    )
    .await;
    assert!(!season.ephemeral, "{}", season.content);

    let session = CommandInvocation::new(guild.id, "bob", "session start")
        .option(OptionSpec::new("game", "PUBG"));
    assert!(!run(&bot, session).await.ephemeral);
    let tracked = track(&bot, &guild, "bob", "ada", 4).await;
    track(&bot, &guild, "ada", "bob", 2).await;
    assert!(
        !run(&bot, CommandInvocation::new(guild.id, "bob", "session end"))
            .await
            .ephemeral
    );
    let minecraft = CommandInvocation::new(guild.id, "bob", "track")
        .option(OptionSpec::new(
            "player",
            guild.user("bob").expect("bob").to_string(),
        ))
        .option(OptionSpec::new("kills", 3))
        .option(OptionSpec::new("game", "minecraft"));
    assert!(!run(&bot, minecraft).await.ephemeral);

    let team = run(&bot, CommandInvocation::new(guild.id, "bob", "team-stats")).await;
    let text = team.embeds[0].to_string();
    assert!(text.contains("Squad stats · Wipe 1"), "{text}");
    assert!(
        text.contains("**9** kills · **0** team kills · 2 players · 1 sessions"),
        "{text}"
    );
    assert!(
        text.contains("PUBG — 6 kills") && text.contains("Minecraft — 3 kills"),
        "{text}"
    );
    let seasons = run(&bot, CommandInvocation::new(guild.id, "bob", "season list")).await;
    assert!(
        seasons.embeds[0].to_string().contains("**Wipe 1**"),
        "{:?}",
        seasons.embeds
    );

    // The custom reaction lands on /track replies.
    let message = tracked.message_id.expect("the reply is a message");
    let discord = &bot.discord;
    let reactions = support::bot::eventually(ANSWER, || async move {
        let message = discord.message(message).await.ok()?;
        (!message.reactions.is_empty()).then_some(message.reactions)
    })
    .await
    .unwrap_or_default();
    assert_eq!(
        reactions.first().map(|reaction| reaction.emoji.clone()),
        Some(format!("chicken_dinner:{emoji}"))
    );
    bot.assert_discord_accepted_everything().await;
    let (status, logs) = bot.stop().await;
    assert!(status.success(), "{logs}");
}

#[tokio::test]
async fn game_options_autocomplete_from_the_servers_list() {
    let database = TempSqlite::new();
    let bot = Bot::start(database.url()).await;
    let guild = bot.guild("Squad", &["ada"]).await;
    for (command, option) in [
        ("track", "game"),
        ("leaderboard", "game"),
        ("session start", "game"),
    ] {
        let typing = CommandInvocation::new(guild.id, "ada", command)
            .option(OptionSpec::new(option, "apex").focused())
            .timeout(ANSWER);
        let outcome = bot
            .discord
            .autocomplete(typing)
            .await
            .expect("autocomplete answers");
        let names: Vec<&str> = outcome
            .choices
            .iter()
            .filter_map(|choice| choice["name"].as_str())
            .collect();
        assert_eq!(names, ["Apex Legends"], "/{command}");
    }
    bot.assert_discord_accepted_everything().await;
    let (status, logs) = bot.stop().await;
    assert!(status.success(), "{logs}");
}

/// The member-role requests the bot made, as (method, role id, status).
async fn role_requests(bot: &Bot, guild: &GuildInfo) -> Vec<(String, String, u16)> {
    let filter = fakecord::api::RequestFilter {
        path: Some(format!("/guilds/{}/members/", guild.id)),
        ..fakecord::api::RequestFilter::default()
    };
    bot.discord
        .requests(&filter)
        .await
        .expect("requests")
        .into_iter()
        .filter(|request| request.path.contains("/roles/"))
        .map(|request| {
            let role = request
                .path
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_owned();
            (request.method, role, request.status)
        })
        .collect()
}

#[tokio::test]
async fn achievements_are_announced_reward_roles_and_follow_an_untrack() {
    use support::interactions::manager;
    let database = TempSqlite::new();
    // Webhooks may reach this machine's loopback address, and nothing else inside.
    let bot = Bot::start_with(database.url(), &[("WEBHOOKS_ALLOW_NETWORKS", "127.0.0.1")]).await;
    let guild = bot
        .guild_from(
            fakecord::api::GuildSpec::new("Badges")
                .members(["ada", "bob", "mod"])
                .role("Centurions", Vec::<String>::new())
                .role_above_bot("Admins")
                .text_channel("general")
                .text_channel("badges"),
        )
        .await;
    let ask = |by: &str, command: &str| CommandInvocation::new(guild.id, by, command);
    let reward = |role: &str| {
        manager(ask("mod", "achievements reward"))
            .option(OptionSpec::new("milestone", "kills-100"))
            .option(OptionSpec::new(
                "role",
                guild.role(role).expect("a role").to_string(),
            ))
    };

    refuses_bad_achievement_input(&bot, &guild).await;
    let (receiver, secret) = add_a_webhook(&bot, &guild).await;

    // The setup: a role for 100 kills, a milestone of the server's own, a channel.
    let rewarded = run(&bot, reward("Centurions")).await;
    assert!(
        rewarded.content.contains("now gives"),
        "{}",
        rewarded.content
    );
    let added = run(
        &bot,
        manager(ask("mod", "achievements add"))
            .option(OptionSpec::new("name", "Sharpshooter"))
            .option(OptionSpec::new("emoji", "🎯"))
            .option(OptionSpec::new("measure", 0))
            .option(OptionSpec::new("threshold", 60)),
    )
    .await;
    assert!(added.content.contains("custom-1"), "{}", added.content);
    let badges = guild.channel("badges").expect("badges");
    run(
        &bot,
        manager(ask("mod", "achievements channel"))
            .option(OptionSpec::new("channel", badges.to_string())),
    )
    .await;

    // 100 kills: both badges announced in #badges, once, and the role given.
    track(&bot, &guild, "bob", "ada", 100).await;
    let announcement = support::bot::eventually(ANSWER, || async {
        let messages = bot.discord.bot_messages(badges).await.ok()?;
        messages
            .into_iter()
            .find(|message| message.content.contains("**Centurion**"))
    })
    .await
    .unwrap_or_else(|| panic!("announced in #badges\n{}", bot.logs()));
    assert!(
        announcement.content.contains("**Sharpshooter**"),
        "{}",
        announcement.content
    );
    let centurions = guild.role("Centurions").expect("role").to_string();
    support::bot::eventually(ANSWER, || async {
        role_requests(&bot, &guild)
            .await
            .contains(&("PUT".to_owned(), centurions.clone(), 204))
            .then_some(())
    })
    .await
    .expect("the role is given");
    let card = stats(&bot, &guild, "ada").await;
    assert!(
        card.contains("Centurion") && card.contains("Sharpshooter"),
        "{card}"
    );

    // Bob undoes his entry: both badges and the role go back.
    let undone = run(&bot, ask("bob", "untrack")).await;
    assert!(!undone.ephemeral, "{}", undone.content);
    support::bot::eventually(ANSWER, || async {
        role_requests(&bot, &guild)
            .await
            .contains(&("DELETE".to_owned(), centurions.clone(), 204))
            .then_some(())
    })
    .await
    .expect("the role is taken back");
    let shown = run(
        &bot,
        ask("bob", "achievements show").option(OptionSpec::new(
            "member",
            guild.user("ada").expect("ada").to_string(),
        )),
    )
    .await;
    assert!(shown.content.contains("no badge"), "{}", shown.content);
    lists_milestones_and_turns_them_off(&bot, &guild).await;
    the_webhook_received_it_all(&bot, &guild, &receiver, &secret).await;
    a_tournament_from_its_lobby_to_its_final(&bot, &guild, &receiver).await;

    let (status, logs) = bot.stop().await;
    assert!(status.success(), "{logs}");
}

/// The bot asked for one role grant and one removal, nothing for the role above its own;
/// /achievements list shows the keys, the reward and the channel; turned off, the list says so
/// and a plain member cannot turn them back on.
async fn lists_milestones_and_turns_them_off(bot: &Bot, guild: &GuildInfo) {
    use support::interactions::{manager, refused};
    assert_eq!(
        role_requests(bot, guild).await.len(),
        2,
        "one grant and one removal, nothing for the role above the bot"
    );
    let ask = |by: &str, command: &str| CommandInvocation::new(guild.id, by, command);
    let list = run(bot, ask("ada", "achievements list")).await;
    assert!(list.ephemeral, "{}", list.content);
    let role = guild.role("Centurions").expect("role");
    let badges = guild.channel("badges").expect("badges");
    for expected in [
        "`[kills-100]` → <@&".to_owned(),
        role.to_string(),
        "`[custom-1]`".to_owned(),
        format!("announced in <#{badges}>"),
    ] {
        assert!(
            list.content.contains(&expected),
            "{expected}: {}",
            list.content
        );
    }
    let switch =
        |by: &str, on: bool| ask(by, "achievements enabled").option(OptionSpec::new("on", on));
    let off = run(bot, manager(switch("mod", false))).await;
    assert!(
        off.content.contains("Achievements are off"),
        "{}",
        off.content
    );
    refused(&run(bot, switch("bob", true)).await, "Manage Server");
    let list = run(bot, ask("ada", "achievements list")).await;
    assert!(
        list.content.contains("off in this server"),
        "{}",
        list.content
    );
}

/// A role above the bot's, thresholds out of range, a plain member and a built-in milestone to
/// remove are each refused with a sentence.
async fn refuses_bad_achievement_input(bot: &Bot, guild: &GuildInfo) {
    use support::interactions::{manager, refused};
    let ask = |by: &str, command: &str| CommandInvocation::new(guild.id, by, command);
    let reward = |role: &str| {
        manager(ask("mod", "achievements reward"))
            .option(OptionSpec::new("milestone", "kills-100"))
            .option(OptionSpec::new(
                "role",
                guild.role(role).expect("a role").to_string(),
            ))
    };
    refused(&run(bot, reward("Admins")).await, "above my highest role");
    for threshold in [0_i64, 1_000_000_000_000] {
        let add = manager(ask("mod", "achievements add"))
            .option(OptionSpec::new("name", "Sharpshooter"))
            .option(OptionSpec::new("emoji", "🎯"))
            .option(OptionSpec::new("measure", 0))
            .option(OptionSpec::new("threshold", threshold));
        refused(&run(bot, add).await, "from 1 to 10000000");
    }
    refused(
        &run(
            bot,
            ask("bob", "achievements shame").option(OptionSpec::new("on", false)),
        )
        .await,
        "Manage Server",
    );
    let unknown = manager(ask("mod", "achievements remove"))
        .option(OptionSpec::new("milestone", "kills-100"));
    refused(&run(bot, unknown).await, "cannot be removed");
}

/// Bad destinations and a plain member are refused; a manager adds a hook to a receiver on
/// loopback and is shown its secret once.
async fn add_a_webhook(bot: &Bot, guild: &GuildInfo) -> (support::receiver::Receiver, String) {
    use support::interactions::{manager, refused};
    let add = |by: &str, url: &str| {
        CommandInvocation::new(guild.id, by, "webhooks add").option(OptionSpec::new("url", url))
    };
    let receiver = support::receiver::Receiver::start(|_| false).await;
    refused(
        &run(bot, add("bob", &receiver.url("/hook/squad"))).await,
        "Manage Server",
    );
    for (url, expected) in [
        ("ftp://example.com/hook", "only http:// and https://"),
        (
            "http://10.0.0.1/hook",
            "10.0.0.1 is a private or internal address",
        ),
        ("http://169.254.169.254/latest", "private or internal"),
        ("not a url", "not a URL"),
    ] {
        refused(&run(bot, manager(add("mod", url))).await, expected);
    }
    let added = run(bot, manager(add("mod", &receiver.url("/hook/squad")))).await;
    assert!(added.ephemeral, "the secret is for the manager only");
    let secret = added
        .content
        .split("||`")
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .unwrap_or_else(|| panic!("a secret in: {}", added.content))
        .to_owned();
    assert_eq!(secret.len(), 64, "{}", added.content);
    (receiver, secret)
}

/// The hook received the kill, the two badges and the undo, each signed with its secret, and
/// /webhooks list counts them.
async fn the_webhook_received_it_all(
    bot: &Bot,
    guild: &GuildInfo,
    receiver: &support::receiver::Receiver,
    secret: &str,
) {
    let wanted = ["kill.tracked", "achievement.unlocked", "kill.undone"];
    let seen = support::bot::eventually(ANSWER, || async {
        let seen = receiver.seen();
        let undone = seen.iter().any(|seen| seen.event == "kill.undone");
        (undone && seen.len() >= 4).then_some(seen)
    })
    .await
    .unwrap_or_else(|| panic!("deliveries: {:?}\n{}", receiver.seen(), bot.logs()));
    let events: Vec<&str> = seen.iter().map(|seen| seen.event.as_str()).collect();
    for event in wanted {
        assert!(events.contains(&event), "{event}: {events:?}");
    }
    assert_eq!(events[0], "kill.tracked", "the kill came first: {events:?}");
    let ada = guild.user("ada").expect("ada").to_string();
    for seen in &seen {
        assert_eq!(
            seen.signature,
            support::receiver::signature_of(secret, &seen.body)
        );
        let body: serde_json::Value = serde_json::from_str(&seen.body).expect("json");
        assert_eq!(body["guild_id"], guild.id.to_string());
        let player = &body["data"][if seen.event == "achievement.unlocked" {
            "user_id"
        } else {
            "player_id"
        }];
        assert_eq!(
            player,
            &serde_json::Value::String(ada.clone()),
            "{}",
            seen.body
        );
    }
    let list = run(
        bot,
        support::interactions::manager(CommandInvocation::new(guild.id, "mod", "webhooks list")),
    )
    .await;
    assert!(
        list.content
            .contains(&format!("{} delivered, 0 waiting", seen.len())),
        "{}",
        list.content
    );
    assert!(
        !list.content.contains(secret),
        "the secret is never shown again"
    );
    test_resume_and_remove(bot, guild, receiver).await;
}

/// `test` sends a ping, `resume` answers for a hook that is not paused, a hook number this
/// server does not have (a forged option) is refused at each, a plain member is refused, and
/// `remove` leaves the list empty.
async fn test_resume_and_remove(
    bot: &Bot,
    guild: &GuildInfo,
    receiver: &support::receiver::Receiver,
) {
    use support::interactions::{manager, refused};
    let ask = |by: &str, command: &str, id: i64| {
        CommandInvocation::new(guild.id, by, command).option(OptionSpec::new("id", id))
    };
    for command in ["webhooks test", "webhooks resume", "webhooks remove"] {
        refused(
            &run(bot, manager(ask("mod", command, 99))).await,
            "no webhook 99",
        );
    }
    refused(
        &run(bot, ask("bob", "webhooks remove", 1)).await,
        "Manage Server",
    );
    let tested = run(bot, manager(ask("mod", "webhooks test", 1))).await;
    assert!(tested.content.contains("on its way"), "{}", tested.content);
    support::bot::eventually(ANSWER, || async {
        receiver
            .seen()
            .iter()
            .any(|seen| seen.event == "ping")
            .then_some(())
    })
    .await
    .unwrap_or_else(|| panic!("a ping: {:?}", receiver.seen()));
    let resumed = run(bot, manager(ask("mod", "webhooks resume", 1))).await;
    assert!(resumed.content.contains("resumed"), "{}", resumed.content);
    let removed = run(bot, manager(ask("mod", "webhooks remove", 1))).await;
    assert!(removed.content.contains("removed"), "{}", removed.content);
    let list = run(
        bot,
        manager(CommandInvocation::new(guild.id, "mod", "webhooks list")),
    )
    .await;
    assert!(list.content.contains("No webhook yet"), "{}", list.content);
}

/// A tournament on the same server: refusals (a plain member creating, a team of 9, a
/// two-line name), the lobby's buttons (joining twice, leaving without having joined, a forged
/// button for a tournament the server does not have), the draw with its picture, a report by
/// someone not playing, the two reports that settle the final, and its `tournament.result`
/// event at a hook that follows only those.
async fn a_tournament_from_its_lobby_to_its_final(
    bot: &Bot,
    guild: &GuildInfo,
    receiver: &support::receiver::Receiver,
) {
    use support::interactions::{click, component, manager, refused};
    let hooked = run(
        bot,
        manager(CommandInvocation::new(guild.id, "mod", "webhooks add"))
            .option(OptionSpec::new("url", receiver.url("/hook/cup")))
            .option(OptionSpec::new("events", 4)),
    )
    .await;
    assert!(
        hooked.content.contains("tournament.result"),
        "{}",
        hooked.content
    );
    let create = |by: &str, name: &str, team_size: i64| {
        CommandInvocation::new(guild.id, by, "tournament create")
            .option(OptionSpec::new("name", name))
            .option(OptionSpec::new("format", 0))
            .option(OptionSpec::new("team_size", team_size))
    };
    refused(&run(bot, create("bob", "Cup", 1)).await, "Manage Server");
    refused(
        &run(bot, manager(create("mod", "Cup", 9))).await,
        "between 1 and 5",
    );
    refused(
        &run(bot, manager(create("mod", "Cup\nnight", 1))).await,
        "tournament name",
    );
    let lobby = run(bot, manager(create("mod", "Friday cup", 1))).await;
    assert!(
        !lobby.ephemeral && lobby.content.contains("Friday cup"),
        "{}",
        lobby.content
    );
    let message = lobby.message_id.expect("the lobby's message");
    let join = component(&lobby, "tournament:join:");
    let leave = component(&lobby, "tournament:leave:");
    for player in ["ada", "bob"] {
        let joined = click(
            bot,
            ComponentClick::button(message, player, join.clone()).genuine(),
            ANSWER,
        )
        .await;
        assert!(joined.content.contains("entered"), "{}", joined.content);
    }
    let twice = click(
        bot,
        ComponentClick::button(message, "ada", join.clone()).genuine(),
        ANSWER,
    )
    .await;
    refused(&twice, "in already");
    let outsider = click(
        bot,
        ComponentClick::button(message, "mod", leave).genuine(),
        ANSWER,
    )
    .await;
    refused(&outsider, "not in this tournament");
    let mut forged = ComponentClick::button(message, "bob", "tournament:join:999");
    // A button the message never had: fakecord cannot look its type up.
    forged.component_type = Some(2);
    let forged = click(bot, forged, ANSWER).await;
    refused(&forged, "does not exist here");

    the_final_is_reported_and_announced(bot, guild, receiver, &join).await;
    a_disputed_final_is_decided_and_a_lobby_cancelled(bot, guild).await;
}

/// The draw with its picture, a report by someone not playing, the two reports that settle the
/// final, its `tournament.result` event, and the bracket afterwards.
async fn the_final_is_reported_and_announced(
    bot: &Bot,
    guild: &GuildInfo,
    receiver: &support::receiver::Receiver,
    join: &str,
) {
    use support::interactions::{manager, refused};
    let ask = |by: &str, command: &str| CommandInvocation::new(guild.id, by, command);
    refused(
        &run(bot, ask("bob", "tournament start")).await,
        "Manage Server",
    );
    let started = run(bot, manager(ask("mod", "tournament start"))).await;
    assert!(
        started.content.contains("The draw is made: 2 entrants"),
        "{}",
        started.content
    );
    assert_eq!(
        started
            .attachments
            .iter()
            .map(|file| file.filename.as_str())
            .collect::<Vec<_>>(),
        [format!(
            "tournament-{}.png",
            join.rsplit(':').next().expect("id")
        )],
    );
    let ada = guild.user("ada").expect("ada").to_string();
    let report = |by: &str| {
        ask(by, "tournament report")
            .option(OptionSpec::new("match", 1))
            .option(OptionSpec::new("winner", ada.clone()))
    };
    refused(&run(bot, report("mod")).await, "not playing");
    let first = run(bot, report("ada")).await;
    assert!(
        first.content.contains("counts once the other side"),
        "{}",
        first.content
    );
    let last = run(bot, report("bob")).await;
    assert!(
        last.content.contains("Final standings")
            && last.content.contains(&format!("🥇 1. <@{ada}>")),
        "{}",
        last.content
    );
    let result = support::bot::eventually(ANSWER, || async {
        receiver
            .seen()
            .into_iter()
            .find(|seen| seen.event == "tournament.result")
    })
    .await
    .unwrap_or_else(|| panic!("a tournament result: {:?}\n{}", receiver.seen(), bot.logs()));
    let body: serde_json::Value = serde_json::from_str(&result.body).expect("json");
    assert_eq!(body["data"]["finished"], true, "{}", result.body);
    assert_eq!(
        body["data"]["match"]["winner"]["members"][0], ada,
        "{}",
        result.body
    );
    let shown = run(bot, ask("bob", "tournament bracket")).await;
    assert!(
        shown.content.contains("is over") && shown.attachments.len() == 1,
        "{}",
        shown.content
    );
}

/// A second tournament whose players disagree: `decide` refused to a plain member and for a
/// match that does not exist, then a manager's decision ends it; `leave` by someone not in it;
/// a third one cancelled from its lobby, after which `cancel` has nothing to stop.
async fn a_disputed_final_is_decided_and_a_lobby_cancelled(bot: &Bot, guild: &GuildInfo) {
    use support::interactions::{click, component, manager, refused};
    let ask = |by: &str, command: &str| CommandInvocation::new(guild.id, by, command);
    let create = |name: &str| {
        manager(ask("mod", "tournament create"))
            .option(OptionSpec::new("name", name))
            .option(OptionSpec::new("format", 1))
    };
    let lobby = run(bot, create("Rematch")).await;
    let message = lobby.message_id.expect("the lobby's message");
    for player in ["ada", "bob"] {
        let join = ComponentClick::button(message, player, component(&lobby, "tournament:join:"));
        click(bot, join.genuine(), ANSWER).await;
    }
    run(bot, manager(ask("mod", "tournament start"))).await;
    refused(
        &run(bot, ask("mod", "tournament leave")).await,
        "not in this tournament",
    );
    let user = |name: &str| guild.user(name).expect("a member").to_string();
    for (by, winner) in [("ada", "ada"), ("bob", "bob")] {
        let reported = run(
            bot,
            ask(by, "tournament report")
                .option(OptionSpec::new("match", 1))
                .option(OptionSpec::new("winner", user(winner))),
        )
        .await;
        assert!(
            reported.content.contains("counts once"),
            "{}",
            reported.content
        );
    }
    let decide = |by: &str, number: i64| {
        ask(by, "tournament decide")
            .option(OptionSpec::new("match", number))
            .option(OptionSpec::new("winner", user("bob")))
    };
    refused(&run(bot, decide("bob", 1)).await, "Manage Server");
    refused(&run(bot, manager(decide("mod", 99))).await, "no match 99");
    let decided = run(bot, manager(decide("mod", 1))).await;
    assert!(
        decided.content.contains("decided by a manager")
            && decided
                .content
                .contains(&format!("🥇 1. <@{}>", user("bob"))),
        "{}",
        decided.content
    );

    let lobby = run(bot, create("Cup three")).await;
    assert!(lobby.content.contains("0 entered"), "{}", lobby.content);
    refused(
        &run(bot, ask("bob", "tournament cancel")).await,
        "Manage Server",
    );
    let cancelled = run(bot, manager(ask("mod", "tournament cancel"))).await;
    assert!(
        cancelled.content.contains("was cancelled"),
        "{}",
        cancelled.content
    );
    refused(
        &run(bot, manager(ask("mod", "tournament cancel"))).await,
        "No tournament is open or running",
    );
}
