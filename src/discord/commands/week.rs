//! /schedule week and /schedule show: a member's weekly schedule, set once with two menus
//! (weekdays, hours) and Save or Clear buttons on a private message.
//!
//! The menus and buttons carry everything in their custom ids
//! (`week:{what}:{member}:{days}:{hours}`: the member whose week it is, and the picks so far as
//! bit masks), so the editor needs no state and survives a restart. Every value a click sends is
//! checked again: a forged click can send any weekday, hour or number of values.

use chrono::Weekday;
use chrono_tz::Tz;
use poise::serenity_prelude as serenity;

use crate::app::App;
use crate::discord::{checks, reply, CommandError, Context};
use crate::domain::ids::{GuildId, UserId};
use crate::domain::schedule::WeeklySchedule;
use crate::schedule::GuildPlan;

/// The custom-id prefix of the editor's menus and buttons.
pub const PREFIX: &str = "week:";

const DAYS: [(&str, Weekday); 7] = [
    ("Monday", Weekday::Mon),
    ("Tuesday", Weekday::Tue),
    ("Wednesday", Weekday::Wed),
    ("Thursday", Weekday::Thu),
    ("Friday", Weekday::Fri),
    ("Saturday", Weekday::Sat),
    ("Sunday", Weekday::Sun),
];

/// Set your weekly schedule: the days and hours you usually play (a manager may set a member's).
#[poise::command(slash_command, guild_only, ephemeral)]
pub async fn week(
    ctx: Context<'_>,
    #[description = "Another member (managers only)"] member: Option<serenity::User>,
) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let caller = UserId(ctx.author().id.get());
    let target = match &member {
        Some(member) => checks::member_option(ctx, member)?,
        None => caller,
    };
    may_edit(ctx.data(), guild, caller, target, &checks::caller(ctx)).await?;
    let app = ctx.data();
    let plan = plan(app, guild).await?;
    let zone = member_zone(app, guild, target, &plan).await?;
    let current = WeeklySchedule::from_masks(app.store.weekly_schedule(guild, target).await?)
        .unwrap_or_default();
    let (days, hours) = picks_of(&current);
    let offered = offered_hours(app, &plan, zone);
    reply::send(
        ctx,
        reply::private()
            .content(editor_text(target, zone, &current))
            .components(editor(target, days, hours & offered_mask(&offered), &offered)),
    )
    .await?;
    Ok(())
}

/// See your weekly schedule or a member's.
#[poise::command(slash_command, guild_only)]
pub async fn show(
    ctx: Context<'_>,
    #[description = "The member (default: you)"] member: Option<serenity::User>,
) -> Result<(), CommandError> {
    let guild = checks::guild(ctx)?;
    let target = match &member {
        Some(member) => checks::member_option(ctx, member)?,
        None => UserId(ctx.author().id.get()),
    };
    let app = ctx.data();
    let plan = plan(app, guild).await?;
    let zone = member_zone(app, guild, target, &plan).await?;
    let week = WeeklySchedule::from_masks(app.store.weekly_schedule(guild, target).await?)
        .unwrap_or_default();
    let private = target.0 != ctx.author().id.get()
        && app
            .store
            .member_zone(guild, target)
            .await?
            .is_some_and(|zone| zone.private);
    let mut text = describe(target, zone, &week);
    if private {
        // The hours are on the member's clock; naming it would tell their zone.
        text = text.replace(&format!("({})", zone.name()), "(on their own clock, which they keep private)");
    }
    reply::private_text(ctx, &text).await
}

/// The guild's post, which a weekly schedule needs (its hours are the window's).
async fn plan(app: &App, guild: GuildId) -> Result<GuildPlan, CommandError> {
    app.schedules.plan(guild).await?.ok_or_else(|| {
        CommandError::user(
            "This server has no daily post yet; a manager can start one with /schedule setup.",
        )
    })
}

/// The zone a member's week is kept in: theirs, or the server's.
async fn member_zone(
    app: &App,
    guild: GuildId,
    member: UserId,
    plan: &GuildPlan,
) -> Result<Tz, CommandError> {
    Ok(app
        .store
        .member_zone(guild, member)
        .await?
        .and_then(|zone| zone.timezone.parse().ok())
        .unwrap_or(plan.plan.tz))
}

/// Members edit their own week; managers anyone's.
async fn may_edit(
    app: &App,
    guild: GuildId,
    caller: UserId,
    target: UserId,
    who: &crate::domain::access::Caller,
) -> Result<(), CommandError> {
    if caller == target {
        return Ok(());
    }
    let settings = app.store.settings(guild).await?;
    checks::require_manager(who, &settings)
}

/// The hours the editor offers, on the member's clock: the window's hours as they fall today.
fn offered_hours(app: &App, plan: &GuildPlan, zone: Tz) -> Vec<u8> {
    let now = app.schedules.now();
    let today = now.with_timezone(&plan.plan.tz).date_naive();
    let mut hours: Vec<u8> = Vec::new();
    for slot in plan.plan.slots(today) {
        let local = slot.starts_at.with_timezone(&zone);
        let hour = u8::try_from(chrono::Timelike::hour(&local)).unwrap_or(0);
        if !hours.contains(&hour) {
            hours.push(hour);
        }
    }
    hours
}

