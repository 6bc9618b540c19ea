//! The one place that knows there are two databases.
//!
//! Statements are written once with `$1` placeholders (SQLite accepts them too) and run through
//! [`Exec`], which binds an owned [`Arg`] list for whichever backend is live. SQL that truly
//! differs between dialects is selected with [`Backend`] next to the statement that needs it.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgArguments, PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{Arguments, Decode, FromRow, PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Type};

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Connection pools. SQLite writes go through a single connection so writers queue in the pool
/// instead of failing with `SQLITE_BUSY`; reads use several connections (WAL lets them run alongside).
#[derive(Debug, Clone)]
pub(crate) enum Db {
    Sqlite { read: SqlitePool, write: SqlitePool },
    Postgres(PgPool),
}

/// Pool sizes and time-outs.
#[derive(Debug, Clone, Copy)]
pub struct PoolOptions {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self { max_connections: 10, acquire_timeout: Duration::from_secs(10) }
    }
}

impl Db {
    pub(crate) async fn connect(url: &str, opts: PoolOptions) -> Result<Self, sqlx::Error> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let connect = PgConnectOptions::from_str(url)?.application_name("concentric");
            let pool = PgPoolOptions::new()
                .max_connections(opts.max_connections)
                .acquire_timeout(opts.acquire_timeout)
                .connect_with(connect)
                .await?;
            Ok(Self::Postgres(pool))
        } else if url.starts_with("sqlite:") {
            let connect = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            let write = SqlitePoolOptions::new()
                .max_connections(1)
                .acquire_timeout(opts.acquire_timeout)
                .connect_with(connect.clone())
                .await?;
            let read = SqlitePoolOptions::new()
                .max_connections(opts.max_connections.max(2))
                .acquire_timeout(opts.acquire_timeout)
                .connect_with(connect.read_only(true))
                .await?;
            Ok(Self::Sqlite { read, write })
        } else {
            Err(sqlx::Error::Configuration(
                format!("unsupported database URL `{}`: use sqlite://PATH or postgres://...", redact_url(url)).into(),
            ))
        }
    }

    pub(crate) fn backend(&self) -> Backend {
        match self {
            Self::Sqlite { .. } => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs reads (and single autocommit statements on PostgreSQL).
    pub(crate) fn read(&self) -> Exec<'_> {
        match self {
            Self::Sqlite { read, .. } => Exec::SqlitePool(read),
            Self::Postgres(pool) => Exec::PgPool(pool),
        }
    }

    /// Runs one autocommit write outside a transaction.
    pub(crate) fn write(&self) -> Exec<'_> {
        match self {
            Self::Sqlite { write, .. } => Exec::SqlitePool(write),
            Self::Postgres(pool) => Exec::PgPool(pool),
        }
    }

    pub(crate) async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            // IMMEDIATE takes the write lock up front. A deferred transaction that reads and then
            // writes fails at once with SQLITE_BUSY when another connection wrote meanwhile,
            // instead of waiting out busy_timeout.
            Self::Sqlite { write, .. } => Tx::Sqlite(write.begin_with("BEGIN IMMEDIATE").await?),
            Self::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// A read-only transaction: one consistent snapshot for reads that span several statements.
    pub(crate) async fn begin_read(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Self::Sqlite { read, .. } => Tx::Sqlite(read.begin().await?),
            Self::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    pub(crate) async fn close(&self) {
        match self {
            Self::Sqlite { read, write } => {
                read.close().await;
                // Fold the write-ahead log into the main file, so the file alone is the whole
                // database (a backup is copied as one file). Readers idle in a closed pool may still
                // be finishing on their threads and could leave the log behind otherwise.
                let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(write).await;
                write.close().await;
            }
            Self::Postgres(pool) => pool.close().await,
        }
    }
}

/// An open write transaction. Dropped without [`Tx::commit`], it rolls back.
#[derive(Debug)]
pub(crate) enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Tx {
    pub(crate) fn exec(&mut self) -> Exec<'_> {
        match self {
            Self::Sqlite(tx) => Exec::SqliteConn(tx),
            Self::Postgres(tx) => Exec::PgConn(tx),
        }
    }

    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Self::Sqlite(tx) => tx.commit().await,
            Self::Postgres(tx) => tx.commit().await,
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
id_args!(PersonId, TeamId, TokenId, ServiceId, RequestId, CommentId, ReviewId, ActionId, RoundId);
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

