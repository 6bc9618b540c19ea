//! Commitments and their occurrences: generated ahead of time, delivered, accepted or sent back,
//! with reminders and overdue notices as durable jobs (each announced once, through
//! `occurrence_marks`), on-time records, and calendar feeds.

use std::collections::HashMap;

use concentric_core::authz::{Actor, Forbidden};
use concentric_core::calendar::Calendar;
use concentric_core::commitment::{
    deadline, timing, CalendarFeed, CheckedCommitment, Commitment, Delivery, Named, NewCommitment, NewDelivery,
    Occurrence, OccurrenceStatus, OnTimeMonth, OnTimeRecord, Step, HORIZON_MS, MAX_AHEAD, OWED_AHEAD_MS,
};
use concentric_core::page::{Page, PageRequest};
use concentric_core::time::Millis;
use concentric_core::{FieldError, Invalid, PersonId, TeamId};
use serde::Deserialize;
use serde_json::json;

use crate::clocks::{calendar_of, calendars};
use crate::db::{args, Arg, Backend, Exec, Tx};
use crate::events::record_at;
use crate::jobs::{schedule, COMMITMENTS_GENERATE, OCCURRENCE_OVERDUE, OCCURRENCE_REMINDER};
use crate::notifications::{notify, Notice};
use crate::teams::team_id_by_key;
use crate::webhooks::emit;
use crate::{Result, Store, StoreError};
use concentric_core::notification::Notice as Said;
use concentric_core::webhook::{WebhookEvent, WebhookEventKind as Hook};

const DAY_MS: i64 = 86_400_000;

#[derive(sqlx::FromRow)]
struct CommitmentRow {
    id: i64,
    provider_id: i64,
    provider_key: String,
    provider_name: String,
    receiver_id: i64,
    receiver_key: String,
    receiver_name: String,
    title: String,
    description: String,
    owner_id: i64,
    owner_name: String,
    owner_email: String,
    backup_id: Option<i64>,
    backup_name: Option<String>,
    backup_email: Option<String>,
    rule: String,
    first_due: String,
    zone: String,
    grace_ms: i64,
    remind_ms: i64,
    effort_hours: f64,
    active: bool,
    generated_until: i64,
    created_at: i64,
    on_time: i64,
    late: i64,
}

/// Counts an occurrence kept or missed by `now` (a bound parameter): delivered by its deadline,
/// or delivered after it, or still open past it.
fn record_sums(o: &str, now: &str) -> String {
    format!(
        "COALESCE(SUM(CASE WHEN {o}.delivered_at IS NOT NULL AND {o}.delivered_at <= {o}.deadline_at THEN 1 ELSE 0 END), 0) AS on_time, \
         COALESCE(SUM(CASE WHEN ({o}.delivered_at IS NOT NULL AND {o}.delivered_at > {o}.deadline_at) \
         OR ({o}.delivered_at IS NULL AND {o}.deadline_at < {now}) THEN 1 ELSE 0 END), 0) AS late"
    )
}

/// Commitments with their on-time record up to `$1` (now), filtered by `filter`.
fn commitment_query(filter: &str) -> String {
    format!(
        "SELECT c.id, c.provider_id, pt.key AS provider_key, pt.name AS provider_name, c.receiver_id, \
         rt.key AS receiver_key, rt.name AS receiver_name, c.title, c.description, c.owner_id, op.name AS owner_name, \
         op.email AS owner_email, c.backup_id, bp.name AS backup_name, bp.email AS backup_email, c.rule, c.first_due, \
         c.zone, c.grace_ms, c.remind_ms, c.effort_hours, c.active, c.generated_until, c.created_at, \
         COALESCE(r.on_time, 0) AS on_time, COALESCE(r.late, 0) AS late \
         FROM commitments c JOIN teams pt ON pt.id = c.provider_id JOIN teams rt ON rt.id = c.receiver_id \
         JOIN people op ON op.id = c.owner_id LEFT JOIN people bp ON bp.id = c.backup_id \
         LEFT JOIN (SELECT o.commitment_id, {} FROM occurrences o WHERE o.due_at <= $1 GROUP BY o.commitment_id) r \
         ON r.commitment_id = c.id WHERE {filter}",
        record_sums("o", "$1")
    )
}

impl From<CommitmentRow> for Commitment {
    fn from(r: CommitmentRow) -> Self {
        Commitment {
            id: r.id,
            provider_id: TeamId(r.provider_id),
            provider_key: r.provider_key,
            provider_name: r.provider_name,
            receiver_id: TeamId(r.receiver_id),
            receiver_key: r.receiver_key,
            receiver_name: r.receiver_name,
            title: r.title,
            description: r.description,
            owner: Named { id: r.owner_id, name: r.owner_name, email: r.owner_email },
            backup: match (r.backup_id, r.backup_name, r.backup_email) {
                (Some(id), Some(name), Some(email)) => Some(Named { id, name, email }),
                _ => None,
            },
            rule: r.rule,
            first_due: r.first_due,
            zone: r.zone,
            grace_ms: r.grace_ms,
            remind_ms: r.remind_ms,
            effort_hours: r.effort_hours,
            active: r.active,
            created_at: Millis(r.created_at).to_utc(),
            record: OnTimeRecord { on_time: r.on_time, late: r.late },
        }
    }
}

async fn commitment_in(exec: Exec<'_>, id: i64, now: i64) -> Result<(Commitment, i64)> {
    let row: CommitmentRow = exec
        .optional(&commitment_query("c.id = $2"), args![now, id])
        .await?
        .ok_or(StoreError::NotFound("commitment"))?;
    let until = row.generated_until;
    Ok((row.into(), until))
}

#[derive(sqlx::FromRow)]
struct OccurrenceRow {
    id: i64,
    commitment_id: i64,
    title: String,
    provider_id: i64,
    provider_key: String,
    provider_name: String,
    receiver_id: i64,
    receiver_key: String,
    receiver_name: String,
    owner_name: String,
    due_at: i64,
    deadline_at: i64,
    status: String,
    delivered_at: Option<i64>,
    accepted_at: Option<i64>,
    sent_back: i64,
}

