//! Commitments, their occurrences and deliveries, on-time records, and calendar feeds.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use base64::Engine;
use concentric_core::commitment::{
    trend_since, CalendarFeed, Commitment, NewCommitment, NewDelivery, Occurrence, OnTimeMonth, OnTimeRecord,
};
use concentric_core::page::{Page, PageRequest};
use concentric_core::time::Millis;
use concentric_core::Invalid;
use concentric_store::{OccurrenceFilter, StoreError};
use serde::{Deserialize, Serialize};

use super::{ApiJson, ApiList, ApiPath, ApiQuery};
use crate::auth::secrets::digest;
use crate::auth::ApiUser;
use crate::error::{ApiError, Problem};
use crate::queries::{commitment_detail, make_feed, team_id, CommitmentDetail, CreatedFeed};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/commitments", get(list_commitments).post(create_commitment))
        .route("/api/v1/commitments/{id}", get(get_commitment).put(edit_commitment))
        .route("/api/v1/commitments/{id}/end", post(end_commitment))
        .route("/api/v1/commitments/{id}/resume", post(resume_commitment))
        .route("/api/v1/occurrences", get(list_occurrences))
        .route("/api/v1/occurrences/{id}", get(get_occurrence))
        .route("/api/v1/occurrences/{id}/deliver", post(deliver))
        .route("/api/v1/occurrences/{id}/accept", post(accept))
        .route("/api/v1/occurrences/{id}/send-back", post(send_back))
        .route("/api/v1/deliveries/{id}/file", get(delivery_file))
        .route("/api/v1/reports/on-time", get(on_time))
        .route("/api/v1/feeds", get(list_feeds).post(create_feed))
        .route("/api/v1/feeds/{id}", delete(revoke_feed))
}

/// The unauthenticated feed route: the token in the address is the credential.
pub fn feed_router() -> Router<AppState> {
    Router::new().route("/feeds/{token}", get(feed))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CommitmentQuery {
    /// Only commitments this team (key) delivers or receives.
    pub team: Option<String>,
}

/// Commitments, active first, each with its on-time record so far.
#[utoipa::path(get, path = "/api/v1/commitments", tag = "commitments", params(CommitmentQuery, PageRequest),
    responses((status = 200, body = Page<Commitment>)))]
pub async fn list_commitments(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiList(q, page): ApiList<CommitmentQuery>,
) -> Result<Json<Page<Commitment>>, ApiError> {
    let team = team_id(&state, q.team.as_deref()).await?;
    Ok(Json(Page::slice(state.store.commitments(team, state.time.now()).await?, page)))
}

/// Add a commitment, as a lead of either team: the provider owes the receiver `title` on the
/// RRULE schedule. Occurrences for the next three months are generated at once.
#[utoipa::path(post, path = "/api/v1/commitments", tag = "commitments", request_body = NewCommitment,
    responses((status = 201, body = Commitment), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_commitment(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(new): ApiJson<NewCommitment>,
) -> Result<(StatusCode, Json<Commitment>), ApiError> {
    Ok((StatusCode::CREATED, Json(state.store.create_commitment(&user.actor, new, state.time.now()).await?)))
}

#[utoipa::path(get, path = "/api/v1/commitments/{id}", tag = "commitments", params(("id" = i64, Path)),
    responses((status = 200, body = CommitmentDetail), (status = 404, body = Problem)))]
pub async fn get_commitment(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<CommitmentDetail>, ApiError> {
    Ok(Json(commitment_detail(&state, id).await?))
}

/// Change a commitment (leads of either team). `provider` and `receiver` are ignored. Coming
/// occurrences nobody has delivered are generated again from the new schedule.
#[utoipa::path(put, path = "/api/v1/commitments/{id}", tag = "commitments", params(("id" = i64, Path)),
    request_body = NewCommitment,
    responses((status = 200, body = Commitment), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn edit_commitment(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(new): ApiJson<NewCommitment>,
) -> Result<Json<Commitment>, ApiError> {
    Ok(Json(state.store.edit_commitment(&user.actor, id, new, state.time.now()).await?))
}

/// End a commitment: coming occurrences nobody delivered are removed.
#[utoipa::path(post, path = "/api/v1/commitments/{id}/end", tag = "commitments", params(("id" = i64, Path)),
    responses((status = 200, body = Commitment), (status = 403, body = Problem)))]
