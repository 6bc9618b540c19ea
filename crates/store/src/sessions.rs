//! Web sessions: the row behind each signed-in browser, found by the digest of its cookie. All
//! of it lives in the database, so every node sees the same sessions and ending one ends it
//! everywhere at once. Beginning and ending sessions goes into the audit log.

use concentric_core::authz::{Actor, Forbidden};
use concentric_core::person::Person;
use concentric_core::session::{describe_agent, ActiveSession};
use concentric_core::time::Millis;
use concentric_core::PersonId;
use serde_json::json;

use crate::accounts::load_actor;
use crate::db::{args, DbError, FromRow, RowRef};
use crate::events::record;
use crate::people::{PersonRow, PERSON_COLUMNS};
use crate::{Result, Store, StoreError};

/// A new session to store.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token_hash: String,
    /// A random name for the session in lists, distinct from the secret.
    pub handle: String,
    pub person: PersonId,
    pub csrf_token: String,
    pub expires_at: Millis,
    pub address: Option<String>,
    pub user_agent: Option<String>,
    /// `password`, or the single sign-on provider's name.
    pub method: String,
}

/// A live session: who is signed in, what they may do, and the CSRF token for their forms.
#[derive(Debug, Clone)]
pub struct SessionView {
    pub person: Person,
    pub actor: Actor,
    pub csrf_token: String,
    pub expires_at: Millis,
    pub handle: String,
    /// How it began: `password`, or the single sign-on provider's name.
    pub method: String,
}

struct SessionRow {
    person: PersonRow,
    csrf_token: String,
    expires_at: i64,
    handle: String,
    method: String,
}

impl FromRow for SessionRow {
    fn from_row(row: &RowRef<'_>) -> Result<Self, DbError> {
        Ok(Self {
            person: PersonRow::from_row(row)?,
            csrf_token: row.get("csrf_token")?,
            expires_at: row.get("expires_at")?,
            handle: row.get("handle")?,
            method: row.get("method")?,
        })
    }
}

crate::db::row! {
    struct ListedRow {
        handle: String,
        method: String,
        address: Option<String>,
        user_agent: Option<String>,
        created_at: i64,
        last_seen_at: i64,
        expires_at: i64,
    }
}

/// The person, acting from `address`, for recording what they did to their own sessions.
fn person_at(person: PersonId, address: Option<String>) -> Actor {
    Actor { person_id: Some(person), is_admin: false, teams: Vec::new(), address }
}

impl Store {
    /// Starts a session: the person has just proved who they are.
    #[tracing::instrument(skip_all)]
    pub async fn create_session(&self, s: &NewSession) -> Result<()> {
        let s = s.to_owned();
        self.db
            .write(move |mut tx| {
                let now = Millis::now().0;
                tx.exec().execute(
                    "INSERT INTO sessions (token_hash, handle, person_id, csrf_token, created_at, expires_at, \
                     last_seen_at, address, user_agent, method) VALUES ($1, $2, $3, $4, $5, $6, $5, $7, $8, $9)",
                    args![
                        &s.token_hash,
                        &s.handle,
                        s.person,
                        &s.csrf_token,
                        now,
                        s.expires_at.0,
                        s.address.as_deref(),
                        s.user_agent.as_deref(),
                        &s.method
                    ],
                )?;
                let agent = describe_agent(s.user_agent.as_deref());
                let me = person_at(s.person, s.address.clone());
                record(
                    &mut tx,
                    &me,
                    "session",
                    s.person.0,
                    "signed_in",
                    json!({ "method": s.method, "agent": agent }),
                )?;
                Ok(())
            })
            .await
    }

    /// The live session with this token hash, if it has not expired and its person is active.
    #[tracing::instrument(skip_all)]
    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionView>> {
        let token_hash = token_hash.to_owned();
        // The person comes with the session in one query; this runs on every page view, so on
        // the caller's thread.
        self.db
            .read_quick(move |mut tx| {
                let row: Option<SessionRow> = tx.exec().optional(
                    &format!(
                        "SELECT {PERSON_COLUMNS}, s.csrf_token, s.expires_at, s.handle, s.method FROM sessions s \
                         JOIN people p ON p.id = s.person_id LEFT JOIN people m ON m.id = p.manager_id \
                         WHERE s.token_hash = $1 AND s.expires_at > $2 AND p.active"
                    ),
                    args![&token_hash, Millis::now().0],
                )?;
                let Some(row) = row else { return Ok(None) };
                let person = Person::from(row.person);
                Ok(Some(SessionView {
                    actor: load_actor(tx.exec(), person.id)?,
                    person,
                    csrf_token: row.csrf_token,
                    expires_at: Millis(row.expires_at),
                    handle: row.handle,
                    method: row.method,
                }))
            })
            .await
    }

