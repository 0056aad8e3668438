//! A real serenity client pointed at an in-process fakecord, recording what its event handler
//! sees, for the end-to-end tests.

use std::sync::Arc;
use std::time::Duration;

use fakecord::api::{GuildInfo, GuildSpec};
use fakecord::{Config, FakeDiscord, Fakecord, RunningServer};
use serenity::all::{
    ChannelId, ClientBuilder, CommandDataOptionValue, CommandInteraction, ComponentInteraction,
    ComponentInteractionDataKind, Context, CreateActionRow, CreateAutocompleteResponse,
    CreateButton, CreateInteractionResponse, CreateInteractionResponseFollowup,
    CreateInteractionResponseMessage, CreateSelectMenu, CreateSelectMenuKind,
    CreateSelectMenuOption, EditInteractionResponse, EventHandler, GatewayIntents, GuildChannel,
    GuildId, GuildMembersChunkEvent, HttpBuilder, Interaction, InviteCreateEvent,
    InviteDeleteEvent, Member, Message, MessageId, Presence, Reaction, Ready, ResumedEvent,
    ShardManager, User, VoiceState,
};
use serenity::cache::Cache;
use serenity::http::Http;
use serenity::model::guild::Guild;
use tokio::sync::mpsc;

/// How long any single wait in these tests may take. serenity waits up to 5 s between shard
/// starts, so re-identify scenarios need some room.
pub const WAIT: Duration = Duration::from_secs(30);

/// What the bot's event handler saw.
#[derive(Clone, Debug)]
pub enum Seen {
    Ready {
        shard: u32,
        guilds: Vec<u64>,
    },
    GuildCreate {
        shard: u32,
        guild: u64,
        channels: usize,
        /// Members the event listed (not the member count).
        members: usize,
        afk_channel: Option<u64>,
        /// Users in voice, by id.
        in_voice: Vec<u64>,
    },
    MembersChunk {
        guild: u64,
        index: u32,
        count: u32,
        members: usize,
        nonce: Option<String>,
    },
    Message {
        shard: u32,
        id: u64,
        content: String,
    },
    Voice {
        user: u64,
        channel: Option<u64>,
    },
    Resumed {
        shard: u32,
    },
    /// Any other event, by its gateway name.
    Event(&'static str),
}

struct Recorder {
    tx: mpsc::UnboundedSender<Seen>,
}

impl Recorder {
    fn see(&self, seen: Seen) {
        let _ = self.tx.send(seen);
    }

    /// The test bot's commands: `/about` answers, `/later` defers then edits, `/silent` never
    /// answers, `/menu` shows a button and a day menu, `/secret` shows them only to the user,
    /// `/secret-later` in an ephemeral follow-up.
    async fn answer(ctx: &Context, command: &CommandInteraction) -> serenity::Result<()> {
        match command.data.name.as_str() {
            "about" => {
                let reply = CreateInteractionResponseMessage::new()
                    .content(format!("trakker test bot, asked by {}", command.user.name))
                    .ephemeral(true);
                command
                    .create_response(&ctx.http, CreateInteractionResponse::Message(reply))
                    .await
            }
            "later" => {
                command.defer(&ctx.http).await?;
                command
                    .edit_response(
                        &ctx.http,
                        EditInteractionResponse::new().content("done later"),
                    )
                    .await
                    .map(|_| ())
            }
            "menu" | "secret" => {
                let reply = CreateInteractionResponseMessage::new()
                    .content("pick a day")
                    .components(Self::day_menu())
                    .ephemeral(command.data.name == "secret");
                command
                    .create_response(&ctx.http, CreateInteractionResponse::Message(reply))
                    .await
            }
            "secret-later" => {
                let first = CreateInteractionResponseMessage::new()
                    .content("one moment")
                    .ephemeral(true);
                command
                    .create_response(&ctx.http, CreateInteractionResponse::Message(first))
                    .await?;
                let menu = CreateInteractionResponseFollowup::new()
                    .content("now pick a day")
                    .components(Self::day_menu())
                    .ephemeral(true);
                command.create_followup(&ctx.http, menu).await.map(|_| ())
            }
            "stats" => {
                // `/stats player who:<user> game:<text>`
                let Some(sub) = command.data.options.first() else {
                    return Ok(());
                };
                let CommandDataOptionValue::SubCommand(options) = &sub.value else {
                    return Ok(());
                };
                let who = options.iter().find_map(|o| o.value.as_user_id());
                let who = who
                    .and_then(|id| command.data.resolved.users.get(&id))
                    .map_or("nobody".to_owned(), |u| u.name.clone());
                let game = options
                    .iter()
                    .find_map(|o| o.value.as_str())
                    .unwrap_or("everything");
                let reply = CreateInteractionResponseMessage::new()
                    .content(format!("{} stats for {who} in {game}", sub.name));
                command
                    .create_response(&ctx.http, CreateInteractionResponse::Message(reply))
                    .await
            }
            _ => Ok(()),
        }
    }

