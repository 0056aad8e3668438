//! /chart: the moderators' pictures of their community — who plays with whom, who is drifting
//! away, when people are around. By default only managers may draw them and the answer is
//! private; a manager may post one publicly, or open a chart (or all of them) to everyone.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use poise::serenity_prelude as serenity;

use crate::community::charts::{self, Chart, Drawing, Request};
use crate::discord::{checks, reply, CommandError, Context};
use crate::domain::ids::{ChannelId, GuildId};

/// The period a chart covers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, poise::ChoiceParameter)]
pub enum ChartPeriod {
    /// The last 30 days.
    #[name = "30 days"]
    Days30,
    /// The last 90 days.
    #[name = "90 days"]
    #[default]
    Days90,
    /// The last 365 days.
    #[name = "year"]
    Year,
    /// Everything recorded.
    #[name = "all-time"]
    AllTime,
}

impl ChartPeriod {
    fn since(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let days = match self {
            Self::Days30 => 30,
            Self::Days90 => 90,
            Self::Year => 365,
            Self::AllTime => return None,
        };
        Some(now - TimeDelta::days(days))
    }

    const fn label(self) -> &'static str {
        match self {
            Self::Days30 => "last 30 days",
            Self::Days90 => "last 90 days",
            Self::Year => "last 12 months",
            Self::AllTime => "all time",
        }
    }
}

/// Charts of the server's voice and message activity.
#[poise::command(
    slash_command,
    guild_only,
    subcommands(
        "community",
        "duo",
        "voice",
        "inactive",
        "weekdays",
        "hours",
        "timeline",
        "messages",
        "access"
    ),
    subcommand_required
)]
#[expect(
    clippy::unused_async,
    reason = "Discord only runs the subcommands; the parent answers forged or stale calls"
)]
pub async fn chart(ctx: Context<'_>) -> Result<(), CommandError> {
    checks::subcommand_required(ctx)
}

/// Who plays with whom: the co-play graph, coloured by community.
#[poise::command(slash_command, guild_only)]
pub async fn community(
    ctx: Context<'_>,
    #[description = "90 days (default), 30 days, a year or all-time"] period: Option<ChartPeriod>,
    #[description = "Post it for everyone to see (managers only)"] public: Option<bool>,
) -> Result<(), CommandError> {
    answer(ctx, Chart::Community, period, None, public).await
}

/// The pairs who spent the most time together in voice.
#[poise::command(slash_command, guild_only)]
pub async fn duo(
    ctx: Context<'_>,
    #[description = "90 days (default), 30 days, a year or all-time"] period: Option<ChartPeriod>,
    #[description = "Post it for everyone to see (managers only)"] public: Option<bool>,
) -> Result<(), CommandError> {
    answer(ctx, Chart::Duo, period, None, public).await
}

/// Hours in voice per member.
#[poise::command(slash_command, guild_only)]
pub async fn voice(
    ctx: Context<'_>,
    #[description = "90 days (default), 30 days, a year or all-time"] period: Option<ChartPeriod>,
    #[description = "Only this voice channel"]
    #[channel_types("Voice", "Stage")]
    channel: Option<serenity::GuildChannel>,
    #[description = "Post it for everyone to see (managers only)"] public: Option<bool>,
) -> Result<(), CommandError> {
    answer(ctx, Chart::Voice, period, channel, public).await
}

/// Members whose time in voice fell far below what it was (last 14 days against the 60 before).
#[poise::command(slash_command, guild_only)]
pub async fn inactive(
    ctx: Context<'_>,
    #[description = "Post it for everyone to see (managers only)"] public: Option<bool>,
) -> Result<(), CommandError> {
    answer(ctx, Chart::Inactive, None, None, public).await
}

/// Average hours in voice per weekday, in the server's time zone.
#[poise::command(slash_command, guild_only)]
pub async fn weekdays(
    ctx: Context<'_>,
    #[description = "90 days (default), 30 days, a year or all-time"] period: Option<ChartPeriod>,
    #[description = "Post it for everyone to see (managers only)"] public: Option<bool>,
) -> Result<(), CommandError> {
    answer(ctx, Chart::Weekdays, period, None, public).await
}

/// Voice hours by month and hour of day, and the top members by hour of day.
#[poise::command(slash_command, guild_only)]
pub async fn hours(
    ctx: Context<'_>,
    #[description = "90 days (default), 30 days, a year or all-time"] period: Option<ChartPeriod>,
    #[description = "Post it for everyone to see (managers only)"] public: Option<bool>,
) -> Result<(), CommandError> {
    answer(ctx, Chart::Hours, period, None, public).await
}

/// Weekly voice hours of the top members and of the whole community.
#[poise::command(slash_command, guild_only)]
pub async fn timeline(
    ctx: Context<'_>,
    #[description = "90 days (default), 30 days, a year or all-time"] period: Option<ChartPeriod>,
    #[description = "Post it for everyone to see (managers only)"] public: Option<bool>,
) -> Result<(), CommandError> {
    answer(ctx, Chart::Timeline, period, None, public).await
}

