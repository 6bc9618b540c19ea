//! The threads that own the connections, and the queues that bring them units of work.
//!
//! SQLite has one writer thread (SQLite takes one writer at a time anyway) and a few reader
//! threads, which WAL lets run beside it. PostgreSQL has a few writer threads and reader
//! threads, each with its own connection. A caller sends a unit and awaits its answer on a
//! oneshot channel: one thread hop there and one back, whatever the unit runs.
//!
//! Short reads on SQLite skip the hop: [`Db::read_quick`] runs a unit on the caller's own
//! thread, on one of a few connections kept for it, when one is free.
//!
//! A unit may name a lane ([`Db::write_in_lane`]): on PostgreSQL every unit of one lane goes to
//! the same writer. Units that update one row (a team's request counter) would otherwise wait
//! on each other's row lock across writers, each for another writer's whole group and commit;
//! in one lane they share a group instead.
//!
//! Writers commit in groups: a writer takes the unit it waited for and every unit already
//! queued behind it (up to [`MAX_GROUP`]), runs each inside its own `SAVEPOINT` in one
//! transaction, commits once, and only then answers. A unit that fails is rolled back to its
//! savepoint and answers its error; the others still commit. The first unit of a transaction
//! needs no savepoint: should it fail, the transaction is rolled back whole and begun again.
//! With SQLite's `synchronous = FULL`, "after the commit" means after a thread beside the
//! writer has synced the log holding it ([`LogSync`]), so the writer runs the next group while
//! the disk works.
//!
//! A SQLite writer with nothing queued spends the moment on a slice of upkeep that would
//! otherwise land inside some unlucky unit: merging the full-text index's segments
//! ([`crate::search::IDLE_MERGE`]), a few pages at a time, until there is nothing left to merge.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crossbeam_channel::{Receiver, RecvTimeoutError, Select, Sender};
use tokio::sync::oneshot;

use super::log_sync::LogSync;
use super::sqlite::Role;
use super::{postgres, sqlite, Arg, Backend, Conn, DbError, PoolOptions, Synchronous, Tx};
use crate::{Result, StoreError};

/// The most units one group commit takes.
pub(crate) const MAX_GROUP: usize = 64;

/// How long SQLite's checkpointer waits once the log is all copied.
const CHECKPOINT_IDLE: std::time::Duration = std::time::Duration::from_millis(20);

/// Answers a unit's caller once its group's fate is known (`Some` when the commit failed).
pub(crate) type Reply = Box<dyn FnOnce(Option<&DbError>) + Send>;
/// A unit of work, ready to run on a connection: says whether it succeeded and how to answer.
type Work = Box<dyn FnOnce(&mut Conn, Option<&mut Vec<Later>>) -> (bool, Reply) + Send>;

/// A statement a unit leaves for the end of its group (see [`Tx::at_group_end`]).
pub(crate) type Later = (String, Vec<Arg>);

enum Msg {
    /// Runs inside a transaction (grouped with others on a writer).
    Unit(Work),
    /// Runs on a writer outside any transaction: `VACUUM INTO`, migrations that manage their own.
    Alone(Work),
    /// Closes the thread's connection, then acknowledges.
    Close(oneshot::Sender<()>),
}

/// The database: queues to the threads that own its connections. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct Db(Arc<Engine>);

#[derive(Debug)]
struct Engine {
    backend: Backend,
    writes: Sender<Msg>,
    /// One queue per PostgreSQL writer for the units of a lane; empty on SQLite.
    lanes: Vec<Sender<Msg>>,
    reads: Sender<Msg>,
    writers: usize,
    readers: usize,
    /// Stops SQLite's checkpointer thread (see [`checkpoint_loop`]).
    checkpointer: Option<Sender<oneshot::Sender<()>>>,
    /// SQLite's connections for short reads on the caller's thread; `None` on PostgreSQL and
    /// once closed.
    quick: std::sync::Mutex<Option<Vec<Conn>>>,
    stats: Arc<Stats>,
}

/// Group commits so far and the units they carried, for the bench and the tests.
#[derive(Debug, Default)]
struct Stats {
    groups: AtomicU64,
    units: AtomicU64,
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Msg::Unit(_) => "Unit",
            Msg::Alone(_) => "Alone",
            Msg::Close(_) => "Close",
        })
    }
}

