//! Loads the demo organisation exactly once, even when several nodes start together.

use concentric_core::authz::Actor;
use concentric_core::business_time::{add_business_ms, business_ms_between};
use concentric_core::calendar::CalendarSpec;
use concentric_core::demo::{
    DemoCommitment, DemoHistory, DemoOrg, DemoRequest, DemoReview, DemoService, DemoStep, PastDelivery,
};
use concentric_core::goal::NewGoal;
use concentric_core::import::{Parsed, PersonRow, TeamRow};
use concentric_core::rating::{Flag, Scale};
use concentric_core::relationship::Side;
use concentric_core::request::CommentKind;
use concentric_core::request::Status;
use concentric_core::review::{ActionPatch, ActionStatus, NewAction, NewReview, ReviewRecord, ReviewStatus};
use concentric_core::survey::{Answers, Audience};
use concentric_core::target::{Clock, ClockKind, NewTargetPolicy};
use concentric_core::team::MemberRole;
use concentric_core::time::Millis;
use concentric_core::{PersonId, RequestId};

use crate::db::args;
use crate::import::{import_people_in, import_teams_in};
use crate::people::id_by_email;
use crate::{Result, Store, StoreError};

const DEMO_KEY: &str = "demo_loaded_at";
const CATALOG_KEY: &str = "demo_catalog_loaded_at";
const REQUESTS_KEY: &str = "demo_requests_loaded_at";
const TARGETS_KEY: &str = "demo_targets_loaded_at";
const HISTORY_KEY: &str = "demo_history_loaded_at";
const NETWORK_KEY: &str = "demo_network_loaded_at";
const COMMITMENTS_KEY: &str = "demo_commitments_loaded_at";
const RATINGS_KEY: &str = "demo_ratings_loaded_at";
const REVIEWS_KEY: &str = "demo_reviews_loaded_at";
const SURVEYS_KEY: &str = "demo_surveys_loaded_at";
const CHANNELS_KEY: &str = "demo_channels_loaded_at";
const CAPACITY_KEY: &str = "demo_capacity_loaded_at";
const NEWS_KEY: &str = "demo_news_loaded_at";
const MEETINGS_KEY: &str = "demo_meetings_loaded_at";
const THANKS_KEY: &str = "demo_thanks_loaded_at";
const PLACEMENTS_KEY: &str = "demo_placements_loaded_at";
const HELPS_KEY: &str = "demo_helps_loaded_at";

impl Store {
    /// Writes the demo organisation unless it was loaded before; returns whether it was loaded now.
    /// `password_hashes` gives the sign-in accounts their (already hashed) password.
    #[tracing::instrument(skip_all)]
    pub async fn load_demo(&self, org: &DemoOrg, password_hashes: &[(String, String)]) -> Result<bool> {
        let org = org.to_owned();
        let password_hashes = password_hashes.to_owned();
        self.db
            .write(move |mut tx| {
                let org: &DemoOrg = &org;
                let password_hashes: &[(String, String)] = &password_hashes;
                // Claiming the marker first makes a second node wait here, then see it taken.
                if !claim(&mut tx, DEMO_KEY)? {
                    return Ok(false);
                }
                let actor = Actor::system();
                let teams = org
                    .teams
                    .iter()
                    .enumerate()
                    .map(|(i, t)| TeamRow { line: i as u64 + 1, team: t.clone() })
                    .collect();
                import_teams_in(&mut tx, &actor, Parsed { rows: teams, errors: Vec::new() })?;
                let people = org
                    .people
                    .iter()
                    .enumerate()
                    .map(|(i, p)| PersonRow {
                        line: i as u64 + 1,
                        person: p.person.clone(),
                        teams: vec![(p.team_key.to_owned(), p.role)],
                    })
                    .collect();
                import_people_in(&mut tx, &actor, Parsed { rows: people, errors: Vec::new() })?;
                let now = Millis::now().0;
                for (email, hash) in password_hashes {
                    let id = id_by_email(tx.exec(), email)?.ok_or(StoreError::NotFound("demo account"))?;
                    tx.exec().execute(
                        "INSERT INTO credentials (person_id, password_hash, updated_at) VALUES ($1, $2, $3) \
                         ON CONFLICT (person_id) DO NOTHING",
                        args![id, hash, now],
                    )?;
                }
                Ok(true)
            })
            .await
    }

    /// Publishes the demo catalog once (its own marker, so older demo databases get it too).
    #[tracing::instrument(skip_all)]
    pub async fn load_demo_catalog(&self, services: &[DemoService]) -> Result<bool> {
        let services = services.to_owned();
        self.db
            .write(move |mut tx| {
                let services: &[DemoService] = &services;
                if !claim(&mut tx, CATALOG_KEY)? {
                    return Ok(false);
                }
                let actor = Actor::system();
                for s in services {
                    let team = crate::teams::team_id_by_key(tx.exec(), s.team_key)?
                        .ok_or(StoreError::NotFound("demo team"))?;
                    let new = s.service.clone().validate()?;
                    crate::services::insert_service(&mut tx, &actor, team, &new)?;
                }
                Ok(true)
            })
            .await
    }

