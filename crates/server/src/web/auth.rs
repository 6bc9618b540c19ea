//! Sign-in, sign-out and the one-time setup of the first admin.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use concentric_core::authz::Actor;
use concentric_core::identity::PasswordPolicy;
use concentric_core::person::{check_password, NewPerson};
use serde::Deserialize;

use super::view::{form_errors, render, render_status, time_zones, FormErrors, Layout};
use crate::auth::csrf::anonymous_token;
use crate::auth::login::{sign_in, Client, LoginOutcome};
use crate::auth::secrets::hash_password;
use crate::auth::session::{clear_session_cookie, safe_next, start_session};
use crate::auth::{CsrfForm, CurrentViewer, Viewer};
use crate::error::WebError;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "login.html")]
pub(super) struct LoginPage {
    layout: Layout,
    email: String,
    next: String,
    error: Option<String>,
    setup_open: bool,
    /// "Sign in with …" buttons: each provider's label and address.
    sso: Vec<(String, String)>,
    /// Everyone may use a password (else only break-glass admins, behind a disclosure).
    passwords_for_everyone: bool,
}

impl LoginPage {
    pub(super) fn new(state: &AppState, csrf: String, next: String, error: Option<String>) -> Self {
        let sso = state
            .config
            .sso
            .iter()
            .map(|p| {
                let href = format!("/login/sso/{}?{}", p.name, super::view::query_string(&[("next", &next)]));
                (p.label.clone(), href)
            })
            .collect();
        Self {
            layout: Layout::anonymous("Sign in", csrf),
            email: String::new(),
            next,
            error,
            setup_open: false,
            sso,
            passwords_for_everyone: state.config.password_policy() == PasswordPolicy::Everyone,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

/// Adds the anonymous CSRF cookie to a response when the visitor had none.
pub(super) fn with_cookie(mut response: Response, cookie: Option<axum::http::HeaderValue>) -> Response {
    if let Some(c) = cookie {
        response.headers_mut().append(header::SET_COOKIE, c);
    }
    response
}

pub async fn login_page(
    State(state): State<AppState>,
    CurrentViewer(viewer): CurrentViewer,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Result<Response, WebError> {
    if viewer.is_some() {
        return Ok(Redirect::to(&safe_next(q.next.as_deref())).into_response());
    }
    let (csrf, cookie) = anonymous_token(&headers, state.config.secure_cookies());
    let mut page = LoginPage::new(&state, csrf, safe_next(q.next.as_deref()), None);
    page.setup_open = !state.store.admin_exists().await?;
    Ok(with_cookie(render(&page)?, cookie))
}

pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: Client,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<Response, WebError> {
    let next = safe_next(form.next.as_deref());
    let email = form.email.trim().to_lowercase();
    let (status, error, retry_after) = match sign_in(&state, &email, &form.password, &client, &headers).await? {
        LoginOutcome::SignedIn(cookies) => {
            let mut response = Redirect::to(&next).into_response();
            for cookie in cookies {
                response.headers_mut().append(header::SET_COOKIE, cookie);
            }
            return Ok(response);
        }
        LoginOutcome::BadCredentials => {
            (StatusCode::UNAUTHORIZED, "That email and password do not match an active account.".to_owned(), None)
        }
        LoginOutcome::PasswordsOff => (
            StatusCode::FORBIDDEN,
            "Passwords are turned off here: sign in with your company account instead.".to_owned(),
            None,
        ),
        LoginOutcome::Wait { seconds } => (
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "There were several failed sign-ins to this account, so each try waits a little. \
                 Try again in {seconds} second{}.",
                if seconds == 1 { "" } else { "s" }
            ),
            Some(seconds),
        ),
        LoginOutcome::Paused { minutes } => (
            StatusCode::TOO_MANY_REQUESTS,
            format!("Too many failed sign-ins from here. For your account's safety, sign-in is paused; try again in {minutes} minutes."),
            Some(i64::from(minutes) * 60),
        ),
    };
    let (csrf, cookie) = anonymous_token(&headers, state.config.secure_cookies());
    let mut page = LoginPage::new(&state, csrf, next, Some(error));
    page.email = email;
    let mut response = with_cookie(render_status(status, &page)?, cookie);
    if let Some(seconds) = retry_after {
        response.headers_mut().insert(header::RETRY_AFTER, seconds.into());
    }
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct LogoutForm {}

pub async fn logout(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(_): CsrfForm<LogoutForm>,
) -> Result<Response, WebError> {
    state.store.sign_out(&viewer.actor, &viewer.session_hash).await?;
    // Signed in through a provider: sign out there too, when it offers an end-session endpoint.
    let after = format!("{}/login", state.config.public_url);
    let target = match state.config.sso_provider(&viewer.session_method) {
        Some(p) => state.sso.end_session_url(p, &after).await.unwrap_or_else(|| "/login".into()),
        None => "/login".into(),
    };
    let mut response = Redirect::to(&target).into_response();
    response.headers_mut().append(header::SET_COOKIE, clear_session_cookie(&state));
    Ok(response)
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    layout: Layout,
    form: SetupForm,
    errors: FormErrors,
    zones: Vec<&'static str>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    time_zone: String,
}

fn setup_view(csrf: String, form: SetupForm, errors: FormErrors) -> SetupPage {
    SetupPage { layout: Layout::anonymous("Set up Concentric", csrf), form, errors, zones: time_zones().collect() }
}

/// Open only while no admin exists; afterwards it is gone for good.
pub async fn setup_page(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, WebError> {
    if state.store.admin_exists().await? {
        return Err(WebError::NotFound);
    }
    let (csrf, cookie) = anonymous_token(&headers, state.config.secure_cookies());
    let form = SetupForm { time_zone: "UTC".into(), ..Default::default() };
    Ok(with_cookie(render(&setup_view(csrf, form, FormErrors::default()))?, cookie))
}

pub async fn setup(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: Client,
    CsrfForm(form): CsrfForm<SetupForm>,
) -> Result<Response, WebError> {
    if state.store.admin_exists().await? {
        return Err(WebError::NotFound);
    }
    let (csrf, _) = anonymous_token(&headers, state.config.secure_cookies());
    let new = NewPerson {
        email: form.email.clone(),
        name: form.name.clone(),
        title: "Administrator".into(),
        manager_email: None,
        time_zone: form.time_zone.clone(),
        weekly_capacity_hours: 40.0,
        is_admin: true,
    };
    // Every problem at once: the password's and the person's.
    let problems: Vec<_> = [check_password(&form.password).err(), new.clone().validate().err()]
        .into_iter()
        .flatten()
        .flat_map(|inv| inv.0)
        .collect();
    if !problems.is_empty() {
        let errors = concentric_core::Invalid(problems).into();
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &setup_view(csrf, form, errors));
    }
    let system = Actor::system();
    let person = match state.store.create_person(&system, new).await {
        Ok(p) => p,
        Err(e) => return render_status(StatusCode::UNPROCESSABLE_ENTITY, &setup_view(csrf, form, form_errors(e)?)),
    };
    let hash = hash_password(form.password).await.map_err(|e| {
        tracing::error!(error = %e, "hashing failed");
        WebError::Internal
    })?;
    state.store.set_password_hash(&system, person.id, &hash, None).await?;
    let cookie = start_session(&state, person.id, "password", &client).await?;
    let mut response = Redirect::to("/?notice=welcome").into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}
