//! The squad's numbers for /team-stats: totals, totals per game, the trend over the last sessions
//! and the top players, all derived from the guild's ledger entries; plus the sparkline that
//! draws the trend inside an embed.
//!
//! The caller picks the entries (a season, a period); this module only folds them. Undone
//! entries count nowhere.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use super::kills::{KillKind, LedgerEntry};
use super::names::game_key;
use super::session_summary::{player_lines, PlayerLine};

/// One game's totals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GameTotals {
    /// The game as its most recent entry spells it; `None` for entries recorded without a game.
    pub game: Option<String>,
    /// Kills in that game.
    pub kills: u64,
    /// Team kills in that game.
    pub teamkills: u64,
}

/// One game session's totals, a point of the trend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionPoint {
    /// The game session.
    pub session_id: i64,
    /// When its first counting entry was recorded.
    pub started_at: DateTime<Utc>,
    /// Kills in it.
    pub kills: u64,
    /// Team kills in it.
    pub teamkills: u64,
}

/// The squad's stats over the entries they were computed from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamStats {
    /// Kills by everyone.
    pub kills: u64,
    /// Team kills by everyone.
    pub teamkills: u64,
    /// Players with at least one counting entry.
    pub players: usize,
    /// Game sessions with at least one counting entry.
    pub sessions: usize,
    /// Totals per game (games compared without case): by kills descending, then by name, with
    /// entries without a game last.
    pub per_game: Vec<GameTotals>,
    /// The last sessions, oldest first, by when their first entry was recorded.
    pub trend: Vec<SessionPoint>,
    /// The best players, ordered as in a session summary.
    pub top_players: Vec<PlayerLine>,
}

/// Folds the guild's entries, given in any order, into the squad's stats, keeping the last
/// `max_sessions` sessions for the trend and the first `top` players.
#[must_use]
pub fn team_stats(entries: &[LedgerEntry], max_sessions: usize, top: usize) -> TeamStats {
    let mut counting: Vec<&LedgerEntry> = entries.iter().filter(|entry| entry.counts()).collect();
    // Time order, so the last spelling seen of a game is its most recent one.
    counting.sort_by_key(|entry| (entry.recorded_at, entry.id));

    let mut kills = 0;
    let mut teamkills = 0;
    let mut players = BTreeSet::new();
    let mut games: BTreeMap<Option<String>, GameTotals> = BTreeMap::new();
    let mut sessions: BTreeMap<i64, SessionPoint> = BTreeMap::new();
    for entry in &counting {
        let (entry_kills, entry_teamkills) = match entry.kind {
            KillKind::Kill => (u64::from(entry.count), 0),
            KillKind::Teamkill => (0, u64::from(entry.count)),
        };
        kills += entry_kills;
        teamkills += entry_teamkills;
        players.insert(entry.player_id);

        let game = games
            .entry(entry.game.as_deref().map(game_key))
            .or_insert(GameTotals {
                game: None,
                kills: 0,
                teamkills: 0,
            });
        game.game.clone_from(&entry.game);
        game.kills += entry_kills;
        game.teamkills += entry_teamkills;

        if let Some(session_id) = entry.session_id {
            // Entries come in time order, so the first one seen started the session.
            let point = sessions.entry(session_id).or_insert(SessionPoint {
                session_id,
                started_at: entry.recorded_at,
                kills: 0,
                teamkills: 0,
            });
            point.kills += entry_kills;
            point.teamkills += entry_teamkills;
        }
    }

    let mut per_game: Vec<(Option<String>, GameTotals)> = games.into_iter().collect();
    per_game.sort_by(|(a_key, a), (b_key, b)| {
        b.kills
            .cmp(&a.kills)
            .then_with(|| by_name(a_key.as_ref(), b_key.as_ref()))
    });

    let session_count = sessions.len();
    let mut trend: Vec<SessionPoint> = sessions.into_values().collect();
    trend.sort_by_key(|point| (point.started_at, point.session_id));
    let trend = trend.split_off(session_count.saturating_sub(max_sessions));

    let mut top_players = player_lines(entries);
    top_players.truncate(top);

    TeamStats {
        kills,
        teamkills,
        players: players.len(),
        sessions: session_count,
        per_game: per_game.into_iter().map(|(_, totals)| totals).collect(),
        trend,
        top_players,
    }
}

