//! Partnership reviews: a meeting between a supplier team and a customer team, one-off or
//! recurring, whose agenda is generated from the numbers since their last review, with notes,
//! decisions and action items tracked to done.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::commitment::parse_local;
use crate::error::{Errors, FieldError, Invalid};
use crate::ids::{ActionId, ReviewId};
use crate::rating::{FlagCount, Tally};
use crate::relationship::RelationshipStatus;
use crate::schedule::Schedule;
use crate::target::format_duration;
use crate::time::parse_time_zone;

/// Without an earlier review, the agenda looks back this far.
pub const FIRST_LOOK_BACK_MS: i64 = 90 * 86_400_000;
/// A target met with at least this share of its time used is a near miss.
pub const NEAR_MISS_PERCENT: i64 = 80;

/// Where a review stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    Planned,
    Held,
    Cancelled,
}

impl ReviewStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::Held => "held",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Planned, Self::Held, Self::Cancelled].into_iter().find(|x| x.as_str() == s.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Planned => "Planned",
            Self::Held => "Held",
            Self::Cancelled => "Cancelled",
        }
    }

    /// A planned review is held or cancelled; a cancelled one may be planned again; a held one
    /// stays held (its record can still be edited).
    pub fn step(self, to: Self) -> Result<Self, String> {
        match (self, to) {
            (a, b) if a == b => Ok(b),
            (Self::Planned, Self::Held | Self::Cancelled) | (Self::Cancelled, Self::Planned) => Ok(to),
            _ => Err(format!("a {} review cannot become {}", self.as_str(), to.as_str())),
        }
    }
}

/// Where an action item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    Open,
    Done,
    Dropped,
}

impl ActionStatus {
    pub const ALL: [ActionStatus; 3] = [Self::Open, Self::Done, Self::Dropped];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Done => "done",
            Self::Dropped => "dropped",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "Open",
            Self::Done => "Done",
            Self::Dropped => "Dropped",
        }
    }
}

/// A review to plan, as entered in a form or the API.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReview {
    /// Key of the supplier team.
    pub supplier: String,
    /// Key of the customer team.
    pub customer: String,
    /// Defaults to "Partnership review".
    #[serde(default)]
    pub title: String,
    /// Local to `zone`: `2026-12-10T10:00`.
    pub scheduled_for: String,
    /// IANA zone; the supplier's calendar zone when left out.
    #[serde(default)]
    pub zone: Option<String>,
    /// An RRULE to repeat the review (`FREQ=MONTHLY;INTERVAL=3`): when one is held, the next is
    /// planned. Leave out for a one-off.
    #[serde(default)]
    pub rule: Option<String>,
    /// Emails of the people attending, from either team.
    #[serde(default)]
    pub attendees: Vec<String>,
}

/// A review whose fields have been checked.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedReview {
    pub supplier: String,
    pub customer: String,
    pub title: String,
    pub scheduled_for: NaiveDateTime,
    pub zone: Tz,
    pub at: DateTime<Utc>,
    pub rule: Option<String>,
    pub attendees: Vec<String>,
}