impl Db {
    pub(crate) async fn connect(url: &str, opts: PoolOptions) -> Result<Self, DbError> {
        let (writes, write_queue) = crossbeam_channel::unbounded();
        let (reads, read_queue) = crossbeam_channel::unbounded();
        let stats = Arc::new(Stats::default());
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let total = opts.max_connections.max(3) as usize;
            let writers = (total / 3).max(1);
            let readers = total - writers;
            let mut ready = Vec::new();
            let mut lanes = Vec::with_capacity(writers);
            for n in 0..writers {
                let url = url.to_owned();
                let (lane, own) = crossbeam_channel::unbounded();
                lanes.push(lane);
                ready.push(spawn(
                    format!("db-writer-{n}"),
                    move || postgres::Conn::open(&url).map(|c| Conn::Postgres(Box::new(c))),
                    {
                        let (queue, stats) = (write_queue.clone(), stats.clone());
                        move |conn| writer_loop(conn, Queues { lane: Some(&own), shared: &queue }, &stats, None, None)
                    },
                ));
            }
            for n in 0..readers {
                let url = url.to_owned();
                ready.push(spawn(
                    format!("db-reader-{n}"),
                    move || postgres::Conn::open(&url).map(|c| Conn::Postgres(Box::new(c))),
                    {
                        let queue = read_queue.clone();
                        move |conn| reader_loop(conn, &queue)
                    },
                ));
            }
            let db = Self(Arc::new(Engine {
                backend: Backend::Postgres,
                writes,
                lanes,
                reads,
                writers,
                readers,
                checkpointer: None,
                quick: std::sync::Mutex::new(None),
                stats,
            }));
            db.started(ready).await?;
            Ok(db)
        } else if url.starts_with("sqlite:") {
            let path = PathBuf::from(sqlite::path_of(url)?);
            // SQLite reads are CPU-bound: more readers than cores only adds thread switches.
            let cores = std::thread::available_parallelism().map_or(2, usize::from);
            let readers = (opts.max_connections as usize).clamp(2, cores.max(2));
            let (busy, sync) = (opts.acquire_timeout, opts.synchronous);
            // With FULL, the writer's commits are synced by a thread beside it (see log_sync).
            let log_sync = match sync {
                Synchronous::Full => Some(
                    LogSync::start(&path)
                        .map_err(|e| DbError::Engine(format!("cannot start the log sync thread: {e}")))?,
                ),
                Synchronous::Normal => None,
            };
            let writer_path = path.clone();
            let writer = spawn(
                "db-writer".into(),
                move || sqlite::Conn::open(&writer_path, Role::Writer, busy, Synchronous::Normal).map(Conn::Sqlite),
                {
                    let stats = stats.clone();
                    move |conn| {
                        let queues = Queues { lane: None, shared: &write_queue };
                        writer_loop(conn, queues, &stats, log_sync, Some(crate::search::IDLE_MERGE));
                    }
                },
            );
            // The writer creates the file and turns on WAL before anyone reads it.
            let (stop_checkpoints, checkpoint_stop) = crossbeam_channel::bounded(1);
            let db = Self(Arc::new(Engine {
                backend: Backend::Sqlite,
                writes,
                lanes: Vec::new(),
                reads,
                writers: 1,
                readers,
                checkpointer: Some(stop_checkpoints),
                quick: std::sync::Mutex::new(None),
                stats: stats.clone(),
            }));
            db.started(vec![writer]).await?;
            let checkpoint_path = path.clone();
            let checkpointer = spawn(
                "db-checkpoint".into(),
                move || sqlite::Conn::open(&checkpoint_path, Role::Checkpointer, busy, sync).map(Conn::Sqlite),
                move |conn| checkpoint_loop(conn, &checkpoint_stop),
            );
            db.started(vec![checkpointer]).await?;
            let ready = (0..readers)
                .map(|n| {
                    let path = path.clone();
                    spawn(
                        format!("db-reader-{n}"),
                        move || sqlite::Conn::open(&path, Role::Reader, busy, sync).map(Conn::Sqlite),
                        {
                            let queue = read_queue.clone();
                            move |conn| reader_loop(conn, &queue)
                        },
                    )
                })
                .collect();
            db.started(ready).await?;
            // As many as there are cores: more could only wait for one.
            let quick = (0..cores)
                .map(|_| sqlite::Conn::open(&path, Role::Reader, busy, sync).map(Conn::Sqlite))
                .collect::<Result<Vec<_>, _>>();
            match quick {
                Ok(conns) => *db.quick() = Some(conns),
                Err(e) => {
                    db.close().await;
                    return Err(e);
                }
            }
            Ok(db)
        } else {
            Err(DbError::Engine(format!(
                "unsupported database URL `{}`: use sqlite://PATH or postgres://...",
                super::redact_url(url)
            )))
        }
    }

    /// Waits for threads to open their connections; on a failure closes the others.
    async fn started(&self, ready: Vec<oneshot::Receiver<Result<(), DbError>>>) -> Result<(), DbError> {
        let mut failed = None;
        for r in ready {
            match r.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => failed = failed.or(Some(e)),
                Err(_) => {
                    failed = failed.or(Some(DbError::Engine("a database thread stopped while connecting".into())))
                }
            }
        }
        match failed {
            None => Ok(()),
            Some(e) => {
                self.close().await;
                Err(e)
            }
        }
    }

    pub(crate) fn backend(&self) -> Backend {
        self.0.backend
    }

    /// Group commits so far.
    pub(crate) fn groups(&self) -> u64 {
        self.0.stats.groups.load(Ordering::Relaxed)
    }

    /// Write units committed (or rolled back) in those groups.
    pub(crate) fn units(&self) -> u64 {
        self.0.stats.units.load(Ordering::Relaxed)
    }

    /// Runs `f` as one unit of work in a write transaction, answered after its group commits.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(Tx<'_>) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        self.send(&self.0.writes, f, Msg::Unit).await
    }

    /// Runs `f` like [`Db::write`], on the writer that takes every unit of `lane` (SQLite has
    /// only one). Units that update the same row belong in one lane: on PostgreSQL they then
    /// share a writer's group rather than each waiting for another writer's commit.
    pub(crate) async fn write_in_lane<T, F>(&self, lane: i64, f: F) -> Result<T>
    where
        F: FnOnce(Tx<'_>) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let queue = match self.0.lanes.len() {
            0 => &self.0.writes,
            n => &self.0.lanes[lane.unsigned_abs() as usize % n],
        };
        self.send(queue, f, Msg::Unit).await
    }

    /// Runs `f` as one unit of work on a reader, in a transaction: one consistent snapshot.
    pub(crate) async fn read<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(Tx<'_>) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        self.send(&self.0.reads, f, Msg::Unit).await
    }

    /// Runs `f` as one read unit like [`Db::read`], but on the caller's own thread when SQLite
    /// has a quick connection free: no hop to a reader thread and back. Only for units of a few
    /// indexed lookups (tens of microseconds), since the caller's thread serves other tasks
    /// meanwhile; PostgreSQL, whose reads wait on the network, always goes to a reader.
    pub(crate) async fn read_quick<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(Tx<'_>) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let Some(mut conn) = self.quick().as_mut().and_then(Vec::pop) else { return self.read(f).await };
        let outcome = read_here(&mut conn, f);
        match self.quick().as_mut() {
            Some(free) => free.push(conn),
            None => drop(conn), // closed meanwhile
        }
        outcome
    }

    fn quick(&self) -> std::sync::MutexGuard<'_, Option<Vec<Conn>>> {
        // A unit never runs under this lock, so a poisoned one still holds whole connections.
        self.0.quick.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// After a bulk load, does now what PostgreSQL's autovacuum would only later for `tables`:
    /// planner statistics, the visibility map (so counts read an index alone), GIN's pending
    /// list moved into its index. Name only tables that hold rows: one analysed while empty
    /// tells the planner it stays so, and the plans cached on open connections (foreign-key
    /// checks among them) then scan it whole until it is analysed again. Nothing on SQLite.
    pub(crate) async fn settle_loaded(&self, tables: &[&str]) -> Result<()> {
        if self.backend() != Backend::Postgres || tables.is_empty() {
            return Ok(());
        }
        let quoted: Vec<String> = tables.iter().map(|t| format!("\"{t}\"")).collect();
        let sql = format!("VACUUM (ANALYZE) {}", quoted.join(", "));
        // VACUUM may not run in a transaction.
        self.alone(move |mut tx| Ok(tx.batch(&sql)?)).await
    }

    /// Runs `f` on a writer outside any transaction; `f` manages its own.
    pub(crate) async fn alone<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(Tx<'_>) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        self.send(&self.0.writes, f, Msg::Alone).await
    }

    async fn send<T, F>(&self, queue: &Sender<Msg>, f: F, wrap: fn(Work) -> Msg) -> Result<T>
    where
        F: FnOnce(Tx<'_>) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let span = tracing::Span::current();
        let work: Work = Box::new(move |conn: &mut Conn, later: Option<&mut Vec<Later>>| {
            let outcome = span.in_scope(|| f(Tx { conn, later }));
            let ok = outcome.is_ok();
            let reply: Reply = Box::new(move |group_failed: Option<&DbError>| {
                let outcome = match (outcome, group_failed) {
                    (Ok(_), Some(e)) => Err(StoreError::Database(DbError::Engine(format!("the commit failed: {e}")))),
                    (outcome, _) => outcome,
                };
                let _ = answer.send(outcome);
            });
            (ok, reply)
        });
        queue.send(wrap(work)).map_err(|_| StoreError::Database(DbError::Engine("the database is closed".into())))?;
        answered.await.unwrap_or_else(|_| Err(dropped()))
    }

    /// Finishes every thread: readers first, then SQLite's checkpointer, then writers (SQLite's
    /// folds its log into the file).
    pub(crate) async fn close(&self) {
        drop(self.quick().take());
        finish(&self.0.reads, self.0.readers).await;
        if let Some(stop) = &self.0.checkpointer {
            let (ack, acked) = oneshot::channel();
            if stop.send(ack).is_ok() {
                let _ = acked.await;
            }
        }
        finish(&self.0.writes, self.0.writers).await;
    }
}

