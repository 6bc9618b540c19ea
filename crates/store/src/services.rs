//! The service catalog: services, their audience and responders, and versioned forms.

use concentric_core::authz::Actor;
use concentric_core::form::{FieldDef, Form};
use concentric_core::page::{Page, PageRequest};
use concentric_core::request::Priority;
use concentric_core::service::{Audience, NewService, Responder, Service};
use concentric_core::time::Millis;
use concentric_core::{FieldError, Invalid, PersonId, ServiceId, TeamId};
use serde_json::json;

use crate::db::{args, like_pattern, Exec, Tx};
use crate::events::{diff, record};
use crate::teams::team_id_by_key;
use crate::{is_unique_violation, Result, Store, StoreError};

const SERVICE_SELECT: &str =
    "SELECT s.id, s.team_id, t.key AS team_key, t.name AS team_name, s.slug, s.name, s.summary, \
     s.description, s.audience, s.default_priority, s.default_effort_hours, s.round_robin, s.active, s.form_version, \
     s.created_at, s.updated_at FROM services s JOIN teams t ON t.id = s.team_id";

crate::db::row! {
    struct ServiceRow {
        id: i64,
        team_id: i64,
        team_key: String,
        team_name: String,
        slug: String,
        name: String,
        summary: String,
        description: String,
        audience: String,
        default_priority: i64,
        default_effort_hours: f64,
        round_robin: bool,
        active: bool,
        form_version: i64,
        created_at: i64,
        updated_at: i64,
    }
}

crate::db::row! {
    struct ResponderRow {
        id: i64,
        name: String,
        email: String,
    }
}

crate::db::row! {
    struct AudienceRow {
        id: i64,
        key: String,
    }
}

/// Reads one version of a service's form.
pub(crate) fn form(exec: Exec<'_>, service: ServiceId, version: i64) -> Result<Form> {
    let text: String = exec
        .scalar_opt("SELECT fields FROM service_forms WHERE service_id = $1 AND version = $2", args![service, version])?
        .ok_or(StoreError::NotFound("form"))?;
    let fields = PARSED_FORMS.parsed(&text, |text| {
        serde_json::from_str::<Vec<FieldDef>>(text)
            .map_err(|e| StoreError::Corrupt(format!("form {service}/{version}: {e}")))
    })?;
    Ok(Form { version, fields: fields.as_ref().clone() })
}

/// Form fields parsed from their stored text, shared by every connection of the process.
static PARSED_FORMS: crate::memo::Memo<Vec<FieldDef>> = crate::memo::Memo::new();

/// Completes a service row with its audience, responders and current form.
fn hydrate(tx: &mut Tx, row: ServiceRow) -> Result<Service> {
    let id = ServiceId(row.id);
    let audience: Vec<AudienceRow> = tx
        .exec()
        .all(
            "SELECT t.id, t.key FROM service_audience a JOIN teams t ON t.id = a.team_id WHERE a.service_id = $1 ORDER BY t.key",
            args![id],
        )?;
    let responders: Vec<ResponderRow> = tx.exec().all(
        "SELECT p.id, p.name, p.email FROM service_responders r JOIN people p ON p.id = r.person_id \
             WHERE r.service_id = $1 ORDER BY r.position",
        args![id],
    )?;
    let form = form(tx.exec(), id, row.form_version)?;
    Ok(Service {
        id,
        team_id: TeamId(row.team_id),
        team_key: row.team_key,
        team_name: row.team_name,
        slug: row.slug,
        name: row.name,
        summary: row.summary,
        description: row.description,
        audience: Audience::parse(&row.audience).unwrap_or(Audience::Everyone),
        audience_teams: audience.iter().map(|a| a.key.clone()).collect(),
        audience_team_ids: audience.iter().map(|a| TeamId(a.id)).collect(),
        default_priority: Priority::from_i64(row.default_priority).unwrap_or(Priority::P3),
        default_effort_hours: row.default_effort_hours,
        responders: responders
            .into_iter()
            .map(|r| Responder { id: PersonId(r.id), name: r.name, email: r.email })
            .collect(),
        round_robin: row.round_robin,
        active: row.active,
        form,
        created_at: Millis(row.created_at).to_utc(),
        updated_at: Millis(row.updated_at).to_utc(),
    })
}

pub(crate) fn service_in(tx: &mut Tx, id: ServiceId) -> Result<Service> {
    let row: ServiceRow = tx
        .exec()
        .optional(&format!("{SERVICE_SELECT} WHERE s.id = $1"), args![id])?
        .ok_or(StoreError::NotFound("service"))?;
    hydrate(tx, row)
}

