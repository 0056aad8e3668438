//! /achievements: the badges members hold, the server's milestones, and the managers' settings
//! (their own milestones, role rewards, where unlocks are announced, shame badges).

use poise::serenity_prelude as serenity;

use crate::discord::achievements::role_problem;
use crate::discord::{checks, render, reply, CommandError, Context};
use crate::domain::achievements::{Measure, Milestone, Threshold};
use crate::domain::ids::{ChannelId, GuildId, RoleId, UserId};
use crate::domain::names::BadgeName;
use crate::squad::achievements::{self, CUSTOM_LIMIT};
use crate::store::achievements::NewMilestone;

/// What a milestone counts, as the option offers it.
#[derive(Clone, Copy, Debug, poise::ChoiceParameter)]
pub enum MeasureChoice {
    /// Kills, all time.
    #[name = "kills"]
    Kills,
    /// Kills in one session.
    #[name = "kills in one session"]
    SessionKills,
    /// Kills in a row without a team kill.
    #[name = "kills without a team kill"]
    CleanStreak,
    /// Sessions played.
    #[name = "sessions played"]
    Sessions,
    /// Hours in voice.
    #[name = "hours in voice"]
    VoiceHours,
    /// Weeks in a row in voice.
    #[name = "weeks in a row in voice"]
    VoiceWeeks,
    /// Team kills in one session (a shame badge).
    #[name = "team kills in one session"]
    SessionTeamKills,
}

impl From<MeasureChoice> for Measure {
    fn from(choice: MeasureChoice) -> Self {
        match choice {
            MeasureChoice::Kills => Self::Kills,
            MeasureChoice::SessionKills => Self::SessionKills,
            MeasureChoice::CleanStreak => Self::CleanStreak,
            MeasureChoice::Sessions => Self::Sessions,
            MeasureChoice::VoiceHours => Self::VoiceHours,
            MeasureChoice::VoiceWeeks => Self::VoiceWeeks,
            MeasureChoice::SessionTeamKills => Self::SessionTeamKills,
        }
    }
}

/// Badges for milestones: see yours, list the server's, and (managers) set them up.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("show", "list", "add", "remove", "reward", "channel", "shame", "enabled"),
    subcommand_required
)]
#[expect(
    clippy::unused_async,
    reason = "Discord only runs the subcommands; the parent answers forged or stale calls"
)]
pub async fn achievements(ctx: Context<'_>) -> Result<(), CommandError> {
    checks::subcommand_required(ctx)
}

/// The badges you (or another member) hold here.
#[poise::command(slash_command, guild_only)]
pub async fn show(
    ctx: Context<'_>,
    #[description = "Whose badges (default: yours)"] member: Option<serenity::User>,
) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let user = match &member {
        Some(member) => checks::member_option(ctx, member)?,
        None => UserId(ctx.author().id.get()),
    };
    let held = achievements::badges(ctx.data().store.as_ref(), guild, user).await?;
    let text = if held.is_empty() {
        format!("{} has no badge here yet.", render::mention(user))
    } else {
        let lines: Vec<String> = held
            .iter()
            .map(|(milestone, at)| {
                format!("{} — {}", milestone.badge(), render::timestamp(*at, 'D'))
            })
            .collect();
        render::within_a_message(
            &format!("{}'s badges:", render::mention(user)),
            &lines,
            "",
        )
    };
    reply::private_text(ctx, &text).await
}

/// Every milestone of this server, with its key and the role it grants.
#[poise::command(slash_command, guild_only)]
pub async fn list(ctx: Context<'_>) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let (all, settings) = achievements::milestones(ctx.data().store.as_ref(), guild).await?;
    if !settings.enabled {
        return reply::private_text(
            ctx,
            "Achievements are off in this server; a manager turns them on with \
             /achievements enabled.",
        )
        .await;
    }
    let lines: Vec<String> = all
        .iter()
        .map(|milestone| {
            let reward = settings
                .reward(&milestone.key)
                .map_or_else(String::new, |role| format!(" → <@&{}>", role.0));
            format!("{} `[{}]`{reward}", milestone.badge(), milestone.key)
        })
        .collect();
    let footer = format!(
        "Unlocks are announced {}; shame badges are {}.",
        settings.channel_id.map_or_else(
            || "where they happen".to_owned(),
            |channel| format!("in <#{}>", channel.0)
        ),
        if settings.shame_badges { "on" } else { "off" }
    );
    let text = render::within_a_message("Milestones here (key in brackets):", &lines, &footer);
    reply::private_text(ctx, &text).await
}

/// Add a milestone of this server's own (managers only).
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn add(
    ctx: Context<'_>,
    #[description = "Its name, like Sharpshooter"]
    #[max_length = 40]
    name: String,
    #[description = "Its badge: a standard emoji or one of this server's"]
    #[max_length = 64]
    emoji: String,
    #[description = "What it counts"] measure: MeasureChoice,
    #[description = "How much of it"]
    #[min = 1]
    threshold: i64,
) -> Result<(), CommandError> {
    let guild = checks::manager_guild(ctx).await?;
    let name = BadgeName::parse(&name).map_err(CommandError::User)?;
    let emoji = checks::server_emoji(ctx, &emoji)?;
    let measure = Measure::from(measure);
    let threshold = Threshold::new(measure, threshold).map_err(CommandError::User)?;
    let new = NewMilestone {
        name: name.as_str().to_owned(),
        emoji: emoji.display(),
        measure,
        threshold,
    };
    let added = ctx
        .data()
        .store
        .add_milestone(guild, &new, CUSTOM_LIMIT, ctx.data().now())
        .await?
        .ok_or_else(|| {
            CommandError::user(format!(
                "This server has {CUSTOM_LIMIT} milestones of its own, the most there can be; \
                 remove one first."
            ))
        })?;
    reply::private_text(
        ctx,
        &format!(
            "{} is a milestone here now (key `{}`); members unlock it as they reach it.",
            added.badge(),
            added.key
        ),
    )
    .await
}

