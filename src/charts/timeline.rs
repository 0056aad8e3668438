//! Weekly timeline: hours in voice per week for the top members (one line each) and the whole
//! community's total as a dashed line on its own axis.

use plotters::prelude::*;

use super::canvas::{self, render, Area, SMALL};
use super::categories::Categories;
use super::legend::{self, Entry, Mark};
use super::numbers::to_f64;
use super::{ensure_finite, font, numbers, palette, text, ChartError};

/// Width of the picture in pixels.
pub const WIDTH: u32 = 1200;
/// Height of the picture in pixels.
pub const HEIGHT: u32 = 800;
/// The most member lines drawn.
pub const MAX_MEMBERS: usize = 10;

/// The community total's line: light grey and dashed, unlike any member's.
const TOTAL: RGBColor = palette::TEXT;

/// One member's hours per week.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineSeries {
    /// Display name.
    pub name: String,
    /// Hours in voice in each week, one value per entry of [`Timeline::weeks`].
    pub hours: Vec<f64>,
}

/// The weekly timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    /// The title, naming the period: "Weekly voice time — last 12 weeks".
    pub title: String,
    /// Each week's label, oldest first: its start date, "Mar 4".
    pub weeks: Vec<String>,
    /// The top members (at most [`MAX_MEMBERS`] are drawn), most active first.
    pub members: Vec<TimelineSeries>,
    /// The whole community's hours in each week.
    pub community_total: Vec<f64>,
}

/// Draws one line per member (left axis) and the community total dashed (right axis).
///
/// # Errors
///
/// [`ChartError::NoData`] without weeks; [`ChartError::InvalidInput`] when a series does not
/// have one value per week or holds a value that is not a finite number.
pub fn timeline(chart: &Timeline) -> Result<Vec<u8>, ChartError> {
    let weeks = chart.weeks.len();
    if weeks == 0 {
        return Err(ChartError::NoData("no weeks"));
    }
    if chart.community_total.len() != weeks || chart.members.iter().any(|m| m.hours.len() != weeks)
    {
        return Err(ChartError::InvalidInput(format!(
            "every series needs one value per week ({weeks})"
        )));
    }
    ensure_finite(
        "weekly hours",
        chart
            .members
            .iter()
            .flat_map(|m| m.hours.iter().copied())
            .chain(chart.community_total.iter().copied()),
    )?;
    let members = &chart.members[..chart.members.len().min(MAX_MEMBERS)];

    render(WIDTH, HEIGHT, |root| {
        let body = canvas::header(
            root,
            &chart.title,
            "Hours in voice per week: each top member (left axis) and the whole community (dashed, right axis)",
        )?;
        let (body_w, _) = body.dim_in_pixel();
        let mut entries: Vec<Entry> = members
            .iter()
            .enumerate()
            .map(|(i, m)| Entry {
                colour: member_colour(i),
                label: m.name.clone(),
                mark: member_mark(i),
            })
            .collect();
        entries.push(Entry {
            colour: TOTAL,
            label: "community total".to_owned(),
            mark: Mark::Dashed,
        });
        let used = legend::draw_rows(&body, &entries, (0, 0), body_w, body_w / 6)?;
        draw_lines(&body.margin(used + 10, 0, 0, 0), chart, members)
    })
}

fn member_colour(i: usize) -> RGBColor {
    palette::SERIES[i % palette::SERIES.len()]
}

/// Lines past the palette reuse its colours with dots on each week.
fn member_mark(i: usize) -> Mark {
    if i < palette::SERIES.len() {
        Mark::Line
    } else {
        Mark::LineWithDots
    }
}

