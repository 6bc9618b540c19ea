//! The network pages: the circles around a team, an edge with the numbers behind its health,
//! relationships to propose and answer, and team goals.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use concentric_core::circles::{circles_svg, organisation_svg};
use concentric_core::goal::{BusinessGoal, Goal, GoalStatus, NewGoal};
use concentric_core::network::{Edge, PartnerLoad, RingNode};
use concentric_core::relationship::{NewRelationship, Relationship};
use concentric_core::team::Team;
use serde::Deserialize;

use super::view::{form_errors, render, render_status, FormErrors, Layout, NoticeQuery};
use crate::auth::{CsrfForm, Viewer};
use crate::error::{PagePath, WebError};
use crate::queries::{edge_detail, team_network_of, window_start, EdgeDetail, WINDOW_DAYS};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct ProposeForm {
    #[serde(default)]
    supplier: String,
    #[serde(default)]
    customer: String,
    /// One need per line.
    #[serde(default)]
    needs: String,
    #[serde(default)]
    success_measures: String,
    #[serde(default)]
    shared_goals: String,
    /// Emails, separated by commas or lines.
    #[serde(default)]
    supplier_contacts: String,
    #[serde(default)]
    customer_contacts: String,
}

impl ProposeForm {
    fn to_new(&self) -> NewRelationship {
        let list = |s: &str| s.split([',', '\n']).map(str::trim).filter(|x| !x.is_empty()).map(str::to_owned).collect();
        NewRelationship {
            supplier: self.supplier.clone(),
            customer: self.customer.clone(),
            needs: self.needs.lines().map(str::to_owned).collect(),
            success_measures: self.success_measures.clone(),
            shared_goals: self.shared_goals.clone(),
            supplier_contacts: list(&self.supplier_contacts),
            customer_contacts: list(&self.customer_contacts),
        }
    }