    /// A button and a select menu of two days.
    fn day_menu() -> Vec<CreateActionRow> {
        let buttons = CreateActionRow::Buttons(vec![CreateButton::new("again").label("Again")]);
        let menu = CreateActionRow::SelectMenu(CreateSelectMenu::new(
            "pick",
            CreateSelectMenuKind::String {
                options: vec![
                    CreateSelectMenuOption::new("Monday", "mon"),
                    CreateSelectMenuOption::new("Tuesday", "tue"),
                ],
            },
        ));
        vec![buttons, menu]
    }

    /// Buttons edit their message; picks answer with the values.
    async fn click(ctx: &Context, component: &ComponentInteraction) -> serenity::Result<()> {
        let response = match &component.data.kind {
            ComponentInteractionDataKind::StringSelect { values } => {
                CreateInteractionResponse::Message(
                    CreateInteractionResponseMessage::new()
                        .content(format!("picked {}", values.join(",")))
                        .ephemeral(true),
                )
            }
            _ => CreateInteractionResponse::UpdateMessage(
                CreateInteractionResponseMessage::new()
                    .content("clicked")
                    .components(vec![]),
            ),
        };
        component.create_response(&ctx.http, response).await
    }
}

#[serenity::async_trait]
impl EventHandler for Recorder {
    async fn ready(&self, ctx: Context, ready: Ready) {
        let guilds = ready.guilds.iter().map(|g| g.id.get()).collect();
        self.see(Seen::Ready {
            shard: ctx.shard_id.0,
            guilds,
        });
    }

    async fn guild_create(&self, ctx: Context, guild: Guild, _is_new: Option<bool>) {
        self.see(Seen::GuildCreate {
            shard: ctx.shard_id.0,
            guild: guild.id.get(),
            channels: guild.channels.len(),
            members: guild.members.len(),
            afk_channel: guild
                .afk_metadata
                .as_ref()
                .map(|afk| afk.afk_channel_id.get()),
            in_voice: guild.voice_states.keys().map(|u| u.get()).collect(),
        });
    }

    async fn guild_members_chunk(&self, _ctx: Context, chunk: GuildMembersChunkEvent) {
        self.see(Seen::MembersChunk {
            guild: chunk.guild_id.get(),
            index: chunk.chunk_index,
            count: chunk.chunk_count,
            members: chunk.members.len(),
            nonce: chunk.nonce,
        });
    }

    async fn message(&self, ctx: Context, message: Message) {
        self.see(Seen::Message {
            shard: ctx.shard_id.0,
            id: message.id.get(),
            content: message.content,
        });
    }

    async fn voice_state_update(&self, _ctx: Context, _old: Option<VoiceState>, new: VoiceState) {
        self.see(Seen::Voice {
            user: new.user_id.get(),
            channel: new.channel_id.map(serenity::all::ChannelId::get),
        });
    }

    async fn guild_member_addition(&self, _ctx: Context, _member: Member) {
        self.see(Seen::Event("GUILD_MEMBER_ADD"));
    }

    async fn guild_member_removal(
        &self,
        _ctx: Context,
        _guild: GuildId,
        _user: User,
        _member: Option<Member>,
    ) {
        self.see(Seen::Event("GUILD_MEMBER_REMOVE"));
    }

    async fn reaction_add(&self, _ctx: Context, _reaction: Reaction) {
        self.see(Seen::Event("MESSAGE_REACTION_ADD"));
    }

    async fn reaction_remove(&self, _ctx: Context, _reaction: Reaction) {
        self.see(Seen::Event("MESSAGE_REACTION_REMOVE"));
    }

    async fn message_delete(
        &self,
        _ctx: Context,
        _channel: ChannelId,
        _message: MessageId,
        _guild: Option<GuildId>,
    ) {
        self.see(Seen::Event("MESSAGE_DELETE"));
    }

    async fn invite_create(&self, _ctx: Context, _data: InviteCreateEvent) {
        self.see(Seen::Event("INVITE_CREATE"));
    }

    async fn invite_delete(&self, _ctx: Context, _data: InviteDeleteEvent) {
        self.see(Seen::Event("INVITE_DELETE"));
    }

    async fn presence_update(&self, _ctx: Context, _presence: Presence) {
        self.see(Seen::Event("PRESENCE_UPDATE"));
    }

    async fn thread_create(&self, _ctx: Context, _thread: GuildChannel) {
        self.see(Seen::Event("THREAD_CREATE"));
    }

