//! Checks every command repeats on the server, in one place: which guild, who is calling and with
//! what permissions, whether a member option names a real member, and which game was meant.
//!
//! Discord's client enforces option types, ranges and `default_member_permissions`, but a forged
//! interaction skips all of it; what Discord itself computes (the member's permissions and the
//! resolved members of user options) cannot be forged, so the checks rely on that.

use poise::serenity_prelude as serenity;

use crate::discord::{CommandError, Context};
use crate::domain::access::Caller;
use crate::domain::ids::{GuildId, RoleId, UserId};
use crate::domain::names::{game_key, GameName};
use crate::domain::reaction::ReactionEmoji;
use crate::store::GuildSettings;

/// The guild the command runs in.
///
/// # Errors
/// A user error outside a guild (commands that need one are also marked `guild_only`).
pub fn guild(ctx: Context<'_>) -> Result<GuildId, CommandError> {
    ctx.guild_id()
        .map(|guild| GuildId(guild.get()))
        .ok_or_else(|| CommandError::user("This command only works inside a server."))
}

/// The answer of a command group invoked without a subcommand, which Discord's client never
/// sends but a forged or stale interaction can.
///
/// # Errors
/// Always: a user error listing the subcommands.
pub fn subcommand_required(ctx: Context<'_>) -> Result<(), CommandError> {
    Err(CommandError::User(
        crate::discord::error::choose_a_subcommand(ctx.command()),
    ))
}

/// The caller as Discord describes them in this interaction.
#[must_use]
pub fn caller(ctx: Context<'_>) -> Caller {
    let member = match ctx {
        poise::Context::Application(actx) => actx.interaction.member.as_deref(),
        poise::Context::Prefix(_) => None,
    };
    caller_of(ctx.author(), member)
}

/// Who clicked a button or menu, as Discord describes them in the click.
#[must_use]
pub fn clicker(click: &serenity::ComponentInteraction) -> Caller {
    caller_of(&click.user, click.member.as_ref())
}

fn caller_of(user: &serenity::User, member: Option<&serenity::Member>) -> Caller {
    Caller {
        user_id: UserId(user.id.get()),
        manage_guild: member
            .and_then(|member| member.permissions)
            .is_some_and(|permissions| permissions.manage_guild() || permissions.administrator()),
        roles: member
            .map(|member| member.roles.iter().map(|role| RoleId(role.get())).collect())
            .unwrap_or_default(),
    }
}

/// Checks the caller is a manager of the guild the command runs in; returns the guild.
///
/// # Errors
/// Outside a guild, for a caller who is not a manager, or when the store fails.
pub async fn manager_guild(ctx: Context<'_>) -> Result<GuildId, CommandError> {
    let guild = guild(ctx)?;
    let settings = ctx.data().store.settings(guild).await?;
    require_manager(&caller(ctx), &settings)?;
    Ok(guild)
}

/// Refuses callers who are not managers (Manage Server or the admin role).
///
/// # Errors
/// A user error naming what is needed.
pub fn require_manager(caller: &Caller, settings: &GuildSettings) -> Result<(), CommandError> {
    if caller.is_manager(settings.admin_role_id) {
        Ok(())
    } else {
        Err(CommandError::user(
            "You need the Manage Server permission or this server's admin role to do that.",
        ))
    }
}

/// The member a user option names, checked: in this guild and not a bot.
///
/// # Errors
/// A user error when the user is a bot or not a member of the guild.
pub fn member_option(ctx: Context<'_>, user: &serenity::User) -> Result<UserId, CommandError> {
    if user.bot {
        return Err(CommandError::user(format!(
            "{} is a bot; only members of the squad can have stats.",
            user.name
        )));
    }
    let in_guild = match ctx {
        poise::Context::Application(actx) => actx
            .interaction
            .data
            .resolved
            .members
            .contains_key(&user.id),
        poise::Context::Prefix(_) => false,
    };
    if !in_guild {
        return Err(CommandError::user(format!(
            "{} is not a member of this server.",
            user.name
        )));
    }
    Ok(UserId(user.id.get()))
}

/// The game named by a game option, as the guild's list spells it.
///
/// # Errors
/// A user error when the name is invalid or not in the guild's list.
pub async fn game_option(
    ctx: Context<'_>,
    guild: GuildId,
    typed: Option<&str>,
) -> Result<Option<GameName>, CommandError> {
    let Some(typed) = typed else {
        return Ok(None);
    };
    let wanted = GameName::parse(typed).map_err(CommandError::User)?;
    let games = ctx.data().store.games(guild).await?;
    games
        .iter()
        .find(|game| game_key(game) == wanted.key())
        .map(|game| GameName::parse(game).map_err(CommandError::User))
        .transpose()?
        .map(Some)
        .ok_or_else(|| {
            CommandError::user(format!(
                "{} is not in this server's game list; a manager can add it with /config games add.",
                wanted.as_str()
            ))
        })
}

/// Autocomplete for every game option: the guild's games containing what was typed.
pub async fn autocomplete_game(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let choices = match ctx.guild_id() {
        Some(guild) => match ctx.data().store.games(GuildId(guild.get())).await {
            Ok(games) => {
                let typed = game_key(partial);
                games
                    .into_iter()
                    .filter(|game| game_key(game).contains(&typed))
                    // Discord shows at most 25 choices.
                    .take(25)
                    .map(serenity::AutocompleteChoice::from)
                    .collect()
            }
            Err(error) => {
                tracing::warn!(%error, "could not list games for autocomplete");
                Vec::new()
            }
        },
        None => Vec::new(),
    };
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// An emoji a manager typed: a unicode emoji, or one of this server's custom emojis (the bot can
/// only show those).
///
/// # Errors
/// A sentence for the user when it is no emoji, or another server's.
pub fn server_emoji(ctx: Context<'_>, typed: &str) -> Result<ReactionEmoji, CommandError> {
    let parsed = ReactionEmoji::parse(typed).map_err(CommandError::User)?;
    if let ReactionEmoji::Custom { id, name, .. } = &parsed {
        let known = ctx.guild().is_some_and(|cached| {
            cached
                .emojis
                .contains_key(&serenity::EmojiId::new((*id).max(1)))
        });
        if !known {
            return Err(CommandError::user(format!(
                ":{name}: is not one of this server's emojis; pick one from this server."
            )));
        }
    }
    Ok(parsed)
}

/// The bot's permissions in `channel` of the command's server, from the gateway cache; `None`
/// when the cache cannot tell (then the post itself will say).
#[must_use]
pub fn bot_permissions_in(
    ctx: Context<'_>,
    channel: serenity::ChannelId,
) -> Option<serenity::Permissions> {
    let guild_id = ctx.guild_id()?;
    let bot = ctx.cache().current_user().id;
    let guild = ctx.cache().guild(guild_id)?;
    let (channel, member) = (guild.channels.get(&channel)?, guild.members.get(&bot)?);
    Some(guild.user_permissions_in(channel, member))
}
