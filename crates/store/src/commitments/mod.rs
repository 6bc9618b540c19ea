//! Commitments: created, changed and ended by the leads of either team, their occurrences
//! generated ahead of time, and their on-time records. Listing occurrences (`occurrences`),
//! delivering and answering them with their reminders and overdue notices (`deliveries`), and the
//! calendar feeds (`feeds`) are submodules that share this module's imports and helpers.

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

mod deliveries;
mod feeds;
mod occurrences;

pub use occurrences::OccurrenceFilter;

const DAY_MS: i64 = 86_400_000;

crate::db::row! {
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
            schedule_text: concentric_core::recurrence::describe(&r.rule, &r.first_due, &r.zone),
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

fn commitment_in(exec: Exec<'_>, id: i64, now: i64) -> Result<(Commitment, i64)> {
    let row: CommitmentRow =
        exec.optional(&commitment_query("c.id = $2"), args![now, id])?.ok_or(StoreError::NotFound("commitment"))?;
    let until = row.generated_until;
    Ok((row.into(), until))
}

/// Creates the occurrences of a commitment due up to `now` plus the horizon, with their reminder
/// and overdue jobs. Returns how many were added.
fn generate(tx: &mut Tx, c: &Commitment, generated_until: i64, now: i64) -> Result<usize> {
    let Some(schedule) = c.schedule() else {
        return Err(StoreError::Corrupt(format!("commitment {}: schedule", c.id)));
    };
    let until = now + HORIZON_MS;
    if !c.active || generated_until >= until {
        return Ok(0);
    }
    let from = generated_until.max(now);
    let provider = calendar_of(tx.exec(), c.provider_id)?;
    let dues = schedule.dues_between(from, until, MAX_AHEAD);
    for &due in &dues {
        let deadline_at = deadline(due, c.grace_ms, &provider);
        let id: Option<i64> = tx.exec().insert_new_id(
            "INSERT INTO occurrences (commitment_id, due_at, deadline_at, status) VALUES ($1, $2, $3, 'open') \
                 ON CONFLICT (commitment_id, due_at) DO NOTHING",
            args![c.id, due, deadline_at],
        )?;
        if let Some(id) = id {
            schedule_occurrence_jobs(tx, id, due, deadline_at, c.remind_ms, now)?;
        }
    }
    // With the cap reached, generation resumes after the last due time made.
    let reached = if dues.len() >= usize::from(MAX_AHEAD) { dues.last().copied().unwrap_or(until) } else { until };
    tx.exec().execute("UPDATE commitments SET generated_until = $1 WHERE id = $2", args![reached, c.id])?;
    Ok(dues.len())
}

fn schedule_occurrence_jobs(tx: &mut Tx, id: i64, due: i64, deadline: i64, remind_ms: i64, now: i64) -> Result<()> {
    let payload = json!({ "occurrence_id": id });
    let remind_at = (remind_ms > 0).then(|| due - remind_ms).filter(|at| *at < due);
    schedule(
        tx,
        OCCURRENCE_REMINDER,
        &format!("occurrence:{id}:reminder"),
        payload.clone(),
        remind_at.map(|at| at.max(now)),
    )?;
    schedule(tx, OCCURRENCE_OVERDUE, &format!("occurrence:{id}:overdue"), payload, Some(deadline.max(now)))
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
pub(crate) fn restore_occurrence(
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
    let id: i64 = tx.exec().insert_id(
        "INSERT INTO occurrences (commitment_id, due_at, deadline_at, status, delivered_at, accepted_at, sent_back) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        args![c.id, due, deadline_at, status, delivered, accepted, sent_back],
    )?;
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
            )?;
    }
    mark(tx, id, "reminded", due)?;
    if status == "open" {
        schedule(
            tx,
            OCCURRENCE_OVERDUE,
            &format!("occurrence:{id}:overdue"),
            json!({ "occurrence_id": id }),
            Some(deadline_at.max(now)),
        )?;
    } else if delivered.is_some_and(|at| at > deadline_at) {
        mark(tx, id, "overdue", deadline_at)?;
    }
    Ok(())
}

/// Removes the occurrences ahead of `now` that nobody has delivered yet, with their jobs, so a
/// changed or ended schedule generates afresh.
fn drop_future(tx: &mut Tx, commitment: i64, now: i64) -> Result<()> {
    let ids: Vec<i64> = tx.exec().scalars(
        "SELECT o.id FROM occurrences o WHERE o.commitment_id = $1 AND o.due_at > $2 AND o.status = 'open' \
             AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.occurrence_id = o.id)",
        args![commitment, now],
    )?;
    for id in ids {
        for job in ["reminder", "overdue"] {
            schedule(tx, "", &format!("occurrence:{id}:{job}"), json!({}), None)?;
        }
        tx.exec().execute("DELETE FROM occurrence_marks WHERE occurrence_id = $1", args![id])?;
        tx.exec().execute("DELETE FROM occurrences WHERE id = $1", args![id])?;
    }
    tx.exec().execute("UPDATE commitments SET generated_until = $1 WHERE id = $2", args![now, commitment])?;
    Ok(())
}

