//! What the bot said, as terminal text: embeds flattened to lines, and mentions (`<@id>`)
//! turned back into the members' names.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use fakecord::api::GuildInfo;
use serde_json::Value;

/// Names by the id a mention carries: members and channels.
pub struct Names {
    members: HashMap<String, String>,
    channels: HashMap<String, String>,
}

impl Names {
    /// The members and channels of `guild`.
    #[must_use]
    pub fn of(guild: &GuildInfo) -> Self {
        let by_id = |names: &std::collections::BTreeMap<String, fakecord::Snowflake>| {
            names
                .iter()
                .map(|(name, id)| (id.to_string(), name.clone()))
                .collect()
        };
        Self {
            members: by_id(&guild.members),
            channels: by_id(&guild.channels),
        }
    }

    /// `text` as a terminal shows it: `<@id>` as `@name`, `<#id>` as `#name`, and Discord's
    /// timestamps (`<t:seconds:style>`) as UTC times. Anything else stays as written.
    #[must_use]
    pub fn resolve(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find('<') {
            out.push_str(&rest[..start]);
            let after = &rest[start + 1..];
            let shown = after
                .find('>')
                .and_then(|end| self.markup(&after[..end]).map(|shown| (shown, end)));
            if let Some((shown, end)) = shown {
                out.push_str(&shown);
                rest = &after[end + 1..];
            } else {
                out.push('<');
                rest = after;
            }
        }
        out.push_str(rest);
        out
    }

    /// What one `<…>` stands for, when it is a known mention or a timestamp.
    fn markup(&self, inner: &str) -> Option<String> {
        if let Some(id) = inner.strip_prefix('@') {
            let id = id.strip_prefix('!').unwrap_or(id);
            return self.members.get(id).map(|name| format!("@{name}"));
        }
        if let Some(id) = inner.strip_prefix('#') {
            return self.channels.get(id).map(|name| format!("#{name}"));
        }
        let stamp = inner.strip_prefix("t:")?;
        let (seconds, style) = stamp.split_once(':').unwrap_or((stamp, "f"));
        let at = DateTime::<Utc>::from_timestamp(seconds.parse().ok()?, 0)?;
        let format = match style {
            "t" => "%H:%M UTC",
            "F" => "%A %-d %B %Y %H:%M UTC",
            "d" | "D" => "%-d %B %Y",
            _ => "%-d %B %Y %H:%M UTC",
        };
        Some(at.format(format).to_string())
    }
}

/// An embed as lines: its title, its text, then each field's name and value.
#[must_use]
pub fn embed_text(embed: &Value) -> String {
    let text = |key: &str| embed.get(key).and_then(Value::as_str).unwrap_or_default();
    let mut lines = Vec::new();
    for part in [text("title"), text("description")] {
        if !part.is_empty() {
            lines.push(part.to_owned());
        }
    }
    for field in embed
        .get("fields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = field
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let value = field
            .get("value")
            .and_then(Value::as_str)
            .unwrap_or_default();
        lines.push(format!("{name}: {value}"));
    }
    if let Some(footer) = embed
        .get("footer")
        .and_then(|footer| footer.get("text"))
        .and_then(Value::as_str)
    {
        lines.push(footer.to_owned());
    }
    lines.join("\n")
}

/// Prints `text` indented under a heading.
pub fn section(heading: &str, text: &str) {
    println!("\n── {heading}");
    for line in text.lines() {
        println!("   {line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_and_timestamps_read_as_text_and_the_rest_stays() {
        let names = Names {
            members: HashMap::from([("42".to_owned(), "ada".to_owned())]),
            channels: HashMap::from([("9".to_owned(), "who-plays".to_owned())]),
        };
        assert_eq!(
            names.resolve("1. <@42> — 12, then <@!42> in <#9>, <@7> and <@"),
            "1. @ada — 12, then @ada in #who-plays, <@7> and <@"
        );
        assert_eq!(
            names.resolve("🇧 <t:1796238000:t> — at <t:1796234400:F> < 3"),
            "🇧 19:00 UTC — at Wednesday 2 December 2026 18:00 UTC < 3"
        );
    }

    #[test]
    fn an_embed_reads_title_text_fields_and_footer() {
        let embed = serde_json::json!({
            "title": "Leaderboard",
            "description": "1. ada",
            "fields": [{"name": "Kills", "value": "12"}],
            "footer": {"text": "all time"}
        });
        assert_eq!(
            embed_text(&embed),
            "Leaderboard\n1. ada\nKills: 12\nall time"
        );
    }
}
