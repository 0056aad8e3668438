//! Scraping a running bot's health and metrics server (`METRICS_ADDR=127.0.0.1:0`) through a real
//! HTTP client: the address it chose, `/readyz`'s status, and `/metrics` parsed into samples.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use super::bot::Bot;

/// The environment that gives the bot a health and metrics server on a port the system picks.
pub const ON_ANY_PORT: (&str, &str) = ("METRICS_ADDR", "127.0.0.1:0");

/// Where the bot's server listens, read from its start-up log line.
///
/// # Panics
/// When the bot has not logged it (it was started without [`ON_ANY_PORT`]).
#[must_use]
pub fn address(bot: &Bot) -> SocketAddr {
    let logs = bot.logs();
    // The last one: a restarted bot listens on a new port.
    let line = logs
        .lines()
        .rev()
        .find(|line| line.contains("serving /healthz, /readyz and /metrics"))
        .unwrap_or_else(|| panic!("the bot did not start its metrics server\n{logs}"));
    let addr = line
        .split_whitespace()
        .find_map(|word| word.strip_prefix("addr="))
        .unwrap_or_else(|| panic!("no addr= in {line}"));
    addr.parse()
        .unwrap_or_else(|error| panic!("{addr}: {error}"))
}

/// `GET path` on the bot's server: the status and the body.
///
/// # Panics
/// When the server does not answer.
pub async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let response = reqwest::get(format!("http://{addr}{path}"))
        .await
        .unwrap_or_else(|error| panic!("GET {path}: {error}"));
    let status = response.status().as_u16();
    (status, response.text().await.expect("a text body"))
}

/// One scrape of `/metrics`.
pub struct Scrape {
    samples: Vec<(String, BTreeMap<String, String>, f64)>,
    /// The text as served.
    pub text: String,
}

impl Scrape {
    /// Scrapes `/metrics` and parses every sample line.
    ///
    /// # Panics
    /// When the server does not answer 200, or a line is not in the Prometheus text format.
    pub async fn from(addr: SocketAddr) -> Self {
        let (status, text) = get(addr, "/metrics").await;
        assert_eq!(status, 200, "{text}");
        let samples = text
            .lines()
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(|line| parse(line).unwrap_or_else(|| panic!("not a sample line: {line}")))
            .collect();
        Self { samples, text }
    }

    /// The value of `name` with exactly these labels, if the scrape has it.
    #[must_use]
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let wanted: BTreeMap<String, String> = labels
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect();
        self.samples
            .iter()
            .find(|(sample, have, _)| sample == name && *have == wanted)
            .map(|(_, _, value)| *value)
    }

    /// A counter's value, zero when absent (not incremented yet).
    ///
    /// # Panics
    /// When the value is not a whole number.
    #[must_use]
    pub fn count(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
        let value = self.value(name, labels).unwrap_or(0.0);
        assert!(
            value >= 0.0 && value.fract() == 0.0 && value < 2f64.powi(53),
            "{name} is not a count: {value}"
        );
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "checked whole and in range just above"
        )]
        let count = value as u64;
        count
    }
}

/// `name{key="value",…} number` (labels optional).
fn parse(line: &str) -> Option<(String, BTreeMap<String, String>, f64)> {
    let (series, value) = line.rsplit_once(' ')?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        other => other.parse().ok()?,
    };
    let (name, labels) = match series.split_once('{') {
        Some((name, rest)) => (name, rest.strip_suffix('}')?),
        None => (series, ""),
    };
    let mut parsed = BTreeMap::new();
    for pair in labels.split(',').filter(|pair| !pair.is_empty()) {
        let (key, quoted) = pair.split_once('=')?;
        let value = quoted.strip_prefix('"')?.strip_suffix('"')?;
        parsed.insert(key.to_owned(), value.to_owned());
    }
    Some((name.to_owned(), parsed, value))
}
