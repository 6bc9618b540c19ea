//! Web sessions: an opaque cookie whose digest keys a row in the database, so every node sees
//! the same sessions and signing out (or deactivation) ends them everywhere at once.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use concentric_core::authz::Actor;
use concentric_core::person::Person;
use concentric_core::time::Millis;
use concentric_store::NewSession;
use cookie::{Cookie, SameSite};

use super::login::Client;
use super::secrets::{digest, random_secret};
use crate::error::WebError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "concentric_session";
/// Double-submit CSRF cookie for forms shown before sign-in (login, setup).
pub const ANON_CSRF_COOKIE: &str = "concentric_csrf";

/// The signed-in person behind a web request.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub person: Person,
    pub actor: Actor,
    pub csrf: String,
    pub session_hash: String,
    /// The session's name in the person's list of sessions.
    pub session_handle: String,
    /// How the session began: `password`, or a single sign-on provider's name.
    pub session_method: String,
    /// Unread notifications, shown on every page.
    pub unread: i64,
}

/// The session found for this request, if any; put in request extensions by [`load_session`].
#[derive(Debug, Clone)]
pub struct CurrentViewer(pub Option<Viewer>);

pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// A `Set-Cookie` value: HttpOnly always, Secure when served over https.
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, same_site: SameSite, secure: bool) -> HeaderValue {
    let c = Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(same_site)
        .secure(secure)
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .build();
    HeaderValue::from_str(&c.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Starts a session for a person who signed in by `method` (`password`, or a provider's name);
/// returns the `Set-Cookie` header to send.
pub async fn start_session(
    state: &AppState,
    person: concentric_core::PersonId,
    method: &str,
    client: &Client,
) -> Result<HeaderValue, WebError> {
    let token = random_secret();
    let ttl_ms = i64::from(state.config.session_hours) * 3_600_000;
    state
        .store
        .create_session(&NewSession {
            token_hash: digest(&token),
            handle: random_secret().chars().take(16).collect(),
            person,
            csrf_token: random_secret(),
            expires_at: Millis(Millis::now().0 + ttl_ms),
            address: Some(client.address.clone()),
            user_agent: client.user_agent.clone(),
            method: method.to_owned(),
        })
        .await?;
    Ok(set_cookie(SESSION_COOKIE, &token, ttl_ms / 1000, SameSite::Lax, state.config.secure_cookies()))
}

pub fn clear_session_cookie(state: &AppState) -> HeaderValue {
    set_cookie(SESSION_COOKIE, "", 0, SameSite::Lax, state.config.secure_cookies())
}

/// Middleware for web routes: looks the session up once and slides its expiry forward when
/// half of it has passed (so an active person is not signed out, without a write per request).
pub async fn load_session(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let mut viewer = None;
    let (mut parts, body) = req.into_parts();
    let Ok(client) = Client::from_request_parts(&mut parts, &state).await;
    req = Request::from_parts(parts, body);
    if let Some(token) = cookie_value(req.headers(), SESSION_COOKIE) {
        let hash = digest(&token);
        match state.store.session(&hash).await {
            Ok(Some(s)) => {
                let ttl_ms = i64::from(state.config.session_hours) * 3_600_000;
                let now = Millis::now().0;
                if s.expires_at.0 - now < ttl_ms / 2 {
                    if let Err(e) = state.store.extend_session(&hash, Millis(now + ttl_ms)).await {
                        tracing::warn!(error = %e, "could not extend session");
                    }
                }
                let unread = match state.store.unread_notifications(&s.actor).await {
                    Ok(n) => n,
                    Err(e) => return WebError::from(e).into_response(),
                };
                viewer = Some(Viewer {
                    person: s.person,
                    actor: s.actor.from_address(client.address),
                    csrf: s.csrf_token,
                    session_hash: hash,
                    session_handle: s.handle,
                    session_method: s.method,
                    unread,
                });
            }
            Ok(None) => {}
            Err(e) => return WebError::from(e).into_response(),
        }
    }
    req.extensions_mut().insert(CurrentViewer(viewer));
    next.run(req).await
}

impl FromRequestParts<AppState> for CurrentViewer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<CurrentViewer>().cloned().unwrap_or(CurrentViewer(None)))
    }
}

/// Requires a signed-in person; sends everyone else to the sign-in page and back afterwards.
impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let CurrentViewer(viewer) =
            CurrentViewer::from_request_parts(parts, state).await.unwrap_or(CurrentViewer(None));
        viewer.ok_or_else(|| {
            let next = parts.uri.path_and_query().map_or("/", |p| p.as_str());
            let target = format!("/login?next={}", url_encode(next));
            Redirect::to(&target).into_response()
        })
    }
}

fn url_encode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).map(|e| e.trim_start_matches('=').to_owned()).unwrap_or_default()
}

/// Only same-site paths are followed after sign-in, so `next` cannot send anyone elsewhere.
pub fn safe_next(next: Option<&str>) -> String {
    next.filter(|n| is_local_path(n)).map_or_else(|| "/".to_owned(), str::to_owned)
}

/// A path on this site and nothing else. Browsers drop tabs and newlines from a URL and read `\`
/// as `/`, so `/\t/evil.example` would leave the site: any control character, white space or
/// backslash disqualifies a path, as does anything `http` does not parse as a path and query.
fn is_local_path(next: &str) -> bool {
    next.starts_with('/')
        && !next.starts_with("//")
        && !next.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\')
        && next.parse::<axum::http::uri::PathAndQuery>().is_ok_and(|p| p.as_str() == next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_site() {
        assert_eq!(safe_next(Some("/teams/IT")), "/teams/IT");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
        for hostile in ["/\t/evil.example", "/\n/x", "/\r\n/x", "/\\evil.example", "/ /evil", "/\u{0}", "/a\u{85}b"] {
            assert_eq!(safe_next(Some(hostile)), "/", "{hostile:?}");
        }
        assert_eq!(safe_next(Some("/requests?team=IT&status=open")), "/requests?team=IT&status=open");
    }

    #[test]
    fn cookies_are_read_from_any_header() {
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_static("a=1; concentric_session=xyz"));
        assert_eq!(cookie_value(&h, SESSION_COOKIE).as_deref(), Some("xyz"));
        assert_eq!(cookie_value(&h, "b"), None);
    }
}
