//! Request lists: what a person may see, narrowed by filters into SQL the planner can index.

use concentric_core::authz::Actor;
use concentric_core::page::{Page, PageRequest, MAX_LIMIT};
use concentric_core::request::{Priority, Request, RequestQuery, Status};
use concentric_core::service::Service;
use concentric_core::team::Membership;
use concentric_core::{Invalid, PersonId, TeamId};

use super::{RequestRow, REQUEST_SELECT};
use crate::db::{args, like_pattern, Tx};
use crate::teams::team_id_by_key;
use crate::{Result, Store, StoreError};

/// The condition of the partial index `requests_open_queue` (migration 0005), verbatim.
const OPEN_STATUSES: &str = "r.status IN ('new', 'open', 'in_progress', 'waiting_on_requester', 'waiting_on_others')";

/// Lists count matching requests up to this many.
pub(crate) const LIST_COUNT_CAP: u64 = 10_000;

/// How a list narrows down who is assigned.
enum AssigneeFilter {
    Any,
    Nobody,
    Person(PersonId),
}

fn person_filter(actor: &Actor, raw: Option<&str>, field: &str) -> Result<Option<PersonId>> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some("me") => Ok(actor.person_id),
        Some(id) => id
            .parse()
            .map(|id| Some(PersonId(id)))
            .map_err(|_| Invalid::one(field, format!("`{id}` is not `me` or a person id")).into()),
    }
}

/// Requests the actor may see, filtered and sorted, inside a unit of work.
pub(crate) fn list_requests_in(
    tx: &mut Tx<'_>,
    actor: &Actor,
    q: &RequestQuery,
    page: PageRequest,
) -> Result<Page<Request>> {
    let f = request_filter(tx, actor, q, 0)?;
    let order = match q.sort.as_deref().map(str::trim).filter(|s| !s.is_empty()).unwrap_or("newest") {
        "newest" => "r.created_at DESC, r.id DESC",
        "oldest" => "r.created_at, r.id",
        "priority" => "r.priority, r.created_at, r.id",
        "updated" => "r.updated_at DESC, r.id DESC",
        // Soonest due first; requests whose clocks are not running (paused, stopped, none) last.
        "due" => {
            "COALESCE((SELECT MIN(c.due_at) FROM request_clocks c WHERE c.request_id = r.id), \
             9223372036854775807), r.priority, r.id"
        }
        other => {
            return Err(
                Invalid::one("sort", format!("`{other}` is not newest, oldest, priority, updated or due")).into()
            )
        }
    };
    let filter = f.sql();
    let (limit, offset) = (f.after(1), f.after(2));
    // Counting stops past LIST_COUNT_CAP: an exact count of every open request of a large
    // team costs more than the page itself, and "10,000+" tells a person as much.
    let counted: i64 = tx.exec().scalar(
        &format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM {} WHERE {filter} LIMIT {}) c",
            f.count_from(),
            LIST_COUNT_CAP + 1
        ),
        f.args.clone(),
    )?;
    let mut page_args = f.args;
    // One row past the page tells whether another page exists once counting has stopped.
    page_args.extend(args![page.limit() + 1, page.offset()]);
    let rows: Vec<RequestRow> = tx
        .exec()
        .all(&format!("{REQUEST_SELECT} WHERE {filter} ORDER BY {order} LIMIT {limit} OFFSET {offset}"), page_args)?;
    let mut items = rows.into_iter().map(Request::try_from).collect::<Result<Vec<_>>>()?;
    crate::clocks::attach_clocks(tx, &mut items, concentric_core::time::Millis::now().0)?;
    Ok(Page::capped(items, u64::try_from(counted).unwrap_or(0), LIST_COUNT_CAP, page))
}

