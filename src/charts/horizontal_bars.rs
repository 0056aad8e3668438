//! Ranked hours as horizontal bars: the duo chart ("Ada & Bob", hours together) and time in
//! voice per member.

use super::bar_panel::{self, Axis, Row};
use super::canvas::{self, render};
use super::{ensure_finite, numbers, palette, ChartError};

/// Width of the picture in pixels.
pub const WIDTH: u32 = 1200;
/// Height of the picture in pixels.
pub const HEIGHT: u32 = 800;
/// The most bars drawn; the rest are counted in a footnote.
pub const MAX_BARS: usize = 25;

/// One bar: a display name (or a pair, "Ada & Bob") and its hours.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledHours {
    /// What the bar is about, already resolved for display.
    pub label: String,
    /// Hours; negative values are drawn as zero.
    pub hours: f64,
}

/// A ranked-hours chart.
#[derive(Debug, Clone, PartialEq)]
pub struct HorizontalBars {
    /// The title, naming the period: "Duo time — last 30 days".
    pub title: String,
    /// One line under the title saying what is measured (may be empty).
    pub subtitle: String,
    /// The value axis description with its unit: "hours together".
    pub axis_label: String,
    /// The bars, in any order: they are drawn largest first.
    pub bars: Vec<LabelledHours>,
}

/// Draws the bars largest first (at most [`MAX_BARS`]), each with its hours at its end.
///
/// # Errors
///
/// [`ChartError::NoData`] without bars; [`ChartError::InvalidInput`] for a value that is not a
/// finite number.
pub fn horizontal_bars(chart: &HorizontalBars) -> Result<Vec<u8>, ChartError> {
    if chart.bars.is_empty() {
        return Err(ChartError::NoData("no bars"));
    }
    ensure_finite("hours", chart.bars.iter().map(|b| b.hours))?;
    let mut bars: Vec<&LabelledHours> = chart.bars.iter().collect();
    bars.sort_by(|a, b| b.hours.total_cmp(&a.hours));
    let hidden = bars.len().saturating_sub(MAX_BARS);
    bars.truncate(MAX_BARS);
    let rows: Vec<Row<'_>> = bars
        .iter()
        .map(|b| Row {
            label: &b.label,
            value: b.hours.max(0.0),
        })
        .collect();

    render(WIDTH, HEIGHT, |root| {
        let body = canvas::header(root, &chart.title, &chart.subtitle)?;
        let axis = Axis {
            description: &chart.axis_label,
            format: numbers::hours,
            tick: numbers::tick,
            suffix: " h",
        };
        bar_panel::draw(&body, &rows, &axis, palette::SERIES[0])?;
        if hidden > 0 {
            canvas::footnote(root, &format!("+{hidden} more not shown"))?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::testing::{decode, distinct_colours_in, hours};

    fn duo(bars: &[(&str, f64)]) -> HorizontalBars {
        HorizontalBars {
            title: "Duo time — last 30 days".to_owned(),
            subtitle: "Hours two members spent in the same voice channel".to_owned(),
            axis_label: "hours together".to_owned(),
            bars: bars.iter().map(|(l, h)| hours(l, *h)).collect(),
        }
    }

    #[test]
    fn a_duo_chart_is_a_png_of_the_declared_size_with_bars_drawn() {
        let png =
            horizontal_bars(&duo(&[("Ada & Bob", 42.5), ("Cyra & Dex", 12.0)])).expect("renders");
        let picture = decode(&png);
        assert_eq!((picture.width, picture.height), (WIDTH, HEIGHT));
        assert!(
            picture.count_colour(palette::SERIES[0]) > 10_000,
            "bars are drawn"
        );
    }

    #[test]
    fn bars_are_drawn_largest_first_whatever_the_input_order() {
        let png = horizontal_bars(&duo(&[("small", 1.0), ("big", 40.0)])).expect("renders");
        let picture = decode(&png);
        // The top bar is the long one: far right of the top half holds bar colour.
        let top = picture.rows_with_colour(palette::SERIES[0]);
        let first_row = *top.first().expect("some bar rows");
        let wide_row_len = picture.run_length_of(first_row, palette::SERIES[0]);
        assert!(
            wide_row_len > 600,
            "the first bar from the top is the big one: {wide_row_len}"
        );
        assert_eq!(distinct_colours_in(&picture, &palette::SERIES), 1);
    }

    #[test]
    fn no_bars_is_a_clear_error_not_an_empty_picture() {
        assert!(matches!(
            horizontal_bars(&duo(&[])),
            Err(ChartError::NoData(_))
        ));
    }

    #[test]
    fn a_value_that_is_not_a_number_is_refused() {
        assert!(matches!(
            horizontal_bars(&duo(&[("Ada & Bob", f64::NAN)])),
            Err(ChartError::InvalidInput(_))
        ));
    }
}
