//! Moving a whole organisation between databases: every table row by row, between SQLite and
//! PostgreSQL in either direction, in one transaction on the receiving side, verified by a count
//! and a checksum per table. Backups, restores and `concentric copy` all run through here.
//!
//! Tables are read from the migrated schema, not listed by hand, so a new table is carried
//! without a change here. Rows are streamed from one consistent snapshot of the source.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};
use sqlx::{Column, Row, TypeInfo, ValueRef};

use crate::db::{Arg, Backend, Db, Tx};
use crate::{Result, Store, StoreError};

/// What was carried for one table, with a checksum of its rows that does not depend on order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableReport {
    pub table: String,
    pub rows: u64,
    pub checksum: String,
}

/// The kind of value a column holds, as the receiving side needs it bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Real,
    Text,
    Bool,
    Bytes,
    /// Untyped (SQLite full-text columns): the value keeps its own kind.
    Any,
}

impl Kind {
    fn of(declared: &str) -> Self {
        let t = declared.to_ascii_uppercase();
        match t.as_str() {
            "" => Self::Any,
            _ if t.contains("BOOL") => Self::Bool,
            _ if t.contains("INT") => Self::Int,
            _ if t.contains("REAL") || t.contains("DOUB") || t.contains("FLOAT") => Self::Real,
            _ if t.contains("BLOB") || t.contains("BYTEA") => Self::Bytes,
            _ => Self::Text,
        }
    }
}

#[derive(Debug, Clone)]
struct Table {
    name: String,
    /// Copied columns with the receiving side's kinds; generated columns are left out.
    columns: Vec<(String, Kind)>,
    /// Tables it refers to (not itself).
    refers_to: BTreeSet<String>,
    /// Its own columns referring to itself (a manager, a parent team): filled in a second pass.
    self_refs: Vec<String>,
    /// A PostgreSQL identity column needs `OVERRIDING SYSTEM VALUE` and its sequence moved on.
    identity: Option<String>,
}

impl Store {
    /// The organisation's tables in an order that loads referenced rows first.
    async fn tables(&self) -> Result<Vec<Table>> {
        let mut tables = match &self.db {
            Db::Sqlite { read, .. } => sqlite_tables(read).await?,
            Db::Postgres(pool) => postgres_tables(pool).await?,
        };
        let mut ordered: Vec<Table> = Vec::with_capacity(tables.len());
        while !tables.is_empty() {
            let placed: BTreeSet<String> = ordered.iter().map(|t| t.name.clone()).collect();
            let known: BTreeSet<String> = tables.iter().map(|t| t.name.clone()).chain(placed.iter().cloned()).collect();
            let (ready, rest): (Vec<Table>, Vec<Table>) =
                tables.into_iter().partition(|t| t.refers_to.iter().all(|r| placed.contains(r) || !known.contains(r)));
            if ready.is_empty() {
                let names: Vec<String> = rest.iter().map(|t| t.name.clone()).collect();
                return Err(StoreError::Corrupt(format!("tables refer to each other in a cycle: {names:?}")));
            }
            ordered.extend(ready);
            tables = rest;
        }
        Ok(ordered)
    }

    /// Whether the database holds an organisation: any person or team. (Migrations seed a few
    /// rows, such as the default calendar; those alone do not count.)
    pub async fn is_empty(&self) -> Result<bool> {
        let n: i64 = self
            .db
            .read()
            .scalar("SELECT (SELECT COUNT(*) FROM people) + (SELECT COUNT(*) FROM teams)", Vec::new())
            .await?;
        Ok(n == 0)
    }

