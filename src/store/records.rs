//! The rows the store reads and writes, as plain Rust values.

use chrono::{DateTime, Utc};

use crate::domain::ids::{GuildId, RoleId, UserId};

/// A guild the bot is or was in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuildRecord {
    /// The guild.
    pub id: GuildId,
    /// Its name when last seen.
    pub name: String,
    /// When the bot first saw it.
    pub joined_at: DateTime<Utc>,
    /// When the bot was removed from it, if it was.
    pub left_at: Option<DateTime<Utc>>,
}

/// Per-guild settings. Later features add fields (and columns, by migration).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GuildSettings {
    /// Members with this role may use manager commands even without Manage Server.
    pub admin_role_id: Option<RoleId>,
    /// IANA timezone used when a member has not chosen their own (e.g. `Europe/Berlin`).
    pub default_timezone: Option<String>,
}

/// A member (a user within one guild) as trakker knows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberRecord {
    /// The user.
    pub user_id: UserId,
    /// The name shown in the guild (nickname, global name or username) when last seen.
    pub display_name: String,
    /// Bots are stored so lookups succeed, but never tracked.
    pub is_bot: bool,
    /// When they joined the guild.
    pub joined_at: DateTime<Utc>,
    /// When they left, if they did.
    pub left_at: Option<DateTime<Utc>>,
    /// The member asked not to have their activity recorded.
    pub tracking_opt_out: bool,
}
