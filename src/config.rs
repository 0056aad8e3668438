//! Configuration: read once from the environment (and `.env`, loaded by `main`), validated, and
//! passed down. Secrets are wrapped so that neither `Debug`, `Display` nor an error message can
//! print them.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use chrono::{DateTime, Utc};
use url::Url;

use crate::domain::webhooks::Networks;

/// The SQLite file used when `DATABASE_URL` is unset, created in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://trakker.db";

/// Shown when `DISCORD_TOKEN` is missing: where a token comes from and where it goes.
pub const MISSING_TOKEN_HELP: &str = "DISCORD_TOKEN is not set: create a bot at https://discord.com/developers/applications (Bot → Reset Token) and put DISCORD_TOKEN=<token> in .env or the environment";

/// A value that must never be printed: the bot token, a password.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that must send it (the gateway, a connection).
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A connection URL whose password is redacted whenever it is displayed or debugged.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUrl {
    raw: Secret,
    redacted: String,
    scheme: String,
}

impl SecretUrl {
    /// Parses a connection URL. The error never contains the URL itself.
    ///
    /// # Errors
    /// When the value is not a URL; the error does not contain the value.
    pub fn parse(raw: &str) -> Result<Self, url::ParseError> {
        let parsed = Url::parse(raw)?;
        let mut shown = parsed.clone();
        if shown.password().is_some() {
            // `set_password` only fails for URLs that cannot have one, which is not the case here.
            let _ = shown.set_password(Some("redacted"));
        }
        Ok(Self {
            raw: Secret::new(raw),
            redacted: shown.to_string(),
            scheme: parsed.scheme().to_owned(),
        })
    }

    /// The URL with its password, for the driver that connects.
    #[must_use]
    pub fn expose(&self) -> &str {
        self.raw.expose()
    }

    /// The scheme, lower-case (`sqlite`, `postgres`, `redis`, …).
    #[must_use]
    pub fn scheme(&self) -> &str {
        &self.scheme
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretUrl({})", self.redacted)
    }
}

impl fmt::Display for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted)
    }
}

/// The database to use: `sqlite://…` or `postgres://…`.
pub type DatabaseUrl = SecretUrl;

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines, for a terminal.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Which shards this process runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sharding {
    /// As many shards as Discord recommends, all in this process.
    Auto,
    /// Shards `first..=last` of `total`: several processes can share one bot.
    Range {
        /// The first shard this process runs.
        first: u32,
        /// The last shard this process runs (inclusive).
        last: u32,
        /// The bot's total number of shards across all processes.
        total: u32,
    },
}

/// Everything trakker reads from its environment.
#[derive(Clone, Debug)]
pub struct Config {
    /// The bot token; only `run` needs it.
    pub discord_token: Option<Secret>,
    /// Where data is stored.
    pub database_url: DatabaseUrl,
    /// Redis for the cache; `None` keeps the cache in process.
    pub redis_url: Option<SecretUrl>,
    /// Log line format.
    pub log_format: LogFormat,
    /// Register commands in this guild only (instant, for development) instead of globally.
    pub dev_guild_id: Option<u64>,
    /// Which shards to run.
    pub sharding: Sharding,
    /// A local fake Discord to talk to instead of the real one (tests, demos).
    pub discord_api_base: Option<Url>,
    /// The operator enabled the privileged `MESSAGE_CONTENT` intent (emojis inside messages).
    pub message_content_intent: bool,
    /// The operator enabled the privileged `GUILD_PRESENCES` intent (time per game played).
    pub presence_intent: bool,
    /// How often batched activity counts are written to the database.
    pub flush_interval: Duration,
    /// Where the bot's clock starts (`CLOCK_START`), for tests and demos against a local fake
    /// Discord only; `None` is the system clock.
    pub clock_start: Option<DateTime<Utc>>,
    /// How many times faster than real time the bot's clock runs (`CLOCK_RATE`), for the demo
    /// against a local fake Discord only; `None` is real time.
    pub clock_rate: Option<u32>,
    /// Internal networks webhooks may reach anyway (`WEBHOOKS_ALLOW_NETWORKS`); public hosts only
    /// when empty.
    pub webhook_networks: Networks,
    /// Where the health and metrics HTTP server listens (`METRICS_ADDR`); `None` runs none.
    pub metrics_addr: Option<SocketAddr>,
}

