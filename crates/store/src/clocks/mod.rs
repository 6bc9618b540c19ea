//! The clocks targets put on requests; the calendars they run on (`calendars`) and the target
//! policies they come from (`targets`) are submodules sharing this module's imports.
//!
//! Clocks are started when a request is filed, follow its status in the same transaction as
//! every change, and carry the next instant the clock turns at risk or breached (`check_at`),
//! which the job runner claims from an index ([`Store::claim_clock_checks`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use concentric_core::authz::Actor;
use concentric_core::calendar::{holidays_from_ics, Calendar, CalendarSpec, IcsHolidays};
use concentric_core::report::ComplianceRow;
use concentric_core::request::{Priority, Request, Status};
use concentric_core::target::{
    breach_text, format_duration, Breach, Clock, ClockKind, ClockView, EscalationRules, NewTargetPolicy,
    PriorityTargets, TargetPolicy,
};
use concentric_core::time::Millis;
use concentric_core::{FieldError, Invalid, PersonId, RequestId, ServiceId, TeamId};
use serde_json::json;

use crate::db::{args, Backend, Exec, Tx};
use crate::events::record;
use crate::notifications::{notify, Notice};
use crate::people::id_by_email;
use crate::webhooks::emit_for_request;
use crate::{Result, Store, StoreError};
use concentric_core::notification::{Notice as Said, RequestRef};
use concentric_core::webhook::WebhookEventKind as Hook;

mod calendars;
mod targets;

pub(crate) use calendars::{calendar_of, calendars, calendars_of_teams};
pub(crate) use targets::current_policy;
use targets::policy_where;

crate::db::row! {
    struct ClockRow {
        request_id: i64,
        kind: String,
        target_ms: i64,
        elapsed_ms: i64,
        running_since: Option<i64>,
        stopped_at: Option<i64>,
        at_risk_percent: i64,
        breach_recorded: bool,
        team_id: i64,
    }
}

impl From<ClockRow> for Clock {
    fn from(r: ClockRow) -> Self {
        Clock {
            request_id: RequestId(r.request_id),
            kind: ClockKind::parse(&r.kind).unwrap_or(ClockKind::Resolution),
            target_ms: r.target_ms,
            elapsed_ms: r.elapsed_ms,
            running_since: r.running_since,
            stopped_at: r.stopped_at,
            at_risk_percent: u8::try_from(r.at_risk_percent).unwrap_or(75),
            breach_recorded: r.breach_recorded,
        }
    }
}

const CLOCK_SELECT: &str = "SELECT c.request_id, c.kind, c.target_ms, c.elapsed_ms, c.running_since, c.stopped_at, \
     p.at_risk_percent, EXISTS (SELECT 1 FROM clock_marks m WHERE m.request_id = c.request_id AND m.kind = c.kind \
     AND m.mark = 'breached') AS breach_recorded, r.team_id FROM request_clocks c JOIN requests r ON r.id = c.request_id \
     JOIN target_policies p ON p.id = r.policy_id";

/// Writes a clock back with its cached due time and the instant of its next check.
fn save_clock(tx: &mut Tx, clock: &Clock, now: i64, cal: &Calendar) -> Result<()> {
    let due = clock.read(now, cal).due_at;
    tx.exec().execute(
        "UPDATE request_clocks SET target_ms = $1, elapsed_ms = $2, running_since = $3, stopped_at = $4, due_at = $5, \
             check_at = $6 WHERE request_id = $7 AND kind = $8",
        args![
            clock.target_ms,
            clock.elapsed_ms,
            clock.running_since,
            clock.stopped_at,
            due,
            clock.next_check(now, cal),
            clock.request_id,
            clock.kind.as_str()
        ],
    )?;
    Ok(())
}

/// Sets when the runner next looks at a clock; `None` when it never needs to again.
fn schedule_check(tx: &mut Tx, clock: &Clock, now: i64, cal: &Calendar) -> Result<()> {
    tx.exec().execute(
        "UPDATE request_clocks SET check_at = $1 WHERE request_id = $2 AND kind = $3",
        args![clock.next_check(now, cal), clock.request_id, clock.kind.as_str()],
    )?;
    Ok(())
}

/// Clocks just started, with the calendar they run on: the request just written needs no
/// second read of its clocks, and its caller reads them ([`Started::views`]) after the unit,
/// off the writer's thread.
pub(crate) struct Started {
    clocks: Vec<Clock>,
    calendar: Arc<Calendar>,
    now: i64,
}