    /// Copies every row of this database into `to`, which must be migrated to the same version
    /// and hold no organisation unless `replace`. Its rows (an organisation, or the seed rows of
    /// migrations) are deleted first, in the same transaction as the load. Then both sides are
    /// read again and compared by count and checksum per table.
    #[tracing::instrument(skip_all)]
    pub async fn copy_into(&self, to: &Store, replace: bool) -> Result<Vec<TableReport>> {
        let (ours, theirs) = (self.applied_migrations().await?, to.applied_migrations().await?);
        if ours != theirs {
            return Err(StoreError::Corrupt(format!(
                "the two databases are at different migrations ({} and {}): migrate both first",
                ours.last().copied().unwrap_or(0),
                theirs.last().copied().unwrap_or(0)
            )));
        }
        if !replace && !to.is_empty().await? {
            return Err(StoreError::Conflict(concentric_core::FieldError::new(
                "database",
                "the receiving database already holds an organisation; give --force to replace it",
            )));
        }
        let source_tables: BTreeMap<String, Table> =
            self.tables().await?.into_iter().map(|t| (t.name.clone(), t)).collect();
        let tables = to.tables().await?;
        let mut tx = to.db.begin().await?;
        for table in tables.iter().rev() {
            tx.exec().execute(&format!("DELETE FROM {}", table.name), Vec::new()).await?;
        }
        let mut snapshot = self.db.begin_read().await?;
        if self.backend() == Backend::Postgres {
            snapshot.exec().execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", Vec::new()).await?;
        }
        // Only what both sides have: a full-text table's row id or generated vector stays put.
        let shared = |table: &Table| -> Vec<(String, Kind)> {
            let theirs: BTreeSet<&str> = source_tables
                .get(&table.name)
                .map(|t| t.columns.iter().map(|(c, _)| c.as_str()).collect())
                .unwrap_or_default();
            table.columns.iter().filter(|(c, _)| theirs.contains(c.as_str())).cloned().collect()
        };
        let mut sent = Vec::new();
        for table in &tables {
            let columns = shared(table);
            let report = copy_table(&mut snapshot, &mut tx, table, &columns).await?;
            sent.push((table, columns, report));
        }
        drop(snapshot);
        tx.commit().await?;
        // Read back what arrived and compare, table by table.
        for (table, columns, report) in &sent {
            let mut read = to.db.begin_read().await?;
            let arrived = checksum_table(&mut read, table, columns).await?;
            if &arrived != report {
                return Err(StoreError::Corrupt(format!(
                    "{} does not match after copying: {} rows ({}) sent, {} rows ({}) arrived",
                    report.table, report.rows, report.checksum, arrived.rows, arrived.checksum
                )));
            }
        }
        Ok(sent.into_iter().map(|(_, _, report)| report).collect())
    }

    /// The versions of the migrations applied to this database.
    async fn applied_migrations(&self) -> Result<Vec<i64>> {
        Ok(self
            .db
            .read()
            .scalars("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version", Vec::new())
            .await?)
    }

    /// Writes a backup to a new SQLite file at `path`, consistent while the server keeps serving:
    /// SQLite's `VACUUM INTO`, or from PostgreSQL a logical copy of one snapshot into the same
    /// schema (so any backup restores into either backend). Returns what the file holds.
    pub async fn backup_to(&self, path: &Path) -> Result<Vec<TableReport>> {
        if path.exists() {
            return Err(StoreError::Conflict(concentric_core::FieldError::new(
                "file",
                format!("{} exists already; a backup never overwrites a file", path.display()),
            )));
        }
        let url = format!("sqlite://{}", path.display());
        match &self.db {
            Db::Sqlite { write, .. } => {
                sqlx::query("VACUUM INTO $1").bind(path.display().to_string()).execute(write).await?;
                let file = Store::connect(&url, crate::PoolOptions::default()).await?;
                let reports = file.reports().await;
                file.close().await;
                reports
            }
            Db::Postgres(_) => {
                let file = Store::connect(&url, crate::PoolOptions::default()).await?;
                file.migrate().await?;
                let reports = self.copy_into(&file, false).await;
                file.close().await;
                reports
            }
        }
    }

    /// Restores a backup file into this database, which must hold no organisation unless
    /// `replace`. The file is read from a copy brought to the current migrations first, so a
    /// backup from an older release restores too.
    pub async fn restore_from(&self, path: &Path, replace: bool) -> Result<Vec<TableReport>> {
        if !path.is_file() {
            return Err(StoreError::NotFound("backup file"));
        }
        if !replace && !self.is_empty().await? {
            return Err(StoreError::Conflict(concentric_core::FieldError::new(
                "database",
                "the database already holds an organisation; give --force to replace it",
            )));
        }
        let scratch = crate::scratch::Scratch::create("sqlite:").await?;
        let copied = scratch.url().trim_start_matches("sqlite://").to_owned();
        std::fs::copy(path, &copied).map_err(sqlx::Error::Io)?;
        // A file copied while its database was open may still have rows in its write-ahead log.
        let mut log = path.as_os_str().to_owned();
        log.push("-wal");
        if Path::new(&log).is_file() {
            std::fs::copy(&log, format!("{copied}-wal")).map_err(sqlx::Error::Io)?;
        }
        let file = Store::connect(scratch.url(), crate::PoolOptions::default()).await?;
        let result = match file.migrate().await {
            Ok(()) => file.copy_into(self, replace).await,
            Err(e) => Err(e),
        };
        file.close().await;
        scratch.remove().await?;
        result
    }

