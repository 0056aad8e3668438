//! Building `INTERACTION_CREATE` payloads as Discord's client would produce them: the invoking
//! member with their permissions, the command path resolved against what the bot registered,
//! typed option values, and the `resolved` users, members, roles and channels they mention.

use serde_json::{json, Map, Value};
use serenity::model::Permissions;

use super::{click, ControlError};
use crate::api::{
    ChannelKind, CommandInvocation, ComponentClick, NameOrId, OptionSpec, PermissionSet,
};
use crate::interactions::Pending;
use crate::server::AppState;
use crate::snowflake::Snowflake;
use crate::wire::{self, Surface};
use crate::world::{Guild, World};

/// Interaction types.
const COMMAND: u8 = 2;
const COMPONENT: u8 = 3;
const AUTOCOMPLETE: u8 = 4;

/// The locale of a user who does not say otherwise.
const DEFAULT_LOCALE: &str = "en-US";

/// Discord's attachment size limit for a server without boosts, in bytes.
const ATTACHMENT_LIMIT: u64 = 10 << 20;

/// An interaction ready to dispatch.
pub(crate) struct Built {
    pub pending: Pending,
    pub payload: Value,
}

/// Who invokes, where.
struct Place {
    guild_id: Option<Snowflake>,
    channel_id: Snowflake,
    user_id: Snowflake,
    base: Map<String, Value>,
}

fn bad(text: impl Into<String>) -> ControlError {
    ControlError::BadRequest(text.into())
}

/// The fields every interaction has: ids, token, channel, and the member (guild) or user (DM).
fn place(
    state: &AppState,
    world: &mut World,
    guild_id: Option<Snowflake>,
    channel: Option<&NameOrId>,
    who: &NameOrId,
    permissions: Option<PermissionSet>,
    locale: Option<&str>,
) -> Result<Place, ControlError> {
    let user_id = world.user(who)?.id;
    let id = state.ids.next();
    let token = format!("fakecord-{id}-{:016x}", fastrand::u64(..));
    let locale = locale.unwrap_or(DEFAULT_LOCALE);
    let mut base = Map::new();
    base.insert("id".into(), json!(id));
    base.insert("application_id".into(), json!(state.config.application_id));
    base.insert("token".into(), json!(token));
    base.insert("version".into(), json!(1));
    base.insert("locale".into(), json!(locale));
    base.insert("entitlements".into(), json!([]));
    base.insert("attachment_size_limit".into(), json!(ATTACHMENT_LIMIT));
    // Everything in a DM; an invocation in a guild channel replaces it below.
    base.insert(
        "app_permissions".into(),
        json!(Permissions::all().bits().to_string()),
    );

    let channel_id = if let Some(g) = guild_id {
        let guild = world.guild(g)?;
        let member_id = world.member_id(g, who)?;
        let channel = if let Some(c) = channel {
            guild.channel_of_kind(
                c,
                &[ChannelKind::Text, ChannelKind::Voice, ChannelKind::Thread],
            )?
        } else {
            guild.first_text_channel().ok_or_else(|| {
                bad(format!(
                    "guild {g} has no text channel to run the command in"
                ))
            })?
        };
        // What the bot may do where it was invoked, so a bot that reads `app_permissions`
        // sees the channel's overwrite as it would on Discord.
        base.insert(
            "app_permissions".into(),
            json!(guild
                .member_permissions_in(channel, world.bot_id)
                .to_string()),
        );
        let perms = permissions.map_or_else(|| guild.member_permissions(member_id), |p| p.0);
        let mut member = guild
            .members
            .get(&member_id)
            .map(|m| wire::member(world, m, true))
            .unwrap_or_default();
        if let Some(map) = member.as_object_mut() {
            map.insert("permissions".into(), json!(perms.to_string()));
        }
        base.insert("guild_id".into(), json!(g));
        base.insert("guild_locale".into(), json!("en-US"));
        base.insert(
            "guild".into(),
            json!({ "id": g, "locale": "en-US", "features": [] }),
        );
        base.insert("member".into(), member);
        base.insert("authorizing_integration_owners".into(), json!({ "0": g }));
        base.insert("context".into(), json!(0));
        let mut ch = json!({ "id": channel.id, "name": channel.name, "type": channel.kind.discord_type(), "permissions": perms.to_string() });
        if let (Some(parent), Some(map)) = (channel.parent_id, ch.as_object_mut()) {
            map.insert("parent_id".into(), json!(parent));
        }
        base.insert("channel".into(), ch);
        channel.id
    } else {
        let channel_id = world.dm_channel(user_id, || state.ids.next());
        base.insert("user".into(), wire::user(world.user_by_id(user_id)?));
        base.insert(
            "authorizing_integration_owners".into(),
            json!({ "0": user_id }),
        );
        base.insert("context".into(), json!(1));
        base.insert("channel".into(), json!({ "id": channel_id, "type": 1 }));
        channel_id
    };
    base.insert("channel_id".into(), json!(channel_id));
    Ok(Place {
        guild_id,
        channel_id,
        user_id,
        base,
    })
}

