//! A webhook receiver on 127.0.0.1 for the tests: records every request (path, event, delivery
//! id, signature, body) and fails the requests a test picks, so deliveries, retries, order and
//! signatures can be checked from the receiving end.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// One request the receiver saw.
#[derive(Clone, Debug)]
pub struct Seen {
    pub path: String,
    pub event: String,
    pub delivery: String,
    pub signature: String,
    pub body: String,
    pub accepted: bool,
}

/// A receiver on 127.0.0.1 that records every request and answers `fail` (a status) to the
/// requests `fails` picks, by their number from 0.
#[derive(Clone)]
pub struct Receiver {
    seen: Arc<Mutex<Vec<Seen>>>,
    /// Requests received so far.
    pub count: Arc<AtomicUsize>,
    fails: Arc<dyn Fn(usize) -> bool + Send + Sync>,
    address: SocketAddr,
}

impl Receiver {
    pub async fn start(fails: impl Fn(usize) -> bool + Send + Sync + 'static) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a local port");
        let address = listener.local_addr().expect("its address");
        let receiver = Self {
            seen: Arc::default(),
            count: Arc::default(),
            fails: Arc::new(fails),
            address,
        };
        let app = axum::Router::new()
            .route("/hook/{name}", axum::routing::post(receive))
            .route("/redirect", axum::routing::post(redirect))
            .with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        receiver
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("not poisoned").clone()
    }

    /// The event ids accepted on `path`, in the order they arrived.
    pub fn accepted(&self, path: &str) -> Vec<String> {
        self.seen()
            .into_iter()
            .filter(|seen| seen.accepted && seen.path == path)
            .map(|seen| seen.delivery)
            .collect()
    }
}

async fn receive(
    State(receiver): State<Receiver>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let number = receiver.count.fetch_add(1, Ordering::SeqCst);
    let accepted = !(receiver.fails)(number);
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    receiver.seen.lock().expect("not poisoned").push(Seen {
        path: format!("/hook/{name}"),
        event: header("x-trakker-event"),
        delivery: header("x-trakker-delivery"),
        signature: header("x-trakker-signature"),
        body,
        accepted,
    });
    if accepted {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    }
}

async fn redirect(State(receiver): State<Receiver>) -> Response {
    receiver.count.fetch_add(1, Ordering::SeqCst);
    let inside = receiver.url("/hook/inside");
    (StatusCode::FOUND, [(axum::http::header::LOCATION, inside)]).into_response()
}

/// The signature header a receiver expects for `body` under `secret`, computed here with the
/// `hmac` crate directly.
pub fn signature_of(secret: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body.as_bytes());
    let digest = mac.finalize().into_bytes();
    let hex = digest.iter().fold(String::new(), |mut hex, byte| {
        let _ = write!(hex, "{byte:02x}");
        hex
    });
    format!("sha256={hex}")
}
