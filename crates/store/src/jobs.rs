//! Durable background jobs. A job is a row with a unique key: scheduling the same key again moves
//! it instead of adding another. Nodes claim due jobs under a lease (`FOR UPDATE SKIP LOCKED` on
//! PostgreSQL, so two nodes never claim the same row; SQLite has one writer and one node). A job
//! whose node dies is claimed again when its lease runs out; its effects carry their own unique
//! keys, so running it twice changes nothing.

use concentric_core::time::Millis;

use crate::commitments::occurrence_payload;
use crate::db::{args, Tx};
use crate::{Result, Store, StoreError};

/// Reminds the owner of an occurrence before it is due.
pub(crate) const OCCURRENCE_REMINDER: &str = "occurrence_reminder";
/// Announces an occurrence still open at its deadline.
pub(crate) const OCCURRENCE_OVERDUE: &str = "occurrence_overdue";
/// Generates occurrences ahead for every commitment, daily.
pub(crate) const COMMITMENTS_GENERATE: &str = "commitments_generate";
/// Reminds the owner of an action item still open at the end of its due date.
pub(crate) const ACTION_OVERDUE: &str = "action_overdue";
/// Opens the relationship survey rounds that are due, daily.
pub(crate) const SURVEYS_OPEN: &str = "surveys_open";
/// Reminds those who have not answered a survey round, once.
pub(crate) const SURVEY_REMIND: &str = "survey_remind";
/// Closes a survey round.
pub(crate) const SURVEY_CLOSE: &str = "survey_close";
/// Tells those whose requests now miss their targets because another was put ahead.
pub(crate) const SLIP_CHECK: &str = "slip_check";
/// Sends the organisation's week to those whose Monday morning has come, hourly.
pub(crate) const WEEKLY: &str = "weekly";
/// Sends one mail (the server's mailer does the work).
pub const MAIL: &str = "mail";
/// Gathers a person's digest notices into one mail (the server's mailer sends it).
pub const DIGEST: &str = "digest";
/// POSTs one webhook delivery (the server's HTTP client does the work).
pub const WEBHOOK: &str = "webhook";
/// How long a claimed job or clock check is a node's before another may take it.
const LEASE_MS: i64 = 60_000;
/// Jobs, and clock checks, claimed at a time.
const BATCH: i64 = 50;
/// Attempts before a job is given up and recorded as failed.
pub const MAX_ATTEMPTS: i64 = 8;

/// Schedules the job `key` for `run_at`, or with `None` retires it. A job already scheduled
/// under the key is moved, and runs again even if it had finished.
pub(crate) fn schedule(
    tx: &mut Tx,
    kind: &str,
    key: &str,
    payload: serde_json::Value,
    run_at: Option<i64>,
) -> Result<()> {
    match run_at {
        Some(at) => schedule_all(tx, kind, &[(key, payload, at)]),
        None => {
            tx.exec().execute(
                "UPDATE jobs SET done_at = $1 WHERE job_key = $2 AND done_at IS NULL AND failed_at IS NULL",
                args![Millis::now().0, key],
            )?;
            Ok(())
        }
    }
}

/// Schedules several jobs of one kind, each as [`schedule`] would, in one statement.
pub(crate) fn schedule_all<K: AsRef<str>>(tx: &mut Tx, kind: &str, jobs: &[(K, serde_json::Value, i64)]) -> Result<()> {
    if jobs.is_empty() {
        return Ok(());
    }
    let now = Millis::now().0;
    let mut values = Vec::with_capacity(jobs.len() * 5);
    for (key, payload, at) in jobs {
        values.extend(args![kind, key.as_ref(), payload.to_string(), *at, now]);
    }
    tx.exec().execute(
        &format!(
            "INSERT INTO jobs (kind, job_key, payload, run_at, created_at) VALUES {} \
             ON CONFLICT (job_key) DO UPDATE SET payload = excluded.payload, run_at = excluded.run_at, \
             attempts = 0, locked_by = NULL, locked_until = NULL, last_error = NULL, done_at = NULL, failed_at = NULL",
            crate::db::value_rows(jobs.len(), 5)
        ),
        values,
    )?;
    Ok(())
}

