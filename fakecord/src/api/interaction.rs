//! Bodies for users invoking slash commands, clicking components and typing into autocomplete,
//! and the bot's answer fakecord hands back.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::inspect::{AttachmentView, MessageView};
use super::{NameOrId, PermissionSet};
use crate::snowflake::Snowflake;

/// A user runs a slash command: `POST /_fake/interactions/command` (and, with one option
/// marked `focused`, `POST /_fake/interactions/autocomplete`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CommandInvocation {
    /// The guild; a DM with the bot when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guild: Option<Snowflake>,
    /// The channel; the guild's first text channel when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<NameOrId>,
    /// Who runs it.
    pub user: NameOrId,
    /// The command as users type it: `"about"`, `"stats player"`, `"admin season start"`.
    pub command: String,
    /// Options of the (sub)command. Types are taken from the registered command when omitted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<OptionSpec>,
    /// The member's permissions in the channel; computed from their roles when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<PermissionSet>,
    /// The user's locale, `en-US` by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// How long to wait for the bot, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    /// Also wait for this many follow-up messages.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub followups: usize,
    /// Send the command as written even where the bot registered no such command or subcommand,
    /// as a client still holding an older command list does during a deploy (or a forged
    /// request). Options the bot did not register then need their `type`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stale: bool,
}

// serde's skip_serializing_if takes a function of `&T`.
#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde passes a reference"
)]
fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl CommandInvocation {
    /// `user` runs `command` in `guild`.
    #[must_use]
    pub fn new(
        guild: impl Into<Snowflake>,
        user: impl Into<NameOrId>,
        command: impl Into<String>,
    ) -> Self {
        Self {
            guild: Some(guild.into()),
            user: user.into(),
            command: command.into(),
            ..Self::default()
        }
    }

    /// `user` runs `command` in a DM with the bot.
    #[must_use]
    pub fn in_dm(user: impl Into<NameOrId>, command: impl Into<String>) -> Self {
        Self {
            user: user.into(),
            command: command.into(),
            ..Self::default()
        }
    }

    /// Run it in this channel.
    #[must_use]
    pub fn channel(mut self, channel: impl Into<NameOrId>) -> Self {
        self.channel = Some(channel.into());
        self
    }

    /// Add an option.
    #[must_use]
    pub fn option(mut self, option: OptionSpec) -> Self {
        self.options.push(option);
        self
    }

    /// Set the options.
    #[must_use]
    pub fn options(mut self, options: Vec<OptionSpec>) -> Self {
        self.options = options;
        self
    }

    /// The member has exactly these permissions.
    #[must_use]
    pub fn permissions(mut self, permissions: PermissionSet) -> Self {
        self.permissions = Some(permissions);
        self
    }

    /// Wait at most this long for the bot.
    #[must_use]
    pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
        self.timeout_ms = Some(u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX));
        self
    }

    /// Also wait for `n` follow-up messages.
    #[must_use]
    pub fn followups(mut self, n: usize) -> Self {
        self.followups = n;
        self
    }

    /// Send it even if the bot has no such command or subcommand (see [`Self::stale`]).
    #[must_use]
    pub fn stale(mut self) -> Self {
        self.stale = true;
        self
    }
}

/// One option value.
///
/// `value` is what the user picked: text, a number, a boolean, or for user/channel/role options
/// a name or id, which fakecord resolves and adds to `resolved` as Discord does.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct OptionSpec {
    /// The option's name.
    pub name: String,
    /// Discord's option type number (3 string, 4 integer, 5 boolean, 6 user, 7 channel, 8 role,
    /// 9 mentionable, 10 number); taken from the registered command when absent.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<u8>,
    /// The value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// The option the user is typing in (autocomplete).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub focused: bool,
}

impl OptionSpec {
    /// An option with a value; its type comes from the registered command.
    #[must_use]
    pub fn new(name: impl Into<String>, value: impl Into<Value>) -> Self {
        Self {
            name: name.into(),
            value: Some(value.into()),
            ..Self::default()
        }
    }

    /// An option with an explicit Discord type number.
    #[must_use]
    pub fn typed(mut self, kind: u8) -> Self {
        self.kind = Some(kind);
        self
    }

    /// Mark it as the option being typed in (autocomplete).
    #[must_use]
    pub fn focused(mut self) -> Self {
        self.focused = true;
        self
    }
}

