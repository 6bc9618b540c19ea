//! The company's identity provider's word on a person: what single sign-on may do with the
//! claims it receives (link, create, refuse), how the provider's groups map to teams, roles and
//! the admin flag, and who may still sign in with a password.

use std::collections::BTreeMap;

use crate::team::MemberRole;

/// What a provider's group gives its members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// Membership of the team with this key, in this role.
    Team { key: String, role: MemberRole },
    /// The admin flag.
    Admin,
}

/// A provider's groups and what each gives, from `group=TEAM:role` pairs (`group=admin` for
/// admins), e.g. `it-staff=IT:member, it-leads=IT:lead, helpdesk-admins=admin`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupMap(pub BTreeMap<String, Vec<Grant>>);

impl GroupMap {
    /// Reads `group=TEAM:role` pairs separated by commas (or given one per entry); every
    /// mistake is reported at once.
    pub fn parse<'a>(entries: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, String> {
        let mut map: BTreeMap<String, Vec<Grant>> = BTreeMap::new();
        let mut problems = Vec::new();
        for (group, grant) in entries {
            let (group, grant) = (group.trim(), grant.trim());
            if group.is_empty() {
                problems.push(format!("“={grant}” names no group"));
                continue;
            }
            let parsed = if grant.eq_ignore_ascii_case("admin") {
                Some(Grant::Admin)
            } else {
                grant.split_once(':').and_then(|(key, role)| {
                    let role = MemberRole::parse(role.trim())?;
                    let key = key.trim().to_uppercase();
                    (!key.is_empty()).then_some(Grant::Team { key, role })
                })
            };
            match parsed {
                Some(g) => map.entry(group.to_owned()).or_default().push(g),
                None => problems.push(format!("“{group}={grant}” should give TEAM:member, TEAM:lead or admin")),
            }
        }
        if problems.is_empty() {
            Ok(Self(map))
        } else {
            Err(problems.join("; "))
        }
    }

    /// `group=TEAM:role, group=admin` as one string (an environment variable's form).
    pub fn parse_list(text: &str) -> Result<Self, String> {
        let mut pairs = Vec::new();
        for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            match item.split_once('=') {
                Some(pair) => pairs.push(pair),
                None => return Err(format!("“{item}” should read group=TEAM:role")),
            }
        }
        Self::parse(pairs)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// What a person in `groups` gets, and what the map manages: teams and roles named for
    /// their groups, every team the map names (memberships there follow the provider), and the
    /// admin flag when the map names admins.
    pub fn plan(&self, groups: &[String]) -> GroupPlan {
        let mut plan = GroupPlan::default();
        for grants in self.0.values() {
            for g in grants {
                match g {
                    Grant::Team { key, .. } if !plan.managed_teams.contains(key) => {
                        plan.managed_teams.push(key.clone())
                    }
                    Grant::Admin => plan.admin = Some(false),
                    Grant::Team { .. } => {}
                }
            }
        }
        for group in groups {
            for g in self.0.get(group.as_str()).into_iter().flatten() {
                match g {
                    Grant::Admin => plan.admin = Some(true),
                    Grant::Team { key, role } => match plan.teams.iter_mut().find(|(k, _)| k == key) {
                        // Two groups for one team: the stronger role wins.
                        Some((_, r)) if *role == MemberRole::Lead => *r = MemberRole::Lead,
                        Some(_) => {}
                        None => plan.teams.push((key.clone(), *role)),
                    },
                }
            }
        }
        plan.managed_teams.sort();
        plan.teams.sort_by(|a, b| a.0.cmp(&b.0));
        plan
    }
}

/// What signing in through a provider sets on the person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupPlan {
    /// Teams (by key) and roles the person's groups give.
    pub teams: Vec<(String, MemberRole)>,
    /// Teams whose memberships follow the provider: the person leaves those their groups no
    /// longer give. Teams the map does not name are left alone.
    pub managed_teams: Vec<String>,
    /// `Some` when the map names admins: whether this person is one.
    pub admin: Option<bool>,
}

/// What to do with a verified email that matches nobody in the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnknownPeople {
    Refuse,
    Create,
}

