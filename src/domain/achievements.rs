//! Achievements: milestones a member reaches (a kill total, a big session, a long clean streak,
//! sessions played, voice hours, weeks in a row in voice, a season's first kill), each with a
//! badge emoji and a name. Some are built in; managers add their own. "Shame" badges (team kills
//! in one session) are milestones too, which a server can turn off.
//!
//! This module only decides: given what a member has done ([`Progress`]) and the server's
//! milestones, which are reached. Whether a badge is new, announced or taken back is the
//! store's and the service's business; the store's unique key makes each unlock happen once.

use std::collections::BTreeMap;
use std::fmt;

use super::kills::{KillKind, Tally};

/// What a milestone counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Measure {
    /// Kills recorded, all time.
    Kills,
    /// Kills in one game session.
    SessionKills,
    /// Kills in a row with no team kill in between.
    CleanStreak,
    /// Game sessions played (with at least one entry).
    Sessions,
    /// Hours spent in voice channels, all time.
    VoiceHours,
    /// Weeks in a row (Monday to Sunday, UTC) with some voice time, the current or last one
    /// included.
    VoiceWeeks,
    /// The first kill of a season (the threshold is 1).
    SeasonFirstKill,
    /// Team kills in one game session: a shame badge.
    SessionTeamKills,
}

impl Measure {
    /// Every measure, in the order lists show them.
    pub const ALL: [Self; 8] = [
        Self::Kills,
        Self::SessionKills,
        Self::CleanStreak,
        Self::Sessions,
        Self::VoiceHours,
        Self::VoiceWeeks,
        Self::SeasonFirstKill,
        Self::SessionTeamKills,
    ];

    /// The name stored in the database and typed in commands.
    #[must_use]
    pub const fn key(self) -> &'static str {
        match self {
            Self::Kills => "kills",
            Self::SessionKills => "session-kills",
            Self::CleanStreak => "clean-streak",
            Self::Sessions => "sessions",
            Self::VoiceHours => "voice-hours",
            Self::VoiceWeeks => "voice-weeks",
            Self::SeasonFirstKill => "season-first-kill",
            Self::SessionTeamKills => "session-teamkills",
        }
    }

    /// The measure with this [`Measure::key`].
    #[must_use]
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|measure| measure.key() == key)
    }

    /// How a threshold of this measure reads: "100 kills".
    #[must_use]
    pub fn describe(self, threshold: u64) -> String {
        let plural = |one: &str, many: &str| if threshold == 1 { one } else { many }.to_owned();
        let unit = match self {
            Self::Kills => plural("kill", "kills"),
            Self::SessionKills => plural("kill in one session", "kills in one session"),
            Self::CleanStreak => plural(
                "kill without a team kill",
                "kills in a row without a team kill",
            ),
            Self::Sessions => plural("session played", "sessions played"),
            Self::VoiceHours => plural("hour in voice", "hours in voice"),
            Self::VoiceWeeks => plural("week in voice", "weeks in a row in voice"),
            Self::SeasonFirstKill => return "the first kill of a season".to_owned(),
            Self::SessionTeamKills => {
                plural("team kill in one session", "team kills in one session")
            }
        };
        format!("{threshold} {unit}")
    }

    /// Whether the kill ledger decides it (so /track and /untrack check it); the others come
    /// from voice time.
    #[must_use]
    pub const fn from_ledger(self) -> bool {
        !matches!(self, Self::VoiceHours | Self::VoiceWeeks)
    }

    /// Whether it is a shame badge, which a server can turn off.
    #[must_use]
    pub const fn is_shame(self) -> bool {
        matches!(self, Self::SessionTeamKills)
    }

    /// The highest threshold a milestone of this measure may have.
    #[must_use]
    pub const fn max_threshold(self) -> u64 {
        match self {
            Self::Kills => 10_000_000,
            Self::SessionKills | Self::CleanStreak | Self::SessionTeamKills => 100_000,
            Self::Sessions | Self::VoiceHours => 1_000_000,
            Self::VoiceWeeks => 5_200,
            Self::SeasonFirstKill => 1,
        }
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A threshold checked against its measure's limits: a forged 0 or 10¹² never reaches the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Threshold(u64);

impl Threshold {
    /// Checks `value` for `measure`; the error is a sentence for the member.
    ///
    /// # Errors
    /// Below 1 or above the measure's [`Measure::max_threshold`].
    pub fn new(measure: Measure, value: i64) -> Result<Self, String> {
        let max = measure.max_threshold();
        match u64::try_from(value) {
            Ok(value) if (1..=max).contains(&value) => Ok(Self(value)),
            _ if max == 1 => Err(format!(
                "A milestone for {} takes no number other than 1.",
                measure.describe(1)
            )),
            _ => Err(format!(
                "A milestone for {} needs a number from 1 to {max}.",
                measure.key()
            )),
        }
    }

    /// The number.
    #[must_use]
    pub const fn get(self) -> u64 {
        self.0
    }
}

/// One milestone of a server: built in, or added by a manager.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Milestone {
    /// Its stable key: `kills-100` for a built-in one, `custom-<n>` for a server's own.
    pub key: String,
    /// Its name, e.g. "Centurion".
    pub name: String,
    /// Its badge: a unicode emoji or a custom one as `<:name:id>`.
    pub emoji: String,
    /// What it counts.
    pub measure: Measure,
    /// How much of it.
    pub threshold: u64,
}