const OCCURRENCE_SELECT: &str = "SELECT o.id, o.commitment_id, c.title, c.provider_id, pt.key AS provider_key, \
     pt.name AS provider_name, c.receiver_id, rt.key AS receiver_key, rt.name AS receiver_name, op.name AS owner_name, \
     o.due_at, o.deadline_at, o.status, o.delivered_at, o.accepted_at, o.sent_back \
     FROM occurrences o JOIN commitments c ON c.id = o.commitment_id JOIN teams pt ON pt.id = c.provider_id \
     JOIN teams rt ON rt.id = c.receiver_id JOIN people op ON op.id = c.owner_id";

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: i64,
    occurrence_id: i64,
    delivered_by: String,
    delivered_at: i64,
    note: String,
    link: Option<String>,
    file_name: Option<String>,
    outcome: Option<String>,
    answered_by: Option<String>,
    answered_at: Option<i64>,
    reason: String,
}

/// Reads occurrences with their timing (in each side's calendar) and, if asked, their deliveries.
async fn hydrate(mut exec: Exec<'_>, rows: Vec<OccurrenceRow>, now: i64, deliveries: bool) -> Result<Vec<Occurrence>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let (default, teams) = calendars(exec.reborrow()).await?;
    let cal = |team: i64| -> &Calendar { teams.get(&team).unwrap_or(&default) };
    let mut by_occurrence: HashMap<i64, Vec<Delivery>> = HashMap::new();
    if deliveries {
        // Ids are integers from our own rows, so listing them inline is safe.
        let ids: Vec<String> = rows.iter().map(|r| r.id.to_string()).collect();
        let found: Vec<DeliveryRow> = exec
            .all(
                &format!(
                    "SELECT d.id, d.occurrence_id, p.name AS delivered_by, d.delivered_at, d.note, d.link, d.file_name, \
                     d.outcome, a.name AS answered_by, d.answered_at, d.reason FROM deliveries d \
                     JOIN people p ON p.id = d.delivered_by LEFT JOIN people a ON a.id = d.answered_by \
                     WHERE d.occurrence_id IN ({}) ORDER BY d.delivered_at, d.id",
                    ids.join(", ")
                ),
                args![],
            )
            .await?;
        for d in found {
            by_occurrence.entry(d.occurrence_id).or_default().push(Delivery {
                id: d.id,
                delivered_by: d.delivered_by,
                delivered_at: Millis(d.delivered_at).to_utc(),
                note: d.note,
                link: d.link,
                file_name: d.file_name,
                outcome: d.outcome,
                answered_by: d.answered_by,
                answered_at: d.answered_at.map(|t| Millis(t).to_utc()),
                reason: d.reason,
            });
        }
    }
    rows.into_iter()
        .map(|r| {
            let t = timing(r.due_at, r.deadline_at, r.delivered_at, now, cal(r.provider_id), cal(r.receiver_id));
            Ok(Occurrence {
                id: r.id,
                commitment_id: r.commitment_id,
                title: r.title,
                provider_key: r.provider_key,
                provider_name: r.provider_name,
                receiver_key: r.receiver_key,
                receiver_name: r.receiver_name,
                owner_name: r.owner_name,
                due_at: Millis(r.due_at).to_utc(),
                deadline_at: Millis(r.deadline_at).to_utc(),
                status: OccurrenceStatus::parse(&r.status)
                    .ok_or_else(|| StoreError::Corrupt(format!("occurrence {}", r.id)))?,
                delivered_at: r.delivered_at.map(|t| Millis(t).to_utc()),
                accepted_at: r.accepted_at.map(|t| Millis(t).to_utc()),
                sent_back: r.sent_back,
                timeliness: t.timeliness,
                late_ms: t.late_ms,
                waited_ms: t.waited_ms,
                deliveries: by_occurrence.remove(&r.id).unwrap_or_default(),
            })
        })
        .collect()
}

/// Creates the occurrences of a commitment due up to `now` plus the horizon, with their reminder
/// and overdue jobs. Returns how many were added.
async fn generate(tx: &mut Tx, c: &Commitment, generated_until: i64, now: i64) -> Result<usize> {
    let Some(schedule) = c.schedule() else {
        return Err(StoreError::Corrupt(format!("commitment {}: schedule", c.id)));
    };
    let until = now + HORIZON_MS;
    if !c.active || generated_until >= until {
        return Ok(0);
    }
    let from = generated_until.max(now);
    let provider = calendar_of(tx.exec(), c.provider_id).await?;
    let dues = schedule.dues_between(from, until, MAX_AHEAD);
    for &due in &dues {
        let deadline_at = deadline(due, c.grace_ms, &provider);
        let id: Option<i64> = tx
            .exec()
            .scalar_opt(
                "INSERT INTO occurrences (commitment_id, due_at, deadline_at, status) VALUES ($1, $2, $3, 'open') \
                 ON CONFLICT (commitment_id, due_at) DO NOTHING RETURNING id",
                args![c.id, due, deadline_at],
            )
            .await?;
        if let Some(id) = id {
            schedule_occurrence_jobs(tx, id, due, deadline_at, c.remind_ms, now).await?;
        }
    }
    // With the cap reached, generation resumes after the last due time made.
    let reached = if dues.len() >= usize::from(MAX_AHEAD) { dues.last().copied().unwrap_or(until) } else { until };
    tx.exec().execute("UPDATE commitments SET generated_until = $1 WHERE id = $2", args![reached, c.id]).await?;
    Ok(dues.len())
}

async fn schedule_occurrence_jobs(
    tx: &mut Tx,
    id: i64,
    due: i64,
    deadline: i64,
    remind_ms: i64,
    now: i64,
) -> Result<()> {
    let payload = json!({ "occurrence_id": id });
    let remind_at = (remind_ms > 0).then(|| due - remind_ms).filter(|at| *at < due);
    schedule(
        tx,
        OCCURRENCE_REMINDER,
        &format!("occurrence:{id}:reminder"),
        payload.clone(),
        remind_at.map(|at| at.max(now)),
    )
    .await?;
    schedule(tx, OCCURRENCE_OVERDUE, &format!("occurrence:{id}:overdue"), payload, Some(deadline.max(now))).await
}

/// One past delivery to restore: when, by whom, with what note, and the receiver's answer
/// (when, by whom, accepted or sent back with a reason).
pub(crate) struct PastDelivery {
    pub at: i64,
    pub by: PersonId,
    pub note: String,
    pub answer: Option<(i64, PersonId, bool, String)>,
}

