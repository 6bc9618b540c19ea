//! `/api/v1/tokens`: the caller's personal API tokens.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use concentric_core::page::{Page, PageRequest};
use concentric_core::token::ApiToken;
use concentric_core::TokenId;
use serde::{Deserialize, Serialize};

use super::{ApiJson, ApiPath, ApiQuery};
use crate::auth::secrets::{digest, new_api_token};
use crate::auth::ApiUser;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tokens", get(list_tokens).post(create_token))
        .route("/api/v1/tokens/{id}", delete(revoke_token))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What the token is for, e.g. "reporting script".
    pub name: String,
}

/// A new token; `secret` is shown this once and cannot be read again.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub token: ApiToken,
    pub secret: String,
}

/// Your tokens, newest first.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", params(PageRequest),
    responses((status = 200, body = Page<ApiToken>), (status = 401, body = Problem)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(page): ApiQuery<PageRequest>,
) -> Result<Json<Page<ApiToken>>, ApiError> {
    Ok(Json(state.store.list_tokens(&user.actor, page).await?))
}

/// Create a token for yourself.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 422, body = Problem)))]
pub async fn create_token(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<NewToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let (secret, prefix) = new_api_token();
    let token = state.store.create_token(&user.actor, &body.name, &digest(&secret), &prefix).await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { token, secret })))
}

/// Revoke one of your tokens; it stops working at once.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    state.store.revoke_token(&user.actor, TokenId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
