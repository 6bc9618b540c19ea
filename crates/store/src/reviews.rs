//! Partnership reviews and their action items: planned by either team's leads, seen by both
//! teams, their agenda gathered from the numbers between the two since their last review, and
//! an overdue action item's reminder as a durable job (once, through `action_marks`).

use chrono::NaiveDate;
use concentric_core::authz::{Actor, Forbidden};
use concentric_core::commitment::OccurrenceStatus;
use concentric_core::rating::{AsCustomer, Direction, Flag, Rated, Scale, Tally};
use concentric_core::relationship::RelationshipStatus;
use concentric_core::review::{
    agenda, due_at, next_after, owner_outside, ActionItem, ActionPatch, ActionStatus, AgendaFacts, AgendaItem,
    Attendee, LateDelivery, LowRating, NewAction, NewReview, RequestRef, Review, ReviewDetail, ReviewRecord,
    ReviewStatus, FIRST_LOOK_BACK_MS, NEAR_MISS_PERCENT,
};
use concentric_core::time::Millis;
use concentric_core::{ActionId, Invalid, PersonId, ReviewId, TeamId};
use serde_json::json;

use crate::clocks::calendar_of;
use crate::commitments::OccurrenceFilter;
use crate::db::{args, Exec, Tx};
use crate::events::record_at;
use crate::jobs::{schedule, ACTION_OVERDUE};
use crate::notifications::{notify, Notice};
use crate::teams::team_id_by_key;
use crate::{Result, Store, StoreError};
use concentric_core::notification::Notice as Said;

crate::db::row! {
    #[derive(Clone)]
    struct ReviewRow {
        id: i64,
        supplier_id: i64,
        supplier_key: String,
        supplier_name: String,
        customer_id: i64,
        customer_key: String,
        customer_name: String,
        title: String,
        scheduled_at: i64,
        scheduled_for: String,
        zone: String,
        rule: Option<String>,
        status: String,
        notes: String,
        decisions: String,
        held_at: Option<i64>,
        agenda: Option<String>,
        agenda_since: Option<i64>,
        created_at: i64,
    }
}

const REVIEW_SELECT: &str = "SELECT v.id, v.supplier_id, s.key AS supplier_key, s.name AS supplier_name, v.customer_id, \
     c.key AS customer_key, c.name AS customer_name, v.title, v.scheduled_at, v.scheduled_for, v.zone, v.rule, v.status, \
     v.notes, v.decisions, v.held_at, v.agenda, v.agenda_since, v.created_at \
     FROM reviews v JOIN teams s ON s.id = v.supplier_id JOIN teams c ON c.id = v.customer_id";

impl ReviewRow {
    fn teams(&self) -> (TeamId, TeamId) {
        (TeamId(self.supplier_id), TeamId(self.customer_id))
    }

    fn view(&self, attendees: Vec<Attendee>) -> Review {
        Review {
            id: ReviewId(self.id),
            supplier_key: self.supplier_key.clone(),
            supplier_name: self.supplier_name.clone(),
            customer_key: self.customer_key.clone(),
            customer_name: self.customer_name.clone(),
            title: self.title.clone(),
            scheduled_at: Millis(self.scheduled_at).to_utc(),
            scheduled_for: self.scheduled_for.clone(),
            zone: self.zone.clone(),
            rule: self.rule.clone(),
            status: ReviewStatus::parse(&self.status).unwrap_or(ReviewStatus::Planned),
            notes: self.notes.clone(),
            decisions: self.decisions.clone(),
            held_at: self.held_at.map(|t| Millis(t).to_utc()),
            attendees,
            created_at: Millis(self.created_at).to_utc(),
        }
    }
}

crate::db::row! {
    struct ActionRow {
        id: i64,
        review_id: i64,
        review_title: String,
        title: String,
        owner_id: i64,
        owner_name: String,
        owner_email: String,
        owner_team_key: String,
        owner_team_name: String,
        waiting_team_key: String,
        waiting_team_name: String,
        due_on: String,
        due_at: i64,
        status: String,
        effort_hours: Option<f64>,
        done_at: Option<i64>,
    }
}

const ACTION_SELECT: &str =
    "SELECT a.id, a.review_id, v.title AS review_title, a.title, a.owner_id, p.name AS owner_name, \
     p.email AS owner_email, ot.key AS owner_team_key, ot.name AS owner_team_name, wt.key AS waiting_team_key, \
     wt.name AS waiting_team_name, a.due_on, a.due_at, a.status, a.effort_hours, a.done_at \
     FROM actions a JOIN reviews v ON v.id = a.review_id JOIN people p ON p.id = a.owner_id \
     JOIN teams ot ON ot.id = a.owner_team_id JOIN teams wt ON wt.id = a.waiting_team_id";

