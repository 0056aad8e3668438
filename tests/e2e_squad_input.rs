//! Squad stats refusals end to end, through fakecord: every /track, /untrack, /session, /season
//! and /config input the bot must refuse is answered with one ephemeral sentence and writes
//! nothing, checked against the bot's own database. Each group ends with a valid command that does
//! land, so a refusal that silently "succeeded" (or a check that refuses everything) fails here.

mod support;

use std::time::Duration;

use fakecord::api::{
    CommandInvocation, GuildInfo, GuildSpec, InteractionOutcome, MemberSpec, OptionSpec,
    PermissionSet,
};
use serde_json::Value;
use support::bot::{eventually, Bot};
use support::db::TempSqlite;
use support::stored::StoredId;
use trakker::domain::ids::{ChannelId, GuildId};
use trakker::domain::kills::LedgerEntry;
use trakker::store::{GuildSettings, Store, TrackerAccess};

/// How long the bot may take to answer one command.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

/// Discord option types, to forge values the client would never send for an integer option.
const STRING_OPTION: u8 = 3;
const NUMBER_OPTION: u8 = 10;

/// poise sends a choice as its index: `kind` is 0 kill, 1 teamkill; `mode` of
/// `/config tracker-role` is 0 everyone, 1 role, 2 managers.
const TEAMKILL: i64 = 1;
const EVERYONE_MODE: i64 = 0;
const ROLE_MODE: i64 = 1;
const MANAGERS_ONLY: i64 = 2;

/// Said by every refusal of an option poise itself could not read (a forged type or choice).
const NOTHING_CHANGED: &str = "nothing was changed";

/// One bot on a fresh SQLite file, one guild it has stored, and a handle on its database.
struct Squad {
    bot: Bot,
    database: TempSqlite,
    store: Box<dyn Store>,
    guild: GuildInfo,
}

impl Squad {
    /// Starts the bot and creates `spec`, waiting until the bot has stored the guild and seeded
    /// its game list (`GUILD_CREATE` is handled concurrently with the first commands otherwise).
    async fn start(spec: GuildSpec) -> Self {
        let database = TempSqlite::new();
        let bot = Bot::start(database.url()).await;
        let guild = bot.discord.create_guild(spec).await.expect("guild created");
        let store = trakker::store::connect(database.url(), false)
            .await
            .expect("open the bot's database");
        let id = GuildId(guild.id.0);
        let seeded = eventually(Duration::from_secs(20), || async {
            store.games(id).await.ok().filter(|games| !games.is_empty())
        })
        .await;
        assert!(
            seeded.is_some(),
            "the bot never stored guild {}\n{}",
            guild.name,
            bot.logs()
        );
        Self {
            bot,
            database,
            store,
            guild,
        }
    }

    fn id(&self) -> GuildId {
        GuildId(self.guild.id.0)
    }

    fn channel(&self, name: &str) -> ChannelId {
        ChannelId(self.guild.channel(name).expect("channel").0)
    }

    /// `user` runs `command` in the guild's first text channel.
    fn run(&self, user: &str, command: &str) -> CommandInvocation {
        CommandInvocation::new(self.guild.id, user, command).timeout(ANSWER_TIMEOUT)
    }

    /// `by` runs `/track player:<player> kills:<kills>`.
    fn track(&self, by: &str, player: &str, kills: impl Into<Value>) -> CommandInvocation {
        self.run(by, "track")
            .option(OptionSpec::new("player", player))
            .option(OptionSpec::new("kills", kills))
    }

    async fn ask(&self, invocation: CommandInvocation) -> InteractionOutcome {
        let command = invocation.command.clone();
        self.bot
            .discord
            .invoke_with(invocation)
            .await
            .unwrap_or_else(|error| panic!("/{command} answers: {error}\n{}", self.bot.logs()))
    }

