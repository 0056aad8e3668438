//! Our side: the steps of trakker's chart paths, each timed against the anchor steps that do
//! the same work, and the chart paths as sums of steps on each side.
//!
//! Adding a step is one line in [`run_steps`]: `timer.step(name, &[anchor steps], async ||
//! call).await?`, where the call goes into the trakker library and may use what earlier steps
//! returned. Name it as in [`PATHS`] so its path's total counts it.

use trakker::community::charts::{draw, Chart, ChartCache, Drawing, Request};
use trakker::community::recap::{messages_chart, week_and_before};
use trakker::domain::coplay::{
    detect_communities, force_layout, pair_overlaps, CoplayGraph, LayoutOptions, PairTable,
};
use trakker::domain::ids::GuildId;
use trakker::domain::recap::{text as recap_text, Week};
use trakker::domain::voice_time::heatmap::heatmap;
use trakker::domain::voice_time::hour_table::HourTable;
use trakker::domain::voice_time::inactive::{inactive_members, InactiveRule};
use trakker::domain::voice_time::messages::{top_channels, MessageHour};
use trakker::domain::voice_time::per_member::voice_per_member;
use trakker::domain::voice_time::weekdays::weekday_hours;
use trakker::domain::voice_time::weekly::weekly_timeline;
use trakker::store::charts::ChannelHour;
use trakker::store::Store;

use crate::load::Period;
use crate::timing::StepTimer;

/// A chart, from the store to its PNG, as a list of steps on each side.
pub(crate) struct ChartPath {
    /// The chart.
    pub name: &'static str,
    /// The chart as the bot draws it, from the store to PNG bytes; timed as `draw <name>`.
    pub chart: Chart,
    /// Our steps, by the names given in [`run_steps`].
    pub ours: &'static [&'static str],
    /// The anchor's steps, by its names in the results JSON.
    pub anchor: &'static [&'static str],
}

/// Our step reading the stays, which every voice chart starts from; the anchor parses its CSV.
const STAYS: &str = "stays.read";
/// The stays as a later draw gets them: only rows appended since the last draw are read.
const KEPT_STAYS: &str = "stays.kept";

/// The community graph drawn with nothing kept from an earlier draw.
const FIRST_DRAW: &str = "draw community (first after a start)";

/// The anchor's community-graph path.
const COMMUNITY_ANCHOR: &[&str] = &[
    "voice.parse_csv",
    "overlap.interval_join_numpy",
    "graph.build_networkx",
    "louvain.networkx",
    "layout.spring_fr50",
    "render.graph_png",
];

/// The weekly recap: both weeks' numbers, the text and the chart.
const RECAP: &str = "recap (two weeks, text and chart)";

/// Our step reading the hourly message counts.
const MESSAGE_HOURS: &str = "message_hours.read";

/// The charts as paths of steps. Ours list the steps timed one by one (reads and computing); the
/// drawing is in the whole path, timed as `draw <chart>`.
pub(crate) const PATHS: &[ChartPath] = &[
    ChartPath {
        name: "community graph",
        chart: Chart::Community,
        ours: &[STAYS, "overlap", "graph", "communities", "layout"],
        anchor: COMMUNITY_ANCHOR,
    },
    ChartPath {
        name: "duo",
        chart: Chart::Duo,
        ours: &[STAYS, "overlap"],
        anchor: &[
            "voice.parse_csv",
            "overlap.interval_join_numpy",
            "duo.compute",
            "duo.render_png",
        ],
    },
    ChartPath {
        name: "voice per user",
        chart: Chart::Voice,
        ours: &[STAYS, "voice_per_user.compute"],
        anchor: &[
            "voice.parse_csv",
            "voice_per_user.compute",
            "voice_per_user.render_png",
        ],
    },
    ChartPath {
        name: "inactive",
        chart: Chart::Inactive,
        ours: &[STAYS, "hours.expand_sessions", "inactive.compute"],
        anchor: &[
            "voice.parse_csv",
            "hours.expand_sessions",
            "inactive.compute",
            "inactive.render_png",
        ],
    },
    ChartPath {
        name: "day of week",
        chart: Chart::Weekdays,
        ours: &[STAYS, "hours.expand_sessions", "day_of_week.compute"],
        anchor: &[
            "voice.parse_csv",
            "hours.expand_sessions",
            "day_of_week.compute",
            "day_of_week.render_png",
        ],
    },
    ChartPath {
        name: "heatmap",
        chart: Chart::Hours,
        ours: &[STAYS, "hours.expand_sessions", "heatmap.compute"],
        anchor: &[
            "voice.parse_csv",
            "hours.expand_sessions",
            "heatmap.compute",
            "heatmap.render_png",
        ],
    },
    ChartPath {
        name: "weekly",
        chart: Chart::Timeline,
        ours: &[STAYS, "hours.expand_sessions", "weekly.compute"],
        anchor: &[
            "voice.parse_csv",
            "hours.expand_sessions",
            "weekly.compute",
            "weekly.render_png",
        ],
    },
    ChartPath {
        name: "top channels",
        chart: Chart::Messages,
        ours: &["messages.top_channels"],
        anchor: &["messages.parse_csv", "messages.top_channels"],
    },
];

