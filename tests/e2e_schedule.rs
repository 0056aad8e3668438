//! Who plays when, end to end through fakecord with Discord's rate limits on: a manager sets up
//! the daily post (bad input refused first), the post is made on time on a day clocks jump
//! forward, members react, a burst of reactions makes a few edits, a voice join lands in the
//! current hour, reactions made while the bot is down count after a restart, and a deleted post is
//! not made again. A second server whose post fell due while the bot was down gets it once at
//! start-up. Members' time zones are checked on the same bot.
//!
//! The bot's clock starts 20 seconds before the post is due (`CLOCK_START`, allowed only against
//! a local fake Discord), so the scheduler itself makes the post.

mod support;

use std::time::Duration;

use chrono::{TimeZone, Utc};
use fakecord::api::{
    CommandInvocation, ComponentClick, GuildInfo, GuildSpec, InteractionOutcome, MessageView,
    OptionSpec, PermissionSet, ReactionSpec, RequestFilter, VoiceSpec,
};
use fakecord::Snowflake;
use support::bot::{eventually, Bot};
use support::db::TempSqlite;
use support::interactions::{component, manager, refused};
use support::metrics::{self, Scrape};

/// How long one command or one change may take, generous for a loaded CI machine.
const ANSWER: Duration = Duration::from_secs(30);

/// Europe/Paris jumps from 02:00 to 03:00 at 01:00 UTC that night.
const CLOCK_START: &str = "2026-03-29T00:59:40Z";

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

fn setup(guild: &GuildInfo, time: &str, from: i64, to: i64, zone: &str) -> CommandInvocation {
    CommandInvocation::new(guild.id, "ada", "schedule setup")
        .option(OptionSpec::new("channel", "plays"))
        .option(OptionSpec::new("time", time))
        .option(OptionSpec::new("from", from))
        .option(OptionSpec::new("to", to))
        .option(OptionSpec::new("timezone", zone))
}

fn subcommand(guild: &GuildInfo, user: &str, group: &str, name: &str) -> CommandInvocation {
    CommandInvocation::new(guild.id, user, format!("{group} {name}"))
}

/// The bot's posts in #plays.
async fn posts(bot: &Bot, guild: &GuildInfo) -> Vec<MessageView> {
    let plays = guild.channel("plays").expect("#plays");
    bot.discord
        .bot_messages(plays)
        .await
        .expect("messages")
        .into_iter()
        .filter(|message| !message.deleted && message.interaction_id.is_none())
        .collect()
}

fn description(post: &MessageView) -> String {
    post.embeds
        .first()
        .and_then(|embed| embed.get("description"))
        .and_then(|text| text.as_str())
        .unwrap_or_default()
        .to_owned()
}

/// The post's line for the hour with `emoji`.
fn line<'a>(text: &'a str, emoji: &str) -> &'a str {
    text.lines()
        .find(|line| line.starts_with(emoji))
        .unwrap_or_else(|| panic!("a line for {emoji} in:\n{text}"))
}

fn mention(guild: &GuildInfo, name: &str) -> String {
    format!("<@{}>", guild.user(name).expect("a member"))
}

/// Waits until the post's text satisfies `check`, and returns it.
async fn until_text(
    bot: &Bot,
    post: Snowflake,
    what: &str,
    check: impl Fn(&str) -> bool,
) -> String {
    let found = eventually(ANSWER, || async {
        let message = bot.discord.message(post).await.ok()?;
        let text = description(&message);
        check(&text).then_some(text)
    })
    .await;
    if let Some(text) = found {
        return text;
    }
    let now = bot.discord.message(post).await.expect("the post");
    panic!(
        "{what}; the post reads:\n{}\n{}",
        description(&now),
        bot.logs()
    )
}

