//! People pages: the directory, a person's page, and the add/edit forms.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use concentric_core::event::Event;
use concentric_core::page::PageRequest;
use concentric_core::person::{NewPerson, Person, PersonPatch, PersonQuery};
use concentric_core::team::{Membership, Team};
use concentric_core::{PersonId, TeamId};
use serde::Deserialize;

use super::view::{
    every_page, form_errors, query_string, refused, render, render_status, time_zones, FormErrors, Layout, NoticeQuery,
    Pager,
};
use crate::auth::{CsrfForm, Viewer};
use crate::error::WebError;
use crate::mail::{issue_link, PasswordLink};
use crate::state::AppState;
use concentric_core::mail::LinkPurpose;

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage {
    layout: Layout,
    people: Vec<Person>,
    teams: Vec<Team>,
    q: String,
    team: Option<i64>,
    include_inactive: bool,
    pager: Pager,
    /// The list, with its filters, as a CSV download.
    csv: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct PeopleFilter {
    q: Option<String>,
    team: Option<String>,
    include_inactive: Option<String>,
    #[serde(default, deserialize_with = "concentric_core::page::offset")]
    offset: Option<u64>,
}

impl PeoplePage {
    fn is_selected(&self, t: &Team) -> bool {
        self.team == Some(t.id.0)
    }
}

/// The directory as CSV, with the same filters as the page.
pub async fn people_csv(
    State(state): State<AppState>,
    _viewer: Viewer,
    Query(f): Query<PeopleFilter>,
) -> Result<Response, WebError> {
    let team = f.team.as_deref().and_then(|t| t.parse::<i64>().ok());
    let query = PersonQuery { q: f.q.clone(), team: team.map(TeamId), include_inactive: f.include_inactive.is_some() };
    let people = every_page(usize::MAX, |page| state.store.list_people(&query, page)).await?;
    // The import's own columns, so an export can be edited and read back in.
    let header = ["email", "name", "title", "manager_email", "time_zone", "weekly_capacity_hours", "admin"];
    let rows = people.iter().map(|p| {
        vec![
            p.email.clone(),
            p.name.clone(),
            p.title.clone(),
            p.manager_email.clone().unwrap_or_default(),
            p.time_zone.clone(),
            p.weekly_capacity_hours.to_string(),
            p.is_admin.to_string(),
        ]
    });
    Ok(crate::download::csv_response("people.csv", concentric_core::export::csv(&header, rows)))
}

pub async fn people_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(f): Query<PeopleFilter>,
) -> Result<Response, WebError> {
    let team = f.team.as_deref().and_then(|t| t.parse::<i64>().ok());
    let include_inactive = f.include_inactive.is_some();
    let query = PersonQuery { q: f.q.clone(), team: team.map(TeamId), include_inactive };
    let page = state.store.list_people(&query, PageRequest { limit: Some(50), offset: f.offset }).await?;
    let teams = super::view::all_teams(&state).await?;
    let q = f.q.unwrap_or_default();
    let team_s = team.map(|t| t.to_string()).unwrap_or_default();
    let base = format!(
        "/people?{}",
        query_string(&[("q", &q), ("team", &team_s), ("include_inactive", if include_inactive { "on" } else { "" })])
    );
    let pager = Pager::new(&page, &base);
    let csv = base.replacen("/people?", "/people.csv?", 1);
    render(&PeoplePage {
        csv,
        layout: Layout::new(&viewer, "People", "people"),
        people: page.items,
        teams,
        q,
        team,
        include_inactive,
        pager,
    })
}

#[derive(Template)]
#[template(path = "person.html")]
pub(super) struct PersonPage {
    layout: Layout,
    person: Person,
    teams: Vec<Membership>,
    chain: Vec<Person>,
    reports: Vec<Person>,
    events: Vec<Event>,
    can_edit: bool,
    can_admin: bool,
    /// Whether the person has a password yet (shown to admins, who can send a link).
    has_password: bool,
    mail_on: bool,
    /// A link just made, to copy and hand over.
    link: Option<PasswordLink>,
    /// Their time off, for those who plan it (themselves, admins, their teams' leads).
    pub(super) time_off: Option<Vec<concentric_core::capacity::TimeOff>>,
    pub(super) off_form: super::time_off::TimeOffForm,
    pub(super) off_errors: FormErrors,
    /// The latest thanks to them.
    thanks: Vec<concentric_core::thanks::Thanks>,
    is_self: bool,
}

