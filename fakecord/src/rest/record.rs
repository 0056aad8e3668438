//! The request log: every REST request the bot makes is recorded with its body, the status
//! fakecord answered, and the OpenAPI verdict on the body. Requests to routes fakecord does
//! not know are answered with Discord's 404 and flagged as unexpected.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::body::{to_bytes, Body};
use axum::extract::{MatchedPath, OriginalUri, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::{debug, warn};

use super::body;
use super::error::DiscordError;
use crate::api::{RateLimitHit, RecordedRequest, RequestFilter, UploadedFileView};
use crate::config::bare_token;
use crate::server::AppState;
use crate::snowflake::unix_ms;

/// Largest body accepted: Discord's upload limit for bots is 25 MiB per request.
const MAX_BODY: usize = 32 << 20;

/// Marks a response from the fallback route.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Unexpected;

/// The log of REST requests.
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    log: Mutex<Log>,
}

#[derive(Debug, Default)]
struct Log {
    entries: Vec<RecordedRequest>,
    /// Ids keep counting across `clear`, so an `after` filter stays meaningful.
    last_id: u64,
}

impl Recorder {
    fn lock(&self) -> MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn push(&self, mut request: RecordedRequest) {
        let mut log = self.lock();
        log.last_id += 1;
        request.id = log.last_id;
        log.entries.push(request);
    }

    /// Recorded requests passing `filter`, oldest first.
    pub(crate) fn list(&self, filter: &RequestFilter) -> Vec<RecordedRequest> {
        self.lock()
            .entries
            .iter()
            .filter(|r| filter.matches(r))
            .cloned()
            .collect()
    }

    /// Empties the log; returns how many requests it held.
    pub(crate) fn clear(&self) -> usize {
        let mut log = self.lock();
        let count = log.entries.len();
        log.entries.clear();
        count
    }
}

/// Records the request and its outcome; parses the body once for the handlers
/// (as an `Extension<RequestBody>`).
pub(crate) async fn record(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| request.uri().path().to_owned(), |u| u.path().to_owned());
    let query = request.uri().query().map(str::to_owned);
    let method = request.method().as_str().to_owned();
    let route = request.extensions().get::<MatchedPath>().map(|m| {
        let template = m.as_str();
        template
            .strip_prefix("/api/v10")
            .unwrap_or(template)
            .to_owned()
    });
    let (mut parts, raw) = request.into_parts();

    let parsed = match to_bytes(raw, MAX_BODY).await {
        Ok(bytes) => body::parse(&parts.headers, bytes).await,
        Err(e) => Err(format!("cannot read the body: {e}")),
    };
    let (response, parsed) = match parsed {
        Ok(parsed) => {
            parts.extensions.insert(parsed.clone());
            (
                next.run(Request::from_parts(parts, Body::empty())).await,
                parsed,
            )
        }
        Err(reason) => (
            DiscordError::new(axum::http::StatusCode::BAD_REQUEST, 50_109, reason).into_response(),
            body::RequestBody::default(),
        ),
    };

    let unexpected = response.extensions().get::<Unexpected>().is_some();
    let rate_limit = response.extensions().get::<RateLimitHit>().cloned();
    let validation = state.spec.check(&method, &path, parsed.json.as_ref());
    let status = response.status().as_u16();
    if unexpected {
        warn!(%method, %path, "unexpected REST request");
    } else if let Some(hit) = &rate_limit {
        debug!(%method, %path, retry_after = hit.retry_after, global = hit.global, "REST request refused by a rate limit");
    } else if validation.starts_with("invalid") {
        warn!(%method, %path, %validation, "request body does not match the Discord API spec");
    } else {
        debug!(%method, %path, status, "REST request");
    }
    state.recorder.push(RecordedRequest {
        id: 0,
        at_ms: unix_ms(),
        method,
        path,
        route: route.filter(|_| !unexpected),
        query,
        status,
        body: parsed.json,
        files: parsed
            .files
            .iter()
            .map(|f| UploadedFileView {
                field: f.field.clone(),
                filename: f.filename.clone(),
                size: f.bytes.len() as u64,
            })
            .collect(),
        validation,
        unexpected,
        rate_limit,
    });
    response
}

/// Refuses requests without the bot token, except `GET /gateway`, which Discord serves to
/// anyone, and the interaction and webhook routes, which it authenticates by the token in the
/// path.
pub(crate) async fn authorize(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let open =
        path == "/gateway" || path.starts_with("/interactions/") || path.starts_with("/webhooks/");
    let token_ok = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| bare_token(t) == state.config.bare_token());
    if open || token_ok {
        next.run(request).await
    } else {
        DiscordError::unauthorized().into_response()
    }
}

/// Any route fakecord does not implement.
pub(crate) async fn unexpected() -> Response {
    let mut response = DiscordError::route_not_found().into_response();
    response.extensions_mut().insert(Unexpected);
    response
}

/// A known path with a method it does not take (`PUT …/reactions/{emoji}/{user}`): Discord's
/// 405, recorded as unexpected like an unknown route.
pub(crate) async fn method_not_allowed() -> Response {
    let mut response = DiscordError::method_not_allowed().into_response();
    response.extensions_mut().insert(Unexpected);
    response
}
