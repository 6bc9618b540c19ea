//! Ratings on requests, both ways, a team's results, and the organisation's feedback settings.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use concentric_core::commitment::trend_since;
use concentric_core::page::{Page, PageRequest};
use concentric_core::rating::{Direction, FeedbackSettings, NewRating, Rating, TeamRatings};
use serde::Deserialize;

use super::{ApiJson, ApiList, ApiPath};
use crate::auth::ApiUser;
use crate::error::{ApiError, Problem};
use crate::queries::team_id;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/requests/{key}/rating", get(get_rating).put(rate))
        .route("/api/v1/requests/{key}/provider-rating", get(get_provider_rating).put(rate_request_making))
        .route("/api/v1/ratings", get(list_ratings))
        .route("/api/v1/teams/{key}/ratings", get(team_ratings))
        .route("/api/v1/settings/feedback", get(get_feedback_settings).put(set_feedback_settings))
}

async fn one(state: &AppState, user: &ApiUser, key: &str, direction: Direction) -> Result<Json<Rating>, ApiError> {
    match state.store.rating(&user.actor, key, direction).await? {
        Some(r) => Ok(Json(r)),
        None => Err(ApiError::not_found("rating")),
    }
}

/// The requester's rating of a request: seen by the requester and the providing team.
#[utoipa::path(get, path = "/api/v1/requests/{key}/rating", tag = "feedback", params(("key" = String, Path)),
    responses((status = 200, body = Rating), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_rating(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(key): ApiPath<String>,
) -> Result<Json<Rating>, ApiError> {
    one(&state, &user, &key, Direction::Requester).await
}

/// Rate a resolved request, as its requester, on the organisation's scale (see
/// `/api/v1/settings/feedback`). The rating may be changed for 7 days, then it is locked (409);
/// reopening the request keeps it. A poor rating notifies the providing team's leads once.
#[utoipa::path(put, path = "/api/v1/requests/{key}/rating", tag = "feedback", params(("key" = String, Path)),
    request_body = NewRating,
    responses((status = 200, body = Rating), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn rate(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(key): ApiPath<String>,
    ApiJson(new): ApiJson<NewRating>,
) -> Result<Json<Rating>, ApiError> {
    Ok(Json(state.store.rate(&user.actor, &key, Direction::Requester, new, state.time.now()).await?))
}

/// The providing team's rating of how a request was made: seen per request only by that team.
#[utoipa::path(get, path = "/api/v1/requests/{key}/provider-rating", tag = "feedback", params(("key" = String, Path)),
    responses((status = 200, body = Rating), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_provider_rating(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(key): ApiPath<String>,
) -> Result<Json<Rating>, ApiError> {
    one(&state, &user, &key, Direction::Provider).await
}

/// Rate how a resolved request was made (clear, complete inputs, realistic urgency), as a
/// member of the providing team, with optional `flags`. The requesting team's leads see these
/// only in aggregate.
#[utoipa::path(put, path = "/api/v1/requests/{key}/provider-rating", tag = "feedback", params(("key" = String, Path)),
    request_body = NewRating,
    responses((status = 200, body = Rating), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn rate_request_making(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(key): ApiPath<String>,
    ApiJson(new): ApiJson<NewRating>,
) -> Result<Json<Rating>, ApiError> {
    Ok(Json(state.store.rate(&user.actor, &key, Direction::Provider, new, state.time.now()).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RatingQuery {
    /// The providing team (key); without it, the ratings you gave as a requester.
    pub team: Option<String>,
    /// `requester` (default): how requesters rated the service; `provider`: how the team rated
    /// the requests it got (needs `team`).
    pub direction: Option<Direction>,
}

/// Ratings one by one, newest first: a team's (for its members and admins) or your own.
#[utoipa::path(get, path = "/api/v1/ratings", tag = "feedback", params(RatingQuery, PageRequest),
    responses((status = 200, body = Page<Rating>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_ratings(
    State(state): State<AppState>,
    user: ApiUser,
    ApiList(q, page): ApiList<RatingQuery>,
) -> Result<Json<Page<Rating>>, ApiError> {
    let team = team_id(&state, q.team.as_deref()).await?;
    let direction = q.direction.unwrap_or(Direction::Requester);
    Ok(Json(state.store.ratings(&user.actor, team, direction, page).await?))
}

/// A team's results over the last six months: how its requesters rated it (overall, by
/// service and month for everyone; by partner team for its members; by agent for its leads),
/// and, for its leads, how the teams it asked rated its requests, in aggregate only.
#[utoipa::path(get, path = "/api/v1/teams/{key}/ratings", tag = "feedback", params(("key" = String, Path)),
    responses((status = 200, body = TeamRatings), (status = 404, body = Problem)))]
pub async fn team_ratings(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(key): ApiPath<String>,
) -> Result<Json<TeamRatings>, ApiError> {
    let team = state.store.team_by_key(&key).await?;
    let since = trend_since(state.time.now());
    Ok(Json(state.store.team_ratings(&user.actor, team.id, since).await?))
}

/// The rating scale and the smallest group whose answers are shown in aggregate.
#[utoipa::path(get, path = "/api/v1/settings/feedback", tag = "feedback",
    responses((status = 200, body = FeedbackSettings)))]
pub async fn get_feedback_settings(
    State(state): State<AppState>,
    _user: ApiUser,
) -> Result<Json<FeedbackSettings>, ApiError> {
    Ok(Json(state.store.feedback_settings().await?))
}

/// Change the feedback settings (admins only). `min_group` is at least 3.
#[utoipa::path(put, path = "/api/v1/settings/feedback", tag = "feedback", request_body = FeedbackSettings,
    responses((status = 200, body = FeedbackSettings), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn set_feedback_settings(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(settings): ApiJson<FeedbackSettings>,
) -> Result<Json<FeedbackSettings>, ApiError> {
    Ok(Json(state.store.set_feedback_settings(&user.actor, settings, state.time.now()).await?))
}
