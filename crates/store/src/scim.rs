//! SCIM provisioning: the clients allowed to provision, and Users and Groups kept as people and
//! teams. Every write is one unit of work that also records a `scim` event (the audit log) naming
//! the client.

use std::collections::HashMap;

use concentric_core::authz::Actor;
use concentric_core::person::NewPerson;
use concentric_core::scim::resources::{
    key_candidates, team_of_group_id, GroupFacts, GroupWrite, UserFacts, UserWrite,
};
use concentric_core::scim::ProvisioningClient;
use concentric_core::team::MemberRole;
use concentric_core::time::Millis;
use concentric_core::{FieldError, Invalid, PersonId, TeamId};
use serde_json::json;

use crate::db::{args, Arg, Tx};
use crate::events::record;
use crate::people::{check_manager_loop, person_by_id};
use crate::teams::upsert_membership;
use crate::{Result, Store, StoreError};

/// A provisioning client, as its token names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimClient {
    pub id: i64,
    pub name: String,
}

crate::db::row! {
    struct ClientRow {
        id: i64,
        name: String,
        prefix: String,
        created_at: i64,
        last_used_at: Option<i64>,
        revoked_at: Option<i64>,
    }
}

crate::db::row! {
    struct UserRow {
        id: i64,
        email: String,
        name: String,
        title: String,
        active: bool,
        manager_id: Option<i64>,
        created_at: i64,
        updated_at: i64,
        user_name: Option<String>,
        external_id: Option<String>,
        kept: Option<String>,
        scim_updated_at: Option<i64>,
    }
}

crate::db::row! {
    struct GroupRow {
        id: i64,
        name: String,
        created_at: i64,
        updated_at: i64,
        external_id: Option<String>,
        kept: Option<String>,
        scim_updated_at: Option<i64>,
    }
}

crate::db::row! {
    struct PairRow {
        owner: i64,
        other: i64,
        label: String,
    }
}

/// The client acting: the system, from its address, named in every event's detail.
fn acting(address: &str) -> Actor {
    Actor::system().from_address(address.to_owned())
}

fn parse_id(raw: &str, what: &'static str) -> Result<i64> {
    raw.trim().parse::<i64>().map_err(|_| StoreError::NotFound(what))
}

fn group_id(raw: &str) -> Result<i64> {
    team_of_group_id(raw).ok_or(StoreError::NotFound("Group"))
}

fn conflict(field: &str, message: String) -> StoreError {
    StoreError::Conflict(FieldError::new(field, message))
}

fn in_list(n: usize, from: usize) -> String {
    (0..n).map(|i| format!("${}", from + i)).collect::<Vec<_>>().join(", ")
}

fn user_facts(tx: &mut Tx, ids: &[i64]) -> Result<Vec<UserFacts>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let list = in_list(chunk.len(), 1);
        let params: Vec<crate::db::Arg> = chunk.iter().map(|i| (*i).into()).collect();
        let rows: Vec<UserRow> = tx.exec().all(
            &format!(
                "SELECT p.id, p.email, p.name, p.title, p.active, p.manager_id, \
                 p.created_at, p.updated_at, s.user_name, s.external_id, s.kept, s.updated_at AS scim_updated_at \
                 FROM people p LEFT JOIN scim_users s ON s.person_id = p.id \
                 WHERE p.id IN ({list})"
            ),
            params.clone(),
        )?;
        let groups: Vec<PairRow> = tx.exec().all(
            &format!(
                "SELECT tm.person_id AS owner, t.id AS other, t.name AS label FROM team_members tm \
                 JOIN teams t ON t.id = tm.team_id WHERE t.active AND tm.person_id IN ({list}) ORDER BY t.name, t.id"
            ),
            params,
        )?;
        let mut by_person: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
        for g in groups {
            by_person.entry(g.owner).or_default().push((g.other, g.label));
        }
        let mut rows: HashMap<i64, UserRow> = rows.into_iter().map(|r| (r.id, r)).collect();
        for id in chunk {
            let Some(r) = rows.remove(id) else { continue };
            let modified = r.updated_at.max(r.scim_updated_at.unwrap_or(0));
            out.push(UserFacts {
                id: r.id,
                user_name: r.user_name.unwrap_or_else(|| r.email.clone()),
                external_id: r.external_id,
                email: r.email,
                name: r.name,
                title: r.title,
                active: r.active,
                manager: r.manager_id,
                groups: by_person.remove(&r.id).unwrap_or_default(),
                created: Millis(r.created_at).to_utc(),
                modified: Millis(modified).to_utc(),
                kept: r.kept.and_then(|k| serde_json::from_str(&k).ok()).unwrap_or_else(|| json!({})),
            });
        }
    }
    Ok(out)
}

