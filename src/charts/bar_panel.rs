//! Ranked horizontal bars with names on the left and the value at the end of each bar; shared
//! by the ranked-hours chart and the busiest-channels panel.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::canvas::{self, Area, SMALL};
use super::categories::Categories;
use super::numbers::{to_f64, upx};
use super::{font, palette, text, ChartError};

/// One bar: a name and its value.
pub(crate) struct Row<'a> {
    pub(crate) label: &'a str,
    pub(crate) value: f64,
}

/// How the panel writes its numbers.
pub(crate) struct Axis<'a> {
    /// Description under the value axis, with the unit: "hours in voice".
    pub(crate) description: &'a str,
    /// Formats a value for bar-end annotations.
    pub(crate) format: fn(f64) -> String,
    /// Formats a tick on the value axis.
    pub(crate) tick: fn(f64) -> String,
    /// Appended to the bar-end annotation: " h".
    pub(crate) suffix: &'a str,
}

/// Draws `rows` top to bottom in the order given, as bars of `colour`, on `area`.
pub(crate) fn draw(
    area: &Area<'_>,
    rows: &[Row<'_>],
    axis: &Axis<'_>,
    colour: RGBColor,
) -> Result<(), ChartError> {
    let n = rows.len();
    let (area_w, _) = area.dim_in_pixel();
    let label_font = font::font(SMALL + 1.0);
    let widest = rows
        .iter()
        .map(|r| text::width(&label_font, r.label))
        .max()
        .unwrap_or(0);
    // Names get what they need, up to a third of the width.
    let label_area = (widest + 20).clamp(60, area_w / 3);
    let labels: Vec<String> = rows
        .iter()
        .map(|r| text::fit(r.label, &label_font, label_area - 16))
        .collect();
    let max = rows.iter().map(|r| r.value).fold(0.0_f64, f64::max);
    // Room after the longest bar for its annotation.
    let x_max = if max > 0.0 { max * 1.16 } else { 1.0 };

    let mut chart = ChartBuilder::on(area)
        .margin_top(6)
        .margin_right(12)
        .x_label_area_size(52)
        .y_label_area_size(label_area)
        .build_cartesian_2d(0.0..x_max, Categories::new(n, 1))?;

    // The first row is drawn at the top.
    let top_down = |i: usize| to_f64(n - 1 - i);
    let label_of = |v: &f64| -> String {
        Categories::index(*v)
            .and_then(|y| n.checked_sub(y + 1))
            .and_then(|i| labels.get(i).cloned())
            .unwrap_or_default()
    };
    let tick = |v: &f64| (axis.tick)(*v);
    canvas::style_mesh(&mut chart.configure_mesh())
        .disable_y_mesh()
        .y_label_formatter(&label_of)
        .y_label_style(font::text(SMALL + 1.0, palette::TEXT))
        .x_labels(8)
        .x_label_formatter(&tick)
        .x_desc(axis.description)
        .draw()?;

    let (_, plot_h) = chart.plotting_area().dim_in_pixel();
    let band = f64::from(plot_h) / to_f64(rows.len());
    // Bars stay slim when there are only a few.
    let gap = upx((band * 0.16).clamp(1.0, 14.0).max((band - 44.0) / 2.0));
    chart.draw_series(rows.iter().enumerate().map(|(i, row)| {
        let y = top_down(i);
        let mut bar = Rectangle::new([(0.0, y - 0.5), (row.value, y + 0.5)], colour.filled());
        bar.set_margin(gap, gap, 0, 0);
        bar
    }))?;

    let value_style = font::text(SMALL, palette::TEXT).pos(Pos::new(HPos::Left, VPos::Center));
    chart.draw_series(rows.iter().enumerate().map(|(i, row)| {
        let at = (row.value, top_down(i));
        EmptyElement::at(at)
            + Text::new(
                format!("{}{}", (axis.format)(row.value), axis.suffix),
                (6, 0),
                value_style.clone(),
            )
    }))?;
    Ok(())
}
