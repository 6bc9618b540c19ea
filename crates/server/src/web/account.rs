//! The signed-in person's account: password, sessions, personal API tokens, feeds and mail.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;

use concentric_core::commitment::CalendarFeed;
use concentric_core::notification::{MailDelivery, MailPreference, NoticeKind};
use concentric_core::page::PageRequest;
use concentric_core::person::check_password;
use concentric_core::session::ActiveSession;
use concentric_core::token::ApiToken;
use concentric_core::TokenId;
use serde::Deserialize;

use super::view::{form_errors, render, render_status, FormErrors, Layout, NoticeQuery};
use crate::auth::secrets::{digest, hash_password, new_api_token, verify_password};
use crate::auth::{CsrfForm, Viewer};
use crate::error::WebError;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    tokens: Vec<ApiToken>,
    /// A token just created: shown this once.
    new_secret: Option<String>,
    feeds: Vec<CalendarFeed>,
    /// A feed just made: its address, shown this once.
    new_feed: Option<String>,
    password_errors: FormErrors,
    token_errors: FormErrors,
    /// Where the person is signed in.
    sessions: Vec<ActiveSession>,
    /// Every kind of notice with how it comes by mail.
    mail: Vec<MailPreference>,
    mail_on: bool,
}

impl AccountPage {
    /// Whether the mail choice at `i` starts a new group.
    fn new_area(&self, i: usize) -> bool {
        i == 0 || self.mail.get(i - 1).map(|p| p.kind.area()) != self.mail.get(i).map(|p| p.kind.area())
    }
}

async fn account_view(state: &AppState, viewer: &Viewer) -> Result<AccountPage, WebError> {
    Ok(AccountPage {
        layout: Layout::new(viewer, "Your account", "account"),
        tokens: state.store.list_tokens(&viewer.actor, PageRequest::first(200)).await?.items,
        new_secret: None,
        feeds: state.store.feeds(&viewer.actor).await?,
        new_feed: None,
        sessions: state.store.sessions_of(&viewer.actor, Some(&viewer.session_handle)).await?,
        password_errors: FormErrors::default(),
        token_errors: FormErrors::default(),
        mail: match viewer.actor.person_id {
            Some(me) => state.store.mail_preferences(&viewer.actor, me).await?,
            None => Vec::new(),
        },
        mail_on: state.mailer.is_configured(),
    })
}

/// The choices offered for each kind, in the order shown.
pub const DELIVERIES: &[MailDelivery] = &MailDelivery::ALL;

/// Saves the viewer's mail choices: one field per kind of notice, named by the kind.
pub async fn save_mail_preferences(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let chosen: Vec<MailPreference> = form
        .iter()
        .filter_map(|(k, v)| Some(MailPreference { kind: NoticeKind::parse(k)?, delivery: MailDelivery::parse(v)? }))
        .collect();
    if let Some(me) = viewer.actor.person_id {
        state.store.set_mail_preferences(&viewer.actor, me, &chosen).await?;
    }
    Ok(Redirect::to("/account?notice=mail_saved#mail").into_response())
}

pub async fn account_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(notice): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let mut page = account_view(&state, &viewer).await?;
    page.layout = page.layout.with_notice(&notice);
    render(&page)
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Result<Response, WebError> {
    let current_ok = match state.store.credentials(&viewer.person.email).await? {
        Some((_, hash)) => verify_password(form.current, hash).await,
        None => false,
    };
    let problem = if !current_ok {
        Some(FormErrors::one("current", "that is not your current password"))
    } else if form.new != form.confirm {
        Some(FormErrors::one("confirm", "the two new passwords differ"))
    } else {
        check_password(&form.new).err().map(|inv| {
            let message = inv.0.into_iter().next().map(|e| e.message).unwrap_or_default();
            FormErrors::one("new", message)
        })
    };
    if let Some(errors) = problem {
        let mut page = account_view(&state, &viewer).await?;
        page.password_errors = errors;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let hash = hash_password(form.new).await.map_err(|e| {
        tracing::error!(error = %e, "hashing failed");
        WebError::Internal
    })?;
    state.store.set_password_hash(&viewer.actor, viewer.person.id, &hash, Some(&viewer.session_hash)).await?;
    Ok(Redirect::to("/account?notice=password").into_response())
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    name: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<TokenForm>,
) -> Result<Response, WebError> {
    let (secret, prefix) = new_api_token();
    let created = state.store.create_token(&viewer.actor, &form.name, &digest(&secret), &prefix).await;
    let mut page = account_view(&state, &viewer).await?;
    match created {
        Ok(_) => {
            page.new_secret = Some(secret);
            render(&page)
        }
        Err(e) => {
            page.token_errors = form_errors(e)?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    id: i64,
}

pub async fn revoke_token(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<RevokeForm>,
) -> Result<Response, WebError> {
    state.store.revoke_token(&viewer.actor, TokenId(form.id)).await?;
    Ok(Redirect::to("/account?notice=revoked").into_response())
}

/// Makes the signed-in person's own calendar feed and shows its address once.
pub async fn create_feed(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, WebError> {
    let feed = crate::queries::make_feed(&state, &viewer.actor, None).await?;
    let mut page = account_view(&state, &viewer).await?;
    page.new_feed = Some(feed.url);
    render(&page)
}

#[derive(Debug, Default, Deserialize)]
pub struct EmptyForm {}

pub async fn revoke_feed(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<RevokeForm>,
) -> Result<Response, WebError> {
    state.store.revoke_feed(&viewer.actor, form.id).await?;
    Ok(Redirect::to("/account?notice=revoked#feeds").into_response())
}

#[derive(Debug, Deserialize)]
pub struct SessionForm {
    handle: String,
}

/// Ends one of the person's sessions; ending the current one signs them out here.
pub async fn end_session(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<SessionForm>,
) -> Result<Response, WebError> {
    state.store.end_session(&viewer.actor, &form.handle).await?;
    if form.handle == viewer.session_handle {
        return Ok(signed_out(&state));
    }
    Ok(Redirect::to("/account?notice=session_ended#sessions").into_response())
}

/// Ends every session of the person, this one included.
pub async fn end_all_sessions(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, WebError> {
    state.store.end_all_sessions(&viewer.actor).await?;
    Ok(signed_out(&state))
}

fn signed_out(state: &AppState) -> Response {
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().append(axum::http::header::SET_COOKIE, crate::auth::session::clear_session_cookie(state));
    response
}