fn group_facts(tx: &mut Tx, ids: &[i64]) -> Result<Vec<GroupFacts>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let list = in_list(chunk.len(), 1);
        let params: Vec<crate::db::Arg> = chunk.iter().map(|i| (*i).into()).collect();
        let rows: Vec<GroupRow> = tx.exec().all(
            &format!(
                "SELECT t.id, t.name, t.created_at, t.updated_at, g.external_id, g.kept, g.updated_at AS scim_updated_at \
                 FROM teams t LEFT JOIN scim_groups g ON g.team_id = t.id WHERE t.id IN ({list})"
            ),
            params.clone(),
        )?;
        let members: Vec<PairRow> = tx.exec().all(
            &format!(
                "SELECT tm.team_id AS owner, p.id AS other, p.name AS label FROM team_members tm \
                 JOIN people p ON p.id = tm.person_id WHERE tm.team_id IN ({list}) ORDER BY p.name, p.id"
            ),
            params,
        )?;
        let mut by_team: HashMap<i64, Vec<i64>> = HashMap::new();
        for m in members {
            by_team.entry(m.owner).or_default().push(m.other);
        }
        let mut rows: HashMap<i64, GroupRow> = rows.into_iter().map(|r| (r.id, r)).collect();
        for id in chunk {
            let Some(r) = rows.remove(id) else { continue };
            out.push(GroupFacts {
                id: r.id,
                name: r.name,
                external_id: r.external_id,
                members: by_team.remove(&r.id).unwrap_or_default(),
                created: Millis(r.created_at).to_utc(),
                modified: Millis(r.updated_at.max(r.scim_updated_at.unwrap_or(0))).to_utc(),
                kept: r.kept.and_then(|k| serde_json::from_str(&k).ok()).unwrap_or_else(|| json!({})),
            });
        }
    }
    Ok(out)
}

/// People SCIM sees: everyone not deleted through SCIM.
const USER_VISIBLE: &str = "NOT EXISTS (SELECT 1 FROM scim_users d WHERE d.person_id = p.id AND d.deleted)";
/// Teams SCIM sees: active ones not deleted through SCIM.
const GROUP_VISIBLE: &str =
    "t.active AND NOT EXISTS (SELECT 1 FROM scim_groups d WHERE d.team_id = t.id AND d.deleted)";

