//! Admin tools: the CSV import form and the mail status.

use askama::Template;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use concentric_core::import::{ImportKind, ImportReport, RowError, PEOPLE_COLUMNS, TEAM_COLUMNS, TIME_OFF_COLUMNS};
use concentric_core::page::PageRequest;
use concentric_core::service::Service;
use concentric_store::{InboundMessage, MailQueue, MailRoute, StoreError};

use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

use super::view::{form_errors, render, render_status, FormErrors, Layout, NoticeQuery};
use crate::auth::{CsrfForm, Viewer};
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
    time_off_columns: String,
    /// Mail is set up, so new people can be invited.
    mail: bool,
}

fn page(viewer: &Viewer) -> ImportPage {
    ImportPage {
        layout: Layout::new(viewer, "Import people and teams", "admin"),
        report: None,
        rows: Vec::new(),
        error: None,
        people_columns: PEOPLE_COLUMNS.join(","),
        team_columns: TEAM_COLUMNS.join(","),
        time_off_columns: TIME_OFF_COLUMNS.join(","),
        mail: false,
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
    mailboxes: Vec<String>,
    routes: Vec<MailRoute>,
    services: Vec<Service>,
    unknown_senders: String,
    outsider_replies: String,
    received: Vec<InboundMessage>,
    form: RouteForm,
    errors: FormErrors,
}

impl MailPage {
    fn received_at(&self, m: &InboundMessage) -> String {
        self.layout.when(&concentric_core::time::Millis(m.received_at).to_utc())
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct RouteForm {
    #[serde(default)]
    address: String,
    #[serde(default)]
    service: String,
}

#[derive(Debug, Deserialize)]
pub struct RemoveRouteForm {
    id: i64,
}

#[derive(Debug, Deserialize)]
pub struct StrangersForm {
    #[serde(default)]
    unknown_senders: String,
    #[serde(default)]
    outsider_replies: String,
}

fn require_mail_admin(viewer: &Viewer) -> Result<(), WebError> {
    viewer.actor.require_admin("see the mail settings").map_err(|f| WebError::Forbidden(f.0.to_owned()))
}

/// Whether mail is set up (and if not, the settings to add), how the queue is doing, which
/// addresses file requests with which service, and what arrived lately.
pub async fn mail_page(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::extract::Query(notice): axum::extract::Query<NoticeQuery>,
) -> Result<Response, WebError> {
    require_mail_admin(&viewer)?;
    let mut page = mail_view(&state, &viewer, RouteForm::default(), FormErrors::default()).await?;
    page.layout = page.layout.with_notice(&notice);
    render(&page)
}

/// Routes an address to a service; the form comes back with its errors when refused.
pub async fn add_route(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<RouteForm>,
) -> Result<Response, WebError> {
    require_mail_admin(&viewer)?;
    let mut errors = FormErrors::default();
    let service = match form.service.split_once('/') {
        Some((team, slug)) => state.store.service_by_slug(team, slug).await.ok(),
        None => None,
    };
    if service.is_none() {
        errors.0.insert("service".into(), "choose the service these mails file requests with".into());
    }
    if let Some(service) = service {
        match state.store.add_mail_route(&viewer.actor, &form.address, service.id).await {
            Ok(_) => return Ok(Redirect::to("/admin/mail?notice=saved").into_response()),
            Err(e) => errors = form_errors(e)?,
        }
    } else if !form.address.contains('@') {
        errors.0.insert("address".into(), "give a mail address such as it-help@example.com".into());
    }
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &mail_view(&state, &viewer, form, errors).await?)
}

pub async fn remove_route(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<RemoveRouteForm>,
) -> Result<Response, WebError> {
    state.store.remove_mail_route(&viewer.actor, form.id).await?;
    Ok(Redirect::to("/admin/mail?notice=saved").into_response())
}

pub async fn save_strangers(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<StrangersForm>,
) -> Result<Response, WebError> {
    match state.store.set_mail_intake(&viewer.actor, &form.unknown_senders, &form.outsider_replies).await {
        Ok(()) => Ok(Redirect::to("/admin/mail?notice=saved").into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &mail_view(&state, &viewer, RouteForm::default(), errors).await?,
            )
        }
    }
}

/// A received message exactly as it arrived, for an admin to look at.
pub async fn raw_message(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Response, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let raw = state.store.inbound_raw(&viewer.actor, id).await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"message-{id}.eml\"")),
        ],
        raw,
    )
        .into_response())
}

async fn mail_view(
    state: &AppState,
    viewer: &Viewer,
    form: RouteForm,
    errors: FormErrors,
) -> Result<MailPage, WebError> {
    let c = &state.config;
    let reply_example = match c.mail_reply_to.split_once('@') {
        Some((user, domain)) => format!("{user}+IT-42@{domain}"),
        None => String::new(),
    };
    let services = state.store.list_services(&Default::default(), PageRequest::first(200)).await?.items;
    Ok(MailPage {
        layout: Layout::new(viewer, "Mail", "admin"),
        configured: state.mailer.is_configured(),
        server: format!("{}:{} ({:?})", c.smtp_host, c.smtp_port, c.smtp_security).to_lowercase(),
        from: c.smtp_from.clone(),
        reply_to: c.mail_reply_to.clone(),
        reply_example,
        queue: state.store.mail_queue(concentric_core::time::Millis::now()).await?,
        mailboxes: crate::imap::Mailbox::parse_all(&c.imap_mailboxes)
            .unwrap_or_default()
            .iter()
            .map(crate::imap::Mailbox::name)
            .collect(),
        routes: state.store.mail_routes().await?,
        services,
        unknown_senders: state.store.unknown_sender_policy().await?,
        outsider_replies: state.store.outsider_reply_policy().await?,
        received: state.store.recent_inbound(30).await?,
        form,
        errors,
    })
}

fn require_admin(viewer: &Viewer) -> Result<(), WebError> {
    viewer.actor.require_admin("import people, teams or time off").map_err(|f| WebError::Forbidden(f.0.to_owned()))
}

pub async fn import_page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    require_admin(&viewer)?;
    let mut view = page(&viewer);
    view.mail = state.mailer.is_configured();
    render(&view)
}

/// A multipart upload: `csrf`, `kind` (auto, people, teams, time_off) and `file`.
pub async fn import_upload(State(state): State<AppState>, viewer: Viewer, req: Request) -> Result<Response, WebError> {
    require_admin(&viewer)?;
    let mut view = page(&viewer);
    view.mail = state.mailer.is_configured();
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
        "time_off" => Ok(ImportKind::TimeOff),
        _ => ImportKind::detect(&data),
    };
    let result = match kind {
        Ok(kind) => {
            let invite = super::upload::text(&parts, "invite") == "on";
            crate::import::run(&state, &viewer.actor, kind, &data, invite).await
        }
        Err(row) => Err(StoreError::Import(vec![row])),
    };
    match result {
        Ok(report) => {
            view.report = Some(report);
            render(&view)
        }
        Err(StoreError::Import(rows)) => {
            view.error = Some(format!(
                "{} found. Nothing was imported; fix the file and upload it again.",
                concentric_core::text::count(rows.len(), "problem", "problems")
            ));
            view.rows = rows;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &view)
        }
        Err(StoreError::Invalid(inv)) => {
            view.error = inv.0.first().map(|e| format!("Nothing was imported: {}.", e.message));
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &view)
        }
        Err(e) => Err(e.into()),
    }
}