/// The `resolved` object being built.
#[derive(Default)]
struct Resolved {
    users: Map<String, Value>,
    members: Map<String, Value>,
    roles: Map<String, Value>,
    channels: Map<String, Value>,
}

impl Resolved {
    fn into_value(self) -> Option<Value> {
        let mut map = Map::new();
        for (key, part) in [
            ("users", self.users),
            ("members", self.members),
            ("roles", self.roles),
            ("channels", self.channels),
        ] {
            if !part.is_empty() {
                map.insert(key.into(), Value::Object(part));
            }
        }
        (!map.is_empty()).then_some(Value::Object(map))
    }
}

fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Resolves a user option; adds the user (and member) to `resolved`.
fn resolve_user(
    world: &World,
    guild: Option<&Guild>,
    value: &Value,
    resolved: &mut Resolved,
) -> Result<Snowflake, ControlError> {
    let user = world.user(&NameOrId(as_text(value)))?;
    resolved.users.insert(user.id.to_string(), wire::user(user));
    if let Some((guild, member)) = guild.and_then(|g| g.members.get(&user.id).map(|m| (g, m))) {
        let mut m = wire::member(world, member, false);
        if let Some(map) = m.as_object_mut() {
            map.insert(
                "permissions".into(),
                json!(guild.member_permissions(user.id).to_string()),
            );
        }
        resolved.members.insert(user.id.to_string(), m);
    }
    Ok(user.id)
}

fn resolve_role(
    guild: Option<&Guild>,
    value: &Value,
    resolved: &mut Resolved,
) -> Result<Snowflake, ControlError> {
    let guild = guild.ok_or_else(|| bad("role options need a guild"))?;
    let role = guild.role(&NameOrId(as_text(value)))?;
    resolved.roles.insert(role.id.to_string(), wire::role(role));
    Ok(role.id)
}

fn resolve_channel(
    guild: Option<&Guild>,
    value: &Value,
    resolved: &mut Resolved,
) -> Result<Snowflake, ControlError> {
    let guild = guild.ok_or_else(|| bad("channel options need a guild"))?;
    let channel = guild.channel(&NameOrId(as_text(value)))?;
    let mut partial = json!({ "id": channel.id, "name": channel.name, "type": channel.kind.discord_type(), "permissions": Permissions::all().bits().to_string() });
    if let (Some(parent), Some(map)) = (channel.parent_id, partial.as_object_mut()) {
        map.insert("parent_id".into(), json!(parent));
    }
    resolved.channels.insert(channel.id.to_string(), partial);
    Ok(channel.id)
}

/// One option value, typed as Discord sends it.
fn option_value(
    world: &World,
    guild: Option<&Guild>,
    kind: u64,
    name: &str,
    value: &Value,
    resolved: &mut Resolved,
) -> Result<Value, ControlError> {
    let wrong = |what: &str| bad(format!("option `{name}`: expected {what}, got {value}"));
    Ok(match kind {
        3 => json!(as_text(value)),
        4 => json!(value
            .as_i64()
            .or_else(|| value.as_str()?.parse().ok())
            .ok_or_else(|| wrong("an integer"))?),
        5 => json!(value
            .as_bool()
            .or_else(|| value.as_str()?.parse().ok())
            .ok_or_else(|| wrong("a boolean"))?),
        10 => json!(value
            .as_f64()
            .or_else(|| value.as_str()?.parse().ok())
            .ok_or_else(|| wrong("a number"))?),
        6 => json!(resolve_user(world, guild, value, resolved)?),
        7 => json!(resolve_channel(guild, value, resolved)?),
        8 => json!(resolve_role(guild, value, resolved)?),
        9 => match resolve_user(world, guild, value, resolved) {
            Ok(id) => json!(id),
            Err(_) => json!(resolve_role(guild, value, resolved)?),
        },
        11 => {
            return Err(bad(format!(
                "option `{name}`: attachment options are not supported yet"
            )))
        }
        other => {
            return Err(bad(format!(
                "option `{name}`: unsupported option type {other}"
            )))
        }
    })
}

