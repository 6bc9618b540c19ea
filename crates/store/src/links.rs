//! Single-use links to set a password: invitations for new people and resets for those who
//! forgot. Only a digest of the token is stored; a new link of one purpose retires the older ones.

use concentric_core::authz::Actor;
use concentric_core::mail::LinkPurpose;
use concentric_core::time::Millis;
use concentric_core::{Invalid, PersonId};
use serde_json::json;

use crate::db::args;
use crate::events::record;
use crate::people::person_by_id;
use crate::{Result, Store};

/// A link that was made: when it stops working.
#[derive(Debug, Clone)]
pub struct IssuedLink {
    pub person: PersonId,
    pub expires_at: Millis,
}

crate::db::row! {
    /// A link looked up by its token, for the page that sets the password.
    #[derive(Debug, Clone)]
    pub struct LinkView {
        pub person_id: i64,
        pub name: String,
        pub email: String,
        pub purpose: String,
        pub expires_at: i64,
        pub used_at: Option<i64>,
    }
}

impl LinkView {
    /// Whether the link can still set a password at `now`.
    pub fn usable(&self, now: Millis) -> bool {
        self.used_at.is_none() && self.expires_at > now.0
    }

    pub fn purpose(&self) -> LinkPurpose {
        LinkPurpose::parse(&self.purpose).unwrap_or(LinkPurpose::Reset)
    }
}

impl Store {
    /// Makes a link for `person`. Invitations are made by admins; resets by admins or, for the
    /// "forgot password" page, the system. The person must be active.
    #[tracing::instrument(skip_all)]
    pub async fn issue_password_link(
        &self,
        actor: &Actor,
        person: PersonId,
        purpose: LinkPurpose,
        token_hash: &str,
        now: Millis,
    ) -> Result<IssuedLink> {
        let actor = actor.to_owned();
        let token_hash = token_hash.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                let token_hash: &str = &token_hash;
                actor.require_admin(match purpose {
                    LinkPurpose::Invitation => "invite people",
                    LinkPurpose::Reset => "reset someone's password",
                })?;
                let who = person_by_id(tx.exec(), person)?;
                if !who.active {
                    return Err(
                        Invalid::one("person", format!("{} is deactivated: reactivate them first", who.name)).into()
                    );
                }
                tx.exec().execute(
                    "UPDATE password_links SET used_at = $1 WHERE person_id = $2 AND purpose = $3 AND used_at IS NULL",
                    args![now.0, person, purpose.as_str()],
                )?;
                let expires_at = now.0 + purpose.lifetime_ms();
                tx.exec().execute(
                    "INSERT INTO password_links (token_hash, person_id, purpose, created_by, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                    args![token_hash, person, purpose.as_str(), actor.person_id, now.0, expires_at],
                )?;
                let action = match purpose {
                    LinkPurpose::Invitation => "invited",
                    LinkPurpose::Reset => "password_reset_link",
                };
                record(
                    &mut tx,
                    actor,
                    "person",
                    person.0,
                    action,
                    json!({ "works_until": Millis(expires_at).to_utc().format("%-d %b %Y %H:%M UTC").to_string() }),
                )?;
                Ok(IssuedLink { person, expires_at: Millis(expires_at) })
            })
            .await
    }

    /// Whether a person has a password to sign in with.
    #[tracing::instrument(skip_all)]
    pub async fn has_password(&self, person: PersonId) -> Result<bool> {
        self.db
            .read(move |mut tx| {
                let n: i64 =
                    tx.exec().scalar("SELECT COUNT(*) FROM credentials WHERE person_id = $1", args![person])?;
                Ok(n > 0)
            })
            .await
    }

    /// The active person with this email, for "forgot password" (which says the same either way).
    #[tracing::instrument(skip_all)]
    pub async fn active_person_by_email(&self, email: &str) -> Result<Option<PersonId>> {
        let email = email.to_owned();
        self.db
            .read(move |mut tx| {
                let email: &str = &email;
                Ok(tx
                    .exec()
                    .scalar_opt::<i64>(
                        "SELECT id FROM people WHERE email = $1 AND active",
                        args![email.trim().to_lowercase()],
                    )?
                    .map(PersonId))
            })
            .await
    }

    #[tracing::instrument(skip_all)]
    pub async fn password_link(&self, token_hash: &str) -> Result<Option<LinkView>> {
        let token_hash = token_hash.to_owned();
        self.db
            .read(move |mut tx| {
                let token_hash: &str = &token_hash;
                Ok(tx.exec().optional(
                    "SELECT l.person_id, p.name, p.email, l.purpose, l.expires_at, l.used_at FROM password_links l \
                     JOIN people p ON p.id = l.person_id WHERE l.token_hash = $1 AND p.active",
                    args![token_hash],
                )?)
            })
            .await
    }

    /// Sets the password through a link, once: the link is spent in the same transaction, and
    /// every session of the person ends. `None` when the link is unknown, spent or expired.
    #[tracing::instrument(skip_all)]
    pub async fn use_password_link(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: Millis,
    ) -> Result<Option<PersonId>> {
        let token_hash = token_hash.to_owned();
        let password_hash = password_hash.to_owned();
        self.db.write(move |mut tx| {
            let token_hash: &str = &token_hash;
            let password_hash: &str = &password_hash;
            let person: Option<i64> = tx
                .exec()
                .scalar_opt(
                    "UPDATE password_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 \
                     AND person_id IN (SELECT id FROM people WHERE active) RETURNING person_id",
                    args![now.0, token_hash],
                )?;
            let Some(person) = person.map(PersonId) else { return Ok(None) };
            crate::accounts::store_password(&mut tx, person, password_hash, None, now)?;
            let me = Actor { person_id: Some(person), is_admin: false, teams: Vec::new(), address: None };
            record(&mut tx, &me, "person", person.0, "password_set", json!({ "by": "link" }))?;
            Ok(Some(person))
        })
        .await
    }
}