fn action_of(r: ActionRow, now: i64) -> ActionItem {
    let status = ActionStatus::parse(&r.status).unwrap_or(ActionStatus::Open);
    ActionItem {
        id: ActionId(r.id),
        review_id: ReviewId(r.review_id),
        review_title: r.review_title,
        title: r.title,
        owner_id: r.owner_id,
        owner_name: r.owner_name,
        owner_email: r.owner_email,
        owner_team_key: r.owner_team_key,
        owner_team_name: r.owner_team_name,
        waiting_team_key: r.waiting_team_key,
        waiting_team_name: r.waiting_team_name,
        due_on: NaiveDate::parse_from_str(&r.due_on, "%Y-%m-%d").unwrap_or_default(),
        due_at: Millis(r.due_at).to_utc(),
        status,
        effort_hours: r.effort_hours,
        done_at: r.done_at.map(|t| Millis(t).to_utc()),
        overdue: status == ActionStatus::Open && r.due_at <= now,
    }
}

/// Which action items to list.
#[derive(Debug, Clone, Copy, Default)]
pub struct ActionFilter {
    /// Items this team owes or waits for.
    pub team: Option<TeamId>,
    /// Items this team owes.
    pub owed_by: Option<TeamId>,
    /// Items this team waits for.
    pub awaited_by: Option<TeamId>,
    /// Items this person owns.
    pub owner: Option<PersonId>,
    pub review: Option<ReviewId>,
    /// Only open ones.
    pub open: bool,
}

pub(crate) fn actions_in(exec: Exec<'_>, filter: ActionFilter, now: i64) -> Result<Vec<ActionItem>> {
    let mut clauses = vec!["1 = 1".to_owned()];
    let mut values = Vec::new();
    if let Some(t) = filter.team {
        values.push(t.into());
        clauses.push(format!("(a.owner_team_id = ${0} OR a.waiting_team_id = ${0})", values.len()));
    }
    if let Some(t) = filter.owed_by {
        values.push(t.into());
        clauses.push(format!("a.owner_team_id = ${}", values.len()));
    }
    if let Some(t) = filter.awaited_by {
        values.push(t.into());
        clauses.push(format!("a.waiting_team_id = ${}", values.len()));
    }
    if let Some(p) = filter.owner {
        values.push(p.into());
        clauses.push(format!("a.owner_id = ${}", values.len()));
    }
    if let Some(r) = filter.review {
        values.push(r.into());
        clauses.push(format!("a.review_id = ${}", values.len()));
    }
    if filter.open {
        clauses.push("a.status = 'open'".to_owned());
    }
    let rows: Vec<ActionRow> = exec.all(
        &format!("{ACTION_SELECT} WHERE {} ORDER BY a.status = 'open' DESC, a.due_at, a.id", clauses.join(" AND ")),
        values,
    )?;
    Ok(rows.into_iter().map(|r| action_of(r, now)).collect())
}

fn review_row(exec: Exec<'_>, id: ReviewId) -> Result<ReviewRow> {
    exec.optional(&format!("{REVIEW_SELECT} WHERE v.id = $1"), args![id])?.ok_or(StoreError::NotFound("review"))
}

fn attendees(exec: Exec<'_>, review: &ReviewRow) -> Result<Vec<Attendee>> {
    let rows: Vec<(i64, String, String, String)> = exec
        .all(
            "SELECT p.id, p.name, p.email, COALESCE((SELECT t.key FROM team_members tm JOIN teams t ON t.id = tm.team_id \
             WHERE tm.person_id = p.id AND tm.team_id IN ($2, $3) ORDER BY tm.team_id = $2 DESC LIMIT 1), '') AS team_key \
             FROM review_attendees ra JOIN people p ON p.id = ra.person_id WHERE ra.review_id = $1 ORDER BY p.name",
            args![review.id, review.supplier_id, review.customer_id],
        )?;
    Ok(rows.into_iter().map(|(id, name, email, team_key)| Attendee { id, name, email, team_key }).collect())
}

