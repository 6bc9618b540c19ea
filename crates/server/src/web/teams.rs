//! Team pages: the list, a team's showcase, the add/edit forms and membership.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use concentric_core::event::Event;
use concentric_core::page::PageRequest;
use concentric_core::team::{MemberRole, Membership, NewTeam, Team, TeamPatch, TeamQuery};
use serde::Deserialize;

use super::view::{
    every_page, form_errors, query_string, refused, render, render_status, FormErrors, Layout, NoticeQuery, Pager,
};
use crate::auth::{CsrfForm, Viewer};
use crate::error::WebError;
use crate::markdown::to_safe_html;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "teams.html")]
struct TeamsPage {
    layout: Layout,
    teams: Vec<Team>,
    q: String,
    include_inactive: bool,
    pager: Pager,
    /// The list, with its filters, as a CSV download.
    csv: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct TeamsFilter {
    q: Option<String>,
    include_inactive: Option<String>,
    #[serde(default, deserialize_with = "concentric_core::page::offset")]
    offset: Option<u64>,
}

pub async fn teams_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(f): Query<TeamsFilter>,
) -> Result<Response, WebError> {
    let include_inactive = f.include_inactive.is_some();
    let query = TeamQuery { q: f.q.clone(), include_inactive };
    let page = state.store.list_teams(&query, PageRequest { limit: Some(50), offset: f.offset }).await?;
    let q = f.q.unwrap_or_default();
    let base = format!(
        "/teams?{}",
        query_string(&[("q", &q), ("include_inactive", if include_inactive { "on" } else { "" })])
    );
    let pager = Pager::new(&page, &base);
    let csv = base.replacen("/teams?", "/teams.csv?", 1);
    render(&TeamsPage {
        layout: Layout::new(&viewer, "Teams", "teams"),
        teams: page.items,
        q,
        include_inactive,
        pager,
        csv,
    })
}

/// The teams as CSV in the import's own columns, with the same filters as the page.
pub async fn teams_csv(
    State(state): State<AppState>,
    _viewer: Viewer,
    Query(f): Query<TeamsFilter>,
) -> Result<Response, WebError> {
    let query = TeamQuery { q: f.q.clone(), include_inactive: f.include_inactive.is_some() };
    let teams = every_page(usize::MAX, |page| state.store.list_teams(&query, page)).await?;
    let rows = teams.into_iter().map(|t| {
        vec![
            t.key,
            t.name,
            t.parent_key.unwrap_or_default(),
            t.mission,
            t.contact_email.unwrap_or_default(),
            t.contact_info,
        ]
    });
    let csv = concentric_core::export::csv(concentric_core::import::TEAM_COLUMNS, rows);
    Ok(crate::download::csv_response("teams.csv", csv))
}

#[derive(Template)]
#[template(path = "team.html")]
struct TeamPage {
    layout: Layout,
    team: Team,
    mission_html: String,
    leads: Vec<Membership>,
    members: Vec<Membership>,
    sub_teams: Vec<Team>,
    ancestors: Vec<Team>,
    events: Vec<Event>,
    services: Vec<concentric_core::service::Service>,
    can_manage: bool,
    can_admin: bool,
    is_member: bool,
    error: Option<String>,
    /// An email added as a member that nobody in the directory has, and where to add them.
    unknown: Option<(String, String)>,
    /// On-time records of the commitments it delivers and receives, with the delivered trend.
    delivered: concentric_core::commitment::OnTimeRecord,
    received: concentric_core::commitment::OnTimeRecord,
    delivered_svg: String,
    /// Who-does-what rows of its relationships that need attention.
    role_problems: Vec<concentric_core::responsibility::Responsibility>,
    /// How requesters rated it over the last six months.
    rated: concentric_core::rating::Tally,
    /// Its latest news, and whether the viewer follows it.
    news: Vec<concentric_core::news::Post>,
    following: concentric_core::news::Following,
    /// Its open meetings still to come.
    meetings: Vec<concentric_core::meeting::Meeting>,
    /// The latest thanks to it or its people.
    thanks: Vec<concentric_core::thanks::Thanks>,
    /// Its first ring, drawn, with the legend and the partners by name.
    ring_svg: String,
    legend: String,
    partners: Vec<concentric_core::network::RingNode>,
    /// Its goals still alive, each with the business goal it serves.
    goals: Vec<concentric_core::goal::Goal>,
    /// Its spotlights: the wins it told the organisation about.
    wins: Vec<concentric_core::news::Post>,
}

