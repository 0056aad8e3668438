//! The summary posted when a game session ends: how long it ran, each participant's line, the
//! MVP, who team-killed most, and how it compares with the squad's previous session of that game.
//!
//! Also the per-player lines and their order, which /team-stats reuses for its top players so
//! both rank players the same way.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use super::ids::UserId;
use super::kills::{KillKind, LedgerEntry};

/// One player's totals in a summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlayerLine {
    /// The player.
    pub player: UserId,
    /// Their kills.
    pub kills: u64,
    /// Their team kills.
    pub teamkills: u64,
}

/// The previous session of the same game, next to this one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Comparison {
    /// Kills in the previous session.
    pub previous_kills: u64,
    /// Team kills in the previous session.
    pub previous_teamkills: u64,
    /// Players with a counting entry in the previous session.
    pub previous_participants: usize,
    /// This session's kills minus the previous session's (negative when this one had fewer).
    pub kills_delta: i64,
}

/// What a session's end shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionSummary {
    /// How long the session ran; never negative.
    pub duration: Duration,
    /// One line per participant (every player with a counting entry), best first: by kills
    /// descending, then team kills ascending, then player id ascending.
    pub lines: Vec<PlayerLine>,
    /// Kills by everyone.
    pub total_kills: u64,
    /// Team kills by everyone.
    pub total_teamkills: u64,
    /// The first line, when it has at least one kill.
    pub mvp: Option<PlayerLine>,
    /// The player with the most team kills, the smaller player id on a tie; `None` when nobody
    /// team-killed.
    pub most_teamkills: Option<PlayerLine>,
    /// The squad's previous session of the same game; `None` when there was none.
    pub versus_previous: Option<Comparison>,
}

/// Sums the counting entries per player, in summary order: kills descending, then team kills
/// ascending, then player id ascending. Undone entries count nowhere; a player whose every entry
/// was undone has no line.
#[must_use]
pub fn player_lines(entries: &[LedgerEntry]) -> Vec<PlayerLine> {
    let mut by_player: BTreeMap<UserId, PlayerLine> = BTreeMap::new();
    for entry in entries.iter().filter(|entry| entry.counts()) {
        let line = by_player.entry(entry.player_id).or_insert(PlayerLine {
            player: entry.player_id,
            kills: 0,
            teamkills: 0,
        });
        match entry.kind {
            KillKind::Kill => line.kills += u64::from(entry.count),
            KillKind::Teamkill => line.teamkills += u64::from(entry.count),
        }
    }
    let mut lines: Vec<PlayerLine> = by_player.into_values().collect();
    lines.sort_by(|a, b| {
        b.kills
            .cmp(&a.kills)
            .then(a.teamkills.cmp(&b.teamkills))
            .then(a.player.cmp(&b.player))
    });
    lines
}

/// Summarizes a session that ran from `started_at` to `ended_at` with these `entries`, next to
/// the `previous` session of the same game (`None` when there was none; an empty slice is a
/// previous session where nothing was recorded).
#[must_use]
pub fn summarize(
    started_at: DateTime<Utc>,
    ended_at: DateTime<Utc>,
    entries: &[LedgerEntry],
    previous: Option<&[LedgerEntry]>,
) -> SessionSummary {
    let lines = player_lines(entries);
    let total_kills = lines.iter().map(|line| line.kills).sum();
    let total_teamkills = lines.iter().map(|line| line.teamkills).sum();
    let mvp = lines.first().copied().filter(|line| line.kills > 0);
    let most_teamkills = lines
        .iter()
        .filter(|line| line.teamkills > 0)
        .min_by(|a, b| b.teamkills.cmp(&a.teamkills).then(a.player.cmp(&b.player)))
        .copied();
    let versus_previous = previous.map(|previous| {
        let previous_lines = player_lines(previous);
        let previous_kills: u64 = previous_lines.iter().map(|line| line.kills).sum();
        Comparison {
            previous_kills,
            previous_teamkills: previous_lines.iter().map(|line| line.teamkills).sum(),
            previous_participants: previous_lines.len(),
            kills_delta: signed(total_kills).saturating_sub(signed(previous_kills)),
        }
    });
    SessionSummary {
        duration: (ended_at - started_at).max(Duration::zero()),
        lines,
        total_kills,
        total_teamkills,
        mvp,
        most_teamkills,
        versus_previous,
    }
}

/// A total as a signed number; totals are bounded by the ledger, far below `i64::MAX`.
fn signed(total: u64) -> i64 {
    i64::try_from(total).unwrap_or(i64::MAX)
}

