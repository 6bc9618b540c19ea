//! Thanks: anyone may thank a team or a person for help, optionally pointing at the request or
//! commitment it was about. Thanks from outside the thanked team (or, for a person, from someone
//! who shares no team with them) is what the organisation's view counts: help given to others,
//! not praise within one's own turf.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Errors;
use crate::{Invalid, PersonId, ThanksId};

/// Thanks as written. Exactly one of `team` and `person`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewThanks {
    /// The key of the team thanked.
    #[serde(default)]
    pub team: Option<String>,
    /// The email of the person thanked.
    #[serde(default)]
    pub person: Option<String>,
    /// What they did and what it meant, in up to 1,000 characters.
    pub message: String,
    /// The request it was about (`IT-42`); one you can see.
    #[serde(default)]
    pub request: Option<String>,
    /// The commitment it was about.
    #[serde(default)]
    pub commitment: Option<i64>,
}

/// Whom thanks goes to, once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    Team(String),
    Person(String),
}

/// Thanks whose fields have been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedThanks {
    pub to: Recipient,
    pub message: String,
    pub request: Option<String>,
    pub commitment: Option<i64>,
}

impl NewThanks {
    pub fn check(&self) -> Result<CheckedThanks, Invalid> {
        let mut errors = Errors::default();
        let team = self.team.as_deref().map(str::trim).filter(|t| !t.is_empty());
        let person = self.person.as_deref().map(str::trim).filter(|p| !p.is_empty());
        let to = match (team, person) {
            (Some(t), None) => Some(Recipient::Team(t.to_uppercase())),
            (None, Some(p)) => Some(Recipient::Person(p.to_lowercase())),
            (Some(_), Some(_)) => {
                errors.add("person", "thank a team or a person, not both at once");
                None
            }
            (None, None) => {
                errors.add("team", "say whom you thank: a team or a person");
                None
            }
        };
        let message = self.message.trim().to_owned();
        if message.is_empty() {
            errors.add("message", "say what they did for you");
        } else if message.chars().count() > 1_000 {
            errors.add("message", "keep it under 1,000 characters");
        }
        errors.check("message", crate::text::check(&message));
        let request = self.request.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(str::to_uppercase);
        errors.finish()?;
        match to {
            Some(to) => Ok(CheckedThanks { to, message, request, commitment: self.commitment }),
            None => Err(Invalid::one("team", "say whom you thank: a team or a person")),
        }
    }
}

/// Thanks as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Thanks {
    pub id: ThanksId,
    pub from_id: PersonId,
    pub from_name: String,
    /// The team thanked, when it went to a team.
    pub team_key: Option<String>,
    pub team_name: Option<String>,
    /// The person thanked, when it went to a person.
    pub person_id: Option<PersonId>,
    pub person_name: Option<String>,
    pub message: String,
    pub request_key: Option<String>,
    pub commitment_id: Option<i64>,
    pub commitment_title: Option<String>,
    /// From outside the thanked team (or from someone sharing no team with the person): help
    /// given across the organisation.
    pub across: bool,
    pub created_at: DateTime<Utc>,
}

impl Thanks {
    /// Whom it thanks, in words.
    pub fn to_name(&self) -> &str {
        self.team_name.as_deref().or(self.person_name.as_deref()).unwrap_or("")
    }

    /// The page of whom it thanks.
    pub fn to_path(&self) -> String {
        match (&self.team_key, self.person_id) {
            (Some(key), _) => format!("/teams/{key}"),
            (None, Some(p)) => format!("/people/{p}"),
            (None, None) => String::from("/thanks"),
        }
    }
}

/// Which thanks a list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ThanksFilter {
    /// To this team, or to any of its members.
    pub team: Option<crate::TeamId>,
    /// To this person.
    pub person: Option<PersonId>,
}

/// One line of the organisation's view of who helps other teams.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Contribution {
    /// A team's key, or a person's id as text.
    pub key: String,
    pub name: String,
    /// Thanks from outside the team (or the person's teams) over the period.
    pub thanks: u32,
    /// How many different people gave it.
    pub people: u32,
}

/// Who serves others, by thanks over a period: teams (thanked directly or through their
/// members) and people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Contributions {
    pub days: u32,
    pub teams: Vec<Contribution>,
    pub people: Vec<Contribution>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thanks_goes_to_one_and_says_why() {
        let both = NewThanks { team: Some("it".into()), person: Some("a@x.com".into()), ..NewThanks::default() };
        let fields: Vec<String> = both.check().unwrap_err().0.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["person", "message"]);
        assert_eq!(NewThanks::default().check().unwrap_err().0[0].field, "team");
        let ok = NewThanks {
            team: Some(" it ".into()),
            message: " Laptop in a day! ".into(),
            request: Some("it-4".into()),
            ..NewThanks::default()
        }
        .check();
        assert_eq!(
            ok,
            Ok(CheckedThanks {
                to: Recipient::Team("IT".into()),
                message: "Laptop in a day!".into(),
                request: Some("IT-4".into()),
                commitment: None
            })
        );
        let long = NewThanks { person: Some("A@X.com".into()), message: "x".repeat(1_001), ..NewThanks::default() };
        assert_eq!(long.check().unwrap_err().0[0].message, "keep it under 1,000 characters");
    }
}