impl TeamPage {
    /// The viewer's own membership of the team, to say what they can help with.
    fn my_membership(&self) -> Option<&Membership> {
        let me = self.layout.viewer.as_ref()?.id;
        self.leads.iter().chain(self.members.iter()).find(|m| m.person_id.0 == me)
    }
}

async fn team_view(state: &AppState, viewer: &Viewer, team: Team, error: Option<String>) -> Result<TeamPage, WebError> {
    let store = &state.store;
    let (leads, members) = store.team_members(team.id).await?.into_iter().partition(|m| m.role == MemberRole::Lead);
    let now = state.time.now();
    let since = concentric_core::commitment::trend_since(now);
    let delivered = store.on_time_months(since, now, None, Some(team.id), None).await?;
    let received = store.on_time_months(since, now, None, None, Some(team.id)).await?;
    let role_problems = store.responsibility_problems(team.id).await?;
    let rated = store.team_ratings(&viewer.actor, team.id, since).await?.as_provider.overall;
    let latest = concentric_core::news::NewsFilter { team: Some(team.id), ..Default::default() };
    let news = store.news(&viewer.actor, latest, PageRequest::first(3)).await?.items;
    let following = store.following(&viewer.actor, team.id).await?;
    let coming =
        concentric_store::MeetingFilter { team: Some(team.id), coming: true, hide_cancelled: true, invited: false };
    let meetings = store.meetings(&viewer.actor, coming, PageRequest::first(5), now).await?.items;
    let net = crate::queries::team_network_of(state, &team.key, Some(1)).await?;
    let mut goals = store.goals(team.id).await?;
    goals.retain(|g| !matches!(g.status, concentric_core::goal::GoalStatus::Dropped));
    let spotlights = concentric_core::news::NewsFilter { team: Some(team.id), spotlights: true, ..Default::default() };
    let wins = store.news(&viewer.actor, spotlights, PageRequest::first(3)).await?.items;
    let thanked = concentric_core::thanks::ThanksFilter { team: Some(team.id), person: None };
    let thanks = store.list_thanks(thanked, PageRequest::first(5)).await?.items;
    Ok(TeamPage {
        ring_svg: concentric_core::circles::circles_svg(&team.key, &team.name, &net.rings, &net.edges),
        legend: concentric_core::circles::health_legend(),
        partners: net.rings,
        goals,
        wins,
        thanks,
        meetings,
        news,
        following,
        role_problems,
        rated,
        delivered: concentric_core::commitment::OnTimeRecord::of_months(&delivered),
        received: concentric_core::commitment::OnTimeRecord::of_months(&received),
        delivered_svg: concentric_core::commitment::on_time_svg(&delivered),
        layout: Layout::new(viewer, team.name.clone(), "teams"),
        mission_html: to_safe_html(&team.mission),
        leads,
        members,
        sub_teams: store.sub_teams(team.id).await?,
        ancestors: store.team_ancestors(team.id).await?.into_iter().rev().collect(),
        events: store.events_for("team", team.id.0, PageRequest::first(20)).await?.items,
        services: store
            .list_services(
                &concentric_store::ServiceQuery {
                    team: Some(team.id),
                    include_inactive: viewer.actor.can_manage_team(team.id),
                    ..Default::default()
                },
                PageRequest::first(100),
            )
            .await?
            .items,
        is_member: viewer.actor.works_in(team.id),
        can_manage: viewer.actor.can_manage_team(team.id),
        can_admin: viewer.actor.is_admin,
        error,
        unknown: None,
        team,
    })
}

