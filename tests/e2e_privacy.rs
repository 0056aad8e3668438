//! Erasing and retention end to end, through fakecord, with Redis: a member erases their data
//! after confirming (foreign and cancelled confirmations change nothing), a
//! manager erases a member who left (logged), and a server's retention removes old activity.
//! Afterwards no table of the server and no key of its cache names the erased members.

mod support;

use std::time::Duration;

use chrono::Utc;
use fakecord::api::{
    CommandInvocation, ComponentClick, GuildSpec, InteractionOutcome, MessageSpec, OptionSpec,
    PermissionSet, VoiceSpec,
};
use fakecord::Snowflake;
use support::activity::stored_messages;
use support::bot::{eventually, Bot};
use support::cache::PrivateRedis;
use support::cli::text;
use support::db::{FreshPostgres, TempSqlite};
use support::interactions::{component, manager, refused};
use support::stored::{StoredId, StoredRows};
use trakker::config::DatabaseUrl;
use trakker::domain::activity::{ActivityEvent, Deltas, MessageKey};
use trakker::domain::ids::{ChannelId, GuildId, UserId};
use trakker::store::{Store, VoiceFlags};

/// How long one command may take, generous for a loaded CI machine.
const ANSWER: Duration = Duration::from_secs(20);

async fn click(bot: &Bot, click: ComponentClick) -> InteractionOutcome {
    support::interactions::click(bot, click, ANSWER).await
}

async fn run(bot: &Bot, invocation: CommandInvocation) -> InteractionOutcome {
    let name = invocation.command.clone();
    bot.discord
        .invoke_with(invocation.timeout(ANSWER))
        .await
        .unwrap_or_else(|error| panic!("/{name} answers: {error}\n{}", bot.logs()))
}

/// Every key of the guild in Redis that holds `user` as a member of its sorted set.
async fn cache_keys_naming(redis: &PrivateRedis, guild: Snowflake, user: Snowflake) -> Vec<String> {
    let client = redis::Client::open(redis.url().expose()).expect("redis url");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis connects");
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("trakker:g:{}:*", guild.0))
        .query_async(&mut conn)
        .await
        .expect("KEYS");
    assert!(!keys.is_empty(), "the guild's boards are in the cache");
    let mut naming = Vec::new();
    for key in keys {
        let score: Option<f64> = redis::cmd("ZSCORE")
            .arg(&key)
            .arg(user.to_string())
            .query_async(&mut conn)
            .await
            .expect("ZSCORE");
        if score.is_some() {
            naming.push(key);
        }
    }
    naming
}

async fn holding(store: &dyn Store, guild: Snowflake, user: Snowflake) -> Vec<String> {
    store
        .columns_holding(GuildId(guild.0), UserId(user.0).to_db())
        .await
        .expect("read")
}