/// A user clicks a button or picks select-menu values on a message (ephemeral ones included):
/// `POST /_fake/interactions/component`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ComponentClick {
    /// The message carrying the component.
    pub message: Snowflake,
    /// Who clicks.
    pub user: NameOrId,
    /// The component's `custom_id`.
    pub custom_id: String,
    /// Picked values, for select menus. Sent as given unless the click is `genuine`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// Click as Discord's client would let a user: the component must be on the message,
    /// enabled, and seen by the user (an ephemeral message only by whoever it answered); a
    /// string select's values must be among its options (each given by value or, as the user
    /// sees it, by label) and as many as its `min_values`..=`max_values`. A click that could
    /// not happen is refused with 400 before the bot sees anything. Without it (the default)
    /// the interaction is sent as described, as a forged request could be.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub genuine: bool,
    /// Component type (2 button, 3 string select, …); looked up in the message when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component_type: Option<u8>,
    /// The member's permissions; computed from their roles when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<PermissionSet>,
    /// How long to wait for the bot, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    /// Also wait for this many follow-up messages.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub followups: usize,
}

impl ComponentClick {
    /// `user` clicks the button `custom_id` on `message`.
    #[must_use]
    pub fn button(
        message: impl Into<Snowflake>,
        user: impl Into<NameOrId>,
        custom_id: impl Into<String>,
    ) -> Self {
        Self {
            message: message.into(),
            user: user.into(),
            custom_id: custom_id.into(),
            ..Self::default()
        }
    }

    /// `user` picks `values` in the select menu `custom_id` on `message`.
    #[must_use]
    pub fn select<I, S>(
        message: impl Into<Snowflake>,
        user: impl Into<NameOrId>,
        custom_id: impl Into<String>,
        values: I,
    ) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            message: message.into(),
            user: user.into(),
            custom_id: custom_id.into(),
            values: values.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
    }

    /// Only as a real user could click (see the `genuine` field).
    #[must_use]
    pub fn genuine(mut self) -> Self {
        self.genuine = true;
        self
    }

    /// Wait at most this long for the bot.
    #[must_use]
    pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
        self.timeout_ms = Some(u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX));
        self
    }

    /// Also wait for `n` follow-up messages.
    #[must_use]
    pub fn followups(mut self, n: usize) -> Self {
        self.followups = n;
        self
    }
}

/// How the bot answered an interaction (the callback `type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseKind {
    /// 4: a message.
    ChannelMessage,
    /// 5: "thinking…", the message comes later.
    DeferredChannelMessage,
    /// 6: acknowledged a component without a message.
    DeferredUpdateMessage,
    /// 7: edited the component's message.
    UpdateMessage,
    /// 8: autocomplete choices.
    AutocompleteResult,
    /// 9: opened a modal.
    Modal,
    /// Any other type number.
    Other,
}

impl ResponseKind {
    /// The kind for a callback type number.
    #[must_use]
    pub fn from_type(kind: u64) -> Self {
        match kind {
            4 => Self::ChannelMessage,
            5 => Self::DeferredChannelMessage,
            6 => Self::DeferredUpdateMessage,
            7 => Self::UpdateMessage,
            8 => Self::AutocompleteResult,
            9 => Self::Modal,
            _ => Self::Other,
        }
    }
}

/// The bot's answer to an interaction.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InteractionOutcome {
    /// The interaction id.
    pub interaction_id: Snowflake,
    /// The interaction token (also the webhook token for follow-ups).
    pub token: String,
    /// The callback type number the bot answered with.
    pub response_type: u8,
    /// The same, by name.
    pub kind: ResponseKind,
    /// Whether the bot deferred first (type 5 or 6).
    pub deferred: bool,
    /// Whether the answer is only visible to the user (`flags & 64`).
    pub ephemeral: bool,
    /// Message flags of the answer.
    pub flags: u64,
    /// Text of the answer (after any edit of the original response).
    pub content: String,
    /// Embeds of the answer.
    pub embeds: Vec<Value>,
    /// Components (action rows) of the answer.
    pub components: Vec<Value>,
    /// Files of the answer; bytes at `GET /_fake/attachments/{id}`.
    pub attachments: Vec<AttachmentView>,
    /// Autocomplete choices (type 8).
    pub choices: Vec<Value>,
    /// The modal's data (type 9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modal: Option<Value>,
    /// The message holding the answer, if there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<Snowflake>,
    /// Follow-up messages, oldest first.
    pub followups: Vec<MessageView>,
    /// Microseconds from `INTERACTION_CREATE` being queued on the bot's gateway connection to
    /// the bot's callback (`POST /interactions/{id}/{token}/callback`) reaching fakecord: the
    /// bot's latency to its first answer, for benchmarks. For a deferred answer (type 5) it
    /// measures the deferral, not the later edit. `None` before the bot called back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_micros: Option<u64>,
}
