//! Setting a password through a single-use link (an invitation or a reset), and asking for a
//! reset link by mail. The answer to "forgot password" never says whether an account exists.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use concentric_core::authz::Actor;
use concentric_core::mail::LinkPurpose;
use concentric_core::person::check_password;
use concentric_core::time::Millis;
use concentric_core::FieldError;
use serde::Deserialize;

use super::auth::with_cookie;
use super::view::{render, render_status, FormErrors, Layout};
use crate::auth::csrf::anonymous_token;
use crate::auth::login::Client;
use crate::auth::secrets::{digest, hash_password};
use crate::auth::session::start_session;
use crate::auth::CsrfForm;
use crate::error::WebError;
use crate::mail::issue_link;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    layout: Layout,
    token: String,
    /// `None` when the link is unknown, used or expired.
    who: Option<(String, String)>,
    invitation: bool,
    errors: FormErrors,
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

async fn password_page(
    state: &AppState,
    csrf: String,
    token: String,
    errors: FormErrors,
) -> Result<PasswordPage, WebError> {
    let link = state.store.password_link(&digest(&token)).await?.filter(|l| l.usable(Millis::now()));
    let invitation = link.as_ref().is_some_and(|l| l.purpose() == LinkPurpose::Invitation);
    let title = if invitation { "Welcome: set your password" } else { "Set a new password" };
    Ok(PasswordPage {
        layout: Layout::anonymous(title, csrf),
        token,
        who: link.map(|l| (l.name, l.email)),
        invitation,
        errors,
    })
}

pub async fn set_password_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let (csrf, cookie) = anonymous_token(&headers, state.config.secure_cookies());
    let page = password_page(&state, csrf, token, FormErrors::default()).await?;
    let status = if page.who.is_some() { StatusCode::OK } else { StatusCode::GONE };
    Ok(with_cookie(render_status(status, &page)?, cookie))
}

pub async fn set_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: Client,
    Path(token): Path<String>,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Result<Response, WebError> {
    let (csrf, _) = anonymous_token(&headers, state.config.secure_cookies());
    let mut errors: Vec<FieldError> = check_password(&form.password).err().map(|e| e.0).unwrap_or_default();
    if form.password != form.confirm {
        errors.push(FieldError::new("confirm", "the two passwords differ"));
    }
    if !errors.is_empty() {
        let page = password_page(&state, csrf, token, concentric_core::Invalid(errors).into()).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let hash = hash_password(form.password).await.map_err(|e| {
        tracing::error!(error = %e, "hashing failed");
        WebError::Internal
    })?;
    match state.store.use_password_link(&digest(&token), &hash, Millis::now()).await? {
        Some(person) => {
            let cookie = start_session(&state, person, "password link", &client).await?;
            let mut response = Redirect::to("/?notice=password_set").into_response();
            response.headers_mut().append(header::SET_COOKIE, cookie);
            Ok(response)
        }
        None => render_status(StatusCode::GONE, &password_page(&state, csrf, token, FormErrors::default()).await?),
    }
}

#[derive(Template)]
#[template(path = "forgot.html")]
struct ForgotPage {
    layout: Layout,
    email: String,
    mail_on: bool,
    /// Set once the form was sent.
    sent: bool,
}

#[derive(Debug, Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

pub async fn forgot_page(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, WebError> {
    let (csrf, cookie) = anonymous_token(&headers, state.config.secure_cookies());
    let page = ForgotPage {
        layout: Layout::anonymous("Forgot your password?", csrf),
        email: String::new(),
        mail_on: state.mailer.is_configured(),
        sent: false,
    };
    Ok(with_cookie(render(&page)?, cookie))
}

/// Mails a reset link when the address belongs to an active account; answers the same either way.
pub async fn forgot(
    State(state): State<AppState>,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<ForgotForm>,
) -> Result<Response, WebError> {
    let (csrf, _) = anonymous_token(&headers, state.config.secure_cookies());
    let mail_on = state.mailer.is_configured();
    if mail_on {
        if let Some(person) = state.store.active_person_by_email(&form.email).await? {
            issue_link(&state, &Actor::system(), person, LinkPurpose::Reset, true).await?;
        }
    }
    let page = ForgotPage {
        layout: Layout::anonymous("Forgot your password?", csrf),
        email: form.email.trim().to_owned(),
        mail_on,
        sent: true,
    };
    render(&page)
}
