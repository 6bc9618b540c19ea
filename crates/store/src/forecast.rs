//! The forecast and the workload as the store sees them: a team's open work of every kind, its
//! people's capacity and its calendar read in one snapshot, planned by `core::forecast` and
//! `core::workload`.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, TimeDelta, Utc};
use concentric_core::authz::{Actor, Forbidden};
use concentric_core::business_time::add_business_ms;
use concentric_core::calendar::Calendar;
use concentric_core::capacity::{away_by_date, TimeOff};
use concentric_core::forecast::{
    forecast, slips, Cost, CostAtPriority, CostSlip, ForecastItem, TeamForecast, WorkItem, WorkKind, Worker,
    HORIZON_DAYS,
};
use concentric_core::request::Priority;
use concentric_core::target::ClockKind;
use concentric_core::workload::{
    workload, CustomerLoad, LoadItem, PersonLoad, TeamWorkload, WeekLoad, Workload, WEEKS,
};
use concentric_core::{PersonId, ServiceId, TeamId};

use crate::capacity::{TimeOffRow, TIME_OFF_SELECT};
use crate::db::{args, Tx};
use crate::notifications::{notify, Notice};
use crate::{Result, Store, StoreError};

/// Deliveries and action items carry no priority of their own: the team works them as normal
/// work, by their due time.
const NORMAL: i64 = 3;

crate::db::row! {
    struct WorkerRow {
        id: i64,
        name: String,
        weekly_capacity_hours: f64,
        capacity_share: Option<f64>,
        teams: i64,
    }
}

crate::db::row! {
    struct RequestRow {
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
        on_behalf_team_id: Option<i64>,
        on_behalf_key: Option<String>,
    }
}

crate::db::row! {
    struct OccurrenceRow {
        id: i64,
        deadline_at: i64,
        title: String,
        effort_hours: f64,
        owner_id: i64,
        owner_name: String,
        created_at: i64,
        receiver_id: i64,
        receiver_key: String,
        receiver_name: String,
        /// The previous occurrence's due time: this one's period starts there.
        previous_due: Option<i64>,
    }
}

crate::db::row! {
    struct ActionRow {
        id: i64,
        title: String,
        owner_id: i64,
        owner_name: String,
        due_at: i64,
        effort_hours: Option<f64>,
        created_at: i64,
        review_id: i64,
        waiting_team_id: i64,
        waiting_key: String,
        waiting_name: String,
    }
}

/// One open piece of a team's work, whatever its kind.
#[derive(Clone)]
struct Work {
    kind: WorkKind,
    id: i64,
    label: String,
    title: String,
    link: String,
    priority: i64,
    created: i64,
    assignee_id: Option<i64>,
    assignee_name: Option<String>,
    effort: f64,
    due: Option<i64>,
    release: Option<i64>,
    /// The requester of a request: the one told when it slips.
    requester: Option<i64>,
    /// Who waits for it, and for which team.
    waiting_name: String,
    waiting_team: Option<(i64, String)>,
}

impl From<RequestRow> for Work {
    fn from(r: RequestRow) -> Work {
        Work {
            kind: WorkKind::Request,
            id: r.id,
            label: r.key.clone(),
            title: r.subject,
            link: format!("/requests/{}", r.key),
            priority: r.priority,
            created: r.created_at,
            assignee_id: r.assignee_id,
            assignee_name: r.assignee_name,
            effort: (r.estimate_hours.unwrap_or(r.default_effort_hours) - r.logged_hours).max(0.0),
            due: r.due_at,
            release: None,
            requester: Some(r.requester_id),
            waiting_name: r.requester_name,
            waiting_team: r.on_behalf_team_id.zip(r.on_behalf_key),
        }
    }
}

impl From<OccurrenceRow> for Work {
    fn from(o: OccurrenceRow) -> Work {
        Work {
            kind: WorkKind::Occurrence,
            id: o.id,
            label: WorkKind::Occurrence.label().to_owned(),
            title: format!("{} for {}", o.title, o.receiver_name),
            link: format!("/occurrences/{}", o.id),
            priority: NORMAL,
            created: o.created_at,
            assignee_id: Some(o.owner_id),
            assignee_name: Some(o.owner_name),
            effort: o.effort_hours.max(0.0),
            due: Some(o.deadline_at),
            release: o.previous_due,
            requester: None,
            waiting_name: o.receiver_name,
            waiting_team: Some((o.receiver_id, o.receiver_key)),
        }
    }
}

