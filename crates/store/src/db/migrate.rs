//! Schema migrations: numbered SQL files per backend, applied in order, each in its own
//! transaction. The record is kept in `_sqlx_migrations`, in the shape sqlx used before the
//! store ran its own engine, so databases made by earlier releases carry on where they were.

use std::time::Instant;

use sha2::{Digest, Sha384};

use super::{args, Backend, DbError, Tx};

/// One migration file.
#[derive(Debug)]
pub(crate) struct Migration {
    pub version: i64,
    pub file: &'static str,
    pub sql: &'static str,
}

impl Migration {
    /// The name after the number, in words (`0007_network.sql` is "network").
    pub(crate) fn description(&self) -> String {
        let stem = self.file.trim_end_matches(".sql");
        stem.split_once('_').map_or(stem, |(_, rest)| rest).replace('_', " ")
    }
}

macro_rules! migrations {
    ($dir:literal: $($version:literal $file:literal),* $(,)?) => {
        &[$(Migration {
            version: $version,
            file: $file,
            sql: include_str!(concat!("../../migrations/", $dir, "/", $file)),
        }),*]
    };
}

/// Every migration, oldest first. A new file is listed here too (a test checks the folders).
pub(crate) const SQLITE: &[Migration] = migrations!("sqlite":
    1 "0001_directory.sql", 2 "0002_catalog_requests.sql", 3 "0003_request_search.sql",
    4 "0004_attachments.sql", 5 "0005_open_queue.sql", 6 "0006_targets.sql", 7 "0007_network.sql",
    8 "0008_commitments.sql", 9 "0009_trusted_devices.sql", 10 "0010_ratings.sql", 11 "0011_reviews.sql",
    12 "0012_surveys.sql", 13 "0013_responsibilities.sql", 14 "0014_mail.sql", 15 "0015_mail_in.sql",
    16 "0016_webhooks.sql", 17 "0017_capacity.sql", 18 "0018_commitment_effort.sql",
    19 "0019_search_scope.sql", 20 "0020_recent_breaches.sql", 21 "0021_audit.sql", 22 "0022_identities.sql", 23 "0023_scim.sql", 24 "0024_news.sql",
    25 "0025_meetings.sql", 26 "0026_thanks.sql", 27 "0027_placements.sql",
    28 "0028_weekly.sql", 29 "0029_helps_with.sql", 30 "0030_news_images.sql", 31 "0031_digest_index.sql",
    32 "0032_search_merges.sql", 33 "0033_notices.sql", 34 "0034_clock_checks.sql",
    35 "0035_search_idle_merges.sql", 36 "0036_search_blocks.sql",
);
pub(crate) const POSTGRES: &[Migration] = migrations!("postgres":
    1 "0001_directory.sql", 2 "0002_catalog_requests.sql", 3 "0003_request_search.sql",
    4 "0004_attachments.sql", 5 "0005_open_queue.sql", 6 "0006_targets.sql", 7 "0007_network.sql",
    8 "0008_commitments.sql", 9 "0009_trusted_devices.sql", 10 "0010_ratings.sql", 11 "0011_reviews.sql",
    12 "0012_surveys.sql", 13 "0013_responsibilities.sql", 14 "0014_mail.sql", 15 "0015_mail_in.sql",
    16 "0016_webhooks.sql", 17 "0017_capacity.sql", 18 "0018_commitment_effort.sql",
    19 "0019_search_scope.sql", 20 "0020_recent_breaches.sql", 21 "0021_audit.sql", 22 "0022_identities.sql", 23 "0023_scim.sql", 24 "0024_news.sql",
    25 "0025_meetings.sql", 26 "0026_thanks.sql", 27 "0027_placements.sql",
    28 "0028_weekly.sql", 29 "0029_helps_with.sql", 30 "0030_news_images.sql", 31 "0031_digest_index.sql",
    32 "0032_search_merges.sql", 33 "0033_notices.sql", 34 "0034_clock_checks.sql",
    35 "0035_search_idle_merges.sql", 36 "0036_search_blocks.sql",
);

