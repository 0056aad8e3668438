//! The frame every chart is drawn in: an RGB buffer with the background, a title and a
//! subtitle, encoded to PNG once drawn; plus the axis style the plotters charts share.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::numbers::px;
use super::raster::RgbCanvas;
use super::{encode, font, palette, text, ChartError};

/// The drawing area of a chart being rendered.
pub(crate) type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// Space left between the picture's edges and its content, in pixels.
pub(crate) const PAD: i32 = 28;
/// Height of the title and subtitle band at the top.
pub(crate) const HEADER: i32 = 90;

/// Size of tick labels and other small text.
pub(crate) const SMALL: f64 = 15.0;
/// Size of axis descriptions and legends.
pub(crate) const NORMAL: f64 = 17.0;

/// Renders `width × height` pixels with `draw` and returns the PNG bytes.
pub(crate) fn render(
    width: u32,
    height: u32,
    draw: impl FnOnce(&Area<'_>) -> Result<(), ChartError>,
) -> Result<Vec<u8>, ChartError> {
    render_layered(width, height, |_| {}, draw)
}

/// Like [`render`], with `underlay` drawing straight into the pixels first, under everything
/// `draw` adds.
pub(crate) fn render_layered(
    width: u32,
    height: u32,
    underlay: impl FnOnce(&mut RgbCanvas<'_>),
    draw: impl FnOnce(&Area<'_>) -> Result<(), ChartError>,
) -> Result<Vec<u8>, ChartError> {
    font::ensure_registered()?;
    let mut rgb = vec![0_u8; width as usize * height as usize * 3];
    {
        let mut canvas = RgbCanvas::new(&mut rgb, width, height);
        canvas.fill(palette::BACKGROUND);
        underlay(&mut canvas);
    }
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        draw(&root)?;
        root.present()?;
    }
    encode::png_from_rgb(width, height, &rgb)
}

/// Draws the title and, under it, a subtitle (what the marks mean, units); returns the area
/// below them, inset by [`PAD`].
pub(crate) fn header<'a>(
    root: &Area<'a>,
    title: &str,
    subtitle: &str,
) -> Result<Area<'a>, ChartError> {
    let (w, _) = root.dim_in_pixel();
    let line_width = w.saturating_sub(2 * PAD.unsigned_abs());
    let title_font = font::font(28.0);
    let title = text::fit(title, &title_font, line_width);
    root.draw_text(&title, &font::text(28.0, palette::TEXT), (PAD, 20))?;
    if !subtitle.is_empty() {
        let subtitle = text::fit(subtitle, &font::font(SMALL), line_width);
        root.draw_text(&subtitle, &font::text(SMALL, palette::MUTED), (PAD, 58))?;
    }
    Ok(root.margin(HEADER, PAD, PAD, PAD))
}

/// Draws `note` small and muted at the bottom-left corner of `root` (e.g. "+3 more not shown").
pub(crate) fn footnote(root: &Area<'_>, note: &str) -> Result<(), ChartError> {
    let (_, h) = root.dim_in_pixel();
    let y = px(f64::from(h)) - 22;
    root.draw_text(note, &font::text(13.0, palette::MUTED), (PAD, y))?;
    Ok(())
}

/// Applies the shared look to a plotters mesh: faint grid, muted tick labels, readable axis
/// descriptions.
pub(crate) fn style_mesh<'m, 'a, 'b, X, Y, DB>(
    mesh: &'m mut plotters::chart::MeshStyle<'a, 'b, X, Y, DB>,
) -> &'m mut plotters::chart::MeshStyle<'a, 'b, X, Y, DB>
where
    X: plotters::coord::ranged1d::Ranged,
    Y: plotters::coord::ranged1d::Ranged,
    DB: DrawingBackend,
{
    mesh.axis_style(palette::AXIS)
        .bold_line_style(palette::GRID)
        .max_light_lines(0)
        .label_style(font::text(SMALL, palette::MUTED))
        .axis_desc_style(font::text(NORMAL, palette::TEXT))
        .set_tick_mark_size(LabelAreaPosition::Left, 5)
        .set_tick_mark_size(LabelAreaPosition::Bottom, 5)
}