impl From<ActionRow> for Work {
    fn from(a: ActionRow) -> Work {
        Work {
            kind: WorkKind::Action,
            id: a.id,
            label: WorkKind::Action.label().to_owned(),
            title: a.title,
            link: format!("/reviews/{}#actions", a.review_id),
            priority: NORMAL,
            created: a.created_at,
            assignee_id: Some(a.owner_id),
            assignee_name: Some(a.owner_name),
            effort: a.effort_hours.unwrap_or(0.0).max(0.0),
            due: Some(a.due_at),
            release: None,
            requester: None,
            waiting_name: a.waiting_name,
            waiting_team: Some((a.waiting_team_id, a.waiting_key)),
        }
    }
}

/// What a team's forecast is computed from.
struct Inputs {
    calendar: std::sync::Arc<Calendar>,
    workers: Vec<Worker>,
    names: HashMap<PersonId, String>,
    work: Vec<Work>,
}

impl Inputs {
    fn items(&self) -> Vec<WorkItem> {
        self.work
            .iter()
            .map(|w| WorkItem {
                kind: w.kind,
                id: w.id,
                priority: u8::try_from(w.priority).unwrap_or(4),
                due: w.due,
                created: w.created,
                effort_hours: w.effort,
                assignee: w.assignee_id.map(PersonId),
                release: w.release,
            })
            .collect()
    }

    fn index(&self) -> HashMap<(WorkKind, i64), &Work> {
        self.work.iter().map(|w| ((w.kind, w.id), w)).collect()
    }
}

/// Reads a team's calendar, people (with their share of capacity and their time off in the
/// coming year) and open work, in one snapshot: requests (less those waiting on someone else,
/// which the team cannot work until they come back), the deliveries it owes within the
/// commitments' horizon, and its open action items.
fn inputs(tx: &mut Tx, team: TeamId, now: DateTime<Utc>) -> Result<Inputs> {
    let calendar = crate::clocks::calendar_of(tx.exec(), team)?;
    let people: Vec<WorkerRow> = tx
        .exec()
        .all(
            "SELECT p.id, p.name, p.weekly_capacity_hours, tm.capacity_share, \
             (SELECT COUNT(*) FROM team_members t2 WHERE t2.person_id = p.id) AS teams \
             FROM team_members tm JOIN people p ON p.id = tm.person_id WHERE tm.team_id = $1 AND p.active ORDER BY p.name, p.id",
            args![team],
        )?;
    let today = now.date_naive();
    let (from, to) = (today - TimeDelta::days(2), today + TimeDelta::days(HORIZON_DAYS + 2));
    let off: Vec<TimeOffRow> = tx.exec().all(
        &format!(
            "{TIME_OFF_SELECT} WHERE person_id IN (SELECT person_id FROM team_members WHERE team_id = $1) \
                 AND ends_on >= $2 AND starts_on <= $3"
        ),
        args![team, from.to_string(), to.to_string()],
    )?;
    let off: Vec<TimeOff> = off.into_iter().map(TimeOff::try_from).collect::<Result<_>>()?;
    let names = people.iter().map(|p| (PersonId(p.id), p.name.clone())).collect();
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
    let requests: Vec<RequestRow> = tx
        .exec()
        .all(
            "SELECT r.id, r.key, r.subject, r.priority, r.created_at, r.assignee_id, a.name AS assignee_name, \
             r.estimate_hours, s.default_effort_hours, r.logged_hours, c.due_at, r.requester_id, rp.name AS requester_name, \
             r.on_behalf_team_id, ob.key AS on_behalf_key FROM requests r JOIN services s ON s.id = r.service_id \
             JOIN people rp ON rp.id = r.requester_id LEFT JOIN people a ON a.id = r.assignee_id \
             LEFT JOIN teams ob ON ob.id = r.on_behalf_team_id \
             LEFT JOIN request_clocks c ON c.request_id = r.id AND c.kind = 'resolution' \
             WHERE r.team_id = $1 AND r.status IN ('new', 'open', 'in_progress')",
            args![team],
        )?;
    let occurrences: Vec<OccurrenceRow> = tx.exec().all(
        "SELECT o.id, o.deadline_at, c.title, c.effort_hours, c.owner_id, op.name AS owner_name, c.created_at, \
             c.receiver_id, rt.key AS receiver_key, rt.name AS receiver_name, \
             (SELECT MAX(p.due_at) FROM occurrences p WHERE p.commitment_id = o.commitment_id AND p.due_at < o.due_at) \
             AS previous_due FROM occurrences o JOIN commitments c ON c.id = o.commitment_id \
             JOIN people op ON op.id = c.owner_id JOIN teams rt ON rt.id = c.receiver_id \
             WHERE c.provider_id = $1 AND c.active AND o.status = 'open'",
        args![team],
    )?;
    let actions: Vec<ActionRow> = tx.exec().all(
        "SELECT a.id, a.title, a.owner_id, p.name AS owner_name, a.due_at, a.effort_hours, a.created_at, a.review_id, \
             a.waiting_team_id, wt.key AS waiting_key, wt.name AS waiting_name FROM actions a \
             JOIN people p ON p.id = a.owner_id JOIN teams wt ON wt.id = a.waiting_team_id \
             WHERE a.owner_team_id = $1 AND a.status = 'open'",
        args![team],
    )?;
    let work = requests
        .into_iter()
        .map(Work::from)
        .chain(occurrences.into_iter().map(Work::from))
        .chain(actions.into_iter().map(Work::from))
        .collect();
    Ok(Inputs { calendar, workers, names, work })
}

