//! The PostgreSQL backend: production, several shard processes sharing one database.
//!
//! This file opens the pool and says how Postgres differs ([`Dialect`] for [`Postgres`]); the
//! queries themselves are shared, in `store/sql/`. Snowflakes are `bigint` with the bit-preserving
//! cast of [`GuildId::to_db`]; times are `timestamptz`, cut to the millisecond (see
//! [`crate::store::sql::dialect`] for why Postgres keeps a native time type). Bulk writes bind one
//! array per column and `UNNEST` them, so a batch of any size is one statement.
//!
//! The database itself must exist: creating it (and its owner) is the operator's job, done once
//! with `createdb` or the hosting provider's console. `trakker migrate` then creates the tables.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::migrate::Migrator;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions, PgQueryResult};
use sqlx::{Connection, Postgres};

use super::activity::InviteRecord;
use super::codec::{count_to_db, StoredId};
use super::normalize::{truncate_to_millis, RollupRows};
use super::sql::dialect::{
    APP_ROLLUP_UPSERT, CHANNEL_ROLLUP_UPSERT, EMOJI_ROLLUP_UPSERT, INVITE_UPSERT,
    MEMBER_DAY_UPSERT, MEMBER_UPSERT, MESSAGE_ROLLUP_UPSERT,
};
use super::sql::{Dialect, SqlStore};
use super::{unreachable, Backend, MemberRecord, StoreError};
use crate::config::DatabaseUrl;
use crate::domain::ids::{ChannelId, GuildId, UserId};

/// The Postgres migrations, embedded in the binary so `trakker migrate` needs no files beside it.
pub static MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// How long the first connection at start-up may take before failing.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a query waits for a pooled connection before failing as unavailable. A command must
/// be able to say "the database is not answering" inside Discord's three seconds, and while the
/// server is down every new connection is refused, so a longer wait only delays that answer.
/// The batched writer retries failed flushes itself.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

/// Connections per process. Several shard processes share the server's connection limit (small on
/// hosted plans), and the batched writer needs few.
const MAX_CONNECTIONS: u32 = 5;

/// Members written by one `UNNEST` statement: bounds the size of one protocol message.
const MEMBERS_PER_STATEMENT: usize = 10_000;

/// A [`crate::store::Store`] on a PostgreSQL database.
pub type PostgresStore = SqlStore<Postgres>;

impl SqlStore<Postgres> {
    /// Connects to the existing database `url` names, e.g. `postgres://user:pw@host/trakker`.
    /// Migrations are not applied here: see [`crate::store::Store::migrate`].
    ///
    /// # Errors
    /// When the URL is not a Postgres URL, or the server cannot be reached within 10 s or refuses
    /// the connection (wrong password, missing database); the error says which.
    // No `err` here: the caller reports the error, and one message is enough.
    #[tracing::instrument(skip_all, fields(url = %url))]
    pub async fn open(url: &DatabaseUrl) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url.expose())
            .map_err(|error| unreachable::unreachable(url, &error))?
            .application_name("trakker");
        // A pool retries a refused connection until its acquire timeout and then reports only
        // "pool timed out"; one direct attempt first fails at once, with the server's reason.
        match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options)).await {
            Ok(Ok(connection)) => {
                let _ = connection.close().await;
            }
            Ok(Err(error)) => return Err(unreachable::unreachable(url, &error)),
            Err(_) => {
                return Err(unreachable::because(
                    url,
                    format!("no answer within {} s", CONNECT_TIMEOUT.as_secs()),
                ))
            }
        }
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(|error| unreachable::unreachable(url, &error))?;
        Ok(Self {
            pool,
            url: url.clone(),
        })
    }
}

#[async_trait]
impl Dialect for Postgres {
    const BACKEND: Backend = Backend::Postgres;

    type Time = DateTime<Utc>;

    fn time_to_db(at: DateTime<Utc>) -> DateTime<Utc> {
        truncate_to_millis(at)
    }

    fn time_from_db(stored: DateTime<Utc>) -> Result<DateTime<Utc>, sqlx::Error> {
        Ok(stored)
    }

    fn rows_affected(done: &PgQueryResult) -> u64 {
        done.rows_affected()
    }

    const GREATEST: &'static str = "GREATEST";
    const LEAST: &'static str = "LEAST";
    const NULL_SAFE_EQ: &'static str = "IS NOT DISTINCT FROM";
    const FOR_UPDATE_SKIP_LOCKED: &'static str = " FOR UPDATE SKIP LOCKED";
    const FOR_UPDATE: &'static str = " FOR UPDATE";
    const BEGIN_WRITE: &'static str = "BEGIN";

    fn plus_minutes(time: &str, minutes: &str) -> String {
        format!("({time} + make_interval(mins => {minutes}))")
    }

    fn known_schema() -> i64 {
        MIGRATIONS
            .iter()
            .map(|migration| migration.version)
            .max()
            .unwrap_or(0)
    }

