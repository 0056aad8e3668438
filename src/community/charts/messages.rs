//! The messages chart: messages per day on the server's clock, and the busiest channels, from
//! the hourly rollups.

use std::fmt::Write as _;

use chrono::TimeDelta;

use super::{Drawing, Rendered, Request};
use crate::charts::{self, Messages};
use crate::domain::voice_time::messages::{messages_per_day, ChannelMessages, MessageHour};

/// Messages per day and the busiest channels (none when the request names a channel).
pub(super) fn messages(
    request: &Request,
    hours: &[MessageHour],
    busiest: &[ChannelMessages],
) -> Rendered {
    let days = messages_per_day(hours, request.tz());
    let (Some(first), Some(last)) = (days.first(), days.last()) else {
        return Ok(Drawing::Empty(format!(
            "Nobody posted a message here ({}), so there is nothing to draw yet.",
            request.period_label
        )));
    };
    // Every day from the first to the last, quiet ones at zero, so the line keeps its time scale.
    let span = usize::try_from((last.day - first.day).num_days() + 1).unwrap_or(1);
    let mut per_day = vec![0_u64; span];
    let mut labels = Vec::with_capacity(span);
    for offset in 0..span {
        let day = first.day + TimeDelta::days(i64::try_from(offset).unwrap_or(0));
        labels.push(day.format("%b %-d").to_string());
    }
    for day in &days {
        if let Ok(index) = usize::try_from((day.day - first.day).num_days()) {
            per_day[index] = day.messages;
        }
    }
    // No names at all means none were known (the command line without a token), not that
    // every channel was deleted.
    let channel_name = |channel: u64| match request.channel_names.get(&channel) {
        Some(name) => format!("#{name}"),
        None if request.channel_names.is_empty() => format!("channel {channel}"),
        None => "#deleted-channel".to_owned(),
    };
    let channels: Vec<charts::ChannelMessages> = busiest
        .iter()
        .map(|channel| charts::ChannelMessages {
            name: channel_name(channel.channel),
            messages: channel.messages,
        })
        .collect();
    let total: u64 = per_day.iter().sum();
    let busiest = days
        .iter()
        .max_by(|a, b| a.messages.cmp(&b.messages).then(b.day.cmp(&a.day)))
        .unwrap_or(first);
    let mut text = format!(
        "{total} messages over {span} days; the busiest was {} with {}.",
        busiest.day.format("%b %-d, %Y"),
        busiest.messages
    );
    if let Some(top) = channels.first() {
        let _ = write!(
            text,
            "\nBusiest channel: {} ({} messages).",
            top.name, top.messages
        );
    }
    let title = format!("Messages per day — {}", request.period_label);
    let png = charts::messages(&Messages {
        title: title.clone(),
        days: labels,
        per_day,
        channels,
    })?;
    Ok(Drawing::picture(png, "messages.png", title, text))
}
