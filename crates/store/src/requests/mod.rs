//! Requests: filing, the lifecycle, assignment, the conversation, watchers and lists.
//! Every read checks what the actor may see; internal notes never leave for non-agents.

use std::collections::BTreeMap;
use std::sync::Arc;

use concentric_core::authz::{Actor, Forbidden};
use concentric_core::calendar::Calendar;
use concentric_core::rating::Direction;
use concentric_core::request::{
    Access, Comment, CommentKind, IllegalTransition, NewRequest, Priority, Request, Status,
};
use concentric_core::service::Service;
use concentric_core::target::TargetPolicy;
use concentric_core::time::Millis;
use concentric_core::{CommentId, Invalid, PersonId, RequestId, ServiceId, TeamId};
use serde_json::json;

use crate::clocks::Started;
use crate::db::{args, Exec, Tx};
use crate::events::record;
use crate::forecast::SlipPayload;
use crate::notifications::{notify, Notice};
use crate::people::id_by_email;
use crate::services::service_in;
use crate::webhooks::{emit_for_request, emit_to};
use crate::{Result, Store, StoreError};
use concentric_core::notification::{Notice as Said, RequestRef};
use concentric_core::webhook::WebhookEventKind as Hook;

mod lists;

pub(crate) use lists::{list_requests_in, request_filter, RequestFilter};

macro_rules! request_columns {
    () => {
        "r.id, r.key, r.team_id, t.key AS team_key, t.name AS team_name, r.service_id, \
         s.slug AS service_slug, s.name AS service_name, r.form_version, r.requester_id, rp.name AS requester_name, \
         rp.email AS requester_email, r.on_behalf_team_id, ob.key AS on_behalf_team_key, ob.name AS on_behalf_team_name, \
         r.subject, r.description, r.fields, r.priority, r.status, r.assignee_id, ap.name AS assignee_name, \
         r.created_at, r.updated_at, r.first_response_at, r.resolved_at, r.closed_at"
    };
}
macro_rules! request_joins {
    () => {
        "JOIN teams t ON t.id = r.team_id JOIN services s ON s.id = r.service_id \
         JOIN people rp ON rp.id = r.requester_id LEFT JOIN teams ob ON ob.id = r.on_behalf_team_id \
         LEFT JOIN people ap ON ap.id = r.assignee_id"
    };
}
pub(crate) const REQUEST_SELECT: &str = concat!("SELECT ", request_columns!(), " FROM requests r ", request_joins!());

crate::db::row! {
    pub(crate) struct RequestRow {
        id: i64,
        key: String,
        team_id: i64,
        team_key: String,
        team_name: String,
        service_id: i64,
        service_slug: String,
        service_name: String,
        form_version: i64,
        requester_id: i64,
        requester_name: String,
        requester_email: String,
        on_behalf_team_id: Option<i64>,
        on_behalf_team_key: Option<String>,
        on_behalf_team_name: Option<String>,
        subject: String,
        description: String,
        fields: String,
        priority: i64,
        status: String,
        assignee_id: Option<i64>,
        assignee_name: Option<String>,
        created_at: i64,
        updated_at: i64,
        first_response_at: Option<i64>,
        resolved_at: Option<i64>,
        closed_at: Option<i64>,
    }
}

impl TryFrom<RequestRow> for Request {
    type Error = StoreError;

    fn try_from(r: RequestRow) -> Result<Self> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("request {}: {what}", r.key));
        Ok(Request {
            id: RequestId(r.id),
            team_id: TeamId(r.team_id),
            team_key: r.team_key,
            team_name: r.team_name,
            service_id: ServiceId(r.service_id),
            service_slug: r.service_slug,
            service_name: r.service_name,
            form_version: r.form_version,
            requester_id: PersonId(r.requester_id),
            requester_name: r.requester_name,
            requester_email: r.requester_email,
            on_behalf_team_id: r.on_behalf_team_id.map(TeamId),
            on_behalf_team_key: r.on_behalf_team_key,
            on_behalf_team_name: r.on_behalf_team_name,
            subject: r.subject,
            description: r.description,
            fields: serde_json::from_str(&r.fields).map_err(|_| corrupt("fields"))?,
            priority: Priority::from_i64(r.priority).ok_or_else(|| corrupt("priority"))?,
            status: Status::parse(&r.status).ok_or_else(|| corrupt("status"))?,
            assignee_id: r.assignee_id.map(PersonId),
            assignee_name: r.assignee_name,
            created_at: Millis(r.created_at).to_utc(),
            updated_at: Millis(r.updated_at).to_utc(),
            first_response_at: r.first_response_at.map(|t| Millis(t).to_utc()),
            resolved_at: r.resolved_at.map(|t| Millis(t).to_utc()),
            closed_at: r.closed_at.map(|t| Millis(t).to_utc()),
            clocks: Vec::new(),
            key: r.key,
        })
    }
}