#[tokio::test]
#[expect(
    clippy::too_many_lines,
    reason = "one server's evening, erasures and retention share a bot and read best in order"
)]
async fn members_erase_their_data_managers_erase_leavers_and_retention_removes_old_rows() {
    let Some(redis) = PrivateRedis::start().await else {
        return;
    };
    let database = TempSqlite::new();
    let bot = Bot::start_with(database.url(), &[("REDIS_URL", redis.url().expose())]).await;
    let guild = bot
        .guild_from(
            GuildSpec::new("Privacy")
                .members(["ada", "bob", "cy", "mod"])
                .text_channel("general")
                .voice_channel("lounge"),
        )
        .await;
    let [ada, bob, cy] = ["ada", "bob", "cy"].map(|name| guild.user(name).expect("a member"));
    for (user, text) in [("ada", "hi"), ("ada", "gg"), ("bob", "gg"), ("cy", "o/")] {
        let message = MessageSpec::new("general", user, text);
        bot.discord
            .post_message(guild.id, message)
            .await
            .expect("posted");
    }
    for spec in [VoiceSpec::join("ada", "lounge"), VoiceSpec::leave("ada")] {
        bot.discord.voice(guild.id, spec).await.expect("voice");
    }
    for (by, player, kills) in [("bob", ada, 3), ("ada", bob, 2)] {
        let tracked = run(
            &bot,
            CommandInvocation::new(guild.id, by, "track")
                .option(OptionSpec::new("player", player.to_string()))
                .option(OptionSpec::new("kills", kills)),
        )
        .await;
        assert!(!tracked.ephemeral, "{}", tracked.content);
    }
    // Read the boards so the cache holds them, Ada on both.
    for kind in [0, 1] {
        run(
            &bot,
            CommandInvocation::new(guild.id, "ada", "leaderboard")
                .option(OptionSpec::new("period", 1))
                .option(OptionSpec::new("kind", kind)),
        )
        .await;
    }
    let store = trakker::store::connect(database.url(), false)
        .await
        .expect("open");
    eventually(ANSWER, || async {
        (stored_messages(store.as_ref(), guild.id).await == 4).then_some(())
    })
    .await
    .expect("the messages are counted");
    assert!(!cache_keys_naming(&redis, guild.id, ada).await.is_empty());

    // Asked, not erased: a foreign click and a cancel change nothing (expiry is
    // checked by the unit tests: fakecord only clicks buttons a message holds).
    let ask = || {
        run(
            &bot,
            CommandInvocation::new(guild.id, "ada", "privacy erase"),
        )
    };
    let asked = ask().await;
    assert!(
        asked.ephemeral && asked.content.contains("cannot be undone"),
        "{}",
        asked.content
    );
    let message = asked.message_id.expect("the confirmation's message");
    refused(
        &click(
            &bot,
            ComponentClick::button(message, "bob", component(&asked, "privacy:erase:")),
        )
        .await,
        "someone else's",
    );
    let kept = click(
        &bot,
        ComponentClick::button(message, "ada", component(&asked, "privacy:keep:")).genuine(),
    )
    .await;
    assert_eq!(kept.content, "Nothing was erased.");
    assert!(kept.components.is_empty(), "the buttons are gone");
    let before = holding(store.as_ref(), guild.id, ada).await;
    assert!(
        before
            .iter()
            .any(|found| found.starts_with("message_rollups."))
            && before.iter().any(|found| found.starts_with("kill_ledger.")),
        "nothing was erased yet: {before:?}"
    );

    let asked = ask().await;
    let message = asked.message_id.expect("the confirmation's message");
    let erase = component(&asked, "privacy:erase:");
    let done = click(
        &bot,
        ComponentClick::button(message, "ada", erase).genuine(),
    )
    .await;
    assert!(
        done.content.starts_with("Done"),
        "{}\n{}",
        done.content,
        bot.logs()
    );
    assert!(done.components.is_empty(), "the buttons are gone");
    let after = holding(store.as_ref(), guild.id, ada).await;
    assert!(after.is_empty(), "no table names Ada: {after:?}");
    assert_eq!(
        cache_keys_naming(&redis, guild.id, ada).await,
        Vec::<String>::new(),
        "no cached board names Ada"
    );
    assert_eq!(stored_messages(store.as_ref(), guild.id).await, 2);
    refused(
        &run(
            &bot,
            CommandInvocation::new(guild.id, "ada", "privacy export"),
        )
        .await,
        "Nothing is recorded about you",
    );
    let board = run(
        &bot,
        CommandInvocation::new(guild.id, "bob", "leaderboard").option(OptionSpec::new("period", 1)),
    )
    .await;
    let board = board.embeds[0].to_string();
    assert!(board.contains(&format!("<@{bob}> — **2**")), "{board}");
    assert!(!board.contains(&ada.to_string()), "{board}");
    // Bob hides: his kills stay in the ledger, but no ranking shows him; unhidden, he is back.
    let board_for = |user: &'static str| {
        let bot = &bot;
        async move {
            let outcome = run(
                bot,
                CommandInvocation::new(guild.id, user, "leaderboard")
                    .option(OptionSpec::new("period", 1)),
            )
            .await;
            outcome.embeds[0].to_string()
        }
    };
    for (command, shown) in [("privacy hide", false), ("privacy unhide", true)] {
        let done = run(&bot, CommandInvocation::new(guild.id, "bob", command)).await;
        assert!(done.content.starts_with("Done"), "{}", done.content);
        let board = board_for("mod").await;
        assert_eq!(
            board.contains(&format!("<@{bob}>")),
            shown,
            "{command}: {board}"
        );
    }

    // A manager erases Cy, who left; Ada is still here, so only she can erase herself.
    refused(
        &run(
            &bot,
            CommandInvocation::new(guild.id, "bob", "privacy erase-member")
                .option(OptionSpec::new("member", cy.to_string())),
        )
        .await,
        "Manage Server",
    );
    refused(
        &run(
            &bot,
            manager(CommandInvocation::new(
                guild.id,
                "mod",
                "privacy erase-member",
            ))
            .option(OptionSpec::new("member", ada.to_string())),
        )
        .await,
        "still a member",
    );
    refused(
        &run(
            &bot,
            manager(CommandInvocation::new(
                guild.id,
                "mod",
                "privacy erase-member",
            ))
            .option(OptionSpec::new("member", "0")),
        )
        .await,
        "user id",
    );
    bot.discord.leave(guild.id, "cy").await.expect("cy leaves");
    let asked = run(
        &bot,
        manager(CommandInvocation::new(
            guild.id,
            "mod",
            "privacy erase-member",
        ))
        .option(OptionSpec::new("member", format!("<@{cy}>"))),
    )
    .await;
    let message = asked.message_id.expect("the confirmation's message");
    let confirm = ComponentClick {
        permissions: Some(PermissionSet::from_names(["MANAGE_GUILD"]).expect("a permission")),
        ..ComponentClick::button(message, "mod", component(&asked, "privacy:erase:"))
    };
    let done = click(&bot, confirm).await;
    assert!(done.content.starts_with("Done"), "{}", done.content);
    assert_eq!(
        holding(store.as_ref(), guild.id, cy).await,
        ["privacy_actions.subject_id: 1"],
        "only the log of the erasure names Cy"
    );
    let status = run(
        &bot,
        manager(CommandInvocation::new(guild.id, "mod", "config status")),
    )
    .await;
    let status = status.embeds[0].to_string();
    assert!(
        status.contains(&format!("erased the data of member {cy}")),
        "{status}"
    );
    // Cy again (erased already), and an account this server never saw (a member of another
    // server): nothing to erase, and nothing more is logged.
    for stranger in [cy.to_string(), "424242424242424242".to_owned()] {
        refused(
            &run(
                &bot,
                manager(CommandInvocation::new(
                    guild.id,
                    "mod",
                    "privacy erase-member",
                ))
                .option(OptionSpec::new("member", stranger)),
            )
            .await,
            "Nothing is recorded",
        );
    }
    assert_eq!(
        store
            .privacy_actions(GuildId(guild.id.0), 10)
            .await
            .expect("the log")
            .len(),
        1,
        "one erasure logged"
    );

    // Retention: forged numbers are refused; 30 days removes what is older, in the background.
    for days in [0, -1, 1_000_000_000] {
        refused(
            &run(
                &bot,
                manager(CommandInvocation::new(
                    guild.id,
                    "mod",
                    "config retention set",
                ))
                .option(OptionSpec::new("days", days)),
            )
            .await,
            "1 to 3650 days",
        );
    }
    assert_eq!(
        store
            .retention_days(GuildId(guild.id.0))
            .await
            .expect("read"),
        None,
        "a refused retention changes nothing"
    );
    let (server, general, lounge) = (
        GuildId(guild.id.0),
        ChannelId(guild.channel("general").expect("general").0),
        ChannelId(guild.channel("lounge").expect("lounge").0),
    );
    let old = Utc::now() - chrono::Duration::days(40);
    let mut deltas = Deltas::default();
    deltas.add(ActivityEvent::Message {
        key: MessageKey {
            guild_id: server,
            channel_id: general,
            user_id: UserId(bob.0),
            hour: old,
        },
        with_attachment: false,
        reply: false,
        in_thread: false,
    });
    store.apply_deltas("old", &deltas).await.expect("old rows");
    let quiet = VoiceFlags {
        self_mute: false,
        self_deaf: false,
        mute: false,
        deaf: false,
        streaming: false,
        video: false,
    };
    store
        .voice_join(server, lounge, UserId(bob.0), false, quiet, old)
        .await
        .expect("an old stay");
    store
        .voice_leave(server, UserId(bob.0), old + chrono::Duration::hours(1))
        .await
        .expect("left");
    let oldest = store.oldest_activity(server).await.expect("oldest");
    assert!(oldest.is_some_and(|oldest| oldest < Utc::now() - chrono::Duration::days(39)));
    let set = run(
        &bot,
        manager(CommandInvocation::new(
            guild.id,
            "mod",
            "config retention set",
        ))
        .option(OptionSpec::new("days", 30)),
    )
    .await;
    assert!(set.content.contains("kept for 30 days"), "{}", set.content);
    let cutoff = Utc::now() - chrono::Duration::days(30);
    eventually(ANSWER, || async {
        let oldest = store.oldest_activity(server).await.expect("oldest");
        oldest.is_some_and(|oldest| oldest > cutoff).then_some(())
    })
    .await
    .unwrap_or_else(|| panic!("the old rows are removed\n{}", bot.logs()));
    assert_eq!(
        stored_messages(store.as_ref(), guild.id).await,
        1,
        "Bob's recent message stays"
    );
    let status = run(
        &bot,
        manager(CommandInvocation::new(guild.id, "mod", "config status")),
    )
    .await;
    let status = status.embeds[0].to_string();
    assert!(status.contains("30 days"), "{status}");
    assert!(status.contains("Oldest activity kept"), "{status}");
    let forever = run(
        &bot,
        manager(CommandInvocation::new(
            guild.id,
            "mod",
            "config retention forever",
        )),
    )
    .await;
    assert!(
        forever.content.contains("kept forever"),
        "{}",
        forever.content
    );
    let kept = store.retention_days(server).await.expect("read");
    assert_eq!(kept, None, "nothing is removed any more");

    // Exports: managers only, a forged period is refused, the file holds the table.
    refused(
        &run(
            &bot,
            CommandInvocation::new(guild.id, "bob", "export").option(OptionSpec::new("what", 3)),
        )
        .await,
        "Manage Server",
    );
    refused(
        &run(
            &bot,
            manager(CommandInvocation::new(guild.id, "mod", "export"))
                .option(OptionSpec::new("what", 3))
                .option(OptionSpec::new("days", 0)),
        )
        .await,
        "1 to 3650 days",
    );
    let exported = run(
        &bot,
        manager(CommandInvocation::new(guild.id, "mod", "export"))
            .option(OptionSpec::new("what", 3)),
    )
    .await;
    assert!(exported.ephemeral, "{}", exported.content);
    assert!(
        exported.content.contains("voice stays — 0 rows"),
        "{}",
        exported.content
    );
    let name = format!("trakker-{}-voice.csv", guild.id);
    let attachment = exported
        .attachments
        .iter()
        .find(|attachment| attachment.filename == name)
        .unwrap_or_else(|| panic!("{name} is attached: {:?}", exported.attachments));
    let csv = bot
        .discord
        .attachment(attachment.id)
        .await
        .expect("the file's bytes");
    assert_eq!(
        String::from_utf8(csv).expect("utf-8"),
        "stay,user_id,channel_id,joined_at,left_at,seconds,afk\r\n",
        "Ada's stay was erased and Bob's old one is past the retention"
    );

    bot.assert_nobody_pinged().await;
    bot.assert_discord_accepted_everything().await;
    // A backup taken while the bot runs is a consistent snapshot.
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("live.backup");
    let taken = trakker(&["backup", &file.display().to_string()], database.url());
    assert!(taken.status.success(), "{}", text(&taken));
    store.close().await;
    let (status, logs) = bot.stop().await;
    assert!(status.success(), "{logs}");
    hooks_and_a_recap(database.url(), GuildId(guild.id.0)).await;
    the_database_moves_and_comes_back(&database, &file).await;
}

