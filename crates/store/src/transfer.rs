//! Moving a whole organisation between databases: every table row by row, between SQLite and
//! PostgreSQL in either direction, in one transaction on the receiving side, verified by a count
//! and a checksum per table. Backups, restores and `concentric copy` all run through here.
//!
//! Tables are read from the migrated schema, not listed by hand, so a new table is carried
//! without a change here. Rows are streamed from one consistent snapshot of the source.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use sha2::{Digest, Sha256};

use crate::db::{Arg, Backend, DbError, RowRef, Tx};
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
        self.db.read(|mut tx| tables_in(&mut tx)).await
    }

    /// Whether the database holds an organisation: any person or team. (Migrations seed a few
    /// rows, such as the default calendar; those alone do not count.)
    #[tracing::instrument(skip_all)]
    pub async fn is_empty(&self) -> Result<bool> {
        let n: i64 = self
            .db
            .read(|mut tx| {
                Ok(tx
                    .exec()
                    .scalar("SELECT (SELECT COUNT(*) FROM people) + (SELECT COUNT(*) FROM teams)", Vec::new())?)
            })
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
        // Only what both sides have: a full-text table's row id or generated vector stays put.
        let plan: Vec<(Table, Vec<(String, Kind)>)> = tables
            .into_iter()
            .map(|table| {
                let theirs: BTreeSet<&str> = source_tables
                    .get(&table.name)
                    .map(|t| t.columns.iter().map(|(c, _)| c.as_str()).collect())
                    .unwrap_or_default();
                let columns = table.columns.iter().filter(|(c, _)| theirs.contains(c.as_str())).cloned().collect();
                (table, columns)
            })
            .collect();
        // The source's reader streams rows to the receiver's writer through a bounded channel:
        // one snapshot read, one transaction written, neither side holding the whole database.
        let (send, receive) = sync_channel::<Carried>(8);
        let read_plan = plan.clone();
        let reading = self.db.read(move |mut tx| {
            if tx.backend() == Backend::Postgres {
                tx.batch("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")?;
            }
            send_tables(&mut tx, &read_plan, &send)
        });
        let write_plan = plan.clone();
        let writing = to.db.write(move |mut tx| receive_tables(&mut tx, &write_plan, &receive));
        let (read, written) = tokio::join!(reading, writing);
        let sent = match (read, written) {
            (Ok(()), Ok(sent)) => sent,
            // The side that failed first says why; the other only saw its partner stop.
            (Err(e), _) | (Ok(()), Err(e)) => return Err(e),
        };
        // Read back what arrived and compare, table by table.
        let arrived = to.db.read(move |mut tx| checksums(&mut tx, &plan)).await?;
        for (report, arrived) in sent.iter().zip(&arrived) {
            if arrived != report {
                return Err(StoreError::Corrupt(format!(
                    "{} does not match after copying: {} rows ({}) sent, {} rows ({}) arrived",
                    report.table, report.rows, report.checksum, arrived.rows, arrived.checksum
                )));
            }
        }
        let filled: Vec<&str> = sent.iter().filter(|t| t.rows > 0).map(|t| t.table.as_str()).collect();
        to.db.settle_loaded(&filled).await?;
        Ok(sent)
    }

    /// The versions of the migrations applied to this database.
    async fn applied_migrations(&self) -> Result<Vec<i64>> {
        self.db
            .read(|mut tx| {
                Ok(tx
                    .exec()
                    .scalars("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version", Vec::new())?)
            })
            .await
    }

    /// Writes a backup to a new SQLite file at `path`, consistent while the server keeps serving:
    /// SQLite's `VACUUM INTO`, or from PostgreSQL a logical copy of one snapshot into the same
    /// schema (so any backup restores into either backend). Returns what the file holds.
    #[tracing::instrument(skip_all)]
    pub async fn backup_to(&self, path: &Path) -> Result<Vec<TableReport>> {
        if path.exists() {
            return Err(StoreError::Conflict(concentric_core::FieldError::new(
                "file",
                format!("{} exists already; a backup never overwrites a file", path.display()),
            )));
        }
        let url = format!("sqlite://{}", path.display());
        match self.backend() {
            Backend::Sqlite => {
                let target = path.display().to_string().replace('\'', "''");
                // VACUUM cannot run inside a transaction: the writer runs it on its own.
                self.db.alone(move |mut tx| Ok(tx.batch(&format!("VACUUM INTO '{target}'"))?)).await?;
                let file = Store::connect(&url, crate::PoolOptions::default()).await?;
                let reports = file.reports().await;
                file.close().await;
                reports
            }
            Backend::Postgres => {
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
    #[tracing::instrument(skip_all)]
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
        std::fs::copy(path, &copied).map_err(|e| DbError::Engine(format!("{}: {e}", path.display())))?;
        // A file copied while its database was open may still have rows in its write-ahead log.
        let mut log = path.as_os_str().to_owned();
        log.push("-wal");
        if Path::new(&log).is_file() {
            std::fs::copy(&log, format!("{copied}-wal"))
                .map_err(|e| DbError::Engine(format!("write-ahead log: {e}")))?;
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
    #[tracing::instrument(skip_all)]
    pub async fn reports(&self) -> Result<Vec<TableReport>> {
        self.db
            .read(|mut tx| {
                let plan: Vec<(Table, Vec<(String, Kind)>)> =
                    tables_in(&mut tx)?.into_iter().map(|t| (t.clone(), t.columns)).collect();
                checksums(&mut tx, &plan)
            })
            .await
    }
}

/// What the source's reader hands the receiving writer.
enum Carried {
    Rows(Vec<Vec<Arg>>),
    /// The table is complete; its report as sent.
    Done(TableReport),
}

/// Reads every planned table in turn and sends its rows in batches (source side).
fn send_tables(tx: &mut Tx<'_>, plan: &[(Table, Vec<(String, Kind)>)], send: &SyncSender<Carried>) -> Result<()> {
    let stopped = || StoreError::Database(DbError::Engine("the receiving database stopped the copy".into()));
    for (table, columns) in plan {
        let (mut sum, mut rows) = (0u128, 0u64);
        let mut batch = Vec::new();
        let size = batch_rows(columns.len());
        read_rows(tx, table, columns, |values| {
            sum = sum.wrapping_add(row_hash(&values));
            rows += 1;
            batch.push(values);
            if batch.len() >= size {
                send.send(Carried::Rows(std::mem::take(&mut batch))).map_err(|_| stopped())?;
            }
            Ok(())
        })?;
        if !batch.is_empty() {
            send.send(Carried::Rows(batch)).map_err(|_| stopped())?;
        }
        let report = TableReport { table: table.name.clone(), rows, checksum: format!("{sum:032x}") };
        send.send(Carried::Done(report)).map_err(|_| stopped())?;
    }
    Ok(())
}

/// Empties the receiving database and loads every planned table from the channel (receiving side).
fn receive_tables(
    tx: &mut Tx<'_>,
    plan: &[(Table, Vec<(String, Kind)>)],
    receive: &Receiver<Carried>,
) -> Result<Vec<TableReport>> {
    let stopped = || StoreError::Database(DbError::Engine("the source database stopped the copy".into()));
    for (table, _) in plan.iter().rev() {
        tx.exec().execute(&format!("DELETE FROM {}", table.name), Vec::new())?;
    }
    let mut reports = Vec::with_capacity(plan.len());
    for (table, columns) in plan {
        let names: Vec<&str> = columns.iter().map(|(c, _)| c.as_str()).collect();
        let self_ref_at: Vec<usize> =
            table.self_refs.iter().filter_map(|c| names.iter().position(|n| n == c)).collect();
        let key_at = names.iter().position(|n| *n == "id");
        let mut deferred: Vec<Vec<Arg>> = Vec::new();
        loop {
            match receive.recv().map_err(|_| stopped())? {
                Carried::Rows(mut rows) => {
                    for values in &mut rows {
                        // A reference to a row of the same table may point ahead: set it once all are in.
                        if let Some(key) = key_at.filter(|_| self_ref_at.iter().any(|&i| !is_null(&values[i]))) {
                            let mut later = vec![values[key].clone()];
                            for &i in &self_ref_at {
                                let blank = null_like(&values[i]);
                                later.push(std::mem::replace(&mut values[i], blank));
                            }
                            deferred.push(later);
                        }
                    }
                    insert(tx, table, &names, rows)?;
                }
                Carried::Done(report) => {
                    reports.push(report);
                    break;
                }
            }
        }
        for later in deferred {
            let sets: Vec<String> =
                self_ref_at.iter().enumerate().map(|(n, &i)| format!("{} = ${}", names[i], n + 2)).collect();
            // The key is the first argument; the references follow in order.
            let sql = format!("UPDATE {} SET {} WHERE id = $1", table.name, sets.join(", "));
            tx.exec().execute(&sql, later)?;
        }
        if let Some(identity) = &table.identity {
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('{0}', '{1}'), COALESCE((SELECT MAX({1}) FROM {0}), 0) + 1, false)",
                table.name, identity
            );
            tx.exec().execute(&sql, Vec::new())?;
        }
    }
    Ok(reports)
}

/// Counts and checksums of the planned tables, in one snapshot.
fn checksums(tx: &mut Tx<'_>, plan: &[(Table, Vec<(String, Kind)>)]) -> Result<Vec<TableReport>> {
    let mut out = Vec::with_capacity(plan.len());
    for (table, columns) in plan {
        let (mut sum, mut rows) = (0u128, 0u64);
        read_rows(tx, table, columns, |values| {
            sum = sum.wrapping_add(row_hash(&values));
            rows += 1;
            Ok(())
        })?;
        out.push(TableReport { table: table.name.clone(), rows, checksum: format!("{sum:032x}") });
    }
    Ok(out)
}

/// Rows per insert statement: well under both backends' limits on bound parameters.
fn batch_rows(columns: usize) -> usize {
    (30_000 / columns.max(1)).clamp(1, 500)
}

fn insert(tx: &mut Tx<'_>, table: &Table, names: &[&str], rows: Vec<Vec<Arg>>) -> Result<()> {
    if rows.is_empty() || names.is_empty() {
        return Ok(());
    }
    let width = names.len();
    let tuples: Vec<String> = (0..rows.len())
        .map(|r| format!("({})", (1..=width).map(|c| format!("${}", r * width + c)).collect::<Vec<_>>().join(", ")))
        .collect();
    let overriding = if table.identity.is_some() { " OVERRIDING SYSTEM VALUE" } else { "" };
    let sql = format!("INSERT INTO {} ({}){overriding} VALUES {}", table.name, names.join(", "), tuples.join(", "));
    tx.exec().execute(&sql, rows.into_iter().flatten().collect())?;
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

/// Reads a table's columns row by row, as values of the receiving side's kinds.
fn read_rows(
    tx: &mut Tx<'_>,
    table: &Table,
    columns: &[(String, Kind)],
    mut each: impl FnMut(Vec<Arg>) -> Result<()>,
) -> Result<()> {
    if columns.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = columns.iter().map(|(c, _)| c.as_str()).collect();
    let select = format!("SELECT {} FROM {}", names.join(", "), table.name);
    // A failure of `each` stops the read; it is kept here, as the reader speaks only DbError.
    let mut failed = None;
    let read = tx.exec().for_each(&select, Vec::new(), |row| {
        let values = match row {
            RowRef::Sqlite(r) => sqlite_values(r, columns)?,
            RowRef::Postgres(r) => postgres_values(r, columns)?,
        };
        each(values).map_err(|e| {
            failed = Some(e);
            DbError::Engine("stopped".into())
        })
    });
    match (read, failed) {
        (_, Some(e)) => Err(e),
        (Err(e), None) => Err(e.into()),
        (Ok(()), None) => Ok(()),
    }
}

fn sqlite_values(row: &rusqlite::Row<'_>, columns: &[(String, Kind)]) -> Result<Vec<Arg>, DbError> {
    use rusqlite::types::ValueRef;
    let mut out = Vec::with_capacity(columns.len());
    for (i, (_, kind)) in columns.iter().enumerate() {
        let value = match row.get_ref(i)? {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(v) => Value::Int(v),
            ValueRef::Real(v) => Value::Real(v),
            ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
        };
        out.push(value.into_arg(*kind));
    }
    Ok(out)
}

fn postgres_values(row: &postgres::Row, columns: &[(String, Kind)]) -> Result<Vec<Arg>, DbError> {
    use postgres::types::Type;
    let mut out = Vec::with_capacity(columns.len());
    for (i, (_, kind)) in columns.iter().enumerate() {
        let ty = row.columns()[i].type_().clone();
        let value = match ty {
            Type::BOOL => row.try_get::<_, Option<bool>>(i)?.map(|b| Value::Int(i64::from(b))),
            Type::INT2 => row.try_get::<_, Option<i16>>(i)?.map(|v| Value::Int(v.into())),
            Type::INT4 => row.try_get::<_, Option<i32>>(i)?.map(|v| Value::Int(v.into())),
            Type::INT8 => row.try_get::<_, Option<i64>>(i)?.map(Value::Int),
            Type::FLOAT4 => row.try_get::<_, Option<f32>>(i)?.map(|v| Value::Real(v.into())),
            Type::FLOAT8 => row.try_get::<_, Option<f64>>(i)?.map(Value::Real),
            Type::BYTEA => row.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Bytes),
            _ => row.try_get::<_, Option<String>>(i)?.map(Value::Text),
        }
        .unwrap_or(Value::Null);
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
fn sqlite_tables(tx: &mut Tx<'_>) -> Result<Vec<Table>> {
    let all: Vec<(String, String)> = tx
        .exec()
        .all("SELECT name, COALESCE(sql, '') FROM sqlite_master WHERE type = 'table' ORDER BY name", Vec::new())?;
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
            tx.exec().all(&format!("SELECT name, type, hidden FROM pragma_table_xinfo('{name}')"), Vec::new())?;
        let references: Vec<(String, String)> =
            tx.exec().all(&format!("SELECT \"table\", \"from\" FROM pragma_foreign_key_list('{name}')"), Vec::new())?;
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
fn postgres_tables(tx: &mut Tx<'_>) -> Result<Vec<Table>> {
    let columns: Vec<(String, String, String, String, String)> = tx.exec().all(
        "SELECT table_name::text, column_name::text, data_type::text, is_generated::text, is_identity::text \
         FROM information_schema.columns WHERE table_schema = current_schema() \
         AND table_name NOT LIKE '\\_sqlx%' ORDER BY table_name, ordinal_position",
        Vec::new(),
    )?;
    let references: Vec<(String, String, String)> = tx.exec().all(
        "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text, a.attname::text \
         FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) \
         WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace",
        Vec::new(),
    )?;
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
/// The organisation's tables in an order that loads referenced rows first.
fn tables_in(tx: &mut Tx<'_>) -> Result<Vec<Table>> {
    let mut tables = match tx.backend() {
        Backend::Sqlite => sqlite_tables(tx)?,
        Backend::Postgres => postgres_tables(tx)?,
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

#[cfg(test)]
mod tests {
    use crate::scratch::testing::{migrated, on_postgres, planner_rows};

    /// A copy into PostgreSQL leaves the filled tables analysed and the empty ones not.
    #[tokio::test]
    async fn a_copy_into_postgres_analyses_what_it_filled() {
        on_postgres(|url| async move {
            let (lite_scratch, lite) = migrated("sqlite:").await;
            lite.load_demo(&concentric_core::demo::organisation(), &[]).await.expect("demo");
            let (pg_scratch, pg) = migrated(&url).await;
            lite.copy_into(&pg, false).await.expect("copy");
            for (table, analysed) in [("people", true), ("teams", true), ("notices", false)] {
                let tuples = planner_rows(&pg, table).await;
                assert_eq!(tuples >= 0, analysed, "{table} has {tuples} tuples in the planner's statistics");
            }
            for (scratch, store) in [(lite_scratch, lite), (pg_scratch, pg)] {
                store.close().await;
                scratch.remove().await.expect("remove");
            }
        })
        .await;
    }
}