/// Closes the `n` threads serving `queue` and waits until each has.
async fn finish(queue: &Sender<Msg>, n: usize) {
    let mut acks = Vec::new();
    for _ in 0..n {
        let (ack, acked) = oneshot::channel();
        if queue.send(Msg::Close(ack)).is_ok() {
            acks.push(acked);
        }
    }
    for acked in acks {
        let _ = acked.await;
    }
}

/// Starts a thread that opens its connection, reports, and then serves `queue`.
fn spawn(
    name: String,
    open: impl FnOnce() -> Result<Conn, DbError> + Send + 'static,
    serve: impl FnOnce(Conn) + Send + 'static,
) -> oneshot::Receiver<Result<(), DbError>> {
    let (ready, started) = oneshot::channel();
    let spawned = std::thread::Builder::new().name(name).spawn(move || match open() {
        Ok(conn) => {
            let _ = ready.send(Ok(()));
            serve(conn);
        }
        Err(e) => {
            let _ = ready.send(Err(e));
        }
    });
    if let Err(e) = spawned {
        let (ready, started) = oneshot::channel();
        let _ = ready.send(Err(DbError::Engine(format!("cannot start a database thread: {e}"))));
        return started;
    }
    started
}

/// Copies SQLite's write-ahead log into the database file beside the writer, so that a commit
/// never pauses to do it: a passive checkpoint neither waits for nor blocks the writer and the
/// readers. It runs every [`CHECKPOINT_IDLE`], four times as often while pages are left over.
fn checkpoint_loop(mut conn: Conn, stop: &Receiver<oneshot::Sender<()>>) {
    let mut wait = CHECKPOINT_IDLE;
    loop {
        match stop.recv_timeout(wait) {
            Ok(ack) => {
                drop(conn);
                let _ = ack.send(());
                return;
            }
            Err(RecvTimeoutError::Disconnected) => return,
            Err(RecvTimeoutError::Timeout) => {}
        }
        let Conn::Sqlite(c) = &mut conn else { return };
        wait = match c.checkpoint() {
            // Pages a reader still needs were left; the writer may have added more meanwhile.
            Ok(left) if left > 0 => CHECKPOINT_IDLE / 4,
            Ok(_) => CHECKPOINT_IDLE,
            Err(e) => {
                tracing::warn!(error = %e, "checkpoint failed");
                CHECKPOINT_IDLE
            }
        };
    }
}