    /// Counts and checksums of every table, as [`Store::copy_into`] reports them.
    pub async fn reports(&self) -> Result<Vec<TableReport>> {
        let mut out = Vec::new();
        for table in self.tables().await? {
            let mut read = self.db.begin_read().await?;
            out.push(checksum_table(&mut read, &table, &table.columns).await?);
        }
        Ok(out)
    }
}

/// Rows per insert statement: well under both backends' limits on bound parameters.
fn batch_rows(columns: usize) -> usize {
    (30_000 / columns.max(1)).clamp(1, 500)
}

async fn copy_table(snapshot: &mut Tx, tx: &mut Tx, table: &Table, columns: &[(String, Kind)]) -> Result<TableReport> {
    let names: Vec<&str> = columns.iter().map(|(c, _)| c.as_str()).collect();
    let mut sum: u128 = 0;
    let mut rows: u64 = 0;
    let mut batch: Vec<Vec<Arg>> = Vec::new();
    let mut deferred: Vec<Vec<Arg>> = Vec::new();
    let select = format!("SELECT {} FROM {}", names.join(", "), table.name);
    if names.is_empty() {
        return Ok(TableReport { table: table.name.clone(), rows: 0, checksum: format!("{sum:032x}") });
    }
    let self_ref_at: Vec<usize> = table.self_refs.iter().filter_map(|c| names.iter().position(|n| n == c)).collect();
    let key_at = names.iter().position(|n| *n == "id");
    {
        let mut stream = read_rows(snapshot, &select, columns);
        while let Some(values) = stream.try_next().await? {
            sum = sum.wrapping_add(row_hash(&values));
            rows += 1;
            let mut values = values;
            // A reference to a row of the same table may point ahead: set it once all are in.
            if let Some(key) = key_at.filter(|_| self_ref_at.iter().any(|&i| !is_null(&values[i]))) {
                let mut later = vec![values[key].clone()];
                for &i in &self_ref_at {
                    let blank = null_like(&values[i]);
                    later.push(std::mem::replace(&mut values[i], blank));
                }
                deferred.push(later);
            }
            batch.push(values);
            if batch.len() >= batch_rows(names.len()) {
                insert(tx, table, &names, std::mem::take(&mut batch)).await?;
            }
        }
    }
    if !batch.is_empty() {
        insert(tx, table, &names, batch).await?;
    }
    for later in deferred {
        let sets: Vec<String> =
            self_ref_at.iter().enumerate().map(|(n, &i)| format!("{} = ${}", names[i], n + 2)).collect();
        let mut args = vec![later[0].clone()];
        args.extend(later.into_iter().skip(1));
        // The key is the first argument; the references follow in order.
        let sql = format!("UPDATE {} SET {} WHERE id = $1", table.name, sets.join(", "));
        tx.exec().execute(&sql, args).await?;
    }
    if let Some(identity) = &table.identity {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('{0}', '{1}'), COALESCE((SELECT MAX({1}) FROM {0}), 0) + 1, false)",
            table.name, identity
        );
        tx.exec().execute(&sql, Vec::new()).await?;
    }
    Ok(TableReport { table: table.name.clone(), rows, checksum: format!("{sum:032x}") })
}

async fn checksum_table(read: &mut Tx, table: &Table, columns: &[(String, Kind)]) -> Result<TableReport> {
    let names: Vec<&str> = columns.iter().map(|(c, _)| c.as_str()).collect();
    let (mut sum, mut rows) = (0u128, 0u64);
    if !names.is_empty() {
        let select = format!("SELECT {} FROM {}", names.join(", "), table.name);
        let mut stream = read_rows(read, &select, columns);
        while let Some(values) = stream.try_next().await? {
            sum = sum.wrapping_add(row_hash(&values));
            rows += 1;
        }
    }
    Ok(TableReport { table: table.name.clone(), rows, checksum: format!("{sum:032x}") })
}

async fn insert(tx: &mut Tx, table: &Table, names: &[&str], rows: Vec<Vec<Arg>>) -> Result<()> {
    let width = names.len();
    let tuples: Vec<String> = (0..rows.len())
        .map(|r| format!("({})", (1..=width).map(|c| format!("${}", r * width + c)).collect::<Vec<_>>().join(", ")))
        .collect();
    let overriding = if table.identity.is_some() { " OVERRIDING SYSTEM VALUE" } else { "" };
    let sql = format!("INSERT INTO {} ({}){overriding} VALUES {}", table.name, names.join(", "), tuples.join(", "));
    tx.exec().execute(&sql, rows.into_iter().flatten().collect()).await?;
    Ok(())
}