    /// Every ledger entry of the guild, undone ones included, newest first.
    async fn ledger(&self) -> Vec<LedgerEntry> {
        self.store
            .history(self.id(), None, None, 100)
            .await
            .expect("read the ledger")
            .entries
    }

    async fn games(&self) -> Vec<String> {
        self.store.games(self.id()).await.expect("read the games")
    }

    async fn settings(&self) -> GuildSettings {
        self.store
            .settings(self.id())
            .await
            .expect("read the settings")
    }

    /// Running sessions in every channel of the guild, straight from the table.
    async fn running_sessions(&self) -> i64 {
        let pool = self.pool().await;
        let count = sqlx::query_scalar(
            "SELECT COUNT(*) FROM game_sessions WHERE guild_id = ?1 AND ended_at IS NULL",
        )
        .bind(self.id().to_db())
        .fetch_one(&pool)
        .await
        .expect("count running sessions");
        pool.close().await;
        count
    }

    /// Moves entry `id` `minutes` into the past, as if it had been recorded that long ago.
    async fn age_entry(&self, id: i64, minutes: i64) {
        let pool = self.pool().await;
        let aged =
            sqlx::query("UPDATE kill_ledger SET recorded_at = recorded_at - ?1 WHERE id = ?2")
                .bind(minutes * 60 * 1000)
                .bind(id)
                .execute(&pool)
                .await
                .expect("age the entry");
        assert_eq!(aged.rows_affected(), 1, "entry #{id} exists");
        pool.close().await;
    }

    async fn pool(&self) -> sqlx::SqlitePool {
        sqlx::SqlitePool::connect(self.database.url().expose())
            .await
            .expect("open the SQLite file")
    }

    /// Stops the bot, which must exit cleanly and never have failed a command on its side.
    async fn stop(self) {
        self.store.close().await;
        let (status, logs) = self.bot.stop().await;
        assert!(status.success(), "{logs}");
        assert!(
            !logs.contains("command failed"),
            "an internal error:\n{logs}"
        );
    }
}

/// A refusal: shown to the caller alone, one sentence, saying `phrase`.
#[track_caller]
fn assert_refused(outcome: &InteractionOutcome, phrase: &str) {
    assert!(outcome.ephemeral, "a refusal is ephemeral: {outcome:?}");
    assert!(
        outcome.content.contains(phrase),
        "expected “{phrase}” in: {}",
        outcome.content
    );
    assert!(
        outcome.content.ends_with('.') && !outcome.content.contains('\n'),
        "one sentence: {}",
        outcome.content
    );
    assert!(outcome.embeds.is_empty(), "no embed: {outcome:?}");
}

/// A command that went through: a public answer.
#[track_caller]
fn assert_public(outcome: &InteractionOutcome) {
    assert!(!outcome.ephemeral, "a public answer: {outcome:?}");
}

/// Ada owns the server (so has Manage Server), Bob and Cleo are plain members, Dani is a
/// referee, Turret is a bot.
fn squad_with_a_bot() -> GuildSpec {
    GuildSpec::new("Squad")
        .members(["ada", "bob", "cleo"])
        .role("Refs", ["SEND_MESSAGES"])
        .member(MemberSpec::new("dani").with_role("Refs"))
        .member(MemberSpec {
            bot: true,
            ..MemberSpec::new("turret")
        })
        .text_channel("general")
        .text_channel("raids")
}

/// Eve exists on Discord (and owns a server of her own), but is no member of the squad.
async fn eve_elsewhere(squad: &Squad) -> GuildInfo {
    squad
        .bot
        .discord
        .create_guild(
            GuildSpec::new("Elsewhere")
                .members(["eve"])
                .text_channel("lobby"),
        )
        .await
        .expect("second guild created")
}

/// A refusal case: what is wrong, the invocation, and the phrase the refusal must say.
type Case = (&'static str, CommandInvocation, &'static str);

