//! `/api/v1/news`: team news, and which teams the caller follows.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use concentric_core::news::{NewPost, NewsFilter, Post, TeamFollow};
use concentric_core::page::{Page, PageRequest};
use concentric_core::PostId;
use serde::{Deserialize, Serialize};

use super::{ApiBytes, ApiJson, ApiList, ApiPath, ApiQuery};
use crate::auth::ApiUser;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/news", get(list_news).post(create_post))
        .route("/api/v1/news/follows", get(list_follows))
        .route("/api/v1/news/week", get(my_week))
        .route("/api/v1/news/follows/{key}", get(get_follow).put(follow).delete(unfollow))
        .route("/api/v1/news/{id}", get(get_post).put(edit_post).delete(remove_post))
        .route("/api/v1/news/{id}/image", get(get_image).put(set_image).delete(remove_image))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct NewsParams {
    /// Only this team's posts (its key).
    pub team: Option<String>,
    /// `true`: only from the teams you follow (your own, your teams' customers and suppliers,
    /// and those you chose).
    pub followed: Option<bool>,
    /// `true`: only spotlights.
    pub spotlights: Option<bool>,
}

/// A post to publish: for which team, and what it says.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTeamPost {
    /// The team's key; you must be one of its members (or an admin).
    pub team: String,
    pub title: String,
    /// Markdown.
    #[serde(default)]
    pub body: String,
    /// News for the whole organisation: a new service, a win.
    #[serde(default)]
    pub spotlight: bool,
}

/// The description of a post's image.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImageParams {
    /// What the image shows, for people who cannot see it (one line, up to 200 characters).
    pub alt: String,
}

/// The teams you follow.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Follows {
    pub items: Vec<TeamFollow>,
}

/// Team news, newest first: the organisation's, one team's, the teams you follow, spotlights.
#[utoipa::path(get, path = "/api/v1/news", tag = "news", params(NewsParams, PageRequest),
    responses((status = 200, body = Page<Post>), (status = 401, body = Problem)))]
pub async fn list_news(
    State(state): State<AppState>,
    user: ApiUser,
    ApiList(p, page): ApiList<NewsParams>,
) -> Result<Json<Page<Post>>, ApiError> {
    let team = match p.team.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        Some(key) => Some(state.store.team_by_key(key).await?.id),
        None => None,
    };
    let filter = NewsFilter { team, followed: p.followed.unwrap_or(false), spotlights: p.spotlights.unwrap_or(false) };
    Ok(Json(state.store.news(&user.actor, filter, page).await?))
}

/// Publish a post for a team you are in; the team's followers are notified.
#[utoipa::path(post, path = "/api/v1/news", tag = "news", request_body = NewTeamPost,
    responses((status = 201, body = Post), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_post(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<NewTeamPost>,
) -> Result<(StatusCode, Json<Post>), ApiError> {
    let team = state.store.team_by_key(&body.team).await?;
    let new = NewPost { title: body.title, body: body.body, spotlight: body.spotlight };
    Ok((StatusCode::CREATED, Json(state.store.post_news(&user.actor, team.id, new).await?)))
}

/// One post.
#[utoipa::path(get, path = "/api/v1/news/{id}", tag = "news", params(("id" = i64, Path)),
    responses((status = 200, body = Post), (status = 404, body = Problem)))]
pub async fn get_post(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Post>, ApiError> {
    Ok(Json(state.store.news_post(PostId(id)).await?))
}

/// Change a post (its author, the team's leads, admins).
#[utoipa::path(put, path = "/api/v1/news/{id}", tag = "news", params(("id" = i64, Path)), request_body = NewPost,
    responses((status = 200, body = Post), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn edit_post(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(new): ApiJson<NewPost>,
) -> Result<Json<Post>, ApiError> {
    Ok(Json(state.store.edit_news(&user.actor, PostId(id), new).await?))
}

/// Remove a post (its author, the team's leads, admins).
#[utoipa::path(delete, path = "/api/v1/news/{id}", tag = "news", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn remove_post(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    state.store.remove_news(&user.actor, PostId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Your week across the organisation, as the Monday mail has it: spotlights and services and
/// partnerships of the last seven days, and the open meetings of the next fourteen you are
/// invited to (times in your zone).
#[utoipa::path(get, path = "/api/v1/news/week", tag = "news",
    responses((status = 200, body = concentric_core::weekly::Week), (status = 401, body = Problem)))]