/// What our steps returned, to check against what was loaded.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Produced {
    /// Stays read.
    pub stays: u64,
    /// Their seconds, added up.
    pub stay_seconds: i64,
    /// Messages over every hour read.
    pub messages: u64,
}

/// The channel hours as the messages analytics take them.
fn message_rows(hours: &[ChannelHour]) -> Vec<MessageHour> {
    hours
        .iter()
        .map(|row| MessageHour {
            hour_start_ms: row.hour_ms,
            channel: row.channel.0,
            user: 0,
            messages: row.messages,
        })
        .collect()
}

/// Times the weekly recap of the data's last week, as the bot makes it: the two weeks' numbers,
/// the text and the chart's PNG.
async fn time_recap(
    timer: &mut StepTimer,
    store: &dyn Store,
    guild: GuildId,
    until: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    timer
        .step(RECAP, &[], async || {
            let week = Week::ending(until, until.date_naive());
            let (this, before) = week_and_before(store, guild, &week, chrono_tz::UTC).await?;
            let text = recap_text(&this, &before);
            let png = match messages_chart(&this, "recap") {
                Some(chart) => trakker::charts::messages::messages(&chart)?,
                None => Vec::new(),
            };
            Ok((text, png, this))
        })
        .await?;
    // Its parts one by one, to see where the time goes.
    let week = Week::ending(until, until.date_naive());
    let weeks = [(week.start, week.end), (week.previous_start, week.start)];
    timer
        .step("recap.counts", &[], async || {
            for range in weeks {
                store.recap_counts(guild, range, 10).await?;
            }
            Ok(())
        })
        .await?;
    let stays = timer
        .step("recap.stays", &[], async || {
            let mut stays = Vec::new();
            for (from, to) in weeks {
                stays.push(store.recap_stays(guild, (from, to)).await?);
            }
            Ok(stays)
        })
        .await?;
    let (this, _) = week_and_before(store, guild, &week, chrono_tz::UTC).await?;
    timer
        .step("recap.chart", &[], async || {
            Ok(match messages_chart(&this, "recap") {
                Some(chart) => trakker::charts::messages::messages(&chart)?,
                None => Vec::new(),
            })
        })
        .await?;
    drop(stays);
    Ok(())
}