/// A paused webhook with an event waiting, and a weekly recap set up and made: rows of every
/// kind the later features keep, so the copies below carry them too (times, numbers, text).
async fn hooks_and_a_recap(database: &DatabaseUrl, guild: GuildId) {
    use trakker::config::Secret;
    use trakker::domain::ids::ChannelId;
    use trakker::domain::webhooks::{Event, Events, PAUSE_AFTER};
    use trakker::store::recap::RecapSettings;
    use trakker::store::webhooks::NewHook;
    let store = trakker::store::connect(database, false)
        .await
        .expect("open");
    let now = chrono::Utc::now();
    let hook = store
        .add_hook(
            &NewHook {
                guild_id: guild,
                url: "https://hooks.example.com/trakker".to_owned(),
                secret: Secret::new("s3cret"),
                events: Events::all(),
                channel_id: ChannelId(1),
            },
            10,
            now,
        )
        .await
        .expect("added")
        .expect("under the limit");
    store
        .enqueue(guild, Event::KillTracked, None, ("e1", "{}"), now)
        .await
        .expect("queued");
    for at in [now - PAUSE_AFTER, now] {
        store
            .delivery_failed(hook, "HTTP 503", (at, at), PAUSE_AFTER)
            .await
            .expect("failed");
    }
    store
        .save_recap_settings(
            guild,
            &RecapSettings {
                channel_id: ChannelId(2),
                weekday: chrono::Weekday::Mon,
                hour: 23,
                set_up_at: now,
            },
        )
        .await
        .expect("recap set up");
    let day = now.date_naive();
    assert!(store.claim_recap(guild, day, now).await.expect("claimed"));
    store
        .recap_posted(guild, day, u64::MAX)
        .await
        .expect("posted");
    store.close().await;
}

