//! API authentication: personal tokens sent as `Authorization: Bearer cct_...`. The API takes no
//! cookies, so it needs no CSRF defence.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use concentric_core::authz::Actor;
use concentric_core::person::Person;

use super::login::Client;
use super::secrets::digest;
use crate::error::ApiError;
use crate::state::AppState;

/// The person a valid, unrevoked token belongs to. Deactivated people's tokens stop working.
#[derive(Debug, Clone)]
pub struct ApiUser {
    pub person: Person,
    pub actor: Actor,
}

/// The token of an `Authorization: Bearer …` header, if the request has one.
pub fn bearer_token(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer_token(parts).ok_or_else(ApiError::unauthorized)?;
        match state.store.authenticate_token(&digest(token)).await? {
            Some((person, actor)) => {
                let Ok(client) = Client::from_request_parts(parts, state).await;
                Ok(Self { person, actor: actor.from_address(client.address) })
            }
            None => Err(ApiError::unauthorized()),
        }
    }
}