/// Restores a past occurrence with its deliveries (demo history). One still open or awaiting
/// an answer gets its overdue job; reminders for the past are marked as already sent.
pub(crate) async fn restore_occurrence(
    tx: &mut Tx,
    c: &Commitment,
    due: i64,
    deadline_at: i64,
    deliveries: &[PastDelivery],
    now: i64,
) -> Result<()> {
    let last = deliveries.last();
    let (status, delivered, accepted) = match last {
        Some(PastDelivery { at, answer: Some((when, _, true, _)), .. }) => ("accepted", Some(*at), Some(*when)),
        Some(PastDelivery { at, answer: None, .. }) => ("delivered", Some(*at), None),
        _ => ("open", None, None),
    };
    let sent_back = deliveries.iter().filter(|d| matches!(d.answer, Some((_, _, false, _)))).count() as i64;
    let id: i64 = tx
        .exec()
        .scalar(
            "INSERT INTO occurrences (commitment_id, due_at, deadline_at, status, delivered_at, accepted_at, sent_back) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            args![c.id, due, deadline_at, status, delivered, accepted, sent_back],
        )
        .await?;
    for d in deliveries {
        let (answered_at, answered_by, outcome, reason) = match &d.answer {
            Some((at, by, ok, reason)) => {
                (Some(*at), Some(*by), Some(if *ok { "accepted" } else { "sent_back" }), reason.clone())
            }
            None => (None, None, None, String::new()),
        };
        tx.exec()
            .execute(
                "INSERT INTO deliveries (occurrence_id, delivered_by, delivered_at, note, outcome, answered_by, answered_at, reason) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                args![id, d.by, d.at, &d.note, outcome, answered_by, answered_at, reason],
            )
            .await?;
    }
    mark(tx, id, "reminded", due).await?;
    if status == "open" {
        schedule(
            tx,
            OCCURRENCE_OVERDUE,
            &format!("occurrence:{id}:overdue"),
            json!({ "occurrence_id": id }),
            Some(deadline_at.max(now)),
        )
        .await?;
    } else if delivered.is_some_and(|at| at > deadline_at) {
        mark(tx, id, "overdue", deadline_at).await?;
    }
    Ok(())
}

/// Removes the occurrences ahead of `now` that nobody has delivered yet, with their jobs, so a
/// changed or ended schedule generates afresh.
async fn drop_future(tx: &mut Tx, commitment: i64, now: i64) -> Result<()> {
    let ids: Vec<i64> = tx
        .exec()
        .scalars(
            "SELECT o.id FROM occurrences o WHERE o.commitment_id = $1 AND o.due_at > $2 AND o.status = 'open' \
             AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.occurrence_id = o.id)",
            args![commitment, now],
        )
        .await?;
    for id in ids {
        for job in ["reminder", "overdue"] {
            schedule(tx, "", &format!("occurrence:{id}:{job}"), json!({}), None).await?;
        }
        tx.exec().execute("DELETE FROM occurrence_marks WHERE occurrence_id = $1", args![id]).await?;
        tx.exec().execute("DELETE FROM occurrences WHERE id = $1", args![id]).await?;
    }
    tx.exec().execute("UPDATE commitments SET generated_until = $1 WHERE id = $2", args![now, commitment]).await?;
    Ok(())
}

/// Ends every change to a commitment: records it, generates occurrences from its schedule as it
/// now stands, commits, and returns it as read inside the transaction.
async fn finish_change(
    mut tx: Tx,
    actor: &Actor,
    id: i64,
    action: &str,
    detail: serde_json::Value,
    now: Millis,
) -> Result<Commitment> {
    record_at(&mut tx, actor.person_id, now, "commitment", id, action, detail).await?;
    let (c, until) = commitment_in(tx.exec(), id, now.0).await?;
    generate(&mut tx, &c, until, now.0).await?;
    tx.commit().await?;
    Ok(c)
}

/// Moves the daily generation job to a day from `now` (it reschedules itself when it runs).
async fn schedule_generation(tx: &mut Tx, now: i64) -> Result<()> {
    schedule(tx, COMMITMENTS_GENERATE, "commitments:generate", json!({}), Some(now + DAY_MS)).await
}

/// Resolves an email to an active member of `team`, or says why not.
async fn member(exec: Exec<'_>, email: &str, team: TeamId, field: &'static str, team_name: &str) -> Result<PersonId> {
    let id: Option<i64> = exec
        .scalar_opt(
            "SELECT p.id FROM people p JOIN team_members tm ON tm.person_id = p.id \
             WHERE p.email = $1 AND tm.team_id = $2 AND p.active",
            args![email, team],
        )
        .await?;
    id.map(PersonId)
        .ok_or_else(|| Invalid::one(field, format!("{email} is not an active member of {team_name}")).into())
}

/// A team named in a form field, or the field's error.
async fn team_field(exec: Exec<'_>, key: &str, field: &'static str) -> Result<std::result::Result<TeamId, FieldError>> {
    let key = key.trim().to_uppercase();
    if key.is_empty() {
        return Ok(Err(FieldError::new(field, "choose a team")));
    }
    Ok(team_id_by_key(exec, &key)
        .await?
        .ok_or_else(|| FieldError::new(field, format!("there is no team with the key {key}"))))
}

/// Who hears for the receiving team: its contacts on the relationship with the provider, or else its leads.
async fn receiver_contacts(mut exec: Exec<'_>, provider: TeamId, receiver: TeamId) -> Result<Vec<PersonId>> {
    let contacts: Vec<i64> = exec
        .reborrow()
        .scalars(
            "SELECT rc.person_id FROM relationship_contacts rc JOIN relationships r ON r.id = rc.relationship_id \
             WHERE r.supplier_id = $1 AND r.customer_id = $2 AND rc.side = 'customer'",
            args![provider, receiver],
        )
        .await?;
    if !contacts.is_empty() {
        return Ok(contacts.into_iter().map(PersonId).collect());
    }
    team_leads(exec, receiver).await
}

pub(crate) async fn team_leads(exec: Exec<'_>, team: TeamId) -> Result<Vec<PersonId>> {
    let ids: Vec<i64> = exec
        .scalars(
            "SELECT tm.person_id FROM team_members tm JOIN people p ON p.id = tm.person_id \
             WHERE tm.team_id = $1 AND tm.role = 'lead' AND p.active",
            args![team],
        )
        .await?;
    Ok(ids.into_iter().map(PersonId).collect())
}

