//! The internal customer network: declared relationships (supplier team → customer team, agreed
//! by both sides), team goals, the edges observed in request traffic, their health, and the rings
//! of partners around a team.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::authz::Actor;
use crate::{FieldError, Invalid, PersonId, TeamId};

/// Where a relationship stands between its two sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RelationshipStatus {
    /// Put forward by one side; the other side confirms, edits or declines.
    Proposed,
    /// Agreed by both sides.
    Active,
    /// Turned down by the side that was asked; either side may propose again.
    Declined,
}

impl RelationshipStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Proposed => "proposed",
            Self::Active => "active",
            Self::Declined => "declined",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Proposed, Self::Active, Self::Declined].into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Proposed => "Proposed",
            Self::Active => "Agreed",
            Self::Declined => "Declined",
        }
    }
}

/// Which end of a relationship a team or person is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Supplier,
    Customer,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Supplier => "supplier",
            Self::Customer => "customer",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "supplier" => Some(Self::Supplier),
            "customer" => Some(Self::Customer),
            _ => None,
        }
    }

    pub fn other(self) -> Self {
        match self {
            Self::Supplier => Self::Customer,
            Self::Customer => Self::Supplier,
        }
    }
}

/// A named contact on one side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Contact {
    pub person_id: PersonId,
    pub name: String,
    pub email: String,
    pub side: Side,
}

/// A declared relationship: the supplier team serves the customer team.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Relationship {
    pub id: i64,
    pub supplier_id: TeamId,
    pub supplier_key: String,
    pub supplier_name: String,
    pub customer_id: TeamId,
    pub customer_key: String,
    pub customer_name: String,
    pub status: RelationshipStatus,
    /// The side that made the current proposal (or last edit); the other side answers it.
    pub proposed_by: Side,
    /// What the customer needs from the supplier.
    pub needs: Vec<String>,
    /// How the customer measures its own success.
    pub success_measures: String,
    /// The business goals the two teams share.
    pub shared_goals: String,
    pub contacts: Vec<Contact>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Relationship {
    /// The side a team is on, if it is one of the two.
    pub fn side_of(&self, team: TeamId) -> Option<Side> {
        if team == self.supplier_id {
            Some(Side::Supplier)
        } else if team == self.customer_id {
            Some(Side::Customer)
        } else {
            None
        }
    }

    pub fn team_on(&self, side: Side) -> TeamId {
        match side {
            Side::Supplier => self.supplier_id,
            Side::Customer => self.customer_id,
        }
    }

    /// Whether the actor may confirm or decline: a lead (or admin) for the side that did not propose.
    pub fn answerable_by(&self, actor: &Actor) -> bool {
        let answering = self.proposed_by.other();
        self.status == RelationshipStatus::Proposed
            && actor.speaks_for(self.supplier_id, self.customer_id, Some(answering)) == Some(answering)
    }
}

/// A relationship as proposed or edited.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRelationship {
    /// Key of the supplier team.
    pub supplier: String,
    /// Key of the customer team.
    pub customer: String,
    /// What the customer needs from the supplier, one item each (at most 12).
    #[serde(default)]
    pub needs: Vec<String>,
    #[serde(default)]
    pub success_measures: String,
    #[serde(default)]
    pub shared_goals: String,
    /// Emails of the supplier's contacts.
    #[serde(default)]
    pub supplier_contacts: Vec<String>,
    /// Emails of the customer's contacts.
    #[serde(default)]
    pub customer_contacts: Vec<String>,
}