pub async fn team_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    Query(notice): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let team = state.store.team_by_key(&key).await?;
    let mut page = team_view(&state, &viewer, team, None).await?;
    page.layout = page.layout.with_notice(&notice);
    render(&page)
}

#[derive(Template)]
#[template(path = "team_form.html")]
struct TeamFormPage {
    layout: Layout,
    /// The key of the team being edited; `None` when creating one.
    editing: Option<String>,
    form: TeamForm,
    errors: FormErrors,
    parents: Vec<Team>,
    can_admin: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TeamForm {
    #[serde(default)]
    key: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    parent_key: String,
    #[serde(default)]
    mission: String,
    #[serde(default)]
    contact_email: String,
    #[serde(default)]
    contact_info: String,
}

async fn team_form(
    state: &AppState,
    viewer: &Viewer,
    editing: Option<String>,
    form: TeamForm,
    errors: FormErrors,
) -> Result<TeamFormPage, WebError> {
    let parents =
        super::view::all_teams(state).await?.into_iter().filter(|t| Some(&t.key) != editing.as_ref()).collect();
    let title = editing.as_ref().map_or_else(|| "Create a team".to_owned(), |k| format!("Edit {k}"));
    Ok(TeamFormPage {
        layout: Layout::new(viewer, title, "teams"),
        editing,
        form,
        errors,
        parents,
        can_admin: viewer.actor.is_admin,
    })
}

pub async fn new_team_page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    viewer.actor.require_admin("create teams").map_err(|f| WebError::Forbidden(f.0.to_owned()))?;
    render(&team_form(&state, &viewer, None, TeamForm::default(), FormErrors::default()).await?)
}

pub async fn create_team(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<TeamForm>,
) -> Result<Response, WebError> {
    let new = NewTeam {
        key: form.key.clone(),
        name: form.name.clone(),
        parent_key: Some(form.parent_key.clone()),
        mission: form.mission.clone(),
        contact_email: Some(form.contact_email.clone()),
        contact_info: form.contact_info.clone(),
    };
    match state.store.create_team(&viewer.actor, new).await {
        Ok(t) => Ok(Redirect::to(&format!("/teams/{}?notice=created", t.key)).into_response()),
        Err(e) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &team_form(&state, &viewer, None, form, form_errors(e)?).await?,
        ),
    }
}

pub async fn edit_team_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
) -> Result<Response, WebError> {
    let team = state.store.team_by_key(&key).await?;
    if !viewer.actor.can_manage_team(team.id) {
        return Err(WebError::Forbidden("change this team".into()));
    }
    let form = TeamForm {
        key: team.key.clone(),
        name: team.name.clone(),
        parent_key: team.parent_key.clone().unwrap_or_default(),
        mission: team.mission.clone(),
        contact_email: team.contact_email.clone().unwrap_or_default(),
        contact_info: team.contact_info.clone(),
    };
    render(&team_form(&state, &viewer, Some(team.key), form, FormErrors::default()).await?)
}

