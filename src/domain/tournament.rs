//! Tournaments, the rules without I/O: seeding, single-elimination brackets with byes,
//! round-robin schedules, results reported by the two players (both must agree, or a manager
//! decides), a player leaving mid-way, and the final standings.
//!
//! A tournament is its format, its entrants in seed order and the list of what happened
//! ([`Event`]): the bracket is rebuilt by replaying the events, so the store keeps an append-only
//! log and two processes can never disagree about a bracket. Entrants are numbered by seed,
//! from 0.

use std::cmp::Reverse;

/// An entrant, by seed (0 is the first seed).
pub type Entrant = usize;

/// The fewest entrants a tournament can have.
pub const MIN_ENTRANTS: usize = 2;

/// The most entrants a single-elimination tournament can have (seven rounds).
pub const MAX_ELIMINATION: usize = 128;

/// The most entrants a round robin can have (496 matches).
pub const MAX_ROUND_ROBIN: usize = 32;

/// How matches are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Lose once and you are out; byes fill the first round up to a power of two.
    SingleElimination,
    /// Everyone plays everyone once; most wins first.
    RoundRobin,
}

impl Format {
    /// The format's key, as stored.
    #[must_use]
    pub const fn key(self) -> &'static str {
        match self {
            Self::SingleElimination => "single-elimination",
            Self::RoundRobin => "round-robin",
        }
    }

    /// The format with this key.
    #[must_use]
    pub fn from_key(key: &str) -> Option<Self> {
        [Self::SingleElimination, Self::RoundRobin]
            .into_iter()
            .find(|format| format.key() == key)
    }

    /// The most entrants this format takes.
    #[must_use]
    pub const fn max_entrants(self) -> usize {
        match self {
            Self::SingleElimination => MAX_ELIMINATION,
            Self::RoundRobin => MAX_ROUND_ROBIN,
        }
    }
}

/// How a match was settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settled {
    /// Both players reported the same winner.
    Agreed,
    /// A manager decided.
    Decided,
    /// The other player left the tournament.
    Walkover,
    /// There was no opponent (single elimination, first round).
    Bye,
}

/// Where a match stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Its players are not both known yet.
    Waiting,
    /// To be played; each player's report of the winner, if made.
    Open([Option<Entrant>; 2]),
    /// The players reported different winners: a manager decides (or one reports again).
    Disputed([Option<Entrant>; 2]),
    /// Settled.
    Won(Entrant, Settled),
}

/// One match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    /// Its number, from 1, as players name it.
    pub number: u32,
    /// Its round, from 1.
    pub round: u32,
    /// Its two players, when known.
    pub players: [Option<Entrant>; 2],
    /// Where it stands.
    pub outcome: Outcome,
}

impl Match {
    /// The winner, once settled.
    #[must_use]
    pub const fn winner(&self) -> Option<Entrant> {
        match self.outcome {
            Outcome::Won(winner, _) => Some(winner),
            _ => None,
        }
    }

    /// The loser, once settled with two players.
    #[must_use]
    pub fn loser(&self) -> Option<Entrant> {
        let winner = self.winner()?;
        self.players
            .into_iter()
            .flatten()
            .find(|player| *player != winner)
    }

    /// Whether `entrant` plays in it.
    #[must_use]
    pub fn has(&self, entrant: Entrant) -> bool {
        self.players.contains(&Some(entrant))
    }

    fn side_of(&self, entrant: Entrant) -> Option<usize> {
        self.players
            .iter()
            .position(|player| *player == Some(entrant))
    }

    /// Whether it still waits for a result (its players known).
    #[must_use]
    pub const fn is_open(&self) -> bool {
        matches!(self.outcome, Outcome::Open(_) | Outcome::Disputed(_))
    }
}

