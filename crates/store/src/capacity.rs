//! Capacity and the forecast as the store sees them: time off, estimates and logged time, and
//! the inputs of `core::forecast` read in one snapshot.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use concentric_core::authz::{Actor, Forbidden};
use concentric_core::business_time::add_business_ms;
use concentric_core::calendar::Calendar;
use concentric_core::capacity::{away_by_date, NewTimeOff, TimeOff};
use concentric_core::forecast::{
    forecast, slips, Cost, CostAtPriority, CostSlip, ForecastItem, TeamForecast, WorkItem, WorkKind, Worker,
};
use concentric_core::request::Priority;
use concentric_core::target::ClockKind;
use concentric_core::{Invalid, PersonId, ServiceId, TeamId};
use serde_json::json;

use crate::db::{args, Tx};
use crate::events::record;
use crate::notifications::{notify, Notice};
use crate::{Result, Store, StoreError};

#[derive(sqlx::FromRow)]
struct TimeOffRow {
    id: i64,
    person_id: i64,
    starts_on: String,
    ends_on: String,
    half_day: bool,
    note: String,
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

const TIME_OFF_SELECT: &str = "SELECT id, person_id, starts_on, ends_on, half_day, note FROM time_off";

/// Whether the actor plans this person's time off: themselves, admins, and the leads of a team
/// the person is in.
/// Someone nobody may plan for, or who does not exist, reads as not found.
async fn require_planner(tx: &mut Tx, actor: &Actor, person: PersonId) -> Result<()> {
    crate::people::person_by_id(tx.exec(), person).await?;
    if actor.is_admin || actor.is_person(person) {
        return Ok(());
    }
    let teams: Vec<i64> =
        tx.exec().scalars("SELECT team_id FROM team_members WHERE person_id = $1", args![person]).await?;
    if teams.into_iter().any(|t| actor.is_lead_of(TeamId(t))) {
        Ok(())
    } else {
        Err(Forbidden("plan this person's time off").into())
    }
}

#[derive(sqlx::FromRow)]
struct WorkerRow {
    id: i64,
    weekly_capacity_hours: f64,
    capacity_share: Option<f64>,
    teams: i64,
}

#[derive(sqlx::FromRow, Clone)]
struct ItemRow {
    id: i64,
    key: String,
    subject: String,
    priority: i64,
    created_at: i64,
    assignee_id: Option<i64>,
    assignee_name: Option<String>,
    estimate_hours: Option<f64>,
    default_effort_hours: f64,
    logged_hours: f64,
    due_at: Option<i64>,
    requester_id: i64,
    requester_name: String,
    on_behalf_key: Option<String>,
}

impl ItemRow {
    fn effort(&self) -> f64 {
        (self.estimate_hours.unwrap_or(self.default_effort_hours) - self.logged_hours).max(0.0)
    }
}

/// What a team's forecast is computed from.
struct Inputs {
    calendar: Calendar,
    workers: Vec<Worker>,
    rows: Vec<ItemRow>,
}

impl Inputs {
    fn items(&self) -> Vec<WorkItem> {
        self.rows
            .iter()
            .map(|r| WorkItem {
                kind: WorkKind::Request,
                id: r.id,
                priority: u8::try_from(r.priority).unwrap_or(4),
                due: r.due_at,
                created: r.created_at,
                effort_hours: r.effort(),
                assignee: r.assignee_id.map(PersonId),
            })
            .collect()
    }
}

/// Reads a team's calendar, people (with their share of capacity and their time off in the
/// coming year) and open requests, in one snapshot. Requests waiting on someone else are left
/// out: the team cannot work them until they come back.
async fn inputs(tx: &mut Tx, team: TeamId, now: DateTime<Utc>) -> Result<Inputs> {
    let calendar = crate::clocks::calendar_of(tx.exec(), team).await?;
    let people: Vec<WorkerRow> = tx
        .exec()
        .all(
            "SELECT p.id, p.weekly_capacity_hours, tm.capacity_share, \
             (SELECT COUNT(*) FROM team_members t2 WHERE t2.person_id = p.id) AS teams \
             FROM team_members tm JOIN people p ON p.id = tm.person_id WHERE tm.team_id = $1 AND p.active ORDER BY p.id",
            args![team],
        )
        .await?;
    let today = now.date_naive();
    let (from, to) = (today - TimeDelta::days(2), today + TimeDelta::days(concentric_core::forecast::HORIZON_DAYS + 2));
    let off: Vec<TimeOffRow> = tx
        .exec()
        .all(
            &format!(
                "{TIME_OFF_SELECT} WHERE person_id IN (SELECT person_id FROM team_members WHERE team_id = $1) \
                 AND ends_on >= $2 AND starts_on <= $3"
            ),
            args![team, from.to_string(), to.to_string()],
        )
        .await?;
    let off: Vec<TimeOff> = off.into_iter().map(TimeOff::try_from).collect::<Result<_>>()?;
    let workers = people
        .into_iter()
        .map(|p| {
            let share = p.capacity_share.unwrap_or(1.0 / p.teams.max(1) as f64).clamp(0.0, 1.0);
            let mine: Vec<TimeOff> = off.iter().filter(|t| t.person_id.0 == p.id).cloned().collect();
            Worker {
                person: PersonId(p.id),
                hours_per_week: p.weekly_capacity_hours * share,
                away: away_by_date(&mine),
            }
        })
        .collect();
    let rows: Vec<ItemRow> = tx
        .exec()
        .all(
            "SELECT r.id, r.key, r.subject, r.priority, r.created_at, r.assignee_id, a.name AS assignee_name, \
             r.estimate_hours, s.default_effort_hours, r.logged_hours, c.due_at, r.requester_id, rp.name AS requester_name, \
             ob.key AS on_behalf_key FROM requests r JOIN services s ON s.id = r.service_id \
             JOIN people rp ON rp.id = r.requester_id LEFT JOIN people a ON a.id = r.assignee_id \
             LEFT JOIN teams ob ON ob.id = r.on_behalf_team_id \
             LEFT JOIN request_clocks c ON c.request_id = r.id AND c.kind = 'resolution' \
             WHERE r.team_id = $1 AND r.status IN ('new', 'open', 'in_progress')",
            args![team],
        )
        .await?;
    Ok(Inputs { calendar, workers, rows })
}

impl Store {
    /// A person's time off from a year ago on, for them, admins and their teams' leads.
    pub async fn time_off(&self, actor: &Actor, person: PersonId) -> Result<Vec<TimeOff>> {
        let mut tx = self.db.begin_read().await?;
        require_planner(&mut tx, actor, person).await?;
        let since = (Utc::now().date_naive() - TimeDelta::days(366)).to_string();
        let rows: Vec<TimeOffRow> = tx
            .exec()
            .all(
                &format!("{TIME_OFF_SELECT} WHERE person_id = $1 AND ends_on >= $2 ORDER BY starts_on, id"),
                args![person, since],
            )
            .await?;
        rows.into_iter().map(TimeOff::try_from).collect()
    }

