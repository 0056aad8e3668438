//! Bodies for what people do in a guild (post, react, talk in voice, invite, change presence),
//! and for the gateway controls and bulk generator used by tests and benchmarks.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::NameOrId;
use crate::snowflake::Snowflake;

/// A user posts a message: `POST /_fake/guilds/{guild}/messages`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct MessageSpec {
    /// Channel name or id (a text channel, or a thread).
    pub channel: NameOrId,
    /// Author name or id; must be a member.
    pub user: NameOrId,
    /// Text. `:name:` of a guild custom emoji becomes `<:name:id>`, as the Discord client does.
    #[serde(default)]
    pub content: String,
    /// Files the user uploads.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentSpec>,
    /// The message this one replies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<Snowflake>,
    /// Post inside a public thread of `channel` with this name (created on first use).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<String>,
}

impl MessageSpec {
    /// `user` says `content` in `channel`.
    #[must_use]
    pub fn new(
        channel: impl Into<NameOrId>,
        user: impl Into<NameOrId>,
        content: impl Into<String>,
    ) -> Self {
        Self {
            channel: channel.into(),
            user: user.into(),
            content: content.into(),
            ..Self::default()
        }
    }

    /// Attach a file.
    #[must_use]
    pub fn attach(mut self, attachment: AttachmentSpec) -> Self {
        self.attachments.push(attachment);
        self
    }

    /// Reply to a message.
    #[must_use]
    pub fn reply_to(mut self, message: impl Into<Snowflake>) -> Self {
        self.reply_to = Some(message.into());
        self
    }

    /// Post in the thread with this name under the channel.
    #[must_use]
    pub fn in_thread(mut self, name: impl Into<String>) -> Self {
        self.thread = Some(name.into());
        self
    }
}

/// A file a user uploads.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct AttachmentSpec {
    /// File name, e.g. `kills.csv`.
    pub filename: String,
    /// MIME type; guessed from the extension when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The bytes, base64-encoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_base64: Option<String>,
    /// The bytes as UTF-8 text (used when `data_base64` is absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl AttachmentSpec {
    /// A text file.
    #[must_use]
    pub fn text(filename: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            filename: filename.into(),
            text: Some(text.into()),
            ..Self::default()
        }
    }

    /// A binary file.
    #[must_use]
    pub fn bytes(filename: impl Into<String>, bytes: &[u8]) -> Self {
        use base64::Engine as _;
        Self {
            filename: filename.into(),
            data_base64: Some(base64::engine::general_purpose::STANDARD.encode(bytes)),
            ..Self::default()
        }
    }
}

/// The posted message.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PostedMessage {
    /// Message id.
    pub id: Snowflake,
    /// The channel (or thread) it is in.
    pub channel_id: Snowflake,
    /// Attachment ids, in the order given.
    #[serde(default)]
    pub attachment_ids: Vec<Snowflake>,
}

/// A user adds or removes a reaction: `POST` / `DELETE /_fake/guilds/{guild}/reactions`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReactionSpec {
    /// The message reacted to.
    pub message: Snowflake,
    /// Who reacts.
    pub user: NameOrId,
    /// A unicode emoji (`"🔥"`), a guild custom emoji by name (`"pog"`), or `"name:id"` /
    /// `"<:name:id>"`.
    pub emoji: String,
}

impl ReactionSpec {
    /// `user` reacts to `message` with `emoji`.
    #[must_use]
    pub fn new(message: impl Into<Snowflake>, user: impl Into<NameOrId>, emoji: &str) -> Self {
        Self {
            message: message.into(),
            user: user.into(),
            emoji: emoji.to_owned(),
        }
    }
}

/// A user's voice state changes: `POST /_fake/guilds/{guild}/voice`.
///
/// `channel: null` leaves voice. Flags left out keep their previous value (false on joining).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct VoiceSpec {
    /// Who.
    pub user: NameOrId,
    /// The voice channel to be in, or `None` to leave.
    #[serde(default)]
    pub channel: Option<NameOrId>,
    /// Muted themselves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_mute: Option<bool>,
    /// Deafened themselves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_deaf: Option<bool>,
    /// Streaming ("Go Live").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_stream: Option<bool>,
    /// Camera on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_video: Option<bool>,
}

impl VoiceSpec {
    /// `user` joins or moves to `channel`.
    #[must_use]
    pub fn join(user: impl Into<NameOrId>, channel: impl Into<NameOrId>) -> Self {
        Self {
            user: user.into(),
            channel: Some(channel.into()),
            ..Self::default()
        }
    }

