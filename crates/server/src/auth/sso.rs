//! Single sign-on with OpenID Connect: the authorization code flow with PKCE, `state` and
//! `nonce`, and the ID token checked by `openidconnect` (issuer, audience, expiry, signature
//! against the provider's published keys). Provider metadata and keys come from discovery and
//! are cached; a token signed with a key the cache does not know triggers one fresh discovery,
//! so a provider can rotate its keys without anyone noticing.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreIdToken};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, IssuerUrl, LoginHint, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, ProviderMetadataWithLogout, RedirectUrl, Scope,
    SignatureVerificationError, TokenResponse,
};
use tokio::sync::RwLock;

use crate::config::SsoProvider;

/// How long discovered metadata and keys are trusted before they are fetched again.
const METADATA_TTL: Duration = Duration::from_secs(3600);

#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    /// The provider could not be reached or answered nonsense (its discovery, token or userinfo).
    #[error("the identity provider could not be reached: {0}")]
    Provider(String),
    /// The answer did not prove who the person is (bad code, bad token, wrong nonce, expired).
    #[error("the identity provider's answer was not accepted: {0}")]
    Rejected(String),
}

/// The start of a sign-in: where to send the browser, and what its answer must match.
#[derive(Debug)]
pub struct Begun {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// What the provider vouched for, from a verified ID token (and its userinfo where the token
/// left something out).
#[derive(Debug, Clone)]
pub struct Vouched {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    pub name: Option<String>,
    /// The groups claim, when the provider sent one.
    pub groups: Option<Vec<String>>,
}

#[derive(Debug)]
struct Discovered {
    metadata: ProviderMetadataWithLogout,
    at: Instant,
}

/// Talks to the configured providers; one per server, shared by every request.
#[derive(Debug, Clone)]
pub struct SsoClients {
    http: openidconnect::reqwest::Client,
    cache: Arc<RwLock<HashMap<String, Arc<Discovered>>>>,
}

impl Default for SsoClients {
    fn default() -> Self {
        Self::new()
    }
}

impl SsoClients {
    pub fn new() -> Self {
        let http = openidconnect::reqwest::Client::builder()
            // Following redirects would let a provider's answer send us anywhere (SSRF).
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        Self { http, cache: Arc::default() }
    }

    /// The provider's metadata and keys: cached, or discovered afresh when stale or `refresh`.
    async fn metadata(&self, p: &SsoProvider, refresh: bool) -> Result<Arc<Discovered>, SsoError> {
        if !refresh {
            if let Some(d) = self.cache.read().await.get(&p.name).filter(|d| d.at.elapsed() < METADATA_TTL) {
                return Ok(d.clone());
            }
        }
        let issuer = IssuerUrl::new(p.issuer.clone()).map_err(|e| SsoError::Provider(e.to_string()))?;
        let metadata = ProviderMetadataWithLogout::discover_async(issuer, &self.http)
            .await
            .map_err(|e| SsoError::Provider(format!("discovery at {}: {}", p.issuer, error_chain(&e))))?;
        let found = Arc::new(Discovered { metadata, at: Instant::now() });
        self.cache.write().await.insert(p.name.clone(), found.clone());
        Ok(found)
    }

    fn client(p: &SsoProvider, d: &Discovered, redirect: &str) -> Result<ClientFor, SsoError> {
        let redirect = RedirectUrl::new(redirect.to_owned()).map_err(|e| SsoError::Provider(e.to_string()))?;
        let secret = (!p.client_secret.is_empty()).then(|| ClientSecret::new(p.client_secret.clone()));
        Ok(CoreClient::from_provider_metadata(d.metadata.clone(), ClientId::new(p.client_id.clone()), secret)
            .set_redirect_uri(redirect))
    }