impl NewRelationship {
    /// Trims and checks the text; teams and people are checked by the store.
    pub fn check(mut self) -> Result<Self, Invalid> {
        let mut errors = Vec::new();
        self.supplier = self.supplier.trim().to_uppercase();
        self.customer = self.customer.trim().to_uppercase();
        if self.supplier.is_empty() {
            errors.push(FieldError::new("supplier", "name the supplier team"));
        }
        if self.customer.is_empty() {
            errors.push(FieldError::new("customer", "name the customer team"));
        }
        if !self.supplier.is_empty() && self.supplier == self.customer {
            errors.push(FieldError::new("customer", "a team cannot be its own customer"));
        }
        self.needs = self.needs.iter().map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()).collect();
        if self.needs.len() > 12 || self.needs.iter().any(|n| n.chars().count() > 200) {
            errors.push(FieldError::new("needs", "list up to 12 needs of up to 200 characters each"));
        }
        for (field, text) in
            [("success_measures", &mut self.success_measures), ("shared_goals", &mut self.shared_goals)]
        {
            *text = text.trim().to_owned();
            if text.chars().count() > 4000 {
                errors.push(FieldError::new(field, "write up to 4,000 characters"));
            }
        }
        for list in [&mut self.supplier_contacts, &mut self.customer_contacts] {
            *list = list.iter().map(|e| e.trim().to_lowercase()).filter(|e| !e.is_empty()).collect();
            list.sort();
            list.dedup();
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(Invalid(errors))
        }
    }
}

/// A team goal's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GoalStatus {
    Planned,
    OnTrack,
    AtRisk,
    Done,
    Dropped,
}

impl GoalStatus {
    pub const ALL: [GoalStatus; 5] = [Self::Planned, Self::OnTrack, Self::AtRisk, Self::Done, Self::Dropped];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::OnTrack => "on_track",
            Self::AtRisk => "at_risk",
            Self::Done => "done",
            Self::Dropped => "dropped",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Planned => "Planned",
            Self::OnTrack => "On track",
            Self::AtRisk => "At risk",
            Self::Done => "Done",
            Self::Dropped => "Dropped",
        }
    }
}

/// One of a team's few goals.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Goal {
    pub id: i64,
    pub team_id: TeamId,
    pub title: String,
    pub description: String,
    pub status: GoalStatus,
    /// The period it is for, e.g. `2026-Q4` or `2026`.
    pub period: String,
    pub updated_at: DateTime<Utc>,
    /// The organisation's business goal it supports, if any.
    pub business_goal_id: Option<i64>,
    pub business_goal_title: Option<String>,
}

/// One of the organisation's business goals, which team goals can support.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BusinessGoal {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub status: GoalStatus,
    pub period: String,
    pub updated_at: DateTime<Utc>,
    /// The team goals that support it: team key, team name, goal title.
    pub supported_by: Vec<SupportingGoal>,
}

/// A team goal under a business goal.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SupportingGoal {
    pub team_key: String,
    pub team_name: String,
    pub title: String,
    pub status: GoalStatus,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGoal {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Default `planned`.
    pub status: Option<GoalStatus>,
    #[serde(default)]
    pub period: String,
    /// For a team goal: the organisation's business goal it supports.
    #[serde(default)]
    pub business_goal_id: Option<i64>,
}

impl NewGoal {
    pub fn check(mut self) -> Result<Self, Invalid> {
        let mut errors = Vec::new();
        self.title = self.title.trim().to_owned();
        self.description = self.description.trim().to_owned();
        self.period = self.period.trim().to_owned();
        if self.title.is_empty() || self.title.chars().count() > 200 {
            errors.push(FieldError::new("title", "give the goal a title of up to 200 characters"));
        }
        if self.description.chars().count() > 4000 {
            errors.push(FieldError::new("description", "write up to 4,000 characters"));
        }
        if self.period.chars().count() > 40 {
            errors.push(FieldError::new("period", "name the period in up to 40 characters, e.g. 2026-Q4"));
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(Invalid(errors))
        }
    }
}

/// Health of an edge, from measured data only.
pub use crate::health::{health, Health};

/// An edge of the network: a supplier serving a customer, declared and/or observed.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Edge {
    pub supplier_key: String,
    pub supplier_name: String,
    pub customer_key: String,
    pub customer_name: String,
    /// The declared relationship, if any, and its status.
    pub relationship_id: Option<i64>,
    pub status: Option<RelationshipStatus>,
    /// Requests the customer team filed with the supplier in the window.
    pub requests: i64,
    /// Their targets: met, and breached.
    pub targets_met: i64,
    pub targets_breached: i64,
    /// The same requests as promises: kept when every decided target was met, broken when any
    /// was breached (one promise per request, however many targets).
    pub requests_kept: i64,
    pub requests_broken: i64,
    /// Commitments the supplier owes the customer.
    pub commitments: i64,
    /// Their occurrences due in the window: delivered by the deadline, or late (delivered
    /// after it, or still missing).
    pub deliveries_on_time: i64,
    pub deliveries_late: i64,
    /// Action items from their partnership reviews due in the window: done by their due date,
    /// or not (done late, or still open past it).
    pub actions_kept: i64,
    pub actions_broken: i64,
    /// The customer's requesters' ratings of the supplier in the window.
    pub satisfaction: crate::rating::Tally,
    /// The supplier's ratings of the customer's requests, only when enough to show.
    pub request_quality: Option<crate::rating::Tally>,
    /// Means (tenths of 1-5) of their last closed survey round, only when shown.
    pub survey_about_supplier: Option<i64>,
    pub survey_about_customer: Option<i64>,
    pub health: Health,
    /// What the score is made of.
    pub parts: Vec<crate::health::Part>,
}

