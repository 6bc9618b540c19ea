//! Commitment pages: a team's commitments (owed and received) with their on-time trends, one
//! commitment with its occurrences to deliver, accept or send back, and calendar feeds.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use concentric_core::commitment::{
    local, on_time_svg, trend_since, Commitment, NewCommitment, NewDelivery, Occurrence, OccurrenceStatus,
    OnTimeRecord, TREND_MONTHS,
};
use concentric_core::target::{duration_input, format_duration};
use concentric_core::team::Team;
use concentric_core::Invalid;
use concentric_store::StoreError;
use serde::Deserialize;

use super::view::{form_errors, render, render_status, FormErrors, Layout, NoticeQuery};
use crate::auth::{CsrfForm, Viewer};
use crate::error::{PagePath, WebError};
use crate::queries::{commitment_detail, make_feed};
use crate::state::AppState;
use concentric_core::recurrence::BuilderInput;

/// A commitment form as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CommitmentForm {
    provider: String,
    receiver: String,
    title: String,
    description: String,
    owner: String,
    backup: String,
    /// The schedule builder: which pattern (`weekly`, `month_day`, `month_weekday`,
    /// `working_day`, or `custom` for the raw `rule`) and its parts.
    repeat: String,
    every: String,
    day_mo: Option<String>,
    day_tu: Option<String>,
    day_we: Option<String>,
    day_th: Option<String>,
    day_fr: Option<String>,
    day_sa: Option<String>,
    day_su: Option<String>,
    month_day: String,
    nth: String,
    weekday: String,
    working: String,
    rule: String,
    first_due: String,
    zone: String,
    grace: String,
    remind_hours: String,
    effort_hours: String,
}

impl CommitmentForm {
    /// The commitment typed; a reminder that is not a number is reported together with
    /// whatever else the form gets wrong.
    /// The builder's part of the form.
    /// The weekday codes ticked in the builder.
    fn days(&self) -> Vec<String> {
        let ticked = [
            ("MO", &self.day_mo),
            ("TU", &self.day_tu),
            ("WE", &self.day_we),
            ("TH", &self.day_th),
            ("FR", &self.day_fr),
            ("SA", &self.day_sa),
            ("SU", &self.day_su),
        ];
        ticked.iter().filter(|(_, v)| v.is_some()).map(|(d, _)| (*d).to_owned()).collect()
    }

    /// The builder's part of the form.
    fn builder(&self) -> BuilderInput {
        BuilderInput {
            repeat: self.repeat.clone(),
            every: self.every.clone(),
            days: self.days(),
            month_day: self.month_day.clone(),
            nth: self.nth.clone(),
            weekday: self.weekday.clone(),
            working: self.working.clone(),
        }
    }

    /// Whether a weekday is ticked in the builder, for showing the form again.
    fn ticked(&self, day: &str) -> bool {
        self.days().iter().any(|d| d == day)
    }

    /// The rule the builder writes, or the raw rule when the schedule is custom.
    fn schedule_rule(&self) -> Result<String, Invalid> {
        Ok(self.builder().pattern()?.map_or_else(|| self.rule.clone(), |p| p.rule()))
    }

    fn to_new(&self) -> Result<NewCommitment, Invalid> {
        let remind_hours = match self.remind_hours.trim() {
            "" => Ok(None),
            h => h.parse().map(Some),
        };
        let effort_hours = match self.effort_hours.trim() {
            "" => Ok(None),
            h => h.parse::<f64>().map(Some),
        };
        let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let schedule = self.schedule_rule();
        let new = NewCommitment {
            provider: self.provider.clone(),
            receiver: self.receiver.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            owner: self.owner.clone(),
            backup: some(&self.backup),
            // A builder mistake is reported below with the rest; meanwhile the rest is checked
            // against a rule that stands in for it, so no second message names the rule.
            rule: schedule.clone().unwrap_or_else(|_| "FREQ=WEEKLY".into()),
            first_due: self.first_due.clone(),
            zone: some(&self.zone),
            grace: some(&self.grace),
            remind_hours: remind_hours.clone().ok().flatten(),
            effort_hours: effort_hours.clone().ok().flatten(),
        };
        if remind_hours.is_err() || effort_hours.is_err() || schedule.is_err() {
            let mut errors = new.check(chrono_tz::UTC).err().map(|e| e.0).unwrap_or_default();
            if let Err(Invalid(builder)) = schedule {
                errors.extend(builder);
            }
            if remind_hours.is_err() {
                errors.push(concentric_core::FieldError::new("remind_hours", "give a whole number of hours"));
            }
            if effort_hours.is_err() {
                errors
                    .push(concentric_core::FieldError::new("effort_hours", "give the hours as a number, such as 1.5"));
            }
            return Err(Invalid(errors));
        }
        Ok(new)
    }

