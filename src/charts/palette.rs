//! Colours shared by every chart.
//!
//! Charts carry their own opaque dark background, so they read the same on Discord's dark and
//! light themes. Series colours are the Okabe–Ito set (distinguishable with the common forms of
//! colour blindness), each with at least 3:1 contrast against the background.

use plotters::style::RGBColor;

use super::numbers::to_f64;

/// The opaque background of every chart.
pub(crate) const BACKGROUND: RGBColor = RGBColor(0x1c, 0x1e, 0x24);
/// Titles, labels and values.
pub(crate) const TEXT: RGBColor = RGBColor(0xe8, 0xea, 0xed);
/// Subtitles, tick labels and footnotes.
pub(crate) const MUTED: RGBColor = RGBColor(0xa6, 0xab, 0xb5);
/// Axis lines.
pub(crate) const AXIS: RGBColor = RGBColor(0x6e, 0x73, 0x7e);
/// Grid lines, faint on purpose.
pub(crate) const GRID: RGBColor = RGBColor(0x33, 0x37, 0x41);
/// Anything beyond the palette (small communities, "other" rows).
pub(crate) const OTHER: RGBColor = RGBColor(0x8a, 0x8f, 0x99);

/// Series colours in order of use: Okabe–Ito without black and without its dark blue (too
/// dark on the background), then three light extras.
pub(crate) const SERIES: [RGBColor; 9] = [
    RGBColor(0x56, 0xb4, 0xe9), // sky blue
    RGBColor(0xe6, 0x9f, 0x00), // orange
    RGBColor(0x00, 0x9e, 0x73), // bluish green
    RGBColor(0xcc, 0x79, 0xa7), // reddish purple
    RGBColor(0xf0, 0xe4, 0x42), // yellow
    RGBColor(0xd5, 0x5e, 0x00), // vermillion
    RGBColor(0xff, 0x9d, 0xa7), // pink
    RGBColor(0xb3, 0xa2, 0xff), // lavender
    RGBColor(0xa6, 0xd8, 0x54), // light green
];

/// The colour of series `index`, grey once the palette runs out.
pub(crate) fn series(index: usize) -> RGBColor {
    SERIES.get(index).copied().unwrap_or(OTHER)
}

/// Sequential colour scale for heat maps (viridis), `t` in `0..=1`.
pub(crate) fn sequential(t: f64) -> RGBColor {
    // Nine samples of matplotlib's viridis, linearly interpolated.
    const STOPS: [(u8, u8, u8); 9] = [
        (0x44, 0x01, 0x54),
        (0x47, 0x2d, 0x7b),
        (0x3b, 0x52, 0x8b),
        (0x2c, 0x72, 0x8e),
        (0x21, 0x91, 0x8c),
        (0x28, 0xae, 0x80),
        (0x5e, 0xc9, 0x62),
        (0xad, 0xdc, 0x30),
        (0xfd, 0xe7, 0x25),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let scaled = t * to_f64(STOPS.len() - 1);
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "scaled is within 0..=8"
    )]
    let low = (scaled.floor() as usize).min(STOPS.len() - 2);
    let frac = scaled - to_f64(low);
    let mix = |a: u8, b: u8| -> u8 {
        let v = f64::from(a) + (f64::from(b) - f64::from(a)) * frac;
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "v lies between two u8 values"
        )]
        let byte = v.round().clamp(0.0, 255.0) as u8;
        byte
    };
    let (a, b) = (STOPS[low], STOPS[low + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn communities_beyond_the_palette_are_grey() {
        assert_eq!(series(0), SERIES[0]);
        assert_eq!(series(SERIES.len()), OTHER);
    }

    #[test]
    fn the_heat_scale_runs_from_dark_purple_to_yellow() {
        assert_eq!(sequential(0.0), RGBColor(0x44, 0x01, 0x54));
        assert_eq!(sequential(1.0), RGBColor(0xfd, 0xe7, 0x25));
        assert_eq!(sequential(f64::NAN), sequential(0.0));
    }
}