    async fn resume(&self, ctx: Context, _event: ResumedEvent) {
        self.see(Seen::Resumed {
            shard: ctx.shard_id.0,
        });
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let result = match &interaction {
            Interaction::Command(command) => Self::answer(&ctx, command).await,
            Interaction::Component(component) => Self::click(&ctx, component).await,
            Interaction::Autocomplete(typing) => {
                let typed = typing
                    .data
                    .autocomplete()
                    .map(|o| o.value.to_owned())
                    .unwrap_or_default();
                let choices = CreateAutocompleteResponse::new()
                    .add_string_choice(format!("{typed} (Squad)"), "squad")
                    .add_string_choice("Duo", "duo");
                typing
                    .create_response(&ctx.http, CreateInteractionResponse::Autocomplete(choices))
                    .await
            }
            _ => Ok(()),
        };
        if let Err(e) = result {
            eprintln!("test bot failed to answer an interaction: {e}");
        }
    }
}

/// Events seen so far, and a way to wait for more.
pub struct Events {
    rx: mpsc::UnboundedReceiver<Seen>,
    pub log: Vec<Seen>,
}

impl Events {
    /// The first event (already seen or still to come) for which `pick` returns something.
    pub async fn wait_for<T>(&mut self, what: &str, pick: impl Fn(&Seen) -> Option<T>) -> T {
        if let Some(found) = self.log.iter().find_map(&pick) {
            return found;
        }
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(seen)) => {
                    let found = pick(&seen);
                    self.log.push(seen);
                    if let Some(found) = found {
                        return found;
                    }
                }
                Ok(None) => panic!("the bot stopped while waiting for {what}"),
                Err(tokio::time::error::Elapsed { .. }) => panic!(
                    "timed out after {WAIT:?} waiting for {what}; saw {:#?}",
                    self.log
                ),
            }
        }
    }

    /// Waits until `n` seen events match.
    pub async fn wait_for_count(&mut self, what: &str, n: usize, matches: impl Fn(&Seen) -> bool) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while self.count(&matches) < n {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(seen)) => self.log.push(seen),
                Ok(None) => panic!("the bot stopped while waiting for {what}"),
                Err(tokio::time::error::Elapsed { .. }) => panic!(
                    "timed out waiting for {what}: {} of {n}",
                    self.count(&matches)
                ),
            }
        }
    }

    /// Takes in whatever arrived without waiting.
    pub fn drain(&mut self) {
        while let Ok(seen) = self.rx.try_recv() {
            self.log.push(seen);
        }
    }

    /// How many seen events match.
    pub fn count(&self, matches: impl Fn(&Seen) -> bool) -> usize {
        self.log.iter().filter(|s| matches(s)).count()
    }
}

/// A running serenity client.
pub struct Bot {
    pub http: Arc<Http>,
    /// serenity's cache, as the bot's own permission checks read it.
    pub cache: Arc<Cache>,
    pub shards: Arc<ShardManager>,
    pub events: Events,
}

impl Bot {
    /// Connects a serenity client to `server` with `intents`; `autoshard` asks
    /// `GET /gateway/bot` for the shard count.
    pub async fn connect(server: &RunningServer, intents: GatewayIntents, autoshard: bool) -> Self {
        let http = HttpBuilder::new(server.token())
            .proxy(server.base_url())
            .ratelimiter_disabled(true)
            .build();
        let (tx, rx) = mpsc::unbounded_channel();
        let mut client = ClientBuilder::new_with_http(http, intents)
            .event_handler(Recorder { tx })
            .await
            .expect("serenity client builds");
        let http = Arc::clone(&client.http);
        let cache = Arc::clone(&client.cache);
        let shards = Arc::clone(&client.shard_manager);
        tokio::spawn(async move {
            let result = if autoshard {
                client.start_autosharded().await
            } else {
                client.start().await
            };
            if let Err(e) = result {
                eprintln!("serenity client stopped: {e}");
            }
        });
        Self {
            http,
            cache,
            shards,
            events: Events {
                rx,
                log: Vec::new(),
            },
        }
    }

    /// Stops every shard.
    pub async fn stop(self) {
        self.shards.shutdown_all().await;
    }
}

/// A fakecord on a free port.
///
/// With `TRAKKER_REQUIRE_SERVICES=1` (the workspace's CI) a missing OpenAPI spec fails the test
/// instead of silently switching off request validation.
pub async fn fakecord(config: Config) -> (RunningServer, Fakecord) {
    let required = std::env::var("TRAKKER_REQUIRE_SERVICES").is_ok_and(|v| v.trim() == "1");
    let server = FakeDiscord::start(config.with_openapi_spec_required(required))
        .await
        .unwrap_or_else(|error| panic!("fakecord starts: {error}"));
    let client = server.client();
    (server, client)
}

/// fakecord with ada in "Squad", which has #general.
pub async fn ada_in_squad(config: Config) -> (RunningServer, Fakecord, GuildInfo) {
    let (server, fc) = fakecord(config).await;
    let guild = fc
        .create_guild(
            GuildSpec::new("Squad")
                .members(["ada"])
                .text_channel("general"),
        )
        .await
        .expect("guild");
    (server, fc, guild)
}

/// The guild id as serenity's type.
pub fn guild_id(id: fakecord::Snowflake) -> GuildId {
    GuildId::new(id.get())
}

/// serenity's REST client for `server`, as the bot builds it, without a gateway connection.
pub fn http(server: &RunningServer) -> Http {
    HttpBuilder::new(server.token())
        .proxy(server.base_url())
        .ratelimiter_disabled(true)
        .application_id(serenity::all::ApplicationId::new(
            server.application_id().get(),
        ))
        .build()
}
