//! The whole database as portable rows: what `trakker backup`, `trakker restore` and
//! `trakker migrate-data` move. A row is a list of [`Value`]s whose kinds are the same on both
//! databases (a time is milliseconds since 1970 whether SQLite stores it so or Postgres as
//! `timestamptz`), so a backup of either restores into either.
//!
//! [`PortableStore::read_all`] reads every table inside one read-only transaction, a consistent
//! snapshot while the bot keeps writing; [`PortableStore::copy_in`] writes into one transaction
//! that commits only when every row is in, so an interrupted restore or copy leaves the target
//! as it was.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::domain::ids::GuildId;

/// How a column's values travel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ValueKind {
    /// A whole number (ids, counts, days as YYYYMMDD).
    Int,
    /// Text.
    Text,
    /// Yes or no.
    Bool,
    /// A moment, as milliseconds since 1970.
    Time,
}

impl ValueKind {
    /// The kind of `column` whose declared type is `declared` in either database. Times and
    /// yes-or-no values are named by convention, since SQLite declares both `INTEGER`.
    #[must_use]
    pub fn of(column: &str, declared: &str) -> Self {
        let declared = declared.to_ascii_lowercase();
        if column == "hour" || column == "at" || column.ends_with("_at") {
            Self::Time
        } else if BOOL_COLUMNS.contains(&column) {
            Self::Bool
        } else if declared.contains("char") || declared.contains("text") {
            Self::Text
        } else {
            Self::Int
        }
    }
}

/// Every yes-or-no column of the schema (a test checks the list against Postgres's catalogue).
pub const BOOL_COLUMNS: &[&str] = &[
    "afk",
    "deaf",
    "enabled",
    "games_seeded",
    "hidden",
    "is_bot",
    "mute",
    "private",
    "shame_badges",
    "self_deaf",
    "self_mute",
    "streaming",
    "tracking_opt_out",
    "video",
];

/// Tables other tables refer to, written first so references always find their row.
const PARENTS_FIRST: &[&str] = &[
    "guilds",
    "games",
    "seasons",
    "game_sessions",
    "ranks",
    "webhooks",
];

/// One value of a portable row.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// No value.
    Null,
    /// A whole number or a time in milliseconds.
    Int(i64),
    /// Yes or no.
    Bool(bool),
    /// Text.
    Text(String),
}

/// A table as one database has it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TableShape {
    /// The table.
    pub name: String,
    /// Its columns in order, with their kinds.
    pub columns: Vec<(String, ValueKind)>,
}

/// Orders `tables` so that referenced tables come first, the rest by name.
pub fn parents_first(tables: &mut [TableShape]) {
    tables.sort_by_key(|table| {
        let rank = PARENTS_FIRST
            .iter()
            .position(|parent| *parent == table.name)
            .unwrap_or(PARENTS_FIRST.len());
        (rank, table.name.clone())
    });
}

/// The database at a glance, as `trakker overview` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overview {
    /// The database's size on disk in bytes, as the database reports it.
    pub database_bytes: u64,
    /// Every server the database knows, the ones the bot is in first, then by name.
    pub guilds: Vec<GuildOverview>,
}

/// A server the database knows, read from its own table alone: cheap on any database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownGuild {
    /// The server.
    pub guild: GuildId,
    /// Its name when the bot last saw it.
    pub name: String,
    /// When the bot left it; `None` while the bot is in it.
    pub left_at: Option<DateTime<Utc>>,
}

/// One server in the [`Overview`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuildOverview {
    /// The server.
    pub guild: GuildId,
    /// Its name when the bot last saw it.
    pub name: String,
    /// When the bot left it; `None` while the bot is in it.
    pub left_at: Option<DateTime<Utc>>,
    /// Members recorded as present, bots left out.
    pub members: u64,
    /// Rows that name the server, in every table that has a server column.
    pub rows: u64,
    /// The latest message hour, voice stay or tracked kill recorded; `None` when there is none.
    pub last_activity: Option<DateTime<Utc>>,
}

/// Where [`PortableStore::read_all`] puts what it reads.
#[async_trait]
pub trait RowSink: Send {
    /// The rows that follow belong to `table`.
    async fn table(&mut self, table: &TableShape) -> Result<(), StoreError>;
    /// Rows of the current table, in its columns' order.
    async fn rows(&mut self, rows: Vec<Vec<Value>>) -> Result<(), StoreError>;
    /// The current table is complete with `rows` rows.
    async fn table_end(&mut self, rows: u64) -> Result<(), StoreError>;
}

/// A [`RowSink`] that writes into a database inside one transaction.
#[async_trait]
pub trait CopyIn: RowSink {
    /// Makes everything written visible at once; dropping it instead leaves nothing.
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
}

/// The whole database, table by table.
#[async_trait]
pub trait PortableStore: Send + Sync {
    /// The latest migration applied to the database (0 when none).
    async fn schema_version(&self) -> Result<i64, StoreError>;

    /// The latest migration this build carries: a backup of a later schema is refused.
    fn latest_migration(&self) -> i64;

    /// The database's tables (the migrator's own left out), referenced tables first.
    async fn tables(&self) -> Result<Vec<TableShape>, StoreError>;

    /// How many rows every table holds, by table.
    async fn row_counts(&self) -> Result<Vec<(String, u64)>, StoreError>;

    /// Every server the database knows, the ones the bot is in first, then by name. Reads one
    /// small table: the way to find or check a server without counting every table.
    async fn known_guilds(&self) -> Result<Vec<KnownGuild>, StoreError>;

    /// Every server's members, rows and last activity, and the database's size. It counts
    /// every table, so it takes a while on a large database; it only reads.
    async fn overview(&self) -> Result<Overview, StoreError>;

    /// Every row of every table into `sink`, in [`PortableStore::tables`]'s order, read in one
    /// read-only transaction: a consistent snapshot while the bot writes.
    async fn read_all(&self, sink: &mut dyn RowSink) -> Result<(), StoreError>;

    /// A transaction to write rows into, table by table: columns are matched by name (a table
    /// or column the database does not have is an error), rows already there by key are kept,
    /// and identity counters are moved past the written ids before the commit.
    async fn copy_in(&self) -> Result<Box<dyn CopyIn>, StoreError>;
}
