//! `/api/v1/people` and `/api/v1/me`.

use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use concentric_core::event::Event;
use concentric_core::page::{Page, PageRequest};
use concentric_core::person::{NewPerson, Person, PersonPatch, PersonQuery};
use concentric_core::team::Membership;
use concentric_core::PersonId;
use serde::Serialize;

use super::{ApiJson, ApiList, ApiPath, ApiQuery};
use crate::auth::ApiUser;
use crate::error::{ApiError, Problem};
use crate::state::AppState;
use axum::extract::State;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me", get(me))
        .route("/api/v1/me/home", get(my_home))
        .route("/api/v1/people", get(list_people).post(create_person))
        .route("/api/v1/people/{id}", get(get_person).patch(update_person))
        .route("/api/v1/people/{id}/deactivate", post(deactivate_person))
        .route("/api/v1/people/{id}/reactivate", post(reactivate_person))
        .route("/api/v1/people/{id}/events", get(person_events))
}

/// A person with where they sit in the organisation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PersonDetail {
    #[serde(flatten)]
    pub person: Person,
    pub teams: Vec<Membership>,
    /// Managers above the person, nearest first.
    pub manager_chain: Vec<PersonRef>,
    pub direct_reports: Vec<PersonRef>,
}

/// A short reference to a person.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PersonRef {
    pub id: PersonId,
    pub name: String,
    pub email: String,
    pub title: String,
}

impl From<Person> for PersonRef {
    fn from(p: Person) -> Self {
        Self { id: p.id, name: p.name, email: p.email, title: p.title }
    }
}

async fn detail(state: &AppState, person: Person) -> Result<PersonDetail, ApiError> {
    let store = &state.store;
    Ok(PersonDetail {
        teams: store.memberships_of(person.id).await?,
        manager_chain: store.manager_chain(person.id).await?.into_iter().map(PersonRef::from).collect(),
        direct_reports: store.direct_reports(person.id).await?.into_iter().map(PersonRef::from).collect(),
        person,
    })
}

/// The person the token belongs to.
#[utoipa::path(get, path = "/api/v1/me", tag = "people",
    responses((status = 200, body = PersonDetail), (status = 401, body = Problem)))]
pub async fn me(State(state): State<AppState>, user: ApiUser) -> Result<Json<PersonDetail>, ApiError> {
    Ok(Json(detail(&state, user.person).await?))
}

/// What the token's person starts the day with: requests assigned to them, their teams'
/// unassigned and at-risk requests, deliveries and action items on them, their led teams'
/// partnerships, breaches and proposals, their own open requests, and (for an admin of a new
/// install) the getting-started steps.
#[utoipa::path(get, path = "/api/v1/me/home", tag = "people",
    responses((status = 200, body = crate::home::Cockpit), (status = 401, body = Problem)))]
pub async fn my_home(State(state): State<AppState>, user: ApiUser) -> Result<Json<crate::home::Cockpit>, ApiError> {
    Ok(Json(crate::home::cockpit(&state, &user.actor, &user.person).await?))
}

/// Search the directory.
#[utoipa::path(get, path = "/api/v1/people", tag = "people", params(PersonQuery, PageRequest),
    responses((status = 200, body = Page<Person>), (status = 400, body = Problem), (status = 401, body = Problem)))]
pub async fn list_people(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiList(query, page): ApiList<PersonQuery>,
) -> Result<Json<Page<Person>>, ApiError> {
    Ok(Json(state.store.list_people(&query, page).await?))
}

/// Add a person (admins).
#[utoipa::path(post, path = "/api/v1/people", tag = "people", request_body = NewPerson,
    responses((status = 201, body = Person), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_person(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(new): ApiJson<NewPerson>,
) -> Result<(StatusCode, Json<Person>), ApiError> {
    Ok((StatusCode::CREATED, Json(state.store.create_person(&user.actor, new).await?)))
}

/// A person, their teams, managers and reports.
#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "people", params(("id" = i64, Path)),
    responses((status = 200, body = PersonDetail), (status = 404, body = Problem)))]
pub async fn get_person(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PersonDetail>, ApiError> {
    let person = state.store.person(PersonId(id)).await?;
    Ok(Json(detail(&state, person).await?))
}

/// Change a person. People change their own name, title and time zone; admins anything.
#[utoipa::path(patch, path = "/api/v1/people/{id}", tag = "people", params(("id" = i64, Path)), request_body = PersonPatch,
    responses((status = 200, body = Person), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn update_person(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(patch): ApiJson<PersonPatch>,
) -> Result<Json<Person>, ApiError> {
    Ok(Json(state.store.update_person(&user.actor, PersonId(id), patch).await?))
}

/// Deactivate a person (admins): their sessions end and their API tokens stop working.
#[utoipa::path(post, path = "/api/v1/people/{id}/deactivate", tag = "people", params(("id" = i64, Path)),
    responses((status = 200, body = Person), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn deactivate_person(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Person>, ApiError> {
    Ok(Json(state.store.set_person_active(&user.actor, PersonId(id), false).await?))
}

/// Reactivate a person (admins).
#[utoipa::path(post, path = "/api/v1/people/{id}/reactivate", tag = "people", params(("id" = i64, Path)),
    responses((status = 200, body = Person), (status = 403, body = Problem)))]
pub async fn reactivate_person(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Person>, ApiError> {
    Ok(Json(state.store.set_person_active(&user.actor, PersonId(id), true).await?))
}

/// The change history of a person, newest first.
#[utoipa::path(get, path = "/api/v1/people/{id}/events", tag = "people", params(("id" = i64, Path), PageRequest),
    responses((status = 200, body = Page<Event>)))]
pub async fn person_events(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(page): ApiQuery<PageRequest>,
) -> Result<Json<Page<Event>>, ApiError> {
    state.store.person(PersonId(id)).await?;
    Ok(Json(state.store.events_for("person", id, page).await?))
}
