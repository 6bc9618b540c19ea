//! Concentric's persistence: one API over SQLite (embedded default) and PostgreSQL.
//!
//! Each aggregate has its own module of `impl Store` methods (people, teams, accounts, events,
//! import, demo). Writes take the acting [`Actor`] and check its permission here, next to the
//! data, so no caller can forget. Only `db` knows which backend is live.
#![forbid(unsafe_code)]

mod accounts;
mod attachments;
mod bench;
mod capacity;
mod clocks;
mod commitments;
mod db;
mod demo;
mod events;
mod forecast;
mod health;
mod home;
mod identities;
mod import;
mod inbound;
mod jobs;
mod links;
mod mail;
mod meetings;
mod memo;
mod network;
mod news;
mod notifications;
mod people;
mod placements;
mod ratings;
mod requests;
mod responsibilities;
mod reviews;
mod scim;
pub mod scratch;
mod search;
mod services;
mod sessions;
mod surveys;
mod teams;
mod thanks;
mod transfer;
mod views;
mod webhooks;
mod weekly;

use concentric_core::authz::{Actor, Forbidden};
use concentric_core::import::RowError;
use concentric_core::{FieldError, Invalid};

pub use clocks::CheckOutcome;
pub use commitments::OccurrenceFilter;
pub use db::{redact_url, Backend, PoolOptions, Synchronous};
pub use identities::SsoAttempt;
pub use inbound::{
    InboundMessage, MailRoute, ThreadTarget, OUTSIDERS_REFUSE, OUTSIDERS_WATCH, UNKNOWN_CREATE, UNKNOWN_REFUSE,
};
pub use jobs::{Effects, Job, JobCounts, DIGEST, MAIL, MAX_ATTEMPTS, WEBHOOK};
pub use links::{IssuedLink, LinkView};
pub use mail::MailQueue;
pub use meetings::MeetingFilter;
pub use placements::{PlacementDetail, PlacementFilter};
pub use reviews::ActionFilter;
pub use scim::ScimClient;
pub use services::ServiceQuery;
pub use sessions::{NewSession, SessionView};
pub use transfer::TableReport;
pub use views::{BulkChange, BulkOutcome};
pub use webhooks::{Attempt, Outbound};

pub use db::DbError;
use db::{args, Db};

/// Everything that can go wrong in the store, split by what the caller should tell the user.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The input clashes with existing data (a taken email or team key).
    #[error("conflict: {}", .0.message)]
    Conflict(FieldError),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// A change the lifecycle of a request or an occurrence refuses, in words.
    #[error("{0}")]
    IllegalTransition(String),
    /// An import file with bad rows; nothing was written.
    #[error("{} bad rows", .0.len())]
    Import(Vec<RowError>),
    #[error("database error: {0}")]
    Database(#[from] DbError),
    /// Stored data that cannot be read back (a bug or a hand-edited database).
    #[error("corrupt data: {0}")]
    Corrupt(String),
    /// A job's work outside the database (sending mail) failed; it is retried.
    #[error("{0}")]
    Effect(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl From<concentric_core::request::IllegalTransition> for StoreError {
    fn from(t: concentric_core::request::IllegalTransition) -> Self {
        Self::IllegalTransition(t.to_string())
    }
}

impl From<concentric_core::commitment::IllegalStep> for StoreError {
    fn from(t: concentric_core::commitment::IllegalStep) -> Self {
        Self::IllegalTransition(t.to_string())
    }
}

/// True when a database error is a unique-constraint violation (same test on both backends).
fn is_unique_violation(e: &DbError) -> bool {
    e.is_unique_violation()
}

/// The database of one organisation, shared by every request handler and job.
#[derive(Debug, Clone)]
pub struct Store {
    db: Db,
}

impl Store {
    /// Connects to `sqlite://PATH` or `postgres://...`, picking the backend from the scheme.
    #[tracing::instrument(skip_all, fields(url = %redact_url(url)))]
    pub async fn connect(url: &str, opts: PoolOptions) -> Result<Self> {
        Ok(Self { db: Db::connect(url, opts).await? })
    }

    pub fn backend(&self) -> Backend {
        self.db.backend()
    }

    /// Applies pending migrations. Safe to run from several nodes at once on PostgreSQL
    /// (an advisory lock); released migrations are never edited.
    #[tracing::instrument(skip_all)]
    pub async fn migrate(&self) -> Result<()> {
        self.db.alone(|mut tx| Ok(db::migrate::run(&mut tx)?)).await
    }

    /// Checks that the database answers, for the readiness probe.
    #[tracing::instrument(skip_all)]
    pub async fn ping(&self) -> Result<()> {
        let one: i64 = self.db.read(|mut tx| Ok(tx.exec().scalar("SELECT CAST(1 AS BIGINT)", args![])?)).await?;
        debug_assert_eq!(one, 1);
        Ok(())
    }

    /// Group commits so far and the write units they carried (for `concentric bench`).
    pub fn commit_stats(&self) -> (u64, u64) {
        (self.db.groups(), self.db.units())
    }

    #[tracing::instrument(skip_all)]
    pub async fn close(&self) {
        self.db.close().await;
    }

    /// The permissions of a signed-in person: admin flag and team roles.
    #[tracing::instrument(skip_all)]
    pub async fn actor_for(&self, person: concentric_core::PersonId) -> Result<Actor> {
        self.db.read(move |mut tx| accounts::load_actor(tx.exec(), person)).await
    }
}

/// Version and description of each migration.
pub type MigrationList = Vec<(i64, String)>;

/// The migrations of each backend (SQLite, PostgreSQL), to check the two trees stay in step.
pub fn migration_versions() -> (MigrationList, MigrationList) {
    let list = |m: &[db::migrate::Migration]| m.iter().map(|m| (m.version, m.description())).collect();
    (list(db::migrate::SQLITE), list(db::migrate::POSTGRES))
}

#[cfg(test)]
mod tests {
    #[test]
    fn migration_trees_stay_in_step() {
        let (sqlite, postgres) = super::migration_versions();
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, postgres, "every migration needs a twin with the same version and name");
    }
}