    fn of(rel: &Relationship) -> Self {
        let emails = |side| {
            rel.contacts.iter().filter(|c| c.side == side).map(|c| c.email.clone()).collect::<Vec<_>>().join(", ")
        };
        Self {
            supplier: rel.supplier_key.clone(),
            customer: rel.customer_key.clone(),
            needs: rel.needs.join("\n"),
            success_measures: rel.success_measures.clone(),
            shared_goals: rel.shared_goals.clone(),
            supplier_contacts: emails(concentric_core::relationship::Side::Supplier),
            customer_contacts: emails(concentric_core::relationship::Side::Customer),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct GoalForm {
    #[serde(default)]
    id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    period: String,
    /// The business goal it supports, by id; empty for none.
    #[serde(default)]
    business_goal_id: String,
}

impl GoalForm {
    fn to_new(&self) -> NewGoal {
        NewGoal {
            title: self.title.clone(),
            description: self.description.clone(),
            status: GoalStatus::parse(&self.status),
            period: self.period.clone(),
            business_goal_id: self.business_goal_id.trim().parse().ok(),
        }
    }
}

#[derive(Template)]
#[template(path = "network.html")]
struct NetworkPage {
    layout: Layout,
    team: Team,
    depth: u32,
    svg: String,
    legend: String,
    rings: Vec<RingNode>,
    edges: Vec<Edge>,
    relationships: Vec<Relationship>,
    goals: Vec<Goal>,
    business_goals: Vec<BusinessGoal>,
    can_manage: bool,
    teams: Vec<Team>,
    propose: ProposeForm,
    goal: GoalForm,
    errors: FormErrors,
    window_days: i64,
    /// Relationships the viewer may confirm or decline (the store checks again on submit).
    answerable: Vec<i64>,
    owed: Vec<PartnerLoad>,
    waiting: Vec<PartnerLoad>,
}

impl NetworkPage {
    /// The edge between the centre and a ring-1 team, for the table.
    fn edge_with(&self, key: &str) -> Vec<&Edge> {
        self.edges
            .iter()
            .filter(|e| {
                (e.supplier_key == self.team.key && e.customer_key == key)
                    || (e.customer_key == self.team.key && e.supplier_key == key)
            })
            .collect()
    }

    fn undeclared(&self) -> Vec<&Edge> {
        self.edges
            .iter()
            .filter(|e| e.undeclared() && (e.supplier_key == self.team.key || e.customer_key == self.team.key))
            .collect()
    }

    fn answers(&self, rel: &Relationship) -> bool {
        self.answerable.contains(&rel.id)
    }

    fn goal_statuses(&self) -> [GoalStatus; 5] {
        GoalStatus::ALL
    }
}

#[derive(Debug, Deserialize)]
pub struct DepthQuery {
    depth: Option<u32>,
    notice: Option<String>,
}

async fn network_page(
    state: &AppState,
    viewer: &Viewer,
    key: &str,
    depth: Option<u32>,
) -> Result<NetworkPage, WebError> {
    let team = state.store.team_by_key(key).await?;
    let net = team_network_of(state, key, depth).await?;
    let relationships = state.store.relationships(Some(team.id)).await?;
    let answerable = relationships.iter().filter(|r| r.answerable_by(&viewer.actor)).map(|r| r.id).collect();
    let goals = state.store.goals(team.id).await?;
    let owed = state.store.partner_load(team.id, true, state.time.now()).await?;
    let waiting = state.store.partner_load(team.id, false, state.time.now()).await?;
    let teams = state
        .store
        .list_teams(&concentric_core::team::TeamQuery::default(), concentric_core::page::PageRequest::first(200))
        .await?
        .items;
    Ok(NetworkPage {
        layout: Layout::new(viewer, format!("{} and its partners", team.name), "teams"),
        svg: circles_svg(&team.key, &team.name, &net.rings, &net.edges),
        legend: concentric_core::circles::health_legend(),
        depth: depth.unwrap_or(2),
        rings: net.rings,
        edges: net.edges,
        relationships,
        goals,
        business_goals: state.store.business_goals().await?,
        can_manage: viewer.actor.can_manage_team(team.id),
        propose: ProposeForm { supplier: team.key.clone(), ..ProposeForm::default() },
        goal: GoalForm { status: "planned".into(), ..GoalForm::default() },
        errors: FormErrors::default(),
        window_days: WINDOW_DAYS,
        answerable,
        owed,
        waiting,
        teams,
        team,
    })
}

pub async fn team_network_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    Query(q): Query<DepthQuery>,
) -> Result<Response, WebError> {
    let mut page = network_page(&state, &viewer, &key, q.depth.map(|d| d.clamp(1, 4))).await?;
    page.layout = page.layout.with_notice(&NoticeQuery { notice: q.notice });
    render(&page)
}

pub async fn propose_relationship(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm<ProposeForm>,
) -> Result<Response, WebError> {
    match state.store.propose_relationship(&viewer.actor, form.to_new()).await {
        Ok(_) => Ok(Redirect::to(&format!("/teams/{key}/network?notice=saved")).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            let mut page = network_page(&state, &viewer, &key, None).await?;
            page.propose = form;
            page.errors = errors;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct AnswerForm {
    answer: String,
    /// The team page to return to.
    back: String,
}

pub async fn answer_relationship(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    CsrfForm(form): CsrfForm<AnswerForm>,
) -> Result<Response, WebError> {
    state.store.answer_relationship(&viewer.actor, id, form.answer == "confirm").await?;
    let back = state.store.team_by_key(&form.back).await?.key;
    Ok(Redirect::to(&format!("/teams/{back}/network?notice=saved")).into_response())
}

pub async fn save_goal(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm<GoalForm>,
) -> Result<Response, WebError> {
    let team = state.store.team_by_key(&key).await?;
    let id = form.id.trim().parse().ok();
    match state.store.save_goal(&viewer.actor, team.id, id, form.to_new()).await {
        Ok(_) => Ok(Redirect::to(&format!("/teams/{key}/network?notice=saved#goals")).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            let mut page = network_page(&state, &viewer, &key, None).await?;
            page.goal = form;
            page.errors = errors;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

#[derive(Template)]
#[template(path = "edge.html")]
pub(super) struct EdgePage {
    layout: Layout,
    /// The side the viewer leads, if one (admins: none, see `admin`).
    speaks_for: Option<concentric_core::relationship::Side>,
    admin: bool,
    detail: EdgeDetail,
    trend_svg: String,
    trend_months: u32,
    window_days: i64,
    can_edit: bool,
    form: ProposeForm,
    errors: FormErrors,
    /// The latest survey rounds, for members of either team.
    surveys: Option<Vec<concentric_core::survey::RoundResults>>,
    survey_rules: [(&'static str, &'static str); 4],
    /// How often the relationship is surveyed.
    survey_schedule: Option<concentric_core::survey::SurveySchedule>,
    /// Who does what, when the relationship exists.
    roles: Vec<concentric_core::responsibility::Responsibility>,
    /// The role form as typed, when it was refused, and its messages.
    pub(super) role_form: super::responsibilities::RoleForm,
    pub(super) role_errors: FormErrors,
    /// How much of the supplier's coming weeks the customer's open work takes.
    load: concentric_core::workload::CustomerLoad,
}

impl EdgePage {
    /// How often the relationship is surveyed, in words ("every quarter").
    fn survey_words(&self, rule: &str) -> String {
        self.survey_rules
            .iter()
            .find(|(value, _)| *value == rule)
            .map_or_else(|| concentric_core::recurrence::describe(rule, "", "UTC"), |(_, label)| (*label).to_owned())
    }

    /// Whether the viewer leads the side still to agree a row (or is an admin).
    fn may_agree(&self, r: &concentric_core::responsibility::Responsibility) -> bool {
        self.can_edit && r.waiting_for().is_some_and(|side| self.speaks_for == Some(side) || self.admin)
    }
}

pub(super) async fn edge_page(
    state: &AppState,
    viewer: &Viewer,
    supplier: &str,
    customer: &str,
) -> Result<EdgePage, WebError> {
    let (s, c) = (state.store.team_by_key(supplier).await?, state.store.team_by_key(customer).await?);
    let detail = edge_detail(state, &s, &c).await?;
    let can_edit = viewer.actor.can_manage_either(s.id, c.id);
    let (roles, survey_schedule) = match &detail.relationship {
        Some(r) => (state.store.responsibilities(r.id).await?, Some(state.store.survey_schedule(r.id).await?)),
        None => (Vec::new(), None),
    };
    let speaks_for = match (viewer.actor.is_lead_of(s.id), viewer.actor.is_lead_of(c.id)) {
        (true, false) => Some(concentric_core::relationship::Side::Supplier),
        (false, true) => Some(concentric_core::relationship::Side::Customer),
        _ => None,
    };
    let surveys = match &detail.relationship {
        Some(r) if viewer.actor.works_in(s.id) || viewer.actor.works_in(c.id) => {
            let mut rounds = state.store.relationship_surveys(&viewer.actor, r.id, state.time.now()).await?;
            rounds.truncate(2);
            Some(rounds)
        }
        _ => None,
    };
    let load = state.store.customer_load(s.id, c.id, state.time.now().to_utc()).await?;
    let form = match &detail.relationship {
        Some(r) => ProposeForm::of(r),
        None => ProposeForm { supplier: s.key.clone(), customer: c.key.clone(), ..ProposeForm::default() },
    };
    Ok(EdgePage {
        layout: Layout::new(viewer, format!("{} serves {}", s.name, c.name), "teams"),
        trend_svg: concentric_core::commitment::on_time_svg(&detail.trend),
        trend_months: concentric_core::commitment::TREND_MONTHS,
        detail,
        window_days: WINDOW_DAYS,
        can_edit,
        form,
        errors: FormErrors::default(),
        surveys,
        roles,
        survey_schedule,
        survey_rules: super::surveys::SURVEY_RULES,
        role_form: super::responsibilities::RoleForm::default(),
        role_errors: FormErrors::default(),
        speaks_for,
        load,
        admin: viewer.actor.is_admin,
    })
}

pub async fn edge_page_get(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((supplier, customer)): Path<(String, String)>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let mut page = edge_page(&state, &viewer, &supplier, &customer).await?;
    page.layout = page.layout.with_notice(&q);
    render(&page)
}

/// Saves the relationship of an edge: proposes it when there is none, edits it otherwise.
pub async fn edge_save(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((supplier, customer)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<ProposeForm>,
) -> Result<Response, WebError> {
    let page = edge_page(&state, &viewer, &supplier, &customer).await?;
    let result = match (&page.detail.relationship, form.to_new()) {
        (Some(r), new) if r.status != concentric_core::relationship::RelationshipStatus::Declined => {
            state.store.edit_relationship(&viewer.actor, r.id, new).await
        }
        (_, new) => state.store.propose_relationship(&viewer.actor, new).await,
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!(
            "/network/{}/{}?notice=saved",
            page.detail.edge.supplier_key, page.detail.edge.customer_key
        ))
        .into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            let mut page = page;
            page.form = form;
            page.errors = errors;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

#[derive(Template)]
#[template(path = "organisation_map.html")]
struct MapPage {
    layout: Layout,
    svg: String,
    /// Every team on the map, key and name, for the legend.
    teams: Vec<(String, String)>,
    legend: String,
    summary: concentric_core::network::NetworkSummary,
    window_days: i64,
}

/// Every edge of the organisation map as CSV (admins and leads, as the map).
pub async fn organisation_csv(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    let now = state.time.now();
    let (edges, _) = state.store.network_summary(&viewer.actor, window_start(now), now).await?;
    let header = [
        "supplier",
        "supplier name",
        "customer",
        "customer name",
        "relationship",
        "requests",
        "targets met",
        "targets breached",
        "commitments",
        "deliveries on time",
        "deliveries late",
        "health",
        "health band",
    ];
    let rows = edges.into_iter().map(|e| {
        vec![
            e.supplier_key.clone(),
            e.supplier_name.clone(),
            e.customer_key.clone(),
            e.customer_name.clone(),
            e.status.map(|s| s.label().to_owned()).unwrap_or_else(|| "none".into()),
            e.requests.to_string(),
            e.targets_met.to_string(),
            e.targets_breached.to_string(),
            e.commitments.to_string(),
            e.deliveries_on_time.to_string(),
            e.deliveries_late.to_string(),
            e.health.label(),
            e.health.band().to_owned(),
        ]
    });
    Ok(crate::download::csv_response("network.csv", concentric_core::export::csv(&header, rows)))
}

/// Every team and relationship, with the weakest edges and the bottlenecks (admins and leads).
pub async fn organisation_map(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    let now = state.time.now();
    let (edges, summary) = state.store.network_summary(&viewer.actor, window_start(now), now).await?;
    let teams: Vec<(String, String)> = state
        .store
        .list_teams(&concentric_core::team::TeamQuery::default(), concentric_core::page::PageRequest::first(200))
        .await?
        .items
        .into_iter()
        .map(|t| (t.key, t.name))
        .collect();
    render(&MapPage {
        layout: Layout::new(&viewer, "Organisation map", "teams"),
        svg: organisation_svg(&teams, &edges),
        teams,
        legend: concentric_core::circles::health_legend(),
        summary,
        window_days: WINDOW_DAYS,
    })
}

#[derive(Template)]
#[template(path = "goals.html")]
struct GoalsPage {
    layout: Layout,
    goals: Vec<BusinessGoal>,
    can_edit: bool,
    form: GoalForm,
    errors: FormErrors,
}

impl GoalsPage {
    fn goal_statuses(&self) -> [GoalStatus; 5] {
        GoalStatus::ALL
    }
}

async fn goals_view(state: &AppState, viewer: &Viewer) -> Result<GoalsPage, WebError> {
    Ok(GoalsPage {
        layout: Layout::new(viewer, "Business goals", "teams"),
        goals: state.store.business_goals().await?,
        can_edit: viewer.actor.is_admin,
        form: GoalForm { status: "planned".into(), ..GoalForm::default() },
        errors: FormErrors::default(),
    })
}

/// The organisation's business goals and the team goals that support each.
pub async fn goals_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(notice): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let mut page = goals_view(&state, &viewer).await?;
    page.layout = page.layout.with_notice(&notice);
    render(&page)
}

pub async fn save_business_goal(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<GoalForm>,
) -> Result<Response, WebError> {
    let id = form.id.trim().parse().ok();
    match state.store.save_business_goal(&viewer.actor, id, form.to_new()).await {
        Ok(_) => Ok(Redirect::to("/goals?notice=saved").into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            let mut page = goals_view(&state, &viewer).await?;
            page.form = form;
            page.errors = errors;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}
