//! The moderator charts end to end through fakecord: seven weeks of a small community's voice
//! evenings and messages are in the store, and members ask for every chart. Managers get each
//! one as a PNG inside a private embed; other members are refused until a manager opens the
//! charts; a chart posted publicly is public; a bot never appears, a member who left shows as
//! "former member", a member who hides is absent, and a server with no data gets a sentence
//! instead of a picture.

mod support;

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use fakecord::api::{
    CommandInvocation, GuildInfo, GuildSpec, InteractionOutcome, MemberSpec, OptionSpec,
};
use support::bot::{eventually, Bot};
use support::db::TempSqlite;
use support::interactions::{self, manager};
use trakker::domain::activity::{hour_of, ActivityEvent, Deltas, MessageKey};
use trakker::domain::ids::{ChannelId, GuildId, UserId};
use trakker::store::{Store, VoiceFlags};

/// How long one command or one change may take, generous for a loaded CI machine.
const ANSWER: Duration = Duration::from_secs(30);

/// PNG files start with these eight bytes.
const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];

async fn ask(bot: &Bot, invocation: CommandInvocation) -> InteractionOutcome {
    let name = invocation.command.clone();
    bot.discord
        .invoke_with(invocation.timeout(ANSWER))
        .await
        .unwrap_or_else(|error| panic!("/{name} answers: {error}\n{}", bot.logs()))
}

fn chart(guild: &GuildInfo, user: &str, name: &str) -> CommandInvocation {
    CommandInvocation::new(guild.id, user, format!("chart {name}"))
}

/// A refusal: one private sentence containing `expected`, and no picture.
fn refused(outcome: &InteractionOutcome, expected: &str) {
    interactions::refused(outcome, expected);
    assert!(outcome.attachments.is_empty() && outcome.embeds.is_empty());
}

/// The embed's text and the PNG it shows, checked to be the attachment it names.
async fn picture(bot: &Bot, outcome: &InteractionOutcome, file: &str) -> String {
    assert_eq!(outcome.embeds.len(), 1, "{outcome:?}");
    let embed = &outcome.embeds[0];
    assert_eq!(
        embed["image"]["url"].as_str(),
        Some(format!("attachment://{file}").as_str()),
        "the picture shows inside the embed: {embed}"
    );
    let attachment = outcome
        .attachments
        .iter()
        .find(|attachment| attachment.filename == file)
        .unwrap_or_else(|| panic!("{file} is attached: {:?}", outcome.attachments));
    let bytes = bot
        .discord
        .attachment(attachment.id)
        .await
        .expect("the attachment's bytes");
    assert!(bytes.starts_with(&PNG_SIGNATURE), "{file} is a PNG");
    assert!(
        bytes.len() > 2_000,
        "{file} holds a picture: {} bytes",
        bytes.len()
    );
    embed.to_string()
}

const QUIET: VoiceFlags = VoiceFlags {
    self_mute: false,
    self_deaf: false,
    mute: false,
    deaf: false,
    streaming: false,
    video: false,
};

/// One stay of `user` in `channel`, `days` ago from `hour` for `hours` hours.
async fn stay(
    store: &dyn Store,
    guild: &GuildInfo,
    user: &str,
    channel: &str,
    start: DateTime<Utc>,
    hours: i64,
) {
    let guild_id = GuildId(guild.id.0);
    let user = UserId(guild.user(user).expect("member").0);
    let channel = ChannelId(guild.channel(channel).expect("channel").0);
    store
        .voice_join(guild_id, channel, user, false, QUIET, start)
        .await
        .expect("joined");
    store
        .voice_leave(guild_id, user, start + TimeDelta::hours(hours))
        .await
        .expect("left")
        .expect("was in voice");
}

/// Seven weeks of evenings: Ada and Bob in the lounge at 20:00 for two hours (Bob stops two
/// weeks ago), Cy and Dee in the raid room at 21:00, Ada joining them at 22:00, and the music
/// bot in the lounge every evening; a few messages a day in #general and #memes.
async fn seven_weeks(store: &dyn Store, guild: &GuildInfo, now: DateTime<Utc>) {
    let midnight = now
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc();
    let mut deltas = Deltas::default();
    for days_ago in 1..=49 {
        let evening = midnight - TimeDelta::days(days_ago) + TimeDelta::hours(20);
        stay(store, guild, "ada", "lounge", evening, 2).await;
        if days_ago > 14 {
            stay(store, guild, "bob", "lounge", evening, 2).await;
        }
        stay(store, guild, "dj", "lounge", evening, 2).await;
        stay(store, guild, "cy", "raid", evening + TimeDelta::hours(1), 2).await;
        stay(
            store,
            guild,
            "dee",
            "raid",
            evening + TimeDelta::hours(1),
            2,
        )
        .await;
        stay(
            store,
            guild,
            "ada",
            "raid",
            evening + TimeDelta::hours(2),
            1,
        )
        .await;
        for (channel, user, count) in [("general", "ada", 3), ("memes", "cy", 1)] {
            for _ in 0..count {
                deltas.add(ActivityEvent::Message {
                    key: MessageKey {
                        guild_id: GuildId(guild.id.0),
                        channel_id: ChannelId(guild.channel(channel).expect("channel").0),
                        user_id: UserId(guild.user(user).expect("member").0),
                        hour: hour_of(evening),
                    },
                    with_attachment: false,
                    reply: false,
                    in_thread: false,
                });
            }
        }
    }
    store
        .apply_deltas("seven weeks", &deltas)
        .await
        .expect("messages");
}