impl Milestone {
    /// "🎯 **Centurion** (100 kills)".
    #[must_use]
    pub fn badge(&self) -> String {
        format!(
            "{} **{}** ({})",
            self.emoji,
            self.name,
            self.measure.describe(self.threshold)
        )
    }
}

/// The milestones every server has unless it turns shame badges off.
#[must_use]
pub fn built_in() -> Vec<Milestone> {
    const LIST: &[(Measure, u64, &str, &str)] = &[
        (Measure::Kills, 100, "Centurion", "🎯"),
        (Measure::Kills, 500, "Veteran", "🎖️"),
        (Measure::Kills, 1_000, "Legend", "🏆"),
        (Measure::Kills, 5_000, "Myth", "👑"),
        (Measure::SessionKills, 10, "On Fire", "🔥"),
        (Measure::SessionKills, 25, "Unstoppable", "⚡"),
        (Measure::CleanStreak, 50, "Clean Hands", "🧤"),
        (Measure::CleanStreak, 200, "Surgeon", "🩺"),
        (Measure::Sessions, 10, "Regular", "🎮"),
        (Measure::Sessions, 50, "Squad Pillar", "🏛️"),
        (Measure::Sessions, 100, "Lifer", "💯"),
        (Measure::VoiceHours, 10, "Talker", "🎙️"),
        (Measure::VoiceHours, 100, "Voice of the Squad", "📻"),
        (Measure::VoiceHours, 500, "Never Hangs Up", "☎️"),
        (Measure::VoiceWeeks, 4, "Month Strong", "📅"),
        (Measure::VoiceWeeks, 12, "Season Strong", "🗓️"),
        (Measure::SeasonFirstKill, 1, "First Blood", "🩸"),
        (Measure::SessionTeamKills, 3, "Friendly Fire", "🤡"),
        (Measure::SessionTeamKills, 5, "Traitor", "🐍"),
    ];
    LIST.iter()
        .map(|&(measure, threshold, name, emoji)| Milestone {
            key: format!("{}-{threshold}", measure.key()),
            name: name.to_owned(),
            emoji: emoji.to_owned(),
            measure,
            threshold,
        })
        .collect()
}

/// What one member has done, as far as milestones care; a measure not read is 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Kills, all time.
    pub kills: u64,
    /// The most kills in one session.
    pub best_session_kills: u64,
    /// The longest run of kills with no team kill in between.
    pub longest_clean_streak: u64,
    /// Sessions played.
    pub sessions: u64,
    /// Whether they hold the first kill of some season.
    pub season_first_kill: bool,
    /// The most team kills in one session.
    pub worst_session_teamkills: u64,
    /// Whole hours in voice, all time.
    pub voice_hours: u64,
    /// Weeks in a row with voice time.
    pub voice_weeks: u64,
}

