//! Legends drawn outside the plot area, so they never hide data.

use plotters::prelude::*;

use super::canvas::{Area, NORMAL};
use super::numbers::upx;
use super::{font, palette, text, ChartError};

/// How an entry's series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mark {
    /// A filled square (bars, nodes).
    Swatch,
    /// A solid line.
    Line,
    /// A solid line with a dot (series beyond the palette's first colours).
    LineWithDots,
    /// A dashed line.
    Dashed,
}

/// One legend entry.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) colour: RGBColor,
    pub(crate) label: String,
    pub(crate) mark: Mark,
}

const MARK_WIDTH: i32 = 26;
const ROW_HEIGHT: i32 = 26;

/// Draws `entries` in rows starting at `origin`, each in a column `column_px` wide, wrapping
/// at `width_px`. Returns the height used in pixels.
pub(crate) fn draw_rows(
    area: &Area<'_>,
    entries: &[Entry],
    origin: (i32, i32),
    width_px: u32,
    column_px: u32,
) -> Result<i32, ChartError> {
    let per_row = (width_px / column_px.max(1)).max(1) as usize;
    let label_font = font::font(NORMAL - 2.0);
    let label_style = font::text(NORMAL - 2.0, palette::TEXT);
    let col = i32::try_from(column_px).unwrap_or(i32::MAX);
    let mut rows = 0;
    for (i, entry) in entries.iter().enumerate() {
        let row = i32::try_from(i / per_row).unwrap_or(i32::MAX);
        let column = i32::try_from(i % per_row).unwrap_or(i32::MAX);
        rows = rows.max(row + 1);
        let x = origin.0 + column * col;
        let y = origin.1 + row * ROW_HEIGHT;
        draw_mark(area, entry, (x, y + ROW_HEIGHT / 2 - 5))?;
        let room = column_px.saturating_sub(upx(f64::from(MARK_WIDTH + 16)));
        let label = text::fit(&entry.label, &label_font, room);
        area.draw_text(&label, &label_style, (x + MARK_WIDTH + 8, y + 3))?;
    }
    Ok(rows * ROW_HEIGHT)
}

fn draw_mark(area: &Area<'_>, entry: &Entry, (x, y): (i32, i32)) -> Result<(), ChartError> {
    let colour = entry.colour;
    match entry.mark {
        Mark::Swatch => {
            area.draw(&Rectangle::new(
                [(x + 5, y - 8), (x + 21, y + 8)],
                colour.filled(),
            ))?;
        }
        Mark::Line | Mark::LineWithDots => {
            area.draw(&PathElement::new(
                vec![(x, y), (x + MARK_WIDTH, y)],
                colour.stroke_width(3),
            ))?;
            if entry.mark == Mark::LineWithDots {
                area.draw(&Circle::new((x + MARK_WIDTH / 2, y), 4, colour.filled()))?;
            }
        }
        Mark::Dashed => {
            for start in [0, 10, 20] {
                area.draw(&PathElement::new(
                    vec![(x + start, y), (x + (start + 6).min(MARK_WIDTH), y)],
                    colour.stroke_width(3),
                ))?;
            }
        }
    }
    Ok(())
}
