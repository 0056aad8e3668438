//! [`Fakecord`]: a typed client of the control API, one method per endpoint, for Rust tests and
//! benchmarks that drive a fakecord (in-process or a separate `fakecord` binary) over HTTP.
//!
//! ```no_run
//! # async fn demo() -> Result<(), fakecord::client::ClientError> {
//! use fakecord::api::{GuildSpec, MessageSpec, OptionSpec};
//! use fakecord::client::Fakecord;
//!
//! let fc = Fakecord::new("http://127.0.0.1:41234");
//! let squad = fc
//!     .create_guild(GuildSpec::new("Squad").members(["ada", "bob"]).text_channel("general"))
//!     .await?;
//! fc.post_message(squad.id, MessageSpec::new("general", "ada", "hello")).await?;
//! let answer = fc.invoke(squad.id, "ada", "about", vec![]).await?;
//! println!("{}", answer.content);
//! # Ok(())
//! # }
//! ```

use std::future::Future;
use std::time::Duration;

use reqwest::{Method, RequestBuilder};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::api::{
    Affected, BulkReport, BulkSpec, CommandInvocation, CommandRegistry, ComponentClick, ErrorBody,
    GatewayAction, GuildInfo, GuildSpec, InteractionOutcome, InviteInfo, InviteSpec, JoinSpec,
    MemberInfo, MessageSpec, MessageView, NameError, NameOrId, OptionSpec, PostedMessage,
    PresenceSpec, RateLimitReport, RawDispatch, ReactionSpec, RecordedRequest, ReplaySettings,
    RequestFilter, Status, VoiceChange, VoiceSpec,
};
use crate::snowflake::Snowflake;