/// Runs the real binary with `DATABASE_URL` set to `database` and nothing else, in a
/// directory of its own.
fn trakker(args: &[&str], database: &DatabaseUrl) -> std::process::Output {
    let dir = tempfile::tempdir().expect("temp dir");
    support::cli::trakker(dir.path(), args, &[("DATABASE_URL", database.expose())])
}

async fn tally(database: &DatabaseUrl) -> trakker::maintenance::Tally {
    let store = trakker::store::connect(database, false)
        .await
        .expect("open");
    let tally = trakker::maintenance::tally(store.as_ref())
        .await
        .expect("read");
    store.close().await;
    tally
}

/// Killed half-way through the copy (in the middle of its largest table, grown for the
/// purpose): the target holds nothing. Returns the source's tally.
async fn an_interrupted_copy_leaves_nothing(
    source: &DatabaseUrl,
    target: &DatabaseUrl,
) -> trakker::maintenance::Tally {
    let original = with_bulk_history(source, 30_000).await;
    let quiet = tempfile::tempdir().expect("temp dir");
    let mut interrupted = support::cli::command(
        quiet.path(),
        &[
            "migrate-data",
            "--from",
            source.expose(),
            "--to",
            target.expose(),
        ],
        &[],
    )
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .expect("started");
    let stderr = interrupted.stderr.take().expect("piped");
    let reached = tokio::task::spawn_blocking(move || {
        use std::io::BufRead as _;
        std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
            .any(|line| line.contains("copying a table") && line.contains("message_rollups"))
    })
    .await
    .expect("read");
    let _ = interrupted.kill();
    let _ = interrupted.wait();
    assert!(reached, "the copy reached the message counts");
    assert_eq!(
        tally(target).await.rows(),
        0,
        "an interrupted copy leaves nothing"
    );
    original
}

