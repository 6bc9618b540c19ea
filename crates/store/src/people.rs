//! People in the directory: create, edit, deactivate, search, manager chains.

use concentric_core::authz::{Actor, Forbidden};
use concentric_core::hierarchy::{creates_cycle, MAX_DEPTH};
use concentric_core::page::{Page, PageRequest};
use concentric_core::person::{NewPerson, Person, PersonPatch, PersonQuery};
use concentric_core::time::Millis;
use concentric_core::{FieldError, Invalid, PersonId};
use serde_json::json;

use crate::db::{args, like_pattern, Exec, Tx};
use crate::events::{diff, record};
use crate::{is_unique_violation, Result, Store, StoreError};

pub(crate) const PERSON_COLUMNS: &str = "p.id, p.email, p.name, p.title, p.manager_id, m.name AS manager_name, \
     m.email AS manager_email, p.time_zone, p.weekly_capacity_hours, p.is_admin, p.active, p.created_at, p.updated_at";
const PERSON_FROM: &str = "people p LEFT JOIN people m ON m.id = p.manager_id";

crate::db::row! {
    pub(crate) struct PersonRow {
        id: i64,
        email: String,
        name: String,
        title: String,
        manager_id: Option<i64>,
        manager_name: Option<String>,
        manager_email: Option<String>,
        time_zone: String,
        weekly_capacity_hours: f64,
        is_admin: bool,
        active: bool,
        created_at: i64,
        updated_at: i64,
    }
}

impl From<PersonRow> for Person {
    fn from(r: PersonRow) -> Self {
        Person {
            id: PersonId(r.id),
            email: r.email,
            name: r.name,
            title: r.title,
            manager_id: r.manager_id.map(PersonId),
            manager_name: r.manager_name,
            manager_email: r.manager_email,
            time_zone: r.time_zone,
            weekly_capacity_hours: r.weekly_capacity_hours,
            is_admin: r.is_admin,
            active: r.active,
            created_at: Millis(r.created_at).to_utc(),
            updated_at: Millis(r.updated_at).to_utc(),
        }
    }
}

pub(crate) fn person_by_id(exec: Exec<'_>, id: PersonId) -> Result<Person> {
    let row: Option<PersonRow> =
        exec.optional(&format!("SELECT {PERSON_COLUMNS} FROM {PERSON_FROM} WHERE p.id = $1"), args![id])?;
    row.map(Person::from).ok_or(StoreError::NotFound("person"))
}

pub(crate) fn id_by_email(exec: Exec<'_>, email: &str) -> Result<Option<PersonId>> {
    Ok(exec.scalar_opt::<i64>("SELECT id FROM people WHERE email = $1", args![email])?.map(PersonId))
}

/// Resolves a manager email to an id, as a field error when nobody has it.
fn manager_id(tx: &mut Tx, email: Option<&str>) -> Result<Option<PersonId>> {
    let Some(email) = email else { return Ok(None) };
    match id_by_email(tx.exec(), email)? {
        Some(id) => Ok(Some(id)),
        None => Err(Invalid::one("manager_email", format!("nobody in the directory has the email {email}")).into()),
    }
}

/// The chain of managers above `id`, nearest first, starting with `id` itself.
pub(crate) fn manager_chain_ids(exec: Exec<'_>, id: PersonId) -> Result<Vec<PersonId>> {
    let ids: Vec<i64> = exec.scalars(
        "WITH RECURSIVE chain (id, manager_id, depth) AS ( \
                 SELECT id, manager_id, 0 FROM people WHERE id = $1 \
                 UNION ALL \
                 SELECT p.id, p.manager_id, c.depth + 1 FROM people p JOIN chain c ON p.id = c.manager_id \
                 WHERE c.depth < $2) \
             SELECT id FROM chain ORDER BY depth",
        args![id, MAX_DEPTH as i64],
    )?;
    Ok(ids.into_iter().map(PersonId).collect())
}

/// Refuses a manager that would make the person report to themselves, directly or not.
pub(crate) fn check_manager_loop(tx: &mut Tx, person: PersonId, manager: Option<PersonId>) -> Result<()> {
    if let Some(manager) = manager {
        if creates_cycle(&person, &manager_chain_ids(tx.exec(), manager)?) {
            return Err(Invalid::one(
                "manager_email",
                "this manager reports to the person, directly or through others",
            )
            .into());
        }
    }
    Ok(())
}

