//! Tournaments in the store: the tournament row, its entrants and the append-only log of what
//! happened after the start, from which [`crate::domain::tournament::Tournament::replay`] rebuilds
//! the bracket. [`TournamentStore`] is a supertrait of [`super::Store`]; [`super::sql::SqlStore`]
//! implements it for both databases in `sql/tournaments.rs`.
//!
//! Every change is a compare-and-set on the tournament's state (and, for the log, on the next
//! event's number), so two processes or two clicks at once cannot start a tournament twice, add
//! an entrant to a started one or record two results for one match.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::domain::ids::{ChannelId, GuildId, UserId};
use crate::domain::tournament::{Event, Format, Seeding, State};

/// A tournament to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTournament {
    /// Its server.
    pub guild_id: GuildId,
    /// Its name, as the manager typed it.
    pub name: String,
    /// The game it is played in, if one.
    pub game: Option<String>,
    /// How matches are drawn.
    pub format: Format,
    /// Players per entrant: 1 for players, more for teams.
    pub team_size: u32,
    /// How entrants are ordered at the start.
    pub seeding: Seeding,
    /// Where it was created (and is announced).
    pub channel_id: ChannelId,
    /// The manager who created it.
    pub created_by: UserId,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A tournament as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TournamentRecord {
    /// Its number.
    pub id: i64,
    /// Its settings.
    pub settings: NewTournament,
    /// Where it stands.
    pub state: State,
    /// When it started.
    pub started_at: Option<DateTime<Utc>>,
    /// When it finished or was cancelled.
    pub ended_at: Option<DateTime<Utc>>,
}

/// One member entered in a tournament.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntrantRecord {
    /// Their place in the joining order, from 1.
    pub entry: u32,
    /// Who ([`UserId::ERASED`] once erased).
    pub user_id: UserId,
    /// When they joined.
    pub joined_at: DateTime<Utc>,
    /// Their entrant's seat (seed, from 0; a team's members share one), once started.
    pub seat: Option<u32>,
    /// When they left, after the start.
    pub left_at: Option<DateTime<Utc>>,
}

/// One event of a tournament's log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoggedEvent {
    /// What happened.
    pub event: Event,
    /// Who made it happen (the reporter, the deciding manager, the member who left).
    pub actor: UserId,
    /// When.
    pub at: DateTime<Utc>,
}

/// What joining did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Joined {
    /// Entered; the tournament now has this many entrants.
    Joined(u32),
    /// Entered already.
    Already,
    /// The tournament has as many entrants as it takes.
    Full,
    /// The tournament is not taking entrants (started, finished, cancelled or unknown).
    Closed,
}

/// What leaving did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Left {
    /// Before the start: the entry is gone.
    Withdrawn,
    /// After the start: marked as left, in this seat.
    LeftSeat(u32),
    /// Not entered (or left already).
    NotEntered,
    /// The tournament is over or unknown.
    Closed,
}

/// Tournaments, their entrants and their logs.
#[async_trait]
pub trait TournamentStore: Send + Sync {
    /// Creates a tournament, open for entrants; `None` when the server has one open or running
    /// already. An unknown guild is [`StoreError::UnknownGuild`].
    async fn create_tournament(&self, new: &NewTournament) -> Result<Option<i64>, StoreError>;

    /// The server's most recent tournament: the open or running one when there is one.
    async fn latest_tournament(
        &self,
        guild_id: GuildId,
    ) -> Result<Option<TournamentRecord>, StoreError>;

    /// One tournament of the server.
    async fn tournament(
        &self,
        guild_id: GuildId,
        id: i64,
    ) -> Result<Option<TournamentRecord>, StoreError>;

    /// Its entrants, in joining order.
    async fn tournament_entrants(
        &self,
        guild_id: GuildId,
        id: i64,
    ) -> Result<Vec<EntrantRecord>, StoreError>;

    /// Its log, oldest first.
    async fn tournament_log(
        &self,
        guild_id: GuildId,
        id: i64,
    ) -> Result<Vec<LoggedEvent>, StoreError>;

    /// Enters `user` while the tournament is open and has fewer than `most` entrants.
    async fn join_tournament(
        &self,
        guild_id: GuildId,
        id: i64,
        user: UserId,
        at: DateTime<Utc>,
        most: u32,
    ) -> Result<Joined, StoreError>;

    /// Takes `user` out: their entry goes before the start, and is marked as left after it.
    async fn leave_tournament(
        &self,
        guild_id: GuildId,
        id: i64,
        user: UserId,
        at: DateTime<Utc>,
    ) -> Result<Left, StoreError>;

    /// Starts an open tournament, giving each entry (by `entry`, held by the member given) its
    /// seat; `false` when it is not open any more or its entrants are not exactly those seated
    /// (someone joined or left meanwhile: draw again).
    async fn start_tournament(
        &self,
        guild_id: GuildId,
        id: i64,
        seats: &[(u32, UserId, u32)],
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Appends `event` as the log's event number `seq` (from 1) of a running tournament, and
    /// marks it finished when `finishes`; `false` when that number is taken (another event came
    /// first: replay and try again) or the tournament is not running.
    async fn append_tournament_event(
        &self,
        guild_id: GuildId,
        id: i64,
        seq: u32,
        event: &LoggedEvent,
        finishes: bool,
    ) -> Result<bool, StoreError>;

    /// Cancels an open or running tournament; `false` when it was neither.
    async fn cancel_tournament(
        &self,
        guild_id: GuildId,
        id: i64,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Kills (not team kills, undone entries left out) each of `players` tracked in
    /// `[from, to)`, in `game` when given (any spelling); players without any are left out.
    async fn kills_between(
        &self,
        guild_id: GuildId,
        players: &[UserId],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        game: Option<&str>,
    ) -> Result<Vec<(UserId, u64)>, StoreError>;
}