fn owner_and_backup(c: &Commitment) -> Vec<PersonId> {
    std::iter::once(c.owner.id).chain(c.backup.as_ref().map(|b| b.id)).map(PersonId).collect()
}

/// The commitments a provider owes a receiver, and how they went.
#[derive(Debug, Clone)]
pub struct PairRecord {
    /// Key and name.
    pub provider: (String, String),
    pub receiver: (String, String),
    pub commitments: i64,
    pub record: OnTimeRecord,
}

/// Which occurrences to list.
#[derive(Debug, Clone, Copy, Default)]
pub struct OccurrenceFilter {
    pub commitment: Option<i64>,
    /// Occurrences this team delivers.
    pub provider: Option<TeamId>,
    /// Occurrences this team receives.
    pub receiver: Option<TeamId>,
    /// Occurrences of either team.
    pub team: Option<TeamId>,
    /// Occurrences this person owns or backs up.
    pub person: Option<PersonId>,
    /// Not yet accepted.
    pub unfinished: bool,
    /// Read each one's deliveries too.
    pub with_deliveries: bool,
    pub due_after: Option<Millis>,
    pub due_before: Option<Millis>,
}

impl OccurrenceFilter {
    fn sql(&self) -> (String, Vec<Arg>) {
        let mut clauses = vec!["1 = 1".to_owned()];
        let mut values: Vec<Arg> = Vec::new();
        // Each clause names its one parameter `$?`, numbered here in order.
        let mut bind = |clause: &str, value: Vec<Arg>| {
            values.extend(value);
            clauses.push(clause.replace("$?", &format!("${}", values.len())));
        };
        if let Some(c) = self.commitment {
            bind("o.commitment_id = $?", args![c]);
        }
        if let Some(t) = self.provider {
            bind("c.provider_id = $?", args![t]);
        }
        if let Some(t) = self.receiver {
            bind("c.receiver_id = $?", args![t]);
        }
        if let Some(t) = self.team {
            bind("(c.provider_id = $? OR c.receiver_id = $?)", args![t]);
        }
        if let Some(p) = self.person {
            bind("(c.owner_id = $? OR c.backup_id = $?)", args![p]);
        }
        if let Some(t) = self.due_after {
            bind("o.due_at > $?", args![t.0]);
        }
        if let Some(t) = self.due_before {
            bind("o.due_at <= $?", args![t.0]);
        }
        if self.unfinished {
            clauses.push("o.status <> 'accepted'".into());
        }
        (clauses.join(" AND "), values)
    }
}

#[derive(sqlx::FromRow)]
struct FeedRow {
    id: i64,
    person_id: i64,
    team_id: Option<i64>,
    team_key: Option<String>,
    team_name: Option<String>,
    created_at: i64,
    revoked_at: Option<i64>,
}

impl From<&FeedRow> for CalendarFeed {
    fn from(r: &FeedRow) -> Self {
        CalendarFeed {
            id: r.id,
            team_key: r.team_key.clone(),
            team_name: r.team_name.clone(),
            created_at: Millis(r.created_at).to_utc(),
            revoked_at: r.revoked_at.map(|t| Millis(t).to_utc()),
        }
    }
}

const FEED_SELECT: &str = "SELECT f.id, f.person_id, f.team_id, t.key AS team_key, t.name AS team_name, f.created_at, \
     f.revoked_at FROM calendar_feeds f LEFT JOIN teams t ON t.id = f.team_id";

#[derive(Deserialize)]
struct OccurrencePayload {
    occurrence_id: i64,
}

pub(crate) fn occurrence_payload(payload: &str, key: &str) -> Result<i64> {
    serde_json::from_str::<OccurrencePayload>(payload)
        .map(|p| p.occurrence_id)
        .map_err(|e| StoreError::Corrupt(format!("job {key}: {e}")))
}

impl Store {
    /// Adds a commitment as a lead of either team (or an admin) and generates its occurrences.
    pub async fn create_commitment(&self, actor: &Actor, new: NewCommitment, now: Millis) -> Result<Commitment> {
        let (provider, receiver, checked) = self.checked_commitment(&new).await?;
        if !actor.can_manage_either(provider, receiver) {
            return Err(Forbidden("add a commitment between teams you do not lead").into());
        }
        let mut tx = self.db.begin().await?;
        let (owner, backup) = self.people_of(&mut tx, &checked, provider).await?;
        let id: i64 = tx
            .exec()
            .scalar(
                "INSERT INTO commitments (provider_id, receiver_id, title, description, owner_id, backup_id, rule, first_due, \
                 zone, grace_ms, remind_ms, effort_hours, active, generated_until, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, TRUE, $13, $13, $13) RETURNING id",
                args![provider, receiver, &checked.title, &checked.description, owner, backup, &checked.schedule.rule,
                    checked.schedule.first_due_text(), checked.schedule.zone.name(),
                    checked.grace_ms, checked.remind_ms, checked.effort_hours, now.0],
            )
            .await?;
        schedule_generation(&mut tx, now.0).await?;
        let detail = json!({ "title": checked.title, "rule": checked.schedule.rule });
        finish_change(tx, actor, id, "created", detail, now).await
    }

    /// Changes a commitment (leads of either team, admins). Occurrences ahead that nobody
    /// delivered yet are generated again from the new schedule.
    pub async fn edit_commitment(&self, actor: &Actor, id: i64, new: NewCommitment, now: Millis) -> Result<Commitment> {
        let (old, _) = commitment_in(self.db.read(), id, now.0).await?;
        if !old.editable_by(actor) {
            return Err(Forbidden("change a commitment between teams you do not lead").into());
        }
        let new = NewCommitment { provider: old.provider_key.clone(), receiver: old.receiver_key.clone(), ..new };
        let (provider, _, checked) = self.checked_commitment(&new).await?;
        let mut tx = self.db.begin().await?;
        let (owner, backup) = self.people_of(&mut tx, &checked, provider).await?;
        tx.exec()
            .execute(
                "UPDATE commitments SET title = $1, description = $2, owner_id = $3, backup_id = $4, rule = $5, first_due = $6, \
                 zone = $7, grace_ms = $8, remind_ms = $9, effort_hours = $10, updated_at = $11 WHERE id = $12",
                args![&checked.title, &checked.description, owner, backup, &checked.schedule.rule,
                    checked.schedule.first_due_text(), checked.schedule.zone.name(),
                    checked.grace_ms, checked.remind_ms, checked.effort_hours, now.0, id],
            )
            .await?;
        drop_future(&mut tx, id, now.0).await?;
        let detail = json!({ "title": checked.title, "rule": checked.schedule.rule });
        finish_change(tx, actor, id, "edited", detail, now).await
    }

