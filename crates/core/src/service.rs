//! Services: what a team offers, each with a request form, a default priority and effort, and
//! the people who respond.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::authz::Actor;
use crate::error::{Errors, Invalid};
use crate::form::{check_fields, FieldDef, Form};
use crate::ids::{PersonId, ServiceId, TeamId};
use crate::person::normalize_email;
use crate::request::Priority;
use crate::team::normalize_key;

/// Who may request a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Everyone,
    /// Only members of the listed teams (and the providing team).
    Teams,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Everyone => "everyone",
            Self::Teams => "teams",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "everyone" => Some(Self::Everyone),
            "teams" => Some(Self::Teams),
            _ => None,
        }
    }
}

/// A person who answers a service's requests.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Responder {
    pub id: PersonId,
    pub name: String,
    pub email: String,
}

/// A service as shown in the catalog.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Service {
    pub id: ServiceId,
    pub team_id: TeamId,
    pub team_key: String,
    pub team_name: String,
    /// URL name within the team (`laptop`), unique per team.
    pub slug: String,
    pub name: String,
    /// One line for the catalog.
    pub summary: String,
    /// Markdown.
    pub description: String,
    pub audience: Audience,
    /// Keys of the teams allowed when `audience` is `teams`.
    pub audience_teams: Vec<String>,
    #[serde(skip)]
    pub audience_team_ids: Vec<TeamId>,
    pub default_priority: Priority,
    pub default_effort_hours: f64,
    pub responders: Vec<Responder>,
    /// New requests are assigned to the responders in turn.
    pub round_robin: bool,
    pub active: bool,
    /// The current form; requests keep the version they were filed under.
    pub form: Form,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Service {
    /// Whether the actor may file a request: the audience, the providing team itself, or an admin.
    pub fn may_request(&self, actor: &Actor) -> bool {
        self.active
            && (actor.is_admin
                || self.audience == Audience::Everyone
                || actor.is_member_of(self.team_id)
                || self.audience_team_ids.iter().any(|t| actor.is_member_of(*t)))
    }
}

/// A service to publish, or the full new state of one being edited.
#[derive(Debug, Clone, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewService {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "everyone")]
    pub audience: Audience,
    /// Team keys, when `audience` is `teams`.
    #[serde(default)]
    pub audience_teams: Vec<String>,
    #[serde(default = "normal")]
    pub default_priority: Priority,
    #[serde(default)]
    pub default_effort_hours: f64,
    /// Emails of the people who respond; they must be members of the team.
    #[serde(default)]
    pub responder_emails: Vec<String>,
    #[serde(default)]
    pub round_robin: bool,
    #[serde(default)]
    pub fields: Vec<FieldDef>,
}

fn everyone() -> Audience {
    Audience::Everyone
}

fn normal() -> Priority {
    Priority::P3
}

impl NewService {
    pub fn validate(mut self) -> Result<Self, Invalid> {
        let mut errors = Errors::default();
        self.slug = self.slug.trim().to_lowercase();
        let slug_ok = (2..=40).contains(&self.slug.len())
            && self.slug.starts_with(|c: char| c.is_ascii_lowercase())
            && self.slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !slug_ok {
            errors.add(
                "slug",
                "use 2-40 lower-case letters, digits and hyphens, starting with a letter (laptop-request)",
            );
        }
        self.name = self.name.trim().to_owned();
        if self.name.is_empty() || self.name.chars().count() > 120 {
            errors.add("name", "a service needs a name of 1-120 characters");
        }
        self.summary = self.summary.trim().to_owned();
        if self.summary.chars().count() > 300 {
            errors.add("summary", "the summary can be at most 300 characters");
        }
        if self.description.len() > 20_000 {
            errors.add("description", "the description can be at most 20,000 characters");
        }
        let mut teams = Vec::new();
        for t in &self.audience_teams {
            if let Some(k) = errors.check("audience_teams", normalize_key(t)) {
                if !teams.contains(&k) {
                    teams.push(k);
                }
            }
        }
        self.audience_teams = teams;
        if self.audience == Audience::Teams && self.audience_teams.is_empty() {
            errors.add("audience_teams", "name at least one team, or open the service to everyone");
        }
        if !(self.default_effort_hours.is_finite() && (0.0..=1000.0).contains(&self.default_effort_hours)) {
            errors.add("default_effort_hours", "the effort estimate must be between 0 and 1000 hours");
        }
        let mut emails = Vec::new();
        for e in &self.responder_emails {
            if let Some(e) = errors.check("responder_emails", normalize_email(e)) {
                if !emails.contains(&e) {
                    emails.push(e);
                }
            }
        }
        self.responder_emails = emails;
        if self.round_robin && self.responder_emails.is_empty() {
            errors.add("round_robin", "round-robin assignment needs at least one responder");
        }
        if let Err(inv) = check_fields(&self.fields) {
            for e in inv.0 {
                errors.add(&e.field, e.message);
            }
        }
        errors.finish()?;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::team::MemberRole;

    fn new_service() -> NewService {
        NewService {
            slug: " Laptop-Request ".into(),
            name: "Laptop request".into(),
            summary: String::new(),
            description: String::new(),
            audience: Audience::Teams,
            audience_teams: vec!["sal".into(), "SAL".into()],
            default_priority: Priority::P3,
            default_effort_hours: 2.0,
            responder_emails: vec!["A@example.com".into()],
            round_robin: true,
            fields: vec![],
        }
    }

    #[test]
    fn validation_normalises() {
        let s = new_service().validate().unwrap();
        assert_eq!(s.slug, "laptop-request");
        assert_eq!(s.audience_teams, ["SAL"]);
        assert_eq!(s.responder_emails, ["a@example.com"]);
        let bad = NewService {
            audience_teams: vec![],
            responder_emails: vec![],
            default_effort_hours: -1.0,
            ..new_service()
        };
        let err = bad.validate().unwrap_err();
        for f in ["audience_teams", "round_robin", "default_effort_hours"] {
            assert!(err.message_for(f).is_some(), "{f}");
        }
    }

    #[test]
    fn audience_decides_who_may_request() {
        let service = Service {
            id: ServiceId(1),
            team_id: TeamId(1),
            team_key: "IT".into(),
            team_name: "IT".into(),
            slug: "laptop".into(),
            name: "Laptop".into(),
            summary: String::new(),
            description: String::new(),
            audience: Audience::Teams,
            audience_teams: vec!["SAL".into()],
            audience_team_ids: vec![TeamId(2)],
            default_priority: Priority::P3,
            default_effort_hours: 1.0,
            responders: vec![],
            round_robin: false,
            active: true,
            form: Form::default(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        let member = |team: i64| Actor {
            person_id: Some(PersonId(5)),
            is_admin: false,
            teams: vec![(TeamId(team), MemberRole::Member)],
            address: None,
        };
        assert!(service.may_request(&member(2)), "listed team");
        assert!(service.may_request(&member(1)), "the providing team");
        assert!(!service.may_request(&member(3)));
        assert!(Service { audience: Audience::Everyone, ..service.clone() }.may_request(&member(3)));
        assert!(!Service { active: false, audience: Audience::Everyone, ..service }.may_request(&member(3)));
    }
}
