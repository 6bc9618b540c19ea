//! The audit log for admins (search, CSV), and the record of every CSV download in it.

use askama::Template;
use axum::extract::{Query, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use concentric_core::audit::{self, AuditQuery};
use concentric_core::event::Event;
use concentric_core::page::PageRequest;
use serde::Deserialize;
use serde_json::json;

use super::view::{every_page, query_string, render, render_status, FormErrors, Layout, Pager};
use crate::auth::{CurrentViewer, Viewer};
use crate::error::WebError;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    entries: Vec<Event>,
    filter: AuditFilter,
    errors: FormErrors,
    pager: Pager,
    csv: String,
    retention_days: u32,
}

impl AuditPage {
    fn kinds(&self) -> &'static [(&'static str, &'static str)] {
        audit::ENTITIES
    }

    fn what(&self, e: &Event) -> String {
        audit::describe(e)
    }

    fn label(&self, entity: &str) -> String {
        audit::entity_label(entity).to_owned()
    }

    /// This page's address, filtered to one person's actions.
    fn by_actor(&self, id: &concentric_core::PersonId) -> String {
        format!("/admin/audit?{}", query_string(&[("actor", &id.0.to_string())]))
    }
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct AuditFilter {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    entity: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default, deserialize_with = "concentric_core::page::offset")]
    offset: Option<u64>,
}

impl AuditFilter {
    fn query(&self, viewer: &Viewer) -> Result<AuditQuery, concentric_core::Invalid> {
        let zone = viewer.person.time_zone.parse().unwrap_or(chrono_tz::UTC);
        AuditQuery::parse(
            Some(&self.actor),
            Some(&self.entity),
            Some(&self.action),
            Some(&self.q),
            Some(&self.from),
            Some(&self.to),
            zone,
        )
    }

    fn query_string(&self) -> String {
        query_string(&[
            ("actor", &self.actor),
            ("entity", &self.entity),
            ("action", &self.action),
            ("q", &self.q),
            ("from", &self.from),
            ("to", &self.to),
        ])
    }
}

pub async fn audit_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(filter): Query<AuditFilter>,
) -> Result<Response, WebError> {
    let base = format!("/admin/audit?{}", filter.query_string());
    let (query, errors) = match filter.query(&viewer) {
        Ok(q) => (q, FormErrors::default()),
        Err(inv) => (AuditQuery::default(), inv.into()),
    };
    let page = state.store.audit(&viewer.actor, &query, PageRequest { limit: Some(50), offset: filter.offset }).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let view = AuditPage {
        layout: Layout::new(&viewer, "Audit log", "admin"),
        pager: Pager::new(&page, &base),
        csv: base.replacen("/admin/audit?", "/admin/audit.csv?", 1),
        entries: page.items,
        filter,
        errors,
        retention_days: state.config.audit_retention_days,
    };
    if status == StatusCode::OK {
        render(&view)
    } else {
        render_status(status, &view)
    }
}

/// The log as CSV, with the page's filters (up to 100,000 rows).
pub async fn audit_csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(filter): Query<AuditFilter>,
) -> Result<Response, WebError> {
    let query = match filter.query(&viewer) {
        Ok(q) => q,
        Err(inv) => return super::view::refused("The audit log cannot be exported", inv.into()),
    };
    let entries = every_page(100_000, |page| state.store.audit(&viewer.actor, &query, page)).await?;
    let header = ["at", "actor", "address", "kind", "subject", "action", "what", "detail"];
    let rows = entries.iter().map(|e| {
        vec![
            e.at.to_rfc3339(),
            e.actor_name.clone().unwrap_or_default(),
            e.address.clone().unwrap_or_default(),
            e.entity.clone(),
            e.subject.clone().unwrap_or_default(),
            e.action.clone(),
            audit::describe(e),
            e.detail.to_string(),
        ]
    });
    Ok(crate::download::csv_response("audit.csv", concentric_core::export::csv(&header, rows)))
}

/// Puts every CSV download a signed-in person makes into the audit log: which file, from which
/// page with which filters. A layer rather than a line in each export, so no export is missed.
pub async fn record_exports(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let viewer = req.extensions().get::<CurrentViewer>().and_then(|v| v.0.clone());
    let page = req.uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default();
    let response = next.run(req).await;
    let is_csv = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/csv"));
    if let (Some(viewer), true, true) = (viewer, is_csv, response.status().is_success()) {
        let file = page.split(['?', '#']).next().and_then(|p| p.rsplit('/').next()).unwrap_or_default().to_owned();
        let detail = json!({ "file": file, "page": page });
        let id = viewer.actor.person_id.map_or(0, |p| p.0);
        if let Err(e) = state.store.record_audit(&viewer.actor, "export", id, "downloaded", detail).await {
            // The download must not go out unrecorded.
            tracing::error!(error = %e, "could not record an export");
            return WebError::from(e).into_response();
        }
    }
    response
}