/// /track with kill counts out of range, typed or forged past Discord's client.
fn invalid_counts(squad: &Squad) -> Vec<Case> {
    let forged = |kills: OptionSpec| {
        squad
            .run("bob", "track")
            .option(OptionSpec::new("player", "ada"))
            .option(kills)
    };
    vec![
        ("zero kills", squad.track("bob", "ada", 0), "from 1 to 100"),
        (
            "negative kills",
            squad.track("bob", "ada", -5),
            "from 1 to 100",
        ),
        ("101 kills", squad.track("bob", "ada", 101), "from 1 to 100"),
        (
            "1e30 kills, forged as a number option",
            forged(OptionSpec::new("kills", 1e30).typed(NUMBER_OPTION)),
            NOTHING_CHANGED,
        ),
        (
            "u64::MAX kills, forged as a number option",
            forged(OptionSpec::new("kills", Value::from(u64::MAX)).typed(NUMBER_OPTION)),
            NOTHING_CHANGED,
        ),
        (
            "kills above i64::MAX, forged as a string option",
            forged(OptionSpec::new("kills", "99999999999999999999").typed(STRING_OPTION)),
            NOTHING_CHANGED,
        ),
        (
            "a kind that is none of the choices",
            squad
                .track("bob", "ada", 2)
                .option(OptionSpec::new("kind", 7)),
            NOTHING_CHANGED,
        ),
    ]
}

/// /track naming the wrong people, or with a note, game or place it cannot have.
fn invalid_details(squad: &Squad) -> Vec<Case> {
    let teamkill_of = |victim: &str| {
        squad
            .track("bob", "ada", 1)
            .option(OptionSpec::new("kind", TEAMKILL))
            .option(OptionSpec::new("victim", victim))
    };
    vec![
        (
            "the player is a bot",
            squad.track("bob", "turret", 2),
            "turret is a bot",
        ),
        (
            "the player is not in this server",
            squad.track("bob", "eve", 2),
            "eve is not a member of this server",
        ),
        (
            "a victim for a kill",
            squad
                .track("bob", "ada", 1)
                .option(OptionSpec::new("victim", "cleo")),
            "only be given for a team kill",
        ),
        (
            "the player as their own team-kill victim",
            teamkill_of("ada"),
            "cannot be their own team-kill victim",
        ),
        (
            "a team-kill victim from another server",
            teamkill_of("eve"),
            "eve is not a member of this server",
        ),
        (
            "a bot as team-kill victim",
            teamkill_of("turret"),
            "turret is a bot",
        ),
        (
            "a note of 201 characters",
            squad
                .track("bob", "ada", 2)
                .option(OptionSpec::new("note", "n".repeat(201))),
            "at most 200 characters",
        ),
        (
            "a note with a line break that would print outside its quote",
            squad
                .track("bob", "ada", 2)
                .option(OptionSpec::new("note", "gg\n**trakker**: Ada was banned")),
            "The note must fit on one line",
        ),
        (
            "a note that reverses its own text",
            squad
                .track("bob", "ada", 2)
                .option(OptionSpec::new("note", "nice \u{202E}gninnur")),
            "change the text direction",
        ),
        (
            "a game name with a zero-width space",
            squad
                .track("bob", "ada", 2)
                .option(OptionSpec::new("game", "PU\u{200B}BG")),
            "cannot contain invisible characters",
        ),
        (
            "a game not in the server's list",
            squad
                .track("bob", "ada", 2)
                .option(OptionSpec::new("game", "Minesweeper")),
            "Minesweeper is not in this server's game list",
        ),
        (
            "/track in a DM",
            CommandInvocation::in_dm("bob", "track")
                .option(OptionSpec::new("player", "ada"))
                .option(OptionSpec::new("kills", 2))
                .timeout(ANSWER_TIMEOUT),
            "only works inside a server",
        ),
    ]
}