/// Messages per day and the busiest channels.
#[poise::command(slash_command, guild_only)]
pub async fn messages(
    ctx: Context<'_>,
    #[description = "90 days (default), 30 days, a year or all-time"] period: Option<ChartPeriod>,
    #[description = "Only this channel"]
    #[channel_types("Text", "News", "Voice")]
    channel: Option<serenity::GuildChannel>,
    #[description = "Post it for everyone to see (managers only)"] public: Option<bool>,
) -> Result<(), CommandError> {
    answer(ctx, Chart::Messages, period, channel, public).await
}

/// Open a chart (or all of them) to every member, or keep it for managers (managers only).
#[poise::command(slash_command, guild_only)]
pub async fn access(
    ctx: Context<'_>,
    #[description = "community, duo, voice, inactive, weekdays, hours, timeline, messages or all"]
    #[max_length = 16]
    chart: String,
    #[description = "True: every member may draw it; false: managers only"] open: bool,
) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let settings = ctx.data().store.settings(guild).await?;
    checks::require_manager(&checks::caller(ctx), &settings)?;
    let name = chart.trim().to_lowercase();
    if name != charts::ALL && Chart::parse(&name).is_none() {
        return Err(CommandError::user(format!(
            "There is no chart called \"{}\"; pick one of {}, or all.",
            chart.chars().take(16).collect::<String>(),
            Chart::names().join(", ")
        )));
    }
    ctx.data().store.set_chart_open(guild, &name, open).await?;
    let open_now = ctx.data().store.open_charts(guild).await?;
    let sentence = match (open, name == charts::ALL) {
        (true, true) => "Every member may now draw every chart.".to_owned(),
        (true, false) => format!("Every member may now draw the {name} chart."),
        (false, true) if open_now.is_empty() => {
            "Only managers may draw charts now.".to_owned()
        }
        (false, true) => format!(
            "\"All\" is closed; still open to everyone: {}.",
            open_now.join(", ")
        ),
        (false, false) if open_now.iter().any(|open| open == charts::ALL) => format!(
            "The {name} chart is closed on its own, but every chart is still open to everyone; \
             close \"all\" to keep charts for managers."
        ),
        (false, false) => format!("Only managers may draw the {name} chart now."),
    };
    reply::private_text(ctx, &sentence).await
}

/// Checks who may draw `chart` and how, draws it, and answers with the picture in an embed.
async fn answer(
    ctx: Context<'_>,
    chart: Chart,
    period: Option<ChartPeriod>,
    channel: Option<serenity::GuildChannel>,
    public: Option<bool>,
) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let app = ctx.data();
    let settings = app.store.settings(guild).await?;
    let caller = checks::caller(ctx);
    let manager = caller.is_manager(settings.admin_role_id);
    let public = public.unwrap_or(false);
    if !manager {
        if public {
            return Err(CommandError::user(
                "Only managers may post a chart for everyone; leave out \"public\" to see it yourself.",
            ));
        }
        let open = app.store.open_charts(guild).await?;
        if !open
            .iter()
            .any(|name| name == charts::ALL || name == chart.name())
        {
            return Err(CommandError::user(
                "Charts are for this server's managers; a manager can open them to everyone with /chart access.",
            ));
        }
    }
    let channel = channel_option(guild, channel)?;
    reply::defer_as(ctx, !public).await?;
    let now = app.now();
    let period = period.unwrap_or_default();
    let request = Request {
        guild,
        chart,
        since: period.since(now),
        now,
        channel,
        period_label: period.label().to_owned(),
        timezone: settings.default_timezone.clone(),
        hidden: app.store.hidden_members(guild).await?,
        channel_names: channel_names(ctx),
    };
    let drawing = charts::draw(app.store.as_ref(), &app.chart_cache, request).await?;
    let reply = if public {
        reply::public()
    } else {
        reply::private()
    };
    let reply = match drawing {
        Drawing::Empty(sentence) => reply.content(sentence),
        Drawing::Picture {
            png,
            file_name,
            title,
            text,
        } => {
            let embed = serenity::CreateEmbed::new()
                .title(title)
                .description(text)
                .image(format!("attachment://{file_name}"));
            reply
                .embed(embed)
                .attachment(serenity::CreateAttachment::bytes(png, file_name))
        }
    };
    reply::send(ctx, reply).await.map(drop)
}

/// The server's channel names by id, from the gateway cache (the store keeps no names).
fn channel_names(ctx: Context<'_>) -> HashMap<u64, String> {
    ctx.guild()
        .map(|guild| {
            guild
                .channels
                .values()
                .map(|channel| (channel.id.get(), channel.name.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// The channel option checked again: a forged interaction may name another server's channel.
fn channel_option(
    guild: GuildId,
    channel: Option<serenity::GuildChannel>,
) -> Result<Option<ChannelId>, CommandError> {
    match channel {
        Some(channel) if channel.guild_id.get() != guild.0 => {
            Err(CommandError::user("That channel is not in this server."))
        }
        Some(channel) => Ok(Some(ChannelId(channel.id.get()))),
        None => Ok(None),
    }
}