crate::db::row! {
    struct CommentRow {
        id: i64,
        request_id: i64,
        author_id: i64,
        author_name: String,
        kind: String,
        body: String,
        created_at: i64,
    }
}

const COMMENT_SELECT: &str =
    "SELECT c.id, c.request_id, c.author_id, p.name AS author_name, c.kind, c.body, c.created_at \
     FROM comments c JOIN people p ON p.id = c.author_id";

impl From<CommentRow> for Comment {
    fn from(r: CommentRow) -> Self {
        Comment {
            id: CommentId(r.id),
            request_id: RequestId(r.request_id),
            author_id: PersonId(r.author_id),
            author_name: r.author_name,
            kind: CommentKind::parse(&r.kind).unwrap_or(CommentKind::Note),
            body: r.body,
            created_at: Millis(r.created_at).to_utc(),
        }
    }
}

pub(crate) fn request_where(exec: Exec<'_>, clause: &str, arg: crate::db::Arg) -> Result<Request> {
    let row: RequestRow = exec
        .optional(&format!("{REQUEST_SELECT} WHERE {clause}"), vec![arg])?
        .ok_or(StoreError::NotFound("request"))?;
    row.try_into()
}

fn is_watcher(exec: Exec<'_>, request: RequestId, person: Option<PersonId>) -> Result<bool> {
    let Some(person) = person else { return Ok(false) };
    let n: i64 = exec.scalar(
        "SELECT COUNT(*) FROM request_watchers WHERE request_id = $1 AND person_id = $2",
        args![request, person],
    )?;
    Ok(n > 0)
}

/// A request the actor may see, with their access; invisible requests read as not found, so
/// nobody learns that a key exists.
pub(crate) fn visible(tx: &mut Tx, actor: &Actor, key: &str) -> Result<(Request, Access)> {
    let req = request_where(tx.exec(), "r.key = $1", key.trim().to_uppercase().into())?;
    let watcher = is_watcher(tx.exec(), req.id, actor.person_id)?;
    let access = Access::of(actor, &req, watcher).ok_or(StoreError::NotFound("request"))?;
    Ok((req, access))
}

fn require_agent(access: Access, action: &'static str) -> Result<()> {
    if access.agent {
        Ok(())
    } else {
        Err(Forbidden(action).into())
    }
}

/// Active members of a team.
fn team_member_ids(exec: Exec<'_>, team: TeamId) -> Result<Vec<PersonId>> {
    let ids: Vec<i64> = exec
        .scalars(
            "SELECT tm.person_id FROM team_members tm JOIN people p ON p.id = tm.person_id WHERE tm.team_id = $1 AND p.active",
            args![team],
        )?;
    Ok(ids.into_iter().map(PersonId).collect())
}

