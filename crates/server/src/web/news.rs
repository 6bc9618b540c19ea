//! News pages: the organisation's news (filtered by team, by the teams one follows, spotlights),
//! one post, writing and changing a post, and following a team.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use concentric_core::news::{NewPost, NewsFilter, Post};
use concentric_core::page::PageRequest;
use concentric_core::team::{Team, TeamQuery};
use concentric_core::PostId;
use serde::Deserialize;

use super::view::{form_errors, query_string, render, render_status, FormErrors, Layout, NoticeQuery, Pager};
use crate::auth::{CsrfForm, Viewer};
use crate::error::WebError;
use crate::markdown::to_safe_html;
use crate::state::AppState;

/// A post's id from the address; anything else is a page that does not exist.
fn post_id(raw: &str) -> Result<PostId, WebError> {
    raw.parse().map(PostId).map_err(|_| WebError::NotFound)
}

/// A post with its body made safe to show.
pub struct ShownPost {
    pub post: Post,
    pub html: String,
    pub can_change: bool,
}

impl ShownPost {
    pub fn of(post: Post, viewer: &Viewer) -> Self {
        let can_change = viewer.actor.can_change_post(post.author_id, post.team_id);
        Self { html: to_safe_html(&post.body), post, can_change }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct NewsQuery {
    #[serde(default)]
    team: String,
    /// "followed": the teams I follow; "spotlights".
    #[serde(default)]
    show: String,
    #[serde(default)]
    offset: Option<u64>,
}

#[derive(Template)]
#[template(path = "news.html")]
struct NewsPage {
    layout: Layout,
    posts: Vec<ShownPost>,
    pager: Pager,
    teams: Vec<Team>,
    team: String,
    show: String,
    /// Teams the viewer may post for.
    postable: Vec<Team>,
}

pub async fn news_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<NewsQuery>,
    Query(notice): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let teams = state.store.list_teams(&TeamQuery::default(), PageRequest::first(200)).await?.items;
    let team = teams.iter().find(|t| t.key.eq_ignore_ascii_case(q.team.trim())).map(|t| t.id);
    let filter = NewsFilter { team, followed: q.show == "followed", spotlights: q.show == "spotlights" };
    let page = PageRequest { limit: Some(20), offset: q.offset };
    let found = state.store.news(&viewer.actor, filter, page).await?;
    let base = format!("/news?{}", query_string(&[("team", q.team.trim()), ("show", &q.show)]));
    let pager = Pager::new(&found, &base);
    let postable = teams.iter().filter(|t| viewer.actor.is_member_of(t.id)).cloned().collect();
    render(&NewsPage {
        layout: Layout::new(&viewer, "News", "news").with_notice(&notice),
        posts: found.items.into_iter().map(|p| ShownPost::of(p, &viewer)).collect(),
        pager,
        teams,
        team: q.team.trim().to_uppercase(),
        show: q.show,
        postable,
    })
}

#[derive(Template)]
#[template(path = "news_post.html")]
struct PostPage {
    layout: Layout,
    shown: ShownPost,
}

pub async fn post_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(notice): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let post = state.store.news_post(post_id(&id)?).await?;
    render(&PostPage {
        layout: Layout::new(&viewer, post.title.clone(), "news").with_notice(&notice),
        shown: ShownPost::of(post, &viewer),
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct PostForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    spotlight: Option<String>,
}

impl PostForm {
    fn new_post(&self) -> NewPost {
        NewPost { title: self.title.clone(), body: self.body.clone(), spotlight: self.spotlight.is_some() }
    }
}

#[derive(Template)]
#[template(path = "news_form.html")]
struct PostFormPage {
    layout: Layout,
    team: Team,
    /// The post being changed; `None` for a new one.
    editing: Option<i64>,
    form: PostForm,
    errors: FormErrors,
}

fn form_page(viewer: &Viewer, team: Team, editing: Option<i64>, form: PostForm, errors: FormErrors) -> PostFormPage {
    let title = if editing.is_some() { "Change the post".to_owned() } else { format!("News from {}", team.name) };
    PostFormPage { layout: Layout::new(viewer, title, "news"), team, editing, form, errors }
}

pub async fn new_post_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
) -> Result<Response, WebError> {
    let team = state.store.team_by_key(&key).await?;
    viewer
        .actor
        .require_works_in(team.id, "post news for this team")
        .map_err(|f| WebError::Forbidden(f.0.to_owned()))?;
    render(&form_page(&viewer, team, None, PostForm::default(), FormErrors::default()))
}

pub async fn create_post(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm<PostForm>,
) -> Result<Response, WebError> {
    let team = state.store.team_by_key(&key).await?;
    match state.store.post_news(&viewer.actor, team.id, form.new_post()).await {
        Ok(post) => Ok(Redirect::to(&format!("/news/{}?notice=posted", post.id)).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &form_page(&viewer, team, None, form, errors))
        }
    }
}

pub async fn edit_post_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let post = state.store.news_post(post_id(&id)?).await?;
    if !viewer.actor.can_change_post(post.author_id, post.team_id) {
        return Err(WebError::Forbidden("change this post: its author and the team's leads may".into()));
    }
    let team = state.store.team_by_key(&post.team_key).await?;
    let form = PostForm { title: post.title, body: post.body, spotlight: post.spotlight.then(|| "on".to_owned()) };
    render(&form_page(&viewer, team, Some(post_id(&id)?.0), form, FormErrors::default()))
}

pub async fn update_post(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<PostForm>,
) -> Result<Response, WebError> {
    match state.store.edit_news(&viewer.actor, post_id(&id)?, form.new_post()).await {
        Ok(post) => Ok(Redirect::to(&format!("/news/{}?notice=saved", post.id)).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            let post = state.store.news_post(post_id(&id)?).await?;
            let team = state.store.team_by_key(&post.team_key).await?;
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &form_page(&viewer, team, Some(post_id(&id)?.0), form, errors),
            )
        }
    }
}

pub async fn remove_post(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<super::account::EmptyForm>,
) -> Result<Response, WebError> {
    state.store.remove_news(&viewer.actor, post_id(&id)?).await?;
    Ok(Redirect::to("/news?notice=removed").into_response())
}

#[derive(Debug, Deserialize)]
pub struct FollowForm {
    follow: bool,
}

pub async fn set_following(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm<FollowForm>,
) -> Result<Response, WebError> {
    let team = state.store.team_by_key(&key).await?;
    state.store.set_following(&viewer.actor, team.id, form.follow).await?;
    let notice = if form.follow { "followed" } else { "unfollowed" };
    Ok(Redirect::to(&format!("/teams/{}?notice={notice}#news", team.key)).into_response())
}

#[derive(Template)]
#[template(path = "week.html")]
struct WeekPage {
    layout: Layout,
    week: concentric_core::weekly::Week,
}

/// The viewer's week across the organisation, as Monday's notice and mail have it.
pub async fn week_page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    let week = crate::queries::week(&state, &viewer.person).await?;
    render(&WeekPage { layout: Layout::new(&viewer, "Your week across the organisation", "news"), week })
}