/// Something that happened in a tournament.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A player reported who won their match.
    Report {
        /// The match's number.
        number: u32,
        /// Who reported.
        by: Entrant,
        /// Who they say won.
        winner: Entrant,
    },
    /// A manager decided a match.
    Decide {
        /// The match's number.
        number: u32,
        /// The winner.
        winner: Entrant,
    },
    /// A player left: their open and later matches are walkovers for their opponents.
    Withdraw {
        /// Who left.
        entrant: Entrant,
    },
}

/// Why an event was refused; each reads as the sentence a member sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// No match has that number.
    #[error("there is no match {0} in this tournament")]
    NoSuchMatch(u32),
    /// The match's players are not both known yet.
    #[error("match {0} is not ready: its players are not both known yet")]
    NotReady(u32),
    /// The match has a result already.
    #[error("match {0} is settled already")]
    Settled(u32),
    /// The reporter does not play in the match.
    #[error("only the two players of match {0} report its result (or a manager decides it)")]
    NotInMatch(u32),
    /// The winner named does not play in the match.
    #[error("the winner must be one of the two players of match {0}")]
    WinnerNotInMatch(u32),
    /// The player has left already.
    #[error("that player has left the tournament already")]
    Withdrawn,
    /// No such entrant.
    #[error("that player is not in this tournament")]
    NotEntered,
    /// Every match is settled.
    #[error("the tournament is over")]
    Finished,
}

/// A final (or current) place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Standing {
    /// Who.
    pub entrant: Entrant,
    /// Their place, from 1; tied entrants share one.
    pub place: usize,
    /// Matches won (byes and walkovers included).
    pub wins: u32,
    /// Matches lost.
    pub losses: u32,
}

/// A tournament's state, rebuilt from its events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tournament {
    format: Format,
    entrants: usize,
    matches: Vec<Match>,
    withdrawn: Vec<bool>,
}

impl Tournament {
    /// The bracket or schedule of `entrants` players (numbered by seed).
    ///
    /// # Errors
    /// A sentence when there are too few or too many entrants for the format.
    pub fn new(format: Format, entrants: usize) -> Result<Self, String> {
        let most = format.max_entrants();
        if entrants < MIN_ENTRANTS {
            return Err(format!(
                "A tournament needs at least {MIN_ENTRANTS} players; it has {entrants}."
            ));
        }
        if entrants > most {
            return Err(format!(
                "A {} tournament takes at most {most} players; it has {entrants}.",
                format.key()
            ));
        }
        let mut tournament = Self {
            format,
            entrants,
            matches: match format {
                Format::SingleElimination => elimination(entrants),
                Format::RoundRobin => round_robin(entrants),
            },
            withdrawn: vec![false; entrants],
        };
        if format == Format::SingleElimination {
            let byes: Vec<usize> = (0..tournament.matches.len())
                .filter(|&index| tournament.matches[index].round == 1)
                .collect();
            for index in byes {
                let players = tournament.matches[index].players;
                if let [Some(player), None] | [None, Some(player)] = players {
                    tournament.settle(index, player, Settled::Bye);
                }
            }
        }
        Ok(tournament)
    }

    /// The tournament after replaying `events`; events that would be refused are skipped (the
    /// store only keeps accepted ones, so none are).
    ///
    /// # Errors
    /// As [`Tournament::new`].
    pub fn replay(format: Format, entrants: usize, events: &[Event]) -> Result<Self, String> {
        let mut tournament = Self::new(format, entrants)?;
        for event in events {
            let _ = tournament.apply(event);
        }
        Ok(tournament)
    }

    /// The format.
    #[must_use]
    pub const fn format(&self) -> Format {
        self.format
    }

    /// How many entrants.
    #[must_use]
    pub const fn entrants(&self) -> usize {
        self.entrants
    }

    /// Every match, by number.
    #[must_use]
    pub fn matches(&self) -> &[Match] {
        &self.matches
    }

    /// The match numbered `number`.
    #[must_use]
    pub fn match_numbered(&self, number: u32) -> Option<&Match> {
        self.matches
            .get(usize::try_from(number).ok()?.checked_sub(1)?)
    }

