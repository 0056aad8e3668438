//! /top, /me and /user: the community's activity read back — who posts, talks, reacts, uses
//! commands and brings people in, and who spends their voice time with whom.

use chrono::{DateTime, Utc};
use poise::serenity_prelude as serenity;

use crate::community;
use crate::discord::{checks, render, reply, CommandError, Context};
use crate::domain::board::{ranked, window_start};
use crate::domain::ids::{ChannelId, UserId};
use crate::store::activity::Metric;

/// Members a ranking shows.
const TOP: usize = 10;

/// What /top ranks.
#[derive(Clone, Copy, Debug, poise::ChoiceParameter)]
pub enum TopMetric {
    /// Messages posted.
    #[name = "messages"]
    Messages,
    /// Hours in voice.
    #[name = "voice"]
    Voice,
    /// Emojis used.
    #[name = "emojis"]
    Emojis,
    /// App commands used.
    #[name = "apps"]
    Apps,
    /// Members brought in.
    #[name = "invites"]
    Invites,
}

/// The period of /top, /me and /user.
#[derive(Clone, Copy, Debug, poise::ChoiceParameter)]
pub enum ActivityPeriod {
    /// Today and the six UTC days before.
    #[name = "7 days"]
    Days7,
    /// Today and the 29 UTC days before.
    #[name = "30 days"]
    Days30,
    /// Everything recorded.
    #[name = "all-time"]
    AllTime,
}

impl ActivityPeriod {
    fn since(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let days = match self {
            Self::Days7 => 7,
            Self::Days30 => 30,
            Self::AllTime => return None,
        };
        Some(
            window_start(now, days)
                .and_time(chrono::NaiveTime::MIN)
                .and_utc(),
        )
    }

    const fn label(self) -> &'static str {
        match self {
            Self::Days7 => "last 7 days",
            Self::Days30 => "last 30 days",
            Self::AllTime => "all time",
        }
    }
}

/// The top 10 members by messages, voice time, emojis, app commands or invites, and your rank.
#[poise::command(slash_command, guild_only)]
pub async fn top(
    ctx: Context<'_>,
    #[description = "What to rank"] metric: TopMetric,
    #[description = "7 days (default), 30 days or all-time"] period: Option<ActivityPeriod>,
    #[description = "Only this channel (messages and voice)"]
    #[channel_types("Text", "Voice", "Stage", "News")]
    channel: Option<serenity::GuildChannel>,
) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let period = period.unwrap_or(ActivityPeriod::Days7);
    let channel_id = channel.as_ref().map(|channel| ChannelId(channel.id.get()));
    let metric = match metric {
        TopMetric::Messages => Metric::Messages,
        TopMetric::Voice => Metric::VoiceSeconds,
        TopMetric::Emojis => Metric::Emojis,
        TopMetric::Apps => Metric::AppCommands,
        TopMetric::Invites => Metric::Invites,
    };
    if channel_id.is_some() && !matches!(metric, Metric::Messages | Metric::VoiceSeconds) {
        return Err(CommandError::user(
            "A channel only narrows messages and voice rankings; leave it out for this one.",
        ));
    }
    if let Some(channel) = &channel {
        if channel.guild_id.get() != guild.0 {
            return Err(CommandError::user("That channel is not in this server."));
        }
    }
    let now = ctx.data().now();
    let since = period.since(now).unwrap_or(DateTime::UNIX_EPOCH);
    let store = &ctx.data().store;
    let mut standings = store
        .top_members(guild, metric, since, channel_id, now)
        .await?;
    let hidden = store.hidden_members(guild).await?;
    standings.retain(|standing| !hidden.contains(&standing.player));
    let standings = ranked(standings);
    let caller = UserId(ctx.author().id.get());
    let embed = render::activity_top(&standings, metric, period.label(), channel_id, caller, TOP);
    reply::embed(ctx, embed).await?;
    Ok(())
}

/// Your messages, voice hours, top channels, favourite emojis and voice companions.
#[poise::command(slash_command, guild_only)]
pub async fn me(
    ctx: Context<'_>,
    #[description = "7 days, 30 days (default) or all-time"] period: Option<ActivityPeriod>,
) -> Result<(), CommandError> {
    let user = UserId(ctx.author().id.get());
    profile(ctx, user, period).await
}

/// A member's messages, voice hours, top channels, favourite emojis and voice companions.
#[poise::command(slash_command, guild_only)]
pub async fn user(
    ctx: Context<'_>,
    #[description = "The member"] member: serenity::User,
    #[description = "7 days, 30 days (default) or all-time"] period: Option<ActivityPeriod>,
) -> Result<(), CommandError> {
    let user = checks::member_option(ctx, &member)?;
    profile(ctx, user, period).await
}

async fn profile(
    ctx: Context<'_>,
    user: UserId,
    period: Option<ActivityPeriod>,
) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let app = ctx.data();
    let period = period.unwrap_or(ActivityPeriod::Days30);
    let now = app.now();
    let since = period.since(now).unwrap_or(DateTime::UNIX_EPOCH);
    if app.telemetry.is_opted_out(guild, user) {
        return Err(CommandError::user(
            "This member asked not to have their activity recorded.",
        ));
    }
    let hidden = app.store.hidden_members(guild).await?;
    // Your own profile is yours to see; a hidden member's is nobody else's.
    if user != UserId(ctx.author().id.get()) && hidden.contains(&user) {
        return Err(CommandError::user(
            "This member chose not to be shown in stats and rankings.",
        ));
    }
    let profile = community::profile(app.store.as_ref(), guild, user, since, now, &hidden).await?;
    let embed = render::activity_profile(
        user,
        &profile.activity,
        &profile.companions,
        period.label(),
    );
    let badges = crate::squad::achievements::badges(app.store.as_ref(), guild, user).await?;
    reply::embed(ctx, render::with_badges(embed, &badges)).await?;
    Ok(())
}
