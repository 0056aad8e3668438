//! End to end, through fakecord: the real binary connects, registers exactly its commands,
//! keeps guild members in its store, answers /about, sends only valid request bodies, never
//! prints its token, and exits 0 on SIGTERM. Run on SQLite always and on Postgres when reachable.

mod support;

use support::bot::{eventually, Bot};
use support::db::{FreshPostgres, TempSqlite};
use support::stored::StoredRows;
use trakker::config::DatabaseUrl;
use trakker::domain::ids::GuildId;

async fn a_guild_meets_the_bot(database: &DatabaseUrl, expected_storage: &str) {
    let bot = Bot::start(database).await;

    let registry = bot.discord.commands().await.expect("registered commands");
    let names: Vec<&str> = registry
        .global
        .iter()
        .filter_map(|command| command.get("name").and_then(|name| name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            "track",
            "untrack",
            "leaderboard",
            "stats",
            "team-stats",
            "history",
            "achievements",
            "session",
            "season",
            "schedule",
            "recap",
            "tournament",
            "timezone",
            "rank",
            "config",
            "top",
            "me",
            "user",
            "chart",
            "privacy",
            "export",
            "webhooks",
            "about"
        ],
        "fakecord received exactly the bot's commands"
    );
    let described = registry.global.iter().all(|command| {
        command["description"]
            .as_str()
            .is_some_and(|text| !text.is_empty())
    });
    assert!(
        described,
        "every command has help text: {:#?}",
        registry.global
    );

    let guild = bot.guild("Night Owls", &["ada", "bob", "cleo"]).await;

    let about = bot
        .discord
        .invoke(guild.id, "ada", "about", Vec::new())
        .await
        .expect("/about answers");
    assert!(!about.ephemeral, "/about is a public answer");
    let embed = about.embeds.first().expect("one embed");
    assert_eq!(
        embed["description"], "Squad stats and community activity.",
        "/about describes what the bot does today"
    );
    let fields = embed["fields"].as_array().expect("fields");
    let field = |name: &str| {
        fields
            .iter()
            .find(|field| field["name"] == name)
            .and_then(|field| field["value"].as_str())
            .unwrap_or_else(|| panic!("field {name} in {embed}"))
            .to_owned()
    };
    assert_eq!(field("Version"), env!("CARGO_PKG_VERSION"));
    assert_eq!(field("Storage"), expected_storage);
    assert!(field("Cache").starts_with("in-process memory"), "{embed}");
    assert!(!field("Uptime").is_empty());

    // Serenity handles events concurrently, so GUILD_CREATE may still be in flight: wait for it.
    let store = trakker::store::connect(database, false)
        .await
        .expect("open the bot's database");
    let count = || async {
        let members = store
            .member_count(GuildId(guild.id.0))
            .await
            .expect("count members");
        (members >= 4).then_some(members)
    };
    let members = eventually(std::time::Duration::from_secs(20), count)
        .await
        .unwrap_or_default();
    assert_eq!(members, 4, "ada, bob, cleo and the bot itself are stored");
    store.close().await;

    bot.assert_discord_accepted_everything().await;

    let token = bot.server.token().to_owned();
    let (status, logs) = bot.stop().await;
    assert!(
        status.success(),
        "SIGTERM ends with exit 0, got {status}\n{logs}"
    );
    assert!(logs.contains("stopped cleanly"), "{logs}");
    assert!(!logs.contains(&token), "the token leaked into the log");
}

#[tokio::test]
async fn a_guild_meets_the_bot_on_sqlite() {
    let database = TempSqlite::new();
    a_guild_meets_the_bot(database.url(), "SQLite").await;
}

#[tokio::test]
async fn a_guild_meets_the_bot_on_postgres() {
    let Some(database) = FreshPostgres::create().await else {
        return;
    };
    a_guild_meets_the_bot(database.url(), "PostgreSQL").await;
}

#[tokio::test]
async fn the_token_never_reaches_the_log_even_at_trace_level() {
    let database = TempSqlite::new();
    let bot = Bot::start_with(database.url(), &[("RUST_LOG", "trace")]).await;
    let token = bot.server.token().to_owned();
    let guild = bot.guild("Loggers", &["ada"]).await;
    bot.discord
        .invoke(guild.id, "ada", "about", Vec::new())
        .await
        .expect("/about answers");
    let (status, logs) = bot.stop().await;
    assert!(status.success(), "{logs}");
    assert!(logs.lines().count() > 20, "trace logging was on: {logs}");
    assert!(!logs.contains(&token), "the token leaked at trace level");
}

/// Discord sends a guild above the bot's `large_threshold` without most of its members; the bot
/// asks for the rest in chunks and stores every one of them.
#[tokio::test]
async fn every_member_of_a_large_guild_is_stored() {
    const MEMBERS: usize = 3_000;
    let database = TempSqlite::new();
    let bot = Bot::start(database.url()).await;
    let guild = bot
        .guild_from(
            fakecord::api::GuildSpec::new("Big community")
                .members((0..MEMBERS).map(|n| format!("member{n}")))
                .text_channel("general"),
        )
        .await;
    let store = trakker::store::connect(database.url(), false)
        .await
        .expect("open the bot's database");
    let id = GuildId(guild.id.0);
    // The owner is a member too, and counted by Discord like any other.
    let expected = u64::try_from(guild.members.len()).expect("a count");
    assert!(
        expected > u64::try_from(MEMBERS).expect("a count"),
        "{expected}"
    );
    let stored = eventually(std::time::Duration::from_secs(60), || async {
        store
            .member_count(id)
            .await
            .ok()
            .filter(|count| *count == expected)
    })
    .await;
    let count = store.member_count(id).await.expect("count");
    store.close().await;
    assert_eq!(
        stored,
        Some(expected),
        "stored {count} of {expected}\n{}",
        bot.logs()
    );
    assert!(
        bot.logs()
            .contains("asking for the members of a large guild"),
        "the guild arrived incomplete, as on Discord"
    );
    let (status, logs) = bot.stop().await;
    assert!(status.success(), "{logs}");
}
