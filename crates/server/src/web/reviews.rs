//! Partnership review pages: a team's reviews and action items with a form to plan one, and one
//! review with its generated agenda, its record and its action items (printable).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use concentric_core::review::{
    ActionItem, ActionPatch, ActionStatus, NewAction, NewReview, Review, ReviewDetail, ReviewRecord, ReviewStatus,
};
use concentric_core::team::{Membership, Team};
use concentric_core::{ActionId, Invalid, ReviewId};
use concentric_store::{ActionFilter, StoreError};
use serde::Deserialize;

use super::view::{form_errors, render, render_status, FormErrors, Layout, NoticeQuery};
use crate::auth::{CsrfForm, Viewer};
use crate::error::WebError;
use crate::markdown::to_safe_html;
use crate::state::AppState;

/// How often a review repeats, as offered in the form.
const REPEATS: [(&str, &str); 4] = [
    ("", "Once"),
    ("FREQ=MONTHLY", "Every month"),
    ("FREQ=MONTHLY;INTERVAL=3", "Every quarter"),
    ("FREQ=MONTHLY;INTERVAL=6", "Every half year"),
];

/// The plan form as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PlanForm {
    /// `supplies:KEY` when this team supplies the partner, `uses:KEY` when it is its customer.
    partner: String,
    title: String,
    scheduled_for: String,
    zone: String,
    rule: String,
    attendees: String,
}

impl PlanForm {
    fn to_new(&self, team: &str) -> NewReview {
        let (supplier, customer) = match self.partner.split_once(':') {
            Some(("uses", partner)) => (partner.to_owned(), team.to_owned()),
            Some((_, partner)) => (team.to_owned(), partner.to_owned()),
            None => (team.to_owned(), String::new()),
        };
        NewReview {
            supplier,
            customer,
            title: self.title.clone(),
            scheduled_for: self.scheduled_for.clone(),
            zone: Some(self.zone.trim().to_owned()).filter(|z| !z.is_empty()),
            rule: Some(self.rule.trim().to_owned()).filter(|r| !r.is_empty()),
            attendees: self
                .attendees
                .split([',', '\n', ';', ' '])
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(str::to_owned)
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "reviews.html")]
struct ReviewsPage {
    layout: Layout,
    team: Team,
    upcoming: Vec<Review>,
    past: Vec<Review>,
    owed: Vec<ActionItem>,
    awaited: Vec<ActionItem>,
    /// Teams to meet: (form value, label).
    partners: Vec<(String, String)>,
    can_plan: bool,
    form: PlanForm,
    errors: FormErrors,
    repeats: [(&'static str, &'static str); 4],
}

async fn reviews_view(state: &AppState, viewer: &Viewer, key: &str) -> Result<ReviewsPage, WebError> {
    let team = state.store.team_by_key(key).await?;
    let now = state.time.now();
    let (upcoming, past): (Vec<Review>, Vec<Review>) = state
        .store
        .reviews(&viewer.actor, Some(team.id))
        .await?
        .into_iter()
        .partition(|r| r.status == ReviewStatus::Planned);
    let mut upcoming = upcoming;
    upcoming.reverse();
    let open = |f: ActionFilter| ActionFilter { open: true, ..f };
    let owed = state
        .store
        .actions(
            &viewer.actor,
            open(ActionFilter { team: Some(team.id), owed_by: Some(team.id), ..Default::default() }),
            now,
        )
        .await?;
    let awaited = state
        .store
        .actions(
            &viewer.actor,
            open(ActionFilter { team: Some(team.id), awaited_by: Some(team.id), ..Default::default() }),
            now,
        )
        .await?;
    let mut partners: Vec<(String, String)> = state
        .store
        .relationships(Some(team.id))
        .await?
        .into_iter()
        .map(|r| {
            if r.supplier_key == team.key {
                (format!("supplies:{}", r.customer_key), format!("{} (we serve them)", r.customer_name))
            } else {
                (format!("uses:{}", r.supplier_key), format!("{} (they serve us)", r.supplier_name))
            }
        })
        .collect();
    partners.sort();
    partners.dedup();
    Ok(ReviewsPage {
        layout: Layout::new(viewer, format!("Reviews · {}", team.name), "teams"),
        can_plan: viewer.actor.can_manage_team(team.id),
        form: PlanForm::default(),
        errors: FormErrors::default(),
        repeats: REPEATS,
        upcoming,
        past,
        owed,
        awaited,
        partners,
        team,
    })
}

/// A team's reviews, coming and held, and the action items it owes and waits for.
pub async fn reviews_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    Query(notice): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let mut page = reviews_view(&state, &viewer, &key).await?;
    page.layout = page.layout.with_notice(&notice);
    render(&page)
}

