//! Sign-in state: password hashes, server-side sessions, personal API tokens and the login
//! failure record behind rate limiting. All of it lives in the database so several app nodes
//! share it. Secrets arrive here already hashed; the store never sees a raw token.

use concentric_core::authz::{Actor, Forbidden};
use concentric_core::page::{Page, PageRequest};
use concentric_core::person::Person;
use concentric_core::sign_in::Failures;
use concentric_core::team::MemberRole;
use concentric_core::time::Millis;
use concentric_core::token::ApiToken;
use concentric_core::{Invalid, PersonId, TeamId, TokenId};
use serde_json::json;

use crate::db::{args, DbError, Exec, FromRow, RowRef, Tx};
use crate::events::record;
use crate::people::{person_by_id, PersonRow, PERSON_COLUMNS};
use crate::{Result, Store, StoreError};

crate::db::row! {
    struct TokenRow {
        id: i64,
        name: String,
        prefix: String,
        created_at: i64,
        last_used_at: Option<i64>,
        revoked_at: Option<i64>,
    }
}

impl From<TokenRow> for ApiToken {
    fn from(r: TokenRow) -> Self {
        ApiToken {
            id: TokenId(r.id),
            name: r.name,
            prefix: r.prefix,
            created_at: Millis(r.created_at).to_utc(),
            last_used_at: r.last_used_at.map(|t| Millis(t).to_utc()),
            revoked_at: r.revoked_at.map(|t| Millis(t).to_utc()),
        }
    }
}

/// Stores a password hash and ends every session of the person but `keep_session`, so whoever
/// had the old password is locked out.
pub(crate) fn store_password(
    tx: &mut Tx,
    person: PersonId,
    hash: &str,
    keep_session: Option<&str>,
    now: Millis,
) -> Result<()> {
    tx.exec()
        .execute(
            "INSERT INTO credentials (person_id, password_hash, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (person_id) DO UPDATE SET password_hash = excluded.password_hash, updated_at = excluded.updated_at",
            args![person, hash, now.0],
        )?;
    tx.exec().execute(
        "DELETE FROM sessions WHERE person_id = $1 AND token_hash <> $2",
        args![person, keep_session.unwrap_or("")],
    )?;
    Ok(())
}

pub(crate) fn load_actor(exec: Exec<'_>, person: PersonId) -> Result<Actor> {
    // Flag and roles in one query keep authentication at a single round trip per request.
    let rows: Vec<ActorRow> = exec.all(
        "SELECT p.is_admin, tm.team_id, tm.role FROM people p \
             LEFT JOIN team_members tm ON tm.person_id = p.id WHERE p.id = $1 AND p.active",
        args![person],
    )?;
    let is_admin = rows.first().ok_or(StoreError::NotFound("person"))?.is_admin;
    let teams = rows.into_iter().filter_map(|r| Some((TeamId(r.team_id?), MemberRole::parse(&r.role?)?))).collect();
    Ok(Actor { person_id: Some(person), is_admin, teams, address: None })
}

crate::db::row! {
    struct ActorRow {
        is_admin: bool,
        team_id: Option<i64>,
        role: Option<String>,
    }
}

impl Store {
    /// Whether any active admin exists; when none does, the one-time setup page is open.
    #[tracing::instrument(skip_all)]
    pub async fn admin_exists(&self) -> Result<bool> {
        self.db
            .read(move |mut tx| {
                let n: i64 = tx.exec().scalar("SELECT COUNT(*) FROM people WHERE is_admin AND active", args![])?;
                Ok(n > 0)
            })
            .await
    }

    /// The active person with this email and their password hash, for signing in.
    #[tracing::instrument(skip_all)]
    pub async fn credentials(&self, email: &str) -> Result<Option<(PersonId, String)>> {
        let email = email.to_owned();
        self.db
            .read(move |mut tx| {
                let email: &str = &email;
                let row: Option<(i64, String)> = tx
                    .exec()
                    .optional::<CredRow>(
                        "SELECT p.id, c.password_hash FROM people p JOIN credentials c ON c.person_id = p.id \
                     WHERE p.email = $1 AND p.active",
                        args![email.trim().to_lowercase()],
                    )?
                    .map(|r| (r.id, r.password_hash));
                Ok(row.map(|(id, hash)| (PersonId(id), hash)))
            })
            .await
    }