    /// Ends a commitment (no more occurrences) or resumes it.
    pub async fn set_commitment_active(&self, actor: &Actor, id: i64, active: bool, now: Millis) -> Result<Commitment> {
        let (old, _) = commitment_in(self.db.read(), id, now.0).await?;
        if !old.editable_by(actor) {
            return Err(Forbidden("end or resume a commitment between teams you do not lead").into());
        }
        let mut tx = self.db.begin().await?;
        tx.exec()
            .execute("UPDATE commitments SET active = $1, updated_at = $2 WHERE id = $3", args![active, now.0, id])
            .await?;
        drop_future(&mut tx, id, now.0).await?;
        finish_change(tx, actor, id, if active { "resumed" } else { "ended" }, json!({}), now).await
    }

    async fn checked_commitment(&self, new: &NewCommitment) -> Result<(TeamId, TeamId, CheckedCommitment)> {
        let mut errors = Vec::new();
        let provider = team_field(self.db.read(), &new.provider, "provider").await?.map_err(|e| errors.push(e)).ok();
        let receiver = team_field(self.db.read(), &new.receiver, "receiver").await?.map_err(|e| errors.push(e)).ok();
        let zone = match provider {
            Some(p) => calendar_of(self.db.read(), p).await?.zone(),
            None => Calendar::always().zone(),
        };
        let checked = new.check(zone).map_err(|e| errors.extend(e.0)).ok();
        match (provider, receiver, checked) {
            (Some(p), Some(r), Some(c)) if errors.is_empty() => Ok((p, r, c)),
            _ => Err(Invalid(errors).into()),
        }
    }

    async fn people_of(
        &self,
        tx: &mut Tx,
        c: &CheckedCommitment,
        provider: TeamId,
    ) -> Result<(PersonId, Option<PersonId>)> {
        let name: String = tx.exec().scalar("SELECT name FROM teams WHERE id = $1", args![provider]).await?;
        let owner = member(tx.exec(), &c.owner, provider, "owner", &name).await;
        let backup = match &c.backup {
            Some(b) => Some(member(tx.exec(), b, provider, "backup", &name).await),
            None => None,
        };
        match (owner, backup) {
            (Ok(o), None) => Ok((o, None)),
            (Ok(o), Some(Ok(b))) => Ok((o, Some(b))),
            (Err(StoreError::Invalid(mut a)), Some(Err(StoreError::Invalid(b)))) => {
                a.0.extend(b.0);
                Err(a.into())
            }
            (Err(e), _) | (_, Some(Err(e))) => Err(e),
        }
    }

    pub async fn commitment(&self, id: i64, now: Millis) -> Result<Commitment> {
        Ok(commitment_in(self.db.read(), id, now.0).await?.0)
    }

    /// Commitments a team delivers or receives (all with `None`), active ones first.
    pub async fn commitments(&self, team: Option<TeamId>, now: Millis) -> Result<Vec<Commitment>> {
        let rows: Vec<CommitmentRow> = self
            .db
            .read()
            .all(
                &format!(
                    "{} ORDER BY c.active DESC, pt.key, rt.key, c.title",
                    commitment_query("($2 = 0 OR c.provider_id = $2 OR c.receiver_id = $2)")
                ),
                args![now.0, team.map_or(0, |t| t.0)],
            )
            .await?;
        Ok(rows.into_iter().map(Commitment::from).collect())
    }

    /// Occurrences matching `filter`, by due time (latest first when `newest_first`).
    pub async fn occurrences(
        &self,
        filter: OccurrenceFilter,
        now: Millis,
        newest_first: bool,
        limit: i64,
    ) -> Result<Vec<Occurrence>> {
        self.occurrence_slice(&filter, now, newest_first, limit, 0).await
    }

    /// One page of occurrences by due time, with the total that match.
    pub async fn occurrence_page(
        &self,
        filter: OccurrenceFilter,
        now: Millis,
        page: PageRequest,
    ) -> Result<Page<Occurrence>> {
        let (clause, values) = filter.sql();
        let total: i64 = self
            .db
            .read()
            .scalar(
                &format!(
                    "SELECT COUNT(*) FROM occurrences o JOIN commitments c ON c.id = o.commitment_id WHERE {clause}"
                ),
                values,
            )
            .await?;
        let offset = i64::try_from(page.offset()).unwrap_or(i64::MAX);
        let items = self.occurrence_slice(&filter, now, false, page.limit().into(), offset).await?;
        Ok(Page::new(items, u64::try_from(total).unwrap_or(0), page))
    }

