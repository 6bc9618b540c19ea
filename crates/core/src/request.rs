//! Requests: one ask of a service, and the rules of its lifecycle.
//!
//! ```text
//! new → open → in progress → waiting on requester ─┐
//!  │      │        │      ↘ waiting on others ────┤→ (back to in progress)
//!  └──────┴────────┴──────────────→ resolved → closed
//!                          reopened ↖ (requester reply within the window)
//! ```

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::authz::Actor;
use crate::error::{Errors, Invalid};
use crate::ids::{CommentId, PersonId, RequestId, ServiceId, TeamId};

/// Urgency, P1 (highest) to P4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Priority {
    P1,
    P2,
    P3,
    P4,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Self::P1, Self::P2, Self::P3, Self::P4];

    pub fn as_i64(self) -> i64 {
        self as i64 + 1
    }

    pub fn from_i64(n: i64) -> Option<Self> {
        Self::ALL.get(usize::try_from(n - 1).ok()?).copied()
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_uppercase().as_str() {
            "P1" | "1" => Some(Self::P1),
            "P2" | "2" => Some(Self::P2),
            "P3" | "3" => Some(Self::P3),
            "P4" | "4" => Some(Self::P4),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::P1 => "P1 critical",
            Self::P2 => "P2 high",
            Self::P3 => "P3 normal",
            Self::P4 => "P4 low",
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "P{}", self.as_i64())
    }
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    New,
    Open,
    InProgress,
    WaitingOnRequester,
    WaitingOnOthers,
    Resolved,
    Closed,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Self::New,
        Self::Open,
        Self::InProgress,
        Self::WaitingOnRequester,
        Self::WaitingOnOthers,
        Self::Resolved,
        Self::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Open => "open",
            Self::InProgress => "in_progress",
            Self::WaitingOnRequester => "waiting_on_requester",
            Self::WaitingOnOthers => "waiting_on_others",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s.trim().to_ascii_lowercase().replace([' ', '-'], "_"))
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::New => "New",
            Self::Open => "Open",
            Self::InProgress => "In progress",
            Self::WaitingOnRequester => "Waiting on requester",
            Self::WaitingOnOthers => "Waiting on others",
            Self::Resolved => "Resolved",
            Self::Closed => "Closed",
        }
    }

    /// Still needs work from someone (everything before resolved).
    pub fn is_open(self) -> bool {
        !matches!(self, Self::Resolved | Self::Closed)
    }

    /// The statuses an agent may move a request to from this one.
    pub fn next(self) -> &'static [Status] {
        use Status::*;
        match self {
            New => &[Open, InProgress, WaitingOnRequester, WaitingOnOthers, Resolved, Closed],
            Open => &[InProgress, WaitingOnRequester, WaitingOnOthers, Resolved, Closed],
            InProgress => &[Open, WaitingOnRequester, WaitingOnOthers, Resolved, Closed],
            WaitingOnRequester => &[InProgress, Open, WaitingOnOthers, Resolved, Closed],
            WaitingOnOthers => &[InProgress, Open, WaitingOnRequester, Resolved, Closed],
            Resolved => &[InProgress, Closed],
            Closed => &[],
        }
    }

    /// Checks an agent's status change.
    pub fn transition(self, to: Status) -> Result<Status, IllegalTransition> {
        if self.next().contains(&to) {
            Ok(to)
        } else {
            Err(IllegalTransition { from: self, to })
        }
    }

    /// The status after a requester's reply: waiting on them resumes work; a resolved request
    /// reopens when the reply comes within the reopen window; closed stays closed.
    pub fn after_requester_reply(self, within_reopen_window: bool) -> Result<Status, IllegalTransition> {
        match self {
            Self::WaitingOnRequester => Ok(Self::InProgress),
            Self::Resolved if within_reopen_window => Ok(Self::InProgress),
            Self::Resolved | Self::Closed => Err(IllegalTransition { from: self, to: Self::InProgress }),
            other => Ok(other),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A status change the lifecycle does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a request that is {} cannot become {}", .from.label().to_lowercase(), .to.label().to_lowercase())]
pub struct IllegalTransition {
    pub from: Status,
    pub to: Status,
}

/// Days after resolution during which a requester's reply reopens a request.
pub const DEFAULT_REOPEN_DAYS: i64 = 7;

/// A request as read: who asked what of whom, and where it stands.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Request {
    pub id: RequestId,
    /// Team key and number, e.g. `IT-42`.
    pub key: String,
    pub team_id: TeamId,
    pub team_key: String,
    pub team_name: String,
    pub service_id: ServiceId,
    pub service_slug: String,
    pub service_name: String,
    /// The form version the request was filed under.
    pub form_version: i64,
    pub requester_id: PersonId,
    pub requester_name: String,
    pub requester_email: String,
    pub on_behalf_team_id: Option<TeamId>,
    pub on_behalf_team_key: Option<String>,
    pub on_behalf_team_name: Option<String>,
    pub subject: String,
    /// Markdown.
    pub description: String,
    /// Answers to the form, by field name.
    #[schema(value_type = Object)]
    pub fields: BTreeMap<String, Value>,
    pub priority: Priority,
    pub status: Status,
    pub assignee_id: Option<PersonId>,
    pub assignee_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Its targets' clocks (first response, resolution), read when the request was.
    pub clocks: Vec<crate::target::ClockView>,
}

impl Request {
    /// A request filed by person 10 for Sales with IT's laptop service, for tests.
    #[cfg(test)]
    pub(crate) fn example() -> Self {
        Self {
            id: RequestId(1),
            key: "IT-1".into(),
            team_id: TeamId(1),
            team_key: "IT".into(),
            team_name: "IT".into(),
            service_id: ServiceId(1),
            service_slug: "laptop".into(),
            service_name: "Laptop".into(),
            form_version: 1,
            requester_id: PersonId(10),
            requester_name: "R".into(),
            requester_email: "r@example.com".into(),
            on_behalf_team_id: Some(TeamId(2)),
            on_behalf_team_key: Some("SAL".into()),
            on_behalf_team_name: Some("Sales".into()),
            subject: "s".into(),
            description: String::new(),
            fields: BTreeMap::new(),
            priority: Priority::P3,
            status: Status::New,
            assignee_id: None,
            assignee_name: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            first_response_at: None,
            resolved_at: None,
            closed_at: None,
            clocks: Vec::new(),
        }
    }

    /// The request as a notice refers to it.
    pub fn reference(&self) -> crate::notification::RequestRef {
        crate::notification::RequestRef { id: self.id, key: self.key.clone(), title: self.subject.clone() }
    }

    /// The clock that matters most in a list: a breached one, else the one with least time left
    /// among those still counting, else a met one.
    pub fn pressing_clock(&self) -> Option<&crate::target::ClockView> {
        use crate::target::ClockState;
        self.clocks
            .iter()
            .find(|c| c.state == ClockState::Breached)
            .or_else(|| self.clocks.iter().filter(|c| c.state != ClockState::Met).min_by_key(|c| c.left_minutes))
            .or_else(|| self.clocks.last())
    }
}

/// How a person relates to a request, which decides what they see and may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    /// A member of the providing team, or an admin: works the request, sees internal notes.
    pub agent: bool,
    /// The requester, a watcher, or a member of the team it was filed for.
    pub party: bool,
}