    pub async fn add_time_off(&self, actor: &Actor, person: PersonId, new: NewTimeOff) -> Result<TimeOff> {
        let ends = new.check()?;
        let note = new.note.trim().to_owned();
        let mut tx = self.db.begin().await?;
        require_planner(&mut tx, actor, person).await?;
        let id: i64 = tx
            .exec()
            .scalar(
                "INSERT INTO time_off (person_id, starts_on, ends_on, half_day, note, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                args![
                    person,
                    new.starts_on.to_string(),
                    ends.to_string(),
                    new.half_day,
                    &note,
                    actor.person_id,
                    Utc::now().timestamp_millis()
                ],
            )
            .await?;
        let detail = json!({ "from": new.starts_on, "to": ends, "half_day": new.half_day });
        record(&mut tx, actor, "person", person.0, "time_off", detail).await?;
        tx.commit().await?;
        Ok(TimeOff { id, person_id: person, starts_on: new.starts_on, ends_on: ends, half_day: new.half_day, note })
    }

    pub async fn remove_time_off(&self, actor: &Actor, id: i64) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let person: i64 = tx
            .exec()
            .scalar_opt("SELECT person_id FROM time_off WHERE id = $1", args![id])
            .await?
            .ok_or(StoreError::NotFound("time off"))?;
        if require_planner(&mut tx, actor, PersonId(person)).await.is_err() {
            return Err(StoreError::NotFound("time off"));
        }
        tx.exec().execute("DELETE FROM time_off WHERE id = $1", args![id]).await?;
        record(&mut tx, actor, "person", person, "time_off_removed", json!({ "id": id })).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets a request's estimate (`None` keeps it; a negative value clears it back to the
    /// service's default) and adds logged time, for the providing team. Returns both.
    pub async fn set_effort(&self, actor: &Actor, key: &str, estimate: Option<f64>, log: f64) -> Result<(f64, f64)> {
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
        let mut tx = self.db.begin().await?;
        let (req, access) = crate::requests::visible(&mut tx, actor, key).await?;
        if !access.agent {
            return Err(Forbidden("record effort on this request").into());
        }
        let estimate = estimate.map(|e| if e < 0.0 { None } else { Some(e) });
        if let Some(e) = estimate {
            tx.exec().execute("UPDATE requests SET estimate_hours = $1 WHERE id = $2", args![e, req.id]).await?;
        }
        if log > 0.0 {
            tx.exec()
                .execute("UPDATE requests SET logged_hours = logged_hours + $1 WHERE id = $2", args![log, req.id])
                .await?;
        }
        let (estimate_now, logged, default): (Option<f64>, f64, f64) = tx
            .exec()
            .optional(
                "SELECT r.estimate_hours, r.logged_hours, s.default_effort_hours FROM requests r \
                 JOIN services s ON s.id = r.service_id WHERE r.id = $1",
                args![req.id],
            )
            .await?
            .ok_or(StoreError::NotFound("request"))?;
        record(
            &mut tx,
            actor,
            "request",
            req.id.0,
            "effort",
            json!({ "estimate_hours": estimate_now, "logged_hours": logged }),
        )
        .await?;
        tx.commit().await?;
        Ok((estimate_now.unwrap_or(default), logged))
    }

