//! Settings of one fakecord instance: where it listens, which bot it expects and how patient it
//! is. Everything has a default that works for tests.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::snowflake::Snowflake;

/// How fakecord is set up. Build it with [`Config::default`] and the `with_*` methods.
#[derive(Clone)]
pub struct Config {
    /// Address to bind; port 0 picks a free port.
    pub addr: SocketAddr,
    /// The bot token the bot must present (with or without the `Bot ` prefix).
    pub token: String,
    /// The application id, which is also the bot user's id, as on Discord.
    pub application_id: Snowflake,
    /// The bot user's name.
    pub bot_name: String,
    /// Username of the account that owns the application: the `owner` of
    /// `GET /oauth2/applications/@me`, which poise treats as the bot's owner. A user like any
    /// other, so tests can make it a guild member and run owner-only commands as it.
    pub application_owner: String,
    /// Shard count advertised by `GET /gateway/bot`.
    pub shards: u32,
    /// Heartbeat interval sent in HELLO.
    pub heartbeat_interval: Duration,
    /// How long an interaction call on the control API waits for the bot by default.
    pub interaction_timeout: Duration,
    /// How long after an interaction is dispatched its callback is still accepted: three
    /// seconds, as on Discord. A later callback gets `10062 Unknown interaction`.
    pub callback_deadline: Duration,
    /// Dispatches kept per session for RESUME (at least one): a bot that resumes after missing
    /// more gets op 9. Changeable while running through `POST /_fake/gateway/replay`.
    pub replay_capacity: usize,
    /// The OpenAPI spec to validate the bot's request bodies with; `None` looks in the usual
    /// places (`DISCORD_OPENAPI_SPEC`, then `../shared/discord-api-spec/openapi.json`).
    pub openapi_spec: Option<PathBuf>,
    /// Whether [`crate::FakeDiscord::start`] fails when the spec cannot be found or loaded,
    /// instead of running without validation. For test harnesses that must not pass without
    /// the checks.
    pub require_openapi_spec: bool,
    /// How long a message sent with `nonce` and `enforce_nonce: true` is found again by the same
    /// nonce: a repeated send within it returns the first message instead of posting another.
    /// Discord says "the past few minutes"; five by default.
    pub nonce_window: Duration,
    /// Discord's REST rate limits, enforced when set; off (`None`) by default so tests that do
    /// not care are never slowed down.
    pub rate_limits: Option<RateLimits>,
}

/// At most `requests` within each window of `per`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub requests: u32,
    /// The window's length.
    pub per: Duration,
}

impl RateLimit {
    /// At most `requests` within each `per` (at least one request).
    #[must_use]
    pub fn new(requests: u32, per: Duration) -> Self {
        Self {
            requests: requests.max(1),
            per,
        }
    }
}

/// The REST rate limits fakecord enforces when [`Config::rate_limits`] is set. The default is
/// Discord's: 50 requests per second per bot token, and one reaction added by the bot per
/// 250 ms in each channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimits {
    /// Every request with the bot token except interaction callbacks and follow-ups, which
    /// Discord keeps outside the global limit.
    pub global: RateLimit,
    /// `PUT /channels/{channel}/messages/{message}/reactions/{emoji}/@me`, per channel.
    pub reactions: RateLimit,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            global: RateLimit::new(50, Duration::from_secs(1)),
            reactions: RateLimit::new(1, Duration::from_millis(250)),
        }
    }
}

impl RateLimits {
    /// Discord's limits (the default).
    #[must_use]
    pub fn discord() -> Self {
        Self::default()
    }

    /// With this global limit.
    #[must_use]
    pub fn with_global(mut self, limit: RateLimit) -> Self {
        self.global = limit;
        self
    }

    /// With this limit on the bot's reactions per channel.
    #[must_use]
    pub fn with_reactions(mut self, limit: RateLimit) -> Self {
        self.reactions = limit;
        self
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            token: "fakecord-bot-token".to_owned(),
            application_id: Snowflake(1_100_000_000_000_000_001),
            bot_name: "trakker".to_owned(),
            application_owner: "app-owner".to_owned(),
            shards: 1,
            heartbeat_interval: Duration::from_millis(41_250),
            interaction_timeout: Duration::from_secs(10),
            callback_deadline: Duration::from_secs(3),
            replay_capacity: 10_000,
            openapi_spec: None,
            require_openapi_spec: false,
            nonce_window: Duration::from_secs(5 * 60),
            rate_limits: None,
        }
    }
}