impl std::str::FromStr for UnknownPeople {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "refuse" => Ok(Self::Refuse),
            "create" => Ok(Self::Create),
            other => Err(format!("`{other}` should be refuse or create")),
        }
    }
}

/// Who may sign in with a password.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum PasswordPolicy {
    #[default]
    Everyone,
    /// Only these admins (by email): the break-glass accounts for when single sign-on fails.
    BreakGlass(Vec<String>),
}

impl PasswordPolicy {
    /// Whether the account with `email` may use its password; `is_admin` is its flag now.
    pub fn allows(&self, email: &str, is_admin: bool) -> bool {
        match self {
            Self::Everyone => true,
            Self::BreakGlass(emails) => is_admin && emails.iter().any(|e| e.eq_ignore_ascii_case(email.trim())),
        }
    }
}

/// A person as a provider vouched for them after a verified sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvidedIdentity {
    /// The provider's name in the settings.
    pub provider: String,
    /// The provider's stable id for the person (`sub`).
    pub subject: String,
    pub email: String,
    pub name: Option<String>,
    pub unknown_people: UnknownPeople,
    /// What the person's groups give, when the provider maps groups.
    pub groups: Option<GroupPlan>,
}

/// Why a verified identity may still not sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityRefusal {
    /// Nobody in the directory has the email, and the provider may not create people.
    Unknown,
    /// The person is deactivated.
    Deactivated,
}

impl IdentityRefusal {
    pub fn reason(self) -> &'static str {
        match self {
            Self::Unknown => "not in the directory",
            Self::Deactivated => "deactivated",
        }
    }
}

/// The email a provider vouches for: present, and not marked unverified.
pub fn verified_email(email: Option<&str>, verified: Option<bool>) -> Option<String> {
    let email = email.map(str::trim).filter(|e| e.contains('@'))?;
    (verified != Some(false)).then(|| email.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn groups_map_to_teams_roles_and_admin() {
        let map = GroupMap::parse_list("it-staff=IT:member, it-leads=it:lead, sales=SAL:member, root=admin").unwrap();
        let plan = map.plan(&groups(&["it-staff", "it-leads", "unrelated"]));
        assert_eq!(plan.teams, vec![("IT".to_owned(), MemberRole::Lead)], "the stronger role wins");
        assert_eq!(plan.managed_teams, ["IT", "SAL"]);
        assert_eq!(plan.admin, Some(false), "admins are named, and this person is not one");
        let admin = map.plan(&groups(&["root", "sales"]));
        assert_eq!((admin.admin, admin.teams.len()), (Some(true), 1));
        let unmanaged = GroupMap::parse_list("x=IT:member").unwrap().plan(&[]);
        assert_eq!((unmanaged.admin, unmanaged.teams.is_empty()), (None, true), "no admin group, no say on admins");
    }

    #[test]
    fn every_mistake_in_a_map_is_named() {
        let err = GroupMap::parse_list("a=IT:boss, =IT:member, b=admin").unwrap_err();
        assert!(err.contains("“a=IT:boss”") && err.contains("names no group"), "{err}");
        assert!(GroupMap::parse_list("just-a-group").is_err());
        assert!(GroupMap::parse_list("").unwrap().is_empty());
    }

    #[test]
    fn only_break_glass_admins_keep_passwords() {
        let policy = PasswordPolicy::BreakGlass(vec!["root@example.com".into()]);
        assert!(policy.allows("ROOT@example.com ", true));
        assert!(!policy.allows("root@example.com", false), "a demoted break-glass account is locked out too");
        assert!(!policy.allows("ada@example.com", true));
        assert!(PasswordPolicy::Everyone.allows("anyone@example.com", false));
    }

    #[test]
    fn unverified_emails_are_not_trusted() {
        assert_eq!(verified_email(Some(" Ann@Example.com"), Some(true)).as_deref(), Some("ann@example.com"));
        assert_eq!(verified_email(Some("ann@example.com"), None).as_deref(), Some("ann@example.com"));
        assert_eq!(verified_email(Some("ann@example.com"), Some(false)), None);
        assert_eq!(verified_email(Some("not-an-email"), Some(true)), None);
        assert_eq!(verified_email(None, Some(true)), None);
    }
}
