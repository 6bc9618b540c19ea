//! Open meeting pages: the coming meetings, one meeting (answer, ask, notes, add to a calendar),
//! and announcing, changing or cancelling one.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use concentric_core::meeting::{Answer, Meeting, MeetingDetail, NewMeeting, Reach};
use concentric_core::page::PageRequest;
use concentric_core::team::Team;
use concentric_core::MeetingId;
use concentric_store::MeetingFilter;
use serde::Deserialize;

use super::view::{
    form_errors, query_string, render, render_status, time_zones, FormErrors, Layout, NoticeQuery, Pager,
};
use crate::auth::{CsrfForm, Viewer};
use crate::error::WebError;
use crate::markdown::to_safe_html;
use crate::state::AppState;

fn meeting_id(raw: &str) -> Result<MeetingId, WebError> {
    raw.parse().map(MeetingId).map_err(|_| WebError::NotFound)
}

#[derive(Debug, Default, Deserialize)]
pub struct MeetingsQuery {
    #[serde(default)]
    team: String,
    /// "invited" (the default), "all", or "past".
    #[serde(default)]
    show: String,
    #[serde(default)]
    offset: Option<u64>,
}

#[derive(Template)]
#[template(path = "meetings.html")]
struct MeetingsPage {
    layout: Layout,
    meetings: Vec<Meeting>,
    pager: Pager,
    teams: Vec<Team>,
    team: String,
    show: String,
    /// Teams the viewer may announce a meeting for.
    hosts: Vec<Team>,
    zone: String,
}

pub async fn meetings_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<MeetingsQuery>,
    Query(notice): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let teams = super::view::all_teams(&state).await?;
    let team = teams.iter().find(|t| t.key.eq_ignore_ascii_case(q.team.trim())).map(|t| t.id);
    let show = match q.show.as_str() {
        "all" | "past" => q.show.clone(),
        _ => "invited".to_owned(),
    };
    let filter =
        MeetingFilter { team, invited: show == "invited", coming: show != "past", hide_cancelled: show != "past" };
    let page = PageRequest { limit: Some(20), offset: q.offset };
    let found = state.store.meetings(&viewer.actor, filter, page, state.time.now()).await?;
    let base = format!("/meetings?{}", query_string(&[("team", q.team.trim()), ("show", &show)]));
    let pager = Pager::new(&found, &base);
    render(&MeetingsPage {
        layout: Layout::new(&viewer, "Open meetings", "news").with_notice(&notice),
        meetings: found.items,
        pager,
        hosts: teams.iter().filter(|t| viewer.actor.is_member_of(t.id)).cloned().collect(),
        teams,
        team: q.team.trim().to_uppercase(),
        show,
        zone: viewer.person.time_zone.clone(),
    })
}

#[derive(Template)]
#[template(path = "meeting.html")]
struct MeetingPage {
    layout: Layout,
    detail: MeetingDetail,
    agenda_html: String,
    notes_html: String,
    /// The viewer's zone, to show the time where they are.
    zone: String,
    is_host: bool,
    started: bool,
    ended: bool,
    answers: [Answer; 3],
    error: Option<String>,
    question: String,
    notes: String,
    notes_error: Option<String>,
}

impl MeetingPage {
    fn can_answer(&self) -> bool {
        let m = &self.detail.meeting;
        m.invited && !m.cancelled() && !self.started
    }
}

async fn meeting_view(state: &AppState, viewer: &Viewer, id: MeetingId) -> Result<MeetingPage, WebError> {
    let detail = state.store.meeting(&viewer.actor, id).await?;
    let m = &detail.meeting;
    Ok(MeetingPage {
        layout: Layout::new(viewer, m.title.clone(), "news"),
        agenda_html: to_safe_html(&m.agenda),
        notes_html: to_safe_html(&m.notes),
        zone: viewer.person.time_zone.clone(),
        is_host: viewer.actor.works_in(m.team_id),
        started: m.started(state.time.now().to_utc()),
        ended: state.time.now().to_utc() >= m.ends_at,
        answers: Answer::ALL,
        error: None,
        question: String::new(),
        notes: m.notes.clone(),
        notes_error: None,
        detail,
    })
}

