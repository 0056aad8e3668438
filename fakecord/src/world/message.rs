//! Messages (by users and by the bot), their reactions, and stored file uploads.

use axum::body::Bytes;
use serde_json::Value;

use super::{Emoji, Nonce};
use crate::api::{AttachmentView, MessageView, ReactionView};
use crate::snowflake::Snowflake;

/// A message as it is now.
#[derive(Clone, Debug)]
pub(crate) struct StoredMessage {
    pub id: Snowflake,
    pub channel_id: Snowflake,
    pub guild_id: Option<Snowflake>,
    pub author_id: Snowflake,
    pub content: String,
    pub embeds: Vec<Value>,
    pub components: Vec<Value>,
    pub attachments: Vec<Snowflake>,
    pub reactions: Vec<Reactions>,
    pub flags: u64,
    /// Discord message type: 0 default, 19 reply, 20 slash-command answer.
    pub kind: u8,
    pub reply_to: Option<Snowflake>,
    pub timestamp: String,
    pub edited_timestamp: Option<String>,
    pub interaction: Option<InteractionStamp>,
    /// Set on interaction answers, which Discord sends through the application's webhook.
    pub webhook_id: Option<Snowflake>,
    pub mentions: Vec<Snowflake>,
    pub mention_roles: Vec<Snowflake>,
    pub deleted: bool,
    /// The nonce the bot created it with, echoed only in the create answer and
    /// `MESSAGE_CREATE`, as on Discord.
    pub nonce: Option<Nonce>,
}

/// Which interaction a bot message answers.
#[derive(Clone, Debug)]
pub(crate) struct InteractionStamp {
    pub id: Snowflake,
    /// Interaction type: 2 command, 3 component.
    pub kind: u8,
    pub name: String,
    pub user_id: Snowflake,
}

/// Everyone who reacted with one emoji.
#[derive(Clone, Debug)]
pub(crate) struct Reactions {
    pub emoji: Emoji,
    pub users: Vec<Snowflake>,
}

/// A file, kept with its bytes.
#[derive(Clone, Debug)]
pub(crate) struct StoredAttachment {
    pub id: Snowflake,
    pub filename: String,
    pub content_type: Option<String>,
    pub description: Option<String>,
    pub bytes: Bytes,
}

impl StoredAttachment {
    /// Where fakecord serves the bytes.
    pub(crate) fn url(&self, base: &str) -> String {
        format!("{base}/_fake/attachments/{}/{}", self.id, self.filename)
    }

    /// The control API's view.
    pub(crate) fn view(&self, base: &str) -> AttachmentView {
        AttachmentView {
            id: self.id,
            filename: self.filename.clone(),
            size: self.bytes.len() as u64,
            content_type: self.content_type.clone(),
            url: self.url(base),
        }
    }
}

impl StoredMessage {
    /// A plain message by `author` in `channel`.
    pub(crate) fn new(
        id: Snowflake,
        channel_id: Snowflake,
        guild_id: Option<Snowflake>,
        author_id: Snowflake,
        timestamp: String,
    ) -> Self {
        Self {
            id,
            channel_id,
            guild_id,
            author_id,
            content: String::new(),
            embeds: Vec::new(),
            components: Vec::new(),
            attachments: Vec::new(),
            reactions: Vec::new(),
            flags: 0,
            kind: 0,
            reply_to: None,
            timestamp,
            edited_timestamp: None,
            interaction: None,
            webhook_id: None,
            mentions: Vec::new(),
            mention_roles: Vec::new(),
            deleted: false,
            nonce: None,
        }
    }

    /// Adds `user` to the reactions with `emoji`; false if they had already reacted.
    pub(crate) fn add_reaction(&mut self, emoji: &Emoji, user: Snowflake) -> bool {
        match self.reactions.iter_mut().find(|r| r.emoji.same_as(emoji)) {
            Some(r) if r.users.contains(&user) => false,
            Some(r) => {
                r.users.push(user);
                true
            }
            None => {
                self.reactions.push(Reactions {
                    emoji: emoji.clone(),
                    users: vec![user],
                });
                true
            }
        }
    }

    /// Who reacted with `emoji`, in the order they reacted; empty when nobody did.
    pub(crate) fn reactors(&self, emoji: &Emoji) -> &[Snowflake] {
        self.reactions
            .iter()
            .find(|r| r.emoji.same_as(emoji))
            .map_or(&[], |r| r.users.as_slice())
    }

    /// Removes `user`'s reaction with `emoji`; false if there was none.
    pub(crate) fn remove_reaction(&mut self, emoji: &Emoji, user: Snowflake) -> bool {
        let Some(pos) = self.reactions.iter().position(|r| r.emoji.same_as(emoji)) else {
            return false;
        };
        let entry = &mut self.reactions[pos];
        let before = entry.users.len();
        entry.users.retain(|u| *u != user);
        let removed = entry.users.len() != before;
        if entry.users.is_empty() {
            self.reactions.remove(pos);
        }
        removed
    }

    /// The control API's view of the message.
    pub(crate) fn view(
        &self,
        bot_id: Snowflake,
        attachments: &std::collections::HashMap<Snowflake, StoredAttachment>,
        base: &str,
    ) -> MessageView {
        MessageView {
            id: self.id,
            channel_id: self.channel_id,
            guild_id: self.guild_id,
            author_id: self.author_id,
            by_bot: self.author_id == bot_id,
            content: self.content.clone(),
            embeds: self.embeds.clone(),
            components: self.components.clone(),
            attachments: self
                .attachments
                .iter()
                .filter_map(|id| attachments.get(id))
                .map(|a| a.view(base))
                .collect(),
            reactions: self
                .reactions
                .iter()
                .map(|r| ReactionView {
                    emoji: r.emoji.key(),
                    count: r.users.len(),
                    me: r.users.contains(&bot_id),
                    users: r.users.clone(),
                })
                .collect(),
            flags: self.flags,
            edited: self.edited_timestamp.is_some(),
            deleted: self.deleted,
            reply_to: self.reply_to,
            interaction_id: self.interaction.as_ref().map(|i| i.id),
        }
    }
}