/// A session's length as users read it: "2 h 05 min", "45 min", "0 min". Seconds are dropped;
/// a negative duration reads "0 min".
#[must_use]
pub fn humanize_duration(duration: Duration) -> String {
    let minutes = duration.num_minutes().max(0);
    let (hours, minutes) = (minutes / 60, minutes % 60);
    if hours > 0 {
        format!("{hours} h {minutes:02} min")
    } else {
        format!("{minutes} min")
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::ids::{ChannelId, GuildId};

    const ADA: UserId = UserId(1);
    const BOB: UserId = UserId(2);
    const CY: UserId = UserId(3);

    /// 20:00 on a fixed evening, plus `minutes`.
    fn at(minutes: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 20, 0, 0)
            .single()
            .expect("valid")
            + Duration::minutes(minutes)
    }

    fn entry(player: UserId, kind: KillKind, count: u32) -> LedgerEntry {
        LedgerEntry {
            id: 1,
            guild_id: GuildId(1),
            player_id: player,
            kind,
            count,
            victim_id: None,
            note: None,
            recorded_by: player,
            recorded_at: at(10),
            channel_id: ChannelId(5),
            game: Some("PUBG".to_owned()),
            session_id: Some(7),
            season_id: None,
            undone_at: None,
            undone_by: None,
        }
    }

    fn kills(player: UserId, count: u32) -> LedgerEntry {
        entry(player, KillKind::Kill, count)
    }

    fn teamkills(player: UserId, count: u32) -> LedgerEntry {
        entry(player, KillKind::Teamkill, count)
    }

    fn undone(mut entry: LedgerEntry) -> LedgerEntry {
        entry.undone_at = Some(at(20));
        entry.undone_by = Some(entry.player_id);
        entry
    }

    fn line(player: UserId, kills: u64, teamkills: u64) -> PlayerLine {
        PlayerLine {
            player,
            kills,
            teamkills,
        }
    }

    /// A session from 20:00 to 22:05.
    fn evening(entries: &[LedgerEntry], previous: Option<&[LedgerEntry]>) -> SessionSummary {
        summarize(at(0), at(125), entries, previous)
    }

    #[test]
    fn ada_bob_and_cy_play_for_two_hours_and_ada_is_mvp() {
        let summary = evening(
            &[
                kills(BOB, 3),
                kills(ADA, 5),
                teamkills(CY, 1),
                kills(ADA, 2),
                kills(CY, 1),
            ],
            None,
        );
        assert_eq!(summary.duration, Duration::minutes(125));
        assert_eq!(
            summary.lines,
            [line(ADA, 7, 0), line(BOB, 3, 0), line(CY, 1, 1)]
        );
        assert_eq!(summary.total_kills, 11);
        assert_eq!(summary.total_teamkills, 1);
        assert_eq!(summary.mvp, Some(line(ADA, 7, 0)));
        assert_eq!(summary.most_teamkills, Some(line(CY, 1, 1)));
        assert_eq!(summary.versus_previous, None);
    }

    #[test]
    fn equal_kills_rank_fewer_teamkills_first_then_the_smaller_player_id() {
        let summary = evening(
            &[
                kills(CY, 4),
                kills(BOB, 4),
                teamkills(BOB, 2),
                kills(ADA, 4),
                teamkills(ADA, 2),
            ],
            None,
        );
        assert_eq!(
            summary.lines,
            [line(CY, 4, 0), line(ADA, 4, 2), line(BOB, 4, 2)]
        );
        // Ada and Bob tie on team kills: the smaller id is named.
        assert_eq!(summary.most_teamkills, Some(line(ADA, 4, 2)));
        assert_eq!(summary.mvp, Some(line(CY, 4, 0)));
    }

    #[test]
    fn a_session_of_only_teamkills_has_no_mvp_and_a_quiet_one_has_no_lines() {
        let summary = evening(&[teamkills(BOB, 1), teamkills(ADA, 3)], None);
        assert_eq!(summary.mvp, None);
        assert_eq!(summary.lines, [line(BOB, 0, 1), line(ADA, 0, 3)]);
        assert_eq!(summary.most_teamkills, Some(line(ADA, 0, 3)));

        let quiet = evening(&[], None);
        assert!(quiet.lines.is_empty());
        assert_eq!((quiet.mvp, quiet.most_teamkills), (None, None));
        assert_eq!((quiet.total_kills, quiet.total_teamkills), (0, 0));
    }

    #[test]
    fn undone_entries_and_players_whose_entries_were_all_undone_are_left_out() {
        let summary = evening(
            &[
                kills(ADA, 2),
                undone(kills(BOB, 50)),
                undone(teamkills(ADA, 1)),
                kills(CY, 1),
            ],
            Some(&[kills(BOB, 4), undone(kills(CY, 9))]),
        );
        assert_eq!(summary.lines, [line(ADA, 2, 0), line(CY, 1, 0)]);
        assert_eq!(summary.total_kills, 3);
        assert_eq!(summary.most_teamkills, None);
        let versus = summary.versus_previous.expect("a previous session");
        assert_eq!(versus.previous_kills, 4);
        assert_eq!(versus.previous_participants, 1);
    }

    #[test]
    fn the_comparison_shows_fewer_kills_than_last_time_as_a_negative_delta() {
        let previous = [kills(ADA, 6), kills(BOB, 4), teamkills(CY, 2)];
        let summary = evening(&[kills(ADA, 3), kills(BOB, 1)], Some(&previous));
        assert_eq!(
            summary.versus_previous,
            Some(Comparison {
                previous_kills: 10,
                previous_teamkills: 2,
                previous_participants: 3,
                kills_delta: -6,
            })
        );
    }

    #[test]
    fn a_previous_session_with_nothing_recorded_still_compares() {
        let summary = evening(&[kills(ADA, 3)], Some(&[]));
        assert_eq!(
            summary.versus_previous,
            Some(Comparison {
                previous_kills: 0,
                previous_teamkills: 0,
                previous_participants: 0,
                kills_delta: 3,
            })
        );
    }

    #[test]
    fn a_session_ended_before_it_started_lasted_nothing() {
        let summary = summarize(at(30), at(0), &[], None);
        assert_eq!(summary.duration, Duration::zero());
    }

    #[test]
    fn durations_read_in_hours_and_minutes() {
        assert_eq!(humanize_duration(Duration::minutes(125)), "2 h 05 min");
        assert_eq!(
            humanize_duration(Duration::minutes(45) + Duration::seconds(59)),
            "45 min"
        );
        assert_eq!(humanize_duration(Duration::minutes(60)), "1 h 00 min");
        assert_eq!(
            humanize_duration(Duration::hours(26) + Duration::minutes(10)),
            "26 h 10 min"
        );
        assert_eq!(humanize_duration(Duration::seconds(59)), "0 min");
        assert_eq!(humanize_duration(Duration::minutes(-5)), "0 min");
    }
}