impl Started {
    /// The clocks as they read at the instant they started.
    pub(crate) fn views(&self) -> Vec<ClockView> {
        self.clocks.iter().map(|clock| ClockView::of(clock, self.now, &self.calendar)).collect()
    }
}

/// Starts the clocks of a new request filed under `policy` at `priority` on the providing
/// team's calendar, if the policy promises targets for it.
pub(crate) fn start_clocks(
    tx: &mut Tx,
    request: RequestId,
    cal: Arc<Calendar>,
    policy: &TargetPolicy,
    priority: Priority,
    now: i64,
) -> Result<Option<Started>> {
    if !policy.targets.contains_key(&priority) {
        return Ok(None);
    }
    let clocks = ClockKind::ALL.map(|kind| Clock {
        request_id: request,
        kind,
        target_ms: policy.target_ms(priority, kind).unwrap_or_default(),
        elapsed_ms: 0,
        running_since: Some(now),
        stopped_at: None,
        at_risk_percent: policy.at_risk_percent,
        breach_recorded: false,
    });
    // Both clocks, with their due times and first checks, in one statement.
    let mut values = Vec::with_capacity(clocks.len() * 7);
    for clock in &clocks {
        let due = clock.read(now, &cal).due_at;
        values.extend(args![
            request,
            clock.kind.as_str(),
            clock.target_ms,
            0_i64,
            now,
            due,
            clock.next_check(now, &cal)
        ]);
    }
    tx.exec().execute(
        &format!(
            "INSERT INTO request_clocks (request_id, kind, target_ms, elapsed_ms, running_since, due_at, check_at) VALUES {}",
            crate::db::value_rows(clocks.len(), 7)
        ),
        values,
    )?;
    Ok(Some(Started { clocks: clocks.into(), calendar: cal, now }))
}

/// A clock of a request restored from the past (the demo's history): its working time is
/// already known; a breach is recorded as it would have been.
pub(crate) fn insert_past_clock(tx: &mut Tx, clock: &Clock, now: i64, cal: &Calendar) -> Result<()> {
    tx.exec().execute(
        "INSERT INTO request_clocks (request_id, kind, target_ms, elapsed_ms, running_since, stopped_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        args![
            clock.request_id,
            clock.kind.as_str(),
            clock.target_ms,
            clock.elapsed_ms,
            clock.running_since,
            clock.stopped_at
        ],
    )?;
    let reading = clock.read(now, cal);
    if reading.left_ms < 0 {
        let at = clock.instant_of(clock.target_ms + 1, cal).or(clock.stopped_at).unwrap_or(now);
        mark(tx, clock.request_id, clock.kind, "breached", at)?;
    }
    save_clock(tx, clock, now, cal)
}

/// Brings a request's clocks in line with a change: its new status, a first public reply from
/// the providing team, or a new priority (whose targets then apply).
pub(crate) fn sync_clocks(tx: &mut Tx, req: &Request, status: Status, first_response: bool, now: i64) -> Result<()> {
    let clocks: Vec<ClockRow> = tx.exec().all(&format!("{CLOCK_SELECT} WHERE c.request_id = $1"), args![req.id])?;
    if clocks.is_empty() {
        return Ok(());
    }
    let policy = policy_where(tx.exec(), "id = (SELECT policy_id FROM requests WHERE id = $1)", req.id.into())?
        .ok_or(StoreError::NotFound("target policy"))?;
    let cal = calendar_of(tx.exec(), req.team_id)?;
    for row in clocks {
        let mut clock = Clock::from(row);
        let before = clock.clone();
        clock.follow(status, policy.pause_on_others, now, &cal);
        if first_response && clock.kind == ClockKind::FirstResponse {
            clock.stop(now, &cal);
        }
        if let Some(target) = policy.target_ms(req.priority, clock.kind) {
            clock.target_ms = target;
        }
        if clock != before {
            save_clock(tx, &clock, now, &cal)?;
        }
    }
    Ok(())
}

