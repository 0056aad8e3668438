//! Percentiles and the Markdown tables the run ends with.

use std::fmt::Write as _;

use crate::burst;
use crate::posts::{self, opt_secs};
use crate::render::{BoardTiming, ServiceTiming};

/// The command that reproduces this run, from the workspace root.
pub(crate) fn command_line() -> String {
    let mut line =
        "cargo build --release -p trakker -p trakker-bench && target/release/schedule".to_owned();
    for arg in std::env::args().skip(1) {
        line.push(' ');
        line.push_str(&arg);
    }
    line
}

/// Nearest-rank percentile of sorted values; NaN when there are none.
pub(crate) fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "a rank between 1 and the sample count"
    )]
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Milliseconds as seconds.
pub(crate) fn secs(ms: u64) -> f64 {
    #[expect(clippy::cast_precision_loss, reason = "milliseconds of one run")]
    let ms = ms as f64;
    ms / 1000.0
}

/// "met" or "MISSED" against a target.
fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "MISSED"
    }
}

/// The render timings.
pub(crate) fn render_table(board: &BoardTiming, service: &[ServiceTiming]) -> String {
    let mut out = String::from(
        "| what | runs | p50 µs | p99 µs | max µs | target |\n| --- | ---: | ---: | ---: | ---: | --- |\n",
    );
    let _ = writeln!(
        out,
        "| `DailyBoard::render`, {} members ({} entries, {} characters) | {} | {:.1} | {:.1} | {:.1} | p99 ≤ 1 ms: {} |",
        board.members,
        board.entries,
        board.chars,
        board.runs,
        board.p50_us,
        board.p99_us,
        board.max_us,
        verdict(board.p99_us <= 1000.0)
    );
    for timing in service {
        let _ = writeln!(
            out,
            "| {}: store the reaction (`set_reaction`) | {} | {:.1} | {:.1} | {:.1} | |",
            timing.backend,
            timing.runs,
            timing.store_p50_us,
            timing.store_p99_us,
            timing.store_max_us
        );
        let _ = writeln!(
            out,
            "| {}: `Schedules::render` (read marks, weeks, zones, ranks; render) | {} | {:.1} | {:.1} | {:.1} | p99 ≤ 1 ms: {} |",
            timing.backend,
            timing.runs,
            timing.render_p50_us,
            timing.render_p99_us,
            timing.render_max_us,
            verdict(timing.render_p99_us <= 1000.0)
        );
    }
    out
}

/// The reaction bursts.
pub(crate) fn burst_table(rows: &[burst::Measured]) -> String {
    let mut out = String::from(
        "| database | reactions | over s | edits | target ≤ 5 | last reaction → final edit s | target ≤ 3 s | final text exact | 429 |\n\
         | --- | ---: | ---: | ---: | --- | ---: | --- | --- | ---: |\n",
    );
    for row in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {:.1} | {} | {} | {} | {} | {} | {} |",
            row.backend,
            row.reactions,
            row.spread,
            row.edits,
            verdict(row.edits <= 5),
            opt_secs(row.final_edit_after),
            verdict(row.final_edit_after.is_some_and(|s| s <= 3.0)),
            if row.exact { "yes" } else { "NO" },
            row.refused,
        );
    }
    out
}

/// The many-guilds runs.
pub(crate) fn posts_table(rows: &[posts::Measured]) -> String {
    let mut out = String::from(
        "| database | rate limits | guilds | reactions per post | bot ready s | first post s | all posted s | all reacted s | per guild posted p50 / p99 s | per guild done p50 / p99 s | requests | 429 (global) | refused more than once | reactions missing | posted twice | extra sends | not recorded | bot CPU s | bot peak RSS MiB |\n\
         | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for row in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {:.1} | {} | {} | {} | {:.1} / {:.1} | {:.1} / {:.1} | {} | {} ({}) | {} | {} | {} | {} | {} | {:.1} | {:.1} |",
            row.backend,
            row.limits,
            row.guilds,
            row.reactions_per_post,
            row.startup.as_secs_f64(),
            opt_secs(row.first_post),
            opt_secs(row.all_posted),
            opt_secs(row.all_done),
            row.post_p50,
            row.post_p99,
            row.done_p50,
            row.done_p99,
            row.requests,
            row.refused,
            row.refused_global,
            row.refused_repeatedly,
            row.reactions_missing,
            row.posted_twice,
            row.extra_sends,
            row.not_recorded,
            row.bot_cpu,
            row.bot_peak_rss_mib,
        );
    }
    out.push_str(
        "\nTimes are from the due instant (18:00 UTC on the bot's clock). \"refused more than \
         once\" counts distinct requests (method and path) fakecord answered 429 twice or more \
         (target: none); \"posted twice\" counts channels holding more than one post (target: \
         none).\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert!((percentile(&values, 0.5) - 50.0).abs() < f64::EPSILON);
        assert!((percentile(&values, 0.99) - 99.0).abs() < f64::EPSILON);
        assert!((percentile(&[7.0], 0.99) - 7.0).abs() < f64::EPSILON);
        assert!(percentile(&[], 0.5).is_nan());
    }
}