/// Schedules the job `key` for `run_at` unless it is already waiting to run: a digest already
/// planned keeps its time.
pub(crate) fn schedule_unless_pending(
    tx: &mut Tx,
    kind: &str,
    key: &str,
    payload: serde_json::Value,
    run_at: i64,
) -> Result<()> {
    tx.exec().execute(
        "INSERT INTO jobs (kind, job_key, payload, run_at, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (job_key) DO UPDATE SET payload = excluded.payload, run_at = excluded.run_at, \
             attempts = 0, locked_by = NULL, locked_until = NULL, last_error = NULL, done_at = NULL, failed_at = NULL \
             WHERE jobs.done_at IS NOT NULL OR jobs.failed_at IS NOT NULL",
        args![kind, key, payload.to_string(), run_at, Millis::now().0],
    )?;
    Ok(())
}

crate::db::row! {
    /// A claimed job.
    #[derive(Debug, Clone)]
    pub struct Job {
        pub id: i64,
        pub kind: String,
        pub job_key: String,
        pub payload: String,
        /// The schedule it was claimed under: if it is moved meanwhile, finishing leaves it pending.
        pub run_at: i64,
        pub attempts: i64,
    }
}

/// What does the jobs whose work lies outside the database: the server's mailer and webhook sender.
pub trait Effects: Sync {
    /// Runs a `mail`, `digest` or `webhook` job; an error is recorded and the job retried with backoff.
    fn run(
        &self,
        store: &Store,
        job: &Job,
        now: Millis,
    ) -> impl std::future::Future<Output = std::result::Result<(), String>> + Send;
}

crate::db::row! {
    /// Counts of the queue, for `/metrics` and the admin page.
    #[derive(Debug, Default, Clone, Copy)]
    pub struct JobCounts {
        pub pending: i64,
        pub due: i64,
        pub failed: i64,
    }
}

impl Store {
    /// Claims up to `limit` due jobs for `node`, leased for `lease_ms`.
    #[tracing::instrument(skip_all)]
    pub async fn claim_jobs(&self, node: &str, now: Millis, lease_ms: i64, limit: i64) -> Result<Vec<Job>> {
        let node = node.to_owned();
        self.db
            .write(move |mut tx| {
                let node: &str = &node;
                let lock = crate::db::skip_locked(tx.backend());
                let jobs = tx.exec().all(
                    &format!(
                        "UPDATE jobs SET locked_by = $1, locked_until = $2, attempts = attempts + 1 WHERE id IN \
                         (SELECT id FROM jobs WHERE done_at IS NULL AND failed_at IS NULL AND run_at <= $3 \
                         AND (locked_until IS NULL OR locked_until < $3) ORDER BY run_at LIMIT $4{lock}) \
                         RETURNING id, kind, job_key, payload, run_at, attempts"
                    ),
                    args![node, now.0 + lease_ms, now.0, limit],
                )?;
                // RETURNING keeps no order: run them as they fell due, so a receiver hears events in turn.
                let mut jobs: Vec<Job> = jobs;
                jobs.sort_by_key(|j| (j.run_at, j.id));
                Ok(jobs)
            })
            .await
    }

    /// Runs one claimed job's work at `now`: the store's own jobs here, the others (mail) by `effects`.
    #[tracing::instrument(skip_all)]
    pub async fn run_job(&self, job: &Job, now: Millis, effects: &impl Effects) -> Result<()> {
        match job.kind.as_str() {
            OCCURRENCE_REMINDER => {
                self.remind_occurrence(occurrence_payload(&job.payload, &job.job_key)?, now).await?;
                Ok(())
            }
            OCCURRENCE_OVERDUE => {
                self.occurrence_overdue(occurrence_payload(&job.payload, &job.job_key)?, now).await?;
                Ok(())
            }
            ACTION_OVERDUE => {
                self.action_overdue(crate::reviews::action_payload(&job.payload, &job.job_key)?, now).await?;
                Ok(())
            }
            SURVEYS_OPEN => {
                self.open_due_surveys(now).await?;
                Ok(())
            }
            SURVEY_REMIND => {
                self.remind_survey(crate::surveys::round_payload(&job.payload, &job.job_key)?, now).await?;
                Ok(())
            }
            SURVEY_CLOSE => {
                self.close_survey(crate::surveys::round_payload(&job.payload, &job.job_key)?, now, true).await?;
                Ok(())
            }
            SLIP_CHECK => {
                let p = serde_json::from_str(&job.payload)
                    .map_err(|e| StoreError::Corrupt(format!("job {}: {e}", job.job_key)))?;
                self.check_slips(p, now.to_utc()).await?;
                Ok(())
            }
            COMMITMENTS_GENERATE => {
                self.generate_occurrences(now).await?;
                Ok(())
            }
            WEEKLY => {
                self.send_weekly(now).await?;
                Ok(())
            }
            MAIL | DIGEST | WEBHOOK => effects.run(self, job, now).await.map_err(StoreError::Effect),
            other => Err(StoreError::Corrupt(format!("job {}: unknown kind {other}", job.job_key))),
        }
    }

