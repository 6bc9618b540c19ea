//! Who does what, on the edge page: adding a row, agreeing one, removing one.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use concentric_core::relationship::Side;
use concentric_core::responsibility::NewResponsibility;
use serde::Deserialize;

use super::network::edge_page;
use super::view::{form_errors, render_status};
use crate::auth::{CsrfForm, Viewer};
use crate::error::WebError;
use crate::state::AppState;

/// The add form as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RoleForm {
    pub activity: String,
    pub side: String,
    pub responsible: String,
    pub consulted: String,
    pub when: String,
}

impl RoleForm {
    fn to_new(&self) -> NewResponsibility {
        NewResponsibility {
            activity: self.activity.clone(),
            side: Side::parse(&self.side),
            responsible: Some(self.responsible.clone()),
            consulted: self.consulted.clone(),
            when: self.when.clone(),
            commitment: None,
            service: None,
        }
    }
}

fn back(supplier: &str, customer: &str) -> Response {
    Redirect::to(&format!("/network/{supplier}/{customer}?notice=saved#roles")).into_response()
}

/// The relationship between two teams, by their keys.
pub(super) async fn relationship_of(state: &AppState, supplier: &str, customer: &str) -> Result<i64, WebError> {
    let (s, c) = (state.store.team_by_key(supplier).await?, state.store.team_by_key(customer).await?);
    let all = state.store.relationships(Some(s.id)).await?;
    all.into_iter().find(|r| r.supplier_id == s.id && r.customer_id == c.id).map(|r| r.id).ok_or(WebError::NotFound)
}

pub async fn add_role(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((supplier, customer)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<RoleForm>,
) -> Result<Response, WebError> {
    let id = relationship_of(&state, &supplier, &customer).await?;
    match state.store.save_responsibility(&viewer.actor, id, None, form.to_new(), state.time.now()).await {
        Ok(_) => Ok(back(&supplier, &customer)),
        Err(e) => {
            let errors = form_errors(e)?;
            let mut page = edge_page(&state, &viewer, &supplier, &customer).await?;
            page.role_form = form;
            page.role_errors = errors;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

fn role_id(id: &str) -> Result<i64, WebError> {
    id.parse().map_err(|_| WebError::NotFound)
}

pub async fn agree_role(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((supplier, customer, role)): Path<(String, String, String)>,
    CsrfForm(_): CsrfForm<std::collections::HashMap<String, String>>,
) -> Result<Response, WebError> {
    let id = relationship_of(&state, &supplier, &customer).await?;
    state.store.agree_responsibility(&viewer.actor, id, role_id(&role)?, state.time.now()).await?;
    Ok(back(&supplier, &customer))
}

pub async fn remove_role(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((supplier, customer, role)): Path<(String, String, String)>,
    CsrfForm(_): CsrfForm<std::collections::HashMap<String, String>>,
) -> Result<Response, WebError> {
    let id = relationship_of(&state, &supplier, &customer).await?;
    state.store.remove_responsibility(&viewer.actor, id, role_id(&role)?, state.time.now()).await?;
    Ok(back(&supplier, &customer))
}