/// The requester and watchers: the people a request's news is for.
fn parties(exec: Exec<'_>, req: &Request) -> Result<Vec<PersonId>> {
    let mut ids: Vec<PersonId> = exec
        .scalars::<i64>("SELECT person_id FROM request_watchers WHERE request_id = $1", args![req.id])?
        .into_iter()
        .map(PersonId)
        .collect();
    ids.push(req.requester_id);
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// The next request number of a team (`IT-42` is IT's 42nd).
pub(crate) fn next_number(tx: &mut Tx, team: TeamId) -> Result<i64> {
    Ok(tx.exec().scalar(
        "INSERT INTO request_counters (team_id, last_number) VALUES ($1, 1) \
             ON CONFLICT (team_id) DO UPDATE SET last_number = request_counters.last_number + 1 RETURNING last_number",
        args![team],
    )?)
}

/// The active round-robin responders of a service, in their order.
fn responders_of(exec: Exec<'_>, service: ServiceId) -> Result<Vec<(i64, String)>> {
    Ok(exec.all(
        "SELECT r.person_id, p.name FROM service_responders r JOIN people p ON p.id = r.person_id \
             WHERE r.service_id = $1 AND p.active ORDER BY r.position",
        args![service],
    )?)
}

/// The next of a service's round-robin `responders`, advancing the turn.
fn next_responder(
    tx: &mut Tx,
    service: ServiceId,
    mut responders: Vec<(i64, String)>,
) -> Result<Option<(PersonId, String)>> {
    if responders.is_empty() {
        return Ok(None);
    }
    // The turn only counts up; whose turn it is follows from the responders there are now.
    let turn: i64 = tx.exec().scalar(
        "UPDATE services SET next_responder = next_responder + 1 WHERE id = $1 RETURNING next_responder - 1",
        args![service],
    )?;
    let index = usize::try_from(turn).unwrap_or(0) % responders.len();
    let (id, name) = responders.swap_remove(index);
    Ok(Some((PersonId(id), name)))
}

/// The comments of a request that `access` may read, oldest first.
fn comments_in(tx: &mut Tx, req: &Request, access: Access) -> Result<Vec<Comment>> {
    let rows: Vec<CommentRow> = tx.exec().all(
        &format!("{COMMENT_SELECT} WHERE c.request_id = $1 AND ($2 OR c.kind = 'reply') ORDER BY c.created_at, c.id"),
        args![req.id, access.sees_notes()],
    )?;
    Ok(rows.into_iter().map(Comment::from).collect())
}

/// Tells the team's webhooks that a request moved from its status to `to`.
fn status_changed(tx: &mut Tx, req: &Request, to: Status, event: i64) -> Result<()> {
    let from = req.status;
    emit_for_request(tx, Hook::RequestStatusChanged, req.id, req.team_id, event, |r| {
        let summary = format!("{} is now {}", r.subject, to.label().to_lowercase());
        (summary, json!({ "from": from.as_str(), "to": to.as_str() }))
    })
}

/// What filing a request reads before it writes: the service and its form, the answers
/// checked, who is told, and the targets and calendar its clocks start under. It is read on a
/// reader, so the writer's unit only writes; a catalog edit that commits between the two is
/// ordered after the filing, as if the request had come a moment earlier.
pub(crate) struct Filing {
    me: PersonId,
    service: Service,
    new: NewRequest,
    fields: BTreeMap<String, serde_json::Value>,
    on_behalf: Option<Named>,
    requester: Named,
    team: Vec<PersonId>,
    /// The service's round-robin responders (none when it does not assign in turn).
    responders: Vec<(i64, String)>,
    /// The webhooks that hear of the new request.
    hooks: Vec<i64>,
    /// The targets it opens under, with the providing team's calendar its clocks run on.
    targets: Option<(TargetPolicy, Arc<Calendar>)>,
}

// A person (name, email) or a team (name, key) as a request shows it.
crate::db::row! {
    struct Named {
        id: i64,
        name: String,
        handle: String,
    }
}

/// Checks a request to file against a service, as the actor, and reads what filing it needs.
/// Every problem comes back at once: text fields and form answers together.
pub(crate) fn prepare_filing(
    tx: &mut Tx<'_>,
    actor: &Actor,
    service: ServiceId,
    mut new: NewRequest,
) -> Result<Filing> {
    let Some(me) = actor.person_id else { return Err(Forbidden("file requests without a person").into()) };
    let service = service_in(tx, service)?;
    if !service.may_request(actor) {
        return Err(Forbidden("request this service").into());
    }
    let mut errors = new.validate_text().err().map(|e| e.0).unwrap_or_default();
    let fields = match service.form.validate(&new.fields) {
        Ok(f) => f,
        Err(inv) => {
            errors.extend(inv.0);
            BTreeMap::new()
        }
    };
    for (name, email) in service.form.person_values(&fields) {
        if id_by_email(tx.exec(), email)?.is_none() {
            errors.push(concentric_core::FieldError::new(
                format!("fields.{name}"),
                format!("nobody in the directory has the email {email}"),
            ));
        }
    }
    let on_behalf: Option<Named> = match new.on_behalf_of.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        Some(key) => match tx
            .exec()
            .optional::<Named>("SELECT id, name, key AS handle FROM teams WHERE key = $1", args![key.to_uppercase()])?
        {
            Some(t) if actor.works_in(TeamId(t.id)) => Some(t),
            _ => {
                errors.push(concentric_core::FieldError::new(
                    "on_behalf_of",
                    format!("you can file for your own teams only, not {key}"),
                ));
                None
            }
        },
        None => match actor.teams.first() {
            Some((t, _)) => tx.exec().optional("SELECT id, name, key AS handle FROM teams WHERE id = $1", args![*t])?,
            None => None,
        },
    };
    if !errors.is_empty() {
        return Err(Invalid(errors).into());
    }
    let requester = tx
        .exec()
        .optional("SELECT id, name, email AS handle FROM people WHERE id = $1", args![me])?
        .ok_or(StoreError::NotFound("person"))?;
    let team = team_member_ids(tx.exec(), service.team_id)?;
    let responders = if service.round_robin { responders_of(tx.exec(), service.id)? } else { Vec::new() };
    let hooks = crate::webhooks::subscribers(tx, Hook::RequestCreated, &[service.team_id])?;
    // The targets it is opened under stay with the request when the service's targets change.
    let targets = match crate::clocks::current_policy(tx.exec(), service.id)? {
        Some(policy) => Some((policy, crate::clocks::calendar_of(tx.exec(), service.team_id)?)),
        None => None,
    };
    Ok(Filing { me, service, new, fields, on_behalf, requester, team, responders, hooks, targets })
}

