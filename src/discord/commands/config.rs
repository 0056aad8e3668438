//! /config: a manager's settings for the guild — its game list, who may /track, the admin role,
//! the /track reaction, how long a quiet session lasts and how long raw activity is kept — and
//! its status. Every subcommand checks on the server that the caller has Manage Server or the
//! admin role.

use poise::serenity_prelude as serenity;

use crate::discord::{checks, render, reply, CommandError, Context};
use crate::domain::ids::{GuildId, RoleId};
use crate::domain::names::GameName;
use crate::domain::reaction::ReactionEmoji;
use crate::domain::retention::RetentionDays;
use crate::store::privacy::PrivacyAction;
use crate::store::records::DEFAULT_TRACK_REACTION;
use crate::store::{GuildSettings, TrackerAccess};

/// The longest idle limit for sessions, in hours: a week.
const MAX_IDLE_HOURS: i64 = 168;

/// Server settings for trakker (managers only).
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    subcommands(
        "games",
        "tracker_role",
        "admin_role",
        "reactions",
        "session_idle",
        "retention",
        "status"
    ),
    subcommand_required
)]
#[expect(
    clippy::unused_async,
    reason = "Discord only runs the subcommands; the parent answers forged or stale calls"
)]
pub async fn config(ctx: Context<'_>) -> Result<(), CommandError> {
    checks::subcommand_required(ctx)
}

/// Checks the caller is a manager and returns the guild and its settings.
async fn manager_settings(ctx: Context<'_>) -> Result<(GuildId, GuildSettings), CommandError> {
    let guild = checks::guild(ctx)?;
    let settings = ctx.data().store.settings(guild).await?;
    checks::require_manager(&checks::caller(ctx), &settings)?;
    Ok((guild, settings))
}

/// The games this server plays: add, remove or list them.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("add", "remove", "list"),
    subcommand_required
)]
#[expect(
    clippy::unused_async,
    reason = "Discord only runs the subcommands; the parent answers forged or stale calls"
)]
pub async fn games(ctx: Context<'_>) -> Result<(), CommandError> {
    checks::subcommand_required(ctx)
}

/// Add a game to this server's list.
#[poise::command(slash_command, guild_only)]
pub async fn add(
    ctx: Context<'_>,
    #[description = "The game's name"]
    #[max_length = 50]
    name: String,
) -> Result<(), CommandError> {
    let (guild, _) = manager_settings(ctx).await?;
    let game = GameName::parse(&name).map_err(CommandError::User)?;
    if ctx.data().store.add_game(guild, &game).await? {
        reply::text(ctx, format!("Added **{}** to the game list.", game.as_str()))
            .await?;
        Ok(())
    } else {
        Err(CommandError::user(format!(
            "{} is already in the game list.",
            game.as_str()
        )))
    }
}

/// Remove a game from this server's list (its history stays).
#[poise::command(slash_command, guild_only)]
pub async fn remove(
    ctx: Context<'_>,
    #[description = "The game's name"]
    #[autocomplete = "checks::autocomplete_game"]
    name: String,
) -> Result<(), CommandError> {
    let (guild, _) = manager_settings(ctx).await?;
    let game = GameName::parse(&name).map_err(CommandError::User)?;
    if ctx.data().store.remove_game(guild, &game).await? {
        reply::text(ctx, format!(
            "Removed **{}** from the game list; its history stays.",
            game.as_str()
        ))
        .await?;
        Ok(())
    } else {
        Err(CommandError::user(format!(
            "{} is not in the game list.",
            game.as_str()
        )))
    }
}

/// List this server's games.
#[poise::command(slash_command, guild_only)]
pub async fn list(ctx: Context<'_>) -> Result<(), CommandError> {
    let (guild, _) = manager_settings(ctx).await?;
    let games = ctx.data().store.games(guild).await?;
    let text = if games.is_empty() {
        "The game list is empty; add one with /config games add.".to_owned()
    } else {
        games.join("\n")
    };
    reply::send(
        ctx,
        reply::public().embed(
            serenity::CreateEmbed::new()
                .title("Games")
                .description(text),
        ),
    )
    .await?;
    Ok(())
}

/// Who may record kills.
#[derive(Clone, Copy, Debug, poise::ChoiceParameter)]
pub enum TrackerMode {
    /// Every member.
    #[name = "everyone"]
    Everyone,
    /// Members with a role (and managers).
    #[name = "role"]
    Role,
    /// Managers only.
    #[name = "managers"]
    Managers,
}