impl Edge {
    /// An edge with no relationship and no traffic yet, to be filled in.
    pub fn between(supplier: (&str, &str), customer: (&str, &str)) -> Self {
        Edge {
            supplier_key: supplier.0.to_owned(),
            supplier_name: supplier.1.to_owned(),
            customer_key: customer.0.to_owned(),
            customer_name: customer.1.to_owned(),
            relationship_id: None,
            status: None,
            requests: 0,
            targets_met: 0,
            targets_breached: 0,
            requests_kept: 0,
            requests_broken: 0,
            commitments: 0,
            deliveries_on_time: 0,
            deliveries_late: 0,
            actions_kept: 0,
            actions_broken: 0,
            satisfaction: crate::rating::Tally::default(),
            request_quality: None,
            survey_about_supplier: None,
            survey_about_customer: None,
            health: health(0, 0),
            parts: Vec::new(),
        }
    }

    /// Scores the edge from what it holds now: see [`crate::health`].
    pub fn score(&mut self) {
        let inputs = crate::health::Inputs {
            requests_kept: self.requests_kept,
            requests_broken: self.requests_broken,
            deliveries_on_time: self.deliveries_on_time,
            deliveries_late: self.deliveries_late,
            actions_kept: self.actions_kept,
            actions_broken: self.actions_broken,
            satisfaction: self.satisfaction,
            request_quality: self.request_quality,
            survey_about_supplier: self.survey_about_supplier,
            survey_about_customer: self.survey_about_customer,
        };
        (self.health, self.parts) = crate::health::score(&inputs);
    }

    /// Promises kept and broken: requests, deliveries and action items, each once.
    pub fn promises(&self) -> (i64, i64) {
        (
            self.requests_kept + self.deliveries_on_time + self.actions_kept,
            self.requests_broken + self.deliveries_late + self.actions_broken,
        )
    }

    /// What flows along the edge, in words: "12 requests, 1 commitment".
    pub fn volume_text(&self) -> String {
        let plural = |n: i64, one: &str| if n == 1 { format!("1 {one}") } else { format!("{n} {one}s") };
        match (self.requests, self.commitments) {
            (r, 0) => plural(r, "request"),
            (0, c) => plural(c, "commitment"),
            (r, c) => format!("{}, {}", plural(r, "request"), plural(c, "commitment")),
        }
    }

    /// Traffic or commitments with no agreed (or proposed) relationship: a dependency nobody declared.
    pub fn undeclared(&self) -> bool {
        (self.requests > 0 || self.commitments > 0)
            && !matches!(self.status, Some(RelationshipStatus::Active | RelationshipStatus::Proposed))
    }
}

/// One of the supplier's services, as used by a customer team on an edge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ServiceUse {
    pub slug: String,
    pub name: String,
    /// Requests the customer filed with it in the window.
    pub requests: i64,
}

/// How a team in a ring relates to the centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RingRole {
    /// The centre serves it.
    Customer,
    /// It serves the centre.
    Supplier,
    /// Both ways.
    Both,
    /// A partner of a partner (rings beyond the first).
    Partner,
}

/// A team placed on a ring around the centre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RingNode {
    pub key: String,
    pub name: String,
    /// 1 for direct partners, 2 for their partners, ...
    pub ring: u32,
    pub role: RingRole,
}

