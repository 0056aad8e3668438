//! The simulated community: who is in it, who plays with whom, and every event of its weeks as
//! one timeline on the bot's clock. It is seeded, so every run plays the same weeks.
//!
//! Three groups share a server: a squad that plays a shooter most evenings and tracks its kills
//! in game sessions, builders who play later and calmer, and night owls who come on near
//! midnight. Dee plays in both the squad and the builders (the bridge of the co-play graph);
//! Jun stops playing after the first week (the inactive chart finds him). Everyone chats in the
//! text channels through the day, and those who plan to play mark their hour on the daily post.

use chrono::{DateTime, Datelike, TimeDelta, Utc, Weekday};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The server's text channels.
pub const TEXT_CHANNELS: [&str; 4] = ["general", "clips", "squad", "who-plays"];
/// The server's voice channels.
pub const VOICE_CHANNELS: [&str; 2] = ["squad-voice", "chill-voice"];
/// Where the squad tracks its kills.
pub const SQUAD_CHANNEL: &str = "squad";
/// Where the daily post goes.
pub const SCHEDULE_CHANNEL: &str = "who-plays";
/// The game the squad plays.
pub const GAME: &str = "Valorant";
/// The daily post's first hour (server time, UTC).
pub const FIRST_HOUR: u32 = 18;
/// The daily post's last hour.
pub const LAST_HOUR: u32 = 22;

/// A group of members who play together.
#[derive(Clone, Copy, Debug)]
struct Group {
    members: &'static [&'static str],
    voice: &'static str,
    /// The earliest start, in minutes after midnight, and how much later it may be.
    starts: (i64, i64),
    /// How long an evening lasts, in minutes, at least and at most.
    lasts: (i64, i64),
    /// The chance they play on a weekday and on a weekend day.
    chance: (f64, f64),
    /// The squad tracks kills in sessions.
    tracks: bool,
}

const SQUAD: Group = Group {
    members: &["ada", "bo", "cy", "dee"],
    voice: "squad-voice",
    starts: (19 * 60, 90),
    lasts: (90, 200),
    chance: (0.7, 0.9),
    tracks: true,
};

const BUILDERS: Group = Group {
    members: &["eli", "fay", "gus", "dee"],
    voice: "chill-voice",
    starts: (18 * 60 + 30, 60),
    lasts: (60, 150),
    chance: (0.45, 0.8),
    tracks: false,
};

const NIGHT_OWLS: Group = Group {
    members: &["hana", "ivo", "jun"],
    voice: "chill-voice",
    starts: (22 * 60, 50),
    lasts: (60, 120),
    chance: (0.5, 0.75),
    tracks: false,
};

const GROUPS: [Group; 3] = [SQUAD, BUILDERS, NIGHT_OWLS];

/// Every member, the server's owner (who sets things up) first.
pub const MEMBERS: [&str; 10] = [
    "ada", "bo", "cy", "dee", "eli", "fay", "gus", "hana", "ivo", "jun",
];

/// The member who stops playing after the first week.
const QUITS: &str = "jun";

const CHATTER: [&str; 12] = [
    "anyone on tonight?",
    "that clutch yesterday was unreal",
    "patch notes are out",
    "gg everyone",
    "who's up for ranked later",
    "new base is coming along nicely",
    "lol",
    "clip incoming",
    "need one more for a five stack",
    "I'll be late, start without me",
    "good morning",
    "that map again...",
];

/// What happens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// `user` writes in `channel`.
    Say {
        /// Who.
        user: &'static str,
        /// Where.
        channel: &'static str,
        /// What.
        text: &'static str,
    },
    /// `user` joins a voice channel.
    Join {
        /// Who.
        user: &'static str,
        /// Which voice channel.
        channel: &'static str,
    },
    /// `user` leaves voice.
    Leave {
        /// Who.
        user: &'static str,
    },
    /// `by` runs `/session start` in the squad's channel.
    SessionStart {
        /// Who.
        by: &'static str,
    },
    /// `by` tracks `kills` for `player` with `/track`; a team kill when `victim` is named.
    Track {
        /// Who runs the command.
        by: &'static str,
        /// Who got them.
        player: &'static str,
        /// How many.
        kills: u32,
        /// The teammate who went down, for a team kill.
        victim: Option<&'static str>,
    },
    /// `by` runs `/session end`: the bot posts the session's summary.
    SessionEnd {
        /// Who.
        by: &'static str,
    },
    /// `user` marks `hour` on the day's post.
    Mark {
        /// Who.
        user: &'static str,
        /// The hour they plan to play (between [`FIRST_HOUR`] and [`LAST_HOUR`]).
        hour: u32,
    },
}

/// One thing happening at one moment of the bot's clock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// When.
    pub at: DateTime<Utc>,
    /// What.
    pub action: Action,
}

/// The emoji that stands for `hour` on the daily post: 🇦 for the first hour, 🇧 for the next.
#[must_use]
pub fn hour_emoji(hour: u32) -> String {
    let letter = 0x1F1E6 + hour.saturating_sub(FIRST_HOUR);
    char::from_u32(letter).map_or_else(String::new, String::from)
}

/// Every event of `days` days from `start` (a midnight), in order.
#[must_use]
pub fn timeline(start: DateTime<Utc>, days: u32, seed: u64) -> Vec<Event> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut events = Vec::new();
    for day in 0..days {
        let midnight = start + TimeDelta::days(i64::from(day));
        let weekend = matches!(midnight.weekday(), Weekday::Sat | Weekday::Sun);
        chatter(&mut rng, midnight, weekend, &mut events);
        // Dee plays with one group an evening at most.
        let mut dee_busy = false;
        for group in GROUPS {
            let chance = if weekend {
                group.chance.1
            } else {
                group.chance.0
            };
            if !rng.gen_bool(chance) {
                continue;
            }
            let players: Vec<&'static str> = group
                .members
                .iter()
                .copied()
                .filter(|member| !(*member == QUITS && day >= 7))
                .filter(|member| !(*member == "dee" && dee_busy))
                .filter(|_| rng.gen_bool(0.8))
                .collect();
            if players.len() < 2 {
                continue;
            }
            dee_busy |= players.contains(&"dee");
            evening(&mut rng, midnight, group, &players, &mut events);
        }
    }
    events.sort_by_key(|event| event.at);
    events
}

