//! The internal customer network as observed: edges between teams from declared relationships,
//! request traffic and commitments, their health, the rings of partners around a team, and the
//! organisation's weak spots.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::relationship::RelationshipStatus;

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

impl RingRole {
    /// How the team stands to the centre, in words: "we serve it", "serves us".
    pub fn words(self) -> &'static str {
        match self {
            Self::Customer => "we serve it",
            Self::Supplier => "serves us",
            Self::Both => "both ways",
            Self::Partner => "a partner's partner",
        }
    }
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

/// The rings around `centre` up to `depth` and the edges among the teams shown (the centre and
/// its rings): what a picture of the team's circles draws.
pub fn around(centre: &str, edges: &[Edge], depth: u32) -> (Vec<RingNode>, Vec<Edge>) {
    let rings = rings(centre, edges, depth);
    let shown = |k: &str| k == centre || rings.iter().any(|n| n.key == k);
    let edges = edges.iter().filter(|e| shown(&e.supplier_key) && shown(&e.customer_key)).cloned().collect();
    (rings, edges)
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

    /// The open work in one line, from the owing side ("3 open requests, 1 breached; 2
    /// deliveries due, 1 overdue") or the waiting side ("1 late"); empty when nothing is open.
    pub fn summary(&self, owed: bool) -> String {
        use crate::text::count;
        let n = |v: i64| usize::try_from(v).unwrap_or(0);
        let mut parts = Vec::new();
        if self.open > 0 {
            let mut p = count(n(self.open), "open request", "open requests");
            if self.breached > 0 {
                p += &format!(", {} {}", self.breached, if owed { "breached" } else { "late" });
            }
            parts.push(p);
        }
        if self.to_answer > 0 {
            parts.push(if owed {
                format!("{} waiting on their answer", self.to_answer)
            } else {
                format!("{} for us to answer", self.to_answer)
            });
        }
        if self.commitments_due > 0 {
            let mut p = count(n(self.commitments_due), "delivery due", "deliveries due");
            if self.commitments_late > 0 {
                p += &format!(", {} overdue", self.commitments_late);
            }
            parts.push(p);
        }
        if self.to_accept > 0 {
            parts.push(format!("{} to accept", count(n(self.to_accept), "delivery", "deliveries")));
        }
        if self.actions_open > 0 {
            let mut p = count(n(self.actions_open), "action item", "action items");
            if self.actions_overdue > 0 {
                p += &format!(", {} overdue", self.actions_overdue);
            }
            parts.push(p);
        }
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(s: &str, c: &str, requests: i64) -> Edge {
        Edge { requests, ..Edge::between((s, &format!("{s} team")), (c, &format!("{c} team"))) }
    }

    #[test]
    fn partner_load_in_one_line() {
        let mut l = PartnerLoad::new("SAL");
        assert_eq!(l.summary(true), "");
        l.open = 3;
        l.breached = 1;
        l.commitments_due = 1;
        l.to_answer = 2;
        assert_eq!(l.summary(true), "3 open requests, 1 breached; 2 waiting on their answer; 1 delivery due");
        assert_eq!(l.summary(false), "3 open requests, 1 late; 2 for us to answer; 1 delivery due");
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
}

#[cfg(test)]
mod map_tests {
    use super::*;
    use crate::circles::organisation_svg;

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
        assert_eq!(svg.matches("class=\"edge\"").count(), 1, "only edges between drawn teams");
    }
}
