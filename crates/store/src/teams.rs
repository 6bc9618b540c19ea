//! Teams: create, edit, deactivate, hierarchy and membership.

use concentric_core::authz::Actor;
use concentric_core::hierarchy::{creates_cycle, MAX_DEPTH};
use concentric_core::page::{Page, PageRequest};
use concentric_core::team::{MemberRole, Membership, NewTeam, Team, TeamPatch, TeamQuery};
use concentric_core::time::Millis;
use concentric_core::{FieldError, Invalid, PersonId, TeamId};
use serde_json::json;

use crate::db::{args, like_pattern, Exec, Tx};
use crate::events::{diff, record};
use crate::{is_unique_violation, Result, Store, StoreError};

const TEAM_COLUMNS: &str =
    "t.id, t.key, t.name, t.parent_id, pt.key AS parent_key, pt.name AS parent_name, t.mission, \
     t.contact_email, t.contact_info, t.active, t.created_at, t.updated_at, \
     (SELECT COUNT(*) FROM team_members tm JOIN people mp ON mp.id = tm.person_id \
      WHERE tm.team_id = t.id AND mp.active) AS member_count";
const TEAM_FROM: &str = "teams t LEFT JOIN teams pt ON pt.id = t.parent_id";

crate::db::row! {
    struct TeamRow {
        id: i64,
        key: String,
        name: String,
        parent_id: Option<i64>,
        parent_key: Option<String>,
        parent_name: Option<String>,
        mission: String,
        contact_email: Option<String>,
        contact_info: String,
        active: bool,
        created_at: i64,
        updated_at: i64,
        member_count: i64,
    }
}

impl From<TeamRow> for Team {
    fn from(r: TeamRow) -> Self {
        Team {
            id: TeamId(r.id),
            key: r.key,
            name: r.name,
            parent_id: r.parent_id.map(TeamId),
            parent_key: r.parent_key,
            parent_name: r.parent_name,
            mission: r.mission,
            contact_email: r.contact_email,
            contact_info: r.contact_info,
            active: r.active,
            member_count: r.member_count,
            created_at: Millis(r.created_at).to_utc(),
            updated_at: Millis(r.updated_at).to_utc(),
        }
    }
}

crate::db::row! {
    struct MembershipRow {
        team_id: i64,
        team_key: String,
        team_name: String,
        person_id: i64,
        person_name: String,
        person_email: String,
        person_title: String,
        role: String,
        capacity_share: Option<f64>,
        helps_with: String,
    }
}

impl From<MembershipRow> for Membership {
    fn from(r: MembershipRow) -> Self {
        Membership {
            team_id: TeamId(r.team_id),
            team_key: r.team_key,
            team_name: r.team_name,
            person_id: PersonId(r.person_id),
            person_name: r.person_name,
            person_email: r.person_email,
            person_title: r.person_title,
            role: MemberRole::parse(&r.role).unwrap_or(MemberRole::Member),
            capacity_share: r.capacity_share,
            helps_with: r.helps_with,
        }
    }
}

const MEMBERSHIP_SELECT: &str = "SELECT tm.team_id, t.key AS team_key, t.name AS team_name, tm.person_id, \
     p.name AS person_name, p.email AS person_email, p.title AS person_title, tm.role, tm.capacity_share, tm.helps_with \
     FROM team_members tm JOIN teams t ON t.id = tm.team_id JOIN people p ON p.id = tm.person_id";

fn team_where(exec: Exec<'_>, clause: &str, arg: crate::db::Arg) -> Result<Team> {
    let row: Option<TeamRow> =
        exec.optional(&format!("SELECT {TEAM_COLUMNS} FROM {TEAM_FROM} WHERE {clause}"), vec![arg])?;
    row.map(Team::from).ok_or(StoreError::NotFound("team"))
}

pub(crate) fn team_id_by_key(exec: Exec<'_>, key: &str) -> Result<Option<TeamId>> {
    Ok(exec.scalar_opt::<i64>("SELECT id FROM teams WHERE key = $1", args![key])?.map(TeamId))
}

fn parent_id(tx: &mut Tx, key: Option<&str>) -> Result<Option<TeamId>> {
    let Some(key) = key else { return Ok(None) };
    match team_id_by_key(tx.exec(), key)? {
        Some(id) => Ok(Some(id)),
        None => Err(Invalid::one("parent_key", format!("there is no team with the key {key}")).into()),
    }
}