/// Choose who may use /track: everyone, members with a role, or managers only.
#[poise::command(slash_command, guild_only, rename = "tracker-role")]
pub async fn tracker_role(
    ctx: Context<'_>,
    #[description = "Everyone, a role, or managers"] mode: TrackerMode,
    #[description = "The role, for mode \"role\""] role: Option<serenity::Role>,
) -> Result<(), CommandError> {
    let (guild, mut settings) = manager_settings(ctx).await?;
    settings.tracker_access = match (mode, role) {
        (TrackerMode::Everyone, None) => TrackerAccess::Everyone,
        (TrackerMode::Managers, None) => TrackerAccess::Managers,
        // @everyone's id is the guild's: every member has it, though Discord never lists it.
        (TrackerMode::Role, Some(role)) if role.id.get() == guild.0 => TrackerAccess::Everyone,
        (TrackerMode::Role, Some(role)) => TrackerAccess::Role(RoleId(role.id.get())),
        (TrackerMode::Role, None) => {
            return Err(CommandError::user("Pick the role trackers need."));
        }
        (_, Some(_)) => {
            return Err(CommandError::user(
                "A role only goes with mode \"role\"; leave it out for everyone or managers.",
            ));
        }
    };
    ctx.data().store.save_settings(guild, &settings).await?;
    let who = match settings.tracker_access {
        TrackerAccess::Everyone => "every member".to_owned(),
        TrackerAccess::Role(role) => format!("members with <@&{role}> and managers"),
        TrackerAccess::Managers => "managers only".to_owned(),
    };
    reply::text(ctx, format!("/track is now open to {who}.")).await?;
    Ok(())
}

/// Set (or clear) the role whose members count as managers, besides Manage Server.
#[poise::command(slash_command, guild_only, rename = "admin-role")]
pub async fn admin_role(
    ctx: Context<'_>,
    #[description = "The admin role; leave empty to clear it"] role: Option<serenity::Role>,
) -> Result<(), CommandError> {
    let (guild, mut settings) = manager_settings(ctx).await?;
    if role.as_ref().is_some_and(|role| role.id.get() == guild.0) {
        return Err(CommandError::user(
            "@everyone cannot be the admin role: that would make every member a manager.",
        ));
    }
    settings.admin_role_id = role.as_ref().map(|role| RoleId(role.id.get()));
    ctx.data().store.save_settings(guild, &settings).await?;
    let text = match settings.admin_role_id {
        Some(role) => format!("Members with <@&{role}> can now use manager commands."),
        None => "The admin role is cleared: only Manage Server counts.".to_owned(),
    };
    reply::text(ctx, text).await?;
    Ok(())
}

/// Set the emoji the bot adds to /track replies (a standard or a custom emoji).
#[poise::command(slash_command, guild_only)]
pub async fn reactions(
    ctx: Context<'_>,
    #[description = "The emoji; leave empty for the default 🎯"]
    #[max_length = 64]
    emoji: Option<String>,
) -> Result<(), CommandError> {
    let (guild, mut settings) = manager_settings(ctx).await?;
    let parsed = emoji
        .as_deref()
        .map(|typed| checks::server_emoji(ctx, typed))
        .transpose()?;
    settings.reaction_emoji = parsed.as_ref().map(ReactionEmoji::key);
    ctx.data().store.save_settings(guild, &settings).await?;
    let shown = parsed.map_or_else(
        || DEFAULT_TRACK_REACTION.to_owned(),
        |emoji| emoji.display(),
    );
    reply::text(ctx, format!("/track replies now get {shown}.")).await?;
    Ok(())
}

/// How many hours a session may go without a /track before it ends by itself.
#[poise::command(slash_command, guild_only, rename = "session-idle")]
pub async fn session_idle(
    ctx: Context<'_>,
    #[description = "Hours, 1 to 168 (default 6)"]
    #[min = 1]
    #[max = 168]
    hours: i64,
) -> Result<(), CommandError> {
    let (guild, mut settings) = manager_settings(ctx).await?;
    if !(1..=MAX_IDLE_HOURS).contains(&hours) {
        return Err(CommandError::user(format!(
            "The idle limit must be 1 to {MAX_IDLE_HOURS} hours."
        )));
    }
    settings.session_idle_minutes = u32::try_from(hours * 60).unwrap_or(u32::MAX);
    ctx.data().store.save_settings(guild, &settings).await?;
    reply::text(ctx, format!(
        "Sessions now end by themselves after {hours} h without a /track."
    ))
    .await?;
    Ok(())
}

