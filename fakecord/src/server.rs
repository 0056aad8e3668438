//! Starting and stopping fakecord: the shared [`AppState`], the listening socket, the router
//! that puts REST, the gateway and the control API on one port, and the [`RunningServer`]
//! handle.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::routing::get;
use axum::serve::{ListenerExt as _, TapIo};
use axum::Router;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::client::Fakecord;
use crate::config::Config;
use crate::gateway;
use crate::gateway::hub::{Control, Hub};
use crate::interactions::Interactions;
use crate::openapi::SpecError;
use crate::rest::{self, Limiter, Recorder};
use crate::snowflake::{Snowflake, Snowflakes};
use crate::spec::SpecGate;
use crate::world::World;
use crate::{api::GuildSpec, control};

/// Everything the handlers share.
pub(crate) struct AppState {
    pub config: Config,
    /// `http://127.0.0.1:PORT`.
    pub http_base: String,
    /// `ws://127.0.0.1:PORT/gateway`.
    pub gateway_url: String,
    pub ids: Snowflakes,
    world: Mutex<World>,
    pub hub: Hub,
    pub interactions: Interactions,
    pub recorder: Recorder,
    pub spec: SpecGate,
    /// The REST rate limits, when [`Config::rate_limits`] turns them on.
    pub limiter: Option<Limiter>,
}

impl AppState {
    fn new(config: Config, addr: SocketAddr, spec: SpecGate) -> Self {
        let ids = Snowflakes::new();
        let world = World::new(
            config.application_id,
            &config.bot_name,
            &config.application_owner,
            ids.next(),
        );
        Self {
            http_base: format!("http://{addr}"),
            gateway_url: format!("ws://{addr}/gateway"),
            ids,
            world: Mutex::new(world),
            hub: Hub::new(config.replay_capacity, config.application_id),
            interactions: Interactions::default(),
            recorder: Recorder::default(),
            spec,
            limiter: config.rate_limits.map(Limiter::new),
            config,
        }
    }

