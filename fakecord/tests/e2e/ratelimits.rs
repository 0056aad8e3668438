//! Discord's REST rate limits when fakecord enforces them: a burst of the bot's reactions in
//! one channel, and a burst over the global limit, are refused with Discord's 429; a client
//! pacing itself by the headers the way serenity's ratelimiter does never needs a second try.

use std::time::Duration;

use fakecord::api::{GuildInfo, MessageSpec, RequestFilter};
use fakecord::{Config, Fakecord, RateLimit, RateLimits, RunningServer, Snowflake};
use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::Value;
use serenity::all::{ChannelId, MessageId, ReactionType};
use serenity::http::{LightMethod, Ratelimit, Request, Route};

use crate::spec::assert_documented;
use crate::support::ada_in_squad;

const REACTION_ROUTE: &str = "PUT /channels/{channel}/messages/{message}/reactions/{emoji}/@me";

/// The hours of the daily board: 🇦 to 🇹, then ❌.
fn board_emojis() -> Vec<String> {
    ('\u{1F1E6}'..='\u{1F1F9}')
        .map(String::from)
        .chain(std::iter::once("❌".to_owned()))
        .collect()
}

/// The `{emoji}` path segment, percent-encoded as serenity writes it.
fn segment(emoji: &str) -> String {
    ReactionType::Unicode(emoji.to_owned()).as_data()
}

/// A REST call with the bot token: status, headers, and the JSON body (`Null` when empty).
async fn call(
    client: &reqwest::Client,
    server: &RunningServer,
    method: Method,
    path: &str,
) -> (u16, HeaderMap, Value) {
    let response = client
        .request(method, format!("{}/api/v10{path}", server.base_url()))
        .header("Authorization", format!("Bot {}", server.token()))
        .send()
        .await
        .expect("fakecord answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("a body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).expect("a JSON answer")
    };
    (status, headers, body)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn seconds(headers: &HeaderMap, name: &str) -> f64 {
    header(headers, name)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{name} is decimal seconds: {headers:?}"))
}

/// "Squad" with Discord's rate limits (changed by `limits`) and bob's post to react to.
async fn limited_squad(
    limits: RateLimits,
) -> (RunningServer, Fakecord, GuildInfo, Snowflake, String) {
    let (server, fc, guild) = ada_in_squad(Config::default().with_rate_limits(limits)).await;
    let post = fc
        .post_message(
            guild.id,
            MessageSpec::new("general", "ada", "who plays tonight?"),
        )
        .await
        .expect("post");
    let reactions = format!(
        "/channels/{}/messages/{}/reactions",
        post.channel_id, post.id
    );
    (server, fc, guild, post.id, reactions)
}

#[tokio::test]
async fn a_burst_of_reactions_gets_429s_that_say_when_to_come_back() {
    let (server, fc, _guild, post, reactions) = limited_squad(RateLimits::discord()).await;
    let client = reqwest::Client::new();
    let paths: Vec<String> = board_emojis()
        .iter()
        .take(6)
        .map(|emoji| format!("{reactions}/{}/@me", segment(emoji)))
        .collect();
    let answers = futures::future::join_all(
        paths
            .iter()
            .map(|path| call(&client, &server, Method::PUT, path)),
    )
    .await;

    let mut refused = Vec::new();
    for ((status, headers, body), path) in answers.iter().zip(&paths) {
        // Every answer of the route carries its bucket, success or not.
        assert_eq!(header(headers, "x-ratelimit-limit"), Some("1"));
        assert_eq!(header(headers, "x-ratelimit-remaining"), Some("0"));
        assert_eq!(header(headers, "x-ratelimit-bucket"), Some("reactions-add"));
        assert!(seconds(headers, "x-ratelimit-reset") > 1.6e9);
        let reset_after = seconds(headers, "x-ratelimit-reset-after");
        assert!(reset_after > 0.0 && reset_after <= 0.25, "{reset_after}");
        assert_eq!(header(headers, "x-ratelimit-global"), None);
        match status {
            204 => {}
            429 => {
                let retry_after = body["retry_after"].as_f64().expect("retry_after");
                assert!(retry_after > 0.0 && retry_after <= 0.25, "{retry_after}");
                assert_eq!(body["global"], false);
                assert_eq!(body["message"], "You are being rate limited.");
                assert_eq!(header(headers, "retry-after"), Some("1"), "whole seconds");
                assert_eq!(header(headers, "x-ratelimit-scope"), Some("user"));
                assert_documented("PUT", &format!("/api/v10{path}"), 429, body);
                refused.push((path, retry_after));
            }
            other => panic!("{path} answered {other}: {body}"),
        }
    }
    assert!(
        !refused.is_empty(),
        "six reactions at once exceed one per 250 ms"
    );

    let report = fc.rate_limited().await.expect("report");
    assert_eq!(report.refused, refused.len() as u64);
    assert_eq!(report.on(REACTION_ROUTE), refused.len() as u64);
    assert_eq!(report.global, 0);
    let view = fc.message(post).await.expect("post");
    assert_eq!(view.reactions.len(), paths.len() - refused.len());

    // Waiting what the 429 says is enough.
    let (path, retry_after) = refused[refused.len() - 1];
    tokio::time::sleep(Duration::from_secs_f64(retry_after)).await;
    let (status, _, body) = call(&client, &server, Method::PUT, path).await;
    assert_eq!(status, 204, "{body}");
}