impl Access {
    /// Decides access from the facts the store looked up; `None` means the request is invisible.
    pub fn of(actor: &Actor, req: &Request, is_watcher: bool) -> Option<Self> {
        let agent = actor.works_in(req.team_id);
        let party = actor.is_person(req.requester_id)
            || is_watcher
            || req.on_behalf_team_id.is_some_and(|t| actor.is_member_of(t));
        (agent || party).then_some(Self { agent, party })
    }

    pub fn sees_notes(self) -> bool {
        self.agent
    }
}

/// A request to file against a service.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRequest {
    pub subject: String,
    #[serde(default)]
    pub description: String,
    /// Defaults to the service's default priority.
    #[serde(default)]
    pub priority: Option<Priority>,
    /// Key of the team the request is for; defaults to the requester's first team.
    #[serde(default)]
    pub on_behalf_of: Option<String>,
    /// Answers to the service's form, by field name.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub fields: BTreeMap<String, Value>,
}

impl NewRequest {
    /// Checks subject and description; the form's fields are checked against the form.
    pub fn validate_text(&mut self) -> Result<(), Invalid> {
        let mut errors = Errors::default();
        self.subject = self.subject.trim().to_owned();
        match self.subject.chars().count() {
            0 => errors.add("subject", "say in a few words what you need"),
            n if n > 200 => errors.add("subject", "the subject can be at most 200 characters"),
            _ => {}
        }
        if self.description.len() > 50_000 {
            errors.add("description", "the description can be at most 50,000 characters");
        }
        errors.finish()
    }
}

