//! Plays the community's timeline against fakecord: each event waits for its moment on the
//! bot's own clock (running fast), then happens the way Discord would deliver it: a message, a
//! voice state, a reaction on the day's post, or a slash command the bot must answer.

use std::collections::BTreeMap;

use anyhow::Context as _;
use fakecord::api::{
    CommandInvocation, GuildInfo, MessageSpec, OptionSpec, ReactionSpec, VoiceSpec,
};
use fakecord::{Fakecord, Snowflake};
use trakker::clock::Clock;

use crate::community::{self, Action, Event, GAME, SCHEDULE_CHANNEL, SQUAD_CHANNEL};

/// What was played, for the closing lines.
#[derive(Debug, Default)]
pub struct Played {
    /// Messages written.
    pub messages: u64,
    /// Voice joins.
    pub joins: u64,
    /// Game sessions ended (each with a summary).
    pub sessions: u64,
    /// Kills tracked.
    pub kills: u64,
    /// Team kills tracked.
    pub team_kills: u64,
    /// Hours marked on daily posts.
    pub marks: u64,
    /// The last session summary the bot posted, as JSON embeds.
    pub last_summary: Vec<serde_json::Value>,
    /// Events that failed, with why (the demo goes on).
    pub failures: Vec<String>,
}

/// Plays `events` in order; `progress` hears of each new day (counted from 1).
///
/// # Errors
/// When the fake Discord cannot be reached at all.
pub async fn play(
    discord: &Fakecord,
    guild: &GuildInfo,
    clock: &Clock,
    events: Vec<Event>,
    mut progress: impl FnMut(i64),
) -> anyhow::Result<Played> {
    let mut played = Played::default();
    let first = events.first().map(|event| event.at.date_naive());
    let mut day_seen = -1;
    // The day's post, found once per day when the first mark comes.
    let mut posts: BTreeMap<chrono::NaiveDate, Snowflake> = BTreeMap::new();
    for event in events {
        let wait = clock.real(event.at - clock.now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        if let Some(first) = first {
            let day = (event.at.date_naive() - first).num_days();
            if day > day_seen {
                day_seen = day;
                progress(day + 1);
            }
        }
        let day = event.at.date_naive();
        let outcome = happen(
            discord,
            guild,
            (day, &event.action),
            &mut posts,
            &mut played,
        )
        .await;
        if let Err(error) = outcome {
            played
                .failures
                .push(format!("{} {:?}: {error:#}", event.at, event.action));
        }
    }
    Ok(played)
}

async fn happen(
    discord: &Fakecord,
    guild: &GuildInfo,
    (today, action): (chrono::NaiveDate, &Action),
    posts: &mut BTreeMap<chrono::NaiveDate, Snowflake>,
    played: &mut Played,
) -> anyhow::Result<()> {
    match *action {
        Action::Say {
            user,
            channel,
            text,
        } => {
            discord
                .post_message(guild.id, MessageSpec::new(channel, user, text))
                .await?;
            played.messages += 1;
        }
        Action::Join { user, channel } => {
            discord
                .voice(guild.id, VoiceSpec::join(user, channel))
                .await?;
            played.joins += 1;
        }
        Action::Leave { user } => {
            discord.voice(guild.id, VoiceSpec::leave(user)).await?;
        }
        Action::SessionStart { by } => {
            let start = command(guild, by, "session start").option(OptionSpec::new("game", GAME));
            let started = discord.invoke_with(start.timeout(crate::ANSWER)).await?;
            if started.ephemeral {
                anyhow::bail!("the bot answered: {}", started.content);
            }
        }
        Action::Track {
            by,
            player,
            kills,
            victim,
        } => {
            let mut track = command(guild, by, "track")
                .option(OptionSpec::new("player", user_id(guild, player)?))
                .option(OptionSpec::new("kills", kills));
            if let Some(victim) = victim {
                track = track
                    .option(OptionSpec::new("kind", 1))
                    .option(OptionSpec::new("victim", user_id(guild, victim)?));
            }
            let tracked = discord.invoke_with(track.timeout(crate::ANSWER)).await?;
            if tracked.ephemeral {
                anyhow::bail!("the bot answered: {}", tracked.content);
            }
            if victim.is_some() {
                played.team_kills += u64::from(kills);
            } else {
                played.kills += u64::from(kills);
            }
        }
        Action::SessionEnd { by } => {
            let ended = discord
                .invoke_with(command(guild, by, "session end").timeout(crate::ANSWER))
                .await?;
            if ended.embeds.is_empty() {
                anyhow::bail!("the bot answered: {}", ended.content);
            }
            played.sessions += 1;
            played.last_summary = ended.embeds;
        }
        Action::Mark { user, hour } => {
            let post = if let Some(post) = posts.get(&today) {
                *post
            } else {
                let post = latest_post(discord, guild)
                    .await?
                    .context("no daily post yet")?;
                posts.insert(today, post);
                post
            };
            discord
                .react(
                    guild.id,
                    ReactionSpec::new(post, user, &community::hour_emoji(hour)),
                )
                .await?;
            played.marks += 1;
        }
    }
    Ok(())
}

/// A slash command run by `user` in the squad's channel.
fn command(guild: &GuildInfo, user: &str, name: &str) -> CommandInvocation {
    CommandInvocation::new(guild.id, user, name).channel(SQUAD_CHANNEL)
}

fn user_id(guild: &GuildInfo, name: &str) -> anyhow::Result<String> {
    Ok(guild.user(name)?.to_string())
}

/// The bot's latest daily post.
///
/// # Errors
/// When the fake Discord cannot be reached.
pub async fn latest_post(
    discord: &Fakecord,
    guild: &GuildInfo,
) -> anyhow::Result<Option<Snowflake>> {
    let channel = guild.channel(SCHEDULE_CHANNEL)?;
    let messages = discord.bot_messages(channel).await?;
    Ok(messages
        .iter()
        .rev()
        .find(|message| !message.deleted && message.interaction_id.is_none())
        .map(|message| message.id))
}