    fn of(c: &Commitment) -> Self {
        Self {
            provider: c.provider_key.clone(),
            receiver: c.receiver_key.clone(),
            title: c.title.clone(),
            description: c.description.clone(),
            owner: c.owner.email.clone(),
            backup: c.backup.as_ref().map(|b| b.email.clone()).unwrap_or_default(),
            rule: c.rule.clone(),
            first_due: c.first_due.clone(),
            zone: c.zone.clone(),
            grace: if c.grace_ms > 0 { duration_input(c.grace_ms / 60_000) } else { String::new() },
            remind_hours: (c.remind_ms / 3_600_000).to_string(),
            effort_hours: if c.effort_hours > 0.0 { c.effort_hours.to_string() } else { String::new() },
            ..Self::default()
        }
        .with_builder(&BuilderInput::of_rule(&c.rule))
    }

    /// The form with the builder set to `b` (a stored rule read back, or the defaults).
    fn with_builder(mut self, b: &BuilderInput) -> Self {
        let day = |code: &str| b.days.iter().any(|d| d == code).then(|| "on".to_owned());
        (self.day_mo, self.day_tu, self.day_we, self.day_th) = (day("MO"), day("TU"), day("WE"), day("TH"));
        (self.day_fr, self.day_sa, self.day_su) = (day("FR"), day("SA"), day("SU"));
        self.repeat = b.repeat.clone();
        self.every = b.every.clone();
        self.month_day = b.month_day.clone();
        self.nth = b.nth.clone();
        self.weekday = b.weekday.clone();
        self.working = b.working.clone();
        self
    }
}

/// Saves a commitment form, or gives back the errors to show with it.
async fn save(
    state: &AppState,
    viewer: &Viewer,
    id: Option<i64>,
    form: &CommitmentForm,
) -> Result<Result<Commitment, FormErrors>, WebError> {
    let now = state.time.now();
    let result = match form.to_new() {
        Err(invalid) => Err(StoreError::from(invalid)),
        Ok(new) => match id {
            Some(id) => state.store.edit_commitment(&viewer.actor, id, new, now).await,
            None => state.store.create_commitment(&viewer.actor, new, now).await,
        },
    };
    match result {
        Ok(c) => Ok(Ok(c)),
        Err(e) => Ok(Err(form_errors(e)?)),
    }
}

#[derive(Template)]
#[template(path = "commitments.html")]
struct TeamCommitmentsPage {
    layout: Layout,
    team: Team,
    owed: Vec<Commitment>,
    received: Vec<Commitment>,
    due_from_us: Vec<Occurrence>,
    due_to_us: Vec<Occurrence>,
    owed_record: OnTimeRecord,
    received_record: OnTimeRecord,
    owed_svg: String,
    received_svg: String,
    months: u32,
    can_add: bool,
    is_member: bool,
    /// The add form names both teams; an edit cannot change them.
    choose_teams: bool,
    teams: Vec<Team>,
    form: CommitmentForm,
    errors: FormErrors,
    /// A feed just made: its address, shown this once.
    new_feed: Option<String>,
}

async fn team_page(state: &AppState, viewer: &Viewer, key: &str) -> Result<TeamCommitmentsPage, WebError> {
    let team = state.store.team_by_key(key).await?;
    let now = state.time.now();
    let all = state.store.commitments(Some(team.id), now).await?;
    let (owed, received): (Vec<_>, Vec<_>) = all.into_iter().partition(|c| c.provider_id == team.id);
    let since = trend_since(now);
    let owed_months = state.store.on_time_months(since, now, None, Some(team.id), None).await?;
    let received_months = state.store.on_time_months(since, now, None, None, Some(team.id)).await?;
    let teams = state
        .store
        .list_teams(&concentric_core::team::TeamQuery::default(), concentric_core::page::PageRequest::first(200))
        .await?
        .items;
    Ok(TeamCommitmentsPage {
        layout: Layout::new(viewer, format!("{}: commitments", team.name), "teams"),
        due_from_us: state.store.commitments_due(team.id, true, now).await?,
        due_to_us: state.store.commitments_due(team.id, false, now).await?,
        owed_record: OnTimeRecord::of_months(&owed_months),
        received_record: OnTimeRecord::of_months(&received_months),
        owed_svg: on_time_svg(&owed_months),
        received_svg: on_time_svg(&received_months),
        months: TREND_MONTHS,
        can_add: viewer.actor.can_manage_team(team.id),
        is_member: viewer.actor.works_in(team.id),
        choose_teams: true,
        form: CommitmentForm { provider: team.key.clone(), remind_hours: "24".into(), ..CommitmentForm::default() }
            .with_builder(&BuilderInput::of_rule("")),
        errors: FormErrors::default(),
        new_feed: None,
        owed,
        received,
        teams,
        team,
    })
}

