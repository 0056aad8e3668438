//! The squad-stats part of the storage interface: the kill ledger, game sessions, seasons and each
//! guild's game list. [`SquadStore`] is a supertrait of [`super::Store`], so every store has it;
//! [`super::sql::SqlStore`] implements it for both databases in `sql/squad.rs`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::codec::{kind_from_db, StoredId};
use super::records::{GameSession, Season, SessionEnd};
use super::StoreError;
use crate::domain::board::{BoardScope, Standing};
use crate::domain::ids::{ChannelId, GuildId, UserId};
use crate::domain::kills::{LedgerEntry, NewEntry, Tally};
use crate::domain::names::{GameName, SeasonName, SessionName};

/// What [`SquadStore::record_kill`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    /// The entry as stored, with its id, session and season.
    pub entry: LedgerEntry,
    /// The player's total of this kind in the running season (all time when none runs),
    /// including this entry.
    pub season_total: i64,
    /// The running season's name, if one runs.
    pub season_name: Option<String>,
    /// Whether the request had been recorded before (a retry after a commit went unanswered):
    /// then nothing new was written.
    pub replayed: bool,
}

/// Why a session could not start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionStart {
    /// It started.
    Started(GameSession),
    /// One is already running in the channel; nothing was written.
    AlreadyRunning(GameSession),
}

/// A page of the ledger, newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HistoryPage {
    /// Up to the requested number of entries.
    pub entries: Vec<LedgerEntry>,
    /// Whether older entries exist beyond this page.
    pub has_older: bool,
}

/// Storage for squad stats. Every method filters by guild.
#[async_trait]
pub trait SquadStore: Send + Sync {
    /// The guild's game list, sorted by name without case.
    async fn games(&self, guild_id: GuildId) -> Result<Vec<String>, StoreError>;

    /// Adds a game; `false` when one with that name (ignoring case) is already listed. Unknown
    /// guild: [`StoreError::UnknownGuild`].
    async fn add_game(&self, guild_id: GuildId, game: &GameName) -> Result<bool, StoreError>;

    /// Removes a game from the list (its history stays); `false` when it was not listed.
    async fn remove_game(&self, guild_id: GuildId, game: &GameName) -> Result<bool, StoreError>;

    /// Appends an entry to the ledger in one transaction: it joins the session running in its
    /// channel (taking the session's game when the entry names none, and keeping the session
    /// awake) and the running season. Unknown guild: [`StoreError::UnknownGuild`].
    async fn record_kill(&self, entry: &NewEntry) -> Result<Recorded, StoreError>;

    /// One entry by its id.
    async fn ledger_entry(
        &self,
        guild_id: GuildId,
        id: i64,
    ) -> Result<Option<LedgerEntry>, StoreError>;

    /// The newest entry `recorded_by` made that is not undone.
    async fn last_entry_by(
        &self,
        guild_id: GuildId,
        recorded_by: UserId,
    ) -> Result<Option<LedgerEntry>, StoreError>;

    /// Marks an entry undone; returns it as it is now, or `None` when there is no such entry or it
    /// was already undone (nothing is written then).
    async fn undo_entry(
        &self,
        guild_id: GuildId,
        id: i64,
        by: UserId,
        at: DateTime<Utc>,
    ) -> Result<Option<LedgerEntry>, StoreError>;

    /// Up to `limit` entries, newest first, older than `before` (an entry id) when given, of one
    /// player or of everyone; undone entries included (marked).
    async fn history(
        &self,
        guild_id: GuildId,
        player: Option<UserId>,
        before: Option<i64>,
        limit: u32,
    ) -> Result<HistoryPage, StoreError>;

    /// What player stats need of every counting (not undone) entry of one player, in no
    /// particular order. Served from a covering index: a player's whole ledger in one index scan.
    async fn player_tallies(
        &self,
        guild_id: GuildId,
        player: UserId,
    ) -> Result<Vec<Tally>, StoreError>;

    /// Each player's total on a board, in no particular order (see [`crate::domain::board::ranked`]).
    async fn board_totals(
        &self,
        guild_id: GuildId,
        board: &BoardScope,
    ) -> Result<Vec<Standing>, StoreError>;

    /// The ledger folded for team stats: one entry per (player, game, session, kind) with the
    /// summed count and the earliest time, counting entries only, optionally limited to a season,
    /// a start time and a game (by name, ignoring case).
    async fn folded_entries(
        &self,
        guild_id: GuildId,
        season: Option<i64>,
        since: Option<DateTime<Utc>>,
        game: Option<&str>,
    ) -> Result<Vec<LedgerEntry>, StoreError>;