fn names(defs: &[Value]) -> String {
    let list: Vec<&str> = defs
        .iter()
        .filter_map(|d| d.get("name")?.as_str())
        .collect();
    if list.is_empty() {
        "none".to_owned()
    } else {
        list.join(", ")
    }
}

/// The value of the choice a user means by `given`, among an option's registered `choices`:
/// the choice whose value it is (`1`, or `"1"` for an integer choice), else the one whose
/// name it is, as the user sees it in `locale` or by default (case aside, as the client's
/// picker filters). `None` when it is none of them: the value is then sent as given, as a
/// forged interaction would send it.
///
/// Values are tried first so callers that pass them (poise numbers its choices 0, 1, 2…)
/// get exactly what they passed even where a name looks like another choice's value.
fn pick_choice<'a>(choices: &'a [Value], given: &Value, locale: &str) -> Option<&'a Value> {
    let wanted = as_text(given);
    let value_of = |choice: &'a Value| choice.get("value");
    let by_value = choices
        .iter()
        .filter_map(value_of)
        .find(|value| *value == given || as_text(value) == wanted);
    by_value.or_else(|| {
        let names = |choice: &'a Value| {
            let localized = choice
                .get("name_localizations")
                .and_then(|l| l.get(locale))
                .and_then(Value::as_str);
            choice
                .get("name")
                .and_then(Value::as_str)
                .into_iter()
                .chain(localized)
        };
        choices
            .iter()
            .find(|choice| names(choice).any(|name| name == wanted))
            .or_else(|| {
                choices.iter().find(|choice| {
                    names(choice).any(|name| name.to_lowercase() == wanted.to_lowercase())
                })
            })
            .and_then(value_of)
    })
}

/// The leaf options of a (sub)command, typed from the registered definitions; choices may be
/// given by value or by name (see [`pick_choice`]).
fn leaf_options(
    world: &World,
    guild: Option<&Guild>,
    path: &str,
    defs: &[Value],
    given: &[OptionSpec],
    locale: &str,
    resolved: &mut Resolved,
) -> Result<Vec<Value>, ControlError> {
    given
        .iter()
        .map(|opt| {
            let def = defs
                .iter()
                .find(|d| d.get("name").and_then(Value::as_str) == Some(&opt.name));
            let kind = opt
                .kind
                .map(u64::from)
                .or_else(|| def?.get("type")?.as_u64())
                .ok_or_else(|| {
                    bad(format!(
                        "/{path} has no option `{}` (registered: {})",
                        opt.name,
                        names(defs)
                    ))
                })?;
            if matches!(kind, 1 | 2) {
                return Err(bad(format!(
                    "`{}` is a subcommand: put it in `command`, e.g. \"{path} {}\"",
                    opt.name, opt.name
                )));
            }
            let raw = opt.value.clone().unwrap_or(Value::Null);
            let raw = match def.and_then(|d| d.get("choices")?.as_array()) {
                Some(choices) if !opt.focused => {
                    pick_choice(choices, &raw, locale).map_or(raw, Clone::clone)
                }
                _ => raw,
            };
            let mut out = json!({ "name": opt.name, "type": kind });
            if let Some(map) = out.as_object_mut() {
                if opt.focused {
                    // Discord sends what the user has typed so far, as text.
                    map.insert("value".into(), json!(as_text(&raw)));
                    map.insert("focused".into(), json!(true));
                } else {
                    map.insert(
                        "value".into(),
                        option_value(world, guild, kind, &opt.name, &raw, resolved)?,
                    );
                }
            }
            Ok(out)
        })
        .collect()
}

