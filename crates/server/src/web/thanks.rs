//! Thanks pages: who serves others and the latest thanks, one thanks, and the form to give it.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use concentric_core::page::PageRequest;
use concentric_core::team::Team;
use concentric_core::thanks::{Contributions, NewThanks, Thanks, ThanksFilter};
use concentric_core::ThanksId;
use serde::Deserialize;

use super::view::{form_errors, render, render_status, FormErrors, Layout, NoticeQuery, Pager};
use crate::auth::{CsrfForm, Viewer};
use crate::error::WebError;
use crate::state::AppState;

/// How far back the view of who serves others looks.
const DAYS: u32 = 90;

#[derive(Debug, Default, Deserialize)]
pub struct ThanksQuery {
    #[serde(default)]
    offset: Option<u64>,
}

#[derive(Template)]
#[template(path = "thanks.html")]
struct ThanksPage {
    layout: Layout,
    contributions: Contributions,
    thanks: Vec<Thanks>,
    pager: Pager,
}

pub async fn thanks_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<ThanksQuery>,
    Query(notice): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let page = PageRequest { limit: Some(20), offset: q.offset };
    let found = state.store.list_thanks(ThanksFilter::default(), page).await?;
    render(&ThanksPage {
        layout: Layout::new(&viewer, "Thanks", "news").with_notice(&notice),
        contributions: state.store.contributions(DAYS, state.time.now()).await?,
        pager: Pager::new(&found, "/thanks?"),
        thanks: found.items,
    })
}

#[derive(Template)]
#[template(path = "thanks_one.html")]
struct OnePage {
    layout: Layout,
    t: Thanks,
    can_remove: bool,
}

pub async fn one_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = id.parse().map(ThanksId).map_err(|_| WebError::NotFound)?;
    let t = state.store.thanks(id).await?;
    render(&OnePage {
        layout: Layout::new(&viewer, format!("Thanks to {}", t.to_name()), "news"),
        can_remove: viewer.actor.is_admin || viewer.actor.is_person(t.from_id),
        t,
    })
}

/// The form as typed, and as prefilled from a link (`?team=IT&request=IT-4`).
#[derive(Debug, Default, Deserialize)]
pub struct ThanksForm {
    #[serde(default)]
    team: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    request: String,
    /// The commitment it is for, from the commitment's page.
    #[serde(default)]
    commitment: String,
}

impl ThanksForm {
    fn thanks(&self) -> NewThanks {
        let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        NewThanks {
            team: some(&self.team),
            person: some(&self.person),
            message: self.message.clone(),
            request: some(&self.request),
            commitment: self.commitment.trim().parse().ok(),
        }
    }
}

#[derive(Template)]
#[template(path = "thanks_form.html")]
struct FormPage {
    layout: Layout,
    teams: Vec<Team>,
    form: ThanksForm,
    errors: FormErrors,
    /// The title of the commitment it is for, when it comes from one.
    commitment_title: Option<String>,
}

async fn form_page(
    state: &AppState,
    viewer: &Viewer,
    form: ThanksForm,
    errors: FormErrors,
) -> Result<FormPage, WebError> {
    let commitment_title = match form.commitment.trim().parse::<i64>() {
        Ok(id) => state.store.commitment(id, state.time.now()).await.ok().map(|c| c.title),
        Err(_) => None,
    };
    Ok(FormPage {
        layout: Layout::new(viewer, "Say thanks", "news"),
        teams: super::view::all_teams(state).await?,
        form,
        errors,
        commitment_title,
    })
}

pub async fn new_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(form): Query<ThanksForm>,
) -> Result<Response, WebError> {
    render(&form_page(&state, &viewer, form, FormErrors::default()).await?)
}

pub async fn give(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<ThanksForm>,
) -> Result<Response, WebError> {
    match state.store.thank(&viewer.actor, form.thanks(), state.time.now()).await {
        Ok(t) => Ok(Redirect::to(&format!("/thanks/{}?notice=thanked", t.id)).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &form_page(&state, &viewer, form, errors).await?)
        }
    }
}

pub async fn remove(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<super::account::EmptyForm>,
) -> Result<Response, WebError> {
    let id = id.parse().map(ThanksId).map_err(|_| WebError::NotFound)?;
    state.store.remove_thanks(&viewer.actor, id).await?;
    Ok(Redirect::to("/thanks?notice=thanks_removed").into_response())
}
