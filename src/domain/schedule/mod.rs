//! "Who plays when": the rules behind the daily post that lists, hour by hour, who plays.
//!
//! - [`zones`](crate::domain::zones) reads the timezones members type; everything here takes a
//!   parsed [`chrono_tz::Tz`].
//! - [`PostTime`], [`Weekdays`] and [`HourWindow`] are a guild's settings, validated;
//!   [`PostPlan`] puts them together on the guild's clock: when the post is due, and which real
//!   instants each listed hour ([`Slot`]) covers, daylight saving included ([`resolve_local`]).
//! - [`SLOT_EMOJIS`] and [`NOT_TODAY`] are the reactions members answer with.
//! - [`WeeklySchedule`] is a member's usual week on their own clock; [`member_slots`] decides
//!   where a member appears from their reactions, schedule and voice.
//! - [`DailyBoard`] renders the post's text within Discord's limits.
//!
//! Nothing here reads a clock: every function that depends on the time takes `now`.

mod attendance;
mod daily_board;
mod emojis;
mod local;
mod plan;
mod post_time;
mod weekdays;
mod weekly;
mod window;

pub use attendance::{member_slots, scheduled_slots, SlotSet, Source};
pub use daily_board::{DailyBoard, Entry, DESCRIPTION_LIMIT, TITLE_LIMIT};
pub use emojis::{is_not_today, slot_of_emoji, NOT_TODAY, SLOT_EMOJIS};
pub use local::resolve_local;
pub use plan::{PostPlan, Slot};
pub use post_time::PostTime;
pub use weekdays::Weekdays;
pub use weekly::WeeklySchedule;
pub use window::HourWindow;
