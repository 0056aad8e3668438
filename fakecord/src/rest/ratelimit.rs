//! Discord's REST rate limits, enforced when [`Config::rate_limits`](crate::Config) asks for
//! them: the global limit per bot token and the bucket of the bot's own reactions per channel.
//!
//! Each limit is a fixed window that opens with the first request after the previous one
//! closed, as Discord's buckets behave from the outside. Answers on a bucketed route carry the
//! bucket headers (`X-RateLimit-Limit`, `-Remaining`, `-Reset`, `-Reset-After`, `-Bucket`),
//! success or not; a refusal is Discord's 429 with `retry_after` in the body and the
//! `Retry-After` and `X-RateLimit-Scope` headers (and `X-RateLimit-Global` for the global
//! limit, which Discord announces in no other way).
//!
//! serenity's ratelimiter reads those headers as integers (limit, remaining) and decimal
//! seconds (reset, reset-after, retry-after), and treats any response carrying
//! `X-RateLimit-Global` as a global refusal. Every time here is rounded *up* to the
//! millisecond (and `Retry-After` to the second, as Discord sends it), so a client that waits
//! what it is told always finds the window open.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::api::RateLimitHit;
use crate::config::{RateLimit, RateLimits};
use crate::server::AppState;
use crate::snowflake::Snowflake;

/// Windows kept before closed ones are swept: one per channel the bot reacted in recently.
const SWEEP_ABOVE: usize = 1024;

/// A limit's counter: the global one, or a route bucket with its major parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Bucket {
    Global,
    /// The bot adding reactions in one channel.
    Reactions {
        channel: Snowflake,
    },
}

impl Bucket {
    /// `X-RateLimit-Bucket`: Discord names a route's bucket the same for every channel.
    fn name(self) -> &'static str {
        match self {
            Self::Global => "global",
            Self::Reactions { .. } => "reactions-add",
        }
    }

    fn limit(self, limits: &RateLimits) -> RateLimit {
        match self {
            Self::Global => limits.global,
            Self::Reactions { .. } => limits.reactions,
        }
    }
}

/// Which limits a request counts against.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Charges {
    /// The global limit.
    pub global: bool,
    /// A route bucket.
    pub bucket: Option<Bucket>,
}

impl Charges {
    /// The limits of `method` `path` (relative to `/api/v10`). Interaction callbacks and
    /// follow-ups stay outside the global limit, as on Discord.
    pub(crate) fn of(method: &Method, path: &str) -> Self {
        let global = !(path.starts_with("/interactions/") || path.starts_with("/webhooks/"));
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let bucket = match segments.as_slice() {
            ["channels", channel, "messages", _, "reactions", _, "@me"]
                if method == Method::PUT =>
            {
                channel
                    .parse()
                    .ok()
                    .map(|channel| Bucket::Reactions { channel })
            }
            _ => None,
        };
        Self { global, bucket }
    }
}

/// Where a route bucket stands after a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BucketState {
    pub name: &'static str,
    pub limit: u32,
    pub remaining: u32,
    /// Until the window closes.
    pub reset_after: Duration,
}

/// A request turned away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Refusal {
    /// Refused by the global limit rather than a route bucket.
    pub global: bool,
    /// Until the limit that refused lets a request through again.
    pub retry_after: Duration,
    /// The route bucket that refused, for its headers.
    pub bucket: Option<BucketState>,
}

/// The limiter's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Go ahead; the route bucket's state, if the route has one.
    Allowed(Option<BucketState>),
    Refused(Refusal),
}

#[derive(Clone, Copy, Debug)]
struct Window {
    closes: Instant,
    used: u32,
}

/// Every open window. Time comes from the caller, so tests drive it by hand.
#[derive(Debug)]
pub(crate) struct Limiter {
    limits: RateLimits,
    windows: Mutex<HashMap<Bucket, Window>>,
}