/// Adds `hours` hours of one member's messages to the database, so that copying it takes a
/// while; returns the database's tally after.
async fn with_bulk_history(database: &DatabaseUrl, hours: i64) -> trakker::maintenance::Tally {
    let store = trakker::store::connect(database, false)
        .await
        .expect("open");
    let mut deltas = Deltas::default();
    let start = Utc::now() - chrono::Duration::hours(hours + 1);
    for hour in 0..hours {
        deltas.add(ActivityEvent::Message {
            key: MessageKey {
                guild_id: GuildId(1),
                channel_id: ChannelId(2),
                user_id: UserId(3),
                hour: trakker::domain::activity::hour_of(start + chrono::Duration::hours(hour)),
            },
            with_attachment: false,
            reply: false,
            in_thread: false,
        });
    }
    store
        .apply_deltas("bulk", &deltas)
        .await
        .expect("bulk rows");
    store.close().await;
    tally(database).await
}

/// Refused with status 2 and `expected` in what it says.
fn refused_by_cli(output: &std::process::Output, expected: &str) {
    assert_eq!(output.status.code(), Some(2), "{}", text(output));
    assert!(
        text(output).contains(expected),
        "expected “{expected}” in: {}",
        text(output)
    );
}

/// The scenario's database backed up and restored, moved to Postgres and back to SQLite, with
/// every bad input refused and nothing lost.
async fn the_database_moves_and_comes_back(database: &TempSqlite, live: &std::path::Path) {
    let original = tally(database.url()).await;
    assert!(original.rows() > 20, "{original:?}");
    // The live backup restores whole (the bot wrote on after it, so it holds fewer rows).
    let live_rows = |output: &std::process::Output| {
        text(output)
            .split_whitespace()
            .find_map(|word| word.parse::<u64>().ok())
            .expect("a row count")
    };
    let snapshot = TempSqlite::new();
    let done = trakker(&["restore", &live.display().to_string()], snapshot.url());
    assert!(done.status.success(), "{}", text(&done));
    assert_eq!(tally(snapshot.url()).await.rows(), live_rows(&done));
    let file = live.with_file_name("final.backup");
    let taken = trakker(&["backup", &file.display().to_string()], database.url());
    assert!(taken.status.success(), "{}", text(&taken));
    let restored = TempSqlite::new();
    let done = trakker(&["restore", &file.display().to_string()], restored.url());
    assert!(done.status.success(), "{}", text(&done));
    assert_eq!(
        tally(restored.url()).await,
        original,
        "every row, every table"
    );

    bad_backups_change_nothing(live, &restored).await;

    // SQLite → Postgres → SQLite, with a rerun of each.
    let Some(postgres) = FreshPostgres::create().await else {
        return;
    };
    let migrate = |from: &DatabaseUrl, to: &DatabaseUrl| {
        trakker(
            &["migrate-data", "--from", from.expose(), "--to", to.expose()],
            from,
        )
    };
    refused_by_cli(
        &migrate(database.url(), database.url()),
        "the same database",
    );
    let unreachable = DatabaseUrl::parse("postgres://postgres@127.0.0.1:1/trakker").expect("url");
    let failed = migrate(database.url(), &unreachable);
    assert!(!failed.status.success(), "{}", text(&failed));
    assert!(
        text(&failed).contains("connection refused"),
        "{}",
        text(&failed)
    );
    let original = an_interrupted_copy_leaves_nothing(database.url(), postgres.url()).await;
    for _ in 0..2 {
        let copied = migrate(database.url(), postgres.url());
        assert!(copied.status.success(), "{}", text(&copied));
        assert!(
            text(&copied).contains("checksum match"),
            "{}",
            text(&copied)
        );
    }
    assert_eq!(
        tally(postgres.url()).await,
        original,
        "Postgres holds every row"
    );
    let back = TempSqlite::new();
    let copied = migrate(postgres.url(), back.url());
    assert!(copied.status.success(), "{}", text(&copied));
    assert_eq!(tally(back.url()).await, original, "and back to SQLite");
    // A target holding other rows (the earlier snapshot) is refused; one holding the same rows
    // is a copy already done.
    refused_by_cli(
        &migrate(back.url(), snapshot.url()),
        "needs an empty database",
    );
    let again = migrate(back.url(), postgres.url());
    assert!(again.status.success(), "{}", text(&again));
}