pub async fn my_week(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<concentric_core::weekly::Week>, ApiError> {
    Ok(Json(crate::queries::week(&state, &user.person).await?))
}

/// The teams you follow, with why: your own, your teams' partners, your choice.
#[utoipa::path(get, path = "/api/v1/news/follows", tag = "news",
    responses((status = 200, body = Follows), (status = 401, body = Problem)))]
pub async fn list_follows(State(state): State<AppState>, user: ApiUser) -> Result<Json<Follows>, ApiError> {
    Ok(Json(Follows { items: state.store.follows(&user.actor, None).await? }))
}

/// Whether, and why, you follow a team.
#[utoipa::path(get, path = "/api/v1/news/follows/{key}", tag = "news", params(("key" = String, Path)),
    responses((status = 200, body = TeamFollow), (status = 404, body = Problem)))]
pub async fn get_follow(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(key): ApiPath<String>,
) -> Result<Json<TeamFollow>, ApiError> {
    Ok(Json(follow_line(&state, &user, &key, None).await?))
}

/// Follow a team: its news is among the teams you follow.
#[utoipa::path(put, path = "/api/v1/news/follows/{key}", tag = "news", params(("key" = String, Path)),
    responses((status = 200, body = TeamFollow), (status = 404, body = Problem)))]
pub async fn follow(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(key): ApiPath<String>,
) -> Result<Json<TeamFollow>, ApiError> {
    Ok(Json(follow_line(&state, &user, &key, Some(true)).await?))
}

/// Stop following a team, even one your team works with.
#[utoipa::path(delete, path = "/api/v1/news/follows/{key}", tag = "news", params(("key" = String, Path)),
    responses((status = 200, body = TeamFollow), (status = 404, body = Problem)))]
pub async fn unfollow(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(key): ApiPath<String>,
) -> Result<Json<TeamFollow>, ApiError> {
    Ok(Json(follow_line(&state, &user, &key, Some(false)).await?))
}

/// A team's follow line for the caller, after setting their choice when one is given.
async fn follow_line(
    state: &AppState,
    user: &ApiUser,
    key: &str,
    choice: Option<bool>,
) -> Result<TeamFollow, ApiError> {
    let team = state.store.team_by_key(key).await?;
    let following = match choice {
        Some(follow) => state.store.set_following(&user.actor, team.id, follow).await?,
        None => state.store.following(&user.actor, team.id).await?,
    };
    Ok(TeamFollow { team_key: team.key, team_name: team.name, following })
}

/// A post's image, as it was uploaded (PNG, JPEG, GIF or WebP).
#[utoipa::path(get, path = "/api/v1/news/{id}/image", tag = "news", params(("id" = i64, Path)),
    responses((status = 200, description = "The image", content_type = "image/*"), (status = 404, body = Problem)))]
pub async fn get_image(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let (content_type, data) = state.store.news_image(PostId(id)).await?;
    Ok(crate::download::image_response(&content_type, data))
}

/// Give a post its image, or replace it: the raw bytes are the body (PNG, JPEG, GIF or WebP, told
/// by its content; up to 1 MB), `alt` says what it shows. Its author, the team's leads, admins.
#[utoipa::path(put, path = "/api/v1/news/{id}/image", tag = "news", params(("id" = i64, Path), ImageParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = Post), (status = 403, body = Problem), (status = 404, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn set_image(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(p): ApiQuery<ImageParams>,
    ApiBytes(body): ApiBytes,
) -> Result<Json<Post>, ApiError> {
    Ok(Json(state.store.set_news_image(&user.actor, PostId(id), Some(body.to_vec()), &p.alt).await?))
}

/// Take a post's image away (its author, the team's leads, admins).
#[utoipa::path(delete, path = "/api/v1/news/{id}/image", tag = "news", params(("id" = i64, Path)),
    responses((status = 200, body = Post), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn remove_image(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Post>, ApiError> {
    Ok(Json(state.store.remove_news_image(&user.actor, PostId(id)).await?))
}
