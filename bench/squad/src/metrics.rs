//! Running a bot with its metrics server, for the programs that measure what metrics cost:
//! `--metrics off|on|both`, and a scraper that reads `/metrics` every second while the bot is
//! measured, as a (rather eager) Prometheus would.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Whether the bot runs with its metrics server, for `--metrics`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum MetricsMode {
    /// Without `METRICS_ADDR`.
    Off,
    /// With it, scraped every second.
    On,
    /// Each configuration both ways, without first.
    Both,
}

impl MetricsMode {
    /// The runs per configuration: `false` without metrics, `true` with.
    #[must_use]
    pub fn runs(self) -> &'static [bool] {
        match self {
            Self::Off => &[false],
            Self::On => &[true],
            Self::Both => &[false, true],
        }
    }
}

/// How often the bench scrapes /metrics while the bot runs with it: more often than a
/// Prometheus server would (every 15 s by default), to be on the safe side.
pub const SCRAPE_EVERY: Duration = Duration::from_secs(1);

/// The environment that turns the metrics server on, on a free port the bot logs.
#[must_use]
pub fn env(on: bool) -> Vec<(String, String)> {
    if on {
        vec![("METRICS_ADDR".to_owned(), "127.0.0.1:0".to_owned())]
    } else {
        Vec::new()
    }
}

/// Scrapes `/metrics` at `addr` every [`SCRAPE_EVERY`] until aborted, counting the scrapes in
/// `scrapes`.
///
/// # Panics
/// When a scrape fails: the figures of a bot whose metrics server failed mean nothing.
pub async fn scrape_until_stopped(addr: SocketAddr, scrapes: Arc<AtomicU64>) {
    let client = reqwest::Client::new();
    loop {
        let body = client
            .get(format!("http://{addr}/metrics"))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status);
        match body {
            Ok(response) => {
                let _ = response.bytes().await;
                scrapes.fetch_add(1, Ordering::Relaxed);
            }
            Err(error) => panic!("scraping the bot's /metrics failed: {error}"),
        }
        tokio::time::sleep(SCRAPE_EVERY).await;
    }
}

/// Stops the scraper started with [`scrape_until_stopped`]. A scraper that already ended failed
/// a scrape: the figures measured "with metrics" then mean nothing, and this says so.
///
/// # Errors
/// When a scrape failed.
pub async fn stop_scraping(task: tokio::task::JoinHandle<()>) -> anyhow::Result<()> {
    if task.is_finished() {
        return match task.await {
            Ok(()) => Ok(()),
            Err(error) => Err(anyhow::anyhow!(
                "the run with metrics does not count: {}",
                error
                    .try_into_panic()
                    .ok()
                    .and_then(|panic| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "the /metrics scraper stopped".to_owned())
            )),
        };
    }
    task.abort();
    Ok(())
}
