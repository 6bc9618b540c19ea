//! `/api/v1/invitations` (links to set a password, mailed or handed over) and
//! `/api/v1/me/mail-preferences` (which notices come by mail, and when).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use concentric_core::mail::LinkPurpose;
use concentric_core::notification::MailPreference;
use concentric_core::{Invalid, PersonId};
use serde::Deserialize;

use super::{ApiJson, ApiPath};
use crate::auth::ApiUser;
use crate::error::{ApiError, Problem};
use crate::mail::{issue_link, PasswordLink};
use crate::state::AppState;
use concentric_store::MailRoute;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/invitations", post(invite))
        .route("/api/v1/me/mail-preferences", get(mail_preferences).put(set_mail_preferences))
        .route("/api/v1/mail-routes", get(list_routes).post(add_route))
        .route("/api/v1/mail-routes/{id}", delete(remove_route))
        .route("/api/v1/settings/mail", get(mail_settings).put(set_mail_settings))
}

/// Who may write in by mail.
#[derive(Debug, serde::Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    /// Mail from an address nobody in the directory has: `refuse` (a polite answer) or `create`
    /// (the sender joins the directory as a requester).
    #[schema(pattern = "^(refuse|create)$")]
    pub unknown_senders: String,
    /// A reply from someone in the directory who is not part of its request: `refuse`, or `watch`
    /// (they join as a watcher when their mail answers one of the conversation's messages; a
    /// key in the subject alone never lets anyone in).
    #[schema(pattern = "^(refuse|watch)$")]
    pub outsider_replies: String,
}

/// How mail from people outside a request is handled (admins).
#[utoipa::path(get, path = "/api/v1/settings/mail", tag = "people",
    responses((status = 200, body = MailSettings), (status = 403, body = Problem)))]
pub async fn mail_settings(State(state): State<AppState>, user: ApiUser) -> Result<Json<MailSettings>, ApiError> {
    user.actor.require_admin("see the mail settings").map_err(concentric_store::StoreError::from)?;
    Ok(Json(MailSettings {
        unknown_senders: state.store.unknown_sender_policy().await?,
        outsider_replies: state.store.outsider_reply_policy().await?,
    }))
}

/// Change how mail from people outside a request is handled (admins).
#[utoipa::path(put, path = "/api/v1/settings/mail", tag = "people", request_body = MailSettings,
    responses((status = 200, body = MailSettings), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn set_mail_settings(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<MailSettings>,
) -> Result<Json<MailSettings>, ApiError> {
    state.store.set_mail_intake(&user.actor, &body.unknown_senders, &body.outsider_replies).await?;
    mail_settings(State(state), user).await
}

/// An address whose new messages file requests with one service.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct MailRouteView {
    pub id: i64,
    pub address: String,
    pub team_key: String,
    pub service_slug: String,
    pub service_name: String,
}

impl From<MailRoute> for MailRouteView {
    fn from(r: MailRoute) -> Self {
        Self {
            id: r.id,
            address: r.address,
            team_key: r.team_key,
            service_slug: r.service_slug,
            service_name: r.service_name,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMailRoute {
    /// e.g. `it-help@example.com`; a `+tag` is ignored.
    pub address: String,
    pub team_key: String,
    pub service_slug: String,
}

/// Where new mail files requests (admins). Replies find their request without a route.
#[utoipa::path(get, path = "/api/v1/mail-routes", tag = "people",
    responses((status = 200, body = Vec<MailRouteView>), (status = 403, body = Problem)))]
pub async fn list_routes(State(state): State<AppState>, user: ApiUser) -> Result<Json<Vec<MailRouteView>>, ApiError> {
    user.actor.require_admin("see the mail routes").map_err(concentric_store::StoreError::from)?;
    Ok(Json(state.store.mail_routes().await?.into_iter().map(MailRouteView::from).collect()))
}

/// Route an address to a team's service (admins).
#[utoipa::path(post, path = "/api/v1/mail-routes", tag = "people", request_body = NewMailRoute,
    responses((status = 201, body = MailRouteView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn add_route(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<NewMailRoute>,
) -> Result<(StatusCode, Json<MailRouteView>), ApiError> {
    user.actor.require_admin("route mail to services").map_err(concentric_store::StoreError::from)?;
    let service = state.store.service_by_slug(&body.team_key, &body.service_slug).await?;
    let route = state.store.add_mail_route(&user.actor, &body.address, service.id).await?;
    Ok((StatusCode::CREATED, Json(route.into())))
}

/// Stop filing requests from an address (admins).
#[utoipa::path(delete, path = "/api/v1/mail-routes/{id}", tag = "people", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn remove_route(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    state.store.remove_mail_route(&user.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
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
