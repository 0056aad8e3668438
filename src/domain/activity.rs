//! Community activity as counters: what one gateway event adds to which rollup row, and how
//! many such additions merge into one delta per row.
//!
//! Rollups are per UTC hour. The ingest pipeline folds events into [`Deltas`] keyed by their
//! rollup row, so memory grows with the number of distinct rows touched between two flushes,
//! never with the number of events; adding deltas is commutative, so a batch that failed to
//! write can be merged back and retried without double counting.

use std::collections::HashMap;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

use super::ids::{ChannelId, GuildId, UserId};

/// The start of the UTC hour holding `at`.
#[must_use]
pub fn hour_of(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(TimeDelta::hours(1)).unwrap_or(at)
}

/// A message rollup row: one member's messages in one channel in one hour.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageKey {
    /// The guild.
    pub guild_id: GuildId,
    /// The channel (the thread's parent for messages in threads).
    pub channel_id: ChannelId,
    /// The author.
    pub user_id: UserId,
    /// The hour.
    pub hour: DateTime<Utc>,
}

/// Counts added to a [`MessageKey`] row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MessageCounts {
    /// Messages.
    pub messages: u64,
    /// Of which with at least one attachment.
    pub with_attachments: u64,
    /// Of which replies.
    pub replies: u64,
    /// Of which posted in a thread.
    pub in_threads: u64,
}

/// An emoji rollup row: one member's use of one emoji in one hour.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EmojiKey {
    /// The guild.
    pub guild_id: GuildId,
    /// `🔥` for a unicode emoji, `name:id` for a custom one.
    pub emoji: String,
    /// Who used it.
    pub user_id: UserId,
    /// The hour.
    pub hour: DateTime<Utc>,
}

/// Counts added to an [`EmojiKey`] row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EmojiCounts {
    /// Reactions added with it.
    pub reactions_added: u64,
    /// Reactions with it taken back.
    pub reactions_removed: u64,
    /// Times it appeared in message text (counted only when the operator enables
    /// `MESSAGE_CONTENT`; the text itself is discarded).
    pub in_messages: u64,
}

/// An application-command rollup row: one member's use of one command of one app in one hour.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AppKey {
    /// The guild.
    pub guild_id: GuildId,
    /// The application (trakker's own or another bot's).
    pub application_id: u64,
    /// The command's name as users type it (`leaderboard`, `session start`).
    pub command: String,
    /// Who used it.
    pub user_id: UserId,
    /// The hour.
    pub hour: DateTime<Utc>,
}

/// One countable event, already reduced to its rollup row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActivityEvent {
    /// A message was posted.
    Message {
        /// Its row.
        key: MessageKey,
        /// It carries an attachment.
        with_attachment: bool,
        /// It replies to another message.
        reply: bool,
        /// It was posted in a thread.
        in_thread: bool,
    },
    /// A reaction was added (`added`) or removed.
    Reaction {
        /// Its row.
        key: EmojiKey,
        /// Added, or removed.
        added: bool,
    },
    /// Emojis found in a message's text.
    EmojisInMessage {
        /// Its row.
        key: EmojiKey,
        /// How many times the emoji appeared.
        count: u64,
    },
    /// An application command was used.
    AppCommand {
        /// Its row.
        key: AppKey,
    },
}

/// Counts waiting to be written, merged per rollup row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Deltas {
    /// Message rows.
    pub messages: HashMap<MessageKey, MessageCounts>,
    /// Emoji rows.
    pub emojis: HashMap<EmojiKey, EmojiCounts>,
    /// Application-command rows and their uses.
    pub apps: HashMap<AppKey, u64>,
    /// Events folded in since the last flush (for logs and benchmarks).
    pub events: u64,
}

impl Deltas {
    /// Folds one event in.
    pub fn add(&mut self, event: ActivityEvent) {
        self.events += 1;
        match event {
            ActivityEvent::Message {
                key,
                with_attachment,
                reply,
                in_thread,
            } => {
                let counts = self.messages.entry(key).or_default();
                counts.messages += 1;
                counts.with_attachments += u64::from(with_attachment);
                counts.replies += u64::from(reply);
                counts.in_threads += u64::from(in_thread);
            }
            ActivityEvent::Reaction { key, added } => {
                let counts = self.emojis.entry(key).or_default();
                if added {
                    counts.reactions_added += 1;
                } else {
                    counts.reactions_removed += 1;
                }
            }
            ActivityEvent::EmojisInMessage { key, count } => {
                self.emojis.entry(key).or_default().in_messages += count;
            }
            ActivityEvent::AppCommand { key } => {
                *self.apps.entry(key).or_default() += 1;
            }
        }
    }

