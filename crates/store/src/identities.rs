//! Single sign-on: the attempts waiting for a provider's answer, and the links between people
//! and their accounts at the company's identity providers. Linking, creating people and
//! following the provider's groups all go into the audit log.

use concentric_core::authz::Actor;
use concentric_core::identity::{GroupPlan, IdentityRefusal, ProvidedIdentity, UnknownPeople};
use concentric_core::person::NewPerson;
use concentric_core::time::Millis;
use concentric_core::{PersonId, TeamId};
use serde_json::json;

use crate::db::{args, Tx};
use crate::events::record;
use crate::people::{id_by_email, insert_person, person_by_id};
use crate::teams::{team_id_by_key, upsert_membership};
use crate::{Result, Store};

/// A sign-in sent to a provider: what its answer must match.
#[derive(Debug, Clone)]
pub struct SsoAttempt {
    /// The digest of the `state` sent (and kept in the browser's cookie).
    pub state_hash: String,
    pub provider: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// Where to go after signing in (a local path).
    pub next: String,
    /// When it began.
    pub at: Millis,
}

crate::db::row! {
    struct AttemptRow {
        provider: String,
        nonce: String,
        pkce_verifier: String,
        next: String,
        created_at: i64,
    }
}

/// Applies the provider's groups to a person inside the sign-in's transaction: joins or changes
/// role in the teams their groups give, leaves the managed teams they no longer do, and sets
/// the admin flag when the map names admins.
fn follow_groups(
    tx: &mut Tx,
    system: &Actor,
    via: &str,
    person: PersonId,
    email: &str,
    plan: &GroupPlan,
) -> Result<()> {
    for key in &plan.managed_teams {
        let Some(team) = team_id_by_key(tx.exec(), key)? else {
            tracing::warn!(team = %key, "a group maps to a team that does not exist");
            continue;
        };
        match plan.teams.iter().find(|(k, _)| k == key).map(|(_, r)| *r) {
            Some(role) => {
                if upsert_membership(tx, team, person, role)? {
                    let detail = json!({ "person": email, "role": role.as_str(), "via": via });
                    record(tx, system, "team", team.0, "member_set", detail)?;
                }
            }
            None => leave(tx, system, via, team, person, email)?,
        }
    }
    if let Some(admin) = plan.admin {
        let was: bool = tx.exec().scalar("SELECT is_admin FROM people WHERE id = $1", args![person])?;
        if was != admin {
            tx.exec().execute("UPDATE people SET is_admin = $1 WHERE id = $2", args![admin, person])?;
            record(tx, system, "person", person.0, "updated", json!({ "is_admin": [was, admin], "via": via }))?;
        }
    }
    Ok(())
}

fn leave(tx: &mut Tx, system: &Actor, via: &str, team: TeamId, person: PersonId, email: &str) -> Result<()> {
    let n = tx.exec().execute("DELETE FROM team_members WHERE team_id = $1 AND person_id = $2", args![team, person])?;
    if n > 0 {
        record(tx, system, "team", team.0, "member_removed", json!({ "person": email, "via": via }))?;
    }
    Ok(())
}

impl Store {
    /// Keeps a sign-in sent to a provider until its answer comes back (to any node).
    #[tracing::instrument(skip_all)]
    pub async fn begin_sso(&self, attempt: &SsoAttempt) -> Result<()> {
        let a = attempt.to_owned();
        self.db
            .write(move |mut tx| {
                tx.exec().execute(
                    "INSERT INTO sso_attempts (state_hash, provider, nonce, pkce_verifier, next, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                    args![&a.state_hash, &a.provider, &a.nonce, &a.pkce_verifier, &a.next, a.at.0],
                )?;
                Ok(())
            })
            .await
    }

    /// Takes (and so ends) the attempt with this state for `provider`, if it began after
    /// `since`: an answer can be used once.
    #[tracing::instrument(skip_all)]
    pub async fn take_sso(&self, state_hash: &str, provider: &str, since: Millis) -> Result<Option<SsoAttempt>> {
        let (state_hash, provider) = (state_hash.to_owned(), provider.to_owned());
        self.db
            .write(move |mut tx| {
                let row: Option<AttemptRow> = tx.exec().optional(
                    "DELETE FROM sso_attempts WHERE state_hash = $1 \
                     RETURNING provider, nonce, pkce_verifier, next, created_at",
                    args![&state_hash],
                )?;
                Ok(row.filter(|r| r.provider == provider && r.created_at >= since.0).map(|r| SsoAttempt {
                    state_hash,
                    provider: r.provider,
                    nonce: r.nonce,
                    pkce_verifier: r.pkce_verifier,
                    next: r.next,
                    at: Millis(r.created_at),
                }))
            })
            .await
    }

