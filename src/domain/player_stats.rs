//! One player's numbers for /stats: totals by kind, sessions played, their best session and their
//! longest kill streak, all derived from that player's ledger entries.
//!
//! The caller picks the entries (one player, and a season or a game when the user asked for one);
//! this module only folds them. Undone entries count nowhere.

use std::collections::BTreeMap;

use super::kills::{KillKind, Tally};

/// The session in which a player recorded the most kills.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionBest {
    /// The game session.
    pub session_id: i64,
    /// The player's kills in it.
    pub kills: u64,
}

/// One player's stats over the entries they were computed from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlayerStats {
    /// Kills recorded.
    pub kills: u64,
    /// Team kills recorded.
    pub teamkills: u64,
    /// Game sessions with at least one counting entry of the player (kill or team kill).
    pub sessions: u64,
    /// Kills recorded inside a game session (kills outside any session are not in this number).
    pub kills_in_sessions: u64,
    /// The session with the most kills; the earlier session id on a tie; `None` when no session
    /// has a kill.
    pub best_session: Option<SessionBest>,
    /// The most kills recorded in a row, in time order, with no team kill in between.
    pub longest_streak: u64,
}

impl PlayerStats {
    /// Average kills per session played; `None` when the player played no session.
    #[must_use]
    #[expect(
        clippy::cast_precision_loss,
        reason = "kill totals stay far below 2^52, and an average is shown rounded anyway"
    )]
    pub fn kills_per_session(&self) -> Option<f64> {
        (self.sessions > 0).then(|| self.kills_in_sessions as f64 / self.sessions as f64)
    }
}