    /// Starts a session in a channel unless one is running there.
    async fn start_session(
        &self,
        guild_id: GuildId,
        channel_id: ChannelId,
        game: Option<&GameName>,
        name: Option<&SessionName>,
        by: UserId,
        at: DateTime<Utc>,
    ) -> Result<SessionStart, StoreError>;

    /// The session running in a channel.
    async fn running_session(
        &self,
        guild_id: GuildId,
        channel_id: ChannelId,
    ) -> Result<Option<GameSession>, StoreError>;

    /// Ends the session running in a channel; `None` when none was (nothing written). Only one of
    /// several concurrent callers gets the session back, so its summary is posted once.
    async fn end_session(
        &self,
        guild_id: GuildId,
        channel_id: ChannelId,
        by: Option<UserId>,
        at: DateTime<Utc>,
        reason: SessionEnd,
    ) -> Result<Option<GameSession>, StoreError>;

    /// Every counting entry of a session, oldest first.
    async fn session_entries(
        &self,
        guild_id: GuildId,
        session_id: i64,
    ) -> Result<Vec<LedgerEntry>, StoreError>;

    /// The latest ended session of the same game (no game matches no game) before `session_id`.
    async fn previous_session(
        &self,
        guild_id: GuildId,
        session: &GameSession,
    ) -> Result<Option<GameSession>, StoreError>;

    /// Running sessions of every guild whose last activity is older than their guild's idle
    /// limit at `now`.
    async fn idle_sessions(&self, now: DateTime<Utc>) -> Result<Vec<GameSession>, StoreError>;

    /// Starts a season, ending the running one first; returns the new season and the ended one.
    async fn start_season(
        &self,
        guild_id: GuildId,
        name: &SeasonName,
        by: UserId,
        at: DateTime<Utc>,
    ) -> Result<(Season, Option<Season>), StoreError>;

    /// Ends the running season; `None` when none runs.
    async fn end_season(
        &self,
        guild_id: GuildId,
        by: UserId,
        at: DateTime<Utc>,
    ) -> Result<Option<Season>, StoreError>;

    /// The running season.
    async fn running_season(&self, guild_id: GuildId) -> Result<Option<Season>, StoreError>;

    /// Every season of the guild, newest first.
    async fn seasons(&self, guild_id: GuildId) -> Result<Vec<Season>, StoreError>;
}

/// A `kill_ledger` row as both backends select it ([`LEDGER_COLUMNS`]), with the backend's time
/// type `T`: id, guild, player, kind, count, victim, note, recorded by, recorded at, channel, game,
/// session, season, undone at, undone by.
pub(super) type LedgerRow<T> = (
    i64,
    i64,
    i64,
    i64,
    i64,
    Option<i64>,
    Option<String>,
    i64,
    T,
    i64,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<T>,
    Option<i64>,
);

/// The columns of a [`LedgerRow`], in order; `kind` and `count` read as 64-bit on both backends.
pub(super) const LEDGER_COLUMNS: &str = "id, guild_id, player_id, CAST(kind AS BIGINT), \
     CAST(count AS BIGINT), victim_id, note, recorded_by, recorded_at, channel_id, game, \
     session_id, season_id, undone_at, undone_by";

/// An entry from its row; `time` turns the backend's time type into UTC.
pub(super) fn entry_from_row<T>(
    row: LedgerRow<T>,
    time: impl Fn(T) -> Result<DateTime<Utc>, sqlx::Error>,
) -> Result<LedgerEntry, sqlx::Error> {
    let (
        id,
        guild_id,
        player_id,
        kind,
        count,
        victim_id,
        note,
        recorded_by,
        recorded_at,
        channel_id,
        game,
        session_id,
        season_id,
        undone_at,
        undone_by,
    ) = row;
    Ok(LedgerEntry {
        id,
        guild_id: GuildId::from_db(guild_id),
        player_id: UserId::from_db(player_id),
        kind: kind_from_db(kind)?,
        count: u32::try_from(count)
            .map_err(|_| sqlx::Error::Decode(format!("kill count {count} out of range").into()))?,
        victim_id: victim_id.map(UserId::from_db),
        note,
        recorded_by: UserId::from_db(recorded_by),
        recorded_at: time(recorded_at)?,
        channel_id: ChannelId::from_db(channel_id),
        game,
        session_id,
        season_id,
        undone_at: undone_at.map(&time).transpose()?,
        undone_by: undone_by.map(UserId::from_db),
    })
}