/// How long raw activity (voice, messages, emojis, commands, games, joins) is kept here.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("retention_set", "retention_forever"),
    subcommand_required
)]
#[expect(
    clippy::unused_async,
    reason = "Discord only runs the subcommands; the parent answers forged or stale calls"
)]
pub async fn retention(ctx: Context<'_>) -> Result<(), CommandError> {
    checks::subcommand_required(ctx)
}

/// Keep raw activity for this many days; older rows are removed in the background.
#[poise::command(slash_command, guild_only, rename = "set")]
pub async fn retention_set(
    ctx: Context<'_>,
    #[description = "Days, 1 to 3650"]
    #[min = 1]
    #[max = 3650]
    days: i64,
) -> Result<(), CommandError> {
    let (guild, _) = manager_settings(ctx).await?;
    let days = RetentionDays::new(days).map_err(CommandError::User)?;
    let app = ctx.data();
    app.store.set_retention_days(guild, Some(days)).await?;
    app.retention.wake();
    reply::text(
        ctx,
        format!(
            "Raw activity is now kept for {} days: older voice stays, hourly counts, games and \
             joins are being removed in the background. Kill ledgers and seasons are never \
             removed. `/config status` shows the oldest row kept.",
            days.get()
        ),
    )
    .await?;
    Ok(())
}

/// Keep raw activity forever (the default).
#[poise::command(slash_command, guild_only, rename = "forever")]
pub async fn retention_forever(ctx: Context<'_>) -> Result<(), CommandError> {
    let (guild, _) = manager_settings(ctx).await?;
    ctx.data().store.set_retention_days(guild, None).await?;
    reply::text(ctx, "Raw activity is now kept forever.".to_owned()).await?;
    Ok(())
}

/// What trakker records here, which intents and permissions are missing, and what that costs.
#[poise::command(slash_command, guild_only)]
pub async fn status(ctx: Context<'_>) -> Result<(), CommandError> {
    let (guild, _) = manager_settings(ctx).await?;
    let app = ctx.data();
    let on = |enabled: bool| if enabled { "✅" } else { "⚠️" };
    let content = app.config.message_content_intent;
    let presence = app.config.presence_intent;
    let invites = !app.telemetry.invites_unreadable(guild);
    let opted_out = app.store.opted_out_members(guild).await?.len();
    let kept = match app.store.retention_days(guild).await? {
        Some(days) => format!("{} days", days.get()),
        None => "forever".to_owned(),
    };
    let oldest = app.store.oldest_activity(guild).await?.map_or_else(
        || "nothing recorded yet".to_owned(),
        |oldest| format!("<t:{}:D>", oldest.timestamp()),
    );
    let erasures = app.store.privacy_actions(guild, ERASURES_SHOWN).await?;
    let tracked = format!(
        "✅ Messages (count, attachments, replies, threads — never their text)\n\
         ✅ Reactions added and removed, per emoji\n\
         ✅ Voice time, moves, mute, deafen and streaming\n\
         ✅ Slash commands, trakker's and other apps'\n\
         {} Emojis inside messages{}\n\
         {} Time per game played{}\n\
         {} Invites: who invited whom{}",
        on(content),
        if content {
            ""
        } else {
            " — off: the operator has not enabled MESSAGE_CONTENT_INTENT, so only reactions count as emoji use"
        },
        on(presence),
        if presence {
            ""
        } else {
            " — off: the operator has not enabled PRESENCE_INTENT"
        },
        on(invites),
        if invites {
            ""
        } else {
            " — the bot lacks Manage Server here, so joins are recorded without their invite"
        },
    );
    let embed = serenity::CreateEmbed::new()
        .title("What trakker records here")
        .description(tracked)
        .field("Storage", app.store.backend().name(), true)
        .field("Cache", app.cache.backend().name(), true)
        .field(
            "Waiting to be written",
            format!("{} rows", app.ingest.pending_rows()),
            true,
        )
        .field(
            "Opted out",
            format!("{opted_out} members are never recorded"),
            true,
        )
        .field("Activity kept", kept, true)
        .field("Oldest activity kept", oldest, true)
        .field("Erasures by managers", erasures_text(&erasures), false);
    reply::send(ctx, reply::private().embed(embed))
        .await?;
    Ok(())
}

/// How many of the latest erasures by managers /config status lists.
const ERASURES_SHOWN: u32 = 5;

/// The latest erasures of members who left, newest first.
fn erasures_text(actions: &[PrivacyAction]) -> String {
    if actions.is_empty() {
        return "none".to_owned();
    }
    actions
        .iter()
        .map(|action| {
            format!(
                "<t:{}:d> {} erased the data of member {}",
                action.at.timestamp(),
                render::mention(action.actor),
                action.subject
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}