    /// Marks a job done, unless it was rescheduled while it ran (then it stays pending).
    #[tracing::instrument(skip_all)]
    pub async fn finish_job(&self, job: &Job, now: Millis) -> Result<()> {
        let job = job.to_owned();
        self.db
            .write(move |mut tx| {
                let job: &Job = &job;
                tx.exec().execute(
                    "UPDATE jobs SET done_at = $1, locked_by = NULL, locked_until = NULL, \
                     payload = CASE WHEN kind = 'mail' THEN '{}' ELSE payload END WHERE id = $2 AND run_at = $3 \
                     AND done_at IS NULL",
                    args![now.0, job.id, job.run_at],
                )?;
                Ok(())
            })
            .await
    }

    /// Records a failure: retried with exponential backoff (30 s, 1 min, 2 min, ...), given up
    /// after a few attempts.
    #[tracing::instrument(skip_all)]
    pub async fn fail_job(&self, job: &Job, error: &str, now: Millis) -> Result<()> {
        let job = job.to_owned();
        let error = error.to_owned();
        self.db.write(move |mut tx| {
            let job: &Job = &job;
            let error: &str = &error;
            let backoff = 30_000i64 << job.attempts.clamp(0, 12);
            let failed = (job.attempts >= MAX_ATTEMPTS).then_some(now.0);
            tx.exec()
                .execute(
                    "UPDATE jobs SET last_error = $1, run_at = $2, failed_at = $3, locked_by = NULL, locked_until = NULL \
                     WHERE id = $4 AND run_at = $5",
                    args![error, now.0 + backoff, failed, job.id, job.run_at],
                )?;
            Ok(())
        })
        .await
    }

    /// Claims and runs every due clock check and job, one batch after another, until none is
    /// due at `now`. Returns how many ran. The runner in `serve` calls this on a timer; tests
    /// call it directly.
    #[tracing::instrument(skip_all)]
    pub async fn run_due_jobs(&self, node: &str, now: Millis, effects: &impl Effects) -> Result<usize> {
        let mut ran = 0;
        loop {
            // Clock checks first: the notices they write may queue mail for the same round.
            let clocks = self.claim_clock_checks(now, LEASE_MS, BATCH).await?;
            for &(request, kind) in &clocks {
                // A failed check stays claimed until the lease ends, and is tried again then.
                if let Err(e) = self.check_clock(request, kind, now).await {
                    tracing::warn!(request = request.0, kind = kind.as_str(), error = %e, "clock check failed");
                }
                ran += 1;
            }
            let jobs = self.claim_jobs(node, now, LEASE_MS, BATCH).await?;
            if jobs.is_empty() && clocks.is_empty() {
                return Ok(ran);
            }
            for job in jobs {
                match self.run_job(&job, now, effects).await {
                    Ok(()) => self.finish_job(&job, now).await?,
                    Err(e) => {
                        tracing::warn!(job = %job.job_key, attempt = job.attempts, error = %e, "job failed");
                        self.fail_job(&job, &e.to_string(), now).await?;
                    }
                }
                ran += 1;
            }
        }
    }

    #[tracing::instrument(skip_all)]
    pub async fn job_counts(&self, now: Millis) -> Result<JobCounts> {
        self.db.read(move |mut tx| {
            Ok(tx.exec()
                .optional(
                    "SELECT COALESCE(SUM(CASE WHEN done_at IS NULL AND failed_at IS NULL THEN 1 ELSE 0 END), 0) AS pending, \
                     COALESCE(SUM(CASE WHEN done_at IS NULL AND failed_at IS NULL AND run_at <= $1 THEN 1 ELSE 0 END), 0) AS due, \
                     COALESCE(SUM(CASE WHEN failed_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS failed FROM jobs",
                    args![now.0],
                )?
                .unwrap_or_default())
        })
        .await
    }
}