    /// Whether `entrant` left.
    #[must_use]
    pub fn has_withdrawn(&self, entrant: Entrant) -> bool {
        self.withdrawn.get(entrant).copied().unwrap_or(false)
    }

    /// Whether every match is settled.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.matches.iter().all(|game| game.winner().is_some())
    }

    /// The matches waiting for a result, `entrant`'s only when given.
    pub fn open_matches(&self, entrant: Option<Entrant>) -> impl Iterator<Item = &Match> {
        self.matches
            .iter()
            .filter(move |game| game.is_open() && entrant.is_none_or(|entrant| game.has(entrant)))
    }

    /// Applies `event`; returns the numbers of the matches it settled (walkovers that followed
    /// included), in order.
    ///
    /// # Errors
    /// A [`Refusal`]; nothing changes then.
    pub fn apply(&mut self, event: &Event) -> Result<Vec<u32>, Refusal> {
        let before: Vec<bool> = self
            .matches
            .iter()
            .map(|game| game.winner().is_some())
            .collect();
        match *event {
            Event::Report { number, by, winner } => self.report(number, by, winner)?,
            Event::Decide { number, winner } => {
                let index = self.open_index(number)?;
                if !self.matches[index].has(winner) {
                    return Err(Refusal::WinnerNotInMatch(number));
                }
                self.settle(index, winner, Settled::Decided);
            }
            Event::Withdraw { entrant } => self.withdraw(entrant)?,
        }
        Ok(self
            .matches
            .iter()
            .zip(before)
            .filter(|(game, was)| !was && game.winner().is_some())
            .map(|(game, _)| game.number)
            .collect())
    }

    fn open_index(&self, number: u32) -> Result<usize, Refusal> {
        if self.is_finished() {
            return Err(Refusal::Finished);
        }
        let game = self
            .match_numbered(number)
            .ok_or(Refusal::NoSuchMatch(number))?;
        match game.outcome {
            Outcome::Waiting => Err(Refusal::NotReady(number)),
            Outcome::Won(..) => Err(Refusal::Settled(number)),
            Outcome::Open(_) | Outcome::Disputed(_) => {
                Ok(usize::try_from(number - 1).unwrap_or(usize::MAX))
            }
        }
    }

    fn report(&mut self, number: u32, by: Entrant, winner: Entrant) -> Result<(), Refusal> {
        let index = self.open_index(number)?;
        let game = &self.matches[index];
        let side = game.side_of(by).ok_or(Refusal::NotInMatch(number))?;
        if !game.has(winner) {
            return Err(Refusal::WinnerNotInMatch(number));
        }
        let mut claims = match game.outcome {
            Outcome::Open(claims) | Outcome::Disputed(claims) => claims,
            _ => [None, None],
        };
        claims[side] = Some(winner);
        match claims {
            [Some(a), Some(b)] if a == b => self.settle(index, a, Settled::Agreed),
            [Some(_), Some(_)] => self.matches[index].outcome = Outcome::Disputed(claims),
            _ => self.matches[index].outcome = Outcome::Open(claims),
        }
        Ok(())
    }

    fn withdraw(&mut self, entrant: Entrant) -> Result<(), Refusal> {
        if entrant >= self.entrants {
            return Err(Refusal::NotEntered);
        }
        if self.withdrawn[entrant] {
            return Err(Refusal::Withdrawn);
        }
        if self.is_finished() {
            return Err(Refusal::Finished);
        }
        self.withdrawn[entrant] = true;
        let open: Vec<usize> = (0..self.matches.len())
            .filter(|&index| self.matches[index].is_open() && self.matches[index].has(entrant))
            .collect();
        for index in open {
            self.walk_over(index);
        }
        Ok(())
    }

    /// Settles an open match one of whose players left: the other wins (the first side when
    /// both left, so the bracket still ends).
    fn walk_over(&mut self, index: usize) {
        let players = self.matches[index].players;
        let staying = players
            .into_iter()
            .flatten()
            .find(|player| !self.withdrawn[*player])
            .or(players[0]);
        if let Some(winner) = staying {
            self.settle(index, winner, Settled::Walkover);
        }
    }

    /// Records `winner` and, in single elimination, moves them on to their next match.
    fn settle(&mut self, index: usize, winner: Entrant, how: Settled) {
        self.matches[index].outcome = Outcome::Won(winner, how);
        if self.format != Format::SingleElimination {
            return;
        }
        let Some((next, side)) = next_slot(&self.matches, index) else {
            return;
        };
        self.matches[next].players[side] = Some(winner);
        if self.matches[next].players.iter().all(Option::is_some) {
            self.matches[next].outcome = Outcome::Open([None, None]);
            let players = self.matches[next].players;
            if players
                .iter()
                .flatten()
                .any(|player| self.withdrawn[*player])
            {
                self.walk_over(next);
            }
        }
    }

    /// Each entrant's place: single elimination by the round they went out in (the champion
    /// first, the final's loser second, the semi-finals' losers third together…), a round robin
    /// by wins. Before the end, the places so far.
    #[must_use]
    pub fn standings(&self) -> Vec<Standing> {
        let mut table: Vec<Standing> = (0..self.entrants)
            .map(|entrant| Standing {
                entrant,
                place: 0,
                wins: 0,
                losses: 0,
            })
            .collect();
        let mut out_in_round = vec![u32::MAX; self.entrants];
        for game in &self.matches {
            if let Some(winner) = game.winner() {
                table[winner].wins += 1;
            }
            if let Some(loser) = game.loser() {
                table[loser].losses += 1;
                out_in_round[loser] = out_in_round[loser].min(game.round);
            }
        }
        match self.format {
            Format::SingleElimination => {
                let rounds = self.matches.last().map_or(0, |game| game.round);
                for standing in &mut table {
                    let round = out_in_round[standing.entrant];
                    standing.place = if round == u32::MAX {
                        1
                    } else {
                        (1_usize << (rounds - round)) + 1
                    };
                }
            }
            Format::RoundRobin => {
                let wins: Vec<u32> = table.iter().map(|standing| standing.wins).collect();
                for standing in &mut table {
                    standing.place =
                        1 + wins.iter().filter(|other| **other > standing.wins).count();
                }
            }
        }
        table.sort_by_key(|standing| (standing.place, Reverse(standing.wins), standing.entrant));
        table
    }
}

