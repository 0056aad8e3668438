//! Members whose voice time fell: for each, hours per day earlier and recently, as paired bars,
//! the biggest drop first.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::canvas::{self, render, SMALL};
use super::categories::Categories;
use super::legend::{self, Entry, Mark};
use super::numbers::{to_f64, upx};
use super::{ensure_finite, font, numbers, palette, text, ChartError};

/// Width of the picture in pixels.
pub const WIDTH: u32 = 1200;
/// Height of the picture in pixels.
pub const HEIGHT: u32 = 800;
/// The most members drawn; the rest are counted in a footnote.
pub const MAX_MEMBERS: usize = 15;

const EARLIER: RGBColor = palette::SERIES[0];
const RECENT: RGBColor = palette::SERIES[1];

/// A member's voice rate in two periods.
#[derive(Debug, Clone, PartialEq)]
pub struct InactiveMember {
    /// Display name.
    pub name: String,
    /// Hours in voice per day in the earlier period.
    pub earlier_per_day: f64,
    /// Hours in voice per day in the recent period.
    pub recent_per_day: f64,
}

/// The inactive-members chart.
#[derive(Debug, Clone, PartialEq)]
pub struct InactiveMembers {
    /// The title, naming the periods: "Members going quiet — last 14 days vs the 60 before".
    pub title: String,
    /// Legend text for the earlier period: "Jan 1 – Feb 29".
    pub earlier_label: String,
    /// Legend text for the recent period: "last 14 days".
    pub recent_label: String,
    /// The members, in any order: they are drawn biggest drop first.
    pub members: Vec<InactiveMember>,
}

/// Draws each member's earlier and recent hours per day side by side, biggest drop first (at
/// most [`MAX_MEMBERS`]).
///
/// # Errors
///
/// [`ChartError::NoData`] without members; [`ChartError::InvalidInput`] for a rate that is
/// not a finite number.
pub fn inactive(chart: &InactiveMembers) -> Result<Vec<u8>, ChartError> {
    if chart.members.is_empty() {
        return Err(ChartError::NoData("no member's voice time fell"));
    }
    ensure_finite(
        "rates",
        chart
            .members
            .iter()
            .flat_map(|m| [m.earlier_per_day, m.recent_per_day]),
    )?;
    let mut members: Vec<&InactiveMember> = chart.members.iter().collect();
    let drop = |m: &InactiveMember| m.earlier_per_day - m.recent_per_day;
    members.sort_by(|a, b| drop(b).total_cmp(&drop(a)));
    let hidden = members.len().saturating_sub(MAX_MEMBERS);
    members.truncate(MAX_MEMBERS);

    render(WIDTH, HEIGHT, |root| {
        let body = canvas::header(
            root,
            &chart.title,
            "Hours in voice per day, before and now; the biggest drop is at the top",
        )?;
        let (body_w, _) = body.dim_in_pixel();
        let legend_entries = [
            Entry {
                colour: EARLIER,
                label: format!("earlier: {}", chart.earlier_label),
                mark: Mark::Swatch,
            },
            Entry {
                colour: RECENT,
                label: format!("recent: {}", chart.recent_label),
                mark: Mark::Swatch,
            },
        ];
        let used = legend::draw_rows(&body, &legend_entries, (0, 0), body_w, body_w / 2)?;
        let plot_area = body.margin(used + 8, 0, 0, 0);
        draw_pairs(&plot_area, &members)?;
        if hidden > 0 {
            canvas::footnote(root, &format!("+{hidden} more not shown"))?;
        }
        Ok(())
    })
}

