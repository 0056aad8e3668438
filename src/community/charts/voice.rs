//! The charts of time in voice: per member, members going quiet, weekdays, hours of the day and
//! the weekly timeline. Weekdays, hours and weeks are on the server's clock.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use super::names::Names;
use super::{list, ranking, Drawing, Rendered, Request};
use crate::charts::{
    self, HorizontalBars, HourRow, HoursHeatmap, InactiveMembers, LabelledHours, Timeline,
    TimelineSeries, Weekdays,
};
use crate::domain::ids::UserId;
use crate::domain::voice_time::clock::local_day;
use crate::domain::voice_time::heatmap::{heatmap, CHART_MEMBERS as HEATMAP_MEMBERS};
use crate::domain::voice_time::hour_table::HourView;
use crate::domain::voice_time::inactive::{inactive_members, InactiveRule};
use crate::domain::voice_time::per_member::{voice_per_member, CHART_MEMBERS as VOICE_MEMBERS};
use crate::domain::voice_time::weekdays::weekday_hours;
use crate::domain::voice_time::weekly::{weekly_timeline, CHART_MEMBERS as TIMELINE_MEMBERS};

/// Weekday names, Monday first, as the weekdays chart's embed says them.
const WEEKDAY_NAMES: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

fn nobody_in_voice(request: &Request) -> Drawing {
    Drawing::Empty(format!(
        "Nobody spent time in voice here ({}), so there is nothing to draw yet.",
        request.period_label
    ))
}

/// Hours in voice per member.
pub(super) fn voice(request: &Request, names: &Names, view: &HourView<'_>) -> Rendered {
    let top = voice_per_member(view, VOICE_MEMBERS);
    if top.is_empty() {
        return Ok(nobody_in_voice(request));
    }
    let bars: Vec<LabelledHours> = top
        .iter()
        .map(|member| LabelledHours {
            label: names.label(UserId(member.user)).to_owned(),
            hours: member.hours(),
        })
        .collect();
    let text = ranking(&bars);
    let scope = if request.channel.is_some() {
        "in this channel"
    } else {
        "outside the AFK channel"
    };
    let title = format!("Time in voice — {}", request.period_label);
    let png = charts::horizontal_bars(&HorizontalBars {
        title: title.clone(),
        subtitle: format!(
            "the {} members with the most hours in voice, {scope}",
            bars.len()
        ),
        axis_label: "hours in voice".to_owned(),
        bars,
    })?;
    Ok(Drawing::picture(png, "voice.png", title, text))
}

/// Members whose recent time in voice fell far below their earlier time.
pub(super) fn inactive(request: &Request, names: &Names, view: &HourView<'_>) -> Rendered {
    let rule = InactiveRule::default();
    let today = local_day(request.tz(), request.now.timestamp_millis());
    let report = inactive_members(view, &rule, today);
    if report.previous_days <= 0 {
        return Ok(Drawing::Empty(format!(
            "Voice time here is recorded for less than {} days, so nobody can have gone quiet yet.",
            rule.recent_days
        )));
    }
    if report.members.is_empty() {
        return Ok(Drawing::Empty(format!(
            "Nobody went quiet: no regular's voice time in the last {} days fell to {:.0}% of \
             the {} days before.",
            report.recent_days,
            rule.max_ratio * 100.0,
            report.previous_days
        )));
    }
    let mut text = String::new();
    for member in report.members.iter().take(15) {
        let seen = DateTime::<Utc>::from_timestamp_millis(member.last_seen_ms)
            .map_or_else(String::new, |at| {
                format!(", last seen <t:{}:R>", at.timestamp())
            });
        let _ = writeln!(
            text,
            "{} — {:.1} h/day before, {:.1} h/day lately{seen}",
            names.label(UserId(member.user)),
            member.previous_hours_per_day,
            member.recent_hours_per_day
        );
    }
    if report.members.len() > 15 {
        let _ = write!(text, "and {} more.", report.members.len() - 15);
    }
    let title = format!(
        "Going quiet — last {} days against the {} before",
        report.recent_days, report.previous_days
    );
    let png = charts::inactive(&InactiveMembers {
        title: title.clone(),
        earlier_label: format!("the {} days before", report.previous_days),
        recent_label: format!("last {} days", report.recent_days),
        members: report
            .members
            .iter()
            .map(|member| charts::InactiveMember {
                name: names.label(UserId(member.user)).to_owned(),
                earlier_per_day: member.previous_hours_per_day,
                recent_per_day: member.recent_hours_per_day,
            })
            .collect(),
    })?;
    Ok(Drawing::picture(png, "inactive.png", title, text))
}