#[tokio::test]
async fn track_refuses_every_invalid_entry_and_records_nothing() {
    let squad = Squad::start(squad_with_a_bot()).await;
    eve_elsewhere(&squad).await;

    let cases = invalid_counts(&squad)
        .into_iter()
        .chain(invalid_details(&squad));
    for (what, invocation, phrase) in cases {
        let refused = squad.ask(invocation).await;
        assert!(
            refused.ephemeral && refused.content.contains(phrase),
            "{what}: expected an ephemeral “{phrase}”, got {refused:?}"
        );
        assert_refused(&refused, phrase);
        assert_eq!(squad.ledger().await, Vec::new(), "{what}: nothing recorded");
    }

    // Control: the same kind of /track, valid, lands exactly once.
    let tracked = squad
        .ask(
            squad
                .track("bob", "ada", 2)
                .option(OptionSpec::new("game", "pubg"))
                .option(OptionSpec::new("note", "n".repeat(200))),
        )
        .await;
    assert_public(&tracked);
    assert!(
        tracked.content.contains("**2** kills"),
        "{}",
        tracked.content
    );
    let ledger = squad.ledger().await;
    assert_eq!(ledger.len(), 1, "{ledger:?}");
    assert_eq!(
        ledger[0].game.as_deref(),
        Some("PUBG"),
        "the list's spelling"
    );

    // Control: a team kill may name a teammate.
    let teamkill = squad
        .ask(
            squad
                .track("bob", "ada", 1)
                .option(OptionSpec::new("kind", TEAMKILL))
                .option(OptionSpec::new("victim", "cleo")),
        )
        .await;
    assert_public(&teamkill);
    assert_eq!(squad.ledger().await.len(), 2, "one more entry");
    squad.stop().await;
}

#[tokio::test]
async fn stats_refuses_dms_bots_and_strangers() {
    let squad = Squad::start(squad_with_a_bot()).await;
    eve_elsewhere(&squad).await;

    let from_dm = squad
        .ask(CommandInvocation::in_dm("bob", "stats").timeout(ANSWER_TIMEOUT))
        .await;
    assert_refused(&from_dm, "only works inside a server");

    let of_a_bot = squad
        .ask(
            squad
                .run("bob", "stats")
                .option(OptionSpec::new("player", "turret")),
        )
        .await;
    assert_refused(&of_a_bot, "turret is a bot");

    let of_a_stranger = squad
        .ask(
            squad
                .run("bob", "stats")
                .option(OptionSpec::new("player", "eve")),
        )
        .await;
    assert_refused(&of_a_stranger, "eve is not a member of this server");

    // Control: the same command in the server answers with the stats embed.
    let own = squad.ask(squad.run("bob", "stats")).await;
    assert_public(&own);
    assert_eq!(own.embeds.len(), 1, "{own:?}");
    squad.stop().await;
}