/// The bot's registration of command `name` where `inv` runs it; for a stale invocation of a
/// command the bot does not have, what an older client would send for it.
fn registered(
    state: &AppState,
    world: &World,
    inv: &CommandInvocation,
    name: &str,
) -> Result<Value, ControlError> {
    world
        .registered_command(name, inv.guild)
        .cloned()
        .or_else(|| {
            // A client with an older command list sends what it knows, with that command's id.
            inv.stale
                .then(|| json!({ "id": state.ids.next(), "name": name, "options": [] }))
        })
        .ok_or_else(|| {
            let where_ = inv.guild.map_or_else(|| "globally".to_owned(), |g| format!("globally or in guild {g}"));
            bad(format!("/{name} is not registered {where_}; the bot registers commands through PUT /applications/{{app}}/commands"))
        })
}

/// A command or autocomplete interaction.
pub(crate) fn command(
    state: &AppState,
    world: &mut World,
    inv: &CommandInvocation,
    autocomplete: bool,
) -> Result<Built, ControlError> {
    let mut words = inv
        .command
        .trim()
        .trim_start_matches('/')
        .split_whitespace();
    let name = words
        .next()
        .ok_or_else(|| bad("`command` is empty"))?
        .to_owned();
    let subpath: Vec<&str> = words.collect();
    if autocomplete && inv.options.iter().filter(|o| o.focused).count() != 1 {
        return Err(bad(
            "autocomplete needs exactly one option with `focused: true`",
        ));
    }
    let registered = registered(state, world, inv, &name)?;
    let place = place(
        state,
        world,
        inv.guild,
        inv.channel.as_ref(),
        &inv.user,
        inv.permissions,
        inv.locale.as_deref(),
    )?;
    let guild = inv.guild.map(|g| world.guild(g)).transpose()?;

    // Walk "group sub" down the registered options, then type the leaf options.
    let mut resolved = Resolved::default();
    let mut defs: Vec<Value> = registered
        .get("options")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut chain: Vec<(String, u64)> = Vec::new();
    for word in &subpath {
        let def = defs
            .iter()
            .find(|d| {
                d.get("name").and_then(Value::as_str) == Some(*word)
                    && matches!(d.get("type").and_then(Value::as_u64), Some(1 | 2))
            })
            .cloned()
            .or_else(|| {
                inv.stale
                    .then(|| json!({ "name": word, "type": 1, "options": [] }))
            })
            .ok_or_else(|| {
                bad(format!(
                    "/{name} has no subcommand `{word}` here (available: {})",
                    names(&defs)
                ))
            })?;
        chain.push((
            (*word).to_owned(),
            def.get("type").and_then(Value::as_u64).unwrap_or(1),
        ));
        defs = def
            .get("options")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
    }
    let full = inv.command.trim().trim_start_matches('/').to_owned();
    let locale = inv.locale.as_deref().unwrap_or(DEFAULT_LOCALE);
    let mut options = leaf_options(
        world,
        guild,
        &full,
        &defs,
        &inv.options,
        locale,
        &mut resolved,
    )?;
    for (word, kind) in chain.into_iter().rev() {
        options = vec![json!({ "name": word, "type": kind, "options": options })];
    }
    let mut data = json!({
        "id": registered.get("id").cloned().unwrap_or(Value::Null),
        "name": name,
        "type": 1,
        "options": options,
    });
    if let Some(map) = data.as_object_mut() {
        if let Some(r) = resolved.into_value() {
            map.insert("resolved".into(), r);
        }
        if let Some(g) = registered.get("guild_id") {
            map.insert("guild_id".into(), g.clone());
        }
    }
    let kind = if autocomplete { AUTOCOMPLETE } else { COMMAND };
    Ok(finish(place, kind, full, data, None))
}

/// Finds a component by `custom_id` in a message's action rows.
fn find_component<'a>(components: &'a [Value], custom_id: &str) -> Option<&'a Value> {
    components.iter().find_map(|row| {
        if row.get("custom_id").and_then(Value::as_str) == Some(custom_id) {
            return Some(row);
        }
        row.get("components")
            .and_then(Value::as_array)
            .and_then(|inner| find_component(inner, custom_id))
    })
}

