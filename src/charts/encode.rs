//! PNG encoding of the RGB buffers the charts draw into.

use super::ChartError;

/// Encodes `rgb` (8-bit RGB, row-major, `width * height * 3` bytes) as PNG, favouring speed:
/// flat chart colours compress well anyway (70–450 KB for a chart).
pub(crate) fn png_from_rgb(width: u32, height: u32, rgb: &[u8]) -> Result<Vec<u8>, ChartError> {
    png_with(width, height, rgb, png::Compression::Fast)
}

/// Encodes `rgb` as PNG with the given compression.
pub(crate) fn png_with(
    width: u32,
    height: u32,
    rgb: &[u8],
    compression: png::Compression,
) -> Result<Vec<u8>, ChartError> {
    let mut out = Vec::with_capacity(rgb.len() / 8);
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(compression);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(out)
}