    /// A team's open work planned on its capacity, for those who work it.
    pub async fn team_forecast(&self, actor: &Actor, team: TeamId, now: DateTime<Utc>) -> Result<TeamForecast> {
        actor.require_works_in(team, "see this team's forecast")?;
        let mut tx = self.db.begin_read().await?;
        let team_key: String = tx.exec().scalar("SELECT key FROM teams WHERE id = $1", args![team]).await?;
        let inputs = inputs(&mut tx, team, now).await?;
        drop(tx);
        let plan = forecast(&inputs.calendar, &inputs.workers, &inputs.items(), now);
        let rows: HashMap<i64, &ItemRow> = inputs.rows.iter().map(|r| (r.id, r)).collect();
        let items = plan
            .items
            .iter()
            .filter_map(|p| {
                let r = rows.get(&p.id)?;
                Some(ForecastItem {
                    kind: p.kind,
                    key: r.key.clone(),
                    title: r.subject.clone(),
                    priority: Priority::from_i64(r.priority).unwrap_or(Priority::P4),
                    assignee_name: r.assignee_name.clone(),
                    effort_hours: r.effort(),
                    due: r.due_at.and_then(DateTime::from_timestamp_millis),
                    start: p.start,
                    finish: p.finish,
                    late_ms: p.late_ms,
                })
            })
            .collect();
        let weekly_capacity_hours = inputs.workers.iter().map(|w| w.hours_per_week).sum();
        Ok(TeamForecast { team_key, generated_at: now, weekly_capacity_hours, items })
    }

    /// What filing one more request with a service would cost its team, at each priority, and
    /// what would slip at `priority` (the service's default when `None`). Reads only.
    pub async fn cost_of(
        &self,
        actor: &Actor,
        service: ServiceId,
        priority: Option<Priority>,
        now: DateTime<Utc>,
    ) -> Result<Cost> {
        let mut tx = self.db.begin_read().await?;
        let service = crate::services::service_in(&mut tx, service).await?;
        if !service.may_request(actor) {
            return Err(Forbidden("request this service").into());
        }
        let inputs = inputs(&mut tx, service.team_id, now).await?;
        let policy = crate::clocks::current_policy(tx.exec(), service.id).await?;
        drop(tx);
        let items = inputs.items();
        let base = forecast(&inputs.calendar, &inputs.workers, &items, now);
        let chosen = priority.unwrap_or(service.default_priority);
        let mut at_priority = Vec::new();
        let mut chosen_slips = Vec::new();
        for p in Priority::ALL {
            let due = policy
                .as_ref()
                .and_then(|pol| pol.target_ms(p, ClockKind::Resolution))
                .map(|ms| add_business_ms(now.timestamp_millis(), ms, &inputs.calendar));
            let new = WorkItem {
                kind: WorkKind::Request,
                id: 0,
                priority: u8::try_from(p.as_i64()).unwrap_or(4),
                due,
                created: now.timestamp_millis(),
                effort_hours: service.default_effort_hours,
                assignee: None,
            };
            let mut with = items.clone();
            with.push(new);
            let after = forecast(&inputs.calendar, &inputs.workers, &with, now);
            let moved = slips(&base, &after);
            at_priority.push(CostAtPriority {
                priority: p,
                finish: after.get(WorkKind::Request, 0).and_then(|x| x.finish),
                due: due.and_then(DateTime::from_timestamp_millis),
                slipping: moved.len(),
            });
            if p == chosen {
                chosen_slips = moved;
            }
        }
        let rows: HashMap<i64, &ItemRow> = inputs.rows.iter().map(|r| (r.id, r)).collect();
        let sees_titles = actor.works_in(service.team_id);
        let slips = chosen_slips
            .into_iter()
            .filter_map(|s| {
                let r = rows.get(&s.id)?;
                Some(CostSlip {
                    key: r.key.clone(),
                    title: sees_titles.then(|| r.subject.clone()),
                    requester_name: r.requester_name.clone(),
                    on_behalf_team_key: r.on_behalf_key.clone(),
                    before: s.before,
                    after: s.after,
                    delay_ms: s.delay_ms,
                    newly_late: s.newly_late,
                })
            })
            .collect();
        Ok(Cost { effort_hours: service.default_effort_hours, at_priority, priority: chosen, slips })
    }
}