    /// Adds `other` into `self` (a failed batch going back into the pending one).
    pub fn merge(&mut self, other: Self) {
        self.events += other.events;
        for (key, counts) in other.messages {
            let mine = self.messages.entry(key).or_default();
            mine.messages += counts.messages;
            mine.with_attachments += counts.with_attachments;
            mine.replies += counts.replies;
            mine.in_threads += counts.in_threads;
        }
        for (key, counts) in other.emojis {
            let mine = self.emojis.entry(key).or_default();
            mine.reactions_added += counts.reactions_added;
            mine.reactions_removed += counts.reactions_removed;
            mine.in_messages += counts.in_messages;
        }
        for (key, uses) in other.apps {
            *self.apps.entry(key).or_default() += uses;
        }
    }

    /// The guilds the waiting rows belong to, each once, in id order.
    #[must_use]
    pub fn guilds(&self) -> Vec<GuildId> {
        let guilds: std::collections::BTreeSet<GuildId> = self
            .messages
            .keys()
            .map(|key| key.guild_id)
            .chain(self.emojis.keys().map(|key| key.guild_id))
            .chain(self.apps.keys().map(|key| key.guild_id))
            .collect();
        guilds.into_iter().collect()
    }

    /// Drops every waiting row of `user` in `guild` (their data is being erased); returns how
    /// many rows went.
    pub fn remove_member(&mut self, guild: GuildId, user: UserId) -> usize {
        let before = self.rows();
        self.messages
            .retain(|key, _| key.guild_id != guild || key.user_id != user);
        self.emojis
            .retain(|key, _| key.guild_id != guild || key.user_id != user);
        self.apps
            .retain(|key, _| key.guild_id != guild || key.user_id != user);
        before - self.rows()
    }

    /// Distinct rows waiting: what memory grows with.
    #[must_use]
    pub fn rows(&self) -> usize {
        self.messages.len() + self.emojis.len() + self.apps.len()
    }

    /// Whether nothing is waiting.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rows() == 0
    }
}

/// The emojis in a message's text, each with how often it appears: custom emojis as `name:id`,
/// unicode emojis (with their skin tones and joined sequences) as they are written. The text is
/// only read here and never kept.
#[must_use]
pub fn emojis_in(text: &str) -> Vec<(String, u64)> {
    let mut found: Vec<(String, u64)> = Vec::new();
    let mut note = |emoji: String| match found.iter_mut().find(|(e, _)| *e == emoji) {
        Some((_, count)) => *count += 1,
        None => found.push((emoji, 1)),
    };
    let mut rest = text;
    while !rest.is_empty() {
        if let Some((custom, after)) = custom_emoji_prefix(rest) {
            note(custom);
            rest = after;
            continue;
        }
        let mut chars = rest.char_indices();
        let Some((_, first)) = chars.next() else {
            break;
        };
        if !is_emoji_base(first) {
            rest = &rest[first.len_utf8()..];
            continue;
        }
        // Extend over modifiers, variation selectors and zero-width-joined parts.
        let mut end = first.len_utf8();
        let mut joining = false;
        for (index, c) in chars {
            let continues = is_modifier(c) || c == '\u{200D}' || (joining && is_emoji_base(c));
            if !continues {
                break;
            }
            joining = c == '\u{200D}';
            end = index + c.len_utf8();
        }
        note(rest[..end].to_owned());
        rest = &rest[end..];
    }
    found
}

/// `<:name:id>` or `<a:name:id>` at the start of `text`, as `name:id`, and what follows it.
fn custom_emoji_prefix(text: &str) -> Option<(String, &str)> {
    let inner_start = if text.starts_with("<a:") {
        3
    } else if text.starts_with("<:") {
        2
    } else {
        return None;
    };
    let close = text.find('>')?;
    let inner = text.get(inner_start..close)?;
    let (name, id) = inner.split_once(':')?;
    let valid = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !id.is_empty()
        && id.chars().all(|c| c.is_ascii_digit());
    valid.then(|| (format!("{name}:{id}"), &text[close + 1..]))
}

fn is_emoji_base(c: char) -> bool {
    matches!(u32::from(c), 0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF) && !is_modifier(c)
}

