//! People: employees, identified by email.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{Errors, Invalid};
use crate::ids::{PersonId, TeamId};

/// Default weekly capacity for a person when none is given.
pub const DEFAULT_CAPACITY_HOURS: f64 = 40.0;

/// A person as read from the directory.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Person {
    pub id: PersonId,
    pub email: String,
    pub name: String,
    pub title: String,
    pub manager_id: Option<PersonId>,
    pub manager_name: Option<String>,
    pub manager_email: Option<String>,
    /// IANA time zone, e.g. `Europe/Berlin`.
    pub time_zone: String,
    pub weekly_capacity_hours: f64,
    pub is_admin: bool,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A person to add to the directory.
#[derive(Debug, Clone, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPerson {
    pub email: String,
    pub name: String,
    #[serde(default)]
    pub title: String,
    /// Email of the person's manager; must already be in the directory.
    #[serde(default)]
    pub manager_email: Option<String>,
    /// IANA time zone; defaults to UTC.
    #[serde(default = "default_zone")]
    pub time_zone: String,
    #[serde(default = "default_capacity")]
    pub weekly_capacity_hours: f64,
    #[serde(default)]
    pub is_admin: bool,
}

fn default_zone() -> String {
    "UTC".into()
}

fn default_capacity() -> f64 {
    DEFAULT_CAPACITY_HOURS
}

impl NewPerson {
    /// Checks every field and normalises email, names and zone. Reports all problems at once.
    pub fn validate(mut self) -> Result<Self, Invalid> {
        let mut errors = Errors::default();
        if let Some(email) = errors.check("email", normalize_email(&self.email)) {
            self.email = email;
        }
        if let Some(name) = errors.check("name", check_name(&self.name)) {
            self.name = name;
        }
        if let Some(title) = errors.check("title", check_title(&self.title)) {
            self.title = title;
        }
        self.manager_email = match self.manager_email.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(m) => errors.check("manager_email", normalize_email(m)),
        };
        if self.manager_email.is_some() && self.manager_email.as_deref() == Some(self.email.as_str()) {
            errors.add("manager_email", "a person cannot be their own manager");
        }
        if let Some(tz) = errors.check("time_zone", crate::time::parse_time_zone(&self.time_zone)) {
            self.time_zone = tz.name().to_owned();
        }
        errors.check("weekly_capacity_hours", check_capacity(self.weekly_capacity_hours));
        errors.finish()?;
        Ok(self)
    }
}

/// Filters for the people list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PersonQuery {
    /// Words matched against name, email and title.
    pub q: Option<String>,
    /// Only members of this team (team id).
    #[param(value_type = Option<i64>)]
    pub team: Option<TeamId>,
    /// Include deactivated people.
    #[serde(default)]
    pub include_inactive: bool,
}

/// Changes to a person; absent fields stay as they are. `manager_email: null` removes the manager.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonPatch {
    pub name: Option<String>,
    pub title: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub manager_email: Option<Option<String>>,
    pub time_zone: Option<String>,
    pub weekly_capacity_hours: Option<f64>,
    pub is_admin: Option<bool>,
}

impl PersonPatch {
    /// Applies the patch to `current`, giving the full new state to validate.
    pub fn apply(self, current: &Person) -> NewPerson {
        NewPerson {
            email: current.email.clone(),
            name: self.name.unwrap_or_else(|| current.name.clone()),
            title: self.title.unwrap_or_else(|| current.title.clone()),
            manager_email: self.manager_email.unwrap_or_else(|| current.manager_email.clone()),
            time_zone: self.time_zone.unwrap_or_else(|| current.time_zone.clone()),
            weekly_capacity_hours: self.weekly_capacity_hours.unwrap_or(current.weekly_capacity_hours),
            is_admin: self.is_admin.unwrap_or(current.is_admin),
        }
    }

