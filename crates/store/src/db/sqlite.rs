//! SQLite connections for the engine's threads.

use std::path::Path;
use std::time::Duration;

use rusqlite::{OpenFlags, ToSql};

use super::{Arg, DbError, RowRef, Synchronous};

/// Statements kept prepared per connection: every fixed statement of the store fits.
const STATEMENT_CACHE: usize = 512;
/// The writer's page cache, in KiB.
const WRITER_CACHE_KIB: u32 = 32 * 1024;
/// Log pages past which the writer checkpoints by itself (SQLite's default is 1,000).
const WAL_BACKSTOP_PAGES: u32 = 20_000;

/// What a connection is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Writer,
    Reader,
    /// Folds the write-ahead log into the database file, beside the writer.
    Checkpointer,
}

#[derive(Debug)]
pub(crate) struct Conn(rusqlite::Connection);

/// The file a `sqlite:` URL names (`sqlite://data/c.db`, `sqlite:///abs/c.db`, `sqlite:c.db`).
pub(crate) fn path_of(url: &str) -> Result<&str, DbError> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    let path = rest.split_once('?').map_or(rest, |(p, _)| p);
    if path.is_empty() {
        return Err(DbError::Engine("the sqlite: URL names no file".into()));
    }
    Ok(path)
}

impl Conn {
    /// Opens a connection for `role`; the writer's creates the file.
    pub(crate) fn open(path: &Path, role: Role, busy: Duration, sync: Synchronous) -> Result<Self, DbError> {
        let flags = match role {
            Role::Writer => OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
            Role::Checkpointer => OpenFlags::SQLITE_OPEN_READ_WRITE,
            Role::Reader => OpenFlags::SQLITE_OPEN_READ_ONLY,
        } | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let c = rusqlite::Connection::open_with_flags(path, flags)?;
        c.busy_timeout(busy)?;
        c.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        // Plans must not depend on bound values: otherwise SQLite marks a statement whose
        // parameter it once looked at as expired on every new binding, and prepares it again
        // on each run, which undoes the statement cache.
        c.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
        match role {
            // The writer keeps more pages than SQLite's 2 MiB default: every insert walks the
            // indexes of its table, and a page not cached is a read system call and a copy.
            // Each unit of a group commit but the first runs in a savepoint, so every page it
            // changes is first copied to a statement journal: in memory, not a temporary file.
            // The checkpointer folds the log into the file; the writer does so itself only if
            // the log grows past WAL_BACKSTOP_PAGES, when the checkpointer has fallen far behind.
            Role::Writer => c.execute_batch(&format!(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = {}; PRAGMA cache_size = -{WRITER_CACHE_KIB}; \
                 PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = {WAL_BACKSTOP_PAGES};",
                sync.pragma()
            ))?,
            // A checkpoint syncs the database file as `synchronous` says.
            Role::Checkpointer => {
                c.execute_batch(&format!("PRAGMA synchronous = {}; PRAGMA wal_autocheckpoint = 0;", sync.pragma()))?
            }
            Role::Reader => {}
        }
        c.execute_batch("PRAGMA foreign_keys = ON;")?;
        Ok(Self(c))
    }

    /// Copies what it can of the write-ahead log into the database file without waiting for
    /// (or blocking) the writer or readers; the number of log frames not yet copied.
    pub(crate) fn checkpoint(&mut self) -> Result<i64, DbError> {
        let (log, copied): (i64, i64) =
            self.0.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| Ok((r.get(1)?, r.get(2)?)))?;
        Ok(log.saturating_sub(copied).max(0))
    }

    /// Runs `sql` in a transaction of its own; whether it changed more than one row (an FTS5
    /// `merge` command counts one change when it found nothing to merge, two or more when it
    /// merged).
    pub(crate) fn did_work(&mut self, sql: &str) -> Result<bool, DbError> {
        let before = self.0.total_changes();
        self.0.execute_batch(sql)?;
        Ok(self.0.total_changes() >= before + 2)
    }

    pub(crate) fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        Ok(self.0.execute_batch(sql)?)
    }

    /// A cached statement with `args` bound. `$N` becomes `?N`, which SQLite numbers as
    /// written, so argument N binds to index N without looking names up (a name lookup walks
    /// every parameter: quadratic in a multi-row insert).
    fn prepare(&self, sql: &str, args: &[Arg]) -> Result<rusqlite::CachedStatement<'_>, DbError> {
        let mut st = self.0.prepare_cached(&numbered(sql))?;
        let count = st.parameter_count();
        if count > args.len() {
            return Err(DbError::Engine(format!("{count} parameters but {} arguments in: {sql}", args.len())));
        }
        for (i, arg) in args.iter().enumerate().take(count) {
            st.raw_bind_parameter(i + 1, arg)?;
        }
        Ok(st)
    }

    pub(crate) fn execute(&mut self, sql: &str, args: &[Arg]) -> Result<u64, DbError> {
        let mut st = self.prepare(sql, args)?;
        // Stepped to the end, so statements with RETURNING or PRAGMAs with output run too.
        let mut rows = st.raw_query();
        while rows.next()?.is_some() {}
        drop(rows);
        if args.len() > super::ONE_OFF_ARGS {
            st.discard();
        } else {
            drop(st);
        }
        Ok(self.0.changes())
    }

    pub(crate) fn query(
        &mut self,
        sql: &str,
        args: &[Arg],
        each: &mut dyn FnMut(&RowRef<'_>) -> Result<bool, DbError>,
    ) -> Result<(), DbError> {
        let mut st = self.prepare(sql, args)?;
        let mut rows = st.raw_query();
        while let Some(row) = rows.next()? {
            if !each(&RowRef::Sqlite(row))? {
                break;
            }
        }
        drop(rows);
        if args.len() > super::ONE_OFF_ARGS {
            st.discard();
        }
        Ok(())
    }
}

/// `sql` with every `$N` outside quoted text written `?N`. It runs on every statement, so it
/// scans bytes and copies the text between markers in slices (the markers are all ASCII).
fn numbered(sql: &str) -> std::borrow::Cow<'_, str> {
    if !sql.contains('$') {
        return sql.into();
    }
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let (mut quote, mut copied) = (None, 0);
    for (i, &b) in bytes.iter().enumerate() {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'\'' || b == b'"' => quote = Some(b),
            None if b == b'$' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                out.push_str(&sql[copied..i]);
                out.push('?');
                copied = i + 1;
            }
            None => {}
        }
    }
    out.push_str(&sql[copied..]);
    out.into()
}

impl ToSql for Arg {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            Arg::Int(v) => v.to_sql(),
            Arg::Real(v) => v.to_sql(),
            Arg::Text(v) => v.to_sql(),
            Arg::Bool(v) => v.to_sql(),
            Arg::Bytes(v) => v.to_sql(),
        }
    }
}

impl Conn {
    /// The rowid of the last row this connection inserted.
    pub(crate) fn last_insert_rowid(&self) -> i64 {
        self.0.last_insert_rowid()
    }

    pub(crate) fn in_transaction(&self) -> bool {
        !self.0.is_autocommit()
    }
}

#[cfg(test)]
mod tests {
    use super::numbered;

    #[test]
    fn dollar_parameters_become_numbered_ones_outside_quotes() {
        assert_eq!(numbered("SELECT $1, '$2', \"$3\", $13 WHERE a = $2"), "SELECT ?1, '$2', \"$3\", ?13 WHERE a = ?2");
        assert_eq!(numbered("SELECT 1"), "SELECT 1");
        assert_eq!(numbered("SELECT 'é$1', $2 -- ü"), "SELECT 'é$1', ?2 -- ü");
    }
}
