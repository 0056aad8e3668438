//! fakecord's own answers held to Discord's OpenAPI spec: the application object, and starting
//! only with the spec when a harness requires it.

use std::sync::OnceLock;

use fakecord::openapi::{SpecValidator, Validation, SPEC_ENV_VAR};
use fakecord::{Config, FakeDiscord, RunningServer, StartError};
use serde_json::Value;
use serenity::http::HttpBuilder;

use crate::support::fakecord;

/// The spec, loaded once for these tests; `None` (after saying so) when it is not on disk.
fn spec() -> Option<&'static SpecValidator> {
    static SPEC: OnceLock<Option<SpecValidator>> = OnceLock::new();
    let spec = SPEC.get_or_init(|| {
        let path = SpecValidator::locate()?;
        Some(SpecValidator::load(&path).expect("the located spec loads"))
    });
    if spec.is_none() {
        println!(
            "skipping the spec check: the Discord OpenAPI spec was not found (set {SPEC_ENV_VAR})"
        );
    }
    spec.as_ref()
}

/// Holds a response fakecord gave to the schema the spec documents for it.
#[track_caller]
fn assert_documented(method: &str, path: &str, status: u16, body: &Value) {
    if let Some(spec) = spec() {
        assert_eq!(
            spec.validate_response(method, path, status, body),
            Validation::Valid,
            "{method} {path} answered {status} with {body:#}"
        );
    }
}

/// A REST call as the bot makes it.
async fn rest(
    server: &RunningServer,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let request = reqwest::Client::new()
        .request(method, format!("{}/api/v10{path}", server.base_url()))
        .header("Authorization", format!("Bot {}", server.token()));
    let request = match body {
        Some(body) => request.json(&body),
        None => request,
    };
    let response = request.send().await.expect("fakecord answers");
    let status = response.status().as_u16();
    let text = response.text().await.expect("a body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).expect("a JSON answer")
    };
    (status, body)
}

#[tokio::test]
async fn the_application_has_an_owner_and_every_field_discord_documents() {
    let (server, _fc) = fakecord(Config::default().with_application_owner("ada")).await;
    let path = "/oauth2/applications/@me";
    let (status, app) = rest(&server, reqwest::Method::GET, path, None).await;
    assert_eq!(status, 200);
    // The fields the spec's PrivateApplicationResponse requires.
    for field in [
        "id",
        "name",
        "icon",
        "description",
        "type",
        "verify_key",
        "flags",
        "flags_new",
        "redirect_uris",
        "interactions_endpoint_url",
        "role_connections_verification_url",
        "owner",
        "approximate_guild_count",
        "approximate_user_install_count",
        "approximate_user_authorization_count",
        "explicit_content_filter",
        "team",
        "eligible_oauth2_scopes",
    ] {
        assert!(app.get(field).is_some(), "`{field}` is missing: {app:#}");
    }
    assert_eq!(app["owner"]["username"], "ada");
    assert_eq!(app["owner"]["bot"], false);
    assert_documented("GET", &format!("/api/v10{path}"), 200, &app);

    let http = HttpBuilder::new(server.token())
        .proxy(server.base_url())
        .ratelimiter_disabled(true)
        .build();
    let info = http
        .get_current_application_info()
        .await
        .expect("serenity reads the application");
    let owner = info.owner.expect("an owner, as poise needs");
    assert_eq!(
        (owner.name.as_str(), owner.id.get()),
        (
            "ada",
            app["owner"]["id"]
                .as_str()
                .and_then(|i| i.parse().ok())
                .expect("an id")
        )
    );
}

#[tokio::test]
async fn a_required_spec_that_cannot_be_loaded_stops_the_start() {
    let missing = std::env::temp_dir().join("fakecord-no-such-dir/openapi.json");
    let refused = FakeDiscord::start(
        Config::default()
            .with_openapi_spec(&missing)
            .with_openapi_spec_required(true),
    )
    .await;
    let Err(error @ StartError::OpenApiSpec(_)) = refused else {
        panic!("a missing required spec must stop the start");
    };
    let told = error.to_string();
    assert!(told.contains(&missing.display().to_string()), "{told}");

    let garbled =
        std::env::temp_dir().join(format!("fakecord-garbled-{}.json", std::process::id()));
    std::fs::write(&garbled, "not json").expect("write");
    let refused = FakeDiscord::start(
        Config::default()
            .with_openapi_spec(&garbled)
            .with_openapi_spec_required(true),
    )
    .await;
    std::fs::remove_file(&garbled).expect("cleanup");
    let Err(error) = refused else {
        panic!("an unreadable required spec must stop the start");
    };
    assert!(
        error.to_string().contains(&garbled.display().to_string()),
        "{error}"
    );

    // Not required: fakecord runs, without validation.
    let (_server, fc) = fakecord(Config::default().with_openapi_spec(&missing)).await;
    assert!(!fc.status().await.expect("status").spec_validation);

    if SpecValidator::locate().is_some() {
        let (_server, fc) = fakecord(Config::default().with_openapi_spec_required(true)).await;
        assert!(fc.status().await.expect("status").spec_validation);
    }
}
