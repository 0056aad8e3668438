//! Hours per month: a heat map of hours in voice by month and hour of day, and a second panel
//! of the top members by hour of day.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::canvas::{self, render, Area, SMALL};
use super::numbers::{px, to_f64};
use super::{ensure_finite, font, numbers, palette, text, ChartError};

/// Width of the picture in pixels.
pub const WIDTH: u32 = 1200;
/// Height of the picture in pixels.
pub const HEIGHT: u32 = 800;
/// The most rows drawn per panel.
pub const MAX_ROWS: usize = 24;

/// A cell with no time at all: a step darker than the scale's lowest colour.
const EMPTY_CELL: RGBColor = RGBColor(0x2a, 0x2d, 0x36);
const SCALE_WIDTH: i32 = 16;
/// Room on the right for the colour scale and its labels.
const SCALE_AREA: i32 = 110;
/// Height of a panel's title above its rows plus its hour labels and axis text below.
const PANEL_CHROME: i32 = 30 + 46;

/// One row of a heat map: its label and hours for each hour of the day, 0 to 23.
#[derive(Debug, Clone, PartialEq)]
pub struct HourRow {
    /// "Jan 2024", or a member's display name.
    pub label: String,
    /// Hours in voice that started in each hour of the day.
    pub hours: [f64; 24],
}

/// The two heat maps.
#[derive(Debug, Clone, PartialEq)]
pub struct HoursHeatmap {
    /// The title, naming the period: "Hours in voice — Jan 2024 to Jun 2024".
    pub title: String,
    /// The time zone the hours of day are in, shown on the axis: "Europe/Paris".
    pub timezone: String,
    /// One row per month, in the order to draw (oldest first reads naturally); at most
    /// [`MAX_ROWS`] are drawn.
    pub months: Vec<HourRow>,
    /// One row per top member, in the order to draw (most active first); at most [`MAX_ROWS`]
    /// are drawn. May be empty: then only the months are drawn.
    pub members: Vec<HourRow>,
}

/// Draws the months panel above the members panel, each with its own colour scale (hours).
///
/// # Errors
///
/// [`ChartError::NoData`] when there are no months; [`ChartError::InvalidInput`] for an hour
/// count that is not a finite number.
pub fn hours_heatmap(chart: &HoursHeatmap) -> Result<Vec<u8>, ChartError> {
    if chart.months.is_empty() {
        return Err(ChartError::NoData("no months"));
    }
    ensure_finite(
        "hours",
        chart
            .months
            .iter()
            .chain(&chart.members)
            .flat_map(|r| r.hours),
    )?;
    let months = &chart.months[..chart.months.len().min(MAX_ROWS)];
    let members = &chart.members[..chart.members.len().min(MAX_ROWS)];

    render(WIDTH, HEIGHT, |root| {
        let body = canvas::header(
            root,
            &chart.title,
            "Hours in voice by hour of the day; brighter cells are busier, empty cells had nobody",
        )?;
        let axis = format!("hour of day ({})", chart.timezone);
        let (_, body_h) = body.dim_in_pixel();
        let panels = if members.is_empty() { 1 } else { 2 };
        let rows = months.len() + members.len();
        let grid_room = px(f64::from(body_h)) - panels * PANEL_CHROME - (panels - 1) * 18;
        let row_h = (f64::from(grid_room) / to_f64(rows)).clamp(8.0, 34.0);
        let label_w = label_width(months.iter().chain(members));
        let months_h = px(row_h * to_f64(months.len())) + PANEL_CHROME;
        let (top, bottom) = body.split_vertically(months_h);
        draw_panel(
            &top,
            "Whole community, by month",
            months,
            row_h,
            label_w,
            &axis,
        )?;
        if !members.is_empty() {
            let bottom = bottom.margin(18, 0, 0, 0);
            draw_panel(&bottom, "Top members", members, row_h, label_w, &axis)?;
        }
        Ok(())
    })
}

fn label_width<'a>(rows: impl Iterator<Item = &'a HourRow>) -> i32 {
    let f = font::font(SMALL);
    let widest = rows.map(|r| text::width(&f, &r.label)).max().unwrap_or(0);
    px(f64::from(widest)).clamp(60, 190) + 12
}

