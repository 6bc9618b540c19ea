//! Webhook pages: a team's (for its leads) and the organisation's (for admins), each webhook
//! with its secret and delivery log, and the buttons to ping, redeliver and rotate.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use concentric_core::page::{Page, PageRequest};
use concentric_core::team::Team;
use concentric_core::webhook::{Webhook, WebhookDelivery, WebhookEventKind, WebhookFormat, WebhookInput};
use serde::Deserialize;

use super::account::EmptyForm;
use super::view::{form_errors, render, render_status, FormErrors, Layout, NoticeQuery, Pager};
use crate::auth::secrets::webhook_secret;
use crate::auth::{CsrfForm, Viewer};
use crate::error::{PagePath, WebError};
use crate::state::AppState;

/// The add and edit form, as typed.
#[derive(Debug, Clone)]
struct WebhookForm {
    name: String,
    url: String,
    format: WebhookFormat,
    events: Vec<WebhookEventKind>,
    active: bool,
}

impl Default for WebhookForm {
    fn default() -> Self {
        Self {
            name: String::new(),
            url: String::new(),
            format: WebhookFormat::Json,
            events: vec![WebhookEventKind::RequestCreated, WebhookEventKind::RequestBreached],
            active: true,
        }
    }
}

impl WebhookForm {
    /// Read from the posted pairs: `events` comes once per ticked box.
    fn from_pairs(pairs: &[(String, String)]) -> Self {
        let value = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
        Self {
            name: value("name"),
            url: value("url"),
            format: WebhookFormat::parse(&value("format")).unwrap_or_default(),
            events: pairs
                .iter()
                .filter(|(k, _)| k == "events")
                .filter_map(|(_, v)| WebhookEventKind::parse(v))
                .collect(),
            active: pairs.iter().any(|(k, v)| k == "active" && v == "on"),
        }
    }

    fn of(hook: &Webhook) -> Self {
        Self {
            name: hook.name.clone(),
            url: hook.url.clone(),
            format: hook.format,
            events: hook.events.clone(),
            active: hook.active,
        }
    }

    fn input(&self) -> WebhookInput {
        WebhookInput {
            name: self.name.clone(),
            url: self.url.clone(),
            format: self.format,
            events: self.events.clone(),
            active: self.active,
        }
    }

    fn hears(&self, kind: &WebhookEventKind) -> bool {
        self.events.contains(kind)
    }

    fn is_slack(&self) -> bool {
        self.format == WebhookFormat::Slack
    }
}

#[derive(Template)]
#[template(path = "webhooks.html")]
struct WebhooksPage {
    layout: Layout,
    /// `None`: the organisation's webhooks.
    team: Option<Team>,
    action: String,
    hooks: Vec<Webhook>,
    kinds: Vec<WebhookEventKind>,
    form: WebhookForm,
    errors: FormErrors,
}

impl WebhooksPage {
    fn when(&self, hook: &Webhook) -> String {
        hook.last_delivery_at.map(|t| self.layout.when(&t)).unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "webhook.html")]
struct WebhookPage {
    layout: Layout,
    hook: Webhook,
    back: String,
    kinds: Vec<WebhookEventKind>,
    form: WebhookForm,
    errors: FormErrors,
    deliveries: Page<WebhookDelivery>,
    pager: Pager,
}

impl WebhookPage {
    fn when(&self, d: &WebhookDelivery) -> String {
        self.layout.when(&d.created_at)
    }
}

fn list_page(viewer: &Viewer, team: Option<Team>, hooks: Vec<Webhook>) -> WebhooksPage {
    let (title, action) = match &team {
        Some(t) => (format!("{} webhooks", t.name), format!("/teams/{}/webhooks", t.key)),
        None => (String::from("Webhooks"), String::from("/admin/webhooks")),
    };
    WebhooksPage {
        layout: Layout::new(viewer, title, if team.is_some() { "teams" } else { "admin" }),
        team,
        action,
        hooks,
        kinds: WebhookEventKind::ALL.to_vec(),
        form: WebhookForm::default(),
        errors: FormErrors::default(),
    }
}

async fn scope(state: &AppState, key: Option<&str>) -> Result<Option<Team>, WebError> {
    match key {
        Some(key) => Ok(Some(state.store.team_by_key(key).await?)),
        None => Ok(None),
    }
}

