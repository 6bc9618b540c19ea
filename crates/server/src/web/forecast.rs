//! A team's forecast page (its open work in the order it is worked, when each item would be done
//! at the team's capacity, and which would miss their targets) and the workload pages: a team's
//! load against capacity by week, and a manager's view across teams.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use concentric_core::forecast::{ForecastItem, TeamForecast};
use concentric_core::team::Team;
use concentric_core::workload::{workload_svg, LoadItem, PersonLoad, TeamWorkload, WeekLoad};
use serde::Deserialize;

use super::view::{render, Layout};
use crate::auth::Viewer;
use crate::error::WebError;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "forecast.html")]
struct ForecastPage {
    layout: Layout,
    team: Team,
    forecast: TeamForecast,
    late: usize,
}

impl ForecastPage {
    fn when(&self, at: &Option<chrono::DateTime<chrono::Utc>>) -> String {
        at.as_ref().map_or_else(|| String::from("not within a year"), |t| self.layout.when_soon(t))
    }

    fn late_by(&self, item: &ForecastItem) -> Option<String> {
        item.late_ms.map(concentric_core::forecast::format_delay)
    }
}

pub async fn forecast_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
) -> Result<Response, WebError> {
    let team = state.store.team_by_key(&key).await?;
    let forecast = state.store.team_forecast(&viewer.actor, team.id, state.time.now().to_utc()).await?;
    let late = forecast.items.iter().filter(|i| i.late_ms.is_some()).count();
    let layout = Layout::new(&viewer, format!("{} forecast", team.name), "teams");
    render(&ForecastPage { layout, team, forecast, late })
}

/// The forecast as CSV: each item in the order the team works it.
pub async fn forecast_csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
) -> Result<Response, WebError> {
    let team = state.store.team_by_key(&key).await?;
    let forecast = state.store.team_forecast(&viewer.actor, team.id, state.time.now().to_utc()).await?;
    let time = |t: &Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    let header = ["item", "title", "priority", "assignee", "hours left", "due", "start", "finish", "late by"];
    let rows = forecast.items.iter().map(|i| {
        vec![
            i.label.clone(),
            i.title.clone(),
            i.priority.to_string(),
            i.assignee_name.clone().unwrap_or_default(),
            format!("{:.1}", i.effort_hours),
            time(&i.due),
            time(&i.start),
            time(&i.finish),
            i.late_ms.map(concentric_core::forecast::format_delay).unwrap_or_default(),
        ]
    });
    let name = format!("{}-forecast.csv", team.key.to_lowercase());
    Ok(crate::download::csv_response(&name, concentric_core::export::csv(&header, rows)))
}

/// The workload as CSV: one row per person (and the unassigned work) and week.
pub async fn workload_csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
) -> Result<Response, WebError> {
    let team = state.store.team_by_key(&key).await?;
    let workload = state.store.team_workload(&viewer.actor, team.id, state.time.now().to_utc()).await?;
    let header = ["person", "week of", "hours of work", "hours available", "over"];
    let rows = workload.people.iter().flat_map(|p| {
        p.weeks.iter().map(move |w| {
            vec![
                p.name.clone(),
                w.starts_on.to_string(),
                format!("{:.1}", w.load_hours),
                format!("{:.1}", w.capacity_hours),
                w.over.to_string(),
            ]
        })
    });
    let name = format!("{}-workload.csv", team.key.to_lowercase());
    Ok(crate::download::csv_response(&name, concentric_core::export::csv(&header, rows)))
}

/// Which bar's items to list: a week, and optionally one person (`none`: unassigned work).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WorkloadQuery {
    week: Option<usize>,
    person: Option<String>,
}

/// The items behind one bar or cell, with where they came from.
struct Behind {
    heading: String,
    items: Vec<(String, LoadItem)>,
}

#[derive(Template)]
#[template(path = "workload.html")]
struct WorkloadPage {
    layout: Layout,
    team: Team,
    workload: TeamWorkload,
    chart: String,
    behind: Option<Behind>,
}

impl WorkloadPage {
    fn week_label(&self, w: &WeekLoad) -> String {
        w.starts_on.format("%-d %b").to_string()
    }
}

/// `?week=2&person=17` as the link of one cell (`person=none`: the unassigned row).
fn cell_link(week: &usize, person: &Option<i64>) -> String {
    match person {
        Some(p) => format!("?week={week}&person={p}#items"),
        None => format!("?week={week}&person=none#items"),
    }
}

/// Lists what sits behind the chosen week (and person), largest first.
fn behind(w: &TeamWorkload, q: &WorkloadQuery) -> Option<Behind> {
    let week = q.week.filter(|&k| k < w.team.len())?;
    let date = w.team[week].starts_on.format("%-d %b");
    let rows: Vec<&PersonLoad> = match q.person.as_deref() {
        None => w.people.iter().collect(),
        Some("none") => w.people.iter().filter(|p| p.person_id.is_none()).collect(),
        Some(id) => w.people.iter().filter(|p| p.person_id.map(|i| i.to_string()).as_deref() == Some(id)).collect(),
    };
    let heading = match (q.person.as_deref(), rows.first()) {
        (Some(_), Some(p)) => format!("{} in the week of {date}", p.name),
        _ => format!("The team in the week of {date}"),
    };
    let mut items: Vec<(String, LoadItem)> =
        rows.iter().flat_map(|p| p.items[week].iter().map(|i| (p.name.clone(), i.clone()))).collect();
    items.sort_by(|a, b| b.1.hours.total_cmp(&a.1.hours));
    Some(Behind { heading, items })
}

pub async fn workload_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    Query(q): Query<WorkloadQuery>,
) -> Result<Response, WebError> {
    let team = state.store.team_by_key(&key).await?;
    let workload = state.store.team_workload(&viewer.actor, team.id, state.time.now().to_utc()).await?;
    let chart =
        workload_svg(&format!("{} workload by week", team.name), &workload.team, &|k| format!("?week={k}#items"));
    let behind = behind(&workload, &q);
    let layout = Layout::new(&viewer, format!("{} workload", team.name), "teams");
    render(&WorkloadPage { layout, team, workload, chart, behind })
}

#[derive(Template)]
#[template(path = "my_workload.html")]
struct ManagedPage {
    layout: Layout,
    teams: Vec<(TeamWorkload, String)>,
    people: Vec<PersonLoad>,
}

impl ManagedPage {
    fn week_label(&self, w: &WeekLoad) -> String {
        w.starts_on.format("%-d %b").to_string()
    }

    fn weeks(&self) -> Vec<String> {
        let first = self
            .teams
            .first()
            .map(|t| &t.0.team)
            .or_else(|| self.people.iter().map(|p| &p.weeks).find(|w| !w.is_empty()));
        first.map(|w| w.iter().map(|x| self.week_label(x)).collect()).unwrap_or_default()
    }
}

/// A manager's view: the teams they lead and the people who report to them.
pub async fn managed_workload_page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    let (teams, people) = state.store.managed_workload(&viewer.actor, state.time.now().to_utc()).await?;
    let teams = teams
        .into_iter()
        .map(|t| {
            let key = t.team_key.clone();
            let chart = workload_svg(&format!("{} workload by week", t.team_name), &t.team, &|k| {
                format!("/teams/{key}/workload?week={k}#items")
            });
            (t, chart)
        })
        .collect();
    let layout = Layout::new(&viewer, "Workload of your teams and people".to_owned(), "teams");
    render(&ManagedPage { layout, teams, people })
}
