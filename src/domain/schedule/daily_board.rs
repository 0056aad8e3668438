//! The text of a daily post: a title with the date, and one line per hour listing who plays.
//!
//! The post is edited every time someone reacts, so rendering sorts each hour's players once and
//! writes into one buffer allocated up front. The description must stay within Discord's 4,096 characters
//! however many members there are: each line gets a fair share of what is left once the fixed
//! parts are counted (a line needing less gives the rest to the others, and what a cut line
//! cannot use passes to the next), and a line longer than its share ends with "+N more".

use std::fmt::Write as _;

use chrono::NaiveDate;

use super::attendance::Source;
use super::emojis::SLOT_EMOJIS;
use super::plan::Slot;
use crate::domain::ids::UserId;

/// Discord's limit on an embed title, in characters.
pub const TITLE_LIMIT: usize = 256;

/// Discord's limit on an embed description, in characters.
pub const DESCRIPTION_LIMIT: usize = 4096;

/// Between an hour's time and its players.
const DASH: &str = " — ";

/// Between two players of a line.
const SEPARATOR: &str = ", ";

/// An hour nobody has claimed.
const NOBODY: &str = "nobody yet";

/// After a player listed from their weekly schedule.
const SCHEDULE_MARK: &str = "📅";

/// After a player seen in voice.
const VOICE_MARK: &str = "🔊";

/// The last line: how to answer, and what the marks mean.
const LEGEND: &str =
    "React with an hour's letter to play then, ❌ if not today · 📅 weekly schedule · 🔊 seen in voice";

/// One player listed at one hour.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Who.
    pub user: UserId,
    /// The emoji of their rank, shown before them, if the guild ranks players: an emoji as the
    /// guild's settings validated it, so it holds no line break.
    pub rank_emoji: Option<String>,
    /// Why they are listed.
    pub source: Source,
}

impl Entry {
    /// The mark shown after the player, if any.
    const fn mark(&self) -> &'static str {
        match self.source {
            Source::Reaction => "",
            Source::Schedule => SCHEDULE_MARK,
            Source::Voice => VOICE_MARK,
        }
    }

    /// How many characters [`Entry::write`] writes.
    fn chars(&self) -> usize {
        self.rank_emoji
            .as_deref()
            .map_or(0, |emoji| emoji.chars().count())
            + "<@>".len()
            + digits(self.user.0)
            + self.mark().chars().count()
    }

    fn write(&self, out: &mut String) {
        if let Some(emoji) = &self.rank_emoji {
            out.push_str(emoji);
        }
        let _ = write!(out, "<@{}>{}", self.user.0, self.mark());
    }
}

/// A daily post's embed text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DailyBoard {
    /// "Who plays on Tuesday 1 December?"
    pub title: String,
    /// One line per hour, then the legend.
    pub description: String,
}

impl DailyBoard {
    /// Renders the post of `day`: a line for each of `slots`, listing `players[slot.index]`
    /// (an hour with no list, or an empty one, reads "nobody yet").
    ///
    /// A member listed twice at one hour is shown once, with the surest reason. Players are
    /// ordered by reason (voice, reaction, schedule), then by user id, so the text only changes
    /// when someone does. The description fits Discord's limit for any number of players as long
    /// as there are no more slots than a window has.
    #[must_use]
    pub fn render(day: NaiveDate, slots: &[Slot], players: &[Vec<Entry>]) -> Self {
        let title = format!("Who plays on {}?", day.format("%A %-d %B"));
        let lines: Vec<Line<'_>> = slots
            .iter()
            .map(|slot| Line::new(slot, players.get(slot.index).map_or(&[][..], Vec::as_slice)))
            .collect();
        let fixed: usize = lines
            .iter()
            .map(|line| line.prefix + line.floor + 1)
            .sum::<usize>()
            + LEGEND.chars().count();
        let mut budget = DESCRIPTION_LIMIT.saturating_sub(fixed);
        // Water-filling: the lines needing least are served first; each gets at most an equal
        // share of what is left, so no line can crowd out the others.
        let mut by_need: Vec<usize> = (0..lines.len()).collect();
        by_need.sort_by_key(|&i| lines[i].need());
        let mut allowance = vec![0; lines.len()];
        for (served, &i) in by_need.iter().enumerate() {
            let share = budget / (lines.len() - served);
            let given = lines[i].need().min(share);
            allowance[i] = lines[i].floor + given;
            budget -= given;
        }
        let mut description = String::with_capacity(DESCRIPTION_LIMIT * 4);
        // A cut line leaves less than one player unused; passing that on to the next line
        // spends the budget instead of losing up to a player per line.
        let mut unused = 0;
        for (line, allowance) in lines.iter().zip(allowance) {
            let allowance = allowance + unused;
            unused = allowance.saturating_sub(line.write(allowance, &mut description));
            description.push('\n');
        }
        description.push_str(LEGEND);
        Self { title, description }
    }
}