async fn react(bot: &Bot, guild: &GuildInfo, post: Snowflake, user: &str, emoji: &str) {
    bot.discord
        .react(guild.id, ReactionSpec::new(post, user, emoji))
        .await
        .expect("reacted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_daily_post_end_to_end() {
    let db = TempSqlite::new();
    let mut bot = Bot::start_rate_limited(
        db.url(),
        &[("CLOCK_START", CLOCK_START), metrics::ON_ANY_PORT],
    )
    .await;
    let guild = bot
        .guild_from(
            GuildSpec::new("Owls")
                .members(["ada", "bob", "cy", "dan"])
                .generated_members(50)
                .text_channel("general")
                .text_channel("plays")
                .text_channel_denying_bot(
                    "announcements",
                    PermissionSet::from_names(["SEND_MESSAGES"]).expect("a permission"),
                )
                .voice_channel("lounge"),
        )
        .await;

    let larks = bot
        .guild_from(
            GuildSpec::new("Larks")
                .members(["ada", "bob"])
                .text_channel("plays"),
        )
        .await;
    set_up(&bot, &guild).await;
    // Larks posts at 03:05 Paris time (01:05 UTC), after this run's clock has stopped.
    let later = run(
        &bot,
        manager(setup(&larks, "03:05", 18, 23, "Europe/Paris")),
    )
    .await;
    assert!(
        later.ephemeral && later.content.contains("set up"),
        "{}",
        later.content
    );
    let post = made_on_time(&bot, &guild).await;
    reactions_and_voice(&bot, &guild, &post).await;
    a_burst(&bot, &guild, &post).await;
    weekly_schedule(&bot, &guild, &post).await;
    ranks(&bot, &guild, &post).await;
    reconnect(&bot, &guild, &post).await;
    downtime(&mut bot, &guild, &post, &larks).await;
    deleted(&bot, &guild, &post).await;
    let limited = bot.discord.rate_limited().await.expect("report");
    assert_eq!(
        limited.refused, 0,
        "the bot paces itself within Discord's limits: {limited:?}"
    );
    time_zones(&bot, &guild).await;
    bot.stop().await;
}

/// Bad input changes nothing; then the manager sets the post up for 02:30 Paris time.
async fn set_up(bot: &Bot, guild: &GuildInfo) {
    for (invocation, expected) in [
        (setup(guild, "25:00", 1, 13, "Europe/Paris"), "0 to 23"),
        (setup(guild, "soon", 1, 13, "Europe/Paris"), "time of day"),
        (setup(guild, "02:30", 5, 5, "Europe/Paris"), "hour"),
        (setup(guild, "02:30", 3, 2, "Europe/Paris"), "20"),
        (setup(guild, "02:30", 1, 13, "PST"), "America/Los_Angeles"),
        (setup(guild, "02:30", 1, 13, "Atlantis/Nowhere"), "timezone"),
    ] {
        refused(&run(bot, manager(invocation)).await, expected);
    }
    let mut elsewhere = setup(guild, "02:30", 1, 13, "Europe/Paris");
    elsewhere.options.retain(|option| option.name != "channel");
    refused(
        &run(
            bot,
            manager(elsewhere.option(OptionSpec::new("channel", "announcements"))),
        )
        .await,
        "I cannot post in",
    );
    refused(
        &run(
            bot,
            setup(guild, "02:30", 1, 13, "Europe/Paris").permissions(PermissionSet::NONE),
        )
        .await,
        "Manage Server",
    );
    refused(
        &run(bot, manager(subcommand(guild, "ada", "schedule", "status"))).await,
        "No daily post",
    );

    // 02:30 does not exist in Paris that night: the post is made at 03:00 CEST, 01:00 UTC.
    let due = Utc
        .with_ymd_and_hms(2026, 3, 29, 1, 0, 0)
        .single()
        .expect("a time");
    let confirmed = run(bot, manager(setup(guild, "02:30", 1, 13, "Paris"))).await;
    assert!(confirmed.ephemeral);
    assert!(
        confirmed
            .content
            .contains(&format!("<t:{}:F>", due.timestamp())),
        "the next post is at 01:00 UTC: {}",
        confirmed.content
    );
    assert!(
        posts(bot, guild).await.is_empty(),
        "nothing is posted before its time"
    );
}

/// The scheduler makes the post at 01:00 UTC with its reactions in order.
async fn made_on_time(bot: &Bot, guild: &GuildInfo) -> MessageView {
    let post = eventually(ANSWER + ANSWER, || async {
        let made = posts(bot, guild).await;
        let post = made.first()?;
        // Every reaction is added: eleven hours (02:00 is skipped) and "not today".
        (post.reactions.len() == 12).then(|| post.clone())
    })
    .await
    .unwrap_or_else(|| panic!("the post is made with its reactions\n{}", bot.logs()));
    let title = post.embeds[0]["title"].as_str().unwrap_or_default();
    assert!(title.contains("Sunday 29 March"), "{title}");
    let emojis: Vec<&str> = post.reactions.iter().map(|r| r.emoji.as_str()).collect();
    assert_eq!(
        emojis,
        ["🇦", "🇨", "🇩", "🇪", "🇫", "🇬", "🇭", "🇮", "🇯", "🇰", "🇱", "❌"],
        "one letter per hour in order, none for the hour the clocks skip"
    );
    let text = description(&post);
    assert!(
        !text.lines().any(|line| line.starts_with("🇧")),
        "02:00 is not listed:\n{text}"
    );
    let three = Utc
        .with_ymd_and_hms(2026, 3, 29, 1, 0, 0)
        .single()
        .expect("a time");
    assert!(line(&text, "🇨").contains(&format!("<t:{}:t>", three.timestamp())));
    post
}

/// Reactions, "not today", other emojis and a voice join.
async fn reactions_and_voice(bot: &Bot, guild: &GuildInfo, post: &MessageView) {
    // Members react; other emojis and a "not today" change what they should.
    react(bot, guild, post.id, "ada", "🇦").await;
    react(bot, guild, post.id, "bob", "🇨").await;
    react(bot, guild, post.id, "cy", "🇨").await;
    react(bot, guild, post.id, "cy", "❌").await;
    react(bot, guild, post.id, "dan", "🔥").await;
    let text = until_text(bot, post.id, "ada and bob are listed", |text| {
        line(text, "🇦").contains(&mention(guild, "ada"))
            && line(text, "🇨").contains(&mention(guild, "bob"))
    })
    .await;
    assert!(
        !text.contains(&mention(guild, "cy")),
        "cy is not playing today"
    );
    assert!(!text.contains(&mention(guild, "dan")), "a 🔥 is no hour");

    // A voice join lands in the hour it is now (03:00), marked as seen in voice, and a reaction
    // made in the same instant lands too.
    let (joined, ()) = tokio::join!(
        bot.discord
            .voice(guild.id, VoiceSpec::join("dan", "lounge")),
        react(bot, guild, post.id, "ada", "🇫"),
    );
    joined.expect("joined voice");
    until_text(
        bot,
        post.id,
        "dan is listed at 03:00 from voice, ada at 06:00",
        |text| {
            line(text, "🇨").contains(&format!("{}🔊", mention(guild, "dan")))
                && line(text, "🇫").contains(&mention(guild, "ada"))
        },
    )
    .await;
}

/// Fifty members react at once: all appear, in a few edits.
async fn a_burst(bot: &Bot, guild: &GuildInfo, post: &MessageView) {
    // Fifty members react at once: all appear, in a few edits.
    let addr = metrics::address(bot);
    let before = Scrape::from(addr).await;
    assert_eq!(
        before.count(POSTS, &[]),
        1,
        "one post so far: {}",
        before.text
    );
    bot.discord.clear_requests().await.expect("log cleared");
    let burst = std::time::Instant::now();
    let everyone: Vec<String> = (1..=50).map(|n| format!("member-{n:04}")).collect();
    futures::future::join_all(
        everyone
            .iter()
            .map(|member| react(bot, guild, post.id, member, "🇩")),
    )
    .await;
    let reacted_in = burst.elapsed();
    until_text(bot, post.id, "all fifty are listed at 04:00", |text| {
        let four = line(text, "🇩");
        everyone
            .iter()
            .all(|member| four.contains(&mention(guild, member)))
    })
    .await;
    let edits = bot
        .discord
        .requests(&RequestFilter {
            method: Some("PATCH".to_owned()),
            path: Some(format!(
                "/api/v10/channels/{}/messages/{}",
                post.channel_id, post.id
            )),
            ..RequestFilter::default()
        })
        .await
        .expect("requests")
        .len();
    // One edit per 2.5 s at most, plus the first one after a second.
    let allowed = 2 + usize::try_from(reacted_in.as_millis() / 2_500).expect("small");
    assert!(
        (1..=allowed).contains(&edits),
        "{edits} edits for 50 reactions in {reacted_in:?}"
    );
    // The metrics tell the same story: the edits sent, and the reactions that rode along.
    let after = Scrape::from(addr).await;
    let delta = |name: &str| after.count(name, &[]) - before.count(name, &[]);
    let sent = u64::try_from(edits).expect("a handful");
    assert_eq!(delta(EDITS), sent, "{}", after.text);
    assert!(delta(COALESCED) + sent >= 50, "{}", after.text);
    assert_eq!(after.count(POSTS, &[]), 1);
}

const POSTS: &str = "trakker_schedule_posts_total";
const EDITS: &str = "trakker_schedule_edits_total";
const COALESCED: &str = "trakker_schedule_edits_coalesced_total";

/// Dan sets a weekly schedule with the menus (Sundays at 05:00) and appears on today's post
/// without reacting; forged picks are refused and change nothing.
async fn weekly_schedule(bot: &Bot, guild: &GuildInfo, post: &MessageView) {
    let editor = run(bot, subcommand(guild, "dan", "schedule", "week")).await;
    assert!(editor.ephemeral, "{}", editor.content);
    let message = editor.message_id.expect("the editor's message");

    for (values, expected) in [
        (vec!["9"], "not one of the choices"),
        (vec!["-1"], "not one of the choices"),
    ] {
        let forged = click(
            bot,
            ComponentClick::select(message, "dan", component(&editor, "week:days:"), values),
        )
        .await;
        refused(&forged, expected);
    }
    let forged = click(
        bot,
        ComponentClick::select(message, "dan", component(&editor, "week:hours:"), ["23"]),
    )
    .await;
    refused(&forged, "not one of the choices");
    let thousand: Vec<String> = (0..1000).map(|n| (n % 7).to_string()).collect();
    let forged = click(
        bot,
        ComponentClick::select(message, "dan", component(&editor, "week:days:"), thousand),
    )
    .await;
    refused(&forged, "at most");

    let days = click(
        bot,
        ComponentClick::select(message, "dan", component(&editor, "week:days:"), ["6"]).genuine(),
    )
    .await;
    let hours = click(
        bot,
        ComponentClick::select(message, "dan", component(&days, "week:hours:"), ["5"]).genuine(),
    )
    .await;
    let saved = click(
        bot,
        ComponentClick::button(message, "dan", component(&hours, "week:save:")).genuine(),
    )
    .await;
    assert!(saved.content.contains("Sunday: 05:00"), "{}", saved.content);

    until_text(
        bot,
        post.id,
        "dan is listed at 05:00 from his week",
        |text| line(text, "🇪").contains(&format!("{}📅", mention(guild, "dan"))),
    )
    .await;
    let shown = run(
        bot,
        subcommand(guild, "cy", "schedule", "show").option(OptionSpec::new(
            "member",
            guild.user("dan").expect("dan").to_string(),
        )),
    )
    .await;
    assert!(shown.content.contains("Sunday: 05:00"), "{}", shown.content);
    refused(
        &run(
            bot,
            subcommand(guild, "cy", "schedule", "week").option(OptionSpec::new(
                "member",
                guild.user("dan").expect("dan").to_string(),
            )),
        )
        .await,
        "Manage Server",
    );
}

/// A manager defines a rank; bob picks it and his name on the post gets its emoji.
async fn ranks(bot: &Bot, guild: &GuildInfo, post: &MessageView) {
    let add = |emoji: &str| {
        CommandInvocation::new(guild.id, "ada", "rank add")
            .option(OptionSpec::new("name", "Captain"))
            .option(OptionSpec::new("emoji", emoji))
    };
    refused(&run(bot, manager(add("captain"))).await, "emoji");
    refused(
        &run(bot, add("⭐").permissions(PermissionSet::NONE)).await,
        "Manage Server",
    );
    let added = run(bot, manager(add("⭐"))).await;
    assert!(added.content.contains("Captain"), "{}", added.content);
    let pick = |name: &str| {
        CommandInvocation::new(guild.id, "bob", "rank pick").option(OptionSpec::new("name", name))
    };
    refused(&run(bot, pick("General")).await, "no rank General");
    let picked = run(bot, pick("captain")).await;
    assert!(picked.content.contains("Captain"), "{}", picked.content);
    until_text(bot, post.id, "bob's rank shows before his name", |text| {
        line(text, "🇨").contains(&format!("⭐{}", mention(guild, "bob")))
    })
    .await;
}

/// Discord ends the bot's session; a reaction made before the new session starts is never sent
/// to the bot, and still counts once the guild is available again.
async fn reconnect(bot: &Bot, guild: &GuildInfo, post: &MessageView) {
    bot.discord
        .invalidate_session(None, false)
        .await
        .expect("session invalidated");
    react(bot, guild, post.id, "bob", "🇬").await;
    until_text(
        bot,
        post.id,
        "a reaction missed during a reconnect counts",
        |text| line(text, "🇬").contains(&mention(guild, "bob")),
    )
    .await;
}

/// Reactions while the bot is down count once it is back; the post is not made again.
async fn downtime(bot: &mut Bot, guild: &GuildInfo, post: &MessageView, larks: &GuildInfo) {
    // Reactions while the bot is down count once it is back; the post is not made again.
    let status = bot.terminate().await;
    assert!(status.success(), "stopped cleanly\n{}", bot.logs());
    bot.discord
        .unreact(guild.id, ReactionSpec::new(post.id, "ada", "🇦"))
        .await
        .expect("unreacted while the bot is away");
    react(bot, guild, post.id, "bob", "🇪").await;
    // The bot comes back at 01:10 UTC: Larks' post fell due at 01:05 while it was down.
    bot.set_var("CLOCK_START", "2026-03-29T01:10:00Z");
    bot.relaunch().await;
    until_text(
        bot,
        post.id,
        "the reactions made while down count",
        |text| {
            !line(text, "🇦").contains(&mention(guild, "ada"))
                && line(text, "🇪").contains(&mention(guild, "bob"))
        },
    )
    .await;
    assert_eq!(posts(bot, guild).await.len(), 1, "one post per day");
    let made = eventually(ANSWER, || async {
        let made = posts(bot, larks).await;
        (made.len() == 1 && made[0].reactions.len() == 6).then_some(())
    })
    .await;
    assert!(
        made.is_some(),
        "Larks' missed post is made at start-up\n{}",
        bot.logs()
    );
    bot.restart().await;
    let status = run(bot, manager(subcommand(larks, "ada", "schedule", "status"))).await;
    assert!(
        status.content.contains("Today's post:"),
        "{}",
        status.content
    );
    assert_eq!(
        posts(bot, larks).await.len(),
        1,
        "a restart does not post again"
    );
    let status = run(bot, manager(subcommand(guild, "ada", "schedule", "status"))).await;
    assert!(
        status.content.contains(&format!("{}", post.id)),
        "status links today's post: {}",
        status.content
    );

    // A manager asks for today's post again: there is one per day.
    let again = run(bot, manager(subcommand(guild, "ada", "schedule", "post"))).await;
    assert!(again.content.contains("already"), "{}", again.content);
}

/// Someone deletes the post: it is not made again today, and status says so.
async fn deleted(bot: &Bot, guild: &GuildInfo, post: &MessageView) {
    // Someone deletes the post: it is not made again today, and status says so.
    bot.discord
        .delete_message(guild.id, post.id)
        .await
        .expect("deleted");
    let said = eventually(ANSWER, || async {
        let status = bot
            .discord
            .invoke_with(manager(subcommand(guild, "ada", "schedule", "status")).timeout(ANSWER))
            .await
            .ok()?;
        status.content.contains("deleted").then_some(())
    })
    .await;
    assert!(
        said.is_some(),
        "status says the post was deleted\n{}",
        bot.logs()
    );
    let again = run(bot, manager(subcommand(guild, "ada", "schedule", "post"))).await;
    assert!(again.content.contains("deleted"), "{}", again.content);
    assert!(posts(bot, guild).await.is_empty());
}

/// Members' zones on the same bot: set by city, refused abbreviations, private zones, and who is
/// where in voice.
async fn time_zones(bot: &Bot, guild: &GuildInfo) {
    refused(
        &run(bot, CommandInvocation::in_dm("ada", "schedule status")).await,
        "only works inside a server",
    );
    refused(
        &run(
            bot,
            CommandInvocation::in_dm("ada", "timezone set")
                .option(OptionSpec::new("zone", "Paris")),
        )
        .await,
        "only works inside a server",
    );
    let set = |user: &str, zone: &str| {
        CommandInvocation::new(guild.id, user, "timezone set").option(OptionSpec::new("zone", zone))
    };
    refused(&run(bot, set("ada", "PST")).await, "America/Los_Angeles");
    refused(&run(bot, set("ada", "Atlantis")).await, "timezone");
    let done = run(bot, set("ada", "tokyo")).await;
    assert!(done.content.contains("Asia/Tokyo"), "{}", done.content);
    let private = run(
        bot,
        set("bob", "Asia/Kolkata").option(OptionSpec::new("private", true)),
    )
    .await;
    assert!(private.content.contains("private"), "{}", private.content);
    refused(
        &run(
            bot,
            set("bob", "Europe/Paris").option(OptionSpec::new(
                "member",
                guild.user("ada").expect("ada").to_string(),
            )),
        )
        .await,
        "Manage Server",
    );

    let show = |user: &str, whom: &str| {
        subcommand(guild, user, "timezone", "show").option(OptionSpec::new(
            "member",
            guild.user(whom).expect("a member").to_string(),
        ))
    };
    let adas = run(bot, show("cy", "ada")).await;
    assert!(adas.content.contains("Asia/Tokyo"), "{}", adas.content);
    let bobs = run(bot, show("cy", "bob")).await;
    assert!(bobs.content.contains("private"), "{}", bobs.content);
    assert!(!bobs.content.contains("Kolkata"), "{}", bobs.content);

    bot.discord
        .voice(guild.id, VoiceSpec::join("ada", "lounge"))
        .await
        .expect("ada joins voice");
    let voice = run(bot, subcommand(guild, "ada", "timezone", "voice")).await;
    assert!(voice.content.contains("Asia/Tokyo"), "{}", voice.content);
    assert!(
        voice.content.contains(&mention(guild, "dan")),
        "{}",
        voice.content
    );
}

/// The weekly recap: set up for the coming hour (the bot's clock starts 20 seconds before it),
/// it is made by the minute tick in its channel, with the week's kills beside the week before;
/// bad input and a plain member are refused. That it is made once, however many passes race,
/// is the store's claim (`a_recap_is_claimed_once…` in the activity conformance suite).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_weekly_recap_is_made_once_at_its_hour() {
    use chrono::{Datelike, DurationRound, Timelike};
    // The recap's hour is two hours ahead, so the kills tracked now fall in its week.
    let due = (Utc::now() + chrono::Duration::hours(2))
        .duration_trunc(chrono::Duration::hours(1))
        .expect("a whole hour");
    let start = (due - chrono::Duration::seconds(20)).to_rfc3339();
    let db = TempSqlite::new();
    let bot = Bot::start_with(db.url(), &[("CLOCK_START", start.as_str())]).await;
    let guild = bot
        .guild_from(
            GuildSpec::new("Recaps")
                .members(["ada", "bob"])
                .text_channel("general")
                .text_channel("recap"),
        )
        .await;
    let recap_channel = guild.channel("recap").expect("recap");
    let setup = |by: &str, hour: i64| {
        subcommand(&guild, by, "recap", "setup")
            .option(OptionSpec::new("channel", recap_channel.to_string()))
            .option(OptionSpec::new(
                "day",
                i64::from(due.weekday().num_days_from_monday()),
            ))
            .option(OptionSpec::new("hour", hour))
    };
    refused(&run(&bot, setup("bob", 9)).await, "Manage Server");
    refused(&run(&bot, manager(setup("ada", 24))).await, "from 0 to 23");
    refused(
        &run(
            &bot,
            manager(setup("ada", 9)).option(OptionSpec::new("timezone", "PST")),
        )
        .await,
        "PST",
    );
    let player = guild.user("bob").expect("bob").to_string();
    let tracked = run(
        &bot,
        CommandInvocation::new(guild.id, "ada", "track")
            .option(OptionSpec::new("player", player.clone()))
            .option(OptionSpec::new("kills", 5)),
    )
    .await;
    assert!(!tracked.ephemeral, "{}", tracked.content);
    let set_up = run(&bot, manager(setup("ada", i64::from(due.hour())))).await;
    assert!(
        set_up.content.contains("weekly recap is set up"),
        "{}",
        set_up.content
    );

    // The minute tick after the hour makes it.
    let recap = eventually(Duration::from_secs(150), || async {
        let messages = bot.discord.bot_messages(recap_channel).await.ok()?;
        messages
            .into_iter()
            .find(|message| !message.embeds.is_empty())
    })
    .await
    .unwrap_or_else(|| panic!("a recap in #recap\n{}", bot.logs()));
    let description = recap.embeds[0]["description"].as_str().unwrap_or_default();
    assert!(
        description.contains("**Kills:** 5 (▲ from 0)"),
        "{description}"
    );
    assert!(
        description.contains(&format!("1. <@{player}> — 5")),
        "{description}"
    );
    assert!(recap.embeds[0]["title"]
        .as_str()
        .unwrap_or_default()
        .contains("Weekly recap"));
    let preview = run(&bot, manager(subcommand(&guild, "ada", "recap", "preview"))).await;
    assert!(preview.ephemeral);
    let stopped = run(&bot, manager(subcommand(&guild, "ada", "recap", "stop"))).await;
    assert!(stopped.content.contains("stopped"), "{}", stopped.content);
    let (status, logs) = bot.stop().await;
    assert!(status.success(), "{logs}");
}