/// The rings around `centre` up to `depth`, found breadth-first over the edges (either
/// direction), each ring sorted by role then key so the layout is the same on every render.
pub fn rings(centre: &str, edges: &[Edge], depth: u32) -> Vec<RingNode> {
    let mut names: BTreeMap<&str, &str> = BTreeMap::new();
    let mut neighbours: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for e in edges {
        names.insert(&e.supplier_key, &e.supplier_name);
        names.insert(&e.customer_key, &e.customer_name);
        neighbours.entry(&e.supplier_key).or_default().insert(&e.customer_key);
        neighbours.entry(&e.customer_key).or_default().insert(&e.supplier_key);
    }
    let mut seen: BTreeSet<&str> = BTreeSet::from([centre]);
    let mut frontier: Vec<&str> = vec![centre];
    let mut out = Vec::new();
    for ring in 1..=depth {
        let mut next: BTreeSet<&str> = BTreeSet::new();
        for t in &frontier {
            for n in neighbours.get(t).into_iter().flatten() {
                if !seen.contains(n) {
                    next.insert(n);
                }
            }
        }
        if next.is_empty() {
            break;
        }
        let mut nodes: Vec<RingNode> = next
            .iter()
            .map(|k| {
                let role = if ring > 1 {
                    RingRole::Partner
                } else {
                    let serves = edges.iter().any(|e| e.supplier_key == centre && e.customer_key == *k);
                    let served = edges.iter().any(|e| e.customer_key == centre && e.supplier_key == *k);
                    match (serves, served) {
                        (true, true) => RingRole::Both,
                        (true, false) => RingRole::Customer,
                        _ => RingRole::Supplier,
                    }
                };
                RingNode { key: (*k).to_owned(), name: names.get(k).copied().unwrap_or(k).to_owned(), ring, role }
            })
            .collect();
        nodes.sort_by(|a, b| (a.role, &a.key).cmp(&(b.role, &b.key)));
        out.extend(nodes);
        seen.extend(next.iter().copied());
        frontier = next.into_iter().collect();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(s: &str, c: &str, requests: i64) -> Edge {
        Edge { requests, ..Edge::between((s, &format!("{s} team")), (c, &format!("{c} team"))) }
    }

    #[test]
    fn rings_on_a_known_graph() {
        // IT serves SAL and HR; PAY serves IT; FIN serves PAY; SAL serves ORD; ORD serves SAL.
        let edges = [
            edge("IT", "SAL", 5),
            edge("IT", "HR", 1),
            edge("PAY", "IT", 2),
            edge("FIN", "PAY", 1),
            edge("SAL", "ORD", 3),
            edge("ORD", "SAL", 1),
        ];
        let r = rings("IT", &edges, 3);
        let view: Vec<(&str, u32, RingRole)> = r.iter().map(|n| (n.key.as_str(), n.ring, n.role)).collect();
        assert_eq!(
            view,
            [
                ("HR", 1, RingRole::Customer),
                ("SAL", 1, RingRole::Customer),
                ("PAY", 1, RingRole::Supplier),
                ("FIN", 2, RingRole::Partner),
                ("ORD", 2, RingRole::Partner),
            ]
        );
        assert_eq!(rings("IT", &edges, 1).len(), 3, "further rings only on demand");
        assert!(rings("XYZ", &edges, 2).is_empty());
        let both = [edge("IT", "SAL", 1), edge("SAL", "IT", 1)];
        assert_eq!(rings("IT", &both, 1)[0].role, RingRole::Both);
    }

    #[test]
    fn health_needs_enough_decided_targets() {
        assert_eq!(health(0, 0), Health::NotEnoughData { decided: 0 });
        assert_eq!(health(3, 1), Health::NotEnoughData { decided: 4 });
        assert_eq!(health(9, 1), Health::Score { percent: 90, decided: 10 });
        assert_eq!(health(2, 1).band(), "unknown");
        assert_eq!(health(9, 1).band(), "good");
        assert_eq!(health(4, 1).band(), "fair");
        assert_eq!(health(1, 4).band(), "poor");
        assert_eq!(health(2, 1).label(), "not enough data");
    }

    #[test]
    fn health_counts_requests_and_commitments_as_promises() {
        // (requests kept, broken, delivered on time, late) -> health
        let vectors = [
            ((0, 0, 3, 1), Health::NotEnoughData { decided: 4 }),
            ((0, 0, 4, 1), Health::Score { percent: 80, decided: 5 }),
            ((2, 1, 1, 1), Health::Score { percent: 60, decided: 5 }),
            ((9, 0, 0, 1), Health::Score { percent: 90, decided: 10 }),
            ((0, 3, 0, 3), Health::Score { percent: 0, decided: 6 }),
        ];
        for ((met, breached, on_time, late), expected) in vectors {
            let mut e = edge("FAC", "PAY", 0);
            (e.requests_kept, e.requests_broken, e.deliveries_on_time, e.deliveries_late) =
                (met, breached, on_time, late);
            e.score();
            assert_eq!(e.health, expected, "{met} {breached} {on_time} {late}");
        }
        assert_eq!(health(4, 1).label(), "80 of 100");
    }

    #[test]
    fn commitments_alone_make_an_edge_worth_declaring() {
        let mut e = edge("FAC", "PAY", 0);
        assert!(!e.undeclared());
        e.commitments = 1;
        assert!(e.undeclared());
        assert_eq!(e.volume_text(), "1 commitment");
        e.requests = 3;
        assert_eq!(e.volume_text(), "3 requests, 1 commitment");
    }

    #[test]
    fn undeclared_means_traffic_without_agreement() {
        let mut e = edge("IT", "SAL", 3);
        assert!(e.undeclared());
        e.status = Some(RelationshipStatus::Active);
        assert!(!e.undeclared());
        e.status = Some(RelationshipStatus::Declined);
        assert!(e.undeclared(), "a declined relationship with traffic is still worth a look");
        assert!(!edge("IT", "HR", 0).undeclared());
    }

    #[test]
    fn proposals_are_checked() {
        let bad = NewRelationship { supplier: "it".into(), customer: " IT ".into(), ..Default::default() };
        let err = bad.check().unwrap_err();
        assert_eq!(err.0[0].field, "customer");
        let ok = NewRelationship {
            supplier: "it".into(),
            customer: "sal".into(),
            needs: vec![" Laptops in a week ".into(), "".into()],
            supplier_contacts: vec!["A@x.com".into(), "a@x.com".into()],
            ..Default::default()
        }
        .check()
        .unwrap();
        assert_eq!((ok.supplier.as_str(), ok.customer.as_str()), ("IT", "SAL"));
        assert_eq!(ok.needs, ["Laptops in a week"]);
        assert_eq!(ok.supplier_contacts, ["a@x.com"]);
    }
}

/// The concentric-circles picture of a team: the centre, its rings of partners, and the edges
/// between them coloured by health and thickened by traffic. Drawn on the server with a fixed
/// layout: each ring's radius grows with its node count so up to 40 nodes per ring never overlap;
/// nodes sit at even angles in the order [`rings`] gives. Every node and edge is a link.
pub fn circles_svg(centre: &str, centre_name: &str, nodes: &[RingNode], edges: &[Edge]) -> String {
    use std::f64::consts::PI;
    use std::fmt::Write;

    const NODE_R: f64 = 17.0;
    const SPACING: f64 = 46.0; // centre-to-centre along a ring, room for a node and its gap
    let depth = nodes.iter().map(|n| n.ring).max().unwrap_or(0);
    let mut radii = Vec::new();
    let mut last = 0.0_f64;
    for ring in 1..=depth {
        let count = nodes.iter().filter(|n| n.ring == ring).count() as f64;
        let r = (count * SPACING / (2.0 * PI)).max(last + if ring == 1 { 150.0 } else { 120.0 });
        radii.push(r);
        last = r;
    }
    let half = last + 70.0;
    let size = 2.0 * half;
    let mut pos: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    pos.insert(centre, (half, half));
    for ring in 1..=depth {
        let on: Vec<&RingNode> = nodes.iter().filter(|n| n.ring == ring).collect();
        let r = radii[ring as usize - 1];
        // Odd rings start at the top; even rings half a step round, so spokes do not line up.
        let offset = if ring % 2 == 0 { PI / on.len().max(1) as f64 } else { 0.0 };
        for (i, n) in on.iter().enumerate() {
            let a = -PI / 2.0 + offset + 2.0 * PI * i as f64 / on.len() as f64;
            pos.insert(&n.key, (half + r * a.cos(), half + r * a.sin()));
        }
    }
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size:.0} {size:.0}" class="circles" role="group" aria-labelledby="nw-title"><title id="nw-title">{} and the teams around it: customers, suppliers and their partners</title>"#,
        esc(centre_name)
    );
    for r in &radii {
        let _ = write!(
            svg,
            r##"<circle cx="{half:.1}" cy="{half:.1}" r="{r:.1}" fill="none" stroke="#d9dee7" stroke-dasharray="4 5"/>"##
        );
    }
    // Edges run outwards only (centre to ring 1, ring k to ring k + 1): edges within a ring would
    // cross the picture and hide the structure; the table lists every edge.
    let ring_of = |k: &str| if k == centre { Some(0) } else { nodes.iter().find(|n| n.key == k).map(|n| n.ring) };
    for e in edges {
        let (Some(ra), Some(rb)) = (ring_of(&e.supplier_key), ring_of(&e.customer_key)) else { continue };
        if ra.abs_diff(rb) != 1 {
            continue;
        }
        let (Some(a), Some(b)) = (pos.get(e.supplier_key.as_str()), pos.get(e.customer_key.as_str())) else { continue };
        svg_edge(&mut svg, e, *a, *b);
    }
    svg_node(&mut svg, centre, centre_name, "centre", pos[centre], NODE_R * 1.6);
    for n in nodes {
        let class = match n.role {
            RingRole::Customer => "customer",
            RingRole::Supplier => "supplier",
            RingRole::Both => "both",
            RingRole::Partner => "partner",
        };
        svg_node(&mut svg, &n.key, &n.name, class, pos[n.key.as_str()], NODE_R);
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod svg_tests {
    use super::*;

    #[test]
    fn forty_nodes_on_a_ring_do_not_overlap_and_the_picture_is_stable() {
        let nodes: Vec<RingNode> = (0..40)
            .map(|i| RingNode { key: format!("T{i:02}"), name: format!("Team {i}"), ring: 1, role: RingRole::Customer })
            .collect();
        let svg = circles_svg("IT", "IT <Services>", &nodes, &[]);
        assert_eq!(svg, circles_svg("IT", "IT <Services>", &nodes, &[]), "deterministic");
        assert!(svg.contains("IT &lt;Services&gt;"), "names are escaped");
        // Neighbours on the ring sit at least two node diameters apart.
        let r = 40.0 * 46.0 / (2.0 * std::f64::consts::PI);
        let gap = 2.0 * r * (std::f64::consts::PI / 40.0).sin();
        assert!(gap > 2.0 * 17.0 + 8.0, "gap {gap}");
        assert_eq!(svg.matches("class=\"node customer\"").count(), 40);
    }
}

/// Text for SVG: markup characters escaped.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// An edge as a line linking to its page: coloured by health, thicker with traffic, dashed
/// unless agreed.
fn svg_edge(svg: &mut String, e: &Edge, a: (f64, f64), b: (f64, f64)) {
    use std::fmt::Write;
    let width = (1.5 + (e.requests as f64 + 1.0).ln() * 1.2).min(8.0);
    let dash = if e.status == Some(RelationshipStatus::Active) { "" } else { r#" stroke-dasharray="6 4""# };
    let _ = write!(
        svg,
        r#"<a href="/network/{s}/{c}"><line class="edge {band}" x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke-width="{width:.1}"{dash}><title>{sn} serves {cn}: {} requests, {}{}</title></line></a>"#,
        a.0,
        a.1,
        b.0,
        b.1,
        e.requests,
        e.health.label(),
        if e.undeclared() { ", undeclared" } else { "" },
        s = esc(&e.supplier_key),
        c = esc(&e.customer_key),
        band = e.health.band(),
        sn = esc(&e.supplier_name),
        cn = esc(&e.customer_name),
    );
}

/// A team as a labelled circle linking to its network.
fn svg_node(svg: &mut String, key: &str, name: &str, class: &str, (x, y): (f64, f64), r: f64) {
    use std::fmt::Write;
    let _ = write!(
        svg,
        r#"<a href="/teams/{k}/network"><g class="node {class}"><circle cx="{x:.1}" cy="{y:.1}" r="{r:.1}"/><text x="{x:.1}" y="{:.1}" text-anchor="middle" font-size="{}">{k}</text><title>{n}</title></g></a>"#,
        y + 4.0,
        if r > 20.0 { 13 } else { 10 },
        k = esc(key),
        n = esc(name),
    );
}

/// A team many others depend on, with how well it serves them.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Bottleneck {
    pub key: String,
    pub name: String,
    /// Customer teams: declared (agreed or proposed), sending requests or owed commitments.
    pub dependents: usize,
    pub requests: i64,
    /// Promises kept to all its customers: targets on their requests and commitments' occurrences.
    pub health: Health,
}

/// Teams by how many depend on them, the worst served first among equals: the places where a
/// slow team holds many others up. A customer depends on a team through a declared relationship,
/// requests or commitments; health counts every promise, as on an edge.
pub fn bottlenecks(edges: &[Edge]) -> Vec<Bottleneck> {
    let mut by: BTreeMap<&str, (String, BTreeSet<&str>, i64, i64, i64)> = BTreeMap::new();
    let depends = |e: &&Edge| {
        e.requests > 0
            || e.commitments > 0
            || matches!(e.status, Some(RelationshipStatus::Active | RelationshipStatus::Proposed))
    };
    for e in edges.iter().filter(depends) {
        let b = by.entry(&e.supplier_key).or_insert_with(|| (e.supplier_name.clone(), BTreeSet::new(), 0, 0, 0));
        b.1.insert(&e.customer_key);
        b.2 += e.requests;
        let (kept, broken) = e.promises();
        b.3 += kept;
        b.4 += broken;
    }
    let mut out: Vec<Bottleneck> = by
        .into_iter()
        .map(|(key, (name, dependents, requests, kept, broken))| Bottleneck {
            key: key.to_owned(),
            name,
            dependents: dependents.len(),
            requests,
            health: health(kept, broken),
        })
        .collect();
    let score = |h: &Health| match h {
        Health::Score { percent, .. } => *percent,
        Health::NotEnoughData { .. } => 101,
    };
    out.sort_by(|a, b| {
        b.dependents.cmp(&a.dependents).then(score(&a.health).cmp(&score(&b.health))).then(a.key.cmp(&b.key))
    });
    out
}

/// The organisation's weak spots: the weakest scored edges and the most depended-on teams.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NetworkSummary {
    pub weakest: Vec<Edge>,
    pub bottlenecks: Vec<Bottleneck>,
    /// Traffic with no agreed or proposed relationship.
    pub undeclared: Vec<Edge>,
}