/// Ends every change to a commitment: records it, generates occurrences from its schedule as it
/// now stands, commits, and returns it as read inside the transaction.
fn finish_change(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: i64,
    action: &str,
    detail: serde_json::Value,
    now: Millis,
) -> Result<Commitment> {
    record_at(tx, actor.person_id, now, "commitment", id, action, detail)?;
    let (c, until) = commitment_in(tx.exec(), id, now.0)?;
    generate(tx, &c, until, now.0)?;
    Ok(c)
}

/// Moves the daily generation job to a day from `now` (it reschedules itself when it runs).
fn schedule_generation(tx: &mut Tx, now: i64) -> Result<()> {
    schedule(tx, COMMITMENTS_GENERATE, "commitments:generate", json!({}), Some(now + DAY_MS))
}

/// Resolves an email to an active member of `team`, or says why not.
fn member(exec: Exec<'_>, email: &str, team: TeamId, field: &'static str, team_name: &str) -> Result<PersonId> {
    let id: Option<i64> = exec.scalar_opt(
        "SELECT p.id FROM people p JOIN team_members tm ON tm.person_id = p.id \
             WHERE p.email = $1 AND tm.team_id = $2 AND p.active",
        args![email, team],
    )?;
    id.map(PersonId)
        .ok_or_else(|| Invalid::one(field, format!("{email} is not an active member of {team_name}")).into())
}

/// A team named in a form field, or the field's error.
fn team_field(exec: Exec<'_>, key: &str, field: &'static str) -> Result<std::result::Result<TeamId, FieldError>> {
    let key = key.trim().to_uppercase();
    if key.is_empty() {
        return Ok(Err(FieldError::new(field, "choose a team")));
    }
    Ok(team_id_by_key(exec, &key)?
        .ok_or_else(|| FieldError::new(field, format!("there is no team with the key {key}"))))
}

/// Who hears for the receiving team: its contacts on the relationship with the provider, or else its leads.
fn receiver_contacts(mut exec: Exec<'_>, provider: TeamId, receiver: TeamId) -> Result<Vec<PersonId>> {
    let contacts: Vec<i64> = exec.reborrow().scalars(
        "SELECT rc.person_id FROM relationship_contacts rc JOIN relationships r ON r.id = rc.relationship_id \
             WHERE r.supplier_id = $1 AND r.customer_id = $2 AND rc.side = 'customer'",
        args![provider, receiver],
    )?;
    if !contacts.is_empty() {
        return Ok(contacts.into_iter().map(PersonId).collect());
    }
    team_leads(exec, receiver)
}