    /// The world, locked. Hold it only for synchronous work: never across an `.await`.
    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        // State is plain data; a panic elsewhere must not take the fake server down.
        self.world.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Why fakecord could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// [`Config::require_openapi_spec`] is set and the spec cannot be found or loaded.
    #[error("the Discord OpenAPI spec is required (require_openapi_spec) but unusable: {0}")]
    OpenApiSpec(#[source] SpecError),
}

/// Entry point for running fakecord inside another program (tests, benchmarks).
///
/// ```no_run
/// # async fn demo() -> anyhow::Result<()> {
/// use fakecord::{Config, FakeDiscord};
///
/// let server = FakeDiscord::start(Config::default()).await?;
/// println!("point the bot at {} with token {}", server.base_url(), server.token());
/// server.shutdown().await;
/// # Ok(())
/// # }
/// ```
pub struct FakeDiscord;

impl FakeDiscord {
    /// Binds `config.addr` (127.0.0.1:0 by default) and serves until the returned handle is
    /// shut down or dropped.
    ///
    /// # Errors
    ///
    /// [`StartError::Bind`] when the address cannot be bound; [`StartError::OpenApiSpec`] when
    /// [`Config::require_openapi_spec`] is set and the spec cannot be found or loaded.
    pub async fn start(config: Config) -> Result<RunningServer, StartError> {
        let listener = TcpListener::bind(config.addr)
            .await
            .map_err(|source| StartError::Bind {
                addr: config.addr,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind {
            addr: config.addr,
            source,
        })?;
        let spec_path = config.openapi_spec.clone();
        let required = config.require_openapi_spec;
        // Loading the spec reads and indexes a large file: keep it off the async threads.
        let spec =
            tokio::task::spawn_blocking(move || SpecGate::load(spec_path.as_deref(), required))
                .await
                // A panic while loading is a bug in fakecord: let it surface here.
                .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
                .map_err(StartError::OpenApiSpec)?;
        let state = Arc::new(AppState::new(config, addr, spec));
        let app = router(&state);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(serving(listener), app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "fakecord stopped with an error");
            }
        });
        tracing::info!(%addr, "fakecord listening");
        Ok(RunningServer {
            addr,
            state,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

/// The listener axum serves from: every accepted connection gets `TCP_NODELAY`.
///
/// Without it Nagle's algorithm holds back a small write while an earlier one is unacknowledged,
/// and the peer's delayed ACK answers only after up to 40 ms: a gateway frame written in two
/// pieces, or a REST answer whose headers and body leave separately, would wait that long.
/// REST and the gateway share this port, so one setting covers both.
fn serving(listener: TcpListener) -> TapIo<TcpListener, fn(&mut TcpStream)> {
    listener.tap_io(set_nodelay as fn(&mut TcpStream))
}

fn set_nodelay(stream: &mut TcpStream) {
    if let Err(e) = stream.set_nodelay(true) {
        tracing::warn!(error = %e, "cannot set TCP_NODELAY on an accepted connection");
    }
}

fn router(state: &Arc<AppState>) -> Router {
    Router::new()
        .nest("/api/v10", rest::router(state))
        .route("/gateway", get(gateway::upgrade))
        .nest("/_fake", control::router())
        .fallback_service(rest::unexpected_router(state).with_state(Arc::clone(state)))
        .with_state(Arc::clone(state))
}

/// A running fakecord. Dropping it stops the server too; [`Self::shutdown`] also waits for it.
pub struct RunningServer {
    addr: SocketAddr,
    state: Arc<AppState>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningServer {
    /// The bound address.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: what to give serenity's `HttpBuilder::proxy` (and the bot's
    /// `DISCORD_API_BASE`).
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.state.http_base
    }

    /// `ws://127.0.0.1:PORT/gateway`, as `GET /api/v10/gateway` reports it.
    #[must_use]
    pub fn gateway_url(&self) -> &str {
        &self.state.gateway_url
    }

    /// The bot token fakecord expects.
    #[must_use]
    pub fn token(&self) -> &str {
        &self.state.config.token
    }

    /// The application (and bot user) id.
    #[must_use]
    pub fn application_id(&self) -> Snowflake {
        self.state.config.application_id
    }

    /// The configuration it runs with.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.state.config
    }

    /// A control API client for this server.
    #[must_use]
    pub fn client(&self) -> Fakecord {
        Fakecord::new(self.base_url())
    }

    /// Creates guilds directly, as `--seed` does, before any bot connects.
    ///
    /// # Errors
    ///
    /// The first guild that cannot be created, as text.
    pub fn seed(&self, guilds: &[GuildSpec]) -> Result<Vec<Snowflake>, String> {
        guilds
            .iter()
            .map(|spec| {
                control::guilds::create(&self.state, spec)
                    .map(|info| info.id)
                    .map_err(|e| e.to_string())
            })
            .collect()
    }

    /// Stops accepting connections and waits for the server task to end. Open gateway
    /// sockets are closed.
    pub async fn shutdown(mut self) {
        self.stop_now();
        if let Some(mut task) = self.task.take() {
            if tokio::time::timeout(Duration::from_secs(2), &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
    }

    fn stop_now(&mut self) {
        // Graceful shutdown waits for open connections, and a bot never closes its gateway
        // socket by itself.
        self.state.hub.control(None, Control::DropSocket);
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.stop_now();
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::serve::Listener as _;

    use super::*;

    #[tokio::test]
    async fn accepted_connections_have_nodelay() {
        let bound = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = bound.local_addr().expect("address");
        let mut listener = serving(bound);
        let client = tokio::spawn(TcpStream::connect(addr));
        let (accepted, _) = listener.accept().await;
        assert!(
            accepted.nodelay().expect("read TCP_NODELAY"),
            "the server side of the connection sets TCP_NODELAY"
        );
        drop(client.await.expect("client task").expect("client connects"));
    }
}
