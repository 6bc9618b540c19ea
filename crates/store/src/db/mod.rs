//! The one place that knows there are two databases, and how work reaches them.
//!
//! A store operation runs as one *unit of work*: a closure handed to [`Db::write`] or [`Db::read`]
//! that runs, whole, on a thread owning a connection (see [`engine`]). Inside a unit, statements
//! are plain synchronous calls on [`Tx`], prepared once per connection and cached, so an operation
//! costs one thread hop however many statements it runs. Writes are grouped: the writer commits
//! every unit waiting in its queue in one transaction, each inside its own savepoint.
//!
//! Statements are written once with `$1` placeholders (SQLite reads them as named parameters) and
//! bind an owned [`Arg`] list for whichever backend is live. SQL that truly differs between
//! dialects is selected with [`Backend`] next to the statement that needs it.

mod engine;
mod log_sync;
pub(crate) mod migrate;
mod postgres;
mod rows;
mod sqlite;

pub(crate) use engine::Db;
pub(crate) use postgres::connect_url;
pub(crate) use rows::{row, FromRow, RowRef, Scalar};

use std::time::Duration;

/// Statements with more arguments than this (multi-row inserts, whose text changes with their
/// row count) are prepared for one use and not cached: kept, each would hold its whole program.
pub(crate) const ONE_OFF_ARGS: usize = 256;

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// What SQLite promises about an acknowledged write (its `synchronous` setting). Every write is
/// answered only after its group's commit; this says whether that commit survives a power cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// Committed writes survive the process being killed, and the machine losing power.
    /// One `fsync` of the log per group commit (or fewer), by a thread beside the writer;
    /// a write is answered after it.
    #[default]
    Full,
    /// Committed writes survive the process being killed; a power cut may lose the last
    /// commits (never corrupt the file). No `fsync` on commit in WAL mode.
    Normal,
}

impl Synchronous {
    fn pragma(self) -> &'static str {
        match self {
            Self::Full => "FULL",
            Self::Normal => "NORMAL",
        }
    }
}

/// Connection counts and time-outs.
#[derive(Debug, Clone, Copy)]
pub struct PoolOptions {
    /// Connections in all: on SQLite the reader threads besides the one writer (at most one per
    /// core, as SQLite reads are CPU-bound); on PostgreSQL readers and writers together.
    pub max_connections: u32,
    /// How long a statement waits for a lock another process holds (SQLite's busy timeout).
    pub acquire_timeout: Duration,
    pub synchronous: Synchronous,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self { max_connections: 10, acquire_timeout: Duration::from_secs(10), synchronous: Synchronous::default() }
    }
}

/// A database failure, from either backend or from the engine around them.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("{}", pg_message(.0))]
    Postgres(#[from] ::postgres::Error),
    /// A statement that must return a row returned none.
    #[error("no rows returned")]
    NoRow,
    #[error("{0}")]
    Engine(String),
}

/// The server's own words for a PostgreSQL error ("db error" alone tells an operator nothing).
fn pg_message(e: &::postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => e.to_string(),
    }
}

impl DbError {
    /// True when a statement broke a unique constraint (the same test on both backends).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            Self::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => {
                e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            }
            Self::Postgres(e) => e.code() == Some(&::postgres::error::SqlState::UNIQUE_VIOLATION),
            _ => false,
        }
    }
}

/// A connection owned by one engine thread.
#[derive(Debug)]
pub(crate) enum Conn {
    Sqlite(sqlite::Conn),
    Postgres(Box<postgres::Conn>),
}

impl Conn {
    fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs statements without parameters or results: transaction control, migrations.
    fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        match self {
            Self::Sqlite(c) => c.batch(sql),
            Self::Postgres(c) => c.batch(sql),
        }
    }

    fn execute(&mut self, sql: &str, args: &[Arg]) -> Result<u64, DbError> {
        match self {
            Self::Sqlite(c) => c.execute(sql, args),
            Self::Postgres(c) => c.execute(sql, args),
        }
    }

    fn query(
        &mut self,
        sql: &str,
        args: &[Arg],
        each: &mut dyn FnMut(&RowRef<'_>) -> Result<bool, DbError>,
    ) -> Result<(), DbError> {
        match self {
            Self::Sqlite(c) => c.query(sql, args, each),
            Self::Postgres(c) => c.query(sql, args, each),
        }
    }
}

/// The open transaction a unit of work runs in. It commits with the unit's group when the unit
/// returns `Ok`; an `Err` rolls back this unit's changes alone.
#[derive(Debug)]
pub(crate) struct Tx<'c> {
    conn: &'c mut Conn,
    /// Where a write unit in a group leaves statements for the group's end; `None` elsewhere.
    later: Option<&'c mut Vec<engine::Later>>,
}

