//! Declared relationships between teams: a supplier team serving a customer team, proposed by
//! one side and agreed by the other, with the needs and contacts both write down.

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

#[cfg(test)]
mod tests {
    use super::*;

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
