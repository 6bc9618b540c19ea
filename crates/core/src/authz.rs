//! Who may do what. The store calls these rules on every read and write; templates only mirror them.

use crate::ids::{PersonId, TeamId};
use crate::relationship::Side;
use crate::team::MemberRole;

/// The person (or the system itself) on whose behalf an operation runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Actor {
    /// `None` for the system: the CLI, migrations, the demo loader.
    pub person_id: Option<PersonId>,
    pub is_admin: bool,
    pub teams: Vec<(TeamId, MemberRole)>,
    /// The client address the actor acts from, recorded with every change they make (the audit
    /// log); `None` off the network (CLI, jobs) and in tests.
    pub address: Option<String>,
}

/// Refused for lack of permission; says what was refused, never why the data exists.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("you are not allowed to {0}")]
pub struct Forbidden(pub &'static str);

impl Actor {
    /// The system acting on its own (CLI, demo loader): allowed everything.
    pub fn system() -> Self {
        Self { person_id: None, is_admin: true, teams: Vec::new(), address: None }
    }

    /// This actor, acting from `address`.
    pub fn from_address(mut self, address: String) -> Self {
        self.address = Some(address);
        self
    }

    pub fn is_lead_of(&self, team: TeamId) -> bool {
        self.teams.iter().any(|&(t, r)| t == team && r == MemberRole::Lead)
    }

    /// Admins and the leads of any team: who sees the organisation map.
    pub fn sees_organisation_map(&self) -> bool {
        self.is_admin || self.teams.iter().any(|&(_, r)| r == MemberRole::Lead)
    }

    pub fn is_member_of(&self, team: TeamId) -> bool {
        self.teams.iter().any(|&(t, _)| t == team)
    }

    pub fn is_person(&self, person: PersonId) -> bool {
        self.person_id == Some(person)
    }

    pub fn require_admin(&self, action: &'static str) -> Result<(), Forbidden> {
        if self.is_admin {
            Ok(())
        } else {
            Err(Forbidden(action))
        }
    }

    /// Admins and the team's members work a team: its queue, its internal notes and files, its
    /// calendar feed.
    pub fn works_in(&self, team: TeamId) -> bool {
        self.is_admin || self.is_member_of(team)
    }

    pub fn require_works_in(&self, team: TeamId, action: &'static str) -> Result<(), Forbidden> {
        if self.works_in(team) {
            Ok(())
        } else {
            Err(Forbidden(action))
        }
    }

    /// Admins and the team's leads manage a team's page and membership.
    pub fn can_manage_team(&self, team: TeamId) -> bool {
        self.is_admin || self.is_lead_of(team)
    }

    /// Whether the actor may take back thanks: the one who gave it, admins.
    pub fn can_take_back_thanks(&self, giver: PersonId) -> bool {
        self.is_admin || self.is_person(giver)
    }

    /// Whether the actor may say what `person` can help with in `team`: the member themself, the
    /// team's leads, admins.
    pub fn can_say_helps_with(&self, team: TeamId, person: PersonId) -> bool {
        self.is_person(person) || self.can_manage_team(team)
    }

    /// A news post is its author's to change; the team's leads and admins may change or remove
    /// any of the team's.
    pub fn can_change_post(&self, author: PersonId, team: TeamId) -> bool {
        self.is_person(author) || self.can_manage_team(team)
    }

    /// Admins and the leads of either team manage what lies between two teams: their
    /// relationship and the commitments one owes the other.
    pub fn can_manage_either(&self, a: TeamId, b: TeamId) -> bool {
        self.can_manage_team(a) || self.can_manage_team(b)
    }

    /// The side of a relationship the actor speaks for: the side whose team it leads, or, for an
    /// admin or a lead of both teams, `preferred` (the supplier when none is given).
    pub fn speaks_for(&self, supplier: TeamId, customer: TeamId, preferred: Option<Side>) -> Option<Side> {
        match (self.is_lead_of(supplier), self.is_lead_of(customer)) {
            (true, true) => preferred.or(Some(Side::Supplier)),
            (true, false) => Some(Side::Supplier),
            (false, true) => Some(Side::Customer),
            (false, false) if self.is_admin => preferred.or(Some(Side::Supplier)),
            _ => None,
        }
    }

    pub fn require_organisation_map(&self) -> Result<(), Forbidden> {
        if self.sees_organisation_map() {
            Ok(())
        } else {
            Err(Forbidden("see the organisation map: admins and team leads only"))
        }
    }

    pub fn require_team_manager(&self, team: TeamId, action: &'static str) -> Result<(), Forbidden> {
        if self.can_manage_team(team) {
            Ok(())
        } else {
            Err(Forbidden(action))
        }
    }

    /// Webhooks send what happens to a team outside Concentric: its leads (and admins) manage a
    /// team's webhooks, admins alone the organisation's.
    pub fn require_webhook_manager(&self, team: Option<TeamId>) -> Result<(), Forbidden> {
        match team {
            Some(team) => self.require_team_manager(team, "manage this team's webhooks"),
            None => self.require_admin("manage the organisation's webhooks"),
        }
    }

    /// A person edits their own name, title and time zone; admins edit anyone and anything.
    pub fn can_edit_person(&self, person: PersonId, touches_admin_fields: bool) -> bool {
        self.is_admin || (self.is_person(person) && !touches_admin_fields)
    }
}

/// Who may do what with an ambassador placement.
impl Actor {
    /// A lead of either team (or an admin) proposes, cancels, and turns a report into action items.
    pub fn keeps_placement(&self, p: &crate::placement::Placement) -> bool {
        self.can_manage_either(p.home_id, p.host_id)
    }

    /// A lead of the team that did not propose it (or an admin) accepts or declines it.
    pub fn decides_placement(&self, p: &crate::placement::Placement) -> bool {
        self.can_manage_team(p.team(p.proposed_side.other()))
    }

    /// The two teams, the ambassador and admins read the report.
    pub fn reads_placement_report(&self, p: &crate::placement::Placement) -> bool {
        self.is_admin || self.is_person(p.ambassador_id) || self.is_member_of(p.home_id) || self.is_member_of(p.host_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(team: i64, role: MemberRole) -> Actor {
        Actor { person_id: Some(PersonId(7)), is_admin: false, teams: vec![(TeamId(team), role)], address: None }
    }

    #[test]
    fn leads_manage_only_their_team() {
        let lead = member(1, MemberRole::Lead);
        assert!(lead.can_manage_team(TeamId(1)));
        assert!(!lead.can_manage_team(TeamId(2)));
        assert!(!member(1, MemberRole::Member).can_manage_team(TeamId(1)));
        assert!(Actor::system().can_manage_team(TeamId(2)));
    }

    #[test]
    fn people_edit_themselves_but_not_admin_fields() {
        let me = member(1, MemberRole::Member);
        assert!(me.can_edit_person(PersonId(7), false));
        assert!(!me.can_edit_person(PersonId(7), true));
        assert!(!me.can_edit_person(PersonId(8), false));
        assert!(me.require_admin("create people").is_err());
    }
}