pub async fn end_commitment(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Commitment>, ApiError> {
    Ok(Json(state.store.set_commitment_active(&user.actor, id, false, state.time.now()).await?))
}

/// Resume an ended commitment from now on.
#[utoipa::path(post, path = "/api/v1/commitments/{id}/resume", tag = "commitments", params(("id" = i64, Path)),
    responses((status = 200, body = Commitment), (status = 403, body = Problem)))]
pub async fn resume_commitment(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Commitment>, ApiError> {
    Ok(Json(state.store.set_commitment_active(&user.actor, id, true, state.time.now()).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OccurrenceQuery {
    pub commitment: Option<i64>,
    /// Occurrences this team (key) delivers.
    pub provider: Option<String>,
    /// Occurrences this team (key) receives.
    pub receiver: Option<String>,
    /// Only yours (as owner or backup).
    #[serde(default)]
    pub mine: bool,
    /// Only those not yet accepted.
    #[serde(default)]
    pub open: bool,
    /// Due after this instant (RFC 3339).
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    /// Due at or before this instant (RFC 3339).
    pub to: Option<chrono::DateTime<chrono::Utc>>,
}

/// Occurrences by due time, with how late each is and how long its receiver waited.
#[utoipa::path(get, path = "/api/v1/occurrences", tag = "commitments", params(OccurrenceQuery, PageRequest),
    responses((status = 200, body = Page<Occurrence>), (status = 400, body = Problem)))]
pub async fn list_occurrences(
    State(state): State<AppState>,
    user: ApiUser,
    ApiList(q, page): ApiList<OccurrenceQuery>,
) -> Result<Json<Page<Occurrence>>, ApiError> {
    let filter = OccurrenceFilter {
        commitment: q.commitment,
        provider: team_id(&state, q.provider.as_deref()).await?,
        receiver: team_id(&state, q.receiver.as_deref()).await?,
        person: if q.mine { user.actor.person_id } else { None },
        unfinished: q.open,
        due_after: q.from.map(|t| Millis(t.timestamp_millis())),
        due_before: q.to.map(|t| Millis(t.timestamp_millis())),
        ..Default::default()
    };
    Ok(Json(state.store.occurrence_page(filter, state.time.now(), page).await?))
}

/// One occurrence with every delivery made against it.
#[utoipa::path(get, path = "/api/v1/occurrences/{id}", tag = "commitments", params(("id" = i64, Path)),
    responses((status = 200, body = Occurrence), (status = 404, body = Problem)))]
pub async fn get_occurrence(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Occurrence>, ApiError> {
    Ok(Json(state.store.occurrence(id, state.time.now()).await?.0))
}

/// A delivery through the API: a note, a link, or a file given as base64.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DeliveryBody {
    pub note: String,
    pub link: Option<String>,
    pub file_name: Option<String>,
    /// The file's bytes, base64 (standard alphabet).
    pub file_base64: Option<String>,
}

/// Mark an occurrence delivered (the owner, backup or provider team).
#[utoipa::path(post, path = "/api/v1/occurrences/{id}/deliver", tag = "commitments", params(("id" = i64, Path)),
    request_body = DeliveryBody,
    responses((status = 200, body = Occurrence), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn deliver(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<DeliveryBody>,
) -> Result<Json<Occurrence>, ApiError> {
    let file = match body.file_base64 {
        Some(b64) => {
            let data = base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|_| StoreError::from(Invalid::one("file_base64", "this is not base64")))?;
            Some((body.file_name.unwrap_or_else(|| "delivery".into()), data))
        }
        None => None,
    };
    let new = NewDelivery { note: body.note, link: body.link };
    Ok(Json(state.store.deliver(&user.actor, id, new, file, state.time.now()).await?))
}