    /// `user` leaves voice.
    #[must_use]
    pub fn leave(user: impl Into<NameOrId>) -> Self {
        Self {
            user: user.into(),
            ..Self::default()
        }
    }
}

/// Where a user is in voice after a [`VoiceSpec`].
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct VoiceChange {
    /// The voice channel, or `None` after leaving.
    pub channel_id: Option<Snowflake>,
    /// Whether anything changed (leaving while not in voice changes nothing).
    pub changed: bool,
}

/// A user creates an invite: `POST /_fake/guilds/{guild}/invites`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct InviteSpec {
    /// The channel it points at.
    pub channel: NameOrId,
    /// Who created it; the guild owner when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inviter: Option<NameOrId>,
    /// The code; random when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Uses allowed, 0 for unlimited.
    #[serde(default)]
    pub max_uses: u8,
    /// Lifetime in seconds, 0 for forever.
    #[serde(default)]
    pub max_age: u32,
    /// Temporary membership.
    #[serde(default)]
    pub temporary: bool,
}

/// An invite as fakecord holds it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InviteInfo {
    /// The code.
    pub code: String,
    /// The channel.
    pub channel_id: Snowflake,
    /// Who created it.
    pub inviter_id: Option<Snowflake>,
    /// How often it was used.
    pub uses: u64,
}

/// A user's presence changes: `POST /_fake/guilds/{guild}/presences`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PresenceSpec {
    /// Who.
    pub user: NameOrId,
    /// `online`, `idle`, `dnd` or `offline`.
    pub status: String,
    /// Activities as Discord shapes them, e.g. `{"name": "Squad", "type": 0}`.
    #[serde(default)]
    pub activities: Vec<Value>,
}

/// Which shard a gateway control targets: `POST /_fake/gateway/{reconnect,invalidate,drop}`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct GatewayAction {
    /// The shard id; every connected shard when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<u32>,
    /// For `invalidate`: whether the session may be resumed (`d` of op 9).
    #[serde(default)]
    pub resumable: bool,
}

/// The replay buffer's size: `POST /_fake/gateway/replay` (body and answer).
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct ReplaySettings {
    /// Dispatches kept per session for RESUME, from now on (at least one).
    pub capacity: usize,
}

/// How many shards or sessions an action reached.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Affected {
    /// Count of sessions reached.
    pub affected: usize,
}

/// A dispatch given verbatim: `POST /_fake/dispatch`. It is checked with serenity's models,
/// routed by `guild_id` and filtered by intents like any other event.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RawDispatch {
    /// The event name (`t`), e.g. `MESSAGE_CREATE`.
    pub event: String,
    /// The guild it belongs to (routes it to that guild's shard), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guild_id: Option<Snowflake>,
    /// The payload (`d`).
    pub data: Value,
}

/// Which events the bulk generator sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BulkKind {
    /// Members post messages in text channels (not kept in fakecord's state).
    MessageCreate,
    /// Members react to messages.
    ReactionAdd,
    /// Members join, move between and leave voice channels.
    VoiceState,
}

/// Send many events as fast as the bot reads them: `POST /_fake/bulk`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BulkSpec {
    /// What to send.
    pub kind: BulkKind,
    /// How many events.
    pub count: u64,
    /// The guild.
    pub guild_id: Snowflake,
    /// Users to pick from; otherwise the first `user_count` members (all when absent).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<Snowflake>,
    /// How many members to pick from when `users` is empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_count: Option<usize>,
    /// Channels to pick from (text for messages, voice for voice states); otherwise the first
    /// `channel_count` of the right kind (all when absent).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<Snowflake>,
    /// How many channels to pick from when `channels` is empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_count: Option<usize>,
    /// For reactions: the messages to react to; otherwise the bot's messages in the channels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub message_ids: Vec<Snowflake>,
    /// For reactions: the emojis to use; a few unicode ones when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emojis: Vec<String>,
}

impl BulkSpec {
    /// `count` events of `kind` in `guild`, using all its members and channels.
    #[must_use]
    pub fn new(kind: BulkKind, count: u64, guild: impl Into<Snowflake>) -> Self {
        Self {
            kind,
            count,
            guild_id: guild.into(),
            users: Vec::new(),
            user_count: None,
            channels: Vec::new(),
            channel_count: None,
            message_ids: Vec::new(),
            emojis: Vec::new(),
        }
    }
}

/// What the bulk generator did.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct BulkReport {
    /// Events written to the bot's socket(s).
    pub sent: u64,
    /// Wall time from the first event to the last one written.
    pub elapsed_ms: f64,
    /// `sent` per second.
    pub per_second: f64,
}
