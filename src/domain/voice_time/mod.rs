//! Time in voice, and messages, as the moderator charts show them: pure computations over plain
//! rows, with no database, Discord or clock.
//!
//! Everything starts from [`VoiceStay`]s (one member in voice from one instant to another, AFK
//! channel left out). [`hours::split_hours`] cuts them at the server's local clock hours into
//! [`hours::HourPiece`]s, which [`hour_table::HourTable`] sums per member and hour and keeps up
//! to date as stays close; each chart folds a view of that table (some members, from a local
//! midnight on) straight into small dense accumulators:
//!
//! - [`per_member`] — total time per member, top N;
//! - [`inactive`] — members whose last two weeks fell well below their previous two months;
//! - [`weekdays`] — average community hours per local calendar weekday;
//! - [`heatmap`] — month × hour of day, and top members × hour of day;
//! - [`weekly`] — hours per week from the first day of data, top members and community;
//! - [`messages`] — messages per local day, per channel and per member and day, from hourly
//!   rollup rows.
//!
//! Days, hours, weekdays and months are read on the server's clock ([`clock::LocalClock`]),
//! daylight saving and 30- or 45-minute offsets included. The definitions follow the Python
//! reference the charts were first drawn with; in UTC they give its numbers.

pub mod calendar;
pub mod clock;
pub mod heatmap;
pub mod hour_table;
pub mod hours;
pub mod inactive;
pub mod members;
pub mod messages;
pub mod per_member;
pub mod stay;
pub mod weekdays;
pub mod weekly;

pub use stay::VoiceStay;

/// Milliseconds in an hour: a piece is at most this long, and charts show hours.
pub const HOUR_MS: i64 = 3_600_000;

/// Milliseconds as hours, for the charts.
#[must_use]
#[expect(
    clippy::cast_precision_loss,
    reason = "voice totals stay far below 2^53 ms (285,000 years)"
)]
pub fn ms_to_hours(ms: i64) -> f64 {
    ms as f64 / 3_600_000.0
}
