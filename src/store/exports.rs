//! A server's tables as rows for CSV exports, streamed: [`ExportStore::export_rows`] hands rows
//! over as the database returns them, through a small buffer, so an export of millions of rows
//! never holds more than a few thousand in memory. [`super::sql::SqlStore`] implements it for
//! both databases in `sql/exports.rs`.

use std::pin::Pin;

use chrono::{DateTime, Utc};
use futures::Stream;

use super::StoreError;
use crate::domain::csv::Field;
use crate::domain::ids::GuildId;

/// What an export holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExportTable {
    /// Every kill ledger entry, undone ones too (with when and by whom).
    Ledger,
    /// Each player's kills and team kills (undone entries left out).
    Players,
    /// Squad sessions with their kills and team kills.
    Sessions,
    /// Stays in voice channels.
    Voice,
    /// Per day and member: messages, reactions, emojis in messages, other apps' commands.
    Daily,
    /// Joins of the server with the invite used and who made it.
    Invites,
}

/// How a column's values are read and written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A Discord id (written unsigned).
    Id,
    /// A whole number.
    Int,
    /// Text.
    Text,
    /// A moment.
    Time,
    /// A UTC day, read as days since 1970.
    Day,
    /// Yes or no.
    Bool,
}

impl ExportTable {
    /// Every export, in the order the commands list them.
    pub const ALL: [Self; 6] = [
        Self::Ledger,
        Self::Players,
        Self::Sessions,
        Self::Voice,
        Self::Daily,
        Self::Invites,
    ];

    /// The export's name, used in file names and on the command line.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Ledger => "ledger",
            Self::Players => "players",
            Self::Sessions => "sessions",
            Self::Voice => "voice",
            Self::Daily => "daily",
            Self::Invites => "invites",
        }
    }

    /// The export named `name`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|table| table.name() == name)
    }

    /// The columns, in order: the header's names and how each value is read.
    #[must_use]
    pub const fn columns(self) -> &'static [(&'static str, Kind)] {
        use Kind::{Bool, Day, Id, Int, Text, Time};
        match self {
            Self::Ledger => &[
                ("entry", Int),
                ("recorded_at", Time),
                ("player_id", Id),
                ("kind", Text),
                ("count", Int),
                ("victim_id", Id),
                ("game", Text),
                ("session", Int),
                ("season", Int),
                ("recorded_by", Id),
                ("channel_id", Id),
                ("note", Text),
                ("undone_at", Time),
                ("undone_by", Id),
            ],
            Self::Players => &[
                ("player_id", Id),
                ("kills", Int),
                ("team_kills", Int),
                ("entries", Int),
            ],
            Self::Sessions => &[
                ("session", Int),
                ("name", Text),
                ("game", Text),
                ("channel_id", Id),
                ("started_at", Time),
                ("started_by", Id),
                ("ended_at", Time),
                ("ended_by", Id),
                ("end_reason", Text),
                ("kills", Int),
                ("team_kills", Int),
            ],
            Self::Voice => &[
                ("stay", Int),
                ("user_id", Id),
                ("channel_id", Id),
                ("joined_at", Time),
                ("left_at", Time),
                ("seconds", Int),
                ("afk", Bool),
            ],
            Self::Daily => &[
                ("day", Day),
                ("user_id", Id),
                ("messages", Int),
                ("reactions_added", Int),
                ("emojis_in_messages", Int),
                ("command_uses", Int),
            ],
            Self::Invites => &[
                ("joined_at", Time),
                ("user_id", Id),
                ("source", Text),
                ("invite_code", Text),
                ("inviter_id", Id),
                ("left_at", Time),
            ],
        }
    }
}

/// Rows as the database returns them; the first error ends the stream.
pub type ExportRows = Pin<Box<dyn Stream<Item = Result<Vec<Field>, StoreError>> + Send>>;

/// Streaming a server's tables. Every method filters by guild.
pub trait ExportStore: Send + Sync {
    /// The rows of `table` for `guild_id` whose time (recorded, started, joined; the day for
    /// [`ExportTable::Daily`]; the entries' for [`ExportTable::Players`]) is in
    /// `[since, until)`, `since` `None` for the beginning, in the table's order. Must be called
    /// inside a tokio runtime: a task reads the database while the caller consumes.
    fn export_rows(
        &self,
        guild_id: GuildId,
        table: ExportTable,
        since: Option<DateTime<Utc>>,
        until: DateTime<Utc>,
    ) -> ExportRows;
}
