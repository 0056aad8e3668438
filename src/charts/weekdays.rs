//! Day of the week: average community hours in voice per weekday, Monday to Sunday.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::canvas::{self, render, SMALL};
use super::categories::Categories;
use super::numbers::to_f64;
use super::{ensure_finite, font, numbers, palette, ChartError};

/// Width of the picture in pixels.
pub const WIDTH: u32 = 1200;
/// Height of the picture in pixels.
pub const HEIGHT: u32 = 800;

const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Hours in voice per day of the week, Monday first.
#[derive(Debug, Clone, PartialEq)]
pub struct Weekdays {
    /// The title, naming the period: "Day of the week — March 2024".
    pub title: String,
    /// Average hours the whole community spent in voice on each weekday, Monday first.
    pub average_hours: [f64; 7],
    /// Total hours over the period on each weekday, Monday first; written above each bar.
    pub total_hours: [f64; 7],
}

/// Draws seven bars (average hours), each labelled with the weekday's total hours.
///
/// # Errors
///
/// [`ChartError::NoData`] when every weekday is zero; [`ChartError::InvalidInput`] for a
/// value that is not a finite number.
pub fn weekdays(chart: &Weekdays) -> Result<Vec<u8>, ChartError> {
    ensure_finite(
        "weekday hours",
        chart
            .average_hours
            .iter()
            .chain(&chart.total_hours)
            .copied(),
    )?;
    let max = chart.average_hours.iter().copied().fold(0.0_f64, f64::max);
    if max <= 0.0 {
        return Err(ChartError::NoData("no voice time on any weekday"));
    }

    render(WIDTH, HEIGHT, |root| {
        let body = canvas::header(
            root,
            &chart.title,
            "Bars: average hours the community spent in voice on that weekday · above: total hours in the period",
        )?;
        let mut plot = ChartBuilder::on(&body)
            .margin_top(10)
            .margin_right(12)
            .x_label_area_size(56)
            .y_label_area_size(76)
            .build_cartesian_2d(Categories::new(7, 1), 0.0..max * 1.14)?;
        let day_of = |v: &f64| {
            Categories::index(*v)
                .and_then(|d| DAYS.get(d))
                .map_or_else(String::new, |d| (*d).to_owned())
        };
        let tick = |v: &f64| numbers::tick(*v);
        canvas::style_mesh(&mut plot.configure_mesh())
            .disable_x_mesh()
            .x_label_formatter(&day_of)
            .x_label_style(font::text(SMALL + 1.0, palette::TEXT))
            .y_labels(8)
            .y_label_formatter(&tick)
            .y_desc("average hours in voice per day")
            .x_desc("day of the week")
            .draw()?;

        let (plot_w, _) = plot.plotting_area().dim_in_pixel();
        let gap = numbers::upx(f64::from(plot_w) / 7.0 * 0.18);
        plot.draw_series((0..7).map(to_f64).zip(chart.average_hours).map(|(d, avg)| {
            let mut bar = Rectangle::new(
                [(d - 0.5, 0.0), (d + 0.5, avg.max(0.0))],
                palette::SERIES[0].filled(),
            );
            bar.set_margin(0, 0, gap, gap);
            bar
        }))?;
        let total_style =
            font::text(SMALL + 1.0, palette::TEXT).pos(Pos::new(HPos::Center, VPos::Bottom));
        plot.draw_series(
            (0..7)
                .map(to_f64)
                .zip(chart.average_hours.iter().zip(chart.total_hours))
                .map(|(d, (avg, total))| {
                    EmptyElement::at((d, avg.max(0.0)))
                        + Text::new(
                            format!("{} h total", numbers::hours(total)),
                            (0, -8),
                            total_style.clone(),
                        )
                }),
        )?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::testing::decode;

    fn week(average: [f64; 7]) -> Weekdays {
        Weekdays {
            title: "Day of the week — March 2024".to_owned(),
            average_hours: average,
            total_hours: average.map(|h| h * 4.0),
        }
    }

    #[test]
    fn seven_bars_on_a_png_of_the_declared_size() {
        let png = weekdays(&week([3.0, 2.5, 4.0, 3.5, 6.0, 9.0, 7.5])).expect("renders");
        let picture = decode(&png);
        assert_eq!((picture.width, picture.height), (WIDTH, HEIGHT));
        // Each bar's bottom row crosses the plot: count the separate runs of bar colour.
        let rows = picture.rows_with_colour(palette::SERIES[0]);
        let bottom = *rows.last().expect("bars are drawn");
        let mut runs = 0;
        let mut inside = false;
        for x in 0..picture.width {
            let on = picture.pixel(x, bottom) == palette::SERIES[0];
            if on && !inside {
                runs += 1;
            }
            inside = on;
        }
        assert_eq!(runs, 7);
    }

    #[test]
    fn a_silent_week_is_no_data() {
        assert!(matches!(
            weekdays(&week([0.0; 7])),
            Err(ChartError::NoData(_))
        ));
    }
}
