//! `/api/v1/thanks`: thanks to teams and people, and who serves others.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use concentric_core::page::{Page, PageRequest};
use concentric_core::thanks::{Contributions, NewThanks, Thanks, ThanksFilter};
use concentric_core::{PersonId, ThanksId};
use serde::Deserialize;

use super::{ApiJson, ApiList, ApiPath};
use crate::auth::ApiUser;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/thanks", get(list_thanks).post(give_thanks))
        .route("/api/v1/thanks/contributions", get(contributions))
        .route("/api/v1/thanks/{id}", get(get_thanks).delete(remove_thanks))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ThanksParams {
    /// Thanks to this team (its key) or to any of its members.
    pub team: Option<String>,
    /// Thanks to this person (their id).
    pub person: Option<i64>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ContributionParams {
    /// How many days back, 1 to 366 (default 90).
    #[param(minimum = 1, maximum = 366)]
    pub days: Option<u32>,
}

/// Thanks, newest first: the organisation's, a team's, or a person's.
#[utoipa::path(get, path = "/api/v1/thanks", tag = "thanks", params(ThanksParams, PageRequest),
    responses((status = 200, body = Page<Thanks>), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn list_thanks(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiList(p, page): ApiList<ThanksParams>,
) -> Result<Json<Page<Thanks>>, ApiError> {
    let team = match p.team.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        Some(key) => Some(state.store.team_by_key(key).await?.id),
        None => None,
    };
    let filter = ThanksFilter { team, person: p.person.map(PersonId) };
    Ok(Json(state.store.list_thanks(filter, page).await?))
}

/// Thank a team or a person, optionally for a request or a commitment; they are told.
#[utoipa::path(post, path = "/api/v1/thanks", tag = "thanks", request_body = NewThanks,
    responses((status = 201, body = Thanks), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn give_thanks(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(new): ApiJson<NewThanks>,
) -> Result<(StatusCode, Json<Thanks>), ApiError> {
    Ok((StatusCode::CREATED, Json(state.store.thank(&user.actor, new, state.time.now()).await?)))
}

/// One thanks.
#[utoipa::path(get, path = "/api/v1/thanks/{id}", tag = "thanks", params(("id" = i64, Path)),
    responses((status = 200, body = Thanks), (status = 404, body = Problem)))]
pub async fn get_thanks(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Thanks>, ApiError> {
    Ok(Json(state.store.thanks(ThanksId(id)).await?))
}

/// Take back thanks you gave (admins may remove any).
#[utoipa::path(delete, path = "/api/v1/thanks/{id}", tag = "thanks", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn remove_thanks(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    state.store.remove_thanks(&user.actor, ThanksId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who serves others: teams and people by thanks from outside their own teams.
#[utoipa::path(get, path = "/api/v1/thanks/contributions", tag = "thanks", params(ContributionParams),
    responses((status = 200, body = Contributions), (status = 400, body = Problem), (status = 422, body = Problem)))]
pub async fn contributions(
    State(state): State<AppState>,
    _user: ApiUser,
    super::ApiQuery(p): super::ApiQuery<ContributionParams>,
) -> Result<Json<Contributions>, ApiError> {
    let days = p.days.unwrap_or(90);
    if !(1..=366).contains(&days) {
        return Err(
            concentric_store::StoreError::from(concentric_core::Invalid::one("days", "give 1 to 366 days")).into()
        );
    }
    Ok(Json(state.store.contributions(days, state.time.now()).await?))
}
