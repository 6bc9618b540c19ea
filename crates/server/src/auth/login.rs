//! Signing in with email and password, with failed attempts limited per account and per address.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use concentric_core::time::Millis;

use super::secrets::{burn_verification, verify_password};
use super::session::start_session;
use crate::error::WebError;
use crate::state::AppState;

#[derive(Debug)]
pub enum LoginOutcome {
    /// Signed in; carries the session cookie to set.
    SignedIn(HeaderValue),
    BadCredentials,
    /// Too many failures for this account or address; nothing was checked.
    RateLimited {
        minutes: u32,
    },
}

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

pub async fn sign_in(state: &AppState, email: &str, password: &str, ip: &str) -> Result<LoginOutcome, WebError> {
    let cfg = &state.config;
    let window = cfg.login_window_minutes;
    let since = Millis::now().plus_minutes(-i64::from(window));
    let (by_account, by_ip) = state.store.login_failures_since(email, ip, since).await?;
    if by_account >= i64::from(cfg.login_max_failures_per_account) || by_ip >= i64::from(cfg.login_max_failures_per_ip)
    {
        tracing::warn!(ip, "sign-in paused after repeated failures");
        return Ok(LoginOutcome::RateLimited { minutes: window });
    }
    let ok = match state.store.credentials(email).await? {
        Some((person, hash)) => verify_password(password.to_owned(), hash).await.then_some(person),
        None => {
            burn_verification(password.to_owned()).await;
            None
        }
    };
    let Some(person) = ok else {
        state.store.record_login_failure(email, ip).await?;
        return Ok(LoginOutcome::BadCredentials);
    };
    state.store.clear_login_failures(email).await?;
    Ok(LoginOutcome::SignedIn(start_session(state, person).await?))
}