/// Seed positions in bracket order for a bracket of `size` (a power of two): 1 meets `size`,
/// and the top two seeds can only meet in the final.
fn positions(size: usize) -> Vec<usize> {
    let mut order = vec![1];
    while order.len() < size {
        let next = order.len() * 2 + 1;
        order = order.iter().flat_map(|&seed| [seed, next - seed]).collect();
    }
    order
}

/// A single-elimination bracket of `entrants`: first-round matches in bracket order, then each
/// later round; seeds beyond `entrants` are byes, which fall to the top seeds.
fn elimination(entrants: usize) -> Vec<Match> {
    let size = entrants.next_power_of_two();
    let order = positions(size);
    let mut matches = Vec::with_capacity(size - 1);
    let seat = |seed: usize| (seed <= entrants).then(|| seed - 1);
    for pair in order.chunks(2) {
        matches.push(Match {
            number: 0,
            round: 1,
            players: [seat(pair[0]), seat(pair[1])],
            outcome: Outcome::Open([None, None]),
        });
    }
    let mut in_round = size / 2;
    let mut round = 1;
    while in_round > 1 {
        in_round /= 2;
        round += 1;
        for _ in 0..in_round {
            matches.push(Match {
                number: 0,
                round,
                players: [None, None],
                outcome: Outcome::Waiting,
            });
        }
    }
    for (index, game) in matches.iter_mut().enumerate() {
        game.number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        if game.players.iter().any(Option::is_none) && game.round == 1 {
            game.outcome = Outcome::Waiting;
        }
    }
    matches
}