/// Files a checked request inside the writer's unit: its number, its round-robin responder, the
/// row, its text for search, its clocks, the event, the notices and the webhooks. The request is
/// answered as written, without reading it back.
pub(crate) fn file_in(tx: &mut Tx<'_>, actor: &Actor, filing: Filing) -> Result<(Request, Option<Started>)> {
    let Filing { me, service, new, fields, on_behalf, requester, team, responders, hooks, targets } = filing;
    let number = next_number(tx, service.team_id)?;
    let key = format!("{}-{number}", service.team_key);
    // No responders were read unless the service assigns in turn.
    let (assignee, assignee_name) = next_responder(tx, service.id, responders)?.unzip();
    let priority = new.priority.unwrap_or(service.default_priority);
    let now = Millis::now().0;
    let id = RequestId(tx.exec().insert_id(
        "INSERT INTO requests (key, team_id, number, service_id, form_version, requester_id, on_behalf_team_id, \
             subject, description, fields, priority, status, assignee_id, created_at, updated_at, policy_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'new', $12, $13, $13, $14)",
        args![
            &key,
            service.team_id,
            number,
            service.id,
            service.form.version,
            me,
            on_behalf.as_ref().map(|t| t.id),
            &new.subject,
            &new.description,
            serde_json::to_string(&fields).unwrap_or_default(),
            priority.as_i64(),
            assignee,
            now,
            targets.as_ref().map(|(p, _)| p.id)
        ],
    )?);
    let answers: Vec<String> = service.form.describe(&fields).into_iter().map(|(l, v)| format!("{l}: {v}")).collect();
    let text = format!("{key} {}\n{}\n{}", new.subject, new.description, answers.join("\n"));
    crate::search::index(tx, id, "request", &text)?;
    let clocks = match targets {
        Some((policy, calendar)) => crate::clocks::start_clocks(tx, id, calendar, &policy, priority, now)?,
        None => None,
    };
    let change = json!({ "key": key, "assignee": assignee_name });
    let event = record(tx, actor, "request", id.0, "created", change)?;
    let queue: Vec<PersonId> = team.into_iter().filter(|p| Some(*p) != assignee).collect();
    let told = RequestRef { id, key: key.clone(), title: new.subject.clone() };
    let mut notices = vec![Notice::new(Said::NewRequest { request: told.clone() }, event).to(&queue)];
    if let Some(a) = assignee {
        notices.push(Notice::new(Said::Assigned { request: told, escalated: false }, event).to(&[a]));
    }
    notify(tx, actor, &notices)?;
    if priority <= Priority::P2 {
        let check = SlipPayload { request_id: id.0, from_priority: None, event };
        crate::forecast::schedule_slip_check(tx, check)?;
    }
    emit_to(tx, &hooks, Hook::RequestCreated, id, event, |r| {
        (format!("New request: {} (from {}, {})", r.subject, r.requester_name, r.service_name), json!({}))
    })?;
    let at = Millis(now).to_utc();
    let (on_behalf_team_id, on_behalf_team_key, on_behalf_team_name) = match on_behalf {
        Some(t) => (Some(TeamId(t.id)), Some(t.handle), Some(t.name)),
        None => (None, None, None),
    };
    let request = Request {
        id,
        key,
        team_id: service.team_id,
        team_key: service.team_key,
        team_name: service.team_name,
        service_id: service.id,
        service_slug: service.slug,
        service_name: service.name,
        form_version: service.form.version,
        requester_id: me,
        requester_name: requester.name,
        requester_email: requester.handle,
        on_behalf_team_id,
        on_behalf_team_key,
        on_behalf_team_name,
        subject: new.subject,
        description: new.description,
        fields: fields.into_iter().collect(),
        priority,
        status: Status::New,
        assignee_id: assignee,
        assignee_name,
        created_at: at,
        updated_at: at,
        first_response_at: None,
        resolved_at: None,
        closed_at: None,
        clocks: Vec::new(),
    };
    Ok((request, clocks))
}

