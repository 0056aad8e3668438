//! Tournaments between checking a command's input and rendering its reply: creating one, members
//! joining and leaving, the draw at the start (random or by season kills, players dealt into
//! teams), results reported by the players or decided by a manager, and cancelling.
//!
//! The rules live in [`crate::domain::tournament`]; this module maps members to seats and keeps
//! the log in the store. Each result is checked against the bracket replayed from the log and
//! appended under the next event number, so two reports racing for one match cannot both count:
//! the second one finds its number taken, replays, and is checked again.

use chrono::{DateTime, Utc};
use rand::Rng;

use crate::domain::board::{BoardScope, Period};
use crate::domain::ids::{GuildId, UserId};
use crate::domain::kills::KillKind;
use crate::domain::tournament::{self, Event, Format, Outcome, Refusal, State, Tournament};
use crate::store::tournaments::{
    EntrantRecord, Joined, Left, LoggedEvent, NewTournament, TournamentRecord,
};
use crate::store::{Store, StoreError};

/// How often an event is checked again after another one took its number.
const ATTEMPTS: usize = 8;

/// Why a tournament action did not happen.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Refused; the sentence says why and what to do instead.
    #[error("{0}")]
    Refused(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn refused<T>(sentence: impl Into<String>) -> Result<T, Failure> {
    Err(Failure::Refused(sentence.into()))
}

impl From<Refusal> for Failure {
    fn from(refusal: Refusal) -> Self {
        let mut sentence = refusal.to_string();
        if let Some(first) = sentence.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        Self::Refused(format!("{sentence}."))
    }
}

/// When a match could be played and when it was settled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MatchTimes {
    /// When both its players were known.
    pub opened: Option<DateTime<Utc>>,
    /// When it was settled.
    pub settled: Option<DateTime<Utc>>,
}

/// A tournament as read from the store, its bracket replayed.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The tournament.
    pub record: TournamentRecord,
    /// Its entrants, in joining order.
    pub entrants: Vec<EntrantRecord>,
    /// What happened after the start.
    pub log: Vec<LoggedEvent>,
    /// The bracket, once started (cancelled half-way: as it stood).
    pub bracket: Option<Tournament>,
    /// The members of each seat (one for players), by seat.
    pub seats: Vec<Vec<UserId>>,
    /// Each match's times, by match number − 1.
    pub times: Vec<MatchTimes>,
}

impl Loaded {
    /// The seat `user` plays in, when entered and not left.
    #[must_use]
    pub fn seat_of(&self, user: UserId) -> Option<tournament::Entrant> {
        self.entrants
            .iter()
            .find(|entrant| entrant.user_id == user && !user.is_erased())
            .filter(|entrant| entrant.left_at.is_none())
            .and_then(|entrant| entrant.seat)
            .and_then(|seat| usize::try_from(seat).ok())
    }

    /// The most entrants (members) it takes.
    #[must_use]
    pub fn most_members(&self) -> u32 {
        most_members(&self.record.settings)
    }
}

/// The most members a tournament takes: its format's most entrants, times the team size.
#[must_use]
pub fn most_members(settings: &NewTournament) -> u32 {
    let entrants = u32::try_from(settings.format.max_entrants()).unwrap_or(u32::MAX);
    entrants.saturating_mul(settings.team_size.max(1))
}

/// The tournament with its bracket rebuilt from the log.
///
/// # Errors
/// When the store fails.
pub async fn load(store: &dyn Store, record: TournamentRecord) -> Result<Loaded, StoreError> {
    let guild = record.settings.guild_id;
    let entrants = store.tournament_entrants(guild, record.id).await?;
    let log = store.tournament_log(guild, record.id).await?;
    let mut seats: Vec<Vec<UserId>> = Vec::new();
    for entrant in &entrants {
        if let Some(seat) = entrant.seat.and_then(|seat| usize::try_from(seat).ok()) {
            if seats.len() <= seat {
                seats.resize(seat + 1, Vec::new());
            }
            seats[seat].push(entrant.user_id);
        }
    }
    let (bracket, times) = match record.started_at {
        Some(started) if !seats.is_empty() => {
            match Tournament::new(record.settings.format, seats.len()) {
                Ok(mut bracket) => {
                    let mut times = vec![MatchTimes::default(); bracket.matches().len()];
                    stamp(&bracket, &mut times, started);
                    for logged in &log {
                        let _ = bracket.apply(&logged.event);
                        stamp(&bracket, &mut times, logged.at);
                    }
                    (Some(bracket), times)
                }
                Err(_) => (None, Vec::new()),
            }
        }
        _ => (None, Vec::new()),
    };
    Ok(Loaded {
        record,
        entrants,
        log,
        bracket,
        seats,
        times,
    })
}