    /// Where to send the browser to sign in at `p`; the answer comes back to `redirect`.
    pub async fn begin(&self, p: &SsoProvider, redirect: &str, login_hint: Option<&str>) -> Result<Begun, SsoError> {
        let d = self.metadata(p, false).await?;
        let client = Self::client(p, &d, redirect)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request =
            client.authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random);
        for scope in &p.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        if let Some(hint) = login_hint.map(str::trim).filter(|h| !h.is_empty()) {
            request = request.set_login_hint(LoginHint::new(hint.to_owned()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        Ok(Begun {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Trades the code for tokens and checks the ID token as of `now`.
    pub async fn finish(
        &self,
        p: &SsoProvider,
        redirect: &str,
        code: &str,
        nonce: &str,
        pkce_verifier: &str,
        now: DateTime<Utc>,
    ) -> Result<Vouched, SsoError> {
        let d = self.metadata(p, false).await?;
        let client = Self::client(p, &d, redirect)?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| SsoError::Provider(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(|e| SsoError::Rejected(format!("the code was refused: {}", error_chain(&e))))?;
        let token = tokens.id_token().ok_or_else(|| SsoError::Rejected("no ID token came back".into()))?;
        let nonce = Nonce::new(nonce.to_owned());
        let checked = match verify(&client, token, &nonce, now) {
            // A key we have not seen: the provider may have rotated its keys. Look once more.
            Err(ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoMatchingKey)) => {
                let fresh = self.metadata(p, true).await?;
                verify(&Self::client(p, &fresh, redirect)?, token, &nonce, now)
            }
            other => other,
        };
        let claims = checked.map_err(|e| SsoError::Rejected(e.to_string()))?;
        // The token's signature is verified, so its payload may be read for claims the
        // library does not model (the groups claim, named in the settings).
        let raw = payload(&token.to_string()).unwrap_or_default();
        let mut vouched = Vouched {
            subject: claims.subject().to_string(),
            email: claims.email().map(|e| e.to_string()),
            email_verified: claims.email_verified(),
            name: claims.name().and_then(|n| n.get(None)).map(|n| n.to_string()),
            groups: groups(&raw, &p.groups_claim),
        };
        let wants_groups = !p.groups.is_empty() && vouched.groups.is_none();
        if vouched.email.is_none() || wants_groups {
            if let Some(url) = d.metadata.userinfo_endpoint() {
                self.add_userinfo(url.url().as_str(), tokens.access_token().secret(), p, &mut vouched).await?;
            }
        }
        Ok(vouched)
    }

    /// Fills what the ID token left out from the userinfo endpoint, whose `sub` must match.
    async fn add_userinfo(
        &self,
        url: &str,
        access_token: &str,
        p: &SsoProvider,
        v: &mut Vouched,
    ) -> Result<(), SsoError> {
        let body = self
            .http
            .get(url)
            .bearer_auth(access_token)
            .send()
            .await
            .and_then(openidconnect::reqwest::Response::error_for_status)
            .map_err(|e| SsoError::Provider(format!("userinfo: {e}")))?
            .bytes()
            .await
            .map_err(|e| SsoError::Provider(format!("userinfo: {e}")))?;
        let info: serde_json::Value =
            serde_json::from_slice(&body).map_err(|e| SsoError::Provider(format!("userinfo: {e}")))?;
        if info.get("sub").and_then(|s| s.as_str()) != Some(v.subject.as_str()) {
            return Err(SsoError::Rejected("userinfo describes someone else".into()));
        }
        let text = |k: &str| info.get(k).and_then(|s| s.as_str()).map(str::to_owned);
        if v.email.is_none() {
            v.email = text("email");
            v.email_verified = info.get("email_verified").and_then(serde_json::Value::as_bool);
        }
        v.name = v.name.take().or_else(|| text("name"));
        v.groups = v.groups.take().or_else(|| groups(&info, &p.groups_claim));
        Ok(())
    }

    /// The provider's end-session address, to sign out there too after signing out here.
    pub async fn end_session_url(&self, p: &SsoProvider, after: &str) -> Option<String> {
        let d = self.metadata(p, false).await.ok()?;
        let endpoint = d.metadata.additional_metadata().end_session_endpoint.clone()?;
        let after = openidconnect::PostLogoutRedirectUrl::new(after.to_owned()).ok()?;
        let request = openidconnect::LogoutRequest::from(endpoint)
            .set_client_id(ClientId::new(p.client_id.clone()))
            .set_post_logout_redirect_uri(after);
        Some(request.http_get_url().to_string())
    }
}

type ClientFor = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

fn verify<'t>(
    client: &ClientFor,
    token: &'t CoreIdToken,
    nonce: &Nonce,
    now: DateTime<Utc>,
) -> Result<&'t openidconnect::core::CoreIdTokenClaims, ClaimsVerificationError> {
    let verifier = client.id_token_verifier().set_time_fn(move || now);
    token.claims(&verifier, nonce)
}

/// The JSON payload of a compact JWS (already verified by the caller).
fn payload(jwt: &str) -> Option<serde_json::Value> {
    let part = jwt.split('.').nth(1)?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
}

/// A groups claim: a list of names, or one name.
fn groups(claims: &serde_json::Value, claim: &str) -> Option<Vec<String>> {
    match claims.get(claim)? {
        serde_json::Value::Array(items) => Some(items.iter().filter_map(|i| i.as_str().map(str::to_owned)).collect()),
        serde_json::Value::String(one) => Some(vec![one.clone()]),
        _ => None,
    }
}

/// An error with its causes, for the log ("request failed: connection refused").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_claims_are_lists_or_one_name() {
        let claims = serde_json::json!({"groups": ["it-staff", "all", 7], "role": "admins", "n": 3});
        assert_eq!(groups(&claims, "groups").unwrap(), ["it-staff", "all"]);
        assert_eq!(groups(&claims, "role").unwrap(), ["admins"]);
        assert_eq!(groups(&claims, "n"), None);
        assert_eq!(groups(&claims, "missing"), None);
        let jwt = format!("x.{}.y", URL_SAFE_NO_PAD.encode(br#"{"sub":"42"}"#));
        assert_eq!(payload(&jwt).unwrap()["sub"], "42");
        assert_eq!(payload("not a token"), None);
    }
}