    fn millis_between(from: &str, to: &str) -> String {
        format!("CAST(EXTRACT(EPOCH FROM ({to}) - ({from})) * 1000 AS BIGINT)")
    }

    async fn migrate(mut conn: PoolConnection<Postgres>) -> Result<(), StoreError> {
        // sqlx holds a session-level advisory lock (`pg_advisory_lock`, keyed by the database name)
        // from before it creates `_sqlx_migrations` until it is done, so processes starting at the
        // same moment apply migrations one after the other.
        //
        // `run_direct` is `run` without the `Acquire` bound, which the compiler cannot prove `Send`
        // for every lifetime inside an `async_trait` method (sqlx added it for this case).
        match MIGRATIONS.run_direct(&mut *conn).await {
            Ok(()) => Ok(()),
            Err(error) => {
                // A failed run returns without unlocking; closing the session releases the lock,
                // where returning the connection to the pool would keep it held.
                let _ = conn.detach().close().await;
                Err(error.into())
            }
        }
    }

    async fn lock_member(
        tx: &mut PgConnection,
        guild_id: GuildId,
        user_id: UserId,
    ) -> Result<(), sqlx::Error> {
        // Without it, two joins at once would both close nothing and the second insert would break
        // the one-open-session index. A shared key between two members only makes them wait for
        // each other, never wrong.
        sqlx::query("SELECT pg_advisory_xact_lock($1 # $2)")
            .bind(guild_id.to_db())
            .bind(user_id.to_db())
            .execute(tx)
            .await?;
        Ok(())
    }

    async fn upsert_members(
        tx: &mut PgConnection,
        guild_id: GuildId,
        members: &[&MemberRecord],
    ) -> Result<(), sqlx::Error> {
        for chunk in members.chunks(MEMBERS_PER_STATEMENT) {
            let user_ids: Vec<i64> = chunk.iter().map(|m| m.user_id.to_db()).collect();
            let names: Vec<&str> = chunk.iter().map(|m| m.display_name.as_str()).collect();
            let bots: Vec<bool> = chunk.iter().map(|m| m.is_bot).collect();
            let joined: Vec<DateTime<Utc>> = chunk
                .iter()
                .map(|m| truncate_to_millis(m.joined_at))
                .collect();
            let opt_outs: Vec<bool> = chunk.iter().map(|m| m.tracking_opt_out).collect();
            sqlx::query(&format!(
                "INSERT INTO members (guild_id, user_id, display_name, is_bot, joined_at, tracking_opt_out)
                 SELECT $1, * FROM UNNEST($2::bigint[], $3::text[], $4::boolean[], $5::timestamptz[],
                     $6::boolean[]){MEMBER_UPSERT}"
            ))
            .bind(guild_id.to_db())
            .bind(&user_ids)
            .bind(&names)
            .bind(&bots)
            .bind(&joined)
            .bind(&opt_outs)
            .execute(&mut *tx)
            .await?;
        }
        Ok(())
    }

    async fn add_rollups(tx: &mut PgConnection, rows: &RollupRows<'_>) -> Result<(), sqlx::Error> {
        add_message_rollups(tx, rows).await?;
        if !rows.emojis.is_empty() {
            let (mut guilds, mut hours, mut emojis, mut users) = (vec![], vec![], vec![], vec![]);
            let (mut added, mut removed, mut in_messages) = (vec![], vec![], vec![]);
            for ((guild, hour, emoji, user), counts) in &rows.emojis {
                guilds.push(*guild);
                hours.push(*hour);
                emojis.push(*emoji);
                users.push(*user);
                added.push(count_to_db(counts.reactions_added));
                removed.push(count_to_db(counts.reactions_removed));
                in_messages.push(count_to_db(counts.in_messages));
            }
            sqlx::query(&format!(
                "INSERT INTO emoji_rollups (guild_id, hour, emoji, user_id, reactions_added,
                     reactions_removed, in_messages)
                 SELECT * FROM UNNEST($1::bigint[], $2::timestamptz[], $3::text[], $4::bigint[],
                     $5::bigint[], $6::bigint[], $7::bigint[]){EMOJI_ROLLUP_UPSERT}"
            ))
            .bind(&guilds)
            .bind(&hours)
            .bind(&emojis)
            .bind(&users)
            .bind(&added)
            .bind(&removed)
            .bind(&in_messages)
            .execute(&mut *tx)
            .await?;
        }
        if !rows.apps.is_empty() {
            let (mut guilds, mut hours, mut apps) = (vec![], vec![], vec![]);
            let (mut commands, mut users, mut counts) = (vec![], vec![], vec![]);
            for ((guild, hour, app, command, user), count) in &rows.apps {
                guilds.push(*guild);
                hours.push(*hour);
                apps.push(*app);
                commands.push(*command);
                users.push(*user);
                counts.push(count_to_db(*count));
            }
            sqlx::query(&format!(
                "INSERT INTO app_rollups (guild_id, hour, application_id, command, user_id, uses)
                 SELECT * FROM UNNEST($1::bigint[], $2::timestamptz[], $3::bigint[], $4::text[],
                     $5::bigint[], $6::bigint[]){APP_ROLLUP_UPSERT}"
            ))
            .bind(&guilds)
            .bind(&hours)
            .bind(&apps)
            .bind(&commands)
            .bind(&users)
            .bind(&counts)
            .execute(&mut *tx)
            .await?;
        }
        Ok(())
    }

    async fn upsert_invites(
        tx: &mut PgConnection,
        guild_id: GuildId,
        invites: &[&InviteRecord],
    ) -> Result<(), sqlx::Error> {
        if invites.is_empty() {
            return Ok(());
        }
        let codes: Vec<&str> = invites.iter().map(|i| i.code.as_str()).collect();
        let creators: Vec<Option<i64>> = invites
            .iter()
            .map(|i| i.inviter_id.map(UserId::to_db))
            .collect();
        let channels: Vec<Option<i64>> = invites
            .iter()
            .map(|i| i.channel_id.map(ChannelId::to_db))
            .collect();
        let uses: Vec<i64> = invites.iter().map(|i| count_to_db(i.uses)).collect();
        let max_uses: Vec<i64> = invites.iter().map(|i| count_to_db(i.max_uses)).collect();
        let created: Vec<Option<DateTime<Utc>>> = invites
            .iter()
            .map(|i| i.created_at.map(truncate_to_millis))
            .collect();
        sqlx::query(&format!(
            "INSERT INTO invites (guild_id, code, inviter_id, channel_id, uses, max_uses, created_at)
             SELECT $1, * FROM UNNEST($2::text[], $3::bigint[], $4::bigint[], $5::bigint[],
                 $6::bigint[], $7::timestamptz[]){INVITE_UPSERT}"
        ))
        .bind(guild_id.to_db())
        .bind(&codes)
        .bind(&creators)
        .bind(&channels)
        .bind(&uses)
        .bind(&max_uses)
        .bind(&created)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }
}