/// Remove one of this server's own milestones; whoever held it loses it (managers only).
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn remove(
    ctx: Context<'_>,
    #[description = "The milestone's key, from /achievements list"]
    #[autocomplete = "autocomplete_milestone"]
    #[max_length = 40]
    milestone: String,
) -> Result<(), CommandError> {
    let guild = checks::manager_guild(ctx).await?;
    let found = find(ctx, guild, &milestone).await?;
    if !found.key.starts_with("custom-") {
        return Err(CommandError::user(
            "Built-in milestones cannot be removed; shame badges can be turned off with \
             /achievements shame.",
        ));
    }
    ctx.data().store.remove_milestone(guild, &found.key).await?;
    reply::private_text(ctx, &format!("{} is removed.", found.badge())).await
}

/// Give a role with a milestone, or stop giving one (managers only).
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn reward(
    ctx: Context<'_>,
    #[description = "The milestone's key, from /achievements list"]
    #[autocomplete = "autocomplete_milestone"]
    #[max_length = 40]
    milestone: String,
    #[description = "The role it gives (leave out to give none)"] role: Option<serenity::Role>,
) -> Result<(), CommandError> {
    let guild = checks::manager_guild(ctx).await?;
    let found = find(ctx, guild, &milestone).await?;
    let Some(role) = role else {
        ctx.data()
            .store
            .set_milestone_role(guild, &found.key, None)
            .await?;
        return reply::private_text(ctx, &format!("{} gives no role now.", found.badge())).await;
    };
    let guild_id = serenity::GuildId::new(guild.0.max(1));
    if let Some(problem) = role_problem(ctx.cache(), guild_id, role.id) {
        return Err(CommandError::User(problem));
    }
    ctx.data()
        .store
        .set_milestone_role(guild, &found.key, Some(RoleId(role.id.get())))
        .await?;
    reply::private_text(
        ctx,
        &format!(
            "{} now gives <@&{}> to whoever unlocks it from now on, and takes it back if an \
             /untrack undoes the milestone.",
            found.badge(),
            role.id.get()
        ),
    )
    .await
}

/// Announce unlocks in one channel, or where they happen (managers only).
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn channel(
    ctx: Context<'_>,
    #[description = "The channel (leave out: where they happen)"]
    #[channel_types("Text")]
    channel: Option<serenity::GuildChannel>,
) -> Result<(), CommandError> {
    let guild = checks::manager_guild(ctx).await?;
    let channel = match channel {
        Some(channel) if channel.guild_id.get() != guild.0 => {
            return Err(CommandError::user("That channel is not in this server."));
        }
        Some(channel) => Some(ChannelId(channel.id.get())),
        None => None,
    };
    ctx.data()
        .store
        .set_achievement_channel(guild, channel)
        .await?;
    let text = channel.map_or_else(
        || "Unlocks are announced where they happen.".to_owned(),
        |channel| format!("Unlocks are announced in <#{}>.", channel.0),
    );
    reply::private_text(ctx, &text).await
}

/// Turn shame badges (team kills in one session) on or off (managers only).
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn shame(
    ctx: Context<'_>,
    #[description = "Give shame badges?"] on: bool,
) -> Result<(), CommandError> {
    let guild = checks::manager_guild(ctx).await?;
    ctx.data().store.set_shame_badges(guild, on).await?;
    let text = if on {
        "Shame badges are on."
    } else {
        "Shame badges are off: none is given, and those held are no longer shown."
    };
    reply::private_text(ctx, text).await
}

/// Turn achievements on or off in this server (managers only).
///
/// Off, none is checked, unlocked or shown; badges already won come back when turned on again.
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn enabled(
    ctx: Context<'_>,
    #[description = "Have achievements here?"] on: bool,
) -> Result<(), CommandError> {
    let guild = checks::manager_guild(ctx).await?;
    ctx.data().store.set_achievements_enabled(guild, on).await?;
    let text = if on {
        "Achievements are on."
    } else {
        "Achievements are off: none is checked, unlocked or shown until they are on again."
    };
    reply::private_text(ctx, text).await
}

/// The milestone with `key` in the guild, or a sentence saying there is none.
async fn find(ctx: Context<'_>, guild: GuildId, key: &str) -> Result<Milestone, CommandError> {
    let (all, _) = achievements::milestones(ctx.data().store.as_ref(), guild).await?;
    let key = key.trim();
    all.into_iter()
        .find(|milestone| milestone.key == key)
        .ok_or_else(|| {
            CommandError::user(
                "There is no milestone with that key here; /achievements list shows them.",
            )
        })
}

async fn autocomplete_milestone(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let choices = match ctx.guild_id() {
        Some(guild) => {
            match achievements::milestones(ctx.data().store.as_ref(), GuildId(guild.get())).await
            {
                Ok((all, _)) => {
                    let partial = partial.to_lowercase();
                    all.into_iter()
                        .filter(|milestone| {
                            milestone.key.contains(&partial)
                                || milestone.name.to_lowercase().contains(&partial)
                        })
                        .take(25)
                        .map(|milestone| {
                            let label = format!(
                                "{} ({})",
                                milestone.name,
                                milestone.measure.describe(milestone.threshold)
                            );
                            serenity::AutocompleteChoice::new(label, milestone.key)
                        })
                        .collect()
                }
                Err(error) => {
                    tracing::warn!(%error, "could not list milestones for autocomplete");
                    Vec::new()
                }
            }
        }
        None => Vec::new(),
    };
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}
