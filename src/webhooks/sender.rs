//! The HTTP side of webhooks: one client that never follows a redirect, never goes through a
//! proxy, and connects only to public addresses (or those the operator allowed), checked on the
//! addresses a name resolves to at the moment of connecting, so a name cannot be repointed
//! inside after a hook was added.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::domain::webhooks::{
    check_address, sign, Destination, DestinationError, Networks, DELIVERY_HEADER, EVENT_HEADER,
    SIGNATURE_HEADER,
};
use crate::store::webhooks::Delivery;

/// How long one delivery may take, connection included.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The longest failure text kept for /webhooks list.
const ERROR_LIMIT: usize = 200;

/// Sends deliveries.
#[derive(Clone, Debug)]
pub struct Sender {
    client: reqwest::Client,
    allowed: Networks,
}

impl Sender {
    /// A sender that reaches public hosts and the `allowed` internal networks.
    ///
    /// # Panics
    /// When the TLS backend cannot start, which a build of this crate always can.
    #[must_use]
    pub fn new(allowed: Networks) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(DELIVERY_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("trakker-webhooks/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(Arc::new(Guard {
                allowed: allowed.clone(),
            }))
            .build()
            .expect("the TLS backend starts");
        Self { client, allowed }
    }

    /// The networks this sender may reach though internal.
    #[must_use]
    pub const fn allowed(&self) -> &Networks {
        &self.allowed
    }

    /// Posts `delivery`, signed; `Err` says in one line why it did not count as delivered.
    ///
    /// # Errors
    /// The failure: refused destination, network error, timeout, a redirect, or a status other
    /// than 2xx.
    pub async fn send(&self, delivery: &Delivery) -> Result<(), String> {
        // Literal addresses never reach the resolver: checked here, on every send.
        let destination =
            Destination::parse(&delivery.url, &self.allowed).map_err(|error| error.to_string())?;
        let answer = self
            .client
            .post(destination.url().clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(
                SIGNATURE_HEADER,
                sign(delivery.secret.expose(), delivery.body.as_bytes()),
            )
            .header(EVENT_HEADER, delivery.event.as_str())
            .header(DELIVERY_HEADER, delivery.event_id.as_str())
            .body(delivery.body.clone())
            .send()
            .await
            .map_err(|error| short(&describe(&error)))?;
        let status = answer.status();
        if status.is_success() {
            Ok(())
        } else if status.is_redirection() {
            // Where it pointed is the receiver's text: not repeated in the server's channel.
            Err(format!("HTTP {} redirect not followed", status.as_u16()))
        } else {
            Err(format!("HTTP {}", status.as_u16()))
        }
    }

    /// Resolves `destination`'s host now and refuses it when an address is internal and not
    /// allowed, so /webhooks add says so at once rather than a day of failures later.
    ///
    /// # Errors
    /// [`DestinationError::Private`] or [`DestinationError::Unresolved`].
    pub async fn check_host(&self, destination: &Destination) -> Result<(), DestinationError> {
        let Some(url::Host::Domain(name)) = destination.url().host() else {
            return Ok(());
        };
        let port = destination.url().port_or_known_default().unwrap_or(443);
        let unresolved = || DestinationError::Unresolved(name.to_owned());
        let addresses: Vec<SocketAddr> =
            tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::lookup_host((name, port)))
                .await
                .map_err(|_| unresolved())?
                .map_err(|_| unresolved())?
                .collect();
        if addresses.is_empty() {
            return Err(DestinationError::Unresolved(name.to_owned()));
        }
        for address in addresses {
            check_address(address.ip(), &self.allowed)?;
        }
        Ok(())
    }
}

/// The failure without reqwest's URL (it may carry a token in its query), with its cause.
fn describe(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut cause = std::error::Error::source(error);
    let mut detail = None;
    while let Some(inner) = cause {
        detail = Some(inner.to_string());
        cause = inner.source();
    }
    match detail {
        Some(detail) => format!("{kind}: {detail}"),
        None => kind.to_owned(),
    }
}

fn short(text: &str) -> String {
    text.chars().take(ERROR_LIMIT).collect()
}

/// Resolves names with the system resolver and refuses a name any of whose addresses is
/// internal and not allowed.
struct Guard {
    allowed: Networks,
}

impl Resolve for Guard {
    fn resolve(&self, name: Name) -> Resolving {
        let allowed = self.allowed.clone();
        Box::pin(async move {
            let addresses: Vec<SocketAddr> =
                tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            for address in &addresses {
                check_address(address.ip(), &allowed)?;
            }
            let addresses: Addrs = Box::new(addresses.into_iter());
            Ok(addresses)
        })
    }
}
