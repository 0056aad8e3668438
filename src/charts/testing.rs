//! Test helpers: decode a chart's PNG and ask questions a person would check by eye.

use std::io::Cursor;

use plotters::style::RGBColor;

use super::horizontal_bars::LabelledHours;
use super::palette;

/// A decoded chart.
pub(crate) struct Picture {
    pub(crate) width: u32,
    pub(crate) height: u32,
    rgb: Vec<u8>,
}

/// Checks the PNG signature and the IHDR chunk, then decodes the pixels.
pub(crate) fn decode(png_bytes: &[u8]) -> Picture {
    assert_eq!(&png_bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&png_bytes[12..16], b"IHDR", "IHDR is the first chunk");
    let declared = |at: usize| {
        u32::from_be_bytes([
            png_bytes[at],
            png_bytes[at + 1],
            png_bytes[at + 2],
            png_bytes[at + 3],
        ])
    };
    let (width, height) = (declared(16), declared(20));
    let mut reader = png::Decoder::new(Cursor::new(png_bytes))
        .read_info()
        .expect("a valid PNG header");
    let mut rgb = vec![0; reader.output_buffer_size().expect("a sane size")];
    let info = reader.next_frame(&mut rgb).expect("valid image data");
    assert_eq!((info.width, info.height), (width, height));
    assert_eq!(info.color_type, png::ColorType::Rgb);
    rgb.truncate(info.buffer_size());
    Picture { width, height, rgb }
}

impl Picture {
    /// The pixels, 8-bit RGB.
    pub(crate) fn rgb(&self) -> &[u8] {
        &self.rgb
    }

    /// The colour at `(x, y)`.
    pub(crate) fn pixel(&self, x: u32, y: u32) -> RGBColor {
        let at = (y as usize * self.width as usize + x as usize) * 3;
        RGBColor(self.rgb[at], self.rgb[at + 1], self.rgb[at + 2])
    }

    fn pixels(&self) -> impl Iterator<Item = RGBColor> + '_ {
        self.rgb.chunks_exact(3).map(|p| RGBColor(p[0], p[1], p[2]))
    }

    /// How many pixels are exactly `colour`.
    pub(crate) fn count_colour(&self, colour: RGBColor) -> usize {
        self.pixels().filter(|p| *p == colour).count()
    }

    /// Rows (top to bottom) holding at least one pixel of `colour`.
    pub(crate) fn rows_with_colour(&self, colour: RGBColor) -> Vec<u32> {
        (0..self.height)
            .filter(|&y| (0..self.width).any(|x| self.pixel(x, y) == colour))
            .collect()
    }

    /// How many pixels of row `y` are `colour`.
    pub(crate) fn run_length_of(&self, y: u32, colour: RGBColor) -> usize {
        (0..self.width)
            .filter(|&x| self.pixel(x, y) == colour)
            .count()
    }

    /// How many pixels in the rectangle differ from the background.
    pub(crate) fn drawn_in(&self, (x0, y0): (u32, u32), (x1, y1): (u32, u32)) -> usize {
        let mut n = 0;
        for y in y0..y1.min(self.height) {
            for x in x0..x1.min(self.width) {
                if self.pixel(x, y) != palette::BACKGROUND {
                    n += 1;
                }
            }
        }
        n
    }
}

/// How many of `colours` appear (at least 200 pixels each, so text antialiasing does not
/// count).
pub(crate) fn distinct_colours_in(picture: &Picture, colours: &[RGBColor]) -> usize {
    colours
        .iter()
        .filter(|c| picture.count_colour(**c) >= 200)
        .count()
}

/// A bar of hours.
pub(crate) fn hours(label: &str, hours: f64) -> LabelledHours {
    LabelledHours {
        label: label.to_owned(),
        hours,
    }
}