impl NewReview {
    /// Checks every field, reporting all errors at once. `default_zone` is the supplier's.
    pub fn check(&self, default_zone: Tz) -> Result<CheckedReview, Invalid> {
        let mut errors = Errors::default();
        let title = match self.title.trim() {
            "" => "Partnership review".to_owned(),
            t if t.chars().count() > 200 => {
                errors.add("title", "keep the title under 200 characters");
                String::new()
            }
            t => t.to_owned(),
        };
        if self.supplier.trim().eq_ignore_ascii_case(self.customer.trim()) {
            errors.add("customer", "a review is between two different teams");
        }
        let zone = match self.zone.as_deref().map(str::trim).filter(|z| !z.is_empty()) {
            Some(z) => errors.check("zone", parse_time_zone(z)),
            None => Some(default_zone),
        };
        let local = errors.check("scheduled_for", parse_local(&self.scheduled_for));
        let at = match (zone, local) {
            (Some(zone), Some(local)) => match zone.from_local_datetime(&local).earliest() {
                Some(t) => Some(t.with_timezone(&Utc)),
                None => {
                    errors.add("scheduled_for", "this time does not exist in the zone (the clocks go forward)");
                    None
                }
            },
            _ => None,
        };
        let rule = self.rule.as_deref().map(str::trim).filter(|r| !r.is_empty());
        let rule = match (rule, zone, local) {
            (Some(r), Some(zone), Some(local)) => match Schedule::new(r, local, zone) {
                Ok(s) => Some(s.rule),
                Err(e) => {
                    errors.add(&e.field.replace("first_due", "scheduled_for"), e.message);
                    None
                }
            },
            _ => None,
        };
        let mut attendees: Vec<String> =
            self.attendees.iter().map(|e| e.trim().to_lowercase()).filter(|e| !e.is_empty()).collect();
        attendees.sort();
        attendees.dedup();
        if attendees.len() > 100 {
            errors.add("attendees", "invite at most 100 people");
        }
        errors.finish()?;
        match (zone, local, at) {
            (Some(zone), Some(scheduled_for), Some(at)) => Ok(CheckedReview {
                supplier: self.supplier.trim().to_uppercase(),
                customer: self.customer.trim().to_uppercase(),
                title,
                scheduled_for,
                zone,
                at,
                rule,
                attendees,
            }),
            _ => Err(Invalid::one("scheduled_for", "give the date and time of the review")),
        }
    }
}

/// The next review of a recurring series after one planned at `scheduled_for` (local to
/// `zone`, as stored): when, and its local time as stored. `None` when the series has ended.
pub fn next_after(rule: &str, scheduled_for: &str, zone: &str) -> Option<(DateTime<Utc>, String)> {
    let zone: Tz = zone.parse().ok()?;
    let local = parse_local(scheduled_for).ok()?;
    let schedule = Schedule::new(rule, local, zone).ok()?;
    let at = zone.from_local_datetime(&local).earliest()?.timestamp_millis();
    let next = schedule.next_dues(at, 1).first().and_then(|ms| Utc.timestamp_millis_opt(*ms).single())?;
    Some((next, next.with_timezone(&zone).format("%Y-%m-%dT%H:%M").to_string()))
}

/// The record of a review, as edited during or after the meeting.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRecord {
    /// Markdown.
    #[serde(default)]
    pub notes: String,
    /// Markdown: what both sides agreed.
    #[serde(default)]
    pub decisions: String,
    /// `held` to record that the meeting took place (the agenda is kept as it stood then),
    /// `cancelled`, or `planned` again.
    #[serde(default)]
    pub status: Option<ReviewStatus>,
    /// Emails; leave out to keep the attendees.
    #[serde(default)]
    pub attendees: Option<Vec<String>>,
}

impl ReviewRecord {
    pub fn check(mut self) -> Result<Self, Invalid> {
        let mut errors = Errors::default();
        for (field, text) in [("notes", &mut self.notes), ("decisions", &mut self.decisions)] {
            *text = text.trim().to_owned();
            if text.len() > 50_000 {
                errors.add(field, "keep it under 50,000 characters");
            }
        }
        if let Some(a) = &mut self.attendees {
            *a = a.iter().map(|e| e.trim().to_lowercase()).filter(|e| !e.is_empty()).collect();
            a.sort();
            a.dedup();
        }
        errors.finish().map(|()| self)
    }
}

/// A person, by name and email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Attendee {
    pub id: i64,
    pub name: String,
    pub email: String,
    /// Key of the team (of the two) they belong to.
    pub team_key: String,
}