/// Notes `at` as the opening or settling time of the matches that have just opened or settled.
fn stamp(bracket: &Tournament, times: &mut [MatchTimes], at: DateTime<Utc>) {
    for (game, time) in bracket.matches().iter().zip(times.iter_mut()) {
        if !matches!(game.outcome, Outcome::Waiting) && time.opened.is_none() {
            time.opened = Some(at);
        }
        if game.winner().is_some() && time.settled.is_none() {
            time.settled = Some(at);
        }
    }
}

/// The server's open or running tournament.
///
/// # Errors
/// [`Failure::Refused`] when there is none.
pub async fn current(store: &dyn Store, guild: GuildId) -> Result<Loaded, Failure> {
    match store.latest_tournament(guild).await? {
        Some(record) if record.state.is_active() => Ok(load(store, record).await?),
        _ => refused(
            "No tournament is open or running here; a manager creates one with /tournament create.",
        ),
    }
}

/// The server's most recent tournament, whatever its state.
///
/// # Errors
/// [`Failure::Refused`] when the server never had one.
pub async fn latest(store: &dyn Store, guild: GuildId) -> Result<Loaded, Failure> {
    match store.latest_tournament(guild).await? {
        Some(record) => Ok(load(store, record).await?),
        None => refused(
            "This server has had no tournament yet; a manager creates one with /tournament create.",
        ),
    }
}

/// Creates a tournament; its number.
///
/// # Errors
/// [`Failure::Refused`] when one is open or running already.
pub async fn create(store: &dyn Store, new: &NewTournament) -> Result<i64, Failure> {
    if let Some(id) = store.create_tournament(new).await? {
        return Ok(id);
    }
    let name = store
        .latest_tournament(new.guild_id)
        .await?
        .map_or_else(String::new, |record| format!(" ({})", record.settings.name));
    refused(format!(
        "A tournament is open or running here already{name}: finish or /tournament cancel it first."
    ))
}