pub async fn team_commitments_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    Query(notice): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let mut page = team_page(&state, &viewer, &key).await?;
    page.layout = page.layout.with_notice(&notice);
    render(&page)
}

/// A team's commitments, both ways, as CSV.
pub async fn team_commitments_csv(
    State(state): State<AppState>,
    _viewer: Viewer,
    Path(key): Path<String>,
) -> Result<Response, WebError> {
    let team = state.store.team_by_key(&key).await?;
    let all = state.store.commitments(Some(team.id), state.time.now()).await?;
    let header = [
        "title",
        "delivered by",
        "delivered to",
        "owner",
        "backup",
        "schedule",
        "rule",
        "first due",
        "zone",
        "on time",
        "late",
        "active",
    ];
    let rows = all.into_iter().map(|c| {
        vec![
            c.title.clone(),
            c.provider_name.clone(),
            c.receiver_name.clone(),
            c.owner.email.clone(),
            c.backup.as_ref().map(|b| b.email.clone()).unwrap_or_default(),
            c.schedule_sentence(),
            c.rule.clone(),
            c.first_due.clone(),
            c.zone.clone(),
            c.record.on_time.to_string(),
            c.record.late.to_string(),
            c.active.to_string(),
        ]
    });
    let name = format!("{}-commitments.csv", team.key.to_lowercase());
    Ok(crate::download::csv_response(&name, concentric_core::export::csv(&header, rows)))
}

