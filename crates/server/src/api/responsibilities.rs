//! Who does what between two partner teams: a relationship's responsibilities table.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use concentric_core::responsibility::{NewResponsibility, Responsibility};

use super::{ApiJson, ApiPath};
use crate::auth::ApiUser;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/relationships/{id}/roles", get(list_roles).post(add_role))
        .route("/api/v1/relationships/{id}/roles/{role}", put(edit_role).delete(remove_role))
        .route("/api/v1/relationships/{id}/roles/{role}/agree", post(agree_role))
}

/// The relationship's responsibilities: each activity, the side and person responsible, who is
/// consulted, when, each side's agreement, and what needs attention (nobody responsible, or the
/// person responsible left the team).
#[utoipa::path(get, path = "/api/v1/relationships/{id}/roles", tag = "network", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Responsibility>), (status = 404, body = Problem)))]
pub async fn list_roles(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<Responsibility>>, ApiError> {
    state.store.relationship(id).await?;
    Ok(Json(state.store.responsibilities(id).await?))
}

/// Add a row, as a lead of either team: your side agrees it, the other is asked to.
#[utoipa::path(post, path = "/api/v1/relationships/{id}/roles", tag = "network", params(("id" = i64, Path)),
    request_body = NewResponsibility,
    responses((status = 201, body = Responsibility), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn add_role(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(new): ApiJson<NewResponsibility>,
) -> Result<(StatusCode, Json<Responsibility>), ApiError> {
    let row = state.store.save_responsibility(&user.actor, id, None, new, state.time.now()).await?;
    Ok((StatusCode::CREATED, Json(row)))
}

/// Change a row: your side agrees the change, the other is asked again.
#[utoipa::path(put, path = "/api/v1/relationships/{id}/roles/{role}", tag = "network",
    params(("id" = i64, Path), ("role" = i64, Path)), request_body = NewResponsibility,
    responses((status = 200, body = Responsibility), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn edit_role(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath((id, role)): ApiPath<(i64, i64)>,
    ApiJson(new): ApiJson<NewResponsibility>,
) -> Result<Json<Responsibility>, ApiError> {
    Ok(Json(state.store.save_responsibility(&user.actor, id, Some(role), new, state.time.now()).await?))
}

/// Agree a row as it stands, as a lead of the side still to agree.
#[utoipa::path(post, path = "/api/v1/relationships/{id}/roles/{role}/agree", tag = "network",
    params(("id" = i64, Path), ("role" = i64, Path)),
    responses((status = 200, body = Responsibility), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn agree_role(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath((id, role)): ApiPath<(i64, i64)>,
) -> Result<Json<Responsibility>, ApiError> {
    Ok(Json(state.store.agree_responsibility(&user.actor, id, role, state.time.now()).await?))
}

/// Remove a row (the two teams' leads).
#[utoipa::path(delete, path = "/api/v1/relationships/{id}/roles/{role}", tag = "network",
    params(("id" = i64, Path), ("role" = i64, Path)),
    responses((status = 204, description = "Removed"), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn remove_role(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath((id, role)): ApiPath<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    state.store.remove_responsibility(&user.actor, id, role, state.time.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