fn is_null(v: &Arg) -> bool {
    matches!(v, Arg::Int(None) | Arg::Real(None) | Arg::Text(None) | Arg::Bool(None) | Arg::Bytes(None))
}

fn null_like(v: &Arg) -> Arg {
    match v {
        Arg::Int(_) => Arg::Int(None),
        Arg::Real(_) => Arg::Real(None),
        Arg::Text(_) => Arg::Text(None),
        Arg::Bool(_) => Arg::Bool(None),
        Arg::Bytes(_) => Arg::Bytes(None),
    }
}

/// A row's fingerprint, the same whichever backend it was read from (booleans count as 0/1).
fn row_hash(values: &[Arg]) -> u128 {
    let mut h = Sha256::new();
    for v in values {
        match v {
            Arg::Int(Some(i)) => h.update(format!("i{i};")),
            Arg::Bool(Some(b)) => h.update(format!("i{};", i64::from(*b))),
            Arg::Real(Some(r)) => h.update(format!("r{};", r.to_bits())),
            Arg::Text(Some(t)) => {
                h.update(format!("t{}:", t.len()));
                h.update(t.as_bytes());
            }
            Arg::Bytes(Some(b)) => {
                h.update(format!("b{}:", b.len()));
                h.update(b);
            }
            _ => h.update("n;"),
        }
    }
    let digest = h.finalize();
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    u128::from_be_bytes(first)
}

/// Streams a table's rows from either backend as values of the receiving side's kinds.
fn read_rows<'a>(
    tx: &'a mut Tx,
    select: &'a str,
    columns: &'a [(String, Kind)],
) -> futures_util::stream::BoxStream<'a, Result<Vec<Arg>>> {
    match tx {
        Tx::Sqlite(tx) => Box::pin(
            sqlx::query(select)
                .fetch(&mut **tx)
                .map_err(StoreError::from)
                .and_then(move |row| async move { sqlite_values(&row, columns) }),
        ),
        Tx::Postgres(tx) => Box::pin(
            sqlx::query(select)
                .fetch(&mut **tx)
                .map_err(StoreError::from)
                .and_then(move |row| async move { postgres_values(&row, columns) }),
        ),
    }
}

fn sqlite_values(row: &sqlx::sqlite::SqliteRow, columns: &[(String, Kind)]) -> Result<Vec<Arg>> {
    let mut out = Vec::with_capacity(columns.len());
    for (i, (_, kind)) in columns.iter().enumerate() {
        let raw = row.try_get_raw(i)?;
        let stored = if raw.is_null() { "NULL".to_owned() } else { raw.type_info().name().to_owned() };
        let value = match stored.as_str() {
            "NULL" => Value::Null,
            "REAL" => Value::Real(row.try_get(i)?),
            "TEXT" => Value::Text(row.try_get(i)?),
            "BLOB" => Value::Bytes(row.try_get(i)?),
            _ => Value::Int(row.try_get(i)?),
        };
        out.push(value.into_arg(*kind));
    }
    Ok(out)
}

fn postgres_values(row: &sqlx::postgres::PgRow, columns: &[(String, Kind)]) -> Result<Vec<Arg>> {
    let mut out = Vec::with_capacity(columns.len());
    for (i, (_, kind)) in columns.iter().enumerate() {
        let raw = row.try_get_raw(i)?;
        let value = if raw.is_null() {
            Value::Null
        } else {
            match row.columns()[i].type_info().name() {
                "BOOL" => Value::Int(i64::from(row.try_get::<bool, _>(i)?)),
                "INT2" => Value::Int(row.try_get::<i16, _>(i)?.into()),
                "INT4" => Value::Int(row.try_get::<i32, _>(i)?.into()),
                "INT8" => Value::Int(row.try_get(i)?),
                "FLOAT4" => Value::Real(row.try_get::<f32, _>(i)?.into()),
                "FLOAT8" => Value::Real(row.try_get(i)?),
                "BYTEA" => Value::Bytes(row.try_get(i)?),
                _ => Value::Text(row.try_get(i)?),
            }
        };
        out.push(value.into_arg(*kind));
    }
    Ok(out)
}

/// A value as read, before it takes the receiving column's kind.
enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Bytes(Vec<u8>),
}

