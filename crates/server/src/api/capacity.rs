//! Capacity and "what's the cost?": time off, a request's effort, a team's forecast, and the dry
//! run of a new request.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use concentric_core::capacity::{Effort, NewTimeOff, TimeOff};
use concentric_core::forecast::{Cost, TeamForecast};
use concentric_core::import::ImportReport;
use concentric_core::request::NewRequest;
use concentric_core::workload::{CustomerLoad, PersonLoad, TeamWorkload};
use concentric_core::PersonId;
use serde::{Deserialize, Serialize};

use super::{ApiJson, ApiPath, ApiText};
use crate::auth::ApiUser;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/people/{id}/time-off", get(list_time_off).post(add_time_off))
        .route("/api/v1/people/{id}/time-off/import", post(import_time_off))
        .route("/api/v1/time-off/{id}", delete(remove_time_off))
        .route("/api/v1/requests/{key}/effort", post(record_effort))
        .route("/api/v1/teams/{key}/forecast", get(team_forecast))
        .route("/api/v1/teams/{key}/workload", get(team_workload))
        .route("/api/v1/workload", get(managed_workload))
        .route("/api/v1/teams/{supplier}/customers/{customer}/load", get(customer_load))
        .route("/api/v1/teams/{key}/services/{slug}/cost", post(cost))
}

/// A person's time off from a year ago on (themselves, admins, their teams' leads).
#[utoipa::path(get, path = "/api/v1/people/{id}/time-off", tag = "capacity", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<TimeOff>), (status = 403, body = Problem)))]
pub async fn list_time_off(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<TimeOff>>, ApiError> {
    Ok(Json(state.store.time_off(&user.actor, PersonId(id)).await?))
}

/// Add time off: whole days or half days, taken out of the person's capacity in every forecast.
#[utoipa::path(post, path = "/api/v1/people/{id}/time-off", tag = "capacity", params(("id" = i64, Path)),
    request_body = NewTimeOff,
    responses((status = 201, body = TimeOff), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn add_time_off(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<NewTimeOff>,
) -> Result<(StatusCode, Json<TimeOff>), ApiError> {
    Ok((StatusCode::CREATED, Json(state.store.add_time_off(&user.actor, PersonId(id), body).await?)))
}

/// Import a person's time off from an iCalendar file (their out-of-office calendar, as a mail
/// client exports it), read in their time zone: each busy event that is not cancelled becomes
/// days off, and an event of at most five hours within one day a half day. All or nothing; days
/// already recorded are left as they are.
#[utoipa::path(post, path = "/api/v1/people/{id}/time-off/import", tag = "capacity", params(("id" = i64, Path)),
    request_body(content = String, content_type = "text/calendar"),
    responses((status = 200, body = ImportReport), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn import_time_off(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiText(text): ApiText,
) -> Result<Json<ImportReport>, ApiError> {
    Ok(Json(state.store.import_time_off(&user.actor, PersonId(id), &text).await?))
}

#[utoipa::path(delete, path = "/api/v1/time-off/{id}", tag = "capacity", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn remove_time_off(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    state.store.remove_time_off(&user.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An estimate and time spent, from the providing team.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EffortInput {
    /// Hours the request is expected to take in all; a negative number goes back to the
    /// service's default effort. Left out: unchanged.
    pub estimate_hours: Option<f64>,
    /// Hours spent now, added to what was logged (0-1,000).
    #[serde(default)]
    pub log_hours: f64,
}

/// Set a request's estimate and log time spent on it (the providing team).
#[utoipa::path(post, path = "/api/v1/requests/{key}/effort", tag = "capacity", params(("key" = String, Path)),
    request_body = EffortInput,
    responses((status = 200, body = Effort), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn record_effort(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(key): ApiPath<String>,
    ApiJson(body): ApiJson<EffortInput>,
) -> Result<Json<Effort>, ApiError> {
    Ok(Json(state.store.set_effort(&user.actor, &key, body.estimate_hours, body.log_hours).await?))
}

/// When each open request of the team would start and finish at its capacity, and which would
/// miss their targets (the team's members and admins).
#[utoipa::path(get, path = "/api/v1/teams/{key}/forecast", tag = "capacity", params(("key" = String, Path)),
    responses((status = 200, body = TeamForecast), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn team_forecast(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(key): ApiPath<String>,
) -> Result<Json<TeamForecast>, ApiError> {
    let team = state.store.team_by_key(&key).await?;
    Ok(Json(state.store.team_forecast(&user.actor, team.id, state.time.now().to_utc()).await?))
}

/// "What's the cost?": the same body as filing a request, and nothing is filed. When the request
/// would be done at each priority, and what would slip at the one given (or the service's
/// default): by how much, and whose it is.
#[utoipa::path(post, path = "/api/v1/teams/{key}/services/{slug}/cost", tag = "capacity",
    params(("key" = String, Path), ("slug" = String, Path)), request_body = NewRequest,
    responses((status = 200, body = Cost), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn cost(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath((key, slug)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<NewRequest>,
) -> Result<Json<Cost>, ApiError> {
    let service = state.store.service_by_slug(&key, &slug).await?;
    Ok(Json(state.store.cost_of(&user.actor, service.id, body.priority, state.time.now().to_utc()).await?))
}

/// Load against capacity for each of the coming six weeks, for the team and each person, with
/// the items behind each week (the team's members and admins). Each item's remaining hours are
/// spread over the working time until it is due; work without a due time falls where the
/// forecast plans it; overdue work falls in the current week.
#[utoipa::path(get, path = "/api/v1/teams/{key}/workload", tag = "capacity", params(("key" = String, Path)),
    responses((status = 200, body = TeamWorkload), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn team_workload(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(key): ApiPath<String>,
) -> Result<Json<TeamWorkload>, ApiError> {
    let team = state.store.team_by_key(&key).await?;
    Ok(Json(state.store.team_workload(&user.actor, team.id, state.time.now().to_utc()).await?))
}

/// A manager's view of workload.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ManagedWorkload {
    /// The teams you lead.
    pub teams: Vec<TeamWorkload>,
    /// The people who report to you, across all their teams (items only from teams you work in).
    pub people: Vec<PersonLoad>,
}

/// The workload of the teams you lead and of the people who report to you.
#[utoipa::path(get, path = "/api/v1/workload", tag = "capacity", responses((status = 200, body = ManagedWorkload)))]
pub async fn managed_workload(State(state): State<AppState>, user: ApiUser) -> Result<Json<ManagedWorkload>, ApiError> {
    let (teams, people) = state.store.managed_workload(&user.actor, state.time.now().to_utc()).await?;
    Ok(Json(ManagedWorkload { teams, people }))
}

/// How much of a supplier's capacity over the coming six weeks one customer team's open work
/// takes: requests filed for it, deliveries and action items owed to it. Figures only.
#[utoipa::path(get, path = "/api/v1/teams/{supplier}/customers/{customer}/load", tag = "capacity",
    params(("supplier" = String, Path), ("customer" = String, Path)),
    responses((status = 200, body = CustomerLoad), (status = 404, body = Problem)))]
pub async fn customer_load(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiPath((supplier, customer)): ApiPath<(String, String)>,
) -> Result<Json<CustomerLoad>, ApiError> {
    let (s, c) = (state.store.team_by_key(&supplier).await?, state.store.team_by_key(&customer).await?);
    Ok(Json(state.store.customer_load(s.id, c.id, state.time.now().to_utc()).await?))
}