/// Runs every step of ours once per repeat, in the order the charts need them.
pub(crate) async fn run_steps(
    timer: &mut StepTimer,
    store: &dyn Store,
    guild: GuildId,
    period: Period,
) -> anyhow::Result<Produced> {
    let Period { since, until } = period;

    time_recap(timer, store, guild, until).await?;

    let stays = timer
        .step(STAYS, &["voice.parse_csv"], async || {
            Ok(store.voice_stays(guild, since, until).await?)
        })
        .await?;
    let hours = timer
        .step(MESSAGE_HOURS, &["messages.parse_csv"], async || {
            let mut rows = store.channel_hours(guild, since).await?;
            rows.retain(|row| row.hour_ms < until.timestamp_millis());
            Ok(rows)
        })
        .await?;
    let message_rows = message_rows(&hours);
    let pairs = timer
        .step("overlap", &["overlap.interval_join_numpy"], async || {
            Ok(pair_overlaps(&stays))
        })
        .await?;
    let graph = timer
        .step("graph", &["graph.build_networkx"], async || {
            Ok(CoplayGraph::from_pairs(&pairs))
        })
        .await?;
    timer
        .step("communities", &["louvain.networkx"], async || {
            Ok(detect_communities(&graph, 42))
        })
        .await?;
    timer
        .step("layout", &["layout.spring_fr50"], async || {
            Ok(force_layout(&graph, &LayoutOptions::default()))
        })
        .await?;
    timer
        .step(
            "pair_table.build",
            &["overlap.interval_join_numpy"],
            async || Ok(PairTable::from_stays(&stays, chrono_tz::UTC)),
        )
        .await?;
    let table = timer
        .step(
            "hours.expand_sessions",
            &["hours.expand_sessions"],
            async || Ok(HourTable::from_stays(&stays, chrono_tz::UTC)),
        )
        .await?;
    let view = table.everything();
    timer
        .step(
            "voice_per_user.compute",
            &["voice_per_user.compute"],
            async || Ok(voice_per_member(&view, 30)),
        )
        .await?;
    let today = until.timestamp_millis().div_euclid(86_400_000);
    timer
        .step("inactive.compute", &["inactive.compute"], async || {
            Ok(inactive_members(&view, &InactiveRule::default(), today))
        })
        .await?;
    timer
        .step(
            "day_of_week.compute",
            &["day_of_week.compute"],
            async || Ok(weekday_hours(&view)),
        )
        .await?;
    timer
        .step("heatmap.compute", &["heatmap.compute"], async || {
            Ok(heatmap(&view, 20))
        })
        .await?;
    timer
        .step("weekly.compute", &["weekly.compute"], async || {
            Ok(weekly_timeline(&view, 10))
        })
        .await?;
    timer
        .step(
            "messages.top_channels",
            &["messages.top_channels"],
            async || Ok(top_channels(&message_rows, 10)),
        )
        .await?;

    run_draws(timer, store, guild, period, stays.len()).await?;

    Ok(Produced {
        stays: stays.len() as u64,
        stay_seconds: stays.iter().map(|s| s.end_ms - s.start_ms).sum::<i64>() / 1000,
        messages: hours.iter().map(|h| h.messages).sum(),
    })
}

/// Every chart as the bot draws it, from the store to PNG bytes: the community graph first
/// with nothing kept, then each chart with the stays kept between draws, as the bot keeps them.
async fn run_draws(
    timer: &mut StepTimer,
    store: &dyn Store,
    guild: GuildId,
    period: Period,
    stays_read: usize,
) -> anyhow::Result<()> {
    let Period { since, until } = period;
    // The first draw after a start reads the whole ledger; the bot's later draws read only
    // what was appended since, as these do.
    timer
        .step(FIRST_DRAW, COMMUNITY_ANCHOR, async || {
            let fresh = ChartCache::default();
            Ok(draw(store, &fresh, whole_period(guild, period, Chart::Community)).await?)
        })
        .await?;
    let kept = ChartCache::default();
    for path in PATHS {
        let drawn = timer
            .step(path.draw_step(), path.anchor, async || {
                Ok(draw(store, &kept, whole_period(guild, period, path.chart)).await?)
            })
            .await?;
        anyhow::ensure!(
            matches!(drawn, Drawing::Picture { ref png, .. } if png.starts_with(b"\x89PNG")),
            "{} drew no picture: {drawn:?}",
            path.name
        );
    }

    let again = timer
        .step(KEPT_STAYS, &["voice.parse_csv"], async || {
            Ok(kept.stays(store, guild, since, until).await?)
        })
        .await?;
    anyhow::ensure!(
        again.len() == stays_read,
        "the kept stays ({}) differ from the ledger's ({})",
        again.len(),
        stays_read
    );

    Ok(())
}

impl ChartPath {
    /// The name of the step timing the whole chart as the bot draws it.
    pub fn draw_step(&self) -> &'static str {
        match self.chart {
            Chart::Community => "draw community",
            Chart::Duo => "draw duo",
            Chart::Voice => "draw voice",
            Chart::Inactive => "draw inactive",
            Chart::Weekdays => "draw weekdays",
            Chart::Hours => "draw hours",
            Chart::Timeline => "draw timeline",
            Chart::Messages => "draw messages",
        }
    }
}

/// `/chart <chart> period:all-time` at the end of the data, on UTC, nobody hidden.
fn whole_period(guild: GuildId, period: Period, chart: Chart) -> Request {
    Request {
        guild,
        chart,
        since: Some(period.since),
        now: period.until,
        channel: None,
        period_label: "all time".to_owned(),
        timezone: None,
        hidden: Vec::new(),
        channel_names: std::collections::HashMap::new(),
    }
}