/// Refuses to leave the organisation without an active admin.
fn check_admin_remains(tx: &mut Tx, losing: PersonId) -> Result<()> {
    let others: i64 =
        tx.exec().scalar("SELECT COUNT(*) FROM people WHERE is_admin AND active AND id <> $1", args![losing])?;
    if others == 0 {
        return Err(Invalid::one("is_admin", "this is the last active admin; make someone else admin first").into());
    }
    Ok(())
}

fn email_taken(email: &str) -> StoreError {
    StoreError::Conflict(FieldError::new("email", format!("{email} is already in the directory")))
}

/// Inserts a validated person without permission checks or events; callers do both.
pub(crate) fn insert_person(tx: &mut Tx, p: &NewPerson, manager: Option<PersonId>) -> Result<PersonId> {
    let now = Millis::now().0;
    let id: i64 = tx
        .exec()
        .insert_id(
            "INSERT INTO people (email, name, title, manager_id, time_zone, weekly_capacity_hours, is_admin, active, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, TRUE, $8, $8)",
            args![&p.email, &p.name, &p.title, manager, &p.time_zone, p.weekly_capacity_hours, p.is_admin, now],
        )
        .map_err(|e| if is_unique_violation(&e) { email_taken(&p.email) } else { e.into() })?;
    Ok(PersonId(id))
}

/// Writes a validated person's fields over an existing one.
pub(crate) fn update_person_row(tx: &mut Tx, id: PersonId, p: &NewPerson, manager: Option<PersonId>) -> Result<()> {
    tx.exec().execute(
        "UPDATE people SET name = $1, title = $2, manager_id = $3, time_zone = $4, weekly_capacity_hours = $5, \
             is_admin = $6, updated_at = $7 WHERE id = $8",
        args![&p.name, &p.title, manager, &p.time_zone, p.weekly_capacity_hours, p.is_admin, Millis::now().0, id],
    )?;
    Ok(())
}

pub(crate) fn person_diff(old: &Person, new: &NewPerson) -> serde_json::Value {
    diff(&[
        ("name", json!(old.name), json!(new.name)),
        ("title", json!(old.title), json!(new.title)),
        ("manager_email", json!(old.manager_email), json!(new.manager_email)),
        ("time_zone", json!(old.time_zone), json!(new.time_zone)),
        ("weekly_capacity_hours", json!(old.weekly_capacity_hours), json!(new.weekly_capacity_hours)),
        ("is_admin", json!(old.is_admin), json!(new.is_admin)),
    ])
}

