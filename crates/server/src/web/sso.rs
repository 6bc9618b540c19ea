//! Signing in through the company's identity provider: off to the provider, and back.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use concentric_core::identity::{verified_email, ProvidedIdentity};
use concentric_store::SsoAttempt;
use cookie::SameSite;
use serde::Deserialize;

use super::view::error_page;
use crate::auth::login::Client;
use crate::auth::secrets::{digest, secrets_match};
use crate::auth::session::{cookie_value, safe_next, set_cookie, start_session};
use crate::auth::sso::SsoError;
use crate::config::SsoProvider;
use crate::error::WebError;
use crate::state::AppState;

/// Holds the `state` of a sign-in sent to a provider, so its answer is accepted only in the
/// browser that asked (no one can sign someone else in with their own code).
const SSO_COOKIE: &str = "concentric_sso";
/// Minutes a person has at the provider before the attempt is void.
const ATTEMPT_MINUTES: i64 = 15;

#[derive(Debug, Default, Deserialize)]
pub struct BeginQuery {
    next: Option<String>,
    /// The email typed on our page, passed on so the provider can skip asking.
    login_hint: Option<String>,
}

fn provider<'a>(state: &'a AppState, name: &str) -> Result<&'a SsoProvider, WebError> {
    state.config.sso_provider(name).ok_or(WebError::NotFound)
}

fn redirect_url(state: &AppState, p: &SsoProvider) -> String {
    format!("{}/auth/sso/{}/callback", state.config.public_url, p.name)
}

fn unreachable_page(p: &SsoProvider, e: &SsoError) -> Response {
    tracing::warn!(provider = %p.name, error = %e, "single sign-on failed");
    error_page(
        StatusCode::BAD_GATEWAY,
        "The sign-in service could not be reached",
        &format!(
            "{} did not answer as expected. Try again in a moment; if it keeps failing, tell your IT team.",
            p.label
        ),
    )
}

/// Sends the browser to the provider.
pub async fn begin(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(q): Query<BeginQuery>,
) -> Result<Response, WebError> {
    let p = provider(&state, &name)?;
    let begun = match state.sso.begin(p, &redirect_url(&state, p), q.login_hint.as_deref()).await {
        Ok(b) => b,
        Err(e) => return Ok(unreachable_page(p, &e)),
    };
    state
        .store
        .begin_sso(&SsoAttempt {
            state_hash: digest(&begun.state),
            provider: p.name.clone(),
            nonce: begun.nonce,
            pkce_verifier: begun.pkce_verifier,
            next: safe_next(q.next.as_deref()),
            at: state.time.now(),
        })
        .await?;
    // Lax: the provider sends the browser back with a top-level GET, which Lax cookies follow.
    let cookie =
        set_cookie(SSO_COOKIE, &begun.state, ATTEMPT_MINUTES * 60, SameSite::Lax, state.config.secure_cookies());
    let mut response = Redirect::to(&begun.url).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

#[derive(Debug, Default, Deserialize)]
pub struct Answer {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
    /// The issuer that answered (RFC 9207), where the provider says.
    iss: Option<String>,
}

/// The provider's answer: checked, then the person is signed in (linked, or created).
pub async fn callback(
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
    client: Client,
    Query(answer): Query<Answer>,
) -> Result<Response, WebError> {
    let p = provider(&state, &name)?;
    // Refusals leave the state cookie alone: a stray answer must not spoil the real one on
    // its way (once taken, an attempt cannot be used again anyway).
    let refuse = |status: StatusCode, title: &str, message: &str| Ok(error_page(status, title, message));
    if let Some(error) = answer.error.as_deref() {
        let why = answer.error_description.as_deref().unwrap_or(error);
        return refuse(
            StatusCode::UNAUTHORIZED,
            "Sign-in was not completed",
            &format!("{} said: {why}. Go back to the sign-in page to try again.", p.label),
        );
    }
    if answer.iss.as_deref().is_some_and(|iss| iss.trim_end_matches('/') != p.issuer) {
        return refuse(StatusCode::BAD_REQUEST, "Sign-in was not completed", "The answer came from another issuer.");
    }
    let (Some(code), Some(sent)) = (answer.code.as_deref(), answer.state.as_deref()) else {
        return refuse(StatusCode::BAD_REQUEST, "Sign-in was not completed", "The answer was incomplete. Start again.");
    };
    let ours = cookie_value(&headers, SSO_COOKIE).unwrap_or_default();
    if ours.is_empty() || !secrets_match(&ours, sent) {
        return refuse(
            StatusCode::BAD_REQUEST,
            "This sign-in did not start here",
            "The answer belongs to a sign-in started in another browser or window. Start again from the sign-in page.",
        );
    }
    let since = state.time.now().plus_minutes(-ATTEMPT_MINUTES);
    let Some(attempt) = state.store.take_sso(&digest(sent), &p.name, since).await? else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "This sign-in has been used or has expired",
            "Each answer from the sign-in service works once, for 15 minutes. Start again from the sign-in page.",
        );
    };
    let now = state.time.now().to_utc();
    let vouched =
        match state.sso.finish(p, &redirect_url(&state, p), code, &attempt.nonce, &attempt.pkce_verifier, now).await {
            Ok(v) => v,
            Err(e @ SsoError::Provider(_)) => return Ok(unreachable_page(p, &e)),
            Err(e) => {
                tracing::warn!(provider = %p.name, error = %e, "single sign-on answer refused");
                state.store.record_sign_in_failure("", &client.address, "the provider's answer was not valid").await?;
                return refuse(
                    StatusCode::UNAUTHORIZED,
                    "Sign-in was not accepted",
                    &format!("The answer from {} could not be verified. Start again from the sign-in page.", p.label),
                );
            }
        };
    let Some(email) = verified_email(vouched.email.as_deref(), vouched.email_verified) else {
        state.store.record_sign_in_failure("", &client.address, "the provider vouched for no verified email").await?;
        return refuse(
            StatusCode::FORBIDDEN,
            "Sign-in was not accepted",
            &format!("{} did not give a verified email address for your account. Tell your IT team.", p.label),
        );
    };
    let who = ProvidedIdentity {
        provider: p.name.clone(),
        subject: vouched.subject,
        email: email.clone(),
        name: vouched.name,
        unknown_people: p.unknown_people,
        groups: (!p.groups.is_empty()).then(|| p.groups.plan(&vouched.groups.unwrap_or_default())),
    };
    let person = match state.store.sign_in_with_identity(&who, &client.address).await? {
        Ok(person) => person,
        Err(refusal) => {
            state.store.record_sign_in_failure(&email, &client.address, refusal.reason()).await?;
            return refuse(
                StatusCode::FORBIDDEN,
                "You cannot sign in here yet",
                &format!(
                    "{email} is {}. Ask an admin of Concentric to add you to the directory.",
                    match refusal {
                        concentric_core::identity::IdentityRefusal::Unknown => "not in Concentric's directory",
                        concentric_core::identity::IdentityRefusal::Deactivated => "deactivated in Concentric",
                    }
                ),
            );
        }
    };
    let session = start_session(&state, person, &p.name, &client).await?;
    let mut response = Redirect::to(&attempt.next).into_response();
    response.headers_mut().append(header::SET_COOKIE, session);
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(SSO_COOKIE, "", 0, SameSite::Lax, state.config.secure_cookies()));
    Ok(response)
}