/// Everything a request page shows, read at once and filtered for the viewer.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestDetail {
    pub request: Request,
    pub access: Access,
    pub comments: Vec<Comment>,
    pub attachments: Vec<crate::attachment::Attachment>,
    pub watchers: Vec<String>,
    /// The form version the request was filed under.
    pub form: crate::form::Form,
}

/// A reply the requester sees, or an internal note only the providing team sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommentKind {
    Reply,
    Note,
}

impl CommentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reply => "reply",
            Self::Note => "note",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "reply" => Some(Self::Reply),
            "note" => Some(Self::Note),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Comment {
    pub id: CommentId,
    pub request_id: RequestId,
    pub author_id: PersonId,
    pub author_name: String,
    pub kind: CommentKind,
    /// Markdown.
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// Filters for request lists. Every list is limited to what the viewer may see.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RequestQuery {
    /// Providing team (key): the team's queue.
    pub team: Option<String>,
    /// Only requests this person filed (`me` or a person id).
    pub requester: Option<String>,
    /// Only requests filed for this team (key).
    pub on_behalf_of: Option<String>,
    /// `open` (everything before resolved), `all`, or one status such as `waiting_on_requester`.
    pub status: Option<String>,
    pub priority: Option<String>,
    /// `me`, `none`, or a person id.
    pub assignee: Option<String>,
    /// Service slug within the team.
    pub service: Option<String>,
    /// Words matched against key, subject and description.
    pub text: Option<String>,
    /// `at_risk`: a target not yet met has passed its at-risk mark (breached ones included);
    /// `breached`: a target was breached.
    pub clock: Option<String>,
    /// `newest` (default), `oldest`, `priority`, `updated`, `due` (soonest due first).
    pub sort: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::Status::*;
    use super::*;

    /// Every pair of statuses, with the expected verdict, so a change to the machine is deliberate.
    #[test]
    fn every_transition() {
        let allowed = |from: Status, to: Status| -> bool {
            match (from, to) {
                (Closed, _) => false,
                (a, b) if a == b => false,
                (New, _) => true,
                (Resolved, InProgress | Closed) => true,
                (Resolved, _) => false,
                (_, New) => false,
                (Open | InProgress | WaitingOnRequester | WaitingOnOthers, _) => true,
            }
        };
        for from in Status::ALL {
            for to in Status::ALL {
                assert_eq!(from.transition(to).is_ok(), allowed(from, to), "{from:?} → {to:?}");
            }
        }
    }

    #[test]
    fn requester_replies() {
        assert_eq!(WaitingOnRequester.after_requester_reply(false), Ok(InProgress));
        assert_eq!(Resolved.after_requester_reply(true), Ok(InProgress));
        assert!(Resolved.after_requester_reply(false).is_err());
        assert!(Closed.after_requester_reply(true).is_err());
        assert_eq!(Open.after_requester_reply(false), Ok(Open));
        assert_eq!(WaitingOnOthers.after_requester_reply(false), Ok(WaitingOnOthers));
    }

    #[test]
    fn notes_are_for_agents_only() {
        use crate::team::MemberRole;
        let req = Request::example();
        let person = |id: i64, teams: Vec<(TeamId, MemberRole)>| Actor {
            person_id: Some(PersonId(id)),
            is_admin: false,
            teams,
            address: None,
        };
        let requester = Access::of(&person(10, vec![]), &req, false).unwrap();
        assert!(requester.party && !requester.sees_notes());
        let agent = Access::of(&person(11, vec![(TeamId(1), MemberRole::Member)]), &req, false).unwrap();
        assert!(agent.sees_notes());
        assert!(Access::of(&person(12, vec![(TeamId(2), MemberRole::Member)]), &req, false).is_some_and(|a| !a.agent));
        assert!(Access::of(&person(13, vec![]), &req, true).is_some_and(|a| !a.sees_notes()), "watcher");
        assert!(Access::of(&person(14, vec![(TeamId(3), MemberRole::Lead)]), &req, false).is_none());
    }

    #[test]
    fn names_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("In Progress"), Some(InProgress));
        for p in Priority::ALL {
            assert_eq!(Priority::from_i64(p.as_i64()), Some(p));
            assert_eq!(Priority::parse(&p.to_string()), Some(p));
        }
        assert_eq!(Priority::from_i64(0), None);
        assert_eq!(
            IllegalTransition { from: Closed, to: Open }.to_string(),
            "a request that is closed cannot become open"
        );
    }
}