#[tokio::test]
async fn sessions_refuse_an_end_without_one_and_a_second_start() {
    let squad = Squad::start(squad_with_a_bot()).await;
    let general = squad.channel("general");

    // /session end with none running.
    let nothing_to_end = squad.ask(squad.run("bob", "session end")).await;
    assert_refused(&nothing_to_end, "No session is running in this channel");
    assert_eq!(squad.running_sessions().await, 0);

    // /session start with a game not in the list.
    let unknown_game = squad
        .ask(
            squad
                .run("bob", "session start")
                .option(OptionSpec::new("game", "Minesweeper")),
        )
        .await;
    assert_refused(&unknown_game, "not in this server's game list");
    assert_eq!(squad.running_sessions().await, 0);

    // /session start in #raids with a name of 81 characters, and with a blank one.
    let long_name = squad
        .ask(
            squad
                .run("bob", "session start")
                .channel("raids")
                .option(OptionSpec::new("name", "R".repeat(81))),
        )
        .await;
    assert_refused(&long_name, "at most 80 characters");
    let blank_name = squad
        .ask(
            squad
                .run("bob", "session start")
                .channel("raids")
                .option(OptionSpec::new("name", "   ")),
        )
        .await;
    assert_refused(&blank_name, "cannot be empty");
    assert_eq!(squad.running_sessions().await, 0);

    // Control: the first /session start in #general succeeds.
    let started = squad
        .ask(
            squad
                .run("bob", "session start")
                .option(OptionSpec::new("game", "PUBG")),
        )
        .await;
    assert_public(&started);
    assert!(started.content.contains("started"), "{}", started.content);

    // A second /session start in the same channel is refused and changes nothing.
    let second = squad
        .ask(
            squad
                .run("cleo", "session start")
                .option(OptionSpec::new("game", "Fortnite")),
        )
        .await;
    assert_refused(&second, "already running in this channel");
    assert_eq!(squad.running_sessions().await, 1, "exactly one session");
    let running = squad
        .store
        .running_session(squad.id(), general)
        .await
        .expect("read the session")
        .expect("the first session still runs");
    assert_eq!(running.game.as_deref(), Some("PUBG"));

    // Control: ending it works, and then nothing runs.
    let ended = squad.ask(squad.run("bob", "session end")).await;
    assert_public(&ended);
    assert_eq!(squad.running_sessions().await, 0);
    squad.stop().await;
}

#[tokio::test]
async fn seasons_refuse_bad_names_and_members_without_manage_server() {
    let squad = Squad::start(squad_with_a_bot()).await;
    let no_seasons = || async { squad.store.seasons(squad.id()).await.expect("seasons") };

    // A name of 200 characters, by the owner.
    let too_long = squad
        .ask(
            squad
                .run("ada", "season start")
                .option(OptionSpec::new("name", "S".repeat(200))),
        )
        .await;
    assert_refused(&too_long, "at most 50 characters");
    assert!(no_seasons().await.is_empty());

    // A blank name.
    let blank = squad
        .ask(
            squad
                .run("ada", "season start")
                .option(OptionSpec::new("name", "   ")),
        )
        .await;
    assert_refused(&blank, "cannot be empty");
    assert!(no_seasons().await.is_empty());

    // A plain member, with the permissions fakecord computes from @everyone.
    let member = squad
        .ask(
            squad
                .run("bob", "season start")
                .option(OptionSpec::new("name", "Wipe 12")),
        )
        .await;
    assert_refused(&member, "Manage Server permission");
    assert!(no_seasons().await.is_empty());

    // A member whose interaction carries no permissions at all.
    let powerless = squad
        .ask(
            squad
                .run("cleo", "season start")
                .option(OptionSpec::new("name", "Wipe 12"))
                .permissions(PermissionSet::NONE),
        )
        .await;
    assert_refused(&powerless, "Manage Server permission");
    assert!(no_seasons().await.is_empty());

    // Control: the owner starts it.
    let started = squad
        .ask(
            squad
                .run("ada", "season start")
                .option(OptionSpec::new("name", "  Wipe 12 ")),
        )
        .await;
    assert_public(&started);
    let running = squad
        .store
        .running_season(squad.id())
        .await
        .expect("read the season")
        .expect("a season runs");
    assert_eq!(running.name, "Wipe 12");

    // A plain member cannot end it.
    let end_by_member = squad.ask(squad.run("bob", "season end")).await;
    assert_refused(&end_by_member, "Manage Server permission");
    let still = squad
        .store
        .running_season(squad.id())
        .await
        .expect("read the season");
    assert_eq!(still.map(|season| season.id), Some(running.id));

    // Control: the owner ends it; ending again has nothing to end.
    let ended = squad.ask(squad.run("ada", "season end")).await;
    assert_public(&ended);
    let again = squad.ask(squad.run("ada", "season end")).await;
    assert_refused(&again, "No season is running");
    let seasons = no_seasons().await;
    assert_eq!(seasons.len(), 1, "{seasons:?}");
    assert!(seasons[0].ended_at.is_some());
    squad.stop().await;
}

