//! `/api/v1/services` and a team's services: the catalog.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use concentric_core::page::{Page, PageRequest};
use concentric_core::request::{NewRequest, Request};
use concentric_core::service::{NewService, Service};
use serde::Deserialize;

use super::{ApiJson, ApiList, ApiPath};
use crate::auth::ApiUser;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/services", get(list_services))
        .route("/api/v1/teams/{key}/services", post(create_service))
        .route("/api/v1/teams/{key}/services/{slug}", get(get_service).put(update_service))
        .route("/api/v1/teams/{key}/services/{slug}/withdraw", post(withdraw_service))
        .route("/api/v1/teams/{key}/services/{slug}/reactivate", post(reactivate_service))
        .route("/api/v1/teams/{key}/services/{slug}/requests", post(create_request))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListServices {
    /// Only this team's services (key).
    team: Option<String>,
    /// Words matched against service name, summary and team.
    q: Option<String>,
    /// Include withdrawn services.
    #[serde(default)]
    include_inactive: bool,
}

/// The catalog: every team's services, grouped by team.
#[utoipa::path(get, path = "/api/v1/services", tag = "services", params(ListServices, PageRequest),
    responses((status = 200, body = Page<Service>), (status = 401, body = Problem)))]
pub async fn list_services(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiList(q, page): ApiList<ListServices>,
) -> Result<Json<Page<Service>>, ApiError> {
    let team = match q.team {
        Some(key) => Some(state.store.team_by_key(&key).await?.id),
        None => None,
    };
    let query = concentric_store::ServiceQuery { team, text: q.q, include_inactive: q.include_inactive };
    Ok(Json(state.store.list_services(&query, page).await?))
}

/// Publish a service (the team's leads and admins).
#[utoipa::path(post, path = "/api/v1/teams/{key}/services", tag = "services", params(("key" = String, Path)),
    request_body = NewService,
    responses((status = 201, body = Service), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_service(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(key): ApiPath<String>,
    ApiJson(new): ApiJson<NewService>,
) -> Result<(StatusCode, Json<Service>), ApiError> {
    let team = state.store.team_by_key(&key).await?;
    Ok((StatusCode::CREATED, Json(state.store.create_service(&user.actor, team.id, new).await?)))
}

/// A service with its current form.
#[utoipa::path(get, path = "/api/v1/teams/{key}/services/{slug}", tag = "services",
    params(("key" = String, Path), ("slug" = String, Path)),
    responses((status = 200, body = Service), (status = 404, body = Problem)))]
pub async fn get_service(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiPath((key, slug)): ApiPath<(String, String)>,
) -> Result<Json<Service>, ApiError> {
    Ok(Json(state.store.service_by_slug(&key, &slug).await?))
}

/// Replace a service's definition; a changed form becomes a new version.
#[utoipa::path(put, path = "/api/v1/teams/{key}/services/{slug}", tag = "services",
    params(("key" = String, Path), ("slug" = String, Path)), request_body = NewService,
    responses((status = 200, body = Service), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn update_service(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath((key, slug)): ApiPath<(String, String)>,
    ApiJson(new): ApiJson<NewService>,
) -> Result<Json<Service>, ApiError> {
    let service = state.store.service_by_slug(&key, &slug).await?;
    Ok(Json(state.store.update_service(&user.actor, service.id, new).await?))
}

/// Withdraw a service from the catalog; its requests stay.
#[utoipa::path(post, path = "/api/v1/teams/{key}/services/{slug}/withdraw", tag = "services",
    params(("key" = String, Path), ("slug" = String, Path)),
    responses((status = 200, body = Service), (status = 403, body = Problem)))]
pub async fn withdraw_service(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath((key, slug)): ApiPath<(String, String)>,
) -> Result<Json<Service>, ApiError> {
    let service = state.store.service_by_slug(&key, &slug).await?;
    Ok(Json(state.store.set_service_active(&user.actor, service.id, false).await?))
}

/// Bring a withdrawn service back.
#[utoipa::path(post, path = "/api/v1/teams/{key}/services/{slug}/reactivate", tag = "services",
    params(("key" = String, Path), ("slug" = String, Path)),
    responses((status = 200, body = Service), (status = 403, body = Problem)))]
pub async fn reactivate_service(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath((key, slug)): ApiPath<(String, String)>,
) -> Result<Json<Service>, ApiError> {
    let service = state.store.service_by_slug(&key, &slug).await?;
    Ok(Json(state.store.set_service_active(&user.actor, service.id, true).await?))
}

/// File a request: answers to the service's form go in `fields`, errors come back per field
/// (`fields.<name>`).
#[utoipa::path(post, path = "/api/v1/teams/{key}/services/{slug}/requests", tag = "requests",
    params(("key" = String, Path), ("slug" = String, Path)), request_body = NewRequest,
    responses((status = 201, body = Request), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_request(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath((key, slug)): ApiPath<(String, String)>,
    ApiJson(new): ApiJson<NewRequest>,
) -> Result<(StatusCode, Json<Request>), ApiError> {
    Ok((StatusCode::CREATED, Json(state.store.create_request_at(&user.actor, &key, &slug, new).await?)))
}