/// The team of the two a person belongs to (the supplier when both), by email.
fn member_of_either(exec: Exec<'_>, email: &str, teams: (TeamId, TeamId)) -> Result<Option<(PersonId, TeamId)>> {
    let row: Option<(i64, i64)> = exec.optional(
        "SELECT p.id, tm.team_id FROM people p JOIN team_members tm ON tm.person_id = p.id \
             WHERE p.email = $1 AND p.active AND tm.team_id IN ($2, $3) ORDER BY tm.team_id = $2 DESC LIMIT 1",
        args![email, teams.0, teams.1],
    )?;
    Ok(row.map(|(p, t)| (PersonId(p), TeamId(t))))
}

/// Sets a review's attendees: every email must be an active member of either team.
fn set_attendees(tx: &mut Tx, review: &ReviewRow, emails: &[String]) -> Result<Vec<PersonId>> {
    let mut ids = Vec::new();
    let mut outside = Vec::new();
    for email in emails {
        match member_of_either(tx.exec(), email, review.teams())? {
            Some((p, _)) => ids.push(p),
            None => outside.push(email.clone()),
        }
    }
    if !outside.is_empty() {
        return Err(Invalid::one(
            "attendees",
            format!(
                "{} {} not in {} or {}",
                outside.join(", "),
                if outside.len() == 1 { "is" } else { "are" },
                review.supplier_name,
                review.customer_name
            ),
        )
        .into());
    }
    tx.exec().execute("DELETE FROM review_attendees WHERE review_id = $1", args![review.id])?;
    for p in &ids {
        tx.exec()
            .execute("INSERT INTO review_attendees (review_id, person_id) VALUES ($1, $2)", args![review.id, *p])?;
    }
    Ok(ids)
}

fn require_sees(actor: &Actor, review: &ReviewRow) -> Result<()> {
    let (s, c) = review.teams();
    if actor.works_in(s) || actor.works_in(c) {
        Ok(())
    } else {
        Err(Forbidden("see this review: members of the two teams only").into())
    }
}

/// Leads of either team, admins and the review's attendees keep its record.
fn require_keeps(exec: Exec<'_>, actor: &Actor, review: &ReviewRow) -> Result<()> {
    let (s, c) = review.teams();
    if actor.can_manage_either(s, c) {
        return Ok(());
    }
    let me = actor.person_id.map_or(-1, |p| p.0);
    let attends: Option<i64> = exec.scalar_opt(
        "SELECT person_id FROM review_attendees WHERE review_id = $1 AND person_id = $2",
        args![review.id, me],
    )?;
    if attends.is_some() {
        Ok(())
    } else {
        Err(Forbidden("keep this review's record: the two teams' leads and the attendees").into())
    }
}

crate::db::row! {
    struct ClockRef {
        key: String,
        subject: String,
        used: i64,
        breached: i64,
    }
}