/// Accept the standing delivery (the receiving team).
#[utoipa::path(post, path = "/api/v1/occurrences/{id}/accept", tag = "commitments", params(("id" = i64, Path)),
    responses((status = 200, body = Occurrence), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn accept(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Occurrence>, ApiError> {
    Ok(Json(state.store.answer_delivery(&user.actor, id, true, "", state.time.now()).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendBack {
    /// What is missing or wrong.
    pub reason: String,
}

/// Send the standing delivery back as incomplete (the receiving team); it reopens.
#[utoipa::path(post, path = "/api/v1/occurrences/{id}/send-back", tag = "commitments", params(("id" = i64, Path)),
    request_body = SendBack,
    responses((status = 200, body = Occurrence), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn send_back(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<SendBack>,
) -> Result<Json<Occurrence>, ApiError> {
    Ok(Json(state.store.answer_delivery(&user.actor, id, false, &body.reason, state.time.now()).await?))
}

/// Download a delivered file (the two teams and admins).
#[utoipa::path(get, path = "/api/v1/deliveries/{id}/file", tag = "commitments", params(("id" = i64, Path)),
    responses((status = 200, description = "The file, with the type sniffed from its content (types a browser would run as application/octet-stream), always as an attachment", content_type = "*/*"), (status = 404, body = Problem)))]
pub async fn delivery_file(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let (name, kind, data) = state.store.delivery_file(&user.actor, id, state.time.now()).await?;
    Ok(crate::download::file_response(&name, &kind, data))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OnTimeQuery {
    /// A team (key): what it delivers, or with `received=true` what it receives.
    pub team: Option<String>,
    #[serde(default)]
    pub received: bool,
    pub commitment: Option<i64>,
}

/// The on-time record over the last six months, in total and by month of due date.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OnTimeReport {
    pub record: OnTimeRecord,
    pub months: Vec<OnTimeMonth>,
}

#[utoipa::path(get, path = "/api/v1/reports/on-time", tag = "commitments", params(OnTimeQuery),
    responses((status = 200, body = OnTimeReport), (status = 404, body = Problem)))]
pub async fn on_time(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiQuery(q): ApiQuery<OnTimeQuery>,
) -> Result<Json<OnTimeReport>, ApiError> {
    let now = state.time.now();
    let team = team_id(&state, q.team.as_deref()).await?;
    let (provider, receiver) = if q.received { (None, team) } else { (team, None) };
    let months = state.store.on_time_months(trend_since(now), now, q.commitment, provider, receiver).await?;
    Ok(Json(OnTimeReport { record: OnTimeRecord::of_months(&months), months }))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct NewFeed {
    /// A team (key) you are in, for the team's feed; leave out for your own.
    pub team: Option<String>,
}

/// Your calendar feeds, live ones first.
#[utoipa::path(get, path = "/api/v1/feeds", tag = "commitments", params(PageRequest),
    responses((status = 200, body = Page<CalendarFeed>)))]
pub async fn list_feeds(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(page): ApiQuery<PageRequest>,
) -> Result<Json<Page<CalendarFeed>>, ApiError> {
    Ok(Json(Page::slice(state.store.feeds(&user.actor).await?, page)))
}

/// Make an iCalendar feed of your own occurrences (as owner or backup) or of a team's, to
/// subscribe to in a calendar app.
#[utoipa::path(post, path = "/api/v1/feeds", tag = "commitments", request_body = NewFeed,
    responses((status = 201, body = CreatedFeed), (status = 403, body = Problem)))]
pub async fn create_feed(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<NewFeed>,
) -> Result<(StatusCode, Json<CreatedFeed>), ApiError> {
    Ok((StatusCode::CREATED, Json(make_feed(&state, &user.actor, body.team.as_deref()).await?)))
}

/// Revoke one of your feeds; its address stops working at once.
#[utoipa::path(delete, path = "/api/v1/feeds/{id}", tag = "commitments", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn revoke_feed(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    state.store.revoke_feed(&user.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The feed itself, `text/calendar`. A revoked or unknown token is a plain 404.
async fn feed(State(state): State<AppState>, ApiPath(token): ApiPath<String>) -> Result<Response, ApiError> {
    let secret = token.strip_suffix(".ics").unwrap_or(&token);
    let Some(feed) = state.store.feed_by_token(&digest(secret), state.time.now()).await? else {
        return Err(ApiError::not_found("feed"));
    };
    let body = concentric_core::feed::feed_ics(&feed, &state.config.public_url);
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "private, max-age=300"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        body,
    )
        .into_response())
}
