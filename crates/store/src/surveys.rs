//! Relationship surveys: rounds opened on each agreed relationship's schedule by a daily job,
//! invitations to both teams' members, answers stored without the person, a reminder to those
//! who have not answered (once each), the round closed after its time, and results that only
//! ever leave here through `concentric_core::survey::results` (closed rounds, enough people).

use std::collections::BTreeMap;

use concentric_core::authz::{Actor, Forbidden};
use concentric_core::survey::{
    check_rule, check_text, next_round_at, results, Answers, Audience, AudienceResult, Collected, Invitation,
    NewQuestion, Question, QuestionPatch, RoundResults, SurveySchedule, DEFAULT_RULE, OPEN_MS, REMIND_AFTER_MS,
};
use concentric_core::time::Millis;
use concentric_core::{FieldError, Invalid, PersonId, RoundId, TeamId};
use serde_json::json;

use crate::db::{args, Backend, Exec, Tx};
use crate::events::record_at;
use crate::jobs::{schedule, SURVEYS_OPEN, SURVEY_CLOSE, SURVEY_REMIND};
use crate::notifications::{notify, Notice};
use crate::{Result, Store, StoreError};
use concentric_core::notification::Notice as Said;

const DAY_MS: i64 = 86_400_000;

crate::db::row! {
    struct QuestionRow {
        id: i64,
        audience: String,
        text: String,
        position: i64,
        active: bool,
    }
}

impl From<QuestionRow> for Question {
    fn from(r: QuestionRow) -> Self {
        Question {
            id: r.id,
            audience: Audience::parse(&r.audience).unwrap_or(Audience::AboutSupplier),
            text: r.text,
            position: r.position,
            active: r.active,
        }
    }
}

crate::db::row! {
    struct RoundRow {
        id: i64,
        relationship_id: i64,
        supplier_id: i64,
        supplier_key: String,
        supplier_name: String,
        customer_id: i64,
        customer_key: String,
        customer_name: String,
        opened_at: i64,
        closes_at: i64,
        closed_at: Option<i64>,
    }
}

const ROUND_SELECT: &str =
    "SELECT sr.id, sr.relationship_id, r.supplier_id, s.key AS supplier_key, s.name AS supplier_name, \
     r.customer_id, c.key AS customer_key, c.name AS customer_name, sr.opened_at, sr.closes_at, sr.closed_at \
     FROM survey_rounds sr JOIN relationships r ON r.id = sr.relationship_id JOIN teams s ON s.id = r.supplier_id \
     JOIN teams c ON c.id = r.customer_id";

fn round_row(exec: Exec<'_>, id: i64) -> Result<RoundRow> {
    exec.optional(&format!("{ROUND_SELECT} WHERE sr.id = $1"), args![id])?.ok_or(StoreError::NotFound("survey round"))
}

/// The questions a round asks one audience.
fn round_questions(exec: Exec<'_>, round: i64, audience: Audience) -> Result<Vec<Question>> {
    let rows: Vec<(i64, String, i64)> = exec.all(
        "SELECT question_id, text, position FROM survey_round_questions WHERE round_id = $1 AND audience = $2 \
             ORDER BY position, question_id",
        args![round, audience.as_str()],
    )?;
    Ok(rows.into_iter().map(|(id, text, position)| Question { id, audience, text, position, active: true }).collect())
}

/// A random id for a response or a text, so ids say nothing about who answered when.
fn random_id(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "(abs(random()) % 9007199254740991)",
        Backend::Postgres => "CAST(floor(random() * 9007199254740991) AS BIGINT)",
    }
}

fn require_sees(actor: &Actor, round: &RoundRow) -> Result<()> {
    if actor.works_in(TeamId(round.supplier_id)) || actor.works_in(TeamId(round.customer_id)) {
        Ok(())
    } else {
        Err(Forbidden("see this survey: members of the two teams only").into())
    }
}

impl Store {
    /// The organisation's survey questions, both audiences, in order.
    #[tracing::instrument(skip_all)]
    pub async fn survey_questions(&self) -> Result<Vec<Question>> {
        self.db
            .read(move |mut tx| {
                let rows: Vec<QuestionRow> = tx.exec().all(
                    "SELECT id, audience, text, position, active FROM survey_questions ORDER BY audience, position, id",
                    args![],
                )?;
                Ok(rows.into_iter().map(Question::from).collect())
            })
            .await
    }

