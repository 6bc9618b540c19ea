//! Ambassador pages: the programme's overview, one placement (answer, call off, report, action
//! items from it), and proposing one.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use concentric_core::placement::{NewPlacement, Overview, Placement, PlacementReport, PlacementStatus};
use concentric_core::review::NewAction;
use concentric_core::team::Team;
use concentric_core::PlacementId;
use concentric_store::PlacementDetail;
use serde::Deserialize;

use super::view::{form_errors, render, render_status, FormErrors, Layout, NoticeQuery};
use crate::auth::{CsrfForm, Viewer};
use crate::error::WebError;
use crate::markdown::to_safe_html;
use crate::state::AppState;

fn placement_id(raw: &str) -> Result<PlacementId, WebError> {
    raw.parse().map(PlacementId).map_err(|_| WebError::NotFound)
}

#[derive(Debug, Default, Deserialize)]
pub struct OverviewQuery {
    #[serde(default)]
    team: String,
}

#[derive(Template)]
#[template(path = "placements.html")]
struct OverviewPage {
    layout: Layout,
    overview: Overview,
    teams: Vec<Team>,
    /// Placements waiting on the viewer's answer, and their own as ambassador.
    waiting: Vec<Placement>,
    mine: Vec<Placement>,
    leads_a_team: bool,
    today: NaiveDate,
}

pub async fn overview_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<OverviewQuery>,
    Query(notice): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let teams = super::view::all_teams(&state).await?;
    // The unvisited list is for the team asked for, else the viewer's first team.
    let chosen = match q.team.trim() {
        "" => teams.iter().find(|t| viewer.actor.is_member_of(t.id)).map(|t| t.key.clone()),
        key => Some(key.to_uppercase()),
    };
    let overview = crate::queries::placement_overview(&state, &viewer.actor, chosen.as_deref()).await?;
    let live = state.store.live_placements(&viewer.actor).await?;
    let waiting = live
        .iter()
        .filter(|p| p.status == PlacementStatus::Proposed && viewer.actor.is_lead_of(p.team(p.proposed_side.other())))
        .cloned()
        .collect();
    let mine = live.iter().filter(|p| viewer.actor.is_person(p.ambassador_id)).cloned().collect();
    render(&OverviewPage {
        layout: Layout::new(&viewer, "Ambassadors", "news").with_notice(&notice),
        overview,
        waiting,
        mine,
        leads_a_team: viewer.actor.sees_organisation_map(),
        today: state.time.now().to_utc().date_naive(),
        teams,
    })
}

#[derive(Template)]
#[template(path = "placement.html")]
struct PlacementPage {
    layout: Layout,
    detail: PlacementDetail,
    focus_html: String,
    learned_html: String,
    together_html: String,
    today: NaiveDate,
    decides: bool,
    keeps: bool,
    is_ambassador: bool,
    report: PlacementReport,
    report_errors: FormErrors,
    action: ActionForm,
    action_errors: FormErrors,
}

impl PlacementPage {
    fn may_cancel(&self) -> bool {
        let p = &self.detail.placement;
        (self.keeps || self.is_ambassador)
            && matches!(p.status, PlacementStatus::Proposed | PlacementStatus::Accepted)
            && p.reported_at.is_none()
    }

    fn may_report(&self) -> bool {
        let p = &self.detail.placement;
        self.is_ambassador && p.status == PlacementStatus::Accepted && self.today >= p.starts_on
    }
}

async fn placement_view(state: &AppState, viewer: &Viewer, id: PlacementId) -> Result<PlacementPage, WebError> {
    let detail = state.store.placement(&viewer.actor, id, state.time.now()).await?;
    let p = &detail.placement;
    let report = p.report.clone().unwrap_or_default();
    Ok(PlacementPage {
        layout: Layout::new(viewer, format!("{} with {}", p.ambassador_name, p.host_name), "news"),
        focus_html: to_safe_html(&p.focus),
        learned_html: to_safe_html(&report.learned),
        together_html: to_safe_html(&report.together),
        today: state.time.now().to_utc().date_naive(),
        decides: viewer.actor.decides_placement(p),
        keeps: viewer.actor.keeps_placement(p),
        is_ambassador: viewer.actor.is_person(p.ambassador_id),
        report,
        report_errors: FormErrors::default(),
        action: ActionForm::default(),
        action_errors: FormErrors::default(),
        detail,
    })
}

