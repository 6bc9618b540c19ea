//! Saved views: a person's named request lists (a queue with filters, a search).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Errors, Invalid};

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SavedView {
    pub id: i64,
    pub name: String,
    /// The list's address with its filters, e.g. `/teams/IT/queue?status=open&assignee=me`.
    pub path: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSavedView {
    pub name: String,
    pub path: String,
}

/// The lists a view may point at.
const LIST_PREFIXES: &[&str] = &["/requests", "/search", "/teams/"];

impl NewSavedView {
    pub fn validate(mut self) -> Result<Self, Invalid> {
        let mut errors = Errors::default();
        self.name = self.name.trim().to_owned();
        if self.name.is_empty() || self.name.chars().count() > 80 {
            errors.add("name", "give the view a name of 1-80 characters");
        }
        self.path = self.path.trim().to_owned();
        let list = LIST_PREFIXES.iter().any(|p| self.path.starts_with(p))
            && (!self.path.starts_with("/teams/")
                || self.path.split('?').next().is_some_and(|p| p.ends_with("/queue")));
        if !list || self.path.starts_with("//") || self.path.len() > 1000 || self.path.chars().any(char::is_control) {
            errors.add("path", "a view saves a request list, a team queue or a search");
        }
        errors.finish()?;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_lists_can_be_saved() {
        let v = |path: &str| NewSavedView { name: "Mine".into(), path: path.into() }.validate();
        assert!(v("/teams/IT/queue?assignee=me").is_ok());
        assert!(v("/search?q=status:open").is_ok());
        assert!(v("/requests?view=team&on_behalf_of=SAL").is_ok());
        assert!(v("/teams/IT/edit").is_err());
        assert!(v("https://evil.example/").is_err());
        assert!(v("//evil.example/requests").is_err());
        assert!(NewSavedView { name: " ".into(), path: "/requests".into() }.validate().is_err());
    }
}