/// What can go wrong talking to fakecord.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The request did not get an answer.
    #[error("cannot reach fakecord: {0}")]
    Http(#[from] reqwest::Error),
    /// fakecord answered with an error.
    #[error("fakecord answered {status}: {error}")]
    Api {
        /// HTTP status.
        status: u16,
        /// fakecord's explanation.
        error: String,
    },
    /// A wait helper gave up.
    #[error("timed out after {0:?} waiting for {1}")]
    Timeout(Duration, String),
    /// A name lookup in a [`GuildInfo`] failed.
    #[error(transparent)]
    Name(#[from] NameError),
}

impl ClientError {
    /// The HTTP status fakecord answered with, if it answered with an error.
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// A control API client.
#[derive(Clone, Debug)]
pub struct Fakecord {
    http: reqwest::Client,
    base: String,
}

/// How often the `wait_for_*` helpers look again.
const POLL: Duration = Duration::from_millis(25);

impl Fakecord {
    /// A client of the fakecord at `base` (e.g. `http://127.0.0.1:41234`).
    #[must_use]
    pub fn new(base: impl Into<String>) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: base.into().trim_end_matches('/').to_owned(),
        }
    }

    /// The base URL.
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.base
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}/_fake{path}", self.base))
    }

    async fn send<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T, ClientError> {
        let response = request.send().await?;
        let status = response.status();
        if status.is_success() {
            return Ok(response.json().await?);
        }
        let text = response.text().await.unwrap_or_default();
        let error = serde_json::from_str::<ErrorBody>(&text).map_or(text, |e| e.error);
        Err(ClientError::Api {
            status: status.as_u16(),
            error,
        })
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.send(self.request(Method::GET, path)).await
    }

    async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.send(self.request(Method::POST, path).json(body)).await
    }

    async fn delete<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, ClientError> {
        let request = self.request(Method::DELETE, path);
        let request = match body {
            Some(body) => request.json(body),
            None => request,
        };
        self.send(request).await
    }

    // ---- guilds and members

    /// `POST /_fake/guilds`: creates a guild (the bot gets `GUILD_CREATE`).
    ///
    /// # Errors
    ///
    /// [`ClientError`] when fakecord refuses the spec or cannot be reached.
    pub async fn create_guild(&self, spec: GuildSpec) -> Result<GuildInfo, ClientError> {
        self.post("/guilds", &spec).await
    }

    /// `GET /_fake/guilds`.
    ///
    /// # Errors
    ///
    /// [`ClientError`] when fakecord cannot be reached.
    pub async fn guilds(&self) -> Result<Vec<GuildInfo>, ClientError> {
        self.get("/guilds").await
    }

    /// `GET /_fake/guilds/{guild}`.
    ///
    /// # Errors
    ///
    /// [`ClientError`] for an unknown guild.
    pub async fn guild(&self, guild: Snowflake) -> Result<GuildInfo, ClientError> {
        self.get(&format!("/guilds/{guild}")).await
    }

    /// `POST /_fake/guilds/{guild}/members`: a user joins (`GUILD_MEMBER_ADD`).
    ///
    /// # Errors
    ///
    /// [`ClientError`] for an unknown guild or invite, or an existing member.
    pub async fn join(&self, guild: Snowflake, spec: JoinSpec) -> Result<MemberInfo, ClientError> {
        self.post(&format!("/guilds/{guild}/members"), &spec).await
    }

    /// `DELETE /_fake/guilds/{guild}/members/{user}`: a member leaves (`GUILD_MEMBER_REMOVE`).
    ///
    /// # Errors
    ///
    /// [`ClientError`] when the user is not a member.
    pub async fn leave(
        &self,
        guild: Snowflake,
        user: impl Into<NameOrId>,
    ) -> Result<MemberInfo, ClientError> {
        self.delete::<(), _>(&format!("/guilds/{guild}/members/{}", user.into()), None)
            .await
    }

    // ---- what users do

    /// `POST /_fake/guilds/{guild}/messages`: a user posts (`MESSAGE_CREATE`).
    ///
    /// # Errors
    ///
    /// [`ClientError`] for unknown users or channels.
    pub async fn post_message(
        &self,
        guild: Snowflake,
        spec: MessageSpec,
    ) -> Result<PostedMessage, ClientError> {
        self.post(&format!("/guilds/{guild}/messages"), &spec).await
    }

    /// `POST /_fake/guilds/{guild}/reactions`: a user reacts (`MESSAGE_REACTION_ADD`).
    ///
    /// # Errors
    ///
    /// [`ClientError`] for unknown users, messages or emojis.
    pub async fn react(
        &self,
        guild: Snowflake,
        spec: ReactionSpec,
    ) -> Result<MessageView, ClientError> {
        self.post(&format!("/guilds/{guild}/reactions"), &spec)
            .await
    }

    /// `DELETE /_fake/guilds/{guild}/reactions`: a user removes a reaction
    /// (`MESSAGE_REACTION_REMOVE`).
    ///
    /// # Errors
    ///
    /// [`ClientError`] for unknown users, messages or emojis.
    pub async fn unreact(
        &self,
        guild: Snowflake,
        spec: ReactionSpec,
    ) -> Result<MessageView, ClientError> {
        self.delete(&format!("/guilds/{guild}/reactions"), Some(&spec))
            .await
    }

    /// `POST /_fake/guilds/{guild}/voice`: join, move, leave or change flags
    /// (`VOICE_STATE_UPDATE`).
    ///
    /// # Errors
    ///
    /// [`ClientError`] for unknown users or non-voice channels.
    pub async fn voice(
        &self,
        guild: Snowflake,
        spec: VoiceSpec,
    ) -> Result<VoiceChange, ClientError> {
        self.post(&format!("/guilds/{guild}/voice"), &spec).await
    }

    /// `POST /_fake/guilds/{guild}/invites` (`INVITE_CREATE`).
    ///
    /// # Errors
    ///
    /// [`ClientError`] for unknown channels or a taken code.
    pub async fn create_invite(
        &self,
        guild: Snowflake,
        spec: InviteSpec,
    ) -> Result<InviteInfo, ClientError> {
        self.post(&format!("/guilds/{guild}/invites"), &spec).await
    }

    /// `GET /_fake/guilds/{guild}/invites`.
    ///
    /// # Errors
    ///
    /// [`ClientError`] for an unknown guild.
    pub async fn invites(&self, guild: Snowflake) -> Result<Vec<InviteInfo>, ClientError> {
        self.get(&format!("/guilds/{guild}/invites")).await
    }

    /// `DELETE /_fake/guilds/{guild}/invites/{code}` (`INVITE_DELETE`).
    ///
    /// # Errors
    ///
    /// [`ClientError`] for an unknown invite.
    pub async fn delete_invite(
        &self,
        guild: Snowflake,
        code: &str,
    ) -> Result<InviteInfo, ClientError> {
        self.delete::<(), _>(&format!("/guilds/{guild}/invites/{code}"), None)
            .await
    }

    /// `DELETE /_fake/guilds/{guild}/messages/{message}`: a moderator deletes a message
    /// (`MESSAGE_DELETE`). Returns the message as it was.
    ///
    /// # Errors
    ///
    /// [`ClientError`] for a message that is unknown, deleted or in another guild.
    pub async fn delete_message(
        &self,
        guild: Snowflake,
        message: Snowflake,
    ) -> Result<MessageView, ClientError> {
        self.delete::<(), _>(&format!("/guilds/{guild}/messages/{message}"), None)
            .await
    }

    /// `POST /_fake/guilds/{guild}/presences` (`PRESENCE_UPDATE`). Returns the dispatched payload.
    ///
    /// # Errors
    ///
    /// [`ClientError`] for unknown users.
    pub async fn set_presence(
        &self,
        guild: Snowflake,
        spec: PresenceSpec,
    ) -> Result<Value, ClientError> {
        self.post(&format!("/guilds/{guild}/presences"), &spec)
            .await
    }

    // ---- interactions

    /// `user` runs `/command` in `guild` with `options`; waits for the bot's answer.
    /// `command` may name subcommands: `"stats player"`.
    ///
    /// # Errors
    ///
    /// [`ClientError::Api`] with status 504 when the bot does not answer in time.
    pub async fn invoke(
        &self,
        guild: Snowflake,
        user: impl Into<NameOrId>,
        command: &str,
        options: Vec<OptionSpec>,
    ) -> Result<InteractionOutcome, ClientError> {
        self.invoke_with(CommandInvocation::new(guild, user, command).options(options))
            .await
    }

    /// `POST /_fake/interactions/command` with every detail.
    ///
    /// # Errors
    ///
    /// [`ClientError::Api`] with status 504 when the bot does not answer in time.
    pub async fn invoke_with(
        &self,
        invocation: CommandInvocation,
    ) -> Result<InteractionOutcome, ClientError> {
        self.post("/interactions/command", &invocation).await
    }

    /// `POST /_fake/interactions/autocomplete`: one option must be `focused`.
    ///
    /// # Errors
    ///
    /// [`ClientError::Api`] with status 504 when the bot does not answer in time.
    pub async fn autocomplete(
        &self,
        invocation: CommandInvocation,
    ) -> Result<InteractionOutcome, ClientError> {
        self.post("/interactions/autocomplete", &invocation).await
    }

    /// `POST /_fake/interactions/component`: a button click or select-menu pick.
    ///
    /// # Errors
    ///
    /// [`ClientError::Api`] with status 504 when the bot does not answer in time.
    pub async fn click(&self, click: ComponentClick) -> Result<InteractionOutcome, ClientError> {
        self.post("/interactions/component", &click).await
    }

    /// `GET /_fake/interactions/{id}`: the answer as it is now.
    ///
    /// # Errors
    ///
    /// [`ClientError`] for an unknown interaction.
    pub async fn interaction(&self, id: Snowflake) -> Result<InteractionOutcome, ClientError> {
        self.get(&format!("/interactions/{id}")).await
    }

    // ---- inspecting the bot

    /// `GET /_fake/channels/{channel}/messages`: the bot's messages, as they are now.
    ///
    /// # Errors
    ///
    /// [`ClientError`] for an unknown channel.
    pub async fn bot_messages(&self, channel: Snowflake) -> Result<Vec<MessageView>, ClientError> {
        self.get(&format!("/channels/{channel}/messages")).await
    }

    /// `GET /_fake/channels/{channel}/messages?all=true`: users' messages too.
    ///
    /// # Errors
    ///
    /// [`ClientError`] for an unknown channel.
    pub async fn all_messages(&self, channel: Snowflake) -> Result<Vec<MessageView>, ClientError> {
        self.get(&format!("/channels/{channel}/messages?all=true"))
            .await
    }

    /// `GET /_fake/messages/{id}`.
    ///
    /// # Errors
    ///
    /// [`ClientError`] for an unknown message.
    pub async fn message(&self, id: Snowflake) -> Result<MessageView, ClientError> {
        self.get(&format!("/messages/{id}")).await
    }

    /// `GET /_fake/attachments/{id}`: the file's bytes.
    ///
    /// # Errors
    ///
    /// [`ClientError`] for an unknown attachment.
    pub async fn attachment(&self, id: Snowflake) -> Result<Vec<u8>, ClientError> {
        let response = self
            .request(Method::GET, &format!("/attachments/{id}"))
            .send()
            .await?;
        let status = response.status();
        if !status.is_success() {
            return Err(ClientError::Api {
                status: status.as_u16(),
                error: response.text().await.unwrap_or_default(),
            });
        }
        Ok(response.bytes().await?.to_vec())
    }

    /// `GET /_fake/commands`.
    ///
    /// # Errors
    ///
    /// [`ClientError`] when fakecord cannot be reached.
    pub async fn commands(&self) -> Result<CommandRegistry, ClientError> {
        self.get("/commands").await
    }

    /// `GET /_fake/requests` with a filter.
    ///
    /// # Errors
    ///
    /// [`ClientError`] when fakecord cannot be reached.
    pub async fn requests(
        &self,
        filter: &RequestFilter,
    ) -> Result<Vec<RecordedRequest>, ClientError> {
        self.send(self.request(Method::GET, "/requests").query(filter))
            .await
    }

    /// `GET /_fake/requests/unexpected`.
    ///
    /// # Errors
    ///
    /// [`ClientError`] when fakecord cannot be reached.
    pub async fn unexpected_requests(&self) -> Result<Vec<RecordedRequest>, ClientError> {
        self.get("/requests/unexpected").await
    }

    /// `GET /_fake/requests/rate-limited`: how many logged requests the rate limits
    /// ([`crate::Config::rate_limits`]) refused with 429, in all, globally and by route
    /// ([`RateLimitReport::on`]`("PUT /channels/{channel}/messages/{message}/reactions/{emoji}/@me")`).
    /// Counts what the log holds, so [`Self::clear_requests`] starts it again.
    ///
    /// # Errors
    ///
    /// [`ClientError`] when fakecord cannot be reached.
    pub async fn rate_limited(&self) -> Result<RateLimitReport, ClientError> {
        self.get("/requests/rate-limited").await
    }

    /// `DELETE /_fake/requests`: returns how many were cleared.
    ///
    /// # Errors
    ///
    /// [`ClientError`] when fakecord cannot be reached.
    pub async fn clear_requests(&self) -> Result<u64, ClientError> {
        let body: Value = self.delete::<(), _>("/requests", None).await?;
        Ok(body.get("cleared").and_then(Value::as_u64).unwrap_or(0))
    }

    /// `GET /_fake/status`.
    ///
    /// # Errors
    ///
    /// [`ClientError`] when fakecord cannot be reached.
    pub async fn status(&self) -> Result<Status, ClientError> {
        self.get("/status").await
    }

    // ---- gateway

    /// `POST /_fake/gateway/reconnect`: op 7 to `shard` (all when `None`).
    ///
    /// # Errors
    ///
    /// [`ClientError`] when fakecord cannot be reached.
    pub async fn reconnect(&self, shard: Option<u32>) -> Result<Affected, ClientError> {
        self.post(
            "/gateway/reconnect",
            &GatewayAction {
                shard,
                resumable: false,
            },
        )
        .await
    }

    /// `POST /_fake/gateway/invalidate`: op 9 with `d = resumable`.
    ///
    /// # Errors
    ///
    /// [`ClientError`] when fakecord cannot be reached.
    pub async fn invalidate_session(
        &self,
        shard: Option<u32>,
        resumable: bool,
    ) -> Result<Affected, ClientError> {
        self.post("/gateway/invalidate", &GatewayAction { shard, resumable })
            .await
    }

    /// `POST /_fake/gateway/drop`: closes sockets without a close frame.
    ///
    /// # Errors
    ///
    /// [`ClientError`] when fakecord cannot be reached.
    pub async fn drop_socket(&self, shard: Option<u32>) -> Result<Affected, ClientError> {
        self.post(
            "/gateway/drop",
            &GatewayAction {
                shard,
                resumable: false,
            },
        )
        .await
    }

    /// `POST /_fake/gateway/replay`: keep `capacity` dispatches per session for RESUME from
    /// now on; returns the size in force.
    ///
    /// # Errors
    ///
    /// [`ClientError::Api`] with status 400 for a capacity of 0.
    pub async fn set_replay_capacity(&self, capacity: usize) -> Result<usize, ClientError> {
        let settings: ReplaySettings = self
            .post("/gateway/replay", &ReplaySettings { capacity })
            .await?;
        Ok(settings.capacity)
    }

    /// `POST /_fake/dispatch`: a raw event; returns how many sessions it was queued for.
    ///
    /// # Errors
    ///
    /// [`ClientError::Api`] with status 422 when serenity cannot parse it.
    pub async fn dispatch(&self, raw: &RawDispatch) -> Result<usize, ClientError> {
        let body: Value = self.post("/dispatch", raw).await?;
        Ok(body
            .get("sessions")
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0))
    }

    /// `POST /_fake/bulk`.
    ///
    /// # Errors
    ///
    /// [`ClientError`] when the pools are empty or no bot is connected.
    pub async fn bulk(&self, spec: &BulkSpec) -> Result<BulkReport, ClientError> {
        self.post("/bulk", spec).await
    }

    // ---- waiting helpers

    /// Polls `check` until it yields a value or `timeout` passes.
    ///
    /// # Errors
    ///
    /// [`ClientError::Timeout`] naming `what`, or the first error `check` returns.
    pub async fn wait_for<T, F, Fut>(
        &self,
        timeout: Duration,
        what: &str,
        mut check: F,
    ) -> Result<T, ClientError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Option<T>, ClientError>>,
    {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(value) = check().await? {
                return Ok(value);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(ClientError::Timeout(timeout, what.to_owned()));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until `count` gateway sessions are connected (and have received their READY).
    ///
    /// # Errors
    ///
    /// [`ClientError::Timeout`] when they do not connect in time.
    pub async fn wait_for_sessions(
        &self,
        count: usize,
        timeout: Duration,
    ) -> Result<Status, ClientError> {
        self.wait_for(
            timeout,
            &format!("{count} connected gateway sessions"),
            || async {
                let status = self.status().await?;
                let ready = status
                    .sessions
                    .iter()
                    .filter(|s| s.connected && s.written_seq >= 1)
                    .count();
                Ok((ready >= count).then_some(status))
            },
        )
        .await
    }

    /// Waits until the bot has registered a command named `name` (globally or in `guild`).
    ///
    /// # Errors
    ///
    /// [`ClientError::Timeout`] when it is not registered in time.
    pub async fn wait_for_command(
        &self,
        name: &str,
        guild: Option<Snowflake>,
        timeout: Duration,
    ) -> Result<CommandRegistry, ClientError> {
        self.wait_for(
            timeout,
            &format!("command /{name} to be registered"),
            || async {
                let commands = self.commands().await?;
                Ok(commands.has(name, guild).then_some(commands))
            },
        )
        .await
    }
}