/// A review as read.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Review {
    pub id: ReviewId,
    pub supplier_key: String,
    pub supplier_name: String,
    pub customer_key: String,
    pub customer_name: String,
    pub title: String,
    pub scheduled_at: DateTime<Utc>,
    /// `2026-12-10T10:00`, local to `zone`.
    pub scheduled_for: String,
    pub zone: String,
    pub rule: Option<String>,
    pub status: ReviewStatus,
    pub notes: String,
    pub decisions: String,
    pub held_at: Option<DateTime<Utc>>,
    pub attendees: Vec<Attendee>,
    pub created_at: DateTime<Utc>,
}

/// An action item to add to a review.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAction {
    pub title: String,
    /// Email of the owner: a member of either team.
    pub owner: String,
    /// `2026-12-31`, in the review's zone.
    pub due_on: String,
    /// Hours of work it is expected to take.
    #[serde(default)]
    pub effort_hours: Option<f64>,
}

/// A checked action item.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedAction {
    pub title: String,
    pub owner: String,
    pub due_on: NaiveDate,
    pub effort_hours: Option<f64>,
}

fn check_title(errors: &mut Errors, title: &str) -> String {
    let title = title.trim();
    if title.is_empty() {
        errors.add("title", "say what is to be done");
    } else if title.chars().count() > 300 {
        errors.add("title", "keep it under 300 characters");
    }
    title.to_owned()
}

fn check_due(errors: &mut Errors, due_on: &str) -> Option<NaiveDate> {
    errors.check(
        "due_on",
        NaiveDate::parse_from_str(due_on.trim(), "%Y-%m-%d").map_err(|_| "give the due date as 2026-12-31".to_owned()),
    )
}

impl NewAction {
    pub fn check(&self) -> Result<CheckedAction, Invalid> {
        let mut errors = Errors::default();
        let title = check_title(&mut errors, &self.title);
        let owner = self.owner.trim().to_lowercase();
        if owner.is_empty() {
            errors.add("owner", "name who will do it");
        }
        let due_on = check_due(&mut errors, &self.due_on);
        if let Some(h) = self.effort_hours {
            if !(0.0..=1000.0).contains(&h) || !h.is_finite() {
                errors.add("effort_hours", "give the effort as hours between 0 and 1000");
            }
        }
        errors.finish()?;
        due_on
            .map(|due_on| CheckedAction { title, owner, due_on, effort_hours: self.effort_hours })
            .ok_or_else(|| Invalid::one("due_on", "give the due date"))
    }
}

/// A change to an action item: any field left out stays.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionPatch {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub due_on: Option<String>,
    #[serde(default)]
    pub status: Option<ActionStatus>,
}

impl ActionPatch {
    /// Applies the patch to an action's fields, reporting every bad field at once.
    pub fn apply(&self, current: &ActionItem) -> Result<(String, Option<String>, NaiveDate, ActionStatus), Invalid> {
        let mut errors = Errors::default();
        let title = match &self.title {
            Some(t) => check_title(&mut errors, t),
            None => current.title.clone(),
        };
        let owner = self.owner.as_deref().map(|o| o.trim().to_lowercase()).filter(|o| !o.is_empty());
        let due_on = match &self.due_on {
            Some(d) => check_due(&mut errors, d),
            None => Some(current.due_on),
        };
        errors.finish()?;
        Ok((title, owner, due_on.unwrap_or(current.due_on), self.status.unwrap_or(current.status)))
    }
}

/// The end of a due date in a zone (UTC if the name is unknown): overdue from then on.
pub fn due_at(due_on: NaiveDate, zone: &str) -> DateTime<Utc> {
    let zone: Tz = zone.parse().unwrap_or(chrono_tz::UTC);
    let next = due_on.succ_opt().unwrap_or(due_on).and_hms_opt(0, 0, 0).unwrap_or_default();
    zone.from_local_datetime(&next).earliest().map_or_else(|| next.and_utc(), |t| t.with_timezone(&Utc))
}