pub(crate) fn team_leads(exec: Exec<'_>, team: TeamId) -> Result<Vec<PersonId>> {
    let ids: Vec<i64> = exec.scalars(
        "SELECT tm.person_id FROM team_members tm JOIN people p ON p.id = tm.person_id \
             WHERE tm.team_id = $1 AND tm.role = 'lead' AND p.active",
        args![team],
    )?;
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

#[derive(Deserialize)]
struct OccurrencePayload {
    occurrence_id: i64,
}

pub(crate) fn occurrence_payload(payload: &str, key: &str) -> Result<i64> {
    serde_json::from_str::<OccurrencePayload>(payload)
        .map(|p| p.occurrence_id)
        .map_err(|e| StoreError::Corrupt(format!("job {key}: {e}")))
}

/// Adds a commitment inside a unit of work; see [`Store::create_commitment`].
pub(crate) fn create_commitment_in(
    tx: &mut Tx<'_>,
    actor: &Actor,
    new: &NewCommitment,
    now: Millis,
) -> Result<Commitment> {
    let (provider, receiver, checked) = checked_commitment(tx, new)?;
    if !actor.can_manage_either(provider, receiver) {
        return Err(Forbidden("add a commitment between teams you do not lead").into());
    }
    let (owner, backup) = people_of(tx, &checked, provider)?;

    let id: i64 = tx.exec().insert_id(
        "INSERT INTO commitments (provider_id, receiver_id, title, description, owner_id, backup_id, rule, first_due, \
             zone, grace_ms, remind_ms, effort_hours, active, generated_until, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, TRUE, $13, $13, $13)",
        args![
            provider,
            receiver,
            &checked.title,
            &checked.description,
            owner,
            backup,
            &checked.schedule.rule,
            checked.schedule.first_due_text(),
            checked.schedule.zone.name(),
            checked.grace_ms,
            checked.remind_ms,
            checked.effort_hours,
            now.0
        ],
    )?;
    schedule_generation(tx, now.0)?;
    let detail = json!({ "title": checked.title, "rule": checked.schedule.rule });
    finish_change(tx, actor, id, "created", detail, now)
}

/// A commitment's teams and fields, checked: every problem at once.
fn checked_commitment(tx: &mut Tx<'_>, new: &NewCommitment) -> Result<(TeamId, TeamId, CheckedCommitment)> {
    let mut errors = Vec::new();
    let provider = team_field(tx.exec(), &new.provider, "provider")?.map_err(|e| errors.push(e)).ok();
    let receiver = team_field(tx.exec(), &new.receiver, "receiver")?.map_err(|e| errors.push(e)).ok();
    let zone = match provider {
        Some(p) => calendar_of(tx.exec(), p)?.zone(),
        None => Calendar::always().zone(),
    };
    let checked = new.check(zone).map_err(|e| errors.extend(e.0)).ok();
    match (provider, receiver, checked) {
        (Some(p), Some(r), Some(c)) if errors.is_empty() => Ok((p, r, c)),
        _ => Err(Invalid(errors).into()),
    }
}

/// The owner and backup a commitment names, both members of the providing team.
fn people_of(tx: &mut Tx<'_>, c: &CheckedCommitment, provider: TeamId) -> Result<(PersonId, Option<PersonId>)> {
    let name: String = tx.exec().scalar("SELECT name FROM teams WHERE id = $1", args![provider])?;
    let owner = member(tx.exec(), &c.owner, provider, "owner", &name);
    let backup = c.backup.as_ref().map(|b| member(tx.exec(), b, provider, "backup", &name));
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

impl Store {
    /// Adds a commitment as a lead of either team (or an admin) and generates its occurrences.
    #[tracing::instrument(skip_all)]
    pub async fn create_commitment(&self, actor: &Actor, new: NewCommitment, now: Millis) -> Result<Commitment> {
        let actor = actor.clone();
        self.db.write(move |mut tx| create_commitment_in(&mut tx, &actor, &new, now)).await
    }

    /// Changes a commitment (leads of either team, admins). Occurrences ahead that nobody
    /// delivered yet are generated again from the new schedule.
    #[tracing::instrument(skip_all)]
    pub async fn edit_commitment(&self, actor: &Actor, id: i64, new: NewCommitment, now: Millis) -> Result<Commitment> {
        let actor = actor.clone();
        self.db.write(move |mut tx| {
        let actor = &actor;
        let (old, _) = commitment_in(tx.exec(), id, now.0)?;
        if !old.editable_by(actor) {
            return Err(Forbidden("change a commitment between teams you do not lead").into());
        }
        let new = NewCommitment { provider: old.provider_key.clone(), receiver: old.receiver_key.clone(), ..new };
        let (provider, _, checked) = checked_commitment(&mut tx, &new)?;
        let (owner, backup) = people_of(&mut tx, &checked, provider)?;
        tx.exec()
            .execute(
                "UPDATE commitments SET title = $1, description = $2, owner_id = $3, backup_id = $4, rule = $5, first_due = $6, \
                 zone = $7, grace_ms = $8, remind_ms = $9, effort_hours = $10, updated_at = $11 WHERE id = $12",
                args![&checked.title, &checked.description, owner, backup, &checked.schedule.rule,
                    checked.schedule.first_due_text(), checked.schedule.zone.name(),
                    checked.grace_ms, checked.remind_ms, checked.effort_hours, now.0, id],
            )?;
        drop_future(&mut tx, id, now.0)?;
        let detail = json!({ "title": checked.title, "rule": checked.schedule.rule });
        finish_change(&mut tx, actor, id, "edited", detail, now)
        })
        .await
    }

    /// Ends a commitment (no more occurrences) or resumes it.
    #[tracing::instrument(skip_all)]
    pub async fn set_commitment_active(&self, actor: &Actor, id: i64, active: bool, now: Millis) -> Result<Commitment> {
        let actor = actor.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                let (old, _) = commitment_in(tx.exec(), id, now.0)?;
                if !old.editable_by(actor) {
                    return Err(Forbidden("end or resume a commitment between teams you do not lead").into());
                }
                tx.exec().execute(
                    "UPDATE commitments SET active = $1, updated_at = $2 WHERE id = $3",
                    args![active, now.0, id],
                )?;
                drop_future(&mut tx, id, now.0)?;
                finish_change(&mut tx, actor, id, if active { "resumed" } else { "ended" }, json!({}), now)
            })
            .await
    }

    #[tracing::instrument(skip_all)]
    pub async fn commitment(&self, id: i64, now: Millis) -> Result<Commitment> {
        self.db.read(move |mut tx| Ok(commitment_in(tx.exec(), id, now.0)?.0)).await
    }

    /// Commitments a team delivers or receives (all with `None`), active ones first.
    #[tracing::instrument(skip_all)]
    pub async fn commitments(&self, team: Option<TeamId>, now: Millis) -> Result<Vec<Commitment>> {
        self.db
            .read(move |mut tx| {
                let rows: Vec<CommitmentRow> = tx.exec().all(
                    &format!(
                        "{} ORDER BY c.active DESC, pt.key, rt.key, c.title",
                        commitment_query("($2 = 0 OR c.provider_id = $2 OR c.receiver_id = $2)")
                    ),
                    args![now.0, team.map_or(0, |t| t.0)],
                )?;
                Ok(rows.into_iter().map(Commitment::from).collect())
            })
            .await
    }

    /// Generates occurrences ahead for every active commitment; the daily job.
    #[tracing::instrument(skip_all)]
    pub async fn generate_occurrences(&self, now: Millis) -> Result<usize> {
        self.db
            .write(move |mut tx| {
                let mut made = 0;
                let active: Vec<i64> = tx.exec().scalars("SELECT id FROM commitments WHERE active", args![])?;
                for id in active {
                    let (c, until) = commitment_in(tx.exec(), id, now.0)?;
                    made += generate(&mut tx, &c, until, now.0)?;
                }
                schedule_generation(&mut tx, now.0)?;
                Ok(made)
            })
            .await
    }

    /// On-time record by month of due date, since `since`: of a commitment, or of what a team
    /// delivers (`provider`) or receives.
    #[tracing::instrument(skip_all)]
    pub async fn on_time_months(
        &self,
        since: Millis,
        now: Millis,
        commitment: Option<i64>,
        provider: Option<TeamId>,
        receiver: Option<TeamId>,
    ) -> Result<Vec<OnTimeMonth>> {
        self.db.read(move |mut tx| {
            let month = match tx.backend() {
                Backend::Sqlite => "strftime('%Y-%m', o.due_at / 1000, 'unixepoch')",
                Backend::Postgres => "to_char(to_timestamp(o.due_at / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM')",
            };
            let rows: Vec<(String, i64, i64)> = tx.exec()
                .all(
                    &format!(
                        "SELECT {month} AS month, {} FROM occurrences o JOIN commitments c ON c.id = o.commitment_id \
                         WHERE o.due_at >= $2 AND o.due_at <= $1 AND ($3 = 0 OR c.id = $3) AND ($4 = 0 OR c.provider_id = $4) \
                         AND ($5 = 0 OR c.receiver_id = $5) GROUP BY {month} ORDER BY month",
                        record_sums("o", "$1")
                    ),
                    args![now.0, since.0, commitment.unwrap_or(0), provider.map_or(0, |t| t.0), receiver.map_or(0, |t| t.0)],
                )?;
            Ok(rows.into_iter().map(|(month, on_time, late)| OnTimeMonth { month, on_time, late }).collect())
        })
        .await
    }

    /// On-time records of every provider → receiver pair since `since`, for the network's edges.
    #[tracing::instrument(skip_all)]
    pub async fn commitment_traffic(&self, since: Millis, now: Millis) -> Result<Vec<PairRecord>> {
        self.db
            .read(move |mut tx| {
                crate::db::row! {
                    struct Row {
                        provider_key: String,
                        provider_name: String,
                        receiver_key: String,
                        receiver_name: String,
                        commitments: i64,
                        on_time: i64,
                        late: i64,
                    }
                }
                let rows: Vec<Row> = tx.exec().all(
                    &format!(
                        "SELECT pt.key AS provider_key, pt.name AS provider_name, rt.key AS receiver_key, \
                         rt.name AS receiver_name, COUNT(DISTINCT c.id) AS commitments, {} FROM commitments c \
                         JOIN teams pt ON pt.id = c.provider_id JOIN teams rt ON rt.id = c.receiver_id \
                         LEFT JOIN occurrences o ON o.commitment_id = c.id AND o.due_at >= $2 AND o.due_at <= $1 \
                         GROUP BY pt.key, pt.name, rt.key, rt.name",
                        record_sums("o", "$1")
                    ),
                    args![now.0, since.0],
                )?;
                Ok(rows
                    .into_iter()
                    .map(|r| PairRecord {
                        provider: (r.provider_key, r.provider_name),
                        receiver: (r.receiver_key, r.receiver_name),
                        commitments: r.commitments,
                        record: OnTimeRecord { on_time: r.on_time, late: r.late },
                    })
                    .collect())
            })
            .await
    }
}

fn mark(tx: &mut Tx, occurrence: i64, mark: &str, now: i64) -> Result<bool> {
    let inserted = tx.exec().execute(
        "INSERT INTO occurrence_marks (occurrence_id, mark, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        args![occurrence, mark, now],
    )?;
    Ok(inserted > 0)
}
