//! Reading back what the store holds, for assertions: queries production never runs, so they live
//! here rather than on [`Store`]. [`StoredRows`] adds them to any store, run directly through the
//! store's connection pool, the same SQL on SQLite and Postgres.

use chrono::{DateTime, Utc};
use trakker::domain::activity::{AppKey, EmojiCounts, EmojiKey, MessageCounts, MessageKey};
use trakker::domain::ids::{ChannelId, GuildId, UserId};
use trakker::store::postgres::PostgresStore;
use trakker::store::sqlite::SqliteStore;
use trakker::store::{
    ActivitySession, GuildRecord, JoinRecord, JoinSource, MemberRecord, Store, StoreError,
    VoiceFlags,
};

/// Runs `$body` with `$pool` bound to the store's pool, `$to_db` turning a time into its stored
/// form and `$from_db` turning a stored time back, once per backend.
macro_rules! on_pool {
    ($store:expr, |$pool:ident, $to_db:ident, $from_db:ident| $body:expr) => {{
        let store: &dyn std::any::Any = $store;
        if let Some(store) = store.downcast_ref::<SqliteStore>() {
            let $pool = store.pool();
            let $to_db = |at: DateTime<Utc>| at.timestamp_millis();
            let $from_db = |millis: i64| {
                DateTime::from_timestamp_millis(millis).expect("a stored time in range")
            };
            $body
        } else if let Some(store) = store.downcast_ref::<PostgresStore>() {
            let $pool = store.pool();
            let $to_db = |at: DateTime<Utc>| {
                DateTime::from_timestamp_millis(at.timestamp_millis()).expect("a time in range")
            };
            let $from_db = |at: DateTime<Utc>| at;
            $body
        } else {
            panic!("a store of an unknown backend")
        }
    }};
}

/// A snowflake as the store keeps it: bit for bit in a signed 64-bit column.
pub trait StoredId {
    /// The id as stored.
    fn to_db(self) -> i64;
    /// The id read back.
    fn from_db(stored: i64) -> Self;
}

macro_rules! stored_id {
    ($($name:ident),*) => {$(
        impl StoredId for $name {
            fn to_db(self) -> i64 {
                i64::from_ne_bytes(self.0.to_ne_bytes())
            }

            fn from_db(stored: i64) -> Self {
                Self(u64::from_ne_bytes(stored.to_ne_bytes()))
            }
        }
    )*};
}

stored_id!(GuildId, UserId, ChannelId);

fn count(value: i64) -> u64 {
    u64::try_from(value).expect("a stored count is not negative")
}

fn flags(row: (bool, bool, bool, bool, bool, bool)) -> VoiceFlags {
    let (self_mute, self_deaf, mute, deaf, streaming, video) = row;
    VoiceFlags {
        self_mute,
        self_deaf,
        mute,
        deaf,
        streaming,
        video,
    }
}

/// Read-backs and test-only writes on a store, by the names the tests use.
#[allow(
    async_fn_in_trait,
    reason = "test helpers, awaited on the test's own runtime"
)]
pub trait StoredRows {
    /// The guild as stored, if the bot has ever seen it.
    async fn guild(&self, guild_id: GuildId) -> Result<Option<GuildRecord>, StoreError>;

    /// One member as stored.
    async fn member(
        &self,
        guild_id: GuildId,
        user_id: UserId,
    ) -> Result<Option<MemberRecord>, StoreError>;

    /// Number of members currently in the guild (left members excluded).
    async fn member_count(&self, guild_id: GuildId) -> Result<u64, StoreError>;