/// Reads a team's key, name and planning inputs.
fn team_inputs(tx: &mut Tx, team: TeamId, now: DateTime<Utc>) -> Result<(String, String, Inputs)> {
    let (key, name): (String, String) = tx
        .exec()
        .optional("SELECT key, name FROM teams WHERE id = $1", args![team])?
        .ok_or(StoreError::NotFound("team"))?;
    Ok((key, name, inputs(tx, team, now)?))
}

/// The weeks of one person (or the unassigned work), with the items behind each.
fn person_load(
    w: &Workload,
    index: &HashMap<(WorkKind, i64), &Work>,
    person: Option<PersonId>,
    name: String,
    capacity: &[f64],
) -> PersonLoad {
    let load = w.load_of(person);
    let weeks = w
        .weeks
        .iter()
        .enumerate()
        .map(|(k, &d)| WeekLoad {
            over: person.is_some() && WeekLoad::exceeds(load[k], capacity[k]),
            ..WeekLoad::new(d, capacity[k], load[k])
        })
        .collect();
    let mut items: Vec<Vec<LoadItem>> = vec![Vec::new(); w.weeks.len()];
    for s in w.shares.iter().filter(|s| s.person == person) {
        if let Some(work) = index.get(&(s.kind, s.id)) {
            items[s.week].push(LoadItem {
                kind: s.kind,
                label: work.label.clone(),
                title: work.title.clone(),
                link: work.link.clone(),
                hours: s.hours,
            });
        }
    }
    for week in &mut items {
        week.sort_by(|a, b| b.hours.total_cmp(&a.hours));
    }
    PersonLoad { person_id: person.map(|p| p.0), name, weeks, items }
}

