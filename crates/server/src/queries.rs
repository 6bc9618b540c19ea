//! Page reads shared by the JSON API and the web UI: each is one answer made of a few store
//! calls, so both skins call it here rather than one importing the other.

use concentric_core::commitment::{trend_since, CalendarFeed, Commitment, Occurrence, OnTimeMonth};
use concentric_core::goal::Goal;
use concentric_core::network::{Edge, RingNode, ServiceUse};
use concentric_core::page::PageRequest;
use concentric_core::relationship::Relationship;
use concentric_core::report::ComplianceRow;
use concentric_core::team::Team;
use concentric_core::time::Millis;
use concentric_core::TeamId;
use concentric_store::{OccurrenceFilter, StoreError};
use serde::{Deserialize, Serialize};

use crate::auth::secrets::{digest, random_secret};
use crate::state::AppState;

/// Request traffic counts over this many days.
pub const WINDOW_DAYS: i64 = 90;

/// A team's rings of partners and the edges between them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TeamNetwork {
    pub centre: String,
    pub rings: Vec<RingNode>,
    /// Edges touching the centre or its rings.
    pub edges: Vec<Edge>,
}

/// The rings around a team and the edges between them.
pub async fn team_network_of(
    state: &AppState,
    key: &str,
    depth: Option<u32>,
) -> Result<TeamNetwork, concentric_store::StoreError> {
    let depth = depth.unwrap_or(2);
    if !(1..=4).contains(&depth) {
        return Err(concentric_core::Invalid::one("depth", "show between 1 and 4 rings").into());
    }
    let team = state.store.team_by_key(key).await?;
    let (rings, edges) = concentric_core::network::around(&team.key, &edges(state).await?, depth);
    Ok(TeamNetwork { centre: team.key, rings, edges })
}

/// Every edge over the last [`WINDOW_DAYS`], read now.
pub async fn edges(state: &AppState) -> Result<Vec<Edge>, concentric_store::StoreError> {
    let now = state.time.now();
    state.store.network_edges(window_start(now), now).await
}

/// The start of the window the network is measured over.
pub fn window_start(now: Millis) -> Millis {
    Millis(now.0 - WINDOW_DAYS * 86_400_000)
}

/// One edge with everything behind it: the relationship, the services the customer uses, the
/// commitments the supplier owes and their on-time trend, and both teams' goals.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EdgeDetail {
    pub edge: Edge,
    pub relationship: Option<Relationship>,
    pub services: Vec<ServiceUse>,
    pub commitments: Vec<Commitment>,
    pub trend: Vec<OnTimeMonth>,
    pub supplier_goals: Vec<Goal>,
    pub customer_goals: Vec<Goal>,
}

/// Everything behind one edge.
pub async fn edge_detail(state: &AppState, s: &Team, c: &Team) -> Result<EdgeDetail, concentric_store::StoreError> {
    let edge = edges(state)
        .await?
        .into_iter()
        .find(|e| e.supplier_key == s.key && e.customer_key == c.key)
        .unwrap_or_else(|| Edge::between((&s.key, &s.name), (&c.key, &c.name)));
    let relationship = match edge.relationship_id {
        Some(id) => Some(state.store.relationship(id).await?),
        None => None,
    };
    let now = state.time.now();
    let mut commitments = state.store.commitments(Some(s.id), now).await?;
    commitments.retain(|x| x.provider_id == s.id && x.receiver_id == c.id);
    let since = concentric_core::commitment::trend_since(now);
    Ok(EdgeDetail {
        services: state.store.services_used(s.id, c.id, Millis(now.0 - WINDOW_DAYS * 86_400_000)).await?,
        trend: state.store.on_time_months(since, now, None, Some(s.id), Some(c.id)).await?,
        supplier_goals: state.store.goals(s.id).await?,
        customer_goals: state.store.goals(c.id).await?,
        commitments,
        edge,
        relationship,
    })
}

/// A commitment with its recent and coming occurrences and its on-time trend.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CommitmentDetail {
    pub commitment: Commitment,
    /// The last 12 occurrences due, newest first, with their deliveries.
    pub recent: Vec<Occurrence>,
    /// Occurrences still to come, soonest first (up to 12).
    pub upcoming: Vec<Occurrence>,
    pub trend: Vec<OnTimeMonth>,
}

pub async fn commitment_detail(state: &AppState, id: i64) -> Result<CommitmentDetail, StoreError> {
    let now = state.time.now();
    let commitment = state.store.commitment(id, now).await?;
    let recent =
        OccurrenceFilter { commitment: Some(id), due_before: Some(now), with_deliveries: true, ..Default::default() };
    let upcoming =
        OccurrenceFilter { commitment: Some(id), due_after: Some(now), with_deliveries: true, ..Default::default() };
    Ok(CommitmentDetail {
        recent: state.store.occurrences(recent, now, true, 12).await?,
        upcoming: state.store.occurrences(upcoming, now, false, 12).await?,
        trend: state.store.on_time_months(trend_since(now), now, Some(id), None, None).await?,
        commitment,
    })
}