/// Binds the owned arguments for one backend's argument buffer.
fn bind<'q, A>(args: Vec<Arg>) -> Result<A, sqlx::Error>
where
    A: Arguments<'q> + Default,
    Option<i64>: sqlx::Encode<'q, A::Database> + Type<A::Database>,
    Option<f64>: sqlx::Encode<'q, A::Database> + Type<A::Database>,
    Option<String>: sqlx::Encode<'q, A::Database> + Type<A::Database>,
    Option<bool>: sqlx::Encode<'q, A::Database> + Type<A::Database>,
    Option<Vec<u8>>: sqlx::Encode<'q, A::Database> + Type<A::Database>,
{
    let mut out = A::default();
    for arg in args {
        match arg {
            Arg::Int(v) => out.add(v),
            Arg::Real(v) => out.add(v),
            Arg::Text(v) => out.add(v),
            Arg::Bool(v) => out.add(v),
            Arg::Bytes(v) => out.add(v),
        }
        .map_err(sqlx::Error::Encode)?;
    }
    Ok(out)
}

/// Something to run one statement on: a pool or an open transaction, of either backend.
#[derive(Debug)]
pub(crate) enum Exec<'c> {
    SqlitePool(&'c SqlitePool),
    PgPool(&'c PgPool),
    SqliteConn(&'c mut SqliteConnection),
    PgConn(&'c mut PgConnection),
}

/// A row type readable from both backends.
pub(crate) trait Row: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}

/// A single-column value readable from both backends.
pub(crate) trait Scalar:
    for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres> + Send + Unpin
{
}
impl<T> Scalar for T where
    T: for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres> + Send + Unpin
{
}

macro_rules! on_exec {
    ($exec:expr, $args:expr, |$e:ident, $a:ident| $body:expr) => {
        match $exec {
            Exec::SqlitePool($e) => {
                let $a: SqliteArguments<'_> = bind($args)?;
                $body
            }
            Exec::SqliteConn($e) => {
                let $a: SqliteArguments<'_> = bind($args)?;
                $body
            }
            Exec::PgPool($e) => {
                let $a: PgArguments = bind($args)?;
                $body
            }
            Exec::PgConn($e) => {
                let $a: PgArguments = bind($args)?;
                $body
            }
        }
    };
}

impl Exec<'_> {
    /// A shorter-lived handle on the same pool or transaction, to run several statements in turn.
    pub(crate) fn reborrow(&mut self) -> Exec<'_> {
        match self {
            Exec::SqlitePool(p) => Exec::SqlitePool(p),
            Exec::PgPool(p) => Exec::PgPool(p),
            Exec::SqliteConn(c) => Exec::SqliteConn(c),
            Exec::PgConn(c) => Exec::PgConn(c),
        }
    }

    /// Runs a statement, returning the number of rows it touched.
    pub(crate) async fn execute(self, sql: &str, args: Vec<Arg>) -> Result<u64, sqlx::Error> {
        on_exec!(self, args, |e, a| Ok(sqlx::query_with(sql, a).execute(e).await?.rows_affected()))
    }

    pub(crate) async fn all<R: Row>(self, sql: &str, args: Vec<Arg>) -> Result<Vec<R>, sqlx::Error> {
        on_exec!(self, args, |e, a| sqlx::query_as_with(sql, a).fetch_all(e).await)
    }

    pub(crate) async fn optional<R: Row>(self, sql: &str, args: Vec<Arg>) -> Result<Option<R>, sqlx::Error> {
        on_exec!(self, args, |e, a| sqlx::query_as_with(sql, a).fetch_optional(e).await)
    }

    pub(crate) async fn scalar<T: Scalar>(self, sql: &str, args: Vec<Arg>) -> Result<T, sqlx::Error> {
        on_exec!(self, args, |e, a| sqlx::query_scalar_with(sql, a).fetch_one(e).await)
    }

    pub(crate) async fn scalar_opt<T: Scalar>(self, sql: &str, args: Vec<Arg>) -> Result<Option<T>, sqlx::Error> {
        on_exec!(self, args, |e, a| sqlx::query_scalar_with(sql, a).fetch_optional(e).await)
    }

    pub(crate) async fn scalars<T: Scalar>(self, sql: &str, args: Vec<Arg>) -> Result<Vec<T>, sqlx::Error> {
        on_exec!(self, args, |e, a| sqlx::query_scalar_with(sql, a).fetch_all(e).await)
    }
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
