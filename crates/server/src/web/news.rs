//! News pages: the organisation's news (filtered by team, by the teams one follows, spotlights),
//! one post, writing and changing a post, and following a team.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use concentric_core::news::{NewPost, NewsFilter, Post};
use concentric_core::page::PageRequest;
use concentric_core::team::Team;
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
    let teams = super::view::all_teams(&state).await?;
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

/// The post form as typed, with its image (a file part) when one was chosen.
#[derive(Debug, Default)]
pub struct PostForm {
    title: String,
    body: String,
    spotlight: bool,
    image_alt: String,
    remove_image: bool,
    image: Option<Vec<u8>>,
}

impl PostForm {
    fn read(parts: &std::collections::HashMap<String, super::upload::Part>) -> Self {
        let text = |name: &str| super::upload::text(parts, name);
        Self {
            title: text("title"),
            body: text("body"),
            spotlight: parts.contains_key("spotlight"),
            image_alt: text("image_alt"),
            remove_image: parts.contains_key("remove_image"),
            image: parts.get("image").filter(|p| !p.data.is_empty()).map(|p| p.data.to_vec()),
        }
    }

    fn new_post(&self) -> NewPost {
        NewPost { title: self.title.clone(), body: self.body.clone(), spotlight: self.spotlight }
    }

    /// Every mistake the form holds, the post's and the image's, before anything is written.
    /// `has_image`: the post keeps an image it already has, whose description must stay valid.
    fn mistakes(&self, has_image: bool) -> FormErrors {
        let mut errors = FormErrors::default();
        if let Err(inv) = self.new_post().check() {
            errors.0.extend(FormErrors::from(inv).0);
        }
        let image = match &self.image {
            Some(data) => concentric_core::news::check_image(data, &self.image_alt).map(|_| ()),
            None if has_image && !self.remove_image => concentric_core::news::check_alt(&self.image_alt).map(|_| ()),
            None => Ok(()),
        };
        if let Err(inv) = image {
            errors.0.extend(FormErrors::from(inv).0);
        }
        errors
    }
}

#[derive(Template)]
#[template(path = "news_form.html")]
struct PostFormPage {
    layout: Layout,
    team: Team,
    /// The post being changed; `None` for a new one.
    editing: Option<i64>,
    /// Whether the post being changed has an image now.
    has_image: bool,
    form: PostForm,
    errors: FormErrors,
}

fn form_page(viewer: &Viewer, team: Team, editing: Option<&Post>, form: PostForm, errors: FormErrors) -> PostFormPage {
    let title = if editing.is_some() { "Change the post".to_owned() } else { format!("News from {}", team.name) };
    PostFormPage {
        layout: Layout::new(viewer, title, "news"),
        team,
        editing: editing.map(|p| p.id.0),
        has_image: editing.is_some_and(|p| p.image_alt.is_some()),
        form,
        errors,
    }
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

/// The form's parts, or the response to give instead (the form expired, the upload failed).
async fn read_form(state: &AppState, req: axum::extract::Request) -> Result<Result<PostForm, FormErrors>, Response> {
    match super::upload::read(req, state).await? {
        Ok(parts) => Ok(Ok(PostForm::read(&parts))),
        Err((_, message)) => Ok(Err(FormErrors::one("image", message))),
    }
}

pub async fn create_post(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    req: axum::extract::Request,
) -> Result<Response, WebError> {
    let team = state.store.team_by_key(&key).await?;
    let form = match read_form(&state, req).await {
        Ok(Ok(form)) => form,
        Ok(Err(errors)) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &form_page(&viewer, team, None, PostForm::default(), errors),
            )
        }
        Err(refused) => return Ok(refused),
    };
    let mistakes = form.mistakes(false);
    if !mistakes.is_empty() {
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &form_page(&viewer, team, None, form, mistakes));
    }
    match state.store.post_news(&viewer.actor, team.id, form.new_post()).await {
        Ok(post) => {
            if let Some(data) = form.image {
                state.store.set_news_image(&viewer.actor, post.id, Some(data), &form.image_alt).await?;
            }
            Ok(Redirect::to(&format!("/news/{}?notice=posted", post.id)).into_response())
        }
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
    let form = PostForm {
        title: post.title.clone(),
        body: post.body.clone(),
        spotlight: post.spotlight,
        image_alt: post.image_alt.clone().unwrap_or_default(),
        ..PostForm::default()
    };
    render(&form_page(&viewer, team, Some(&post), form, FormErrors::default()))
}

pub async fn update_post(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> Result<Response, WebError> {
    let post = state.store.news_post(post_id(&id)?).await?;
    let team = state.store.team_by_key(&post.team_key).await?;
    let form = match read_form(&state, req).await {
        Ok(Ok(form)) => form,
        Ok(Err(errors)) => {
            let page = form_page(&viewer, team, Some(&post), PostForm::default(), errors);
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
        Err(refused) => return Ok(refused),
    };
    let mistakes = form.mistakes(post.image_alt.is_some());
    if !mistakes.is_empty() {
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &form_page(&viewer, team, Some(&post), form, mistakes));
    }
    match state.store.edit_news(&viewer.actor, post.id, form.new_post()).await {
        Ok(saved) => {
            let described = post.image_alt.as_deref().map(str::trim) != Some(form.image_alt.trim());
            match (form.image, form.remove_image) {
                (Some(data), _) => {
                    state.store.set_news_image(&viewer.actor, saved.id, Some(data), &form.image_alt).await?;
                }
                (None, true) if post.image_alt.is_some() => {
                    state.store.remove_news_image(&viewer.actor, saved.id).await?;
                }
                (None, false) if post.image_alt.is_some() && described => {
                    state.store.set_news_image(&viewer.actor, saved.id, None, &form.image_alt).await?;
                }
                _ => {}
            }
            Ok(Redirect::to(&format!("/news/{}?notice=saved", saved.id)).into_response())
        }
        Err(e) => {
            let errors = form_errors(e)?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &form_page(&viewer, team, Some(&post), form, errors))
        }
    }
}

/// A post's image, for `<img>` on the news pages.
pub async fn post_image(
    State(state): State<AppState>,
    _viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let (content_type, data) = state.store.news_image(post_id(&id)?).await?;
    Ok(crate::download::image_response(&content_type, data))
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
