//! The one typeface every chart uses, compiled into the binary so that rendering never looks for
//! system fonts (a Raspberry Pi or a slim container has no fontconfig).

use std::sync::OnceLock;

use plotters::style::{
    register_font, FontDesc, FontFamily, FontStyle, IntoFont, RGBColor, TextStyle,
};

use super::ChartError;

/// `DejaVu Sans`: wide Unicode coverage (Latin, Greek, Cyrillic and more) for members' display
/// names. License in `assets/fonts/LICENSE-DejaVu.txt`.
static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The family name the embedded font is registered under with plotters.
const FAMILY: &str = "trakker-sans";

/// Registers the embedded font once per process; every chart calls this before drawing.
pub(crate) fn ensure_registered() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok =
        *REGISTERED.get_or_init(|| register_font(FAMILY, FontStyle::Normal, DEJAVU_SANS).is_ok());
    if ok {
        Ok(())
    } else {
        Err(ChartError::Font)
    }
}

/// Whether the embedded font can draw `c` (emoji and most CJK it cannot).
pub(crate) fn has_glyph(c: char) -> bool {
    static FACE: OnceLock<Option<ab_glyph::FontRef<'static>>> = OnceLock::new();
    FACE.get_or_init(|| ab_glyph::FontRef::try_from_slice(DEJAVU_SANS).ok())
        .as_ref()
        .is_some_and(|face| ab_glyph::Font::glyph_id(face, c).0 != 0)
}

/// The embedded font at `size` pixels.
pub(crate) fn font(size: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(FAMILY), size, FontStyle::Normal)
}

/// Text in the embedded font at `size` pixels, in `colour`.
pub(crate) fn text(size: f64, colour: RGBColor) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&colour)
}
