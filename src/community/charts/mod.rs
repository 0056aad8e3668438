//! The moderator charts as a service: reads what a chart needs from the store, computes it with
//! the pure analytics in `domain/`, and draws it with [`crate::charts`] off the async runtime.
//! `discord/commands/chart.rs` checks who may ask and sends the picture.
//!
//! Every chart names members by their display name, shows members who left as "former member",
//! never shows bots, and leaves out the members a request hides.

mod cache;
mod coplay;
mod message_counts;
mod messages;
mod names;
mod voice;

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;

use crate::charts::ChartError;
use crate::domain::ids::{ChannelId, GuildId, UserId};
use crate::domain::voice_time::calendar::DAY_MS;
use crate::domain::voice_time::clock::{local_day, LocalClock};
use crate::domain::voice_time::hour_table::{HourTable, HourView};
use crate::domain::voice_time::messages::CHART_CHANNELS;
use crate::store::{Store, StoreError};

pub use cache::ChartCache;
use cache::GuildHistory;
pub use names::{Names, FORMER_MEMBER};

/// The name that stands for every chart in `/chart access`.
pub const ALL: &str = "all";

/// The charts there are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Chart {
    /// Who plays with whom: the co-play graph.
    Community,
    /// The pairs with the most time together.
    Duo,
    /// Hours in voice per member.
    Voice,
    /// Members whose voice time fell far below what it was.
    Inactive,
    /// Average hours per weekday.
    Weekdays,
    /// Month × hour-of-day hours, and the top members by hour of day.
    Hours,
    /// Weekly hours of the top members and the community.
    Timeline,
    /// Messages per day and the busiest channels.
    Messages,
}

impl Chart {
    /// Every chart, in the order /chart lists them.
    pub const EVERY: [Self; 8] = [
        Self::Community,
        Self::Duo,
        Self::Voice,
        Self::Inactive,
        Self::Weekdays,
        Self::Hours,
        Self::Timeline,
        Self::Messages,
    ];

    /// The chart's name, as /chart and its access setting spell it.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Community => "community",
            Self::Duo => "duo",
            Self::Voice => "voice",
            Self::Inactive => "inactive",
            Self::Weekdays => "weekdays",
            Self::Hours => "hours",
            Self::Timeline => "timeline",
            Self::Messages => "messages",
        }
    }

    /// The chart called `name` (lower case), if there is one.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::EVERY.into_iter().find(|chart| chart.name() == name)
    }

    /// Every chart's name.
    #[must_use]
    pub fn names() -> Vec<&'static str> {
        Self::EVERY.into_iter().map(Self::name).collect()
    }
}

/// What to draw.
#[derive(Clone, Debug)]
pub struct Request {
    /// The server.
    pub guild: GuildId,
    /// Which chart.
    pub chart: Chart,
    /// The start of the period; `None` for everything recorded.
    pub since: Option<DateTime<Utc>>,
    /// Now: the end of the period, and where stays still open end.
    pub now: DateTime<Utc>,
    /// Only this channel (voice and messages charts).
    pub channel: Option<ChannelId>,
    /// The period in words, for the title ("last 90 days").
    pub period_label: String,
    /// The server's IANA time zone, UTC when unset or unknown.
    pub timezone: Option<String>,
    /// Members left out of the chart.
    pub hidden: Vec<UserId>,
    /// Channel names by id, for the messages chart (the store keeps no names); empty when no
    /// names are known, and channels are then named by id.
    pub channel_names: HashMap<u64, String>,
}

impl Request {
    /// The server's time zone: weekdays, hours and weeks are counted on its clock.
    fn tz(&self) -> Tz {
        self.timezone
            .as_deref()
            .and_then(|name| name.parse().ok())
            .unwrap_or(Tz::UTC)
    }

    /// The local day a voice chart starts on: the day of `since` on the server's clock, so that
    /// days and weeks are whole (the inactive chart reads its two windows, whatever the period).
    fn first_day(&self) -> i64 {
        let since = if self.chart == Chart::Inactive {
            Some(self.now - INACTIVE_LOOKBACK)
        } else {
            self.since
        };
        since.map_or(i64::MIN, |since| {
            local_day(self.tz(), since.timestamp_millis())
        })
    }

    /// The instant the period starts: the local midnight of [`Request::first_day`].
    fn since_ms(&self) -> i64 {
        let day = self.first_day();
        if day == i64::MIN {
            return i64::MIN;
        }
        let around = day * DAY_MS;
        LocalClock::new(self.tz(), around - DAY_MS, around + DAY_MS).day_start(day)
    }
}

/// A chart's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Drawing {
    /// The picture, with the embed's title and text.
    Picture {
        /// PNG bytes.
        png: Vec<u8>,
        /// The attachment's file name, which the embed shows.
        file_name: String,
        /// The embed's title.
        title: String,
        /// The embed's text: what the picture says, in words.
        text: String,
    },
    /// Too little data for a picture: one friendly sentence instead.
    Empty(String),
}

impl Drawing {
    fn picture(png: Vec<u8>, file_name: &str, title: String, text: String) -> Self {
        Self::Picture {
            png,
            file_name: file_name.to_owned(),
            title,
            text,
        }
    }
}