    /// The flag changes of a member in `[since, until)`, oldest first.
    async fn voice_flag_history(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<(DateTime<Utc>, VoiceFlags)>, StoreError>;

    /// Game-activity sessions overlapping `[since, until)`, optionally of one member, oldest first.
    async fn activity_sessions(
        &self,
        guild_id: GuildId,
        user_id: Option<UserId>,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<ActivitySession>, StoreError>;

    /// Every join recorded in the guild, oldest first.
    async fn joins(&self, guild_id: GuildId) -> Result<Vec<JoinRecord>, StoreError>;

    /// Every message rollup row of the guild with its counts.
    async fn message_rows(
        &self,
        guild_id: GuildId,
    ) -> Result<Vec<(MessageKey, MessageCounts)>, StoreError>;

    /// Every emoji rollup row of the guild with its counts.
    async fn emoji_rows(
        &self,
        guild_id: GuildId,
    ) -> Result<Vec<(EmojiKey, EmojiCounts)>, StoreError>;

    /// Every application-command rollup row of the guild with its uses.
    async fn app_rows(&self, guild_id: GuildId) -> Result<Vec<(AppKey, u64)>, StoreError>;

    /// Every integer column of every table (migrations' own excepted) that holds `value` in a
    /// row of the guild (tables without a `guild_id` column: in any row), as `table.column: n`.
    /// Finds a member anywhere without a list of tables that a new migration could outgrow.
    async fn columns_holding(
        &self,
        guild_id: GuildId,
        value: i64,
    ) -> Result<Vec<String>, StoreError>;
}

impl StoredRows for dyn Store {
    async fn columns_holding(
        &self,
        guild_id: GuildId,
        value: i64,
    ) -> Result<Vec<String>, StoreError> {
        on_pool!(self, |pool, _to_db, _from_db| {
            // The store's own reading of the catalogue: every table, whatever migrations add.
            let tables = self.tables().await?;
            let columns: Vec<(String, String)> = tables
                .iter()
                .flat_map(|table| {
                    table
                        .columns
                        .iter()
                        .filter(|(_, kind)| *kind == trakker::store::portable::ValueKind::Int)
                        .map(|(column, _)| (table.name.clone(), column.clone()))
                })
                .collect();
            let mut holding = Vec::new();
            for (table, column) in &columns {
                let by_guild = columns
                    .iter()
                    .any(|(other, name)| other == table && name == "guild_id");
                let rows: i64 = if by_guild {
                    sqlx::query_scalar(&format!(
                        "SELECT COUNT(*) FROM {table} WHERE {column} = $1 AND guild_id = $2"
                    ))
                    .bind(value)
                    .bind(guild_id.to_db())
                    .fetch_one(pool)
                    .await?
                } else {
                    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE {column} = $1"))
                        .bind(value)
                        .fetch_one(pool)
                        .await?
                };
                if rows > 0 {
                    holding.push(format!("{table}.{column}: {rows}"));
                }
            }
            Ok(holding)
        })
    }

    async fn guild(&self, guild_id: GuildId) -> Result<Option<GuildRecord>, StoreError> {
        on_pool!(self, |pool, _to_db, from_db| {
            let row =
                sqlx::query_as("SELECT id, name, joined_at, left_at FROM guilds WHERE id = $1")
                    .bind(guild_id.to_db())
                    .fetch_optional(pool)
                    .await?;
            Ok(row.map(|(id, name, joined_at, left_at)| GuildRecord {
                id: GuildId::from_db(id),
                name,
                joined_at: from_db(joined_at),
                left_at: Option::map(left_at, from_db),
            }))
        })
    }

    async fn member(
        &self,
        guild_id: GuildId,
        user_id: UserId,
    ) -> Result<Option<MemberRecord>, StoreError> {
        on_pool!(self, |pool, _to_db, from_db| {
            let row = sqlx::query_as(
                "SELECT user_id, display_name, is_bot, joined_at, left_at, tracking_opt_out
                 FROM members WHERE guild_id = $1 AND user_id = $2",
            )
            .bind(guild_id.to_db())
            .bind(user_id.to_db())
            .fetch_optional(pool)
            .await?;
            Ok(row.map(
                |(user_id, display_name, is_bot, joined_at, left_at, tracking_opt_out)| {
                    MemberRecord {
                        user_id: UserId::from_db(user_id),
                        display_name,
                        is_bot,
                        joined_at: from_db(joined_at),
                        left_at: Option::map(left_at, from_db),
                        tracking_opt_out,
                    }
                },
            ))
        })
    }

    async fn member_count(&self, guild_id: GuildId) -> Result<u64, StoreError> {
        on_pool!(self, |pool, _to_db, _from_db| {
            let members: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM members WHERE guild_id = $1 AND left_at IS NULL",
            )
            .bind(guild_id.to_db())
            .fetch_one(pool)
            .await?;
            Ok(count(members))
        })
    }

    async fn voice_flag_history(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<(DateTime<Utc>, VoiceFlags)>, StoreError> {
        on_pool!(self, |pool, to_db, from_db| {
            let rows: Vec<(_, bool, bool, bool, bool, bool, bool)> = sqlx::query_as(
                "SELECT at, self_mute, self_deaf, mute, deaf, streaming, video
                 FROM voice_flag_changes
                 WHERE guild_id = $1 AND user_id = $2 AND at >= $3 AND at < $4
                 ORDER BY at, id",
            )
            .bind(guild_id.to_db())
            .bind(user_id.to_db())
            .bind(to_db(since))
            .bind(to_db(until))
            .fetch_all(pool)
            .await?;
            Ok(rows
                .into_iter()
                .map(|(at, a, b, c, d, e, f)| (from_db(at), flags((a, b, c, d, e, f))))
                .collect())
        })
    }

    async fn activity_sessions(
        &self,
        guild_id: GuildId,
        user_id: Option<UserId>,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<ActivitySession>, StoreError> {
        on_pool!(self, |pool, to_db, from_db| {
            let rows: Vec<(i64, i64, i64, String, _, Option<_>)> = sqlx::query_as(
                "SELECT id, guild_id, user_id, game, started_at, ended_at FROM activity_sessions
                 WHERE guild_id = $1 AND (CAST($2 AS BIGINT) IS NULL OR user_id = $2)
                   AND started_at < $4 AND (ended_at IS NULL OR ended_at > $3)
                 ORDER BY started_at, id",
            )
            .bind(guild_id.to_db())
            .bind(user_id.map(UserId::to_db))
            .bind(to_db(since))
            .bind(to_db(until))
            .fetch_all(pool)
            .await?;
            Ok(rows
                .into_iter()
                .map(
                    |(id, guild, user, game, started_at, ended_at)| ActivitySession {
                        id,
                        guild_id: GuildId::from_db(guild),
                        user_id: UserId::from_db(user),
                        game,
                        started_at: from_db(started_at),
                        ended_at: ended_at.map(from_db),
                    },
                )
                .collect())
        })
    }

    #[expect(
        clippy::type_complexity,
        reason = "the row's time type differs per backend, so it cannot be named in one alias"
    )]
    async fn joins(&self, guild_id: GuildId) -> Result<Vec<JoinRecord>, StoreError> {
        on_pool!(self, |pool, _to_db, from_db| {
            let rows: Vec<(i64, _, String, Option<String>, Option<i64>, Option<_>)> =
                sqlx::query_as(
                    "SELECT user_id, joined_at, source, invite_code, inviter_id, left_at
                     FROM member_joins WHERE guild_id = $1 ORDER BY joined_at, id",
                )
                .bind(guild_id.to_db())
                .fetch_all(pool)
                .await?;
            Ok(rows
                .into_iter()
                .map(|(user, joined_at, source, code, inviter, left_at)| {
                    let source = match (source.as_str(), code) {
                        ("invite", Some(code)) => JoinSource::Invite {
                            code,
                            inviter_id: inviter.map(UserId::from_db),
                        },
                        ("vanity", None) => JoinSource::Vanity,
                        ("unknown", None) => JoinSource::Unknown,
                        (other, _) => panic!("unknown join source {other}"),
                    };
                    JoinRecord {
                        user_id: UserId::from_db(user),
                        joined_at: from_db(joined_at),
                        source,
                        left_at: left_at.map(from_db),
                    }
                })
                .collect())
        })
    }

    async fn message_rows(
        &self,
        guild_id: GuildId,
    ) -> Result<Vec<(MessageKey, MessageCounts)>, StoreError> {
        on_pool!(self, |pool, _to_db, from_db| {
            let rows: Vec<(_, i64, i64, i64, i64, i64, i64)> = sqlx::query_as(
                "SELECT hour, channel_id, user_id, messages, with_attachments, replies, in_threads
                 FROM message_rollups WHERE guild_id = $1 ORDER BY hour, channel_id, user_id",
            )
            .bind(guild_id.to_db())
            .fetch_all(pool)
            .await?;
            Ok(rows
                .into_iter()
                .map(
                    |(hour, channel, user, messages, attachments, replies, threads)| {
                        (
                            MessageKey {
                                guild_id,
                                channel_id: ChannelId::from_db(channel),
                                user_id: UserId::from_db(user),
                                hour: from_db(hour),
                            },
                            MessageCounts {
                                messages: count(messages),
                                with_attachments: count(attachments),
                                replies: count(replies),
                                in_threads: count(threads),
                            },
                        )
                    },
                )
                .collect())
        })
    }

    async fn emoji_rows(
        &self,
        guild_id: GuildId,
    ) -> Result<Vec<(EmojiKey, EmojiCounts)>, StoreError> {
        on_pool!(self, |pool, _to_db, from_db| {
            let rows: Vec<(_, String, i64, i64, i64, i64)> = sqlx::query_as(
                "SELECT hour, emoji, user_id, reactions_added, reactions_removed, in_messages
                 FROM emoji_rollups WHERE guild_id = $1 ORDER BY hour, emoji, user_id",
            )
            .bind(guild_id.to_db())
            .fetch_all(pool)
            .await?;
            Ok(rows
                .into_iter()
                .map(|(hour, emoji, user, added, removed, in_messages)| {
                    (
                        EmojiKey {
                            guild_id,
                            emoji,
                            user_id: UserId::from_db(user),
                            hour: from_db(hour),
                        },
                        EmojiCounts {
                            reactions_added: count(added),
                            reactions_removed: count(removed),
                            in_messages: count(in_messages),
                        },
                    )
                })
                .collect())
        })
    }

    async fn app_rows(&self, guild_id: GuildId) -> Result<Vec<(AppKey, u64)>, StoreError> {
        on_pool!(self, |pool, _to_db, from_db| {
            let rows: Vec<(_, i64, String, i64, i64)> = sqlx::query_as(
                "SELECT hour, application_id, command, user_id, uses
                 FROM app_rollups WHERE guild_id = $1
                 ORDER BY hour, application_id, command, user_id",
            )
            .bind(guild_id.to_db())
            .fetch_all(pool)
            .await?;
            Ok(rows
                .into_iter()
                .map(|(hour, application, command, user, uses)| {
                    (
                        AppKey {
                            guild_id,
                            // Application ids are snowflakes, stored bit for bit.
                            application_id: u64::from_ne_bytes(application.to_ne_bytes()),
                            command,
                            user_id: UserId::from_db(user),
                            hour: from_db(hour),
                        },
                        count(uses),
                    )
                })
                .collect())
        })
    }
}