impl Value {
    fn into_arg(self, kind: Kind) -> Arg {
        match (self, kind) {
            (Value::Null, Kind::Bool) => Arg::Bool(None),
            (Value::Null, Kind::Real) => Arg::Real(None),
            (Value::Null, Kind::Text) => Arg::Text(None),
            (Value::Null, Kind::Bytes) => Arg::Bytes(None),
            (Value::Null, _) => Arg::Int(None),
            (Value::Int(i), Kind::Bool) => Arg::Bool(Some(i != 0)),
            (Value::Int(i), Kind::Real) => Arg::Real(Some(i as f64)),
            (Value::Int(i), Kind::Text) => Arg::Text(Some(i.to_string())),
            (Value::Int(i), _) => Arg::Int(Some(i)),
            (Value::Real(r), Kind::Int) => Arg::Int(Some(r as i64)),
            (Value::Real(r), _) => Arg::Real(Some(r)),
            (Value::Text(t), Kind::Int) => Arg::Int(t.parse().ok()),
            (Value::Text(t), Kind::Bytes) => Arg::Bytes(Some(t.into_bytes())),
            (Value::Text(t), _) => Arg::Text(Some(t)),
            (Value::Bytes(b), _) => Arg::Bytes(Some(b)),
        }
    }
}

/// Tables, columns and references of a SQLite database, from its catalog.
async fn sqlite_tables(pool: &sqlx::SqlitePool) -> Result<Vec<Table>> {
    let all: Vec<(String, String)> =
        sqlx::query_as("SELECT name, COALESCE(sql, '') FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .fetch_all(pool)
            .await?;
    let virtual_tables: Vec<&str> =
        all.iter().filter(|(_, sql)| sql.starts_with("CREATE VIRTUAL")).map(|(n, _)| n.as_str()).collect();
    let mut out = Vec::new();
    for (name, _) in &all {
        let shadow = virtual_tables.iter().any(|v| name.starts_with(&format!("{v}_")));
        if name.starts_with("sqlite_") || name.starts_with("_sqlx") || shadow {
            continue;
        }
        // table_xinfo marks generated columns as hidden (2 or 3); FTS5 columns come as 0.
        let columns: Vec<(String, String, i64)> =
            sqlx::query_as(&format!("SELECT name, type, hidden FROM pragma_table_xinfo('{name}')"))
                .fetch_all(pool)
                .await?;
        let references: Vec<(String, String)> =
            sqlx::query_as(&format!("SELECT \"table\", \"from\" FROM pragma_foreign_key_list('{name}')"))
                .fetch_all(pool)
                .await?;
        out.push(Table {
            name: name.clone(),
            columns: columns.into_iter().filter(|(_, _, h)| *h == 0).map(|(c, t, _)| (c, Kind::of(&t))).collect(),
            refers_to: references.iter().filter(|(t, _)| t != name).map(|(t, _)| t.clone()).collect(),
            self_refs: references.iter().filter(|(t, _)| t == name).map(|(_, c)| c.clone()).collect(),
            identity: None,
        });
    }
    Ok(out)
}

/// Tables, columns and references of a PostgreSQL database, from its catalog.
async fn postgres_tables(pool: &sqlx::PgPool) -> Result<Vec<Table>> {
    let columns: Vec<(String, String, String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text, is_generated::text, is_identity::text \
         FROM information_schema.columns WHERE table_schema = current_schema() \
         AND table_name NOT LIKE '\\_sqlx%' ORDER BY table_name, ordinal_position",
    )
    .fetch_all(pool)
    .await?;
    let references: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text, a.attname::text \
         FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) \
         WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace",
    )
    .fetch_all(pool)
    .await?;
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for (table, column, data_type, generated, identity) in columns {
        let t = tables.entry(table.clone()).or_insert_with(|| Table {
            name: table.clone(),
            columns: Vec::new(),
            refers_to: BTreeSet::new(),
            self_refs: Vec::new(),
            identity: None,
        });
        if generated == "ALWAYS" || data_type == "tsvector" {
            continue;
        }
        if identity == "YES" {
            t.identity = Some(column.clone());
        }
        t.columns.push((column, Kind::of(&data_type)));
    }
    for (from, to, column) in references {
        if let Some(t) = tables.get_mut(&from) {
            if from == to {
                t.self_refs.push(column);
            } else {
                t.refers_to.insert(to);
            }
        }
    }
    Ok(tables.into_values().collect())
}