/// What drawing one chart gives.
type Rendered = Result<Drawing, ChartsError>;

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum ChartsError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Drawing failed.
    #[error("the chart could not be drawn: {0}")]
    Render(#[from] ChartError),
    /// The drawing task died (it panicked).
    #[error("the chart could not be drawn: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// How far back the inactive chart reads: its two windows (14 and 60 days), today included.
const INACTIVE_LOOKBACK: TimeDelta = TimeDelta::days(14 + 60 - 1);

/// Draws the chart `request` asks for. The store is read on the async runtime (through `cache`,
/// which keeps what it read between draws); computing and drawing run on the blocking
/// pool, since a large server's graph takes a noticeable fraction of a second.
///
/// # Errors
/// When the store fails or the picture cannot be drawn.
pub async fn draw(
    store: &dyn Store,
    cache: &ChartCache,
    request: Request,
) -> Result<Drawing, ChartsError> {
    let chart = match request.chart {
        Chart::Messages => return draw_messages(store, cache, request).await,
        Chart::Community => VoiceChart::Community,
        Chart::Duo => VoiceChart::Duo,
        Chart::Voice => VoiceChart::Voice,
        Chart::Inactive => VoiceChart::Inactive,
        Chart::Weekdays => VoiceChart::Weekdays,
        Chart::Hours => VoiceChart::Hours,
        Chart::Timeline => VoiceChart::Timeline,
    };
    let names = Names::new(
        store.member_directory(request.guild).await?,
        &request.hidden,
    );
    let mut history = cache.read(store, request.guild, request.now).await?;
    tokio::task::spawn_blocking(move || draw_voice(chart, &request, &names, &mut history)).await?
}

/// The charts drawn from voice stays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum VoiceChart {
    Community,
    Duo,
    Voice,
    Inactive,
    Weekdays,
    Hours,
    Timeline,
}

/// The messages chart, from the server-wide hourly counts: no member is named in it.
async fn draw_messages(
    store: &dyn Store,
    cache: &ChartCache,
    request: Request,
) -> Result<Drawing, ChartsError> {
    let history = cache
        .read_messages(store, request.guild, request.now)
        .await?;
    tokio::task::spawn_blocking(move || {
        let (tz, from_day) = (request.tz(), request.first_day());
        let channel = request.channel.map(|channel| channel.0);
        let hours = history.messages.hours(tz, from_day, channel);
        // One channel's chart is its line alone: the ranking of channels would say nothing.
        let channels = if channel.is_some() {
            Vec::new()
        } else {
            history.messages.busiest(tz, from_day, CHART_CHANNELS)
        };
        drop(history);
        messages::messages(&request, &hours, &channels)
    })
    .await?
}

fn draw_voice(
    chart: VoiceChart,
    request: &Request,
    names: &Names,
    history: &mut GuildHistory,
) -> Rendered {
    let hours = |history: &mut GuildHistory, draw: &dyn Fn(&HourView<'_>) -> Rendered| {
        with_hours(request, names, history, draw)
    };
    match chart {
        VoiceChart::Community => coplay::community(request, names, history),
        VoiceChart::Duo => coplay::duo(request, names, history),
        VoiceChart::Voice => hours(history, &|view| voice::voice(request, names, view)),
        VoiceChart::Inactive => hours(history, &|view| voice::inactive(request, names, view)),
        VoiceChart::Weekdays => hours(history, &|view| voice::weekdays(request, view)),
        VoiceChart::Hours => hours(history, &|view| voice::hours(request, names, view)),
        VoiceChart::Timeline => hours(history, &|view| voice::timeline(request, names, view)),
    }
}

/// Calls `draw` with the hours of the members shown, from the period's first day: the kept
/// table's, or for one channel a table of that channel's stays alone.
fn with_hours<T>(
    request: &Request,
    names: &Names,
    history: &mut GuildHistory,
    draw: &dyn Fn(&HourView<'_>) -> T,
) -> T {
    let shown = |user: u64| names.shown(UserId(user));
    match request.channel {
        Some(channel) => {
            let stays = history.clamped(
                request.since_ms(),
                request.now.timestamp_millis(),
                Some(channel.0),
            );
            let table = HourTable::from_stays(&stays, request.tz());
            draw(&table.view(request.first_day(), shown))
        }
        None => draw(&history.hours(request.tz()).view(request.first_day(), shown)),
    }
}

/// Milliseconds as hours.
#[expect(
    clippy::cast_precision_loss,
    reason = "voice totals stay far below 2^53 ms (285,000 years)"
)]
fn hours(ms: i64) -> f64 {
    ms as f64 / 3_600_000.0
}

/// The first ten bars of a ranked chart as the embed's lines: "`1.` Ada & Bob — 12.5 h".
fn ranking(bars: &[crate::charts::LabelledHours]) -> String {
    bars.iter()
        .take(10)
        .enumerate()
        .map(|(rank, bar)| format!("`{}.` {} — {:.1} h", rank + 1, bar.label, bar.hours))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Names as a sentence lists them: "Ada", "Ada and Bob", "Ada, Bob and Cy".
fn list<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.into_iter().collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