/// Each member's messages of one day, mostly in the evening.
fn chatter(rng: &mut StdRng, midnight: DateTime<Utc>, weekend: bool, events: &mut Vec<Event>) {
    for user in MEMBERS {
        let most = if weekend { 7 } else { 4 };
        for _ in 0..rng.gen_range(0..=most) {
            let minute = if rng.gen_bool(0.6) {
                rng.gen_range(17 * 60..24 * 60)
            } else {
                rng.gen_range(8 * 60..17 * 60)
            };
            let channel = if rng.gen_bool(0.75) {
                "general"
            } else {
                "clips"
            };
            events.push(Event {
                at: midnight + TimeDelta::minutes(minute),
                action: Action::Say {
                    user,
                    channel,
                    text: CHATTER[rng.gen_range(0..CHATTER.len())],
                },
            });
        }
    }
}

/// One group's evening: marks on the post in the afternoon, then voice, and for the squad a
/// game session with its kills.
fn evening(
    rng: &mut StdRng,
    midnight: DateTime<Utc>,
    group: Group,
    players: &[&'static str],
    events: &mut Vec<Event>,
) {
    let start = midnight + TimeDelta::minutes(group.starts.0 + rng.gen_range(0..=group.starts.1));
    let hour = u32::try_from((start - midnight).num_hours())
        .unwrap_or(FIRST_HOUR)
        .clamp(FIRST_HOUR, LAST_HOUR);
    let mut end = start;
    for user in players {
        if rng.gen_bool(0.7) {
            events.push(Event {
                at: midnight + TimeDelta::minutes(rng.gen_range(10 * 60..17 * 60)),
                action: Action::Mark { user, hour },
            });
        }
        let joined = start + TimeDelta::minutes(rng.gen_range(0..25));
        let left = joined + TimeDelta::minutes(rng.gen_range(group.lasts.0..=group.lasts.1));
        end = end.max(left);
        events.push(Event {
            at: joined,
            action: Action::Join {
                user,
                channel: group.voice,
            },
        });
        events.push(Event {
            at: left,
            action: Action::Leave { user },
        });
    }
    if group.tracks {
        session(rng, start, end, players, events);
    }
}

/// The squad's game session from `start` to `end`: kills tracked now and then, a rare team
/// kill, and the summary at the end.
fn session(
    rng: &mut StdRng,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    players: &[&'static str],
    events: &mut Vec<Event>,
) {
    let by = players[0];
    events.push(Event {
        at: start - TimeDelta::minutes(1),
        action: Action::SessionStart { by },
    });
    let minutes = (end - start).num_minutes().max(20);
    for _ in 0..rng.gen_range(4..=9) {
        let player = players[rng.gen_range(0..players.len())];
        let victim = if rng.gen_bool(0.12) {
            players.iter().copied().find(|other| *other != player)
        } else {
            None
        };
        events.push(Event {
            at: start + TimeDelta::minutes(rng.gen_range(5..minutes - 5)),
            action: Action::Track {
                by,
                player,
                kills: if victim.is_some() {
                    1
                } else {
                    rng.gen_range(1..=6)
                },
                victim,
            },
        });
    }
    events.push(Event {
        at: end + TimeDelta::minutes(1),
        action: Action::SessionEnd { by },
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn midnight() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-09T00:00:00Z")
            .expect("a time")
            .with_timezone(&Utc)
    }

    #[test]
    fn the_same_seed_plays_the_same_weeks_in_order() {
        let first = timeline(midnight(), 21, 7);
        assert_eq!(first, timeline(midnight(), 21, 7));
        assert_ne!(first, timeline(midnight(), 21, 8));
        assert!(first.windows(2).all(|pair| pair[0].at <= pair[1].at));
        assert!(first
            .iter()
            .any(|e| matches!(e.action, Action::Track { .. })));
        assert!(first
            .iter()
            .any(|e| matches!(e.action, Action::Mark { .. })));
    }

    #[test]
    fn nobody_is_in_two_voice_channels_and_every_join_is_left() {
        let mut in_voice = std::collections::HashSet::new();
        for event in timeline(midnight(), 21, 7) {
            match event.action {
                Action::Join { user, .. } => assert!(in_voice.insert(user), "{user} twice"),
                Action::Leave { user } => assert!(in_voice.remove(user), "{user} not in"),
                _ => {}
            }
        }
        assert!(in_voice.is_empty(), "{in_voice:?}");
    }

    #[test]
    fn sessions_hold_their_kills_and_jun_stops_after_a_week() {
        let events = timeline(midnight(), 21, 7);
        let mut open = false;
        for event in &events {
            match event.action {
                Action::SessionStart { .. } => {
                    assert!(!open);
                    open = true;
                }
                Action::Track { .. } => assert!(open, "a kill outside a session"),
                Action::SessionEnd { .. } => open = false,
                Action::Join { user: "jun", .. } => {
                    assert!(event.at < midnight() + TimeDelta::days(8), "{}", event.at);
                }
                _ => {}
            }
        }
        assert_eq!(hour_emoji(FIRST_HOUR), "🇦");
        assert_eq!(hour_emoji(FIRST_HOUR + 2), "🇨");
    }
}
