//! Moderators' charts: pure functions from plain, already-resolved data (display names, hours,
//! labels, a title that names the period) to PNG bytes.
//!
//! Nothing here touches the database, Discord or the clock, and nothing is async: a service
//! gathers the numbers, resolves names, and calls a chart inside `spawn_blocking`. Every chart
//! draws with plotters into an RGB buffer with an embedded font (`font.rs`, no
//! system fonts needed), on an opaque dark background that reads on Discord's dark and light
//! themes alike (`palette.rs`), then encodes the buffer as PNG (`encode.rs`). Example pictures
//! are in `docs/charts/`, made by the ignored test in `samples.rs`, which also prints timings:
//!
//! ```text
//! cargo test --release -p trakker --lib charts::samples -- --ignored --nocapture
//! ```
//!
//! One file per chart:
//!
//! - [`community_graph`] — who plays with whom: nodes coloured by community, edges by time.
//! - [`horizontal_bars`] — ranked hours (duo time, time in voice).
//! - [`inactive`] — members whose recent rate fell: earlier vs recent hours per day.
//! - [`weekdays`] — average community hours per day of the week.
//! - [`hours_heatmap`] — month × hour of day, and top members × hour of day.
//! - [`timeline`] — weekly hours per top member, and the community total.
//! - [`messages`] — messages per day and the busiest channels.
//! - [`bracket`] — a tournament's bracket, or a round robin's cross table.

mod bar_panel;
pub mod bracket;
mod canvas;
mod categories;
pub mod community_graph;
mod encode;
mod font;
pub mod horizontal_bars;
pub mod hours_heatmap;
pub mod inactive;
mod legend;
pub mod messages;
pub(crate) mod numbers;
mod palette;
mod raster;
mod text;
pub mod timeline;
pub mod weekdays;

#[cfg(test)]
mod samples;
#[cfg(test)]
mod testing;

pub use bracket::{bracket, cross_table, Bracket, BracketMatch, CrossTable};
pub use community_graph::{community_graph, Community, CommunityGraph, GraphEdge, GraphNode};
pub use horizontal_bars::{horizontal_bars, HorizontalBars, LabelledHours};
pub use hours_heatmap::{hours_heatmap, HourRow, HoursHeatmap};
pub use inactive::{inactive, InactiveMember, InactiveMembers};
pub use messages::{messages, ChannelMessages, Messages};
pub use timeline::{timeline, Timeline, TimelineSeries};
pub use weekdays::{weekdays, Weekdays};

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The input holds nothing to draw (no members, no days...). Callers usually answer with a
    /// sentence instead of a picture.
    #[error("nothing to draw: {0}")]
    NoData(&'static str),
    /// The input contradicts itself (an edge to a node that does not exist, rows of the wrong
    /// length, a value that is not a finite number).
    #[error("invalid chart input: {0}")]
    InvalidInput(String),
    /// The embedded font could not be loaded.
    #[error("the embedded chart font could not be loaded")]
    Font,
    /// plotters failed while drawing.
    #[error("drawing the chart failed: {0}")]
    Draw(String),
    /// The picture could not be encoded as PNG.
    #[error("encoding the chart as PNG failed: {0}")]
    Encode(#[from] png::EncodingError),
}

impl<E: std::error::Error + Send + Sync> From<plotters::drawing::DrawingAreaErrorKind<E>>
    for ChartError
{
    fn from(err: plotters::drawing::DrawingAreaErrorKind<E>) -> Self {
        ChartError::Draw(err.to_string())
    }
}

/// Checks that every value is a finite number.
fn ensure_finite(what: &str, values: impl IntoIterator<Item = f64>) -> Result<(), ChartError> {
    if values.into_iter().all(f64::is_finite) {
        Ok(())
    } else {
        Err(ChartError::InvalidInput(format!(
            "{what} must be finite numbers"
        )))
    }
}