/// An action item as read: who owes it to whom, and by when.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ActionItem {
    pub id: ActionId,
    pub review_id: ReviewId,
    pub review_title: String,
    pub title: String,
    pub owner_id: i64,
    pub owner_name: String,
    pub owner_email: String,
    /// The team (of the review's two) that owes it: the owner's.
    pub owner_team_key: String,
    pub owner_team_name: String,
    /// The other team, which waits for it.
    pub waiting_team_key: String,
    pub waiting_team_name: String,
    pub due_on: NaiveDate,
    pub due_at: DateTime<Utc>,
    pub status: ActionStatus,
    pub effort_hours: Option<f64>,
    pub done_at: Option<DateTime<Utc>>,
    /// Still open past its due date.
    pub overdue: bool,
}

/// A request named on an agenda.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RequestRef {
    pub key: String,
    pub subject: String,
    /// Share of the target's time used, in percent.
    pub used_percent: i64,
}

/// A low rating with its comment, named on an agenda.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LowRating {
    pub key: String,
    pub word: String,
    pub comment: String,
}

/// A commitment occurrence delivered late or still missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LateDelivery {
    pub title: String,
    pub due_at: DateTime<Utc>,
    pub late_ms: i64,
    pub waited_ms: i64,
    pub missing: bool,
}

/// The numbers between two partner teams since their last review: what the agenda is made of.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AgendaFacts {
    pub supplier: String,
    pub customer: String,
    /// `None`: the two have no declared relationship.
    pub relationship: Option<RelationshipStatus>,
    pub requests: i64,
    pub targets_met: i64,
    pub targets_breached: i64,
    pub breaches: Vec<RequestRef>,
    pub near_misses: Vec<RequestRef>,
    /// How the customer's requesters rated the supplier.
    pub customer_ratings: Tally,
    pub low_ratings: Vec<LowRating>,
    /// How the supplier rated the customer's requests: only when enough to show.
    pub supplier_ratings: Option<Tally>,
    pub supplier_ratings_count: i64,
    pub supplier_flags: Vec<FlagCount>,
    pub min_group: i64,
    pub deliveries_on_time: i64,
    pub late_deliveries: Vec<LateDelivery>,
    /// Action items of earlier reviews of the two still open.
    pub open_actions: Vec<ActionItem>,
    /// The latest closed survey round of their relationship, as the anonymity rules show it.
    pub survey: Option<crate::survey::RoundResults>,
    /// Rows of their responsibilities table that nobody owns, whose owner left, or that one side
    /// has not agreed.
    pub roles: Vec<crate::responsibility::Responsibility>,
}

/// What an agenda item is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    Actions,
    Targets,
    CustomerRatings,
    SupplierRatings,
    Commitments,
    Surveys,
    Roles,
    Relationship,
}

/// One item of a generated agenda.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AgendaItem {
    pub topic: Topic,
    pub title: String,
    /// The points to go through, in words.
    pub points: Vec<String>,
    /// Something went wrong here and needs talking about.
    pub attention: bool,
}

fn percent(part: i64, whole: i64) -> i64 {
    if whole == 0 {
        0
    } else {
        (part * 100 + whole / 2) / whole
    }
}

