//! What the bot may do in a channel, and Discord's refusals when it may not: 50001 Missing
//! Access when it cannot see the channel, 50013 Missing Permissions when it sees it but lacks
//! what the request needs.
//!
//! Only the channel routes ask. Interaction responses and follow-ups do not: Discord lets an
//! app answer an interaction wherever it was used, whatever the channel denies the bot.

use serenity::model::Permissions;

use super::error::DiscordError;
use crate::api::ChannelKind;
use crate::snowflake::Snowflake;
use crate::world::World;

/// The bot's permissions in `channel`; all of them in a DM, where there is nothing to lack.
pub(crate) fn bot_permissions(
    world: &World,
    channel: Snowflake,
) -> Result<Permissions, DiscordError> {
    Ok(world
        .bot_permissions_in(channel)?
        .map_or_else(Permissions::all, Permissions::from_bits_retain))
}

/// Refuses the request unless the bot can see `channel` and has `needed` there.
pub(crate) fn require(
    world: &World,
    channel: Snowflake,
    needed: Permissions,
) -> Result<(), DiscordError> {
    let has = bot_permissions(world, channel)?;
    if !has.contains(Permissions::VIEW_CHANNEL) {
        Err(DiscordError::missing_access())
    } else if has.contains(needed) {
        Ok(())
    } else {
        Err(DiscordError::missing_permissions())
    }
}

/// What posting in `channel` takes: `SEND_MESSAGES`, or in a thread
/// `SEND_MESSAGES_IN_THREADS`, which Discord asks for there instead.
pub(crate) fn to_post(world: &World, channel: Snowflake) -> Permissions {
    let in_thread = world
        .guild_channel(channel)
        .is_ok_and(|(_, c)| c.kind == ChannelKind::Thread);
    if in_thread {
        Permissions::SEND_MESSAGES_IN_THREADS
    } else {
        Permissions::SEND_MESSAGES
    }
}