pub async fn meeting_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(notice): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let mut page = meeting_view(&state, &viewer, meeting_id(&id)?).await?;
    page.layout = page.layout.with_notice(&notice);
    render(&page)
}

/// The meeting as a calendar file, for "add to my calendar".
pub async fn meeting_ics(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let detail = state.store.meeting(&viewer.actor, meeting_id(&id)?).await?;
    let body = concentric_core::feed::meeting_ics(&detail.meeting, &state.config.public_url);
    let disposition = format!("attachment; filename=\"meeting-{}.ics\"", detail.meeting.id);
    Ok((
        [(header::CONTENT_TYPE, "text/calendar; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, disposition)],
        body,
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct RsvpForm {
    answer: String,
}

pub async fn answer(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<RsvpForm>,
) -> Result<Response, WebError> {
    let id = meeting_id(&id)?;
    let Some(answer) = Answer::parse(&form.answer) else {
        return Err(WebError::Invalid(vec!["answer yes, maybe or no".into()]));
    };
    match state.store.answer_meeting(&viewer.actor, id, answer, state.time.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/meetings/{id}?notice=rsvp#answer")).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            let mut page = meeting_view(&state, &viewer, id).await?;
            page.error = errors.get("answer").or_else(|| errors.get("meeting")).map(str::to_owned);
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct QuestionForm {
    #[serde(default)]
    body: String,
}

pub async fn ask(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<QuestionForm>,
) -> Result<Response, WebError> {
    let id = meeting_id(&id)?;
    match state.store.ask_meeting(&viewer.actor, id, form.body.clone(), state.time.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/meetings/{id}?notice=asked#questions")).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            let mut page = meeting_view(&state, &viewer, id).await?;
            page.error = errors.get("body").or_else(|| errors.get("meeting")).map(str::to_owned);
            page.question = form.body;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct NotesForm {
    #[serde(default)]
    notes: String,
}

pub async fn write_notes(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<NotesForm>,
) -> Result<Response, WebError> {
    let id = meeting_id(&id)?;
    match state.store.write_meeting_notes(&viewer.actor, id, form.notes.clone(), state.time.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/meetings/{id}?notice=notes_saved#notes")).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            let mut page = meeting_view(&state, &viewer, id).await?;
            page.notes_error = errors.get("notes").or_else(|| errors.get("meeting")).map(str::to_owned);
            page.notes = form.notes;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    reason: String,
}

pub async fn cancel(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<CancelForm>,
) -> Result<Response, WebError> {
    let id = meeting_id(&id)?;
    match state.store.cancel_meeting(&viewer.actor, id, form.reason, state.time.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/meetings/{id}?notice=meeting_cancelled")).into_response()),
        Err(e) => super::view::refused("The meeting was not cancelled", e),
    }
}

/// The announce and change form, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct MeetingForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    agenda: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    zone: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    link: String,
    #[serde(default)]
    guest_seats: String,
    #[serde(default)]
    reach: String,
}

impl MeetingForm {
    /// The meeting it describes, and clearer messages for the numbers it could not read. Such a
    /// number becomes 0, which the store refuses too, so nothing is written from a misread form.
    fn meeting(&self) -> (NewMeeting, FormErrors) {
        let mut errors = FormErrors::default();
        let minutes = self.minutes.trim().parse::<u32>().unwrap_or_else(|_| {
            errors.0.insert("minutes".into(), "give the length in minutes, such as 60".into());
            0
        });
        let guest_seats = match self.guest_seats.trim() {
            "" => None,
            n => Some(n.parse::<u32>().unwrap_or_else(|_| {
                errors.0.insert("guest_seats".into(), "give a whole number of seats, or leave it empty".into());
                0
            })),
        };
        let meeting = NewMeeting {
            title: self.title.clone(),
            agenda: self.agenda.clone(),
            starts_at: self.starts_at.clone(),
            zone: Some(self.zone.clone()),
            minutes,
            place: self.place.clone(),
            link: Some(self.link.clone()),
            guest_seats,
            reach: Reach::parse(&self.reach).unwrap_or_default(),
        };
        (meeting, errors)
    }

    fn of(m: &Meeting) -> Self {
        let zone: chrono_tz::Tz = m.zone.parse().unwrap_or(chrono_tz::UTC);
        Self {
            title: m.title.clone(),
            agenda: m.agenda.clone(),
            starts_at: m.starts_at.with_timezone(&zone).format("%Y-%m-%dT%H:%M").to_string(),
            zone: m.zone.clone(),
            minutes: ((m.ends_at - m.starts_at).num_minutes()).to_string(),
            place: m.place.clone(),
            link: m.link.clone().unwrap_or_default(),
            guest_seats: m.guest_seats.map(|s| s.to_string()).unwrap_or_default(),
            reach: m.reach.as_str().to_owned(),
        }
    }
}

#[derive(Template)]
#[template(path = "meeting_form.html")]
struct MeetingFormPage {
    layout: Layout,
    team: Team,
    /// The meeting being changed; `None` for a new one.
    editing: Option<MeetingId>,
    form: MeetingForm,
    errors: FormErrors,
    zones: Vec<&'static str>,
    reaches: [Reach; 3],
}

fn form_page(
    viewer: &Viewer,
    team: Team,
    editing: Option<MeetingId>,
    form: MeetingForm,
    errors: FormErrors,
) -> MeetingFormPage {
    let title =
        if editing.is_some() { "Change the meeting".to_owned() } else { format!("Open a meeting of {}", team.name) };
    MeetingFormPage {
        layout: Layout::new(viewer, title, "news"),
        team,
        editing,
        form,
        errors,
        zones: time_zones().collect(),
        reaches: Reach::ALL,
    }
}

pub async fn new_meeting_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
) -> Result<Response, WebError> {
    let team = state.store.team_by_key(&key).await?;
    viewer
        .actor
        .require_works_in(team.id, "announce a meeting for this team")
        .map_err(|f| WebError::Forbidden(f.0.to_owned()))?;
    let (calendar, _) = state.store.team_calendar(team.id).await?;
    let form = MeetingForm { zone: calendar.zone, minutes: "60".into(), ..MeetingForm::default() };
    render(&form_page(&viewer, team, None, form, FormErrors::default()))
}

/// The form's own messages and the store's, shown together; the form's win for the same field.
fn merged(mut typed: FormErrors, e: concentric_store::StoreError) -> Result<FormErrors, WebError> {
    for (field, message) in form_errors(e)?.0 {
        typed.0.entry(field).or_insert(message);
    }
    Ok(typed)
}

pub async fn announce(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm<MeetingForm>,
) -> Result<Response, WebError> {
    let team = state.store.team_by_key(&key).await?;
    let (meeting, typed) = form.meeting();
    let result = state.store.announce_meeting(&viewer.actor, team.id, meeting, state.time.now()).await;
    match result {
        Ok(d) => Ok(Redirect::to(&format!("/meetings/{}?notice=announced", d.meeting.id)).into_response()),
        Err(e) => {
            let errors = merged(typed, e)?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &form_page(&viewer, team, None, form, errors))
        }
    }
}

pub async fn edit_meeting_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let detail = state.store.meeting(&viewer.actor, meeting_id(&id)?).await?;
    let m = detail.meeting;
    if !viewer.actor.works_in(m.team_id) {
        return Err(WebError::Forbidden("change this meeting: the host team's members may".into()));
    }
    let team = state.store.team_by_key(&m.team_key).await?;
    render(&form_page(&viewer, team, Some(m.id), MeetingForm::of(&m), FormErrors::default()))
}

pub async fn update_meeting(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<MeetingForm>,
) -> Result<Response, WebError> {
    let id = meeting_id(&id)?;
    let (meeting, typed) = form.meeting();
    match state.store.change_meeting(&viewer.actor, id, meeting, state.time.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/meetings/{id}?notice=meeting_saved")).into_response()),
        Err(e) => {
            let errors = merged(typed, e)?;
            let m = state.store.meeting(&viewer.actor, id).await?.meeting;
            let team = state.store.team_by_key(&m.team_key).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &form_page(&viewer, team, Some(id), form, errors))
        }
    }
}