/// Where the winner of match `index` plays next: the match and the side, none after the final.
fn next_slot(matches: &[Match], index: usize) -> Option<(usize, usize)> {
    let round = matches[index].round;
    let first_of_round = matches.iter().position(|game| game.round == round)?;
    let position = index - first_of_round;
    let first_of_next = matches.iter().position(|game| game.round == round + 1)?;
    Some((first_of_next + position / 2, position % 2))
}

/// Every pair once, in rounds where nobody plays twice (the circle method; with an odd count,
/// one entrant rests each round).
fn round_robin(entrants: usize) -> Vec<Match> {
    let seats = entrants + entrants % 2;
    let mut ring: Vec<Option<Entrant>> = (0..entrants).map(Some).collect();
    if seats > entrants {
        ring.push(None);
    }
    let mut matches = Vec::with_capacity(entrants * (entrants - 1) / 2);
    for round in 1..seats {
        for i in 0..seats / 2 {
            if let (Some(a), Some(b)) = (ring[i], ring[seats - 1 - i]) {
                matches.push(Match {
                    number: u32::try_from(matches.len() + 1).unwrap_or(u32::MAX),
                    round: u32::try_from(round).unwrap_or(u32::MAX),
                    players: [Some(a.min(b)), Some(a.max(b))],
                    outcome: Outcome::Open([None, None]),
                });
            }
        }
        // The first seat stays; the others turn by one.
        let last = ring.remove(seats - 1);
        ring.insert(1, last);
    }
    matches
}

/// How entrants are put in order when a tournament starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seeding {
    /// A random draw.
    Random,
    /// Most kills this season first (ties by the draw).
    Kills,
}

impl Seeding {
    /// The key, as stored.
    #[must_use]
    pub const fn key(self) -> &'static str {
        match self {
            Self::Random => "random",
            Self::Kills => "kills",
        }
    }

    /// The seeding with this key.
    #[must_use]
    pub fn from_key(key: &str) -> Option<Self> {
        [Self::Random, Self::Kills]
            .into_iter()
            .find(|seeding| seeding.key() == key)
    }
}

/// Where a tournament stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Taking entrants.
    Open,
    /// Started: matches are being played.
    Running,
    /// Every match is settled.
    Finished,
    /// Stopped by a manager.
    Cancelled,
}

impl State {
    /// The key, as stored.
    #[must_use]
    pub const fn key(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Running => "running",
            Self::Finished => "finished",
            Self::Cancelled => "cancelled",
        }
    }

    /// The state with this key.
    #[must_use]
    pub fn from_key(key: &str) -> Option<Self> {
        [Self::Open, Self::Running, Self::Finished, Self::Cancelled]
            .into_iter()
            .find(|state| state.key() == key)
    }

    /// Whether it is open or running: a server has at most one such tournament.
    #[must_use]
    pub const fn is_active(self) -> bool {
        matches!(self, Self::Open | Self::Running)
    }
}

/// The largest team a tournament can have.
pub const MAX_TEAM_SIZE: usize = 5;

/// Players in seed order dealt into teams of at most `team_size`, snake-draft style (the first
/// seed to team 1, the second to team 2 … then back), so teams come out balanced: as few teams as
/// hold everyone, their sizes at most one apart. Team 1 is the first seed's team. Fewer players
/// than two teams need gives one team (or none), which the caller refuses.
#[must_use]
pub fn teams<T: Clone>(players: &[T], team_size: usize) -> Vec<Vec<T>> {
    let count = players.len().div_ceil(team_size.max(1));
    if count == 0 {
        return Vec::new();
    }
    let mut teams = vec![Vec::new(); count];
    for (index, player) in players.iter().enumerate() {
        let lap = index / count;
        let step = index % count;
        let team = if lap % 2 == 0 { step } else { count - 1 - step };
        teams[team].push(player.clone());
    }
    teams
}