impl Tx<'_> {
    /// Something to run one statement on.
    pub(crate) fn exec(&mut self) -> Exec<'_> {
        Exec(&mut *self.conn)
    }

    pub(crate) fn backend(&self) -> Backend {
        self.conn.backend()
    }

    /// Runs a script of statements without parameters (a migration, a `VACUUM INTO`).
    pub(crate) fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        self.conn.batch(sql)
    }

    /// Runs a write at the end of the unit's group instead of now: after every unit's savepoint
    /// is released, still before the commit, and only if this unit succeeds. For full-text rows:
    /// FTS5 writes its pending terms out as a new segment at every `SAVEPOINT`, so indexed
    /// inside units it would write (and later merge) one segment per unit. The unit must not
    /// read what it leaves for later. Outside a group, it runs now.
    pub(crate) fn at_group_end(&mut self, sql: &str, args: Vec<Arg>) -> Result<(), DbError> {
        match &mut self.later {
            Some(later) => {
                later.push((sql.to_owned(), args));
                Ok(())
            }
            None => self.conn.execute(sql, &args).map(|_| ()),
        }
    }
}

/// One bind parameter, owned so a statement can be bound for either backend.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Arg {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<String>),
    Bool(Option<bool>),
    Bytes(Option<Vec<u8>>),
}

macro_rules! arg_from {
    ($variant:ident: $($t:ty => $conv:expr),* $(,)?) => {$(
        impl From<$t> for Arg {
            fn from(v: $t) -> Self {
                #[allow(clippy::redundant_closure_call)]
                Arg::$variant(($conv)(v))
            }
        }
    )*};
}
arg_from!(Int: i64 => Some, Option<i64> => |v| v, u32 => |v: u32| Some(i64::from(v)));

/// Typed ids bind as their integer.
macro_rules! id_args {
    ($($id:ident),*) => {$(
        impl From<concentric_core::ids::$id> for Arg {
            fn from(v: concentric_core::ids::$id) -> Self {
                Arg::Int(Some(v.0))
            }
        }
        impl From<Option<concentric_core::ids::$id>> for Arg {
            fn from(v: Option<concentric_core::ids::$id>) -> Self {
                Arg::Int(v.map(|id| id.0))
            }
        }
    )*};
}
id_args!(
    PersonId,
    TeamId,
    TokenId,
    ServiceId,
    RequestId,
    CommentId,
    ReviewId,
    ActionId,
    RoundId,
    PostId,
    MeetingId,
    ThanksId,
    PlacementId
);
arg_from!(Real: f64 => Some, Option<f64> => |v| v);
arg_from!(Text: String => Some, Option<String> => |v| v, &str => |v: &str| Some(v.to_owned()),
    &String => |v: &String| Some(v.clone()), Option<&str> => |v: Option<&str>| v.map(str::to_owned));
arg_from!(Bool: bool => Some);
arg_from!(Bytes: Vec<u8> => Some, Option<Vec<u8>> => |v| v);

impl From<u64> for Arg {
    fn from(v: u64) -> Self {
        Arg::Int(Some(i64::try_from(v).unwrap_or(i64::MAX)))
    }
}

/// Builds a `Vec<Arg>` from values of mixed types.
macro_rules! args {
    ($($e:expr),* $(,)?) => { vec![$($crate::db::Arg::from($e)),*] };
}
pub(crate) use args;

/// Runs statements inside a unit of work: on its transaction, synchronously.
#[derive(Debug)]
pub(crate) struct Exec<'e>(&'e mut Conn);

