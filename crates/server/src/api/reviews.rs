//! Partnership reviews between two teams, their generated agendas, and action items.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use concentric_core::page::{Page, PageRequest};
use concentric_core::review::{ActionItem, ActionPatch, NewAction, NewReview, Review, ReviewDetail, ReviewRecord};
use concentric_core::{ActionId, ReviewId};
use concentric_store::ActionFilter;
use serde::Deserialize;

use super::{ApiJson, ApiList, ApiPath};
use crate::auth::ApiUser;
use crate::error::{ApiError, Problem};
use crate::queries::team_id;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/reviews", get(list_reviews).post(plan_review))
        .route("/api/v1/reviews/{id}", get(get_review).put(record_review))
        .route("/api/v1/reviews/{id}/actions", post(add_action))
        .route("/api/v1/actions", get(list_actions))
        .route("/api/v1/actions/{id}", get(get_action).patch(update_action))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReviewQuery {
    /// Reviews of this team (key), on either side; without it, of every team you work in.
    pub team: Option<String>,
}

/// Partnership reviews, latest first.
#[utoipa::path(get, path = "/api/v1/reviews", tag = "reviews", params(ReviewQuery, PageRequest),
    responses((status = 200, body = Page<Review>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_reviews(
    State(state): State<AppState>,
    user: ApiUser,
    ApiList(q, page): ApiList<ReviewQuery>,
) -> Result<Json<Page<Review>>, ApiError> {
    let team = team_id(&state, q.team.as_deref()).await?;
    Ok(Json(Page::slice(state.store.reviews(&user.actor, team).await?, page)))
}

/// Plan a review between a supplier and a customer team, as a lead of either. With `rule` it
/// recurs: holding one plans the next. Attendees are members of either team.
#[utoipa::path(post, path = "/api/v1/reviews", tag = "reviews", request_body = NewReview,
    responses((status = 201, body = Review), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn plan_review(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(new): ApiJson<NewReview>,
) -> Result<(StatusCode, Json<Review>), ApiError> {
    Ok((StatusCode::CREATED, Json(state.store.plan_review(&user.actor, new, state.time.now()).await?)))
}

/// A review with its agenda, generated from the numbers between the two teams since their last
/// review (kept as it stood once the review is held), and its action items. Members of either
/// team only.
#[utoipa::path(get, path = "/api/v1/reviews/{id}", tag = "reviews", params(("id" = i64, Path)),
    responses((status = 200, body = ReviewDetail), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_review(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<ReviewId>,
) -> Result<Json<ReviewDetail>, ApiError> {
    Ok(Json(state.store.review_detail(&user.actor, id, state.time.now()).await?))
}

/// Keep the record of a review: notes, decisions, attendees, and `status` (`held`, `cancelled`,
/// `planned`). The two teams' leads and the attendees.
#[utoipa::path(put, path = "/api/v1/reviews/{id}", tag = "reviews", params(("id" = i64, Path)),
    request_body = ReviewRecord,
    responses((status = 200, body = Review), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn record_review(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<ReviewId>,
    ApiJson(record): ApiJson<ReviewRecord>,
) -> Result<Json<Review>, ApiError> {
    Ok(Json(state.store.record_review(&user.actor, id, record, state.time.now()).await?))
}

/// Agree an action item at a review: an owner from either team and a due date. The owner's
/// team owes it; the other waits for it. Its owner is reminded once when it is overdue.
#[utoipa::path(post, path = "/api/v1/reviews/{id}/actions", tag = "reviews", params(("id" = i64, Path)),
    request_body = NewAction,
    responses((status = 201, body = ActionItem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn add_action(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<ReviewId>,
    ApiJson(new): ApiJson<NewAction>,
) -> Result<(StatusCode, Json<ActionItem>), ApiError> {
    Ok((StatusCode::CREATED, Json(state.store.add_action(&user.actor, id, new, state.time.now()).await?)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ActionQuery {
    /// Items this team (key) owes or waits for; without it, your own.
    pub team: Option<String>,
    /// Only open items.
    pub open: Option<bool>,
}

/// Action items, open ones first by due date.
#[utoipa::path(get, path = "/api/v1/actions", tag = "reviews", params(ActionQuery, PageRequest),
    responses((status = 200, body = Page<ActionItem>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_actions(
    State(state): State<AppState>,
    user: ApiUser,
    ApiList(q, page): ApiList<ActionQuery>,
) -> Result<Json<Page<ActionItem>>, ApiError> {
    let team = team_id(&state, q.team.as_deref()).await?;
    let filter = ActionFilter {
        team,
        owner: if team.is_none() { user.actor.person_id } else { None },
        open: q.open.unwrap_or(false),
        ..Default::default()
    };
    Ok(Json(Page::slice(state.store.actions(&user.actor, filter, state.time.now()).await?, page)))
}

#[utoipa::path(get, path = "/api/v1/actions/{id}", tag = "reviews", params(("id" = i64, Path)),
    responses((status = 200, body = ActionItem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_action(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<ActionId>,
) -> Result<Json<ActionItem>, ApiError> {
    Ok(Json(state.store.action(&user.actor, id, state.time.now()).await?))
}

/// Change an action item: mark it `done` or `dropped`, move its due date, hand it to someone
/// else. Its owner, the two teams' leads and the review's attendees.
#[utoipa::path(patch, path = "/api/v1/actions/{id}", tag = "reviews", params(("id" = i64, Path)),
    request_body = ActionPatch,
    responses((status = 200, body = ActionItem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn update_action(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<ActionId>,
    ApiJson(patch): ApiJson<ActionPatch>,
) -> Result<Json<ActionItem>, ApiError> {
    Ok(Json(state.store.update_action(&user.actor, id, patch, state.time.now()).await?))
}