    /// Adds a question to the coming rounds (admins only).
    #[tracing::instrument(skip_all)]
    pub async fn add_survey_question(&self, actor: &Actor, new: NewQuestion, now: Millis) -> Result<Question> {
        let actor = actor.to_owned();
        self.db.write(move |mut tx| {
            let actor: &Actor = &actor;
            actor.require_admin("change the survey questions")?;
            let text = check_text(&new.text)?;
            let position: i64 =
                tx.exec().scalar("SELECT COALESCE(MAX(position), 0) + 1 FROM survey_questions", args![])?;
            let id: i64 = tx
                .exec()
                .insert_id(
                    "INSERT INTO survey_questions (audience, text, position, active, created_at) VALUES ($1, $2, $3, TRUE, $4)",
                    args![new.audience.as_str(), &text, position, now.0],
                )?;
            record_at(&mut tx, actor.person_id, now, "survey_question", id, "added", json!({ "text": text }))?;
            Ok(Question { id, audience: new.audience, text, position, active: true })
        })
        .await
    }

    /// Rewords or retires a question for the coming rounds (admins only); running rounds keep theirs.
    #[tracing::instrument(skip_all)]
    pub async fn update_survey_question(
        &self,
        actor: &Actor,
        id: i64,
        patch: QuestionPatch,
        now: Millis,
    ) -> Result<Question> {
        let actor = actor.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                actor.require_admin("change the survey questions")?;
                let text = patch.text.as_deref().map(check_text).transpose()?;
                let row: QuestionRow = tx
                    .exec()
                    .optional(
                        "SELECT id, audience, text, position, active FROM survey_questions WHERE id = $1",
                        args![id],
                    )?
                    .ok_or(StoreError::NotFound("survey question"))?;
                let text = text.unwrap_or(row.text);
                let active = patch.active.unwrap_or(row.active);
                tx.exec().execute(
                    "UPDATE survey_questions SET text = $1, active = $2 WHERE id = $3",
                    args![&text, active, id],
                )?;
                record_at(
                    &mut tx,
                    actor.person_id,
                    now,
                    "survey_question",
                    id,
                    "changed",
                    json!({ "text": text, "active": active }),
                )?;
                Ok(Question {
                    id,
                    audience: Audience::parse(&row.audience).unwrap_or(Audience::AboutSupplier),
                    text,
                    position: row.position,
                    active,
                })
            })
            .await
    }

    /// The daily job: opens a round on every agreed relationship whose next round is due.
    pub(crate) async fn open_due_surveys(&self, now: Millis) -> Result<usize> {
        let due: Vec<(i64, String)> = self.db.read(move |mut tx| Ok(tx.exec().all(
                "SELECT id, survey_rule FROM relationships WHERE status = 'active' AND (survey_next_at IS NULL OR survey_next_at <= $1)",
                args![now.0],
            )?)).await?;
        for (relationship, rule) in &due {
            self.open_round(*relationship, rule, now, true).await?;
        }
        self.db
            .write(move |mut tx| {
                schedule(&mut tx, SURVEYS_OPEN, "surveys:open", json!({}), Some(now.0 + DAY_MS))?;
                Ok(())
            })
            .await?;
        Ok(due.len())
    }

    /// Opens one round now: fixes its questions, invites both teams' members, schedules the
    /// reminder and the close, and moves the relationship's next round on. `announce` tells the
    /// invited (the demo's past rounds are opened without).
    pub(crate) async fn open_round(&self, relationship: i64, rule: &str, now: Millis, announce: bool) -> Result<i64> {
        let rule = rule.to_owned();
        self.db.write(move |mut tx| {
            let rule: &str = &rule;
            let round: i64 = tx
                .exec()
                .insert_id(
                    "INSERT INTO survey_rounds (relationship_id, opened_at, closes_at) VALUES ($1, $2, $3)",
                    args![relationship, now.0, now.0 + OPEN_MS],
                )?;
            tx.exec()
                .execute(
                    "INSERT INTO survey_round_questions (round_id, question_id, audience, text, position) \
                     SELECT $1, id, audience, text, position FROM survey_questions WHERE active",
                    args![round],
                )?;
            // The customer's members answer about the supplier, the supplier's about the customer.
            for (audience, side) in [(Audience::AboutSupplier, "customer_id"), (Audience::AboutCustomer, "supplier_id")] {
                tx.exec()
                    .execute(
                        &format!(
                            "INSERT INTO survey_invitations (round_id, person_id, audience) \
                             SELECT $1, tm.person_id, $2 FROM relationships r JOIN team_members tm ON tm.team_id = r.{side} \
                             JOIN people p ON p.id = tm.person_id WHERE r.id = $3 AND p.active"
                        ),
                        args![round, audience.as_str(), relationship],
                    )?;
            }
            let next =
                next_round_at(if rule.is_empty() { DEFAULT_RULE } else { rule }, now.0).unwrap_or(now.0 + 91 * DAY_MS);
            tx.exec()
                .execute("UPDATE relationships SET survey_next_at = $1 WHERE id = $2", args![next, relationship])?;
            schedule(
                &mut tx,
                SURVEY_REMIND,
                &format!("survey:{round}:remind"),
                json!({ "round_id": round }),
                Some(now.0 + REMIND_AFTER_MS),
            )?;
            schedule(
                &mut tx,
                SURVEY_CLOSE,
                &format!("survey:{round}:close"),
                json!({ "round_id": round }),
                Some(now.0 + OPEN_MS),
            )?;
            let row = round_row(tx.exec(), round)?;
            let invited: Vec<i64> = tx
                .exec()
                .scalars("SELECT DISTINCT person_id FROM survey_invitations WHERE round_id = $1", args![round])?;
            let invited: Vec<PersonId> = if announce { invited.into_iter().map(PersonId).collect() } else { Vec::new() };
            notify(
                &mut tx,
                &Actor::system(),
                &[Notice::new(Said::SurveyOpen { supplier: row.supplier_name, customer: row.customer_name }, round)
                    .to(&invited)],
            )?;
            record_at(&mut tx, None, now, "relationship", relationship, "survey_opened", json!({ "round": round }))?;
            Ok(round)
        })
        .await
    }

    /// The reminder job: everyone who has not answered is reminded, once.
    pub(crate) async fn remind_survey(&self, round: i64, now: Millis) -> Result<()> {
        self.db.write(move |mut tx| {
            let row = round_row(tx.exec(), round)?;
            if row.closed_at.is_some() || now.0 >= row.closes_at {
                return Ok(());
            }
            let waiting: Vec<i64> = tx
                .exec()
                .scalars(
                    "SELECT DISTINCT i.person_id FROM survey_invitations i WHERE i.round_id = $1 AND NOT i.answered \
                     AND NOT EXISTS (SELECT 1 FROM survey_marks m WHERE m.round_id = i.round_id AND m.person_id = i.person_id \
                     AND m.mark = 'reminder')",
                    args![round],
                )?;
            for person in &waiting {
                tx.exec()
                    .execute(
                        "INSERT INTO survey_marks (round_id, person_id, mark, at) VALUES ($1, $2, 'reminder', $3) \
                         ON CONFLICT (round_id, person_id, mark) DO NOTHING",
                        args![round, *person, now.0],
                    )?;
            }
            let people: Vec<PersonId> = waiting.into_iter().map(PersonId).collect();
            notify(
                &mut tx,
                &Actor::system(),
                &[Notice::new(Said::SurveyReminder { supplier: row.supplier_name, customer: row.customer_name }, round)
                    .to(&people)],
            )?;
            Ok(())
        })
        .await
    }

    /// The close job: the round closes and both teams' leads hear the results are in
    /// (unless `announce` is off, for the demo's past rounds).
    pub(crate) async fn close_survey(&self, round: i64, now: Millis, announce: bool) -> Result<()> {
        self.db
            .write(move |mut tx| {
                let closed = tx.exec().execute(
                    "UPDATE survey_rounds SET closed_at = $1 WHERE id = $2 AND closed_at IS NULL",
                    args![now.0, round],
                )?;
                if closed == 0 {
                    return Ok(());
                }
                let row = round_row(tx.exec(), round)?;
                let mut leads = crate::commitments::team_leads(tx.exec(), TeamId(row.supplier_id))?;
                leads.extend(crate::commitments::team_leads(tx.exec(), TeamId(row.customer_id))?);
                if !announce {
                    leads.clear();
                }
                notify(
                    &mut tx,
                    &Actor::system(),
                    &[Notice::new(
                        Said::SurveyClosed { supplier: row.supplier_name, customer: row.customer_name },
                        round,
                    )
                    .to(&leads)],
                )?;
                record_at(
                    &mut tx,
                    None,
                    now,
                    "relationship",
                    row.relationship_id,
                    "survey_closed",
                    json!({ "round": round }),
                )?;
                Ok(())
            })
            .await
    }

    /// A relationship's survey schedule.
    #[tracing::instrument(skip_all)]
    pub async fn survey_schedule(&self, relationship: i64) -> Result<SurveySchedule> {
        self.db
            .read(move |mut tx| {
                let (rule, next): (String, Option<i64>) = tx
                    .exec()
                    .optional(
                        "SELECT survey_rule, survey_next_at FROM relationships WHERE id = $1",
                        args![relationship],
                    )?
                    .ok_or(StoreError::NotFound("relationship"))?;
                Ok(SurveySchedule { rule, next_at: next.map(|t| Millis(t).to_utc()) })
            })
            .await
    }

    /// Sets how often a relationship is surveyed (either team's leads); the next round moves to
    /// the rule's next date from now.
    #[tracing::instrument(skip_all)]
    pub async fn set_survey_schedule(
        &self,
        actor: &Actor,
        relationship: i64,
        rule: &str,
        now: Millis,
    ) -> Result<SurveySchedule> {
        let actor = actor.to_owned();
        let rule = rule.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                let rule: &str = &rule;
                let (s, c) = crate::network::relationship_teams(tx.exec(), relationship)?;
                if !actor.can_manage_either(s, c) {
                    return Err(Forbidden("change the survey schedule: the two teams' leads only").into());
                }
                let (rule, next) = check_rule(rule, now.0)?;
                tx.exec().execute(
                    "UPDATE relationships SET survey_rule = $1, survey_next_at = $2 WHERE id = $3",
                    args![&rule, next, relationship],
                )?;
                record_at(
                    &mut tx,
                    actor.person_id,
                    now,
                    "relationship",
                    relationship,
                    "survey_schedule",
                    json!({ "rule": rule }),
                )?;
                Ok(SurveySchedule { rule, next_at: Some(Millis(next).to_utc()) })
            })
            .await
    }

    /// The surveys waiting for the actor's answers.
    #[tracing::instrument(skip_all)]
    pub async fn survey_invitations(&self, actor: &Actor, now: Millis) -> Result<Vec<Invitation>> {
        let actor = actor.to_owned();
        self.db.read(move |mut tx| {
            let actor: &Actor = &actor;
            let me = actor.person_id.map_or(-1, |p| p.0);
            let rows: Vec<(i64, String)> = tx.exec()
                .all(
                    "SELECT i.round_id, i.audience FROM survey_invitations i JOIN survey_rounds sr ON sr.id = i.round_id \
                     WHERE i.person_id = $1 AND NOT i.answered AND sr.closed_at IS NULL AND sr.closes_at > $2 ORDER BY sr.closes_at",
                    args![me, now.0],
                )?;
            let mut out = Vec::with_capacity(rows.len());
            for (round, audience) in rows {
                let audience = Audience::parse(&audience).unwrap_or(Audience::AboutSupplier);
                let row = round_row(tx.exec(), round)?;
                out.push(Invitation {
                    round_id: RoundId(round),
                    audience,
                    relationship_id: row.relationship_id,
                    supplier_key: row.supplier_key,
                    supplier_name: row.supplier_name,
                    customer_key: row.customer_key,
                    customer_name: row.customer_name,
                    closes_at: Millis(row.closes_at).to_utc(),
                    questions: round_questions(tx.exec(), round, audience)?,
                });
            }
            Ok(out)
        })
        .await
    }

    /// Records one person's answers: the invitation is marked answered, and the answers are
    /// stored with no link to the person.
    #[tracing::instrument(skip_all)]
    pub async fn answer_survey(&self, actor: &Actor, round: RoundId, answers: Answers, now: Millis) -> Result<()> {
        let actor = actor.to_owned();
        self.db.write(move |mut tx| {
            let actor: &Actor = &actor;
            let me = actor.person_id.ok_or(Forbidden("answer a survey without signing in"))?;
            let round = round.0;
            let row = round_row(tx.exec(), round)?;
            let mine: Vec<(String, bool)> = tx
                .exec()
                .all(
                    "SELECT audience, answered FROM survey_invitations WHERE round_id = $1 AND person_id = $2",
                    args![round, me],
                )?;
            if mine.is_empty() {
                return Err(Forbidden("answer this survey: you were not asked").into());
            }
            let audience = match (answers.audience, mine.as_slice()) {
                (Some(a), _) => a,
                (None, [(only, _)]) => Audience::parse(only).unwrap_or(Audience::AboutSupplier),
                (None, _) => {
                    return Err(Invalid::one("audience", "you are in both teams: say which survey you answer").into())
                }
            };
            let Some((_, answered)) = mine.iter().find(|(a, _)| a == audience.as_str()) else {
                return Err(Invalid::one("audience", "you were not asked this side of the survey").into());
            };
            if *answered {
                return Err(StoreError::Conflict(FieldError::new("survey", "you have already answered this survey")));
            }
            if row.closed_at.is_some() || now.0 >= row.closes_at {
                return Err(StoreError::IllegalTransition("this survey has closed".to_owned()));
            }
            let questions = round_questions(tx.exec(), round, audience)?;
            let checked = answers.check(&questions)?;
            let marked = tx
                .exec()
                .execute(
                    "UPDATE survey_invitations SET answered = TRUE WHERE round_id = $1 AND person_id = $2 AND audience = $3 AND NOT answered",
                    args![round, me, audience.as_str()],
                )?;
            if marked == 0 {
                return Err(StoreError::Conflict(FieldError::new("survey", "you have already answered this survey")));
            }
            let id = random_id(tx.backend());
            let response: i64 = tx
                .exec()
                .scalar(
                    &format!("INSERT INTO survey_responses (id, round_id, audience) VALUES ({id}, $1, $2) RETURNING id"),
                    args![round, audience.as_str()],
                )?;
            for (question, score) in &checked.scores {
                tx.exec()
                    .execute(
                        "INSERT INTO survey_scores (response_id, question_id, score) VALUES ($1, $2, $3)",
                        args![response, *question, *score],
                    )?;
            }
            for (kind, text) in [("start", &checked.start), ("stop", &checked.stop)] {
                if !text.is_empty() {
                    tx.exec()
                        .execute(
                            &format!("INSERT INTO survey_texts (id, round_id, audience, kind, text) VALUES ({id}, $1, $2, $3, $4)"),
                            args![round, audience.as_str(), kind, text],
                        )?;
                }
            }
            // No event: the history would say who answered when.
            Ok(())
        })
        .await
    }

    /// One round's results, as the anonymity rules allow (members of either team).
    #[tracing::instrument(skip_all)]
    pub async fn survey_results(&self, actor: &Actor, round: RoundId, now: Millis) -> Result<RoundResults> {
        let row = self.db.read(move |mut tx| round_row(tx.exec(), round.0)).await?;
        require_sees(actor, &row)?;
        let rounds = self.rounds_of(row.relationship_id, now).await?;
        rounds.into_iter().find(|r| r.round_id == round).ok_or(StoreError::NotFound("survey round"))
    }

    /// A relationship's survey rounds, newest first, each with the change since the round before
    /// (members of either team).
    #[tracing::instrument(skip_all)]
    pub async fn relationship_surveys(
        &self,
        actor: &Actor,
        relationship: i64,
        now: Millis,
    ) -> Result<Vec<RoundResults>> {
        let (s, c) = self.db.read(move |mut tx| crate::network::relationship_teams(tx.exec(), relationship)).await?;
        if !(actor.works_in(s) || actor.works_in(c)) {
            return Err(Forbidden("see this relationship's surveys: members of the two teams only").into());
        }
        let mut rounds = self.rounds_of(relationship, now).await?;
        rounds.reverse();
        Ok(rounds)
    }

    /// Every round of a relationship, oldest first, as the anonymity rules show them; for the
    /// store's own readers (a review's agenda), who have checked who may see them.
    pub(crate) async fn survey_rounds_of(&self, relationship: i64, now: Millis) -> Result<Vec<RoundResults>> {
        self.rounds_of(relationship, now).await
    }

    /// Every round of a relationship, oldest first, with results through the anonymity rules.
    async fn rounds_of(&self, relationship: i64, now: Millis) -> Result<Vec<RoundResults>> {
        self.db
            .read(move |mut tx| {
                let rows: Vec<RoundRow> = tx.exec().all(
                    &format!("{ROUND_SELECT} WHERE sr.relationship_id = $1 ORDER BY sr.opened_at"),
                    args![relationship],
                )?;
                let min_group = crate::ratings::settings_in(tx.exec())?.min_group;
                let mut out: Vec<RoundResults> = Vec::with_capacity(rows.len());
                let mut previous: BTreeMap<Audience, AudienceResult> = BTreeMap::new();
                for row in rows {
                    let closed = row.closed_at.is_some() || now.0 >= row.closes_at;
                    let mut by_audience = BTreeMap::new();
                    for audience in Audience::BOTH {
                        let collected = collect(&mut tx, row.id, audience)?;
                        let result = results(&collected, closed, min_group, previous.get(&audience), row.id as u64);
                        if result.shown {
                            previous.insert(audience, result.clone());
                        }
                        by_audience.insert(audience, result);
                    }
                    out.push(RoundResults {
                        round_id: RoundId(row.id),
                        relationship_id: row.relationship_id,
                        supplier_key: row.supplier_key,
                        supplier_name: row.supplier_name,
                        customer_key: row.customer_key,
                        customer_name: row.customer_name,
                        opened_at: Millis(row.opened_at).to_utc(),
                        closes_at: Millis(row.closes_at).to_utc(),
                        closed,
                        about_supplier: by_audience.remove(&Audience::AboutSupplier).unwrap_or_default(),
                        about_customer: by_audience.remove(&Audience::AboutCustomer).unwrap_or_default(),
                        min_group,
                    });
                }
                Ok(out)
            })
            .await
    }
}