fn keys(refs: &[RequestRef]) -> String {
    refs.iter()
        .map(|r| format!("{} {} ({} % of the target)", r.key, r.subject, r.used_percent))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The agenda of a review, from the numbers since the last one: earlier action items first, then
/// targets, ratings both ways, commitments, and the state of the relationship. Every item says
/// what happened in words; `attention` marks the ones to talk about.
pub fn agenda(f: &AgendaFacts) -> Vec<AgendaItem> {
    let mut items = Vec::new();
    let (s, c) = (&f.supplier, &f.customer);

    if !f.open_actions.is_empty() {
        let mut actions: Vec<&ActionItem> = f.open_actions.iter().collect();
        actions.sort_by_key(|a| (!a.overdue, a.due_on));
        let overdue = actions.iter().filter(|a| a.overdue).count();
        items.push(AgendaItem {
            topic: Topic::Actions,
            title: format!("Action items from earlier reviews: {} open, {overdue} overdue", actions.len()),
            points: actions
                .iter()
                .map(|a| {
                    format!(
                        "{}: {} (due {}{})",
                        a.owner_name,
                        a.title,
                        a.due_on,
                        if a.overdue { ", overdue" } else { "" }
                    )
                })
                .collect(),
            attention: overdue > 0,
        });
    }

    let decided = f.targets_met + f.targets_breached;
    let mut points = Vec::new();
    if f.requests == 0 {
        points.push(format!("{c} filed no requests with {s}."));
    } else {
        points.push(format!(
            "{c} filed {} request{} with {s}; {} of {decided} targets met ({} %).",
            f.requests,
            if f.requests == 1 { "" } else { "s" },
            f.targets_met,
            percent(f.targets_met, decided)
        ));
    }
    if !f.breaches.is_empty() {
        points.push(format!("Breached: {}.", keys(&f.breaches)));
    }
    if !f.near_misses.is_empty() {
        points.push(format!("Near misses: {}.", keys(&f.near_misses)));
    }
    items.push(AgendaItem {
        topic: Topic::Targets,
        title: format!(
            "Targets: {}",
            if decided == 0 { "none decided".to_owned() } else { format!("{} of {decided} met", f.targets_met) }
        ),
        points,
        attention: f.targets_breached > 0,
    });

    let t = f.customer_ratings;
    let mut points = vec![match t.percent_satisfied() {
        Some(p) => format!(
            "{p} % satisfied: {} good, {} okay, {} poor of {} ratings by requesters from {c}.",
            t.satisfied,
            t.neutral,
            t.poor,
            t.count()
        ),
        None => format!("Requesters from {c} gave no ratings."),
    }];
    points.extend(f.low_ratings.iter().map(|l| format!("{} ({}): \"{}\"", l.key, l.word.to_lowercase(), l.comment)));
    items.push(AgendaItem {
        topic: Topic::CustomerRatings,
        title: format!("How {c} rated {s}"),
        points,
        attention: t.poor > 0,
    });

    let points = match f.supplier_ratings {
        Some(t) => {
            let mut p = vec![format!(
                "{} of {} requests were well made ({} %), {} okay, {} poorly.",
                t.satisfied,
                t.count(),
                t.percent_satisfied().unwrap_or(0),
                t.neutral,
                t.poor
            )];
            p.extend(f.supplier_flags.iter().map(|fc| format!("{}: {}", fc.flag.label(), fc.count)));
            p
        }
        None if f.supplier_ratings_count == 0 => vec![format!("{s} rated none of the requests from {c}.")],
        None => vec![format!(
            "{} rating{} so far: shown once there are at least {}.",
            f.supplier_ratings_count,
            if f.supplier_ratings_count == 1 { "" } else { "s" },
            f.min_group
        )],
    };
    items.push(AgendaItem {
        topic: Topic::SupplierRatings,
        title: format!("How {s} rated the requests from {c}"),
        points,
        attention: f.supplier_ratings.is_some_and(|t| t.poor > 0),
    });

    let late = f.late_deliveries.len() as i64;
    if f.deliveries_on_time + late > 0 {
        let waited: i64 = f.late_deliveries.iter().map(|d| d.waited_ms).sum();
        let mut points = vec![format!(
            "{} of {} deliveries on time; {c} waited {} of working time in all.",
            f.deliveries_on_time,
            f.deliveries_on_time + late,
            format_duration(waited)
        )];
        points.extend(f.late_deliveries.iter().map(|d| {
            if d.missing {
                format!(
                    "{} due {}: still missing, {c} has waited {}",
                    d.title,
                    d.due_at.format("%-d %b"),
                    format_duration(d.waited_ms)
                )
            } else {
                format!("{} due {}: late by {}", d.title, d.due_at.format("%-d %b"), format_duration(d.late_ms))
            }
        }));
        items.push(AgendaItem {
            topic: Topic::Commitments,
            title: format!("Commitments: {} of {} on time", f.deliveries_on_time, f.deliveries_on_time + late),
            points,
            attention: late > 0,
        });
    }

    if let Some(round) = &f.survey {
        let mut points = Vec::new();
        let mut attention = false;
        for (about, who, r) in round.sides() {
            match r.overall_tenths() {
                Some(mean) => {
                    points.push(format!(
                        "{who} about {about}: {}.{} of 5 on average, {} of {} answered.",
                        mean / 10,
                        mean % 10,
                        r.responded,
                        r.invited
                    ));
                    for q in &r.questions {
                        let falling = q.change_tenths.is_some_and(|c| c <= -3);
                        if q.mean_tenths < 30 || falling {
                            attention = true;
                            let change = if q.change_tenths.is_some() {
                                format!(", {} since the round before", q.change_text())
                            } else {
                                String::new()
                            };
                            points.push(format!("Low: \"{}\" {} of 5{change}.", q.text, q.mean_text()));
                        } else if q.change_tenths.is_some_and(|c| c >= 3) {
                            points.push(format!(
                                "Better: \"{}\" {} of 5, {} since the round before.",
                                q.text,
                                q.mean_text(),
                                q.change_text()
                            ));
                        }
                    }
                }
                None => points
                    .push(format!("{who} about {about}: {} of {} answered; too few to show.", r.responded, r.invited)),
            }
        }
        items.push(AgendaItem {
            topic: Topic::Surveys,
            title: "What the last survey said".to_owned(),
            points,
            attention,
        });
    }

    if !f.roles.is_empty() {
        let points = f
            .roles
            .iter()
            .map(|r| match (r.problem, r.waiting_for()) {
                (Some(p), _) => format!("{} ({}): {}.", r.activity, r.team_key, p.label()),
                (None, Some(side)) => {
                    format!("{} ({}): the {} has not agreed yet.", r.activity, r.team_key, side.as_str())
                }
                (None, None) => format!("{} ({}).", r.activity, r.team_key),
            })
            .collect();
        items.push(AgendaItem {
            topic: Topic::Roles,
            title: format!("Who does what: {} to settle", f.roles.len()),
            points,
            attention: f.roles.iter().any(|r| r.problem.is_some()),
        });
    }

    let (title, point, attention) = match f.relationship {
        Some(RelationshipStatus::Active) => {
            ("Relationship: agreed".to_owned(), format!("{s} and {c} have agreed their relationship: check its needs and success measures still hold."), false)
        }
        Some(status) => (
            format!("Relationship: {}", status.label().to_lowercase()),
            format!("The relationship between {s} and {c} is not agreed yet: settle it."),
            true,
        ),
        None => (
            "Undeclared dependency".to_owned(),
            format!("{c} depends on {s}, but neither has declared the relationship: write down what {c} needs and how it measures success."),
            true,
        ),
    };
    items.push(AgendaItem { topic: Topic::Relationship, title, points: vec![point], attention });
    items
}

/// A review with its agenda and action items: the review page and `GET /api/v1/reviews/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReviewDetail {
    pub review: Review,
    /// From the numbers since the previous review; kept as it stood once the review is held.
    pub agenda: Vec<AgendaItem>,
    /// The period the agenda covers.
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    /// Action items agreed at this review.
    pub actions: Vec<ActionItem>,
}

