//! CSRF protection for every state-changing form. Signed-in forms carry the session's token;
//! forms shown before sign-in use a double-submit cookie. Handlers take [`CsrfForm`] instead of
//! `Form`, so a POST handler cannot forget the check.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use cookie::SameSite;
use serde::de::DeserializeOwned;

use super::secrets::{random_secret, secrets_match};
use super::session::{cookie_value, set_cookie, CurrentViewer, ANON_CSRF_COOKIE};
use crate::state::AppState;

/// A form body whose `csrf` field matched; the rest deserialised into `T`.
#[derive(Debug)]
pub struct CsrfForm<T>(pub T);

/// The token a form must carry: the session's, or the anonymous cookie's before sign-in.
pub fn expected_token(viewer: Option<&CurrentViewer>, headers: &HeaderMap) -> Option<String> {
    match viewer.and_then(|v| v.0.as_ref()) {
        Some(v) => Some(v.csrf.clone()),
        None => cookie_value(headers, ANON_CSRF_COOKIE),
    }
}

pub fn rejected() -> Response {
    crate::web::error_page(
        StatusCode::FORBIDDEN,
        "This form has expired",
        "For your safety the form could not be accepted. Go back, reload the page and submit it again.",
    )
}

/// Checks a submitted token against the expected one.
pub fn verify(expected: Option<&str>, sent: Option<&str>) -> bool {
    matches!((expected, sent), (Some(e), Some(s)) if !e.is_empty() && secrets_match(e, s))
}

/// The token for a form shown before sign-in, and the cookie to set when the visitor has none.
pub fn anonymous_token(headers: &HeaderMap, secure: bool) -> (String, Option<axum::http::HeaderValue>) {
    match cookie_value(headers, ANON_CSRF_COOKIE) {
        Some(t) if t.len() >= 32 => (t, None),
        _ => {
            let t = random_secret();
            let cookie = set_cookie(ANON_CSRF_COOKIE, &t, 3600 * 12, SameSite::Strict, secure);
            (t, Some(cookie))
        }
    }
}

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let expected = expected_token(req.extensions().get::<CurrentViewer>(), req.headers());
        let body = Bytes::from_request(req, state).await.map_err(IntoResponse::into_response)?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
        let sent = pairs.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str());
        if !verify(expected.as_deref(), sent) {
            return Err(rejected());
        }
        if let Some(problem) = crate::guard::form_problem(&pairs) {
            return Err(crate::web::error_page(
                StatusCode::BAD_REQUEST,
                "The form could not be read",
                &format!("The field {} {}. Go back, remove it and submit again.", problem.field, problem.message),
            ));
        }
        serde_urlencoded::from_bytes(&body).map(CsrfForm).map_err(|e| {
            crate::web::error_page(
                StatusCode::BAD_REQUEST,
                "The form could not be read",
                &format!("{e}. Go back and try again."),
            )
        })
    }
}
