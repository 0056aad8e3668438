//! Direct drawing into the RGB buffer for marks plotters draws too slowly in bulk: thousands of
//! thick, translucent, anti-aliased lines under the community graph.

use plotters::style::RGBColor;

use super::numbers::to_f64;

/// An 8-bit RGB buffer being drawn into.
pub(crate) struct RgbCanvas<'a> {
    rgb: &'a mut [u8],
    width: usize,
    height: usize,
}

impl<'a> RgbCanvas<'a> {
    /// Wraps `rgb`, which holds `width * height` pixels.
    pub(crate) fn new(rgb: &'a mut [u8], width: u32, height: u32) -> Self {
        let (width, height) = (width as usize, height as usize);
        debug_assert_eq!(rgb.len(), width * height * 3);
        Self { rgb, width, height }
    }

    /// Paints every pixel `colour`.
    pub(crate) fn fill(&mut self, colour: RGBColor) {
        // One pixel, then the filled part copied onto the rest, doubling: memcpy speed.
        let Some(first) = self.rgb.get_mut(..3) else {
            return;
        };
        first.copy_from_slice(&[colour.0, colour.1, colour.2]);
        let mut filled = 3;
        while filled < self.rgb.len() {
            let next = (filled * 2).min(self.rgb.len());
            self.rgb.copy_within(..next - filled, filled);
            filled = next;
        }
    }

    /// Mixes `colour` into the pixel starting at byte `at` with weight `weight` out of 256.
    #[inline]
    fn blend(&mut self, at: usize, colour: [i32; 3], weight: i32) {
        if let Some(pixel) = self.rgb.get_mut(at..at + 3) {
            for (channel, source) in pixel.iter_mut().zip(colour) {
                let current = i32::from(*channel);
                #[expect(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    reason = "with a weight in 0..=256 the mix stays between two u8 values"
                )]
                let mixed = (current + (((source - current) * weight + 128) >> 8)) as u8;
                *channel = mixed;
            }
        }
    }

    /// A straight line `width` pixels thick between two pixel centres, in `colour` at `alpha`,
    /// with anti-aliased sides. Each pixel is painted once, so a translucent line stays even.
    pub(crate) fn line(
        &mut self,
        from: (i32, i32),
        to: (i32, i32),
        width: f64,
        colour: RGBColor,
        alpha: f64,
    ) {
        let (mut x0, mut y0) = (f64::from(from.0) + 0.5, f64::from(from.1) + 0.5);
        let (mut x1, mut y1) = (f64::from(to.0) + 0.5, f64::from(to.1) + 0.5);
        // Walk along the longer axis ("along"), one pixel at a time; paint a short run of
        // pixels across it.
        let x_major = (x1 - x0).abs() >= (y1 - y0).abs();
        if !x_major {
            std::mem::swap(&mut x0, &mut y0);
            std::mem::swap(&mut x1, &mut y1);
        }
        if x0 > x1 {
            std::mem::swap(&mut x0, &mut x1);
            std::mem::swap(&mut y0, &mut y1);
        }
        let run = x1 - x0;
        if run < 0.5 || alpha <= 0.0 {
            return;
        }
        let (along_limit, across_limit) = if x_major {
            (self.width, self.height)
        } else {
            (self.height, self.width)
        };
        let slope = (y1 - y0) / run;
        // Thickness measured across the walking axis, so the line is `width` thick at any angle.
        let half = width * (1.0 + slope * slope).sqrt() / 2.0;
        let colour = [
            i32::from(colour.0),
            i32::from(colour.1),
            i32::from(colour.2),
        ];
        let weight = |coverage: f64| -> i32 {
            #[expect(clippy::cast_possible_truncation, reason = "within 0..=256")]
            let w = (alpha.clamp(0.0, 1.0) * coverage.clamp(0.0, 1.0) * 256.0).round() as i32;
            w
        };
        let full = weight(1.0);
        let first = usize_floor(x0).min(along_limit);
        let last = usize_floor(x1.ceil()).min(along_limit);
        for along in first..last {
            let centre = y0 + slope * (to_f64(along) + 0.5 - x0);
            let (top, bottom) = (centre - half, centre + half);
            let (stride, base) = if x_major {
                (self.width * 3, along * 3)
            } else {
                (3, along * self.width * 3)
            };
            // The run of pixels across the line: the two end pixels are weighed by how much of
            // them the line covers, the ones between get the full weight.
            let first_px = top.floor();
            let last_px = bottom.ceil() - 1.0;
            let on_canvas = |pixel: f64| {
                (pixel >= 0.0 && pixel < to_f64(across_limit)).then(|| usize_floor(pixel))
            };
            if first_px >= last_px {
                if let Some(p) = on_canvas(first_px) {
                    self.blend(base + p * stride, colour, weight(bottom - top));
                }
                continue;
            }
            if let Some(p) = on_canvas(first_px) {
                self.blend(base + p * stride, colour, weight(first_px + 1.0 - top));
            }
            let inner_from = usize_floor(first_px + 1.0);
            let inner_to = usize_floor(last_px).min(across_limit);
            for across in inner_from..inner_to {
                self.blend(base + across * stride, colour, full);
            }
            if let Some(p) = on_canvas(last_px) {
                self.blend(base + p * stride, colour, weight(bottom - last_px));
            }
        }
    }
}

/// `v` rounded down to a pixel index, negative values (off the canvas) to 0.
fn usize_floor(v: f64) -> usize {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "clamped to be non-negative; far-off coordinates saturate"
    )]
    let i = v.floor().max(0.0) as usize;
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLACK: RGBColor = RGBColor(0, 0, 0);
    const WHITE: RGBColor = RGBColor(255, 255, 255);

    #[test]
    fn a_fill_paints_every_pixel_of_an_odd_sized_canvas() {
        let mut rgb = vec![0; 7 * 3 * 3];
        RgbCanvas::new(&mut rgb, 7, 3).fill(RGBColor(1, 2, 3));
        assert!(rgb.chunks_exact(3).all(|pixel| pixel == [1, 2, 3]));
    }

    fn canvas_pixels(draw: impl FnOnce(&mut RgbCanvas<'_>)) -> Vec<u8> {
        let mut rgb = vec![0; 20 * 20 * 3];
        let mut canvas = RgbCanvas::new(&mut rgb, 20, 20);
        canvas.fill(BLACK);
        draw(&mut canvas);
        rgb
    }

    fn at(rgb: &[u8], x: usize, y: usize) -> u8 {
        rgb[(y * 20 + x) * 3]
    }

    #[test]
    fn an_opaque_horizontal_line_three_pixels_thick() {
        let rgb = canvas_pixels(|c| c.line((2, 10), (17, 10), 3.0, WHITE, 1.0));
        assert_eq!(
            (at(&rgb, 10, 9), at(&rgb, 10, 10), at(&rgb, 10, 11)),
            (255, 255, 255)
        );
        assert_eq!((at(&rgb, 10, 8), at(&rgb, 10, 12)), (0, 0));
    }

    #[test]
    fn a_translucent_line_paints_each_pixel_once() {
        let rgb = canvas_pixels(|c| c.line((10, 2), (10, 17), 1.0, WHITE, 0.5));
        assert_eq!(at(&rgb, 10, 10), 128);
    }

    #[test]
    fn lines_leaving_the_canvas_are_clipped() {
        let rgb = canvas_pixels(|c| c.line((-50, -50), (70, 70), 4.0, WHITE, 1.0));
        assert_eq!(at(&rgb, 5, 5), 255);
    }
}
