//! [`WebhookStore`] for both databases.

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use sqlx::{ColumnIndex, Encode, Executor, IntoArguments, Type};

use super::{Column, Dialect, SqlStore};
use crate::config::Secret;
use crate::domain::ids::{ChannelId, GuildId};
use crate::domain::webhooks::{Event, Events};
use crate::store::codec::StoredId;
use crate::store::webhooks::{Delivery, Hook, NewHook, Paused, WebhookStore};
use crate::store::StoreError;

/// A row of `webhooks` as listed, with its waiting deliveries.
type HookRow<T> = (
    i64,
    String,
    i64,
    i64,
    T,
    i64,
    Option<T>,
    Option<String>,
    Option<T>,
    i64,
    i64,
);

fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

#[async_trait]
impl<DB> WebhookStore for SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    usize: ColumnIndex<DB::Row>,
    i64: Column<DB>,
    String: Column<DB>,
    Option<String>: Column<DB>,
    DB::Time: Column<DB>,
    Option<DB::Time>: Column<DB>,
    for<'a> &'a str: Type<DB> + Encode<'a, DB>,
{
    #[tracing::instrument(skip(self, hook), fields(guild = %hook.guild_id), err(level = "debug"))]
    async fn add_hook(
        &self,
        hook: &NewHook,
        limit: u32,
        at: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError> {
        let (mut tx, held) = self.lock_guild_counting(hook.guild_id, "webhooks").await?;
        if held >= i64::from(limit) {
            return Ok(None);
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO webhooks (guild_id, url, secret, events, channel_id, created_at,
                                   next_attempt_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(hook.guild_id.to_db())
        .bind(hook.url.as_str())
        .bind(hook.secret.expose())
        .bind(hook.events.bits())
        .bind(hook.channel_id.to_db())
        .bind(DB::time_to_db(at))
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn hooks(&self, guild_id: GuildId) -> Result<Vec<Hook>, StoreError> {
        let rows: Vec<HookRow<DB::Time>> = sqlx::query_as(
            "SELECT w.id, w.url, w.events, w.channel_id, w.created_at, w.failures,
                    w.first_failed_at, w.last_error, w.paused_at, w.delivered,
                    (SELECT COUNT(*) FROM webhook_outbox o WHERE o.hook_id = w.id)
             FROM webhooks w WHERE w.guild_id = $1 ORDER BY w.id",
        )
        .bind(guild_id.to_db())
        .fetch_all(&self.pool)
        .await?;
        let time = |value: Option<DB::Time>| value.map(DB::time_from_db).transpose();
        rows.into_iter()
            .map(|row| {
                Ok(Hook {
                    id: row.0,
                    url: row.1,
                    events: Events::from_bits(row.2),
                    channel_id: ChannelId::from_db(row.3),
                    created_at: DB::time_from_db(row.4)?,
                    failures: count(row.5),
                    failing_since: time(row.6)?,
                    last_error: row.7,
                    paused_at: time(row.8)?,
                    delivered: count(row.9),
                    pending: count(row.10),
                })
            })
            .collect()
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn remove_hook(&self, guild_id: GuildId, hook_id: i64) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        // Deleted first rather than left to the cascade: SQLite enforces it only with the pragma.
        sqlx::query(
            "DELETE FROM webhook_outbox WHERE hook_id = $2
             AND EXISTS (SELECT 1 FROM webhooks WHERE id = $2 AND guild_id = $1)",
        )
        .bind(guild_id.to_db())
        .bind(hook_id)
        .execute(&mut *tx)
        .await?;
        let removed = sqlx::query("DELETE FROM webhooks WHERE guild_id = $1 AND id = $2")
            .bind(guild_id.to_db())
            .bind(hook_id)
            .execute(&mut *tx)
            .await
            .map(|done| DB::rows_affected(&done))?;
        tx.commit().await?;
        Ok(removed > 0)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn resume_hook(
        &self,
        guild_id: GuildId,
        hook_id: i64,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let resumed = sqlx::query(
            "UPDATE webhooks SET paused_at = NULL, failures = 0, first_failed_at = NULL,
                                 next_attempt_at = $3
             WHERE guild_id = $1 AND id = $2",
        )
        .bind(guild_id.to_db())
        .bind(hook_id)
        .bind(DB::time_to_db(at))
        .execute(&self.pool)
        .await
        .map(|done| DB::rows_affected(&done))?;
        Ok(resumed > 0)
    }

    #[tracing::instrument(skip(self, envelope), err(level = "debug"))]
    async fn enqueue(
        &self,
        guild_id: GuildId,
        event: Event,
        only: Option<i64>,
        envelope: (&str, &str),
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let (event_id, body) = envelope;
        // Most servers have no hook: a read tells, without taking SQLite's write lock after
        // every /track.
        let following: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM webhooks WHERE guild_id = $1 AND ((events & $2) <> 0 OR id = $3)",
        )
        .bind(guild_id.to_db())
        .bind(event.bit())
        .bind(only.unwrap_or(0))
        .fetch_one(&self.pool)
        .await?;
        if following == 0 {
            return Ok(0);
        }
        // Paused hooks get their events too: they wait for the hook to be resumed. The hook rows
        // are locked (Postgres; a SQLite write is serial anyway) so that two events queued at
        // once get their ids in the order they commit, and a hook never sees a later one first.
        let mut sql =
            "INSERT INTO webhook_outbox (hook_id, guild_id, event, event_id, body, created_at)
             SELECT id, guild_id, $2, $3, $4, $5 FROM webhooks WHERE guild_id = $1"
                .to_owned();
        if only.is_some() {
            sql.push_str(" AND id = $6");
        } else {
            sql.push_str(" AND (events & $6) <> 0");
        }
        sql.push_str(" ORDER BY id");
        sql.push_str(DB::FOR_UPDATE);
        let queued = sqlx::query(&sql)
            .bind(guild_id.to_db())
            .bind(event.key())
            .bind(event_id)
            .bind(body)
            .bind(DB::time_to_db(at))
            .bind(only.unwrap_or_else(|| event.bit()))
            .execute(&self.pool)
            .await
            .map(|done| DB::rows_affected(&done))?;
        Ok(queued)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease_ends_at: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<i64>, StoreError> {
        // The lease test is repeated in the outer WHERE: on Postgres a second process updating
        // the same row waits for the first and then sees its lease, so only one takes it. The
        // rows are picked without waiting for locks, so a claim never deadlocks with an enqueue.
        let ids: Vec<i64> = sqlx::query_scalar(&format!(
            "UPDATE webhooks SET lease_ends_at = $2
             WHERE id IN (
                 SELECT w.id FROM webhooks w
                 WHERE w.paused_at IS NULL AND w.next_attempt_at <= $1
                   AND (w.lease_ends_at IS NULL OR w.lease_ends_at < $1)
                   AND EXISTS (SELECT 1 FROM webhook_outbox o WHERE o.hook_id = w.id)
                 ORDER BY w.next_attempt_at, w.id LIMIT $3{})
               AND (lease_ends_at IS NULL OR lease_ends_at < $1)
             RETURNING id",
            DB::FOR_UPDATE_SKIP_LOCKED
        ))
        .bind(DB::time_to_db(now))
        .bind(DB::time_to_db(lease_ends_at))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(ids)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn next_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let due: Option<DB::Time> = sqlx::query_scalar(&format!(
            "SELECT MIN({greatest}(w.next_attempt_at, COALESCE(w.lease_ends_at, w.next_attempt_at)))
             FROM webhooks w
             WHERE w.paused_at IS NULL
               AND EXISTS (SELECT 1 FROM webhook_outbox o WHERE o.hook_id = w.id)",
            greatest = DB::GREATEST
        ))
        .fetch_one(&self.pool)
        .await?;
        Ok(due.map(DB::time_from_db).transpose()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn next_delivery(&self, hook_id: i64) -> Result<Option<Delivery>, StoreError> {
        let row: Option<(i64, String, String, String, String, String, i64)> = sqlx::query_as(
            "SELECT o.id, w.url, w.secret, o.event, o.event_id, o.body, w.failures
             FROM webhook_outbox o JOIN webhooks w ON w.id = o.hook_id
             WHERE o.hook_id = $1 ORDER BY o.id LIMIT 1",
        )
        .bind(hook_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(
            |(outbox_id, url, secret, event, event_id, body, failures)| Delivery {
                outbox_id,
                hook_id,
                url,
                secret: Secret::new(secret),
                event,
                event_id,
                body,
                failures: count(failures),
            },
        ))
    }

    #[tracing::instrument(skip(self, delivery), fields(hook = delivery.hook_id), err(level = "debug"))]
    async fn delivered(&self, delivery: &Delivery) -> Result<(), StoreError> {
        let hook_id = delivery.hook_id;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM webhook_outbox WHERE id = $1 AND hook_id = $2 AND event_id = $3")
            .bind(delivery.outbox_id)
            .bind(hook_id)
            .bind(delivery.event_id.as_str())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE webhooks SET failures = 0, first_failed_at = NULL, last_error = NULL,
                                 delivered = delivered + 1
             WHERE id = $1",
        )
        .bind(hook_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn delivery_failed(
        &self,
        hook_id: i64,
        error: &str,
        (now, retry_at): (DateTime<Utc>, DateTime<Utc>),
        pause_after: TimeDelta,
    ) -> Result<Option<Paused>, StoreError> {
        let row: Option<(i64, i64, String, Option<DB::Time>)> = sqlx::query_as(
            "UPDATE webhooks SET
                 failures = failures + 1,
                 first_failed_at = COALESCE(first_failed_at, $2),
                 last_error = $3,
                 next_attempt_at = $4,
                 lease_ends_at = NULL,
                 paused_at = CASE WHEN COALESCE(first_failed_at, $2) <= $5 THEN $2 END
             WHERE id = $1 AND paused_at IS NULL
             RETURNING guild_id, channel_id, url, paused_at",
        )
        .bind(hook_id)
        .bind(DB::time_to_db(now))
        .bind(error)
        .bind(DB::time_to_db(retry_at))
        .bind(DB::time_to_db(now - pause_after))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.and_then(|(guild, channel, url, paused)| {
            paused.map(|_| Paused {
                hook_id,
                guild_id: GuildId::from_db(guild),
                channel_id: ChannelId::from_db(channel),
                url,
                last_error: error.to_owned(),
            })
        }))
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn release(&self, hook_id: i64, lease_ends_at: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE webhooks SET lease_ends_at = NULL WHERE id = $1 AND lease_ends_at = $2",
        )
        .bind(hook_id)
        .bind(DB::time_to_db(lease_ends_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn outbox_len(&self) -> Result<u64, StoreError> {
        let waiting: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhook_outbox")
            .fetch_one(&self.pool)
            .await?;
        Ok(count(waiting))
    }
}