pub async fn plan_review(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm<PlanForm>,
) -> Result<Response, WebError> {
    let team = state.store.team_by_key(&key).await?;
    match state.store.plan_review(&viewer.actor, form.to_new(&team.key), state.time.now()).await {
        Ok(r) => Ok(Redirect::to(&format!("/reviews/{}?notice=created", r.id)).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            let mut page = reviews_view(&state, &viewer, &key).await?;
            page.errors = errors;
            page.form = form;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

/// The record form as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RecordForm {
    notes: String,
    decisions: String,
    status: String,
    attendees: String,
}

/// The action form as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActionForm {
    title: String,
    owner: String,
    due_on: String,
    effort_hours: String,
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    layout: Layout,
    detail: ReviewDetail,
    notes_html: String,
    decisions_html: String,
    /// Members of the two teams, to pick owners and attendees from.
    people: Vec<Membership>,
    keeps: bool,
    me: i64,
    record: RecordForm,
    action: ActionForm,
    errors: FormErrors,
    statuses: [ReviewStatus; 3],
    action_statuses: [ActionStatus; 3],
}

impl ReviewPage {
    /// The owner of an item and the record's keepers may set its status.
    fn may_update(&self, a: &ActionItem) -> bool {
        self.keeps || a.owner_id == self.me
    }

    fn attendee_emails(&self) -> String {
        self.detail.review.attendees.iter().map(|a| a.email.as_str()).collect::<Vec<_>>().join(", ")
    }
}

async fn review_view(state: &AppState, viewer: &Viewer, id: ReviewId) -> Result<ReviewPage, WebError> {
    let detail = state.store.review_detail(&viewer.actor, id, state.time.now()).await?;
    let r = &detail.review;
    let supplier = state.store.team_by_key(&r.supplier_key).await?;
    let customer = state.store.team_by_key(&r.customer_key).await?;
    let mut people = state.store.team_members(supplier.id).await?;
    people.extend(state.store.team_members(customer.id).await?);
    people.sort_by(|a, b| a.person_name.cmp(&b.person_name));
    people.dedup_by_key(|m| m.person_id);
    let me = viewer.person.id.0;
    let keeps = viewer.actor.can_manage_either(supplier.id, customer.id) || r.attendees.iter().any(|a| a.id == me);
    Ok(ReviewPage {
        layout: Layout::new(viewer, format!("{}: {} and {}", r.title, r.supplier_name, r.customer_name), "teams"),
        notes_html: to_safe_html(&r.notes),
        decisions_html: to_safe_html(&r.decisions),
        record: RecordForm {
            notes: r.notes.clone(),
            decisions: r.decisions.clone(),
            status: r.status.as_str().to_owned(),
            attendees: String::new(),
        },
        action: ActionForm::default(),
        errors: FormErrors::default(),
        statuses: [ReviewStatus::Planned, ReviewStatus::Held, ReviewStatus::Cancelled],
        action_statuses: ActionStatus::ALL,
        people,
        keeps,
        me,
        detail,
    })
}

fn review_id(id: &str) -> Result<ReviewId, WebError> {
    id.parse().map(ReviewId).map_err(|_| WebError::NotFound)
}

pub async fn review_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(notice): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let mut page = review_view(&state, &viewer, review_id(&id)?).await?;
    page.layout = page.layout.with_notice(&notice);
    render(&page)
}

pub async fn record_review(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<RecordForm>,
) -> Result<Response, WebError> {
    let id = review_id(&id)?;
    let record = ReviewRecord {
        notes: form.notes.clone(),
        decisions: form.decisions.clone(),
        status: ReviewStatus::parse(&form.status),
        attendees: Some(
            form.attendees
                .split([',', '\n', ';', ' '])
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(str::to_owned)
                .collect(),
        ),
    };
    match state.store.record_review(&viewer.actor, id, record, state.time.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/reviews/{id}?notice=saved")).into_response()),
        Err(e) => {
            let errors = match e {
                StoreError::IllegalTransition(t) => FormErrors::one("status", t),
                other => form_errors(other)?,
            };
            let mut page = review_view(&state, &viewer, id).await?;
            page.errors = errors;
            page.record = form;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

pub async fn add_action(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ActionForm>,
) -> Result<Response, WebError> {
    let id = review_id(&id)?;
    let effort = match form.effort_hours.trim() {
        "" => Ok(None),
        h => h.parse::<f64>().map(Some),
    };
    let new = NewAction {
        title: form.title.clone(),
        owner: form.owner.clone(),
        due_on: form.due_on.clone(),
        effort_hours: effort.clone().ok().flatten(),
    };
    let saved = match effort {
        // A number that is not one is reported with whatever else the form gets wrong.
        Err(_) => {
            let mut errors = new.check().err().map(|e| e.0).unwrap_or_default();
            errors.push(concentric_core::FieldError::new("effort_hours", "give the hours as a number, such as 1.5"));
            Err(StoreError::Invalid(Invalid(errors)))
        }
        Ok(_) => state.store.add_action(&viewer.actor, id, new, state.time.now()).await,
    };
    match saved {
        Ok(_) => Ok(Redirect::to(&format!("/reviews/{id}?notice=created#actions")).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            let mut page = review_view(&state, &viewer, id).await?;
            page.errors = errors;
            page.action = form;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ActionStatusForm {
    status: String,
    /// Where to go back to: the review or the team's reviews page.
    #[serde(default)]
    back: String,
}

pub async fn update_action(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ActionStatusForm>,
) -> Result<Response, WebError> {
    let id = ActionId(id.parse().map_err(|_| WebError::NotFound)?);
    let status = ActionStatus::parse(&form.status).ok_or(WebError::NotFound)?;
    let item = state
        .store
        .update_action(
            &viewer.actor,
            id,
            ActionPatch { status: Some(status), ..ActionPatch::default() },
            state.time.now(),
        )
        .await?;
    // Only our own paths: a team's reviews page, else the review.
    let back = match form.back.strip_prefix("/teams/").and_then(|rest| rest.strip_suffix("/reviews")) {
        Some(team) if !team.is_empty() && team.chars().all(|c| c.is_ascii_alphanumeric()) => {
            format!("/teams/{team}/reviews?notice=saved")
        }
        _ => format!("/reviews/{}?notice=saved#actions", item.review_id),
    };
    Ok(Redirect::to(&back).into_response())
}