/// One hour's line while it is being laid out.
struct Line<'a> {
    slot: &'a Slot,
    /// Distinct players in display order.
    players: Vec<&'a Entry>,
    /// Characters of the emoji, the time and the dash.
    prefix: usize,
    /// Characters of every player with separators.
    full: usize,
    /// Characters the line needs at the least: "nobody yet", or "+N more" for all its players.
    floor: usize,
}

impl<'a> Line<'a> {
    fn new(slot: &'a Slot, entries: &'a [Entry]) -> Self {
        let mut players: Vec<&Entry> = entries.iter().collect();
        players.sort_unstable_by_key(|entry| (entry.user, entry.source));
        players.dedup_by_key(|entry| entry.user);
        players.sort_unstable_by_key(|entry| (entry.source, entry.user));
        let full = players.iter().map(|entry| entry.chars()).sum::<usize>()
            + SEPARATOR.len() * players.len().saturating_sub(1);
        let floor = if players.is_empty() {
            NOBODY.len()
        } else {
            more_chars(players.len())
        };
        Self {
            slot,
            players,
            prefix: 1
                + " <t:".len()
                + signed_digits(slot.starts_at.timestamp())
                + ":t>".len()
                + DASH.chars().count(),
            full,
            floor,
        }
    }

    /// Characters beyond the floor needed to list every player.
    fn need(&self) -> usize {
        self.full.saturating_sub(self.floor)
    }

    /// Writes the line in at most `allowance` characters after its prefix, and returns how many
    /// characters that part took.
    fn write(&self, allowance: usize, out: &mut String) -> usize {
        let emoji = SLOT_EMOJIS.get(self.slot.index).copied().unwrap_or("▪");
        let _ = write!(
            out,
            "{emoji} <t:{}:t>{DASH}",
            self.slot.starts_at.timestamp()
        );
        if self.players.is_empty() {
            out.push_str(NOBODY);
            return NOBODY.len();
        }
        let (shown, used) = if self.full <= allowance {
            (self.players.len(), self.full)
        } else {
            // Each player shown is followed by a separator, then "+N more" for the rest.
            let mut used = 0;
            let mut shown = 0;
            for entry in &self.players {
                let next = used + entry.chars() + SEPARATOR.len();
                if next + more_chars(self.players.len() - shown - 1) > allowance {
                    break;
                }
                used = next;
                shown += 1;
            }
            (shown, used + more_chars(self.players.len() - shown))
        };
        for (i, entry) in self.players[..shown].iter().enumerate() {
            if i > 0 {
                out.push_str(SEPARATOR);
            }
            entry.write(out);
        }
        let hidden = self.players.len() - shown;
        if hidden > 0 {
            if shown > 0 {
                out.push_str(SEPARATOR);
            }
            let _ = write!(out, "+{hidden} more");
        }
        used
    }
}

/// Characters of "+N more".
fn more_chars(hidden: usize) -> usize {
    "+ more".len() + digits(hidden as u64)
}

/// Decimal digits of `n`.
fn digits(mut n: u64) -> usize {
    let mut count = 1;
    while n >= 10 {
        n /= 10;
        count += 1;
    }
    count
}