fn is_modifier(c: char) -> bool {
    matches!(u32::from(c), 0xFE0F | 0x1F3FB..=0x1F3FF | 0x20E3)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 21, hour, minute, 7)
            .single()
            .expect("valid")
    }

    fn message(user: u64, minute: u32, with_attachment: bool) -> ActivityEvent {
        ActivityEvent::Message {
            key: MessageKey {
                guild_id: GuildId(1),
                channel_id: ChannelId(2),
                user_id: UserId(user),
                hour: hour_of(at(20, minute)),
            },
            with_attachment,
            reply: false,
            in_thread: false,
        }
    }

    #[test]
    fn emojis_in_text_are_counted_and_the_words_ignored() {
        let found = emojis_in("gg 🔥🔥 <:pog:123> nice <a:dance:9> 👍🏽 and 👨‍👩‍👧 <:bad name:1>");
        assert_eq!(
            found,
            [
                ("🔥".to_owned(), 2),
                ("pog:123".to_owned(), 1),
                ("dance:9".to_owned(), 1),
                ("👍🏽".to_owned(), 1),
                ("👨‍👩‍👧".to_owned(), 1),
            ]
        );
        assert!(emojis_in("no emojis here: <3 :) <:x:>").is_empty());
    }

    #[test]
    fn hours_start_on_the_hour_in_utc() {
        assert_eq!(
            hour_of(at(20, 59)),
            Utc.with_ymd_and_hms(2026, 11, 21, 20, 0, 0)
                .single()
                .expect("valid")
        );
    }

    #[test]
    fn a_thousand_messages_from_one_member_in_one_hour_are_one_row() {
        let mut deltas = Deltas::default();
        for i in 0..1000 {
            deltas.add(message(7, i % 60, i % 10 == 0));
        }
        assert_eq!(deltas.rows(), 1, "memory grows with rows, not events");
        assert_eq!(deltas.events, 1000);
        let counts = deltas.messages.values().next().expect("one row");
        assert_eq!((counts.messages, counts.with_attachments), (1000, 100));
    }

    #[test]
    fn merging_a_failed_batch_back_adds_it_once() {
        let mut pending = Deltas::default();
        pending.add(message(1, 0, false));
        let mut failed = Deltas::default();
        failed.add(message(1, 5, true));
        failed.add(message(2, 5, false));
        pending.merge(failed);
        assert_eq!(pending.rows(), 2);
        assert_eq!(pending.events, 3);
        let ones: u64 = pending.messages.values().map(|c| c.messages).sum();
        assert_eq!(ones, 3);
    }

    #[test]
    fn removing_a_member_drops_their_rows_of_that_guild_only() {
        let mut deltas = Deltas::default();
        deltas.add(message(3, 1, false));
        deltas.add(message(3, 2, true));
        deltas.add(message(4, 1, false));
        let in_other_guild = |mut event: ActivityEvent| {
            if let ActivityEvent::Message { key, .. } = &mut event {
                key.guild_id = GuildId(9);
            }
            event
        };
        deltas.add(in_other_guild(message(3, 1, false)));
        deltas.add(ActivityEvent::Reaction {
            key: EmojiKey {
                guild_id: GuildId(1),
                emoji: "🔥".to_owned(),
                user_id: UserId(3),
                hour: hour_of(at(20, 0)),
            },
            added: true,
        });
        deltas.add(ActivityEvent::AppCommand {
            key: AppKey {
                guild_id: GuildId(1),
                application_id: 77,
                command: "top".to_owned(),
                user_id: UserId(3),
                hour: hour_of(at(20, 0)),
            },
        });
        assert_eq!(deltas.rows(), 5);
        assert_eq!(deltas.remove_member(GuildId(1), UserId(3)), 3);
        let left: Vec<(GuildId, UserId)> = deltas
            .messages
            .keys()
            .map(|key| (key.guild_id, key.user_id))
            .collect();
        assert_eq!(left.len(), 2);
        assert!(left.contains(&(GuildId(1), UserId(4))));
        assert!(left.contains(&(GuildId(9), UserId(3))));
        assert!(deltas.emojis.is_empty() && deltas.apps.is_empty());
        assert_eq!(
            deltas.remove_member(GuildId(1), UserId(3)),
            0,
            "twice is harmless"
        );
    }

    #[test]
    fn reactions_added_and_removed_are_counted_apart() {
        let key = EmojiKey {
            guild_id: GuildId(1),
            emoji: "🔥".to_owned(),
            user_id: UserId(3),
            hour: hour_of(at(21, 0)),
        };
        let mut deltas = Deltas::default();
        deltas.add(ActivityEvent::Reaction {
            key: key.clone(),
            added: true,
        });
        deltas.add(ActivityEvent::Reaction {
            key: key.clone(),
            added: true,
        });
        deltas.add(ActivityEvent::Reaction {
            key: key.clone(),
            added: false,
        });
        assert_eq!(
            deltas.emojis[&key],
            EmojiCounts {
                reactions_added: 2,
                reactions_removed: 1,
                in_messages: 0
            }
        );
    }
}
