//! Leaderboard rules: which entries a board counts, what its cache key is called, and how ties are
//! ordered, so the cache and the store rank players identically.
//!
//! A board is a [`BoardScope`]: one kind (kills or teamkills), one span (all time, one season, or
//! since a UTC day) and optionally one game. Periods users pick ([`Period`]) resolve to a span;
//! "7 days" means today and the six UTC days before it, so a board's start is a fixed moment that
//! a Discord timestamp can show, and its cache entry can be kept current by increments.

use chrono::{DateTime, Days, NaiveDate, Utc};

use super::ids::UserId;
use super::kills::{KillKind, LedgerEntry};
use super::names::{game_code, game_key};

/// The period a user picks for a leaderboard or stats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    /// The running season; all time when none is running.
    Season,
    /// Everything ever recorded.
    AllTime,
    /// Today and the six UTC days before.
    Days7,
    /// Today and the 29 UTC days before.
    Days30,
}

impl Period {
    /// How users read it.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Season => "this season",
            Self::AllTime => "all time",
            Self::Days7 => "last 7 days",
            Self::Days30 => "last 30 days",
        }
    }

    /// The span this period covers at `now`, given the running season.
    #[must_use]
    pub fn span(self, now: DateTime<Utc>, running_season: Option<i64>) -> Span {
        match self {
            Self::Season => running_season.map_or(Span::AllTime, Span::Season),
            Self::AllTime => Span::AllTime,
            Self::Days7 => Span::Since(window_start(now, 7)),
            Self::Days30 => Span::Since(window_start(now, 30)),
        }
    }
}

/// The first UTC day of a window of `days` days ending today.
#[must_use]
pub fn window_start(now: DateTime<Utc>, days: u64) -> NaiveDate {
    let today = now.date_naive();
    today
        .checked_sub_days(Days::new(days.saturating_sub(1)))
        .unwrap_or(today)
}

/// Which entries a board counts, by time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Span {
    /// Every entry.
    AllTime,
    /// Entries recorded while this season ran.
    Season(i64),
    /// Entries recorded on or after this UTC day.
    Since(NaiveDate),
}

impl Span {
    /// The moment the span starts, when it has a fixed one.
    #[must_use]
    pub fn since(self) -> Option<DateTime<Utc>> {
        match self {
            Self::Since(day) => Some(day.and_time(chrono::NaiveTime::MIN).and_utc()),
            Self::AllTime | Self::Season(_) => None,
        }
    }
}

/// One leaderboard: a kind, a span and optionally one game.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BoardScope {
    /// Kills or teamkills.
    pub kind: KillKind,
    /// Which entries by time.
    pub span: Span,
    /// Only this game (by [`game_key`]), or every game.
    pub game: Option<String>,
}

impl BoardScope {
    /// A board for `kind` over `span`, for one game (any spelling) or all.
    #[must_use]
    pub fn new(kind: KillKind, span: Span, game: Option<&str>) -> Self {
        Self {
            kind,
            span,
            game: game.map(game_key),
        }
    }

    /// The board's cache key name, e.g. `lb:kills:s:12:all` or `lb:teamkills:d:20261121:<code>`.
    #[must_use]
    pub fn cache_name(&self) -> String {
        let span = match self.span {
            Span::AllTime => "all".to_owned(),
            Span::Season(id) => format!("s:{id}"),
            Span::Since(day) => format!("d:{}", day.format("%Y%m%d")),
        };
        let game = self
            .game
            .as_deref()
            .map_or_else(|| "all".to_owned(), game_code);
        format!("lb:{}:{span}:{game}", self.kind.slug())
    }

    /// Whether `entry` counts on this board. Undone entries never do, nor entries of a member
    /// who erased their data: those count for the squad, but belong to no one's standing.
    #[must_use]
    pub fn includes(&self, entry: &LedgerEntry) -> bool {
        entry.counts()
            && !entry.player_id.is_erased()
            && entry.kind == self.kind
            && match self.span {
                Span::AllTime => true,
                Span::Season(id) => entry.season_id == Some(id),
                Span::Since(day) => entry.recorded_at.date_naive() >= day,
            }
            && match &self.game {
                None => true,
                Some(key) => entry.game.as_deref().map(game_key).as_ref() == Some(key),
            }
    }
}

/// One row of a leaderboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Standing {
    /// The player.
    pub player: UserId,
    /// Their total on the board.
    pub total: i64,
}