impl Progress {
    /// The ledger's part of a member's progress, from their counting entries in any order;
    /// `first_kill_of_a_season` says whether one of them opened a season.
    #[must_use]
    pub fn from_ledger(entries: &[Tally], first_kill_of_a_season: bool) -> Self {
        let stats = super::player_stats::player_stats(entries);
        let mut teamkills_by_session: BTreeMap<i64, u64> = BTreeMap::new();
        for entry in entries {
            if let (KillKind::Teamkill, Some(session)) = (entry.kind, entry.session_id) {
                *teamkills_by_session.entry(session).or_default() += u64::from(entry.count);
            }
        }
        Self {
            kills: stats.kills,
            best_session_kills: stats.best_session.map_or(0, |best| best.kills),
            longest_clean_streak: stats.longest_streak,
            sessions: stats.sessions,
            season_first_kill: first_kill_of_a_season,
            worst_session_teamkills: teamkills_by_session.values().copied().max().unwrap_or(0),
            voice_hours: 0,
            voice_weeks: 0,
        }
    }

    /// How far along `measure` this member is.
    #[must_use]
    pub const fn of(&self, measure: Measure) -> u64 {
        match measure {
            Measure::Kills => self.kills,
            Measure::SessionKills => self.best_session_kills,
            Measure::CleanStreak => self.longest_clean_streak,
            Measure::Sessions => self.sessions,
            Measure::VoiceHours => self.voice_hours,
            Measure::VoiceWeeks => self.voice_weeks,
            Measure::SeasonFirstKill => self.season_first_kill as u64,
            Measure::SessionTeamKills => self.worst_session_teamkills,
        }
    }
}

/// What changes for a member after some of their measures were read again.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verdict<'a> {
    /// Milestones reached and not held yet.
    pub unlock: Vec<&'a Milestone>,
    /// Milestones held but no longer reached (an entry was undone).
    pub revoke: Vec<&'a Milestone>,
}

/// Compares `progress` on the measures in `read` with the milestones `held` (by key):
/// milestones of other measures are left as they are, whatever `progress` says of them, and
/// voice badges are never taken back.
#[must_use]
pub fn judge<'a>(
    milestones: &'a [Milestone],
    read: &[Measure],
    progress: &Progress,
    held: &[String],
) -> Verdict<'a> {
    let mut verdict = Verdict::default();
    for milestone in milestones.iter().filter(|m| read.contains(&m.measure)) {
        let reached = progress.of(milestone.measure) >= milestone.threshold;
        let holds = held.contains(&milestone.key);
        match (reached, holds) {
            (true, false) => verdict.unlock.push(milestone),
            // A streak once reached stays won, and voice hours only fall when retention or an
            // erasure removes stays: only the ledger, which /untrack corrects, takes badges back.
            (false, true) if milestone.measure.from_ledger() => verdict.revoke.push(milestone),
            _ => {}
        }
    }
    verdict
}