/// A button click or select-menu pick on a bot message, ephemeral ones included (fakecord
/// keeps those, which only their user sees). A `genuine` click is held to what the user could
/// do ([`click::check`]); any other is sent as described.
pub(crate) fn component(
    state: &AppState,
    world: &mut World,
    click: &ComponentClick,
) -> Result<Built, ControlError> {
    let msg = world.message(click.message)?.clone();
    let found = find_component(&msg.components, &click.custom_id);
    let values = if click.genuine {
        let user = world.user(&click.user)?.id;
        click::check(&msg, user, &click.custom_id, found, &click.values)?
    } else {
        click.values.clone()
    };
    let component_type = click
        .component_type
        .map(u64::from)
        .or_else(|| found?.get("type")?.as_u64())
        .ok_or_else(|| {
            bad(format!(
                "message {} has no component with custom_id `{}`",
                click.message, click.custom_id
            ))
        })?;
    let place = place(
        state,
        world,
        msg.guild_id,
        Some(&NameOrId::from(msg.channel_id)),
        &click.user,
        click.permissions,
        None,
    )?;
    let mut data = json!({ "custom_id": click.custom_id, "component_type": component_type });
    if let Some(map) = data.as_object_mut() {
        if component_type != 2 {
            map.insert("values".into(), json!(values));
        }
    }
    let mut built = finish(
        place,
        COMPONENT,
        click.custom_id.clone(),
        data,
        Some(msg.id),
    );
    if let Some(map) = built.payload.as_object_mut() {
        map.insert(
            "message".into(),
            wire::message(world, &msg, &state.http_base, Surface::Rest),
        );
    }
    Ok(built)
}

fn finish(place: Place, kind: u8, name: String, data: Value, source: Option<Snowflake>) -> Built {
    let mut payload = place.base;
    payload.insert("type".into(), json!(kind));
    payload.insert("data".into(), data);
    let id = payload
        .get("id")
        .and_then(|v| serde_json::from_value::<Snowflake>(v.clone()).ok())
        .unwrap_or_default();
    let token = payload
        .get("token")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Built {
        pending: Pending {
            id,
            token,
            kind,
            name,
            guild_id: place.guild_id,
            channel_id: place.channel_id,
            user_id: place.user_id,
            source_message: source,
            response_type: None,
            response_data: Value::Null,
            original: None,
            original_filled: false,
            followups: Vec::new(),
            dispatched_at: None,
            callback_at: None,
        },
        payload: Value::Object(payload),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `/leaderboard period:` as poise registers a choice parameter: integer values by index.
    fn period() -> Vec<Value> {
        vec![json!({
            "name": "period", "type": 4,
            "choices": [
                {"name": "season", "value": 0},
                {"name": "all-time", "value": 1, "name_localizations": {"fr": "depuis toujours"}},
                {"name": "7 days", "value": 2},
            ],
        })]
    }

    fn period_value(given: Value, locale: &str) -> Result<Value, ControlError> {
        let world = World::new(Snowflake(1), "trakker", "app-owner", Snowflake(2));
        let given = [OptionSpec::new("period", given)];
        let options = leaf_options(
            &world,
            None,
            "leaderboard",
            &period(),
            &given,
            locale,
            &mut Resolved::default(),
        )?;
        Ok(options[0]["value"].clone())
    }

    #[test]
    fn a_choice_is_picked_by_value_or_by_name() {
        for given in [json!(1), json!("1"), json!("all-time"), json!("All-Time")] {
            assert_eq!(
                period_value(given.clone(), "en-US").expect("picked"),
                json!(1),
                "{given}"
            );
        }
        assert_eq!(
            period_value(json!("depuis toujours"), "fr").expect("picked"),
            json!(1),
            "the name a French user sees"
        );
    }

    #[test]
    fn a_value_outside_the_choices_is_sent_as_forged() {
        assert_eq!(period_value(json!(7), "en-US").expect("sent"), json!(7));
        let err = period_value(json!("forever"), "en-US").expect_err("not an integer");
        assert!(err.to_string().contains("expected an integer"), "{err}");
    }

    #[test]
    fn values_win_over_names() {
        let choices = [
            json!({"name": "b", "value": "a"}),
            json!({"name": "a", "value": "c"}),
        ];
        assert_eq!(
            pick_choice(&choices, &json!("a"), DEFAULT_LOCALE),
            Some(&json!("a"))
        );
        assert_eq!(
            pick_choice(&choices, &json!("b"), DEFAULT_LOCALE),
            Some(&json!("a"))
        );
        assert_eq!(pick_choice(&choices, &json!("z"), DEFAULT_LOCALE), None);
    }
}
