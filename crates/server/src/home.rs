//! Home: each person's cockpit, read for both skins. What it holds follows from what the
//! person is: an agent sees the work on them and their teams, a lead sees their teams'
//! partnerships, and everyone sees what they asked for.

use concentric_core::authz::Actor;
use concentric_core::commitment::{Occurrence, OccurrenceStatus};
use concentric_core::home::{getting_started, waiting_on, SetupStep};
use concentric_core::meeting::Meeting;
use concentric_core::network::{around, weakest, Edge, PartnerLoad, RingNode};
use concentric_core::page::PageRequest;
use concentric_core::person::Person;
use concentric_core::relationship::Relationship;
use concentric_core::request::{Request, RequestQuery};
use concentric_core::review::ActionItem;
use concentric_core::target::Breach;
use concentric_core::team::{MemberRole, Membership};
use concentric_core::time::Millis;
use concentric_store::{ActionFilter, MeetingFilter, OccurrenceFilter, StoreError};
use serde::Serialize;

use crate::state::AppState;

/// How many requests each list on home shows; the rest are a link away.
const SHOWN: u32 = 8;
const DAY_MS: i64 = 86_400_000;

/// Everything on one person's home.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Cockpit {
    /// The person's teams, with their role in each.
    pub teams: Vec<Membership>,
    /// Open requests assigned to the person, soonest due first.
    pub assigned: Vec<Request>,
    pub assigned_total: u64,
    /// One desk per team the person works in.
    pub desks: Vec<TeamDesk>,
    /// Occurrences the person owns or backs up, not yet delivered, due within two weeks or late.
    pub deliveries_due: Vec<Occurrence>,
    /// Open action items from partnership reviews on the person.
    pub actions: Vec<ActionItem>,
    /// One view per team the person leads.
    pub led: Vec<LeadView>,
    /// The person's own open requests, soonest due first, each with what it is waiting on.
    pub asked: Vec<AskedRequest>,
    pub asked_total: u64,
    /// For an admin until the first steps are taken: teams, people, a service, a target, a request.
    pub getting_started: Option<Vec<SetupStep>>,
    /// Open meetings of other teams the person is invited to, soonest first.
    pub meetings: Vec<Meeting>,
}

/// A team's queue as one of its members starts the day.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TeamDesk {
    pub team_key: String,
    pub team_name: String,
    /// Open requests nobody has taken, soonest due first.
    pub unassigned: Vec<Request>,
    pub unassigned_total: u64,
    /// Open requests past a target's at-risk mark or breached, soonest due first.
    pub at_risk: Vec<Request>,
    pub at_risk_total: u64,
}

/// A led team's partnerships at a glance.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LeadView {
    pub team_key: String,
    pub team_name: String,
    /// What the team owes its customers, by customer.
    pub owed: Vec<PartnerLoad>,
    /// What the team waits on from its suppliers, by supplier.
    pub waiting: Vec<PartnerLoad>,
    /// Targets breached (and escalated) in the last seven days.
    pub breaches: Vec<Breach>,
    /// Relationship proposals waiting on this team's answer.
    pub proposals: Vec<Relationship>,
    /// The team's first ring and the edges between them.
    pub ring: Vec<RingNode>,
    pub edges: Vec<Edge>,
    /// The unhealthiest of the team's own edges that has enough data for a score.
    pub weakest: Option<Edge>,
}

/// A request as its requester follows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AskedRequest {
    #[serde(flatten)]
    pub request: Request,
    /// "Waiting on your answer", "Hugo Lind is working on it".
    pub waiting_on: String,
}

fn open_requests(q: RequestQuery) -> RequestQuery {
    RequestQuery { status: Some("open".into()), sort: Some("due".into()), ..q }
}