/// Average community hours per weekday.
pub(super) fn weekdays(request: &Request, view: &HourView<'_>) -> Rendered {
    if view.is_empty() {
        return Ok(nobody_in_voice(request));
    }
    let week = weekday_hours(view);
    let busiest = (0..7)
        .max_by(|&a, &b| week.average_hours[a].total_cmp(&week.average_hours[b]))
        .unwrap_or(0);
    let quietest = (0..7)
        .min_by(|&a, &b| week.average_hours[a].total_cmp(&week.average_hours[b]))
        .unwrap_or(0);
    let text = format!(
        "Busiest: **{}**, {:.1} hours in voice on an average {}.\nQuietest: **{}**, {:.1} hours.\n\
         Days are counted in {}.",
        WEEKDAY_NAMES[busiest],
        week.average_hours[busiest],
        WEEKDAY_NAMES[busiest],
        WEEKDAY_NAMES[quietest],
        week.average_hours[quietest],
        request.tz().name()
    );
    let title = format!("Voice hours per weekday — {}", request.period_label);
    let png = charts::weekdays(&Weekdays {
        title: title.clone(),
        average_hours: week.average_hours,
        total_hours: week.total_hours,
    })?;
    Ok(Drawing::picture(png, "weekdays.png", title, text))
}

/// Hours by month and hour of day, and the top members by hour of day.
pub(super) fn hours(request: &Request, names: &Names, view: &HourView<'_>) -> Rendered {
    let map = heatmap(view, HEATMAP_MEMBERS);
    if map.months.is_empty() {
        return Ok(nobody_in_voice(request));
    }
    let mut by_hour = [0.0_f64; 24];
    for month in &map.month_hours {
        for (total, hours) in by_hour.iter_mut().zip(month) {
            *total += hours;
        }
    }
    let busiest = (0..24)
        .max_by(|&a, &b| by_hour[a].total_cmp(&by_hour[b]))
        .unwrap_or(0);
    let text = format!(
        "The busiest hour is **{busiest:02}:00–{:02}:00** in {}, with {:.0} hours in voice over \
         the period.",
        (busiest + 1) % 24,
        request.tz().name(),
        by_hour[busiest]
    );
    let title = format!("When people are in voice — {}", request.period_label);
    let png = charts::hours_heatmap(&HoursHeatmap {
        title: title.clone(),
        timezone: request.tz().name().to_owned(),
        months: map
            .months
            .iter()
            .zip(&map.month_hours)
            .map(|(month, hours)| HourRow {
                label: month.format("%b %Y").to_string(),
                hours: *hours,
            })
            .collect(),
        members: map
            .members
            .iter()
            .zip(&map.member_hours)
            .map(|(user, hours)| HourRow {
                label: names.label(UserId(*user)).to_owned(),
                hours: *hours,
            })
            .collect(),
    })?;
    Ok(Drawing::picture(png, "hours.png", title, text))
}

/// Weekly hours of the top members and of the community.
pub(super) fn timeline(request: &Request, names: &Names, view: &HourView<'_>) -> Rendered {
    let weekly = weekly_timeline(view, TIMELINE_MEMBERS);
    if weekly.weeks.is_empty() {
        return Ok(nobody_in_voice(request));
    }
    let total: f64 = weekly.community_hours.iter().sum();
    let busiest = (0..weekly.weeks.len())
        .max_by(|&a, &b| weekly.community_hours[a].total_cmp(&weekly.community_hours[b]))
        .unwrap_or(0);
    let top = list(
        weekly
            .members
            .iter()
            .take(3)
            .map(|user| names.label(UserId(*user))),
    );
    let text = format!(
        "{total:.0} hours in voice over {} weeks; the busiest began {} with {:.0} hours.\n\
         Most hours: {top}.",
        weekly.weeks.len(),
        weekly.weeks[busiest].format("%b %-d, %Y"),
        weekly.community_hours[busiest]
    );
    let title = format!("Weekly voice hours — {}", request.period_label);
    let png = charts::timeline(&Timeline {
        title: title.clone(),
        weeks: weekly
            .weeks
            .iter()
            .map(|week| week.format("%b %-d").to_string())
            .collect(),
        members: weekly
            .members
            .iter()
            .zip(&weekly.member_hours)
            .map(|(user, hours)| TimelineSeries {
                name: names.label(UserId(*user)).to_owned(),
                hours: hours.clone(),
            })
            .collect(),
        community_total: weekly.community_hours,
    })?;
    Ok(Drawing::picture(png, "timeline.png", title, text))
}
