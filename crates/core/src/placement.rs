//! Ambassador placements: a person spends a set time with another team (shadowing, attending its
//! meetings, learning its services) and reports back what they learned and what the two teams
//! could do better together. A lead of either team proposes; a lead of the other team accepts.
//! The organisation view shows who visited whom, the teams nobody from a team has visited yet,
//! and the partnerships that need attention and have no ambassador.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Errors;
use crate::network::Edge;
use crate::{Invalid, PersonId, PlacementId, TeamId};

/// The longest placement: a quarter.
const MAX_DAYS: i64 = 92;

/// Where a placement stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlacementStatus {
    /// Waiting for the other team's lead.
    Proposed,
    Accepted,
    Declined,
    Cancelled,
}

impl PlacementStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Proposed => "proposed",
            Self::Accepted => "accepted",
            Self::Declined => "declined",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Proposed, Self::Accepted, Self::Declined, Self::Cancelled].into_iter().find(|x| x.as_str() == s)
    }
}

/// Which of the two teams: the ambassador's own, or the one they visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlacementSide {
    Home,
    Host,
}

impl PlacementSide {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Home => "home",
            Self::Host => "host",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Home, Self::Host].into_iter().find(|x| x.as_str() == s)
    }

    pub fn other(self) -> Self {
        match self {
            Self::Home => Self::Host,
            Self::Host => Self::Home,
        }
    }
}

/// A placement as proposed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlacement {
    /// The ambassador's email; a member of the home team.
    pub ambassador: String,
    /// The ambassador's team (key).
    pub home: String,
    /// The team they spend time with (key).
    pub host: String,
    /// `2027-01-11`.
    pub starts_on: String,
    /// The last day, at most 92 days after the first.
    pub ends_on: String,
    /// What they will do: shadow whom, which meetings, which services to learn (Markdown).
    #[serde(default)]
    pub focus: String,
}

/// A placement whose fields have been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedPlacement {
    pub ambassador: String,
    pub home: String,
    pub host: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub focus: String,
}

fn date(errors: &mut Errors, field: &str, text: &str) -> Option<NaiveDate> {
    errors.check(
        field,
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| "give a date such as 2027-01-11".to_owned()),
    )
}

impl NewPlacement {
    pub fn check(&self) -> Result<CheckedPlacement, Invalid> {
        let mut errors = Errors::default();
        let ambassador = self.ambassador.trim().to_lowercase();
        if !ambassador.contains('@') {
            errors.add("ambassador", "give the ambassador's email");
        }
        let (home, host) = (self.home.trim().to_uppercase(), self.host.trim().to_uppercase());
        if home.is_empty() {
            errors.add("home", "choose the ambassador's team");
        }
        if host.is_empty() {
            errors.add("host", "choose the team they spend time with");
        } else if host == home {
            errors.add("host", "an ambassador visits another team than their own");
        }
        let starts_on = date(&mut errors, "starts_on", &self.starts_on);
        let ends_on = date(&mut errors, "ends_on", &self.ends_on);
        if let (Some(s), Some(e)) = (starts_on, ends_on) {
            if e < s {
                errors.add("ends_on", "the last day comes on or after the first");
            } else if (e - s).num_days() >= MAX_DAYS {
                errors.add("ends_on", "a placement lasts at most 92 days");
            }
        }
        let focus = self.focus.trim().to_owned();
        if focus.chars().count() > 5_000 {
            errors.add("focus", "write up to 5,000 characters");
        }
        errors.check("focus", crate::text::check(&focus));
        errors.finish()?;
        match (starts_on, ends_on) {
            (Some(starts_on), Some(ends_on)) => {
                Ok(CheckedPlacement { ambassador, home, host, starts_on, ends_on, focus })
            }
            _ => Err(Invalid::one("starts_on", "give the dates")),
        }
    }
}

/// What the ambassador learned and what the two teams could do better together (Markdown).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlacementReport {
    pub learned: String,
    pub together: String,
}

impl PlacementReport {
    pub fn check(self) -> Result<Self, Invalid> {
        let mut errors = Errors::default();
        let (learned, together) = (self.learned.trim().to_owned(), self.together.trim().to_owned());
        for (field, text) in [("learned", &learned), ("together", &together)] {
            if text.chars().count() > 10_000 {
                errors.add(field, "write up to 10,000 characters");
            }
            errors.check(field, crate::text::check(text));
        }
        if learned.is_empty() && together.is_empty() {
            errors.add("learned", "say what you learned, or what the teams could do better together");
        }
        errors.finish()?;
        Ok(Self { learned, together })
    }
}

