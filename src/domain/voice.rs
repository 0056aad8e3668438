//! Voice bookkeeping rules: reconciling the sessions the store holds open with who Discord says
//! is in voice, after a restart or a reconnect, and the time two members spent together.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};

use super::ids::{ChannelId, UserId};

/// Heartbeats are written every 30 s of real time; a last heartbeat older than this (in real
/// time: on a fast clock, see [`crate::clock::Clock::span`]) means the bot was down.
pub const HEARTBEAT_GAP: TimeDelta = TimeDelta::seconds(90);

/// A voice session the store holds open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenSession {
    /// The session.
    pub id: i64,
    /// Who.
    pub user_id: UserId,
    /// Where.
    pub channel_id: ChannelId,
    /// Since when.
    pub joined_at: DateTime<Utc>,
}

/// What reconciliation does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reconciliation {
    /// Sessions to close, and when.
    pub close: Vec<(i64, DateTime<Utc>)>,
    /// Members in voice now who need an open session from `now`.
    pub open: Vec<(UserId, ChannelId)>,
}

/// Compares the store's open sessions with who is in voice now (`present`).
///
/// `same_process` says whether this process has been running since the sessions were last
/// reconciled (a gateway reconnect) rather than just started (a restart or a crash).
/// `process_started` is when this process started: a session that began since then was opened
/// by it, from a voice event it saw, so it is known even before the first reconciliation.
/// `heartbeat_gap` is [`HEARTBEAT_GAP`] on the bot's clock.
///
/// When the bot was up all along (same process, recent heartbeat), a session still true stays
/// open and a session no longer true closes now. Otherwise nobody's time during the gap is known:
/// every open session from before this process closes at the last heartbeat (never after `now`,
/// never before its own start), and everyone in voice now starts a new session now. A crash thus
/// never leaves a session open for ever, and never counts the downtime.
#[must_use]
pub fn reconcile<S: std::hash::BuildHasher>(
    open: &[OpenSession],
    present: &HashMap<UserId, ChannelId, S>,
    last_heartbeat: Option<DateTime<Utc>>,
    same_process: bool,
    process_started: DateTime<Utc>,
    now: DateTime<Utc>,
    heartbeat_gap: TimeDelta,
) -> Reconciliation {
    let alive = same_process && last_heartbeat.is_some_and(|beat| now - beat <= heartbeat_gap);
    let mut plan = Reconciliation::default();
    let mut kept = Vec::new();
    for session in open {
        let known = alive || session.joined_at >= process_started;
        let still_true = present.get(&session.user_id) == Some(&session.channel_id);
        if known && still_true && !kept.contains(&session.user_id) {
            kept.push(session.user_id);
            continue;
        }
        let end = if known {
            now
        } else {
            last_heartbeat.unwrap_or(session.joined_at).min(now)
        };
        plan.close.push((session.id, end.max(session.joined_at)));
    }
    let mut joining: Vec<(UserId, ChannelId)> = present
        .iter()
        .filter(|(user, _)| !kept.contains(user))
        .map(|(user, channel)| (*user, *channel))
        .collect();
    joining.sort();
    plan.open = joining;
    plan
}

/// A stay in a channel, for overlap sums.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stay {
    /// Who.
    pub user_id: UserId,
    /// Where.
    pub channel_id: ChannelId,
    /// From.
    pub from: DateTime<Utc>,
    /// To.
    pub to: DateTime<Utc>,
}