/// A configuration value that cannot be used. Messages never contain secret values.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    /// A URL variable does not parse or is not allowed.
    #[error("{variable} is invalid: {reason}")]
    InvalidUrl {
        /// The variable's name.
        variable: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A variable has a value of the wrong shape.
    #[error("{variable} is invalid: {reason}")]
    Invalid {
        /// The variable's name.
        variable: &'static str,
        /// What is wrong and what is expected.
        reason: String,
    },
}

/// Every problem found in the configuration, one per line when displayed.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("\n"))
    }
}

impl std::error::Error for ConfigErrors {}

impl Config {
    /// Reads the configuration from the process environment.
    ///
    /// # Errors
    /// When variables are set to something unusable; the messages name them.
    pub fn from_env() -> Result<Self, ConfigErrors> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup`, so tests need not touch the process environment.
    ///
    /// # Errors
    /// When variables are set to something unusable; the messages name them.
    #[expect(
        clippy::too_many_lines,
        reason = "one variable after another, each checked; split up they would be harder to audit"
    )]
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigErrors> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        // Every variable is checked, so an operator sees all problems at once, not one per run.
        let mut errors = Vec::new();

        let database_url = keep(
            &mut errors,
            match get("DATABASE_URL") {
                Some(raw) => parse_database_url(&raw),
                None => parse_url("DATABASE_URL", DEFAULT_DATABASE_URL, &["sqlite"]),
            },
        );
        let redis_url = keep(
            &mut errors,
            get("REDIS_URL")
                .map(|raw| parse_url("REDIS_URL", &raw, &["redis", "rediss"]))
                .transpose(),
        );
        let log_format = keep(&mut errors, parse_log_format(get("LOG_FORMAT").as_deref()));
        let dev_guild_id = keep(
            &mut errors,
            get("DEV_GUILD_ID")
                .map(|raw| parse_snowflake("DEV_GUILD_ID", &raw))
                .transpose(),
        );
        let sharding = keep(
            &mut errors,
            parse_sharding(get("SHARD_COUNT").as_deref(), get("SHARDS").as_deref()),
        );
        let discord_api_base = keep(
            &mut errors,
            get("DISCORD_API_BASE")
                .map(|raw| parse_api_base(&raw))
                .transpose(),
        );
        let flush_interval = keep(&mut errors, parse_flush_interval(get("FLUSH_INTERVAL_MS")));
        let clock_start = keep(
            &mut errors,
            parse_clock_start(
                get("CLOCK_START").as_deref(),
                get("DISCORD_API_BASE").is_some(),
            ),
        );
        let clock_rate = keep(
            &mut errors,
            parse_clock_rate(
                get("CLOCK_RATE").as_deref(),
                get("DISCORD_API_BASE").is_some(),
            ),
        );
        let message_content_intent = keep(
            &mut errors,
            parse_flag(
                "MESSAGE_CONTENT_INTENT",
                get("MESSAGE_CONTENT_INTENT").as_deref(),
            ),
        );
        let presence_intent = keep(
            &mut errors,
            parse_flag("PRESENCE_INTENT", get("PRESENCE_INTENT").as_deref()),
        );
        let webhook_networks = keep(
            &mut errors,
            Networks::parse(
                get("WEBHOOKS_ALLOW_NETWORKS")
                    .as_deref()
                    .unwrap_or_default(),
            )
            .map_err(|reason| ConfigError::Invalid {
                variable: "WEBHOOKS_ALLOW_NETWORKS",
                reason,
            }),
        );

        let metrics_addr = keep(
            &mut errors,
            get("METRICS_ADDR")
                .map(|raw| parse_metrics_addr(&raw))
                .transpose(),
        );

        match (
            database_url,
            redis_url,
            log_format,
            dev_guild_id,
            sharding,
            discord_api_base,
            flush_interval,
            message_content_intent,
            presence_intent,
            clock_start,
            clock_rate,
            webhook_networks,
            metrics_addr,
        ) {
            (
                Some(database_url),
                Some(redis_url),
                Some(log_format),
                Some(dev_guild_id),
                Some(sharding),
                Some(discord_api_base),
                Some(flush_interval),
                Some(message_content_intent),
                Some(presence_intent),
                Some(clock_start),
                Some(clock_rate),
                Some(webhook_networks),
                Some(metrics_addr),
            ) => Ok(Self {
                discord_token: get("DISCORD_TOKEN").map(Secret::new),
                database_url,
                redis_url,
                log_format,
                dev_guild_id,
                sharding,
                discord_api_base,
                message_content_intent,
                presence_intent,
                flush_interval,
                clock_start,
                clock_rate,
                webhook_networks,
                metrics_addr,
            }),
            _ => Err(ConfigErrors(errors)),
        }
    }

    /// The effective configuration as `name = value` lines, secrets redacted, for `check-config`.
    #[must_use]
    pub fn describe(&self) -> Vec<(&'static str, String)> {
        let or_unset =
            |value: Option<String>, unset: &str| value.unwrap_or_else(|| unset.to_owned());
        vec![
            (
                "DISCORD_TOKEN",
                or_unset(
                    self.discord_token.as_ref().map(ToString::to_string),
                    "(unset: `run` needs it)",
                ),
            ),
            ("DATABASE_URL", self.database_url.to_string()),
            (
                "REDIS_URL",
                or_unset(
                    self.redis_url.as_ref().map(ToString::to_string),
                    "(unset: in-process cache)",
                ),
            ),
            (
                "LOG_FORMAT",
                format!("{:?}", self.log_format).to_lowercase(),
            ),
            (
                "DEV_GUILD_ID",
                or_unset(
                    self.dev_guild_id.map(|id| id.to_string()),
                    "(unset: commands registered globally)",
                ),
            ),
            (
                "SHARDS",
                match self.sharding {
                    Sharding::Auto => {
                        "auto (Discord's recommended count, all in this process)".to_owned()
                    }
                    Sharding::Range { first, last, total } => format!("{first}-{last} of {total}"),
                },
            ),
            (
                "DISCORD_API_BASE",
                or_unset(
                    self.discord_api_base.as_ref().map(ToString::to_string),
                    "(unset: discord.com)",
                ),
            ),
            (
                "MESSAGE_CONTENT_INTENT",
                self.message_content_intent.to_string(),
            ),
            ("PRESENCE_INTENT", self.presence_intent.to_string()),
            (
                "FLUSH_INTERVAL_MS",
                self.flush_interval.as_millis().to_string(),
            ),
            (
                "CLOCK_START",
                or_unset(
                    self.clock_start.map(|start| start.to_rfc3339()),
                    "(unset: the system clock)",
                ),
            ),
            (
                "CLOCK_RATE",
                or_unset(
                    self.clock_rate.map(|rate| rate.to_string()),
                    "(unset: real time)",
                ),
            ),
            (
                "WEBHOOKS_ALLOW_NETWORKS",
                if self.webhook_networks.is_empty() {
                    "(unset: webhooks reach public hosts only)".to_owned()
                } else {
                    self.webhook_networks.to_string()
                },
            ),
            (
                "METRICS_ADDR",
                or_unset(
                    self.metrics_addr.map(|addr| addr.to_string()),
                    "(unset: no health or metrics server)",
                ),
            ),
        ]
    }
}

/// `METRICS_ADDR`: a socket address such as `127.0.0.1:9100` or `0.0.0.0:9100`.
fn parse_metrics_addr(raw: &str) -> Result<SocketAddr, ConfigError> {
    raw.parse().map_err(|_| ConfigError::Invalid {
        variable: "METRICS_ADDR",
        reason: format!("`{raw}` is not an address and port like 127.0.0.1:9100"),
    })
}

fn parse_url(
    variable: &'static str,
    raw: &str,
    schemes: &[&str],
) -> Result<SecretUrl, ConfigError> {
    let url = SecretUrl::parse(raw).map_err(|_| ConfigError::InvalidUrl {
        variable,
        reason: "not a valid URL",
    })?;
    if !schemes.contains(&url.scheme()) {
        return Err(ConfigError::Invalid {
            variable,
            reason: format!(
                "the scheme `{}` is not one of {}",
                url.scheme(),
                schemes.join(", ")
            ),
        });
    }
    Ok(url)
}

/// `DATABASE_URL`: a URL with a backend's scheme. A bare file name is the likely slip of someone
/// who wants SQLite, so the refusal shows the URL they meant.
fn parse_database_url(raw: &str) -> Result<SecretUrl, ConfigError> {
    let schemes = ["sqlite", "postgres", "postgresql"];
    if matches!(
        Url::parse(raw),
        Err(url::ParseError::RelativeUrlWithoutBase)
    ) {
        // Without `:` or `@` the value cannot hold a password, so echoing it is safe.
        let reason = if raw.contains([':', '@']) {
            "it has no scheme: write sqlite://<file> or postgres://<user>:<password>@<host>/<database>"
                .to_owned()
        } else {
            format!("`{raw}` has no scheme: for a SQLite file write sqlite://{raw}")
        };
        return Err(ConfigError::Invalid {
            variable: "DATABASE_URL",
            reason,
        });
    }
    parse_url("DATABASE_URL", raw, &schemes)
}

/// The value of `result`, or `None` after noting its error.
fn keep<T>(errors: &mut Vec<ConfigError>, result: Result<T, ConfigError>) -> Option<T> {
    result.map_err(|error| errors.push(error)).ok()
}

fn parse_log_format(raw: Option<&str>) -> Result<LogFormat, ConfigError> {
    match raw.map(str::to_ascii_lowercase).as_deref() {
        None | Some("text") => Ok(LogFormat::Text),
        Some("json") => Ok(LogFormat::Json),
        Some(other) => Err(ConfigError::Invalid {
            variable: "LOG_FORMAT",
            reason: format!("`{other}` is neither `text` nor `json`"),
        }),
    }
}

fn parse_flush_interval(raw: Option<String>) -> Result<Duration, ConfigError> {
    let Some(raw) = raw else {
        return Ok(Duration::from_secs(1));
    };
    match raw.parse::<u64>() {
        Ok(ms @ 10..=60_000) => Ok(Duration::from_millis(ms)),
        _ => Err(ConfigError::Invalid {
            variable: "FLUSH_INTERVAL_MS",
            reason: format!("`{raw}` is not a number of milliseconds from 10 to 60000"),
        }),
    }
}

fn parse_snowflake(variable: &'static str, raw: &str) -> Result<u64, ConfigError> {
    raw.parse::<u64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ConfigError::Invalid {
            variable,
            reason: format!("`{raw}` is not a Discord id (a positive number)"),
        })
}

fn parse_flag(variable: &'static str, raw: Option<&str>) -> Result<bool, ConfigError> {
    match raw.map(str::to_ascii_lowercase).as_deref() {
        None | Some("0" | "false" | "no" | "off") => Ok(false),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some(other) => Err(ConfigError::Invalid {
            variable,
            reason: format!("`{other}` is not true or false"),
        }),
    }
}

/// `SHARD_COUNT` is the bot's total; `SHARDS` is this process's range (`3` or `0-3`).
fn parse_sharding(count: Option<&str>, range: Option<&str>) -> Result<Sharding, ConfigError> {
    let invalid =
        |variable: &'static str, reason: String| ConfigError::Invalid { variable, reason };
    let Some(count) = count else {
        return match range {
            None => Ok(Sharding::Auto),
            Some(_) => Err(invalid(
                "SHARDS",
                "needs SHARD_COUNT, the bot's total number of shards".to_owned(),
            )),
        };
    };
    let total: u32 = count
        .parse()
        .ok()
        .filter(|n| (1..=4096).contains(n))
        .ok_or_else(|| {
            invalid(
                "SHARD_COUNT",
                format!("`{count}` is not a shard count from 1 to 4096"),
            )
        })?;
    let (first, last) = match range {
        None => (0, total - 1),
        Some(range) => {
            let bounds = range.split_once('-').unwrap_or((range, range));
            let parse = |s: &str| s.trim().parse::<u32>().ok();
            match (parse(bounds.0), parse(bounds.1)) {
                (Some(first), Some(last)) if first <= last && last < total => (first, last),
                _ => {
                    return Err(invalid(
                        "SHARDS",
                        format!("`{range}` is not a shard or range like `0-3` within 0..{total}"),
                    ))
                }
            }
        }
    };
    Ok(Sharding::Range { first, last, total })
}

/// `CLOCK_START`: an RFC 3339 instant the bot's clock starts at, then runs on from. Allowed only
/// beside `DISCORD_API_BASE`: a bot on the real Discord with a shifted clock would post at the
/// wrong time for real people.
fn parse_clock_start(
    raw: Option<&str>,
    local_discord: bool,
) -> Result<Option<DateTime<Utc>>, ConfigError> {
    let Some(raw) = raw else { return Ok(None) };
    let invalid = |reason: String| ConfigError::Invalid {
        variable: "CLOCK_START",
        reason,
    };
    if !local_discord {
        return Err(invalid(
            "it is only allowed with DISCORD_API_BASE (a local fake Discord)".to_owned(),
        ));
    }
    DateTime::parse_from_rfc3339(raw)
        .map(|start| Some(start.with_timezone(&Utc)))
        .map_err(|_| {
            invalid(format!(
                "`{raw}` is not an RFC 3339 time like 2026-03-29T00:59:00Z"
            ))
        })
}

/// `CLOCK_RATE`: how many times faster than real time the clock runs, 1 to
/// [`crate::clock::MAX_RATE`]. Like `CLOCK_START`, only beside `DISCORD_API_BASE`.
fn parse_clock_rate(raw: Option<&str>, local_discord: bool) -> Result<Option<u32>, ConfigError> {
    let Some(raw) = raw else { return Ok(None) };
    let invalid = |reason: String| ConfigError::Invalid {
        variable: "CLOCK_RATE",
        reason,
    };
    if !local_discord {
        return Err(invalid(
            "it is only allowed with DISCORD_API_BASE (a local fake Discord)".to_owned(),
        ));
    }
    match raw.parse::<u32>() {
        Ok(rate) if (1..=crate::clock::MAX_RATE).contains(&rate) => Ok(Some(rate)),
        _ => Err(invalid(format!(
            "`{raw}` is not a whole number from 1 to {}",
            crate::clock::MAX_RATE
        ))),
    }
}

/// `DISCORD_API_BASE` may only point at this machine: it carries the bot token.
fn parse_api_base(raw: &str) -> Result<Url, ConfigError> {
    let invalid = |reason: &'static str| ConfigError::InvalidUrl {
        variable: "DISCORD_API_BASE",
        reason,
    };
    let url = Url::parse(raw).map_err(|_| invalid("not a valid URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("it must be an http:// or https:// URL"));
    }
    let loopback = match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    };
    if !loopback {
        return Err(invalid(
            "it must point at this machine (localhost, 127.0.0.0/8 or ::1): the bot token is sent there",
        ));
    }
    if url.path() != "/" || url.query().is_some() || !url.username().is_empty() {
        return Err(invalid(
            "give only scheme, host and port, e.g. http://127.0.0.1:8080",
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigErrors> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn an_empty_environment_uses_the_embedded_defaults() {
        let config = config(&[]).expect("defaults are valid");
        assert_eq!(config.database_url.expose(), DEFAULT_DATABASE_URL);
        assert_eq!(config.database_url.scheme(), "sqlite");
        assert!(config.redis_url.is_none());
        assert!(config.discord_token.is_none());
        assert_eq!(config.sharding, Sharding::Auto);
        assert_eq!(config.flush_interval, Duration::from_secs(1));
        assert_eq!(config.log_format, LogFormat::Text);
    }

    #[test]
    fn secrets_never_show_in_debug_or_describe() {
        let config = config(&[
            ("DISCORD_TOKEN", "MTIz.token-value.xyz"),
            (
                "DATABASE_URL",
                "postgres://trakker:hunter2pw@db.example:5432/trakker",
            ),
            ("REDIS_URL", "rediss://:redispass99@cache.example:6380"),
        ])
        .expect("valid");
        let debug = format!("{config:?}");
        let described = format!("{:?}", config.describe());
        for shown in [debug, described] {
            for secret in ["MTIz.token-value.xyz", "hunter2pw", "redispass99"] {
                assert!(!shown.contains(secret), "{secret} leaked in {shown}");
            }
            assert!(
                shown.contains("db.example"),
                "the rest of the URL stays visible: {shown}"
            );
        }
        assert_eq!(
            config.database_url.expose(),
            "postgres://trakker:hunter2pw@db.example:5432/trakker"
        );
    }

    #[test]
    fn a_bad_url_error_does_not_echo_the_value() {
        let err = config(&[("REDIS_URL", "not a url with secret-ish-text")]).expect_err("invalid");
        assert!(!err.to_string().contains("secret-ish-text"), "{err}");
        assert!(err.to_string().contains("REDIS_URL"), "{err}");
    }

    #[test]
    fn unknown_database_schemes_are_refused() {
        let err = config(&[("DATABASE_URL", "mysql://localhost/trakker")]).expect_err("invalid");
        assert!(err.to_string().contains("DATABASE_URL"), "{err}");
    }

    #[test]
    fn a_database_url_without_a_scheme_is_refused_with_the_url_meant() {
        let err = config(&[("DATABASE_URL", "trakker.db")]).expect_err("no scheme");
        assert_eq!(
            err.to_string(),
            "DATABASE_URL is invalid: `trakker.db` has no scheme: for a SQLite file write sqlite://trakker.db"
        );
        let err = config(&[("DATABASE_URL", "/data/trakker.db")]).expect_err("no scheme");
        assert!(
            err.to_string().ends_with("write sqlite:///data/trakker.db"),
            "{err}"
        );
    }

    #[test]
    fn a_schemeless_database_url_that_may_hold_a_password_is_not_echoed() {
        let err = config(&[("DATABASE_URL", "//ada:hunter2pw@db.example/trakker")])
            .expect_err("no scheme");
        assert!(!err.to_string().contains("hunter2pw"), "{err}");
        assert!(err.to_string().contains("postgres://"), "{err}");
    }

    #[test]
    fn api_base_must_be_loopback_http() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "https://[::1]:443",
            "http://127.5.6.7",
        ] {
            assert!(
                config(&[("DISCORD_API_BASE", ok)]).is_ok(),
                "{ok} is loopback"
            );
        }
        for refused in [
            "http://example.com:80",
            "http://10.0.0.1:8080",
            "ftp://127.0.0.1",
            "http://127.0.0.1.example.com",
            "http://127.0.0.1:8080/api/v10",
        ] {
            let err = config(&[("DISCORD_API_BASE", refused)]).expect_err(refused);
            assert!(
                err.to_string().starts_with("DISCORD_API_BASE is invalid"),
                "{err}"
            );
        }
    }

    #[test]
    fn the_clock_moves_only_against_a_local_discord() {
        let base = ("DISCORD_API_BASE", "http://127.0.0.1:8080");
        let start = ("CLOCK_START", "2026-03-29T00:59:40Z");
        let shifted = config(&[base, start]).expect("allowed beside a local Discord");
        assert_eq!(
            shifted.clock_start.map(|at| at.to_rfc3339()),
            Some("2026-03-29T00:59:40+00:00".to_owned())
        );
        let err = config(&[start]).expect_err("refused against discord.com");
        assert!(
            err.to_string().starts_with("CLOCK_START is invalid"),
            "{err}"
        );
        let err = config(&[base, ("CLOCK_START", "tomorrow")]).expect_err("not a time");
        assert!(err.to_string().contains("RFC 3339"), "{err}");
        assert_eq!(config(&[]).map(|c| c.clock_start), Ok(None));

        let fast = config(&[base, ("CLOCK_RATE", "30000")]).expect("a rate beside fakecord");
        assert_eq!(fast.clock_rate, Some(30_000));
        let err = config(&[("CLOCK_RATE", "30000")]).expect_err("refused against discord.com");
        assert!(
            err.to_string().starts_with("CLOCK_RATE is invalid"),
            "{err}"
        );
        for wrong in ["0", "100001", "fast", "-2"] {
            let err = config(&[base, ("CLOCK_RATE", wrong)]).expect_err(wrong);
            assert!(err.to_string().contains("from 1 to 100000"), "{err}");
        }
        assert_eq!(config(&[]).map(|c| c.clock_rate), Ok(None));
    }

    #[test]
    fn metrics_addr_is_an_address_and_port() {
        let addr = |raw: &str| config(&[("METRICS_ADDR", raw)]).map(|c| c.metrics_addr);
        assert_eq!(addr("").ok(), Some(None), "unset runs no server");
        assert_eq!(
            addr("127.0.0.1:9100").ok(),
            Some(Some(SocketAddr::from(([127, 0, 0, 1], 9100))))
        );
        for wrong in ["9100", "localhost:9100", "127.0.0.1", "127.0.0.1:99999"] {
            let errors = addr(wrong).expect_err(wrong);
            assert!(
                errors.to_string().contains("METRICS_ADDR"),
                "{wrong}: {errors}"
            );
        }
    }

    #[test]
    fn sharding_ranges() {
        let shards = |count: &str, range: &str| {
            let mut vars = vec![("SHARD_COUNT", count)];
            if !range.is_empty() {
                vars.push(("SHARDS", range));
            }
            config(&vars).map(|c| c.sharding)
        };
        assert_eq!(
            shards("4", ""),
            Ok(Sharding::Range {
                first: 0,
                last: 3,
                total: 4
            })
        );
        assert_eq!(
            shards("4", "2-3"),
            Ok(Sharding::Range {
                first: 2,
                last: 3,
                total: 4
            })
        );
        assert_eq!(
            shards("4", "1"),
            Ok(Sharding::Range {
                first: 1,
                last: 1,
                total: 4
            })
        );
        assert!(shards("4", "3-4").is_err());
        assert!(shards("0", "").is_err());
        assert!(shards("4", "3-1").is_err());
        assert!(
            config(&[("SHARDS", "0-1")]).is_err(),
            "a range without a total is ambiguous"
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let err = config(&[
            ("LOG_FORMAT", "xml"),
            ("SHARD_COUNT", "zero"),
            ("REDIS_URL", "http://x"),
        ])
        .expect_err("three problems");
        assert_eq!(err.0.len(), 3, "{err}");
        assert_eq!(err.to_string().lines().count(), 3);
    }

    #[test]
    fn flags_and_numbers_are_checked() {
        assert!(
            config(&[("MESSAGE_CONTENT_INTENT", "yes")])
                .expect("valid")
                .message_content_intent
        );
        assert!(config(&[("MESSAGE_CONTENT_INTENT", "maybe")]).is_err());
        assert!(config(&[("DEV_GUILD_ID", "abc")]).is_err());
        assert!(config(&[("FLUSH_INTERVAL_MS", "5")]).is_err());
        assert_eq!(
            config(&[("FLUSH_INTERVAL_MS", "250")])
                .expect("valid")
                .flush_interval,
            Duration::from_millis(250)
        );
    }
}