    /// True when the patch touches fields only an admin may change.
    pub fn touches_admin_fields(&self) -> bool {
        self.manager_email.is_some() || self.weekly_capacity_hours.is_some() || self.is_admin.is_some()
    }
}

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
pub fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Lower-cases and trims an email and checks its shape (one `@`, a dotted domain, no spaces).
pub fn normalize_email(raw: &str) -> Result<String, String> {
    let email = raw.trim().to_lowercase();
    let bad = || format!("`{}` is not an email address", raw.trim());
    if email.is_empty() {
        return Err("an email address is required".into());
    }
    if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let (local, domain) = email.split_once('@').ok_or_else(bad)?;
    let domain_ok = !domain.contains('@')
        && domain.contains('.')
        && domain.split('.').all(|label| !label.is_empty() && !label.starts_with('-'));
    if local.is_empty() || !domain_ok {
        return Err(bad());
    }
    Ok(email)
}

fn check_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    match name.chars().count() {
        0 => Err("a name is required".into()),
        n if n > 200 => Err("a name can be at most 200 characters".into()),
        _ => Ok(name.to_owned()),
    }
}

fn check_title(raw: &str) -> Result<String, String> {
    let title = raw.trim();
    if title.chars().count() > 200 {
        return Err("a title can be at most 200 characters".into());
    }
    Ok(title.to_owned())
}

fn check_capacity(hours: f64) -> Result<f64, String> {
    if hours.is_finite() && (0.0..=168.0).contains(&hours) {
        Ok(hours)
    } else {
        Err("weekly capacity must be between 0 and 168 hours".into())
    }
}

/// The smallest acceptable password; long passphrases beat composition rules.
pub const MIN_PASSWORD_CHARS: usize = 10;

pub fn check_password(password: &str) -> Result<(), Invalid> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Invalid::one("password", format!("a password needs at least {MIN_PASSWORD_CHARS} characters")));
    }
    if password.len() > 1024 {
        return Err(Invalid::one("password", "a password can be at most 1024 bytes"));
    }
    Ok(())
}

impl NewPerson {
    /// A valid person with defaults for everything but the email: a fixture for tests and examples.
    pub fn test(email: &str) -> Self {
        Self {
            email: email.into(),
            name: "Test Person".into(),
            title: String::new(),
            manager_email: None,
            time_zone: "UTC".into(),
            weekly_capacity_hours: 40.0,
            is_admin: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(normalize_email(" Ada.Lovelace@Example.COM ").as_deref(), Ok("ada.lovelace@example.com"));
        for bad in ["", "ada", "ada@", "@example.com", "ada@example", "a b@example.com", "a@b@c.com", "a@.com"] {
            assert!(normalize_email(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn every_problem_is_reported() {
        let person = NewPerson {
            email: "nope".into(),
            name: " ".into(),
            time_zone: "Atlantis/Capital".into(),
            weekly_capacity_hours: 200.0,
            ..NewPerson::test("x@example.com")
        };
        let err = person.validate().unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["email", "name", "time_zone", "weekly_capacity_hours"]);
    }

    #[test]
    fn own_manager_is_refused() {
        let person = NewPerson { manager_email: Some("A@example.com".into()), ..NewPerson::test("a@example.com") };
        assert!(person.validate().unwrap_err().message_for("manager_email").is_some());
    }

    #[test]
    fn patch_keeps_absent_fields_and_clears_null() {
        let current = Person {
            id: PersonId(1),
            email: "a@example.com".into(),
            name: "A".into(),
            title: "Engineer".into(),
            manager_id: Some(PersonId(2)),
            manager_name: Some("B".into()),
            manager_email: Some("b@example.com".into()),
            time_zone: "UTC".into(),
            weekly_capacity_hours: 40.0,
            is_admin: false,
            active: true,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        let patch: PersonPatch = serde_json::from_str(r#"{"title":"Lead","manager_email":null}"#).unwrap();
        let next = patch.apply(&current);
        assert_eq!(next.title, "Lead");
        assert_eq!(next.name, "A");
        assert_eq!(next.manager_email, None);
        let untouched: PersonPatch = serde_json::from_str("{}").unwrap();
        assert_eq!(untouched.apply(&current).manager_email.as_deref(), Some("b@example.com"));
        assert!(serde_json::from_str::<PersonPatch>(r#"{"nmae":"typo"}"#).is_err());
    }
}