    /// Files the demo requests once, through the same paths people use, and works them.
    #[tracing::instrument(skip_all)]
    pub async fn load_demo_requests(&self, requests: &[DemoRequest], reopen_window_ms: i64) -> Result<bool> {
        if !self.claim(REQUESTS_KEY).await? {
            return Ok(false);
        }
        for r in requests {
            let requester = self.person_by_email(&r.requester_email).await?;
            let asker = self.actor_for(requester.id).await?;
            let service = self.service_by_slug(r.team_key, r.slug).await?;
            let new = concentric_core::request::NewRequest {
                subject: r.subject.to_owned(),
                fields: r.fields.clone(),
                ..Default::default()
            };
            let req = self.create_request(&asker, service.id, new).await?;
            // The assignee works it; unassigned requests are picked up by the team's lead.
            let worker = match req.assignee_id {
                Some(a) => a,
                None => self
                    .team_members(req.team_id)
                    .await?
                    .first()
                    .map(|m| m.person_id)
                    .ok_or(StoreError::NotFound("demo lead"))?,
            };
            let agent = self.actor_for(worker).await?;
            if req.assignee_id.is_none() && !r.steps.is_empty() {
                self.assign(&agent, &req.key, Some(worker)).await?;
            }
            for step in &r.steps {
                match step {
                    DemoStep::AgentReply(text) => self
                        .add_comment(&agent, &req.key, CommentKind::Reply, text, reopen_window_ms)
                        .await
                        .map(drop)?,
                    DemoStep::AgentNote(text) => {
                        self.add_comment(&agent, &req.key, CommentKind::Note, text, reopen_window_ms).await.map(drop)?
                    }
                    DemoStep::RequesterReply(text) => self
                        .add_comment(&asker, &req.key, CommentKind::Reply, text, reopen_window_ms)
                        .await
                        .map(drop)?,
                    DemoStep::Status(to) => self.change_status(&agent, &req.key, *to).await.map(drop)?,
                }
            }
        }
        Ok(true)
    }
}

