//! `/api/v1/provisioning-clients`: the SCIM clients allowed to keep the directory in step (admins).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use concentric_core::scim::ProvisioningClient;
use serde::{Deserialize, Serialize};

use super::{ApiJson, ApiPath};
use crate::auth::secrets::digest;
use crate::auth::ApiUser;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/provisioning-clients", get(list_clients).post(create_client))
        .route("/api/v1/provisioning-clients/{id}", delete(revoke_client))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProvisioningClient {
    /// Which identity provider connects, e.g. "Entra ID".
    pub name: String,
}

/// A new provisioning client; `token` (`ccs_…`) is shown this once. The client sends it as
/// `Authorization: Bearer` to `/scim/v2`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedProvisioningClient {
    #[serde(flatten)]
    pub client: ProvisioningClient,
    pub token: String,
    /// The SCIM base address to give the identity provider.
    pub endpoint: String,
}

/// The organisation's list of provisioning clients, live ones first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProvisioningClients {
    pub items: Vec<ProvisioningClient>,
}

/// Provisioning clients, live first, newest first (admins).
#[utoipa::path(get, path = "/api/v1/provisioning-clients", tag = "provisioning",
    responses((status = 200, body = ProvisioningClients), (status = 403, body = Problem)))]
pub async fn list_clients(State(state): State<AppState>, user: ApiUser) -> Result<Json<ProvisioningClients>, ApiError> {
    Ok(Json(ProvisioningClients { items: state.store.scim_clients(&user.actor).await? }))
}

/// Make a provisioning client and its token (admins).
#[utoipa::path(post, path = "/api/v1/provisioning-clients", tag = "provisioning", request_body = NewProvisioningClient,
    responses((status = 201, body = CreatedProvisioningClient), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_client(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<NewProvisioningClient>,
) -> Result<(StatusCode, Json<CreatedProvisioningClient>), ApiError> {
    let (token, prefix) = crate::scim::new_token();
    let client = state.store.create_scim_client(&user.actor, &body.name, &digest(&token), &prefix).await?;
    let endpoint = crate::scim::endpoint(&state);
    Ok((StatusCode::CREATED, Json(CreatedProvisioningClient { client, token, endpoint })))
}

/// Revoke a provisioning client's token (admins); it stops working at once.
#[utoipa::path(delete, path = "/api/v1/provisioning-clients/{id}", tag = "provisioning", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn revoke_client(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    state.store.revoke_scim_client(&user.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
