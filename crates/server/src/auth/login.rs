//! Signing in with email and password; failed attempts slow guessing (`core::sign_in`) without
//! letting a stranger lock a person out of their own browser.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use concentric_core::time::Millis;

use concentric_core::sign_in::{verdict, Limits, Verdict};
use cookie::SameSite;

use super::secrets::{burn_verification, digest, random_secret, verify_password};
use super::session::{cookie_value, set_cookie, start_session};
use crate::error::WebError;
use crate::state::AppState;

#[derive(Debug)]
pub enum LoginOutcome {
    /// Signed in; carries the cookies to set (the session, and the device cookie when new).
    SignedIn(Vec<HeaderValue>),
    BadCredentials,
    /// The password was right, but passwords are off for this account (single sign-on only).
    PasswordsOff,
    /// Failed attempts slow this account down for clients it does not know; nothing was checked.
    Wait {
        seconds: i64,
    },
    /// Too many failures from this address, or from this device; nothing was checked.
    Paused {
        minutes: u32,
    },
}

/// The browser's device cookie: set after a sign-in, it lets a person's own browser sign in while
/// strangers' failed attempts slow the account down for everyone else (`core::sign_in`).
pub const DEVICE_COOKIE: &str = "concentric_device";
const DEVICE_DAYS: i64 = 90;

/// The TCP peer's address when the server runs on a socket (absent in in-process tests).
#[derive(Debug, Clone, Copy)]
pub struct PeerAddr(pub Option<SocketAddr>);

impl<S: Send + Sync> FromRequestParts<S> for PeerAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0)))
    }
}

/// The client's address: the peer, or the first X-Forwarded-For hop when configured to trust it.
pub fn client_ip(headers: &HeaderMap, peer: PeerAddr, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for {
        if let Some(first) =
            headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()).and_then(|v| v.split(',').next())
        {
            return first.trim().to_owned();
        }
    }
    peer.0.map_or_else(|| "unknown".to_owned(), |addr| addr.ip().to_string())
}

/// Who is on the other end of a request, as far as the server can tell: the address (see
/// [`client_ip`]) and the User-Agent, kept with sessions and the audit log.
#[derive(Debug, Clone)]
pub struct Client {
    pub address: String,
    pub user_agent: Option<String>,
}

impl FromRequestParts<AppState> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = PeerAddr(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0));
        Ok(Self {
            address: client_ip(&parts.headers, peer, state.config.trust_forwarded_for),
            user_agent: parts
                .headers
                .get(axum::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.chars().take(300).collect()),
        })
    }
}

pub async fn sign_in(
    state: &AppState,
    email: &str,
    password: &str,
    client: &Client,
    headers: &HeaderMap,
) -> Result<LoginOutcome, WebError> {
    let ip = client.address.as_str();
    let cfg = &state.config;
    let now = state.time.now();
    let since = now.plus_minutes(-i64::from(cfg.login_window_minutes));
    let device_token = cookie_value(headers, DEVICE_COOKIE).filter(|d| d.len() >= 32);
    let device = device_token.as_deref().map(digest);
    let failures = state.store.login_failures(email, ip, device.as_deref(), since, now).await?;
    let limits = Limits {
        per_account: i64::from(cfg.login_max_failures_per_account),
        per_address: i64::from(cfg.login_max_failures_per_ip),
        window_minutes: cfg.login_window_minutes,
    };
    match verdict(&failures, &limits, now) {
        Verdict::Check => {}
        Verdict::Wait { seconds } => return Ok(LoginOutcome::Wait { seconds }),
        Verdict::Paused { minutes } => {
            tracing::warn!(ip, "sign-in paused after repeated failures");
            return Ok(LoginOutcome::Paused { minutes });
        }
    }
    let (ok, reason) = match state.store.credentials(email).await? {
        Some((person, hash)) => (verify_password(password.to_owned(), hash).await.then_some(person), "wrong password"),
        None => {
            burn_verification(password.to_owned()).await;
            (None, "no active account with a password")
        }
    };
    let Some(person) = ok else {
        let trusted = device.as_deref().filter(|_| failures.trusted_device);
        state.store.record_login_failure(email, ip, trusted, now).await?;
        state.store.record_sign_in_failure(email, ip, reason).await?;
        return Ok(LoginOutcome::BadCredentials);
    };
    if !state.config.password_policy().allows(email, state.store.is_admin_email(email).await?) {
        state.store.record_sign_in_failure(email, ip, "password sign-in is off for this account").await?;
        return Ok(LoginOutcome::PasswordsOff);
    }
    state.store.clear_login_failures(email).await?;
    // This browser is now known to the account: a new device cookie, or the old one renewed.
    let token = device_token.unwrap_or_else(random_secret);
    state.store.trust_device(email, &digest(&token), Millis(now.0 + DEVICE_DAYS * 86_400_000)).await?;
    let device_cookie = set_cookie(DEVICE_COOKIE, &token, DEVICE_DAYS * 86_400, SameSite::Strict, cfg.secure_cookies());
    Ok(LoginOutcome::SignedIn(vec![start_session(state, person, "password", client).await?, device_cookie]))
}