/// A field error for an owner who is in neither team.
pub fn owner_outside(email: &str, supplier: &str, customer: &str) -> FieldError {
    FieldError::new("owner", format!("{email} is not a member of {supplier} or {customer}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rating::Flag;

    fn action(title: &str, overdue: bool) -> ActionItem {
        ActionItem {
            id: ActionId(1),
            review_id: ReviewId(1),
            review_title: "Q3".into(),
            title: title.into(),
            owner_id: 1,
            owner_name: "Max".into(),
            owner_email: "max@example.com".into(),
            owner_team_key: "IT".into(),
            owner_team_name: "IT".into(),
            waiting_team_key: "SAL".into(),
            waiting_team_name: "Sales".into(),
            due_on: NaiveDate::from_ymd_opt(2026, 11, if overdue { 1 } else { 30 }).unwrap(),
            due_at: Utc::now(),
            status: ActionStatus::Open,
            effort_hours: None,
            done_at: None,
            overdue,
        }
    }

    /// A known set of numbers gives a known agenda.
    #[test]
    fn the_agenda_is_made_from_the_numbers() {
        let due = Utc.with_ymd_and_hms(2026, 11, 6, 17, 0, 0).unwrap();
        let facts = AgendaFacts {
            supplier: "IT".into(),
            customer: "Sales".into(),
            relationship: None,
            requests: 12,
            targets_met: 20,
            targets_breached: 2,
            breaches: vec![RequestRef { key: "IT-4".into(), subject: "VPN".into(), used_percent: 140 }],
            near_misses: vec![RequestRef { key: "IT-7".into(), subject: "Laptop".into(), used_percent: 92 }],
            customer_ratings: Tally { satisfied: 6, neutral: 1, poor: 1 },
            low_ratings: vec![LowRating { key: "IT-4".into(), word: "Poor".into(), comment: "Took a week".into() }],
            supplier_ratings: None,
            supplier_ratings_count: 3,
            supplier_flags: vec![FlagCount { flag: Flag::Unclear, count: 1 }],
            min_group: 5,
            deliveries_on_time: 3,
            late_deliveries: vec![LateDelivery {
                title: "Figures".into(),
                due_at: due,
                late_ms: 7_200_000,
                waited_ms: 5_400_000,
                missing: false,
            }],
            open_actions: vec![action("Send the laptop catalogue", false), action("Fix the VPN", true)],
            survey: None,
            roles: Vec::new(),
        };
        let a = agenda(&facts);
        let titles: Vec<&str> = a.iter().map(|i| i.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Action items from earlier reviews: 2 open, 1 overdue",
                "Targets: 20 of 22 met",
                "How Sales rated IT",
                "How IT rated the requests from Sales",
                "Commitments: 3 of 4 on time",
                "Undeclared dependency",
            ]
        );
        assert_eq!(a[0].points[0], "Max: Fix the VPN (due 2026-11-01, overdue)", "overdue first");
        assert_eq!(a[1].points[0], "Sales filed 12 requests with IT; 20 of 22 targets met (91 %).");
        assert_eq!(a[1].points[1], "Breached: IT-4 VPN (140 % of the target).");
        assert_eq!(a[1].points[2], "Near misses: IT-7 Laptop (92 % of the target).");
        assert_eq!(
            a[2].points,
            [
                "75 % satisfied: 6 good, 1 okay, 1 poor of 8 ratings by requesters from Sales.",
                "IT-4 (poor): \"Took a week\""
            ]
        );
        assert_eq!(a[3].points, ["3 ratings so far: shown once there are at least 5."], "no flags below the threshold");
        assert_eq!(a[4].points[0], "3 of 4 deliveries on time; Sales waited 1 h 30 min of working time in all.");
        assert_eq!(a[4].points[1], "Figures due 6 Nov: late by 2 h");
        let attention: Vec<bool> = a.iter().map(|i| i.attention).collect();
        assert_eq!(attention, [true, true, true, false, true, true], "too few provider ratings to raise");
    }

    #[test]
    fn a_quiet_period_gives_a_short_calm_agenda() {
        let facts = AgendaFacts {
            supplier: "IT".into(),
            customer: "Sales".into(),
            relationship: Some(RelationshipStatus::Active),
            min_group: 5,
            ..AgendaFacts::default()
        };
        let a = agenda(&facts);
        assert_eq!(a.len(), 4, "no actions, no commitments");
        assert!(a.iter().all(|i| !i.attention));
        assert_eq!(a[0].points, ["Sales filed no requests with IT."]);
    }

    #[test]
    fn survey_results_join_the_agenda_with_what_fell_and_what_rose() {
        use crate::survey::{AudienceResult, QuestionResult, RoundResults};
        let q = |id, text: &str, mean, change| QuestionResult {
            question_id: id,
            text: text.into(),
            answers: 6,
            mean_tenths: mean,
            agree_percent: 50,
            change_tenths: change,
        };
        let shown = AudienceResult {
            invited: 8,
            responded: 6,
            shown: true,
            questions: vec![q(1, "They respond quickly", 26, Some(-5)), q(2, "They keep us informed", 41, Some(4))],
            ..AudienceResult::default()
        };
        let hidden = AudienceResult { invited: 3, responded: 2, ..AudienceResult::default() };
        let round = RoundResults {
            round_id: crate::ids::RoundId(1),
            relationship_id: 1,
            supplier_key: "IT".into(),
            supplier_name: "IT".into(),
            customer_key: "SAL".into(),
            customer_name: "Sales".into(),
            opened_at: Utc::now(),
            closes_at: Utc::now(),
            closed: true,
            about_supplier: shown,
            about_customer: hidden,
            min_group: 5,
        };
        let facts = AgendaFacts {
            supplier: "IT".into(),
            customer: "Sales".into(),
            survey: Some(round),
            ..AgendaFacts::default()
        };
        let item = agenda(&facts).into_iter().find(|i| i.topic == Topic::Surveys).unwrap();
        assert!(item.attention);
        assert_eq!(
            item.points,
            [
                "Sales about IT: 3.4 of 5 on average, 6 of 8 answered.",
                "Low: \"They respond quickly\" 2.6 of 5, −0.5 since the round before.",
                "Better: \"They keep us informed\" 4.1 of 5, +0.4 since the round before.",
                "IT about Sales: 2 of 3 answered; too few to show.",
            ]
        );
    }

    #[test]
    fn reviews_are_checked_and_recur() {
        let bad = NewReview {
            supplier: "IT".into(),
            customer: "it".into(),
            scheduled_for: "soon".into(),
            zone: Some("Mars/Base".into()),
            rule: Some("FREQ=HOURLY".into()),
            ..NewReview::default()
        };
        let err = bad.check(chrono_tz::UTC).unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["customer", "zone", "scheduled_for"]);
        let ok = NewReview {
            supplier: "it".into(),
            customer: "sal".into(),
            scheduled_for: "2026-12-10T10:00".into(),
            rule: Some("FREQ=MONTHLY;INTERVAL=3".into()),
            attendees: vec![" Max@Example.com".into(), "max@example.com".into()],
            ..NewReview::default()
        }
        .check(chrono_tz::Europe::Berlin)
        .unwrap();
        assert_eq!((ok.supplier.as_str(), ok.title.as_str(), ok.attendees.len()), ("IT", "Partnership review", 1));
        assert_eq!(ok.at, Utc.with_ymd_and_hms(2026, 12, 10, 9, 0, 0).unwrap());
        let (next, local) = next_after("FREQ=MONTHLY;INTERVAL=3", "2026-12-10T10:00", "Europe/Berlin").unwrap();
        assert_eq!(next, Utc.with_ymd_and_hms(2027, 3, 10, 9, 0, 0).unwrap(), "10:00 Berlin time, three months on");
        assert_eq!(local, "2027-03-10T10:00");
        assert_eq!(ReviewStatus::Held.step(ReviewStatus::Planned).unwrap_err(), "a held review cannot become planned");
        assert_eq!(
            due_at(NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(), "Europe/Berlin"),
            Utc.with_ymd_and_hms(2026, 12, 31, 23, 0, 0).unwrap()
        );
    }

    #[test]
    fn action_items_are_checked() {
        let err = NewAction { title: " ".into(), owner: "".into(), due_on: "31/12".into(), effort_hours: Some(-1.0) }
            .check()
            .unwrap_err();
        assert_eq!(err.0.len(), 4);
    }
}