impl Store {
    #[tracing::instrument(skip_all, fields(email = %new.email))]
    pub async fn create_person(&self, actor: &Actor, new: NewPerson) -> Result<Person> {
        let actor = actor.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                actor.require_admin("add people to the directory")?;
                let new = new.validate()?;
                let manager = manager_id(&mut tx, new.manager_email.as_deref())?;
                let id = insert_person(&mut tx, &new, manager)?;
                record(&mut tx, actor, "person", id.0, "created", json!({ "email": new.email, "name": new.name }))?;
                let person = person_by_id(tx.exec(), id)?;
                Ok(person)
            })
            .await
    }

    #[tracing::instrument(skip_all, fields(person = %id))]
    pub async fn update_person(&self, actor: &Actor, id: PersonId, patch: PersonPatch) -> Result<Person> {
        let actor = actor.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                if !actor.can_edit_person(id, patch.touches_admin_fields()) {
                    return Err(Forbidden("change this person").into());
                }
                let current = person_by_id(tx.exec(), id)?;
                let next = patch.apply(&current).validate()?;
                let manager = manager_id(&mut tx, next.manager_email.as_deref())?;
                check_manager_loop(&mut tx, id, manager)?;
                if current.is_admin && !next.is_admin {
                    check_admin_remains(&mut tx, id)?;
                }
                update_person_row(&mut tx, id, &next, manager)?;
                let changes = person_diff(&current, &next);
                if changes.as_object().is_some_and(|c| !c.is_empty()) {
                    record(&mut tx, actor, "person", id.0, "updated", changes)?;
                }
                let person = person_by_id(tx.exec(), id)?;
                Ok(person)
            })
            .await
    }

    /// Deactivates (or reactivates) a person. Deactivation ends their sessions at once and
    /// stops their API tokens; their history stays.
    #[tracing::instrument(skip_all, fields(person = %id, active))]
    pub async fn set_person_active(&self, actor: &Actor, id: PersonId, active: bool) -> Result<Person> {
        let actor = actor.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                actor.require_admin("deactivate or reactivate people")?;
                let current = person_by_id(tx.exec(), id)?;
                if current.active == active {
                    return Ok(current);
                }
                if !active && current.is_admin {
                    check_admin_remains(&mut tx, id)?;
                }
                tx.exec().execute(
                    "UPDATE people SET active = $1, updated_at = $2 WHERE id = $3",
                    args![active, Millis::now().0, id],
                )?;
                if !active {
                    tx.exec().execute("DELETE FROM sessions WHERE person_id = $1", args![id])?;
                }
                let action = if active { "reactivated" } else { "deactivated" };
                record(&mut tx, actor, "person", id.0, action, json!({}))?;
                let person = person_by_id(tx.exec(), id)?;
                Ok(person)
            })
            .await
    }

    #[tracing::instrument(skip_all)]
    pub async fn person(&self, id: PersonId) -> Result<Person> {
        self.db.read(move |mut tx| person_by_id(tx.exec(), id)).await
    }

    #[tracing::instrument(skip_all)]
    pub async fn person_by_email(&self, email: &str) -> Result<Person> {
        let email = email.trim().to_lowercase();
        let id =
            self.db.read(move |mut tx| id_by_email(tx.exec(), &email)).await?.ok_or(StoreError::NotFound("person"))?;
        self.person(id).await
    }

    /// Searches the directory, ordered by name.
    #[tracing::instrument(skip_all)]
    pub async fn list_people(&self, query: &PersonQuery, page: PageRequest) -> Result<Page<Person>> {
        let query = query.to_owned();
        self.db.read(move |mut tx| {
            let query: &PersonQuery = &query;
            let pattern = like_pattern(query.q.as_deref().unwrap_or(""));
            let filter = "($1 OR p.active) \
                 AND (lower(p.name) LIKE $2 ESCAPE '\\' OR p.email LIKE $2 ESCAPE '\\' OR lower(p.title) LIKE $2 ESCAPE '\\') \
                 AND ($3 IS NULL OR EXISTS (SELECT 1 FROM team_members tm WHERE tm.person_id = p.id AND tm.team_id = $3))";
            let filter_args = || args![query.include_inactive, &pattern, query.team];
            let total: i64 =
                tx.exec().scalar(&format!("SELECT COUNT(*) FROM {PERSON_FROM} WHERE {filter}"), filter_args())?;
            let mut page_args = filter_args();
            page_args.extend(args![page.limit(), page.offset()]);
            let rows: Vec<PersonRow> = tx.exec()
                .all(
                    &format!("SELECT {PERSON_COLUMNS} FROM {PERSON_FROM} WHERE {filter} ORDER BY p.name, p.id LIMIT $4 OFFSET $5"),
                    page_args,
                )?;
            Ok(Page::new(rows.into_iter().map(Person::from).collect(), u64::try_from(total).unwrap_or(0), page))
        })
        .await
    }

    /// The person's managers, nearest first (the person not included).
    #[tracing::instrument(skip_all)]
    pub async fn manager_chain(&self, id: PersonId) -> Result<Vec<Person>> {
        let ids = self.db.read(move |mut tx| manager_chain_ids(tx.exec(), id)).await?;
        let mut chain = Vec::with_capacity(ids.len());
        for manager in ids.into_iter().skip(1) {
            chain.push(self.person(manager).await?);
        }
        Ok(chain)
    }

    /// People who report directly to `id`, active ones only.
    #[tracing::instrument(skip_all)]
    pub async fn direct_reports(&self, id: PersonId) -> Result<Vec<Person>> {
        self.db.read(move |mut tx| {
            let rows: Vec<PersonRow> = tx.exec()
                .all(
                    &format!(
                        "SELECT {PERSON_COLUMNS} FROM {PERSON_FROM} WHERE p.manager_id = $1 AND p.active ORDER BY p.name"
                    ),
                    args![id],
                )?;
            Ok(rows.into_iter().map(Person::from).collect())
        })
        .await
    }
}