/// The chain of parents above `id`, nearest first, starting with `id` itself.
fn parent_chain_ids(exec: Exec<'_>, id: TeamId) -> Result<Vec<TeamId>> {
    let ids: Vec<i64> = exec.scalars(
        "WITH RECURSIVE chain (id, parent_id, depth) AS ( \
                 SELECT id, parent_id, 0 FROM teams WHERE id = $1 \
                 UNION ALL \
                 SELECT t.id, t.parent_id, c.depth + 1 FROM teams t JOIN chain c ON t.id = c.parent_id \
                 WHERE c.depth < $2) \
             SELECT id FROM chain ORDER BY depth",
        args![id, MAX_DEPTH as i64],
    )?;
    Ok(ids.into_iter().map(TeamId).collect())
}

/// Inserts a validated team; callers check permission and record the event.
pub(crate) fn insert_team(tx: &mut Tx, t: &NewTeam) -> Result<TeamId> {
    let parent = parent_id(tx, t.parent_key.as_deref())?;
    let now = Millis::now().0;
    let id: i64 = tx
        .exec()
        .insert_id(
            "INSERT INTO teams (key, name, parent_id, mission, contact_email, contact_info, active, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7, $7)",
            args![&t.key, &t.name, parent, &t.mission, t.contact_email.clone(), &t.contact_info, now],
        )
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Conflict(FieldError::new("key", format!("the key {} is taken by another team", t.key)))
            } else {
                e.into()
            }
        })?;
    Ok(TeamId(id))
}

/// Writes a validated team's fields over an existing one, refusing parent loops.
pub(crate) fn update_team_row(tx: &mut Tx, id: TeamId, t: &NewTeam) -> Result<()> {
    let parent = parent_id(tx, t.parent_key.as_deref())?;
    if let Some(parent) = parent {
        if creates_cycle(&id, &parent_chain_ids(tx.exec(), parent)?) {
            return Err(
                Invalid::one("parent_key", "that team sits below this one; a team cannot be its own ancestor").into()
            );
        }
    }
    tx.exec()
        .execute(
            "UPDATE teams SET name = $1, parent_id = $2, mission = $3, contact_email = $4, contact_info = $5, updated_at = $6 \
             WHERE id = $7",
            args![&t.name, parent, &t.mission, t.contact_email.clone(), &t.contact_info, Millis::now().0, id],
        )?;
    Ok(())
}

pub(crate) fn team_diff(old: &Team, new: &NewTeam) -> serde_json::Value {
    diff(&[
        ("name", json!(old.name), json!(new.name)),
        ("parent_key", json!(old.parent_key), json!(new.parent_key)),
        ("mission", json!(old.mission), json!(new.mission)),
        ("contact_email", json!(old.contact_email), json!(new.contact_email)),
        ("contact_info", json!(old.contact_info), json!(new.contact_info)),
    ])
}

/// Adds a person to a team or changes their role; returns whether anything changed.
pub(crate) fn upsert_membership(tx: &mut Tx, team: TeamId, person: PersonId, role: MemberRole) -> Result<bool> {
    let changed = tx
        .exec()
        .execute(
            "INSERT INTO team_members (team_id, person_id, role, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (team_id, person_id) DO UPDATE SET role = excluded.role WHERE team_members.role <> excluded.role",
            args![team, person, role.as_str(), Millis::now().0],
        )?;
    Ok(changed > 0)
}

impl Store {
    /// A team read inside an open transaction.
    pub(crate) fn team_in(tx: &mut Tx, id: TeamId) -> Result<Team> {
        team_where(tx.exec(), "t.id = $1", id.into())
    }

