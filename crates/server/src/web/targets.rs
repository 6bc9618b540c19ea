//! Calendars, a service's targets and the compliance report, as pages.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use concentric_core::calendar::CalendarSpec;
use concentric_core::report::{by_team, compliance_svg, ComplianceRow};
use concentric_core::request::Priority;
use concentric_core::target::{duration_input, format_duration, NewPriorityTargets, NewTargetPolicy, TargetPolicy};
use concentric_core::team::Team;
use concentric_core::{FieldError, Invalid};
use serde::Deserialize;

use super::view::{form_errors, render, render_status, time_zones, FormErrors, Layout, NoticeQuery};
use crate::auth::{CsrfForm, Viewer};
use crate::error::WebError;
use crate::queries::{compliance_rows, ComplianceQuery};
use crate::state::AppState;

const WEEKDAYS: [(&str, &str); 7] = [
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
];

/// The calendar form as typed: intervals per weekday ("09:00-12:30, 13:30-17:30"), one holiday
/// per line, one changed day per line ("2026-12-24 09:00-13:00").
#[derive(Debug, Default, Deserialize)]
pub struct CalendarForm {
    #[serde(default)]
    zone: String,
    #[serde(default)]
    mon: String,
    #[serde(default)]
    tue: String,
    #[serde(default)]
    wed: String,
    #[serde(default)]
    thu: String,
    #[serde(default)]
    fri: String,
    #[serde(default)]
    sat: String,
    #[serde(default)]
    sun: String,
    #[serde(default)]
    holidays: String,
    #[serde(default)]
    special_days: String,
    /// `reset`: follow the organisation's calendar again.
    #[serde(default)]
    action: String,
}

impl CalendarForm {
    fn day(&self, day: &str) -> &str {
        match day {
            "mon" => &self.mon,
            "tue" => &self.tue,
            "wed" => &self.wed,
            "thu" => &self.thu,
            "fri" => &self.fri,
            "sat" => &self.sat,
            _ => &self.sun,
        }
    }

    fn from_spec(spec: &CalendarSpec) -> Self {
        let day = |d: &str| spec.week.get(d).map(|v| v.join(", ")).unwrap_or_default();
        Self {
            zone: spec.zone.clone(),
            mon: day("mon"),
            tue: day("tue"),
            wed: day("wed"),
            thu: day("thu"),
            fri: day("fri"),
            sat: day("sat"),
            sun: day("sun"),
            holidays: spec.holidays.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"),
            special_days: spec
                .special_days
                .iter()
                .map(|(d, v)| format!("{d} {}", v.join(", ")))
                .collect::<Vec<_>>()
                .join("\n"),
            action: String::new(),
        }
    }

    /// The spec the form describes; dates that do not parse are reported per field.
    fn to_spec(&self) -> Result<CalendarSpec, Invalid> {
        let mut errors = Vec::new();
        let intervals = |text: &str| -> Vec<String> {
            text.split([',', ';']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
        };
        let mut week = BTreeMap::new();
        for (d, _) in WEEKDAYS {
            let v = intervals(self.day(d));
            if !v.is_empty() {
                week.insert(d.to_owned(), v);
            }
        }
        let date = |text: &str, field: &str, errors: &mut Vec<FieldError>| -> Option<NaiveDate> {
            text.parse()
                .map_err(|_| errors.push(FieldError::new(field, format!("`{text}` is not a date like 2026-12-24"))))
                .ok()
        };
        let holidays = self
            .holidays
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .filter_map(|l| date(l, "holidays", &mut errors))
            .collect();
        let mut special_days = BTreeMap::new();
        for line in self.special_days.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (d, rest) = line.split_once(' ').unwrap_or((line, ""));
            if let Some(d) = date(d, "special_days", &mut errors) {
                special_days.insert(d, intervals(rest));
            }
        }
        let spec = CalendarSpec { zone: self.zone.trim().to_owned(), week, holidays, special_days };
        // The zone and hours are checked too, so one answer names every problem at once.
        // A special day's problem is told next to the one box they are all typed in.
        if let Err(Invalid(more)) = concentric_core::calendar::Calendar::from_spec(&spec) {
            errors.extend(more.into_iter().map(|e| match e.field.strip_prefix("special_days.") {
                Some(day) => FieldError::new("special_days", format!("{day}: {}", e.message)),
                None => e,
            }));
        }
        if errors.is_empty() {
            Ok(spec)
        } else {
            Err(Invalid(errors))
        }
    }
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    layout: Layout,
    /// `None`: the organisation's default calendar.
    team: Option<Team>,
    inherited: bool,
    can_edit: bool,
    form: CalendarForm,
    errors: FormErrors,
    weekly_hours: String,
    zones: Vec<&'static str>,
    ics_message: Option<String>,
}