/// Who was asked in a round, with their email and audience (for the demo's answers).
pub(crate) fn invited(exec: Exec<'_>, round: i64) -> Result<Vec<(i64, String, String)>> {
    Ok(exec.all(
        "SELECT i.person_id, p.email, i.audience FROM survey_invitations i JOIN people p ON p.id = i.person_id \
             WHERE i.round_id = $1 ORDER BY p.email",
        args![round],
    )?)
}

/// What one audience of a round gave, read in one snapshot.
fn collect(tx: &mut Tx, round: i64, audience: Audience) -> Result<Collected> {
    let (invited, responded): (i64, i64) = tx
        .exec()
        .optional(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN answered THEN 1 ELSE 0 END), 0) FROM survey_invitations \
             WHERE round_id = $1 AND audience = $2",
            args![round, audience.as_str()],
        )?
        .unwrap_or((0, 0));
    let questions = round_questions(tx.exec(), round, audience)?;
    let given: Vec<(i64, i64)> = tx.exec().all(
        "SELECT sc.question_id, sc.score FROM survey_scores sc JOIN survey_responses r ON r.id = sc.response_id \
             WHERE r.round_id = $1 AND r.audience = $2",
        args![round, audience.as_str()],
    )?;
    let scores = questions
        .into_iter()
        .map(|q| {
            let mine: Vec<i64> = given.iter().filter(|(id, _)| *id == q.id).map(|(_, s)| *s).collect();
            (q.id, q.text, mine)
        })
        .collect();
    let texts: Vec<(String, String)> = tx.exec().all(
        "SELECT kind, text FROM survey_texts WHERE round_id = $1 AND audience = $2 ORDER BY id",
        args![round, audience.as_str()],
    )?;
    let (start, stop): (Vec<_>, Vec<_>) = texts.into_iter().partition(|(kind, _)| kind == "start");
    Ok(Collected {
        invited,
        responded,
        scores,
        start: start.into_iter().map(|(_, t)| t).collect(),
        stop: stop.into_iter().map(|(_, t)| t).collect(),
    })
}

/// The round id in a survey job's payload.
pub(crate) fn round_payload(payload: &str, key: &str) -> Result<i64> {
    #[derive(serde::Deserialize)]
    struct P {
        round_id: i64,
    }
    serde_json::from_str::<P>(payload).map(|p| p.round_id).map_err(|e| StoreError::Corrupt(format!("job {key}: {e}")))
}
