//! Request pages: one request with its conversation and the agent's controls, the requester's
//! lists, a team's queue, and notifications.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use concentric_core::event::Event;
use concentric_core::notification::Notification;
use concentric_core::page::PageRequest;
use concentric_core::rating::Direction;
use concentric_core::request::{Comment, CommentKind, Priority, Request, RequestQuery, Status};
use concentric_core::team::{Membership, Team};
use concentric_core::PersonId;
use concentric_store::StoreError;
use serde::Deserialize;

use super::ratings::RatingCard;
use super::view::{
    error_page, every_page, form_errors, query_string, render, render_status, FormErrors, Layout, NoticeQuery, Pager,
};
use crate::auth::{CsrfForm, Viewer};
use crate::error::WebError;
use crate::markdown::to_safe_html;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "request.html")]
pub(super) struct RequestPage {
    layout: Layout,
    req: Request,
    description_html: String,
    answers: Vec<(String, String)>,
    comments: Vec<(Comment, String)>,
    attachments: Vec<concentric_core::attachment::Attachment>,
    max_upload_mb: u32,
    watchers: Vec<String>,
    events: Vec<Event>,
    agent: bool,
    next_statuses: Vec<Status>,
    members: Vec<Membership>,
    priorities: [Priority; 4],
    comment_error: Option<String>,
    body: String,
    rating: RatingCard,
    /// The estimate and logged time, for the team.
    effort: Option<concentric_core::capacity::Effort>,
}

impl RequestPage {
    fn is_assignee(&self, m: &Membership) -> bool {
        self.req.assignee_id == Some(m.person_id)
    }
}

async fn request_view(state: &AppState, viewer: &Viewer, key: &str) -> Result<RequestPage, WebError> {
    request_view_with(state, viewer, key, RatingCard::load(state, viewer, key).await?).await
}

/// The request page with a given rating card (one whose form was refused keeps its input).
pub(super) async fn request_view_with(
    state: &AppState,
    viewer: &Viewer,
    key: &str,
    rating: RatingCard,
) -> Result<RequestPage, WebError> {
    let store = &state.store;
    let detail = store.request_detail(&viewer.actor, key).await?;
    let (req, access, form) = (detail.request, detail.access, detail.form);
    let comments = detail.comments.into_iter().map(|c| {
        let html = to_safe_html(&c.body);
        (c, html)
    });
    Ok(RequestPage {
        layout: Layout::new(viewer, format!("{} {}", req.key, req.subject), "requests"),
        description_html: to_safe_html(&req.description),
        answers: form.describe(&req.fields),
        comments: comments.collect(),
        watchers: detail.watchers,
        attachments: detail.attachments,
        max_upload_mb: state.config.max_upload_mb,
        events: store.events_for("request", req.id.0, PageRequest::first(30)).await?.items,
        agent: access.agent,
        next_statuses: req.status.next().to_vec(),
        members: if access.agent { store.team_members(req.team_id).await? } else { Vec::new() },
        effort: if access.agent { Some(store.effort(&viewer.actor, key).await?) } else { None },
        priorities: Priority::ALL,
        comment_error: None,
        body: String::new(),
        rating,
        req,
    })
}

pub async fn request_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    Query(q): Query<RequestPageQuery>,
) -> Result<Response, WebError> {
    let mut page = request_view(&state, &viewer, &key).await?;
    page.layout = page.layout.with_notice(&NoticeQuery { notice: q.notice });
    if let Some(answer) = q.rate.as_deref() {
        page.rating.preselect(answer);
    }
    render(&page)
}

#[derive(Debug, Deserialize)]
pub struct RequestPageQuery {
    notice: Option<String>,
    /// `good`, `okay` or `poor`: an answer chosen in the rating mail, marked on the form.
    rate: Option<String>,
}

/// Why a change to a request was refused, in words; other failures stay errors.
fn refusal_message(e: StoreError) -> Result<String, WebError> {
    match e {
        StoreError::IllegalTransition(t) => Ok(t.to_string()),
        other => Ok(form_errors(other)?.0.into_values().next().unwrap_or_default()),
    }
}

