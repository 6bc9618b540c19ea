//! Ratings in the browser: the card on a request page (the requester's "how did it go?" and the
//! providing team's rating of how the request was made), a team's feedback page, and the
//! organisation's feedback settings.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use concentric_core::commitment::trend_since;
use concentric_core::page::PageRequest;
use concentric_core::rating::{
    Direction, FeedbackSettings, Flag, NewRating, Rating, RequestRatings, Scale, TeamRatings,
};
use concentric_core::team::Team;
use concentric_store::StoreError;
use serde::Deserialize;

use super::view::{form_errors, render, render_status, FormErrors, Layout, NoticeQuery};
use crate::auth::{CsrfForm, Viewer};
use crate::error::WebError;
use crate::state::AppState;

/// What the rating card on a request page shows, with a refused form's input and messages.
pub struct RatingCard {
    pub ratings: RequestRatings,
    /// The form that was refused, if any, with its messages.
    pub refused: Option<Direction>,
    pub errors: FormErrors,
    pub score: i64,
    pub comment: String,
    pub flags: Vec<Flag>,
    /// The requester's answer chosen in the rating mail, marked until they send it.
    pub preselected: Option<i64>,
}

impl RatingCard {
    pub async fn load(state: &AppState, viewer: &Viewer, key: &str) -> Result<Self, WebError> {
        let ratings = state.store.request_ratings(&viewer.actor, key, state.time.now()).await?;
        Ok(Self {
            ratings,
            refused: None,
            errors: FormErrors::default(),
            score: 0,
            comment: String::new(),
            flags: Vec::new(),
            preselected: None,
        })
    }

    /// Marks the answer a requester chose in the rating mail (`good`, `okay`, `poor`), when they
    /// may rate and have not yet.
    pub fn preselect(&mut self, answer: &str) {
        if self.asks() {
            self.preselected = self.ratings.scale.score_for(answer);
        }
    }

    /// The requester has not rated yet and may: the ask goes to the top of the page.
    pub fn asks(&self) -> bool {
        self.ratings.requester_may_rate && self.ratings.by_requester.is_none()
    }

    /// Anything to show at all.
    pub fn shown(&self) -> bool {
        let r = &self.ratings;
        r.requester_may_rate || r.provider_may_rate || r.by_requester.is_some() || r.by_provider.is_some()
    }

    /// The choices for a form: a given rating keeps the scale it was given on.
    pub fn choices(&self, existing: &Option<Rating>) -> &'static [(i64, &'static str)] {
        existing.as_ref().map_or(self.ratings.scale, |r| Scale::of_max(r.scale_max)).choices()
    }

    /// Whether a choice is checked: the refused input, else the rating given.
    pub fn checked(&self, direction: Direction, existing: &Option<Rating>, score: &i64) -> bool {
        if self.refused == Some(direction) {
            self.score == *score
        } else if let Some(given) = existing {
            given.score == *score
        } else {
            direction == Direction::Requester && self.preselected == Some(*score)
        }
    }

    pub fn comment_of(&self, direction: Direction, existing: &Option<Rating>) -> String {
        if self.refused == Some(direction) {
            self.comment.clone()
        } else {
            existing.as_ref().map(|r| r.comment.clone()).unwrap_or_default()
        }
    }

    pub fn flagged(&self, flag: &Flag) -> bool {
        if self.refused == Some(Direction::Provider) {
            self.flags.contains(flag)
        } else {
            self.ratings.by_provider.as_ref().is_some_and(|r| r.flags.contains(flag))
        }
    }

    pub fn error(&self, direction: Direction, field: &str) -> Option<&str> {
        (self.refused == Some(direction)).then(|| self.errors.get(field)).flatten()
    }

    pub fn all_flags(&self) -> [Flag; 3] {
        Flag::ALL
    }
}

/// A rating form as posted: `score`, `comment` and, for the provider, a checkbox per flag
/// (named as the flag).
#[derive(Debug, Deserialize)]
pub struct RatingForm {
    #[serde(default)]
    score: String,
    #[serde(default)]
    comment: String,
    unclear: Option<String>,
    missing_inputs: Option<String>,
    unrealistic_urgency: Option<String>,
}

impl RatingForm {
    fn to_new(&self) -> NewRating {
        let ticked = [&self.unclear, &self.missing_inputs, &self.unrealistic_urgency];
        NewRating {
            // A missing choice is score 0, which the scale check reports in words.
            score: self.score.trim().parse().unwrap_or(0),
            comment: self.comment.clone(),
            flags: Flag::ALL.into_iter().zip(ticked).filter(|(_, t)| t.is_some()).map(|(f, _)| f).collect(),
        }
    }
}

