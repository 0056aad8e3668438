//! A TCP proxy a test puts between the bot and a server (Postgres) so it can take the server away
//! and give it back without touching the server itself, which other tests share.
//!
//! [`CuttableProxy::cut`] closes every connection it carries, as a network failure would, and
//! from then on closes each new connection as soon as it is accepted, until
//! [`CuttableProxy::restore`]. The listening port stays bound throughout, so the bot's URL stays
//! valid and no other process can take the port meanwhile.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use trakker::config::DatabaseUrl;

/// `database`'s URL with its host and port replaced by the proxy's: same database, same user.
#[must_use]
pub fn through(proxy: &CuttableProxy, database: &DatabaseUrl) -> DatabaseUrl {
    let mut url = url::Url::parse(database.expose()).expect("the database URL parsed before");
    url.set_host(Some("127.0.0.1")).expect("a host fits");
    url.set_port(Some(proxy.port())).expect("a port fits");
    DatabaseUrl::parse(url.as_str()).expect("a valid URL with another host")
}

/// A proxy in front of the Postgres server `database` is on, and the URL that reaches the same
/// database through it.
///
/// # Panics
/// When no local port can be bound.
pub async fn in_front_of(database: &DatabaseUrl) -> (CuttableProxy, DatabaseUrl) {
    let proxy = CuttableProxy::start(server_address(database))
        .await
        .expect("the proxy listens");
    let url = through(&proxy, database);
    (proxy, url)
}

/// `host:port` of the Postgres server `database` is on.
#[must_use]
pub fn server_address(database: &DatabaseUrl) -> String {
    let url = url::Url::parse(database.expose()).expect("the database URL parsed before");
    let host = url.host_str().expect("a Postgres URL names its host");
    format!("{host}:{}", url.port().unwrap_or(5432))
}

/// A proxy on `127.0.0.1:<port>` forwarding to one upstream address, with a switch that cuts it.
pub struct CuttableProxy {
    port: u16,
    cut: Arc<watch::Sender<bool>>,
    refused: Arc<AtomicU64>,
    accept: JoinHandle<()>,
}

impl CuttableProxy {
    /// Listens on a free port of 127.0.0.1 and forwards each connection to `upstream`
    /// (`host:port`), connecting to it anew for every client connection.
    ///
    /// # Errors
    /// When no local port can be bound.
    pub async fn start(upstream: impl Into<String>) -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let cut = Arc::new(watch::Sender::new(false));
        let refused = Arc::new(AtomicU64::new(0));
        let accept = tokio::spawn(accept_loop(
            listener,
            upstream.into(),
            Arc::clone(&cut),
            Arc::clone(&refused),
        ));
        Ok(Self {
            port,
            cut,
            refused,
            accept,
        })
    }

    /// The local port clients connect to.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Closes every live connection and every new one until [`Self::restore`].
    pub fn cut(&self) {
        self.cut.send_replace(true);
    }

    /// Forwards new connections again.
    pub fn restore(&self) {
        self.cut.send_replace(false);
    }

    /// Connections closed on arrival because the proxy was cut: shows that a client tried.
    #[must_use]
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }
}

impl Drop for CuttableProxy {
    fn drop(&mut self) {
        // The connection tasks end on their own: their `watch` receivers see the sender go.
        self.accept.abort();
    }
}

async fn accept_loop(
    listener: TcpListener,
    upstream: String,
    cut: Arc<watch::Sender<bool>>,
    refused: Arc<AtomicU64>,
) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            continue;
        };
        if *cut.borrow() {
            refused.fetch_add(1, Ordering::Relaxed);
            drop(client);
            continue;
        }
        tokio::spawn(forward(client, upstream.clone(), cut.subscribe()));
    }
}

/// Copies bytes both ways until either side closes or the proxy is cut; dropping both streams
/// then closes both connections (the server rolls back whatever transaction was open).
async fn forward(mut client: TcpStream, upstream: String, mut cut: watch::Receiver<bool>) {
    let Ok(mut server) = TcpStream::connect(upstream.as_str()).await else {
        return;
    };
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
        // `Err` once the proxy is dropped: close too.
        _ = cut.wait_for(|cut| *cut) => {}
    }
}