impl Exec<'_> {
    pub(crate) fn backend(&self) -> Backend {
        self.0.backend()
    }

    /// A shorter-lived handle on the same transaction, to run several statements in turn.
    pub(crate) fn reborrow(&mut self) -> Exec<'_> {
        Exec(&mut *self.0)
    }

    /// Runs a statement, returning the number of rows it touched.
    pub(crate) fn execute(self, sql: &str, args: Vec<Arg>) -> Result<u64, DbError> {
        self.0.execute(sql, &args)
    }

    /// Inserts one row and answers its `id`. `sql` is an `INSERT` without `RETURNING`: SQLite
    /// keeps the rows of a `RETURNING` in an ephemeral table it opens and frees inside the
    /// statement, so there the connection's last rowid is read instead; PostgreSQL returns it.
    pub(crate) fn insert_id(self, sql: &str, args: Vec<Arg>) -> Result<i64, DbError> {
        match self.0 {
            Conn::Sqlite(c) => {
                c.execute(sql, &args)?;
                Ok(c.last_insert_rowid())
            }
            Conn::Postgres(_) => Exec(self.0).scalar(&format!("{sql} RETURNING id"), args),
        }
    }

    /// [`Exec::insert_id`] for an insert that may write nothing (`ON CONFLICT ... DO NOTHING`,
    /// `INSERT ... SELECT ... WHERE`): the new row's `id`, or `None` when nothing was written.
    pub(crate) fn insert_new_id(self, sql: &str, args: Vec<Arg>) -> Result<Option<i64>, DbError> {
        match self.0 {
            Conn::Sqlite(c) => Ok((c.execute(sql, &args)? > 0).then(|| c.last_insert_rowid())),
            Conn::Postgres(_) => Exec(self.0).scalar_opt(&format!("{sql} RETURNING id"), args),
        }
    }

    pub(crate) fn all<R: FromRow>(self, sql: &str, args: Vec<Arg>) -> Result<Vec<R>, DbError> {
        let mut out = Vec::new();
        self.0.query(sql, &args, &mut |row| {
            out.push(R::from_row(row)?);
            Ok(true)
        })?;
        Ok(out)
    }

    pub(crate) fn optional<R: FromRow>(self, sql: &str, args: Vec<Arg>) -> Result<Option<R>, DbError> {
        let mut out = None;
        self.0.query(sql, &args, &mut |row| {
            out = Some(R::from_row(row)?);
            Ok(false)
        })?;
        Ok(out)
    }

    pub(crate) fn scalar<T: Scalar>(self, sql: &str, args: Vec<Arg>) -> Result<T, DbError> {
        self.scalar_opt(sql, args)?.ok_or(DbError::NoRow)
    }

    pub(crate) fn scalar_opt<T: Scalar>(self, sql: &str, args: Vec<Arg>) -> Result<Option<T>, DbError> {
        let mut out = None;
        self.0.query(sql, &args, &mut |row| {
            out = Some(row.at(0)?);
            Ok(false)
        })?;
        Ok(out)
    }

    pub(crate) fn scalars<T: Scalar>(self, sql: &str, args: Vec<Arg>) -> Result<Vec<T>, DbError> {
        let mut out = Vec::new();
        self.0.query(sql, &args, &mut |row| {
            out.push(row.at(0)?);
            Ok(true)
        })?;
        Ok(out)
    }

    /// Calls `each` for every row as it is read, without collecting them (exports, copies).
    pub(crate) fn for_each(
        self,
        sql: &str,
        args: Vec<Arg>,
        mut each: impl FnMut(&RowRef<'_>) -> Result<(), DbError>,
    ) -> Result<(), DbError> {
        self.0.query(sql, &args, &mut |row| {
            each(row)?;
            Ok(true)
        })
    }
}

/// `column IN (...)` over the integers of a JSON array bound at `param` (see [`id_list`]): one
/// statement text, so one cached plan, however many values there are.
pub(crate) fn in_ids(backend: Backend, column: &str, param: &str) -> String {
    match backend {
        Backend::Sqlite => format!("{column} IN (SELECT value FROM json_each({param}))"),
        Backend::Postgres => {
            format!("{column} IN (SELECT CAST(value AS BIGINT) FROM json_array_elements_text(CAST({param} AS json)))")
        }
    }
}

/// The lock clause of a claim's inner `SELECT`: on PostgreSQL two nodes claiming at once each
/// pass by the rows the other holds; SQLite has one writer, so it needs none.
pub(crate) fn skip_locked(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    }
}

/// The argument [`in_ids`] reads: the ids as a JSON array.
pub(crate) fn id_list(ids: impl IntoIterator<Item = i64>) -> Arg {
    let list: Vec<String> = ids.into_iter().map(|i| i.to_string()).collect();
    Arg::Text(Some(format!("[{}]", list.join(","))))
}

/// The placeholders of a multi-row `VALUES`: `rows` tuples of `width` parameters numbered from
/// `$1`, e.g. `($1, $2), ($3, $4)`. A statement that writes several rows pays one round trip.
pub(crate) fn value_rows(rows: usize, width: usize) -> String {
    let mut out = String::with_capacity(rows * width * 6);
    let mut number = itoa::Buffer::new();
    for r in 0..rows {
        out.push_str(if r == 0 { "(" } else { ", (" });
        for c in 1..=width {
            out.push_str(if c == 1 { "$" } else { ", $" });
            out.push_str(number.format(r * width + c));
        }
        out.push(')');
    }
    out
}

/// A database URL with any password replaced, for logs and errors.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}://{user}:***@{}", &url[..scheme_end], &url[at + 1..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Escapes `%`, `_` and `\` so user text matches literally in `LIKE ... ESCAPE '\'`.
pub(crate) fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_rows_number_parameters_row_by_row() {
        assert_eq!(value_rows(1, 1), "($1)");
        assert_eq!(value_rows(2, 3), "($1, $2, $3), ($4, $5, $6)");
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact_url("postgres://app:s3cret@db:5432/c"), "postgres://app:***@db:5432/c");
        assert_eq!(redact_url("postgres://app@db/c"), "postgres://app@db/c");
        assert_eq!(redact_url("sqlite://data/c.db"), "sqlite://data/c.db");
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern(" 100%_Ok\\ "), "%100\\%\\_ok\\\\%");
    }
}
