//! /privacy: each member's control over what the bot records about them in this server. Every
//! answer is private and every choice takes effect at once.

use chrono::{DateTime, Utc};
use poise::serenity_prelude as serenity;

use crate::app::App;
use crate::community::privacy::EraseError;
use crate::discord::members::member_record;
use crate::discord::{checks, reply, CommandError, Context};
use crate::domain::ids::{GuildId, UserId};
use crate::store::privacy::{Erased, PrivacyChoices, RecordedAbout};
use crate::store::MemberRecord;

/// What the bot records about you in this server, and your choices.
#[poise::command(
    slash_command,
    guild_only,
    subcommands(
        "show",
        "opt_out",
        "opt_in",
        "hide",
        "unhide",
        "export",
        "erase",
        "erase_member"
    ),
    subcommand_required
)]
#[expect(
    clippy::unused_async,
    reason = "Discord only runs the subcommands; the parent answers forged or stale calls"
)]
pub async fn privacy(ctx: Context<'_>) -> Result<(), CommandError> {
    checks::subcommand_required(ctx)
}

/// What the bot holds about you here, and your current choices.
#[poise::command(slash_command, guild_only)]
pub async fn show(ctx: Context<'_>) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let user = UserId(ctx.author().id.get());
    let store = &ctx.data().store;
    let choices = store.privacy_choices(guild, user).await?;
    let recorded = store.recorded_about(guild, user).await?;
    let embed = serenity::CreateEmbed::new()
        .title("Your privacy in this server")
        .description(summary(choices, &recorded));
    reply::send(ctx, reply::private().embed(embed)).await?;
    Ok(())
}

/// Stop recording your activity here (messages, emojis, voice, games, invites).
#[poise::command(slash_command, guild_only, rename = "opt-out")]
pub async fn opt_out(ctx: Context<'_>) -> Result<(), CommandError> {
    set_tracking(ctx, true).await
}

/// Start recording your activity here again.
#[poise::command(slash_command, guild_only, rename = "opt-in")]
pub async fn opt_in(ctx: Context<'_>) -> Result<(), CommandError> {
    set_tracking(ctx, false).await
}

/// Leave yourself out of every chart, ranking and other members' lists (still recorded).
#[poise::command(slash_command, guild_only)]
pub async fn hide(ctx: Context<'_>) -> Result<(), CommandError> {
    set_hidden(ctx, true).await
}

/// Appear in charts, rankings and other members' lists again.
#[poise::command(slash_command, guild_only)]
pub async fn unhide(ctx: Context<'_>) -> Result<(), CommandError> {
    set_hidden(ctx, false).await
}

/// Everything the bot holds about you here, as one JSON file sent to you alone.
#[poise::command(slash_command, guild_only)]
pub async fn export(ctx: Context<'_>) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let user = UserId(ctx.author().id.get());
    reply::defer_as(ctx, true).await?;
    let export = ctx.data().store.member_export(guild, user).await?;
    if !export.holds_anything() {
        return Err(CommandError::user(
            "Nothing is recorded about you in this server, so there is nothing to export.",
        ));
    }
    let json = serde_json::to_vec_pretty(&export)
        .map_err(|error| anyhow::anyhow!("the export could not be written: {error}"))?;
    if json.len() > EXPORT_LIMIT {
        return Err(CommandError::user(
            "What is recorded about you here is larger than Discord lets a bot send in one \
             file; ask the server's operator for an export.",
        ));
    }
    let file = format!("trakker-{}-{}.json", guild.0, user.0);
    let text = format!(
        "Everything recorded about you in this server as of <t:{}:f>.",
        Utc::now().timestamp()
    );
    let reply = reply::private()
        .content(text)
        .attachment(serenity::CreateAttachment::bytes(json, file));
    reply::send(ctx, reply).await.map(drop)
}