/// A team's workload from its inputs, planned once: the forecast places work without a due time.
fn team_workload_of(key: String, name: String, inputs: &Inputs, now: DateTime<Utc>) -> TeamWorkload {
    let items = inputs.items();
    let plan = forecast(&inputs.calendar, &inputs.workers, &items, now);
    let w = workload(&inputs.calendar, &inputs.workers, &items, &plan, now, WEEKS);
    let index = inputs.index();
    let mut people: Vec<PersonLoad> = inputs
        .workers
        .iter()
        .map(|worker| {
            let name = inputs.names.get(&worker.person).cloned().unwrap_or_default();
            let capacity = w.capacity.get(&worker.person).cloned().unwrap_or_default();
            person_load(&w, &index, Some(worker.person), name, &capacity)
        })
        .collect();
    if w.shares.iter().any(|s| s.person.is_none()) {
        let none = vec![0.0; w.weeks.len()];
        people.push(person_load(&w, &index, None, String::from("Unassigned"), &none));
    }
    let (cap, load) = w.team_totals();
    let team = w.weeks.iter().enumerate().map(|(k, &d)| WeekLoad::new(d, cap[k], load[k])).collect();
    TeamWorkload { team_key: key, team_name: name, generated_at: now, team, people }
}

impl Store {
    /// A team's open work planned on its capacity, for those who work it.
    #[tracing::instrument(skip_all)]
    pub async fn team_forecast(&self, actor: &Actor, team: TeamId, now: DateTime<Utc>) -> Result<TeamForecast> {
        let actor = actor.to_owned();
        self.db
            .read(move |mut tx| {
                let actor: &Actor = &actor;
                actor.require_works_in(team, "see this team's forecast")?;
                let (team_key, _, inputs) = team_inputs(&mut tx, team, now)?;
                let plan = forecast(&inputs.calendar, &inputs.workers, &inputs.items(), now);
                let index = inputs.index();
                let items = plan
                    .items
                    .iter()
                    .filter_map(|p| {
                        let w = index.get(&(p.kind, p.id))?;
                        Some(ForecastItem {
                            kind: p.kind,
                            id: p.id,
                            label: w.label.clone(),
                            title: w.title.clone(),
                            link: w.link.clone(),
                            priority: Priority::from_i64(w.priority).unwrap_or(Priority::P4),
                            assignee_name: w.assignee_name.clone(),
                            effort_hours: w.effort,
                            due: w.due.and_then(DateTime::from_timestamp_millis),
                            start: p.start,
                            finish: p.finish,
                            late_ms: p.late_ms,
                        })
                    })
                    .collect();
                let weekly_capacity_hours = inputs.workers.iter().map(|w| w.hours_per_week).sum();
                Ok(TeamForecast { team_key, generated_at: now, weekly_capacity_hours, items })
            })
            .await
    }

    /// A team's load against its capacity for the coming weeks, per person, for those who work it.
    #[tracing::instrument(skip_all)]
    pub async fn team_workload(&self, actor: &Actor, team: TeamId, now: DateTime<Utc>) -> Result<TeamWorkload> {
        let actor = actor.to_owned();
        self.db
            .read(move |mut tx| {
                let actor: &Actor = &actor;
                actor.require_works_in(team, "see this team's workload")?;
                let (key, name, inputs) = team_inputs(&mut tx, team, now)?;
                Ok(team_workload_of(key, name, &inputs, now))
            })
            .await
    }