impl Store {
    /// Plans a review between two teams (leads of either team, or admins).
    #[tracing::instrument(skip_all)]
    pub async fn plan_review(&self, actor: &Actor, new: NewReview, now: Millis) -> Result<Review> {
        let actor = actor.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                let supplier = team_id_by_key(tx.exec(), &new.supplier)?
                    .ok_or_else(|| Invalid::one("supplier", "no team has this key"))?;
                let customer = team_id_by_key(tx.exec(), &new.customer)?
                    .ok_or_else(|| Invalid::one("customer", "no team has this key"))?;
                if !actor.can_manage_either(supplier, customer) {
                    return Err(Forbidden("plan a review: the two teams' leads only").into());
                }
                let zone = calendar_of(tx.exec(), supplier)?.zone();
                let checked = new.check(zone)?;
                let id = insert_review(
                    &mut tx,
                    actor,
                    (supplier, customer),
                    &checked.title,
                    checked.at.timestamp_millis(),
                    &checked.scheduled_for.format("%Y-%m-%dT%H:%M").to_string(),
                    checked.zone.name(),
                    checked.rule.as_deref(),
                    now,
                )?;
                let row = review_row(tx.exec(), ReviewId(id))?;
                let invited = set_attendees(&mut tx, &row, &checked.attendees)?;
                let event =
                    record_at(&mut tx, actor.person_id, now, "review", id, "planned", json!({ "title": row.title }))?;
                let said = Said::ReviewPlanned {
                    review: id,
                    title: row.title.clone(),
                    supplier: row.supplier_name.clone(),
                    customer: row.customer_name.clone(),
                    when: row.scheduled_for.replace('T', " "),
                };
                notify(&mut tx, actor, &[Notice::new(said, event).to(&invited)])?;
                let review = row.view(attendees(tx.exec(), &row)?);
                Ok(review)
            })
            .await
    }

    /// Reviews of a team (either side), or of every team the actor works in; soonest coming
    /// first, then the latest held.
    #[tracing::instrument(skip_all)]
    pub async fn reviews(&self, actor: &Actor, team: Option<TeamId>) -> Result<Vec<Review>> {
        let actor = actor.to_owned();
        self.db.read(move |mut tx| {
            let actor: &Actor = &actor;
            let rows: Vec<ReviewRow> = match team {
                Some(t) => {
                    actor.require_works_in(t, "see this team's reviews")?;
                    tx.exec()
                        .all(&format!("{REVIEW_SELECT} WHERE v.supplier_id = $1 OR v.customer_id = $1 ORDER BY v.scheduled_at DESC"), args![t])?
                }
                None => {
                    let all: Vec<ReviewRow> =
                        tx.exec().all(&format!("{REVIEW_SELECT} ORDER BY v.scheduled_at DESC"), args![])?;
                    all.into_iter().filter(|r| require_sees(actor, r).is_ok()).collect()
                }
            };
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(r.view(attendees(tx.exec(), r)?));
            }
            Ok(out)
        })
        .await
    }

    /// A review with its agenda (kept as it stood once held) and its action items.
    #[tracing::instrument(skip_all)]
    pub async fn review_detail(&self, actor: &Actor, id: ReviewId, now: Millis) -> Result<ReviewDetail> {
        let row = self.db.read(move |mut tx| review_row(tx.exec(), id)).await?;
        require_sees(actor, &row)?;
        let (agenda, since, until) = match (&row.agenda, row.agenda_since, row.held_at) {
            (Some(json), Some(since), Some(held)) => {
                let items: Vec<AgendaItem> =
                    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("review {id} agenda: {e}")))?;
                (items, since, held)
            }
            _ => {
                let (facts, since) = self.agenda_facts(&row, now.0).await?;
                (agenda(&facts), since, now.0)
            }
        };
        let (row, attendees) = self
            .db
            .read(move |mut tx| {
                let attendees = attendees(tx.exec(), &row)?;
                Ok((row, attendees))
            })
            .await?;
        let review = row.view(attendees);
        let actions = self
            .db
            .read(move |mut tx| actions_in(tx.exec(), ActionFilter { review: Some(id), ..Default::default() }, now.0))
            .await?;
        Ok(ReviewDetail { review, agenda, since: Millis(since).to_utc(), until: Millis(until).to_utc(), actions })
    }

    /// The numbers between the review's two teams from the previous held review (or 90 days
    /// back) to `until`.
    async fn agenda_facts(&self, row: &ReviewRow, until: i64) -> Result<(AgendaFacts, i64)> {
        let (s, c) = row.teams();
        let row_owned = row.to_owned();
        let (since, mut facts, relationship) = self.db.read(move |mut tx| {
            let row: &ReviewRow = &row_owned;
            // MAX over no rows is one NULL row: read it as an optional value.
            let previous: Option<i64> = tx
                .exec()
                .scalar::<Option<i64>>(
                    "SELECT MAX(held_at) FROM reviews WHERE supplier_id = $1 AND customer_id = $2 AND status = 'held' \
                     AND id <> $3 AND held_at < $4",
                    args![s, c, row.id, until],
                )?;
            let since = previous.unwrap_or(until - FIRST_LOOK_BACK_MS);
            // Everything from the start on: a held review keeps the agenda it was held with, so later
            // numbers never reach it.
            let pair = "r.team_id = $1 AND r.on_behalf_team_id = $2 AND r.created_at >= $3";
            let requests: i64 =
                tx.exec().scalar(&format!("SELECT COUNT(*) FROM requests r WHERE {pair}"), args![s, c, since])?;
            // A clock is breached when a breach was recorded or it stopped past its target; met when
            // it stopped within it. Near misses used most of their time.
            let clocks: Vec<ClockRef> = tx
                .exec()
                .all(
                    &format!(
                        "SELECT r.key, r.subject, CAST(k.elapsed_ms * 100 / k.target_ms AS BIGINT) AS used, \
                         CAST(CASE WHEN m.request_id IS NOT NULL OR (k.stopped_at IS NOT NULL AND k.elapsed_ms > k.target_ms) THEN 1 ELSE 0 END AS BIGINT) AS breached \
                         FROM requests r JOIN request_clocks k ON k.request_id = r.id \
                         LEFT JOIN clock_marks m ON m.request_id = k.request_id AND m.kind = k.kind AND m.mark = 'breached' \
                         WHERE {pair} AND k.target_ms > 0 AND (k.stopped_at IS NOT NULL OR m.request_id IS NOT NULL) ORDER BY r.id, k.kind"
                    ),
                    args![s, c, since],
                )?;
            let mut facts = AgendaFacts {
                supplier: row.supplier_name.clone(),
                customer: row.customer_name.clone(),
                requests,
                ..AgendaFacts::default()
            };
            for k in clocks {
                let r = RequestRef { key: k.key, subject: k.subject, used_percent: k.used };
                if k.breached > 0 {
                    facts.targets_breached += 1;
                    if !facts.breaches.iter().any(|b| b.key == r.key) && facts.breaches.len() < 10 {
                        facts.breaches.push(r);
                    }
                } else {
                    facts.targets_met += 1;
                    if k.used >= NEAR_MISS_PERCENT
                        && facts.near_misses.len() < 10
                        && !facts.near_misses.iter().any(|n| n.key == r.key)
                    {
                        facts.near_misses.push(r);
                    }
                }
            }
            // A request with a breached clock is a breach, not also a near miss.
            let breached: Vec<String> = facts.breaches.iter().map(|b| b.key.clone()).collect();
            facts.near_misses.retain(|n| !breached.contains(&n.key));
            let rating_rows = |direction: Direction| {
                format!(
                    "SELECT r.key, ra.score, ra.scale_max, ra.comment, ra.flags FROM ratings ra JOIN requests r ON r.id = ra.request_id \
                     WHERE ra.direction = '{}' AND r.team_id = $1 AND r.on_behalf_team_id = $2 AND ra.created_at >= $3 \
                     ORDER BY ra.created_at",
                    direction.as_str()
                )
            };
            let given: Vec<(String, i64, i64, String, String)> =
                tx.exec().all(&rating_rows(Direction::Requester), args![s, c, since])?;
            let mut tally = Tally::default();
            for (key, score, max, comment, _) in given {
                let scale = Scale::of_max(max);
                tally.add(scale.bucket(score));
                if scale.bucket(score) == concentric_core::rating::Bucket::Poor
                    && !comment.is_empty()
                    && facts.low_ratings.len() < 10
                {
                    facts.low_ratings.push(LowRating { key, word: scale.word(score).to_owned(), comment });
                }
            }
            facts.customer_ratings = tally;
            let theirs: Vec<(String, i64, i64, String, String)> =
                tx.exec().all(&rating_rows(Direction::Provider), args![s, c, since])?;
            let min_group = crate::ratings::settings_in(tx.exec())?.min_group;
            let rated: Vec<Rated> = theirs
                .into_iter()
                .map(|(_, score, scale_max, _, flags)| Rated {
                    score,
                    scale_max,
                    flags: Flag::split(&flags),
                    service: (String::new(), String::new()),
                    agent: None,
                    partner: None,
                    month: String::new(),
                })
                .collect();
            let aggregate = AsCustomer::of(&rated, min_group);
            facts.supplier_ratings = aggregate.overall;
            facts.supplier_ratings_count = aggregate.count;
            facts.supplier_flags = aggregate.flags;
            facts.min_group = min_group;
            let status: Option<String> = tx
                .exec()
                .scalar_opt("SELECT status FROM relationships WHERE supplier_id = $1 AND customer_id = $2", args![s, c])?;
            facts.relationship = status.as_deref().and_then(RelationshipStatus::parse);
            let earlier = actions_in(tx.exec(), ActionFilter { open: true, ..Default::default() }, until)?;
            facts.open_actions = earlier
                .into_iter()
                .filter(|a| a.review_id.0 != row.id)
                .filter(|a| {
                    let keys = [a.owner_team_key.as_str(), a.waiting_team_key.as_str()];
                    keys.contains(&row.supplier_key.as_str()) && keys.contains(&row.customer_key.as_str())
                })
                .collect();
            let relationship: Option<i64> = tx
                .exec()
                .scalar_opt("SELECT id FROM relationships WHERE supplier_id = $1 AND customer_id = $2", args![s, c])?;
            Ok((since, facts, relationship))
        })
        .await?;
        if let Some(rel) = relationship {
            facts.roles =
                self.responsibilities(rel).await?.into_iter().filter(|r| r.problem.is_some() || !r.agreed()).collect();
            let rounds = self.survey_rounds_of(rel, Millis(until)).await?;
            facts.survey = rounds.into_iter().rev().find(|r| {
                r.closed
                    && r.closes_at.timestamp_millis() <= until
                    && r.opened_at.timestamp_millis() >= since - FIRST_LOOK_BACK_MS
            });
        }
        let filter = OccurrenceFilter {
            provider: Some(s),
            receiver: Some(c),
            due_after: Some(Millis(since)),
            due_before: Some(Millis(until)),
            ..Default::default()
        };
        for o in self.occurrences(filter, Millis(until), false, 500).await? {
            let missing = o.delivered_at.is_none() && o.deadline_at.timestamp_millis() < until;
            let late = o.delivered_at.is_some_and(|d| d > o.deadline_at);
            if missing || late {
                facts.late_deliveries.push(LateDelivery {
                    title: o.title.clone(),
                    due_at: o.due_at,
                    late_ms: o.late_ms,
                    waited_ms: o.waited_ms,
                    missing,
                });
            } else if o.delivered_at.is_some() || o.status == OccurrenceStatus::Accepted {
                facts.deliveries_on_time += 1;
            }
        }
        Ok((facts, since))
    }

    /// Keeps a review's record: notes, decisions, attendees and status. Holding it keeps its
    /// agenda as it stands and, for a recurring review, plans the next one.
    #[tracing::instrument(skip_all, fields(review = id.0))]
    pub async fn record_review(
        &self,
        actor: &Actor,
        id: ReviewId,
        record: ReviewRecord,
        now: Millis,
    ) -> Result<Review> {
        let record = record.check()?;
        let row = self.db.read(move |mut tx| review_row(tx.exec(), id)).await?;
        require_sees(actor, &row)?;
        let current = ReviewStatus::parse(&row.status).unwrap_or(ReviewStatus::Planned);
        let to = match record.status {
            Some(to) => current.step(to).map_err(StoreError::IllegalTransition)?,
            None => current,
        };
        // The agenda is read before the write transaction: SQLite has one writer.
        let held_now = to == ReviewStatus::Held && current != ReviewStatus::Held;
        let snapshot = if held_now {
            let (facts, since) = self.agenda_facts(&row, now.0).await?;
            Some((serde_json::to_string(&agenda(&facts)).map_err(|e| StoreError::Corrupt(e.to_string()))?, since))
        } else {
            None
        };
        let actor_owned = actor.to_owned();
        let review = self
            .db
            .write(move |mut tx| {
                let actor: &Actor = &actor_owned;
                require_keeps(tx.exec(), actor, &row)?;
                tx.exec().execute(
                    "UPDATE reviews SET notes = $1, decisions = $2, status = $3, updated_at = $4 WHERE id = $5",
                    args![&record.notes, &record.decisions, to.as_str(), now.0, id],
                )?;
                if let Some((agenda_json, since)) = &snapshot {
                    tx.exec().execute(
                        "UPDATE reviews SET held_at = $1, agenda = $2, agenda_since = $3 WHERE id = $4",
                        args![now.0, agenda_json, *since, id],
                    )?;
                }
                if let Some(emails) = &record.attendees {
                    set_attendees(&mut tx, &row, emails)?;
                }
                let detail = json!({ "status": [row.status, to.as_str()] });
                record_at(
                    &mut tx,
                    actor.person_id,
                    now,
                    "review",
                    id.0,
                    if held_now { "held" } else { "recorded" },
                    detail,
                )?;
                if held_now {
                    Self::plan_next(&mut tx, actor, &row, now)?;
                }
                let row = review_row(tx.exec(), id)?;
                let review = row.view(attendees(tx.exec(), &row)?);
                Ok(review)
            })
            .await?;
        Ok(review)
    }

    /// The next review of a recurring series, with the same title and attendees.
    fn plan_next(tx: &mut Tx<'_>, actor: &Actor, row: &ReviewRow, now: Millis) -> Result<()> {
        let Some(rule) = row.rule.as_deref() else { return Ok(()) };
        let Some((next, next_local)) = next_after(rule, &row.scheduled_for, &row.zone) else { return Ok(()) };
        let id = insert_review(
            tx,
            actor,
            row.teams(),
            &row.title,
            next.timestamp_millis(),
            &next_local,
            &row.zone,
            Some(rule),
            now,
        )?;
        tx.exec()
            .execute(
                "INSERT INTO review_attendees (review_id, person_id) SELECT $1, person_id FROM review_attendees WHERE review_id = $2",
                args![id, row.id],
            )?;
        record_at(tx, actor.person_id, now, "review", id, "planned", json!({ "after": row.id }))?;
        Ok(())
    }

    /// Adds an action item to a review: its owner is a member of either team, and the other
    /// team waits for it. An overdue reminder is scheduled for the end of its due date.
    #[tracing::instrument(skip_all, fields(review = review_id.0))]
    pub async fn add_action(
        &self,
        actor: &Actor,
        review_id: ReviewId,
        new: NewAction,
        now: Millis,
    ) -> Result<ActionItem> {
        let actor = actor.to_owned();
        self.db.write(move |mut tx| add_action_in(&mut tx, &actor, review_id, new, now)).await
    }

    /// Changes an action item (its owner, the two teams' leads, the review's attendees).
    #[tracing::instrument(skip_all, fields(action = id.0))]
    pub async fn update_action(
        &self,
        actor: &Actor,
        id: ActionId,
        patch: ActionPatch,
        now: Millis,
    ) -> Result<ActionItem> {
        let actor = actor.to_owned();
        self.db.write(move |mut tx| {
            let actor: &Actor = &actor;
            let current = action_by_id(tx.exec(), id, now.0)?;
            let row = review_row(tx.exec(), current.review_id)?;
            require_sees(actor, &row)?;
            if !actor.is_person(PersonId(current.owner_id)) {
                require_keeps(tx.exec(), actor, &row)?;
            }
            let (title, owner, due_on, status) = patch.apply(&current)?;
            let (owner_id, owner_team) = match owner {
                Some(email) => member_of_either(tx.exec(), &email, row.teams())?
                    .ok_or_else(|| Invalid(vec![owner_outside(&email, &row.supplier_name, &row.customer_name)]))?,
                None => {
                    let team = if current.owner_team_key == row.supplier_key { row.teams().0 } else { row.teams().1 };
                    (PersonId(current.owner_id), team)
                }
            };
            let waiting = if owner_team == row.teams().0 { row.teams().1 } else { row.teams().0 };
            let due = due_at(due_on, &row.zone).timestamp_millis();
            let done_at = match (current.status, status) {
                (ActionStatus::Done, ActionStatus::Done) => current.done_at.map(|t| t.timestamp_millis()),
                (_, ActionStatus::Done) => Some(now.0),
                _ => None,
            };
            tx.exec()
                .execute(
                    "UPDATE actions SET title = $1, owner_id = $2, owner_team_id = $3, waiting_team_id = $4, due_on = $5, due_at = $6, \
                     status = $7, done_at = $8, updated_at = $9 WHERE id = $10",
                    args![&title, owner_id, owner_team, waiting, due_on.to_string(), due, status.as_str(), done_at, now.0, id],
                )?;
            let run_at = (status == ActionStatus::Open).then_some(due);
            if run_at.is_some() != (current.status == ActionStatus::Open) || due != current.due_at.timestamp_millis() {
                schedule(&mut tx, ACTION_OVERDUE, &format!("action:{id}:overdue"), json!({ "action_id": id }), run_at)?;
            }
            let detail = json!({ "status": [current.status.as_str(), status.as_str()], "due_on": [current.due_on.to_string(), due_on.to_string()] });
            record_at(&mut tx, actor.person_id, now, "action", id.0, "changed", detail)?;
            let item = action_by_id(tx.exec(), id, now.0)?;
            Ok(item)
        })
        .await
    }

    /// Action items the actor may see: of a team (owed or waited for), or their own.
    #[tracing::instrument(skip_all)]
    pub async fn actions(&self, actor: &Actor, filter: ActionFilter, now: Millis) -> Result<Vec<ActionItem>> {
        let actor = actor.to_owned();
        self.db
            .read(move |mut tx| {
                let actor: &Actor = &actor;
                match (filter.team, filter.owner) {
                    (Some(t), _) => actor.require_works_in(t, "see this team's action items")?,
                    (None, Some(p)) if actor.is_person(p) || actor.is_admin => {}
                    _ => return Err(Forbidden("see action items without naming a team or yourself").into()),
                }
                actions_in(tx.exec(), filter, now.0)
            })
            .await
    }

    #[tracing::instrument(skip_all)]
    pub async fn action(&self, actor: &Actor, id: ActionId, now: Millis) -> Result<ActionItem> {
        let actor = actor.to_owned();
        self.db
            .read(move |mut tx| {
                let actor: &Actor = &actor;
                let item = action_by_id(tx.exec(), id, now.0)?;
                let row = review_row(tx.exec(), item.review_id)?;
                require_sees(actor, &row)?;
                Ok(item)
            })
            .await
    }

    /// The overdue job: an action item still open at the end of its due date reminds its
    /// owner, once.
    pub(crate) async fn action_overdue(&self, id: ActionId, now: Millis) -> Result<()> {
        self.db.write(move |mut tx| {
            let Ok(item) = action_by_id(tx.exec(), id, now.0) else { return Ok(()) };
            if !item.overdue {
                return Ok(());
            }
            let marked = tx
                .exec()
                .execute(
                    "INSERT INTO action_marks (action_id, mark, at) VALUES ($1, 'overdue', $2) ON CONFLICT (action_id, mark) DO NOTHING",
                    args![id, now.0],
                )?;
            if marked == 0 {
                return Ok(());
            }
            let said = Said::ActionOverdue {
                review: item.review_id.0,
                title: item.title.clone(),
                due: item.due_on.to_string(),
                waiting: item.waiting_team_name.clone(),
            };
            let notice = Notice::new(said, id.0).to(&[PersonId(item.owner_id)]);
            notify(&mut tx, &Actor::system(), &[notice])?;
            Ok(())
        })
        .await
    }
}