/// Characters of `n` in decimal, sign included.
fn signed_digits(n: i64) -> usize {
    usize::from(n < 0) + digits(n.unsigned_abs())
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone as _, Utc};
    use chrono_tz::Tz;

    use super::*;
    use crate::domain::schedule::{HourWindow, PostPlan, PostTime, Weekdays, NOT_TODAY};

    /// A custom rank emoji as long as Discord's client writes them.
    const GOLD: &str = "<:gold_rank:123456789012345678>";

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).expect("valid")
    }

    fn slots(start: u8, hours: u8) -> Vec<Slot> {
        PostPlan {
            tz: Tz::UTC,
            time: PostTime::new(12, 0).expect("valid"),
            weekdays: Weekdays::ALL,
            window: HourWindow::new(start, hours).expect("valid"),
        }
        .slots(day())
    }

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, hour, 0, 0)
            .single()
            .expect("valid")
    }

    fn entry(user: u64, rank: Option<&str>, source: Source) -> Entry {
        Entry {
            user: UserId(user),
            rank_emoji: rank.map(str::to_owned),
            source,
        }
    }

    /// `members` members with long ids and long rank emojis at every hour, sources mixed.
    fn crowd(members: u64, hours: usize) -> Vec<Vec<Entry>> {
        let sources = [Source::Reaction, Source::Schedule, Source::Voice];
        (0..hours)
            .map(|_| {
                (0..members)
                    .map(|i| {
                        let source = sources[usize::try_from(i % 3).expect("small")];
                        entry(1_175_928_847_299_117_063 + i * 7_919, Some(GOLD), source)
                    })
                    .collect()
            })
            .collect()
    }

    fn lines(board: &DailyBoard) -> Vec<&str> {
        board.description.lines().collect()
    }

    #[test]
    fn the_title_names_the_day() {
        let board = DailyBoard::render(day(), &slots(20, 2), &[]);
        assert_eq!(board.title, "Who plays on Tuesday 1 December?");
        assert!(board.title.chars().count() <= TITLE_LIMIT);
    }

    #[test]
    fn each_hour_lists_its_players_surest_first_with_ranks_and_marks() {
        let players = vec![vec![
            entry(3, None, Source::Reaction),
            entry(2, Some("🥈"), Source::Schedule),
            entry(1, None, Source::Voice),
            entry(4, None, Source::Reaction),
        ]];
        let board = DailyBoard::render(day(), &slots(20, 2), &players);
        let t = at(20).timestamp();
        let u = at(21).timestamp();
        assert_eq!(
            lines(&board),
            [
                format!("🇦 <t:{t}:t> — <@1>🔊, <@3>, <@4>, 🥈<@2>📅").as_str(),
                format!("🇧 <t:{u}:t> — nobody yet").as_str(),
                LEGEND,
            ]
        );
    }

    #[test]
    fn the_legend_explains_the_marks_and_not_today() {
        for mark in [NOT_TODAY, SCHEDULE_MARK, VOICE_MARK] {
            assert!(LEGEND.contains(mark), "{mark}");
        }
    }

    #[test]
    fn a_member_listed_twice_at_an_hour_is_shown_once_with_the_surest_reason() {
        let players = vec![vec![
            entry(7, None, Source::Schedule),
            entry(7, None, Source::Voice),
            entry(7, None, Source::Reaction),
        ]];
        let board = DailyBoard::render(day(), &slots(20, 1), &players);
        assert!(
            lines(&board)[0].ends_with(" — <@7>🔊"),
            "{}",
            board.description
        );
    }

    #[test]
    fn the_order_does_not_depend_on_the_order_entries_come_in() {
        let forward: Vec<Entry> = (1..=30)
            .map(|i| {
                entry(
                    i,
                    None,
                    if i % 2 == 0 {
                        Source::Schedule
                    } else {
                        Source::Reaction
                    },
                )
            })
            .collect();
        let mut backward = forward.clone();
        backward.reverse();
        assert_eq!(
            DailyBoard::render(day(), &slots(20, 1), &[forward]),
            DailyBoard::render(day(), &slots(20, 1), &[backward])
        );
    }

    #[test]
    fn an_hour_the_clocks_skip_leaves_its_letter_unused() {
        let paris = PostPlan {
            tz: Tz::Europe__Paris,
            time: PostTime::new(12, 0).expect("valid"),
            weekdays: Weekdays::ALL,
            window: HourWindow::from_start_end(0, 4).expect("valid"),
        };
        let spring = NaiveDate::from_ymd_opt(2026, 3, 29).expect("valid");
        let board = DailyBoard::render(spring, &paris.slots(spring), &[]);
        let letters: Vec<&str> = lines(&board)
            .iter()
            .filter_map(|line| line.split(' ').next())
            .collect();
        assert_eq!(letters, ["🇦", "🇧", "🇩", "React"]);
    }

    #[test]
    fn two_hundred_members_in_twenty_hours_fit_with_a_fair_share_each() {
        let board = DailyBoard::render(day(), &slots(4, 20), &crowd(200, 20));
        assert!(board.description.chars().count() <= DESCRIPTION_LIMIT);
        let hours = &lines(&board)[..20];
        let mut shown = Vec::new();
        for line in hours {
            let (listed, more) = line
                .rsplit_once(", +")
                .expect("a long line ends with +N more");
            let hidden: usize = more
                .strip_suffix(" more")
                .and_then(|n| n.parse().ok())
                .expect("+N more");
            let listed = listed.matches("<@").count();
            assert_eq!(listed + hidden, 200, "{line}");
            shown.push(listed);
        }
        let (least, most) = (shown.iter().min(), shown.iter().max());
        // Three long-ranked players fit in a twentieth of the budget.
        assert!(least >= Some(&3), "{shown:?}");
        assert!(
            most.zip(least)
                .is_some_and(|(most, least)| most - least <= 1),
            "{shown:?}"
        );
    }

    #[test]
    fn the_budget_is_used_without_going_over() {
        let board = DailyBoard::render(day(), &slots(4, 20), &crowd(200, 20));
        let chars = board.description.chars().count();
        // What a cut line cannot use passes on, so less than one player's worth is left over.
        assert!(chars > DESCRIPTION_LIMIT - 60, "{chars}");
        for members in [1, 2, 5, 9, 10, 11, 99, 100, 101, 999, 1000, 5000] {
            let board = DailyBoard::render(day(), &slots(4, 20), &crowd(members, 20));
            assert!(
                board.description.chars().count() <= DESCRIPTION_LIMIT,
                "{members} members"
            );
        }
    }

    #[test]
    fn quiet_hours_are_listed_in_full_and_leave_room_to_the_crowded_one() {
        let mut players = crowd(1, 20);
        players[7] = crowd(200, 1).remove(0);
        let board = DailyBoard::render(day(), &slots(4, 20), &players);
        let lines = lines(&board);
        assert!(board.description.chars().count() <= DESCRIPTION_LIMIT);
        for (i, line) in lines[..20].iter().enumerate() {
            if i != 7 {
                assert_eq!(line.matches("<@").count(), 1, "{line}");
                assert!(!line.contains(" more"), "{line}");
            }
        }
        let crowded = lines[7].matches("<@").count();
        assert!(
            crowded > 30,
            "the crowded hour gets what the others leave: {crowded}"
        );
    }

    #[test]
    fn a_single_entry_longer_than_its_share_leaves_just_the_count() {
        let huge = "🏆".repeat(DESCRIPTION_LIMIT);
        let players: Vec<Vec<Entry>> = (0..20)
            .map(|i| vec![entry(i, Some(&huge), Source::Reaction)])
            .collect();
        let board = DailyBoard::render(day(), &slots(4, 20), &players);
        assert!(board.description.chars().count() <= DESCRIPTION_LIMIT);
        assert!(
            lines(&board)[0].ends_with(" — +1 more"),
            "{}",
            lines(&board)[0]
        );
    }
}
