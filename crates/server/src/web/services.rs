//! Catalog pages: every team's services, one service with its request form, and the service
//! editor with a form builder that works without JavaScript.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use concentric_core::form::{FieldDef, FieldKind, FIELD_KINDS};
use concentric_core::page::PageRequest;
use concentric_core::request::{NewRequest, Priority};
use concentric_core::service::{Audience, NewService, Service};
use concentric_core::target::ClockKind;
use concentric_core::team::Team;
use serde::Deserialize;
use serde_json::Value;

use super::view::{form_errors, render, render_status, FormErrors, Layout, NoticeQuery};
use crate::auth::{CsrfForm, Viewer};
use crate::error::WebError;
use crate::markdown::to_safe_html;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "services.html")]
struct CatalogPage {
    layout: Layout,
    q: String,
    /// Team name → its services.
    groups: Vec<(String, String, Vec<ServiceCard>)>,
    total: u64,
}

struct ServiceCard {
    service: Service,
    may_request: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct CatalogFilter {
    q: Option<String>,
}

pub async fn catalog_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(f): Query<CatalogFilter>,
) -> Result<Response, WebError> {
    let query = concentric_store::ServiceQuery { text: f.q.clone(), ..Default::default() };
    let page = state.store.list_services(&query, PageRequest::first(200)).await?;
    let mut groups: Vec<(String, String, Vec<ServiceCard>)> = Vec::new();
    for service in page.items {
        let may_request = service.may_request(&viewer.actor);
        let card = ServiceCard { service, may_request };
        match groups.last_mut() {
            Some(g) if g.0 == card.service.team_key => g.2.push(card),
            _ => groups.push((card.service.team_key.clone(), card.service.team_name.clone(), vec![card])),
        }
    }
    render(&CatalogPage {
        layout: Layout::new(&viewer, "Services", "services"),
        q: f.q.unwrap_or_default(),
        groups,
        total: page.total,
    })
}

/// The catalog as CSV, with the same search as the page.
pub async fn catalog_csv(
    State(state): State<AppState>,
    _viewer: Viewer,
    Query(f): Query<CatalogFilter>,
) -> Result<Response, WebError> {
    let query = concentric_store::ServiceQuery { text: f.q.clone(), ..Default::default() };
    let services = state.store.list_services(&query, PageRequest::first(concentric_core::page::MAX_LIMIT)).await?.items;
    let header = ["team", "team name", "service", "name", "summary", "default priority", "hours of work"];
    let rows = services.into_iter().map(|s| {
        vec![
            s.team_key,
            s.team_name,
            s.slug,
            s.name,
            s.summary,
            s.default_priority.to_string(),
            s.default_effort_hours.to_string(),
        ]
    });
    Ok(crate::download::csv_response("services.csv", concentric_core::export::csv(&header, rows)))
}

#[derive(Template)]
#[template(path = "service.html")]
struct ServicePage {
    layout: Layout,
    service: Service,
    description_html: String,
    may_request: bool,
    can_manage: bool,
    my_teams: Vec<(String, String)>,
    values: HashMap<String, Vec<String>>,
    subject: String,
    description: String,
    priority: String,
    on_behalf_of: String,
    errors: FormErrors,
    /// "What's the cost?" of one more request, slips shown at P1; `None` when it cannot be asked.
    cost: Option<concentric_core::forecast::Cost>,
    /// The targets a request would get, by priority: first response and resolution, in words.
    targets: Vec<(Priority, String, String)>,
}

impl ServicePage {
    fn when(&self, at: &Option<chrono::DateTime<chrono::Utc>>) -> String {
        at.as_ref().map_or_else(|| String::from("not within a year"), |t| self.layout.when_soon(t))
    }

    fn delay(&self, ms: &i64) -> String {
        concentric_core::forecast::format_delay(*ms)
    }

    fn value(&self, name: &str) -> &str {
        self.values.get(name).and_then(|v| v.first()).map_or("", String::as_str)
    }

    fn chosen(&self, name: &str, option: &str) -> bool {
        self.values.get(name).is_some_and(|v| v.iter().any(|o| o == option))
    }

    fn field_error(&self, name: &str) -> Option<&str> {
        self.errors.get(&format!("fields.{name}"))
    }
}