/// The team of an optional key.
pub(crate) async fn team_id(state: &AppState, key: Option<&str>) -> Result<Option<TeamId>, StoreError> {
    match key {
        Some(k) => Ok(Some(state.store.team_by_key(k).await?.id)),
        None => Ok(None),
    }
}

/// A new feed; `url` holds its secret and is shown this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedFeed {
    #[serde(flatten)]
    pub feed: CalendarFeed,
    pub url: String,
}

/// A new calendar feed of one's own occurrences or a team's; the secret is in `url`, once.
pub async fn make_feed(
    state: &AppState,
    actor: &concentric_core::authz::Actor,
    team: Option<&str>,
) -> Result<CreatedFeed, StoreError> {
    let team = team_id(state, team).await?;
    let secret = random_secret();
    let feed = state.store.create_feed(actor, team, &digest(&secret)).await?;
    let url = format!("{}/feeds/{secret}.ics", state.config.public_url.trim_end_matches('/'));
    Ok(CreatedFeed { feed, url })
}

/// Which compliance report to show.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ComplianceQuery {
    /// Only this team's requests (key).
    pub team: Option<String>,
    /// Only this service (slug; needs `team`).
    pub service: Option<String>,
    /// How many calendar months back, this one included (1-36, default 6).
    #[param(minimum = 1, maximum = 36)]
    pub months: Option<u32>,
}

/// The compliance report the query asks for.
pub async fn compliance_rows(
    state: &AppState,
    q: &ComplianceQuery,
) -> Result<Vec<ComplianceRow>, concentric_store::StoreError> {
    let months = q.months.unwrap_or(6);
    if !(1..=36).contains(&months) {
        return Err(concentric_core::Invalid::one("months", "give between 1 and 36 months").into());
    }
    let team = match q.team.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(key) => Some(state.store.team_by_key(key).await?),
        None => None,
    };
    let service = match (q.service.as_deref().map(str::trim).filter(|s| !s.is_empty()), &team) {
        (Some(slug), Some(team)) => Some(state.store.service_by_slug(&team.key, slug).await?.id),
        (Some(_), None) => {
            return Err(concentric_core::Invalid::one("service", "name the team of the service too").into())
        }
        (None, _) => None,
    };
    let since = concentric_core::report::first_of_month_back(state.time.now().to_utc().date_naive(), months);
    let since = Millis(since.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc().timestamp_millis());
    state.store.compliance(since, team.map(|t| t.id), service).await
}

/// The organisation's view of its ambassador programme: agreed visits, the teams nobody from
/// `team` has visited (partners first), and the partnerships needing attention with no
/// ambassador yet.
pub async fn placement_overview(
    state: &AppState,
    actor: &concentric_core::authz::Actor,
    team: Option<&str>,
) -> Result<concentric_core::placement::Overview, StoreError> {
    use concentric_core::placement::{suggestions, unvisited, Overview};
    let placements = state.store.live_placements(actor).await?;
    let edges = edges(state).await?;
    let team = match team.map(str::trim).filter(|k| !k.is_empty()) {
        Some(key) => Some(state.store.team_by_key(key).await?),
        None => None,
    };
    let unvisited = match &team {
        Some(t) => {
            let teams =
                state.store.list_teams(&concentric_core::team::TeamQuery::default(), PageRequest::first(500)).await?;
            let teams: Vec<(String, String)> = teams.items.into_iter().map(|t| (t.key, t.name)).collect();
            let partners: Vec<String> = edges
                .iter()
                .filter_map(|e| match (e.supplier_key == t.key, e.customer_key == t.key) {
                    (true, _) => Some(e.customer_key.clone()),
                    (_, true) => Some(e.supplier_key.clone()),
                    _ => None,
                })
                .collect();
            unvisited(&t.key, &teams, &partners, &placements)
        }
        None => Vec::new(),
    };
    Ok(Overview {
        suggestions: suggestions(&edges, &placements),
        visits: placements.into_iter().filter(|p| p.visits()).take(100).collect(),
        team_key: team.map(|t| t.key),
        unvisited,
    })
}

/// A person's week as of now: for the Monday that began it in their zone.
pub async fn week(
    state: &AppState,
    person: &concentric_core::person::Person,
) -> Result<concentric_core::weekly::Week, StoreError> {
    use chrono::Datelike;
    let now = state.time.now();
    let zone: chrono_tz::Tz = person.time_zone.parse().unwrap_or(chrono_tz::UTC);
    let today = now.to_utc().with_timezone(&zone).date_naive();
    let monday = today - chrono::Duration::days(i64::from(today.weekday().num_days_from_monday()));
    state.store.week_of(person.id, &person.time_zone, monday, now).await
}