pub async fn update_team(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm<TeamForm>,
) -> Result<Response, WebError> {
    let team = state.store.team_by_key(&key).await?;
    let patch = TeamPatch {
        name: Some(form.name.clone()),
        // Leads see the parent but cannot move their team; only send it when it is an admin's to change.
        parent_key: viewer.actor.is_admin.then(|| Some(form.parent_key.clone())),
        mission: Some(form.mission.clone()),
        contact_email: Some(Some(form.contact_email.clone())),
        contact_info: Some(form.contact_info.clone()),
    };
    match state.store.update_team(&viewer.actor, team.id, patch).await {
        Ok(t) => Ok(Redirect::to(&format!("/teams/{}?notice=saved", t.key)).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &team_form(&state, &viewer, Some(team.key), form, errors).await?,
            )
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct MemberForm {
    email: String,
    role: String,
    /// Percent of the person's week this team gets; empty leaves it as it is, "even" splits it.
    #[serde(default)]
    share: String,
}

impl MemberForm {
    /// `None`: leave the share; `Some(None)`: split evenly; `Some(Some(x))`: a share of 0-1.
    fn share(&self) -> Result<Option<Option<f64>>, concentric_core::Invalid> {
        match self.share.trim().trim_end_matches('%').trim() {
            "" => Ok(None),
            s if s.eq_ignore_ascii_case("even") => Ok(Some(None)),
            s => match s.parse::<f64>() {
                Ok(p) if (0.0..=100.0).contains(&p) => Ok(Some(Some(p / 100.0))),
                _ => Err(concentric_core::Invalid::one(
                    "share",
                    "give the share of their week as a percent from 0 to 100, or \"even\"",
                )),
            },
        }
    }
}

pub async fn set_member(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm<MemberForm>,
) -> Result<Response, WebError> {
    let team = state.store.team_by_key(&key).await?;
    let role = MemberRole::parse(&form.role).unwrap_or(MemberRole::Member);
    let mut unknown = false;
    let result = match (state.store.person_by_email(&form.email).await, form.share()) {
        (_, Err(e)) => Err(e.into()),
        (Ok(person), Ok(share)) => match state.store.set_membership(&viewer.actor, team.id, person.id, role).await {
            Ok(()) => match share {
                Some(share) => state.store.set_capacity_share(&viewer.actor, team.id, person.id, share).await,
                None => Ok(()),
            },
            Err(e) => Err(e),
        },
        (Err(concentric_store::StoreError::NotFound(_)), _) => {
            unknown = form.email.contains('@');
            Err(concentric_core::Invalid::one(
                "email",
                format!("nobody in the directory has the email {}", form.email.trim()),
            )
            .into())
        }
        (Err(e), _) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/teams/{}?notice=member_set", team.key)).into_response()),
        Err(e) => {
            let message = form_errors(e)?.0.into_values().next().unwrap_or_default();
            let mut page = team_view(&state, &viewer, team, Some(message)).await?;
            if unknown {
                let email = form.email.trim().to_lowercase();
                let href = format!("/people/new?{}", super::view::query_string(&[("email", &email)]));
                page.unknown = Some((email, href));
            }
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct RemoveForm {
    person_id: i64,
}

pub async fn remove_member(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm<RemoveForm>,
) -> Result<Response, WebError> {
    let team = state.store.team_by_key(&key).await?;
    state.store.remove_membership(&viewer.actor, team.id, concentric_core::PersonId(form.person_id)).await?;
    Ok(Redirect::to(&format!("/teams/{}?notice=member_removed", team.key)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct ActiveForm {
    active: String,
}

pub async fn set_team_active(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm<ActiveForm>,
) -> Result<Response, WebError> {
    let team = state.store.team_by_key(&key).await?;
    let active = form.active == "true";
    match state.store.set_team_active(&viewer.actor, team.id, active).await {
        Ok(t) => {
            let notice = if active { "reactivated" } else { "deactivated" };
            Ok(Redirect::to(&format!("/teams/{}?notice={notice}", t.key)).into_response())
        }
        Err(e) => refused("Cannot deactivate this team", e),
    }
}

#[derive(Debug, Deserialize)]
pub struct HelpsWithForm {
    person_id: i64,
    #[serde(default)]
    helps_with: String,
}

/// Saves what a member can help with (themself, or a lead for them).
pub async fn set_helps_with(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm<HelpsWithForm>,
) -> Result<Response, WebError> {
    let team = state.store.team_by_key(&key).await?;
    let person = concentric_core::PersonId(form.person_id);
    match state.store.set_helps_with(&viewer.actor, team.id, person, &form.helps_with).await {
        Ok(()) => Ok(Redirect::to(&format!("/teams/{}?notice=saved#people", team.key)).into_response()),
        Err(concentric_store::StoreError::Invalid(inv)) => {
            let message = inv.0.first().map_or_else(String::new, |e| e.message.clone());
            let page = team_view(&state, &viewer, team, Some(format!("What you can help with: {message}"))).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}