/// Orders totals the way Redis orders a sorted set read highest first: by total, then by the
/// member's text (the user id in decimal), both descending. Players with nothing (a total of 0
/// after an undo) are not on the board.
#[must_use]
pub fn ranked(mut standings: Vec<Standing>) -> Vec<Standing> {
    standings.retain(|standing| standing.total > 0);
    standings.sort_by(|a, b| {
        b.total
            .cmp(&a.total)
            .then_with(|| b.player.to_string().cmp(&a.player.to_string()))
    });
    standings
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::ids::{ChannelId, GuildId};

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0)
            .single()
            .expect("valid")
    }

    fn entry(
        kind: KillKind,
        when: DateTime<Utc>,
        game: Option<&str>,
        season: Option<i64>,
    ) -> LedgerEntry {
        LedgerEntry {
            id: 1,
            guild_id: GuildId(1),
            player_id: UserId(7),
            kind,
            count: 3,
            victim_id: None,
            note: None,
            recorded_by: UserId(7),
            recorded_at: when,
            channel_id: ChannelId(5),
            game: game.map(str::to_owned),
            session_id: None,
            season_id: season,
            undone_at: None,
            undone_by: None,
        }
    }

    #[test]
    fn seven_days_means_today_and_the_six_utc_days_before() {
        let now = at(2026, 11, 21, 0);
        assert_eq!(
            window_start(now, 7),
            NaiveDate::from_ymd_opt(2026, 11, 15).expect("date")
        );
        assert_eq!(
            window_start(now, 30),
            NaiveDate::from_ymd_opt(2026, 10, 23).expect("date")
        );
    }

    #[test]
    fn the_season_period_without_a_running_season_is_all_time() {
        let now = at(2026, 11, 21, 12);
        assert_eq!(Period::Season.span(now, None), Span::AllTime);
        assert_eq!(Period::Season.span(now, Some(4)), Span::Season(4));
    }

    #[test]
    fn a_board_counts_only_its_kind_span_and_game() {
        let board = BoardScope::new(
            KillKind::Kill,
            Span::Since(window_start(at(2026, 11, 21, 9), 7)),
            Some("PUBG"),
        );
        assert!(board.includes(&entry(
            KillKind::Kill,
            at(2026, 11, 15, 0),
            Some("pubg"),
            None
        )));
        assert!(!board.includes(&entry(
            KillKind::Kill,
            at(2026, 11, 14, 23),
            Some("PUBG"),
            None
        )));
        assert!(!board.includes(&entry(
            KillKind::Teamkill,
            at(2026, 11, 20, 0),
            Some("PUBG"),
            None
        )));
        assert!(!board.includes(&entry(
            KillKind::Kill,
            at(2026, 11, 20, 0),
            Some("Apex Legends"),
            None
        )));
        assert!(!board.includes(&entry(KillKind::Kill, at(2026, 11, 20, 0), None, None)));

        let season = BoardScope::new(KillKind::Kill, Span::Season(2), None);
        assert!(season.includes(&entry(KillKind::Kill, at(2020, 1, 1, 0), None, Some(2))));
        assert!(!season.includes(&entry(KillKind::Kill, at(2026, 1, 1, 0), None, Some(3))));
    }

    #[test]
    fn undone_entries_count_nowhere() {
        let mut undone = entry(KillKind::Kill, at(2026, 11, 20, 0), None, None);
        undone.undone_at = Some(at(2026, 11, 20, 1));
        assert!(!BoardScope::new(KillKind::Kill, Span::AllTime, None).includes(&undone));
    }

    #[test]
    fn cache_names_are_distinct_per_kind_span_and_game() {
        let names: std::collections::HashSet<String> = [
            BoardScope::new(KillKind::Kill, Span::AllTime, None),
            BoardScope::new(KillKind::Teamkill, Span::AllTime, None),
            BoardScope::new(KillKind::Kill, Span::Season(1), None),
            BoardScope::new(KillKind::Kill, Span::Season(1), Some("PUBG")),
            BoardScope::new(
                KillKind::Kill,
                Span::Since(NaiveDate::from_ymd_opt(2026, 11, 15).expect("date")),
                None,
            ),
        ]
        .iter()
        .map(BoardScope::cache_name)
        .collect();
        assert_eq!(names.len(), 5);
        assert_eq!(
            BoardScope::new(KillKind::Kill, Span::Season(12), None).cache_name(),
            "lb:kills:s:12:all"
        );
    }

    #[test]
    fn ties_are_ordered_like_redis_and_zero_totals_dropped() {
        let standing = |player, total| Standing {
            player: UserId(player),
            total,
        };
        let order: Vec<u64> = ranked(vec![
            standing(9, 5),
            standing(10, 5),
            standing(3, 8),
            standing(4, 0),
        ])
        .iter()
        .map(|s| s.player.0)
        .collect();
        // "9" > "10" as text, which is how Redis breaks the tie.
        assert_eq!(order, [3, 9, 10]);
    }
}