/// Enters `user` in tournament `id`; the tournament as it is then.
///
/// # Errors
/// [`Failure::Refused`] when entered already, full, or no longer open.
pub async fn join(
    store: &dyn Store,
    guild: GuildId,
    id: i64,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<Loaded, Failure> {
    let Some(record) = store.tournament(guild, id).await? else {
        return refused("That tournament does not exist here.");
    };
    let most = most_members(&record.settings);
    match store.join_tournament(guild, id, user, now, most).await? {
        Joined::Joined(_) => Ok(load(store, record).await?),
        Joined::Already => refused("You are in already; press Leave to withdraw."),
        Joined::Full => refused(format!("The tournament is full ({most} entrants).")),
        Joined::Closed => refused("This tournament is not taking entrants any more."),
    }
}

/// What leaving did, with the tournament as it is then.
#[derive(Clone, Debug)]
pub struct Leaving {
    /// The tournament afterwards.
    pub loaded: Loaded,
    /// Matches settled as walkovers because of it.
    pub settled: Vec<u32>,
}

/// Takes `user` out of tournament `id`. After the start, a player's matches become walkovers
/// for their opponents; a team plays on until its last member leaves.
///
/// # Errors
/// [`Failure::Refused`] when not entered or the tournament is over.
pub async fn leave(
    store: &dyn Store,
    guild: GuildId,
    id: i64,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<Leaving, Failure> {
    // Read after the leave, so the state is the one the leave saw or a later one.
    let left = store.leave_tournament(guild, id, user, now).await?;
    let Some(record) = store.tournament(guild, id).await? else {
        return refused("That tournament does not exist here.");
    };
    let loaded = load(store, record).await?;
    // Their seat, when they left it and it still waits for its withdrawal.
    let unfinished = loaded
        .entrants
        .iter()
        .find(|entrant| entrant.user_id == user && entrant.left_at.is_some())
        .and_then(|entrant| usize::try_from(entrant.seat?).ok())
        .filter(|seat| {
            gone_seats(&loaded).contains(seat)
                && loaded
                    .bracket
                    .as_ref()
                    .is_some_and(|bracket| !bracket.has_withdrawn(*seat))
        });
    match left {
        Left::Closed => refused("This tournament is over."),
        Left::Withdrawn => Ok(Leaving {
            loaded,
            settled: Vec::new(),
        }),
        // Leaving again after the start makes the withdrawal a failed first try did not.
        Left::NotEntered if unfinished.is_none() || loaded.record.state != State::Running => {
            refused("You are not in this tournament.")
        }
        Left::NotEntered | Left::LeftSeat(_) => {
            match append(store, loaded, None, user, now).await {
                Ok((loaded, settled)) => Ok(Leaving { loaded, settled }),
                Err(error) => {
                    // The tournament ended meanwhile: leaving changes nothing more.
                    let after = store.tournament(guild, id).await?;
                    match after {
                        Some(after) if after.state != State::Running => Ok(Leaving {
                            loaded: load(store, after).await?,
                            settled: Vec::new(),
                        }),
                        _ => Err(error),
                    }
                }
            }
        }
    }
}

/// Draws the seats and starts the server's open tournament.
///
/// # Errors
/// [`Failure::Refused`] when there is none open or too few (or too many) entrants.
pub async fn start(
    store: &dyn Store,
    guild: GuildId,
    now: DateTime<Utc>,
) -> Result<Loaded, Failure> {
    for _ in 0..ATTEMPTS {
        let loaded = current(store, guild).await?;
        if loaded.record.state != State::Open {
            return refused("The tournament has started already.");
        }
        let seats = draw(store, &loaded, now).await?;
        if !store
            .start_tournament(guild, loaded.record.id, &seats, now)
            .await?
        {
            // Someone joined or left during the draw, or another start won: look again.
            continue;
        }
        let Some(record) = store.tournament(guild, loaded.record.id).await? else {
            return refused("That tournament does not exist here.");
        };
        return Ok(load(store, record).await?);
    }
    refused("Entrants kept changing during the draw; try /tournament start again.")
}

/// Each entry's seat: entrants ordered by the draw (or season kills), then dealt into teams.
async fn draw(
    store: &dyn Store,
    loaded: &Loaded,
    now: DateTime<Utc>,
) -> Result<Vec<(u32, UserId, u32)>, Failure> {
    let settings = &loaded.record.settings;
    let team_size = usize::try_from(settings.team_size.max(1)).unwrap_or(1);
    let entries: Vec<(EntrantRecord, u64)> = {
        let mut rng = rand::thread_rng();
        loaded
            .entrants
            .iter()
            .map(|entrant| (*entrant, rng.gen()))
            .collect()
    };
    let kills = match settings.seeding {
        tournament::Seeding::Random => None,
        tournament::Seeding::Kills => {
            let season = store.running_season(settings.guild_id).await?;
            let span = Period::Season.span(now, season.map(|season| season.id));
            let board = BoardScope::new(KillKind::Kill, span, settings.game.as_deref());
            let totals = store.board_totals(settings.guild_id, &board).await?;
            Some(
                entries
                    .iter()
                    .map(|(entrant, _)| {
                        totals
                            .iter()
                            .find(|standing| standing.player == entrant.user_id)
                            .map_or(0, |standing| u64::try_from(standing.total).unwrap_or(0))
                    })
                    .collect::<Vec<u64>>(),
            )
        }
    };
    let order = tournament::seed(&entries, kills.as_deref());
    let teams = tournament::teams(&order, team_size);
    let format = settings.format;
    let count = teams.len();
    let noun = if team_size > 1 { "teams" } else { "players" };
    if count < tournament::MIN_ENTRANTS {
        return refused(format!(
            "A tournament needs at least {} {noun}; it has {count} ({} entered).",
            tournament::MIN_ENTRANTS,
            order.len()
        ));
    }
    if count > format.max_entrants() {
        return refused(format!(
            "A {} tournament takes at most {} {noun}; it has {count}.",
            format.key(),
            format.max_entrants()
        ));
    }
    let mut seats = Vec::with_capacity(order.len());
    for (seat, team) in teams.iter().enumerate() {
        for entrant in team {
            seats.push((
                entrant.entry,
                entrant.user_id,
                u32::try_from(seat).unwrap_or(u32::MAX),
            ));
        }
    }
    Ok(seats)
}

/// What a result did.
#[derive(Clone, Debug)]
pub struct Progress {
    /// The tournament afterwards.
    pub loaded: Loaded,
    /// The matches it settled, walkovers that followed included (none while the two reports
    /// disagree or only one is in).
    pub settled: Vec<u32>,
}

/// `user` reports that `winner` (a member of the winning side) won match `number`.
///
/// # Errors
/// [`Failure::Refused`] when the reporter or winner is not in the match, or the match is not
/// open.
pub async fn report(
    store: &dyn Store,
    guild: GuildId,
    user: UserId,
    number: u32,
    winner: UserId,
    now: DateTime<Utc>,
) -> Result<Progress, Failure> {
    let loaded = running(store, guild).await?;
    let Some(by) = loaded.seat_of(user) else {
        return refused(format!(
            "Only the two players of match {number} report its result (or a manager decides it); you are not playing in this tournament."
        ));
    };
    let Some(winner) = loaded.seat_of(winner) else {
        return Err(Refusal::WinnerNotInMatch(number).into());
    };
    let event = Event::Report { number, by, winner };
    let (loaded, settled) = append(store, loaded, Some(event), user, now).await?;
    Ok(Progress { loaded, settled })
}

/// A manager decides that `winner`'s side won match `number`.
///
/// # Errors
/// [`Failure::Refused`] when the winner is not in the match or the match is not open.
pub async fn decide(
    store: &dyn Store,
    guild: GuildId,
    by: UserId,
    number: u32,
    winner: UserId,
    now: DateTime<Utc>,
) -> Result<Progress, Failure> {
    let loaded = running(store, guild).await?;
    let Some(winner) = loaded.seat_of(winner) else {
        return Err(Refusal::WinnerNotInMatch(number).into());
    };
    let event = Event::Decide { number, winner };
    let (loaded, settled) = append(store, loaded, Some(event), by, now).await?;
    Ok(Progress { loaded, settled })
}

/// Cancels the server's open or running tournament; it as it stood.
///
/// # Errors
/// [`Failure::Refused`] when there is none.
pub async fn cancel(
    store: &dyn Store,
    guild: GuildId,
    now: DateTime<Utc>,
) -> Result<Loaded, Failure> {
    let loaded = current(store, guild).await?;
    if !store
        .cancel_tournament(guild, loaded.record.id, now)
        .await?
    {
        return refused("The tournament ended meanwhile; nothing was cancelled.");
    }
    let Some(record) = store.tournament(guild, loaded.record.id).await? else {
        return refused("That tournament does not exist here.");
    };
    Ok(load(store, record).await?)
}

async fn running(store: &dyn Store, guild: GuildId) -> Result<Loaded, Failure> {
    let loaded = current(store, guild).await?;
    if loaded.record.state != State::Running {
        return refused(
            "The tournament has not started yet; a manager starts it with /tournament start.",
        );
    }
    Ok(loaded)
}

/// Checks `event` against the bracket replayed from the log and appends it under the next
/// number, again after a replay when another event took that number first. Seats whose members
/// have all gone (left, or erased) are withdrawn first, so a withdrawal whose first try failed is
/// made by the next event; with no `event`, only that is done.
async fn append(
    store: &dyn Store,
    mut loaded: Loaded,
    event: Option<Event>,
    actor: UserId,
    now: DateTime<Utc>,
) -> Result<(Loaded, Vec<u32>), Failure> {
    let (guild, id) = (loaded.record.settings.guild_id, loaded.record.id);
    let mut settled = Vec::new();
    for _ in 0..ATTEMPTS {
        match loaded.record.state {
            State::Running => {}
            State::Cancelled => return refused("The tournament was cancelled."),
            State::Finished => return refused("The tournament is over."),
            State::Open => return refused("The tournament has not started yet."),
        }
        let Some(mut bracket) = loaded.bracket.clone() else {
            return refused("The tournament has no bracket.");
        };
        let withdrawal = gone_seats(&loaded)
            .into_iter()
            .find(|seat| !bracket.has_withdrawn(*seat))
            .map(|entrant| Event::Withdraw { entrant });
        let (next, repairing) = match (withdrawal, event) {
            (Some(withdraw), Some(event)) if withdraw == event => (event, false),
            (Some(withdraw), _) => (withdraw, true),
            (None, Some(event)) => (event, false),
            (None, None) => return Ok((loaded, settled)),
        };
        let newly = bracket.apply(&next)?;
        let seq = u32::try_from(loaded.log.len() + 1).unwrap_or(u32::MAX);
        let logged = LoggedEvent {
            event: next,
            actor,
            at: now,
        };
        if store
            .append_tournament_event(guild, id, seq, &logged, bracket.is_finished())
            .await?
        {
            settled.extend(newly);
            loaded = with_event(loaded, bracket, logged);
            if !repairing {
                return Ok((loaded, settled));
            }
        } else {
            // Another event took the number, or the tournament ended: read it again.
            let Some(fresh) = store.tournament(guild, id).await? else {
                return refused("That tournament does not exist here.");
            };
            loaded = load(store, fresh).await?;
        }
    }
    refused("Results kept arriving at once; try again.")
}

/// `loaded` once `logged` is appended, `bracket` being its bracket with the event applied: what
/// reading it again would give.
fn with_event(mut loaded: Loaded, bracket: Tournament, logged: LoggedEvent) -> Loaded {
    stamp(&bracket, &mut loaded.times, logged.at);
    if bracket.is_finished() {
        loaded.record.state = State::Finished;
        loaded.record.ended_at = Some(logged.at);
    }
    loaded.log.push(logged);
    loaded.bracket = Some(bracket);
    loaded
}

/// The seats all of whose members have left or were erased.
fn gone_seats(loaded: &Loaded) -> Vec<tournament::Entrant> {
    let mut present = vec![false; loaded.seats.len()];
    for entrant in &loaded.entrants {
        let seat = entrant.seat.and_then(|seat| usize::try_from(seat).ok());
        if let Some(here) = seat.and_then(|seat| present.get_mut(seat)) {
            *here |= entrant.left_at.is_none() && !entrant.user_id.is_erased();
        }
    }
    (0..present.len()).filter(|seat| !present[*seat]).collect()
}

/// Kills each player of match `number` tracked between its opening and its end (or now), in the
/// tournament's game.
///
/// # Errors
/// When the store fails.
pub async fn match_kills(
    store: &dyn Store,
    loaded: &Loaded,
    number: u32,
    now: DateTime<Utc>,
) -> Result<Vec<(UserId, u64)>, StoreError> {
    let index = usize::try_from(number).unwrap_or(0).wrapping_sub(1);
    let (Some(bracket), Some(times)) = (&loaded.bracket, loaded.times.get(index)) else {
        return Ok(Vec::new());
    };
    let (Some(game), Some(opened)) = (bracket.match_numbered(number), times.opened) else {
        return Ok(Vec::new());
    };
    let players: Vec<UserId> = game
        .players
        .iter()
        .flatten()
        .filter_map(|seat| loaded.seats.get(*seat))
        .flatten()
        .copied()
        .filter(|user| !user.is_erased())
        .collect();
    let settings = &loaded.record.settings;
    store
        .kills_between(
            settings.guild_id,
            &players,
            opened,
            times.settled.unwrap_or(now),
            settings.game.as_deref(),
        )
        .await
}

/// The `tournament.result` webhook body of match `number`, with the final standings once the
/// tournament is over.
#[must_use]
pub fn result_data(loaded: &Loaded, number: u32) -> Option<serde_json::Value> {
    let bracket = loaded.bracket.as_ref()?;
    let game = bracket.match_numbered(number)?;
    let winner = game.winner()?;
    let side = |seat: Option<usize>| -> serde_json::Value {
        seat.and_then(|seat| loaded.seats.get(seat))
            .map_or(serde_json::Value::Null, |members| {
                serde_json::json!({
                    "seed": seat.map_or(0, |seat| seat + 1),
                    "members": members.iter().map(|user| user.0.to_string()).collect::<Vec<_>>(),
                })
            })
    };
    let how = match game.outcome {
        Outcome::Won(_, how) => format!("{how:?}").to_ascii_lowercase(),
        _ => String::new(),
    };
    let settings = &loaded.record.settings;
    let standings = bracket.is_finished().then(|| {
        bracket
            .standings()
            .iter()
            .map(|standing| {
                serde_json::json!({
                    "place": standing.place,
                    "seed": standing.entrant + 1,
                    "members": loaded.seats.get(standing.entrant).map_or_else(Vec::new, |members| {
                        members.iter().map(|user| user.0.to_string()).collect()
                    }),
                    "wins": standing.wins,
                    "losses": standing.losses,
                })
            })
            .collect::<Vec<_>>()
    });
    Some(serde_json::json!({
        "tournament": {
            "id": loaded.record.id,
            "name": settings.name,
            "game": settings.game,
            "format": settings.format.key(),
        },
        "match": {
            "number": game.number,
            "round": game.round,
            "winner": side(Some(winner)),
            "loser": side(game.loser()),
            "settled": how,
        },
        "finished": bracket.is_finished(),
        "standings": standings,
    }))
}

/// The format of a tournament, by its key, for readers.
#[must_use]
pub const fn format_label(format: Format) -> &'static str {
    match format {
        Format::SingleElimination => "single elimination",
        Format::RoundRobin => "round robin",
    }
}
