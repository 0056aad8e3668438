//! What the daily post needs from Discord, as a trait: `discord/` implements it over serenity's
//! HTTP client, so the service decides *what* to post and *when* without importing serenity.

use async_trait::async_trait;

use crate::domain::ids::{ChannelId, GuildId, MessageId, UserId};

/// A post's text: the embed's title and description.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PostText {
    /// The embed's title (at most 256 characters).
    pub title: String,
    /// The embed's description (at most 4,096 characters).
    pub description: String,
}

/// A post as Discord has it now.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PostedMessage {
    /// The emojis the bot itself has reacted with.
    pub own_reactions: Vec<String>,
}

/// Why Discord refused or failed a call.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PortError {
    /// The message or channel no longer exists.
    #[error("the message or channel is gone")]
    Gone,
    /// The bot lacks a permission; the sentence says which, for the status command.
    #[error("{0}")]
    Forbidden(String),
    /// Anything else (network, Discord's own errors); worth another try later.
    #[error("{0}")]
    Failed(String),
}

/// The Discord calls the daily post makes.
#[async_trait]
pub trait PostChannel: Send + Sync {
    /// Whether this process's shards serve `guild`: only they post for it.
    fn serves(&self, guild: GuildId) -> bool;

    /// Sends a post; Discord drops a second send with the same `nonce` and returns the first.
    async fn send(
        &self,
        channel: ChannelId,
        nonce: &str,
        text: &PostText,
    ) -> Result<MessageId, PortError>;

    /// Replaces a post's text.
    async fn edit(
        &self,
        channel: ChannelId,
        message: MessageId,
        text: &PostText,
    ) -> Result<(), PortError>;

    /// Adds the bot's own reaction.
    async fn react(
        &self,
        channel: ChannelId,
        message: MessageId,
        emoji: &str,
    ) -> Result<(), PortError>;

    /// The post as Discord has it now; `Gone` when deleted.
    async fn fetch(
        &self,
        channel: ChannelId,
        message: MessageId,
    ) -> Result<PostedMessage, PortError>;

    /// The bot's own message titled `title` among the channel's latest messages, if any: a
    /// post sent before a crash, whose answer never reached the store.
    async fn find_own(
        &self,
        channel: ChannelId,
        title: &str,
    ) -> Result<Option<MessageId>, PortError>;

    /// Every member (bots left out) who reacted with `emoji`, all pages read.
    async fn reactors(
        &self,
        channel: ChannelId,
        message: MessageId,
        emoji: &str,
    ) -> Result<Vec<UserId>, PortError>;
}
