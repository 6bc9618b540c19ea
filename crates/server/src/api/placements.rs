//! `/api/v1/placements`: ambassador placements, their reports, action items taken from them, and
//! the organisation's overview.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use concentric_core::page::{Page, PageRequest};
use concentric_core::placement::{NewPlacement, Overview, Placement, PlacementReport};
use concentric_core::review::{ActionItem, NewAction};
use concentric_core::{PersonId, PlacementId, ReviewId};
use concentric_store::{PlacementDetail, PlacementFilter};
use serde::{Deserialize, Serialize};

use super::{ApiJson, ApiList, ApiPath, ApiQuery};
use crate::auth::ApiUser;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/placements", get(list_placements).post(propose))
        .route("/api/v1/placements/overview", get(overview))
        .route("/api/v1/placements/{id}", get(get_placement))
        .route("/api/v1/placements/{id}/accept", post(accept))
        .route("/api/v1/placements/{id}/decline", post(decline))
        .route("/api/v1/placements/{id}/cancel", post(cancel))
        .route("/api/v1/placements/{id}/report", put(report))
        .route("/api/v1/placements/{id}/actions", post(add_action))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PlacementParams {
    /// Placements from or to this team (its key).
    pub team: Option<String>,
    /// Placements of this ambassador (a person's id).
    pub ambassador: Option<i64>,
    /// `true`: only agreed ones.
    pub agreed: Option<bool>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OverviewParams {
    /// The team whose unvisited teams to list (its key).
    pub team: Option<String>,
}

/// A placement with the action items taken from its report.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlacementView {
    #[serde(flatten)]
    pub placement: Placement,
    pub actions: Vec<ActionItem>,
    /// The two teams' latest partnership review, where action items from the report go.
    pub review_id: Option<ReviewId>,
}

impl From<PlacementDetail> for PlacementView {
    fn from(d: PlacementDetail) -> Self {
        Self { placement: d.placement, actions: d.actions, review_id: d.review }
    }
}

/// Placements, latest first: the organisation's, a team's, or an ambassador's.
#[utoipa::path(get, path = "/api/v1/placements", tag = "placements", params(PlacementParams, PageRequest),
    responses((status = 200, body = Page<Placement>), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn list_placements(
    State(state): State<AppState>,
    user: ApiUser,
    ApiList(p, page): ApiList<PlacementParams>,
) -> Result<Json<Page<Placement>>, ApiError> {
    let team = match p.team.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        Some(key) => Some(state.store.team_by_key(key).await?.id),
        None => None,
    };
    let filter = PlacementFilter { team, ambassador: p.ambassador.map(PersonId), agreed: p.agreed.unwrap_or(false) };
    Ok(Json(state.store.placements(&user.actor, filter, page).await?))
}

/// Propose a placement (a lead of either team); the other team's leads answer.
#[utoipa::path(post, path = "/api/v1/placements", tag = "placements", request_body = NewPlacement,
    responses((status = 201, body = PlacementView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn propose(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(new): ApiJson<NewPlacement>,
) -> Result<(StatusCode, Json<PlacementView>), ApiError> {
    let d = state.store.propose_placement(&user.actor, new, state.time.now()).await?;
    Ok((StatusCode::CREATED, Json(d.into())))
}

/// One placement. Its report shows to the two teams, the ambassador and admins.
#[utoipa::path(get, path = "/api/v1/placements/{id}", tag = "placements", params(("id" = i64, Path)),
    responses((status = 200, body = PlacementView), (status = 404, body = Problem)))]
pub async fn get_placement(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PlacementView>, ApiError> {
    Ok(Json(state.store.placement(&user.actor, PlacementId(id), state.time.now()).await?.into()))
}

async fn decide(state: &AppState, user: &ApiUser, id: i64, accept: bool) -> Result<Json<PlacementView>, ApiError> {
    let d = state.store.decide_placement(&user.actor, PlacementId(id), accept, state.time.now()).await?;
    Ok(Json(d.into()))
}

/// Accept a proposed placement (a lead of the team that did not propose it).
#[utoipa::path(post, path = "/api/v1/placements/{id}/accept", tag = "placements", params(("id" = i64, Path)),
    responses((status = 200, body = PlacementView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn accept(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PlacementView>, ApiError> {
    decide(&state, &user, id, true).await
}

/// Decline a proposed placement (a lead of the team that did not propose it).
#[utoipa::path(post, path = "/api/v1/placements/{id}/decline", tag = "placements", params(("id" = i64, Path)),
    responses((status = 200, body = PlacementView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn decline(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PlacementView>, ApiError> {
    decide(&state, &user, id, false).await
}

/// Call a placement off before its report (either team's leads, the ambassador).
#[utoipa::path(post, path = "/api/v1/placements/{id}/cancel", tag = "placements", params(("id" = i64, Path)),
    responses((status = 200, body = PlacementView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn cancel(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PlacementView>, ApiError> {
    Ok(Json(state.store.cancel_placement(&user.actor, PlacementId(id), state.time.now()).await?.into()))
}

/// Write or change the report (the ambassador, once the placement has begun).
#[utoipa::path(put, path = "/api/v1/placements/{id}/report", tag = "placements", params(("id" = i64, Path)), request_body = PlacementReport,
    responses((status = 200, body = PlacementView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn report(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PlacementReport>,
) -> Result<Json<PlacementView>, ApiError> {
    Ok(Json(state.store.report_placement(&user.actor, PlacementId(id), body, state.time.now()).await?.into()))
}

/// Turn a point of the report into an action item in the two teams' latest partnership review
/// (either team's leads).
#[utoipa::path(post, path = "/api/v1/placements/{id}/actions", tag = "placements", params(("id" = i64, Path)), request_body = NewAction,
    responses((status = 201, body = ActionItem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_action(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(new): ApiJson<NewAction>,
) -> Result<(StatusCode, Json<ActionItem>), ApiError> {
    let item = state.store.placement_action(&user.actor, PlacementId(id), new, state.time.now()).await?;
    Ok((StatusCode::CREATED, Json(item)))
}

/// The ambassador programme at a glance: agreed visits, the teams nobody from `team` has
/// visited, and the partnerships needing attention with no ambassador yet.
#[utoipa::path(get, path = "/api/v1/placements/overview", tag = "placements", params(OverviewParams),
    responses((status = 200, body = Overview), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn overview(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(p): ApiQuery<OverviewParams>,
) -> Result<Json<Overview>, ApiError> {
    Ok(Json(crate::queries::placement_overview(&state, &user.actor, p.team.as_deref()).await?))
}