/// How long `member` spent in the same channel as each other member, longest first (ties by user
/// id), omitting members with no time together.
#[must_use]
pub fn time_together(member: UserId, stays: &[Stay]) -> Vec<(UserId, TimeDelta)> {
    let mine: Vec<&Stay> = stays.iter().filter(|stay| stay.user_id == member).collect();
    let mut together: HashMap<UserId, TimeDelta> = HashMap::new();
    for other in stays.iter().filter(|stay| stay.user_id != member) {
        for stay in mine
            .iter()
            .filter(|stay| stay.channel_id == other.channel_id)
        {
            let from = stay.from.max(other.from);
            let to = stay.to.min(other.to);
            if to > from {
                *together.entry(other.user_id).or_default() += to - from;
            }
        }
    }
    let mut ranked: Vec<(UserId, TimeDelta)> = together.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    const ADA: UserId = UserId(1);
    const BOB: UserId = UserId(2);
    const CLEO: UserId = UserId(3);
    const LOUNGE: ChannelId = ChannelId(10);
    const RAID: ChannelId = ChannelId(11);
    /// A process start after every session of a test: none was opened by this process.
    const NOT_HERE: DateTime<Utc> = DateTime::<Utc>::MAX_UTC;

    fn at(hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 21, hour, minute, 0)
            .single()
            .expect("valid")
    }

    fn open(id: i64, user: UserId, channel: ChannelId, joined: DateTime<Utc>) -> OpenSession {
        OpenSession {
            id,
            user_id: user,
            channel_id: channel,
            joined_at: joined,
        }
    }

    #[test]
    fn after_a_crash_open_sessions_close_at_the_last_heartbeat_and_the_present_reopen_now() {
        let sessions = [
            open(1, ADA, LOUNGE, at(20, 0)),
            open(2, BOB, LOUNGE, at(20, 10)),
        ];
        let present = HashMap::from([(ADA, LOUNGE)]);
        let plan = reconcile(
            &sessions,
            &present,
            Some(at(20, 30)),
            false,
            NOT_HERE,
            at(21, 0),
            HEARTBEAT_GAP,
        );
        assert_eq!(
            plan.close,
            [(1, at(20, 30)), (2, at(20, 30))],
            "the downtime is not counted"
        );
        assert_eq!(
            plan.open,
            [(ADA, LOUNGE)],
            "ada is still there: a new session from now"
        );
    }

    #[test]
    fn without_a_gap_true_sessions_stay_open_and_stale_ones_close_now() {
        let sessions = [
            open(1, ADA, LOUNGE, at(20, 0)),
            open(2, BOB, LOUNGE, at(20, 10)),
        ];
        let present = HashMap::from([(ADA, LOUNGE), (CLEO, RAID)]);
        let plan = reconcile(
            &sessions,
            &present,
            Some(at(20, 59)),
            true,
            NOT_HERE,
            at(21, 0),
            HEARTBEAT_GAP,
        );
        assert_eq!(plan.close, [(2, at(21, 0))]);
        assert_eq!(plan.open, [(CLEO, RAID)]);
    }

    #[test]
    fn a_session_this_process_opened_before_the_first_reconciliation_stays_open() {
        // The bot started at 21:00 and saw Ada join at 21:01, before it reconciled the guild
        // (its GUILD_CREATE handler ran late); Bob's session is left over from the last run.
        let sessions = [
            open(1, ADA, LOUNGE, at(21, 1)),
            open(2, BOB, LOUNGE, at(20, 0)),
        ];
        let present = HashMap::from([(ADA, LOUNGE), (BOB, LOUNGE)]);
        let plan = reconcile(
            &sessions,
            &present,
            Some(at(20, 30)),
            false,
            at(21, 0),
            at(21, 2),
            HEARTBEAT_GAP,
        );
        assert_eq!(plan.close, [(2, at(20, 30))], "only the old session closes");
        assert_eq!(plan.open, [(BOB, LOUNGE)], "Ada's session goes on");
    }

    #[test]
    fn a_quick_restart_still_closes_at_the_heartbeat_of_the_previous_run() {
        let sessions = [open(1, ADA, LOUNGE, at(20, 0))];
        let present = HashMap::from([(ADA, LOUNGE)]);
        let plan = reconcile(
            &sessions,
            &present,
            Some(at(20, 59)),
            false,
            NOT_HERE,
            at(21, 0),
            HEARTBEAT_GAP,
        );
        assert_eq!(plan.close, [(1, at(20, 59))]);
        assert_eq!(plan.open, [(ADA, LOUNGE)]);
    }

    #[test]
    fn a_session_that_started_after_the_last_heartbeat_closes_at_its_start() {
        let sessions = [open(1, ADA, LOUNGE, at(20, 40))];
        let plan = reconcile(
            &sessions,
            &HashMap::new(),
            Some(at(20, 30)),
            true,
            NOT_HERE,
            at(22, 0),
            HEARTBEAT_GAP,
        );
        assert_eq!(plan.close, [(1, at(20, 40))], "never a negative duration");
    }

    #[test]
    fn a_member_who_moved_during_the_gap_gets_the_new_channel() {
        let sessions = [open(1, ADA, LOUNGE, at(20, 0))];
        let present = HashMap::from([(ADA, RAID)]);
        let plan = reconcile(
            &sessions,
            &present,
            Some(at(20, 59)),
            true,
            NOT_HERE,
            at(21, 0),
            HEARTBEAT_GAP,
        );
        assert_eq!(plan.close, [(1, at(21, 0))]);
        assert_eq!(plan.open, [(ADA, RAID)]);
    }

    #[test]
    fn ada_and_bob_overlap_fifty_minutes_in_the_lounge() {
        let stays = [
            Stay {
                user_id: ADA,
                channel_id: LOUNGE,
                from: at(20, 0),
                to: at(21, 0),
            },
            Stay {
                user_id: BOB,
                channel_id: LOUNGE,
                from: at(20, 10),
                to: at(21, 30),
            },
            Stay {
                user_id: CLEO,
                channel_id: RAID,
                from: at(20, 0),
                to: at(22, 0),
            },
        ];
        assert_eq!(time_together(ADA, &stays), [(BOB, TimeDelta::minutes(50))]);
    }
}