#[tokio::test]
async fn past_the_global_limit_every_route_is_refused_as_global() {
    // Three a minute, so the fourth is refused however slow the machine is.
    let limits = RateLimits::discord().with_global(RateLimit::new(3, Duration::from_secs(60)));
    let (server, fc, guild, _post, _reactions) = limited_squad(limits).await;
    let client = reqwest::Client::new();
    let routes = [
        "/users/@me".to_owned(),
        format!("/guilds/{}", guild.id),
        format!("/guilds/{}/channels", guild.id),
    ];
    for path in &routes {
        let (status, headers, _) = call(&client, &server, Method::GET, path).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(header(&headers, "x-ratelimit-global"), None);
    }
    let (status, headers, body) = call(&client, &server, Method::GET, "/users/@me").await;
    assert_eq!(status, 429);
    assert_eq!(body["global"], true);
    let retry_after = body["retry_after"].as_f64().expect("retry_after");
    assert!(retry_after > 0.0 && retry_after <= 60.0, "{retry_after}");
    assert_eq!(header(&headers, "x-ratelimit-global"), Some("true"));
    assert_eq!(header(&headers, "x-ratelimit-scope"), Some("global"));
    let whole: f64 = header(&headers, "retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!(whole >= retry_after && whole - retry_after < 1.0);
    assert_documented("GET", "/api/v10/users/@me", 429, &body);

    let report = fc.rate_limited().await.expect("report");
    assert_eq!((report.refused, report.global), (1, 1));
    assert_eq!(report.on("GET /users/{user}"), 1);
}

/// serenity's `Ratelimiter::perform`, with the proxy it leaves out in 0.12.5 (its requests
/// would go to discord.com): serenity's own `Ratelimit` decides when to send (`pre_hook`) and
/// reads fakecord's headers to decide whether to wait and send again (`post_hook`); a global
/// refusal is waited out by `Retry-After`, as serenity does. Returns the final status and how
/// many times the request was refused on the way.
async fn paced(
    client: &reqwest::Client,
    server: &RunningServer,
    bucket: &mut Ratelimit,
    request: &Request<'_>,
) -> (u16, u32) {
    let token = format!("Bot {}", server.token());
    let mut refusals = 0;
    loop {
        bucket.pre_hook(request, &|_| {}).await;
        let built = request
            .clone()
            .build(client, &token, Some(server.base_url()))
            .expect("serenity builds the request")
            .build()
            .expect("a request");
        let response = client.execute(built).await.expect("fakecord answers");
        let again = if response.headers().contains_key("x-ratelimit-global") {
            let retry_after = seconds(response.headers(), "retry-after");
            tokio::time::sleep(Duration::from_secs_f64(retry_after)).await;
            true
        } else {
            bucket
                .post_hook(&response, request, &|_| {}, false)
                .await
                .expect("serenity reads fakecord's rate limit headers")
        };
        if !again {
            return (response.status().as_u16(), refusals);
        }
        refusals += 1;
    }
}

#[tokio::test]
async fn a_client_pacing_itself_like_serenity_never_needs_a_second_try() {
    let (server, fc, guild, post, reactions) = limited_squad(RateLimits::discord()).await;
    let client = reqwest::Client::new();
    let channel_id = ChannelId::new(guild.channel("general").expect("general").get());
    let message_id = MessageId::new(post.get());
    let mut bucket = Ratelimit::default();
    let emojis = board_emojis();

    // The bot adds the board's first reactions one after another: never refused.
    for emoji in &emojis[..5] {
        let data = segment(emoji);
        let request = Request::new(
            Route::ChannelMessageReactionMe {
                channel_id,
                message_id,
                reaction: &data,
            },
            LightMethod::Put,
        );
        assert_eq!(
            paced(&client, &server, &mut bucket, &request).await,
            (204, 0),
            "{emoji}"
        );
    }

    // An old process with the same token takes the channel's next window just before: one
    // 429, then the retry at the time it gave goes through.
    let elsewhere = format!("{reactions}/{}/@me", segment(&emojis[5]));
    loop {
        let (status, _, body) = call(&client, &server, Method::PUT, &elsewhere).await;
        match status {
            204 => break,
            429 => {
                let retry_after = body["retry_after"].as_f64().expect("retry_after");
                tokio::time::sleep(Duration::from_secs_f64(retry_after)).await;
            }
            other => panic!("the other process got {other}: {body}"),
        }
    }
    let data = segment(&emojis[6]);
    let request = Request::new(
        Route::ChannelMessageReactionMe {
            channel_id,
            message_id,
            reaction: &data,
        },
        LightMethod::Put,
    );
    let (status, refusals) = paced(&client, &server, &mut bucket, &request).await;
    assert_eq!(status, 204);
    assert!(refusals <= 1, "refused {refusals} times");
    let bots = format!("/{}/@me", segment(&emojis[6]));
    let refused = fc
        .requests(&RequestFilter {
            method: Some("PUT".into()),
            status: Some(429),
            ..RequestFilter::default()
        })
        .await
        .expect("log");
    let bots_refusals = refused.iter().filter(|r| r.path.ends_with(&bots)).count();
    assert_eq!(bots_refusals, usize::try_from(refusals).expect("a few"));
    assert_eq!(fc.message(post).await.expect("post").reactions.len(), 7);
}

#[tokio::test]
async fn a_client_pacing_itself_like_serenity_waits_out_a_global_refusal_once() {
    let limits = RateLimits::discord().with_global(RateLimit::new(2, Duration::from_secs(1)));
    let (server, fc, _guild, _post, _reactions) = limited_squad(limits).await;
    let client = reqwest::Client::new();
    for _ in 0..2 {
        call(&client, &server, Method::GET, "/users/@me").await;
    }
    let request = Request::new(Route::UserMe, LightMethod::Get);
    let (status, refusals) = paced(&client, &server, &mut Ratelimit::default(), &request).await;
    assert_eq!(status, 200);
    assert!(refusals <= 1, "refused {refusals} times");
    assert_eq!(
        fc.rate_limited().await.expect("report").global,
        u64::from(refusals)
    );
}