/// Runs one unit, turning a panic into a failure (its caller hears the work was dropped).
fn run(work: Work, conn: &mut Conn, later: Option<&mut Vec<Later>>) -> (bool, Reply) {
    catch_unwind(AssertUnwindSafe(|| work(conn, later))).unwrap_or_else(|_| {
        tracing::error!("a unit of work panicked; rolled back");
        (false, Box::new(|_| {}))
    })
}

impl Conn {
    fn begin(&mut self, write: bool) -> Result<(), DbError> {
        let sql = self.begin_sql(write)?;
        self.batch(sql)
    }

    /// The statement that opens a transaction, with a PostgreSQL connection the server closed
    /// opened again first.
    fn begin_sql(&mut self, write: bool) -> Result<&'static str, DbError> {
        if let Conn::Postgres(c) = self {
            c.revive()?;
        }
        Ok(match (self.backend(), write) {
            // IMMEDIATE takes the write lock up front rather than failing at the first write
            // when another process (the CLI) wrote meanwhile.
            (Backend::Sqlite, true) => "BEGIN IMMEDIATE",
            (Backend::Sqlite, false) => "BEGIN",
            (Backend::Postgres, true) => "BEGIN",
            // A read unit sees one snapshot, as on SQLite (PostgreSQL's default isolation takes
            // a new one for every statement).
            (Backend::Postgres, false) => "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
        })
    }

    /// False when SQLite rolled the whole transaction back by itself (a full disk, an I/O
    /// error): the group is lost and must not be reported as committed.
    fn in_transaction(&self) -> bool {
        match self {
            Conn::Sqlite(c) => c.in_transaction(),
            Conn::Postgres(_) => true,
        }
    }

    /// Ends a read transaction: nothing was written, so nothing can fail that matters.
    fn end_read(&mut self) {
        if self.in_transaction() {
            let _ = self.batch("COMMIT");
        }
    }

    fn rollback(&mut self) {
        if let Err(e) = self.batch("ROLLBACK") {
            tracing::warn!(error = %e, "rollback failed");
        }
    }
}

/// What a writer serves: its own lane (PostgreSQL) and the queue all writers share.
#[derive(Clone, Copy)]
struct Queues<'a> {
    lane: Option<&'a Receiver<Msg>>,
    shared: &'a Receiver<Msg>,
}

impl Queues<'_> {
    fn is_empty(self) -> bool {
        self.shared.is_empty() && self.lane.is_none_or(Receiver::is_empty)
    }

    /// The next message without waiting, the lane's first.
    fn try_recv(self) -> Option<Msg> {
        self.lane.and_then(|l| l.try_recv().ok()).or_else(|| self.shared.try_recv().ok())
    }

    /// The next message, waiting for one; `None` once the engine is gone. The shared queue's
    /// first, so that a busy lane cannot starve it (filling the group takes the lane's first).
    fn recv(self) -> Option<Msg> {
        let Some(lane) = self.lane else { return self.shared.recv().ok() };
        if let Some(msg) = self.shared.try_recv().ok().or_else(|| lane.try_recv().ok()) {
            return Some(msg);
        }
        let mut select = Select::new();
        let on_lane = select.recv(lane);
        select.recv(self.shared);
        let ready = select.select();
        if ready.index() == on_lane {
            // A lane closes only with the engine; the shared queue then says so.
            ready.recv(lane).ok().or_else(|| self.shared.recv().ok())
        } else {
            ready.recv(self.shared).ok()
        }
    }
}

