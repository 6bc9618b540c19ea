//! Who does what between two partner teams: each relationship's responsibilities table. Each
//! row names an activity, the side and the person responsible, who must be consulted and when;
//! both sides agree it like the relationship itself, and a row nobody owns (or whose owner left
//! the team) is flagged wherever the partnership is looked at.

use serde::{Deserialize, Serialize};

use crate::error::{Errors, Invalid};
use crate::relationship::Side;

/// A row of a relationship's responsibilities table, as read.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Responsibility {
    pub id: i64,
    pub relationship_id: i64,
    pub supplier_key: String,
    pub customer_key: String,
    /// "Approve new-hire laptops", "Send the month-end figures".
    pub activity: String,
    /// The side that does it.
    pub side: Side,
    /// Key of the team on that side.
    pub team_key: String,
    /// The person responsible, if named.
    pub responsible_name: Option<String>,
    pub responsible_email: Option<String>,
    /// Who must be consulted first, in words.
    pub consulted: String,
    /// When: a cadence ("monthly, 3rd working day"), a trigger ("when a starter is hired"), or
    /// the commitment or service that already carries it.
    pub when: String,
    pub commitment_id: Option<i64>,
    pub service_slug: Option<String>,
    /// Each side's agreement; an edit by one side asks the other again.
    pub agreed_by_supplier: bool,
    pub agreed_by_customer: bool,
    /// What is wrong with it, if anything.
    pub problem: Option<Problem>,
}

impl Responsibility {
    pub fn agreed(&self) -> bool {
        self.agreed_by_supplier && self.agreed_by_customer
    }

    /// The side still to agree, if any.
    pub fn waiting_for(&self) -> Option<Side> {
        match (self.agreed_by_supplier, self.agreed_by_customer) {
            (true, false) => Some(Side::Customer),
            (false, true) => Some(Side::Supplier),
            (false, false) => Some(Side::Supplier),
            (true, true) => None,
        }
    }
}

/// Why a row needs attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// Nobody is named responsible.
    NobodyResponsible,
    /// The person named is no longer an active member of the responsible team.
    ResponsibleLeft,
}

impl Problem {
    pub fn label(self) -> &'static str {
        match self {
            Self::NobodyResponsible => "nobody is responsible",
            Self::ResponsibleLeft => "the person responsible has left the team",
        }
    }

    /// Decides from what the store found: who is named, and whether they are still an active
    /// member of the responsible team.
    pub fn of(named: bool, still_member: bool) -> Option<Self> {
        match (named, still_member) {
            (false, _) => Some(Self::NobodyResponsible),
            (true, false) => Some(Self::ResponsibleLeft),
            (true, true) => None,
        }
    }
}

/// A row as entered.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewResponsibility {
    pub activity: String,
    /// `supplier` or `customer`: which side does it.
    pub side: Option<Side>,
    /// Email of the person responsible, a member of that side's team. Leave out to leave it
    /// open (the row is then flagged).
    #[serde(default)]
    pub responsible: Option<String>,
    #[serde(default)]
    pub consulted: String,
    #[serde(default)]
    pub when: String,
    /// A commitment between the two that already carries it.
    #[serde(default)]
    pub commitment: Option<i64>,
    /// A service of the supplier that already carries it (its slug).
    #[serde(default)]
    pub service: Option<String>,
}

/// A checked row.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedResponsibility {
    pub activity: String,
    pub side: Side,
    pub responsible: Option<String>,
    pub consulted: String,
    pub when: String,
    pub commitment: Option<i64>,
    pub service: Option<String>,
}

impl NewResponsibility {
    pub fn check(&self) -> Result<CheckedResponsibility, Invalid> {
        let mut errors = Errors::default();
        let activity = self.activity.trim().to_owned();
        match activity.chars().count() {
            0 => errors.add("activity", "say what is to be done"),
            n if n > 200 => errors.add("activity", "keep the activity under 200 characters"),
            _ => {}
        }
        if self.side.is_none() {
            errors.add("side", "choose the side that does it");
        }
        let trimmed = |field: &str, text: &str, errors: &mut Errors| {
            let t = text.trim().to_owned();
            if t.chars().count() > 300 {
                errors.add(field, "keep it under 300 characters");
            }
            t
        };
        let consulted = trimmed("consulted", &self.consulted, &mut errors);
        let when = trimmed("when", &self.when, &mut errors);
        errors.finish()?;
        Ok(CheckedResponsibility {
            activity,
            side: self.side.unwrap_or(Side::Supplier),
            responsible: self.responsible.as_deref().map(|r| r.trim().to_lowercase()).filter(|r| !r.is_empty()),
            consulted,
            when,
            commitment: self.commitment,
            service: self.service.as_deref().map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_checked_and_flagged() {
        let err = NewResponsibility { activity: " ".into(), when: "x".repeat(301), ..Default::default() }
            .check()
            .unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["activity", "side", "when"]);
        let ok = NewResponsibility {
            activity: "Approve new-hire laptops".into(),
            side: Some(Side::Customer),
            responsible: Some(" Lena@Example.com ".into()),
            ..Default::default()
        }
        .check()
        .unwrap();
        assert_eq!(ok.responsible.as_deref(), Some("lena@example.com"));
        assert_eq!(Problem::of(false, false), Some(Problem::NobodyResponsible));
        assert_eq!(Problem::of(true, false), Some(Problem::ResponsibleLeft));
        assert_eq!(Problem::of(true, true), None);
    }
}