impl Store {
    /// Requests the actor may see, filtered and sorted.
    #[tracing::instrument(skip_all)]
    pub async fn list_requests(&self, actor: &Actor, q: &RequestQuery, page: PageRequest) -> Result<Page<Request>> {
        let (actor, q) = (actor.clone(), q.clone());
        self.db.read(move |mut tx| list_requests_in(&mut tx, &actor, &q, page)).await
    }

    /// What a team's queue page needs besides its requests: the members to assign to and every
    /// service, withdrawn ones too, to filter by. The queue is for the team and admins.
    #[tracing::instrument(skip_all)]
    pub async fn team_queue(&self, actor: &Actor, team: TeamId) -> Result<(Vec<Membership>, Vec<Service>)> {
        actor.require_works_in(team, "see this team's queue")?;
        let query = crate::ServiceQuery { team: Some(team), include_inactive: true, ..Default::default() };
        let services = self.list_services(&query, PageRequest::first(MAX_LIMIT)).await?.items;
        Ok((self.team_members(team).await?, services))
    }
}

/// Visibility plus list filters, shared by lists and search: a condition over `r` (requests)
/// and `s` (services) whose parameters are numbered after the caller's first `base` ones.
#[derive(Default)]
pub(crate) struct RequestFilter {
    base: usize,
    conditions: Vec<String>,
    pub(crate) args: Vec<crate::db::Arg>,
    /// The team, requester and on-behalf filters, for searches to narrow their matches in the index.
    pub(crate) team: Option<TeamId>,
    pub(crate) requester: Option<PersonId>,
    pub(crate) on_behalf: Option<TeamId>,
    /// Whether a condition reads `s` (services), which counting then has to join.
    joins_services: bool,
}

impl RequestFilter {
    /// Adds a parameter, returning its placeholder.
    fn arg(&mut self, value: impl Into<crate::db::Arg>) -> String {
        self.args.push(value.into());
        format!("${}", self.base + self.args.len())
    }

    fn and(&mut self, condition: String) {
        self.conditions.push(condition);
    }

    /// `FROM` for counting the matching requests: services are joined only when filtered on.
    pub(crate) fn count_from(&self) -> &'static str {
        if self.joins_services {
            "requests r JOIN services s ON s.id = r.service_id"
        } else {
            "requests r"
        }
    }

    pub(crate) fn sql(&self) -> String {
        if self.conditions.is_empty() {
            "TRUE".into()
        } else {
            self.conditions.join(" AND ")
        }
    }

    /// The placeholder of the `n`th parameter after this filter's.
    pub(crate) fn after(&self, n: usize) -> String {
        format!("${}", self.base + self.args.len() + n)
    }
}

