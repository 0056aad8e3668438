//! [`PortableStore`] for both databases. The catalogue is read from the database itself, so a
//! table a migration adds is carried without a change here.

use async_trait::async_trait;
use chrono::DateTime;
use futures::TryStreamExt;
use sqlx::{ColumnIndex, Encode, Executor, IntoArguments, Row, Transaction, Type};

use super::{Column, Dialect, SqlStore};
use crate::domain::ids::GuildId;
use crate::store::portable::{
    parents_first, CopyIn, GuildOverview, KnownGuild, Overview, PortableStore, RowSink, TableShape,
    Value, ValueKind,
};
use crate::store::{Backend, StoreError};

/// Rows handed to a sink at a time, and written per statement.
const BATCH: usize = 500;

/// The catalogue query: `(table, column, declared type)` in column order.
fn catalogue(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "SELECT m.name, c.name, c.type FROM sqlite_master AS m, pragma_table_info(m.name) AS c
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'
             ORDER BY m.name, c.cid"
        }
        Backend::Postgres => {
            "SELECT table_name::text, column_name::text, data_type::text
             FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%'
             ORDER BY table_name, ordinal_position"
        }
    }
}

/// The select list reading `table`'s columns as their portable kinds.
fn select_list(table: &TableShape) -> String {
    table
        .columns
        .iter()
        .map(|(name, kind)| match kind {
            ValueKind::Int => format!("CAST({name} AS BIGINT)"),
            ValueKind::Bool => {
                format!("CAST(CASE WHEN {name} THEN 1 WHEN NOT {name} THEN 0 END AS BIGINT)")
            }
            ValueKind::Text | ValueKind::Time => name.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn read_row<DB>(row: &DB::Row, table: &TableShape) -> Result<Vec<Value>, StoreError>
where
    DB: Dialect,
    usize: ColumnIndex<DB::Row>,
    Option<i64>: Column<DB>,
    Option<String>: Column<DB>,
    Option<DB::Time>: Column<DB>,
{
    let mut values = Vec::with_capacity(table.columns.len());
    for (index, (_, kind)) in table.columns.iter().enumerate() {
        let value = match kind {
            ValueKind::Int => row.try_get::<Option<i64>, _>(index)?.map(Value::Int),
            ValueKind::Bool => row
                .try_get::<Option<i64>, _>(index)?
                .map(|flag| Value::Bool(flag != 0)),
            ValueKind::Text => row.try_get::<Option<String>, _>(index)?.map(Value::Text),
            ValueKind::Time => match row.try_get::<Option<DB::Time>, _>(index)? {
                Some(at) => Some(Value::Int(DB::time_from_db(at)?.timestamp_millis())),
                None => None,
            },
        };
        values.push(value.unwrap_or(Value::Null));
    }
    Ok(values)
}

impl<DB> SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    usize: ColumnIndex<DB::Row>,
    String: Column<DB>,
{
    async fn shapes(&self) -> Result<Vec<TableShape>, StoreError> {
        let columns: Vec<(String, String, String)> = sqlx::query_as(catalogue(DB::BACKEND))
            .fetch_all(&self.pool)
            .await?;
        let mut tables: Vec<TableShape> = Vec::new();
        for (table, column, declared) in columns {
            let kind = ValueKind::of(&column, &declared);
            match tables.last_mut() {
                Some(last) if last.name == table => last.columns.push((column, kind)),
                _ => tables.push(TableShape {
                    name: table,
                    columns: vec![(column, kind)],
                }),
            }
        }
        parents_first(&mut tables);
        Ok(tables)
    }
}

#[async_trait]
impl<DB> PortableStore for SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    usize: ColumnIndex<DB::Row>,
    i64: Column<DB>,
    bool: Column<DB>,
    String: Column<DB>,
    Option<i64>: Column<DB>,
    Option<String>: Column<DB>,
    Option<DB::Time>: Column<DB>,
    for<'a> &'a str: Type<DB> + Encode<'a, DB>,
{
    async fn schema_version(&self) -> Result<i64, StoreError> {
        let version: Option<i64> =
            sqlx::query_scalar("SELECT CAST(MAX(version) AS BIGINT) FROM _sqlx_migrations")
                .fetch_one(&self.pool)
                .await?;
        Ok(version.unwrap_or(0))
    }

    fn latest_migration(&self) -> i64 {
        DB::known_schema()
    }

    async fn tables(&self) -> Result<Vec<TableShape>, StoreError> {
        self.shapes().await
    }

    async fn row_counts(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let mut counts = Vec::new();
        for table in self.shapes().await? {
            let rows: i64 = sqlx::query_scalar(&format!(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM {}",
                table.name
            ))
            .fetch_one(&self.pool)
            .await?;
            counts.push((table.name, u64::try_from(rows).unwrap_or(0)));
        }
        Ok(counts)
    }

    async fn known_guilds(&self) -> Result<Vec<KnownGuild>, StoreError> {
        let rows: Vec<(i64, String, Option<DB::Time>)> =
            sqlx::query_as("SELECT id, name, left_at FROM guilds")
                .fetch_all(&self.pool)
                .await?;
        let mut guilds = rows
            .into_iter()
            .map(|(id, name, left_at)| {
                Ok(KnownGuild {
                    guild: GuildId(u64::try_from(id).unwrap_or_default()),
                    name,
                    left_at: left_at.map(DB::time_from_db).transpose()?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        guilds.sort_by(|a, b| {
            (a.left_at.is_some(), a.name.to_lowercase(), a.guild).cmp(&(
                b.left_at.is_some(),
                b.name.to_lowercase(),
                b.guild,
            ))
        });
        Ok(guilds)
    }

    async fn overview(&self) -> Result<Overview, StoreError> {
        let size = match DB::BACKEND {
            Backend::Sqlite => {
                "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
            }
            Backend::Postgres => "SELECT pg_database_size(current_database())",
        };
        let database_bytes: i64 = sqlx::query_scalar(size).fetch_one(&self.pool).await?;
        let mut guilds: Vec<GuildOverview> = self
            .known_guilds()
            .await?
            .into_iter()
            .map(|known| GuildOverview {
                guild: known.guild,
                name: known.name,
                left_at: known.left_at,
                members: 0,
                rows: 1,
                last_activity: None,
            })
            .collect();
        let by_id: std::collections::HashMap<i64, usize> = guilds
            .iter()
            .enumerate()
            .map(|(index, guild)| (i64::try_from(guild.guild.0).unwrap_or_default(), index))
            .collect();
        let find = |id: i64| by_id.get(&id).copied();
        let members: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT guild_id, CAST(COUNT(*) AS BIGINT) FROM members
             WHERE left_at IS NULL AND NOT is_bot GROUP BY guild_id",
        )
        .fetch_all(&self.pool)
        .await?;
        for (id, count) in members {
            if let Some(index) = find(id) {
                guilds[index].members = u64::try_from(count).unwrap_or_default();
            }
        }
        for table in self.shapes().await? {
            if !table.columns.iter().any(|(column, _)| column == "guild_id") {
                continue;
            }
            let counts: Vec<(i64, i64)> = sqlx::query_as(&format!(
                "SELECT guild_id, CAST(COUNT(*) AS BIGINT) FROM {} GROUP BY guild_id",
                table.name
            ))
            .fetch_all(&self.pool)
            .await?;
            for (id, count) in counts {
                if let Some(index) = find(id) {
                    guilds[index].rows += u64::try_from(count).unwrap_or_default();
                }
            }
        }
        // A stay's end is never before its start, so the later of the two is the last moment
        // it touched; a stay still open counts from its start.
        for (table, moment) in [
            ("message_rollups", "hour"),
            ("voice_sessions", "COALESCE(left_at, joined_at)"),
            ("kill_ledger", "recorded_at"),
        ] {
            let latest: Vec<(i64, Option<DB::Time>)> = sqlx::query_as(&format!(
                "SELECT guild_id, MAX({moment}) FROM {table} GROUP BY guild_id"
            ))
            .fetch_all(&self.pool)
            .await?;
            for (id, at) in latest {
                let (Some(index), Some(at)) = (find(id), at) else {
                    continue;
                };
                let guild = &mut guilds[index];
                let at = DB::time_from_db(at)?;
                guild.last_activity = Some(guild.last_activity.map_or(at, |last| last.max(at)));
            }
        }
        Ok(Overview {
            database_bytes: u64::try_from(database_bytes).unwrap_or_default(),
            guilds,
        })
    }

    async fn read_all(&self, sink: &mut dyn RowSink) -> Result<(), StoreError> {
        let tables = self.shapes().await?;
        let mut tx = self.pool.begin().await?;
        if DB::BACKEND == Backend::Postgres {
            // One snapshot for every table; SQLite's read transaction is one already.
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
        }
        for table in &tables {
            sink.table(table).await?;
            let sql = format!("SELECT {} FROM {}", select_list(table), table.name);
            let mut rows = sqlx::query(&sql).fetch(&mut *tx);
            let mut batch = Vec::with_capacity(BATCH);
            let mut count = 0;
            while let Some(row) = rows.try_next().await? {
                batch.push(read_row::<DB>(&row, table)?);
                count += 1;
                if batch.len() == BATCH {
                    sink.rows(std::mem::take(&mut batch)).await?;
                }
            }
            if !batch.is_empty() {
                sink.rows(batch).await?;
            }
            sink.table_end(count).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn copy_in(&self) -> Result<Box<dyn CopyIn>, StoreError> {
        let shapes = self.shapes().await?;
        let tx = self.begin_write().await?;
        Ok(Box::new(Writer::<DB> {
            tx,
            shapes,
            current: None,
        }))
    }
}

/// Writes rows into one transaction.
struct Writer<DB: Dialect> {
    tx: Transaction<'static, DB>,
    /// The target's tables.
    shapes: Vec<TableShape>,
    /// The table being written: the target's shape and, per incoming column, where it goes.
    current: Option<(TableShape, Vec<(String, ValueKind)>)>,
}

impl<DB> Writer<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    bool: Column<DB>,
    Option<i64>: Column<DB>,
    Option<String>: Column<DB>,
    Option<DB::Time>: Column<DB>,
{
    /// Moves Postgres's identity counter of the current table past its largest id.
    async fn reset_identity(&mut self) -> Result<(), StoreError> {
        let Some((table, _)) = &self.current else {
            return Ok(());
        };
        let numbered = table
            .columns
            .iter()
            .any(|(name, kind)| name == "id" && *kind == ValueKind::Int);
        if DB::BACKEND == Backend::Postgres && numbered {
            let name = &table.name;
            // Tables whose `id` is no identity column have no sequence: nothing happens.
            sqlx::query(&format!(
                "SELECT setval(sequence, COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)
                 FROM (SELECT pg_get_serial_sequence('{name}', 'id') AS sequence) AS identity
                 WHERE sequence IS NOT NULL"
            ))
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }
}

#[async_trait]
impl<DB> RowSink for Writer<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    bool: Column<DB>,
    Option<i64>: Column<DB>,
    Option<String>: Column<DB>,
    Option<DB::Time>: Column<DB>,
{
    async fn table(&mut self, table: &TableShape) -> Result<(), StoreError> {
        let Some(target) = self.shapes.iter().find(|shape| shape.name == table.name) else {
            return Err(StoreError::Copy(format!(
                "this database has no table `{}`: it was made by a newer trakker",
                table.name
            )));
        };
        for (column, _) in &table.columns {
            if !target.columns.iter().any(|(name, _)| name == column) {
                return Err(StoreError::Copy(format!(
                    "this database's table `{}` has no column `{column}`: it was made by a newer trakker",
                    table.name
                )));
            }
        }
        // Written with the target's kinds, which are the same by name on both databases.
        let columns = table
            .columns
            .iter()
            .map(|(name, _)| {
                let kind = target
                    .columns
                    .iter()
                    .find(|(other, _)| other == name)
                    .map_or(ValueKind::Int, |(_, kind)| *kind);
                (name.clone(), kind)
            })
            .collect();
        // A long copy says where it is, and the operator sees which table a failure stopped at.
        tracing::info!(table = %table.name, "copying a table");
        self.current = Some((target.clone(), columns));
        Ok(())
    }

    async fn rows(&mut self, rows: Vec<Vec<Value>>) -> Result<(), StoreError> {
        let Some((table, columns)) = &self.current else {
            return Err(StoreError::Copy("rows came before their table".to_owned()));
        };
        for chunk in rows.chunks(BATCH) {
            let names: Vec<&str> = columns.iter().map(|(name, _)| name.as_str()).collect();
            let mut sql = format!(
                "INSERT INTO {} ({}){} VALUES ",
                table.name,
                names.join(", "),
                if DB::BACKEND == Backend::Postgres {
                    " OVERRIDING SYSTEM VALUE"
                } else {
                    ""
                }
            );
            let mut parameter = 0;
            for (index, _) in chunk.iter().enumerate() {
                if index > 0 {
                    sql.push_str(", ");
                }
                let placeholders: Vec<String> = columns
                    .iter()
                    .map(|_| {
                        parameter += 1;
                        format!("${parameter}")
                    })
                    .collect();
                sql.push('(');
                sql.push_str(&placeholders.join(", "));
                sql.push(')');
            }
            // Rows a previous, interrupted copy already wrote are kept as they are.
            sql.push_str(" ON CONFLICT DO NOTHING");
            let mut query = sqlx::query(&sql);
            for row in chunk {
                if row.len() != columns.len() {
                    return Err(StoreError::Copy(format!(
                        "a row of `{}` has {} values for {} columns",
                        table.name,
                        row.len(),
                        columns.len()
                    )));
                }
                for (value, (name, kind)) in row.iter().zip(columns) {
                    query = match (kind, value) {
                        (ValueKind::Int, Value::Int(number)) => query.bind(Some(*number)),
                        (ValueKind::Int, Value::Null) => query.bind(None::<i64>),
                        (ValueKind::Text, Value::Text(text)) => query.bind(Some(text.clone())),
                        (ValueKind::Text, Value::Null) => query.bind(None::<String>),
                        (ValueKind::Bool, Value::Bool(flag)) => query.bind(*flag),
                        (ValueKind::Time, Value::Int(millis)) => {
                            let at = DateTime::from_timestamp_millis(*millis).ok_or_else(|| {
                                StoreError::Copy(format!("`{name}` holds no time: {millis}"))
                            })?;
                            query.bind(Some(DB::time_to_db(at)))
                        }
                        (ValueKind::Time, Value::Null) => query.bind(None::<DB::Time>),
                        (kind, other) => {
                            return Err(StoreError::Copy(format!(
                                "`{}.{name}` takes {kind:?} values, not {other:?}",
                                table.name
                            )))
                        }
                    };
                }
            }
            query.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    async fn table_end(&mut self, _rows: u64) -> Result<(), StoreError> {
        self.reset_identity().await?;
        self.current = None;
        Ok(())
    }
}

#[async_trait]
impl<DB> CopyIn for Writer<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    bool: Column<DB>,
    Option<i64>: Column<DB>,
    Option<String>: Column<DB>,
    Option<DB::Time>: Column<DB>,
{
    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.tx.commit().await.map_err(StoreError::from_commit)
    }
}