#[tokio::test]
async fn untrack_refuses_old_and_foreign_entries_and_keeps_them() {
    let squad = Squad::start(squad_with_a_bot()).await;
    assert_public(&squad.ask(squad.track("bob", "ada", 3)).await);
    let entry = squad.ledger().await[0].id;
    let still_counts = |what: &'static str| {
        let squad = &squad;
        async move {
            let ledger = squad.ledger().await;
            assert_eq!(ledger.len(), 1, "{what}: {ledger:?}");
            assert!(ledger[0].counts(), "{what}: entry #{entry} still counts");
        }
    };

    // Cleo, a plain member, takes back Bob's entry by its number.
    let foreign = squad
        .ask(
            squad
                .run("cleo", "untrack")
                .option(OptionSpec::new("entry", entry)),
        )
        .await;
    assert_refused(&foreign, "recorded by someone else");
    still_counts("someone else's entry").await;

    // Cleo has no entry of her own.
    let none_of_hers = squad.ask(squad.run("cleo", "untrack")).await;
    assert_refused(&none_of_hers, "You have no entry left to undo");
    still_counts("no entry of hers").await;

    // Entry numbers below 1 (the client's minimum, forged past it) and unknown numbers.
    let zero = squad
        .ask(
            squad
                .run("bob", "untrack")
                .option(OptionSpec::new("entry", 0)),
        )
        .await;
    assert_refused(&zero, "Entry numbers start at 1");
    let unknown = squad
        .ask(
            squad
                .run("bob", "untrack")
                .option(OptionSpec::new("entry", entry + 100)),
        )
        .await;
    assert_refused(&unknown, &format!("There is no entry #{}", entry + 100));
    still_counts("entry numbers that do not exist").await;

    // Eve owns another server, so is a manager there: its ledger still has no entry #1.
    let elsewhere = eve_elsewhere(&squad).await;
    let from_elsewhere = squad
        .ask(
            CommandInvocation::new(elsewhere.id, "eve", "untrack")
                .option(OptionSpec::new("entry", entry))
                .timeout(ANSWER_TIMEOUT),
        )
        .await;
    assert_refused(&from_elsewhere, &format!("There is no entry #{entry}"));
    still_counts("an entry of another server").await;

    // Bob's own entry, 16 minutes later: past the 15-minute window, by number and by default.
    squad.age_entry(entry, 16).await;
    let late = squad
        .ask(
            squad
                .run("bob", "untrack")
                .option(OptionSpec::new("entry", entry)),
        )
        .await;
    assert_refused(&late, "older than 15 minutes");
    let late_default = squad.ask(squad.run("bob", "untrack")).await;
    assert_refused(&late_default, "older than 15 minutes");
    still_counts("an entry past the undo window").await;

    // Control: a manager may undo it at any age.
    let by_manager = squad
        .ask(
            squad
                .run("ada", "untrack")
                .option(OptionSpec::new("entry", entry)),
        )
        .await;
    assert_public(&by_manager);
    assert!(!squad.ledger().await[0].counts(), "undone by the manager");
    let twice = squad
        .ask(
            squad
                .run("ada", "untrack")
                .option(OptionSpec::new("entry", entry)),
        )
        .await;
    assert_refused(&twice, "already undone");

    // Control: Bob undoes a fresh entry of his own.
    assert_public(&squad.ask(squad.track("bob", "cleo", 1)).await);
    let own = squad.ask(squad.run("bob", "untrack")).await;
    assert_public(&own);
    let ledger = squad.ledger().await;
    assert_eq!(ledger.len(), 2, "{ledger:?}");
    assert!(ledger.iter().all(|entry| !entry.counts()), "{ledger:?}");
    squad.stop().await;
}