    async fn occurrence_slice(
        &self,
        filter: &OccurrenceFilter,
        now: Millis,
        newest_first: bool,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Occurrence>> {
        let (clause, mut values) = filter.sql();
        let n = values.len();
        values.extend(args![limit, offset]);
        let order = if newest_first { "DESC" } else { "ASC" };
        let rows: Vec<OccurrenceRow> = self
            .db
            .read()
            .all(
                &format!(
                    "{OCCURRENCE_SELECT} WHERE {clause} ORDER BY o.due_at {order}, o.id LIMIT ${} OFFSET ${}",
                    n + 1,
                    n + 2
                ),
                values,
            )
            .await?;
        hydrate(self.db.read(), rows, now.0, filter.with_deliveries).await
    }

    /// One occurrence with its deliveries, and its commitment.
    pub async fn occurrence(&self, id: i64, now: Millis) -> Result<(Occurrence, Commitment)> {
        let row: OccurrenceRow = self
            .db
            .read()
            .optional(&format!("{OCCURRENCE_SELECT} WHERE o.id = $1"), args![id])
            .await?
            .ok_or(StoreError::NotFound("occurrence"))?;
        let commitment = self.commitment(row.commitment_id, now).await?;
        let occurrence =
            hydrate(self.db.read(), vec![row], now.0, true).await?.pop().ok_or(StoreError::NotFound("occurrence"))?;
        Ok((occurrence, commitment))
    }

    /// Open occurrences a team delivers (`owed`) or receives, due within two weeks or overdue:
    /// the late ones first, then by due time.
    pub async fn commitments_due(&self, team: TeamId, owed: bool, now: Millis) -> Result<Vec<Occurrence>> {
        let filter = OccurrenceFilter {
            provider: owed.then_some(team),
            receiver: (!owed).then_some(team),
            unfinished: true,
            due_before: Some(Millis(now.0 + OWED_AHEAD_MS)),
            ..Default::default()
        };
        let mut list = self.occurrences(filter, now, false, 500).await?;
        list.retain(|o| o.status != OccurrenceStatus::Delivered || !owed);
        list.sort_by_key(|o| (std::cmp::Reverse(o.late_ms > 0), std::cmp::Reverse(o.waited_ms), o.due_at));
        Ok(list)
    }

    /// Marks an occurrence delivered, with a note, a link or a file.
    pub async fn deliver(
        &self,
        actor: &Actor,
        occurrence: i64,
        new: NewDelivery,
        file: Option<(String, Vec<u8>)>,
        now: Millis,
    ) -> Result<Occurrence> {
        let Some(me) = actor.person_id else { return Err(Forbidden("deliver without a person").into()) };
        let (occ, c) = self.occurrence(occurrence, now).await?;
        if !c.deliverable_by(actor) {
            return Err(Forbidden("deliver for a team you are not in").into());
        }
        let file = match file {
            Some((name, data)) if !data.is_empty() => {
                let name = concentric_core::attachment::clean_filename(&name)?;
                let kind = concentric_core::attachment::sniff(&data);
                Some((name, kind, data))
            }
            _ => None,
        };
        let (note, link) = new.check(file.is_some())?;
        occ.status.after(Step::Deliver)?;
        let mut tx = self.db.begin().await?;
        let changed = tx
            .exec()
            .execute(
                "UPDATE occurrences SET status = 'delivered', delivered_at = $1 WHERE id = $2 AND status = 'open'",
                args![now.0, occurrence],
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::IllegalTransition("someone else delivered this occurrence meanwhile".into()));
        }
        let (file_name, file_type, file_data) = match file {
            Some((n, k, d)) => (Some(n), Some(k), Some(d)),
            None => (None, None, None),
        };
        tx.exec()
            .execute(
                "INSERT INTO deliveries (occurrence_id, delivered_by, delivered_at, note, link, file_name, file_type, file_data) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                args![occurrence, me, now.0, &note, link.clone(), file_name.clone(), file_type, file_data],
            )
            .await?;
        let event = record_at(
            &mut tx,
            actor.person_id,
            now,
            "commitment",
            c.id,
            "delivered",
            delivery_detail(occ.due_at, &note, link.as_deref(), file_name.as_deref()),
        )
        .await?;
        let recipients = receiver_contacts(tx.exec(), c.provider_id, c.receiver_id).await?;
        let said = Said::CommitmentDelivered {
            commitment: c.id,
            title: c.title.clone(),
            provider: c.provider_name.clone(),
            due: occ.due_at.format("%-d %b").to_string(),
        };
        notify(&mut tx, actor, &[Notice::new(said, event).to(&recipients)]).await?;
        emit(&mut tx, WebhookEvent::commitment(Hook::CommitmentDelivered, &c, occ.due_at, now.to_utc()), event).await?;
        tx.commit().await?;
        Ok(self.occurrence(occurrence, now).await?.0)
    }