impl CalendarPage {
    fn action(&self) -> String {
        match &self.team {
            Some(t) => format!("/teams/{}/calendar", t.key),
            None => "/admin/calendar".into(),
        }
    }

    fn day_value(&self, day: &str) -> &str {
        self.form.day(day)
    }

    fn weekdays(&self) -> &'static [(&'static str, &'static str)] {
        &WEEKDAYS
    }
}

fn calendar_page(viewer: &Viewer, team: Option<Team>, spec: &CalendarSpec, inherited: bool) -> CalendarPage {
    let can_edit = match &team {
        Some(t) => viewer.actor.can_manage_team(t.id),
        None => viewer.actor.is_admin,
    };
    let title = match &team {
        Some(t) => format!("Calendar of {}", t.name),
        None => "Organisation calendar".to_owned(),
    };
    let minutes = concentric_core::calendar::Calendar::from_spec(spec).map(|c| c.weekly_minutes()).unwrap_or(0);
    CalendarPage {
        layout: Layout::new(viewer, title, if team.is_some() { "teams" } else { "admin" }),
        team,
        inherited,
        can_edit,
        form: CalendarForm::from_spec(spec),
        errors: FormErrors::default(),
        weekly_hours: format_duration(i64::from(minutes) * 60_000),
        zones: time_zones().collect(),
        ics_message: None,
    }
}

pub async fn team_calendar_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let team = state.store.team_by_key(&key).await?;
    let (spec, inherited) = state.store.team_calendar(team.id).await?;
    let mut page = calendar_page(&viewer, Some(team), &spec, inherited);
    page.layout = page.layout.with_notice(&q);
    render(&page)
}

pub async fn organisation_calendar_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let spec = state.store.organisation_calendar().await?;
    let mut page = calendar_page(&viewer, None, &spec, false);
    page.layout = page.layout.with_notice(&q);
    render(&page)
}