/// Reads the clocks of the given requests at `now`, in their teams' calendars.
pub(crate) fn attach_clocks(tx: &mut Tx<'_>, requests: &mut [Request], now: i64) -> Result<()> {
    if requests.is_empty() {
        return Ok(());
    }
    let ids = crate::db::id_list(requests.iter().map(|r| r.id.0));
    let within = crate::db::in_ids(tx.backend(), "c.request_id", "$1");
    let rows: Vec<ClockRow> = tx.exec().all(&format!("{CLOCK_SELECT} WHERE {within} ORDER BY c.kind"), vec![ids])?;
    if rows.is_empty() {
        return Ok(());
    }
    // Only the calendars of the requests' teams (and the organisation's) are read and parsed.
    let teams = crate::db::id_list(requests.iter().map(|r| r.team_id.0));
    let (default, teams) = calendars_of_teams(tx.exec(), teams)?;
    let mut by_request: HashMap<i64, Vec<Clock>> = HashMap::new();
    for row in rows {
        by_request.entry(row.request_id).or_default().push(row.into());
    }
    for req in requests {
        let cal = teams.get(&req.team_id.0).unwrap_or(&default);
        if let Some(clocks) = by_request.get(&req.id.0) {
            req.clocks = clocks.iter().map(|c| ClockView::of(c, now, cal)).collect();
        }
    }
    Ok(())
}

/// The person an optional email names; an unknown email becomes an error on `field`.
fn person_field(
    exec: Exec<'_>,
    field: &str,
    email: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> Result<Option<PersonId>> {
    let Some(email) = email.map(str::trim).filter(|e| !e.is_empty()).map(str::to_lowercase) else { return Ok(None) };
    let found = id_by_email(exec, &email)?;
    if found.is_none() {
        errors.push(FieldError::new(field, format!("nobody in the directory has the email {email}")));
    }
    Ok(found)
}

crate::db::row! {
    struct ComplianceDbRow {
        month: String,
        team_key: String,
        team_name: String,
        service_slug: String,
        service_name: String,
        kind: String,
        met: i64,
        breached: i64,
        total: i64,
    }
}

/// What a clock check did, for the runner's log and tests.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CheckOutcome {
    pub at_risk: bool,
    pub breached: bool,
}

crate::db::row! {
    struct CheckedRequest {
        key: String,
        subject: String,
        team_id: i64,
        priority: i64,
        assignee_id: Option<i64>,
        policy_id: i64,
    }
}

impl CheckedRequest {
    fn reference(&self, id: RequestId) -> RequestRef {
        RequestRef { id, key: self.key.clone(), title: self.subject.clone() }
    }
}

/// Records a mark once; whether this call was the one that recorded it.
fn mark(tx: &mut Tx, request: RequestId, kind: ClockKind, mark: &str, now: i64) -> Result<bool> {
    let inserted = tx.exec().execute(
        "INSERT INTO clock_marks (request_id, kind, mark, at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        args![request, kind.as_str(), mark, now],
    )?;
    Ok(inserted > 0)
}

fn team_people(exec: Exec<'_>, team: i64, leads_only: bool) -> Result<Vec<PersonId>> {
    let ids: Vec<i64> = exec.scalars(
        "SELECT tm.person_id FROM team_members tm JOIN people p ON p.id = tm.person_id \
             WHERE tm.team_id = $1 AND p.active AND (NOT $2 OR tm.role = 'lead')",
        args![team, leads_only],
    )?;
    Ok(ids.into_iter().map(PersonId).collect())
}

