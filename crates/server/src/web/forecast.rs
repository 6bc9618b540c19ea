//! A team's forecast page: its open work in the order it is worked, when each item would be
//! done at the team's capacity, and which would miss their targets.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use concentric_core::forecast::{ForecastItem, TeamForecast};
use concentric_core::team::Team;

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