impl Config {
    /// Listen on this address.
    #[must_use]
    pub fn with_addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Expect this bot token.
    #[must_use]
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = token.into();
        self
    }

    /// Use this application (and bot user) id.
    #[must_use]
    pub fn with_application_id(mut self, id: impl Into<Snowflake>) -> Self {
        self.application_id = id.into();
        self
    }

    /// Call the bot user this.
    #[must_use]
    pub fn with_bot_name(mut self, name: impl Into<String>) -> Self {
        self.bot_name = name.into();
        self
    }

    /// Make the user with this name the application's owner.
    #[must_use]
    pub fn with_application_owner(mut self, name: impl Into<String>) -> Self {
        self.application_owner = name.into();
        self
    }

    /// Advertise this many shards in `GET /gateway/bot`.
    #[must_use]
    pub fn with_shards(mut self, shards: u32) -> Self {
        self.shards = shards.max(1);
        self
    }

    /// Wait this long for the bot to answer an interaction unless the caller says otherwise.
    #[must_use]
    pub fn with_interaction_timeout(mut self, timeout: Duration) -> Self {
        self.interaction_timeout = timeout;
        self
    }

    /// Accepts interaction callbacks this long after dispatch (see [`Config::callback_deadline`]).
    #[must_use]
    pub fn with_callback_deadline(mut self, deadline: Duration) -> Self {
        self.callback_deadline = deadline;
        self
    }

    /// Ask the bot to heartbeat this often.
    #[must_use]
    pub fn with_heartbeat_interval(mut self, interval: Duration) -> Self {
        self.heartbeat_interval = interval;
        self
    }

    /// Keep this many dispatches per session for RESUME.
    #[must_use]
    pub fn with_replay_capacity(mut self, capacity: usize) -> Self {
        self.replay_capacity = capacity.max(1);
        self
    }

    /// Validate request bodies against this OpenAPI spec file.
    #[must_use]
    pub fn with_openapi_spec(mut self, path: impl Into<PathBuf>) -> Self {
        self.openapi_spec = Some(path.into());
        self
    }

    /// Refuse to start without the OpenAPI spec (`true`), or run without validation when it
    /// is missing (`false`, the default).
    #[must_use]
    pub fn with_openapi_spec_required(mut self, required: bool) -> Self {
        self.require_openapi_spec = required;
        self
    }

    /// Find enforced nonces again for this long (see [`Config::nonce_window`]).
    #[must_use]
    pub fn with_nonce_window(mut self, window: Duration) -> Self {
        self.nonce_window = window;
        self
    }

    /// Enforce these REST rate limits ([`RateLimits::discord`] for Discord's).
    #[must_use]
    pub fn with_rate_limits(mut self, limits: RateLimits) -> Self {
        self.rate_limits = Some(limits);
        self
    }

    /// The token without the `Bot ` prefix serenity adds.
    pub(crate) fn bare_token(&self) -> &str {
        bare_token(&self.token)
    }
}

/// Strips the `Bot ` prefix from a token, if present.
pub(crate) fn bare_token(token: &str) -> &str {
    let token = token.trim();
    token.strip_prefix("Bot ").unwrap_or(token)
}

// The token is a secret in real deployments, and people paste fakecord configs into logs.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("token", &"<redacted>")
            .field("application_id", &self.application_id)
            .field("bot_name", &self.bot_name)
            .field("application_owner", &self.application_owner)
            .field("shards", &self.shards)
            .field("heartbeat_interval", &self.heartbeat_interval)
            .field("interaction_timeout", &self.interaction_timeout)
            .field("callback_deadline", &self.callback_deadline)
            .field("replay_capacity", &self.replay_capacity)
            .field("openapi_spec", &self.openapi_spec)
            .field("require_openapi_spec", &self.require_openapi_spec)
            .field("nonce_window", &self.nonce_window)
            .field("rate_limits", &self.rate_limits)
            .finish()
    }
}