fn offered_mask(hours: &[u8]) -> u32 {
    hours.iter().fold(0, |mask, hour| mask | 1 << hour)
}

/// The days and hours picked in a schedule, as the editor shows them.
fn picks_of(week: &WeeklySchedule) -> (u8, u32) {
    let masks = week.to_masks();
    let days = (0..7).fold(0_u8, |days, day| {
        if masks[day] == 0 {
            days
        } else {
            days | 1 << day
        }
    });
    (days, masks.iter().fold(0, |all, mask| all | mask))
}

fn editor_text(target: UserId, zone: Tz, current: &WeeklySchedule) -> String {
    format!(
        "{}\nPick the days and the hours you usually play (on {} time), then Save: your week \
         becomes those hours on those days. Clear removes it.",
        describe(target, zone, current),
        zone.name()
    )
}

fn describe(target: UserId, zone: Tz, week: &WeeklySchedule) -> String {
    if week.is_empty() {
        return format!("<@{target}> has no weekly schedule.");
    }
    let lines: Vec<String> = DAYS
        .iter()
        .filter_map(|(name, day)| {
            let hours: Vec<String> = week
                .hours_of(*day)
                .map(|hour| format!("{hour:02}:00"))
                .collect();
            (!hours.is_empty()).then(|| format!("{name}: {}", hours.join(", ")))
        })
        .collect();
    format!(
        "<@{target}>'s weekly schedule ({}):\n{}",
        zone.name(),
        lines.join("\n")
    )
}

/// The editor's rows with `days` and `hours` picked.
fn editor(target: UserId, days: u8, hours: u32, offered: &[u8]) -> Vec<serenity::CreateActionRow> {
    let state = format!("{target}:{days}:{hours}");
    let day_options = DAYS
        .iter()
        .enumerate()
        .map(|(index, (name, _))| {
            serenity::CreateSelectMenuOption::new(*name, index.to_string())
                .default_selection(days & 1 << index != 0)
        })
        .collect();
    let hour_options: Vec<serenity::CreateSelectMenuOption> = offered
        .iter()
        .map(|hour| {
            serenity::CreateSelectMenuOption::new(format!("{hour:02}:00"), hour.to_string())
                .default_selection(hours & 1 << hour != 0)
        })
        .collect();
    let hour_count = u8::try_from(hour_options.len()).unwrap_or(u8::MAX);
    let mut rows = vec![serenity::CreateActionRow::SelectMenu(
        serenity::CreateSelectMenu::new(
            format!("{PREFIX}days:{state}"),
            serenity::CreateSelectMenuKind::String {
                options: day_options,
            },
        )
        .placeholder("Days")
        .min_values(0)
        .max_values(7),
    )];
    if hour_count > 0 {
        rows.push(serenity::CreateActionRow::SelectMenu(
            serenity::CreateSelectMenu::new(
                format!("{PREFIX}hours:{state}"),
                serenity::CreateSelectMenuKind::String {
                    options: hour_options,
                },
            )
            .placeholder("Hours")
            .min_values(0)
            .max_values(hour_count),
        ));
    }
    rows.push(serenity::CreateActionRow::Buttons(vec![
        serenity::CreateButton::new(format!("{PREFIX}save:{state}"))
            .label("Save")
            .style(serenity::ButtonStyle::Success),
        serenity::CreateButton::new(format!("{PREFIX}clear:{state}"))
            .label("Clear")
            .style(serenity::ButtonStyle::Danger),
    ]));
    rows
}

/// What a click on the editor asks for.
#[derive(Debug, PartialEq, Eq)]
struct Click {
    action: Action,
    target: UserId,
    days: u8,
    hours: u32,
}

#[derive(Debug, PartialEq, Eq)]
enum Action {
    Days,
    Hours,
    Save,
    Clear,
}

/// Reads an editor custom id; `None` for anything malformed.
fn parse(custom_id: &str) -> Option<Click> {
    let mut parts = custom_id.strip_prefix(PREFIX)?.split(':');
    let action = match parts.next()? {
        "days" => Action::Days,
        "hours" => Action::Hours,
        "save" => Action::Save,
        "clear" => Action::Clear,
        _ => return None,
    };
    let target = UserId(parts.next()?.parse().ok()?);
    let days: u8 = parts.next()?.parse().ok()?;
    let hours: u32 = parts.next()?.parse().ok()?;
    (parts.next().is_none() && days < 1 << 7 && hours < 1 << 24).then_some(Click {
        action,
        target,
        days,
        hours,
    })
}

/// The picked values of a menu as a mask, each checked against what the menu offers.
fn picked(values: &[String], allowed: impl Fn(u8) -> bool, most: usize) -> Result<u32, String> {
    if values.len() > most {
        return Err(format!("Pick at most {most} values."));
    }
    let mut mask = 0_u32;
    for value in values {
        let number: u8 = value
            .parse()
            .ok()
            .filter(|number| allowed(*number))
            .ok_or_else(|| format!("“{}” is not one of the choices.", value.chars().take(20).collect::<String>()))?;
        mask |= 1 << number;
    }
    Ok(mask)
}

