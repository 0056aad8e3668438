//! The rows the store reads and writes, as plain Rust values.

use chrono::{DateTime, Utc};

pub use crate::domain::access::TrackerAccess;
use crate::domain::ids::{ChannelId, GuildId, RoleId, UserId};

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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuildSettings {
    /// Members with this role may use manager commands even without Manage Server.
    pub admin_role_id: Option<RoleId>,
    /// IANA timezone used when a member has not chosen their own (e.g. `Europe/Berlin`).
    pub default_timezone: Option<String>,
    /// Who may record kills with /track.
    pub tracker_access: TrackerAccess,
    /// The emoji the bot adds to a /track reply: unicode, or `name:id` for a custom emoji. The
    /// default ([`DEFAULT_TRACK_REACTION`]) when unset.
    pub reaction_emoji: Option<String>,
    /// A game session with no /track for this long ends by itself.
    pub session_idle_minutes: u32,
}

/// The reaction on /track replies when a guild has not chosen one.
pub const DEFAULT_TRACK_REACTION: &str = "🎯";

/// How long a session may go without a /track before it ends by itself: six hours.
pub const DEFAULT_SESSION_IDLE_MINUTES: u32 = 360;

impl Default for GuildSettings {
    fn default() -> Self {
        Self {
            admin_role_id: None,
            default_timezone: None,
            tracker_access: TrackerAccess::Everyone,
            reaction_emoji: None,
            session_idle_minutes: DEFAULT_SESSION_IDLE_MINUTES,
        }
    }
}

/// A game session: a squad playing together in one text channel, from /session start to its end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GameSession {
    /// The session's number.
    pub id: i64,
    /// The guild.
    pub guild_id: GuildId,
    /// The text channel it runs in (one running session per channel).
    pub channel_id: ChannelId,
    /// The game, if one was given.
    pub game: Option<String>,
    /// Its name, if one was given.
    pub name: Option<String>,
    /// Who started it.
    pub started_by: UserId,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// The last /track in it (or its start).
    pub last_activity_at: DateTime<Utc>,
    /// When it ended, if it did.
    pub ended_at: Option<DateTime<Utc>>,
    /// Why it ended.
    pub end_reason: Option<SessionEnd>,
}

/// Why a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionEnd {
    /// Someone ran /session end.
    Command,
    /// Nobody tracked anything for the guild's idle limit.
    Idle,
}

impl SessionEnd {
    /// The reason as stored.
    #[must_use]
    pub const fn to_db(self) -> &'static str {
        match self {
            Self::Command => "command",
            Self::Idle => "idle",
        }
    }

    /// The reason read back.
    #[must_use]
    pub fn from_db(text: &str) -> Option<Self> {
        match text {
            "command" => Some(Self::Command),
            "idle" => Some(Self::Idle),
            _ => None,
        }
    }
}

/// A season: how a squad "wipes". Entries are tagged with the season running when they were
/// recorded; nothing is deleted when a season ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Season {
    /// The season's number.
    pub id: i64,
    /// The guild.
    pub guild_id: GuildId,
    /// Its name.
    pub name: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it ended, if it did.
    pub ended_at: Option<DateTime<Utc>>,
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
