//! `/api/v1/requests`: lists, one request with its conversation, and the work on it.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use concentric_core::attachment::Attachment;
use concentric_core::event::Event;
use concentric_core::form::Form;
use concentric_core::notification::Notification;
use concentric_core::page::{Page, PageRequest};
use concentric_core::request::{Comment, CommentKind, Priority, Request, RequestQuery, Status};
use concentric_core::search::{SearchHit, SearchQuery};
use concentric_core::view::{NewSavedView, SavedView};
use concentric_core::PersonId;
use serde::{Deserialize, Serialize};

use super::{ApiJson, ApiList, ApiPath, ApiQuery};
use crate::auth::ApiUser;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/requests", get(list_requests))
        .route("/api/v1/search", get(search_requests))
        .route("/api/v1/requests/bulk", post(bulk_change))
        .route("/api/v1/views", get(list_views).post(save_view))
        .route("/api/v1/views/{id}", axum::routing::delete(delete_view))
        .route("/api/v1/requests/{key}", get(get_request))
        .route("/api/v1/requests/{key}/status", post(change_status))
        .route("/api/v1/requests/{key}/assignee", post(assign))
        .route("/api/v1/requests/{key}/priority", post(set_priority))
        .route("/api/v1/requests/{key}/comments", get(list_comments).post(add_comment))
        .route("/api/v1/requests/{key}/watchers", post(add_watcher))
        .route("/api/v1/requests/{key}/attachments", get(list_attachments).post(add_attachment))
        .route("/api/v1/requests/{key}/attachments/{id}", get(download_attachment))
        .route("/api/v1/requests/{key}/events", get(request_events))
        .route("/api/v1/notifications", get(list_notifications))
        .route("/api/v1/notifications/read", post(mark_read))
}

/// A request with what the caller may see of its conversation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RequestDetail {
    #[serde(flatten)]
    pub request: Request,
    /// Replies, and internal notes when the caller is on the providing team.
    pub comments: Vec<Comment>,
    pub attachments: Vec<Attachment>,
    pub watchers: Vec<String>,
    /// Whether the caller works this request (providing team or admin).
    pub agent: bool,
    /// The form version the request was filed under.
    pub form: Form,
}

/// Requests you may see: `team=IT&status=open` is IT's queue, `requester=me` your requests,
/// `on_behalf_of=SAL` your team's.
#[utoipa::path(get, path = "/api/v1/requests", tag = "requests", params(RequestQuery, PageRequest),
    responses((status = 200, body = Page<Request>), (status = 400, body = Problem), (status = 422, body = Problem)))]
pub async fn list_requests(
    State(state): State<AppState>,
    user: ApiUser,
    ApiList(query, page): ApiList<RequestQuery>,
) -> Result<Json<Page<Request>>, ApiError> {
    Ok(Json(state.store.list_requests(&user.actor, &query, page).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// Words, "quoted phrases" and filters: `laptop "blue screen" status:open team:IT assignee:me
    /// priority:P1 service:"Laptop request" requester:me for:SAL`.
    q: String,
}

/// Full-text search over the requests you may see: subject, description, form answers and
/// comments (internal notes only for the providing team). Best matches first, each with a
/// highlighted passage. Ranking considers the newest 1,000 matching texts; when more match,
/// `total_capped` is true and `total` is a lower bound.
#[utoipa::path(get, path = "/api/v1/search", tag = "requests", params(SearchParams, PageRequest),
    responses((status = 200, body = Page<SearchHit>), (status = 422, body = Problem)))]
pub async fn search_requests(
    State(state): State<AppState>,
    user: ApiUser,
    ApiList(p, page): ApiList<SearchParams>,
) -> Result<Json<Page<SearchHit>>, ApiError> {
    let query = SearchQuery::parse(&p.q)?;
    Ok(Json(state.store.search_requests(&user.actor, &query, page).await?))
}

/// One request by key (`IT-42`), with its conversation.
#[utoipa::path(get, path = "/api/v1/requests/{key}", tag = "requests", params(("key" = String, Path)),
    responses((status = 200, body = RequestDetail), (status = 404, body = Problem)))]