/// Ids from `base` (a `SELECT … WHERE …`), narrowed by `cond` (SQL over `$1`) when given.
fn narrowed_ids(tx: &mut Tx, base: &str, order: &str, cond: Option<(&'static str, Arg)>) -> Result<Vec<i64>> {
    Ok(match cond {
        None => tx.exec().scalars(&format!("{base} ORDER BY {order}"), args![])?,
        Some((c, value)) => tx.exec().scalars(&format!("{base} AND {c} ORDER BY {order}"), vec![value])?,
    })
}

/// The team a department names, by key or name, any case.
fn department_team(tx: &mut Tx, department: &str) -> Result<Option<i64>> {
    Ok(tx.exec().scalar_opt(
        "SELECT id FROM teams WHERE active AND (upper(key) = upper($1) OR lower(name) = lower($1)) ORDER BY id LIMIT 1",
        args![department.trim()],
    )?)
}

impl Store {
    /// The live provisioning client with this token digest; marks it used (at most once a
    /// minute, so a provisioning run's many calls read without queueing for the writer).
    #[tracing::instrument(skip_all)]
    pub async fn scim_client(&self, token_hash: &str) -> Result<Option<ScimClient>> {
        let hash = token_hash.to_owned();
        let found = self
            .db
            .read(move |mut tx| {
                Ok(tx.exec().optional::<(i64, String, Option<i64>)>(
                    "SELECT id, name, last_used_at FROM scim_clients WHERE token_hash = $1 AND revoked_at IS NULL",
                    args![&hash],
                )?)
            })
            .await?;
        let Some((id, name, used)) = found else { return Ok(None) };
        let now = Millis::now().0;
        if used.is_none_or(|u| u < now - 60_000) {
            self.db
                .write(move |mut tx| {
                    tx.exec().execute("UPDATE scim_clients SET last_used_at = $1 WHERE id = $2", args![now, id])?;
                    Ok(())
                })
                .await?;
        }
        Ok(Some(ScimClient { id, name }))
    }

    /// Adds a provisioning client (admins); the caller shows the token once.
    #[tracing::instrument(skip_all)]
    pub async fn create_scim_client(
        &self,
        actor: &Actor,
        name: &str,
        token_hash: &str,
        prefix: &str,
    ) -> Result<ProvisioningClient> {
        let (actor, name, hash, prefix) =
            (actor.clone(), name.trim().to_owned(), token_hash.to_owned(), prefix.to_owned());
        self.db
            .write(move |mut tx| {
                actor.require_admin("add provisioning clients")?;
                if name.is_empty() || name.chars().count() > 100 {
                    return Err(Invalid::one("name", "name the client in 1-100 characters, e.g. \"Entra ID\"").into());
                }
                let id: i64 = tx.exec().insert_id(
                    "INSERT INTO scim_clients (name, token_hash, prefix, created_at) VALUES ($1, $2, $3, $4)",
                    args![&name, &hash, &prefix, Millis::now().0],
                )?;
                record(&mut tx, &actor, "scim", id, "client_created", json!({ "client": name }))?;
                let rows: Vec<ClientRow> = tx.exec().all(
                    "SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM scim_clients WHERE id = $1",
                    args![id],
                )?;
                rows.into_iter().next().map(ProvisioningClient::from).ok_or(StoreError::NotFound("client"))
            })
            .await
    }

    /// Every provisioning client, newest first (admins).
    #[tracing::instrument(skip_all)]
    pub async fn scim_clients(&self, actor: &Actor) -> Result<Vec<ProvisioningClient>> {
        actor.require_admin("see provisioning clients")?;
        self.db
            .read(move |mut tx| {
                let rows: Vec<ClientRow> = tx.exec().all(
                    "SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM scim_clients \
                     ORDER BY revoked_at IS NOT NULL, created_at DESC, id DESC",
                    args![],
                )?;
                Ok(rows.into_iter().map(ProvisioningClient::from).collect())
            })
            .await
    }

    /// Revokes a provisioning client's token (admins): it stops working at once.
    #[tracing::instrument(skip_all)]
    pub async fn revoke_scim_client(&self, actor: &Actor, id: i64) -> Result<()> {
        let actor = actor.clone();
        self.db
            .write(move |mut tx| {
                actor.require_admin("revoke provisioning clients")?;
                let name: Option<String> =
                    tx.exec().scalar_opt("SELECT name FROM scim_clients WHERE id = $1", args![id])?;
                let Some(name) = name else { return Err(StoreError::NotFound("client")) };
                tx.exec().execute(
                    "UPDATE scim_clients SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                    args![Millis::now().0, id],
                )?;
                record(&mut tx, &actor, "scim", id, "client_revoked", json!({ "client": name }))?;
                Ok(())
            })
            .await
    }

    /// Ids of the people SCIM sees, by id; narrowed by an equality on userName, externalId,
    /// emails or id when given (the filters provisioning clients send most), each through an index.
    #[tracing::instrument(skip_all)]
    pub async fn scim_user_ids(&self, equality: Option<(String, String)>) -> Result<Vec<i64>> {
        let cond = match equality {
            None => None,
            Some((attr, value)) => Some(match attr.to_ascii_lowercase().as_str() {
                // A person never provisioned has their email as userName.
                "username" => (
                    "p.id IN (SELECT person_id FROM scim_users WHERE user_name_key = lower($1) AND NOT deleted \
                     UNION SELECT id FROM people WHERE email = lower($1) \
                     AND NOT EXISTS (SELECT 1 FROM scim_users x WHERE x.person_id = people.id))",
                    Arg::from(value),
                ),
                "externalid" => ("s.external_id = $1", Arg::from(value)),
                "emails" => ("p.email = lower($1)", Arg::from(value)),
                "id" => match value.trim().parse::<i64>() {
                    Ok(id) => ("p.id = $1", Arg::from(id)),
                    Err(_) => return Ok(Vec::new()),
                },
                _ => return Err(StoreError::Invalid(Invalid::one("filter", "not an indexed attribute"))),
            }),
        };
        self.db
            .read(move |mut tx| {
                let base = format!(
                    "SELECT p.id FROM people p LEFT JOIN scim_users s ON s.person_id = p.id WHERE {USER_VISIBLE}"
                );
                narrowed_ids(&mut tx, &base, "p.id", cond)
            })
            .await
    }

    /// Users by id, in the order given (missing ones left out).
    #[tracing::instrument(skip_all)]
    pub async fn scim_users(&self, ids: Vec<i64>) -> Result<Vec<UserFacts>> {
        self.db.read(move |mut tx| user_facts(&mut tx, &ids)).await
    }

    /// One User, unless deleted through SCIM.
    #[tracing::instrument(skip_all)]
    pub async fn scim_user(&self, id: &str) -> Result<UserFacts> {
        let id = parse_id(id, "User")?;
        self.db
            .read(move |mut tx| {
                let visible: i64 = tx
                    .exec()
                    .scalar(&format!("SELECT COUNT(*) FROM people p WHERE p.id = $1 AND {USER_VISIBLE}"), args![id])?;
                if visible == 0 {
                    return Err(StoreError::NotFound("User"));
                }
                user_facts(&mut tx, &[id])?.pop().ok_or(StoreError::NotFound("User"))
            })
            .await
    }

    /// Creates (`id` None) or replaces a User. A POST whose email or userName belongs to someone
    /// already in the directory (and not provisioned yet) takes that person over rather than
    /// making a second one.
    #[tracing::instrument(skip_all)]
    pub async fn scim_write_user(
        &self,
        client: &ScimClient,
        address: &str,
        id: Option<String>,
        w: &UserWrite,
    ) -> Result<i64> {
        let (client, actor, w) = (client.clone(), acting(address), w.clone());
        self.db
            .write(move |mut tx| {
                let key = w.user_name.to_lowercase();
                let now = Millis::now().0;
                let target: Option<i64> = match &id {
                    Some(raw) => {
                        let pid = parse_id(raw, "User")?;
                        let visible: i64 = tx.exec().scalar(
                            &format!("SELECT COUNT(*) FROM people p WHERE p.id = $1 AND {USER_VISIBLE}"),
                            args![pid],
                        )?;
                        if visible == 0 {
                            return Err(StoreError::NotFound("User"));
                        }
                        Some(pid)
                    }
                    None => tx.exec().scalar_opt(
                        "SELECT p.id FROM people p LEFT JOIN scim_users s ON s.person_id = p.id \
                         WHERE (p.email = $1 OR p.email = $2) AND (s.person_id IS NULL OR s.deleted) ORDER BY p.id LIMIT 1",
                        args![&w.email, &key],
                    )?,
                };
                let me = target.unwrap_or(0);
                let taken: Option<i64> = tx.exec().scalar_opt(
                    "SELECT p.id FROM people p LEFT JOIN scim_users s ON s.person_id = p.id \
                     WHERE p.id <> $2 AND ((s.user_name_key = $1 AND NOT s.deleted) OR (s.person_id IS NULL AND p.email = $1)) LIMIT 1",
                    args![&key, me],
                )?;
                if taken.is_some() {
                    return Err(conflict("userName", format!("the userName {} is taken", w.user_name)));
                }
                let email_owner: Option<i64> =
                    tx.exec().scalar_opt("SELECT id FROM people WHERE email = $1 AND id <> $2", args![&w.email, me])?;
                if email_owner.is_some() {
                    return Err(conflict("emails", format!("{} belongs to someone else in the directory", w.email)));
                }
                let manager = match w.manager.as_deref() {
                    None => None,
                    Some(raw) => {
                        let mid = raw.trim().parse::<i64>().ok().filter(|m| *m != me);
                        let exists: i64 = match mid {
                            Some(m) => tx.exec().scalar("SELECT COUNT(*) FROM people WHERE id = $1", args![m])?,
                            None => 0,
                        };
                        if exists == 0 {
                            return Err(Invalid::one("manager", format!("no User {raw} can be the manager")).into());
                        }
                        mid.map(PersonId)
                    }
                };
                let (pid, action) = match target {
                    Some(pid) => {
                        let current = person_by_id(tx.exec(), PersonId(pid))?;
                        check_manager_loop(&mut tx, current.id, manager)?;
                        tx.exec().execute(
                            "UPDATE people SET email = $1, name = $2, title = $3, manager_id = $4, time_zone = $5, \
                             updated_at = $6 WHERE id = $7",
                            args![
                                &w.email,
                                &w.name,
                                &w.title,
                                manager,
                                w.time_zone.clone().unwrap_or(current.time_zone),
                                now,
                                pid
                            ],
                        )?;
                        (pid, if id.is_some() { "user_replaced" } else { "user_linked" })
                    }
                    None => {
                        let new = NewPerson {
                            email: w.email.clone(),
                            name: w.name.clone(),
                            title: w.title.clone(),
                            manager_email: None,
                            time_zone: w.time_zone.clone().unwrap_or_else(|| "UTC".into()),
                            weekly_capacity_hours: 40.0,
                            is_admin: false,
                        }
                        .validate()?;
                        let pid = crate::people::insert_person(&mut tx, &new, manager)?;
                        (pid.0, "user_created")
                    }
                };
                // Active: deactivation ends sessions (tokens stop working with the flag itself).
                let was_active: bool = tx.exec().scalar("SELECT active FROM people WHERE id = $1", args![pid])?;
                if was_active != w.active {
                    tx.exec().execute("UPDATE people SET active = $1 WHERE id = $2", args![w.active, pid])?;
                    if !w.active {
                        tx.exec().execute("DELETE FROM sessions WHERE person_id = $1", args![pid])?;
                    }
                    let act = if w.active { "reactivated" } else { "deactivated" };
                    record(&mut tx, &actor, "person", pid, act, json!({ "via": client.name }))?;
                }
                // The department: membership of the team it names follows it.
                let old_dept: Option<i64> = tx
                    .exec()
                    .scalar_opt::<Option<i64>>("SELECT department_team_id FROM scim_users WHERE person_id = $1", args![pid])?
                    .flatten();
                let new_dept = match &w.department {
                    Some(d) => department_team(&mut tx, d)?,
                    None => None,
                };
                if old_dept != new_dept {
                    if let Some(old) = old_dept {
                        tx.exec().execute(
                            "DELETE FROM team_members WHERE team_id = $1 AND person_id = $2 AND role = 'member'",
                            args![old, pid],
                        )?;
                    }
                }
                if let Some(team) = new_dept {
                    let already: i64 = tx.exec().scalar(
                        "SELECT COUNT(*) FROM team_members WHERE team_id = $1 AND person_id = $2",
                        args![team, pid],
                    )?;
                    if already == 0 {
                        upsert_membership(&mut tx, TeamId(team), PersonId(pid), MemberRole::Member)?;
                    }
                }
                tx.exec().execute("DELETE FROM scim_users WHERE person_id = $1", args![pid])?;
                tx.exec().execute(
                    "INSERT INTO scim_users (person_id, user_name, user_name_key, external_id, kept, department_team_id, deleted, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, FALSE, $7)",
                    args![pid, &w.user_name, &key, w.external_id.clone(), w.kept.to_string(), new_dept, now],
                )?;
                record(
                    &mut tx,
                    &actor,
                    "scim",
                    pid,
                    action,
                    json!({ "client": client.name, "userName": w.user_name, "email": w.email, "active": w.active }),
                )?;
                Ok(pid)
            })
            .await
    }

    /// Deletes a User: the person is deactivated and hidden from SCIM; their history stays.
    #[tracing::instrument(skip_all)]
    pub async fn scim_delete_user(&self, client: &ScimClient, address: &str, id: &str) -> Result<()> {
        let (client, actor) = (client.clone(), acting(address));
        let pid = parse_id(id, "User")?;
        self.db
            .write(move |mut tx| {
                let visible: i64 = tx.exec().scalar(
                    &format!("SELECT COUNT(*) FROM people p WHERE p.id = $1 AND {USER_VISIBLE}"),
                    args![pid],
                )?;
                if visible == 0 {
                    return Err(StoreError::NotFound("User"));
                }
                let now = Millis::now().0;
                tx.exec().execute("UPDATE people SET active = FALSE, updated_at = $1 WHERE id = $2", args![now, pid])?;
                tx.exec().execute("DELETE FROM sessions WHERE person_id = $1", args![pid])?;
                let email: String = tx.exec().scalar("SELECT email FROM people WHERE id = $1", args![pid])?;
                let updated = tx.exec().execute(
                    "UPDATE scim_users SET deleted = TRUE, updated_at = $1 WHERE person_id = $2",
                    args![now, pid],
                )?;
                if updated == 0 {
                    tx.exec().execute(
                        "INSERT INTO scim_users (person_id, user_name, user_name_key, deleted, updated_at) VALUES ($1, $2, $2, TRUE, $3)",
                        args![pid, &email, now],
                    )?;
                }
                record(&mut tx, &actor, "scim", pid, "user_deleted", json!({ "client": client.name, "email": email }))?;
                Ok(())
            })
            .await
    }

    /// Ids of the teams SCIM sees, narrowed by an equality on displayName, externalId or id.
    #[tracing::instrument(skip_all)]
    pub async fn scim_group_ids(&self, equality: Option<(String, String)>) -> Result<Vec<i64>> {
        let cond = match equality {
            None => None,
            Some((attr, value)) => Some(match attr.to_ascii_lowercase().as_str() {
                "displayname" => ("lower(t.name) = lower($1)", Arg::from(value)),
                "externalid" => ("g.external_id = $1", Arg::from(value)),
                "id" => match team_of_group_id(&value) {
                    Some(id) => ("t.id = $1", Arg::from(id)),
                    None => return Ok(Vec::new()),
                },
                _ => return Err(StoreError::Invalid(Invalid::one("filter", "not an indexed attribute"))),
            }),
        };
        self.db
            .read(move |mut tx| {
                let base = format!(
                    "SELECT t.id FROM teams t LEFT JOIN scim_groups g ON g.team_id = t.id WHERE {GROUP_VISIBLE}"
                );
                narrowed_ids(&mut tx, &base, "t.id", cond)
            })
            .await
    }

    #[tracing::instrument(skip_all)]
    pub async fn scim_groups(&self, ids: Vec<i64>) -> Result<Vec<GroupFacts>> {
        self.db.read(move |mut tx| group_facts(&mut tx, &ids)).await
    }

    #[tracing::instrument(skip_all)]
    pub async fn scim_group(&self, id: &str) -> Result<GroupFacts> {
        let id = group_id(id)?;
        self.db
            .read(move |mut tx| {
                let visible: i64 = tx
                    .exec()
                    .scalar(&format!("SELECT COUNT(*) FROM teams t WHERE t.id = $1 AND {GROUP_VISIBLE}"), args![id])?;
                if visible == 0 {
                    return Err(StoreError::NotFound("Group"));
                }
                group_facts(&mut tx, &[id])?.pop().ok_or(StoreError::NotFound("Group"))
            })
            .await
    }

    /// Creates (a team with a key made from its name) or replaces a Group; its members become
    /// exactly the people listed (leads among them stay leads).
    #[tracing::instrument(skip_all)]
    pub async fn scim_write_group(
        &self,
        client: &ScimClient,
        address: &str,
        id: Option<String>,
        w: &GroupWrite,
    ) -> Result<i64> {
        let (client, actor, w) = (client.clone(), acting(address), w.clone());
        self.db
            .write(move |mut tx| {
                let now = Millis::now().0;
                let mut members = Vec::with_capacity(w.members.len());
                for raw in &w.members {
                    let pid = raw.trim().parse::<i64>().ok();
                    let found: i64 = match pid {
                        Some(p) => tx.exec().scalar("SELECT COUNT(*) FROM people WHERE id = $1", args![p])?,
                        None => 0,
                    };
                    match pid.filter(|_| found > 0) {
                        Some(p) if !members.contains(&p) => members.push(p),
                        Some(_) => {}
                        None => return Err(Invalid::one("members", format!("no User {raw} can be a member")).into()),
                    }
                }
                let (tid, action) = match &id {
                    Some(raw) => {
                        let tid = group_id(raw)?;
                        let visible: i64 = tx.exec().scalar(
                            &format!("SELECT COUNT(*) FROM teams t WHERE t.id = $1 AND {GROUP_VISIBLE}"),
                            args![tid],
                        )?;
                        if visible == 0 {
                            return Err(StoreError::NotFound("Group"));
                        }
                        tx.exec().execute(
                            "UPDATE teams SET name = $1, updated_at = $2 WHERE id = $3",
                            args![&w.display_name, now, tid],
                        )?;
                        (tid, "group_replaced")
                    }
                    None => {
                        let mut key = None;
                        for candidate in key_candidates(&w.display_name) {
                            let used: i64 =
                                tx.exec().scalar("SELECT COUNT(*) FROM teams WHERE key = $1", args![&candidate])?;
                            if used == 0 {
                                key = Some(candidate);
                                break;
                            }
                        }
                        let key = key.ok_or_else(|| conflict("displayName", "no free team key for that name".into()))?;
                        let tid: i64 = tx.exec().insert_id(
                            "INSERT INTO teams (key, name, parent_id, mission, contact_email, contact_info, active, created_at, updated_at) \
                             VALUES ($1, $2, NULL, '', NULL, '', TRUE, $3, $3)",
                            args![&key, &w.display_name, now],
                        )?;
                        (tid, "group_created")
                    }
                };
                let current: Vec<i64> =
                    tx.exec().scalars("SELECT person_id FROM team_members WHERE team_id = $1", args![tid])?;
                for gone in current.iter().filter(|p| !members.contains(p)) {
                    tx.exec().execute(
                        "DELETE FROM team_members WHERE team_id = $1 AND person_id = $2",
                        args![tid, *gone],
                    )?;
                }
                for joined in members.iter().filter(|p| !current.contains(p)) {
                    upsert_membership(&mut tx, TeamId(tid), PersonId(*joined), MemberRole::Member)?;
                }
                tx.exec().execute("DELETE FROM scim_groups WHERE team_id = $1", args![tid])?;
                tx.exec().execute(
                    "INSERT INTO scim_groups (team_id, external_id, kept, deleted, updated_at) VALUES ($1, $2, $3, FALSE, $4)",
                    args![tid, w.external_id.clone(), w.kept.to_string(), now],
                )?;
                let detail = json!({ "client": client.name, "displayName": w.display_name, "members": members.len() });
                record(&mut tx, &actor, "scim", tid, action, detail)?;
                Ok(tid)
            })
            .await
    }

    /// Deletes a Group: the team is deactivated and hidden from SCIM; its history stays.
    #[tracing::instrument(skip_all)]
    pub async fn scim_delete_group(&self, client: &ScimClient, address: &str, id: &str) -> Result<()> {
        let (client, actor) = (client.clone(), acting(address));
        let tid = group_id(id)?;
        self.db
            .write(move |mut tx| {
                let name: Option<String> = tx.exec().scalar_opt(
                    &format!("SELECT t.name FROM teams t WHERE t.id = $1 AND {GROUP_VISIBLE}"),
                    args![tid],
                )?;
                let Some(name) = name else { return Err(StoreError::NotFound("Group")) };
                let now = Millis::now().0;
                tx.exec().execute("UPDATE teams SET active = FALSE, updated_at = $1 WHERE id = $2", args![now, tid])?;
                tx.exec().execute("DELETE FROM scim_groups WHERE team_id = $1", args![tid])?;
                tx.exec().execute(
                    "INSERT INTO scim_groups (team_id, deleted, updated_at) VALUES ($1, TRUE, $2)",
                    args![tid, now],
                )?;
                record(
                    &mut tx,
                    &actor,
                    "scim",
                    tid,
                    "group_deleted",
                    json!({ "client": client.name, "displayName": name }),
                )?;
                Ok(())
            })
            .await
    }
}

impl From<ClientRow> for ProvisioningClient {
    fn from(r: ClientRow) -> Self {
        Self {
            id: r.id,
            name: r.name,
            prefix: r.prefix,
            created_at: Millis(r.created_at).to_utc(),
            last_used_at: r.last_used_at.map(|t| Millis(t).to_utc()),
            revoked_at: r.revoked_at.map(|t| Millis(t).to_utc()),
        }
    }
}