#[allow(clippy::too_many_arguments)]
fn insert_review(
    tx: &mut Tx,
    actor: &Actor,
    (supplier, customer): (TeamId, TeamId),
    title: &str,
    at: i64,
    local: &str,
    zone: &str,
    rule: Option<&str>,
    now: Millis,
) -> Result<i64> {
    Ok(tx
        .exec()
        .insert_id(
            "INSERT INTO reviews (supplier_id, customer_id, title, scheduled_at, scheduled_for, zone, rule, status, created_by, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'planned', $8, $9, $9)",
            args![supplier, customer, title, at, local, zone, rule, actor.person_id, now.0],
        )?)
}

pub(crate) fn action_by_id(exec: Exec<'_>, id: ActionId, now: i64) -> Result<ActionItem> {
    let row: ActionRow = exec
        .optional(&format!("{ACTION_SELECT} WHERE a.id = $1"), args![id])?
        .ok_or(StoreError::NotFound("action item"))?;
    Ok(action_of(row, now))
}

/// The payload of an overdue job.
pub(crate) fn action_payload(payload: &str, key: &str) -> Result<ActionId> {
    #[derive(serde::Deserialize)]
    struct P {
        action_id: i64,
    }
    serde_json::from_str::<P>(payload)
        .map(|p| ActionId(p.action_id))
        .map_err(|e| StoreError::Corrupt(format!("job {key}: {e}")))
}