/// What the actor may see, narrowed by the query's filters; its parameters come after `base`.
pub(crate) fn request_filter(tx: &mut Tx<'_>, actor: &Actor, q: &RequestQuery, base: usize) -> Result<RequestFilter> {
    let team = match q.team.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(key) => Some(team_id_by_key(tx.exec(), &key.to_uppercase())?.ok_or(StoreError::NotFound("team"))?),
        None => None,
    };
    let on_behalf = match q.on_behalf_of.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(key) => Some(team_id_by_key(tx.exec(), &key.to_uppercase())?.ok_or(StoreError::NotFound("team"))?),
        None => None,
    };
    let status = q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()).unwrap_or("all").to_owned();
    if !matches!(status.as_str(), "all" | "open") && Status::parse(&status).is_none() {
        return Err(Invalid::one("status", format!("`{status}` is not a status; use open, all or one of new, open, in_progress, waiting_on_requester, waiting_on_others, resolved, closed")).into());
    }
    let status = Status::parse(&status).map_or(status, |s| s.as_str().to_owned());
    let priority = match q.priority.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => {
            Some(Priority::parse(p).ok_or_else(|| Invalid::one("priority", format!("`{p}` is not P1, P2, P3 or P4")))?)
        }
        None => None,
    };
    let requester = person_filter(actor, q.requester.as_deref(), "requester")?;
    let assignee = match q.assignee.as_deref().map(str::trim) {
        None | Some("") => AssigneeFilter::Any,
        Some("none") => AssigneeFilter::Nobody,
        other => person_filter(actor, other, "assignee")?.map_or(AssigneeFilter::Any, AssigneeFilter::Person),
    };
    // Only the filters given become SQL, so each is a plain condition the planner can use an
    // index for (`($3 IS NULL OR r.team_id = $3)` would defeat the queue index).
    let mut f = RequestFilter { base, team, requester, on_behalf, ..RequestFilter::default() };
    // Members see all of their own team's requests, so a team filter on one of the actor's
    // teams already implies visibility; leaving the OR out lets the queue be counted from
    // the index alone.
    let sees_whole_team = team.is_some_and(|t| actor.is_member_of(t));
    if !actor.is_admin && !sees_whole_team {
        let me = f.arg(actor.person_id.map_or(-1, |p| p.0));
        f.and(format!(
            "(r.team_id IN (SELECT team_id FROM team_members WHERE person_id = {me}) OR r.requester_id = {me} \
             OR r.on_behalf_team_id IN (SELECT team_id FROM team_members WHERE person_id = {me}) \
             OR EXISTS (SELECT 1 FROM request_watchers w WHERE w.request_id = r.id AND w.person_id = {me}))"
        ));
    }
    if let Some(team) = team {
        let p = f.arg(team);
        f.and(format!("r.team_id = {p}"));
    }
    if let Some(requester) = requester {
        let p = f.arg(requester);
        f.and(format!("r.requester_id = {p}"));
    }
    if let Some(team) = on_behalf {
        let p = f.arg(team);
        f.and(format!("r.on_behalf_team_id = {p}"));
    }
    match status.as_str() {
        "all" => {}
        // Spelled exactly as the partial index `requests_open_queue`, so the planner uses it.
        "open" => f.and(OPEN_STATUSES.into()),
        one => {
            let p = f.arg(one);
            f.and(format!("r.status = {p}"));
        }
    }
    if let Some(priority) = priority {
        let p = f.arg(priority.as_i64());
        f.and(format!("r.priority = {p}"));
    }
    match assignee {
        AssigneeFilter::Any => {}
        AssigneeFilter::Nobody => f.and("r.assignee_id IS NULL".into()),
        AssigneeFilter::Person(person) => {
            let p = f.arg(person);
            f.and(format!("r.assignee_id = {p}"));
        }
    }
    let service = q.service.as_deref().unwrap_or("").trim().to_lowercase();
    if !service.is_empty() {
        f.joins_services = true;
        let p = f.arg(service);
        f.and(format!("(s.slug = {p} OR lower(s.name) = {p})"));
    }
    match q.clock.as_deref().map(str::trim).unwrap_or("") {
        "" => {}
        // The marks are written once each when a clock passes them (clock_marks), so these
        // are lookups by request rather than clocks computed for every candidate.
        "at_risk" => f.and(
            "EXISTS (SELECT 1 FROM clock_marks m JOIN request_clocks c ON c.request_id = m.request_id \
             AND c.kind = m.kind WHERE m.request_id = r.id AND c.stopped_at IS NULL)"
                .into(),
        ),
        "breached" => {
            f.and("EXISTS (SELECT 1 FROM clock_marks m WHERE m.request_id = r.id AND m.mark = 'breached')".into())
        }
        other => return Err(Invalid::one("clock", format!("`{other}` is not at_risk or breached")).into()),
    }
    let text = q.text.as_deref().unwrap_or("").trim();
    if !text.is_empty() {
        let p = f.arg(like_pattern(text));
        f.and(format!(
            "(lower(r.key) LIKE {p} ESCAPE '\\' OR lower(r.subject) LIKE {p} ESCAPE '\\' \
             OR lower(r.description) LIKE {p} ESCAPE '\\')"
        ));
    }
    Ok(f)
}