/// Reads the person's home.
pub async fn cockpit(state: &AppState, actor: &Actor, me: &Person) -> Result<Cockpit, StoreError> {
    let store = &state.store;
    let now = state.time.now();
    let first = PageRequest::first(SHOWN);
    let memberships = store.memberships_of(me.id).await?;

    let assigned = store
        .list_requests(actor, &open_requests(RequestQuery { assignee: Some("me".into()), ..Default::default() }), first)
        .await?;
    let mut desks = Vec::new();
    for m in &memberships {
        let team = Some(m.team_key.clone());
        let unassigned = RequestQuery { team: team.clone(), assignee: Some("none".into()), ..Default::default() };
        let unassigned = store.list_requests(actor, &open_requests(unassigned), first).await?;
        let at_risk = RequestQuery { team, clock: Some("at_risk".into()), ..Default::default() };
        let at_risk = store.list_requests(actor, &open_requests(at_risk), first).await?;
        desks.push(TeamDesk {
            team_key: m.team_key.clone(),
            team_name: m.team_name.clone(),
            unassigned_total: unassigned.total,
            unassigned: unassigned.items,
            at_risk_total: at_risk.total,
            at_risk: at_risk.items,
        });
    }
    let deliveries = OccurrenceFilter {
        person: Some(me.id),
        unfinished: true,
        due_before: Some(Millis(now.0 + 14 * DAY_MS)),
        ..Default::default()
    };
    let mut deliveries_due = store.occurrences(deliveries, now, false, 50).await?;
    // Delivered ones wait on the receiver to accept them, not on the person.
    deliveries_due.retain(|o| o.status == OccurrenceStatus::Open);
    deliveries_due.truncate(SHOWN as usize);
    let actions =
        store.actions(actor, ActionFilter { owner: Some(me.id), open: true, ..Default::default() }, now).await?;

    let led: Vec<&Membership> = memberships.iter().filter(|m| m.role == MemberRole::Lead).collect();
    let mut lead_views = Vec::new();
    if !led.is_empty() {
        let all_edges = crate::queries::edges(state).await?;
        for m in led {
            lead_views.push(lead_view(state, actor, m, &all_edges, now).await?);
        }
    }

    let asked = store
        .list_requests(
            actor,
            &open_requests(RequestQuery { requester: Some("me".into()), ..Default::default() }),
            first,
        )
        .await?;
    let invited = MeetingFilter { invited: true, coming: true, hide_cancelled: true, team: None };
    let mut meetings = store.meetings(actor, invited, PageRequest::first(10), now).await?.items;
    meetings.retain(|m| !actor.is_member_of(m.team_id));
    meetings.truncate(5);
    let getting_started = if actor.is_admin { getting_started(&store.setup_progress().await?) } else { None };
    Ok(Cockpit {
        teams: memberships,
        assigned_total: assigned.total,
        assigned: assigned.items,
        desks,
        deliveries_due,
        actions,
        led: lead_views,
        asked_total: asked.total,
        asked: asked
            .items
            .into_iter()
            .map(|request| AskedRequest { waiting_on: waiting_on(&request, me.id), request })
            .collect(),
        getting_started,
        meetings,
    })
}

async fn lead_view(
    state: &AppState,
    actor: &Actor,
    m: &Membership,
    all_edges: &[Edge],
    now: Millis,
) -> Result<LeadView, StoreError> {
    let store = &state.store;
    let (ring, edges) = around(&m.team_key, all_edges, 1);
    let own: Vec<Edge> =
        edges.iter().filter(|e| e.supplier_key == m.team_key || e.customer_key == m.team_key).cloned().collect();
    let weakest = weakest(&own, 1).into_iter().next().cloned();
    let mut proposals = store.relationships(Some(m.team_id)).await?;
    proposals.retain(|r| r.answerable_by(actor));
    Ok(LeadView {
        team_key: m.team_key.clone(),
        team_name: m.team_name.clone(),
        owed: store.partner_load(m.team_id, true, now).await?,
        waiting: store.partner_load(m.team_id, false, now).await?,
        breaches: store.breaches_since(actor, m.team_id, Millis(now.0 - 7 * DAY_MS), 10).await?,
        proposals,
        ring,
        edges,
        weakest,
    })
}