async fn show_list(
    state: &AppState,
    viewer: &Viewer,
    key: Option<&str>,
    notice: &NoticeQuery,
) -> Result<Response, WebError> {
    let team = scope(state, key).await?;
    let hooks = state.store.webhooks(&viewer.actor, team.as_ref().map(|t| t.id)).await?;
    let mut page = list_page(viewer, team, hooks);
    page.layout = page.layout.with_notice(notice);
    render(&page)
}

async fn add(
    state: &AppState,
    viewer: &Viewer,
    key: Option<&str>,
    pairs: &[(String, String)],
) -> Result<Response, WebError> {
    let team = scope(state, key).await?;
    let form = WebhookForm::from_pairs(pairs);
    let team_id = team.as_ref().map(|t| t.id);
    match state.store.create_webhook(&viewer.actor, team_id, form.input(), &webhook_secret()).await {
        Ok(hook) => Ok(Redirect::to(&format!("/webhooks/{}?notice=webhook_created", hook.id)).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            let hooks = state.store.webhooks(&viewer.actor, team_id).await?;
            let page = WebhooksPage { form, errors, ..list_page(viewer, team, hooks) };
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

/// The organisation's webhooks, which hear every team (admins).
pub async fn organisation_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(notice): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    show_list(&state, &viewer, None, &notice).await
}

pub async fn add_organisation_webhook(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    add(&state, &viewer, None, &pairs).await
}

/// A team's webhooks (its leads and admins).
pub async fn team_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    Query(notice): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    show_list(&state, &viewer, Some(&key), &notice).await
}

pub async fn add_team_webhook(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    add(&state, &viewer, Some(&key), &pairs).await
}

#[derive(Debug, Deserialize)]
pub struct WebhookQuery {
    notice: Option<String>,
    #[serde(default)]
    offset: Option<u64>,
}

async fn detail(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    offset: Option<u64>,
    form: Option<WebhookForm>,
    errors: FormErrors,
) -> Result<WebhookPage, WebError> {
    let hook = state.store.webhook(&viewer.actor, id).await?;
    let page = PageRequest { limit: Some(25), offset };
    let deliveries = state.store.webhook_deliveries(&viewer.actor, id, page).await?;
    let back = match &hook.team_key {
        Some(key) => format!("/teams/{key}/webhooks"),
        None => String::from("/admin/webhooks"),
    };
    Ok(WebhookPage {
        layout: Layout::new(viewer, hook.name.clone(), if hook.team_key.is_some() { "teams" } else { "admin" }),
        pager: Pager::new(&deliveries, &format!("/webhooks/{id}")),
        form: form.unwrap_or_else(|| WebhookForm::of(&hook)),
        kinds: WebhookEventKind::ALL.to_vec(),
        back,
        hook,
        errors,
        deliveries,
    })
}

/// One webhook: its secret, its settings, and its delivery log.
pub async fn webhook_page(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    Query(q): Query<WebhookQuery>,
) -> Result<Response, WebError> {
    let mut page = detail(&state, &viewer, id, q.offset, None, FormErrors::default()).await?;
    page.layout = page.layout.with_notice(&NoticeQuery { notice: q.notice });
    render(&page)
}

pub async fn update_webhook(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let form = WebhookForm::from_pairs(&pairs);
    match state.store.update_webhook(&viewer.actor, id, form.input()).await {
        Ok(_) => Ok(Redirect::to(&format!("/webhooks/{id}?notice=saved")).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &detail(&state, &viewer, id, None, Some(form), errors).await?,
            )
        }
    }
}

pub async fn ping(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, WebError> {
    state.store.ping_webhook(&viewer.actor, id).await?;
    Ok(Redirect::to(&format!("/webhooks/{id}?notice=webhook_queued")).into_response())
}

pub async fn rotate_secret(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, WebError> {
    state.store.set_webhook_secret(&viewer.actor, id, &webhook_secret()).await?;
    Ok(Redirect::to(&format!("/webhooks/{id}?notice=webhook_secret")).into_response())
}

pub async fn delete_webhook(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, WebError> {
    let hook = state.store.delete_webhook(&viewer.actor, id).await?;
    let back = match hook.team_key {
        Some(key) => format!("/teams/{key}/webhooks?notice=webhook_deleted"),
        None => String::from("/admin/webhooks?notice=webhook_deleted"),
    };
    Ok(Redirect::to(&back).into_response())
}

pub async fn redeliver(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath((id, delivery)): PagePath<(i64, i64)>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, WebError> {
    state.store.redeliver(&viewer.actor, id, delivery).await?;
    Ok(Redirect::to(&format!("/webhooks/{id}?notice=webhook_queued")).into_response())
}
