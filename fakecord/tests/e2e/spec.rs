//! fakecord's own answers held to Discord's OpenAPI spec and Discord's rules: the application
//! object, the interaction callback response and its three-second deadline, follow-ups after a
//! deleted answer, and starting only with the spec when a harness requires it.

use std::sync::OnceLock;

use fakecord::api::{InteractionOutcome, OptionSpec};
use fakecord::client::ClientError;
use fakecord::openapi::{SpecValidator, Validation, SPEC_ENV_VAR};
use fakecord::{Config, FakeDiscord, Fakecord, RunningServer, Snowflake, StartError};
use serde_json::{json, Value};
use serenity::http::HttpBuilder;
use tokio::task::JoinHandle;

use crate::raw::{identify_payload, next_dispatch, open, send, Socket};
use crate::support::{ada_in_squad, fakecord};

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

/// Holds a response fakecord gave to the schema the spec documents for it (skipped, saying so,
/// without the spec).
#[track_caller]
pub fn assert_documented(method: &str, path: &str, status: u16, body: &Value) {
    if let Some(spec) = spec() {
        assert_eq!(
            spec.validate_response(method, path, status, body),
            Validation::Valid,
            "{method} {path} answered {status} with {body:#}"
        );
    }
}

/// A REST call as the bot makes it.
pub async fn rest(
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

/// fakecord with ada in "Squad", `/about` and `/later` registered, and a bot on a raw gateway
/// socket that answers interactions by hand.
async fn hand_answered_squad() -> (RunningServer, Fakecord, Snowflake, Socket) {
    let (server, fc, guild) = ada_in_squad(Config::default()).await;
    let commands = json!([
        {"name": "about", "description": "About the bot", "type": 1},
        {"name": "later", "description": "Answers after deferring", "type": 1},
    ]);
    let app = server.application_id();
    let path = format!("/applications/{app}/commands");
    let (status, _) = rest(&server, reqwest::Method::PUT, &path, Some(commands)).await;
    assert_eq!(status, 200);
    let mut socket = open(server.gateway_url()).await;
    send(&mut socket, 2, identify_payload(server.token(), 1)).await;
    next_dispatch(&mut socket, "READY").await;
    (server, fc, guild.id, socket)
}

type Answer = JoinHandle<Result<InteractionOutcome, ClientError>>;

/// ada runs `/command`: the control call waiting for the bot's answer, the interaction's
/// token, and the path of its callback.
async fn ada_runs(
    fc: &Fakecord,
    socket: &mut Socket,
    guild: Snowflake,
    command: &str,
) -> (Answer, String, String) {
    let invoker = fc.clone();
    let command = command.to_owned();
    let answer = tokio::spawn(async move {
        invoker
            .invoke(guild, "ada", &command, Vec::<OptionSpec>::new())
            .await
    });
    let interaction = next_dispatch(socket, "INTERACTION_CREATE").await;
    let id = interaction["id"].as_str().expect("an id");
    let token = interaction["token"].as_str().expect("a token").to_owned();
    let callback = format!("/interactions/{id}/{token}/callback");
    (answer, token, callback)
}

/// The bot's callback with `?with_response=true`: 200 and an answer the spec documents.
async fn call_back_with_response(server: &RunningServer, callback: &str, reply: Value) -> Value {
    let path = format!("{callback}?with_response=true");
    let (status, answer) = rest(server, reqwest::Method::POST, &path, Some(reply)).await;
    assert_eq!(status, 200, "{answer:#}");
    assert_documented("POST", &format!("/api/v10{callback}"), 200, &answer);
    answer
}

#[tokio::test]
async fn with_response_answers_with_the_interaction_and_the_message_it_made() {
    let (server, fc, guild, mut socket) = hand_answered_squad().await;
    let (about, _, callback) = ada_runs(&fc, &mut socket, guild, "about").await;
    let reply = json!({"type": 4, "data": {"content": "hello ada", "flags": 64}});
    let answer = call_back_with_response(&server, &callback, reply).await;
    let interaction = &answer["interaction"];
    assert_eq!(interaction["type"], 2);
    assert!(callback.contains(interaction["id"].as_str().expect("an id")));
    assert_eq!(interaction["response_message_loading"], false);
    assert_eq!(interaction["response_message_ephemeral"], true);
    assert_eq!(answer["resource"]["type"], 4);
    assert_eq!(answer["resource"]["message"]["content"], "hello ada");
    assert_eq!(
        interaction["response_message_id"],
        answer["resource"]["message"]["id"]
    );
    let outcome = about.await.expect("task").expect("an answer");
    assert_eq!(outcome.content, "hello ada");
}

#[tokio::test]
async fn with_response_after_a_deferral_names_the_loading_message() {
    let (server, fc, guild, mut socket) = hand_answered_squad().await;
    let (later, token, callback) = ada_runs(&fc, &mut socket, guild, "later").await;
    let answer = call_back_with_response(&server, &callback, json!({"type": 5})).await;
    assert_eq!(answer["interaction"]["response_message_loading"], true);
    assert!(answer["interaction"]["response_message_id"].is_string());
    assert!(
        answer.get("resource").is_none(),
        "nothing made yet: {answer:#}"
    );

    let app = server.application_id();
    let original = format!("/webhooks/{app}/{token}/messages/@original");
    let edit = json!({"content": "done later"});
    let (status, _) = rest(&server, reqwest::Method::PATCH, &original, Some(edit)).await;
    assert_eq!(status, 200);
    let outcome = later.await.expect("task").expect("an answer");
    assert_eq!(outcome.content, "done later");
}

#[tokio::test]
async fn a_callback_after_three_seconds_is_an_unknown_interaction() {
    let (server, fc, guild, mut socket) = hand_answered_squad().await;
    let (about, _, callback) = ada_runs(&fc, &mut socket, guild, "about").await;
    tokio::time::sleep(std::time::Duration::from_millis(3_200)).await;
    let reply = json!({"type": 4, "data": {"content": "too late"}});
    let (status, body) = rest(&server, reqwest::Method::POST, &callback, Some(reply)).await;
    assert_eq!((status, &body["code"]), (404, &json!(10_062)), "{body}");
    let waited = about.await.expect("task");
    assert!(waited.is_err(), "nobody was answered: {waited:?}");
}

#[tokio::test]
async fn after_the_deferred_answer_is_deleted_a_follow_up_is_a_message_of_its_own() {
    let (server, fc, guild, mut socket) = hand_answered_squad().await;
    let (later, token, callback) = ada_runs(&fc, &mut socket, guild, "later").await;
    let (status, _) = rest(
        &server,
        reqwest::Method::POST,
        &callback,
        Some(json!({"type": 5})),
    )
    .await;
    assert_eq!(status, 204);
    let app = server.application_id();
    let original = format!("/webhooks/{app}/{token}/messages/@original");
    let (status, _) = rest(&server, reqwest::Method::DELETE, &original, None).await;
    assert_eq!(status, 204);
    let followup = json!({"content": "only for you", "flags": 64});
    let (status, message) = rest(
        &server,
        reqwest::Method::POST,
        &format!("/webhooks/{app}/{token}"),
        Some(followup),
    )
    .await;
    assert_eq!(status, 200, "{message}");
    let outcome = later.await.expect("task").expect("an answer");
    assert!(
        outcome.content.is_empty(),
        "the thinking message is gone: {outcome:?}"
    );
    assert_eq!(outcome.followups.len(), 1, "{outcome:?}");
    assert_eq!(outcome.followups[0].content, "only for you");
    assert_eq!(outcome.followups[0].flags & 64, 64, "still private");
}

#[tokio::test]
async fn without_with_response_the_callback_answers_204() {
    let (server, fc, guild, mut socket) = hand_answered_squad().await;
    let (about, _, callback) = ada_runs(&fc, &mut socket, guild, "about").await;
    let reply = json!({"type": 4, "data": {"content": "plain"}});
    let (status, body) = rest(&server, reqwest::Method::POST, &callback, Some(reply)).await;
    assert_eq!((status, &body), (204, &Value::Null));
    assert_documented("POST", &format!("/api/v10{callback}"), 204, &body);
    assert_eq!(
        about.await.expect("task").expect("an answer").content,
        "plain"
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
    let server = FakeDiscord::start(Config::default().with_openapi_spec(&missing))
        .await
        .expect("fakecord starts without a spec it does not require");
    assert!(
        !server
            .client()
            .status()
            .await
            .expect("status")
            .spec_validation
    );

    if SpecValidator::locate().is_some() {
        let (_server, fc) = fakecord(Config::default().with_openapi_spec_required(true)).await;
        assert!(fc.status().await.expect("status").spec_validation);
    }
}
