//! Capacity as the store keeps it: people's time off, and each request's estimate and logged
//! time. What the forecast makes of them is in `forecast`.

use chrono::{NaiveDate, TimeDelta, Utc};
use concentric_core::authz::{Actor, Forbidden};
use concentric_core::capacity::{Effort, NewTimeOff, TimeOff};
use concentric_core::import::{ImportKind, ImportReport, Parsed, RowError, TimeOffRow as TimeOffLine};
use concentric_core::{Invalid, PersonId, TeamId};
use serde_json::json;

use crate::db::{args, Tx};
use crate::events::record;
use crate::{Result, Store, StoreError};

crate::db::row! {
    pub(crate) struct TimeOffRow {
        id: i64,
        person_id: i64,
        starts_on: String,
        ends_on: String,
        half_day: bool,
        note: String,
    }
}

impl TryFrom<TimeOffRow> for TimeOff {
    type Error = StoreError;

    fn try_from(r: TimeOffRow) -> Result<Self> {
        let date = |s: &str| s.parse::<NaiveDate>().map_err(|_| StoreError::Corrupt(format!("time off {}: {s}", r.id)));
        Ok(TimeOff {
            id: r.id,
            person_id: PersonId(r.person_id),
            starts_on: date(&r.starts_on)?,
            ends_on: date(&r.ends_on)?,
            half_day: r.half_day,
            note: r.note.clone(),
        })
    }
}

pub(crate) const TIME_OFF_SELECT: &str = "SELECT id, person_id, starts_on, ends_on, half_day, note FROM time_off";

/// Writes one stretch of time off (checked, its last day `ends`) and its event.
fn insert_time_off(tx: &mut Tx, actor: &Actor, person: PersonId, new: &NewTimeOff, ends: NaiveDate) -> Result<i64> {
    let id: i64 = tx.exec().insert_id(
        "INSERT INTO time_off (person_id, starts_on, ends_on, half_day, note, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        args![
            person,
            new.starts_on.to_string(),
            ends.to_string(),
            new.half_day,
            new.note.trim(),
            actor.person_id,
            Utc::now().timestamp_millis()
        ],
    )?;
    let detail = json!({ "from": new.starts_on, "to": ends, "half_day": new.half_day });
    record(tx, actor, "person", person.0, "time_off", detail)?;
    Ok(id)
}

/// A request's estimate (or its service's default) and logged time.
fn effort_of(tx: &mut Tx, request: i64) -> Result<Effort> {
    let (estimate, logged, default): (Option<f64>, f64, f64) = tx
        .exec()
        .optional(
            "SELECT r.estimate_hours, r.logged_hours, s.default_effort_hours FROM requests r \
             JOIN services s ON s.id = r.service_id WHERE r.id = $1",
            args![request],
        )?
        .ok_or(StoreError::NotFound("request"))?;
    Ok(Effort { estimate_hours: estimate.unwrap_or(default), estimated: estimate.is_some(), logged_hours: logged })
}

/// Whether the same days are already recorded off the same way.
fn recorded(tx: &mut Tx, person: PersonId, new: &NewTimeOff, ends: NaiveDate) -> Result<bool> {
    let n: i64 = tx.exec().scalar(
        "SELECT COUNT(*) FROM time_off WHERE person_id = $1 AND starts_on = $2 AND ends_on = $3 AND half_day = $4",
        args![person, new.starts_on.to_string(), ends.to_string(), new.half_day],
    )?;
    Ok(n > 0)
}

/// Whether the actor plans this person's time off: themselves, admins, and the leads of a team
/// the person is in.
/// Someone nobody may plan for, or who does not exist, reads as not found.
fn require_planner(tx: &mut Tx, actor: &Actor, person: PersonId) -> Result<()> {
    crate::people::person_by_id(tx.exec(), person)?;
    if actor.is_admin || actor.is_person(person) {
        return Ok(());
    }
    let teams: Vec<i64> = tx.exec().scalars("SELECT team_id FROM team_members WHERE person_id = $1", args![person])?;
    if teams.into_iter().any(|t| actor.is_lead_of(TeamId(t))) {
        Ok(())
    } else {
        Err(Forbidden("plan this person's time off").into())
    }
}