    /// A manager's view: the workload of every team they lead, and of each person who reports
    /// to them across all their teams. Teams they do not work in show their people's hours but
    /// not the items behind them.
    #[tracing::instrument(skip_all)]
    pub async fn managed_workload(
        &self,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(Vec<TeamWorkload>, Vec<PersonLoad>)> {
        let actor = actor.to_owned();
        self.db
            .read(move |mut tx| {
                let actor: &Actor = &actor;
                let Some(me) = actor.person_id else { return Ok((Vec::new(), Vec::new())) };
                let led: Vec<i64> = tx.exec().scalars(
                    "SELECT team_id FROM team_members WHERE person_id = $1 AND role = 'lead' ORDER BY team_id",
                    args![me],
                )?;
                let reports: Vec<(i64, String)> = tx
                    .exec()
                    .all("SELECT id, name FROM people WHERE manager_id = $1 AND active ORDER BY name, id", args![me])?;
                let report_teams: Vec<i64> = tx.exec().scalars(
                    "SELECT DISTINCT tm.team_id FROM team_members tm JOIN people p ON p.id = tm.person_id \
                     WHERE p.manager_id = $1 AND p.active ORDER BY tm.team_id",
                    args![me],
                )?;
                let mut teams: Vec<TeamWorkload> = Vec::new();
                let mut people: BTreeMap<i64, PersonLoad> = BTreeMap::new();
                let mut all: Vec<i64> = led.iter().chain(&report_teams).copied().collect();
                all.sort_unstable();
                all.dedup();
                for team in all {
                    let (key, name, inputs) = team_inputs(&mut tx, TeamId(team), now)?;
                    let load = team_workload_of(key, name, &inputs, now);
                    let sees_items = actor.works_in(TeamId(team));
                    for p in &load.people {
                        let Some(id) = p.person_id.filter(|id| reports.iter().any(|r| r.0 == *id)) else { continue };
                        let entry = people.entry(id).or_insert_with(|| PersonLoad {
                            person_id: Some(id),
                            name: p.name.clone(),
                            weeks: p.weeks.iter().map(|w| WeekLoad::new(w.starts_on, 0.0, 0.0)).collect(),
                            items: vec![Vec::new(); p.weeks.len()],
                        });
                        for (k, w) in p.weeks.iter().enumerate() {
                            let sum = &entry.weeks[k];
                            entry.weeks[k] = WeekLoad::new(
                                w.starts_on,
                                sum.capacity_hours + w.capacity_hours,
                                sum.load_hours + w.load_hours,
                            );
                            if sees_items {
                                entry.items[k].extend(p.items[k].iter().cloned());
                            }
                        }
                    }
                    // A lead is a member, so the teams shown whole are ones the actor works in.
                    if led.contains(&team) {
                        teams.push(load);
                    }
                }
                // Everyone who reports, even with no team, so nobody is missing from the view.
                let people = reports
                    .into_iter()
                    .map(|(id, name)| {
                        people.remove(&id).unwrap_or_else(|| PersonLoad {
                            person_id: Some(id),
                            name,
                            weeks: Vec::new(),
                            items: Vec::new(),
                        })
                    })
                    .collect();
                Ok((teams, people))
            })
            .await
    }

    /// How much of `supplier`'s capacity `customer`'s work takes: figures only, for anyone who
    /// sees the relationship.
    #[tracing::instrument(skip_all)]
    pub async fn customer_load(&self, supplier: TeamId, customer: TeamId, now: DateTime<Utc>) -> Result<CustomerLoad> {
        self.db
            .read(move |mut tx| {
                let inputs = inputs(&mut tx, supplier, now)?;
                let items = inputs.items();
                let plan = forecast(&inputs.calendar, &inputs.workers, &items, now);
                let w = workload(&inputs.calendar, &inputs.workers, &items, &plan, now, WEEKS);
                let theirs = |work: &Work| work.waiting_team.as_ref().is_some_and(|t| t.0 == customer.0);
                let index = inputs.index();
                let open: Vec<&Work> = inputs.work.iter().filter(|w| theirs(w)).collect();
                let load_hours: f64 = w
                    .shares
                    .iter()
                    .filter(|s| index.get(&(s.kind, s.id)).is_some_and(|work| theirs(work)))
                    .map(|s| s.hours)
                    .sum();
                let capacity_hours: f64 = w.team_totals().0.iter().sum();
                let percent =
                    if capacity_hours > 0.0 { (load_hours / capacity_hours * 100.0).round() as i64 } else { 0 };
                Ok(CustomerLoad {
                    open_items: open.len(),
                    open_hours: open.iter().map(|w| w.effort).sum(),
                    load_hours,
                    capacity_hours,
                    percent,
                    weeks: WEEKS,
                })
            })
            .await
    }

    /// What filing one more request with a service would cost its team, at each priority, and
    /// what would slip at `priority` (the service's default when `None`). Reads only.
    #[tracing::instrument(skip_all)]
    pub async fn cost_of(
        &self,
        actor: &Actor,
        service: ServiceId,
        priority: Option<Priority>,
        now: DateTime<Utc>,
    ) -> Result<Cost> {
        let actor = actor.to_owned();
        self.db
            .read(move |mut tx| {
                let actor: &Actor = &actor;
                let service = crate::services::service_in(&mut tx, service)?;
                if !service.may_request(actor) {
                    return Err(Forbidden("request this service").into());
                }
                let inputs = inputs(&mut tx, service.team_id, now)?;
                let policy = crate::clocks::current_policy(tx.exec(), service.id)?;
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
                        release: None,
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
                let index = inputs.index();
                let sees_titles = actor.works_in(service.team_id);
                let slips = chosen_slips
                    .into_iter()
                    .filter_map(|s| {
                        let w = index.get(&(s.kind, s.id))?;
                        Some(CostSlip {
                            kind: s.kind,
                            key: (s.kind == WorkKind::Request).then(|| w.label.clone()),
                            title: sees_titles.then(|| w.title.clone()),
                            waiting_name: w.waiting_name.clone(),
                            waiting_team_key: w.waiting_team.as_ref().map(|t| t.1.clone()),
                            before: s.before,
                            after: s.after,
                            delay_ms: s.delay_ms,
                            newly_late: s.newly_late,
                        })
                    })
                    .collect();
                Ok(Cost { effort_hours: service.default_effort_hours, at_priority, priority: chosen, slips })
            })
            .await
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
pub(crate) fn schedule_slip_check(tx: &mut Tx, payload: SlipPayload) -> Result<()> {
    let key = format!("slip:{}", payload.event);
    let at = Utc::now().timestamp_millis();
    let payload = serde_json::to_value(&payload).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    crate::jobs::schedule(tx, crate::jobs::SLIP_CHECK, &key, payload, Some(at))
}

impl Store {
    /// Tells the requesters whose open requests now miss their targets because `p.request_id` was
    /// filed at or raised to a higher priority: the forecast without the change against the
    /// forecast with it. Once per event and person, whichever node runs it.
    pub(crate) async fn check_slips(&self, p: SlipPayload, now: DateTime<Utc>) -> Result<usize> {
        self.db
            .write(move |mut tx| {
                let row: Option<(i64, String, String)> = tx
                    .exec()
                    .optional("SELECT team_id, key, status FROM requests WHERE id = $1", args![p.request_id])?;
                let Some((team, key, status)) = row else { return Ok(0) };
                if !matches!(status.as_str(), "new" | "open" | "in_progress") {
                    return Ok(0);
                }
                let inputs = inputs(&mut tx, TeamId(team), now)?;
                let with = inputs.items();
                let pushed = |i: &WorkItem| i.kind == WorkKind::Request && i.id == p.request_id;
                let without: Vec<WorkItem> = match p.from_priority {
                    None => with.iter().filter(|i| !pushed(i)).cloned().collect(),
                    Some(old) => with
                        .iter()
                        .map(|i| match pushed(i) {
                            true => WorkItem { priority: u8::try_from(old).unwrap_or(4), ..i.clone() },
                            false => i.clone(),
                        })
                        .collect(),
                };
                let before = forecast(&inputs.calendar, &inputs.workers, &without, now);
                let after = forecast(&inputs.calendar, &inputs.workers, &with, now);
                let index = inputs.index();
                let notices: Vec<Notice> = slips(&before, &after)
                    .into_iter()
                    .filter(|s| s.newly_late && s.kind == WorkKind::Request && s.id != p.request_id)
                    .filter_map(|s| {
                        let w = index.get(&(s.kind, s.id))?;
                        let late = after.get(s.kind, s.id).and_then(|x| x.late_ms).unwrap_or(i64::MAX);
                        let late = concentric_core::forecast::format_delay(late);
                        let request = concentric_core::notification::RequestRef {
                            id: concentric_core::RequestId(w.id),
                            key: w.label.clone(),
                            title: w.title.clone(),
                        };
                        let said = concentric_core::notification::Notice::Slipped { request, by: key.clone(), late };
                        Some(Notice::new(said, p.event).to(&[PersonId(w.requester?)]))
                    })
                    .collect();
                if notices.is_empty() {
                    return Ok(0);
                }
                notify(&mut tx, &Actor::system(), &notices)?;
                Ok(notices.len())
            })
            .await
    }
}
