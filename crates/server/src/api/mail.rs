//! `/api/v1/invitations` (links to set a password, mailed or handed over) and
//! `/api/v1/me/mail-preferences` (which notices come by mail, and when).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use concentric_core::mail::LinkPurpose;
use concentric_core::notification::MailPreference;
use concentric_core::{Invalid, PersonId};
use serde::Deserialize;

use super::ApiJson;
use crate::auth::ApiUser;
use crate::error::{ApiError, Problem};
use crate::mail::{issue_link, PasswordLink};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/invitations", post(invite))
        .route("/api/v1/me/mail-preferences", get(mail_preferences).put(set_mail_preferences))
}

/// Whom to invite: a person already in the directory, by id or email.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvitation {
    pub person_id: Option<PersonId>,
    pub email: Option<String>,
    /// `invitation` (default: a week to set a first password) or `reset` (an hour to set a new one).
    #[serde(default)]
    pub purpose: Option<LinkPurpose>,
    /// Mail the link to the person (default true). Without mail configured nothing is sent, and
    /// the returned `url` is to be handed over.
    #[serde(default)]
    pub send_mail: Option<bool>,
}

/// Make a single-use link for a person to set a password (admins). A newer link of the same
/// purpose retires the older one.
#[utoipa::path(post, path = "/api/v1/invitations", tag = "people", request_body = NewInvitation,
    responses((status = 201, body = PasswordLink), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn invite(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<NewInvitation>,
) -> Result<(StatusCode, Json<PasswordLink>), ApiError> {
    user.actor.require_admin("invite people").map_err(concentric_store::StoreError::from)?;
    let person = match (body.person_id, body.email.as_deref()) {
        (Some(id), None) => state.store.person(id).await?.id,
        (None, Some(email)) => state.store.person_by_email(email).await?.id,
        _ => return Err(Invalid::one("person_id", "give either person_id or email").into()),
    };
    let purpose = body.purpose.unwrap_or(LinkPurpose::Invitation);
    let link = issue_link(&state, &user.actor, person, purpose, body.send_mail.unwrap_or(true)).await?;
    Ok((StatusCode::CREATED, Json(link)))
}

/// Your mail choices, one per kind of notice.
#[derive(Debug, serde::Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailPreferences {
    pub preferences: Vec<MailPreference>,
}

/// Which notices come to you by mail: `immediate`, in a daily `digest` (08:00 in your time
/// zone), or `off` (only in the app). Every kind is listed.
#[utoipa::path(get, path = "/api/v1/me/mail-preferences", tag = "people",
    responses((status = 200, body = MailPreferences), (status = 401, body = Problem)))]
pub async fn mail_preferences(State(state): State<AppState>, user: ApiUser) -> Result<Json<MailPreferences>, ApiError> {
    let me = user.actor.person_id.ok_or_else(|| ApiError::not_found("person"))?;
    Ok(Json(MailPreferences { preferences: state.store.mail_preferences(&user.actor, me).await? }))
}

/// Change how some kinds of notice come to you; kinds left out keep their setting.
#[utoipa::path(put, path = "/api/v1/me/mail-preferences", tag = "people", request_body = MailPreferences,
    responses((status = 200, body = MailPreferences), (status = 422, body = Problem)))]
pub async fn set_mail_preferences(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<MailPreferences>,
) -> Result<Json<MailPreferences>, ApiError> {
    let me = user.actor.person_id.ok_or_else(|| ApiError::not_found("person"))?;
    let preferences = state.store.set_mail_preferences(&user.actor, me, &body.preferences).await?;
    Ok(Json(MailPreferences { preferences }))
}
