//! Time off from a person's page: whole or half days, added by the person, an admin or a lead
//! of one of their teams, and taken out of every forecast and workload.

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use concentric_core::capacity::NewTimeOff;
use concentric_core::{FieldError, Invalid, PersonId};
use serde::Deserialize;

use super::people::person_view;
use super::view::{form_errors, render_status, FormErrors, Layout};
use crate::auth::{CsrfForm, Viewer};
use crate::error::WebError;
use crate::state::AppState;

/// The time-off form as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TimeOffForm {
    pub starts_on: String,
    pub ends_on: String,
    pub half_day: Option<String>,
    pub note: String,
}

impl TimeOffForm {
    /// The time off typed, or every problem with it at once.
    fn to_new(&self) -> Result<NewTimeOff, Invalid> {
        let mut errors = Vec::new();
        let date = |s: &str, field: &str, errors: &mut Vec<FieldError>| match s.trim() {
            "" => None,
            t => t
                .parse::<NaiveDate>()
                .map_err(|_| errors.push(FieldError::new(field, "give a date such as 2026-12-21")))
                .ok(),
        };
        let starts = date(&self.starts_on, "starts_on", &mut errors);
        if self.starts_on.trim().is_empty() {
            errors.push(FieldError::new("starts_on", "give the first day off"));
        }
        let ends = date(&self.ends_on, "ends_on", &mut errors);
        let new = starts.map(|starts_on| NewTimeOff {
            starts_on,
            ends_on: ends,
            half_day: self.half_day.is_some(),
            note: self.note.clone(),
        });
        if let Some(Err(e)) = new.as_ref().map(NewTimeOff::check) {
            errors.extend(e.0);
        }
        match new {
            Some(new) if errors.is_empty() => Ok(new),
            _ => Err(Invalid(errors)),
        }
    }
}

fn person_id(raw: &str) -> Result<PersonId, WebError> {
    raw.parse().map(PersonId).map_err(|_| WebError::NotFound)
}

pub async fn add_time_off(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<TimeOffForm>,
) -> Result<Response, WebError> {
    let id = person_id(&id)?;
    let saved = match form.to_new() {
        Ok(new) => state.store.add_time_off(&viewer.actor, id, new).await,
        Err(e) => Err(e.into()),
    };
    match saved {
        Ok(_) => Ok(Redirect::to(&format!("/people/{id}?notice=saved#time-off")).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            let person = state.store.person(id).await?;
            let layout = Layout::new(&viewer, person.name.clone(), "people");
            let mut page = person_view(&state, &viewer, person, layout, None).await?;
            page.off_form = form;
            page.off_errors = errors;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

/// Shows the person's page again with the time-off card's messages.
async fn refused(
    state: &AppState,
    viewer: &Viewer,
    id: PersonId,
    status: StatusCode,
    errors: FormErrors,
) -> Result<Response, WebError> {
    let person = state.store.person(id).await?;
    let layout = Layout::new(viewer, person.name.clone(), "people");
    let mut page = person_view(state, viewer, person, layout, None).await?;
    page.off_errors = errors;
    render_status(status, &page)
}

/// An .ics upload (`csrf`, `file`): the person's out-of-office calendar.
pub async fn import_time_off(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, WebError> {
    let id = person_id(&id)?;
    let parts = match super::upload::read(req, &state).await {
        Ok(Ok(parts)) => parts,
        Ok(Err((status, message))) => {
            return refused(&state, &viewer, id, status, FormErrors::one("file", message)).await
        }
        Err(refused) => return Ok(refused),
    };
    let data = parts.get("file").map(|p| p.data.to_vec()).unwrap_or_default();
    if data.is_empty() {
        let errors = FormErrors::one("file", "choose a calendar file (.ics)");
        return refused(&state, &viewer, id, StatusCode::UNPROCESSABLE_ENTITY, errors).await;
    }
    let text = String::from_utf8_lossy(&data);
    match state.store.import_time_off(&viewer.actor, id, &text).await {
        Ok(_) => Ok(Redirect::to(&format!("/people/{id}?notice=saved#time-off")).into_response()),
        Err(concentric_store::StoreError::Invalid(inv)) => {
            // Every event's problem in one message, since they all belong to the file.
            let all: Vec<String> = inv.0.into_iter().map(|e| e.message).collect();
            let errors = FormErrors::one("file", format!("Nothing was imported: {}.", all.join("; ")));
            refused(&state, &viewer, id, StatusCode::UNPROCESSABLE_ENTITY, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn remove_time_off(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<super::account::EmptyForm>,
) -> Result<Response, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let person = state.store.remove_time_off(&viewer.actor, id).await?;
    Ok(Redirect::to(&format!("/people/{person}?notice=saved#time-off")).into_response())
}
