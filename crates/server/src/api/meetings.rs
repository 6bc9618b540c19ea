//! `/api/v1/meetings`: open meetings, answers, questions and notes.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use concentric_core::meeting::{Answer, Meeting, MeetingDetail, NewMeeting, Reach};
use concentric_core::page::{Page, PageRequest};
use concentric_core::MeetingId;
use concentric_store::MeetingFilter;
use serde::Deserialize;

use super::{ApiJson, ApiList, ApiPath};
use crate::auth::ApiUser;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/meetings", get(list_meetings).post(announce_meeting))
        .route("/api/v1/meetings/{id}", get(get_meeting).put(change_meeting))
        .route("/api/v1/meetings/{id}/cancel", post(cancel_meeting))
        .route("/api/v1/meetings/{id}/rsvp", put(answer_meeting))
        .route("/api/v1/meetings/{id}/questions", post(ask_question))
        .route("/api/v1/meetings/{id}/notes", put(write_notes))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MeetingParams {
    /// Only this host team's meetings (its key).
    pub team: Option<String>,
    /// `true`: only meetings you are invited to (open to everyone, or to a team of yours).
    pub invited: Option<bool>,
    /// `true`: meetings that have ended, latest first; otherwise those to come, soonest first.
    pub past: Option<bool>,
}

/// A meeting to announce: the host team, and the meeting.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingToAnnounce {
    /// The host team's key; you must be one of its members (or an admin).
    pub team: String,
    pub title: String,
    /// Markdown.
    #[serde(default)]
    pub agenda: String,
    /// Local to `zone`: `2026-12-10T10:00`.
    pub starts_at: String,
    /// IANA zone; the host team's calendar zone when left out.
    #[serde(default)]
    pub zone: Option<String>,
    /// Length in minutes, 15 to 480.
    pub minutes: u32,
    /// A room or address; a place, a link or both.
    #[serde(default)]
    pub place: String,
    /// A video call link (https).
    #[serde(default)]
    pub link: Option<String>,
    /// Seats for guests from other teams; leave out for no limit.
    #[serde(default)]
    pub guest_seats: Option<u32>,
    /// Whom to invite besides the host team: `partners` (the first ring), `partners_of_partners`,
    /// or `everyone`.
    #[serde(default)]
    pub reach: Reach,
}

/// Why a meeting is cancelled, for those who said they would come.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Cancellation {
    #[serde(default)]
    pub reason: String,
}

/// An answer to an invitation.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RsvpBody {
    pub answer: Answer,
}

/// A question for the host, before the meeting.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionBody {
    pub body: String,
}

/// The meeting's notes (Markdown), once it has started.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotesBody {
    pub notes: String,
}

/// Open meetings: those to come, soonest first (or those past), the organisation's, one team's,
/// or those you are invited to.
#[utoipa::path(get, path = "/api/v1/meetings", tag = "meetings", params(MeetingParams, PageRequest),
    responses((status = 200, body = Page<Meeting>), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn list_meetings(
    State(state): State<AppState>,
    user: ApiUser,
    ApiList(p, page): ApiList<MeetingParams>,
) -> Result<Json<Page<Meeting>>, ApiError> {
    let team = match p.team.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        Some(key) => Some(state.store.team_by_key(key).await?.id),
        None => None,
    };
    let filter = MeetingFilter {
        team,
        invited: p.invited.unwrap_or(false),
        coming: !p.past.unwrap_or(false),
        hide_cancelled: false,
    };
    Ok(Json(state.store.meetings(&user.actor, filter, page, state.time.now()).await?))
}

/// Announce an open meeting of a team you are in; the people of the invited teams are told.
#[utoipa::path(post, path = "/api/v1/meetings", tag = "meetings", request_body = MeetingToAnnounce,
    responses((status = 201, body = MeetingDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn announce_meeting(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<MeetingToAnnounce>,
) -> Result<(StatusCode, Json<MeetingDetail>), ApiError> {
    let team = state.store.team_by_key(&body.team).await?;
    let new = NewMeeting {
        title: body.title,
        agenda: body.agenda,
        starts_at: body.starts_at,
        zone: body.zone,
        minutes: body.minutes,
        place: body.place,
        link: body.link,
        guest_seats: body.guest_seats,
        reach: body.reach,
    };
    let detail = state.store.announce_meeting(&user.actor, team.id, new, state.time.now()).await?;
    Ok((StatusCode::CREATED, Json(detail)))
}

/// One meeting, with who answered, the questions and the teams invited.
#[utoipa::path(get, path = "/api/v1/meetings/{id}", tag = "meetings", params(("id" = i64, Path)),
    responses((status = 200, body = MeetingDetail), (status = 404, body = Problem)))]
pub async fn get_meeting(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<MeetingDetail>, ApiError> {
    Ok(Json(state.store.meeting(&user.actor, MeetingId(id)).await?))
}

/// Change a meeting still to come (the host team). Moving it tells those who answered yes or maybe
/// and updates it in their calendars.
#[utoipa::path(put, path = "/api/v1/meetings/{id}", tag = "meetings", params(("id" = i64, Path)), request_body = NewMeeting,
    responses((status = 200, body = MeetingDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn change_meeting(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(new): ApiJson<NewMeeting>,
) -> Result<Json<MeetingDetail>, ApiError> {
    Ok(Json(state.store.change_meeting(&user.actor, MeetingId(id), new, state.time.now()).await?))
}

/// Cancel a meeting still to come (the host team); calendars show it cancelled.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/cancel", tag = "meetings", params(("id" = i64, Path)), request_body = Cancellation,
    responses((status = 200, body = MeetingDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn cancel_meeting(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<Cancellation>,
) -> Result<Json<MeetingDetail>, ApiError> {
    Ok(Json(state.store.cancel_meeting(&user.actor, MeetingId(id), body.reason, state.time.now()).await?))
}

/// Answer an invitation: yes, maybe or no. A yes from a guest needs a free guest seat.
#[utoipa::path(put, path = "/api/v1/meetings/{id}/rsvp", tag = "meetings", params(("id" = i64, Path)), request_body = RsvpBody,
    responses((status = 200, body = Meeting), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn answer_meeting(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<RsvpBody>,
) -> Result<Json<Meeting>, ApiError> {
    Ok(Json(state.store.answer_meeting(&user.actor, MeetingId(id), body.answer, state.time.now()).await?))
}

/// Leave a question for the host before the meeting.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/questions", tag = "meetings", params(("id" = i64, Path)), request_body = QuestionBody,
    responses((status = 201, body = MeetingDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn ask_question(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<QuestionBody>,
) -> Result<(StatusCode, Json<MeetingDetail>), ApiError> {
    let detail = state.store.ask_meeting(&user.actor, MeetingId(id), body.body, state.time.now()).await?;
    Ok((StatusCode::CREATED, Json(detail)))
}

/// Write the meeting's notes once it has started (the host team); the first notes tell those who
/// answered yes or maybe.
#[utoipa::path(put, path = "/api/v1/meetings/{id}/notes", tag = "meetings", params(("id" = i64, Path)), request_body = NotesBody,
    responses((status = 200, body = MeetingDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn write_notes(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<NotesBody>,
) -> Result<Json<MeetingDetail>, ApiError> {
    Ok(Json(state.store.write_meeting_notes(&user.actor, MeetingId(id), body.notes, state.time.now()).await?))
}