/// A `game_sessions` row ([`SESSION_COLUMNS`]) with the backend's time type `T`.
pub(super) type SessionRow<T> = (
    i64,
    i64,
    i64,
    Option<String>,
    Option<String>,
    i64,
    T,
    T,
    Option<T>,
    Option<String>,
);

/// The columns of a [`SessionRow`], in order.
pub(super) const SESSION_COLUMNS: &str = "id, guild_id, channel_id, game, name, started_by, \
     started_at, last_activity_at, ended_at, end_reason";

/// A session from its row.
pub(super) fn session_from_row<T>(
    (
        id,
        guild_id,
        channel_id,
        game,
        name,
        started_by,
        started_at,
        last_activity_at,
        ended_at,
        end_reason,
    ): SessionRow<T>,
    time: impl Fn(T) -> Result<DateTime<Utc>, sqlx::Error>,
) -> Result<GameSession, sqlx::Error> {
    Ok(GameSession {
        id,
        guild_id: GuildId::from_db(guild_id),
        channel_id: ChannelId::from_db(channel_id),
        game,
        name,
        started_by: UserId::from_db(started_by),
        started_at: time(started_at)?,
        last_activity_at: time(last_activity_at)?,
        ended_at: ended_at.map(&time).transpose()?,
        end_reason: end_reason.as_deref().and_then(SessionEnd::from_db),
    })
}

/// A `seasons` row ([`SEASON_COLUMNS`]) with the backend's time type `T`.
pub(super) type SeasonRow<T> = (i64, i64, String, T, Option<T>);

/// The columns of a [`SeasonRow`], in order.
pub(super) const SEASON_COLUMNS: &str = "id, guild_id, name, started_at, ended_at";

/// A season from its row.
pub(super) fn season_from_row<T>(
    (id, guild_id, name, started_at, ended_at): SeasonRow<T>,
    time: impl Fn(T) -> Result<DateTime<Utc>, sqlx::Error>,
) -> Result<Season, sqlx::Error> {
    Ok(Season {
        id,
        guild_id: GuildId::from_db(guild_id),
        name,
        started_at: time(started_at)?,
        ended_at: ended_at.map(&time).transpose()?,
    })
}

/// A folded row of [`SquadStore::folded_entries`] as an entry: player, kind, game, session,
/// summed count, earliest time.
pub(super) fn folded_entry(
    guild_id: GuildId,
    (player_id, kind, game, session_id, count, first_at): (
        i64,
        i64,
        Option<String>,
        Option<i64>,
        i64,
        DateTime<Utc>,
    ),
) -> Result<LedgerEntry, sqlx::Error> {
    Ok(LedgerEntry {
        id: 0,
        guild_id,
        player_id: UserId::from_db(player_id),
        kind: kind_from_db(kind)?,
        count: u32::try_from(count).unwrap_or(u32::MAX),
        victim_id: None,
        note: None,
        recorded_by: UserId::from_db(player_id),
        recorded_at: first_at,
        channel_id: ChannelId(0),
        game,
        session_id,
        season_id: None,
        undone_at: None,
        undone_by: None,
    })
}

/// `columns` (comma-separated, plain names) each prefixed with a table alias such as `s.`.
pub(super) fn prefixed(columns: &str, alias: &str) -> String {
    columns
        .split(',')
        .map(|column| format!("{alias}{}", column.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A row of [`SquadStore::player_tallies`] with the backend's time type `T`: id, kind, count,
/// session, season, recorded at.
pub(super) type TallyRow<T> = (i64, i64, i64, Option<i64>, Option<i64>, T);

/// The columns of a [`TallyRow`], in order.
pub(super) const TALLY_COLUMNS: &str = "id, CAST(kind AS BIGINT), CAST(count AS BIGINT), \
     session_id, season_id, recorded_at";

/// A tally from its row.
pub(super) fn tally_from_row<T>(
    (id, kind, count, session_id, season_id, recorded_at): TallyRow<T>,
    time: impl Fn(T) -> Result<DateTime<Utc>, sqlx::Error>,
) -> Result<Tally, sqlx::Error> {
    Ok(Tally {
        id,
        kind: kind_from_db(kind)?,
        count: u32::try_from(count)
            .map_err(|_| sqlx::Error::Decode(format!("kill count {count} out of range").into()))?,
        session_id,
        season_id,
        recorded_at: time(recorded_at)?,
    })
}