/// Serves a writer's queues. With `log_sync`, committed work is answered once it is on disk.
/// With `upkeep`, a statement that does a slice of upkeep (SQLite only, see
/// [`sqlite::Conn::did_work`]), the writer runs it whenever its queue is empty, after any group,
/// until a slice finds nothing to do.
fn writer_loop(
    mut conn: Conn,
    queue: Queues<'_>,
    stats: &Stats,
    mut log_sync: Option<LogSync>,
    upkeep: Option<&'static str>,
) {
    let answer =
        |log_sync: &Option<LogSync>, replies: Vec<Reply>, committed: Result<(), DbError>| match (log_sync, committed) {
            (Some(sync), Ok(())) => sync.answer(replies),
            (_, committed) => replies.into_iter().for_each(|reply| reply(committed.as_ref().err())),
        };
    let mut group: Vec<Work> = Vec::with_capacity(MAX_GROUP);
    let mut carried = None;
    let mut upkeep_due = false;
    loop {
        if carried.is_none() && upkeep_due && queue.is_empty() {
            if let (Some(sql), Conn::Sqlite(c)) = (upkeep, &mut conn) {
                // Committed without waiting for the log sync: nobody waits on it, and losing it
                // to a power cut loses nothing but work to do again.
                upkeep_due = c.did_work(sql).unwrap_or_else(|e| {
                    // Before the migrations there is no index to merge; a real failure (a full
                    // disk) fails the next unit too, where its caller hears of it.
                    tracing::debug!(error = %e, "upkeep failed; tried again after the next group");
                    false
                });
                continue;
            }
        }
        let Some(msg) = carried.take().or_else(|| queue.recv()) else { return };
        match msg {
            Msg::Close(ack) => {
                // No other writer takes what this one's lane still holds.
                let mut rest: Vec<Work> = queue.lane.map_or_else(Vec::new, |lane| {
                    lane.try_iter()
                        .filter_map(|msg| if let Msg::Unit(work) = msg { Some(work) } else { None })
                        .collect()
                });
                while !rest.is_empty() {
                    let mut group: Vec<Work> = rest.drain(..rest.len().min(MAX_GROUP)).collect();
                    let (replies, committed) = commit_group(&mut conn, &mut group);
                    answer(&log_sync, replies, committed);
                }
                // Whatever waits for the log sync is answered first.
                drop(log_sync.take());
                if let Conn::Sqlite(c) = &mut conn {
                    // Fold the write-ahead log into the main file, so the file alone is the
                    // whole database (a backup is copied as one file).
                    let _ = c.batch("PRAGMA wal_checkpoint(TRUNCATE)");
                }
                drop(conn);
                let _ = ack.send(());
                return;
            }
            Msg::Alone(work) => {
                if let Conn::Postgres(c) = &mut conn {
                    let _ = c.revive();
                }
                let (_, reply) = run(work, &mut conn, None);
                answer(&log_sync, vec![reply], Ok(()));
            }
            Msg::Unit(work) => {
                group.push(work);
                while group.len() < MAX_GROUP {
                    match queue.try_recv() {
                        Some(Msg::Unit(work)) => group.push(work),
                        Some(other) => {
                            carried = Some(other);
                            break;
                        }
                        None => break,
                    }
                }
                stats.groups.fetch_add(1, Ordering::Relaxed);
                stats.units.fetch_add(group.len() as u64, Ordering::Relaxed);
                let (replies, committed) = commit_group(&mut conn, &mut group);
                answer(&log_sync, replies, committed);
                upkeep_due = upkeep.is_some();
            }
        }
    }
}

/// Runs a group of units in one transaction; the replies to give once the commit is done, and
/// how it went. A unit that could not run, or failed first in its transaction, has been
/// answered already.
///
/// The first unit of a transaction runs without a savepoint: if it fails, the transaction
/// holds nothing else, so it is rolled back whole and the next unit begins another. Each later
/// unit runs inside its own `SAVEPOINT`, and SQLite copies every page a unit touches first into
/// the savepoint's journal (a tenth of the writer's time creating requests, five units a group).
///
/// Transaction control between two units goes as one batch (`RELEASE unit; SAVEPOINT unit`,
/// and `BEGIN` or `COMMIT` with the first and last): on PostgreSQL each batch is a round trip.
fn commit_group(conn: &mut Conn, group: &mut Vec<Work>) -> (Vec<Reply>, Result<(), DbError>) {
    let mut control = String::new();
    let mut open = false;
    let mut replies: Vec<Reply> = Vec::with_capacity(group.len());
    let mut lost: Option<DbError> = None;
    let mut later: Vec<Later> = Vec::new();
    for work in group.drain(..) {
        if lost.is_some() {
            continue; // dropped unrun: its caller hears the work was dropped
        }
        let first = !open;
        let opened = if first {
            conn.begin_sql(true).map(|sql| control.push_str(sql))
        } else {
            control.push_str("; SAVEPOINT unit");
            Ok(())
        };
        // A failure here is logged with the group's below.
        if let Err(e) = opened.and_then(|()| conn.batch(&control)) {
            lost = Some(e);
            continue;
        }
        control.clear();
        open = true;
        let before = later.len();
        let (ok, reply) = run(work, conn, Some(&mut later));
        if !ok {
            later.truncate(before); // a failed unit leaves nothing for later either
        }
        if !conn.in_transaction() {
            lost = Some(DbError::Engine("the database rolled the transaction back".into()));
        } else if first && !ok {
            // Nothing pushed yet belongs to this transaction: `replies` is empty.
            conn.rollback();
            open = false;
            reply(None);
            continue;
        } else if !first {
            control.push_str(if ok { "RELEASE unit" } else { "ROLLBACK TO unit; RELEASE unit" });
        }
        replies.push(reply);
    }
    if lost.is_none() && !open {
        return (replies, Ok(()));
    }
    // What the units left for the end runs after their savepoints, in the order written.
    if lost.is_none() && !later.is_empty() {
        if !control.is_empty() {
            lost = conn.batch(&control).err();
            control.clear();
        }
        for (sql, args) in later {
            if lost.is_some() {
                break;
            }
            lost = conn.execute(&sql, &args).err();
        }
    }
    let committed = match lost {
        Some(e) => Err(e),
        None if control.is_empty() => conn.batch("COMMIT"),
        None => {
            control.push_str("; COMMIT");
            conn.batch(&control)
        }
    };
    if let Err(e) = &committed {
        tracing::error!(error = %e, units = replies.len(), "group commit failed");
        if conn.in_transaction() {
            conn.rollback();
        }
    }
    (replies, committed)
}