async fn save(
    state: AppState,
    viewer: Viewer,
    key: String,
    direction: Direction,
    form: RatingForm,
) -> Result<Response, WebError> {
    let new = form.to_new();
    match state.store.rate(&viewer.actor, &key, direction, new.clone(), state.time.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/requests/{key}?notice=rated")).into_response()),
        Err(e @ (StoreError::Invalid(_) | StoreError::Conflict(_))) => {
            let mut card = RatingCard::load(&state, &viewer, &key).await?;
            card.refused = Some(direction);
            card.errors = form_errors(e)?;
            card.score = new.score;
            card.comment = new.comment;
            card.flags = new.flags;
            let page = super::requests::request_view_with(&state, &viewer, &key, card).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

/// The requester rates the service they got.
pub async fn rate(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm<RatingForm>,
) -> Result<Response, WebError> {
    save(state, viewer, key, Direction::Requester, form).await
}

/// The providing team rates how the request was made.
pub async fn rate_request_making(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm<RatingForm>,
) -> Result<Response, WebError> {
    save(state, viewer, key, Direction::Provider, form).await
}

#[derive(Template)]
#[template(path = "feedback.html")]
struct FeedbackPage {
    layout: Layout,
    team: Team,
    ratings: TeamRatings,
    trend_svg: String,
    /// The latest ratings with comments, for the team's members.
    comments: Vec<Rating>,
    member: bool,
    lead: bool,
}

/// A team's feedback: how its requesters rated it, and (for its leads) how the teams it asked
/// rated its requests.
/// A team's feedback results as CSV: the same slices the page shows the viewer (by agent only
/// for its leads and admins), one row each.
pub async fn feedback_csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
) -> Result<Response, WebError> {
    let team = state.store.team_by_key(&key).await?;
    let ratings = state.store.team_ratings(&viewer.actor, team.id, trend_since(state.time.now())).await?;
    let r = &ratings.as_provider;
    let overall = concentric_core::rating::Slice { key: String::new(), label: "All".into(), tally: r.overall };
    let slices = std::iter::once(("overall", &overall))
        .chain(r.by_service.iter().map(|s| ("service", s)))
        .chain(r.by_agent.iter().map(|s| ("agent", s)))
        .chain(r.by_partner.iter().map(|s| ("requesting team", s)))
        .chain(r.by_month.iter().map(|s| ("month", s)));
    let header = ["by", "which", "ratings", "satisfied", "okay", "poor", "satisfied %"];
    let rows = slices.map(|(by, s)| {
        vec![
            by.to_owned(),
            s.label.clone(),
            s.tally.count().to_string(),
            s.tally.satisfied.to_string(),
            s.tally.neutral.to_string(),
            s.tally.poor.to_string(),
            s.tally.percent_satisfied().map(|p| p.to_string()).unwrap_or_default(),
        ]
    });
    let name = format!("{}-feedback.csv", team.key.to_lowercase());
    Ok(crate::download::csv_response(&name, concentric_core::export::csv(&header, rows)))
}

pub async fn feedback_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
) -> Result<Response, WebError> {
    let team = state.store.team_by_key(&key).await?;
    let ratings = state.store.team_ratings(&viewer.actor, team.id, trend_since(state.time.now())).await?;
    let member = viewer.actor.works_in(team.id);
    let comments = if member {
        let page =
            state.store.ratings(&viewer.actor, Some(team.id), Direction::Requester, PageRequest::first(50)).await?;
        page.items.into_iter().filter(|r| !r.comment.is_empty()).take(20).collect()
    } else {
        Vec::new()
    };
    render(&FeedbackPage {
        layout: Layout::new(&viewer, format!("Feedback · {}", team.name), "teams"),
        trend_svg: ratings.as_provider.trend_svg(),
        lead: viewer.actor.can_manage_team(team.id),
        team,
        ratings,
        comments,
        member,
    })
}

#[derive(Template)]
#[template(path = "feedback_settings.html")]
struct SettingsPage {
    layout: Layout,
    settings: FeedbackSettings,
    min_group: String,
    errors: FormErrors,
}

impl SettingsPage {
    fn scales(&self) -> [(Scale, &'static str); 2] {
        [(Scale::ThreePoint, "Good / okay / poor"), (Scale::FivePoint, "1 to 5")]
    }
}

fn require_admin(viewer: &Viewer) -> Result<(), WebError> {
    viewer.actor.require_admin("change the feedback settings").map_err(|f| WebError::Forbidden(f.0.to_owned()))
}

pub async fn settings_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(notice): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    require_admin(&viewer)?;
    let settings = state.store.feedback_settings().await?;
    render(&SettingsPage {
        layout: Layout::new(&viewer, "Feedback settings", "admin").with_notice(&notice),
        min_group: settings.min_group.to_string(),
        settings,
        errors: FormErrors::default(),
    })
}

#[derive(Debug, Deserialize)]
pub struct SettingsForm {
    scale: String,
    min_group: String,
}

pub async fn save_settings(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<SettingsForm>,
) -> Result<Response, WebError> {
    require_admin(&viewer)?;
    let mut errors = FormErrors::default();
    let scale = Scale::parse(&form.scale).unwrap_or_else(|| {
        errors.0.insert("scale".into(), "choose one of the scales offered".into());
        Scale::default()
    });
    let min_group = form.min_group.trim().parse::<i64>().unwrap_or_else(|_| {
        errors.0.insert("min_group".into(), "enter a whole number of people".into());
        0
    });
    let settings = FeedbackSettings { scale, min_group };
    if errors.is_empty() {
        match state.store.set_feedback_settings(&viewer.actor, settings, state.time.now()).await {
            Ok(_) => return Ok(Redirect::to("/admin/feedback?notice=saved").into_response()),
            Err(e) => errors = form_errors(e)?,
        }
    }
    let page = SettingsPage {
        layout: Layout::new(&viewer, "Feedback settings", "admin"),
        settings,
        min_group: form.min_group,
        errors,
    };
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}
