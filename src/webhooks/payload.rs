//! The `data` of each event, as receivers read it. Snowflakes are strings (as Discord sends
//! them: JavaScript numbers lose their low bits) and times RFC 3339 in UTC. Fields are only
//! added in later versions of the envelope, never renamed or removed within one.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::{json, Value};

use crate::domain::achievements::Milestone;
use crate::domain::ids::{ChannelId, UserId};
use crate::domain::kills::{KillKind, LedgerEntry};
use crate::squad::sessions::EndedSession;
use crate::store::SessionEnd;

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn kind(kind: KillKind) -> &'static str {
    match kind {
        KillKind::Kill => "kill",
        KillKind::Teamkill => "teamkill",
    }
}

/// A ledger entry, for `kill.tracked` (just recorded) and `kill.undone` (taken back).
#[must_use]
pub fn ledger_entry(entry: &LedgerEntry) -> Value {
    json!({
        "entry_id": entry.id,
        "player_id": entry.player_id.0.to_string(),
        "kind": kind(entry.kind),
        "count": entry.count,
        "victim_id": entry.victim_id.map(|victim| victim.0.to_string()),
        "recorded_by": entry.recorded_by.0.to_string(),
        "recorded_at": time(entry.recorded_at),
        "channel_id": entry.channel_id.0.to_string(),
        "game": entry.game,
        "session_id": entry.session_id,
        "season_id": entry.season_id,
        "undone_at": entry.undone_at.map(time),
    })
}

/// An ended session and its summary, for `session.ended`.
#[must_use]
pub fn session_ended(ended: &EndedSession) -> Value {
    let session = &ended.session;
    let players: Vec<Value> = ended
        .summary
        .lines
        .iter()
        .map(|line| {
            json!({
                "player_id": line.player.0.to_string(),
                "kills": line.kills,
                "teamkills": line.teamkills,
            })
        })
        .collect();
    json!({
        "session_id": session.id,
        "channel_id": session.channel_id.0.to_string(),
        "game": session.game,
        "name": session.name,
        "started_at": time(session.started_at),
        "ended_at": session.ended_at.map(time),
        "end_reason": session.end_reason.map(SessionEnd::to_db),
        "total_kills": ended.summary.total_kills,
        "total_teamkills": ended.summary.total_teamkills,
        "mvp_id": ended.summary.mvp.as_ref().map(|mvp| mvp.player.0.to_string()),
        "players": players,
    })
}

/// A badge won, for `achievement.unlocked`.
#[must_use]
pub fn achievement_unlocked(user: UserId, milestone: &Milestone) -> Value {
    json!({
        "user_id": user.0.to_string(),
        "milestone": milestone.key,
        "name": milestone.name,
        "emoji": milestone.emoji,
        "measure": milestone.measure.key(),
        "threshold": milestone.threshold,
    })
}

/// The daily post made, for `schedule.posted`.
#[must_use]
pub fn schedule_posted(day: NaiveDate, channel: ChannelId, message: u64) -> Value {
    json!({
        "day": day.to_string(),
        "channel_id": channel.0.to_string(),
        "message_id": message.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::GuildId;

    #[test]
    fn a_ledger_entry_reads_with_string_snowflakes() {
        let at = DateTime::from_timestamp(1_764_000_000, 0).expect("valid");
        let entry = LedgerEntry {
            id: 7,
            guild_id: GuildId(1),
            player_id: UserId(u64::MAX),
            kind: KillKind::Teamkill,
            count: 1,
            victim_id: Some(UserId(3)),
            note: Some("oops".to_owned()),
            recorded_by: UserId(4),
            recorded_at: at,
            channel_id: ChannelId(5),
            game: None,
            session_id: Some(9),
            season_id: None,
            undone_at: None,
            undone_by: None,
        };
        let data = ledger_entry(&entry);
        assert_eq!(data["player_id"], u64::MAX.to_string());
        assert_eq!(data["kind"], "teamkill");
        assert_eq!(data["victim_id"], "3");
        assert_eq!(data["session_id"], 9);
        assert_eq!(data["recorded_at"], "2025-11-24T16:00:00.000Z");
        assert!(data.get("note").is_none(), "notes are free text: not sent");
    }
}