/// Serialises migrations between app nodes starting together on one PostgreSQL.
const LOCK: i64 = 0x636f_6e63_656e_7472; // "concentr"

/// Applies the pending migrations; runs on a writer outside any transaction.
pub(crate) fn run(tx: &mut Tx<'_>) -> Result<(), DbError> {
    run_until(tx, i64::MAX)
}

/// Applies the pending migrations up to and including `last` (a test stops at a past version
/// to write data in an old shape).
fn run_until(tx: &mut Tx<'_>, last: i64) -> Result<(), DbError> {
    let postgres = tx.backend() == Backend::Postgres;
    if postgres {
        tx.exec().execute("SELECT pg_advisory_lock($1)", args![LOCK])?;
    }
    let result = apply(tx, last);
    if postgres {
        tx.exec().execute("SELECT pg_advisory_unlock($1)", args![LOCK])?;
    }
    result
}

fn apply(tx: &mut Tx<'_>, last: i64) -> Result<(), DbError> {
    let (list, created) = match tx.backend() {
        Backend::Sqlite => (SQLITE, "TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP"),
        Backend::Postgres => (POSTGRES, "TIMESTAMPTZ NOT NULL DEFAULT now()"),
    };
    let blob = if tx.backend() == Backend::Postgres { "BYTEA" } else { "BLOB" };
    tx.batch(&format!(
        "CREATE TABLE IF NOT EXISTS _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, \
         installed_on {created}, success BOOLEAN NOT NULL, checksum {blob} NOT NULL, execution_time BIGINT NOT NULL)"
    ))?;
    let applied: Vec<(i64, bool, Vec<u8>)> =
        tx.exec().all("SELECT version, success, checksum FROM _sqlx_migrations ORDER BY version", Vec::new())?;
    for (version, success, checksum) in &applied {
        if !success {
            return Err(DbError::Engine(format!("migration {version} failed part-way earlier; repair the database")));
        }
        if let Some(m) = list.iter().find(|m| m.version == *version) {
            if Sha384::digest(m.sql.as_bytes()).as_slice() != checksum.as_slice() {
                return Err(DbError::Engine(format!("migration {} was edited after it was applied", m.file)));
            }
        }
    }
    for m in list.iter().filter(|m| m.version <= last && !applied.iter().any(|(v, _, _)| *v == m.version)) {
        let started = Instant::now();
        tx.batch("BEGIN")?;
        let step = tx.batch(m.sql).and_then(|()| {
            tx.exec().execute(
                "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
                 VALUES ($1, $2, TRUE, $3, $4)",
                args![
                    m.version,
                    m.description(),
                    Sha384::digest(m.sql.as_bytes()).to_vec(),
                    i64::try_from(started.elapsed().as_nanos()).unwrap_or(i64::MAX)
                ],
            )
        });
        match step {
            Ok(_) => tx.batch("COMMIT")?,
            Err(e) => {
                let _ = tx.batch("ROLLBACK");
                return Err(DbError::Engine(format!("migration {} failed: {e}", m.file)));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_in_the_folders_is_listed() {
        for (dir, list) in [("sqlite", SQLITE), ("postgres", POSTGRES)] {
            let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(dir);
            let mut files: Vec<String> = std::fs::read_dir(folder)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|f| f.ends_with(".sql"))
                .collect();
            files.sort();
            let listed: Vec<String> = list.iter().map(|m| m.file.to_owned()).collect();
            assert_eq!(files, listed, "migrations/{dir} and the list in db/migrate.rs differ");
            for m in list {
                assert_eq!(format!("{:04}", m.version), m.file[..4], "{} is listed with the wrong version", m.file);
            }
        }
    }

    #[test]
    fn descriptions_are_words() {
        assert_eq!(SQLITE[1].description(), "catalog requests");
    }

    /// A scratch database migrated up to `version`, and the clause PostgreSQL needs to insert
    /// rows with the ids a test names them by (its ids are generated always).
    async fn migrated_to(like: &str, version: i64) -> (crate::scratch::Scratch, crate::db::Db, &'static str) {
        let scratch = crate::scratch::Scratch::create(like).await.expect("scratch database");
        let db = crate::db::Db::connect(scratch.url(), crate::db::PoolOptions::default()).await.expect("connect");
        db.alone(move |mut tx| Ok(run_until(&mut tx, version)?)).await.expect("migrations");
        let given = if like.starts_with("postgres") { " OVERRIDING SYSTEM VALUE" } else { "" };
        (scratch, db, given)
    }

    /// Migration 0033 folds the copies of one event's notice into one notice with a recipient
    /// row each, keeps each person's reading and digest state, keeps the weekly notice (its words
    /// are each person's own) one per person, and new notices take ids after the old ones.
    async fn notices_fold_into_one_per_event(like: &str) {
        let (scratch, db, given) = migrated_to(like, 32).await;
        db.alone(move |mut tx| {
            for (id, email) in [(1_i64, "ann@example.com"), (2, "bo@example.com")] {
                tx.exec().execute(
                    &format!(
                        "INSERT INTO people (id, email, name, time_zone, weekly_capacity_hours, created_at, updated_at){given} \
                         VALUES ($1, $2, $2, 'UTC', 40, 0, 0)"
                    ),
                    args![id, email],
                )?;
            }
            let rows = [
                (10_i64, 1_i64, "new_request", "new_request:7:99:1", "in_app", None::<i64>),
                (11, 2, "new_request", "new_request:7:99:2", "digest", Some(5)),
                (12, 1, "weekly", "weekly:-:2026:1", "in_app", None),
                (13, 2, "weekly", "weekly:-:2026:2", "in_app", None),
                (14, 2, "reply", "reply:7:100:2", "mail", None),
            ];
            for (id, person, kind, key, channel, read_at) in rows {
                tx.exec().execute(
                    &format!(
                        "INSERT INTO notifications (id, person_id, channel, kind, summary, dedupe_key, created_at, read_at, notice){given} \
                         VALUES ($1, $2, $3, $4, $5, $6, $1, $7, '{{}}')"
                    ),
                    args![id, person, channel, kind, format!("said {id}"), key, read_at],
                )?;
            }
            Ok(())
        })
        .await
        .expect("old notifications");
        db.alone(|mut tx| Ok(run(&mut tx)?)).await.expect("migration 0033");
        let (notices, recipients, next) = db
            .alone(|mut tx| {
                let notices: Vec<(i64, String)> =
                    tx.exec().all("SELECT id, dedupe_key FROM notices ORDER BY id", Vec::new())?;
                let recipients: Vec<(i64, i64, String, Option<i64>)> = tx.exec().all(
                    "SELECT person_id, notice_id, channel, read_at FROM notice_recipients ORDER BY notice_id, person_id",
                    Vec::new(),
                )?;
                let next: i64 = tx.exec().scalar(
                    "INSERT INTO notices (kind, summary, dedupe_key, created_at) VALUES ('reply', 'new', 'reply:7:101', 0) RETURNING id",
                    Vec::new(),
                )?;
                Ok((notices, recipients, next))
            })
            .await
            .expect("read back");
        let keys: Vec<(i64, &str)> = notices.iter().map(|(id, k)| (*id, k.as_str())).collect();
        assert_eq!(
            keys,
            [(10, "new_request:7:99"), (12, "weekly:-:2026:1"), (13, "weekly:-:2026:2"), (14, "reply:7:100")]
        );
        assert_eq!(
            recipients,
            [
                (1, 10, "in_app".to_owned(), None),
                (2, 10, "digest".to_owned(), Some(5)),
                (1, 12, "in_app".to_owned(), None),
                (2, 13, "in_app".to_owned(), None),
                (2, 14, "mail".to_owned(), None),
            ]
        );
        assert!(next > 14, "a new notice's id {next} follows the old ones");
        db.close().await;
        scratch.remove().await.expect("remove scratch");
    }

    /// Migration 0034 moves each clock's pending check from its job onto the clock, leaves
    /// finished and failed checks off, and removes the check jobs but no other job.
    async fn clock_checks_move_onto_their_clocks(like: &str) {
        let (scratch, db, given) = migrated_to(like, 33).await;
        db.alone(move |mut tx| {
            for sql in [
                "INSERT INTO people (id, email, name, time_zone, weekly_capacity_hours, created_at, updated_at){given} \
                 VALUES (1, 'ann@example.com', 'Ann', 'UTC', 40, 0, 0)",
                "INSERT INTO teams (id, key, name, created_at, updated_at){given} VALUES (1, 'IT', 'IT', 0, 0)",
                "INSERT INTO services (id, team_id, slug, name, audience, default_priority, default_effort_hours, \
                 form_version, created_at, updated_at){given} VALUES (1, 1, 'desk', 'Desk', 'everyone', 3, 1, 1, 0, 0)",
            ] {
                tx.exec().execute(&sql.replace("{given}", given), Vec::new())?;
            }
            for id in [7_i64, 8] {
                tx.exec().execute(
                    &format!(
                        "INSERT INTO requests (id, key, team_id, number, service_id, form_version, requester_id, subject, \
                         priority, status, created_at, updated_at){given} VALUES ($1, $2, 1, $1, 1, 1, 1, 'Laptop', 3, 'open', 0, 0)"
                    ),
                    args![id, format!("IT-{id}")],
                )?;
            }
            tx.exec().execute(
                "INSERT INTO request_clocks (request_id, kind, target_ms, elapsed_ms, running_since, due_at) VALUES \
                 (7, 'first_response', 10, 0, 0, 10), (7, 'resolution', 20, 0, 0, 20), (8, 'resolution', 20, 0, 0, 20)",
                Vec::new(),
            )?;
            tx.exec().execute(
                "INSERT INTO jobs (kind, job_key, payload, run_at, created_at, done_at, failed_at) VALUES \
                 ('clock_check', 'clock:7:first_response', '{}', 8, 0, 9, NULL), \
                 ('clock_check', 'clock:7:resolution', '{}', 15, 0, NULL, NULL), \
                 ('clock_check', 'clock:8:resolution', '{}', 15, 0, NULL, 16), \
                 ('mail', 'mail:1', '{}', 15, 0, NULL, NULL)",
                Vec::new(),
            )?;
            Ok(())
        })
        .await
        .expect("clocks and their jobs");
        db.alone(|mut tx| Ok(run(&mut tx)?)).await.expect("migration 0034");
        let (checks, jobs) = db
            .alone(|mut tx| {
                let checks: Vec<(i64, String, Option<i64>)> = tx.exec().all(
                    "SELECT request_id, kind, check_at FROM request_clocks ORDER BY request_id, kind",
                    Vec::new(),
                )?;
                let jobs: Vec<String> = tx.exec().scalars(
                    "SELECT job_key FROM jobs WHERE kind IN ('clock_check', 'mail') ORDER BY job_key",
                    Vec::new(),
                )?;
                Ok((checks, jobs))
            })
            .await
            .expect("read back");
        assert_eq!(
            checks,
            [
                (7, "first_response".to_owned(), None),
                (7, "resolution".to_owned(), Some(15)),
                (8, "resolution".to_owned(), None)
            ]
        );
        assert_eq!(jobs, ["mail:1"], "the mail stays, the check jobs go");
        db.close().await;
        scratch.remove().await.expect("remove scratch");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn clock_checks_move_on_sqlite() {
        clock_checks_move_onto_their_clocks("sqlite:").await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn clock_checks_move_on_postgres() {
        if let Ok(url) = std::env::var("CONCENTRIC_TEST_POSTGRES_URL") {
            clock_checks_move_onto_their_clocks(&url).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn notices_fold_on_sqlite() {
        notices_fold_into_one_per_event("sqlite:").await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn notices_fold_on_postgres() {
        if let Ok(url) = std::env::var("CONCENTRIC_TEST_POSTGRES_URL") {
            notices_fold_into_one_per_event(&url).await;
        }
    }
}