/// The id of the service `slug` of the team `team_key` (either in any case).
pub(crate) fn service_id_in(exec: Exec<'_>, team_key: &str, slug: &str) -> Result<ServiceId> {
    let id: Option<i64> = exec.scalar_opt(
        "SELECT s.id FROM services s JOIN teams t ON t.id = s.team_id WHERE t.key = $1 AND s.slug = $2",
        args![team_key.trim().to_uppercase(), slug.trim().to_lowercase()],
    )?;
    id.map(ServiceId).ok_or(StoreError::NotFound("service"))
}

/// Writes audience and responders, checking teams exist and responders belong to the team.
fn write_links(tx: &mut Tx, id: ServiceId, team: TeamId, s: &NewService) -> Result<()> {
    tx.exec().execute("DELETE FROM service_audience WHERE service_id = $1", args![id])?;
    tx.exec().execute("DELETE FROM service_responders WHERE service_id = $1", args![id])?;
    let mut errors = Vec::new();
    if s.audience == Audience::Teams {
        for key in &s.audience_teams {
            match team_id_by_key(tx.exec(), key)? {
                Some(t) => {
                    tx.exec()
                        .execute("INSERT INTO service_audience (service_id, team_id) VALUES ($1, $2)", args![id, t])?;
                }
                None => errors.push(FieldError::new("audience_teams", format!("there is no team with the key {key}"))),
            }
        }
    }
    for (position, email) in s.responder_emails.iter().enumerate() {
        let member: Option<i64> = tx.exec().scalar_opt(
            "SELECT p.id FROM people p JOIN team_members tm ON tm.person_id = p.id \
                 WHERE p.email = $1 AND tm.team_id = $2 AND p.active",
            args![email, team],
        )?;
        match member {
            Some(p) => {
                tx.exec().execute(
                    "INSERT INTO service_responders (service_id, person_id, position) VALUES ($1, $2, $3)",
                    args![id, p, position as i64],
                )?;
            }
            None => {
                errors.push(FieldError::new("responder_emails", format!("{email} is not an active member of the team")))
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Invalid(errors).into())
    }
}

fn slug_taken(slug: &str) -> StoreError {
    StoreError::Conflict(FieldError::new("slug", format!("the team already has a service at /{slug}")))
}

/// Inserts a validated service with version 1 of its form; callers check permission.
pub(crate) fn insert_service(tx: &mut Tx, actor: &Actor, team: TeamId, new: &NewService) -> Result<ServiceId> {
    let now = Millis::now().0;
    let id: i64 = tx
        .exec()
        .insert_id(
            "INSERT INTO services (team_id, slug, name, summary, description, audience, default_priority, \
             default_effort_hours, round_robin, form_version, active, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, TRUE, $10, $10)",
            args![
                team,
                &new.slug,
                &new.name,
                &new.summary,
                &new.description,
                new.audience.as_str(),
                new.default_priority.as_i64(),
                new.default_effort_hours,
                new.round_robin,
                now
            ],
        )
        .map_err(|e| if is_unique_violation(&e) { slug_taken(&new.slug) } else { e.into() })?;
    let id = ServiceId(id);
    write_links(tx, id, team, new)?;
    tx.exec().execute(
        "INSERT INTO service_forms (service_id, version, fields, created_at) VALUES ($1, 1, $2, $3)",
        args![id, serde_json::to_string(&new.fields).unwrap_or_default(), now],
    )?;
    record(tx, actor, "service", id.0, "created", json!({ "name": new.name }))?;
    Ok(id)
}

/// Filters for the catalog.
#[derive(Debug, Clone, Default)]
pub struct ServiceQuery {
    pub team: Option<TeamId>,
    pub text: Option<String>,
    pub include_inactive: bool,
}

impl Store {
    /// Publishes a service of a team (its leads and admins).
    #[tracing::instrument(skip_all, fields(team = %team))]
    pub async fn create_service(&self, actor: &Actor, team: TeamId, new: NewService) -> Result<Service> {
        let actor = actor.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                actor.require_team_manager(team, "publish services for this team")?;
                let new = new.validate()?;
                let id = insert_service(&mut tx, actor, team, &new)?;
                let service = service_in(&mut tx, id)?;
                Ok(service)
            })
            .await
    }

    /// Replaces a service's definition. A changed form becomes a new version; requests already
    /// filed keep theirs.
    #[tracing::instrument(skip_all, fields(service = %id))]
    pub async fn update_service(&self, actor: &Actor, id: ServiceId, new: NewService) -> Result<Service> {
        let actor = actor.to_owned();
        self.db.write(move |mut tx| {
            let actor: &Actor = &actor;
            let current = service_in(&mut tx, id)?;
            actor.require_team_manager(current.team_id, "change this team's services")?;
            let new = new.validate()?;
            let now = Millis::now().0;
            let mut version = current.form.version;
            if new.fields != current.form.fields {
                version += 1;
                tx.exec()
                    .execute(
                        "INSERT INTO service_forms (service_id, version, fields, created_at) VALUES ($1, $2, $3, $4)",
                        args![id, version, serde_json::to_string(&new.fields).unwrap_or_default(), now],
                    )?;
            }
            tx.exec()
                .execute(
                    "UPDATE services SET slug = $1, name = $2, summary = $3, description = $4, audience = $5, \
                     default_priority = $6, default_effort_hours = $7, round_robin = $8, form_version = $9, updated_at = $10 \
                     WHERE id = $11",
                    args![&new.slug, &new.name, &new.summary, &new.description, new.audience.as_str(),
                        new.default_priority.as_i64(), new.default_effort_hours, new.round_robin, version, now, id],
                )
                .map_err(|e| if is_unique_violation(&e) { slug_taken(&new.slug) } else { e.into() })?;
            write_links(&mut tx, id, current.team_id, &new)?;
            let responders: Vec<&str> = current.responders.iter().map(|r| r.email.as_str()).collect();
            let changes = diff(&[
                ("name", json!(current.name), json!(new.name)),
                ("slug", json!(current.slug), json!(new.slug)),
                ("summary", json!(current.summary), json!(new.summary)),
                ("audience", json!(current.audience), json!(new.audience)),
                ("audience_teams", json!(current.audience_teams), json!(new.audience_teams)),
                ("default_priority", json!(current.default_priority), json!(new.default_priority)),
                ("default_effort_hours", json!(current.default_effort_hours), json!(new.default_effort_hours)),
                ("responders", json!(responders), json!(new.responder_emails)),
                ("round_robin", json!(current.round_robin), json!(new.round_robin)),
                ("form_version", json!(current.form.version), json!(version)),
            ]);
            if changes.as_object().is_some_and(|c| !c.is_empty()) {
                record(&mut tx, actor, "service", id.0, "updated", changes)?;
            }
            let service = service_in(&mut tx, id)?;
            Ok(service)
        })
        .await
    }

    /// Withdraws a service from the catalog (or brings it back). Its requests stay.
    #[tracing::instrument(skip_all)]
    pub async fn set_service_active(&self, actor: &Actor, id: ServiceId, active: bool) -> Result<Service> {
        let actor = actor.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                let current = service_in(&mut tx, id)?;
                actor.require_team_manager(current.team_id, "change this team's services")?;
                tx.exec().execute(
                    "UPDATE services SET active = $1, updated_at = $2 WHERE id = $3",
                    args![active, Millis::now().0, id],
                )?;
                record(&mut tx, actor, "service", id.0, if active { "reactivated" } else { "withdrawn" }, json!({}))?;
                let service = service_in(&mut tx, id)?;
                Ok(service)
            })
            .await
    }

    #[tracing::instrument(skip_all)]
    pub async fn service(&self, id: ServiceId) -> Result<Service> {
        self.db.read(move |mut tx| service_in(&mut tx, id)).await
    }

    #[tracing::instrument(skip_all)]
    pub async fn service_by_slug(&self, team_key: &str, slug: &str) -> Result<Service> {
        let (team_key, slug) = (team_key.to_owned(), slug.to_owned());
        self.db
            .read(move |mut tx| {
                let id = service_id_in(tx.exec(), &team_key, &slug)?;
                service_in(&mut tx, id)
            })
            .await
    }

    /// The catalog, grouped by team name then service name.
    #[tracing::instrument(skip_all)]
    pub async fn list_services(&self, query: &ServiceQuery, page: PageRequest) -> Result<Page<Service>> {
        let query = query.to_owned();
        self.db
            .read(move |mut tx| {
                let query: &ServiceQuery = &query;
                let pattern = like_pattern(query.text.as_deref().unwrap_or(""));
                let filter = "($1 OR (s.active AND t.active)) AND ($2 IS NULL OR s.team_id = $2) \
                 AND (lower(s.name) LIKE $3 ESCAPE '\\' OR lower(s.summary) LIKE $3 ESCAPE '\\' \
                 OR lower(t.name) LIKE $3 ESCAPE '\\' OR lower(t.key) LIKE $3 ESCAPE '\\')";
                let total: i64 = tx.exec().scalar(
                    &format!("SELECT COUNT(*) FROM services s JOIN teams t ON t.id = s.team_id WHERE {filter}"),
                    args![query.include_inactive, query.team, &pattern],
                )?;
                let rows: Vec<ServiceRow> = tx.exec().all(
                    &format!("{SERVICE_SELECT} WHERE {filter} ORDER BY t.name, s.name LIMIT $4 OFFSET $5"),
                    args![query.include_inactive, query.team, &pattern, page.limit(), page.offset()],
                )?;
                let mut items = Vec::with_capacity(rows.len());
                for row in rows {
                    items.push(hydrate(&mut tx, row)?);
                }
                Ok(Page::new(items, u64::try_from(total).unwrap_or(0), page))
            })
            .await
    }
}