/// The member and server-wide message rows of a flush.
async fn add_message_rollups(
    tx: &mut PgConnection,
    rows: &RollupRows<'_>,
) -> Result<(), sqlx::Error> {
    if !rows.messages.is_empty() {
        let (mut guilds, mut hours, mut channels, mut users) = (vec![], vec![], vec![], vec![]);
        let (mut messages, mut attachments, mut replies, mut threads) =
            (vec![], vec![], vec![], vec![]);
        for ((guild, hour, channel, user), counts) in &rows.messages {
            guilds.push(*guild);
            hours.push(*hour);
            channels.push(*channel);
            users.push(*user);
            messages.push(count_to_db(counts.messages));
            attachments.push(count_to_db(counts.with_attachments));
            replies.push(count_to_db(counts.replies));
            threads.push(count_to_db(counts.in_threads));
        }
        sqlx::query(&format!(
                "INSERT INTO message_rollups (guild_id, hour, channel_id, user_id, messages,
                     with_attachments, replies, in_threads)
                 SELECT * FROM UNNEST($1::bigint[], $2::timestamptz[], $3::bigint[], $4::bigint[],
                     $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[]){MESSAGE_ROLLUP_UPSERT}"
            ))
        .bind(&guilds)
        .bind(&hours)
        .bind(&channels)
        .bind(&users)
        .bind(&messages)
        .bind(&attachments)
        .bind(&replies)
        .bind(&threads)
        .execute(&mut *tx)
        .await?;
    }
    if !rows.channels.is_empty() {
        let (mut guilds, mut hours, mut channels, mut messages) = (vec![], vec![], vec![], vec![]);
        for ((guild, hour, channel), count) in &rows.channels {
            guilds.push(*guild);
            hours.push(*hour);
            channels.push(*channel);
            messages.push(count_to_db(*count));
        }
        sqlx::query(&format!(
            "INSERT INTO channel_rollups (guild_id, hour, channel_id, messages)
                 SELECT * FROM UNNEST($1::bigint[], $2::timestamptz[], $3::bigint[],
                     $4::bigint[]){CHANNEL_ROLLUP_UPSERT}"
        ))
        .bind(&guilds)
        .bind(&hours)
        .bind(&channels)
        .bind(&messages)
        .execute(&mut *tx)
        .await?;
    }
    if !rows.member_days.is_empty() {
        let (mut guilds, mut days, mut users, mut messages) = (vec![], vec![], vec![], vec![]);
        for ((guild, day, user), count) in &rows.member_days {
            guilds.push(*guild);
            days.push(*day);
            users.push(*user);
            messages.push(count_to_db(*count));
        }
        sqlx::query(&format!(
            "INSERT INTO member_message_days (guild_id, day_at, user_id, messages)
                 SELECT * FROM UNNEST($1::bigint[], $2::timestamptz[], $3::bigint[],
                     $4::bigint[]){MEMBER_DAY_UPSERT}"
        ))
        .bind(&guilds)
        .bind(&days)
        .bind(&users)
        .bind(&messages)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}