    /// The receiver accepts the standing delivery, or sends it back with a reason (which reopens it).
    pub async fn answer_delivery(
        &self,
        actor: &Actor,
        occurrence: i64,
        accept: bool,
        reason: &str,
        now: Millis,
    ) -> Result<Occurrence> {
        let (occ, c) = self.occurrence(occurrence, now).await?;
        if !c.receivable_by(actor) {
            return Err(Forbidden("answer a delivery made to a team you are not in").into());
        }
        let reason = reason.trim();
        if !accept && reason.is_empty() {
            return Err(Invalid::one("reason", "say what is missing, so the owner can complete it").into());
        }
        occ.status.after(if accept { Step::Accept } else { Step::SendBack })?;
        let mut tx = self.db.begin().await?;
        let (sql, values) = if accept {
            (
                "UPDATE occurrences SET status = 'accepted', accepted_at = $1 WHERE id = $2 AND status = 'delivered'",
                args![now.0, occurrence],
            )
        } else {
            (
                "UPDATE occurrences SET status = 'open', delivered_at = NULL, sent_back = sent_back + 1 \
                 WHERE id = $1 AND status = 'delivered'",
                args![occurrence],
            )
        };
        if tx.exec().execute(sql, values).await? == 0 {
            return Err(StoreError::IllegalTransition("someone else answered this delivery meanwhile".into()));
        }
        let outcome = if accept { "accepted" } else { "sent_back" };
        tx.exec()
            .execute(
                "UPDATE deliveries SET outcome = $1, answered_by = $2, answered_at = $3, reason = $4 \
                 WHERE occurrence_id = $5 AND outcome IS NULL",
                args![outcome, actor.person_id, now.0, reason, occurrence],
            )
            .await?;
        let event = record_at(
            &mut tx,
            actor.person_id,
            now,
            "commitment",
            c.id,
            outcome,
            json!({ "due": due_text(occ.due_at), "reason": reason }),
        )
        .await?;
        let (title, receiver, due) =
            (c.title.clone(), c.receiver_name.clone(), occ.due_at.format("%-d %b").to_string());
        let said = if accept {
            Said::CommitmentAccepted { commitment: c.id, title, receiver, due }
        } else {
            Said::CommitmentSentBack { commitment: c.id, title, receiver, due, reason: reason.to_string() }
        };
        notify(&mut tx, actor, &[Notice::new(said, event).to(&owner_and_backup(&c))]).await?;
        if !accept {
            // Reopened after its deadline: the overdue notice, if not yet made, is due now.
            schedule(
                &mut tx,
                OCCURRENCE_OVERDUE,
                &format!("occurrence:{occurrence}:overdue"),
                json!({ "occurrence_id": occurrence }),
                Some(occ.deadline_at.timestamp_millis().max(now.0)),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(self.occurrence(occurrence, now).await?.0)
    }

    /// A delivered file, for the two teams and admins.
    pub async fn delivery_file(&self, actor: &Actor, delivery: i64, now: Millis) -> Result<(String, String, Vec<u8>)> {
        #[derive(sqlx::FromRow)]
        struct FileRow {
            occurrence_id: i64,
            file_name: Option<String>,
            file_type: Option<String>,
            file_data: Option<Vec<u8>>,
        }
        let row: Option<FileRow> = self
            .db
            .read()
            .optional(
                "SELECT occurrence_id, file_name, file_type, file_data FROM deliveries WHERE id = $1",
                args![delivery],
            )
            .await?;
        let Some(FileRow {
            occurrence_id: occurrence,
            file_name: Some(name),
            file_type: Some(kind),
            file_data: Some(data),
        }) = row
        else {
            return Err(StoreError::NotFound("file"));
        };
        let (_, c) = self.occurrence(occurrence, now).await?;
        if !c.deliverable_by(actor) && !c.receivable_by(actor) {
            return Err(StoreError::NotFound("file"));
        }
        Ok((name, kind, data))
    }

    /// Reminds the owner of an occurrence still open: once, whichever node runs the job.
    pub(crate) async fn remind_occurrence(&self, occurrence: i64, now: Millis) -> Result<bool> {
        let mut tx = self.db.begin().await?;
        let Some((c, due, _, status)) = self.occurrence_state(&mut tx, occurrence, now).await? else {
            return Ok(false);
        };
        if status != "open" || !mark(&mut tx, occurrence, "reminded", now.0).await? {
            return Ok(false);
        }
        let when = concentric_core::commitment::local(Millis(due).to_utc(), &c.zone);
        let event = record_at(
            &mut tx,
            None,
            now,
            "commitment",
            c.id,
            "reminded",
            json!({ "due": due_text(Millis(due).to_utc()) }),
        )
        .await?;
        let said = Said::CommitmentReminder {
            commitment: c.id,
            title: c.title.clone(),
            receiver: c.receiver_name.clone(),
            when: when.to_string(),
        };
        notify(&mut tx, &Actor::system(), &[Notice::new(said, event).to(&[PersonId(c.owner.id)])]).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Past its deadline and still open: tells the owner, backup and provider leads it is
    /// overdue, and the receiver's contacts that it is late. Once per occurrence.
    pub(crate) async fn occurrence_overdue(&self, occurrence: i64, now: Millis) -> Result<bool> {
        let mut tx = self.db.begin().await?;
        let Some((c, due, deadline_at, status)) = self.occurrence_state(&mut tx, occurrence, now).await? else {
            return Ok(false);
        };
        if status != "open" || now.0 < deadline_at || !mark(&mut tx, occurrence, "overdue", now.0).await? {
            return Ok(false);
        }
        let due_day = Millis(due).to_utc().format("%-d %b").to_string();
        let event = record_at(
            &mut tx,
            None,
            now,
            "commitment",
            c.id,
            "overdue",
            json!({ "due": due_text(Millis(due).to_utc()) }),
        )
        .await?;
        let mut provider = owner_and_backup(&c);
        provider.extend(team_leads(tx.exec(), c.provider_id).await?);
        provider.sort_by_key(|p| p.0);
        provider.dedup();
        let receiver = receiver_contacts(tx.exec(), c.provider_id, c.receiver_id).await?;
        let notices = [
            Notice::new(
                Said::CommitmentOverdue {
                    commitment: c.id,
                    title: c.title.clone(),
                    receiver: c.receiver_name.clone(),
                    due: due_day.clone(),
                },
                event,
            )
            .to(&provider),
            Notice::new(
                Said::CommitmentLate {
                    commitment: c.id,
                    title: c.title.clone(),
                    provider: c.provider_name.clone(),
                    due: due_day,
                },
                event,
            )
            .to(&receiver),
        ];
        notify(&mut tx, &Actor::system(), &notices).await?;
        let late = WebhookEvent::commitment(Hook::CommitmentLate, &c, Millis(due).to_utc(), now.to_utc());
        emit(&mut tx, late, event).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn occurrence_state(
        &self,
        tx: &mut Tx,
        occurrence: i64,
        now: Millis,
    ) -> Result<Option<(Commitment, i64, i64, String)>> {
        let row: Option<(i64, i64, i64, String)> = tx
            .exec()
            .optional(
                "SELECT commitment_id, due_at, deadline_at, status FROM occurrences WHERE id = $1",
                args![occurrence],
            )
            .await?;
        let Some((commitment, due, deadline_at, status)) = row else { return Ok(None) };
        let (c, _) = commitment_in(tx.exec(), commitment, now.0).await?;
        Ok(Some((c, due, deadline_at, status)))
    }

    /// Generates occurrences ahead for every active commitment; the daily job.
    pub async fn generate_occurrences(&self, now: Millis) -> Result<usize> {
        let mut made = 0;
        let active: Vec<i64> = self.db.read().scalars("SELECT id FROM commitments WHERE active", args![]).await?;
        for id in active {
            let mut tx = self.db.begin().await?;
            let (c, until) = commitment_in(tx.exec(), id, now.0).await?;
            made += generate(&mut tx, &c, until, now.0).await?;
            tx.commit().await?;
        }
        let mut tx = self.db.begin().await?;
        schedule_generation(&mut tx, now.0).await?;
        tx.commit().await?;
        Ok(made)
    }

    /// On-time record by month of due date, since `since`: of a commitment, or of what a team
    /// delivers (`provider`) or receives.
    pub async fn on_time_months(
        &self,
        since: Millis,
        now: Millis,
        commitment: Option<i64>,
        provider: Option<TeamId>,
        receiver: Option<TeamId>,
    ) -> Result<Vec<OnTimeMonth>> {
        let month = match self.backend() {
            Backend::Sqlite => "strftime('%Y-%m', o.due_at / 1000, 'unixepoch')",
            Backend::Postgres => "to_char(to_timestamp(o.due_at / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM')",
        };
        let rows: Vec<(String, i64, i64)> = self
            .db
            .read()
            .all(
                &format!(
                    "SELECT {month} AS month, {} FROM occurrences o JOIN commitments c ON c.id = o.commitment_id \
                     WHERE o.due_at >= $2 AND o.due_at <= $1 AND ($3 = 0 OR c.id = $3) AND ($4 = 0 OR c.provider_id = $4) \
                     AND ($5 = 0 OR c.receiver_id = $5) GROUP BY {month} ORDER BY month",
                    record_sums("o", "$1")
                ),
                args![now.0, since.0, commitment.unwrap_or(0), provider.map_or(0, |t| t.0), receiver.map_or(0, |t| t.0)],
            )
            .await?;
        Ok(rows.into_iter().map(|(month, on_time, late)| OnTimeMonth { month, on_time, late }).collect())
    }

    /// On-time records of every provider → receiver pair since `since`, for the network's edges.
    pub async fn commitment_traffic(&self, since: Millis, now: Millis) -> Result<Vec<PairRecord>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            provider_key: String,
            provider_name: String,
            receiver_key: String,
            receiver_name: String,
            commitments: i64,
            on_time: i64,
            late: i64,
        }
        let rows: Vec<Row> = self
            .db
            .read()
            .all(
                &format!(
                    "SELECT pt.key AS provider_key, pt.name AS provider_name, rt.key AS receiver_key, \
                     rt.name AS receiver_name, COUNT(DISTINCT c.id) AS commitments, {} FROM commitments c \
                     JOIN teams pt ON pt.id = c.provider_id JOIN teams rt ON rt.id = c.receiver_id \
                     LEFT JOIN occurrences o ON o.commitment_id = c.id AND o.due_at >= $2 AND o.due_at <= $1 \
                     GROUP BY pt.key, pt.name, rt.key, rt.name",
                    record_sums("o", "$1")
                ),
                args![now.0, since.0],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| PairRecord {
                provider: (r.provider_key, r.provider_name),
                receiver: (r.receiver_key, r.receiver_name),
                commitments: r.commitments,
                record: OnTimeRecord { on_time: r.on_time, late: r.late },
            })
            .collect())
    }

    /// Makes a calendar feed for the actor, of their own occurrences or of a team's (members and
    /// admins). Only the token's hash is kept.
    pub async fn create_feed(&self, actor: &Actor, team: Option<TeamId>, token_hash: &str) -> Result<CalendarFeed> {
        let Some(me) = actor.person_id else { return Err(Forbidden("make a feed without a person").into()) };
        if let Some(t) = team {
            if !actor.works_in(t) {
                return Err(Forbidden("subscribe to the calendar of a team you are not in").into());
            }
        }
        let mut tx = self.db.begin().await?;
        let id: i64 = tx
            .exec()
            .scalar(
                "INSERT INTO calendar_feeds (token_hash, person_id, team_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                args![token_hash, me, team, Millis::now().0],
            )
            .await?;
        let row: FeedRow = tx
            .exec()
            .optional(&format!("{FEED_SELECT} WHERE f.id = $1"), args![id])
            .await?
            .ok_or(StoreError::NotFound("feed"))?;
        tx.commit().await?;
        Ok((&row).into())
    }

    /// The actor's feeds, live ones first.
    pub async fn feeds(&self, actor: &Actor) -> Result<Vec<CalendarFeed>> {
        let me = actor.person_id.map_or(-1, |p| p.0);
        let rows: Vec<FeedRow> = self
            .db
            .read()
            .all(
                &format!("{FEED_SELECT} WHERE f.person_id = $1 ORDER BY f.revoked_at IS NOT NULL, f.created_at DESC"),
                args![me],
            )
            .await?;
        Ok(rows.iter().map(CalendarFeed::from).collect())
    }

    /// Revokes one of the actor's feeds: its address stops working at once.
    pub async fn revoke_feed(&self, actor: &Actor, id: i64) -> Result<()> {
        let me = actor.person_id.map_or(-1, |p| p.0);
        let n = self
            .db
            .write()
            .execute(
                "UPDATE calendar_feeds SET revoked_at = $1 WHERE id = $2 AND person_id = $3 AND revoked_at IS NULL",
                args![Millis::now().0, id, me],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound("feed"));
        }
        Ok(())
    }