/// `by` runs `/config tracker-role mode:<mode> [role:<role>]`.
fn tracker_rule(squad: &Squad, by: &str, mode: i64, role: Option<&str>) -> CommandInvocation {
    let invocation = squad
        .run(by, "config tracker-role")
        .option(OptionSpec::new("mode", mode));
    match role {
        Some(role) => invocation.option(OptionSpec::new("role", role)),
        None => invocation,
    }
}

#[tokio::test]
async fn config_is_for_managers_only() {
    let squad = Squad::start(squad_with_a_bot()).await;
    let games = squad.games().await;
    let settings = squad.settings().await;
    let add = |by: &str, name: &str| {
        squad
            .run(by, "config games add")
            .option(OptionSpec::new("name", name))
    };

    // A plain member adds a game.
    let add_by_member = squad.ask(add("bob", "Valorant")).await;
    assert_refused(&add_by_member, "Manage Server permission");
    assert_eq!(squad.games().await, games, "game list unchanged");

    // The same with no permissions at all in the interaction.
    let add_powerless = squad
        .ask(add("bob", "Valorant").permissions(PermissionSet::NONE))
        .await;
    assert_refused(&add_powerless, "Manage Server permission");
    assert_eq!(squad.games().await, games, "game list unchanged");

    // A plain member restricts /track.
    let rule_by_member = squad
        .ask(tracker_rule(&squad, "bob", MANAGERS_ONLY, None))
        .await;
    assert_refused(&rule_by_member, "Manage Server permission");
    assert_eq!(squad.settings().await, settings, "settings unchanged");

    // Even a manager cannot give the tracker rule a role it does not take, or leave one out.
    let role_without_role = squad
        .ask(tracker_rule(&squad, "ada", ROLE_MODE, None))
        .await;
    assert_refused(&role_without_role, "Pick the role trackers need");
    let everyone_with_role = squad
        .ask(tracker_rule(&squad, "ada", EVERYONE_MODE, Some("Refs")))
        .await;
    assert_refused(&everyone_with_role, "A role only goes with mode");
    for hours in [0, 169] {
        let idle = squad
            .ask(
                squad
                    .run("ada", "config session-idle")
                    .option(OptionSpec::new("hours", hours)),
            )
            .await;
        assert_refused(&idle, "must be 1 to 168 hours");
    }
    assert_eq!(squad.settings().await, settings, "settings unchanged");

    // Control: Bob with Manage Server in this interaction adds the game.
    let manage_server = PermissionSet::from_names(["MANAGE_GUILD"]).expect("a permission name");
    let added = squad
        .ask(add("bob", "Valorant").permissions(manage_server))
        .await;
    assert_public(&added);
    let now = squad.games().await;
    assert_eq!(now.len(), games.len() + 1, "{now:?}");
    assert!(now.iter().any(|game| game == "Valorant"), "{now:?}");

    // Adding it again under another case is refused.
    let duplicate = squad.ask(add("ada", "VALORANT")).await;
    assert_refused(&duplicate, "already in the game list");
    assert_eq!(squad.games().await, now, "game list unchanged");
    squad.stop().await;
}

#[tokio::test]
async fn the_tracker_rule_decides_who_may_track() {
    let squad = Squad::start(squad_with_a_bot()).await;

    // Control: the owner makes /track managers-only.
    let rule = squad
        .ask(tracker_rule(&squad, "ada", MANAGERS_ONLY, None))
        .await;
    assert_public(&rule);
    assert_eq!(
        squad.settings().await.tracker_access,
        TrackerAccess::Managers
    );

    // Now a plain member cannot /track.
    let by_member = squad.ask(squad.track("bob", "ada", 2)).await;
    assert_refused(&by_member, "only lets its trackers record kills");
    assert_eq!(squad.ledger().await, Vec::new(), "nothing recorded");

    // Control: a manager still can, exactly once.
    assert_public(&squad.ask(squad.track("ada", "bob", 2)).await);
    assert_eq!(squad.ledger().await.len(), 1);

    // With the rule "members with Refs", Bob is still refused and Dani, a referee, may track.
    let refs = squad
        .ask(tracker_rule(&squad, "ada", ROLE_MODE, Some("Refs")))
        .await;
    assert_public(&refs);
    let by_member = squad.ask(squad.track("bob", "ada", 2)).await;
    assert_refused(&by_member, "only lets its trackers record kills");
    assert_eq!(squad.ledger().await.len(), 1, "nothing recorded");
    assert_public(&squad.ask(squad.track("dani", "bob", 2)).await);
    assert_eq!(squad.ledger().await.len(), 2, "the referee's entry");
    squad.stop().await;
}