fn parse_id(raw: &str) -> Result<PersonId, WebError> {
    raw.parse().map(PersonId).map_err(|_| WebError::NotFound)
}

pub async fn person_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(notice): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let person = state.store.person(parse_id(&id)?).await?;
    let layout = Layout::new(&viewer, person.name.clone(), "people").with_notice(&notice);
    render(&person_view(&state, &viewer, person, layout, None).await?)
}

pub(super) async fn person_view(
    state: &AppState,
    viewer: &Viewer,
    person: Person,
    layout: Layout,
    link: Option<PasswordLink>,
) -> Result<PersonPage, WebError> {
    let store = &state.store;
    let has_password = viewer.actor.is_admin && store.has_password(person.id).await?;
    let time_off = match store.time_off(&viewer.actor, person.id).await {
        Ok(list) => Some(list),
        Err(concentric_store::StoreError::Forbidden(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let thanked = concentric_core::thanks::ThanksFilter { team: None, person: Some(person.id) };
    Ok(PersonPage {
        thanks: store.list_thanks(thanked, PageRequest::first(5)).await?.items,
        is_self: viewer.actor.is_person(person.id),
        time_off,
        off_form: super::time_off::TimeOffForm::default(),
        off_errors: FormErrors::default(),
        layout,
        teams: store.memberships_of(person.id).await?,
        chain: store.manager_chain(person.id).await?,
        reports: store.direct_reports(person.id).await?,
        events: store.events_for("person", person.id.0, PageRequest::first(20)).await?.items,
        can_edit: viewer.actor.can_edit_person(person.id, false),
        can_admin: viewer.actor.is_admin,
        has_password,
        mail_on: state.mailer.is_configured(),
        link,
        person,
    })
}

#[derive(Debug, Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    send: Option<String>,
}

/// Makes a link for the person to set a password (an invitation, or a reset when they have one),
/// mails it when asked and mail is on, and shows it to copy.
pub async fn sign_in_link(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<LinkForm>,
) -> Result<Response, WebError> {
    let person = state.store.person(parse_id(&id)?).await?;
    let purpose = if state.store.has_password(person.id).await? { LinkPurpose::Reset } else { LinkPurpose::Invitation };
    let link = issue_link(&state, &viewer.actor, person.id, purpose, form.send.is_some()).await?;
    let layout = Layout::new(&viewer, person.name.clone(), "people");
    render(&person_view(&state, &viewer, person, layout, Some(link)).await?)
}

#[derive(Template)]
#[template(path = "person_form.html")]
struct PersonFormPage {
    layout: Layout,
    /// `None` when adding a person.
    id: Option<i64>,
    form: PersonForm,
    errors: FormErrors,
    can_admin: bool,
    zones: Vec<&'static str>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PersonForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    manager_email: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    weekly_capacity_hours: String,
    /// Checkbox: present when ticked.
    is_admin: Option<String>,
    /// On the new-person form: make an invitation link (and mail it when mail is on).
    #[serde(default)]
    invite: Option<String>,
}

impl PersonForm {
    fn capacity(&self) -> Result<f64, FormErrors> {
        match self.weekly_capacity_hours.trim() {
            "" => Ok(concentric_core::person::DEFAULT_CAPACITY_HOURS),
            v => v
                .parse()
                .map_err(|_| FormErrors::one("weekly_capacity_hours", format!("`{v}` is not a number of hours"))),
        }
    }
}

fn form_page(viewer: &Viewer, id: Option<i64>, form: PersonForm, errors: FormErrors) -> PersonFormPage {
    let title = if id.is_some() { format!("Edit {}", form.name) } else { "Add a person".to_owned() };
    PersonFormPage {
        layout: Layout::new(viewer, title, "people"),
        id,
        form,
        errors,
        can_admin: viewer.actor.is_admin,
        zones: time_zones().collect(),
    }
}

/// `?email=` fills the email in, when a team's member form met someone not in the directory.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewPersonQuery {
    email: String,
}

pub async fn new_person_page(viewer: Viewer, Query(q): Query<NewPersonQuery>) -> Result<Response, WebError> {
    viewer.actor.require_admin("add people").map_err(|f| WebError::Forbidden(f.0.to_owned()))?;
    let form = PersonForm {
        email: q.email.trim().to_owned(),
        time_zone: viewer.person.time_zone.clone(),
        invite: Some("on".into()),
        weekly_capacity_hours: "40".into(),
        ..Default::default()
    };
    render(&form_page(&viewer, None, form, FormErrors::default()))
}

pub async fn create_person(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<PersonForm>,
) -> Result<Response, WebError> {
    let capacity = match form.capacity() {
        Ok(c) => c,
        Err(errors) => return render_status(StatusCode::UNPROCESSABLE_ENTITY, &form_page(&viewer, None, form, errors)),
    };
    let new = NewPerson {
        email: form.email.clone(),
        name: form.name.clone(),
        title: form.title.clone(),
        manager_email: Some(form.manager_email.clone()),
        time_zone: form.time_zone.clone(),
        weekly_capacity_hours: capacity,
        is_admin: form.is_admin.is_some(),
    };
    match state.store.create_person(&viewer.actor, new).await {
        Ok(p) if form.invite.is_some() => {
            let link = issue_link(&state, &viewer.actor, p.id, LinkPurpose::Invitation, true).await?;
            let layout = Layout::new(&viewer, p.name.clone(), "people");
            render(&person_view(&state, &viewer, p, layout, Some(link)).await?)
        }
        Ok(p) => Ok(Redirect::to(&format!("/people/{}?notice=created", p.id)).into_response()),
        Err(e) => render_status(StatusCode::UNPROCESSABLE_ENTITY, &form_page(&viewer, None, form, form_errors(e)?)),
    }
}

pub async fn edit_person_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let person = state.store.person(parse_id(&id)?).await?;
    if !viewer.actor.can_edit_person(person.id, false) {
        return Err(WebError::Forbidden("change this person".into()));
    }
    let form = PersonForm {
        email: person.email.clone(),
        name: person.name.clone(),
        title: person.title.clone(),
        manager_email: person.manager_email.clone().unwrap_or_default(),
        time_zone: person.time_zone.clone(),
        weekly_capacity_hours: person.weekly_capacity_hours.to_string(),
        is_admin: person.is_admin.then(|| "on".to_owned()),
        invite: None,
    };
    render(&form_page(&viewer, Some(person.id.0), form, FormErrors::default()))
}