impl Limiter {
    pub(crate) fn new(limits: RateLimits) -> Self {
        Self {
            limits,
            windows: Mutex::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Bucket, Window>> {
        // Counters only: a panic elsewhere leaves nothing half-done that matters.
        self.windows.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts a request made at `now` against `charges`, or refuses it. A refused request
    /// counts against nothing; an allowed one against every limit it is charged to, so the
    /// global limit never refuses a request a bucket already counted, or the other way round.
    pub(crate) fn admit(&self, charges: Charges, now: Instant) -> Verdict {
        let mut windows = self.lock();
        if windows.len() > SWEEP_ABOVE {
            windows.retain(|_, w| w.closes > now);
        }
        let open = |windows: &HashMap<Bucket, Window>, bucket: Bucket| {
            windows.get(&bucket).copied().filter(|w| w.closes > now)
        };
        let wanted = charges
            .global
            .then_some(Bucket::Global)
            .into_iter()
            .chain(charges.bucket);
        for bucket in wanted.clone() {
            let limit = bucket.limit(&self.limits);
            if let Some(full) = open(&windows, bucket).filter(|w| w.used >= limit.requests) {
                let retry_after = full.closes - now;
                return Verdict::Refused(Refusal {
                    global: bucket == Bucket::Global,
                    retry_after,
                    bucket: (bucket != Bucket::Global).then(|| BucketState {
                        name: bucket.name(),
                        limit: limit.requests,
                        remaining: 0,
                        reset_after: retry_after,
                    }),
                });
            }
        }
        let mut state = None;
        for bucket in wanted {
            let limit = bucket.limit(&self.limits);
            let mut window = open(&windows, bucket).unwrap_or(Window {
                closes: now + limit.per,
                used: 0,
            });
            window.used += 1;
            windows.insert(bucket, window);
            if bucket != Bucket::Global {
                state = Some(BucketState {
                    name: bucket.name(),
                    limit: limit.requests,
                    remaining: limit.requests.saturating_sub(window.used),
                    reset_after: window.closes - now,
                });
            }
        }
        Verdict::Allowed(state)
    }
}

/// Middleware: refuses what the limits do not allow and adds the bucket headers to every
/// answer of a bucketed route. Runs after `authorize`, so only the bot's requests count.
pub(crate) async fn enforce(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(limiter) = &state.limiter else {
        return next.run(request).await;
    };
    let charges = Charges::of(request.method(), request.uri().path());
    if charges == Charges::default() {
        return next.run(request).await;
    }
    match limiter.admit(charges, Instant::now()) {
        Verdict::Refused(refusal) => refused(&refusal),
        Verdict::Allowed(bucket) => {
            let mut response = next.run(request).await;
            if let Some(bucket) = bucket {
                bucket_headers(response.headers_mut(), &bucket);
            }
            response
        }
    }
}

/// Discord's 429: the body serenity and the OpenAPI spec expect (`code` included), and the
/// headers a client waits by.
fn refused(refusal: &Refusal) -> Response {
    let millis = ceil_millis(refusal.retry_after);
    let retry_after = Duration::from_millis(millis).as_secs_f64();
    let scope = if refusal.global { "global" } else { "user" };
    let body = json!({
        "message": "You are being rate limited.",
        "retry_after": retry_after,
        "global": refusal.global,
        "code": 0,
    });
    let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
    let headers = response.headers_mut();
    headers.insert("retry-after", HeaderValue::from(millis.div_ceil(1000)));
    headers.insert("x-ratelimit-scope", HeaderValue::from_static(scope));
    if refusal.global {
        headers.insert("x-ratelimit-global", HeaderValue::from_static("true"));
    }
    if let Some(bucket) = &refusal.bucket {
        bucket_headers(headers, bucket);
    }
    response.extensions_mut().insert(RateLimitHit {
        global: refusal.global,
        scope: scope.to_owned(),
        bucket: refusal.bucket.map(|b| b.name.to_owned()),
        retry_after,
    });
    response
}

fn bucket_headers(headers: &mut HeaderMap, bucket: &BucketState) {
    let reset_after = ceil_millis(bucket.reset_after);
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let reset = ceil_millis(since_epoch + bucket.reset_after);
    headers.insert("x-ratelimit-limit", HeaderValue::from(bucket.limit));
    headers.insert("x-ratelimit-remaining", HeaderValue::from(bucket.remaining));
    for (name, millis) in [
        ("x-ratelimit-reset", reset),
        ("x-ratelimit-reset-after", reset_after),
    ] {
        if let Ok(value) = HeaderValue::from_str(&seconds_text(millis)) {
            headers.insert(name, value);
        }
    }
    headers.insert("x-ratelimit-bucket", HeaderValue::from_static(bucket.name));
}

/// Whole milliseconds, rounded up: a client waiting this long is never early.
fn ceil_millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos().div_ceil(1_000_000)).unwrap_or(u64::MAX)
}

/// Seconds with three decimals, as Discord writes them.
fn seconds_text(millis: u64) -> String {
    format!("{}.{:03}", millis / 1000, millis % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reactions_in(channel: u64) -> Charges {
        Charges {
            global: true,
            bucket: Some(Bucket::Reactions {
                channel: Snowflake(channel),
            }),
        }
    }

    const GLOBAL_ONLY: Charges = Charges {
        global: true,
        bucket: None,
    };

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn the_bot_adds_one_reaction_per_quarter_second_in_a_channel() {
        let limiter = Limiter::new(RateLimits::discord());
        let start = Instant::now();
        let Verdict::Allowed(Some(first)) = limiter.admit(reactions_in(1), start) else {
            panic!("the first reaction goes through");
        };
        assert_eq!((first.limit, first.remaining), (1, 0));
        assert_eq!(first.reset_after, ms(250));

        let second = limiter.admit(reactions_in(1), start + ms(100));
        let Verdict::Refused(refusal) = second else {
            panic!("a second reaction 100 ms later is refused: {second:?}");
        };
        assert!(!refusal.global);
        assert_eq!(refusal.retry_after, ms(150), "the window closes at 250 ms");

        assert!(
            matches!(
                limiter.admit(reactions_in(2), start + ms(100)),
                Verdict::Allowed(Some(_))
            ),
            "another channel has its own bucket"
        );
        assert!(
            matches!(
                limiter.admit(reactions_in(1), start + ms(250)),
                Verdict::Allowed(Some(_))
            ),
            "waiting the retry_after is enough"
        );
    }

    #[test]
    fn the_fifty_first_request_in_a_second_is_refused_globally() {
        let limiter = Limiter::new(RateLimits::discord());
        let start = Instant::now();
        for n in 0..50 {
            assert!(
                matches!(
                    limiter.admit(GLOBAL_ONLY, start + ms(n)),
                    Verdict::Allowed(None)
                ),
                "request {n} is within the limit"
            );
        }
        let Verdict::Refused(refusal) = limiter.admit(GLOBAL_ONLY, start + ms(600)) else {
            panic!("the 51st request is refused");
        };
        assert!(refusal.global && refusal.bucket.is_none());
        assert_eq!(refusal.retry_after, ms(400));
        assert!(matches!(
            limiter.admit(GLOBAL_ONLY, start + ms(1000)),
            Verdict::Allowed(None)
        ));
    }

    #[test]
    fn a_refused_request_counts_against_nothing() {
        let limits = RateLimits::discord().with_global(RateLimit::new(2, Duration::from_secs(1)));
        let limiter = Limiter::new(limits);
        let start = Instant::now();
        assert!(matches!(
            limiter.admit(reactions_in(1), start),
            Verdict::Allowed(_)
        ));
        // Refused by the reaction bucket: the global window must not count it.
        assert!(matches!(
            limiter.admit(reactions_in(1), start + ms(1)),
            Verdict::Refused(Refusal { global: false, .. })
        ));
        assert!(
            matches!(
                limiter.admit(GLOBAL_ONLY, start + ms(2)),
                Verdict::Allowed(None)
            ),
            "the second request of the global window"
        );
        assert!(matches!(
            limiter.admit(GLOBAL_ONLY, start + ms(3)),
            Verdict::Refused(Refusal { global: true, .. })
        ));
    }

    #[test]
    fn routes_are_charged_like_discord_charges_them() {
        let put = Charges::of(
            &Method::PUT,
            "/channels/7/messages/8/reactions/%F0%9F%87%A6/@me",
        );
        assert_eq!(put, reactions_in(7));
        let delete = Charges::of(&Method::DELETE, "/channels/7/messages/8/reactions/x/@me");
        assert_eq!(delete, GLOBAL_ONLY, "only adding reactions has the bucket");
        assert_eq!(
            Charges::of(&Method::POST, "/interactions/1/token/callback"),
            Charges::default(),
            "interactions are outside the global limit"
        );
        assert_eq!(
            Charges::of(&Method::PATCH, "/webhooks/1/token/messages/@original"),
            Charges::default()
        );
    }

    #[test]
    fn times_are_rounded_up_to_the_millisecond() {
        assert_eq!(ceil_millis(Duration::from_micros(249_001)), 250);
        assert_eq!(ceil_millis(ms(250)), 250);
        assert_eq!(seconds_text(250), "0.250");
        assert_eq!(seconds_text(1_700_000_000_123), "1700000000.123");
    }

    #[test]
    fn a_refusal_says_when_to_come_back_in_discords_shape() {
        let refusal = Refusal {
            global: false,
            retry_after: Duration::from_micros(149_200),
            bucket: Some(BucketState {
                name: "reactions-add",
                limit: 1,
                remaining: 0,
                reset_after: Duration::from_micros(149_200),
            }),
        };
        let response = refused(&refusal);
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        assert_eq!(header("retry-after").as_deref(), Some("1"));
        assert_eq!(header("x-ratelimit-scope").as_deref(), Some("user"));
        assert_eq!(header("x-ratelimit-global"), None);
        assert_eq!(header("x-ratelimit-remaining").as_deref(), Some("0"));
        assert_eq!(header("x-ratelimit-reset-after").as_deref(), Some("0.150"));
        let hit = response.extensions().get::<RateLimitHit>().expect("logged");
        assert!(
            (hit.retry_after - 0.150).abs() < 1e-9,
            "{}",
            hit.retry_after
        );
    }
}
