//! Makes SQLite's committed groups durable beside the writer, before their callers are answered.
//!
//! With `synchronous = FULL`, SQLite `fsync`s its write-ahead log inside every commit, and the
//! writer thread — the one serial resource of every write — waits for the disk instead of
//! running the next group: a fifth of its time under a stream of creates. So the writer commits
//! with `synchronous = NORMAL` (the log is written, not synced) and hands the group's answers to
//! this thread, which syncs the log file and only then answers them. One sync covers every group
//! committed before it began, so while the disk works on one, the writer runs the next.
//!
//! An acknowledged write has been synced to disk, as before. What changes: a committed group is
//! visible to readers for the moment (about one `fsync`) before it is durable and acknowledged;
//! a power cut in that moment loses it, as it loses any write not yet acknowledged. SQLite's log
//! is safe to lose the end of: each frame carries a checksum chained from the log's header, and
//! recovery stops at the last whole commit. SQLite still syncs the log before every checkpoint
//! and the database file after it, as `NORMAL` does.

use std::fs::File;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};

use super::engine::Reply;
use super::DbError;

/// The thread that syncs SQLite's log and then answers the groups committed before the sync.
#[derive(Debug)]
pub(crate) struct LogSync {
    answers: Option<Sender<Vec<Reply>>>,
    thread: Option<JoinHandle<()>>,
}

impl LogSync {
    /// Starts the thread for the database file at `db`.
    pub(crate) fn start(db: &Path) -> io::Result<Self> {
        let mut log = db.as_os_str().to_owned();
        log.push("-wal");
        let log = Log { path: PathBuf::from(log), synced_file: None };
        let (answers, queue) = crossbeam_channel::unbounded();
        let thread = std::thread::Builder::new().name("db-log-sync".into()).spawn(move || sync_loop(log, &queue))?;
        Ok(Self { answers: Some(answers), thread: Some(thread) })
    }

    /// Answers a committed group's callers once the log holding it is on disk.
    pub(crate) fn answer(&self, replies: Vec<Reply>) {
        if replies.is_empty() {
            return;
        }
        if let Some(answers) = &self.answers {
            if let Err(unsent) = answers.send(replies) {
                // The thread is gone (it never panics on its own): answer as SQLite's FULL would
                // after a failed sync rather than leave callers waiting.
                let e = DbError::Engine("the log sync thread stopped".into());
                unsent.into_inner().into_iter().for_each(|reply| reply(Some(&e)));
            }
        }
    }
}

impl Drop for LogSync {
    /// Answers everything still waiting, after one last sync.
    fn drop(&mut self) {
        drop(self.answers.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn sync_loop(mut log: Log, queue: &Receiver<Vec<Reply>>) {
    while let Ok(mut waiting) = queue.recv() {
        // Every group committed by now is in the log: one sync answers them all.
        while let Ok(more) = queue.try_recv() {
            waiting.extend(more);
        }
        let failed = log.sync().err().map(|e| {
            tracing::error!(error = %e, "cannot sync the database log; the writes it holds are not acknowledged");
            DbError::Engine(format!("the commit could not be synced to disk: {e}"))
        });
        for reply in waiting {
            reply(failed.as_ref());
        }
    }
}

/// SQLite's write-ahead log file.
struct Log {
    path: PathBuf,
    /// Device and inode of the log file last synced: a new file's directory entry is synced too.
    synced_file: Option<(u64, u64)>,
}

impl Log {
    /// Syncs the log's data to disk. It is opened each time, since SQLite may remove it (when
    /// it closes the database) and make it again; a sync through any descriptor covers what
    /// every descriptor wrote.
    fn sync(&mut self) -> io::Result<()> {
        let file = match File::open(&self.path) {
            Ok(f) => f,
            // No log: everything committed is in the database file, synced when SQLite folded
            // the log into it.
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        file.sync_data()?;
        let meta = file.metadata()?;
        let identity = (meta.dev(), meta.ino());
        if self.synced_file != Some(identity) {
            let dir = self.path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
            File::open(dir)?.sync_all()?;
            self.synced_file = Some(identity);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;

    /// A reply that reports whether it was answered with an error.
    fn reply(to: &mpsc::Sender<Option<String>>) -> Reply {
        let to = to.clone();
        Box::new(move |failed: Option<&DbError>| {
            let _ = to.send(failed.map(ToString::to_string));
        })
    }

    fn scratch_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("concentric-log-sync-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch folder");
        dir
    }

    #[test]
    fn groups_are_answered_after_their_log_is_synced() {
        let dir = scratch_dir("answered");
        let db = dir.join("c.db");
        std::fs::write(dir.join("c.db-wal"), b"frames").expect("log");
        let sync = LogSync::start(&db).expect("thread");
        let (to, answered) = mpsc::channel();
        sync.answer(vec![reply(&to), reply(&to)]);
        sync.answer(vec![reply(&to)]);
        for _ in 0..3 {
            let failed = answered.recv_timeout(std::time::Duration::from_secs(10)).expect("answered");
            assert_eq!(failed, None);
        }
        // Removing the log (as SQLite does when it closes the database) is not a failure.
        std::fs::remove_file(dir.join("c.db-wal")).expect("remove log");
        sync.answer(vec![reply(&to)]);
        assert_eq!(answered.recv_timeout(std::time::Duration::from_secs(10)).expect("answered"), None);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn stopping_answers_everything_waiting() {
        let dir = scratch_dir("stopping");
        std::fs::write(dir.join("c.db-wal"), b"frames").expect("log");
        let sync = LogSync::start(&dir.join("c.db")).expect("thread");
        let (to, answered) = mpsc::channel();
        sync.answer((0..100).map(|_| reply(&to)).collect());
        drop(sync);
        // Every reply was given before the drop returned.
        assert_eq!(answered.try_iter().filter(Option::is_none).count(), 100);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_log_that_cannot_be_read_fails_its_groups() {
        let dir = scratch_dir("failing");
        // A log below a plain file cannot be opened (not a directory): not a missing log.
        std::fs::write(dir.join("c.db"), b"").expect("file");
        let sync = LogSync::start(&dir.join("c.db").join("inner.db")).expect("thread");
        let (to, answered) = mpsc::channel();
        sync.answer(vec![reply(&to)]);
        let failed = answered.recv_timeout(std::time::Duration::from_secs(10)).expect("answered");
        assert!(failed.as_deref().is_some_and(|e| e.contains("could not be synced")), "{failed:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