/// What a `slip_check` job looks at: a request filed at high priority (`from_priority` none) or
/// raised from `from_priority`, and the event that did it.
#[derive(Debug, serde::Deserialize, serde::Serialize)]
pub(crate) struct SlipPayload {
    pub request_id: i64,
    pub from_priority: Option<i64>,
    pub event: i64,
}

/// Schedules the look at whose work a request pushed past its target, right after the change.
pub(crate) async fn schedule_slip_check(tx: &mut Tx, payload: SlipPayload) -> Result<()> {
    let key = format!("slip:{}", payload.event);
    let at = Utc::now().timestamp_millis();
    let payload = serde_json::to_value(&payload).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    crate::jobs::schedule(tx, crate::jobs::SLIP_CHECK, &key, payload, Some(at)).await
}

impl Store {
    /// Tells the requesters whose open requests now miss their targets because `p.request_id` was
    /// filed at or raised to a higher priority: the forecast without the change against the
    /// forecast with it. Once per event and person, whichever node runs it.
    pub(crate) async fn check_slips(&self, p: SlipPayload, now: DateTime<Utc>) -> Result<usize> {
        let mut tx = self.db.begin_read().await?;
        let row: Option<(i64, String, String)> =
            tx.exec().optional("SELECT team_id, key, status FROM requests WHERE id = $1", args![p.request_id]).await?;
        let Some((team, key, status)) = row else { return Ok(0) };
        if !matches!(status.as_str(), "new" | "open" | "in_progress") {
            return Ok(0);
        }
        let inputs = inputs(&mut tx, TeamId(team), now).await?;
        drop(tx);
        let with = inputs.items();
        let without: Vec<WorkItem> = match p.from_priority {
            None => with.iter().filter(|i| i.id != p.request_id).cloned().collect(),
            Some(old) => with
                .iter()
                .map(|i| match i.id == p.request_id {
                    true => WorkItem { priority: u8::try_from(old).unwrap_or(4), ..i.clone() },
                    false => i.clone(),
                })
                .collect(),
        };
        let before = forecast(&inputs.calendar, &inputs.workers, &without, now);
        let after = forecast(&inputs.calendar, &inputs.workers, &with, now);
        let rows: HashMap<i64, &ItemRow> = inputs.rows.iter().map(|r| (r.id, r)).collect();
        let notices: Vec<Notice> = slips(&before, &after)
            .into_iter()
            .filter(|s| s.newly_late && s.id != p.request_id)
            .filter_map(|s| {
                let r = rows.get(&s.id)?;
                let late = after.get(s.kind, s.id).and_then(|x| x.late_ms).unwrap_or(i64::MAX);
                let late = concentric_core::forecast::format_delay(late);
                let request = concentric_core::notification::RequestRef {
                    id: concentric_core::RequestId(r.id),
                    key: r.key.clone(),
                    title: r.subject.clone(),
                };
                let said = concentric_core::notification::Notice::Slipped { request, by: key.clone(), late };
                Some(Notice::new(said, p.event).to(&[PersonId(r.requester_id)]))
            })
            .collect();
        if notices.is_empty() {
            return Ok(0);
        }
        let mut tx = self.db.begin().await?;
        notify(&mut tx, &Actor::system(), &notices).await?;
        tx.commit().await?;
        Ok(notices.len())
    }
}