impl Store {
    /// Runs `read` in one read unit on the request `key` as the actor may see it, with their
    /// access; an invisible request reads as not found.
    pub(crate) async fn read_visible<T, F>(&self, actor: &Actor, key: &str, read: F) -> Result<T>
    where
        F: FnOnce(&mut Tx<'_>, &Actor, Request, Access) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let (actor, key) = (actor.clone(), key.to_owned());
        self.db
            .read(move |mut tx| {
                let (req, access) = visible(&mut tx, &actor, &key)?;
                read(&mut tx, &actor, req, access)
            })
            .await
    }
}

/// A request with its clocks read now.
fn with_clocks(tx: &mut Tx<'_>, req: Request) -> Result<Request> {
    let mut one = [req];
    crate::clocks::attach_clocks(tx, &mut one, Millis::now().0)?;
    let [req] = one;
    Ok(req)
}

impl Store {
    /// Files a request against a service, as the actor: checked and read for on a reader, then
    /// written in one unit of the writer. Its clocks are read here, after the writer is done.
    #[tracing::instrument(skip_all, fields(service = %service))]
    pub async fn create_request(&self, actor: &Actor, service: ServiceId, new: NewRequest) -> Result<Request> {
        self.file(actor, move |_| Ok(service), new).await
    }

    /// Files a request against the service `slug` of the team `team_key`, found in the same read
    /// as the filing's checks (the API's path names a service by team and slug).
    #[tracing::instrument(skip_all, fields(team = %team_key, service = %slug))]
    pub async fn create_request_at(
        &self,
        actor: &Actor,
        team_key: &str,
        slug: &str,
        new: NewRequest,
    ) -> Result<Request> {
        let (team_key, slug) = (team_key.to_owned(), slug.to_owned());
        self.file(actor, move |tx| crate::services::service_id_in(tx.exec(), &team_key, &slug), new).await
    }