/// Adds an action item to a review inside a unit of work (see [`Store::add_action`]).
pub(crate) fn add_action_in(
    tx: &mut Tx,
    actor: &Actor,
    review_id: ReviewId,
    new: NewAction,
    now: Millis,
) -> Result<ActionItem> {
    let checked = new.check()?;
    let row = review_row(tx.exec(), review_id)?;
    require_sees(actor, &row)?;
    require_keeps(tx.exec(), actor, &row)?;
    let (owner, owner_team) = member_of_either(tx.exec(), &checked.owner, row.teams())?
        .ok_or_else(|| Invalid(vec![owner_outside(&checked.owner, &row.supplier_name, &row.customer_name)]))?;
    let waiting = if owner_team == row.teams().0 { row.teams().1 } else { row.teams().0 };
    let due = due_at(checked.due_on, &row.zone).timestamp_millis();
    let id: i64 = tx.exec().insert_id(
        "INSERT INTO actions (review_id, title, owner_id, owner_team_id, waiting_team_id, due_on, due_at, status, \
         effort_hours, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9, $9)",
        args![
            review_id,
            &checked.title,
            owner,
            owner_team,
            waiting,
            checked.due_on.to_string(),
            due,
            checked.effort_hours,
            now.0
        ],
    )?;
    schedule(tx, ACTION_OVERDUE, &format!("action:{id}:overdue"), json!({ "action_id": id }), Some(due))?;
    let event = record_at(tx, actor.person_id, now, "action", id, "added", json!({ "title": checked.title }))?;
    let said = Said::ActionAssigned {
        review: review_id.0,
        review_title: row.title.clone(),
        title: checked.title.clone(),
        due: checked.due_on.to_string(),
    };
    notify(tx, actor, &[Notice::new(said, event).to(&[owner])])?;
    action_by_id(tx.exec(), ActionId(id), now.0)
}
