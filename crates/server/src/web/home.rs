//! The home page and the readable API reference.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{DateTime, Utc};
use concentric_core::person::Person;
use utoipa::openapi::path::Operation;
use utoipa::openapi::{RefOr, Required};
use utoipa::OpenApi;

use super::view::{render, Layout, NoticeQuery};
use crate::auth::Viewer;
use crate::error::WebError;
use crate::home::{cockpit, Cockpit, LeadView};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    first_name: String,
    home: Cockpit,
    now: DateTime<Utc>,
    manager: Option<Person>,
    reports: Vec<Person>,
}

impl HomePage {
    /// Leads a team or has people reporting: their workload is worth a look before asking more.
    fn manages(&self) -> bool {
        !self.home.led.is_empty() || !self.reports.is_empty()
    }

    fn steps_done(&self) -> usize {
        self.home.getting_started.iter().flatten().filter(|s| s.done).count()
    }

    /// A led team's first ring, drawn.
    fn ring_svg(&self, l: &LeadView) -> String {
        concentric_core::circles::circles_svg(&l.team_key, &l.team_name, &l.ring, &l.edges)
    }
}

pub async fn home_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(notice): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let store = &state.store;
    let me = &viewer.person;
    let manager = match me.manager_id {
        Some(id) => Some(store.person(id).await?),
        None => None,
    };
    let page = HomePage {
        layout: Layout::new(&viewer, "Home", "home").with_notice(&notice),
        first_name: me.name.split_whitespace().next().unwrap_or(&me.name).to_owned(),
        home: cockpit(&state, &viewer.actor, me).await?,
        now: state.time.now().to_utc(),
        manager,
        reports: store.direct_reports(me.id).await?,
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct ApiDocsPage {
    layout: Layout,
    intro: String,
    groups: Vec<(String, String, Vec<Endpoint>)>,
}

struct Endpoint {
    method: &'static str,
    path: String,
    summary: String,
    params: Vec<(String, String, bool)>,
    body: Option<String>,
    responses: Vec<(String, String)>,
}

fn schema_name(r: &RefOr<utoipa::openapi::schema::Schema>) -> String {
    match r {
        RefOr::Ref(r) => r.ref_location.rsplit('/').next().unwrap_or_default().to_owned(),
        RefOr::T(_) => "inline".to_owned(),
    }
}

fn endpoint(method: &'static str, path: &str, op: &Operation) -> Endpoint {
    let params = op
        .parameters
        .iter()
        .flatten()
        .map(|p| (p.name.clone(), p.description.clone().unwrap_or_default(), matches!(p.required, Required::True)))
        .collect();
    let body = op.request_body.as_ref().map(|b| {
        b.content
            .iter()
            .map(|(ty, c)| format!("{ty}: {}", c.schema.as_ref().map_or_else(|| "text".to_owned(), schema_name)))
            .collect::<Vec<_>>()
            .join(", ")
    });
    let responses = op
        .responses
        .responses
        .iter()
        .map(|(code, r)| {
            let what = match r {
                RefOr::T(r) => {
                    r.content.values().next().and_then(|c| c.schema.as_ref()).map_or_else(String::new, schema_name)
                }
                RefOr::Ref(r) => r.ref_location.clone(),
            };
            (code.clone(), what)
        })
        .collect();
    Endpoint {
        method,
        path: path.to_owned(),
        summary: op.summary.clone().or_else(|| op.description.clone()).unwrap_or_default(),
        params,
        body,
        responses,
    }
}

/// The OpenAPI document rendered as a page, grouped by tag; works offline, unlike hosted viewers.
pub async fn api_docs_page(viewer: Viewer) -> Result<Response, WebError> {
    let doc = crate::api::ApiDoc::openapi();
    let tags: Vec<(String, String)> =
        doc.tags.iter().flatten().map(|t| (t.name.clone(), t.description.clone().unwrap_or_default())).collect();
    let mut groups: Vec<(String, String, Vec<Endpoint>)> = tags.into_iter().map(|(n, d)| (n, d, Vec::new())).collect();
    for (path, item) in &doc.paths.paths {
        let ops = [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
        ];
        for (method, op) in ops {
            let Some(op) = op else { continue };
            let tag = op.tags.as_ref().and_then(|t| t.first()).cloned().unwrap_or_default();
            if let Some(group) = groups.iter_mut().find(|g| g.0 == tag) {
                group.2.push(endpoint(method, path, op));
            }
        }
    }
    render(&ApiDocsPage {
        layout: Layout::new(&viewer, "API reference", "api"),
        intro: crate::markdown::to_safe_html(doc.info.description.as_deref().unwrap_or_default()),
        groups,
    })
}