/// Erase everything recorded about you here (asks you to confirm first).
#[poise::command(slash_command, guild_only)]
pub async fn erase(ctx: Context<'_>) -> Result<(), CommandError> {
    checks::guild(ctx)?;
    let me = UserId(ctx.author().id.get());
    let text = "This erases everything trakker recorded about you in this server: your \
                messages, emoji and command counts, voice stays, games, joins, schedule, time \
                zone and rank. Kills you recorded or took part in stay in the squad's ledger \
                without your name, so the others' totals stay right. **This cannot be undone.**";
    ask_to_confirm(ctx, text.to_owned(), me).await
}

/// Erase what is recorded about a member who left this server (managers; asks to confirm).
#[poise::command(slash_command, guild_only, rename = "erase-member")]
pub async fn erase_member(
    ctx: Context<'_>,
    #[description = "The member's user id (or mention); they must have left the server"]
    #[max_length = 40]
    member: String,
) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let settings = ctx.data().store.settings(guild).await?;
    checks::require_manager(&checks::caller(ctx), &settings)?;
    let subject = parse_user(&member).ok_or_else(|| {
        CommandError::user("Give the member's user id, e.g. `175928847299117063`, or a mention.")
    })?;
    refuse_present_member(ctx.serenity_context(), guild, subject).await?;
    // An id from another server, or one already erased: say so rather than log an erasure of
    // nothing.
    if !ctx
        .data()
        .store
        .member_export(guild, subject)
        .await?
        .holds_anything()
    {
        return Err(CommandError::user(format!(
            "Nothing is recorded about {} in this server; there is nothing to erase.",
            crate::discord::render::mention(subject)
        )));
    }
    let text = format!(
        "This erases everything trakker recorded about {} in this server; their kills stay in \
         the squad's ledger without their name. The erasure is logged with your name. \
         **This cannot be undone.**",
        crate::discord::render::mention(subject)
    );
    ask_to_confirm(ctx, text, subject).await
}

/// Answers privately with `text` and the buttons that erase `subject`'s data, for the caller
/// alone to press.
async fn ask_to_confirm(ctx: Context<'_>, text: String, subject: UserId) -> Result<(), CommandError> {
    let confirm = Confirmation {
        action: Action::Erase,
        actor: UserId(ctx.author().id.get()),
        subject,
        issued: Utc::now().timestamp(),
    };
    let reply = reply::private()
        .content(text)
        .components(vec![confirm.buttons()]);
    reply::send(ctx, reply).await.map(drop)
}

/// What the custom ids of the erase confirmation start with.
pub const ERASE_PREFIX: &str = "privacy:";

/// How long an erase confirmation may be clicked.
const CONFIRM_FOR_SECONDS: i64 = 10 * 60;

/// The two buttons of an erase confirmation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Erase,
    Keep,
}

/// A confirmation button: who may click it, whose data it erases and when it was offered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Confirmation {
    action: Action,
    actor: UserId,
    subject: UserId,
    issued: i64,
}

impl Confirmation {
    fn custom_id(self) -> String {
        let action = match self.action {
            Action::Erase => "erase",
            Action::Keep => "keep",
        };
        format!(
            "{ERASE_PREFIX}{action}:{}:{}:{}",
            self.actor, self.subject, self.issued
        )
    }

    fn parse(custom_id: &str) -> Option<Self> {
        let mut parts = custom_id.strip_prefix(ERASE_PREFIX)?.split(':');
        let action = match parts.next()? {
            "erase" => Action::Erase,
            "keep" => Action::Keep,
            _ => return None,
        };
        let mut id = || parts.next()?.parse::<u64>().ok().filter(|id| *id != 0);
        let (actor, subject) = (UserId(id()?), UserId(id()?));
        let issued = parts.next()?.parse::<i64>().ok()?;
        parts.next().is_none().then_some(Self {
            action,
            actor,
            subject,
            issued,
        })
    }

