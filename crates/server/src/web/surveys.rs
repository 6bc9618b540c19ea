//! Surveys in the browser: the ones waiting for your answers, each a short form, and the
//! organisation's questions for admins.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use concentric_core::survey::{Answers, Audience, Invitation, NewQuestion, Question, QuestionPatch, SCALE};
use concentric_core::RoundId;

use super::view::{form_errors, render, render_status, FormErrors, Layout, NoticeQuery};
use crate::auth::{CsrfForm, Viewer};
use crate::error::WebError;
use crate::state::AppState;

/// How often a relationship may be surveyed, as offered on the edge page.
pub const SURVEY_RULES: [(&str, &str); 4] = [
    ("FREQ=MONTHLY", "every month"),
    ("FREQ=MONTHLY;INTERVAL=3", "every quarter"),
    ("FREQ=MONTHLY;INTERVAL=6", "every half year"),
    ("FREQ=YEARLY", "every year"),
];

#[derive(Debug, serde::Deserialize)]
pub struct ScheduleForm {
    rule: String,
}

/// Changes how often a relationship is surveyed, from the edge page.
pub async fn save_schedule(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((supplier, customer)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<ScheduleForm>,
) -> Result<Response, WebError> {
    let rel = super::responsibilities::relationship_of(&state, &supplier, &customer).await?;
    match state.store.set_survey_schedule(&viewer.actor, rel, &form.rule, state.time.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/network/{supplier}/{customer}?notice=saved#surveys")).into_response()),
        Err(e) => super::view::refused("The survey schedule was not changed", e),
    }
}

#[derive(Template)]
#[template(path = "surveys.html")]
struct SurveysPage {
    layout: Layout,
    invitations: Vec<Invitation>,
    scale: [(i64, &'static str); 5],
    /// The form that was refused: (round, audience), with its input and messages.
    refused: Option<(RoundId, Audience)>,
    typed: HashMap<String, String>,
    errors: FormErrors,
}

impl SurveysPage {
    fn is_refused(&self, i: &Invitation) -> bool {
        self.refused == Some((i.round_id, i.audience))
    }

    fn checked(&self, i: &Invitation, q: &Question, score: &i64) -> bool {
        self.is_refused(i) && self.typed.get(&format!("q{}", q.id)).is_some_and(|v| *v == score.to_string())
    }

    fn typed_text(&self, i: &Invitation, field: &str) -> String {
        if self.is_refused(i) {
            self.typed.get(field).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    }

    fn error(&self, i: &Invitation, field: &str) -> Option<&str> {
        if self.is_refused(i) {
            self.errors.get(field)
        } else {
            None
        }
    }

    fn question_error(&self, i: &Invitation, q: &Question) -> Option<&str> {
        self.error(i, &format!("scores.{}", q.id))
    }
}

async fn page(state: &AppState, viewer: &Viewer) -> Result<SurveysPage, WebError> {
    Ok(SurveysPage {
        layout: Layout::new(viewer, "Surveys", "home"),
        invitations: state.store.survey_invitations(&viewer.actor, state.time.now()).await?,
        scale: SCALE,
        refused: None,
        typed: HashMap::new(),
        errors: FormErrors::default(),
    })
}

/// The surveys waiting for the viewer's answers.
pub async fn surveys_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(notice): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let mut p = page(&state, &viewer).await?;
    p.layout = p.layout.with_notice(&notice);
    render(&p)
}

/// One survey's answers: `audience`, `q<question id>` = 1..5, `start`, `stop`.
pub async fn answer(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(round): Path<String>,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let round = RoundId(round.parse().map_err(|_| WebError::NotFound)?);
    let audience = form.get("audience").and_then(|a| Audience::parse(a));
    let scores: BTreeMap<String, i64> = form
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix('q')?.to_owned(), v.trim().parse().unwrap_or(0))))
        .collect();
    let answers = Answers {
        audience,
        scores,
        start: form.get("start").cloned().unwrap_or_default(),
        stop: form.get("stop").cloned().unwrap_or_default(),
    };
    match state.store.answer_survey(&viewer.actor, round, answers, state.time.now()).await {
        Ok(()) => Ok(Redirect::to("/surveys?notice=answered").into_response()),
        Err(e) => {
            let errors = match e {
                concentric_store::StoreError::IllegalTransition(t) => FormErrors::one("survey", t),
                other => form_errors(other)?,
            };
            let mut p = page(&state, &viewer).await?;
            p.refused = audience
                .or_else(|| p.invitations.iter().find(|i| i.round_id == round).map(|i| i.audience))
                .map(|a| (round, a));
            p.typed = form;
            p.errors = errors;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
    }
}

#[derive(Template)]
#[template(path = "survey_questions.html")]
struct QuestionsPage {
    layout: Layout,
    questions: Vec<Question>,
    audiences: [Audience; 2],
    text: String,
    errors: FormErrors,
}

fn require_admin(viewer: &Viewer) -> Result<(), WebError> {
    viewer.actor.require_admin("change the survey questions").map_err(|f| WebError::Forbidden(f.0.to_owned()))
}

async fn questions_view(state: &AppState, viewer: &Viewer) -> Result<QuestionsPage, WebError> {
    Ok(QuestionsPage {
        layout: Layout::new(viewer, "Feedback: survey questions", "admin"),
        questions: state.store.survey_questions().await?,
        audiences: Audience::BOTH,
        text: String::new(),
        errors: FormErrors::default(),
    })
}

pub async fn questions_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(notice): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    require_admin(&viewer)?;
    let mut p = questions_view(&state, &viewer).await?;
    p.layout = p.layout.with_notice(&notice);
    render(&p)
}

#[derive(Debug, serde::Deserialize)]
pub struct QuestionForm {
    #[serde(default)]
    audience: String,
    #[serde(default)]
    text: String,
    /// Set to retire (`false`) or bring back (`true`) an existing question.
    id: Option<i64>,
    active: Option<bool>,
}

pub async fn save_question(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<QuestionForm>,
) -> Result<Response, WebError> {
    require_admin(&viewer)?;
    let now = state.time.now();
    let result = match (form.id, Audience::parse(&form.audience)) {
        (Some(id), _) => state
            .store
            .update_survey_question(&viewer.actor, id, QuestionPatch { text: None, active: form.active }, now)
            .await
            .map(|_| ()),
        (None, Some(audience)) => state
            .store
            .add_survey_question(&viewer.actor, NewQuestion { audience, text: form.text.clone() }, now)
            .await
            .map(|_| ()),
        (None, None) => Err(concentric_core::Invalid::one("audience", "choose who answers the question").into()),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/admin/surveys?notice=saved").into_response()),
        Err(e) => {
            let mut p = questions_view(&state, &viewer).await?;
            p.errors = form_errors(e)?;
            p.text = form.text;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
    }
}