impl Store {
    /// Claims up to `limit` clocks whose check is due at `now`, for `lease_ms`: the claim moves
    /// their check to the lease's end, so a node that dies leaves them to be checked again, and
    /// a second node (`SKIP LOCKED` on PostgreSQL) passes them by.
    #[tracing::instrument(skip(self))]
    pub(crate) async fn claim_clock_checks(
        &self,
        now: Millis,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<(RequestId, ClockKind)>> {
        let claimed: Vec<(i64, String)> = self
            .db
            .write(move |mut tx| {
                let lock = crate::db::skip_locked(tx.backend());
                Ok(tx.exec().all(
                    &format!(
                        "UPDATE request_clocks SET check_at = $1 WHERE (request_id, kind) IN \
                         (SELECT request_id, kind FROM request_clocks WHERE check_at <= $2 \
                         ORDER BY check_at LIMIT $3{lock}) RETURNING request_id, kind"
                    ),
                    args![now.0 + lease_ms, now.0, limit],
                )?)
            })
            .await?;
        claimed
            .into_iter()
            .map(|(request, kind)| {
                let kind = ClockKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("clock kind {kind}")))?;
                Ok((RequestId(request), kind))
            })
            .collect()
    }

    /// Looks at one clock at `now`: records and announces its at-risk and breach marks (each
    /// exactly once, whichever node runs the check), escalates a breach, and schedules the next check.
    #[tracing::instrument(skip(self))]
    pub async fn check_clock(&self, request: RequestId, kind: ClockKind, now: Millis) -> Result<CheckOutcome> {
        let now = now.0;
        let outcome = self
            .db
            .write(move |mut tx| {
                let row: Option<ClockRow> = tx.exec().optional(
                    &format!("{CLOCK_SELECT} WHERE c.request_id = $1 AND c.kind = $2"),
                    args![request, kind.as_str()],
                )?;
                let Some(row) = row else { return Ok(CheckOutcome::default()) };
                let clock = Clock::from(row);
                let req: CheckedRequest = tx
                    .exec()
                    .optional(
                        "SELECT key, subject, team_id, priority, assignee_id, policy_id FROM requests WHERE id = $1",
                        args![request],
                    )?
                    .ok_or(StoreError::NotFound("request"))?;
                let cal = calendar_of(tx.exec(), TeamId(req.team_id))?;
                let reading = clock.read(now, &cal);
                let mut outcome = CheckOutcome::default();
                let system = Actor::system();
                let running = clock.running_since.is_some();
                if running && reading.elapsed_ms >= clock.at_risk_ms() && mark(&mut tx, request, kind, "at_risk", now)?
                {
                    outcome.at_risk = true;
                    let left = format_duration(reading.left_ms.max(0));
                    let event = record(
                        &mut tx,
                        &system,
                        "request",
                        request.0,
                        "target_at_risk",
                        json!({ "target": kind.label(), "left": format!("{left} of working time") }),
                    )?;
                    let recipients = match req.assignee_id {
                        Some(a) => vec![PersonId(a)],
                        None => team_people(tx.exec(), req.team_id, false)?,
                    };
                    let target = kind.label().to_lowercase();
                    let said = Said::TargetAtRisk {
                        request: req.reference(request),
                        target: target.clone(),
                        left: left.clone(),
                    };
                    notify(&mut tx, &system, &[Notice::new(said, event).to(&recipients)])?;
                    emit_for_request(&mut tx, Hook::RequestAtRisk, request, TeamId(req.team_id), event, |r| {
                        let summary =
                            format!("The {target} target is at risk on {}: {left} of working time left", r.subject);
                        (summary, json!({ "target": kind.as_str(), "left_ms": reading.left_ms.max(0) }))
                    })?;
                }
                if running && reading.left_ms < 0 && mark(&mut tx, request, kind, "breached", now)? {
                    outcome.breached = true;
                    Self::escalate(&mut tx, &req, request, kind, &breach_text(&reading).unwrap_or_default())?;
                }
                schedule_check(&mut tx, &clock, now, &cal)?;
                Ok(outcome)
            })
            .await?;
        Ok(outcome)
    }

    /// A breach: recorded as an escalation, told to the team lead, and the service's rules applied.
    fn escalate(
        tx: &mut Tx<'_>,
        req: &CheckedRequest,
        request: RequestId,
        kind: ClockKind,
        breach: &str,
    ) -> Result<()> {
        let system = Actor::system();
        let policy =
            policy_where(tx.exec(), "id = $1", req.policy_id.into())?.ok_or(StoreError::NotFound("target policy"))?;
        let rules = &policy.escalation;
        let mut actions = Vec::new();
        if let Some(to) = rules.reassign_to.filter(|to| Some(to.0) != req.assignee_id) {
            tx.exec().execute("UPDATE requests SET assignee_id = $1 WHERE id = $2", args![to, request])?;
            actions.push("reassigned");
        }
        let priority = Priority::from_i64(req.priority).unwrap_or(Priority::P3);
        if rules.raise_priority && priority != Priority::P1 {
            let raised = Priority::from_i64(req.priority - 1).unwrap_or(Priority::P1);
            tx.exec().execute("UPDATE requests SET priority = $1 WHERE id = $2", args![raised.as_i64(), request])?;
            actions.push("priority raised");
        }
        let event = record(
            tx,
            &system,
            "request",
            request.0,
            "escalated",
            json!({ "target": kind.label(), "breach": breach, "actions": actions.join(", ") }),
        )?;
        let mut recipients = team_people(tx.exec(), req.team_id, true)?;
        recipients.extend(rules.notify);
        let said = Said::TargetBreached {
            request: req.reference(request),
            target: kind.label().to_lowercase(),
            breach: breach.to_owned(),
        };
        let mut notices = vec![Notice::new(said, event).to(&recipients)];
        if let Some(to) = rules.reassign_to.filter(|to| Some(to.0) != req.assignee_id) {
            let said = Said::Assigned { request: req.reference(request), escalated: true };
            notices.push(Notice::new(said, event).to(&[to]));
        }
        notify(tx, &system, &notices)?;
        emit_for_request(tx, Hook::RequestBreached, request, TeamId(req.team_id), event, |r| {
            let target = kind.label().to_lowercase();
            let summary = format!("The {target} target was missed on {}: {breach}", r.subject);
            (summary, json!({ "target": kind.as_str(), "breach": breach, "actions": actions }))
        })
    }

    /// A team's targets breached since `since`, newest first: the breaches (and their
    /// escalations) a lead looks back on. For the team's members and admins.
    #[tracing::instrument(skip_all)]
    pub async fn breaches_since(&self, actor: &Actor, team: TeamId, since: Millis, limit: i64) -> Result<Vec<Breach>> {
        actor.require_works_in(team, "see this team's breaches")?;
        self.db
            .read(move |mut tx| {
                let rows: Vec<(String, String, String, i64, Option<String>, String)> = tx.exec().all(
                    "SELECT r.key, r.subject, m.kind, m.at, p.name, r.status FROM clock_marks m \
                     JOIN requests r ON r.id = m.request_id LEFT JOIN people p ON p.id = r.assignee_id \
                     WHERE m.mark = 'breached' AND m.at >= $1 AND r.team_id = $2 ORDER BY m.at DESC, r.id LIMIT $3",
                    args![since.0, team, limit],
                )?;
                rows.into_iter()
                    .map(|(request_key, subject, kind, at, assignee_name, status)| {
                        Ok(Breach {
                            kind: ClockKind::parse(&kind)
                                .ok_or_else(|| StoreError::Corrupt(format!("clock kind {kind}")))?,
                            status: Status::parse(&status)
                                .ok_or_else(|| StoreError::Corrupt(format!("status {status}")))?,
                            at: Millis(at).to_utc(),
                            request_key,
                            subject,
                            assignee_name,
                        })
                    })
                    .collect()
            })
            .await
    }

    /// Target compliance per month, team, service and target for requests filed since `since`,
    /// optionally of one team and one service. Months are calendar months in UTC.
    #[tracing::instrument(skip_all)]
    pub async fn compliance(
        &self,
        since: Millis,
        team: Option<TeamId>,
        service: Option<ServiceId>,
    ) -> Result<Vec<ComplianceRow>> {
        self.db.read(move |mut tx| {
            let month = match tx.backend() {
                Backend::Sqlite => "strftime('%Y-%m', r.created_at / 1000, 'unixepoch')",
                Backend::Postgres => "to_char(to_timestamp(r.created_at / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM')",
            };
            let rows: Vec<ComplianceDbRow> = tx.exec()
                .all(
                    &format!(
                        "SELECT {month} AS month, t.key AS team_key, t.name AS team_name, s.slug AS service_slug, \
                         s.name AS service_name, c.kind, \
                         SUM(CASE WHEN m.request_id IS NULL AND c.stopped_at IS NOT NULL AND c.elapsed_ms <= c.target_ms THEN 1 ELSE 0 END) AS met, \
                         SUM(CASE WHEN m.request_id IS NOT NULL OR (c.stopped_at IS NOT NULL AND c.elapsed_ms > c.target_ms) THEN 1 ELSE 0 END) AS breached, \
                         COUNT(*) AS total \
                         FROM request_clocks c JOIN requests r ON r.id = c.request_id JOIN teams t ON t.id = r.team_id \
                         JOIN services s ON s.id = r.service_id \
                         LEFT JOIN clock_marks m ON m.request_id = c.request_id AND m.kind = c.kind AND m.mark = 'breached' \
                         WHERE r.created_at >= $1 AND ($2 = 0 OR r.team_id = $2) AND ($3 = 0 OR r.service_id = $3) \
                         GROUP BY {month}, t.key, t.name, s.slug, s.name, c.kind \
                         ORDER BY month DESC, t.key, s.name, c.kind"
                    ),
                    args![since.0, team.map_or(0, |t| t.0), service.map_or(0, |s| s.0)],
                )?;
            Ok(rows
                .into_iter()
                .map(|r| ComplianceRow {
                    month: r.month,
                    team_key: r.team_key,
                    team_name: r.team_name,
                    service_slug: r.service_slug,
                    service_name: r.service_name,
                    target: ClockKind::parse(&r.kind).unwrap_or(ClockKind::Resolution),
                    met: r.met,
                    breached: r.breached,
                    running: r.total - r.met - r.breached,
                })
                .collect())
        })
        .await
    }
}