/// A click on the editor: update the picks, save or clear.
///
/// # Errors
/// When Discord refuses the answer; refusals of the click itself are answered privately.
pub async fn on_component(
    ctx: &serenity::Context,
    app: &App,
    click: &serenity::ComponentInteraction,
) -> Result<(), CommandError> {
    reply::answer_click(ctx, click, "weekly schedule editor", handle(app, click)).await
}

/// Re-renders today's post after a saved change; the change is kept whatever happens here.
async fn refresh(app: &App, guild: GuildId) {
    if let Err(error) = app.schedules.refresh_today(guild).await {
        tracing::warn!(%error, guild = %guild, "could not re-render today's post after a weekly schedule changed");
    }
}

/// The editor redrawn after a click.
async fn handle(
    app: &App,
    click: &serenity::ComponentInteraction,
) -> Result<reply::ClickUpdate, CommandError> {
    let stale = || CommandError::user(crate::discord::events::STALE_COMPONENT_REPLY);
    let (Some(guild), Some(parsed)) = (click.guild_id, parse(&click.data.custom_id)) else {
        return Err(stale());
    };
    let guild = GuildId(guild.get());
    let caller = UserId(click.user.id.get());
    let who = crate::discord::checks::clicker(click);
    may_edit(app, guild, caller, parsed.target, &who).await?;
    let plan = plan(app, guild).await?;
    let zone = member_zone(app, guild, parsed.target, &plan).await?;
    let offered = offered_hours(app, &plan, zone);
    let values = match &click.data.kind {
        serenity::ComponentInteractionDataKind::StringSelect { values } => values.as_slice(),
        _ => &[],
    };
    let (mut days, mut hours) = (parsed.days, parsed.hours & offered_mask(&offered));
    let mut note = "";
    match parsed.action {
        Action::Days => {
            let mask = picked(values, |day| day < 7, 7).map_err(CommandError::User)?;
            days = u8::try_from(mask).map_err(|_| stale())?;
        }
        Action::Hours => {
            hours = picked(values, |hour| offered.contains(&hour), offered.len())
                .map_err(CommandError::User)?;
        }
        Action::Save => {
            let mut masks = [0_u32; 7];
            for (index, mask) in masks.iter_mut().enumerate() {
                if days & 1 << index != 0 {
                    *mask = hours;
                }
            }
            let week = WeeklySchedule::from_masks(masks).map_err(CommandError::User)?;
            app.store
                .save_weekly_schedule(guild, parsed.target, week.to_masks())
                .await?;
            refresh(app, guild).await;
            note = if week.is_empty() {
                "Saved: no days or no hours picked, so the weekly schedule is empty."
            } else {
                "Saved."
            };
        }
        Action::Clear => {
            app.store
                .save_weekly_schedule(guild, parsed.target, [0; 7])
                .await?;
            refresh(app, guild).await;
            days = 0;
            hours = 0;
            note = "Cleared.";
        }
    }
    let stored = WeeklySchedule::from_masks(app.store.weekly_schedule(guild, parsed.target).await?)
        .unwrap_or_default();
    let mut text = editor_text(parsed.target, zone, &stored);
    if !note.is_empty() {
        text = format!("{note}\n{text}");
    }
    Ok(reply::ClickUpdate {
        content: Some(text),
        rows: editor(parsed.target, days, hours, &offered),
        ..reply::ClickUpdate::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_ids_round_trip_and_forgeries_are_refused() {
        let rows = editor(UserId(42), 0b101, 1 << 20 | 1 << 21, &[20, 21, 22]);
        assert_eq!(rows.len(), 3);
        assert_eq!(
            parse("week:save:42:5:3145728"),
            Some(Click {
                action: Action::Save,
                target: UserId(42),
                days: 5,
                hours: 3_145_728,
            })
        );
        for forged in [
            "week:save:42:128:0",
            "week:save:42:1:16777216",
            "week:drop:42:1:1",
            "week:save:x:1:1",
            "week:save:42:1:1:9",
            "history:1:2",
        ] {
            assert_eq!(parse(forged), None, "{forged}");
        }
    }

    #[test]
    fn picked_values_must_be_offered_and_few() {
        let offered = [20_u8, 21];
        let allowed = |hour: u8| offered.contains(&hour);
        assert_eq!(
            picked(&["20".to_owned(), "21".to_owned()], allowed, 2),
            Ok(1 << 20 | 1 << 21)
        );
        assert!(picked(&["3".to_owned()], allowed, 2).is_err(), "outside the window");
        assert!(picked(&["9".to_owned()], |day| day < 7, 7).is_err(), "weekday 9");
        assert!(picked(&["-1".to_owned()], |day| day < 7, 7).is_err());
        let thousand: Vec<String> = (0..1000).map(|n| (n % 7).to_string()).collect();
        assert!(picked(&thousand, |day| day < 7, 7).is_err(), "a thousand values");
    }
}