    fn buttons(self) -> serenity::CreateActionRow {
        let keep = Self {
            action: Action::Keep,
            ..self
        };
        serenity::CreateActionRow::Buttons(vec![
            serenity::CreateButton::new(self.custom_id())
                .label("Erase everything")
                .style(serenity::ButtonStyle::Danger),
            serenity::CreateButton::new(keep.custom_id())
                .label("Cancel")
                .style(serenity::ButtonStyle::Secondary),
        ])
    }

    /// Whether it can still be clicked at `now` (a forged time in the future cannot).
    fn current(self, now: DateTime<Utc>) -> bool {
        (0..=CONFIRM_FOR_SECONDS).contains(&(now.timestamp() - self.issued))
    }
}

/// A user id typed as digits or as a mention.
fn parse_user(typed: &str) -> Option<UserId> {
    let digits = typed
        .trim()
        .trim_start_matches("<@")
        .trim_start_matches('!')
        .trim_end_matches('>');
    digits
        .parse::<u64>()
        .ok()
        .filter(|id| *id != 0)
        .map(UserId)
}

/// Discord's error code for a user who is not a member of the guild.
const UNKNOWN_MEMBER: isize = 10_007;
/// Discord's error code for an id that is no user.
const UNKNOWN_USER: isize = 10_013;

/// Refuses to let managers erase someone still in the server: only members erase themselves.
async fn refuse_present_member(
    ctx: &serenity::Context,
    guild: GuildId,
    user: UserId,
) -> Result<(), CommandError> {
    let (Some(guild), Some(user_id)) = (
        std::num::NonZeroU64::new(guild.0),
        std::num::NonZeroU64::new(user.0),
    ) else {
        return Err(CommandError::user("That is not a user id."));
    };
    match ctx
        .http
        .get_member(serenity::GuildId::from(guild), serenity::UserId::from(user_id))
        .await
    {
        Ok(_) => Err(CommandError::user(format!(
            "{} is still a member of this server: only they can erase their data, with \
             `/privacy erase`.",
            crate::discord::render::mention(user)
        ))),
        // Unknown Member, or Unknown User for an id that is no account at all.
        Err(serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response)))
            if matches!(response.error.code, UNKNOWN_MEMBER | UNKNOWN_USER) =>
        {
            Ok(())
        }
        Err(error) => Err(error.into()),
    }
}

/// Answers a click on an erase confirmation: erases, or says nothing was.
///
/// # Errors
/// When Discord refuses the answer.
pub async fn on_component(
    ctx: &serenity::Context,
    app: &App,
    click: &serenity::ComponentInteraction,
) -> Result<(), CommandError> {
    reply::answer_click(ctx, click, "erase confirmation", confirmed(ctx, app, click)).await
}

async fn confirmed(
    ctx: &serenity::Context,
    app: &App,
    click: &serenity::ComponentInteraction,
) -> Result<reply::ClickUpdate, CommandError> {
    let (Some(guild), Some(confirm)) = (click.guild_id, Confirmation::parse(&click.data.custom_id))
    else {
        return Err(CommandError::user(crate::discord::events::STALE_COMPONENT_REPLY));
    };
    let guild = GuildId(guild.get());
    if UserId(click.user.id.get()) != confirm.actor {
        return Err(CommandError::user("This button belongs to someone else's command."));
    }
    let done = |text: String| reply::ClickUpdate {
        content: Some(text),
        ..reply::ClickUpdate::default()
    };
    if confirm.action == Action::Keep {
        return Ok(done("Nothing was erased.".to_owned()));
    }
    if !confirm.current(Utc::now()) {
        return Ok(done(
            "This confirmation expired and nothing was erased; run the command again.".to_owned(),
        ));
    }
    let for_someone_else = confirm.actor != confirm.subject;
    if for_someone_else {
        // Checked again at the click: the role or the member's presence may have changed.
        let settings = app.store.settings(guild).await?;
        checks::require_manager(&checks::clicker(click), &settings)?;
        refuse_present_member(ctx, guild, confirm.subject).await?;
    }
    let by = for_someone_else.then_some(confirm.actor);
    let erased = crate::community::privacy::erase(app, guild, confirm.subject, by)
        .await
        .map_err(|error| match error {
            EraseError::Store(error) => CommandError::from(error),
            EraseError::Cache(_) => CommandError::user(
                "Everything was erased from the database, but the leaderboards' copies could not \
                 be cleared because the cache is not answering. Run the command again in a \
                 minute to finish.",
            ),
        })?;
    let choices = app.store.privacy_choices(guild, confirm.subject).await?;
    Ok(done(erased_text(for_someone_else, erased, choices.opted_out)))
}