    /// The feed a token opens, with its name and occurrences from a week back to the horizon.
    /// A revoked token, or one whose owner left or lost the team, opens nothing.
    /// With the occurrences come the open action items: the person's own, or those the team owes.
    #[allow(clippy::type_complexity)]
    pub async fn feed_by_token(
        &self,
        token_hash: &str,
        now: Millis,
    ) -> Result<Option<(String, Vec<Occurrence>, Vec<concentric_core::review::ActionItem>)>> {
        let row: Option<FeedRow> = self
            .db
            .read()
            .optional(&format!("{FEED_SELECT} WHERE f.token_hash = $1 AND f.revoked_at IS NULL"), args![token_hash])
            .await?;
        let Some(row) = row else { return Ok(None) };
        let actor = match self.actor_for(PersonId(row.person_id)).await {
            Ok(a) => a,
            Err(StoreError::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut filter = OccurrenceFilter {
            due_after: Some(Millis(now.0 - 7 * DAY_MS)),
            due_before: Some(Millis(now.0 + HORIZON_MS)),
            ..Default::default()
        };
        let mut actions = crate::reviews::ActionFilter { open: true, ..Default::default() };
        let name = match (row.team_id, row.team_name) {
            (Some(t), Some(name)) => {
                if !actor.works_in(TeamId(t)) {
                    return Ok(None);
                }
                filter.team = Some(TeamId(t));
                actions.owed_by = Some(TeamId(t));
                format!("{name}: commitments and action items")
            }
            _ => {
                filter.person = Some(PersonId(row.person_id));
                actions.owner = Some(PersonId(row.person_id));
                "My commitments and action items".to_owned()
            }
        };
        let actions = crate::reviews::actions_in(self.db.read(), actions, now.0).await?;
        Ok(Some((name, self.occurrences(filter, now, false, 1000).await?, actions)))
    }
}

/// A due time as the history shows it.
fn due_text(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%-d %b %Y %H:%M UTC").to_string()
}

/// What a delivery held, for the history: only the parts it had.
fn delivery_detail(
    due: chrono::DateTime<chrono::Utc>,
    note: &str,
    link: Option<&str>,
    file: Option<&str>,
) -> serde_json::Value {
    let mut detail = json!({ "due": due_text(due) });
    for (key, value) in [("note", Some(note).filter(|n| !n.is_empty())), ("link", link), ("file", file)] {
        if let Some(v) = value {
            detail[key] = json!(v);
        }
    }
    detail
}

async fn mark(tx: &mut Tx, occurrence: i64, mark: &str, now: i64) -> Result<bool> {
    let inserted = tx
        .exec()
        .execute(
            "INSERT INTO occurrence_marks (occurrence_id, mark, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            args![occurrence, mark, now],
        )
        .await?;
    Ok(inserted > 0)
}