/// Weeks in a row with voice time, counted back from the week of `today` (or the week before,
/// when this week has none yet), given the Monday-based week numbers that had some.
#[must_use]
pub fn weeks_in_a_row(weeks_with_voice: &[i64], this_week: i64) -> u64 {
    let has = |week: i64| weeks_with_voice.binary_search(&week).is_ok();
    let mut week = if has(this_week) {
        this_week
    } else {
        this_week - 1
    };
    let mut run = 0;
    while has(week) {
        run += 1;
        week -= 1;
    }
    run
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};

    use super::*;

    fn tally(id: i64, kind: KillKind, count: u32, session: Option<i64>) -> Tally {
        Tally {
            id,
            kind,
            count,
            session_id: session,
            season_id: None,
            recorded_at: Utc
                .with_ymd_and_hms(2026, 12, 1, 20, 0, 0)
                .single()
                .expect("valid")
                + Duration::minutes(id),
        }
    }

    #[test]
    fn built_in_keys_are_unique_and_every_threshold_is_valid() {
        let all = built_in();
        for milestone in &all {
            let threshold = i64::try_from(milestone.threshold).expect("small");
            assert!(
                Threshold::new(milestone.measure, threshold).is_ok(),
                "{milestone:?}"
            );
            assert_eq!(
                all.iter()
                    .filter(|other| other.key == milestone.key)
                    .count(),
                1
            );
        }
    }

    #[test]
    fn thresholds_outside_a_measures_range_are_refused() {
        for bad in [0, -1, 1_000_000_000_000] {
            let refused = Threshold::new(Measure::Kills, bad).expect_err("refused");
            assert!(refused.contains("1 to 10000000"), "{refused}");
        }
        assert!(Threshold::new(Measure::SeasonFirstKill, 2).is_err());
        assert_eq!(
            Threshold::new(Measure::Kills, 100).map(Threshold::get),
            Ok(100)
        );
    }

    #[test]
    fn measures_round_trip_through_their_keys() {
        for measure in Measure::ALL {
            assert_eq!(Measure::from_key(measure.key()), Some(measure));
        }
        assert_eq!(Measure::from_key("kill"), None);
    }

    #[test]
    fn progress_reads_the_ledger() {
        let entries = [
            tally(1, KillKind::Kill, 5, Some(10)),
            tally(2, KillKind::Teamkill, 1, Some(10)),
            tally(3, KillKind::Kill, 7, Some(11)),
            tally(4, KillKind::Teamkill, 2, Some(11)),
            tally(5, KillKind::Teamkill, 1, Some(11)),
            tally(6, KillKind::Kill, 4, None),
        ];
        let progress = Progress::from_ledger(&entries, true);
        assert_eq!(progress.kills, 16);
        assert_eq!(progress.best_session_kills, 7);
        assert_eq!(progress.longest_clean_streak, 7);
        assert_eq!(progress.sessions, 2);
        assert_eq!(progress.worst_session_teamkills, 3);
        assert!(progress.season_first_kill);
        assert_eq!(progress.of(Measure::SeasonFirstKill), 1);
    }

    #[test]
    fn judging_unlocks_what_is_reached_and_revokes_what_is_not_any_more() {
        let milestones = built_in();
        let progress = Progress {
            kills: 120,
            ..Progress::default()
        };
        let held = vec!["kills-500".to_owned(), "voice-hours-10".to_owned()];
        let verdict = judge(&milestones, &[Measure::Kills], &progress, &held);
        let keys = |list: &[&Milestone]| list.iter().map(|m| m.key.clone()).collect::<Vec<_>>();
        assert_eq!(keys(&verdict.unlock), ["kills-100"]);
        assert_eq!(keys(&verdict.revoke), ["kills-500"], "voice was not read");
        let nothing = judge(
            &milestones,
            &[Measure::Kills],
            &progress,
            &["kills-100".to_owned()],
        );
        assert!(nothing.unlock.is_empty() && nothing.revoke.is_empty());
        let streak_broken = judge(
            &milestones,
            &[Measure::VoiceWeeks],
            &Progress::default(),
            &["voice-weeks-4".to_owned()],
        );
        assert!(
            streak_broken.revoke.is_empty(),
            "a streak once reached stays won"
        );
    }

    #[test]
    fn weeks_in_a_row_count_back_from_this_week_or_the_last() {
        assert_eq!(weeks_in_a_row(&[3, 4, 5, 6], 6), 4);
        assert_eq!(
            weeks_in_a_row(&[3, 4, 5, 6], 7),
            4,
            "this week has no voice yet"
        );
        assert_eq!(weeks_in_a_row(&[3, 4, 6], 6), 1);
        assert_eq!(weeks_in_a_row(&[3, 4, 5], 7), 0);
        assert_eq!(weeks_in_a_row(&[], 7), 0);
    }
}