/// A refused change to a request is shown on the request page, with the reason.
async fn show_refusal(state: &AppState, viewer: &Viewer, key: &str, e: StoreError) -> Result<Response, WebError> {
    show_message(state, viewer, key, refusal_message(e)?).await
}

fn back(key: &str, notice: &str) -> Response {
    Redirect::to(&format!("/requests/{key}?notice={notice}")).into_response()
}

#[derive(Debug, Deserialize)]
pub struct CommentForm {
    body: String,
    kind: Option<String>,
}

pub async fn add_comment(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm<CommentForm>,
) -> Result<Response, WebError> {
    let kind = form.kind.as_deref().and_then(CommentKind::parse).unwrap_or(CommentKind::Reply);
    match state.store.add_comment(&viewer.actor, &key, kind, &form.body, state.config.reopen_window_ms()).await {
        Ok(_) => Ok(back(&key, if kind == CommentKind::Note { "noted" } else { "replied" })),
        Err(e) => {
            let mut page = request_view(&state, &viewer, &key).await?;
            page.comment_error = Some(refusal_message(e)?);
            page.body = form.body;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct StatusForm {
    status: String,
}

pub async fn change_status(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm<StatusForm>,
) -> Result<Response, WebError> {
    let Some(to) = Status::parse(&form.status) else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "Unknown status", "Choose one of the statuses offered."));
    };
    match state.store.change_status(&viewer.actor, &key, to).await {
        Ok(_) => Ok(back(&key, "saved")),
        Err(e @ (StoreError::IllegalTransition(_) | StoreError::Invalid(_))) => {
            show_refusal(&state, &viewer, &key, e).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct AssignForm {
    assignee: String,
}

pub async fn assign(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm<AssignForm>,
) -> Result<Response, WebError> {
    let assignee = match form.assignee.as_str() {
        "" => None,
        "me" => Some(viewer.person.id),
        id => Some(PersonId(id.parse().map_err(|_| WebError::NotFound)?)),
    };
    match state.store.assign(&viewer.actor, &key, assignee).await {
        Ok(_) => Ok(back(&key, "saved")),
        Err(e @ StoreError::Invalid(_)) => show_refusal(&state, &viewer, &key, e).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct PriorityForm {
    priority: String,
}

pub async fn set_priority(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm<PriorityForm>,
) -> Result<Response, WebError> {
    let priority = Priority::parse(&form.priority).ok_or(WebError::NotFound)?;
    state.store.set_priority(&viewer.actor, &key, priority).await?;
    Ok(back(&key, "saved"))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EffortForm {
    estimate_hours: String,
    log_hours: String,
}

/// The team's estimate (empty: unchanged; `default`: the service's) and time spent now.
pub async fn set_effort(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm<EffortForm>,
) -> Result<Response, WebError> {
    let estimate = match form.estimate_hours.trim() {
        "" => Ok(None),
        d if d.eq_ignore_ascii_case("default") => Ok(Some(-1.0)),
        h => h.parse::<f64>().map(Some).map_err(|_| format!("The estimate `{h}` is not a number of hours.")),
    };
    let log = match form.log_hours.trim() {
        "" => Ok(0.0),
        h => h.parse::<f64>().map_err(|_| format!("The time spent `{h}` is not a number of hours.")),
    };
    let (estimate, log) = match (estimate, log) {
        (Ok(e), Ok(l)) => (e, l),
        (e, l) => {
            let message = [e.err(), l.err()].into_iter().flatten().collect::<Vec<_>>().join(" ");
            return show_message(&state, &viewer, &key, message).await;
        }
    };
    match state.store.set_effort(&viewer.actor, &key, estimate, log).await {
        Ok(_) => Ok(back(&key, "saved")),
        Err(e @ StoreError::Invalid(_)) => show_refusal(&state, &viewer, &key, e).await,
        Err(e) => Err(e.into()),
    }
}

/// A multipart upload of one file (`file`, optional `internal`) to a request.
pub async fn add_attachment(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    req: axum::extract::Request,
) -> Result<Response, WebError> {
    let parts = match super::upload::read(req, &state).await {
        Ok(Ok(parts)) => parts,
        Ok(Err((_, message))) => return show_message(&state, &viewer, &key, message).await,
        Err(refused) => return Ok(refused),
    };
    let Some(file) = parts.get("file").filter(|p| !p.data.is_empty()) else {
        return show_message(&state, &viewer, &key, "Choose a file to attach.".into()).await;
    };
    let internal = parts.contains_key("internal");
    let name = file.filename.clone().unwrap_or_else(|| "attachment".into());
    match state.store.add_attachment(&viewer.actor, &key, &name, file.data.to_vec(), internal).await {
        Ok(_) => Ok(back(&key, "attached")),
        Err(e @ (StoreError::Invalid(_) | StoreError::IllegalTransition(_))) => {
            show_refusal(&state, &viewer, &key, e).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn show_message(state: &AppState, viewer: &Viewer, key: &str, message: String) -> Result<Response, WebError> {
    let mut page = request_view(state, viewer, key).await?;
    page.comment_error = Some(message);
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

pub async fn download_attachment(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((key, id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let id = id.parse().map_err(|_| WebError::NotFound)?;
    let (att, data) = state.store.attachment_content(&viewer.actor, &key, id).await?;
    Ok(crate::download::attachment_response(&att, data))
}

#[derive(Debug, Deserialize)]
pub struct WatcherForm {
    email: String,
}

pub async fn add_watcher(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm<WatcherForm>,
) -> Result<Response, WebError> {
    match state.store.add_watcher(&viewer.actor, &key, &form.email).await {
        Ok(()) => Ok(back(&key, "saved")),
        Err(e @ StoreError::Invalid(_)) => show_refusal(&state, &viewer, &key, e).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "requests.html")]
struct RequestListPage {
    layout: Layout,
    heading: String,
    tabs: Vec<(String, String, bool)>,
    requests: Vec<Request>,
    pager: Pager,
    filter: ListFilter,
    /// Set on a team queue: the team, its members and services for the filters.
    queue: Option<QueueContext>,
    statuses: [Status; 7],
    priorities: [Priority; 4],
    errors: FormErrors,
    /// The list's own address with its filters, for "save this view".
    current: String,
    views: Vec<concentric_core::view::SavedView>,
    message: Option<String>,
}

impl RequestListPage {
    /// This list, with its filters, as a CSV download.
    fn csv_href(&self) -> String {
        let (path, query) = self.current.split_once('?').unwrap_or((&self.current, ""));
        format!("{path}.csv?{query}")
    }
}

struct QueueContext {
    team: Team,
    members: Vec<Membership>,
    services: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListFilter {
    #[serde(default)]
    status: String,
    #[serde(default)]
    priority: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    service: String,
    #[serde(default)]
    on_behalf_of: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    clock: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    view: String,
    #[serde(default, deserialize_with = "concentric_core::page::offset")]
    offset: Option<u64>,
}

impl ListFilter {
    fn query_pairs(&self) -> String {
        query_string(&[
            ("view", &self.view),
            ("status", &self.status),
            ("priority", &self.priority),
            ("assignee", &self.assignee),
            ("service", &self.service),
            ("on_behalf_of", &self.on_behalf_of),
            ("text", &self.text),
            ("clock", &self.clock),
            ("sort", &self.sort),
        ])
    }
}

/// The frame of a request list: its address, heading and tabs.
struct ListFrame {
    base: String,
    heading: String,
    tabs: Vec<(String, String, bool)>,
    /// The outcome of a bulk change, shown above the list.
    message: Option<String>,
}

async fn list(
    state: &AppState,
    viewer: &Viewer,
    frame: ListFrame,
    query: RequestQuery,
    filter: ListFilter,
    queue: Option<QueueContext>,
) -> Result<Response, WebError> {
    let ListFrame { base, heading, tabs, message } = frame;
    let page = PageRequest { limit: Some(50), offset: filter.offset };
    let (requests, pager, errors) = match state.store.list_requests(&viewer.actor, &query, page).await {
        Ok(p) => {
            let pager = Pager::new(&p, &format!("{base}?{}", filter.query_pairs()));
            (p.items, pager, FormErrors::default())
        }
        Err(StoreError::Invalid(inv)) => {
            let empty: concentric_core::page::Page<Request> = concentric_core::page::Page::new(Vec::new(), 0, page);
            (Vec::new(), Pager::new(&empty, &base), inv.into())
        }
        Err(e) => return Err(e.into()),
    };
    let mut current_filter = filter.clone();
    current_filter.offset = None;
    let current = format!("{base}?{}", current_filter.query_pairs());
    let page = RequestListPage {
        views: state.store.saved_views(&viewer.actor).await?,
        current,
        message,
        layout: Layout::new(viewer, heading.clone(), "requests"),
        heading,
        tabs,
        requests,
        pager,
        filter,
        queue,
        statuses: Status::ALL,
        priorities: Priority::ALL,
        errors,
    };
    render(&page)
}

/// The lists a person moves between: what they asked for, and for each of their teams the
/// queue it works and what it asked other teams for. `current` is the address of the list shown.
fn request_tabs(teams: &[Membership], current: &str) -> Vec<(String, String, bool)> {
    let mut tabs = vec![("/requests".to_owned(), "My requests".to_owned())];
    for m in teams {
        tabs.push((format!("/teams/{}/queue", m.team_key), format!("{} queue", m.team_name)));
        tabs.push((
            format!("/requests?view=team&on_behalf_of={}", m.team_key),
            format!("{} requests", concentric_core::text::possessive(&m.team_name)),
        ));
    }
    tabs.into_iter().map(|(href, label)| (href.clone(), label, href == current)).collect()
}

/// "My requests" and "My team's requests".
pub async fn my_requests_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(f): Query<ListFilter>,
) -> Result<Response, WebError> {
    let teams = state.store.memberships_of(viewer.person.id).await?;
    let team_view = f.view == "team";
    let current =
        if team_view { format!("/requests?view=team&on_behalf_of={}", f.on_behalf_of) } else { "/requests".to_owned() };
    let tabs = request_tabs(&teams, &current);
    let query = my_query(&f);
    let heading = if team_view { "Your team's requests".to_owned() } else { "Your requests".to_owned() };
    let frame = ListFrame { base: "/requests".into(), heading, tabs, message: None };
    list(&state, &viewer, frame, query, f, None).await
}

/// What "My requests" (or, with `view=team`, a team's own requests) lists.
fn my_query(f: &ListFilter) -> RequestQuery {
    let team_view = f.view == "team";
    RequestQuery {
        requester: (!team_view).then(|| "me".to_owned()),
        on_behalf_of: team_view.then(|| f.on_behalf_of.clone()),
        status: Some(if f.status.is_empty() { "all".into() } else { f.status.clone() }),
        text: Some(f.text.clone()),
        clock: Some(f.clock.clone()),
        sort: (!f.sort.is_empty()).then(|| f.sort.clone()),
        ..Default::default()
    }
}

/// What a team's queue lists: open requests by priority unless the filters say otherwise.
fn queue_query(team: &str, f: &ListFilter) -> RequestQuery {
    RequestQuery {
        team: Some(team.to_owned()),
        status: Some(if f.status.is_empty() { "open".into() } else { f.status.clone() }),
        priority: Some(f.priority.clone()),
        assignee: Some(f.assignee.clone()),
        service: Some(f.service.clone()),
        on_behalf_of: Some(f.on_behalf_of.clone()),
        text: Some(f.text.clone()),
        clock: Some(f.clock.clone()),
        sort: Some(if f.sort.is_empty() { "priority".into() } else { f.sort.clone() }),
        ..Default::default()
    }
}

/// "My requests" as CSV, with the same filters as the page.
pub async fn my_requests_csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(f): Query<ListFilter>,
) -> Result<Response, WebError> {
    requests_csv(&state, &viewer, &my_query(&f), "requests.csv").await
}

/// A team's queue as CSV, with the same filters as the page.
pub async fn queue_csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    Query(f): Query<ListFilter>,
) -> Result<Response, WebError> {
    let team = state.store.team_by_key(&key).await?;
    state.store.team_queue(&viewer.actor, team.id).await?;
    let name = format!("{}-queue.csv", team.key.to_lowercase());
    requests_csv(&state, &viewer, &queue_query(&team.key, &f), &name).await
}

/// The most rows a list's CSV holds, as many as its count goes.
const EXPORT_ROWS: usize = 10_000;

/// Every request the query finds (up to [`EXPORT_ROWS`]), one row each.
async fn requests_csv(
    state: &AppState,
    viewer: &Viewer,
    query: &RequestQuery,
    name: &str,
) -> Result<Response, WebError> {
    // As far as lists count: an export of a whole large queue belongs to the API's pages.
    let found = every_page(EXPORT_ROWS, |page| state.store.list_requests(&viewer.actor, query, page)).await;
    let requests = match found {
        Ok(requests) => requests,
        Err(e) => return super::view::refused("Nothing to export", e),
    };
    let rows = requests.iter().map(|r| {
        let clock = r.pressing_clock();
        vec![
            r.key.clone(),
            r.subject.clone(),
            r.team_name.clone(),
            r.service_name.clone(),
            r.status.label().to_owned(),
            r.priority.to_string(),
            r.requester_name.clone(),
            r.on_behalf_team_name.clone().unwrap_or_default(),
            r.assignee_name.clone().unwrap_or_default(),
            r.created_at.to_rfc3339(),
            r.updated_at.to_rfc3339(),
            clock.map(|c| format!("{}: {}", c.kind.label(), c.summary)).unwrap_or_default(),
            clock.and_then(|c| c.due_at).map(|d| d.to_rfc3339()).unwrap_or_default(),
        ]
    });
    let header = [
        "key",
        "subject",
        "team",
        "service",
        "status",
        "priority",
        "requester",
        "for team",
        "assignee",
        "filed",
        "updated",
        "target",
        "due",
    ];
    Ok(crate::download::csv_response(name, concentric_core::export::csv(&header, rows)))
}

/// A team's queue: open requests by default, with filters an agent uses every day.
pub async fn queue_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    Query(f): Query<ListFilter>,
) -> Result<Response, WebError> {
    queue(&state, &viewer, &key, f, None).await
}

async fn queue(
    state: &AppState,
    viewer: &Viewer,
    key: &str,
    mut f: ListFilter,
    message: Option<String>,
) -> Result<Response, WebError> {
    let team = state.store.team_by_key(key).await?;
    let (members, services) = state.store.team_queue(&viewer.actor, team.id).await?;
    if f.status.is_empty() {
        f.status = "open".into();
    }
    let services = services.into_iter().map(|s| (s.slug, s.name)).collect();
    let query = queue_query(&team.key, &f);
    let base = format!("/teams/{}/queue", team.key);
    let teams = state.store.memberships_of(viewer.person.id).await?;
    // An admin looking at another team's queue gets no tabs: none of them would be current.
    let tabs = if teams.iter().any(|m| m.team_id == team.id) { request_tabs(&teams, &base) } else { Vec::new() };
    let context = QueueContext { members, services, team: team.clone() };
    let frame = ListFrame { base, heading: format!("{} queue", team.name), tabs, message };
    list(state, viewer, frame, query, f, Some(context)).await
}

/// The queue's bulk form: the ticked `keys` and one `action` (`status:resolved`, `assign:12`,
/// `assign:none`, `assign:me`, `priority:P2`).
pub async fn bulk_change(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    use concentric_store::BulkChange;
    let keys: Vec<String> = pairs.iter().filter(|(k, _)| k == "keys").map(|(_, v)| v.clone()).collect();
    let action = pairs.iter().find(|(k, _)| k == "action").map_or("", |(_, v)| v.as_str());
    let change = match action.split_once(':') {
        Some(("status", s)) => Status::parse(s).map(BulkChange::Status),
        Some(("assign", "none")) => Some(BulkChange::Assign(None)),
        Some(("assign", "me")) => Some(BulkChange::Assign(Some(viewer.person.id))),
        Some(("assign", id)) => id.parse().ok().map(|id| BulkChange::Assign(Some(PersonId(id)))),
        Some(("priority", p)) => Priority::parse(p).map(BulkChange::Priority),
        _ => None,
    };
    let message = match (change, keys.is_empty()) {
        (_, true) => "Tick the requests to change first.".to_owned(),
        (None, _) => "Choose what to do with the ticked requests.".to_owned(),
        (Some(change), false) => {
            let outcome = state.store.bulk_change(&viewer.actor, &keys, change).await?;
            let mut text = format!("Changed {} of {} requests.", outcome.changed.len(), keys.len());
            for (key, reason) in outcome.refused {
                text.push_str(&format!(" {key}: {reason}."));
            }
            text
        }
    };
    queue(&state, &viewer, &key, ListFilter::default(), Some(message)).await
}

#[derive(Debug, Deserialize)]
pub struct SaveViewForm {
    name: String,
    path: String,
}

pub async fn save_view(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<SaveViewForm>,
) -> Result<Response, WebError> {
    let back_to = crate::auth::session::safe_next(Some(&form.path));
    match state
        .store
        .save_view(&viewer.actor, concentric_core::view::NewSavedView { name: form.name, path: form.path })
        .await
    {
        Ok(v) => Ok(Redirect::to(&v.path).into_response()),
        Err(e) => {
            let reason = form_errors(e)?.0.into_values().next().unwrap_or_default();
            Ok(error_page(
                StatusCode::UNPROCESSABLE_ENTITY,
                "The view was not saved",
                &format!("{reason}. Go back to {back_to}."),
            ))
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct DeleteViewForm {
    id: i64,
}

pub async fn delete_view(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<DeleteViewForm>,
) -> Result<Response, WebError> {
    state.store.delete_view(&viewer.actor, form.id).await?;
    Ok(Redirect::to("/requests").into_response())
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    hits: Vec<concentric_core::search::SearchHit>,
    pager: Pager,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SearchForm {
    #[serde(default)]
    q: String,
    #[serde(default, deserialize_with = "concentric_core::page::offset")]
    offset: Option<u64>,
}

/// Full-text search with the query syntax documented on the page.
pub async fn search_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(f): Query<SearchForm>,
) -> Result<Response, WebError> {
    let layout = Layout::new(&viewer, "Search", "search");
    let page = PageRequest { limit: Some(25), offset: f.offset };
    let empty = || Pager::new(&concentric_core::page::Page::<()>::new(Vec::new(), 0, page), "/search");
    if f.q.trim().is_empty() {
        return render(&SearchPage { layout, q: f.q, hits: Vec::new(), pager: empty(), error: None });
    }
    let parsed = concentric_core::search::SearchQuery::parse(&f.q);
    let result = match parsed {
        Ok(query) => state.store.search_requests(&viewer.actor, &query, page).await,
        Err(inv) => Err(inv.into()),
    };
    match result {
        Ok(hits) => {
            let pager = Pager::new(&hits, &format!("/search?{}", query_string(&[("q", &f.q)])));
            render(&SearchPage { layout, q: f.q, hits: hits.items, pager, error: None })
        }
        Err(e @ (StoreError::Invalid(_) | StoreError::NotFound(_))) => {
            let message = match e {
                StoreError::NotFound(what) => format!("No such {what} in the filters."),
                other => form_errors(other)?.0.into_values().next().unwrap_or_default(),
            };
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &SearchPage { layout, q: f.q, hits: Vec::new(), pager: empty(), error: Some(message) },
            )
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    layout: Layout,
    items: Vec<Notification>,
    pager: Pager,
}

#[derive(Debug, Default, Deserialize)]
pub struct Offset {
    #[serde(default, deserialize_with = "concentric_core::page::offset")]
    offset: Option<u64>,
}

pub async fn notifications_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(o): Query<Offset>,
) -> Result<Response, WebError> {
    let page = state.store.notifications(&viewer.actor, PageRequest { limit: Some(50), offset: o.offset }).await?;
    let pager = Pager::new(&page, "/notifications");
    render(&NotificationsPage {
        layout: Layout::new(&viewer, "Notifications", "notifications"),
        items: page.items,
        pager,
    })
}

#[derive(Debug, Deserialize)]
pub struct ReadForm {
    id: Option<i64>,
    /// Where to go next: the request the notice is about.
    next: Option<String>,
}

pub async fn mark_read(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<ReadForm>,
) -> Result<Response, WebError> {
    state.store.mark_notifications_read(&viewer.actor, form.id).await?;
    let next = crate::auth::session::safe_next(form.next.as_deref().or(Some("/notifications")));
    Ok(Redirect::to(&next).into_response())
}