/// Entrants in seed order: by `kills` (most first, ties by `shuffle`) when given, else in the
/// order `shuffle` gives. `shuffle` is the draw's random number per entrant, kept with the
/// tournament so the draw can be rebuilt.
#[must_use]
pub fn seed<T: Clone>(entrants: &[(T, u64)], kills: Option<&[u64]>) -> Vec<T> {
    let mut order: Vec<usize> = (0..entrants.len()).collect();
    order.sort_by_key(|&index| {
        let killed = kills
            .and_then(|kills| kills.get(index))
            .copied()
            .unwrap_or(0);
        (Reverse(killed), entrants[index].1)
    });
    order
        .into_iter()
        .map(|index| entrants[index].0.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn teams_are_dealt_snake_style_and_balanced() {
        let players: Vec<u32> = (1..=7).collect();
        let teams = teams(&players, 2);
        assert_eq!(teams, vec![vec![1], vec![2, 7], vec![3, 6], vec![4, 5]]);
        let fourteen: Vec<u32> = (1..=14).collect();
        let sizes: Vec<usize> = super::teams(&fourteen, 5).iter().map(Vec::len).collect();
        assert_eq!(sizes, [5, 5, 4], "never above the team size");
        assert_eq!(
            super::teams(&[1, 2, 3], 5).len(),
            1,
            "one team is not a tournament"
        );
        assert!(super::teams::<u32>(&[], 5).is_empty());
        assert_eq!(super::teams(&[1, 2, 3], 1), vec![vec![1], vec![2], vec![3]]);
    }

    #[test]
    fn keys_read_back() {
        for state in [
            State::Open,
            State::Running,
            State::Finished,
            State::Cancelled,
        ] {
            assert_eq!(State::from_key(state.key()), Some(state));
        }
        for seeding in [Seeding::Random, Seeding::Kills] {
            assert_eq!(Seeding::from_key(seeding.key()), Some(seeding));
        }
        assert_eq!(State::from_key("paused"), None);
    }

    fn report(number: u32, by: Entrant, winner: Entrant) -> Event {
        Event::Report { number, by, winner }
    }

    /// Both players of each open match report the lower seed as winner until the end.
    fn play_out(tournament: &mut Tournament) {
        loop {
            let next = tournament.open_matches(None).next().cloned();
            let Some(game) = next else { break };
            let [Some(a), Some(b)] = game.players else {
                panic!("an open match has two players");
            };
            let winner = a.min(b);
            tournament
                .apply(&report(game.number, a, winner))
                .expect("a's report");
            tournament
                .apply(&report(game.number, b, winner))
                .expect("b's report");
        }
    }

    #[test]
    fn the_top_seeds_get_the_byes_and_meet_only_in_the_final() {
        assert_eq!(positions(8), [1, 8, 4, 5, 2, 7, 3, 6]);
        let tournament = Tournament::new(Format::SingleElimination, 5).expect("valid");
        assert_eq!(tournament.matches().len(), 7);
        let first: Vec<_> = tournament
            .matches()
            .iter()
            .filter(|game| game.round == 1)
            .map(|game| (game.players, game.outcome))
            .collect();
        assert_eq!(
            first,
            [
                ([Some(0), None], Outcome::Won(0, Settled::Bye)),
                ([Some(3), Some(4)], Outcome::Open([None, None])),
                ([Some(1), None], Outcome::Won(1, Settled::Bye)),
                ([Some(2), None], Outcome::Won(2, Settled::Bye)),
            ]
        );
        // Seeds 2 and 3 met their byes and play each other in round 2.
        let second = tournament.match_numbered(6).expect("match 6");
        assert_eq!((second.round, second.players), (2, [Some(1), Some(2)]));
        assert!(second.is_open());
        assert_eq!(
            tournament.match_numbered(5).expect("5").outcome,
            Outcome::Waiting
        );
    }

    #[test]
    fn both_players_must_agree_or_a_manager_decides() {
        let mut tournament = Tournament::new(Format::SingleElimination, 2).expect("valid");
        assert_eq!(tournament.apply(&report(1, 0, 1)), Ok(vec![]));
        assert_eq!(tournament.apply(&report(1, 1, 1)), Ok(vec![1]), "agreed");
        assert!(tournament.is_finished());
        assert_eq!(tournament.apply(&report(1, 0, 1)), Err(Refusal::Finished));

        let mut tournament = Tournament::new(Format::SingleElimination, 2).expect("valid");
        tournament.apply(&report(1, 0, 0)).expect("reported");
        tournament.apply(&report(1, 1, 1)).expect("reported");
        assert_eq!(
            tournament.match_numbered(1).expect("1").outcome,
            Outcome::Disputed([Some(0), Some(1)])
        );
        assert_eq!(
            tournament.apply(&Event::Decide {
                number: 1,
                winner: 5
            }),
            Err(Refusal::WinnerNotInMatch(1))
        );
        assert_eq!(
            tournament.apply(&Event::Decide {
                number: 1,
                winner: 1
            }),
            Ok(vec![1])
        );
        assert_eq!(
            tournament.match_numbered(1).expect("1").outcome,
            Outcome::Won(1, Settled::Decided)
        );
    }

    #[test]
    fn reports_from_outside_the_match_or_for_other_matches_are_refused() {
        let mut tournament = Tournament::new(Format::SingleElimination, 4).expect("valid");
        // Match 1 is seed 1 against seed 4 (entrants 0 and 3).
        assert_eq!(
            tournament.apply(&report(1, 1, 0)),
            Err(Refusal::NotInMatch(1))
        );
        assert_eq!(
            tournament.apply(&report(1, 0, 1)),
            Err(Refusal::WinnerNotInMatch(1))
        );
        assert_eq!(
            tournament.apply(&report(9, 0, 0)),
            Err(Refusal::NoSuchMatch(9))
        );
        assert_eq!(
            tournament.apply(&report(0, 0, 0)),
            Err(Refusal::NoSuchMatch(0))
        );
        assert_eq!(
            tournament.apply(&report(3, 0, 0)),
            Err(Refusal::NotReady(3))
        );
        tournament.apply(&report(1, 0, 0)).expect("reported");
        tournament.apply(&report(1, 3, 0)).expect("agreed");
        assert_eq!(
            tournament.apply(&report(1, 3, 3)),
            Err(Refusal::Settled(1)),
            "twice"
        );
    }

    #[test]
    fn a_player_who_leaves_gives_walkovers_now_and_later() {
        let mut tournament = Tournament::new(Format::SingleElimination, 4).expect("valid");
        // Entrant 1 (seed 2) leaves before playing: match 2 is a walkover for seed 3.
        assert_eq!(
            tournament.apply(&Event::Withdraw { entrant: 1 }),
            Ok(vec![2])
        );
        assert_eq!(
            tournament.apply(&Event::Withdraw { entrant: 1 }),
            Err(Refusal::Withdrawn)
        );
        assert_eq!(
            tournament.apply(&Event::Withdraw { entrant: 9 }),
            Err(Refusal::NotEntered)
        );
        // Entrant 2 wins match 2 and waits in the final; entrant 3 leaves while waiting for
        // match 1's result, which then is a walkover, and so on to the final.
        tournament
            .apply(&Event::Withdraw { entrant: 3 })
            .expect("left");
        assert_eq!(
            tournament.match_numbered(1).expect("1").outcome,
            Outcome::Won(0, Settled::Walkover)
        );
        let last = tournament.match_numbered(3).expect("final");
        assert_eq!(last.players, [Some(0), Some(2)]);
        tournament
            .apply(&Event::Withdraw { entrant: 2 })
            .expect("left");
        assert!(tournament.is_finished());
        let places: Vec<(Entrant, usize)> = tournament
            .standings()
            .iter()
            .map(|s| (s.entrant, s.place))
            .collect();
        assert_eq!(places, [(0, 1), (2, 2), (1, 3), (3, 3)]);
    }

    #[test]
    fn a_bracket_of_any_size_plays_out_to_one_champion() {
        for entrants in [2, 3, 5, 7, 8, 9, 16, 31, 128] {
            let mut tournament =
                Tournament::new(Format::SingleElimination, entrants).expect("valid");
            play_out(&mut tournament);
            assert!(tournament.is_finished(), "{entrants}");
            let standings = tournament.standings();
            assert_eq!(
                standings[0],
                Standing {
                    entrant: 0,
                    place: 1,
                    wins: standings[0].wins,
                    losses: 0
                }
            );
            assert_eq!(standings.iter().filter(|s| s.place == 1).count(), 1);
            assert_eq!(
                standings.iter().filter(|s| s.place == 2).count(),
                1,
                "{entrants}"
            );
            assert_eq!(
                standings.iter().filter(|s| s.losses == 1).count(),
                entrants - 1
            );
        }
    }

    #[test]
    fn a_round_robin_pairs_everyone_once_and_nobody_twice_a_round() {
        for entrants in [2, 3, 4, 5, 8, 32] {
            let tournament = Tournament::new(Format::RoundRobin, entrants).expect("valid");
            let mut pairs: Vec<[Option<Entrant>; 2]> = tournament
                .matches()
                .iter()
                .map(|game| game.players)
                .collect();
            assert_eq!(pairs.len(), entrants * (entrants - 1) / 2);
            pairs.sort_unstable();
            pairs.dedup();
            assert_eq!(pairs.len(), entrants * (entrants - 1) / 2, "each pair once");
            for round in 1..=tournament.matches().last().expect("a match").round {
                let mut playing: Vec<Entrant> = tournament
                    .matches()
                    .iter()
                    .filter(|game| game.round == round)
                    .flat_map(|game| game.players.into_iter().flatten())
                    .collect();
                let count = playing.len();
                playing.sort_unstable();
                playing.dedup();
                assert_eq!(playing.len(), count, "nobody twice in round {round}");
            }
        }
    }

    #[test]
    fn a_round_robin_ranks_by_wins_and_a_leaver_forfeits_the_rest() {
        let mut tournament = Tournament::new(Format::RoundRobin, 3).expect("valid");
        tournament
            .apply(&Event::Withdraw { entrant: 2 })
            .expect("left");
        assert_eq!(
            tournament.open_matches(None).count(),
            1,
            "only 0 against 1 is left"
        );
        play_out(&mut tournament);
        let table: Vec<(Entrant, usize, u32)> = tournament
            .standings()
            .iter()
            .map(|s| (s.entrant, s.place, s.wins))
            .collect();
        assert_eq!(table, [(0, 1, 2), (1, 2, 1), (2, 3, 0)]);
    }

    #[test]
    fn one_player_or_ten_thousand_are_refused() {
        for (format, entrants) in [
            (Format::SingleElimination, 1),
            (Format::SingleElimination, 10_000),
            (Format::RoundRobin, 0),
            (Format::RoundRobin, 33),
        ] {
            assert!(
                Tournament::new(format, entrants).is_err(),
                "{format:?} {entrants}"
            );
        }
    }

    #[test]
    fn a_replay_rebuilds_the_same_bracket() {
        let events = [
            report(2, 3, 3),
            report(2, 4, 3),
            Event::Withdraw { entrant: 1 },
        ];
        let mut live = Tournament::new(Format::SingleElimination, 5).expect("valid");
        for event in &events {
            live.apply(event).expect("accepted");
        }
        let replayed = Tournament::replay(Format::SingleElimination, 5, &events).expect("valid");
        assert_eq!(live, replayed);
    }

    #[test]
    fn seeding_goes_by_kills_then_by_the_draw() {
        let entrants = [("ada", 7), ("bob", 3), ("cy", 9)];
        assert_eq!(seed(&entrants, None), ["bob", "ada", "cy"]);
        assert_eq!(seed(&entrants, Some(&[10, 50, 10])), ["bob", "ada", "cy"]);
        assert_eq!(seed(&entrants, Some(&[10, 0, 50])), ["cy", "ada", "bob"]);
    }
}