    /// Signs in a person the provider vouched for: by the provider's subject when linked before,
    /// else by email (linking the account), else by creating them when the provider may. Then
    /// the provider's groups are applied. Everything in one transaction, with the address the
    /// answer came from in the audit log.
    #[tracing::instrument(skip_all)]
    pub async fn sign_in_with_identity(
        &self,
        who: &ProvidedIdentity,
        address: &str,
    ) -> Result<std::result::Result<PersonId, IdentityRefusal>> {
        let who = who.to_owned();
        let system = Actor::system().from_address(address.to_owned());
        self.db
            .write(move |mut tx| {
                let now = Millis::now().0;
                let linked: Option<i64> = tx.exec().scalar_opt(
                    "SELECT person_id FROM identities WHERE provider = $1 AND subject = $2",
                    args![&who.provider, &who.subject],
                )?;
                let person = match linked {
                    Some(id) => PersonId(id),
                    None => {
                        let person = match id_by_email(tx.exec(), &who.email)? {
                            Some(id) => id,
                            None if who.unknown_people == UnknownPeople::Create => {
                                let new =
                                    NewPerson {
                                        email: who.email.clone(),
                                        name: who.name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| {
                                            who.email.split('@').next().unwrap_or_default().to_owned()
                                        }),
                                        title: String::new(),
                                        manager_email: None,
                                        time_zone: String::from("UTC"),
                                        weekly_capacity_hours: 40.0,
                                        is_admin: false,
                                    }
                                    .validate()?;
                                let id = insert_person(&mut tx, &new, None)?;
                                let detail = json!({ "email": new.email, "name": new.name, "via": who.provider });
                                record(&mut tx, &system, "person", id.0, "created", detail)?;
                                id
                            }
                            None => return Ok(Err(IdentityRefusal::Unknown)),
                        };
                        tx.exec().execute(
                            "INSERT INTO identities (provider, subject, person_id, email, created_at, last_seen_at) \
                             VALUES ($1, $2, $3, $4, $5, $5)",
                            args![&who.provider, &who.subject, person, &who.email, now],
                        )?;
                        let detail = json!({ "provider": who.provider, "subject": who.subject, "email": who.email });
                        record(&mut tx, &system, "identity", person.0, "linked", detail)?;
                        person
                    }
                };
                if !person_by_id(tx.exec(), person)?.active {
                    return Ok(Err(IdentityRefusal::Deactivated));
                }
                tx.exec().execute(
                    "UPDATE identities SET last_seen_at = $1, email = $2 WHERE provider = $3 AND subject = $4",
                    args![now, &who.email, &who.provider, &who.subject],
                )?;
                if let Some(plan) = &who.groups {
                    follow_groups(&mut tx, &system, &who.provider, person, &who.email, plan)?;
                }
                Ok(Ok(person))
            })
            .await
    }

    /// The providers a person has signed in through, by name.
    #[tracing::instrument(skip_all)]
    pub async fn identities_of(&self, person: PersonId) -> Result<Vec<String>> {
        self.db
            .read(move |mut tx| {
                Ok(tx
                    .exec()
                    .scalars("SELECT provider FROM identities WHERE person_id = $1 ORDER BY provider", args![person])?)
            })
            .await
    }

    /// The active person with this email and whether they are an admin (the password policy's
    /// question before checking a password).
    #[tracing::instrument(skip_all)]
    pub async fn is_admin_email(&self, email: &str) -> Result<bool> {
        let email = email.trim().to_lowercase();
        self.db
            .read(move |mut tx| {
                let n: i64 = tx
                    .exec()
                    .scalar("SELECT COUNT(*) FROM people WHERE email = $1 AND active AND is_admin", args![&email])?;
                Ok(n > 0)
            })
            .await
    }
}
