//! `/api/v1/webhooks`: where a team's (or the organisation's) events are POSTed, signed, with
//! the delivery log and redelivery.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use concentric_core::page::{Page, PageRequest};
use concentric_core::webhook::{Webhook, WebhookDelivery, WebhookEventKind, WebhookFormat, WebhookInput};
use concentric_core::TeamId;
use serde::Deserialize;

use super::{ApiJson, ApiPath, ApiQuery};
use crate::auth::secrets::webhook_secret;
use crate::auth::ApiUser;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/webhooks", get(list_webhooks).post(create_webhook))
        .route("/api/v1/webhooks/{id}", get(get_webhook).put(update_webhook).delete(delete_webhook))
        .route("/api/v1/webhooks/{id}/secret", post(rotate_secret))
        .route("/api/v1/webhooks/{id}/ping", post(ping))
        .route("/api/v1/webhooks/{id}/deliveries", get(deliveries))
        .route("/api/v1/webhooks/{id}/deliveries/{delivery}/redeliver", post(redeliver))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WebhookScope {
    /// A team's key: that team's webhooks (its leads and admins). Without it, the
    /// organisation's, which hear every team (admins).
    pub team: Option<String>,
}

async fn team_id(state: &AppState, key: Option<&str>) -> Result<Option<TeamId>, ApiError> {
    match key.map(str::trim).filter(|k| !k.is_empty()) {
        Some(key) => Ok(Some(state.store.team_by_key(key).await?.id)),
        None => Ok(None),
    }
}

/// A new webhook: the same fields as an update, plus the team whose events it hears.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// The team's key; leave out for an organisation webhook (admins).
    pub team: Option<String>,
    pub name: String,
    /// Where events are POSTed: an `http` or `https` URL.
    pub url: String,
    /// `json` (default) or `slack`.
    #[serde(default)]
    pub format: WebhookFormat,
    pub events: Vec<WebhookEventKind>,
    #[serde(default)]
    pub active: Option<bool>,
}

/// The webhooks of a team, or of the organisation.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", params(WebhookScope),
    responses((status = 200, body = Vec<Webhook>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_webhooks(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<WebhookScope>,
) -> Result<Json<Vec<Webhook>>, ApiError> {
    let team = team_id(&state, q.team.as_deref()).await?;
    Ok(Json(state.store.webhooks(&user.actor, team).await?))
}

/// Add a webhook. Its signing `secret` is made here and returned; give it to the receiver.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = NewWebhook,
    responses((status = 201, body = Webhook), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn create_webhook(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<NewWebhook>,
) -> Result<(StatusCode, Json<Webhook>), ApiError> {
    let team = team_id(&state, body.team.as_deref()).await?;
    let input = WebhookInput {
        name: body.name,
        url: body.url,
        format: body.format,
        events: body.events,
        active: body.active.unwrap_or(true),
    };
    let hook = state.store.create_webhook(&user.actor, team, input, &webhook_secret()).await?;
    Ok((StatusCode::CREATED, Json(hook)))
}

/// One webhook with its secret.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 200, body = Webhook), (status = 404, body = Problem)))]
pub async fn get_webhook(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Webhook>, ApiError> {
    Ok(Json(state.store.webhook(&user.actor, id).await?))
}

/// Replace what a webhook hears, where it sends and whether it is active.
#[utoipa::path(put, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = i64, Path)),
    request_body = WebhookInput,
    responses((status = 200, body = Webhook), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_webhook(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<WebhookInput>,
) -> Result<Json<Webhook>, ApiError> {
    Ok(Json(state.store.update_webhook(&user.actor, id, body).await?))
}

/// Remove a webhook and its delivery log.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete_webhook(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    state.store.delete_webhook(&user.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replace the signing secret (the old one stops at once).
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/secret", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 200, body = Webhook), (status = 404, body = Problem)))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Webhook>, ApiError> {
    Ok(Json(state.store.set_webhook_secret(&user.actor, id, &webhook_secret()).await?))
}

/// Send a `ping` event now, to check the receiver.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/ping", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 202, body = WebhookDelivery), (status = 404, body = Problem)))]
pub async fn ping(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<(StatusCode, Json<WebhookDelivery>), ApiError> {
    Ok((StatusCode::ACCEPTED, Json(state.store.ping_webhook(&user.actor, id).await?)))
}

/// The delivery log, newest first: each event sent, how the receiver answered, retries.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks",
    params(("id" = i64, Path), PageRequest),
    responses((status = 200, body = Page<WebhookDelivery>), (status = 404, body = Problem)))]
pub async fn deliveries(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(page): ApiQuery<PageRequest>,
) -> Result<Json<Page<WebhookDelivery>>, ApiError> {
    Ok(Json(state.store.webhook_deliveries(&user.actor, id, page).await?))
}

/// Send a delivery's event again (same event id), as a new delivery.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/deliveries/{delivery}/redeliver", tag = "webhooks",
    params(("id" = i64, Path), ("delivery" = i64, Path)),
    responses((status = 202, body = WebhookDelivery), (status = 404, body = Problem)))]
pub async fn redeliver(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath((id, delivery)): ApiPath<(i64, i64)>,
) -> Result<(StatusCode, Json<WebhookDelivery>), ApiError> {
    Ok((StatusCode::ACCEPTED, Json(state.store.redeliver(&user.actor, id, delivery).await?)))
}