/// A placement as read. `report` is shown to the two teams, the ambassador and admins only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Placement {
    pub id: PlacementId,
    pub ambassador_id: PersonId,
    pub ambassador_name: String,
    pub home_id: TeamId,
    pub home_key: String,
    pub home_name: String,
    pub host_id: TeamId,
    pub host_key: String,
    pub host_name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub focus: String,
    pub status: PlacementStatus,
    pub proposed_side: PlacementSide,
    pub proposed_by_name: String,
    pub decided_at: Option<DateTime<Utc>>,
    pub reported_at: Option<DateTime<Utc>>,
    pub report: Option<PlacementReport>,
    pub created_at: DateTime<Utc>,
}

impl Placement {
    pub fn team(&self, side: PlacementSide) -> TeamId {
        match side {
            PlacementSide::Home => self.home_id,
            PlacementSide::Host => self.host_id,
        }
    }

    /// Where it stands on `today`, in words.
    pub fn phase(&self, today: NaiveDate) -> &'static str {
        match self.status {
            PlacementStatus::Proposed => "waiting for an answer",
            PlacementStatus::Declined => "declined",
            PlacementStatus::Cancelled => "cancelled",
            PlacementStatus::Accepted if self.reported_at.is_some() && today > self.ends_on => "finished",
            PlacementStatus::Accepted if today < self.starts_on => "coming",
            PlacementStatus::Accepted if today <= self.ends_on => "under way",
            PlacementStatus::Accepted if self.reported_at.is_some() => "finished",
            PlacementStatus::Accepted => "waiting for the report",
        }
    }

    /// Whether it counts as a visit (agreed, not called off).
    pub fn visits(&self) -> bool {
        self.status == PlacementStatus::Accepted
    }

    /// Whether it covers the pair of teams, either way, for the suggestion list.
    fn between(&self, a: &str, b: &str) -> bool {
        matches!(self.status, PlacementStatus::Proposed | PlacementStatus::Accepted)
            && ((self.home_key == a && self.host_key == b) || (self.home_key == b && self.host_key == a))
    }
}

/// A partnership that needs attention and has no ambassador yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Suggestion {
    pub supplier_key: String,
    pub supplier_name: String,
    pub customer_key: String,
    pub customer_name: String,
    /// Its health score (0-100).
    pub health: i64,
}

/// The pairs whose edge scores below 90 (fair or poor) and that no placement (proposed or agreed)
/// covers either way, worst first.
pub fn suggestions(edges: &[Edge], placements: &[Placement]) -> Vec<Suggestion> {
    let mut out: Vec<Suggestion> = edges
        .iter()
        .filter_map(|e| match e.health {
            crate::health::Health::Score { percent, .. } if percent < 90 => Some((e, percent)),
            _ => None,
        })
        .filter(|(e, _)| !placements.iter().any(|p| p.between(&e.supplier_key, &e.customer_key)))
        .map(|(e, percent)| Suggestion {
            supplier_key: e.supplier_key.clone(),
            supplier_name: e.supplier_name.clone(),
            customer_key: e.customer_key.clone(),
            customer_name: e.customer_name.clone(),
            health: percent,
        })
        .collect();
    out.sort_by(|a, b| a.health.cmp(&b.health).then_with(|| a.supplier_key.cmp(&b.supplier_key)));
    out
}

/// A team nobody from the chosen team has visited yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Unvisited {
    pub key: String,
    pub name: String,
    /// Whether it is a direct partner of the chosen team (first ring).
    pub partner: bool,
}

/// The teams (of `teams`, key and name) that no agreed placement from `from` has visited,
/// partners first. `partners` are the chosen team's first ring.
pub fn unvisited(
    from: &str,
    teams: &[(String, String)],
    partners: &[String],
    placements: &[Placement],
) -> Vec<Unvisited> {
    let mut out: Vec<Unvisited> = teams
        .iter()
        .filter(|(key, _)| key != from)
        .filter(|(key, _)| !placements.iter().any(|p| p.visits() && p.home_key == from && &p.host_key == key))
        .map(|(key, name)| Unvisited { key: key.clone(), name: name.clone(), partner: partners.contains(key) })
        .collect();
    out.sort_by(|a, b| b.partner.cmp(&a.partner).then_with(|| a.name.cmp(&b.name)));
    out
}

