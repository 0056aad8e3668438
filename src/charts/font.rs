//! The one typeface every chart uses, compiled into the binary so that rendering never looks for
//! system fonts (a Raspberry Pi or a slim container has no fontconfig).

use std::sync::OnceLock;

use plotters::style::{
    register_font, FontDesc, FontFamily, FontStyle, IntoFont, RGBColor, TextStyle,
};

use super::ChartError;

/// `DejaVu Sans`: wide Unicode coverage (Latin, Greek, Cyrillic and more) for members' display
/// names. License in `assets/fonts/LICENSE-DejaVu.txt`. The binary carries it compressed (build.rs:
/// 382 kB instead of 760 kB), and a process that never draws a chart never inflates it.
static DEJAVU_SANS_DEFLATED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/font.deflate"));

/// The font's bytes, inflated on first use; `None` only if the build embedded a broken stream.
fn dejavu_sans() -> Option<&'static [u8]> {
    static FONT: OnceLock<Option<Vec<u8>>> = OnceLock::new();
    FONT.get_or_init(|| miniz_oxide::inflate::decompress_to_vec(DEJAVU_SANS_DEFLATED).ok())
        .as_deref()
}

/// The family name the embedded font is registered under with plotters.
const FAMILY: &str = "trakker-sans";

/// Registers the embedded font once per process; every chart calls this before drawing.
pub(crate) fn ensure_registered() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        dejavu_sans().is_some_and(|font| register_font(FAMILY, FontStyle::Normal, font).is_ok())
    });
    if ok {
        Ok(())
    } else {
        Err(ChartError::Font)
    }
}

/// Whether the embedded font can draw `c` (emoji and most CJK it cannot).
pub(crate) fn has_glyph(c: char) -> bool {
    static FACE: OnceLock<Option<ab_glyph::FontRef<'static>>> = OnceLock::new();
    FACE.get_or_init(|| dejavu_sans().and_then(|font| ab_glyph::FontRef::try_from_slice(font).ok()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_font_inflates_to_the_file_in_assets() {
        let file = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/assets/fonts/DejaVuSans.ttf"
        ))
        .expect("the font file is in the repository");
        assert!(
            DEJAVU_SANS_DEFLATED.len() < file.len() * 2 / 3,
            "carried compressed"
        );
        assert_eq!(dejavu_sans(), Some(file.as_slice()));
    }

    #[test]
    fn the_font_draws_latin_and_cyrillic_but_not_emoji() {
        assert!(has_glyph('A') && has_glyph('Ж'));
        assert!(!has_glyph('🎮'));
        assert!(ensure_registered().is_ok());
    }
}