    /// Moves a session's expiry forward (sliding sessions); called sparingly, not on every hit.
    #[tracing::instrument(skip_all)]
    pub async fn extend_session(&self, token_hash: &str, expires_at: Millis) -> Result<()> {
        let token_hash = token_hash.to_owned();
        self.db
            .write(move |mut tx| {
                tx.exec().execute(
                    "UPDATE sessions SET expires_at = $1, last_seen_at = $2 WHERE token_hash = $3",
                    args![expires_at.0, Millis::now().0, &token_hash],
                )?;
                Ok(())
            })
            .await
    }

    /// Ends the session behind this request (signing out).
    #[tracing::instrument(skip_all)]
    pub async fn sign_out(&self, actor: &Actor, token_hash: &str) -> Result<()> {
        let actor = actor.to_owned();
        let token_hash = token_hash.to_owned();
        self.db
            .write(move |mut tx| {
                let ended = tx.exec().execute("DELETE FROM sessions WHERE token_hash = $1", args![&token_hash])?;
                if let (Some(me), true) = (actor.person_id, ended > 0) {
                    record(&mut tx, &actor, "session", me.0, "signed_out", json!({}))?;
                }
                Ok(())
            })
            .await
    }

    /// The actor's live sessions, most recently used first; `current` marks the one asking.
    #[tracing::instrument(skip_all)]
    pub async fn sessions_of(&self, actor: &Actor, current: Option<&str>) -> Result<Vec<ActiveSession>> {
        let Some(me) = actor.person_id else { return Ok(Vec::new()) };
        let current = current.map(ToOwned::to_owned);
        self.db
            .read(move |mut tx| {
                let rows: Vec<ListedRow> = tx.exec().all(
                    "SELECT handle, method, address, user_agent, created_at, last_seen_at, expires_at FROM sessions \
                     WHERE person_id = $1 AND expires_at > $2 ORDER BY last_seen_at DESC, created_at DESC",
                    args![me, Millis::now().0],
                )?;
                Ok(rows
                    .into_iter()
                    .map(|r| ActiveSession {
                        current: current.as_deref() == Some(r.handle.as_str()),
                        agent: describe_agent(r.user_agent.as_deref()),
                        handle: r.handle,
                        method: r.method,
                        address: r.address,
                        started_at: Millis(r.created_at).to_utc(),
                        last_seen_at: Millis(r.last_seen_at).to_utc(),
                        expires_at: Millis(r.expires_at).to_utc(),
                    })
                    .collect())
            })
            .await
    }

    /// Ends one of the actor's own sessions, named by its handle.
    #[tracing::instrument(skip_all)]
    pub async fn end_session(&self, actor: &Actor, handle: &str) -> Result<()> {
        let Some(me) = actor.person_id else { return Err(Forbidden("end sessions without a person").into()) };
        let actor = actor.to_owned();
        let handle = handle.to_owned();
        self.db
            .write(move |mut tx| {
                let agent: Option<Option<String>> = tx.exec().scalar_opt(
                    "SELECT user_agent FROM sessions WHERE handle = $1 AND person_id = $2",
                    args![&handle, me],
                )?;
                // Someone else's session looks the same as one that does not exist.
                let Some(agent) = agent else { return Err(StoreError::NotFound("session")) };
                tx.exec().execute("DELETE FROM sessions WHERE handle = $1 AND person_id = $2", args![&handle, me])?;
                let detail = json!({ "agent": describe_agent(agent.as_deref()) });
                record(&mut tx, &actor, "session", me.0, "ended", detail)?;
                Ok(())
            })
            .await
    }

    /// Ends every session of the actor ("sign out everywhere"); returns how many ended.
    #[tracing::instrument(skip_all)]
    pub async fn end_all_sessions(&self, actor: &Actor) -> Result<u64> {
        let Some(me) = actor.person_id else { return Err(Forbidden("end sessions without a person").into()) };
        let actor = actor.to_owned();
        self.db
            .write(move |mut tx| {
                let n = tx.exec().execute("DELETE FROM sessions WHERE person_id = $1", args![me])?;
                record(&mut tx, &actor, "session", me.0, "ended_all", json!({ "sessions": n }))?;
                Ok(n)
            })
            .await
    }

    /// Records a sign-in that failed after its credentials were checked: the email as typed, and
    /// why ("wrong password", "no such account"), never the password.
    #[tracing::instrument(skip_all)]
    pub async fn record_sign_in_failure(&self, email: &str, address: &str, reason: &'static str) -> Result<()> {
        let email = email.trim().to_lowercase();
        let address = address.to_owned();
        self.db
            .write(move |mut tx| {
                let person: Option<i64> =
                    tx.exec().scalar_opt("SELECT id FROM people WHERE email = $1", args![&email])?;
                let someone = Actor { person_id: None, is_admin: false, teams: Vec::new(), address: Some(address) };
                let detail = json!({ "email": email, "reason": reason });
                record(&mut tx, &someone, "session", person.unwrap_or(0), "sign_in_failed", detail)?;
                Ok(())
            })
            .await
    }
}