impl Store {
    /// Gives the demo teams their calendars and the demo services their targets, once.
    #[tracing::instrument(skip_all)]
    pub async fn load_demo_targets(
        &self,
        calendars: &[(String, CalendarSpec)],
        targets: &[(&'static str, String, NewTargetPolicy)],
    ) -> Result<bool> {
        if !self.claim(TARGETS_KEY).await? {
            return Ok(false);
        }
        let system = Actor::system();
        for (team, spec) in calendars {
            let team = self.team_by_key(team).await?;
            self.set_calendar(&system, Some(team.id), spec).await?;
        }
        for (team, slug, policy) in targets {
            let service = self.service_by_slug(team, slug).await?;
            self.set_target_policy(&system, service.id, policy).await?;
        }
        Ok(true)
    }

    /// Declares the demo's relationships (agreed, or left proposed), business goals and team goals, once.
    #[tracing::instrument(skip_all)]
    pub async fn load_demo_network(
        &self,
        relationships: &[(concentric_core::relationship::NewRelationship, bool)],
        business_goals: &[NewGoal],
        goals: &[(&'static str, NewGoal)],
    ) -> Result<bool> {
        if !self.claim(NETWORK_KEY).await? {
            return Ok(false);
        }
        let system = Actor::system();
        for (rel, agreed) in relationships {
            let r = self.propose_relationship(&system, rel.clone()).await?;
            if *agreed {
                self.answer_relationship(&system, r.id, true).await?;
            }
        }
        let mut business = Vec::new();
        for goal in business_goals {
            business.push(self.save_business_goal(&system, None, goal.clone()).await?.id);
        }
        for (team, goal) in goals {
            let team = self.team_by_key(team).await?;
            // The demo names a business goal by its position in the list.
            let supports = goal.business_goal_id.and_then(|n| business.get(usize::try_from(n - 1).ok()?).copied());
            self.save_goal(&system, team.id, None, NewGoal { business_goal_id: supports, ..goal.clone() }).await?;
        }
        Ok(true)
    }

    /// Restores the demo's past weeks of requests once: filed, answered and resolved at the
    /// times the history gives, with their clocks and breaches as they would have been recorded.
    #[tracing::instrument(skip_all)]
    pub async fn load_demo_history(&self, history: &[DemoHistory]) -> Result<bool> {
        if !self.claim(HISTORY_KEY).await? {
            return Ok(false);
        }
        let now = Millis::now().0;
        for h in history {
            let service = self.service_by_slug(h.team_key, &h.slug).await?;
            let (service_id, team_id) = (service.id, service.team_id);
            let (policy, cal) = self
                .db
                .read(move |mut tx| {
                    Ok((
                        crate::clocks::current_policy(tx.exec(), service_id)?,
                        crate::clocks::calendar_of(tx.exec(), team_id)?,
                    ))
                })
                .await?;
            let Some(policy) = policy else { continue };
            let requester = self.person_by_email(&h.requester_email).await?;
            let worker = self.team_members(service.team_id).await?.last().map(|m| m.person_id);
            let h = h.clone();
            // Filed at a working moment, so the shares below are working time from the start.
            let created = add_business_ms(now - h.age_minutes * 60_000, 1, &cal);
            let target = |kind| policy.target_ms(h.priority, kind).unwrap_or(3_600_000);
            let replied =
                add_business_ms(created, target(ClockKind::FirstResponse) * h.response_share / 100, &cal).min(now);
            let resolved = h
                .resolution_share
                .map(|share| add_business_ms(created, target(ClockKind::Resolution) * share / 100, &cal).max(replied))
                .filter(|r| *r < now);
            let status = match resolved {
                Some(r) if now - r > 7 * 86_400_000 => Status::Closed,
                Some(_) => Status::Resolved,
                None => Status::InProgress,
            };
            self.db
                .write(move |mut tx| {
                    let target = |kind| policy.target_ms(h.priority, kind).unwrap_or(3_600_000);
                let number = crate::requests::next_number(&mut tx, service.team_id)?;
                let key = format!("{}-{number}", service.team_key);
                let closed = (status == Status::Closed).then(|| resolved.unwrap_or(now) + 7 * 86_400_000);
                let id: i64 = tx
                    .exec()
                    .insert_id(
                        "INSERT INTO requests (key, team_id, number, service_id, form_version, requester_id, on_behalf_team_id, \
                         subject, description, fields, priority, status, assignee_id, created_at, updated_at, first_response_at, \
                         resolved_at, closed_at, policy_id) \
                         VALUES ($1, $2, $3, $4, $5, $6, (SELECT team_id FROM team_members WHERE person_id = $6 ORDER BY team_id LIMIT 1), \
                         $7, $17, '{}', $8, $9, $10, $11, $12, $13, $14, $15, $16)",
                        args![&key, service.team_id, number, service.id, service.form.version, requester.id, &h.subject,
                            h.priority.as_i64(), status.as_str(), worker, created, resolved.or(Some(replied)).unwrap_or(created),
                            replied, resolved, closed, policy.id, &h.description],
                    )?;
                let text = format!("{key} {}\n{}", h.subject, h.description);
                crate::search::index(&mut tx, RequestId(id), "request", &text)?;
                let detail = serde_json::json!({ "key": key });
                crate::events::record_at(&mut tx, Some(requester.id), Millis(created), "request", id, "created", detail)?;
                if let Some(w) = worker {
                    tx.exec()
                        .execute(
                            "INSERT INTO comments (request_id, author_id, kind, body, created_at) VALUES ($1, $2, 'reply', $3, $4)",
                            args![id, w, "Thanks, we are on it.", replied],
                        )?;
                }
                for kind in ClockKind::ALL {
                    let stopped = match kind {
                        ClockKind::FirstResponse => Some(replied),
                        ClockKind::Resolution => resolved,
                    };
                    let clock = Clock {
                        request_id: RequestId(id),
                        kind,
                        target_ms: target(kind),
                        elapsed_ms: business_ms_between(created, stopped.unwrap_or(created), &cal),
                        running_since: if stopped.is_some() { None } else { Some(created) },
                        stopped_at: stopped,
                        at_risk_percent: policy.at_risk_percent,
                        breach_recorded: false,
                    };
                    crate::clocks::insert_past_clock(&mut tx, &clock, now, &cal)?;
                }
                    Ok(())
                })
                .await?;
        }
        Ok(true)
    }
}

impl Store {
    /// Adds the demo's commitments once, with their past occurrences delivered as each one's
    /// story says: mostly on time, some late, one sent back now and then, one still missing.
    #[tracing::instrument(skip_all)]
    pub async fn load_demo_commitments(&self, demo: &[DemoCommitment]) -> Result<bool> {
        if !self.claim(COMMITMENTS_KEY).await? {
            return Ok(false);
        }
        let now = Millis::now();
        let hour = 3_600_000;
        for d in demo {
            let c = self.create_commitment(&Actor::system(), d.commitment.clone(), now).await?;
            let Some(schedule) = c.schedule() else { continue };
            let (provider_id, receiver_id) = (c.provider_id, c.receiver_id);
            let (provider, receiver, answerer) = self
                .db
                .read(move |mut tx| {
                    Ok((
                        crate::clocks::calendar_of(tx.exec(), provider_id)?,
                        crate::clocks::calendar_of(tx.exec(), receiver_id)?,
                        crate::commitments::team_leads(tx.exec(), receiver_id)?.first().copied(),
                    ))
                })
                .await?;
            let dues = schedule.dues_between(now.0 - 400 * 86_400_000, now.0, 200);
            let owner = PersonId(c.owner.id);
            let mut restored = Vec::new();
            for (due, outcome) in dues.iter().zip(d.history(dues.len())) {
                let deadline = concentric_core::commitment::deadline(*due, c.grace_ms, &provider);
                let answer = |at: i64, ok: bool, reason: &str| {
                    let when = add_business_ms(at, hour, &receiver);
                    answerer.filter(|_| when < now.0).map(|who| (when, who, ok, reason.to_owned()))
                };
                let delivery = |at: i64, note: &str, answer| crate::commitments::PastDelivery {
                    at,
                    by: owner,
                    note: note.to_owned(),
                    answer,
                };
                let late = |minutes: i64| add_business_ms(*due, minutes * 60_000, &provider);
                let mut deliveries = match outcome {
                    PastDelivery::Early(minutes) => {
                        let at = due - minutes * 60_000;
                        vec![delivery(at, "Attached as agreed.", answer(at, true, ""))]
                    }
                    PastDelivery::Late(minutes) => {
                        let at = late(minutes);
                        vec![delivery(at, "Sorry for the delay.", answer(at, true, ""))]
                    }
                    PastDelivery::SentBack(minutes) => {
                        let first = due - 2 * hour;
                        let again = late(minutes);
                        vec![
                            delivery(
                                first,
                                "Attached.",
                                answer(first, false, "Incomplete: part of the checklist is missing."),
                            ),
                            delivery(again, "Completed, with the missing part.", answer(again, true, "")),
                        ]
                    }
                    PastDelivery::Missing => Vec::new(),
                };
                // A delivery the story places after now has not happened yet.
                deliveries.retain(|x| x.at < now.0);
                restored.push((*due, deadline, deliveries));
            }
            self.db
                .write(move |mut tx| {
                    for (due, deadline, deliveries) in restored {
                        crate::commitments::restore_occurrence(&mut tx, &c, due, deadline, &deliveries, now.0)?;
                    }
                    Ok(())
                })
                .await?;
        }
        Ok(true)
    }
}

crate::db::row! {
    struct ResolvedRow {
        id: i64,
        key: String,
        requester_id: i64,
        assignee_id: Option<i64>,
        resolved_at: i64,
        breached: i64,
    }
}

impl Store {
    /// Rates the demo's resolved requests once, as their requesters and providing teams would
    /// have: most rated, late ones more often poorly (see `concentric_core::demo::rating`).
    #[tracing::instrument(skip_all)]
    pub async fn load_demo_ratings(&self) -> Result<usize> {
        self.db.write(move |mut tx| {
            if !claim(&mut tx, RATINGS_KEY)? {
                return Ok(0);
            }
            let now = Millis::now().0;
            let resolved: Vec<ResolvedRow> = tx
                .exec()
                .all(
                    "SELECT r.id, r.key, r.requester_id, r.assignee_id, r.resolved_at, \
                     CAST(COALESCE((SELECT CASE WHEN c.elapsed_ms > c.target_ms THEN 1 ELSE 0 END FROM request_clocks c \
                     WHERE c.request_id = r.id AND c.kind = 'resolution'), 0) AS BIGINT) AS breached \
                     FROM requests r WHERE r.resolved_at < $1 AND r.status IN ('resolved', 'closed') ORDER BY r.id",
                    // Requests resolved today are left for the demo's people to rate.
                    args![now - 86_400_000],
                )?;
            let mut rated = 0;
            for r in resolved {
                let Some(demo) = concentric_core::demo::rating(&r.key, r.breached > 0) else { continue };
                let at = (r.resolved_at + demo.after_hours * 3_600_000).min(now - 60_000);
                let mut given = vec![("requester", demo.score, demo.comment.to_owned(), String::new(), r.requester_id)];
                if let (Some((score, flags)), Some(agent)) = (&demo.provider, r.assignee_id) {
                    given.push(("provider", *score, String::new(), Flag::join(flags), agent));
                }
                for (direction, score, comment, flags, by) in given {
                    tx.exec()
                        .execute(
                            "INSERT INTO ratings (request_id, direction, scale_max, score, comment, flags, rated_by, created_at, updated_at) \
                             VALUES ($1, $2, 3, $3, $4, $5, $6, $7, $7) ON CONFLICT (request_id, direction) DO NOTHING",
                            args![r.id, direction, score, comment, flags, by, at],
                        )?;
                }
                let detail = serde_json::json!({ "rating": Scale::ThreePoint.word(demo.score) });
                crate::events::record_at(
                    &mut tx,
                    Some(PersonId(r.requester_id)),
                    Millis(at),
                    "request",
                    r.id,
                    "rated",
                    detail,
                )?;
                rated += 1;
            }
            Ok(rated)
        })
        .await
    }
}

impl Store {
    /// Holds the demo's partnership reviews once, through the same paths people use, at the
    /// times the story gives: agendas are kept as they stood then, action items are agreed, some
    /// done since and one overdue, and the coming reviews are planned.
    #[tracing::instrument(skip_all)]
    pub async fn load_demo_reviews(&self, demo: &[DemoReview]) -> Result<usize> {
        if !self.claim(REVIEWS_KEY).await? {
            return Ok(0);
        }
        let system = Actor::system();
        let now = Millis::now().0;
        const DAY: i64 = 86_400_000;
        for d in demo {
            let supplier = self.team_by_key(d.supplier).await?;
            let customer = self.team_by_key(d.customer).await?;
            let supplier_id = supplier.id;
            let zone = self.db.read(move |mut tx| crate::clocks::calendar_of(tx.exec(), supplier_id)).await?.zone();
            let mut attendees = Vec::new();
            let mut leads = Vec::new();
            for team in [supplier.id, customer.id] {
                let members = self.team_members(team).await?;
                let lead = members.iter().find(|m| m.role == MemberRole::Lead).or(members.first());
                leads.push(lead.map(|m| m.person_email.clone()).unwrap_or_default());
                attendees.extend(members.iter().take(2).map(|m| m.person_email.clone()));
            }
            let day = Millis(now - d.days_ago * DAY).to_utc().with_timezone(&zone).date_naive();
            let new = NewReview {
                supplier: d.supplier.to_owned(),
                customer: d.customer.to_owned(),
                title: d.title.to_owned(),
                scheduled_for: format!("{day}T10:00"),
                zone: Some(zone.name().to_owned()),
                rule: d.rule.map(str::to_owned),
                attendees,
            };
            let planned_at = Millis((now - (d.days_ago + 14) * DAY).min(now));
            let review = self.plan_review(&system, new, planned_at).await?;
            if !d.held {
                continue;
            }
            let held_at = Millis(review.scheduled_at.timestamp_millis() + 2 * 3_600_000);
            let record = ReviewRecord {
                notes: d.notes.to_owned(),
                decisions: d.decisions.to_owned(),
                status: Some(ReviewStatus::Held),
                attendees: None,
            };
            self.record_review(&system, review.id, record, held_at).await?;
            for a in &d.actions {
                let owner = match a.owner {
                    Side::Supplier => leads[0].clone(),
                    Side::Customer => leads[1].clone(),
                };
                let due = day + chrono::Days::new(a.due_after_days.unsigned_abs());
                let new = NewAction { title: a.title.to_owned(), owner, due_on: due.to_string(), effort_hours: None };
                let item = self.add_action(&system, review.id, new, held_at).await?;
                if a.done {
                    let done_at = Millis((item.due_at.timestamp_millis() - 2 * DAY).min(now));
                    let patch = ActionPatch { status: Some(ActionStatus::Done), ..ActionPatch::default() };
                    self.update_action(&system, item.id, patch, done_at).await?;
                }
            }
        }
        Ok(demo.len())
    }
}

impl Store {
    /// Runs the demo's survey rounds once: two closed rounds on every agreed relationship,
    /// answered as `concentric_core::demo::surveys` says, and a round open now between IT
    /// Services and Sales that `skip` (the demo's sign-in accounts) have yet to answer. The
    /// other relationships' next rounds are spread over the coming weeks.
    #[tracing::instrument(skip_all)]
    pub async fn load_demo_surveys(&self, skip: &[String]) -> Result<usize> {
        if !self.claim(SURVEYS_KEY).await? {
            return Ok(0);
        }
        const DAY: i64 = 86_400_000;
        let now = Millis::now().0;
        let relationships: Vec<(i64, String, String, String)> = self
            .db
            .read(move |mut tx| {
                Ok(tx.exec().all(
                "SELECT r.id, s.key, c.key, r.survey_rule FROM relationships r JOIN teams s ON s.id = r.supplier_id \
                 JOIN teams c ON c.id = r.customer_id WHERE r.status = 'active' ORDER BY r.id",
                args![],
            )?)
            })
            .await?;
        for (n, (id, supplier, customer, rule)) in relationships.iter().enumerate() {
            let id = *id;
            for (round_no, opened) in [(0, now - 110 * DAY), (1, now - 20 * DAY)] {
                let round = self.open_round(id, rule, Millis(opened), false).await?;
                self.answer_demo_round(round, supplier, customer, round_no, Millis(opened + 2 * DAY), &[]).await?;
                self.close_survey(round, Millis(opened + concentric_core::survey::OPEN_MS), false).await?;
            }
            if (supplier.as_str(), customer.as_str()) == ("IT", "SAL") {
                let round = self.open_round(id, rule, Millis(now - 3 * DAY), false).await?;
                self.answer_demo_round(round, supplier, customer, 1, Millis(now - 2 * DAY), skip).await?;
            } else {
                let next = now + (5 + (n as i64 * 7) % 60) * DAY;
                self.db
                    .write(move |mut tx| {
                        Ok(tx
                            .exec()
                            .execute("UPDATE relationships SET survey_next_at = $1 WHERE id = $2", args![next, id])?)
                    })
                    .await?;
            }
        }
        Ok(relationships.len())
    }

    async fn answer_demo_round(
        &self,
        round: i64,
        supplier: &str,
        customer: &str,
        round_no: usize,
        at: Millis,
        skip: &[String],
    ) -> Result<()> {
        let questions = self.demo_round_questions(round).await?;
        let invited = self.db.read(move |mut tx| crate::surveys::invited(tx.exec(), round)).await?;
        for (person, email, audience) in invited {
            let about_supplier = audience == Audience::AboutSupplier.as_str();
            let asked: Vec<i64> = questions.iter().filter(|(_, a)| *a == audience).map(|(q, _)| *q).collect();
            if skip.contains(&email) {
                continue;
            }
            let Some((scores, start, stop)) = concentric_core::demo::surveys::answers(
                supplier,
                customer,
                round_no,
                &email,
                about_supplier,
                asked.len(),
            ) else {
                continue;
            };
            let answers = Answers {
                audience: Audience::parse(&audience),
                scores: asked.iter().map(|q| q.to_string()).zip(scores).collect(),
                start: start.to_owned(),
                stop: stop.to_owned(),
            };
            let actor = self.actor_for(PersonId(person)).await?;
            self.answer_survey(&actor, concentric_core::RoundId(round), answers, at).await?;
        }
        Ok(())
    }

    async fn demo_round_questions(&self, round: i64) -> Result<Vec<(i64, String)>> {
        self.db
            .read(move |mut tx| {
                Ok(tx.exec().all(
                    "SELECT question_id, audience FROM survey_round_questions WHERE round_id = $1 ORDER BY position",
                    args![round],
                )?)
            })
            .await
    }
}

impl Store {
    /// Connects the demo to the outside, once: mail to it-help@ files "Ask IT" requests, and IT
    /// has a chat-room webhook, paused because the demo's chat server does not exist.
    #[tracing::instrument(skip_all)]
    pub async fn load_demo_channels(&self, webhook_secret: &str) -> Result<bool> {
        if !self.claim(CHANNELS_KEY).await? {
            return Ok(false);
        }
        let system = Actor::system();
        let help = self.service_by_slug("IT", "help").await?;
        self.add_mail_route(&system, concentric_core::demo::IT_HELP_ADDRESS, help.id).await?;
        let it = self.team_by_key("IT").await?;
        let hook = concentric_core::webhook::WebhookInput {
            name: String::from("#it-requests in chat"),
            url: format!("https://chat.{}/hooks/it-requests", concentric_core::demo::DEMO_DOMAIN),
            format: concentric_core::webhook::WebhookFormat::Slack,
            events: vec![
                concentric_core::webhook::WebhookEventKind::RequestCreated,
                concentric_core::webhook::WebhookEventKind::RequestBreached,
            ],
            active: false,
        };
        self.create_webhook(&system, Some(it.id), hook, webhook_secret).await?;
        Ok(true)
    }
}

impl Store {
    /// Gives the demo's forecast something to say, once: half of IT off in the week before
    /// Christmas, a few other days off, the team's estimates on some open requests, and time
    /// logged on resolved ones (a little under or over their service's effort).
    #[tracing::instrument(skip_all)]
    pub async fn load_demo_capacity(&self, today: chrono::NaiveDate) -> Result<bool> {
        use chrono::Datelike;
        if !self.claim(CAPACITY_KEY).await? {
            return Ok(false);
        }
        let system = Actor::system();
        let it = self.team_by_key("IT").await?;
        let members = self.team_members(it.id).await?;
        // The coming week of 21 December (this year's, or next year's once it has passed).
        let year = if today > chrono::NaiveDate::from_ymd_opt(today.year(), 12, 20).unwrap_or(today) {
            today.year() + 1
        } else {
            today.year()
        };
        let start = chrono::NaiveDate::from_ymd_opt(year, 12, 21).unwrap_or(today);
        let off = |starts_on, days: i64, half_day, note: &str| concentric_core::capacity::NewTimeOff {
            starts_on,
            ends_on: Some(starts_on + chrono::TimeDelta::days(days - 1)),
            half_day,
            note: note.to_owned(),
        };
        // The first working day (Monday to Friday) from `days` ahead.
        let workday = |days: i64| {
            let mut d = today + chrono::TimeDelta::days(days);
            while d.weekday().number_from_monday() > 5 {
                d += chrono::TimeDelta::days(1);
            }
            d
        };
        for (n, m) in members.iter().enumerate() {
            let person = m.person_id;
            let entry = match n % 4 {
                0 | 2 => off(start, 4, false, "Holiday"),
                1 => off(workday(3), 1, true, "Dentist"),
                _ => off(workday(8), 2, false, "Training"),
            };
            self.add_time_off(&system, person, entry).await?;
        }
        self.db.write(move |mut tx| {
            tx.exec()
                .execute(
                    "UPDATE requests SET logged_hours = (SELECT s.default_effort_hours FROM services s WHERE s.id = requests.service_id) \
                     * (0.6 + (id % 9) * 0.12) WHERE status IN ('resolved', 'closed')",
                    args![],
                )?;
            tx.exec()
                .execute(
                    "UPDATE requests SET estimate_hours = (SELECT s.default_effort_hours FROM services s WHERE s.id = requests.service_id) \
                     * (1 + (id % 4)), logged_hours = 0.5 WHERE status IN ('open', 'in_progress') AND id % 2 = 0",
                    args![],
                )?;
            Ok(())
        })
        .await?;
        self.load_demo_crunch().await?;
        Ok(true)
    }

    /// Files IT's crunch (`core::demo::crunch`) through the paths people use, assigns it as
    /// IT's lead would, and records the team's estimates.
    async fn load_demo_crunch(&self) -> Result<()> {
        let it = self.team_by_key("IT").await?;
        let lead =
            self.team_members(it.id).await?.into_iter().find(|m| m.role == concentric_core::team::MemberRole::Lead);
        let lead = self.actor_for(lead.ok_or(StoreError::NotFound("demo IT lead"))?.person_id).await?;
        for c in concentric_core::demo::crunch() {
            let team = self.team_by_key(c.requester_team).await?;
            let asker =
                self.team_members(team.id).await?.into_iter().next().ok_or(StoreError::NotFound("demo requester"))?;
            let asker = self.actor_for(asker.person_id).await?;
            let service = self.service_by_slug("IT", c.slug).await?;
            let new = concentric_core::request::NewRequest {
                subject: c.subject.to_owned(),
                description: c.description.to_owned(),
                priority: concentric_core::request::Priority::from_i64(c.priority),
                fields: c.fields.iter().map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(*v))).collect(),
                ..Default::default()
            };
            let req = self.create_request(&asker, service.id, new).await?;
            let assignee = match c.assignee_email {
                Some(email) => Some(self.person_by_email(email).await?.id),
                None => None,
            };
            if req.assignee_id != assignee {
                self.assign(&lead, &req.key, assignee).await?;
            }
            self.set_effort(&lead, &req.key, Some(c.estimate_hours), 0.0).await?;
        }
        Ok(())
    }
}

impl Store {
    /// Posts the demo's team news, once, dated in the past weeks (without notices: they are old).
    #[tracing::instrument(skip_all)]
    pub async fn load_demo_news(&self, posts: &[concentric_core::demo::DemoPost]) -> Result<bool> {
        let mut ready = Vec::with_capacity(posts.len());
        for p in posts {
            let team = self.team_by_key(p.team).await?.id;
            let author = self.person_by_email(&p.author_email).await?.id;
            let at = Millis(Millis::now().0 - p.days_ago * 86_400_000);
            let image = match p.image {
                Some((data, alt)) => {
                    let (kind, alt) = concentric_core::news::check_image(data, alt)?;
                    Some((kind, alt, data.to_vec()))
                }
                None => None,
            };
            ready.push((team, author, p.post.clone().check()?, at, image));
        }
        self.db
            .write(move |mut tx| {
                if !claim(&mut tx, NEWS_KEY)? {
                    return Ok(false);
                }
                for (team, author, post, at, image) in &ready {
                    let id = crate::news::insert_post(&mut tx, *team, *author, post, *at)?;
                    if let Some((kind, alt, data)) = image {
                        crate::news::insert_image(&mut tx, id, kind, alt, data.clone(), *at)?;
                    }
                }
                Ok(true)
            })
            .await
    }
}

impl Store {
    /// Announces the demo's open meetings, once: each by its team's lead, answered by people of
    /// the invited teams (or, open to everyone, of any other team), with a question; a past one
    /// gets its notes. Returns how many were announced.
    #[tracing::instrument(skip_all)]
    pub async fn load_demo_meetings(&self, demo: &[concentric_core::demo::DemoMeeting]) -> Result<usize> {
        use concentric_core::meeting::{Answer, Reach};
        if !self.claim(MEETINGS_KEY).await? {
            return Ok(0);
        }
        const DAY: i64 = 86_400_000;
        let now = Millis::now().0;
        for d in demo {
            let team = self.team_by_key(d.team).await?;
            let members = self.team_members(team.id).await?;
            let Some(lead) = members.iter().find(|m| m.role == MemberRole::Lead).or(members.first()) else {
                continue;
            };
            let host = self.actor_for(lead.person_id).await?;
            let team_id = team.id;
            let zone = self.db.read(move |mut tx| crate::clocks::calendar_of(tx.exec(), team_id)).await?.zone();
            let mut day = Millis(now + d.days_ahead * DAY).to_utc().with_timezone(&zone).date_naive();
            // Meetings are held on working days: a weekend moves to the Monday after.
            while chrono::Datelike::weekday(&day).number_from_monday() > 5 {
                day = day.succ_opt().unwrap_or(day);
            }
            let new =
                concentric_core::meeting::NewMeeting { starts_at: format!("{day}T{}", d.time), ..d.meeting.clone() };
            let announced_at = Millis(now.min(now + (d.days_ahead - 3) * DAY));
            let detail = self.announce_meeting(&host, team.id, new, announced_at).await?;
            let id = detail.meeting.id;
            let everyone = d.meeting.reach == Reach::Everyone;
            let people: Vec<i64> = self
                .db
                .read(move |mut tx| {
                    if everyone {
                        Ok(tx.exec().scalars(
                            "SELECT p.id FROM people p WHERE p.active \
                             AND p.id IN (SELECT person_id FROM team_members) \
                             AND p.id NOT IN (SELECT person_id FROM team_members WHERE team_id = $1) ORDER BY p.id",
                            args![team_id],
                        )?)
                    } else {
                        Ok(crate::meetings::invitees(tx.exec(), id, team_id)?.into_iter().map(|p| p.0).collect())
                    }
                })
                .await?;
            // Spread the answers over the invited teams rather than the first team's people.
            let stride = (people.len() / d.answers.len().max(1)).max(1);
            let respondents: Vec<PersonId> =
                people.iter().step_by(stride).take(d.answers.len()).map(|&p| PersonId(p)).collect();
            for (i, (person, answer)) in respondents.iter().zip(d.answers).enumerate() {
                let actor = self.actor_for(*person).await?;
                let at = Millis(announced_at.0 + (i as i64 + 1) * 3_600_000);
                self.answer_meeting(&actor, id, Answer::parse(answer).unwrap_or(Answer::Maybe), at).await?;
                if i == 0 {
                    if let Some(q) = d.question {
                        self.ask_meeting(&actor, id, q.to_owned(), at).await?;
                    }
                }
            }
            if let Some(notes) = d.notes {
                let after = Millis(detail.meeting.ends_at.timestamp_millis() + 3_600_000);
                self.write_meeting_notes(&host, id, notes.to_owned(), after).await?;
            }
        }
        Ok(demo.len())
    }
}

impl Store {
    /// Gives the demo's thanks, once, dated in the past weeks (without notices: they are old).
    #[tracing::instrument(skip_all)]
    pub async fn load_demo_thanks(&self, demo: &[concentric_core::demo::DemoThanks]) -> Result<usize> {
        let mut ready = Vec::with_capacity(demo.len());
        for d in demo {
            let from = self.person_by_email(&d.from_email).await?.id;
            let at = Millis(Millis::now().0 - d.days_ago * 86_400_000);
            ready.push((self.actor_for(from).await?, d.thanks.clone(), at));
        }
        self.db
            .write(move |mut tx| {
                if !claim(&mut tx, THANKS_KEY)? {
                    return Ok(0);
                }
                for (actor, thanks, at) in &ready {
                    crate::thanks::insert(&mut tx, actor, thanks.clone(), *at, true)?;
                }
                Ok(ready.len())
            })
            .await
    }
}

impl Store {
    /// Proposes the demo's ambassador placements, once, each by its home team's lead; an accepted
    /// one is agreed by the host's lead, reported by the ambassador and gets its action item.
    #[tracing::instrument(skip_all)]
    pub async fn load_demo_placements(&self, demo: &[concentric_core::demo::DemoPlacement]) -> Result<usize> {
        use concentric_core::placement::{NewPlacement, PlacementReport};
        if !self.claim(PLACEMENTS_KEY).await? {
            return Ok(0);
        }
        const DAY: i64 = 86_400_000;
        let now = Millis::now().0;
        let lead_of = |members: &[concentric_core::team::Membership]| {
            members.iter().find(|m| m.role == MemberRole::Lead).map(|m| m.person_id)
        };
        for d in demo {
            let (home, host) = (self.team_by_key(d.home).await?, self.team_by_key(d.host).await?);
            let (home_people, host_people) = (self.team_members(home.id).await?, self.team_members(host.id).await?);
            let (Some(home_lead), Some(host_lead)) = (lead_of(&home_people), lead_of(&host_people)) else { continue };
            let Some(ambassador) = home_people.iter().filter(|m| m.role == MemberRole::Member).nth(d.member) else {
                continue;
            };
            let first = Millis(now + d.starts_in * DAY).to_utc().date_naive();
            let proposed_at = Millis(now + (d.starts_in - 10).min(0) * DAY);
            let new = NewPlacement {
                ambassador: ambassador.person_email.clone(),
                home: d.home.to_owned(),
                host: d.host.to_owned(),
                starts_on: first.to_string(),
                ends_on: (first + chrono::Duration::days(d.days - 1)).to_string(),
                focus: d.focus.to_owned(),
            };
            let home_actor = self.actor_for(home_lead).await?;
            let id = self.propose_placement(&home_actor, new, proposed_at).await?.placement.id;
            if !d.accepted {
                continue;
            }
            let host_actor = self.actor_for(host_lead).await?;
            self.decide_placement(&host_actor, id, true, Millis(proposed_at.0 + DAY)).await?;
            if let Some((learned, together)) = d.report {
                let after = Millis(now + (d.starts_in + d.days + 1) * DAY);
                let report = PlacementReport { learned: learned.to_owned(), together: together.to_owned() };
                let ambassador = self.actor_for(ambassador.person_id).await?;
                self.report_placement(&ambassador, id, report, after).await?;
                if let Some((title, due_in)) = d.action {
                    let action = concentric_core::review::NewAction {
                        title: title.to_owned(),
                        owner: email_of(&home_people, home_lead),
                        due_on: Millis(now + due_in * DAY).to_utc().date_naive().to_string(),
                        effort_hours: None,
                    };
                    self.placement_action(&home_actor, id, action, Millis(after.0 + DAY)).await?;
                }
            }
        }
        Ok(demo.len())
    }
}

impl Store {
    /// Says what each demo member can help with in their team, once.
    #[tracing::instrument(skip_all)]
    pub async fn load_demo_helps(&self, helps: &[(&'static str, String, &'static str)]) -> Result<bool> {
        let helps = helps.to_owned();
        self.db
            .write(move |mut tx| {
                if !claim(&mut tx, HELPS_KEY)? {
                    return Ok(false);
                }
                for (team, email, text) in &helps {
                    tx.exec().execute(
                        "UPDATE team_members SET helps_with = $1 WHERE team_id = (SELECT id FROM teams WHERE key = $2) \
                         AND person_id = (SELECT id FROM people WHERE email = $3)",
                        args![*text, *team, email.as_str()],
                    )?;
                }
                Ok(true)
            })
            .await
    }
}

/// The email of one of a team's members.
fn email_of(members: &[concentric_core::team::Membership], person: PersonId) -> String {
    members.iter().find(|m| m.person_id == person).map(|m| m.person_email.clone()).unwrap_or_default()
}

/// Claims a one-time marker; false when another run (or node) already has.
fn claim(tx: &mut crate::db::Tx<'_>, key: &str) -> Result<bool> {
    let claimed = tx.exec().execute(
        "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        args![key, Millis::now().0.to_string()],
    )?;
    Ok(claimed > 0)
}

impl Store {
    /// Takes a demo part's marker; false when it was taken before (by this node or another).
    async fn claim(&self, key: &'static str) -> Result<bool> {
        self.db.write(move |mut tx| claim(&mut tx, key)).await
    }
}