/// Folds the counting entries of one player, given in any order, into their stats.
#[must_use]
pub fn player_stats(entries: &[Tally]) -> PlayerStats {
    let mut counting: Vec<&Tally> = entries.iter().collect();
    // The streak is a matter of order; the id settles entries recorded in the same instant.
    counting.sort_by_key(|entry| (entry.recorded_at, entry.id));

    let mut stats = PlayerStats::default();
    // Every session played, with the kills in it (0 for a session of team kills only).
    let mut kills_by_session: BTreeMap<i64, u64> = BTreeMap::new();
    let mut streak = 0;
    for entry in counting {
        let count = u64::from(entry.count);
        match entry.kind {
            KillKind::Kill => {
                stats.kills += count;
                streak += count;
                stats.longest_streak = stats.longest_streak.max(streak);
            }
            KillKind::Teamkill => {
                stats.teamkills += count;
                streak = 0;
            }
        }
        if let Some(session_id) = entry.session_id {
            let in_session = kills_by_session.entry(session_id).or_default();
            if entry.kind == KillKind::Kill {
                *in_session += count;
                stats.kills_in_sessions += count;
            }
        }
    }

    stats.sessions = kills_by_session.len() as u64;
    // Sessions come in ascending id order, and only a strictly better one replaces the best, so
    // a tie keeps the earlier session.
    stats.best_session = kills_by_session
        .into_iter()
        .filter(|&(_, kills)| kills > 0)
        .fold(
            None,
            |best: Option<SessionBest>, (session_id, kills)| match best {
                Some(best) if best.kills >= kills => Some(best),
                _ => Some(SessionBest { session_id, kills }),
            },
        );
    stats
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone, Utc};

    use super::*;
    use crate::domain::ids::{ChannelId, GuildId, UserId};
    use crate::domain::kills::LedgerEntry;

    const ADA: UserId = UserId(1);

    /// The stats of Ada's entries as the store would hand them over (undone ones left out).
    fn stats_of(entries: &[LedgerEntry]) -> PlayerStats {
        player_stats(&Tally::of_counting(entries))
    }

    /// 20:00 on a fixed evening, plus `minutes`.
    fn at(minutes: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 20, 0, 0)
            .single()
            .expect("valid")
            + chrono::Duration::minutes(minutes)
    }

    /// Ada's entry number `id`, recorded `minutes` after 20:00 in `session`.
    fn entry(
        id: i64,
        minutes: i64,
        kind: KillKind,
        count: u32,
        session: Option<i64>,
    ) -> LedgerEntry {
        LedgerEntry {
            id,
            guild_id: GuildId(1),
            player_id: ADA,
            kind,
            count,
            victim_id: None,
            note: None,
            recorded_by: ADA,
            recorded_at: at(minutes),
            channel_id: ChannelId(5),
            game: None,
            session_id: session,
            season_id: None,
            undone_at: None,
            undone_by: None,
        }
    }

    fn kills(id: i64, minutes: i64, count: u32, session: Option<i64>) -> LedgerEntry {
        entry(id, minutes, KillKind::Kill, count, session)
    }

    fn teamkill(id: i64, minutes: i64, session: Option<i64>) -> LedgerEntry {
        entry(id, minutes, KillKind::Teamkill, 1, session)
    }

    fn undone(mut entry: LedgerEntry) -> LedgerEntry {
        entry.undone_at = Some(entry.recorded_at + chrono::Duration::minutes(1));
        entry.undone_by = Some(ADA);
        entry
    }

    #[test]
    fn a_player_with_no_entries_has_nothing() {
        let stats = player_stats(&[]);
        assert_eq!(stats, PlayerStats::default());
        assert_eq!(stats.kills_per_session(), None);
        assert_eq!(stats.best_session, None);
    }

    #[test]
    fn ada_records_3_kills_then_a_teamkill_then_5_kills_longest_streak_5() {
        let stats = stats_of(&[
            kills(1, 0, 3, None),
            teamkill(2, 10, None),
            kills(3, 20, 5, None),
        ]);
        assert_eq!(stats.kills, 8);
        assert_eq!(stats.teamkills, 1);
        assert_eq!(stats.longest_streak, 5);
    }

    #[test]
    fn the_streak_follows_recording_time_not_the_order_given() {
        // Given out of order: 2 kills at 20:00, 4 at 20:30, a teamkill at 20:10. In time order the
        // teamkill splits 2 | 4, so the streak is 4, not 6.
        let stats = stats_of(&[
            kills(3, 30, 4, None),
            kills(1, 0, 2, None),
            teamkill(2, 10, None),
        ]);
        assert_eq!(stats.longest_streak, 4);

        // Recorded in the same instant, the entry id decides: 3 kills (#4), a teamkill (#5), then
        // 2 kills (#6), so the streak is 3, not the 5 the order given would suggest.
        let same_instant = stats_of(&[
            kills(6, 0, 2, None),
            kills(4, 0, 3, None),
            teamkill(5, 0, None),
        ]);
        assert_eq!(same_instant.longest_streak, 3);
    }

    #[test]
    fn kills_in_a_row_add_up_across_entries_and_sessions() {
        let stats = stats_of(&[
            kills(1, 0, 3, Some(10)),
            kills(2, 5, 2, None),
            kills(3, 90, 4, Some(11)),
        ]);
        assert_eq!(stats.longest_streak, 9);
    }

    #[test]
    fn an_undone_teamkill_does_not_break_the_streak_and_undone_kills_count_nowhere() {
        let stats = stats_of(&[
            kills(1, 0, 3, Some(10)),
            undone(teamkill(2, 10, Some(10))),
            kills(3, 20, 5, Some(10)),
            undone(kills(4, 30, 50, Some(12))),
        ]);
        assert_eq!(stats.kills, 8);
        assert_eq!(stats.teamkills, 0);
        assert_eq!(stats.longest_streak, 8);
        // Session 12 holds only an undone entry: Ada did not play it.
        assert_eq!(stats.sessions, 1);
        assert_eq!(
            stats.best_session,
            Some(SessionBest {
                session_id: 10,
                kills: 8
            })
        );
    }

    #[test]
    fn sessions_include_those_with_only_teamkills_and_the_average_ignores_kills_outside_sessions() {
        let stats = stats_of(&[
            kills(1, 0, 6, Some(10)),
            teamkill(2, 60, Some(11)),
            kills(3, 120, 7, None),
        ]);
        assert_eq!(stats.sessions, 2);
        assert_eq!(stats.kills_in_sessions, 6);
        assert_eq!(stats.kills, 13);
        assert_eq!(stats.kills_per_session(), Some(3.0));
    }

    #[test]
    fn the_best_session_is_the_one_with_most_kills_and_the_earlier_id_on_a_tie() {
        let stats = stats_of(&[
            kills(1, 0, 4, Some(30)),
            kills(2, 60, 2, Some(20)),
            kills(3, 61, 2, Some(20)),
            kills(4, 120, 3, Some(40)),
        ]);
        // Sessions 20 and 30 both have 4 kills: the earlier id wins.
        assert_eq!(
            stats.best_session,
            Some(SessionBest {
                session_id: 20,
                kills: 4
            })
        );

        let clear_winner = stats_of(&[kills(1, 0, 4, Some(30)), kills(2, 60, 5, Some(40))]);
        assert_eq!(
            clear_winner.best_session,
            Some(SessionBest {
                session_id: 40,
                kills: 5
            })
        );
    }

    #[test]
    fn sessions_of_teamkills_only_give_no_best_session() {
        let stats = stats_of(&[teamkill(1, 0, Some(10)), kills(2, 10, 3, None)]);
        assert_eq!(stats.sessions, 1);
        assert_eq!(stats.best_session, None);
        assert_eq!(stats.kills_per_session(), Some(0.0));
    }
}
