//! Messages: messages per day as bars, and the busiest channels.

use plotters::prelude::*;

use super::bar_panel::{self, Axis, Row};
use super::canvas::{self, render, Area, SMALL};
use super::categories::Categories;
use super::numbers::{to_f64, u64_to_f64, upx};
use super::{font, numbers, palette, text, ChartError};

/// Width of the picture in pixels.
pub const WIDTH: u32 = 1200;
/// Height of the picture in pixels.
pub const HEIGHT: u32 = 800;
/// The most channels drawn.
pub const MAX_CHANNELS: usize = 8;

/// A channel and its message count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelMessages {
    /// The channel's name as it should appear: "#general".
    pub name: String,
    /// Messages posted in it over the period.
    pub messages: u64,
}

/// The messages chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Messages {
    /// The title, naming the period: "Messages — last 30 days".
    pub title: String,
    /// Each day's label, oldest first: "Mar 4".
    pub days: Vec<String>,
    /// Messages on each day, one per entry of `days`.
    pub per_day: Vec<u64>,
    /// Channels in any order: the busiest [`MAX_CHANNELS`] are drawn, busiest first. May be
    /// empty, and then the days take the whole picture.
    pub channels: Vec<ChannelMessages>,
}

/// Draws messages per day on top and the busiest channels below.
///
/// # Errors
///
/// [`ChartError::NoData`] without days; [`ChartError::InvalidInput`] when `per_day` does not
/// have one count per day.
pub fn messages(chart: &Messages) -> Result<Vec<u8>, ChartError> {
    if chart.days.is_empty() {
        return Err(ChartError::NoData("no days"));
    }
    if chart.per_day.len() != chart.days.len() {
        return Err(ChartError::InvalidInput(format!(
            "{} day labels but {} daily counts",
            chart.days.len(),
            chart.per_day.len()
        )));
    }
    let mut channels: Vec<&ChannelMessages> = chart.channels.iter().collect();
    channels.sort_by_key(|c| std::cmp::Reverse(c.messages));
    channels.truncate(MAX_CHANNELS);

    render(WIDTH, HEIGHT, |root| {
        let body = canvas::header(
            root,
            &chart.title,
            "Messages posted per day (top) and in the busiest channels (bottom)",
        )?;
        if channels.is_empty() {
            return draw_days(&body, chart);
        }
        let (_, body_h) = body.dim_in_pixel();
        let (top, bottom) = body.split_vertically(body_h * 55 / 100);
        draw_days(&top, chart)?;
        let rows: Vec<Row<'_>> = channels
            .iter()
            .map(|c| Row {
                label: &c.name,
                value: u64_to_f64(c.messages),
            })
            .collect();
        let axis = Axis {
            description: "messages in the period",
            format: |v| numbers::count(upx(v).into()),
            tick: numbers::count_tick,
            suffix: "",
        };
        bar_panel::draw(
            &bottom.margin(20, 0, 0, 0),
            &rows,
            &axis,
            palette::SERIES[2],
        )
    })
}

fn draw_days(area: &Area<'_>, chart: &Messages) -> Result<(), ChartError> {
    let n = chart.days.len();
    let max = chart.per_day.iter().copied().max().unwrap_or(0);
    let y_max = if max > 0 { u64_to_f64(max) * 1.1 } else { 1.0 };
    let label_font = font::font(SMALL);
    let widest = chart
        .days
        .iter()
        .map(|d| text::width(&label_font, d))
        .max()
        .unwrap_or(0);
    // The plot is about as wide as the area minus the value axis.
    let (area_w, _) = area.dim_in_pixel();
    let step = text::thinning_step(n, widest + 20, area_w.saturating_sub(100));
    let mut plot = ChartBuilder::on(area)
        .margin_right(12)
        .x_label_area_size(56)
        .y_label_area_size(76)
        .build_cartesian_2d(Categories::new(n, step), 0.0..y_max)?;
    let (plot_w, _) = plot.plotting_area().dim_in_pixel();
    let day_of = |v: &f64| {
        Categories::index(*v)
            .and_then(|d| chart.days.get(d).cloned())
            .unwrap_or_default()
    };
    let tick = |v: &f64| numbers::count_tick(*v);
    canvas::style_mesh(&mut plot.configure_mesh())
        .disable_x_mesh()
        .x_label_formatter(&day_of)
        .y_labels(6)
        .y_label_formatter(&tick)
        .x_desc("day")
        .y_desc("messages per day")
        .draw()?;

    // Dense bars touch: a one-pixel gap would flicker with rounding.
    let band = f64::from(plot_w) / to_f64(n);
    let gap = if band < 5.0 {
        0
    } else {
        upx((band * 0.15).min(8.0))
    };
    plot.draw_series(chart.per_day.iter().enumerate().map(|(d, count)| {
        let d = to_f64(d);
        let mut bar = Rectangle::new(
            [(d - 0.5, 0.0), (d + 0.5, u64_to_f64(*count))],
            palette::SERIES[0].filled(),
        );
        bar.set_margin(0, 0, gap, gap);
        bar
    }))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::testing::{decode, distinct_colours_in};

    fn month(channels: Vec<ChannelMessages>) -> Messages {
        let days: Vec<String> = (1..=30).map(|d| format!("Apr {d}")).collect();
        let per_day = (1..=30).map(|d| 40 + (d * 37) % 90).collect();
        Messages {
            title: "Messages — April 2024".to_owned(),
            days,
            per_day,
            channels,
        }
    }

    fn channel(name: &str, messages: u64) -> ChannelMessages {
        ChannelMessages {
            name: name.to_owned(),
            messages,
        }
    }

    #[test]
    fn days_and_channels_are_both_drawn() {
        let png = messages(&month(vec![channel("#general", 900), channel("#lfg", 400)]))
            .expect("renders");
        let picture = decode(&png);
        assert_eq!((picture.width, picture.height), (WIDTH, HEIGHT));
        assert_eq!(
            distinct_colours_in(&picture, &[palette::SERIES[0], palette::SERIES[2]]),
            2
        );
    }

    #[test]
    fn without_channels_the_days_take_the_whole_picture() {
        let picture = decode(&messages(&month(vec![])).expect("renders"));
        assert_eq!(picture.count_colour(palette::SERIES[2]), 0);
        assert!(picture.drawn_in((100, 600), (1150, 700)) > 1_000);
    }

    #[test]
    fn counts_must_match_days() {
        let mut bad = month(vec![]);
        bad.per_day.pop();
        assert!(matches!(messages(&bad), Err(ChartError::InvalidInput(_))));
    }

    #[test]
    fn no_days_is_no_data() {
        let mut empty = month(vec![]);
        empty.days.clear();
        empty.per_day.clear();
        assert!(matches!(messages(&empty), Err(ChartError::NoData(_))));
    }
}
