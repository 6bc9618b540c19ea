//! Admin tools: the CSV import form and the mail status.

use askama::Template;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use concentric_core::import::{ImportKind, ImportReport, RowError, PEOPLE_COLUMNS, TEAM_COLUMNS};
use concentric_store::{MailQueue, StoreError};

use super::view::{render, render_status, Layout};
use crate::auth::Viewer;
use crate::error::WebError;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    layout: Layout,
    report: Option<ImportReport>,
    rows: Vec<RowError>,
    error: Option<String>,
    people_columns: String,
    team_columns: String,
}

fn page(viewer: &Viewer) -> ImportPage {
    ImportPage {
        layout: Layout::new(viewer, "Import people and teams", "admin"),
        report: None,
        rows: Vec::new(),
        error: None,
        people_columns: PEOPLE_COLUMNS.join(","),
        team_columns: TEAM_COLUMNS.join(","),
    }
}

#[derive(Template)]
#[template(path = "mail_settings.html")]
struct MailPage {
    layout: Layout,
    configured: bool,
    server: String,
    from: String,
    reply_to: String,
    reply_example: String,
    queue: MailQueue,
}

/// Whether mail is set up (and if not, the settings to add), and how the queue is doing.
pub async fn mail_page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    viewer.actor.require_admin("see the mail settings").map_err(|f| WebError::Forbidden(f.0.to_owned()))?;
    let c = &state.config;
    let reply_example = match c.mail_reply_to.split_once('@') {
        Some((user, domain)) => format!("{user}+IT-42@{domain}"),
        None => String::new(),
    };
    let page = MailPage {
        layout: Layout::new(&viewer, "Mail", "admin"),
        configured: state.mailer.is_configured(),
        server: format!("{}:{} ({:?})", c.smtp_host, c.smtp_port, c.smtp_security).to_lowercase(),
        from: c.smtp_from.clone(),
        reply_to: c.mail_reply_to.clone(),
        reply_example,
        queue: state.store.mail_queue(concentric_core::time::Millis::now()).await?,
    };
    render(&page)
}

fn require_admin(viewer: &Viewer) -> Result<(), WebError> {
    viewer.actor.require_admin("import people or teams").map_err(|f| WebError::Forbidden(f.0.to_owned()))
}

pub async fn import_page(viewer: Viewer) -> Result<Response, WebError> {
    require_admin(&viewer)?;
    render(&page(&viewer))
}

/// A multipart upload: `csrf`, `kind` (auto, people, teams) and `file`.
pub async fn import_upload(State(state): State<AppState>, viewer: Viewer, req: Request) -> Result<Response, WebError> {
    require_admin(&viewer)?;
    let mut view = page(&viewer);
    let parts = match super::upload::read(req, &state).await {
        Ok(Ok(parts)) => parts,
        Ok(Err((status, message))) => {
            view.error = Some(message);
            return render_status(status, &view);
        }
        Err(refused) => return Ok(refused),
    };
    let kind = super::upload::text(&parts, "kind");
    let data = parts.get("file").map(|p| p.data.to_vec()).unwrap_or_default();
    if data.is_empty() {
        view.error = Some("Choose a CSV file to import.".into());
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &view);
    }
    let kind = match kind.as_str() {
        "people" => Ok(ImportKind::People),
        "teams" => Ok(ImportKind::Teams),
        _ => ImportKind::detect(&data),
    };
    let result = match kind {
        Ok(kind) => crate::import::run(&state.store, &viewer.actor, kind, &data).await,
        Err(row) => Err(StoreError::Import(vec![row])),
    };
    match result {
        Ok(report) => {
            view.report = Some(report);
            render(&view)
        }
        Err(StoreError::Import(rows)) => {
            view.error = Some(format!(
                "{} problem(s) found. Nothing was imported; fix the file and upload it again.",
                rows.len()
            ));
            view.rows = rows;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &view)
        }
        Err(e) => Err(e.into()),
    }
}
