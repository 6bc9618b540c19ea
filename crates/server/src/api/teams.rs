//! `/api/v1/teams`: teams, their hierarchy and members.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use concentric_core::event::Event;
use concentric_core::page::{Page, PageRequest};
use concentric_core::team::{MemberRole, Membership, NewTeam, Team, TeamPatch, TeamQuery};
use concentric_core::PersonId;
use serde::{Deserialize, Serialize};

use super::{ApiJson, ApiList, ApiPath, ApiQuery};
use crate::auth::ApiUser;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/teams", get(list_teams).post(create_team))
        .route("/api/v1/teams/{key}", get(get_team).patch(update_team))
        .route("/api/v1/teams/{key}/deactivate", post(deactivate_team))
        .route("/api/v1/teams/{key}/reactivate", post(reactivate_team))
        .route("/api/v1/teams/{key}/members/{person_id}", put(set_member).delete(remove_member))
        .route("/api/v1/teams/{key}/members/{person_id}/helps-with", put(set_helps_with))
        .route("/api/v1/teams/{key}/events", get(team_events))
}

/// A team with its members and place in the hierarchy.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TeamDetail {
    #[serde(flatten)]
    pub team: Team,
    /// Leads first.
    pub members: Vec<Membership>,
    pub sub_teams: Vec<TeamRef>,
    /// Parent teams, nearest first.
    pub ancestors: Vec<TeamRef>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TeamRef {
    pub key: String,
    pub name: String,
}

impl From<Team> for TeamRef {
    fn from(t: Team) -> Self {
        Self { key: t.key, name: t.name }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberBody {
    pub role: MemberRole,
    /// The share (0-1) of the person's weekly capacity this team gets in forecasts; a negative
    /// number goes back to an even split between their teams. Left out: unchanged.
    #[serde(default)]
    pub capacity_share: Option<f64>,
}

/// Search teams.
#[utoipa::path(get, path = "/api/v1/teams", tag = "teams", params(TeamQuery, PageRequest),
    responses((status = 200, body = Page<Team>), (status = 401, body = Problem)))]
pub async fn list_teams(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiList(query, page): ApiList<TeamQuery>,
) -> Result<Json<Page<Team>>, ApiError> {
    Ok(Json(state.store.list_teams(&query, page).await?))
}

/// Create a team (admins).
#[utoipa::path(post, path = "/api/v1/teams", tag = "teams", request_body = NewTeam,
    responses((status = 201, body = Team), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_team(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(new): ApiJson<NewTeam>,
) -> Result<(StatusCode, Json<Team>), ApiError> {
    Ok((StatusCode::CREATED, Json(state.store.create_team(&user.actor, new).await?)))
}

/// A team by key, with members, sub-teams and parents.
#[utoipa::path(get, path = "/api/v1/teams/{key}", tag = "teams", params(("key" = String, Path)),
    responses((status = 200, body = TeamDetail), (status = 404, body = Problem)))]
pub async fn get_team(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiPath(key): ApiPath<String>,
) -> Result<Json<TeamDetail>, ApiError> {
    let store = &state.store;
    let team = store.team_by_key(&key).await?;
    Ok(Json(TeamDetail {
        members: store.team_members(team.id).await?,
        sub_teams: store.sub_teams(team.id).await?.into_iter().map(TeamRef::from).collect(),
        ancestors: store.team_ancestors(team.id).await?.into_iter().map(TeamRef::from).collect(),
        team,
    }))
}

/// Change a team (its leads and admins; only admins move it in the hierarchy).
#[utoipa::path(patch, path = "/api/v1/teams/{key}", tag = "teams", params(("key" = String, Path)), request_body = TeamPatch,
    responses((status = 200, body = Team), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn update_team(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(key): ApiPath<String>,
    ApiJson(patch): ApiJson<TeamPatch>,
) -> Result<Json<Team>, ApiError> {
    let team = state.store.team_by_key(&key).await?;
    Ok(Json(state.store.update_team(&user.actor, team.id, patch).await?))
}

/// Deactivate a team (admins).
#[utoipa::path(post, path = "/api/v1/teams/{key}/deactivate", tag = "teams", params(("key" = String, Path)),
    responses((status = 200, body = Team), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn deactivate_team(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(key): ApiPath<String>,
) -> Result<Json<Team>, ApiError> {
    let team = state.store.team_by_key(&key).await?;
    Ok(Json(state.store.set_team_active(&user.actor, team.id, false).await?))
}

/// Reactivate a team (admins).
#[utoipa::path(post, path = "/api/v1/teams/{key}/reactivate", tag = "teams", params(("key" = String, Path)),
    responses((status = 200, body = Team), (status = 403, body = Problem)))]
pub async fn reactivate_team(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(key): ApiPath<String>,
) -> Result<Json<Team>, ApiError> {
    let team = state.store.team_by_key(&key).await?;
    Ok(Json(state.store.set_team_active(&user.actor, team.id, true).await?))
}

/// Add a person to a team, or change their role (the team's leads and admins).
#[utoipa::path(put, path = "/api/v1/teams/{key}/members/{person_id}", tag = "teams",
    params(("key" = String, Path), ("person_id" = i64, Path)), request_body = MemberBody,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn set_member(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath((key, person)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<MemberBody>,
) -> Result<StatusCode, ApiError> {
    let team = state.store.team_by_key(&key).await?;
    if body.capacity_share.is_some_and(|s| s.is_nan() || s > 1.0) {
        let e = "give a share from 0 to 1, or a negative number for an even split";
        return Err(concentric_core::Invalid::one("capacity_share", e).into());
    }
    state.store.set_membership(&user.actor, team.id, PersonId(person), body.role).await?;
    if let Some(share) = body.capacity_share {
        let share = (share >= 0.0).then_some(share);
        state.store.set_capacity_share(&user.actor, team.id, PersonId(person), share).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// What a member can help with, shown on the team's page.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HelpsWithBody {
    /// One line of up to 200 characters ("laptops, VPN, new starters"); empty to clear it.
    pub helps_with: String,
}

/// Say what a member can help with (the member themself, the team's leads, admins).
#[utoipa::path(put, path = "/api/v1/teams/{key}/members/{person_id}/helps-with", tag = "teams",
    params(("key" = String, Path), ("person_id" = i64, Path)), request_body = HelpsWithBody,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set_helps_with(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath((key, person)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<HelpsWithBody>,
) -> Result<StatusCode, ApiError> {
    let team = state.store.team_by_key(&key).await?;
    state.store.set_helps_with(&user.actor, team.id, PersonId(person), &body.helps_with).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove a person from a team (the team's leads and admins).
#[utoipa::path(delete, path = "/api/v1/teams/{key}/members/{person_id}", tag = "teams",
    params(("key" = String, Path), ("person_id" = i64, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn remove_member(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath((key, person)): ApiPath<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    let team = state.store.team_by_key(&key).await?;
    state.store.remove_membership(&user.actor, team.id, PersonId(person)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The change history of a team, newest first.
#[utoipa::path(get, path = "/api/v1/teams/{key}/events", tag = "teams", params(("key" = String, Path), PageRequest),
    responses((status = 200, body = Page<Event>)))]
pub async fn team_events(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiPath(key): ApiPath<String>,
    ApiQuery(page): ApiQuery<PageRequest>,
) -> Result<Json<Page<Event>>, ApiError> {
    let team = state.store.team_by_key(&key).await?;
    Ok(Json(state.store.events_for("team", team.id.0, page).await?))
}