/// The organisation's view of its ambassador programme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Overview {
    /// Agreed placements, latest first: who visited which team.
    pub visits: Vec<Placement>,
    /// The team the unvisited list is for.
    pub team_key: Option<String>,
    pub unvisited: Vec<Unvisited>,
    pub suggestions: Vec<Suggestion>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::Health;

    fn new() -> NewPlacement {
        NewPlacement {
            ambassador: " Max@Example.com ".into(),
            home: "it".into(),
            host: "sal".into(),
            starts_on: "2027-01-11".into(),
            ends_on: "2027-01-22".into(),
            focus: "Shadow the account team".into(),
        }
    }

    #[test]
    fn placements_are_checked_whole() {
        let ok = new().check().unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!((ok.ambassador.as_str(), ok.home.as_str(), ok.host.as_str()), ("max@example.com", "IT", "SAL"));
        let bad = NewPlacement { host: "IT".into(), ends_on: "2027-01-01".into(), ..new() }.check().unwrap_err();
        let fields: Vec<&str> = bad.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["host", "ends_on"]);
        let long = NewPlacement { ends_on: "2027-04-13".into(), ..new() }.check().unwrap_err();
        assert_eq!(long.0[0].message, "a placement lasts at most 92 days");
        assert!(PlacementReport::default().check().is_err());
        let r = PlacementReport { learned: " Their queue ".into(), together: String::new() }.check();
        assert_eq!(r.map(|r| r.learned), Ok("Their queue".into()));
    }

    fn placement(home: &str, host: &str, status: PlacementStatus) -> Placement {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
        Placement {
            id: PlacementId(1),
            ambassador_id: PersonId(1),
            ambassador_name: "Max".into(),
            home_id: TeamId(1),
            home_key: home.into(),
            home_name: home.into(),
            host_id: TeamId(2),
            host_key: host.into(),
            host_name: host.into(),
            starts_on: day("2027-01-11"),
            ends_on: day("2027-01-22"),
            focus: String::new(),
            status,
            proposed_side: PlacementSide::Home,
            proposed_by_name: "Lena".into(),
            decided_at: None,
            reported_at: None,
            report: None,
            created_at: DateTime::default(),
        }
    }

    #[test]
    fn a_placement_moves_through_its_phases() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
        let mut p = placement("IT", "SAL", PlacementStatus::Accepted);
        assert_eq!(p.phase(day("2027-01-01")), "coming");
        assert_eq!(p.phase(day("2027-01-15")), "under way");
        assert_eq!(p.phase(day("2027-01-23")), "waiting for the report");
        p.reported_at = Some(DateTime::default());
        assert_eq!(p.phase(day("2027-01-23")), "finished");
        assert_eq!(placement("IT", "SAL", PlacementStatus::Proposed).phase(day("2027-01-15")), "waiting for an answer");
    }

    #[test]
    fn suggestions_skip_healthy_and_covered_pairs() {
        let edge = |s: &str, c: &str, percent| Edge {
            health: Health::Score { percent, decided: 20 },
            ..Edge::between((s, s), (c, c))
        };
        let edges = [edge("IT", "SAL", 60), edge("IT", "FAC", 95), edge("PAY", "HR", 80), edge("ORD", "SUP", 70)];
        let covered =
            [placement("SAL", "IT", PlacementStatus::Proposed), placement("SUP", "ORD", PlacementStatus::Declined)];
        let keys: Vec<(String, i64)> =
            suggestions(&edges, &covered).into_iter().map(|s| (s.supplier_key, s.health)).collect();
        assert_eq!(keys, [("ORD".to_owned(), 70), ("PAY".to_owned(), 80)]);
    }

    #[test]
    fn unvisited_teams_put_partners_first() {
        let teams: Vec<(String, String)> =
            ["IT", "SAL", "FAC", "HR"].iter().map(|k| ((*k).to_owned(), format!("{k} team"))).collect();
        let visited =
            [placement("IT", "SAL", PlacementStatus::Accepted), placement("IT", "FAC", PlacementStatus::Declined)];
        let left = unvisited("IT", &teams, &["FAC".to_owned()], &visited);
        let keys: Vec<(&str, bool)> = left.iter().map(|u| (u.key.as_str(), u.partner)).collect();
        assert_eq!(keys, [("FAC", true), ("HR", false)]);
    }
}