/// A truncated file, another program's file and a newer schema's backup are refused, as is a
/// restore into a database that holds rows; nothing changes.
async fn bad_backups_change_nothing(live: &std::path::Path, restored: &TempSqlite) {
    // Bad backup files change nothing.
    let dir = live.parent().expect("a directory");
    let lines: Vec<String> = std::fs::read_to_string(live)
        .expect("the backup")
        .lines()
        .map(str::to_owned)
        .collect();
    let write = |name: &str, content: String| {
        let path = dir.join(name);
        std::fs::write(&path, content).expect("written");
        path.display().to_string()
    };
    let truncated = write("truncated.backup", lines[..lines.len() / 2].join("\n"));
    let foreign = write("foreign.backup", "id,name\n1,ada\n".to_owned());
    let mut header: serde_json::Value = serde_json::from_str(&lines[0]).expect("a header");
    assert!(header["schema"].as_i64().is_some(), "{}", lines[0]);
    header["schema"] = 999.into();
    let future = write(
        "future.backup",
        std::iter::once(header.to_string())
            .chain(lines[1..].iter().cloned())
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let empty = TempSqlite::new();
    for (file, expected) in [
        (&truncated, "incomplete or altered"),
        (&foreign, "is not a trakker backup"),
        (&future, "made by a newer trakker"),
    ] {
        refused_by_cli(&trakker(&["restore", file], empty.url()), expected);
        assert_eq!(tally(empty.url()).await.rows(), 0, "{file} changed nothing");
    }
    refused_by_cli(
        &trakker(&["restore", &live.display().to_string()], restored.url()),
        "needs an empty database",
    );
}