pub async fn placement_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(notice): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let mut page = placement_view(&state, &viewer, placement_id(&id)?).await?;
    page.layout = page.layout.with_notice(&notice);
    render(&page)
}

#[derive(Debug, Deserialize)]
pub struct DecideForm {
    accept: bool,
}

pub async fn decide(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<DecideForm>,
) -> Result<Response, WebError> {
    let id = placement_id(&id)?;
    match state.store.decide_placement(&viewer.actor, id, form.accept, state.time.now()).await {
        Ok(_) => {
            let notice = if form.accept { "placement_accepted" } else { "placement_declined" };
            Ok(Redirect::to(&format!("/placements/{id}?notice={notice}")).into_response())
        }
        Err(e) => super::view::refused("The placement was not answered", e),
    }
}

pub async fn cancel(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<super::account::EmptyForm>,
) -> Result<Response, WebError> {
    let id = placement_id(&id)?;
    match state.store.cancel_placement(&viewer.actor, id, state.time.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/placements/{id}?notice=placement_cancelled")).into_response()),
        Err(e) => super::view::refused("The placement was not called off", e),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    learned: String,
    #[serde(default)]
    together: String,
}

pub async fn report(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ReportForm>,
) -> Result<Response, WebError> {
    let id = placement_id(&id)?;
    let report = PlacementReport { learned: form.learned, together: form.together };
    match state.store.report_placement(&viewer.actor, id, report.clone(), state.time.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/placements/{id}?notice=reported#report")).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            let mut page = placement_view(&state, &viewer, id).await?;
            page.report = report;
            page.report_errors = errors;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

/// An action item from the report, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    due_on: String,
}

pub async fn add_action(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ActionForm>,
) -> Result<Response, WebError> {
    let id = placement_id(&id)?;
    let new = NewAction {
        title: form.title.clone(),
        owner: form.owner.clone(),
        due_on: form.due_on.clone(),
        effort_hours: None,
    };
    match state.store.placement_action(&viewer.actor, id, new, state.time.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/placements/{id}?notice=action_added#actions")).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            let mut page = placement_view(&state, &viewer, id).await?;
            page.action = form;
            page.action_errors = errors;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

/// The proposal form, as typed or prefilled from a suggestion (`?home=IT&host=SAL`).
#[derive(Debug, Default, Deserialize)]
pub struct PlacementForm {
    #[serde(default)]
    ambassador: String,
    #[serde(default)]
    home: String,
    #[serde(default)]
    host: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
    #[serde(default)]
    focus: String,
}

#[derive(Template)]
#[template(path = "placement_form.html")]
struct FormPage {
    layout: Layout,
    teams: Vec<Team>,
    form: PlacementForm,
    errors: FormErrors,
}

async fn form_page(
    state: &AppState,
    viewer: &Viewer,
    form: PlacementForm,
    errors: FormErrors,
) -> Result<FormPage, WebError> {
    Ok(FormPage {
        layout: Layout::new(viewer, "Propose an ambassador placement", "news"),
        teams: super::view::all_teams(state).await?,
        form,
        errors,
    })
}

pub async fn new_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(form): Query<PlacementForm>,
) -> Result<Response, WebError> {
    if !viewer.actor.sees_organisation_map() {
        return Err(WebError::Forbidden("propose a placement: team leads may".into()));
    }
    render(&form_page(&state, &viewer, form, FormErrors::default()).await?)
}

pub async fn propose(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<PlacementForm>,
) -> Result<Response, WebError> {
    let new = NewPlacement {
        ambassador: form.ambassador.clone(),
        home: form.home.clone(),
        host: form.host.clone(),
        starts_on: form.starts_on.clone(),
        ends_on: form.ends_on.clone(),
        focus: form.focus.clone(),
    };
    match state.store.propose_placement(&viewer.actor, new, state.time.now()).await {
        Ok(d) => Ok(Redirect::to(&format!("/placements/{}?notice=proposed", d.placement.id)).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &form_page(&state, &viewer, form, errors).await?)
        }
    }
}
