//! The voice and message charts against the Python reference's numbers, read in UTC as the
//! reference reads them.
//!
//! The small data set's sessions and the reference's figures for them are committed under
//! `tests/fixtures/anchors/small/` (`voice_time_expected.py` there rewrites the figures). Larger
//! sets are compared when `TRAKKER_ANCHOR_DATA` (a data folder made by the reference's `gen.py`)
//! and `TRAKKER_ANCHOR_RESULTS` (its `results_<scale>.json`) are set. The message figures need
//! the data set's `messages.csv`, too large to commit: they are compared when it is found
//! (`TRAKKER_ANCHOR_MESSAGES`, or the small set at `/tmp/anchors/data/small/messages.csv`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use serde_json::Value;
use trakker::domain::voice_time::heatmap::heatmap;
use trakker::domain::voice_time::hour_table::HourTable;
use trakker::domain::voice_time::hours::{day_range, split_hours};
use trakker::domain::voice_time::inactive::{inactive_members, InactiveRule};
use trakker::domain::voice_time::messages::{
    member_days, messages_per_day, top_channels, MessageHour,
};
use trakker::domain::voice_time::per_member::voice_per_member;
use trakker::domain::voice_time::weekdays::weekday_hours;
use trakker::domain::voice_time::weekly::weekly_timeline;
use trakker::domain::voice_time::VoiceStay;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/anchors/small")
        .join(name)
}

/// The rows of a CSV file with a header, as fields.
fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .skip(1)
        .filter(|line| !line.is_empty())
        .map(|line| line.split(',').map(str::to_owned).collect())
        .collect()
}

fn int(field: &str) -> i64 {
    field.parse().unwrap_or_else(|e| panic!("{field:?}: {e}"))
}

fn id(field: &str) -> u64 {
    field.parse().unwrap_or_else(|e| panic!("{field:?}: {e}"))
}

/// `voice_sessions.csv`: `user_id`, `channel_id`, `join_ts`, `leave_ts` (UTC seconds).
fn stays(path: &Path) -> Vec<VoiceStay> {
    csv_rows(path)
        .iter()
        .map(|row| VoiceStay {
            channel: 0,
            user: id(&row[0]),
            start_ms: int(&row[2]) * 1000,
            end_ms: int(&row[3]) * 1000,
        })
        .collect()
}