pub async fn create_commitment(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm<CommitmentForm>,
) -> Result<Response, WebError> {
    match save(&state, &viewer, None, &form).await? {
        Ok(c) => Ok(Redirect::to(&format!("/commitments/{}?notice=saved", c.id)).into_response()),
        Err(errors) => {
            let mut page = team_page(&state, &viewer, &key).await?;
            page.form = form;
            page.errors = errors;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

/// Makes the team's calendar feed and shows its address once.
pub async fn create_team_feed(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    CsrfForm(_): CsrfForm<super::account::EmptyForm>,
) -> Result<Response, WebError> {
    let feed = make_feed(&state, &viewer.actor, Some(&key)).await?;
    let mut page = team_page(&state, &viewer, &key).await?;
    page.new_feed = Some(feed.url);
    render(&page)
}

#[derive(Template)]
#[template(path = "commitment.html")]
struct CommitmentPage {
    layout: Layout,
    c: Commitment,
    recent: Vec<Occurrence>,
    upcoming: Vec<Occurrence>,
    svg: String,
    months: u32,
    can_deliver: bool,
    can_receive: bool,
    can_edit: bool,
    choose_teams: bool,
    teams: Vec<Team>,
    form: CommitmentForm,
    errors: FormErrors,
    /// The occurrence whose form failed, what was typed in it, and why.
    failed: Option<(i64, AnswerForm, FormErrors)>,
    now: concentric_core::time::Millis,
    events: Vec<concentric_core::event::Event>,
}

impl CommitmentPage {
    /// The due time where the provider works, and in the viewer's zone when that differs.
    fn due(&self, o: &Occurrence) -> String {
        let theirs = local(o.due_at, &self.c.zone);
        match &self.layout.viewer {
            Some(v) if v.time_zone != self.c.zone => format!("{theirs} · {} yours", self.layout.when(&o.due_at)),
            _ => theirs,
        }
    }

    /// Open and due within the owed window (or overdue): the ones to deliver now. Later ones
    /// get their form when their turn comes.
    fn to_deliver(&self, o: &Occurrence) -> bool {
        o.status == OccurrenceStatus::Open
            && o.due_at.timestamp_millis() <= self.now.0 + concentric_core::commitment::OWED_AHEAD_MS
    }

    fn delivered(&self, o: &Occurrence) -> bool {
        o.status == OccurrenceStatus::Delivered
    }

    fn typed(&self, o: &Occurrence) -> AnswerForm {
        match &self.failed {
            Some((id, form, _)) if *id == o.id => form.clone(),
            _ => AnswerForm::default(),
        }
    }

    fn error(&self, o: &Occurrence) -> Option<String> {
        match &self.failed {
            Some((id, _, errors)) if *id == o.id => Some(errors.0.values().cloned().collect::<Vec<_>>().join("; ")),
            _ => None,
        }
    }

    fn grace(&self) -> String {
        if self.c.grace_ms > 0 {
            format!("{} of working time", format_duration(self.c.grace_ms))
        } else {
            "none".into()
        }
    }
}

async fn commitment_page_of(state: &AppState, viewer: &Viewer, id: i64) -> Result<CommitmentPage, WebError> {
    let d = commitment_detail(state, id).await?;
    let c = d.commitment;
    Ok(CommitmentPage {
        layout: Layout::new(viewer, c.title.clone(), "teams"),
        recent: d.recent,
        upcoming: d.upcoming,
        svg: on_time_svg(&d.trend),
        months: TREND_MONTHS,
        can_deliver: c.deliverable_by(&viewer.actor),
        can_receive: c.receivable_by(&viewer.actor),
        can_edit: c.editable_by(&viewer.actor),
        choose_teams: false,
        teams: Vec::new(),
        form: CommitmentForm::of(&c),
        errors: FormErrors::default(),
        failed: None,
        now: state.time.now(),
        events: state.store.events_for("commitment", c.id, concentric_core::page::PageRequest::first(20)).await?.items,
        c,
    })
}

pub async fn commitment_page(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    Query(notice): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let mut page = commitment_page_of(&state, &viewer, id).await?;
    page.layout = page.layout.with_notice(&notice);
    render(&page)
}

pub async fn edit_commitment(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    CsrfForm(form): CsrfForm<CommitmentForm>,
) -> Result<Response, WebError> {
    match save(&state, &viewer, Some(id), &form).await? {
        Ok(_) => Ok(Redirect::to(&format!("/commitments/{id}?notice=saved")).into_response()),
        Err(errors) => {
            let mut page = commitment_page_of(&state, &viewer, id).await?;
            page.form = form;
            page.errors = errors;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ActiveForm {
    active: String,
}

pub async fn set_active(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    CsrfForm(form): CsrfForm<ActiveForm>,
) -> Result<Response, WebError> {
    state.store.set_commitment_active(&viewer.actor, id, form.active == "true", state.time.now()).await?;
    Ok(Redirect::to(&format!("/commitments/{id}?notice=saved")).into_response())
}

/// What was typed into an occurrence's forms.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct AnswerForm {
    pub note: String,
    pub link: String,
    pub reason: String,
    pub answer: String,
}

/// Shows the commitment page again with an occurrence's form error and what was typed.
async fn occurrence_failed(
    state: &AppState,
    viewer: &Viewer,
    occurrence: i64,
    typed: AnswerForm,
    errors: FormErrors,
) -> Result<Response, WebError> {
    let (_, c) = state.store.occurrence(occurrence, state.time.now()).await?;
    let mut page = commitment_page_of(state, viewer, c.id).await?;
    page.failed = Some((occurrence, typed, errors));
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

pub async fn deliver(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    req: axum::extract::Request,
) -> Result<Response, WebError> {
    let parts = match super::upload::read(req, &state).await {
        Ok(Ok(parts)) => parts,
        Ok(Err((_, message))) => {
            return occurrence_failed(&state, &viewer, id, AnswerForm::default(), FormErrors::one("file", message))
                .await
        }
        Err(refused) => return Ok(refused),
    };
    let typed = AnswerForm {
        note: super::upload::text(&parts, "note"),
        link: super::upload::text(&parts, "link"),
        ..AnswerForm::default()
    };
    let file = parts
        .get("file")
        .filter(|p| !p.data.is_empty())
        .map(|p| (p.filename.clone().unwrap_or_else(|| "delivery".into()), p.data.to_vec()));
    let new = NewDelivery { note: typed.note.clone(), link: Some(typed.link.clone()) };
    match state.store.deliver(&viewer.actor, id, new, file, state.time.now()).await {
        Ok(o) => {
            Ok(Redirect::to(&format!("/commitments/{}?notice=delivered#occurrence-{id}", o.commitment_id))
                .into_response())
        }
        Err(e) => {
            let errors = form_errors(e)?;
            occurrence_failed(&state, &viewer, id, typed, errors).await
        }
    }
}

pub async fn answer(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    CsrfForm(form): CsrfForm<AnswerForm>,
) -> Result<Response, WebError> {
    let accept = form.answer == "accept";
    match state.store.answer_delivery(&viewer.actor, id, accept, &form.reason, state.time.now()).await {
        Ok(o) => {
            Ok(Redirect::to(&format!("/commitments/{}?notice=saved#occurrence-{id}", o.commitment_id)).into_response())
        }
        Err(e) => {
            let errors = form_errors(e)?;
            occurrence_failed(&state, &viewer, id, form, errors).await
        }
    }
}

pub async fn delivery_file(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
) -> Result<Response, WebError> {
    let (name, kind, data) = state.store.delivery_file(&viewer.actor, id, state.time.now()).await?;
    Ok(crate::download::file_response(&name, &kind, data))
}