async fn save_calendar(
    state: &AppState,
    viewer: &Viewer,
    team: Option<Team>,
    form: CalendarForm,
) -> Result<Response, WebError> {
    let back = match &team {
        Some(t) => format!("/teams/{}/calendar?notice=saved", t.key),
        None => "/admin/calendar?notice=saved".into(),
    };
    let result = match (&team, form.action.as_str()) {
        (Some(t), "reset") => state.store.clear_team_calendar(&viewer.actor, t.id).await.map_err(form_errors),
        _ => match form.to_spec() {
            Ok(spec) => state
                .store
                .set_calendar(&viewer.actor, team.as_ref().map(|t| t.id), &spec)
                .await
                .map(drop)
                .map_err(form_errors),
            Err(inv) => Err(Ok(inv.into())),
        },
    };
    match result {
        Ok(()) => Ok(Redirect::to(&back).into_response()),
        Err(errors) => {
            let errors = errors?;
            let mut page = calendar_page(viewer, team, &CalendarSpec::default(), false);
            page.form = form;
            page.errors = errors;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

pub async fn save_team_calendar(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm<CalendarForm>,
) -> Result<Response, WebError> {
    let team = state.store.team_by_key(&key).await?;
    save_calendar(&state, &viewer, Some(team), form).await
}

pub async fn save_organisation_calendar(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<CalendarForm>,
) -> Result<Response, WebError> {
    save_calendar(&state, &viewer, None, form).await
}

/// A multipart upload of an .ics file whose all-day events become holidays.
pub async fn import_holidays(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    req: Request,
) -> Result<Response, WebError> {
    let team = state.store.team_by_key(&key).await?;
    let parts = match super::upload::read(req, &state).await {
        Ok(Ok(parts)) => parts,
        Ok(Err((status, message))) => {
            let (spec, inherited) = state.store.team_calendar(team.id).await?;
            let mut page = calendar_page(&viewer, Some(team), &spec, inherited);
            page.ics_message = Some(message);
            return render_status(status, &page);
        }
        Err(refused) => return Ok(refused),
    };
    let text = super::upload::text(&parts, "file");
    match state.store.import_holidays(&viewer.actor, team.id, &text, state.time.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/teams/{}/calendar?notice=saved", team.key)).into_response()),
        Err(concentric_store::StoreError::Invalid(inv)) => {
            let (spec, inherited) = state.store.team_calendar(team.id).await?;
            let mut page = calendar_page(&viewer, Some(team), &spec, inherited);
            page.ics_message = inv.0.first().map(|e| e.message.clone());
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

/// The targets form: two durations per priority, and what a breach does.
#[derive(Debug, Default, Deserialize)]
pub struct TargetsForm {
    #[serde(default)]
    p1_first_response: String,
    #[serde(default)]
    p1_resolution: String,
    #[serde(default)]
    p2_first_response: String,
    #[serde(default)]
    p2_resolution: String,
    #[serde(default)]
    p3_first_response: String,
    #[serde(default)]
    p3_resolution: String,
    #[serde(default)]
    p4_first_response: String,
    #[serde(default)]
    p4_resolution: String,
    #[serde(default)]
    pause_on_others: Option<String>,
    #[serde(default)]
    at_risk_percent: String,
    #[serde(default)]
    reassign_to: String,
    #[serde(default)]
    raise_priority: Option<String>,
    #[serde(default)]
    notify: String,
}

impl TargetsForm {
    fn pair(&self, p: Priority) -> (&str, &str) {
        match p {
            Priority::P1 => (&self.p1_first_response, &self.p1_resolution),
            Priority::P2 => (&self.p2_first_response, &self.p2_resolution),
            Priority::P3 => (&self.p3_first_response, &self.p3_resolution),
            Priority::P4 => (&self.p4_first_response, &self.p4_resolution),
        }
    }

    fn from_policy(policy: Option<&TargetPolicy>, people: &BTreeMap<i64, String>) -> Self {
        let Some(p) = policy else { return Self { at_risk_percent: "75".into(), ..Self::default() } };
        let text = |priority: Priority, first: bool| {
            p.targets
                .get(&priority)
                .map(|t| {
                    let m = if first { t.first_response_minutes } else { t.resolution_minutes };
                    duration_input(i64::from(m))
                })
                .unwrap_or_default()
        };
        let email =
            |id: Option<concentric_core::PersonId>| id.and_then(|i| people.get(&i.0).cloned()).unwrap_or_default();
        Self {
            p1_first_response: text(Priority::P1, true),
            p1_resolution: text(Priority::P1, false),
            p2_first_response: text(Priority::P2, true),
            p2_resolution: text(Priority::P2, false),
            p3_first_response: text(Priority::P3, true),
            p3_resolution: text(Priority::P3, false),
            p4_first_response: text(Priority::P4, true),
            p4_resolution: text(Priority::P4, false),
            pause_on_others: p.pause_on_others.then(|| "on".into()),
            at_risk_percent: p.at_risk_percent.to_string(),
            reassign_to: email(p.escalation.reassign_to),
            raise_priority: p.escalation.raise_priority.then(|| "on".into()),
            notify: email(p.escalation.notify),
        }
    }

    fn to_new(&self) -> Result<NewTargetPolicy, Invalid> {
        let mut targets = BTreeMap::new();
        for p in Priority::ALL {
            let (first, resolution) = self.pair(p);
            targets.insert(
                p.to_string(),
                NewPriorityTargets { first_response: first.to_owned(), resolution: resolution.to_owned() },
            );
        }
        let at_risk_percent = match self.at_risk_percent.trim() {
            "" => None,
            n => Some(
                n.trim_end_matches('%')
                    .trim()
                    .parse::<u8>()
                    .map_err(|_| Invalid::one("at_risk_percent", format!("`{n}` is not a share between 1 and 99")))?,
            ),
        };
        let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        Ok(NewTargetPolicy {
            targets,
            pause_on_others: self.pause_on_others.is_some(),
            at_risk_percent,
            reassign_to: opt(&self.reassign_to),
            raise_priority: self.raise_priority.is_some(),
            notify: opt(&self.notify),
        })
    }
}

#[derive(Template)]
#[template(path = "targets.html")]
struct TargetsPage {
    layout: Layout,
    team: Team,
    service_slug: String,
    service_name: String,
    version: Option<i64>,
    can_edit: bool,
    form: TargetsForm,
    errors: FormErrors,
    calendar_zone: String,
    calendar_inherited: bool,
}

impl TargetsPage {
    fn priorities(&self) -> [Priority; 4] {
        Priority::ALL
    }

    fn first(&self, p: &Priority) -> &str {
        self.form.pair(*p).0
    }

    fn resolution(&self, p: &Priority) -> &str {
        self.form.pair(*p).1
    }

    fn error_for(&self, p: &Priority, which: &str) -> Option<&str> {
        self.errors.get(&format!("targets.{p}.{which}"))
    }
}

async fn targets_page_for(
    state: &AppState,
    viewer: &Viewer,
    key: &str,
    slug: &str,
) -> Result<(TargetsPage, Option<TargetPolicy>), WebError> {
    let team = state.store.team_by_key(key).await?;
    let service = state.store.service_by_slug(key, slug).await?;
    let policy = state.store.target_policy(service.id).await?;
    let mut people = BTreeMap::new();
    if let Some(p) = &policy {
        for id in [p.escalation.reassign_to, p.escalation.notify].into_iter().flatten() {
            if let Ok(person) = state.store.person(id).await {
                people.insert(id.0, person.email);
            }
        }
    }
    let (cal, inherited) = state.store.team_calendar(team.id).await?;
    let page = TargetsPage {
        layout: Layout::new(viewer, format!("Targets of {}", service.name), "services"),
        can_edit: viewer.actor.can_manage_team(team.id),
        team,
        service_slug: service.slug,
        service_name: service.name,
        version: policy.as_ref().map(|p| p.version),
        form: TargetsForm::from_policy(policy.as_ref(), &people),
        errors: FormErrors::default(),
        calendar_zone: cal.zone,
        calendar_inherited: inherited,
    };
    Ok((page, policy))
}

pub async fn targets_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((key, slug)): Path<(String, String)>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let (mut page, _) = targets_page_for(&state, &viewer, &key, &slug).await?;
    page.layout = page.layout.with_notice(&q);
    render(&page)
}

pub async fn save_targets(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((key, slug)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<TargetsForm>,
) -> Result<Response, WebError> {
    let service = state.store.service_by_slug(&key, &slug).await?;
    let result = match form.to_new() {
        Ok(new) => state.store.set_target_policy(&viewer.actor, service.id, &new).await.map(drop).map_err(form_errors),
        Err(inv) => Err(Ok(inv.into())),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/teams/{key}/services/{slug}/targets?notice=saved")).into_response()),
        Err(errors) => {
            let (mut page, _) = targets_page_for(&state, &viewer, &key, &slug).await?;
            page.errors = errors?;
            page.form = form;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

#[derive(Template)]
#[template(path = "compliance.html")]
struct CompliancePage {
    layout: Layout,
    rows: Vec<ComplianceRow>,
    per_service: bool,
    chart: String,
    /// Met share per team and target over the whole period, worst first, and its chart.
    shares: Vec<concentric_core::report::TeamShare>,
    shares_chart: String,
    teams: Vec<Team>,
    team: String,
    months: u32,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ComplianceFilter {
    team: Option<String>,
    months: Option<String>,
}

impl ComplianceFilter {
    /// The report asked for: six months unless a number of months was given.
    fn query(&self) -> ComplianceQuery {
        let months = self.months.as_deref().unwrap_or_default().trim().parse().unwrap_or(6);
        ComplianceQuery { team: Some(self.team.clone().unwrap_or_default()), service: None, months: Some(months) }
    }
}

/// The compliance report's lines (per service) as CSV, with the same filters as the page.
pub async fn compliance_csv(
    State(state): State<AppState>,
    _viewer: Viewer,
    Query(f): Query<ComplianceFilter>,
) -> Result<Response, WebError> {
    let rows = match compliance_rows(&state, &f.query()).await {
        Ok(rows) => rows,
        Err(e) => return super::view::refused("Nothing to export", e),
    };
    let header =
        ["month", "team", "team name", "service", "service name", "target", "met", "breached", "running", "met %"];
    let lines = rows.into_iter().map(|r| {
        vec![
            r.month.clone(),
            r.team_key.clone(),
            r.team_name.clone(),
            r.service_slug.clone(),
            r.service_name.clone(),
            r.target.label().to_owned(),
            r.met.to_string(),
            r.breached.to_string(),
            r.running.to_string(),
            r.met_percent().map(|p| p.to_string()).unwrap_or_default(),
        ]
    });
    Ok(crate::download::csv_response("compliance.csv", concentric_core::export::csv(&header, lines)))
}

pub async fn compliance_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(f): Query<ComplianceFilter>,
) -> Result<Response, WebError> {
    let teams = state
        .store
        .list_teams(&concentric_core::team::TeamQuery::default(), concentric_core::page::PageRequest::first(200))
        .await?
        .items;
    let q = f.query();
    let (team, months) = (q.team.clone().unwrap_or_default(), q.months.unwrap_or(6));
    let (rows, error, status) = match compliance_rows(&state, &q).await {
        Ok(rows) => (rows, None, StatusCode::OK),
        Err(concentric_store::StoreError::Invalid(inv)) => {
            (Vec::new(), inv.0.first().map(|e| e.message.clone()), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => return Err(e.into()),
    };
    // All teams: one line per team; one team: one line per service.
    let per_service = !team.is_empty();
    let shares = concentric_core::report::team_shares(&rows);
    let page = CompliancePage {
        layout: Layout::new(&viewer, "Target compliance", "reports"),
        chart: compliance_svg(&rows),
        shares_chart: concentric_core::report::shares_svg(&shares),
        shares,
        rows: if per_service { rows } else { by_team(&rows) },
        per_service,
        teams,
        team,
        months,
        error,
    };
    render_status(status, &page)
}
