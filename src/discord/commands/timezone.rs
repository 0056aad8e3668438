//! /timezone: members' own IANA time zones. A member sets theirs (a city name finds its zone,
//! ambiguous abbreviations are refused), may keep it private (it still places their weekly
//! schedule), and anyone can see who in a voice channel lives in which zone.

use std::collections::BTreeMap;

use chrono_tz::Tz;
use poise::serenity_prelude as serenity;

use crate::discord::commands::schedule::autocomplete_zone;
use crate::discord::{checks, reply, CommandError, Context};
use crate::domain::ids::{GuildId, UserId};
use crate::domain::zones;
use crate::store::schedule::MemberZone;

/// Members' time zones: set yours, see someone's, or who is where in voice.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("set", "show", "clear", "voice"),
    subcommand_required
)]
#[expect(
    clippy::unused_async,
    reason = "Discord only runs the subcommands; the parent answers forged or stale calls"
)]
pub async fn timezone(ctx: Context<'_>) -> Result<(), CommandError> {
    checks::subcommand_required(ctx)
}

/// Whose zone a command changes: the caller's, or (managers only) another member's.
async fn target(
    ctx: Context<'_>,
    guild: GuildId,
    member: Option<&serenity::User>,
) -> Result<UserId, CommandError> {
    let Some(member) = member else {
        return Ok(UserId(ctx.author().id.get()));
    };
    let user = checks::member_option(ctx, member)?;
    if user.0 != ctx.author().id.get() {
        let settings = ctx.data().store.settings(guild).await?;
        checks::require_manager(&checks::caller(ctx), &settings)?;
    }
    Ok(user)
}

/// Set your time zone (a manager may set another member's).
#[poise::command(slash_command, guild_only)]
pub async fn set(
    ctx: Context<'_>,
    #[description = "An IANA zone or a city, like Europe/Paris or Paris"]
    #[autocomplete = "autocomplete_zone"]
    #[max_length = 64]
    zone: String,
    #[description = "Keep it to yourself (it still places your weekly schedule)"] private: Option<
        bool,
    >,
    #[description = "Another member (managers only)"] member: Option<serenity::User>,
) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let user = target(ctx, guild, member.as_ref()).await?;
    let tz = zones::parse_zone(&zone).map_err(CommandError::User)?;
    let private = private.unwrap_or(false);
    let stored = MemberZone {
        timezone: tz.name().to_owned(),
        private,
    };
    let now = ctx.data().schedules.now();
    ctx.data()
        .store
        .set_member_zone(guild, user, Some(&stored), now)
        .await?;
    // Their weekly schedule is on their clock: today's post may list them elsewhere now.
    ctx.data().schedules.refresh_today(guild).await?;
    let whose = if user.0 == ctx.author().id.get() {
        "Your".to_owned()
    } else {
        format!("<@{user}>'s")
    };
    let shown = if private { " (private)" } else { "" };
    reply::private_text(
        ctx,
        &format!(
            "{whose} time zone is now {}{shown}; it is {} there.",
            tz.name(),
            zones::local_time_label(tz, now)
        ),
    )
    .await
}

/// See a member's time zone and local time (default: yours).
#[poise::command(slash_command, guild_only)]
pub async fn show(
    ctx: Context<'_>,
    #[description = "The member (default: you)"] member: Option<serenity::User>,
) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let me = UserId(ctx.author().id.get());
    let user = match &member {
        Some(member) => checks::member_option(ctx, member)?,
        None => me,
    };
    let now = ctx.data().schedules.now();
    let sentence = match ctx.data().store.member_zone(guild, user).await? {
        Some(zone) if zone.private && user != me => {
            format!("<@{user}> keeps their time zone private.")
        }
        Some(zone) => match zone.timezone.parse::<Tz>() {
            Ok(tz) => format!(
                "<@{user}>'s time zone is {}; it is {} there.",
                tz.name(),
                zones::local_time_label(tz, now)
            ),
            Err(_) => format!("<@{user}>'s time zone is no longer known; they can set it again."),
        },
        None if user == me => {
            "You have not set a time zone; set one with /timezone set.".to_owned()
        }
        None => format!("<@{user}> has not set a time zone."),
    };
    reply::private_text(ctx, &sentence).await
}

/// Remove your time zone (a manager may remove another member's).
#[poise::command(slash_command, guild_only)]
pub async fn clear(
    ctx: Context<'_>,
    #[description = "Another member (managers only)"] member: Option<serenity::User>,
) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let user = target(ctx, guild, member.as_ref()).await?;
    let now = ctx.data().schedules.now();
    ctx.data()
        .store
        .set_member_zone(guild, user, None, now)
        .await?;
    ctx.data().schedules.refresh_today(guild).await?;
    reply::private_text(ctx, "The time zone is removed; the server's zone applies again.").await
}

/// Who is in a voice channel, grouped by time zone with the local time there.
#[poise::command(slash_command, guild_only)]
pub async fn voice(
    ctx: Context<'_>,
    #[description = "The voice channel (default: the one you are in)"]
    #[channel_types("Voice", "Stage")]
    channel: Option<serenity::GuildChannel>,
) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let (channel, people) = voice_members(ctx, channel.as_ref())?;
    let me = UserId(ctx.author().id.get());
    let zones = ctx.data().store.member_zones(guild).await?;
    let now = ctx.data().schedules.now();
    let mut groups: BTreeMap<String, Vec<UserId>> = BTreeMap::new();
    for user in people {
        let zone = zones
            .iter()
            .find(|(member, _)| *member == user)
            .map(|(_, zone)| zone);
        let label = match zone {
            Some(zone) if zone.private && user != me => "Private".to_owned(),
            Some(zone) => match zone.timezone.parse::<Tz>() {
                Ok(tz) => format!("{} — {}", tz.name(), zones::local_time_label(tz, now)),
                Err(_) => "Unknown".to_owned(),
            },
            None => "No time zone set".to_owned(),
        };
        groups.entry(label).or_default().push(user);
    }
    if groups.is_empty() {
        return Err(CommandError::user(format!("Nobody is in <#{channel}>.")));
    }
    let lines: Vec<String> = groups
        .into_iter()
        .map(|(label, users)| {
            let names: Vec<String> = users.iter().map(|user| format!("<@{user}>")).collect();
            format!("**{label}**: {}", names.join(", "))
        })
        .collect();
    reply::private_text(ctx, &format!("In <#{channel}>:\n{}", lines.join("\n"))).await
}

/// The channel asked for (or the caller's) and who is in it, from the cache.
fn voice_members(
    ctx: Context<'_>,
    channel: Option<&serenity::GuildChannel>,
) -> Result<(serenity::ChannelId, Vec<UserId>), CommandError> {
    let guild = ctx
        .guild()
        .ok_or_else(|| CommandError::user("I cannot see this server yet; try again in a moment."))?;
    let channel = match channel {
        Some(channel) if channel.guild_id == guild.id => channel.id,
        Some(_) => return Err(CommandError::user("That channel is not in this server.")),
        None => guild
            .voice_states
            .get(&ctx.author().id)
            .and_then(|state| state.channel_id)
            .ok_or_else(|| {
                CommandError::user("You are not in a voice channel; name one to look at.")
            })?,
    };
    let mut people: Vec<UserId> = guild
        .voice_states
        .values()
        .filter(|state| state.channel_id == Some(channel))
        .filter(|state| {
            !guild
                .members
                .get(&state.user_id)
                .is_some_and(|member| member.user.bot)
        })
        .map(|state| UserId(state.user_id.get()))
        .collect();
    people.sort_unstable();
    Ok((channel, people))
}