#[tokio::test]
#[expect(
    clippy::too_many_lines,
    reason = "one community asking for every chart reads best as one scenario"
)]
async fn every_chart_is_drawn_for_managers_and_kept_from_others_until_opened() {
    let database = TempSqlite::new();
    let bot = Bot::start(database.url()).await;
    let guild = bot
        .guild_from(
            GuildSpec::new("Charts")
                .members(["ada", "bob", "cy", "dee"])
                .member(MemberSpec {
                    bot: true,
                    ..MemberSpec::new("dj")
                })
                .text_channel("general")
                .text_channel("memes")
                .voice_channel("lounge")
                .voice_channel("raid"),
        )
        .await;
    let empty = bot.guild("Quiet", &["ada"]).await;
    let store = trakker::store::connect(database.url(), false)
        .await
        .expect("open");
    seven_weeks(store.as_ref(), &guild, Utc::now()).await;
    bot.discord.leave(guild.id, "cy").await.expect("cy leaves");
    let directory = eventually(ANSWER, || async {
        let directory = store
            .member_directory(GuildId(guild.id.0))
            .await
            .expect("directory");
        directory
            .iter()
            .any(|entry| entry.left)
            .then_some(directory)
    })
    .await
    .expect("cy's departure is recorded");
    assert!(directory.iter().any(|entry| entry.is_bot), "{directory:?}");
    store.close().await;

    // Other members are refused, whatever they ask.
    let outcome = ask(&bot, chart(&guild, "bob", "community")).await;
    refused(&outcome, "Charts are for this server's managers");
    let outcome = ask(
        &bot,
        chart(&guild, "bob", "access")
            .option(OptionSpec::new("chart", "all"))
            .option(OptionSpec::new("open", true)),
    )
    .await;
    refused(&outcome, "Manage Server");

    // A manager gets every chart, privately, as a picture inside its embed.
    let outcome = ask(&bot, manager(chart(&guild, "ada", "community"))).await;
    assert!(outcome.ephemeral, "private by default");
    let text = picture(&bot, &outcome, "community.png").await;
    assert!(text.contains("ada"), "the centre is named: {text}");
    assert!(!text.contains("dj"), "bots never appear: {text}");

    let outcome = ask(&bot, manager(chart(&guild, "ada", "duo"))).await;
    let text = picture(&bot, &outcome, "duo.png").await;
    assert!(
        text.contains("ada & bob") || text.contains("bob & ada"),
        "{text}"
    );
    assert!(text.contains("former member"), "cy left: {text}");
    assert!(!text.contains("dj"), "bots never appear: {text}");
    assert!(text.contains("dee"), "{text}");

    // A member who hides is left out of every chart from then on.
    let outcome = ask(
        &bot,
        CommandInvocation::new(guild.id, "dee", "privacy hide"),
    )
    .await;
    assert!(outcome.content.starts_with("Done"), "{}", outcome.content);
    let outcome = ask(&bot, manager(chart(&guild, "ada", "duo"))).await;
    let text = picture(&bot, &outcome, "duo.png").await;
    assert!(!text.contains("dee"), "a hidden member is absent: {text}");
    assert!(
        text.contains("ada & bob") || text.contains("bob & ada"),
        "{text}"
    );

    let outcome = ask(&bot, manager(chart(&guild, "ada", "inactive"))).await;
    let text = picture(&bot, &outcome, "inactive.png").await;
    assert!(
        text.contains("bob") && text.contains("<t:"),
        "bob stopped: {text}"
    );
    assert!(!text.contains("dee"), "dee still plays, and hides: {text}");

    for (name, file) in [
        ("voice", "voice.png"),
        ("weekdays", "weekdays.png"),
        ("hours", "hours.png"),
        ("timeline", "timeline.png"),
        ("messages", "messages.png"),
    ] {
        let outcome = ask(&bot, manager(chart(&guild, "ada", name))).await;
        assert!(outcome.ephemeral, "/chart {name} is private by default");
        picture(&bot, &outcome, file).await;
    }

    // A period or a server without data gets a sentence, not an empty picture.
    let outcome = ask(&bot, manager(chart(&empty, "ada", "community"))).await;
    assert!(outcome.attachments.is_empty(), "{outcome:?}");
    assert!(outcome.content.contains("voice"), "{}", outcome.content);

    // Opening the charts lets everyone draw them privately; only managers post publicly.
    let outcome = ask(
        &bot,
        manager(
            chart(&guild, "ada", "access")
                .option(OptionSpec::new("chart", "nonsense"))
                .option(OptionSpec::new("open", true)),
        ),
    )
    .await;
    refused(&outcome, "There is no chart called");
    let outcome = ask(
        &bot,
        manager(
            chart(&guild, "ada", "access")
                .option(OptionSpec::new("chart", "voice"))
                .option(OptionSpec::new("open", true)),
        ),
    )
    .await;
    assert!(
        outcome.content.contains("voice chart"),
        "{}",
        outcome.content
    );
    let outcome = ask(&bot, chart(&guild, "bob", "voice")).await;
    assert!(outcome.ephemeral);
    picture(&bot, &outcome, "voice.png").await;
    let outcome = ask(&bot, chart(&guild, "bob", "duo")).await;
    refused(&outcome, "Charts are for this server's managers");
    let outcome = ask(
        &bot,
        chart(&guild, "bob", "voice").option(OptionSpec::new("public", true)),
    )
    .await;
    refused(&outcome, "Only managers may post a chart");
    let outcome = ask(
        &bot,
        manager(chart(&guild, "ada", "weekdays").option(OptionSpec::new("public", true))),
    )
    .await;
    assert!(!outcome.ephemeral, "posted for everyone");
    picture(&bot, &outcome, "weekdays.png").await;

    bot.assert_discord_accepted_everything().await;
    let (exit, logs) = bot.stop().await;
    assert!(exit.success(), "{logs}");
}