impl Store {
    /// A person's time off from a year ago on, for them, admins and their teams' leads.
    #[tracing::instrument(skip_all)]
    pub async fn time_off(&self, actor: &Actor, person: PersonId) -> Result<Vec<TimeOff>> {
        let actor = actor.to_owned();
        self.db
            .read(move |mut tx| {
                let actor: &Actor = &actor;
                require_planner(&mut tx, actor, person)?;
                let since = (Utc::now().date_naive() - TimeDelta::days(366)).to_string();
                let rows: Vec<TimeOffRow> = tx.exec().all(
                    &format!("{TIME_OFF_SELECT} WHERE person_id = $1 AND ends_on >= $2 ORDER BY starts_on, id"),
                    args![person, since],
                )?;
                rows.into_iter().map(TimeOff::try_from).collect()
            })
            .await
    }

    #[tracing::instrument(skip_all)]
    pub async fn add_time_off(&self, actor: &Actor, person: PersonId, new: NewTimeOff) -> Result<TimeOff> {
        let actor = actor.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                let ends = new.check()?;
                require_planner(&mut tx, actor, person)?;
                let id = insert_time_off(&mut tx, actor, person, &new, ends)?;
                let note = new.note.trim().to_owned();
                Ok(TimeOff {
                    id,
                    person_id: person,
                    starts_on: new.starts_on,
                    ends_on: ends,
                    half_day: new.half_day,
                    note,
                })
            })
            .await
    }

    /// Adds one person's time off from an iCalendar file (their out-of-office calendar), read in
    /// their time zone, all or nothing. Days already recorded the same way are left alone, so
    /// importing a file twice adds nothing.
    #[tracing::instrument(skip_all)]
    pub async fn import_time_off(&self, actor: &Actor, person: PersonId, ics: &str) -> Result<ImportReport> {
        let actor = actor.to_owned();
        let ics = ics.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                let ics: &str = &ics;
                require_planner(&mut tx, actor, person)?;
                let zone = crate::people::person_by_id(tx.exec(), person)?.time_zone;
                let zone = zone.parse::<chrono_tz::Tz>().unwrap_or(chrono_tz::UTC);
                let entries = concentric_core::capacity::time_off_from_ics(ics, zone)?;
                let mut report = ImportReport { kind: Some(ImportKind::TimeOff), ..ImportReport::default() };
                for new in &entries {
                    let ends = new.check()?;
                    match recorded(&mut tx, person, new, ends)? {
                        true => report.unchanged += 1,
                        false => {
                            insert_time_off(&mut tx, actor, person, new, ends)?;
                            report.created += 1;
                        }
                    }
                }
                Ok(report)
            })
            .await
    }

    /// Imports a time-off file for many people (admins), all or nothing: an unknown email on
    /// any row means nothing is written.
    #[tracing::instrument(skip_all)]
    pub async fn import_time_off_rows(&self, actor: &Actor, file: Parsed<TimeOffLine>) -> Result<ImportReport> {
        let actor = actor.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                actor.require_admin("import time off")?;
                let mut errors = file.errors;
                let mut people = Vec::with_capacity(file.rows.len());
                for row in &file.rows {
                    match crate::people::id_by_email(tx.exec(), &row.email)? {
                        Some(id) => people.push(id),
                        None => errors
                            .push(RowError::new(row.line, format!("email: nobody in the directory has {}", row.email))),
                    }
                }
                if !errors.is_empty() {
                    errors.sort_by_key(|e| e.line);
                    return Err(StoreError::Import(errors));
                }
                let mut report = ImportReport { kind: Some(ImportKind::TimeOff), ..ImportReport::default() };
                for (row, person) in file.rows.iter().zip(people) {
                    let ends = row.time_off.check()?;
                    if recorded(&mut tx, person, &row.time_off, ends)? {
                        report.unchanged += 1;
                    } else {
                        insert_time_off(&mut tx, actor, person, &row.time_off, ends)?;
                        report.created += 1;
                    }
                }
                record(&mut tx, actor, "import", 0, "time_off", serde_json::to_value(&report).unwrap_or_default())?;
                Ok(report)
            })
            .await
    }

    /// Removes time off; returns whose it was.
    #[tracing::instrument(skip_all)]
    pub async fn remove_time_off(&self, actor: &Actor, id: i64) -> Result<PersonId> {
        let actor = actor.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                let person: i64 = tx
                    .exec()
                    .scalar_opt("SELECT person_id FROM time_off WHERE id = $1", args![id])?
                    .ok_or(StoreError::NotFound("time off"))?;
                if require_planner(&mut tx, actor, PersonId(person)).is_err() {
                    return Err(StoreError::NotFound("time off"));
                }
                tx.exec().execute("DELETE FROM time_off WHERE id = $1", args![id])?;
                record(&mut tx, actor, "person", person, "time_off_removed", json!({ "id": id }))?;
                Ok(PersonId(person))
            })
            .await
    }

    /// Sets a request's estimate (`None` keeps it; a negative value clears it back to the
    /// service's default) and adds logged time, for the providing team. Returns both.
    #[tracing::instrument(skip_all)]
    pub async fn set_effort(&self, actor: &Actor, key: &str, estimate: Option<f64>, log: f64) -> Result<Effort> {
        let actor = actor.to_owned();
        let key = key.to_owned();
        self.db.write(move |mut tx| {
            let actor: &Actor = &actor;
            let key: &str = &key;
            let mut errors = Vec::new();
            if estimate.is_some_and(|e| !e.is_finite() || e > 10_000.0) {
                errors.push(concentric_core::FieldError::new("estimate_hours", "give hours from 0 to 10,000"));
            }
            if !log.is_finite() || !(0.0..=1_000.0).contains(&log) {
                errors.push(concentric_core::FieldError::new("log_hours", "log from 0 to 1,000 hours at a time"));
            }
            if !errors.is_empty() {
                return Err(Invalid(errors).into());
            }
            let (req, access) = crate::requests::visible(&mut tx, actor, key)?;
            if !access.agent {
                return Err(Forbidden("record effort on this request").into());
            }
            let estimate = estimate.map(|e| if e < 0.0 { None } else { Some(e) });
            if let Some(e) = estimate {
                tx.exec().execute("UPDATE requests SET estimate_hours = $1 WHERE id = $2", args![e, req.id])?;
            }
            if log > 0.0 {
                tx.exec()
                    .execute("UPDATE requests SET logged_hours = logged_hours + $1 WHERE id = $2", args![log, req.id])?;
            }
            let effort = effort_of(&mut tx, req.id.0)?;
            record(
                &mut tx,
                actor,
                "request",
                req.id.0,
                "effort",
                json!({ "estimate_hours": effort.estimated.then_some(effort.estimate_hours), "logged_hours": effort.logged_hours }),
            )?;
            Ok(effort)
        })
        .await
    }

    /// A request's estimate and logged time, for the team that works it.
    #[tracing::instrument(skip_all)]
    pub async fn effort(&self, actor: &Actor, key: &str) -> Result<Effort> {
        let actor = actor.to_owned();
        let key = key.to_owned();
        self.db
            .read(move |mut tx| {
                let actor: &Actor = &actor;
                let key: &str = &key;
                let (req, access) = crate::requests::visible(&mut tx, actor, key)?;
                if !access.agent {
                    return Err(Forbidden("see the effort on this request").into());
                }
                effort_of(&mut tx, req.id.0)
            })
            .await
    }
}