    /// Sets a person's password hash. People change their own; admins anyone's.
    /// Every other session of that person ends, so a changed password locks out whoever had the old one.
    #[tracing::instrument(skip_all)]
    pub async fn set_password_hash(
        &self,
        actor: &Actor,
        person: PersonId,
        hash: &str,
        keep_session: Option<&str>,
    ) -> Result<()> {
        let actor = actor.to_owned();
        let hash = hash.to_owned();
        let keep_session = keep_session.map(ToOwned::to_owned);
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                let hash: &str = &hash;
                let keep_session: Option<&str> = keep_session.as_deref();
                if !(actor.is_admin || actor.is_person(person)) {
                    return Err(Forbidden("change this person's password").into());
                }
                person_by_id(tx.exec(), person)?;
                store_password(&mut tx, person, hash, keep_session, Millis::now())?;
                record(&mut tx, actor, "person", person.0, "password_set", json!({}))?;
                Ok(())
            })
            .await
    }

    /// Removes expired sessions, old login failures and abandoned single sign-on attempts.
    #[tracing::instrument(skip_all)]
    pub async fn prune_auth_state(&self, failures_before: Millis) -> Result<u64> {
        self.db
            .write(move |mut tx| {
                let now = Millis::now().0;
                let a = tx.exec().execute("DELETE FROM sessions WHERE expires_at <= $1", args![now])?;
                let b = tx.exec().execute("DELETE FROM login_failures WHERE at < $1", args![failures_before.0])?;
                let c = tx.exec().execute("DELETE FROM trusted_devices WHERE expires_at <= $1", args![now])?;
                // A sign-in sent to a provider and never answered within the hour is abandoned.
                let d = tx.exec().execute("DELETE FROM sso_attempts WHERE created_at < $1", args![now - 3_600_000])?;
                Ok(a + b + c + d)
            })
            .await
    }

    /// Records a failed sign-in; `device` is the digest of the account's device cookie when the
    /// attempt carried one it trusts, so the failure counts against that device alone.
    #[tracing::instrument(skip_all)]
    pub async fn record_login_failure(&self, email: &str, ip: &str, device: Option<&str>, now: Millis) -> Result<()> {
        let email = email.to_owned();
        let ip = ip.to_owned();
        let device = device.map(ToOwned::to_owned);
        self.db
            .write(move |mut tx| {
                let email: &str = &email;
                let ip: &str = &ip;
                let device: Option<&str> = device.as_deref();
                tx.exec().execute(
                    "INSERT INTO login_failures (email, ip, device, at) VALUES ($1, $2, $3, $4)",
                    args![email.trim().to_lowercase(), ip, device.map(str::to_owned), now.0],
                )?;
                Ok(())
            })
            .await
    }

    /// Failed sign-ins since `since` that bear on an attempt on `email` from `ip`, carrying the
    /// device cookie with digest `device` (see `core::sign_in`).
    #[tracing::instrument(skip_all)]
    pub async fn login_failures(
        &self,
        email: &str,
        ip: &str,
        device: Option<&str>,
        since: Millis,
        now: Millis,
    ) -> Result<Failures> {
        let email = email.to_owned();
        let ip = ip.to_owned();
        let device = device.map(ToOwned::to_owned);
        self.db
            .read(move |mut tx| {
                let email: &str = &email;
                let ip: &str = &ip;
                let device: Option<&str> = device.as_deref();
                let email = email.trim().to_lowercase();
                let trusted_device = match device {
                    Some(hash) => tx.exec().scalar::<i64>(
                        "SELECT COUNT(*) FROM trusted_devices WHERE token_hash = $1 AND email = $2 AND expires_at > $3",
                        args![hash, &email, now.0],
                    )? > 0,
                    None => false,
                };
                let device_failures: i64 = match device.filter(|_| trusted_device) {
                    Some(hash) => tx.exec().scalar(
                        "SELECT COUNT(*) FROM login_failures WHERE email = $1 AND device = $2 AND at >= $3",
                        args![&email, hash, since.0],
                    )?,
                    None => 0,
                };
                let (account, last): (i64, Option<i64>) = tx
                    .exec()
                    .optional(
                        "SELECT COUNT(*), MAX(at) FROM login_failures WHERE email = $1 AND device IS NULL AND at >= $2",
                        args![&email, since.0],
                    )?
                    .unwrap_or((0, None));
                let address: i64 = tx
                    .exec()
                    .scalar("SELECT COUNT(*) FROM login_failures WHERE ip = $1 AND at >= $2", args![ip, since.0])?;
                Ok(Failures {
                    trusted_device,
                    device: device_failures,
                    account,
                    account_last_at: last.map(Millis),
                    address,
                })
            })
            .await
    }

    /// Trusts a browser for an account after it signed in: its device cookie's digest, until `expires_at`.
    #[tracing::instrument(skip_all)]
    pub async fn trust_device(&self, email: &str, token_hash: &str, expires_at: Millis) -> Result<()> {
        let email = email.to_owned();
        let token_hash = token_hash.to_owned();
        self.db
            .write(move |mut tx| {
                let email: &str = &email;
                let token_hash: &str = &token_hash;
                tx.exec().execute(
                    "INSERT INTO trusted_devices (token_hash, email, expires_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (token_hash, email) DO UPDATE SET expires_at = excluded.expires_at",
                    args![token_hash, email.trim().to_lowercase(), expires_at.0],
                )?;
                Ok(())
            })
            .await
    }

    /// Forgets an account's failures after a successful sign-in.
    #[tracing::instrument(skip_all)]
    pub async fn clear_login_failures(&self, email: &str) -> Result<()> {
        let email = email.to_owned();
        self.db
            .write(move |mut tx| {
                let email: &str = &email;
                tx.exec().execute("DELETE FROM login_failures WHERE email = $1", args![email.trim().to_lowercase()])?;
                Ok(())
            })
            .await
    }

    /// Stores a new token for the actor. The caller shows the secret once and keeps only its hash here.
    #[tracing::instrument(skip_all)]
    pub async fn create_token(&self, actor: &Actor, name: &str, token_hash: &str, prefix: &str) -> Result<ApiToken> {
        let actor = actor.to_owned();
        let name = name.to_owned();
        let token_hash = token_hash.to_owned();
        let prefix = prefix.to_owned();
        self.db.write(move |mut tx| {
            let actor: &Actor = &actor;
            let name: &str = &name;
            let token_hash: &str = &token_hash;
            let prefix: &str = &prefix;
            let Some(person) = actor.person_id else { return Err(Forbidden("create API tokens without a person").into()) };
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 100 {
                return Err(
                    Invalid::one("name", "give the token a name of 1-100 characters, e.g. \"reporting script\"").into()
                );
            }
            let row: TokenRow = tx
                .exec()
                .optional(
                    "INSERT INTO api_tokens (person_id, name, token_hash, prefix, created_at) VALUES ($1, $2, $3, $4, $5) \
                     RETURNING id, name, prefix, created_at, last_used_at, revoked_at",
                    args![person, name, token_hash, prefix, Millis::now().0],
                )?
                .ok_or(StoreError::NotFound("token"))?;
            record(&mut tx, actor, "token", row.id, "created", json!({ "name": name }))?;
            Ok(row.into())
        })
        .await
    }

    /// The actor's own tokens, newest first.
    #[tracing::instrument(skip_all)]
    pub async fn list_tokens(&self, actor: &Actor, page: PageRequest) -> Result<Page<ApiToken>> {
        let actor = actor.to_owned();
        self.db
            .read(move |mut tx| {
                let actor: &Actor = &actor;
                let total: i64 =
                    tx.exec().scalar("SELECT COUNT(*) FROM api_tokens WHERE person_id = $1", args![actor.person_id])?;
                let rows: Vec<TokenRow> = tx.exec().all(
                    "SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_tokens \
                     WHERE person_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3",
                    args![actor.person_id, page.limit(), page.offset()],
                )?;
                Ok(Page::new(rows.into_iter().map(ApiToken::from).collect(), u64::try_from(total).unwrap_or(0), page))
            })
            .await
    }

    /// Revokes one of the actor's tokens (admins may revoke anyone's).
    #[tracing::instrument(skip_all)]
    pub async fn revoke_token(&self, actor: &Actor, id: TokenId) -> Result<()> {
        let actor = actor.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                let owner: Option<i64> =
                    tx.exec().scalar_opt("SELECT person_id FROM api_tokens WHERE id = $1", args![id])?;
                // A token that is not yours looks the same as one that does not exist.
                match owner {
                    Some(owner) if actor.is_admin || actor.is_person(PersonId(owner)) => {}
                    _ => return Err(StoreError::NotFound("token")),
                }
                tx.exec().execute(
                    "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                    args![Millis::now().0, id],
                )?;
                record(&mut tx, actor, "token", id.0, "revoked", json!({}))?;
                Ok(())
            })
            .await
    }

    /// The active person a live token belongs to, with their permissions. Marks the token used.
    #[tracing::instrument(skip_all)]
    pub async fn authenticate_token(&self, token_hash: &str) -> Result<Option<(Person, Actor)>> {
        let hash = token_hash.to_owned();
        // Every API call starts here: two indexed lookups, on the caller's thread.
        let found = self
            .db
            .read_quick(move |mut tx| {
                let row: Option<TokenPersonRow> = tx.exec().optional(
                    &format!(
                        "SELECT {PERSON_COLUMNS}, k.last_used_at FROM api_tokens k JOIN people p ON p.id = k.person_id \
                         LEFT JOIN people m ON m.id = p.manager_id \
                         WHERE k.token_hash = $1 AND k.revoked_at IS NULL AND p.active"
                    ),
                    args![&hash],
                )?;
                let Some(row) = row else { return Ok(None) };
                let person = Person::from(row.person);
                let actor = load_actor(tx.exec(), person.id)?;
                Ok(Some((person, actor, row.last_used_at)))
            })
            .await?;
        let Some((person, actor, last_used)) = found else { return Ok(None) };
        let now = Millis::now().0;
        // Recording use at minute granularity keeps a busy script from turning every read into a write.
        if last_used.is_none_or(|t| t < now - 60_000) {
            let hash = token_hash.to_owned();
            self.db
                .write(move |mut tx| {
                    tx.exec().execute(
                        "UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2 \
                         AND (last_used_at IS NULL OR last_used_at < $3)",
                        args![now, &hash, now - 60_000],
                    )?;
                    Ok(())
                })
                .await?;
        }
        Ok(Some((person, actor)))
    }
}

crate::db::row! {
    struct CredRow {
        id: i64,
        password_hash: String,
    }
}

struct TokenPersonRow {
    person: PersonRow,
    last_used_at: Option<i64>,
}

impl FromRow for TokenPersonRow {
    fn from_row(row: &RowRef<'_>) -> Result<Self, DbError> {
        Ok(Self { person: PersonRow::from_row(row)?, last_used_at: row.get("last_used_at")? })
    }
}
