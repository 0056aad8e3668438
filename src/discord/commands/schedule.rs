//! /schedule: the daily "who plays when" post. Managers set it up, see its status and post
//! today's now; everything is checked again on the server, whatever Discord's client enforced.

use poise::serenity_prelude as serenity;

use crate::discord::{checks, reply, CommandError, Context};
use crate::domain::ids::{ChannelId, GuildId};
use crate::domain::schedule::{HourWindow, PostTime, Weekdays};
use crate::domain::zones;
use crate::schedule::{GuildPlan, PostOutcome};
use crate::store::schedule::{PostState, ScheduleSettings};

/// The daily "who plays when?" post.
#[poise::command(
    slash_command,
    guild_only,
    subcommands(
        "setup",
        "status",
        "post",
        "stop",
        "super::week::week",
        "super::week::show"
    ),
    subcommand_required
)]
#[expect(
    clippy::unused_async,
    reason = "Discord only runs the subcommands; the parent answers forged or stale calls"
)]
pub async fn schedule(ctx: Context<'_>) -> Result<(), CommandError> {
    checks::subcommand_required(ctx)
}

/// Set up the daily post: channel, time, hours offered, time zone and days (managers only).
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn setup(
    ctx: Context<'_>,
    #[description = "Where the post goes"]
    #[channel_types("Text")]
    channel: serenity::GuildChannel,
    #[description = "The local time of the post, like 18:00"]
    #[max_length = 10]
    time: String,
    #[description = "The first hour offered (0–23)"]
    #[min = 0]
    #[max = 23]
    from: i64,
    #[description = "The hour the offer ends (0–23; past midnight wraps, e.g. 15 to 2)"]
    #[min = 0]
    #[max = 23]
    to: i64,
    #[description = "The server's time zone, like Europe/Paris (default: as before, or UTC)"]
    #[autocomplete = "autocomplete_zone"]
    #[max_length = 64]
    timezone: Option<String>,
    #[description = "Posting days, like \"mon,wed,fri\", \"weekends\" (default: every day)"]
    #[max_length = 100]
    days: Option<String>,
) -> Result<(), CommandError> {
    let guild = checks::manager_guild(ctx).await?;
    let time = PostTime::parse(&time).map_err(CommandError::User)?;
    let window = HourWindow::from_start_end(hour(from)?, hour(to)?).map_err(CommandError::User)?;
    let weekdays = match days.as_deref() {
        Some(days) => Weekdays::parse(days).map_err(CommandError::User)?,
        None => Weekdays::ALL,
    };
    let zone = match timezone.as_deref() {
        Some(typed) => zones::parse_zone(typed).map_err(CommandError::User)?,
        None => current_zone(ctx, guild).await?,
    };
    let channel_id = postable_channel(ctx, guild, &channel)?;
    let settings = ScheduleSettings {
        channel_id,
        post_minute: time.to_minutes(),
        window_start: window.start(),
        window_hours: window.hours(),
        weekdays: weekdays.bits(),
    };
    ctx.data().schedules.set_up(guild, &settings, zone).await?;
    let plan = ctx
        .data()
        .schedules
        .plan(guild)
        .await?
        .ok_or_else(|| CommandError::user("The daily post was removed meanwhile; set it up again."))?;
    let next = plan.plan.next_post(ctx.data().schedules.now());
    reply::private_text(
        ctx,
        &format!(
            "The daily post is set up in <#{}>: {} ({}), hours {}, on {}. Next post: <t:{}:F>.",
            channel_id,
            time,
            zone.name(),
            window,
            weekdays,
            next.timestamp()
        ),
    )
    .await
}

/// The hour option as Discord's bounds promise it, checked again.
fn hour(value: i64) -> Result<u8, CommandError> {
    u8::try_from(value)
        .ok()
        .filter(|hour| *hour < 24)
        .ok_or_else(|| CommandError::user("Hours go from 0 to 23."))
}

/// The server's zone as set before, or UTC.
async fn current_zone(ctx: Context<'_>, guild: GuildId) -> Result<chrono_tz::Tz, CommandError> {
    let settings = ctx.data().store.settings(guild).await?;
    Ok(settings
        .default_timezone
        .and_then(|name| name.parse().ok())
        .unwrap_or(chrono_tz::Tz::UTC))
}

/// A channel of this guild the bot may post, react and read history in.
fn postable_channel(
    ctx: Context<'_>,
    guild: GuildId,
    channel: &serenity::GuildChannel,
) -> Result<ChannelId, CommandError> {
    if channel.guild_id.get() != guild.0 {
        return Err(CommandError::user("That channel is not in this server."));
    }
    if !matches!(
        channel.kind,
        serenity::ChannelType::Text | serenity::ChannelType::News
    ) {
        return Err(CommandError::user(
            "The daily post needs a text channel; pick one where members can react.",
        ));
    }
    let missing = missing_permissions(ctx, channel.id);
    if missing
        .iter()
        .any(|(permission, _)| *permission == serenity::Permissions::SEND_MESSAGES)
    {
        return Err(CommandError::user(format!(
            "I cannot post in <#{}>: give me Send Messages there, or pick another channel.",
            channel.id
        )));
    }
    Ok(ChannelId(channel.id.get()))
}

