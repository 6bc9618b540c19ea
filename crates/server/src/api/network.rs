//! Relationships, team goals and the network around a team.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use concentric_core::goal::{BusinessGoal, Goal, NewGoal};
use concentric_core::network::{Edge, NetworkSummary, PartnerLoad};
use concentric_core::relationship::{NewRelationship, Relationship};
use serde::Deserialize;

use super::{ApiJson, ApiPath, ApiQuery};
use crate::auth::ApiUser;
use crate::error::{ApiError, Problem};
use crate::queries::{edge_detail, edges, team_network_of, window_start, EdgeDetail, TeamNetwork};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/relationships", get(list_relationships).post(propose))
        .route("/api/v1/relationships/{id}", get(get_relationship).put(edit))
        .route("/api/v1/relationships/{id}/confirm", post(confirm))
        .route("/api/v1/relationships/{id}/decline", post(decline))
        .route("/api/v1/teams/{key}/goals", get(list_goals).post(add_goal))
        .route("/api/v1/teams/{key}/goals/{id}", put(update_goal))
        .route("/api/v1/goals", get(list_business_goals).post(add_business_goal))
        .route("/api/v1/goals/{id}", put(update_business_goal))
        .route("/api/v1/teams/{key}/network", get(team_network))
        .route("/api/v1/network", get(network))
        .route("/api/v1/network/summary", get(summary))
        .route("/api/v1/network/{supplier}/{customer}", get(edge))
        .route("/api/v1/teams/{key}/owed", get(owed))
        .route("/api/v1/teams/{key}/waiting", get(waiting))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RelationshipQuery {
    /// Only relationships this team (key) is on either side of.
    pub team: Option<String>,
}

/// Declared relationships, agreed and proposed first.
#[utoipa::path(get, path = "/api/v1/relationships", tag = "network", params(RelationshipQuery),
    responses((status = 200, body = Vec<Relationship>)))]
pub async fn list_relationships(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiQuery(q): ApiQuery<RelationshipQuery>,
) -> Result<Json<Vec<Relationship>>, ApiError> {
    let team = match q.team {
        Some(key) => Some(state.store.team_by_key(&key).await?.id),
        None => None,
    };
    Ok(Json(state.store.relationships(team).await?))
}

/// Propose a relationship, as a lead of the supplier or the customer team; the other side answers.
#[utoipa::path(post, path = "/api/v1/relationships", tag = "network", request_body = NewRelationship,
    responses((status = 201, body = Relationship), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn propose(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(new): ApiJson<NewRelationship>,
) -> Result<(StatusCode, Json<Relationship>), ApiError> {
    Ok((StatusCode::CREATED, Json(state.store.propose_relationship(&user.actor, new).await?)))
}

#[utoipa::path(get, path = "/api/v1/relationships/{id}", tag = "network", params(("id" = i64, Path)),
    responses((status = 200, body = Relationship), (status = 404, body = Problem)))]
