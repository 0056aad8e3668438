//! /rank: the server's ranks, each a name and an emoji. Managers define them; members pick
//! theirs, and the emoji comes before their name on the daily post.

use poise::serenity_prelude as serenity;

use crate::discord::{checks, reply, CommandError, Context};
use crate::domain::ids::{GuildId, UserId};
use crate::domain::names::RankName;
use crate::domain::reaction::ReactionEmoji;
use crate::store::schedule::Rank;

/// The most ranks a server may define: as many as an autocomplete list shows.
pub const MAX_RANKS: usize = 25;

/// Ranks shown on the daily post: define them, pick yours.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("add", "remove", "list", "pick", "clear"),
    subcommand_required
)]
#[expect(
    clippy::unused_async,
    reason = "Discord only runs the subcommands; the parent answers forged or stale calls"
)]
pub async fn rank(ctx: Context<'_>) -> Result<(), CommandError> {
    checks::subcommand_required(ctx)
}

/// Whose rank a command changes: the caller's, or (managers only) another member's.
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

/// Add a rank, or change an existing rank's emoji (managers only).
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn add(
    ctx: Context<'_>,
    #[description = "The rank's name, like Captain"]
    #[max_length = 32]
    name: String,
    #[description = "Its emoji: a standard one or one of this server's"]
    #[max_length = 64]
    emoji: String,
) -> Result<(), CommandError> {
    let guild = checks::manager_guild(ctx).await?;
    let name = RankName::parse(&name).map_err(CommandError::User)?;
    let emoji = checks::server_emoji(ctx, &emoji)?;
    let app = ctx.data();
    let ranks = app.store.ranks(guild).await?;
    let known = ranks.iter().any(|rank| rank.key == name.key());
    if !known && ranks.len() >= MAX_RANKS {
        return Err(CommandError::user(format!(
            "This server has {MAX_RANKS} ranks, the most there can be; remove one first."
        )));
    }
    app.store
        .save_rank(
            guild,
            &Rank {
                key: name.key(),
                name: name.as_str().to_owned(),
                emoji: emoji.key(),
            },
        )
        .await?;
    app.schedules.refresh_today(guild).await?;
    reply::private_text(
        ctx,
        &format!(
            "{} {} is a rank here now; members pick it with /rank pick.",
            emoji.display(),
            name.as_str()
        ),
    )
    .await
}

/// Remove a rank; members who had it have none (managers only).
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn remove(
    ctx: Context<'_>,
    #[description = "The rank"]
    #[autocomplete = "autocomplete_rank"]
    #[max_length = 32]
    name: String,
) -> Result<(), CommandError> {
    let guild = checks::manager_guild(ctx).await?;
    let name = RankName::parse(&name).map_err(CommandError::User)?;
    if !ctx.data().store.remove_rank(guild, &name.key()).await? {
        return Err(unknown_rank(&name));
    }
    ctx.data().schedules.refresh_today(guild).await?;
    reply::private_text(ctx, &format!("The rank {} is removed.", name.as_str())).await
}

/// List the server's ranks.
#[poise::command(slash_command, guild_only)]
pub async fn list(ctx: Context<'_>) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let ranks = ctx.data().store.ranks(guild).await?;
    if ranks.is_empty() {
        return reply::private_text(
            ctx,
            "This server has no ranks yet; a manager adds them with /rank add.",
        )
        .await;
    }
    let lines: Vec<String> = ranks
        .iter()
        .map(|rank| format!("{} {}", shown(&rank.emoji), rank.name))
        .collect();
    reply::private_text(ctx, &lines.join("\n")).await
}

/// Pick your rank (a manager may pick a member's).
#[poise::command(slash_command, guild_only)]
pub async fn pick(
    ctx: Context<'_>,
    #[description = "The rank"]
    #[autocomplete = "autocomplete_rank"]
    #[max_length = 32]
    name: String,
    #[description = "Another member (managers only)"] member: Option<serenity::User>,
) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let user = target(ctx, guild, member.as_ref()).await?;
    let name = RankName::parse(&name).map_err(CommandError::User)?;
    let app = ctx.data();
    let ranks = app.store.ranks(guild).await?;
    let Some(rank) = ranks.iter().find(|rank| rank.key == name.key()) else {
        return Err(unknown_rank(&name));
    };
    // Removed meanwhile: the store refuses a rank it no longer has.
    if !app
        .store
        .set_member_rank(guild, user, Some(&rank.key))
        .await?
    {
        return Err(unknown_rank(&name));
    }
    app.schedules.refresh_today(guild).await?;
    reply::private_text(
        ctx,
        &format!("<@{user}> is now ranked {} {}.", shown(&rank.emoji), rank.name),
    )
    .await
}

/// Drop your rank (a manager may drop a member's).
#[poise::command(slash_command, guild_only)]
pub async fn clear(
    ctx: Context<'_>,
    #[description = "Another member (managers only)"] member: Option<serenity::User>,
) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let user = target(ctx, guild, member.as_ref()).await?;
    ctx.data().store.set_member_rank(guild, user, None).await?;
    ctx.data().schedules.refresh_today(guild).await?;
    reply::private_text(ctx, &format!("<@{user}> has no rank now.")).await
}

fn unknown_rank(name: &RankName) -> CommandError {
    CommandError::user(format!(
        "There is no rank {} here; /rank list shows them.",
        name.as_str()
    ))
}

/// A stored emoji as Discord shows it.
fn shown(key: &str) -> String {
    ReactionEmoji::from_key(key).map_or_else(|| key.to_owned(), |emoji| emoji.display())
}

/// Suggests the server's ranks matching what was typed so far.
async fn autocomplete_rank(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let choices = match ctx.guild_id() {
        Some(guild) => match ctx.data().store.ranks(GuildId(guild.get())).await {
            Ok(ranks) => {
                let typed = crate::domain::text::comparison_key(partial);
                ranks
                    .into_iter()
                    .filter(|rank| rank.key.contains(&typed))
                    .take(25)
                    .map(|rank| serenity::AutocompleteChoice::from(rank.name))
                    .collect()
            }
            Err(error) => {
                tracing::warn!(%error, "could not list ranks for autocomplete");
                Vec::new()
            }
        },
        None => Vec::new(),
    };
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}
