//! `/api/v1/audit`: the audit log for admins; `/api/v1/me/sessions`: the caller's web sessions.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use concentric_core::audit::AuditQuery;
use concentric_core::event::Event;
use concentric_core::page::{Page, PageRequest};
use concentric_core::session::ActiveSession;
use serde::Deserialize;

use super::{ApiList, ApiPath};
use crate::auth::ApiUser;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/audit", get(audit))
        .route("/api/v1/me/sessions", get(my_sessions).delete(end_all_sessions))
        .route("/api/v1/me/sessions/{handle}", delete(end_session))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Only what this person did (their id).
    actor: Option<String>,
    /// Only one kind: session, person, team, token, feed, identity, scim, settings, calendar,
    /// webhook, import or export.
    entity: Option<String>,
    /// Only one action, e.g. `signed_in`, `sign_in_failed`, `revoked`, `downloaded`.
    action: Option<String>,
    /// Words found in the detail (an email typed at sign-in, a token's name), the address or the
    /// actor's name.
    q: Option<String>,
    /// From this instant (RFC 3339).
    since: Option<DateTime<Utc>>,
    /// Before this instant (RFC 3339).
    until: Option<DateTime<Utc>>,
}

/// The audit log, newest first (admins): sign-ins and their failures, sessions ended, tokens and
/// feeds made and revoked, people, roles and memberships changed, settings, imports, webhooks
/// and every CSV download, each with who, when and the client address. Entries cannot be edited;
/// the `audit_retention_days` setting decides how long they are kept.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditParams, PageRequest),
    responses((status = 200, body = Page<Event>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn audit(
    State(state): State<AppState>,
    user: ApiUser,
    ApiList(p, page): ApiList<AuditParams>,
) -> Result<Json<Page<Event>>, ApiError> {
    let query = AuditQuery::parse(
        p.actor.as_deref(),
        p.entity.as_deref(),
        p.action.as_deref(),
        p.q.as_deref(),
        None,
        None,
        chrono_tz::UTC,
    )?
    .between(p.since, p.until);
    Ok(Json(state.store.audit(&user.actor, &query, page).await?))
}

/// Where you are signed in on the web, most recently used first.
#[utoipa::path(get, path = "/api/v1/me/sessions", tag = "people",
    responses((status = 200, body = Vec<ActiveSession>), (status = 401, body = Problem)))]
pub async fn my_sessions(State(state): State<AppState>, user: ApiUser) -> Result<Json<Vec<ActiveSession>>, ApiError> {
    Ok(Json(state.store.sessions_of(&user.actor, None).await?))
}

/// End one of your web sessions: that browser is signed out at once.
#[utoipa::path(delete, path = "/api/v1/me/sessions/{handle}", tag = "people", params(("handle" = String, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn end_session(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(handle): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    state.store.end_session(&user.actor, &handle).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sign out everywhere: every web session of yours ends. API tokens are not sessions; revoke
/// those under /api/v1/tokens.
#[utoipa::path(delete, path = "/api/v1/me/sessions", tag = "people",
    responses((status = 204), (status = 401, body = Problem)))]
pub async fn end_all_sessions(State(state): State<AppState>, user: ApiUser) -> Result<StatusCode, ApiError> {
    state.store.end_all_sessions(&user.actor).await?;
    Ok(StatusCode::NO_CONTENT)
}