    #[tracing::instrument(skip_all, fields(key = %new.key))]
    pub async fn create_team(&self, actor: &Actor, new: NewTeam) -> Result<Team> {
        let actor = actor.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                actor.require_admin("create teams")?;
                let new = new.validate()?;
                let id = insert_team(&mut tx, &new)?;
                record(&mut tx, actor, "team", id.0, "created", json!({ "key": new.key, "name": new.name }))?;
                let team = team_where(tx.exec(), "t.id = $1", id.into())?;
                Ok(team)
            })
            .await
    }

    #[tracing::instrument(skip_all, fields(team = %id))]
    pub async fn update_team(&self, actor: &Actor, id: TeamId, patch: TeamPatch) -> Result<Team> {
        let actor = actor.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                actor.require_team_manager(id, "change this team")?;
                if patch.touches_admin_fields() {
                    actor.require_admin("move a team in the hierarchy")?;
                }
                let current = team_where(tx.exec(), "t.id = $1", id.into())?;
                let next = patch.apply(&current).validate()?;
                update_team_row(&mut tx, id, &next)?;
                let changes = team_diff(&current, &next);
                if changes.as_object().is_some_and(|c| !c.is_empty()) {
                    record(&mut tx, actor, "team", id.0, "updated", changes)?;
                }
                let team = team_where(tx.exec(), "t.id = $1", id.into())?;
                Ok(team)
            })
            .await
    }

    /// Deactivates or reactivates a team. A team with active sub-teams cannot be deactivated.
    #[tracing::instrument(skip_all, fields(team = %id, active))]
    pub async fn set_team_active(&self, actor: &Actor, id: TeamId, active: bool) -> Result<Team> {
        let actor = actor.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                actor.require_admin("deactivate or reactivate teams")?;
                let current = team_where(tx.exec(), "t.id = $1", id.into())?;
                if current.active == active {
                    return Ok(current);
                }
                if !active {
                    let children: i64 =
                        tx.exec().scalar("SELECT COUNT(*) FROM teams WHERE parent_id = $1 AND active", args![id])?;
                    if children > 0 {
                        return Err(Invalid::one("active", "deactivate or move this team's sub-teams first").into());
                    }
                }
                tx.exec().execute(
                    "UPDATE teams SET active = $1, updated_at = $2 WHERE id = $3",
                    args![active, Millis::now().0, id],
                )?;
                record(&mut tx, actor, "team", id.0, if active { "reactivated" } else { "deactivated" }, json!({}))?;
                let team = team_where(tx.exec(), "t.id = $1", id.into())?;
                Ok(team)
            })
            .await
    }

    #[tracing::instrument(skip_all)]
    pub async fn team(&self, id: TeamId) -> Result<Team> {
        self.db.read(move |mut tx| team_where(tx.exec(), "t.id = $1", id.into())).await
    }

    #[tracing::instrument(skip_all)]
    pub async fn team_by_key(&self, key: &str) -> Result<Team> {
        let key = key.to_owned();
        self.db
            .read(move |mut tx| {
                let key: &str = &key;
                team_where(tx.exec(), "t.key = $1", key.trim().to_uppercase().into())
            })
            .await
    }

    /// Searches teams, ordered by name.
    #[tracing::instrument(skip_all)]
    pub async fn list_teams(&self, query: &TeamQuery, page: PageRequest) -> Result<Page<Team>> {
        let query = query.to_owned();
        self.db
            .read(move |mut tx| {
                let query: &TeamQuery = &query;
                let pattern = like_pattern(query.q.as_deref().unwrap_or(""));
                let filter =
                    "($1 OR t.active) AND (lower(t.key) LIKE $2 ESCAPE '\\' OR lower(t.name) LIKE $2 ESCAPE '\\' \
                 OR lower(t.mission) LIKE $2 ESCAPE '\\')";
                let total: i64 = tx.exec().scalar(
                    &format!("SELECT COUNT(*) FROM teams t WHERE {filter}"),
                    args![query.include_inactive, &pattern],
                )?;
                let rows: Vec<TeamRow> = tx.exec().all(
                    &format!(
                        "SELECT {TEAM_COLUMNS} FROM {TEAM_FROM} WHERE {filter} ORDER BY t.name, t.id LIMIT $3 OFFSET $4"
                    ),
                    args![query.include_inactive, &pattern, page.limit(), page.offset()],
                )?;
                Ok(Page::new(rows.into_iter().map(Team::from).collect(), u64::try_from(total).unwrap_or(0), page))
            })
            .await
    }

    /// Active sub-teams of a team.
    #[tracing::instrument(skip_all)]
    pub async fn sub_teams(&self, id: TeamId) -> Result<Vec<Team>> {
        self.db
            .read(move |mut tx| {
                let rows: Vec<TeamRow> = tx.exec().all(
                    &format!(
                        "SELECT {TEAM_COLUMNS} FROM {TEAM_FROM} WHERE t.parent_id = $1 AND t.active ORDER BY t.name"
                    ),
                    args![id],
                )?;
                Ok(rows.into_iter().map(Team::from).collect())
            })
            .await
    }

    /// Parent teams above a team, nearest first.
    #[tracing::instrument(skip_all)]
    pub async fn team_ancestors(&self, id: TeamId) -> Result<Vec<Team>> {
        let ids = self.db.read(move |mut tx| parent_chain_ids(tx.exec(), id)).await?;
        let mut out = Vec::with_capacity(ids.len());
        for parent in ids.into_iter().skip(1) {
            out.push(self.team(parent).await?);
        }
        Ok(out)
    }

    /// Active members of a team, leads first.
    #[tracing::instrument(skip_all)]
    pub async fn team_members(&self, id: TeamId) -> Result<Vec<Membership>> {
        self.db
            .read(move |mut tx| {
                let rows: Vec<MembershipRow> = tx.exec().all(
                    &format!("{MEMBERSHIP_SELECT} WHERE tm.team_id = $1 AND p.active ORDER BY tm.role, p.name"),
                    args![id],
                )?;
                Ok(rows.into_iter().map(Membership::from).collect())
            })
            .await
    }

    /// The teams a person belongs to.
    #[tracing::instrument(skip_all)]
    pub async fn memberships_of(&self, person: PersonId) -> Result<Vec<Membership>> {
        self.db
            .read(move |mut tx| {
                let rows: Vec<MembershipRow> = tx.exec().all(
                    &format!("{MEMBERSHIP_SELECT} WHERE tm.person_id = $1 ORDER BY tm.role, t.name"),
                    args![person],
                )?;
                Ok(rows.into_iter().map(Membership::from).collect())
            })
            .await
    }

    /// Adds a person to a team or changes their role. Leads manage their own team.
    #[tracing::instrument(skip_all, fields(team = %team, person = %person))]
    pub async fn set_membership(&self, actor: &Actor, team: TeamId, person: PersonId, role: MemberRole) -> Result<()> {
        let actor = actor.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                actor.require_team_manager(team, "change this team's members")?;
                let member = crate::people::person_by_id(tx.exec(), person)?;
                if !member.active {
                    return Err(Invalid::one("person", format!("{} is deactivated", member.name)).into());
                }
                team_where(tx.exec(), "t.id = $1", team.into())?;
                if upsert_membership(&mut tx, team, person, role)? {
                    record(
                        &mut tx,
                        actor,
                        "team",
                        team.0,
                        "member_set",
                        json!({ "person": member.email, "role": role.as_str() }),
                    )?;
                }
                Ok(())
            })
            .await
    }

    /// Sets the share (0-1) of a member's weekly capacity this team gets in forecasts; `None`
    /// splits it evenly between their teams again. The team's leads and admins.
    #[tracing::instrument(skip_all)]
    pub async fn set_capacity_share(
        &self,
        actor: &Actor,
        team: TeamId,
        person: PersonId,
        share: Option<f64>,
    ) -> Result<()> {
        let actor = actor.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                actor.require_team_manager(team, "change this team's members")?;
                if share.is_some_and(|s| !(0.0..=1.0).contains(&s)) {
                    return Err(
                        Invalid::one("capacity_share", "give a share from 0 to 1, or null for an even split").into()
                    );
                }
                let n = tx.exec().execute(
                    "UPDATE team_members SET capacity_share = $1 WHERE team_id = $2 AND person_id = $3",
                    args![share, team, person],
                )?;
                if n == 0 {
                    return Err(StoreError::NotFound("membership"));
                }
                record(
                    &mut tx,
                    actor,
                    "team",
                    team.0,
                    "capacity_share",
                    json!({ "person": person.0, "share": share }),
                )?;
                Ok(())
            })
            .await
    }

    /// Says what a member can help with in the team: the member themself, the team's leads and
    /// admins.
    #[tracing::instrument(skip_all)]
    pub async fn set_helps_with(&self, actor: &Actor, team: TeamId, person: PersonId, text: &str) -> Result<()> {
        let (actor, text) = (actor.to_owned(), concentric_core::team::check_helps_with(text)?);
        if !actor.can_say_helps_with(team, person) {
            return Err(
                concentric_core::authz::Forbidden("say what someone else can help with: the team's leads may").into()
            );
        }
        self.db
            .write(move |mut tx| {
                let n = tx.exec().execute(
                    "UPDATE team_members SET helps_with = $1 WHERE team_id = $2 AND person_id = $3",
                    args![&text, team, person],
                )?;
                if n == 0 {
                    return Err(StoreError::NotFound("membership"));
                }
                record(
                    &mut tx,
                    &actor,
                    "team",
                    team.0,
                    "helps_with",
                    json!({ "person": person.0, "helps_with": text }),
                )?;
                Ok(())
            })
            .await
    }

    /// Removes a person from a team.
    #[tracing::instrument(skip_all, fields(team = %team, person = %person))]
    pub async fn remove_membership(&self, actor: &Actor, team: TeamId, person: PersonId) -> Result<()> {
        let actor = actor.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                actor.require_team_manager(team, "change this team's members")?;
                let removed = tx
                    .exec()
                    .execute("DELETE FROM team_members WHERE team_id = $1 AND person_id = $2", args![team, person])?;
                if removed == 0 {
                    return Err(StoreError::NotFound("membership"));
                }
                let member = crate::people::person_by_id(tx.exec(), person)?;
                record(&mut tx, actor, "team", team.0, "member_removed", json!({ "person": member.email }))?;
                Ok(())
            })
            .await
    }
}
