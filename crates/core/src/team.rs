//! Teams: departments and work groups, with a short key, a parent, leads and members.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Errors, Invalid};
use crate::ids::{PersonId, TeamId};
use crate::person::{double_option, normalize_email};

/// A team as read from the directory.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Team {
    pub id: TeamId,
    /// Short uppercase key (`IT`, `PAY`); prefixes the team's request keys, so it never changes.
    pub key: String,
    pub name: String,
    pub parent_id: Option<TeamId>,
    pub parent_key: Option<String>,
    pub parent_name: Option<String>,
    /// What the team does, in Markdown.
    pub mission: String,
    pub contact_email: Option<String>,
    /// How else to reach the team (chat channel, phone, office hours).
    pub contact_info: String,
    pub active: bool,
    pub member_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A team to create.
#[derive(Debug, Clone, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTeam {
    pub key: String,
    pub name: String,
    /// Key of the parent team, if any.
    #[serde(default)]
    pub parent_key: Option<String>,
    #[serde(default)]
    pub mission: String,
    #[serde(default)]
    pub contact_email: Option<String>,
    #[serde(default)]
    pub contact_info: String,
}

impl NewTeam {
    pub fn validate(mut self) -> Result<Self, Invalid> {
        let mut errors = Errors::default();
        if let Some(key) = errors.check("key", normalize_key(&self.key)) {
            self.key = key;
        }
        self.parent_key = match self.parent_key.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(p) => errors.check("parent_key", normalize_key(p)),
        };
        if self.parent_key.is_some() && self.parent_key == Some(self.key.clone()) {
            errors.add("parent_key", "a team cannot be its own parent");
        }
        self.name = self.name.trim().to_owned();
        match self.name.chars().count() {
            0 => errors.add("name", "a team name is required"),
            n if n > 120 => errors.add("name", "a team name can be at most 120 characters"),
            _ => {}
        }
        if self.mission.len() > 20_000 {
            errors.add("mission", "the mission can be at most 20,000 characters");
        }
        self.contact_email = match self.contact_email.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(e) => errors.check("contact_email", normalize_email(e)),
        };
        self.contact_info = self.contact_info.trim().to_owned();
        if self.contact_info.chars().count() > 500 {
            errors.add("contact_info", "contact details can be at most 500 characters");
        }
        errors.finish()?;
        Ok(self)
    }
}

/// Filters for the team list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TeamQuery {
    /// Words matched against key, name and mission.
    pub q: Option<String>,
    /// Include deactivated teams.
    #[serde(default)]
    pub include_inactive: bool,
}

/// Changes to a team; absent fields stay. The key never changes.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamPatch {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub parent_key: Option<Option<String>>,
    pub mission: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub contact_email: Option<Option<String>>,
    pub contact_info: Option<String>,
}

impl TeamPatch {
    pub fn apply(self, current: &Team) -> NewTeam {
        NewTeam {
            key: current.key.clone(),
            name: self.name.unwrap_or_else(|| current.name.clone()),
            parent_key: self.parent_key.unwrap_or_else(|| current.parent_key.clone()),
            mission: self.mission.unwrap_or_else(|| current.mission.clone()),
            contact_email: self.contact_email.unwrap_or_else(|| current.contact_email.clone()),
            contact_info: self.contact_info.unwrap_or_else(|| current.contact_info.clone()),
        }
    }

    /// Only admins move a team in the hierarchy.
    pub fn touches_admin_fields(&self) -> bool {
        self.parent_key.is_some()
    }
}

/// Upper-cases a team key and checks it: 2-10 letters or digits, starting with a letter.
pub fn normalize_key(raw: &str) -> Result<String, String> {
    let key = raw.trim().to_uppercase();
    let ok = (2..=10).contains(&key.len())
        && key.starts_with(|c: char| c.is_ascii_alphabetic())
        && key.chars().all(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(key)
    } else {
        Err(format!(
            "`{}` is not a team key: use 2-10 letters or digits, starting with a letter (IT, PAY, OPS2)",
            raw.trim()
        ))
    }
}

/// A person's part in a team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    /// Manages the team: its page, members and (later) services and queue.
    Lead,
    Member,
}

impl MemberRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lead => "lead",
            Self::Member => "member",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "lead" => Some(Self::Lead),
            "member" => Some(Self::Member),
            _ => None,
        }
    }
}

/// One person in one team.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Membership {
    pub team_id: TeamId,
    pub team_key: String,
    pub team_name: String,
    pub person_id: PersonId,
    pub person_name: String,
    pub person_email: String,
    pub person_title: String,
    pub role: MemberRole,
    /// The share (0-1) of the person's weekly capacity this team gets in forecasts; `null`
    /// splits it evenly between their teams.
    pub capacity_share: Option<f64>,
    /// What the person can help with in this team, in their own words ("laptops, VPN").
    pub helps_with: String,
}

/// Checks what a member can help with: one line, up to 200 characters.
pub fn check_helps_with(text: &str) -> Result<String, crate::Invalid> {
    let text = text.trim();
    if text.chars().count() > 200 || text.contains('\n') {
        return Err(crate::Invalid::one("helps_with", "one line of up to 200 characters"));
    }
    crate::text::check(text).map_err(|e| crate::Invalid::one("helps_with", e))?;
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert_eq!(normalize_key(" pay ").as_deref(), Ok("PAY"));
        assert_eq!(normalize_key("ops2").as_deref(), Ok("OPS2"));
        for bad in ["", "I", "2IT", "IT-1", "ABCDEFGHIJK", "ÄB"] {
            assert!(normalize_key(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_team_is_not_its_own_parent() {
        let team = NewTeam {
            key: "it".into(),
            name: "IT".into(),
            parent_key: Some("IT".into()),
            mission: String::new(),
            contact_email: Some(String::new()),
            contact_info: String::new(),
        };
        let err = team.validate().unwrap_err();
        assert!(err.message_for("parent_key").is_some());
    }
}