impl NetworkSummary {
    /// The ten weakest edges, every bottleneck and every undeclared dependency.
    pub fn of(edges: &[Edge]) -> Self {
        Self {
            weakest: weakest(edges, 10).into_iter().cloned().collect(),
            bottlenecks: bottlenecks(edges),
            undeclared: edges.iter().filter(|e| e.undeclared()).cloned().collect(),
        }
    }
}

/// Scored edges, worst first.
pub fn weakest(edges: &[Edge], n: usize) -> Vec<&Edge> {
    let mut scored: Vec<(&Edge, i64)> = edges
        .iter()
        .filter_map(|e| match e.health {
            Health::Score { percent, .. } => Some((e, percent)),
            Health::NotEnoughData { .. } => None,
        })
        .collect();
    scored.sort_by(|a, b| a.1.cmp(&b.1).then(b.0.requests.cmp(&a.0.requests)));
    scored.into_iter().take(n).map(|(e, _)| e).collect()
}

/// The organisation map: every team on one circle, every edge a chord coloured by health.
pub fn organisation_svg(teams: &[(String, String)], edges: &[Edge]) -> String {
    use std::f64::consts::PI;
    use std::fmt::Write;

    let n = teams.len().max(1) as f64;
    let r = (n * 52.0 / (2.0 * PI)).max(160.0);
    let half = r + 60.0;
    let pos: BTreeMap<&str, (f64, f64)> = teams
        .iter()
        .enumerate()
        .map(|(i, (k, _))| {
            let a = -PI / 2.0 + 2.0 * PI * i as f64 / n;
            (k.as_str(), (half + r * a.cos(), half + r * a.sin()))
        })
        .collect();
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {s:.0} {s:.0}" class="circles" role="group" aria-label="Every team and who serves whom">"#,
        s = 2.0 * half
    );
    for e in edges {
        let (Some(a), Some(b)) = (pos.get(e.supplier_key.as_str()), pos.get(e.customer_key.as_str())) else { continue };
        svg_edge(&mut svg, e, *a, *b);
    }
    for (key, name) in teams {
        svg_node(&mut svg, key, name, "partner", pos[key.as_str()], 18.0);
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod map_tests {
    use super::*;

    fn edge(s: &str, c: &str, requests: i64, kept: i64, broken: i64) -> Edge {
        Edge {
            requests,
            requests_kept: kept,
            requests_broken: broken,
            health: health(kept, broken),
            ..Edge::between((s, s), (c, c))
        }
    }

    #[test]
    fn bottlenecks_are_many_dependents_and_slow_service() {
        let edges = [
            edge("IT", "SAL", 10, 9, 1),
            edge("IT", "HR", 5, 2, 3),
            edge("PAY", "SAL", 4, 1, 5),
            edge("PAY", "HR", 4, 1, 5),
            edge("FAC", "IT", 2, 0, 0),
        ];
        let b = bottlenecks(&edges);
        let view: Vec<(&str, usize)> = b.iter().map(|x| (x.key.as_str(), x.dependents)).collect();
        // A team tied to another by commitments alone depends on it, and deliveries count.
        let mut with_commitments = edges.to_vec();
        let mut owed = edge("FAC", "PAY", 0, 0, 0);
        (owed.commitments, owed.deliveries_on_time, owed.deliveries_late) = (1, 3, 3);
        with_commitments.push(owed);
        let fac = bottlenecks(&with_commitments).into_iter().find(|x| x.key == "FAC").unwrap();
        assert_eq!((fac.dependents, fac.health), (2, Health::Score { percent: 50, decided: 6 }));
        assert_eq!(view, [("PAY", 2), ("IT", 2), ("FAC", 1)], "PAY serves as many teams as IT, worse");
        assert_eq!(b[1].health, Health::Score { percent: 73, decided: 15 });
        let weak: Vec<(&str, &str)> =
            weakest(&edges, 2).iter().map(|e| (e.supplier_key.as_str(), e.customer_key.as_str())).collect();
        assert_eq!(weak, [("PAY", "SAL"), ("PAY", "HR")]);
        let svg = organisation_svg(&[("IT".into(), "IT".into()), ("SAL".into(), "Sales".into())], &edges);
        assert_eq!(svg.matches("<line").count(), 1, "only edges between drawn teams");
    }
}

/// Open work between a team and one partner: what the team owes it, or waits on from it.
/// `open`, `commitments_due` and `oldest_at` count only what the providing side must do;
/// `to_answer` and `to_accept` are the customer's or receiver's own to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PartnerLoad {
    pub team_key: String,
    pub team_name: String,
    /// Open requests the provider is working (new, open, in progress, waiting on others).
    pub open: i64,
    /// Open requests whose targets are breached.
    pub breached: i64,
    /// Requests waiting on the requester's answer: with the customer, not the provider.
    pub to_answer: i64,
    /// Occurrences of commitments not yet delivered, due within two weeks or overdue.
    pub commitments_due: i64,
    /// Of those, the ones past their deadline.
    pub commitments_late: i64,
    /// Occurrences delivered and waiting for the receiver to accept them.
    pub to_accept: i64,
    /// Open action items from partnership reviews, owed by one side to the other.
    pub actions_open: i64,
    /// Of those, the ones past their due date.
    pub actions_overdue: i64,
    /// When the oldest request the provider is working was filed, or the oldest overdue
    /// occurrence fell due: how long the customer has waited. None when nothing is overdue and
    /// no request is being worked.
    pub oldest_at: Option<DateTime<Utc>>,
}

impl PartnerLoad {
    /// Nothing open yet with the team of this key.
    pub fn new(team_key: &str) -> Self {
        Self {
            team_key: team_key.to_owned(),
            team_name: team_key.to_owned(),
            open: 0,
            breached: 0,
            to_answer: 0,
            commitments_due: 0,
            commitments_late: 0,
            to_accept: 0,
            actions_open: 0,
            actions_overdue: 0,
            oldest_at: None,
        }
    }
}