/// `users.csv` (`user_id`, `name`, …): name → id.
fn user_ids(path: &Path) -> HashMap<String, u64> {
    csv_rows(path)
        .iter()
        .map(|row| (row[1].clone(), id(&row[0])))
        .collect()
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn f(value: &Value) -> f64 {
    value
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {value}"))
}

/// A float written as its shortest decimal string, read back correctly rounded.
fn exact(value: &Value) -> f64 {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"));
    text.parse().unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

fn u(value: &Value) -> u64 {
    value
        .as_u64()
        .unwrap_or_else(|| panic!("not an id: {value}"))
}

fn list(value: &Value) -> &Vec<Value> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {value}"))
}

/// Equal to within float summation order (the reference adds hours piece by piece).
fn close(ours: f64, theirs: f64, what: &str) {
    assert!(
        (ours - theirs).abs() <= 1e-9 * theirs.abs().max(1.0),
        "{what}: ours {ours}, reference {theirs}"
    );
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The figures every results file has in `checks`.
fn compare_checks(stays: &[VoiceStay], names: &HashMap<String, u64>, checks: &Value) {
    let name = |v: &Value| names[v.as_str().unwrap_or_else(|| panic!("not a name: {v}"))];
    assert_eq!(stays.len() as u64, u(&checks["voice_rows"]));
    let pieces = split_hours(stays, Tz::UTC);
    let table = HourTable::from_stays(stays, Tz::UTC);
    let view = table.everything();
    assert_eq!(
        pieces.len() as u64,
        u(&checks["hourly_rows"]),
        "hour pieces"
    );
    let total_ms: i64 = pieces.iter().map(|p| i64::from(p.ms)).sum();
    assert_eq!(
        total_ms,
        i64::try_from(u(&checks["voice_seconds_total"])).expect("fits") * 1000
    );

    let top = voice_per_member(&view, 1);
    assert_eq!(top[0].user, name(&checks["top_voice_user"][0]));
    close(
        top[0].hours(),
        f(&checks["top_voice_user"][1]),
        "top voice user",
    );

    let (_, last_day) = day_range(&pieces).expect("data");
    let inactive = inactive_members(&view, &InactiveRule::default(), last_day);
    let expected: Vec<u64> = list(&checks["inactive_users"]).iter().map(name).collect();
    let ours: Vec<u64> = inactive.members.iter().map(|m| m.user).collect();
    assert_eq!(ours, expected, "inactive members, in order");

    let week = weekday_hours(&view);
    let averages: Vec<f64> = list(&checks["dow_avg_h_per_day"]).iter().map(f).collect();
    for (day, (ours, theirs)) in week.average_hours.iter().zip(averages).enumerate() {
        assert!(
            (round3(*ours) - theirs).abs() < 1e-9,
            "weekday {day}: {ours} vs {theirs}"
        );
    }

    let timeline = weekly_timeline(&view, 10);
    let weekly_total: f64 = timeline.community_hours.iter().sum();
    assert!((round3(weekly_total) - f(&checks["weekly_total_h"])).abs() < 1e-9);
}

#[test]
fn the_small_data_set_matches_the_reference_checks() {
    let stays = stays(&fixture("voice_sessions.csv"));
    let names = user_ids(&fixture("users.csv"));
    let expected = read_json(&fixture("voice_time_expected.json"));
    compare_checks(&stays, &names, &expected["checks"]);
}

#[test]
fn the_small_data_set_matches_the_reference_chart_by_chart() {
    let stays = stays(&fixture("voice_sessions.csv"));
    let expected = read_json(&fixture("voice_time_expected.json"));
    let table = HourTable::from_stays(&stays, Tz::UTC);
    let view = table.everything();
    let top30 = voice_per_member(&view, 30);
    let reference = list(&expected["voice_top30"]);
    assert_eq!(top30.len(), reference.len());
    for (ours, theirs) in top30.iter().zip(reference) {
        assert_eq!(ours.user, u(&theirs[0]));
        close(ours.hours(), f(&theirs[1]), "voice per member");
    }

    // "Today" is the reference's last day of data.
    let last_day = i64::try_from(u(&expected["last_hour_start_s"])).expect("fits") / 86_400;
    assert_eq!(view.day_range().map(|(_, last)| last), Some(last_day));
    let inactive = inactive_members(&view, &InactiveRule::default(), last_day);
    assert_eq!(
        inactive.previous_days,
        i64::try_from(u(&expected["inactive"]["prev_days"])).expect("fits")
    );
    assert_eq!(inactive.recent_days, 14);
    let rows = list(&expected["inactive"]["rows"]);
    assert_eq!(inactive.members.len(), rows.len());
    for (ours, theirs) in inactive.members.iter().zip(rows) {
        assert_eq!(ours.user, u(&theirs[0]));
        // Same operations in the same order: the very same floats.
        assert_eq!(
            ours.previous_hours_per_day.to_bits(),
            exact(&theirs[1]).to_bits()
        );
        assert_eq!(
            ours.recent_hours_per_day.to_bits(),
            exact(&theirs[2]).to_bits()
        );
        let last_end = stays
            .iter()
            .filter(|s| s.user == ours.user)
            .map(|s| s.end_ms);
        assert_eq!(Some(ours.last_seen_ms), last_end.max());
    }

    let week = weekday_hours(&view);
    for day in 0..7 {
        close(
            week.total_hours[day],
            f(&expected["dow"]["total_h"][day]),
            "weekday total",
        );
        close(
            week.average_hours[day],
            f(&expected["dow"]["avg_h_per_day"][day]),
            "weekday average",
        );
    }

    let map = heatmap(&view, 20);
    let months: Vec<String> = map
        .months
        .iter()
        .map(|m| m.format("%Y-%m").to_string())
        .collect();
    let reference_months: Vec<&str> = list(&expected["heatmap"]["months"])
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(months, reference_months);
    for (ours, theirs) in map
        .month_hours
        .iter()
        .zip(list(&expected["heatmap"]["month_hour"]))
    {
        for hour in 0..24 {
            close(ours[hour], f(&theirs[hour]), "month x hour");
        }
    }
    let users: Vec<u64> = list(&expected["heatmap"]["users"]).iter().map(u).collect();
    assert_eq!(map.members, users);
    for (ours, theirs) in map
        .member_hours
        .iter()
        .zip(list(&expected["heatmap"]["user_hour"]))
    {
        for hour in 0..24 {
            close(ours[hour], f(&theirs[hour]), "member x hour");
        }
    }

    let timeline = weekly_timeline(&view, 10);
    let weeks: Vec<String> = timeline.weeks.iter().map(ToString::to_string).collect();
    let reference_weeks: Vec<&str> = list(&expected["weekly"]["weeks"])
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(weeks, reference_weeks);
    let users: Vec<u64> = list(&expected["weekly"]["users"]).iter().map(u).collect();
    assert_eq!(timeline.members, users);
    let grid = list(&expected["weekly"]["grid"]);
    for (ours, theirs) in timeline.member_hours.iter().zip(grid) {
        for (week, hours) in ours.iter().enumerate() {
            close(*hours, f(&theirs[week]), "member x week");
        }
    }
    for (week, ours) in timeline.community_hours.iter().enumerate() {
        let theirs: f64 = grid.iter().map(|row| f(&row[week])).sum();
        close(*ours, theirs, "community week");
    }
}

#[test]
fn a_larger_data_set_matches_the_reference_checks_when_given() {
    let (Some(data), Some(results)) = (
        std::env::var_os("TRAKKER_ANCHOR_DATA"),
        std::env::var_os("TRAKKER_ANCHOR_RESULTS"),
    ) else {
        println!(
            "skipped: set TRAKKER_ANCHOR_DATA and TRAKKER_ANCHOR_RESULTS to compare a larger set"
        );
        return;
    };
    let data = PathBuf::from(data);
    let stays = stays(&data.join("voice_sessions.csv"));
    let names = user_ids(&data.join("users.csv"));
    compare_checks(&stays, &names, &read_json(Path::new(&results))["checks"]);
}

#[test]
fn messages_match_the_reference_when_the_data_set_is_there() {
    let path = std::env::var_os("TRAKKER_ANCHOR_MESSAGES").map_or_else(
        || PathBuf::from("/tmp/anchors/data/small/messages.csv"),
        PathBuf::from,
    );
    if !path.exists() {
        println!(
            "skipped: no {} (set TRAKKER_ANCHOR_MESSAGES)",
            path.display()
        );
        return;
    }
    let checks = match std::env::var_os("TRAKKER_ANCHOR_RESULTS") {
        Some(results) if std::env::var_os("TRAKKER_ANCHOR_MESSAGES").is_some() => {
            read_json(Path::new(&results))["checks"].clone()
        }
        _ => read_json(&fixture("voice_time_expected.json"))["checks"].clone(),
    };
    // Roll the messages up by UTC hour, channel and member, as the bot stores them.
    let mut rollup: HashMap<(i64, u64, u64), u64> = HashMap::new();
    for row in csv_rows(&path) {
        let hour_start_ms = int(&row[2]).div_euclid(3600) * 3_600_000;
        *rollup
            .entry((hour_start_ms, id(&row[1]), id(&row[0])))
            .or_default() += 1;
    }
    let rows: Vec<MessageHour> = rollup
        .into_iter()
        .map(|((hour_start_ms, channel, user), messages)| MessageHour {
            hour_start_ms,
            channel,
            user,
            messages,
        })
        .collect();

    let days = member_days(&rows, Tz::UTC);
    assert_eq!(days.len() as u64, u(&checks["user_day_rows"]));
    let total: u64 = days.iter().map(|d| d.messages).sum();
    assert_eq!(total, u(&checks["user_day_messages_total"]));
    let per_day: u64 = messages_per_day(&rows, Tz::UTC)
        .iter()
        .map(|d| d.messages)
        .sum();
    assert_eq!(per_day, u(&checks["message_rows"]));

    let channels = top_channels(&rows, 10);
    let reference = list(&checks["top_channels"]);
    assert_eq!(channels.len(), reference.len());
    for (ours, theirs) in channels.iter().zip(reference) {
        assert_eq!(
            (ours.channel, ours.messages),
            (u(&theirs[0]), u(&theirs[1]))
        );
    }
}
