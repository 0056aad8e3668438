//! The health and metrics server (`METRICS_ADDR`), in the bot's own process:
//!
//! - `GET /healthz` — 200 while the process runs: for a supervisor deciding whether to restart
//!   it.
//! - `GET /readyz` — 200 when every shard of this process is connected to the gateway and the
//!   database answers; otherwise 503, with one line per reason. For a load balancer or a
//!   rolling deploy deciding whether this process serves.
//! - `GET /metrics` — the Prometheus text format: what [`metrics`](super::metrics) recorded, with
//!   the gauges of the present (shards, waiting rows, the cache, a ping of the database) read at
//!   the scrape.
//!
//! Nothing here reads members' data, and no answer carries a secret: the reasons are fixed
//! sentences, never an error's text (which could quote a database URL).

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::task::JoinHandle;

use super::metrics;
use crate::app::App;

/// How long `/readyz` waits for the database: a scraper's timeout is usually a few seconds.
const PING_TIMEOUT: Duration = Duration::from_secs(2);

/// One shard of this process, as the gateway side reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardState {
    /// The shard's number.
    pub id: u32,
    /// Whether it is connected and receiving events.
    pub connected: bool,
    /// Where it is, in words (`connected`, `connecting`, `not started yet`…).
    pub stage: String,
    /// Its last heartbeat round trip, once it has one.
    pub latency: Option<Duration>,
}

/// What the gateway side tells the server about this process's shards.
#[async_trait]
pub trait ShardReport: Send + Sync {
    /// Every shard this process runs, started or not, in order.
    async fn shards(&self) -> Vec<ShardState>;
}

/// The running server.
pub struct Server {
    /// The address it listens on (the port the system chose, when `METRICS_ADDR` asked for 0).
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Server {
    /// Stops serving.
    pub fn stop(self) {
        self.task.abort();
    }
}

struct Shared {
    app: Arc<App>,
    metrics: PrometheusHandle,
}

/// Binds `addr`, before anything else starts, so a port in use stops the process at once.
///
/// # Errors
/// When `addr` cannot be bound (in use, or not an address of this machine).
pub async fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await
}

/// Serves the three routes for `app` on `listener` until [`Server::stop`].
///
/// # Errors
/// When the listener's address cannot be read.
pub fn start(
    listener: tokio::net::TcpListener,
    app: Arc<App>,
    metrics: PrometheusHandle,
) -> std::io::Result<Server> {
    let addr = listener.local_addr()?;
    let router = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(scrape))
        .with_state(Arc::new(Shared { app, metrics }));
    tracing::info!(%addr, "serving /healthz, /readyz and /metrics");
    let task = tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            tracing::error!(%error, "the health and metrics server stopped");
        }
    });
    Ok(Server { addr, task })
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    let reasons = not_ready(&shared.app).await;
    if reasons.is_empty() {
        (StatusCode::OK, "ready\n".to_owned())
    } else {
        let mut body = String::new();
        for reason in reasons {
            let _ = writeln!(body, "{reason}");
        }
        (StatusCode::SERVICE_UNAVAILABLE, body)
    }
}

/// Why this process should not get traffic now; empty when it is ready.
async fn not_ready(app: &App) -> Vec<String> {
    let mut reasons = Vec::new();
    if app.is_stopping() {
        reasons.push("shutting down".to_owned());
    }
    match app.gateway.get() {
        None => reasons.push("not connected to Discord yet".to_owned()),
        Some(gateway) => {
            for shard in gateway.shards().await {
                if !shard.connected {
                    reasons.push(format!("shard {} is {}", shard.id, shard.stage));
                }
            }
        }
    }
    if !database_answers(app).await {
        reasons.push(format!(
            "the database ({}) is not answering",
            app.store.backend().name()
        ));
    }
    reasons
}

/// Pings the database (noting the answer for `trakker_database_up`): whether it answered within
/// [`PING_TIMEOUT`].
async fn database_answers(app: &App) -> bool {
    let answered = matches!(
        tokio::time::timeout(PING_TIMEOUT, app.store.ping()).await,
        Ok(Ok(()))
    );
    metrics::database_answered(answered);
    answered
}

async fn scrape(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    let app = &shared.app;
    // A quiet bot makes no other call that would notice the database coming back.
    database_answers(app).await;
    if let Some(gateway) = app.gateway.get() {
        for shard in gateway.shards().await {
            metrics::shard(shard.id, shard.connected, shard.latency);
        }
    }
    metrics::ingest(
        app.ingest.pending_rows(),
        app.ingest.flush_lag(),
        app.ingest.recorded(),
    );
    metrics::cache_up(app.cache.is_available());
    shared.metrics.run_upkeep();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        shared.metrics.render(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shard 0 connected and shard 1 still connecting, as serenity reports them mid-start.
    struct HalfConnected;

    #[async_trait]
    impl ShardReport for HalfConnected {
        async fn shards(&self) -> Vec<ShardState> {
            vec![
                ShardState {
                    id: 0,
                    connected: true,
                    stage: "connected".to_owned(),
                    latency: Some(Duration::from_millis(40)),
                },
                ShardState {
                    id: 1,
                    connected: false,
                    stage: "connecting".to_owned(),
                    latency: None,
                },
            ]
        }
    }

    #[tokio::test]
    async fn readyz_names_each_reason_over_http_until_there_is_none() {
        let app = Arc::new(crate::app::tests::app().await);
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        let listener = bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("a free port");
        let server =
            start(listener, Arc::clone(&app), recorder.handle()).expect("a bound listener");
        let get = |path: &'static str| async move {
            let response = reqwest::get(format!("http://{}{path}", server.addr))
                .await
                .expect("the server answers");
            (
                response.status().as_u16(),
                response.text().await.expect("a body"),
            )
        };

        assert_eq!(get("/healthz").await, (200, "ok\n".to_owned()));
        assert_eq!(
            get("/readyz").await,
            (503, "not connected to Discord yet\n".to_owned())
        );
        assert!(app.gateway.set(Arc::new(HalfConnected)).is_ok());
        assert_eq!(
            get("/readyz").await,
            (503, "shard 1 is connecting\n".to_owned())
        );
        assert_eq!(get("/metrics").await.0, 200);

        app.store.close().await;
        assert_eq!(
            get("/readyz").await,
            (
                503,
                "shard 1 is connecting\nthe database (SQLite) is not answering\n".to_owned()
            )
        );
        assert_eq!(get("/healthz").await.0, 200, "alive all the same");
        server.stop();
    }
}
