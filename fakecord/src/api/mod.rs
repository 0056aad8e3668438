//! The control API's request and response bodies, shared by the server (`/_fake/…` handlers)
//! and the typed [`crate::client::Fakecord`] client, so both sides always agree on the shape.
//!
//! Ids are [`Snowflake`]s and travel as strings. Wherever a request names a user, channel or
//! role it takes a [`NameOrId`]: the name given at creation (`"ada"`, `"general"`) or the id.

mod guild;
mod inspect;
mod interaction;
mod people;
mod permissions;

pub use guild::{
    ChannelKind, ChannelSpec, EmojiSpec, GuildInfo, GuildSpec, JoinSpec, MemberInfo, MemberSpec,
    NameError, RoleSpec,
};
pub use inspect::{
    AttachmentView, CommandRegistry, ErrorBody, MessageView, RateLimitHit, RateLimitReport,
    ReactionView, RecordedRequest, RequestFilter, SessionStatus, Status, UploadedFileView,
};
pub use interaction::{
    CommandInvocation, ComponentClick, InteractionOutcome, OptionSpec, ResponseKind,
};
pub use people::{
    Affected, AttachmentSpec, BulkKind, BulkReport, BulkSpec, GatewayAction, InviteInfo,
    InviteSpec, MessageSpec, PostedMessage, PresenceSpec, RawDispatch, ReactionSpec,
    ReplaySettings, VoiceChange, VoiceSpec,
};
pub use permissions::PermissionSet;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::snowflake::Snowflake;

/// A user, channel, role or emoji named by the name it was created with, or by its id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NameOrId(pub String);

impl NameOrId {
    /// The text as given.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id, if the text is one.
    #[must_use]
    pub fn as_id(&self) -> Option<Snowflake> {
        self.0.parse().ok()
    }
}

impl fmt::Display for NameOrId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for NameOrId {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl From<String> for NameOrId {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&String> for NameOrId {
    fn from(value: &String) -> Self {
        Self(value.clone())
    }
}

impl From<Snowflake> for NameOrId {
    fn from(value: Snowflake) -> Self {
        Self(value.to_string())
    }
}