fn draw_panel(
    area: &Area<'_>,
    title: &str,
    rows: &[HourRow],
    row_h: f64,
    label_w: i32,
    axis: &str,
) -> Result<(), ChartError> {
    let (w, _) = area.dim_in_pixel();
    let w = px(f64::from(w));
    area.draw_text(title, &font::text(SMALL + 2.0, palette::TEXT), (0, 2))?;
    let top = 30;
    let grid_left = label_w;
    let grid_w = w - label_w - SCALE_AREA;
    let cell_w = f64::from(grid_w) / 24.0;
    let grid_h = px(row_h * to_f64(rows.len()));
    let max = rows.iter().flat_map(|r| r.hours).fold(0.0_f64, f64::max);

    let label_font = font::font(SMALL.min(row_h - 2.0).max(9.0));
    let label_style = font::text(SMALL.min(row_h - 2.0).max(9.0), palette::TEXT)
        .pos(Pos::new(HPos::Right, VPos::Center));
    for (i, row) in rows.iter().enumerate() {
        let y0 = top + px(row_h * to_f64(i));
        let y1 = top + px(row_h * to_f64(i + 1));
        let label = text::fit(
            &row.label,
            &label_font,
            u32::try_from(label_w - 12).unwrap_or(0),
        );
        area.draw_text(&label, &label_style, (label_w - 10, y0 + (y1 - y0) / 2))?;
        for (hour, value) in row.hours.iter().enumerate() {
            let x0 = grid_left + px(cell_w * to_f64(hour));
            let x1 = grid_left + px(cell_w * to_f64(hour + 1));
            let colour = if *value > 0.0 && max > 0.0 {
                palette::sequential(value / max)
            } else {
                EMPTY_CELL
            };
            // A one-pixel gap between cells keeps the grid readable.
            area.draw(&Rectangle::new(
                [(x0, y0), (x1 - 1, y1 - 1)],
                colour.filled(),
            ))?;
        }
    }

    // Hour labels under the grid, thinned when cells are narrow.
    let step = if cell_w >= 22.0 { 1 } else { 3 };
    let hour_style = font::text(SMALL - 1.0, palette::MUTED).pos(Pos::new(HPos::Center, VPos::Top));
    for hour in (0..24).step_by(step) {
        let x = grid_left + px(cell_w * (to_f64(hour) + 0.5));
        area.draw_text(&hour.to_string(), &hour_style, (x, top + grid_h + 6))?;
    }
    let axis_style = font::text(SMALL, palette::TEXT).pos(Pos::new(HPos::Center, VPos::Top));
    area.draw_text(
        axis,
        &axis_style,
        (grid_left + grid_w / 2, top + grid_h + 26),
    )?;

    draw_scale(area, (grid_left + grid_w + 18, top), grid_h.max(40), max)
}

/// A vertical colour bar from 0 (bottom) to `max` hours (top).
fn draw_scale(
    area: &Area<'_>,
    (x, y): (i32, i32),
    height: i32,
    max: f64,
) -> Result<(), ChartError> {
    for dy in 0..height {
        let t = 1.0 - f64::from(dy) / f64::from((height - 1).max(1));
        area.draw(&Rectangle::new(
            [(x, y + dy), (x + SCALE_WIDTH, y + dy + 1)],
            palette::sequential(t).filled(),
        ))?;
    }
    let style = font::text(SMALL - 1.0, palette::MUTED).pos(Pos::new(HPos::Left, VPos::Center));
    let tx = x + SCALE_WIDTH + 6;
    area.draw_text(&format!("{} h", numbers::hours(max)), &style, (tx, y + 6))?;
    area.draw_text("0 h", &style, (tx, y + height - 6))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::testing::decode;

    fn row(label: &str, peak_hour: usize) -> HourRow {
        let mut hours = [0.0; 24];
        hours[peak_hour] = 10.0;
        hours[(peak_hour + 1) % 24] = 4.0;
        HourRow {
            label: label.to_owned(),
            hours,
        }
    }

    fn heatmap(members: Vec<HourRow>) -> HoursHeatmap {
        HoursHeatmap {
            title: "Hours in voice — Jan 2024 to Mar 2024".to_owned(),
            timezone: "Europe/Paris".to_owned(),
            months: vec![
                row("Jan 2024", 20),
                row("Feb 2024", 21),
                row("Mar 2024", 19),
            ],
            members,
        }
    }

    #[test]
    fn both_panels_show_the_brightest_colour_at_their_peak() {
        let png = hours_heatmap(&heatmap(vec![row("Ada", 22), row("Bob", 8)])).expect("renders");
        let picture = decode(&png);
        assert_eq!((picture.width, picture.height), (WIDTH, HEIGHT));
        let peak = palette::sequential(1.0);
        // Rows crossing a peak cell (a long run of the brightest colour, wider than the
        // colour scale) form two separate groups: one per panel.
        let peak_rows: Vec<u32> = picture
            .rows_with_colour(peak)
            .into_iter()
            .filter(|&y| picture.run_length_of(y, peak) > 30)
            .collect();
        let groups = 1 + peak_rows.windows(2).filter(|w| w[1] - w[0] > 5).count();
        assert!(!peak_rows.is_empty());
        assert_eq!(groups, 2, "{peak_rows:?}");
    }

    #[test]
    fn the_members_panel_is_optional() {
        let png = hours_heatmap(&heatmap(vec![])).expect("renders");
        let picture = decode(&png);
        assert!(
            picture.count_colour(EMPTY_CELL) > 1_000,
            "empty cells are drawn"
        );
    }

    #[test]
    fn no_months_is_no_data() {
        let mut chart = heatmap(vec![]);
        chart.months.clear();
        assert!(matches!(hours_heatmap(&chart), Err(ChartError::NoData(_))));
    }
}