/// Runs a read unit on this thread, in its own transaction, as a reader thread would.
fn read_here<T, F>(conn: &mut Conn, f: F) -> Result<T>
where
    F: FnOnce(Tx<'_>) -> Result<T>,
{
    conn.begin(false)?;
    let outcome = catch_unwind(AssertUnwindSafe(|| f(Tx { conn: &mut *conn, later: None })));
    conn.end_read();
    outcome.unwrap_or_else(|_| {
        tracing::error!("a read unit panicked");
        Err(dropped())
    })
}

/// What a caller hears when its unit never answered: it failed to start or panicked.
fn dropped() -> StoreError {
    StoreError::Database(DbError::Engine("the database dropped the work (it failed or panicked; see the log)".into()))
}

fn reader_loop(mut conn: Conn, queue: &Receiver<Msg>) {
    while let Ok(msg) = queue.recv() {
        match msg {
            Msg::Close(ack) => {
                drop(conn);
                let _ = ack.send(());
                return;
            }
            Msg::Unit(work) | Msg::Alone(work) => {
                if let Err(e) = conn.begin(false) {
                    tracing::error!(error = %e, "cannot begin a read transaction");
                    continue;
                }
                let (_, reply) = run(work, &mut conn, None);
                // A read unit only read: nothing to keep or undo, so its caller need not wait
                // for the end of the transaction (a round trip on PostgreSQL).
                reply(None);
                conn.end_read();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use super::*;
    use crate::db::args;
    use crate::scratch::testing::on_postgres;
    use crate::scratch::Scratch;

    async fn scratch_db(like: &str) -> (Scratch, Db) {
        let scratch = Scratch::create(like).await.expect("scratch database");
        // Three connections on PostgreSQL leave one writer, so the units queue for the same one.
        let opts = PoolOptions { max_connections: 3, ..PoolOptions::default() };
        let db = Db::connect(scratch.url(), opts).await.expect("connect");
        db.write(|mut tx| Ok(tx.batch("CREATE TABLE units (name TEXT NOT NULL)")?)).await.expect("table");
        (scratch, db)
    }

    fn insert(db: &Db, name: &'static str, fail: bool) -> impl std::future::Future<Output = Result<()>> {
        let db = db.clone();
        async move {
            db.write(move |mut tx| {
                tx.exec().execute("INSERT INTO units (name) VALUES ($1)", args![name])?;
                tx.at_group_end("INSERT INTO units (name) VALUES ($1)", args![format!("{name}, at the end")])?;
                if fail {
                    return Err(StoreError::Corrupt("this unit fails after writing".into()));
                }
                Ok(())
            })
            .await
        }
    }

    /// Starts a write unit (in `lane`, if one) that holds its writer until released, and returns
    /// once it runs.
    async fn hold_a_writer(
        db: &Db,
        lane: Option<i64>,
    ) -> (tokio::task::JoinHandle<Result<()>>, std::sync::mpsc::Sender<()>) {
        let (started_tx, started_rx) = std::sync::mpsc::channel::<()>();
        let (release, held) = std::sync::mpsc::channel::<()>();
        let hold = move |_tx: Tx<'_>| {
            let _ = started_tx.send(());
            let _ = held.recv_timeout(Duration::from_secs(10));
            Ok(())
        };
        let blocker = tokio::spawn({
            let db = db.clone();
            async move {
                match lane {
                    Some(lane) => db.write_in_lane(lane, hold).await,
                    None => db.write(hold).await,
                }
            }
        });
        tokio::task::spawn_blocking(move || started_rx.recv_timeout(Duration::from_secs(10)))
            .await
            .expect("join")
            .expect("the blocker started");
        (blocker, release)
    }

    /// Four units in one group, the first and third failing after they wrote: the second is
    /// committed (with what it left for the group's end), the failing ones leave nothing, and the
    /// second is answered only once the whole group (including a slow fourth unit) has committed.
    async fn one_failing_unit_leaves_the_group_committed(like: &str) {
        let (scratch, db) = scratch_db(like).await;
        // A unit that holds the writer until the others are queued behind it.
        let (blocker, release) = hold_a_writer(&db, None).await;
        let groups_before = db.groups();
        let finished: Arc<Mutex<Option<std::time::Instant>>> = Arc::default();
        let slow_done = finished.clone();
        // Queued in this order: the first runs without a savepoint, so its failure rolls back
        // the transaction it began, and the next unit begins another.
        let queued = || tokio::time::sleep(Duration::from_millis(50));
        let failing_first = tokio::spawn(insert(&db, "first, rolled back", true));
        queued().await;
        let ok = tokio::spawn(insert(&db, "kept", false));
        queued().await;
        let failing = tokio::spawn(insert(&db, "rolled back", true));
        queued().await;
        let slow = tokio::spawn({
            let db = db.clone();
            async move {
                db.write(move |mut tx| {
                    tx.exec().execute("INSERT INTO units (name) VALUES ($1)", args!["slow"])?;
                    std::thread::sleep(Duration::from_millis(200));
                    *slow_done.lock().map_err(|_| StoreError::Corrupt("poisoned".into()))? =
                        Some(std::time::Instant::now());
                    Ok(())
                })
                .await
            }
        });
        // Let the three reach the writer's queue, then let the writer go.
        tokio::time::sleep(Duration::from_millis(300)).await;
        release.send(()).expect("release");
        blocker.await.expect("join").expect("blocker");
        ok.await.expect("join").expect("the first unit commits");
        let answered = std::time::Instant::now();
        let slow_finished = finished.lock().expect("lock").expect("the slow unit ran before the first was answered");
        assert!(slow_finished <= answered, "the first unit was answered before its group committed");
        assert!(matches!(failing_first.await.expect("join"), Err(StoreError::Corrupt(_))));
        assert!(matches!(failing.await.expect("join"), Err(StoreError::Corrupt(_))));
        slow.await.expect("join").expect("the slow unit commits");
        assert_eq!(db.groups() - groups_before, 1, "the four queued units ran as one group");
        let names: Vec<String> = db
            .read(|mut tx| Ok(tx.exec().scalars("SELECT name FROM units ORDER BY name", Vec::new())?))
            .await
            .expect("read");
        // What a unit leaves for the group's end is written only if the unit succeeds.
        assert_eq!(names, ["kept", "kept, at the end", "slow"]);
        db.close().await;
        scratch.remove().await.expect("remove");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn group_commit_on_sqlite() {
        one_failing_unit_leaves_the_group_committed("sqlite:").await;
    }

    /// The checkpointer thread copies committed pages into the database file long before the
    /// writer's own backstop would, and the writer carries on meanwhile.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_log_is_folded_in_beside_the_writer() {
        let (scratch, db) = scratch_db("sqlite:").await;
        let file = std::path::PathBuf::from(sqlite::path_of(scratch.url()).expect("path"));
        let size = || std::fs::metadata(&file).map_or(0, |m| m.len());
        // About 300 pages: a third of SQLite's own checkpoint threshold, far below the backstop.
        db.write(|mut tx| {
            for _ in 0..300 {
                tx.exec().execute("INSERT INTO units (name) VALUES ($1)", args!["x".repeat(4000)])?;
            }
            Ok(())
        })
        .await
        .expect("write");
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while size() < 300 * 4000 && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(size() >= 300 * 4000, "the database file holds {} bytes: the log was not copied in", size());
        let n: i64 =
            db.read(|mut tx| Ok(tx.exec().scalar("SELECT COUNT(*) FROM units", Vec::new())?)).await.expect("read");
        assert_eq!(n, 300);
        db.close().await;
        scratch.remove().await.expect("remove");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn group_commit_on_postgres() {
        on_postgres(|url| async move { one_failing_unit_leaves_the_group_committed(&url).await }).await;
    }

    /// A read unit sees one snapshot: a write committed while it runs stays out of its later
    /// statements.
    async fn a_read_unit_reads_one_snapshot(like: &str) {
        let (scratch, db) = scratch_db(like).await;
        insert(&db, "before", false).await.expect("insert");
        let (started_tx, started_rx) = std::sync::mpsc::channel::<()>();
        let (written_tx, written_rx) = std::sync::mpsc::channel::<()>();
        let read = tokio::spawn({
            let db = db.clone();
            async move {
                db.read(move |mut tx| {
                    let count = "SELECT COUNT(*) FROM units";
                    let first: i64 = tx.exec().scalar(count, Vec::new())?;
                    let _ = started_tx.send(());
                    let _ = written_rx.recv_timeout(Duration::from_secs(10));
                    let second: i64 = tx.exec().scalar(count, Vec::new())?;
                    Ok((first, second))
                })
                .await
            }
        });
        tokio::task::spawn_blocking(move || started_rx.recv_timeout(Duration::from_secs(10)))
            .await
            .expect("join")
            .expect("the read started");
        insert(&db, "meanwhile", false).await.expect("a write beside the read");
        written_tx.send(()).expect("signal");
        let (first, second) = read.await.expect("join").expect("read");
        assert_eq!((first, second), (2, 2), "the read saw a write committed after it began");
        db.close().await;
        scratch.remove().await.expect("remove");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn read_snapshot_on_sqlite() {
        a_read_unit_reads_one_snapshot("sqlite:").await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn read_snapshot_on_postgres() {
        on_postgres(|url| async move { a_read_unit_reads_one_snapshot(&url).await }).await;
    }

    /// Every unit of one lane runs on the same writer thread; on PostgreSQL, with two writers,
    /// two lanes run on both, and plain writes still run beside them. Closing runs what a lane
    /// still holds.
    async fn a_lane_keeps_to_one_writer(like: &str) {
        let scratch = Scratch::create(like).await.expect("scratch database");
        let db = Db::connect(scratch.url(), PoolOptions { max_connections: 6, ..PoolOptions::default() })
            .await
            .expect("connect");
        let tables = "CREATE TABLE units (name TEXT NOT NULL); \
                      CREATE TABLE lanes (lane BIGINT NOT NULL, n BIGINT NOT NULL, thread TEXT NOT NULL)";
        db.write(move |mut tx| Ok(tx.batch(tables)?)).await.expect("tables");
        let unit = |lane: i64, n: i64| {
            let db = db.clone();
            async move {
                db.write_in_lane(lane, move |mut tx| {
                    let thread = std::thread::current().name().unwrap_or_default().to_owned();
                    let sql = "INSERT INTO lanes (lane, n, thread) VALUES ($1, $2, $3)";
                    tx.exec().execute(sql, args![lane, n, thread])?;
                    Ok(())
                })
                .await
            }
        };
        let mut sent = Vec::new();
        for n in 0..40 {
            sent.push(tokio::spawn(unit(7, n)));
            sent.push(tokio::spawn(unit(8, n)));
            sent.push(tokio::spawn(insert(&db, "beside", false)));
        }
        for done in sent {
            done.await.expect("join").expect("every unit commits");
        }
        let threads = |lane: i64| {
            let db = db.clone();
            async move {
                db.read(move |mut tx| {
                    Ok(tx.exec().scalars::<String>("SELECT DISTINCT thread FROM lanes WHERE lane = $1", args![lane])?)
                })
                .await
                .expect("read")
            }
        };
        let (seven, eight) = (threads(7).await, threads(8).await);
        assert_eq!((seven.len(), eight.len()), (1, 1), "a lane ran on several writers: {seven:?} {eight:?}");
        assert_eq!(seven == eight, db.backend() == Backend::Sqlite, "two lanes on PostgreSQL's two writers");
        let beside: i64 = db
            .read(|mut tx| Ok(tx.exec().scalar("SELECT COUNT(*) FROM units WHERE name = 'beside'", Vec::new())?))
            .await
            .expect("read");
        assert_eq!(beside, 40);
        // Units queued on a lane behind a busy writer when the database closes run and commit.
        let (blocker, release) = hold_a_writer(&db, Some(7)).await;
        let queued: Vec<_> = (100..103).map(|n| tokio::spawn(unit(7, n))).collect();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let closing = tokio::spawn({
            let db = db.clone();
            async move { db.close().await }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        release.send(()).expect("release");
        blocker.await.expect("join").expect("blocker");
        for done in queued {
            done.await.expect("join").expect("a unit queued on the lane before closing commits");
        }
        closing.await.expect("join");
        scratch.remove().await.expect("remove");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn lanes_on_sqlite() {
        a_lane_keeps_to_one_writer("sqlite:").await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn lanes_on_postgres() {
        on_postgres(|url| async move { a_lane_keeps_to_one_writer(&url).await }).await;
    }

    /// `insert_id` answers each new row's id; `insert_new_id` answers `None` for a row that
    /// conflicted, and the id of one written after it, however the backend finds them.
    async fn new_ids_come_back(like: &str) {
        let (scratch, db) = scratch_db(like).await;
        let ids = db
            .write(|mut tx| {
                let id = match tx.backend() {
                    Backend::Sqlite => "INTEGER PRIMARY KEY",
                    Backend::Postgres => "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
                };
                tx.batch(&format!("CREATE TABLE keyed (id {id}, key TEXT NOT NULL UNIQUE)"))?;
                let unless = "INSERT INTO keyed (key) VALUES ($1) ON CONFLICT (key) DO NOTHING";
                let a = tx.exec().insert_id("INSERT INTO keyed (key) VALUES ($1)", args!["a"])?;
                let b = tx.exec().insert_new_id(unless, args!["b"])?;
                let again = tx.exec().insert_new_id(unless, args!["a"])?;
                let c = tx.exec().insert_new_id(unless, args!["c"])?;
                let read: Vec<i64> =
                    tx.exec().scalars("SELECT id FROM keyed WHERE key IN ('a', 'b', 'c') ORDER BY key", Vec::new())?;
                Ok((a, b, again, c, read))
            })
            .await
            .expect("write");
        let (a, b, again, c, read) = ids;
        assert_eq!(again, None, "a conflicting row answers no id");
        assert_eq!(vec![a, b.expect("b is new"), c.expect("c is new")], read);
        db.close().await;
        scratch.remove().await.expect("remove");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn new_ids_on_sqlite() {
        new_ids_come_back("sqlite:").await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn new_ids_on_postgres() {
        on_postgres(|url| async move { new_ids_come_back(&url).await }).await;
    }

    /// A quick read sees what was committed before it, runs on the caller's thread on SQLite
    /// (on a reader thread on PostgreSQL), and a panic inside one answers an error while the
    /// connection stays usable; once the database is closed it answers an error, not a hang.
    async fn quick_reads_answer(like: &str) {
        let (scratch, db) = scratch_db(like).await;
        insert(&db, "committed", false).await.expect("insert");
        let caller = std::thread::current().id();
        let (count, thread) = db
            .read_quick(|mut tx| {
                let n: i64 = tx.exec().scalar("SELECT COUNT(*) FROM units", Vec::new())?;
                Ok((n, std::thread::current().id()))
            })
            .await
            .expect("quick read");
        assert_eq!(count, 2, "the unit and what it left for its group's end");
        assert_eq!(thread == caller, db.backend() == Backend::Sqlite, "where the quick read ran");
        for _ in 0..4 {
            let failed = db.read_quick(|_| -> Result<()> { panic!("a unit that panics") }).await;
            assert!(failed.is_err_and(|e| e.to_string().contains("dropped the work")));
            let again: i64 = db
                .read_quick(|mut tx| Ok(tx.exec().scalar("SELECT COUNT(*) FROM units", Vec::new())?))
                .await
                .expect("a read after the panic");
            assert_eq!(again, 2);
        }
        db.close().await;
        let closed = db.read_quick(|mut tx| Ok(tx.exec().scalar::<i64>("SELECT 1", Vec::new())?)).await;
        assert!(closed.is_err(), "a closed database still read");
        scratch.remove().await.expect("remove");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn quick_reads_on_sqlite() {
        quick_reads_answer("sqlite:").await;
    }

    #[tokio::test(flavor = "current_thread")]
    async fn quick_reads_on_postgres() {
        on_postgres(|url| async move { quick_reads_answer(&url).await }).await;
    }
}