/// Game keys in name order, with "no game" after every named game.
fn by_name(a: Option<&String>, b: Option<&String>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.cmp(b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// The eight heights of a sparkline, lowest first.
const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Draws `values` as one block character each, the largest value full height and the others
/// rounded to the nearest of eight heights; all zeros draw the lowest bar, no values draw nothing.
#[must_use]
pub fn sparkline(values: &[u64]) -> String {
    let max = values.iter().copied().max().unwrap_or(0);
    let top = BARS.len() - 1;
    values
        .iter()
        .map(|&value| {
            if max == 0 {
                return BARS[0];
            }
            // In u128 so a huge value times 7 cannot overflow; the quotient is at most 7.
            let height = (u128::from(value) * 7 + u128::from(max) / 2) / u128::from(max);
            BARS[usize::try_from(height).map_or(top, |height| height.min(top))]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;
    use crate::domain::ids::{ChannelId, GuildId, UserId};

    const ADA: UserId = UserId(1);
    const BOB: UserId = UserId(2);
    const CY: UserId = UserId(3);

    /// Day `day` of November 2026 at 20:00, plus `minutes`.
    fn at(day: u32, minutes: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, 20, 0, 0)
            .single()
            .expect("valid")
            + Duration::minutes(minutes)
    }

    /// Entry `id`: `player` records `count` of `kind` at `when`, in `game` and `session`.
    fn entry(
        id: i64,
        player: UserId,
        kind: KillKind,
        count: u32,
        when: DateTime<Utc>,
        game: Option<&str>,
        session: Option<i64>,
    ) -> LedgerEntry {
        LedgerEntry {
            id,
            guild_id: GuildId(1),
            player_id: player,
            kind,
            count,
            victim_id: None,
            note: None,
            recorded_by: player,
            recorded_at: when,
            channel_id: ChannelId(5),
            game: game.map(str::to_owned),
            session_id: session,
            season_id: None,
            undone_at: None,
            undone_by: None,
        }
    }

    fn kills(
        id: i64,
        player: UserId,
        count: u32,
        when: DateTime<Utc>,
        game: Option<&str>,
        session: Option<i64>,
    ) -> LedgerEntry {
        entry(id, player, KillKind::Kill, count, when, game, session)
    }

    fn teamkill(
        id: i64,
        player: UserId,
        when: DateTime<Utc>,
        game: Option<&str>,
        session: Option<i64>,
    ) -> LedgerEntry {
        entry(id, player, KillKind::Teamkill, 1, when, game, session)
    }

    fn undone(mut entry: LedgerEntry) -> LedgerEntry {
        entry.undone_at = Some(entry.recorded_at + Duration::minutes(1));
        entry.undone_by = Some(entry.player_id);
        entry
    }

    fn game(name: Option<&str>, kills: u64, teamkills: u64) -> GameTotals {
        GameTotals {
            game: name.map(str::to_owned),
            kills,
            teamkills,
        }
    }

    #[test]
    fn a_squad_of_three_over_two_evenings() {
        let stats = team_stats(
            &[
                kills(1, ADA, 5, at(1, 0), Some("PUBG"), Some(10)),
                kills(2, BOB, 2, at(1, 30), Some("PUBG"), Some(10)),
                teamkill(3, CY, at(2, 0), Some("Hunt: Showdown"), Some(11)),
                kills(4, CY, 4, at(2, 10), Some("Hunt: Showdown"), Some(11)),
                kills(5, BOB, 1, at(3, 0), None, None),
            ],
            10,
            10,
        );
        assert_eq!((stats.kills, stats.teamkills), (12, 1));
        assert_eq!((stats.players, stats.sessions), (3, 2));
        assert_eq!(
            stats.per_game,
            [
                game(Some("PUBG"), 7, 0),
                game(Some("Hunt: Showdown"), 4, 1),
                game(None, 1, 0)
            ]
        );
        let trend: Vec<(i64, u64, u64)> = stats
            .trend
            .iter()
            .map(|p| (p.session_id, p.kills, p.teamkills))
            .collect();
        assert_eq!(trend, [(10, 7, 0), (11, 4, 1)]);
        assert_eq!(stats.trend[1].started_at, at(2, 0));
        let top: Vec<UserId> = stats.top_players.iter().map(|line| line.player).collect();
        assert_eq!(top, [ADA, CY, BOB]);
    }

    #[test]
    fn undone_entries_count_nowhere() {
        let stats = team_stats(
            &[
                kills(1, ADA, 3, at(1, 0), Some("PUBG"), Some(10)),
                undone(kills(2, BOB, 40, at(1, 5), Some("PUBG"), Some(10))),
                undone(teamkill(3, ADA, at(1, 6), Some("Fortnite"), Some(12))),
                // Undone first entry: session 10 starts with Ada's kill, not Bob's earlier typo.
                undone(kills(4, BOB, 1, at(1, -30), Some("PUBG"), Some(10))),
            ],
            10,
            10,
        );
        assert_eq!((stats.kills, stats.teamkills), (3, 0));
        assert_eq!((stats.players, stats.sessions), (1, 1));
        assert_eq!(stats.per_game, [game(Some("PUBG"), 3, 0)]);
        assert_eq!(
            stats.trend,
            [SessionPoint {
                session_id: 10,
                started_at: at(1, 0),
                kills: 3,
                teamkills: 0
            }]
        );
        assert_eq!(
            stats.top_players,
            [PlayerLine {
                player: ADA,
                kills: 3,
                teamkills: 0
            }]
        );
    }

    #[test]
    fn games_are_one_whatever_the_case_and_show_the_latest_spelling() {
        let stats = team_stats(
            &[
                kills(2, ADA, 1, at(2, 0), Some("Apex Legends"), None),
                kills(1, BOB, 2, at(1, 0), Some("apex legends"), None),
                kills(3, CY, 1, at(3, 0), Some("APEX legends"), None),
            ],
            10,
            10,
        );
        assert_eq!(stats.per_game, [game(Some("APEX legends"), 4, 0)]);
    }

    #[test]
    fn games_with_equal_kills_go_by_name_and_no_game_goes_last() {
        let stats = team_stats(
            &[
                kills(1, ADA, 2, at(1, 0), None, None),
                kills(2, ADA, 2, at(1, 1), Some("pubg"), None),
                kills(3, ADA, 2, at(1, 2), Some("Apex Legends"), None),
                teamkill(4, ADA, at(1, 3), Some("Fortnite"), None),
            ],
            10,
            10,
        );
        assert_eq!(
            stats.per_game,
            [
                game(Some("Apex Legends"), 2, 0),
                game(Some("pubg"), 2, 0),
                game(None, 2, 0),
                game(Some("Fortnite"), 0, 1),
            ]
        );
    }

    #[test]
    fn the_trend_keeps_the_last_sessions_by_start_time_oldest_first() {
        // Session ids are not in time order: 30 started first.
        let stats = team_stats(
            &[
                kills(1, ADA, 1, at(4, 0), None, Some(10)),
                kills(2, ADA, 2, at(1, 0), None, Some(30)),
                kills(3, ADA, 3, at(3, 0), None, Some(20)),
                kills(4, ADA, 4, at(2, 0), None, Some(40)),
                kills(5, ADA, 5, at(4, 30), None, Some(30)),
            ],
            3,
            10,
        );
        let ids: Vec<i64> = stats.trend.iter().map(|point| point.session_id).collect();
        assert_eq!(ids, [40, 20, 10]);
        assert_eq!(stats.sessions, 4);
        assert!(
            team_stats(&[kills(1, ADA, 1, at(1, 0), None, Some(1))], 0, 10)
                .trend
                .is_empty()
        );
    }

    #[test]
    fn top_players_are_cut_to_the_limit_in_summary_order() {
        let stats = team_stats(
            &[
                kills(1, CY, 4, at(1, 0), None, None),
                kills(2, BOB, 4, at(1, 1), None, None),
                teamkill(3, BOB, at(1, 2), None, None),
                kills(4, ADA, 1, at(1, 3), None, None),
            ],
            10,
            2,
        );
        let top: Vec<UserId> = stats.top_players.iter().map(|line| line.player).collect();
        assert_eq!(top, [CY, BOB]);
        assert_eq!(stats.players, 3);
    }

    #[test]
    fn sparklines_scale_to_the_largest_value() {
        assert_eq!(sparkline(&[0, 1, 2, 3, 4, 5, 6, 7]), "▁▂▃▄▅▆▇█");
        assert_eq!(sparkline(&[10, 5, 0]), "█▅▁");
        assert_eq!(sparkline(&[u64::MAX, 0]), "█▁");
    }

    #[test]
    fn sparklines_of_nothing_and_of_zeros() {
        assert_eq!(sparkline(&[]), "");
        assert_eq!(sparkline(&[0, 0, 0]), "▁▁▁");
    }
}