pub async fn get_relationship(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Relationship>, ApiError> {
    Ok(Json(state.store.relationship(id).await?))
}

/// Edit a relationship (either side's leads). Editing a proposal you were asked to answer makes
/// it your counter-proposal; an agreed relationship stays agreed. `supplier` and `customer` are
/// ignored: they never change.
#[utoipa::path(put, path = "/api/v1/relationships/{id}", tag = "network", params(("id" = i64, Path)),
    request_body = NewRelationship,
    responses((status = 200, body = Relationship), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn edit(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(new): ApiJson<NewRelationship>,
) -> Result<Json<Relationship>, ApiError> {
    Ok(Json(state.store.edit_relationship(&user.actor, id, new).await?))
}

/// Confirm a proposal (the other side's leads).
#[utoipa::path(post, path = "/api/v1/relationships/{id}/confirm", tag = "network", params(("id" = i64, Path)),
    responses((status = 200, body = Relationship), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn confirm(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Relationship>, ApiError> {
    Ok(Json(state.store.answer_relationship(&user.actor, id, true).await?))
}

/// Decline a proposal (the other side's leads).
#[utoipa::path(post, path = "/api/v1/relationships/{id}/decline", tag = "network", params(("id" = i64, Path)),
    responses((status = 200, body = Relationship), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn decline(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Relationship>, ApiError> {
    Ok(Json(state.store.answer_relationship(&user.actor, id, false).await?))
}

#[utoipa::path(get, path = "/api/v1/teams/{key}/goals", tag = "network", params(("key" = String, Path)),
    responses((status = 200, body = Vec<Goal>)))]
pub async fn list_goals(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiPath(key): ApiPath<String>,
) -> Result<Json<Vec<Goal>>, ApiError> {
    let team = state.store.team_by_key(&key).await?;
    Ok(Json(state.store.goals(team.id).await?))
}

/// Add a goal (the team's leads and admins).
#[utoipa::path(post, path = "/api/v1/teams/{key}/goals", tag = "network", params(("key" = String, Path)),
    request_body = NewGoal, responses((status = 201, body = Goal), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn add_goal(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(key): ApiPath<String>,
    ApiJson(new): ApiJson<NewGoal>,
) -> Result<(StatusCode, Json<Goal>), ApiError> {
    let team = state.store.team_by_key(&key).await?;
    Ok((StatusCode::CREATED, Json(state.store.save_goal(&user.actor, team.id, None, new).await?)))
}

/// Replace a goal (the team's leads and admins).
#[utoipa::path(put, path = "/api/v1/teams/{key}/goals/{id}", tag = "network", params(("key" = String, Path), ("id" = i64, Path)),
    request_body = NewGoal, responses((status = 200, body = Goal), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn update_goal(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath((key, id)): ApiPath<(String, i64)>,
    ApiJson(new): ApiJson<NewGoal>,
) -> Result<Json<Goal>, ApiError> {
    let team = state.store.team_by_key(&key).await?;
    Ok(Json(state.store.save_goal(&user.actor, team.id, Some(id), new).await?))
}

/// The organisation's business goals, each with the team goals that support it.
#[utoipa::path(get, path = "/api/v1/goals", tag = "network", responses((status = 200, body = Vec<BusinessGoal>)))]
pub async fn list_business_goals(
    State(state): State<AppState>,
    _user: ApiUser,
) -> Result<Json<Vec<BusinessGoal>>, ApiError> {
    Ok(Json(state.store.business_goals().await?))
}

/// Add a business goal (admins). Team goals name it in `business_goal_id`.
#[utoipa::path(post, path = "/api/v1/goals", tag = "network", request_body = NewGoal,
    responses((status = 201, body = BusinessGoal), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn add_business_goal(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(new): ApiJson<NewGoal>,
) -> Result<(StatusCode, Json<BusinessGoal>), ApiError> {
    Ok((StatusCode::CREATED, Json(state.store.save_business_goal(&user.actor, None, new).await?)))
}

/// Replace a business goal (admins).
#[utoipa::path(put, path = "/api/v1/goals/{id}", tag = "network", params(("id" = i64, Path)), request_body = NewGoal,
    responses((status = 200, body = BusinessGoal), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn update_business_goal(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(new): ApiJson<NewGoal>,
) -> Result<Json<BusinessGoal>, ApiError> {
    Ok(Json(state.store.save_business_goal(&user.actor, Some(id), new).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct NetworkQuery {
    /// Rings around the team (1-4, default 2).
    #[param(minimum = 1, maximum = 4)]
    pub depth: Option<u32>,
}

/// The concentric circles around a team: its direct customers and suppliers, then their partners.
#[utoipa::path(get, path = "/api/v1/teams/{key}/network", tag = "network", params(("key" = String, Path), NetworkQuery),
    responses((status = 200, body = TeamNetwork), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn team_network(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiPath(key): ApiPath<String>,
    ApiQuery(q): ApiQuery<NetworkQuery>,
) -> Result<Json<TeamNetwork>, ApiError> {
    Ok(Json(team_network_of(&state, &key, q.depth).await?))
}

/// Every edge of the organisation, declared and observed.
#[utoipa::path(get, path = "/api/v1/network", tag = "network", responses((status = 200, body = Vec<Edge>)))]
pub async fn network(State(state): State<AppState>, _user: ApiUser) -> Result<Json<Vec<Edge>>, ApiError> {
    Ok(Json(edges(&state).await?))
}

/// One edge: a supplier serving a customer, and the numbers behind its health.
#[utoipa::path(get, path = "/api/v1/network/{supplier}/{customer}", tag = "network",
    params(("supplier" = String, Path), ("customer" = String, Path)),
    responses((status = 200, body = EdgeDetail), (status = 404, body = Problem)))]
pub async fn edge(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiPath((supplier, customer)): ApiPath<(String, String)>,
) -> Result<Json<EdgeDetail>, ApiError> {
    let (s, c) = (state.store.team_by_key(&supplier).await?, state.store.team_by_key(&customer).await?);
    Ok(Json(edge_detail(&state, &s, &c).await?))
}

/// Weakest edges (up to 10), bottlenecks and undeclared dependencies, for admins and leads.
#[utoipa::path(get, path = "/api/v1/network/summary", tag = "network",
    responses((status = 200, body = NetworkSummary), (status = 403, body = Problem)))]
pub async fn summary(State(state): State<AppState>, user: ApiUser) -> Result<Json<NetworkSummary>, ApiError> {
    let now = state.time.now();
    Ok(Json(state.store.network_summary(&user.actor, window_start(now), now).await?.1))
}

/// What a team owes: its open requests by the team they were filed for, breached first.
#[utoipa::path(get, path = "/api/v1/teams/{key}/owed", tag = "network", params(("key" = String, Path)),
    responses((status = 200, body = Vec<PartnerLoad>)))]
pub async fn owed(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiPath(key): ApiPath<String>,
) -> Result<Json<Vec<PartnerLoad>>, ApiError> {
    let team = state.store.team_by_key(&key).await?;
    Ok(Json(state.store.partner_load(team.id, true, state.time.now()).await?))
}

/// What a team is waiting on: the open requests it filed, by providing team, breached and
/// longest-waiting first.
#[utoipa::path(get, path = "/api/v1/teams/{key}/waiting", tag = "network", params(("key" = String, Path)),
    responses((status = 200, body = Vec<PartnerLoad>)))]
pub async fn waiting(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiPath(key): ApiPath<String>,
) -> Result<Json<Vec<PartnerLoad>>, ApiError> {
    let team = state.store.team_by_key(&key).await?;
    Ok(Json(state.store.partner_load(team.id, false, state.time.now()).await?))
}
