//! Relationship surveys: the ones waiting for you, answering them, results in aggregate only,
//! and the organisation's questions.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use concentric_core::survey::{
    Answers, Invitation, NewQuestion, Question, QuestionPatch, RoundResults, SurveySchedule,
};

use concentric_core::page::{Page, PageRequest};
use concentric_core::RoundId;

use super::{ApiJson, ApiPath, ApiQuery};
use crate::auth::ApiUser;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/surveys", get(my_surveys))
        .route("/api/v1/surveys/{round}", get(round_results))
        .route("/api/v1/surveys/{round}/answers", post(answer))
        .route("/api/v1/relationships/{id}/surveys", get(relationship_surveys))
        .route("/api/v1/relationships/{id}/survey-schedule", get(get_schedule).put(set_schedule))
        .route("/api/v1/survey-questions", get(list_questions).post(add_question))
        .route("/api/v1/survey-questions/{id}", patch(update_question))
}

/// The surveys waiting for your answers, with their questions, the soonest to close first.
#[utoipa::path(get, path = "/api/v1/surveys", tag = "surveys", params(PageRequest),
    responses((status = 200, body = Page<Invitation>)))]
pub async fn my_surveys(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(page): ApiQuery<PageRequest>,
) -> Result<Json<Page<Invitation>>, ApiError> {
    Ok(Json(Page::slice(state.store.survey_invitations(&user.actor, state.time.now()).await?, page)))
}

/// Answer a survey you were asked: a score from 1 to 5 for every question, and optionally one
/// thing to start and one to stop. The answers are stored without you: nobody, not even you,
/// can read them back one by one. `audience` is needed only when you are in both teams.
#[utoipa::path(post, path = "/api/v1/surveys/{round}/answers", tag = "surveys", params(("round" = i64, Path)),
    request_body = Answers,
    responses((status = 204, description = "Answered"), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn answer(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(round): ApiPath<RoundId>,
    ApiJson(answers): ApiJson<Answers>,
) -> Result<StatusCode, ApiError> {
    state.store.answer_survey(&user.actor, round, answers, state.time.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One round's results (members of either team): response rates always; answers only once the
/// round has closed, only when at least the organisation's smallest group answered, free text
/// without names and shuffled.
#[utoipa::path(get, path = "/api/v1/surveys/{round}", tag = "surveys", params(("round" = i64, Path)),
    responses((status = 200, body = RoundResults), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn round_results(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(round): ApiPath<RoundId>,
) -> Result<Json<RoundResults>, ApiError> {
    Ok(Json(state.store.survey_results(&user.actor, round, state.time.now()).await?))
}

/// A relationship's survey rounds, newest first, with each question's change since the last
/// round shown.
#[utoipa::path(get, path = "/api/v1/relationships/{id}/surveys", tag = "surveys", params(("id" = i64, Path), PageRequest),
    responses((status = 200, body = Page<RoundResults>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn relationship_surveys(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(page): ApiQuery<PageRequest>,
) -> Result<Json<Page<RoundResults>>, ApiError> {
    Ok(Json(Page::slice(state.store.relationship_surveys(&user.actor, id, state.time.now()).await?, page)))
}

/// The organisation's survey questions: statements each audience rates from 1 to 5.
#[utoipa::path(get, path = "/api/v1/survey-questions", tag = "surveys", responses((status = 200, body = Vec<Question>)))]
pub async fn list_questions(State(state): State<AppState>, _user: ApiUser) -> Result<Json<Vec<Question>>, ApiError> {
    Ok(Json(state.store.survey_questions().await?))
}

/// Add a question to the coming rounds (admins only).
#[utoipa::path(post, path = "/api/v1/survey-questions", tag = "surveys", request_body = NewQuestion,
    responses((status = 201, body = Question), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn add_question(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(new): ApiJson<NewQuestion>,
) -> Result<(StatusCode, Json<Question>), ApiError> {
    Ok((StatusCode::CREATED, Json(state.store.add_survey_question(&user.actor, new, state.time.now()).await?)))
}

/// Reword or retire a question for the coming rounds (admins only); running rounds keep theirs.
#[utoipa::path(patch, path = "/api/v1/survey-questions/{id}", tag = "surveys", params(("id" = i64, Path)),
    request_body = QuestionPatch,
    responses((status = 200, body = Question), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn update_question(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(patch): ApiJson<QuestionPatch>,
) -> Result<Json<Question>, ApiError> {
    Ok(Json(state.store.update_survey_question(&user.actor, id, patch, state.time.now()).await?))
}

/// How often the relationship is surveyed, and when the next round opens.
#[utoipa::path(get, path = "/api/v1/relationships/{id}/survey-schedule", tag = "surveys", params(("id" = i64, Path)),
    responses((status = 200, body = SurveySchedule), (status = 404, body = Problem)))]
pub async fn get_schedule(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SurveySchedule>, ApiError> {
    Ok(Json(state.store.survey_schedule(id).await?))
}

/// Change how often the relationship is surveyed (either team's leads): an RRULE, quarterly by
/// default. `next_at` is ignored; the next round moves to the rule's next date from now.
#[utoipa::path(put, path = "/api/v1/relationships/{id}/survey-schedule", tag = "surveys", params(("id" = i64, Path)),
    request_body = SurveySchedule,
    responses((status = 200, body = SurveySchedule), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn set_schedule(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(schedule): ApiJson<SurveySchedule>,
) -> Result<Json<SurveySchedule>, ApiError> {
    Ok(Json(state.store.set_survey_schedule(&user.actor, id, &schedule.rule, state.time.now()).await?))
}