pub async fn get_request(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(key): ApiPath<String>,
) -> Result<Json<RequestDetail>, ApiError> {
    let d = state.store.request_detail(&user.actor, &key).await?;
    Ok(Json(RequestDetail {
        request: d.request,
        comments: d.comments,
        attachments: d.attachments,
        watchers: d.watchers,
        agent: d.access.agent,
        form: d.form,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    pub status: Status,
}

/// Move a request along its lifecycle (providing team). Illegal moves are 409 `illegal_transition`.
#[utoipa::path(post, path = "/api/v1/requests/{key}/status", tag = "requests", params(("key" = String, Path)),
    request_body = StatusBody,
    responses((status = 200, body = Request), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn change_status(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(key): ApiPath<String>,
    ApiJson(body): ApiJson<StatusBody>,
) -> Result<Json<Request>, ApiError> {
    Ok(Json(state.store.change_status(&user.actor, &key, body.status).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssigneeBody {
    /// A member of the providing team, or `null` to unassign.
    #[schema(value_type = Option<i64>)]
    pub assignee_id: Option<PersonId>,
}

/// Assign, reassign or unassign (providing team).
#[utoipa::path(post, path = "/api/v1/requests/{key}/assignee", tag = "requests", params(("key" = String, Path)),
    request_body = AssigneeBody,
    responses((status = 200, body = Request), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn assign(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(key): ApiPath<String>,
    ApiJson(body): ApiJson<AssigneeBody>,
) -> Result<Json<Request>, ApiError> {
    Ok(Json(state.store.assign(&user.actor, &key, body.assignee_id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorityBody {
    pub priority: Priority,
}

/// Change the priority (providing team).
#[utoipa::path(post, path = "/api/v1/requests/{key}/priority", tag = "requests", params(("key" = String, Path)),
    request_body = PriorityBody, responses((status = 200, body = Request), (status = 403, body = Problem)))]
pub async fn set_priority(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(key): ApiPath<String>,
    ApiJson(body): ApiJson<PriorityBody>,
) -> Result<Json<Request>, ApiError> {
    Ok(Json(state.store.set_priority(&user.actor, &key, body.priority).await?))
}

/// The conversation: internal notes only for the providing team.
#[utoipa::path(get, path = "/api/v1/requests/{key}/comments", tag = "requests", params(("key" = String, Path)),
    responses((status = 200, body = [Comment]), (status = 404, body = Problem)))]
pub async fn list_comments(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(key): ApiPath<String>,
) -> Result<Json<Vec<Comment>>, ApiError> {
    Ok(Json(state.store.comments(&user.actor, &key).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentBody {
    /// `reply` (the requester sees it) or `note` (providing team only).
    pub kind: CommentKind,
    /// Markdown.
    pub body: String,
}

/// Reply or add an internal note. A requester's reply reopens a recently resolved request.
#[utoipa::path(post, path = "/api/v1/requests/{key}/comments", tag = "requests", params(("key" = String, Path)),
    request_body = CommentBody,
    responses((status = 201, body = Comment), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_comment(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(key): ApiPath<String>,
    ApiJson(body): ApiJson<CommentBody>,
) -> Result<(StatusCode, Json<Comment>), ApiError> {
    let window = state.config.reopen_window_ms();
    Ok((StatusCode::CREATED, Json(state.store.add_comment(&user.actor, &key, body.kind, &body.body, window).await?)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WatcherBody {
    pub email: String,
}

/// Add a watcher, who then sees the request and hears of replies and status changes.
#[utoipa::path(post, path = "/api/v1/requests/{key}/watchers", tag = "requests", params(("key" = String, Path)),
    request_body = WatcherBody, responses((status = 204), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_watcher(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(key): ApiPath<String>,
    ApiJson(body): ApiJson<WatcherBody>,
) -> Result<StatusCode, ApiError> {
    state.store.add_watcher(&user.actor, &key, &body.email).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The request's history: status, assignment, priority and watcher changes.
#[utoipa::path(get, path = "/api/v1/requests/{key}/events", tag = "requests", params(("key" = String, Path), PageRequest),
    responses((status = 200, body = Page<Event>), (status = 404, body = Problem)))]
pub async fn request_events(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(key): ApiPath<String>,
    ApiQuery(page): ApiQuery<PageRequest>,
) -> Result<Json<Page<Event>>, ApiError> {
    let (request, _) = state.store.request(&user.actor, &key).await?;
    Ok(Json(state.store.events_for("request", request.id.0, page).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UploadParams {
    /// The file's name.
    filename: String,
    /// Only the providing team sees it.
    #[serde(default)]
    internal: bool,
}

/// Attach a file: the raw bytes are the body (any content type; the stored type is sniffed from
/// the content). Too large a file is 413 `payload_too_large`.
#[utoipa::path(post, path = "/api/v1/requests/{key}/attachments", tag = "requests", params(("key" = String, Path), UploadParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = Attachment), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn add_attachment(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(key): ApiPath<String>,
    ApiQuery(p): ApiQuery<UploadParams>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Attachment>), ApiError> {
    let body = body.map_err(|e| {
        let too_large = e.status() == StatusCode::PAYLOAD_TOO_LARGE;
        let detail = format!("files can be at most {} MB", state.config.max_upload_mb);
        if too_large {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", detail)
        } else {
            ApiError::bad_request(e.body_text())
        }
    })?;
    let att = state.store.add_attachment(&user.actor, &key, &p.filename, body.to_vec(), p.internal).await?;
    Ok((StatusCode::CREATED, Json(att)))
}

/// The attachments you may see (internal ones only for the providing team).
#[utoipa::path(get, path = "/api/v1/requests/{key}/attachments", tag = "requests", params(("key" = String, Path)),
    responses((status = 200, body = [Attachment]), (status = 404, body = Problem)))]
pub async fn list_attachments(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(key): ApiPath<String>,
) -> Result<Json<Vec<Attachment>>, ApiError> {
    Ok(Json(state.store.attachments(&user.actor, &key).await?))
}

/// Download an attachment (always as a download, with its sniffed type).
#[utoipa::path(get, path = "/api/v1/requests/{key}/attachments/{id}", tag = "requests",
    params(("key" = String, Path), ("id" = i64, Path)),
    responses((status = 200, description = "The file, with the type sniffed from its content (types a browser would run as application/octet-stream), always as an attachment", content_type = "*/*"), (status = 404, body = Problem)))]
pub async fn download_attachment(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath((key, id)): ApiPath<(String, i64)>,
) -> Result<Response, ApiError> {
    let (att, data) = state.store.attachment_content(&user.actor, &key, id).await?;
    Ok(crate::download::attachment_response(&att, data))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkBody {
    /// Request keys, e.g. `["IT-4", "IT-7"]` (at most 200).
    pub keys: Vec<String>,
    /// Exactly one of `status`, `assignee_id` (a member, or `null` to unassign) and `priority`.
    #[serde(default)]
    pub status: Option<Status>,
    #[serde(default, deserialize_with = "concentric_core::person::double_option")]
    #[schema(value_type = Option<i64>)]
    pub assignee_id: Option<Option<PersonId>>,
    #[serde(default)]
    pub priority: Option<Priority>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BulkResult {
    pub changed: Vec<String>,
    pub refused: Vec<BulkRefusal>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BulkRefusal {
    pub key: String,
    pub reason: String,
}

/// Change many requests at once. Each is changed on its own; refusals are listed, not fatal.
#[utoipa::path(post, path = "/api/v1/requests/bulk", tag = "requests", request_body = BulkBody,
    responses((status = 200, body = BulkResult), (status = 422, body = Problem)))]
pub async fn bulk_change(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<BulkBody>,
) -> Result<Json<BulkResult>, ApiError> {
    use concentric_store::BulkChange;
    let change = match (body.status, body.assignee_id, body.priority) {
        (Some(s), None, None) => BulkChange::Status(s),
        (None, Some(a), None) => BulkChange::Assign(a),
        (None, None, Some(p)) => BulkChange::Priority(p),
        _ => {
            return Err(
                concentric_core::Invalid::one("status", "give exactly one of status, assignee_id and priority").into()
            )
        }
    };
    if body.keys.is_empty() || body.keys.len() > 200 {
        return Err(concentric_core::Invalid::one("keys", "give 1-200 request keys").into());
    }
    let outcome = state.store.bulk_change(&user.actor, &body.keys, change).await?;
    Ok(Json(BulkResult {
        changed: outcome.changed,
        refused: outcome.refused.into_iter().map(|(key, reason)| BulkRefusal { key, reason }).collect(),
    }))
}

/// Your saved views.
#[utoipa::path(get, path = "/api/v1/views", tag = "requests", params(PageRequest),
    responses((status = 200, body = Page<SavedView>)))]
pub async fn list_views(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(page): ApiQuery<PageRequest>,
) -> Result<Json<Page<SavedView>>, ApiError> {
    Ok(Json(Page::slice(state.store.saved_views(&user.actor).await?, page)))
}

/// Save a request list (a queue with filters, a search) under a name.
#[utoipa::path(post, path = "/api/v1/views", tag = "requests", request_body = NewSavedView,
    responses((status = 201, body = SavedView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn save_view(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<NewSavedView>,
) -> Result<(StatusCode, Json<SavedView>), ApiError> {
    Ok((StatusCode::CREATED, Json(state.store.save_view(&user.actor, body).await?)))
}

/// Delete one of your saved views.
#[utoipa::path(delete, path = "/api/v1/views/{id}", tag = "requests", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete_view(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    state.store.delete_view(&user.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Your notifications, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "requests", params(PageRequest),
    responses((status = 200, body = Page<Notification>)))]
pub async fn list_notifications(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(page): ApiQuery<PageRequest>,
) -> Result<Json<Page<Notification>>, ApiError> {
    Ok(Json(state.store.notifications(&user.actor, page).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadBody {
    /// One notification; absent marks all read.
    #[serde(default)]
    pub id: Option<i64>,
}

/// Mark one or all of your notifications read.
#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "requests", request_body = ReadBody,
    responses((status = 204)))]
pub async fn mark_read(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<ReadBody>,
) -> Result<StatusCode, ApiError> {
    state.store.mark_notifications_read(&user.actor, body.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