/// The sentence after an erasure.
fn erased_text(for_someone_else: bool, erased: Erased, opted_out: bool) -> String {
    let whose = if for_someone_else { "about them" } else { "about you" };
    let mut text = format!(
        "Done: everything recorded {whose} in this server is erased ({} rows deleted; {} \
         ledger entries, sessions and invites no longer name {}).",
        erased.deleted,
        erased.anonymised,
        if for_someone_else { "them" } else { "you" }
    );
    if !for_someone_else {
        text.push_str(if opted_out {
            " You stay opted out: nothing new is recorded."
        } else {
            " New activity is recorded from now on; `/privacy opt-out` stops that."
        });
    }
    text
}

/// The largest file the export sends: Discord's upload limit for bots is 10 MiB.
const EXPORT_LIMIT: usize = 9 * 1024 * 1024;

async fn set_tracking(ctx: Context<'_>, opted_out: bool) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let member = caller_record(ctx).await?;
    let app = ctx.data();
    let changed = app
        .store
        .set_tracking_opt_out(guild, &member, opted_out, app.now())
        .await?;
    // This process receives the server's events, so it stops counting now; any other process
    // leaves the member out of its next flush, since the writer reads the choice in the store.
    refresh_opt_outs(ctx, guild).await?;
    let sentence = match (opted_out, changed) {
        (true, true) => {
            "Done: nothing more about your activity is recorded here from now on. What was \
             recorded before stays until you erase it; `/privacy opt-in` turns recording back on."
        }
        (true, false) => "Your activity here is already not recorded.",
        (false, true) => "Done: your activity here is recorded again from now on.",
        (false, false) => "Your activity here is already recorded.",
    };
    reply::private_text(ctx, sentence).await
}

async fn set_hidden(ctx: Context<'_>, hidden: bool) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let member = caller_record(ctx).await?;
    let changed = ctx.data().store.set_hidden(guild, &member, hidden).await?;
    let sentence = match (hidden, changed) {
        (true, true) => {
            "Done: you no longer appear in charts, rankings or other members' lists here. \
             Your activity is still recorded; `/privacy unhide` shows you again."
        }
        (true, false) => "You are already hidden here.",
        (false, true) => "Done: you appear in charts, rankings and members' lists here again.",
        (false, false) => "You are not hidden here.",
    };
    reply::private_text(ctx, sentence).await
}

/// The caller as a member record, to create their row if the store has not seen them yet.
async fn caller_record(ctx: Context<'_>) -> Result<MemberRecord, CommandError> {
    let member = ctx
        .author_member()
        .await
        .ok_or_else(|| CommandError::user("This only works inside a server you are a member of."))?;
    Ok(member_record(&member))
}

async fn refresh_opt_outs(ctx: Context<'_>, guild: GuildId) -> Result<(), CommandError> {
    let app = ctx.data();
    let users = app.store.opted_out_members(guild).await?;
    app.telemetry.set_opted_out(guild, &users);
    Ok(())
}