fn draw_pairs(area: &canvas::Area<'_>, members: &[&InactiveMember]) -> Result<(), ChartError> {
    let n = members.len();
    let (area_w, _) = area.dim_in_pixel();
    let label_font = font::font(SMALL + 1.0);
    let widest = members
        .iter()
        .map(|m| text::width(&label_font, &m.name))
        .max()
        .unwrap_or(0);
    let label_area = (widest + 20).clamp(60, area_w / 3);
    let labels: Vec<String> = members
        .iter()
        .map(|m| text::fit(&m.name, &label_font, label_area - 16))
        .collect();
    let max = members
        .iter()
        .flat_map(|m| [m.earlier_per_day, m.recent_per_day])
        .fold(0.0_f64, f64::max);
    let x_max = if max > 0.0 { max * 1.14 } else { 1.0 };

    let mut chart = ChartBuilder::on(area)
        .margin_right(12)
        .x_label_area_size(52)
        .y_label_area_size(label_area)
        .build_cartesian_2d(0.0..x_max, Categories::new(n, 1))?;
    // The first member is drawn at the top.
    let top_down = |i: usize| to_f64(n - 1 - i);
    let label_of = |v: &f64| {
        Categories::index(*v)
            .and_then(|y| n.checked_sub(y + 1))
            .and_then(|i| labels.get(i).cloned())
            .unwrap_or_default()
    };
    let tick = |v: &f64| numbers::tick(*v);
    canvas::style_mesh(&mut chart.configure_mesh())
        .disable_y_mesh()
        .y_label_formatter(&label_of)
        .y_label_style(font::text(SMALL + 1.0, palette::TEXT))
        .x_labels(8)
        .x_label_formatter(&tick)
        .x_desc("hours in voice per day")
        .draw()?;

    // Each member's band holds two bars: earlier above, recent below.
    let (_, plot_h) = chart.plotting_area().dim_in_pixel();
    let band = f64::from(plot_h) / to_f64(members.len());
    // A pair of bars stays slim when there are only a few members.
    let outer = (band * 0.12).clamp(1.0, 10.0).max((band - 60.0) / 2.0);
    let bar = ((band - 2.0 * outer) / 2.0).max(1.0);
    let (outer, bar) = (upx(outer), upx(bar));
    let value_style =
        font::text(SMALL - 1.0, palette::MUTED).pos(Pos::new(HPos::Left, VPos::Center));
    for (i, member) in members.iter().enumerate() {
        let y = top_down(i);
        let span = |v: f64| [(0.0, y - 0.5), (v.max(0.0), y + 0.5)];
        let mut earlier = Rectangle::new(span(member.earlier_per_day), EARLIER.filled());
        earlier.set_margin(outer, outer + bar, 0, 0);
        let mut recent = Rectangle::new(span(member.recent_per_day), RECENT.filled());
        recent.set_margin(outer + bar, outer, 0, 0);
        chart.plotting_area().draw(&earlier)?;
        chart.plotting_area().draw(&recent)?;
        let half = i32::try_from(bar / 2).unwrap_or(0);
        for (value, dy) in [
            (member.earlier_per_day, -half),
            (member.recent_per_day, half),
        ] {
            let at = (value.max(0.0), y);
            chart.plotting_area().draw(
                &(EmptyElement::at(at)
                    + Text::new(numbers::hours(value), (6, dy), value_style.clone())),
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::testing::{decode, distinct_colours_in};

    fn member(name: &str, earlier: f64, recent: f64) -> InactiveMember {
        InactiveMember {
            name: name.to_owned(),
            earlier_per_day: earlier,
            recent_per_day: recent,
        }
    }

    fn chart(members: Vec<InactiveMember>) -> InactiveMembers {
        InactiveMembers {
            title: "Members going quiet — last 14 days vs the 60 before".to_owned(),
            earlier_label: "Jan 1 – Feb 29".to_owned(),
            recent_label: "last 14 days".to_owned(),
            members,
        }
    }

    #[test]
    fn earlier_and_recent_bars_are_both_drawn() {
        let png = inactive(&chart(vec![
            member("Ada", 3.0, 0.5),
            member("Bob", 2.0, 1.5),
        ]))
        .expect("renders");
        let picture = decode(&png);
        assert_eq!((picture.width, picture.height), (WIDTH, HEIGHT));
        assert_eq!(distinct_colours_in(&picture, &[EARLIER, RECENT]), 2);
    }

    #[test]
    fn the_biggest_drop_is_drawn_first() {
        // Bob fell by 5 h/day, Ada by 1: Bob's long earlier bar is the topmost earlier bar.
        let png = inactive(&chart(vec![
            member("Ada", 2.0, 1.0),
            member("Bob", 6.0, 1.0),
        ]))
        .expect("renders");
        let picture = decode(&png);
        let rows = picture.rows_with_colour(EARLIER);
        // Skip the legend swatch: the first rows with a long run are the top bar.
        let top_bar = rows
            .iter()
            .find(|&&y| picture.run_length_of(y, EARLIER) > 100)
            .expect("a bar");
        assert!(picture.run_length_of(*top_bar, EARLIER) > 500);
    }

    #[test]
    fn nobody_to_show_is_no_data() {
        assert!(matches!(
            inactive(&chart(vec![])),
            Err(ChartError::NoData(_))
        ));
    }
}