fn draw_lines(
    area: &Area<'_>,
    chart: &Timeline,
    members: &[TimelineSeries],
) -> Result<(), ChartError> {
    let weeks = chart.weeks.len();
    let member_max = members
        .iter()
        .flat_map(|m| m.hours.iter().copied())
        .fold(0.0_f64, f64::max);
    let total_max = chart
        .community_total
        .iter()
        .copied()
        .fold(0.0_f64, f64::max);
    let member_axis_max = if member_max > 0.0 {
        member_max * 1.1
    } else {
        1.0
    };
    let total_axis_max = if total_max > 0.0 {
        total_max * 1.1
    } else {
        1.0
    };

    // Week labels are thinned so that they never touch.
    let label_font = font::font(SMALL);
    let widest = chart
        .weeks
        .iter()
        .map(|w| text::width(&label_font, w))
        .max()
        .unwrap_or(0);
    let (area_w, _) = area.dim_in_pixel();
    let step = text::thinning_step(weeks, widest + 24, area_w.saturating_sub(170));
    let mut plot = ChartBuilder::on(area)
        .margin_right(8)
        .x_label_area_size(56)
        .y_label_area_size(72)
        .right_y_label_area_size(84)
        .build_cartesian_2d(Categories::new(weeks, step), 0.0..member_axis_max)?
        .set_secondary_coord(Categories::new(weeks, step), 0.0..total_axis_max);

    let week_of = |v: &f64| {
        Categories::index(*v)
            .and_then(|i| chart.weeks.get(i))
            .map(|w| text::clean(w))
            .unwrap_or_default()
    };
    let tick = |v: &f64| numbers::tick(*v);
    canvas::style_mesh(&mut plot.configure_mesh())
        .disable_x_mesh()
        .x_label_formatter(&week_of)
        .y_labels(8)
        .y_label_formatter(&tick)
        .x_desc("week starting")
        .y_desc("hours per member per week")
        .draw()?;
    plot.configure_secondary_axes()
        .axis_style(palette::AXIS)
        .label_style(font::text(SMALL, palette::MUTED))
        .axis_desc_style(font::text(canvas::NORMAL, palette::TEXT))
        .y_labels(8)
        .y_label_formatter(&tick)
        .y_desc("community hours per week")
        .draw()?;

    let points = |values: &[f64]| -> Vec<(f64, f64)> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| (to_f64(i), *v))
            .collect()
    };
    plot.draw_secondary_series(DashedLineSeries::new(
        points(&chart.community_total),
        10,
        7,
        TOTAL.stroke_width(2),
    ))?;
    if weeks == 1 {
        // A single week has no line to draw: mark the total's point.
        plot.draw_secondary_series(
            points(&chart.community_total)
                .into_iter()
                .map(|p| Circle::new(p, 5, TOTAL.stroke_width(2))),
        )?;
    }
    for (i, member) in members.iter().enumerate() {
        let colour = member_colour(i);
        plot.draw_series(LineSeries::new(
            points(&member.hours),
            colour.stroke_width(3),
        ))?;
        if member_mark(i) == Mark::LineWithDots || weeks == 1 {
            plot.draw_series(
                points(&member.hours)
                    .into_iter()
                    .map(|p| Circle::new(p, 4, colour.filled())),
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::testing::{decode, distinct_colours_in};

    fn series(name: &str, hours: &[f64]) -> TimelineSeries {
        TimelineSeries {
            name: name.to_owned(),
            hours: hours.to_vec(),
        }
    }

    fn chart(members: Vec<TimelineSeries>) -> Timeline {
        Timeline {
            title: "Weekly voice time — last 4 weeks".to_owned(),
            weeks: vec![
                "Mar 4".into(),
                "Mar 11".into(),
                "Mar 18".into(),
                "Mar 25".into(),
            ],
            members,
            community_total: vec![120.0, 90.0, 150.0, 130.0],
        }
    }

    #[test]
    fn one_colour_per_member_line() {
        let png = timeline(&chart(vec![
            series("Ada", &[10.0, 12.0, 8.0, 15.0]),
            series("Bob", &[5.0, 3.0, 9.0, 7.0]),
            series("Cyra", &[1.0, 2.0, 4.0, 2.0]),
        ]))
        .expect("renders");
        let picture = decode(&png);
        assert_eq!((picture.width, picture.height), (WIDTH, HEIGHT));
        assert_eq!(distinct_colours_in(&picture, &palette::SERIES), 3);
    }

    #[test]
    fn a_series_of_the_wrong_length_is_refused() {
        let bad = chart(vec![series("Ada", &[1.0])]);
        assert!(matches!(timeline(&bad), Err(ChartError::InvalidInput(_))));
    }

    #[test]
    fn a_single_week_still_renders() {
        let mut one = chart(vec![series("Ada", &[3.0])]);
        one.weeks.truncate(1);
        one.community_total.truncate(1);
        let picture = decode(&timeline(&one).expect("renders"));
        assert!(picture.count_colour(palette::SERIES[0]) > 20);
    }

    #[test]
    fn no_weeks_is_no_data() {
        let mut empty = chart(vec![]);
        empty.weeks.clear();
        empty.community_total.clear();
        assert!(matches!(timeline(&empty), Err(ChartError::NoData(_))));
    }
}