/// The embed's text: the choices, then what is held, kind by kind.
fn summary(choices: PrivacyChoices, recorded: &RecordedAbout) -> String {
    let tracking = if choices.opted_out {
        "**Activity tracking:** off — nothing new is recorded (`/privacy opt-in` to turn it on)."
    } else {
        "**Activity tracking:** on (`/privacy opt-out` to stop it)."
    };
    let shown = if choices.hidden {
        "**Shown to others:** no — you are left out of charts and rankings (`/privacy unhide`)."
    } else {
        "**Shown to others:** yes, in charts and rankings (`/privacy hide` to leave them)."
    };
    let lines = [
        (recorded.message_hours, "hours with messages (counts, never content)"),
        (recorded.emoji_hours, "hours with emojis or reactions"),
        (recorded.command_hours, "hours with other apps' commands"),
        (recorded.voice_stays, "stays in voice channels"),
        (recorded.voice_flag_changes, "mute, deafen, stream or camera changes in voice"),
        (recorded.game_sessions, "games played"),
        (recorded.joins, "joins of this server"),
        (recorded.invited, "members who joined with your invites"),
        (recorded.kills, "kill ledger entries as player or victim"),
        (recorded.schedule_entries, "schedule entries"),
    ];
    let mut text = format!("{tracking}\n{shown}\n\n**What is recorded about you here:**\n");
    let held: Vec<String> = lines
        .iter()
        .filter(|(count, _)| *count > 0)
        .map(|(count, what)| format!("• {count} {what}"))
        .collect();
    if held.is_empty() {
        text.push_str("Nothing yet.");
    } else {
        text.push_str(&held.join("\n"));
    }
    text.push_str("\n\nMessage content is never stored.");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confirmations_round_trip_and_forged_or_expired_ones_are_refused() {
        let confirm = Confirmation {
            action: Action::Erase,
            actor: UserId(7),
            subject: UserId(9),
            issued: 1_800_000_000,
        };
        assert_eq!(Confirmation::parse(&confirm.custom_id()), Some(confirm));
        for forged in [
            "privacy:erase:7:9",
            "privacy:erase:0:9:1",
            "privacy:erase:7:x:1",
            "privacy:burn:7:9:1",
            "privacy:erase:7:9:1:extra",
            "week:erase:7:9:1",
        ] {
            assert_eq!(Confirmation::parse(forged), None, "{forged}");
        }
        let issued = DateTime::from_timestamp(confirm.issued, 0).expect("a time");
        assert!(confirm.current(issued));
        assert!(confirm.current(issued + chrono::Duration::minutes(10)));
        assert!(!confirm.current(issued + chrono::Duration::minutes(11)), "expired");
        assert!(!confirm.current(issued - chrono::Duration::minutes(1)), "from the future");
    }

    #[test]
    fn user_ids_are_read_from_digits_or_mentions() {
        assert_eq!(parse_user("175928847299117063"), Some(UserId(175_928_847_299_117_063)));
        assert_eq!(parse_user(" <@!42> "), Some(UserId(42)));
        assert_eq!(parse_user("<@42>"), Some(UserId(42)));
        for bad in ["", "0", "-5", "bob", "<@&42>", "99999999999999999999"] {
            assert_eq!(parse_user(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_summary_lists_only_what_is_held_and_says_content_is_never_stored() {
        let recorded = RecordedAbout {
            message_hours: 12,
            voice_stays: 3,
            ..RecordedAbout::default()
        };
        let text = summary(
            PrivacyChoices {
                opted_out: true,
                hidden: false,
            },
            &recorded,
        );
        assert!(text.contains("**Activity tracking:** off"), "{text}");
        assert!(text.contains("**Shown to others:** yes"), "{text}");
        assert!(text.contains("• 12 hours with messages"), "{text}");
        assert!(text.contains("• 3 stays in voice channels"), "{text}");
        assert!(!text.contains("games played"), "nothing held, not listed: {text}");
        assert!(text.ends_with("Message content is never stored."), "{text}");
        let empty = summary(PrivacyChoices::default(), &RecordedAbout::default());
        assert!(empty.contains("Nothing yet."), "{empty}");
    }
}