pub async fn update_person(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<PersonForm>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let capacity = match form.capacity() {
        Ok(c) => c,
        Err(errors) => {
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &form_page(&viewer, Some(id.0), form, errors))
        }
    };
    // Only admins see (and so send) the admin-only fields; others change what is theirs to change.
    let patch = if viewer.actor.is_admin {
        PersonPatch {
            name: Some(form.name.clone()),
            title: Some(form.title.clone()),
            manager_email: Some(Some(form.manager_email.clone())),
            time_zone: Some(form.time_zone.clone()),
            weekly_capacity_hours: Some(capacity),
            is_admin: Some(form.is_admin.is_some()),
        }
    } else {
        PersonPatch {
            name: Some(form.name.clone()),
            title: Some(form.title.clone()),
            time_zone: Some(form.time_zone.clone()),
            ..Default::default()
        }
    };
    match state.store.update_person(&viewer.actor, id, patch).await {
        Ok(p) => Ok(Redirect::to(&format!("/people/{}?notice=saved", p.id)).into_response()),
        Err(e) => {
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &form_page(&viewer, Some(id.0), form, form_errors(e)?))
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ActiveForm {
    active: String,
}

pub async fn set_person_active(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ActiveForm>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let active = form.active == "true";
    match state.store.set_person_active(&viewer.actor, id, active).await {
        Ok(_) => {
            let notice = if active { "reactivated" } else { "deactivated" };
            Ok(Redirect::to(&format!("/people/{id}?notice={notice}")).into_response())
        }
        Err(e) => refused("Cannot deactivate this person", e),
    }
}
