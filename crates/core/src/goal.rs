//! Team goals and the business goals they serve.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{FieldError, Invalid, TeamId};

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