/// Discord never lists `@everyone` among a member's roles, so a tracker rule on `@everyone` must
/// mean "everyone", not "nobody but managers".
#[tokio::test]
async fn a_tracker_rule_on_everyone_does_not_lock_members_out() {
    let squad = Squad::start(squad_with_a_bot()).await;
    let rule = squad
        .ask(tracker_rule(&squad, "ada", ROLE_MODE, Some("@everyone")))
        .await;
    if rule.ephemeral {
        assert_eq!(
            squad.settings().await.tracker_access,
            TrackerAccess::Everyone,
            "a refused rule changes nothing"
        );
    } else {
        let by_member = squad.ask(squad.track("bob", "ada", 2)).await;
        assert_public(&by_member);
        assert_eq!(squad.ledger().await.len(), 1, "{}", by_member.content);
    }
    squad.stop().await;
}

#[tokio::test]
async fn look_alike_and_invisible_names_are_refused_and_mentions_never_ping() {
    let squad = Squad::start(squad_with_a_bot()).await;
    let games = squad.games().await;
    let add = |name: &str| {
        squad
            .run("ada", "config games add")
            .option(OptionSpec::new("name", name))
    };
    for (what, name, phrase) in [
        (
            "a zero-width joiner",
            "Apex\u{200D}Legends",
            "invisible characters",
        ),
        (
            "a byte-order mark",
            "\u{FEFF}Valorant",
            "invisible characters",
        ),
        (
            "a right-to-left override",
            "\u{202E}tnaroliV",
            "change the text direction",
        ),
        (
            "a left-to-right isolate",
            "Valorant\u{2066}",
            "change the text direction",
        ),
        (
            "nothing visible",
            "\u{2800}\u{2800}",
            "invisible characters",
        ),
        ("a line break", "Valorant\nRanked", "must fit on one line"),
        (
            "full-width letters of a listed game",
            "ＡＰＥＸ ＬＥＧＥＮＤＳ",
            "already in the game list",
        ),
        (
            "another case and spacing of a listed game",
            "  apex   LEGENDS ",
            "already in the game list",
        ),
    ] {
        let refused = squad.ask(add(name)).await;
        assert!(refused.ephemeral, "{what}: {refused:?}");
        assert_refused(&refused, phrase);
        assert_eq!(squad.games().await, games, "{what}: game list unchanged");
    }
    let season = squad
        .ask(
            squad
                .run("ada", "season start")
                .option(OptionSpec::new("name", "Wipe\u{200B} 12")),
        )
        .await;
    assert_refused(&season, "invisible characters");

    // A name that mentions a member and @everyone is echoed, and pings nobody: `Bot::stop`
    // checks every message's allowed mentions.
    let ada = squad.guild.user("ada").expect("ada").0;
    let loud = format!("<@{ada}> @everyone fans");
    let added = squad.ask(add(&loud)).await;
    assert_public(&added);
    assert!(added.content.contains(&loud), "{}", added.content);
    // Typed with a full-width letter, the game is still found for /track.
    let tracked = squad
        .ask(
            squad
                .track("bob", "ada", 1)
                .option(OptionSpec::new("game", "ｐｕｂｇ")),
        )
        .await;
    assert_public(&tracked);
    assert_eq!(squad.ledger().await[0].game.as_deref(), Some("PUBG"));
    squad.stop().await;
}