    async fn file<F>(&self, actor: &Actor, service: F, new: NewRequest) -> Result<Request>
    where
        F: FnOnce(&mut Tx<'_>) -> Result<ServiceId> + Send + 'static,
    {
        let actor = actor.clone();
        let filing = {
            let actor = actor.clone();
            self.db
                .read(move |mut tx| {
                    let service = service(&mut tx)?;
                    prepare_filing(&mut tx, &actor, service, new)
                })
                .await?
        };
        // One lane per team: its creates all take the team's next number.
        let lane = filing.service.team_id.0;
        let (mut created, clocks) = self.db.write_in_lane(lane, move |mut tx| file_in(&mut tx, &actor, filing)).await?;
        created.clocks = clocks.map(|c| c.views()).unwrap_or_default();
        Ok(created)
    }

    /// A request the actor may see, and how they relate to it.
    #[tracing::instrument(skip_all)]
    pub async fn request(&self, actor: &Actor, key: &str) -> Result<(Request, Access)> {
        let (actor, key) = (actor.clone(), key.to_owned());
        self.db
            .read_quick(move |mut tx| {
                let (req, access) = visible(&mut tx, &actor, &key)?;
                Ok((with_clocks(&mut tx, req)?, access))
            })
            .await
    }

    /// A request with its conversation, files, watchers and form, checked once and read in one
    /// snapshot: what a request page needs.
    #[tracing::instrument(skip_all)]
    pub async fn request_detail(&self, actor: &Actor, key: &str) -> Result<concentric_core::request::RequestDetail> {
        let (actor, key) = (actor.clone(), key.to_owned());
        // Keyed lookups of one request's rows: on the caller's thread.
        self.db
            .read_quick(move |mut tx| {
                let (request, access) = visible(&mut tx, &actor, &key)?;
                let watchers = tx.exec().scalars(
                    "SELECT p.name FROM request_watchers w JOIN people p ON p.id = w.person_id WHERE w.request_id = $1 ORDER BY p.name",
                    args![request.id],
                )?;
                let comments = comments_in(&mut tx, &request, access)?;
                let attachments = crate::attachments::attachments_in(&mut tx, &request, access)?;
                let form = crate::services::form(tx.exec(), request.service_id, request.form_version)?;
                let request = with_clocks(&mut tx, request)?;
                Ok(concentric_core::request::RequestDetail { comments, attachments, form, watchers, access, request })
            })
            .await
    }

    /// The conversation the actor may see: internal notes only for agents.
    #[tracing::instrument(skip_all)]
    pub async fn comments(&self, actor: &Actor, key: &str) -> Result<Vec<Comment>> {
        self.read_visible(actor, key, move |tx, _, req, access| comments_in(tx, &req, access)).await
    }

    /// Moves a request along its lifecycle (agents only).
    #[tracing::instrument(skip_all, fields(request = key, to = to.as_str()))]
    pub async fn change_status(&self, actor: &Actor, key: &str, to: Status) -> Result<Request> {
        let (actor, key) = (actor.clone(), key.to_owned());
        self.db
            .write(move |mut tx| {
                let (actor, key): (&Actor, &str) = (&actor, &key);
            let (req, access) = visible(&mut tx, actor, key)?;
            require_agent(access, "change the status of this request")?;
            let to = req.status.transition(to)?;
            let now = Millis::now().0;
            tx.exec()
                .execute(
                    "UPDATE requests SET status = $1, updated_at = $2, \
                     resolved_at = CASE WHEN $1 = 'resolved' THEN $2 WHEN $1 = 'closed' THEN resolved_at ELSE NULL END, \
                     closed_at = CASE WHEN $1 = 'closed' THEN $2 ELSE NULL END WHERE id = $3",
                    args![to.as_str(), now, req.id],
                )?;
            let event = record(
                &mut tx,
                actor,
                "request",
                req.id.0,
                "status",
                json!({ "status": [req.status.as_str(), to.as_str()] }),
            )?;
            let updated = request_where(tx.exec(), "r.id = $1", req.id.into())?;
            crate::clocks::sync_clocks(&mut tx, &updated, to, false, now)?;
            let mut recipients = parties(tx.exec(), &req)?;
            let mut notices = Vec::new();
            // A resolved request asks its requester for a rating instead of only telling them.
            if to == Status::Resolved
                && crate::ratings::rating_of(tx.exec(), req.id.0, Direction::Requester)?.is_none()
            {
                recipients.retain(|p| *p != req.requester_id);
                notices.push(Notice::new(Said::RateRequest { request: req.reference() }, event).to(&[req.requester_id]));
            }
            let status = Said::Status { request: req.reference(), status: to.label().to_lowercase() };
            notices.push(Notice::new(status, event).to(&recipients));
            notify(&mut tx, actor, &notices)?;
            status_changed(&mut tx, &req, to, event)?;
                with_clocks(&mut tx, updated)
            })
            .await
    }

    /// Assigns a request to a member of the providing team, or unassigns it (agents only).
    #[tracing::instrument(skip_all, fields(request = key))]
    pub async fn assign(&self, actor: &Actor, key: &str, assignee: Option<PersonId>) -> Result<Request> {
        let actor = actor.to_owned();
        let key = key.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                let key: &str = &key;
                let (req, access) = visible(&mut tx, actor, key)?;
                require_agent(access, "assign this request")?;
                if req.status == Status::Closed {
                    return Err(Invalid::one("assignee", "a closed request cannot be reassigned").into());
                }
                if let Some(a) = assignee {
                    if !team_member_ids(tx.exec(), req.team_id)?.contains(&a) {
                        return Err(Invalid::one(
                            "assignee",
                            format!("only active members of {} can be assigned", req.team_name),
                        )
                        .into());
                    }
                }
                if req.assignee_id == assignee {
                    return Ok(req);
                }
                tx.exec().execute(
                    "UPDATE requests SET assignee_id = $1, updated_at = $2 WHERE id = $3",
                    args![assignee, Millis::now().0, req.id],
                )?;
                let updated = request_where(tx.exec(), "r.id = $1", req.id.into())?;
                // Names, not ids: the history is read by people.
                let change = json!({ "assignee": [req.assignee_name, updated.assignee_name] });
                let event = record(&mut tx, actor, "request", req.id.0, "assigned", change)?;
                if let Some(a) = assignee {
                    let notice = Notice::new(Said::Assigned { request: req.reference(), escalated: false }, event);
                    notify(&mut tx, actor, &[notice.to(&[a])])?;
                }
                Ok(updated)
            })
            .await
    }

    /// Changes a request's priority (agents only).
    #[tracing::instrument(skip_all)]
    pub async fn set_priority(&self, actor: &Actor, key: &str, priority: Priority) -> Result<Request> {
        let (actor, key) = (actor.clone(), key.to_owned());
        self.db
            .write(move |mut tx| {
                let (actor, key): (&Actor, &str) = (&actor, &key);
                let (req, access) = visible(&mut tx, actor, key)?;
                require_agent(access, "change the priority of this request")?;
                if req.priority != priority {
                    tx.exec().execute(
                        "UPDATE requests SET priority = $1, updated_at = $2 WHERE id = $3",
                        args![priority.as_i64(), Millis::now().0, req.id],
                    )?;
                    let event = record(
                        &mut tx,
                        actor,
                        "request",
                        req.id.0,
                        "priority",
                        json!({ "priority": [req.priority, priority] }),
                    )?;
                    if priority < req.priority {
                        let check =
                            SlipPayload { request_id: req.id.0, from_priority: Some(req.priority.as_i64()), event };
                        crate::forecast::schedule_slip_check(&mut tx, check)?;
                    }
                }
                let updated = request_where(tx.exec(), "r.id = $1", req.id.into())?;
                // The new priority's targets apply to the running clocks.
                crate::clocks::sync_clocks(&mut tx, &updated, updated.status, false, Millis::now().0)?;
                with_clocks(&mut tx, updated)
            })
            .await
    }

    /// Adds a reply or an internal note. A requester's reply resumes a request waiting on them
    /// and reopens a resolved one within `reopen_window_ms`; nothing reopens a closed request.
    #[tracing::instrument(skip_all, fields(request = key, kind = kind.as_str()))]
    pub async fn add_comment(
        &self,
        actor: &Actor,
        key: &str,
        kind: CommentKind,
        body: &str,
        reopen_window_ms: i64,
    ) -> Result<Comment> {
        let actor = actor.to_owned();
        let key = key.to_owned();
        let body = body.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                let key: &str = &key;
                let body: &str = &body;
                let Some(me) = actor.person_id else { return Err(Forbidden("comment without a person").into()) };
                let body = body.trim();
                if body.is_empty() || body.len() > 50_000 {
                    return Err(Invalid::one("body", "write a message of up to 50,000 characters").into());
                }
                let (req, access) = visible(&mut tx, actor, key)?;
                if kind == CommentKind::Note {
                    require_agent(access, "add internal notes to this request")?;
                }
                if req.status == Status::Closed {
                    return Err(IllegalTransition { from: Status::Closed, to: Status::InProgress }.into());
                }
                let now = Millis::now().0;
                let from_requester_side = !access.agent;
                let mut status = req.status;
                if kind == CommentKind::Reply && from_requester_side {
                    let within = req.resolved_at.is_some_and(|r| now - r.timestamp_millis() <= reopen_window_ms);
                    status = req.status.after_requester_reply(within)?;
                }
                let id: i64 = tx.exec().insert_id(
                    "INSERT INTO comments (request_id, author_id, kind, body, created_at) VALUES ($1, $2, $3, $4, $5)",
                    args![req.id, me, kind.as_str(), body, now],
                )?;
                crate::search::index(&mut tx, req.id, kind.as_str(), body)?;
                let first_response = kind == CommentKind::Reply
                    && access.agent
                    && me != req.requester_id
                    && req.first_response_at.is_none();
                tx.exec().execute(
                    "UPDATE requests SET status = $1, updated_at = $2, \
                     first_response_at = CASE WHEN $3 THEN $2 ELSE first_response_at END, \
                     resolved_at = CASE WHEN $1 = 'resolved' THEN resolved_at ELSE NULL END WHERE id = $4",
                    args![status.as_str(), now, first_response, req.id],
                )?;
                if status != req.status || first_response {
                    crate::clocks::sync_clocks(&mut tx, &req, status, first_response, now)?;
                }
                if status != req.status {
                    let action = if req.status == Status::Resolved { "reopened" } else { "status" };
                    let event = record(
                        &mut tx,
                        actor,
                        "request",
                        req.id.0,
                        action,
                        json!({ "status": [req.status.as_str(), status.as_str()] }),
                    )?;
                    status_changed(&mut tx, &req, status, event)?;
                }
                if kind == CommentKind::Reply {
                    let recipients =
                        if access.agent { parties(tx.exec(), &req)? } else { req.assignee_id.into_iter().collect() };
                    let by = actor_name(tx.exec(), me)?;
                    let said = Said::Reply { request: req.reference(), by: by.clone(), text: body.to_owned() };
                    notify(&mut tx, actor, &[Notice::new(said, id).to(&recipients)])?;
                    emit_for_request(&mut tx, Hook::RequestReplied, req.id, req.team_id, id, |r| {
                        let side = if access.agent { "the team" } else { "the requester's side" };
                        let reply = json!({ "author": by, "from_team": access.agent, "body": body });
                        (format!("{by} replied on {} ({side})", r.subject), json!({ "reply": reply }))
                    })?;
                }
                let comment: CommentRow = tx
                    .exec()
                    .optional(&format!("{COMMENT_SELECT} WHERE c.id = $1"), args![id])?
                    .ok_or(StoreError::NotFound("comment"))?;
                Ok(comment.into())
            })
            .await
    }

    /// Adds a watcher: someone who sees the request and hears of its replies and status changes.
    #[tracing::instrument(skip_all)]
    pub async fn add_watcher(&self, actor: &Actor, key: &str, email: &str) -> Result<()> {
        let actor = actor.to_owned();
        let key = key.to_owned();
        let email = email.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                let key: &str = &key;
                let email: &str = &email;
                let (req, _access) = visible(&mut tx, actor, key)?;
                let email = email.trim().to_lowercase();
                let person = id_by_email(tx.exec(), &email)?
                    .ok_or_else(|| Invalid::one("email", format!("nobody in the directory has the email {email}")))?;
                let added = tx.exec().execute(
                    "INSERT INTO request_watchers (request_id, person_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    args![req.id, person],
                )?;
                if added > 0 {
                    record(&mut tx, actor, "request", req.id.0, "watcher_added", json!({ "watcher": email }))?;
                }
                Ok(())
            })
            .await
    }
}

fn actor_name(exec: Exec<'_>, person: PersonId) -> Result<String> {
    Ok(exec.scalar("SELECT name FROM people WHERE id = $1", args![person])?)
}
