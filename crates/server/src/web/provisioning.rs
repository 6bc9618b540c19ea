//! Admin → Provisioning: the SCIM clients allowed to keep the directory in step, each with its
//! own token (shown once).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use concentric_core::scim::ProvisioningClient;
use serde::Deserialize;

use super::view::{form_errors, render, render_status, FormErrors, Layout, NoticeQuery};
use crate::auth::{CsrfForm, Viewer};
use crate::error::WebError;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "provisioning.html")]
struct ProvisioningPage {
    layout: Layout,
    clients: Vec<ProvisioningClient>,
    /// A token just made: shown this once.
    new_token: Option<String>,
    errors: FormErrors,
    /// Where the provisioning client connects.
    endpoint: String,
}

async fn view(state: &AppState, viewer: &Viewer) -> Result<ProvisioningPage, WebError> {
    Ok(ProvisioningPage {
        layout: Layout::new(viewer, "Provisioning", "admin"),
        clients: state.store.scim_clients(&viewer.actor).await?,
        new_token: None,
        errors: FormErrors::default(),
        endpoint: crate::scim::endpoint(state),
    })
}

pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::extract::Query(notice): axum::extract::Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let mut page = view(&state, &viewer).await?;
    page.layout = page.layout.with_notice(&notice);
    render(&page)
}

#[derive(Debug, Deserialize)]
pub struct NewClient {
    #[serde(default)]
    name: String,
}

pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<NewClient>,
) -> Result<Response, WebError> {
    let (token, prefix) = crate::scim::new_token();
    let made =
        state.store.create_scim_client(&viewer.actor, &form.name, &crate::auth::secrets::digest(&token), &prefix).await;
    let mut page = view(&state, &viewer).await?;
    match made {
        Ok(_) => {
            page.new_token = Some(token);
            render(&page)
        }
        Err(e) => {
            page.errors = form_errors(e)?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    id: i64,
}

pub async fn revoke(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<RevokeForm>,
) -> Result<Response, WebError> {
    state.store.revoke_scim_client(&viewer.actor, form.id).await?;
    Ok(Redirect::to("/admin/provisioning?notice=revoked").into_response())
}
