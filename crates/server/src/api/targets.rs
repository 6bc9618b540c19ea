//! Calendars, service targets and compliance reports.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use concentric_core::calendar::{CalendarSpec, IcsHolidays};
use concentric_core::report::ComplianceRow;
use concentric_core::target::{NewTargetPolicy, TargetPolicy};
use serde::Serialize;

use super::{ApiJson, ApiPath, ApiQuery, ApiText};
use crate::auth::ApiUser;
use crate::error::{ApiError, Problem};
use crate::queries::{compliance_rows, ComplianceQuery};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/calendar", get(get_organisation_calendar).put(set_organisation_calendar))
        .route(
            "/api/v1/teams/{key}/calendar",
            get(get_team_calendar).put(set_team_calendar).delete(reset_team_calendar),
        )
        .route("/api/v1/teams/{key}/calendar/holidays", post(import_holidays))
        .route("/api/v1/teams/{key}/services/{slug}/targets", get(get_targets).put(set_targets))
        .route("/api/v1/reports/compliance", get(compliance))
}

/// A team's calendar, and whether it is the organisation's default.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TeamCalendar {
    pub calendar: CalendarSpec,
    /// The team has no calendar of its own and works by the organisation's.
    pub inherited: bool,
}

/// The organisation's default calendar, for teams without their own.
#[utoipa::path(get, path = "/api/v1/calendar", tag = "targets", responses((status = 200, body = CalendarSpec)))]
pub async fn get_organisation_calendar(
    State(state): State<AppState>,
    _user: ApiUser,
) -> Result<Json<CalendarSpec>, ApiError> {
    Ok(Json(state.store.organisation_calendar().await?))
}

/// Replace the organisation's default calendar (admins). A calendar without working time is refused.
#[utoipa::path(put, path = "/api/v1/calendar", tag = "targets", request_body = CalendarSpec,
    responses((status = 200, body = CalendarSpec), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn set_organisation_calendar(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(spec): ApiJson<CalendarSpec>,
) -> Result<Json<CalendarSpec>, ApiError> {
    Ok(Json(state.store.set_calendar(&user.actor, None, &spec).await?))
}

#[utoipa::path(get, path = "/api/v1/teams/{key}/calendar", tag = "targets", params(("key" = String, Path)),
    responses((status = 200, body = TeamCalendar), (status = 404, body = Problem)))]
pub async fn get_team_calendar(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiPath(key): ApiPath<String>,
) -> Result<Json<TeamCalendar>, ApiError> {
    let team = state.store.team_by_key(&key).await?;
    let (calendar, inherited) = state.store.team_calendar(team.id).await?;
    Ok(Json(TeamCalendar { calendar, inherited }))
}

/// Give a team its own calendar (its leads and admins). Running clocks are re-planned.
#[utoipa::path(put, path = "/api/v1/teams/{key}/calendar", tag = "targets", params(("key" = String, Path)),
    request_body = CalendarSpec,
    responses((status = 200, body = TeamCalendar), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn set_team_calendar(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(key): ApiPath<String>,
    ApiJson(spec): ApiJson<CalendarSpec>,
) -> Result<Json<TeamCalendar>, ApiError> {
    let team = state.store.team_by_key(&key).await?;
    let calendar = state.store.set_calendar(&user.actor, Some(team.id), &spec).await?;
    Ok(Json(TeamCalendar { calendar, inherited: false }))
}

/// Make a team work by the organisation's calendar again.
#[utoipa::path(delete, path = "/api/v1/teams/{key}/calendar", tag = "targets", params(("key" = String, Path)),
    responses((status = 204), (status = 403, body = Problem)))]
pub async fn reset_team_calendar(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(key): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let team = state.store.team_by_key(&key).await?;
    state.store.clear_team_calendar(&user.actor, team.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What an iCalendar import added.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HolidayImport {
    pub calendar: CalendarSpec,
    pub imported: IcsHolidays,
}

/// Add the all-day events of an iCalendar (.ics) file, sent as the body, to a team's holidays.
#[utoipa::path(post, path = "/api/v1/teams/{key}/calendar/holidays", tag = "targets", params(("key" = String, Path)),
    request_body(content = String, content_type = "text/calendar"),
    responses((status = 200, body = HolidayImport), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn import_holidays(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(key): ApiPath<String>,
    ApiText(body): ApiText,
) -> Result<Json<HolidayImport>, ApiError> {
    let team = state.store.team_by_key(&key).await?;
    let (calendar, imported) = state.store.import_holidays(&user.actor, team.id, &body, state.time.now()).await?;
    Ok(Json(HolidayImport { calendar, imported }))
}

/// The targets new requests of a service are opened under; `null` when it promises none.
#[utoipa::path(get, path = "/api/v1/teams/{key}/services/{slug}/targets", tag = "targets",
    params(("key" = String, Path), ("slug" = String, Path)),
    responses((status = 200, body = Option<TargetPolicy>), (status = 404, body = Problem)))]
pub async fn get_targets(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiPath((key, slug)): ApiPath<(String, String)>,
) -> Result<Json<Option<TargetPolicy>>, ApiError> {
    let service = state.store.service_by_slug(&key, &slug).await?;
    Ok(Json(state.store.target_policy(service.id).await?))
}

/// Set a service's targets per priority, as a new policy version (the team's leads and admins).
/// Requests already filed keep the version they were opened under. Durations are working time:
/// `90` (minutes), `45m`, `4h`, `1h 30m`, `2d` (8 working hours a day).
#[utoipa::path(put, path = "/api/v1/teams/{key}/services/{slug}/targets", tag = "targets",
    params(("key" = String, Path), ("slug" = String, Path)), request_body = NewTargetPolicy,
    responses((status = 200, body = TargetPolicy), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn set_targets(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath((key, slug)): ApiPath<(String, String)>,
    ApiJson(new): ApiJson<NewTargetPolicy>,
) -> Result<Json<TargetPolicy>, ApiError> {
    let service = state.store.service_by_slug(&key, &slug).await?;
    Ok(Json(state.store.set_target_policy(&user.actor, service.id, &new).await?))
}

/// Target compliance per month, team, service and target: met, breached, still running.
#[utoipa::path(get, path = "/api/v1/reports/compliance", tag = "targets", params(ComplianceQuery),
    responses((status = 200, body = Vec<ComplianceRow>), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn compliance(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiQuery(q): ApiQuery<ComplianceQuery>,
) -> Result<Json<Vec<ComplianceRow>>, ApiError> {
    Ok(Json(compliance_rows(&state, &q).await?))
}