async fn service_view(state: &AppState, viewer: &Viewer, service: Service) -> Result<ServicePage, WebError> {
    let my_teams = state
        .store
        .memberships_of(viewer.person.id)
        .await?
        .into_iter()
        .map(|m| (m.team_key, m.team_name))
        .collect::<Vec<_>>();
    let may_request = service.may_request(&viewer.actor);
    let cost = match may_request {
        true => {
            let now = state.time.now().to_utc();
            Some(state.store.cost_of(&viewer.actor, service.id, Some(Priority::P1), now).await?)
        }
        false => None,
    };
    let policy = state.store.target_policy(service.id).await?;
    let targets = policy
        .map(|p| {
            let said = |pr, kind| p.target_ms(pr, kind).map(concentric_core::target::format_duration);
            Priority::ALL
                .into_iter()
                .filter_map(|pr| match (said(pr, ClockKind::FirstResponse), said(pr, ClockKind::Resolution)) {
                    (None, None) => None,
                    (first, resolved) => {
                        let none = || String::from("none");
                        Some((pr, first.unwrap_or_else(none), resolved.unwrap_or_else(none)))
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(ServicePage {
        cost,
        targets,
        layout: Layout::new(viewer, service.name.clone(), "services"),
        description_html: to_safe_html(&service.description),
        may_request,
        can_manage: viewer.actor.can_manage_team(service.team_id),
        on_behalf_of: my_teams.first().map(|t| t.0.clone()).unwrap_or_default(),
        my_teams,
        priority: service.default_priority.to_string(),
        values: HashMap::new(),
        subject: String::new(),
        description: String::new(),
        errors: FormErrors::default(),
        service,
    })
}

pub async fn service_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((key, slug)): Path<(String, String)>,
    Query(notice): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let service = state.store.service_by_slug(&key, &slug).await?;
    let mut page = service_view(&state, &viewer, service).await?;
    page.layout = page.layout.with_notice(&notice);
    render(&page)
}

/// Turns the submitted request form (`f.<field>` entries, repeated for multi-selects) into values.
fn form_values(
    service: &Service,
    pairs: &[(String, String)],
) -> (HashMap<String, Vec<String>>, BTreeMap<String, Value>) {
    let mut raw: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in pairs {
        if let Some(name) = k.strip_prefix("f.") {
            raw.entry(name.to_owned()).or_default().push(v.clone());
        }
    }
    let mut values = BTreeMap::new();
    for f in &service.form.fields {
        let Some(given) = raw.get(&f.name) else { continue };
        let value = match f.kind {
            FieldKind::MultiSelect { .. } => Value::Array(given.iter().cloned().map(Value::String).collect()),
            _ => Value::String(given.first().cloned().unwrap_or_default()),
        };
        values.insert(f.name.clone(), value);
    }
    (raw, values)
}

pub async fn file_request(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((key, slug)): Path<(String, String)>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let service = state.store.service_by_slug(&key, &slug).await?;
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let (raw, fields) = form_values(&service, &pairs);
    let new = NewRequest {
        subject: get("subject"),
        description: get("description"),
        priority: Priority::parse(&get("priority")),
        on_behalf_of: Some(get("on_behalf_of")),
        fields,
    };
    match state.store.create_request(&viewer.actor, service.id, new).await {
        Ok(req) => Ok(Redirect::to(&format!("/requests/{}?notice=filed", req.key)).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            let mut page = service_view(&state, &viewer, service).await?;
            page.values = raw;
            page.subject = get("subject");
            page.description = get("description");
            page.priority = get("priority");
            page.on_behalf_of = get("on_behalf_of");
            page.errors = errors;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

#[derive(Template)]
#[template(path = "service_form.html")]
struct ServiceFormPage {
    layout: Layout,
    team: Team,
    /// The slug of the service being edited; `None` when publishing a new one.
    editing: Option<String>,
    form: ServiceForm,
    rows: Vec<FieldRow>,
    kinds: &'static [(&'static str, &'static str)],
    errors: FormErrors,
}

impl ServiceFormPage {
    fn row_error(&self, i: &usize, part: &str) -> Option<&str> {
        self.errors.get(&format!("fields[{i}].{part}"))
    }
}

#[derive(Debug, Clone, Default)]
struct ServiceForm {
    slug: String,
    name: String,
    summary: String,
    description: String,
    audience: String,
    audience_teams: String,
    default_priority: String,
    default_effort_hours: String,
    responders: String,
    round_robin: bool,
}

/// One row of the form builder, as text inputs.
#[derive(Debug, Clone, Default)]
struct FieldRow {
    name: String,
    label: String,
    kind: String,
    options: String,
    min: String,
    max: String,
    required: bool,
    help: String,
}

impl FieldRow {
    fn from_def(f: &FieldDef) -> Self {
        let (min, max) = match &f.kind {
            FieldKind::Number { min, max } => (min.map(|v| v.to_string()), max.map(|v| v.to_string())),
            _ => (None, None),
        };
        Self {
            name: f.name.clone(),
            label: f.label.clone(),
            kind: f.kind.name().to_owned(),
            options: f.kind.options().join("\n"),
            min: min.unwrap_or_default(),
            max: max.unwrap_or_default(),
            required: f.required,
            help: f.help.clone(),
        }
    }

    fn is_blank(&self) -> bool {
        self.name.trim().is_empty() && self.label.trim().is_empty()
    }
}

/// "Add more questions" was pressed: show the editor again with what was typed and more blank
/// rows, saving nothing.
fn wants_more(pairs: &[(String, String)]) -> bool {
    pairs.iter().any(|(k, _)| k == "more")
}

/// Blank rows offered for new fields each time the editor is shown.
const BLANK_ROWS: usize = 3;

fn with_blank_rows(mut rows: Vec<FieldRow>) -> Vec<FieldRow> {
    rows.retain(|r| !r.is_blank());
    rows.extend((0..BLANK_ROWS).map(|_| FieldRow { kind: "short_text".into(), ..Default::default() }));
    rows
}

/// Reads the editor's submission: service settings and `field.N.part` rows, ordered by `field.N.order`.
fn parse_editor(pairs: &[(String, String)]) -> (ServiceForm, Vec<FieldRow>, Result<NewService, FormErrors>) {
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    let name = get("name");
    let slug = match get("slug") {
        s if s.is_empty() => concentric_core::text::slug(&name, '-', 40),
        s => s,
    };
    let form = ServiceForm {
        slug,
        name,
        summary: get("summary"),
        description: get("description"),
        audience: get("audience"),
        audience_teams: get("audience_teams"),
        default_priority: get("default_priority"),
        default_effort_hours: get("default_effort_hours"),
        responders: get("responders"),
        round_robin: pairs.iter().any(|(k, _)| k == "round_robin"),
    };
    let mut rows: BTreeMap<(i64, usize), FieldRow> = BTreeMap::new();
    let mut by_index: BTreeMap<usize, (i64, FieldRow)> = BTreeMap::new();
    for (k, v) in pairs {
        let Some(rest) = k.strip_prefix("field.") else { continue };
        let Some((index, part)) = rest.split_once('.') else { continue };
        let Ok(index) = index.parse::<usize>() else { continue };
        let entry = by_index.entry(index).or_insert_with(|| (index as i64 * 10, FieldRow::default()));
        let v = v.trim().to_owned();
        match part {
            "order" => entry.0 = v.parse().unwrap_or(entry.0),
            "name" => entry.1.name = v,
            "label" => entry.1.label = v,
            "kind" => entry.1.kind = v,
            "options" => entry.1.options = v,
            "min" => entry.1.min = v,
            "max" => entry.1.max = v,
            "required" => entry.1.required = true,
            "help" => entry.1.help = v,
            _ => {}
        }
    }
    for (index, (order, row)) in by_index {
        rows.insert((order, index), row);
    }
    let mut rows: Vec<FieldRow> = rows.into_values().filter(|r| !r.is_blank()).collect();
    // A question given only its label gets its address from it, as the service's from its name.
    for r in rows.iter_mut().filter(|r| r.name.is_empty()) {
        r.name = concentric_core::text::slug(&r.label, '_', 40);
    }
    let mut errors = FormErrors::default();
    let mut fields = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let options = || {
            r.options
                .lines()
                .flat_map(|l| l.split(','))
                .map(|o| o.trim().to_owned())
                .filter(|o| !o.is_empty())
                .collect()
        };
        let number = |text: &str, part: &str, errors: &mut FormErrors| -> Option<f64> {
            if text.is_empty() {
                return None;
            }
            text.parse()
                .map_err(|_| errors.0.insert(format!("fields[{i}].{part}"), format!("`{text}` is not a number")))
                .ok()
        };
        let kind = match r.kind.as_str() {
            "short_text" => FieldKind::ShortText,
            "long_text" => FieldKind::LongText,
            "number" => {
                FieldKind::Number { min: number(&r.min, "min", &mut errors), max: number(&r.max, "max", &mut errors) }
            }
            "date" => FieldKind::Date,
            "single_select" => FieldKind::SingleSelect { options: options() },
            "multi_select" => FieldKind::MultiSelect { options: options() },
            "person" => FieldKind::Person,
            "checkbox" => FieldKind::Checkbox,
            other => {
                errors.0.insert(format!("fields[{i}].kind"), format!("`{other}` is not a field type"));
                FieldKind::ShortText
            }
        };
        fields.push(FieldDef {
            name: r.name.clone(),
            label: r.label.clone(),
            kind,
            required: r.required,
            help: r.help.clone(),
        });
    }
    let effort = match form.default_effort_hours.as_str() {
        "" => Some(0.0),
        v => v
            .parse()
            .map_err(|_| errors.0.insert("default_effort_hours".into(), format!("`{v}` is not a number of hours")))
            .ok(),
    };
    let split = |s: &str| {
        s.split([',', '\n', ' ']).map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect::<Vec<_>>()
    };
    let new = NewService {
        slug: form.slug.clone(),
        name: form.name.clone(),
        summary: form.summary.clone(),
        description: form.description.clone(),
        audience: Audience::parse(&form.audience).unwrap_or(Audience::Everyone),
        audience_teams: split(&form.audience_teams),
        default_priority: Priority::parse(&form.default_priority).unwrap_or(Priority::P3),
        default_effort_hours: effort.unwrap_or(0.0),
        responder_emails: split(&form.responders),
        round_robin: form.round_robin,
        fields,
    };
    let result = if errors.is_empty() { Ok(new) } else { Err(errors) };
    (form, rows, result)
}

fn editor(
    viewer: &Viewer,
    team: Team,
    editing: Option<String>,
    form: ServiceForm,
    rows: Vec<FieldRow>,
    errors: FormErrors,
) -> ServiceFormPage {
    let title = match &editing {
        Some(_) => format!("Edit {}", form.name),
        None => format!("Publish a service of {}", team.name),
    };
    ServiceFormPage {
        layout: Layout::new(viewer, title, "services"),
        team,
        editing,
        form,
        rows: with_blank_rows(rows),
        kinds: FIELD_KINDS,
        errors,
    }
}

fn require_manager(viewer: &Viewer, team: &Team) -> Result<(), WebError> {
    if viewer.actor.can_manage_team(team.id) {
        Ok(())
    } else {
        Err(WebError::Forbidden("manage this team's services".into()))
    }
}

pub async fn new_service_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
) -> Result<Response, WebError> {
    let team = state.store.team_by_key(&key).await?;
    require_manager(&viewer, &team)?;
    let form = ServiceForm {
        audience: "everyone".into(),
        default_priority: "P3".into(),
        default_effort_hours: "1".into(),
        ..Default::default()
    };
    render(&editor(&viewer, team, None, form, Vec::new(), FormErrors::default()))
}

pub async fn create_service(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let team = state.store.team_by_key(&key).await?;
    require_manager(&viewer, &team)?;
    let (form, rows, parsed) = parse_editor(&pairs);
    if wants_more(&pairs) {
        return render(&editor(&viewer, team, None, form, rows, FormErrors::default()));
    }
    let result = match parsed {
        Ok(new) => state.store.create_service(&viewer.actor, team.id, new).await.map_err(form_errors),
        Err(errors) => Err(Ok(errors)),
    };
    match result {
        Ok(s) => Ok(Redirect::to(&format!("/teams/{}/services/{}?notice=created", s.team_key, s.slug)).into_response()),
        Err(errors) => {
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &editor(&viewer, team, None, form, rows, errors?))
        }
    }
}

pub async fn edit_service_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((key, slug)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let team = state.store.team_by_key(&key).await?;
    require_manager(&viewer, &team)?;
    let s = state.store.service_by_slug(&key, &slug).await?;
    let form = ServiceForm {
        slug: s.slug.clone(),
        name: s.name.clone(),
        summary: s.summary.clone(),
        description: s.description.clone(),
        audience: s.audience.as_str().to_owned(),
        audience_teams: s.audience_teams.join(", "),
        default_priority: s.default_priority.to_string(),
        default_effort_hours: s.default_effort_hours.to_string(),
        responders: s.responders.iter().map(|r| r.email.clone()).collect::<Vec<_>>().join("\n"),
        round_robin: s.round_robin,
    };
    let rows = s.form.fields.iter().map(FieldRow::from_def).collect();
    render(&editor(&viewer, team, Some(s.slug), form, rows, FormErrors::default()))
}

pub async fn update_service(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((key, slug)): Path<(String, String)>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let team = state.store.team_by_key(&key).await?;
    let service = state.store.service_by_slug(&key, &slug).await?;
    let (form, rows, parsed) = parse_editor(&pairs);
    if wants_more(&pairs) {
        require_manager(&viewer, &team)?;
        return render(&editor(&viewer, team, Some(slug), form, rows, FormErrors::default()));
    }
    let result = match parsed {
        Ok(new) => state.store.update_service(&viewer.actor, service.id, new).await.map_err(form_errors),
        Err(errors) => Err(Ok(errors)),
    };
    match result {
        Ok(s) => Ok(Redirect::to(&format!("/teams/{}/services/{}?notice=saved", s.team_key, s.slug)).into_response()),
        Err(errors) => {
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &editor(&viewer, team, Some(slug), form, rows, errors?))
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ActiveForm {
    active: String,
}

pub async fn set_service_active(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((key, slug)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<ActiveForm>,
) -> Result<Response, WebError> {
    let service = state.store.service_by_slug(&key, &slug).await?;
    let active = form.active == "true";
    state.store.set_service_active(&viewer.actor, service.id, active).await?;
    let notice = if active { "reactivated" } else { "withdrawn" };
    Ok(Redirect::to(&format!("/teams/{key}/services/{slug}?notice={notice}")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn editor_rows_are_ordered_and_blank_rows_dropped() {
        let (_, rows, new) = parse_editor(&pairs(&[
            ("slug", "laptop"),
            ("name", "Laptop"),
            ("field.0.order", "20"),
            ("field.0.name", "why"),
            ("field.0.label", "Why"),
            ("field.0.kind", "long_text"),
            ("field.1.order", "10"),
            ("field.1.name", "model"),
            ("field.1.label", "Model"),
            ("field.1.kind", "single_select"),
            ("field.1.options", "13-inch\n15-inch, 16-inch"),
            ("field.1.required", "on"),
            ("field.2.name", ""),
            ("field.2.label", ""),
            ("field.2.kind", "short_text"),
        ]));
        assert_eq!(rows.len(), 2);
        let new = new.unwrap();
        assert_eq!(new.fields[0].name, "model");
        assert!(new.fields[0].required);
        assert_eq!(new.fields[0].kind.options(), ["13-inch", "15-inch", "16-inch"]);
        assert_eq!(new.fields[1].name, "why");
    }

    #[test]
    fn addresses_come_from_names_when_left_empty() {
        let (form, _, new) = parse_editor(&pairs(&[
            ("slug", ""),
            ("name", "Desk move"),
            ("field.0.name", ""),
            ("field.0.label", "New desk number"),
            ("field.0.kind", "short_text"),
        ]));
        assert_eq!(form.slug, "desk-move");
        assert_eq!(new.unwrap().fields[0].name, "new_desk_number");
    }

    #[test]
    fn editor_reports_bad_numbers_by_row() {
        let (_, _, new) = parse_editor(&pairs(&[
            ("field.0.name", "n"),
            ("field.0.label", "N"),
            ("field.0.kind", "number"),
            ("field.0.min", "low"),
            ("default_effort_hours", "lots"),
        ]));
        let errors = new.unwrap_err();
        assert!(errors.get("fields[0].min").is_some());
        assert!(errors.get("default_effort_hours").is_some());
    }
}