/// What the daily post needs in its channel, and what each missing permission costs.
const NEEDED: [(serenity::Permissions, &str); 5] = [
    (serenity::Permissions::VIEW_CHANNEL, "the bot cannot see the channel"),
    (serenity::Permissions::SEND_MESSAGES, "no post can be made"),
    (serenity::Permissions::EMBED_LINKS, "the post shows no list of players"),
    (
        serenity::Permissions::ADD_REACTIONS,
        "the bot cannot add the hour reactions for members to click",
    ),
    (
        serenity::Permissions::READ_MESSAGE_HISTORY,
        "reactions cannot be re-read after the bot was offline",
    ),
];

/// The permissions the bot lacks in `channel`, from the cache; empty when it cannot tell.
fn missing_permissions(
    ctx: Context<'_>,
    channel: serenity::ChannelId,
) -> Vec<(serenity::Permissions, &'static str)> {
    let Some(granted) = checks::bot_permissions_in(ctx, channel) else {
        return Vec::new();
    };
    NEEDED
        .into_iter()
        .filter(|(permission, _)| !granted.contains(*permission))
        .collect()
}

/// Show the daily post's setup, the next post, today's post and missing permissions.
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn status(ctx: Context<'_>) -> Result<(), CommandError> {
    let guild = checks::manager_guild(ctx).await?;
    let schedules = &ctx.data().schedules;
    let Some(plan) = schedules.plan(guild).await? else {
        return Err(CommandError::user(
            "No daily post is set up; a manager can start one with /schedule setup.",
        ));
    };
    let mut lines = vec![describe(&plan)];
    let now = schedules.now();
    lines.push(format!(
        "Next post: <t:{0}:F> (<t:{0}:R>).",
        plan.plan.next_post(now).timestamp()
    ));
    lines.push(match schedules.todays_post(guild, &plan).await? {
        None => "Today's post has not been made yet.".to_owned(),
        Some(post) => match (post.state, post.message_id) {
            (PostState::Posted, Some(message)) => format!(
                "Today's post: https://discord.com/channels/{guild}/{}/{message}",
                post.channel_id
            ),
            (PostState::Deleted, _) => {
                "Today's post was deleted, so it is not posted again today.".to_owned()
            }
            _ => "Today's post is being sent.".to_owned(),
        },
    });
    let channel = serenity::ChannelId::new(plan.settings.channel_id.0.max(1));
    for (permission, cost) in missing_permissions(ctx, channel) {
        lines.push(format!(
            "Missing permission in <#{channel}>: {} — {cost}.",
            permission
                .get_permission_names()
                .join(", ")
        ));
    }
    if let Some(error) = schedules.last_failure(guild) {
        lines.push(format!("The last attempt to post failed: {error}."));
    }
    reply::private_text(ctx, &lines.join("\n")).await
}

/// The setup in one sentence.
fn describe(plan: &GuildPlan) -> String {
    format!(
        "The daily post goes to <#{}> at {} ({}), offering hours {} on {}.",
        plan.settings.channel_id,
        plan.plan.time,
        plan.plan.tz.name(),
        plan.plan.window,
        plan.plan.weekdays
    )
}

/// Post today's message now, if it was not made today (managers only).
#[poise::command(
    slash_command,
    guild_only,
    ephemeral,
    default_member_permissions = "MANAGE_GUILD"
)]
pub async fn post(ctx: Context<'_>) -> Result<(), CommandError> {
    let guild = checks::manager_guild(ctx).await?;
    let schedules = &ctx.data().schedules;
    let Some(plan) = schedules.plan(guild).await? else {
        return Err(CommandError::user(
            "No daily post is set up; start one with /schedule setup.",
        ));
    };
    reply::defer(ctx).await?;
    let sentence = match schedules.post_today(guild, &plan).await? {
        PostOutcome::Posted(channel, _) => format!("Today's post is up in <#{channel}>."),
        PostOutcome::AlreadyPosted(post) => format!(
            "Today's post was already made in <#{}>; there is one per day.",
            post.channel_id
        ),
        PostOutcome::Deleted => {
            "Today's post was deleted, so it is not posted again today.".to_owned()
        }
        PostOutcome::InProgress => "Today's post is being made right now.".to_owned(),
        PostOutcome::Failed(error) => format!("I could not post today's message: {error}."),
    };
    reply::private_text(ctx, &sentence).await
}

/// Stop the daily post (managers only); posts already made stay.
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn stop(ctx: Context<'_>) -> Result<(), CommandError> {
    let guild = checks::manager_guild(ctx).await?;
    if ctx.data().schedules.stop(guild).await? {
        reply::private_text(ctx, "The daily post is stopped; posts already made stay.").await
    } else {
        Err(CommandError::user("No daily post is set up."))
    }
}

/// Suggests IANA zones for what was typed so far.
pub async fn autocomplete_zone(
    _ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let choices = zones::suggest_zones(partial, 25)
        .into_iter()
        .map(serenity::AutocompleteChoice::from)
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}
