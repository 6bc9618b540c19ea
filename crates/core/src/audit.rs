//! The audit log: the security-relevant and administrative events, as admins search them.
//!
//! It is no second record: an event (see [`crate::event`]) about one of [`ENTITIES`] belongs to
//! the audit log from the moment it is written, with the client address it came from. Request
//! history, comments and the like stay on the pages of the things they describe.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use crate::error::{FieldError, Invalid};
use crate::event::Event;
use crate::ids::PersonId;
use crate::time::Millis;

/// The kinds of thing whose events make up the audit log, with how the log names them.
pub const ENTITIES: &[(&str, &str)] = &[
    ("session", "Sign-in"),
    ("person", "Person"),
    ("team", "Team and membership"),
    ("token", "API token"),
    ("feed", "Calendar feed"),
    ("identity", "Single sign-on"),
    ("scim", "Provisioning"),
    ("settings", "Setting"),
    ("calendar", "Calendar"),
    ("webhook", "Webhook"),
    ("import", "Import"),
    ("export", "Export"),
];

/// Everyday work recorded about audited kinds that is no administrative change: a person's
/// time off and mail choices, a team's goals and how its members split their week.
const EVERYDAY: &[(&str, &str)] = &[
    ("person", "time_off"),
    ("person", "time_off_removed"),
    ("person", "mail_preferences"),
    ("team", "goal_saved"),
    ("team", "capacity_share"),
];

/// Whether an event (`entity`, `action`) belongs to the audit log.
pub fn is_audited(entity: &str, action: &str) -> bool {
    ENTITIES.iter().any(|(e, _)| *e == entity) && !EVERYDAY.contains(&(entity, action))
}

/// Whether `entity` names a kind of thing the audit log holds.
pub fn is_audited_kind(entity: &str) -> bool {
    ENTITIES.iter().any(|(e, _)| *e == entity)
}

/// How the log names a kind of thing.
pub fn entity_label(entity: &str) -> &str {
    ENTITIES.iter().find(|(e, _)| *e == entity).map_or(entity, |(_, label)| label)
}

/// What an admin searches the log for; every part optional.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditQuery {
    pub actor: Option<PersonId>,
    pub entity: Option<String>,
    pub action: Option<String>,
    /// Found in the address, the action or the recorded detail (an email typed at sign-in, a
    /// token's name).
    pub text: Option<String>,
    pub since: Option<Millis>,
    pub until: Option<Millis>,
}

impl AuditQuery {
    /// A query from form or query-string values; days are read in `zone`, `until` inclusive.
    pub fn parse(
        actor: Option<&str>,
        entity: Option<&str>,
        action: Option<&str>,
        text: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
        zone: Tz,
    ) -> Result<Self, Invalid> {
        let mut errors = Vec::new();
        let given = |v: Option<&str>| v.map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        let actor = match given(actor).map(|a| a.parse::<i64>()) {
            Some(Ok(id)) => Some(PersonId(id)),
            Some(Err(_)) => {
                errors.push(FieldError::new("actor", "choose a person from the log"));
                None
            }
            None => None,
        };
        let entity = given(entity);
        if let Some(e) = entity.as_deref().filter(|e| !is_audited_kind(e)) {
            errors.push(FieldError::new("entity", format!("“{e}” is not a kind of audited change")));
        }
        let mut day = |field: &'static str, v: Option<&str>, next: bool| -> Option<Millis> {
            let v = given(v)?;
            match NaiveDate::parse_from_str(&v, "%Y-%m-%d") {
                Ok(d) => {
                    let d = if next { d.succ_opt().unwrap_or(d) } else { d };
                    let midnight = d.and_hms_opt(0, 0, 0)?;
                    let local = zone.from_local_datetime(&midnight).earliest()?;
                    Some(Millis(local.with_timezone(&Utc).timestamp_millis()))
                }
                Err(_) => {
                    errors.push(FieldError::new(field, "give a date as YYYY-MM-DD"));
                    None
                }
            }
        };
        let since = day("from", from, false);
        let until = day("to", to, true);
        if let (Some(s), Some(u)) = (since, until) {
            if u.0 <= s.0 {
                errors.push(FieldError::new("to", "the last day comes before the first"));
            }
        }
        if !errors.is_empty() {
            return Err(Invalid(errors));
        }
        Ok(Self { actor, entity, action: given(action), text: given(text).map(|t| t.to_lowercase()), since, until })
    }

    /// A query between two instants, as the API gives them.
    pub fn between(mut self, since: Option<DateTime<Utc>>, until: Option<DateTime<Utc>>) -> Self {
        self.since = since.map(|t| Millis(t.timestamp_millis())).or(self.since);
        self.until = until.map(|t| Millis(t.timestamp_millis())).or(self.until);
        self
    }
}

/// What the log says happened, for sign-ins and exports that change no data, and otherwise
/// the event's own sentence ("Hugo Becker revoked it.") with the thing named beside it.
pub fn describe(e: &Event) -> String {
    let who = e.actor_name.as_deref().unwrap_or("Concentric");
    let d = &e.detail;
    let text = |field: &str| d.get(field).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
    let how = match text("method").as_str() {
        "" | "password" => String::from("with a password"),
        "password link" => String::from("with a link to set a password"),
        provider => format!("through {provider}"),
    };
    match (e.entity.as_str(), e.action.as_str()) {
        ("session", "signed_in") => format!("{who} signed in {how}."),
        ("session", "sign_in_failed") => {
            format!("A sign-in as {} failed: {}.", text("email"), text("reason"))
        }
        ("session", "signed_out") => format!("{who} signed out."),
        ("session", "ended") => format!("{who} ended a session ({}).", text("agent")),
        ("session", "ended_all") => match d.get("sessions").and_then(serde_json::Value::as_i64) {
            Some(n) => format!("{who} signed out everywhere ({n} {}).", if n == 1 { "session" } else { "sessions" }),
            None => format!("{who} signed out everywhere."),
        },
        ("export", _) => format!("{who} downloaded {} ({}).", text("file"), text("page")),
        ("scim", action) => {
            let (client, email, team) = (text("client"), text("email"), text("displayName"));
            let members = d.get("members").and_then(serde_json::Value::as_i64).unwrap_or(0);
            match action {
                "client_created" => format!("{who} made the provisioning client {client}."),
                "client_revoked" => format!("{who} revoked the provisioning client {client}."),
                "user_created" => format!("{client} provisioned {email}, a new person."),
                "user_linked" => format!("{client} took over {email}, already in the directory."),
                "user_replaced" => format!("{client} updated {email}."),
                "user_deleted" => format!("{client} deleted {email}: deactivated and hidden from provisioning."),
                "group_created" => format!("{client} made the team {team} with {members} members."),
                "group_replaced" => format!("{client} updated the team {team}: {members} members."),
                "group_deleted" => format!("{client} deleted the team {team}: deactivated."),
                _ => e.sentence(),
            }
        }
        ("person", "deactivated" | "reactivated") if d.get("via").is_some() => {
            format!("{} {} {}.", text("via"), e.action, e.subject.as_deref().unwrap_or("a person"))
        }
        _ => e.sentence(),
    }
}

/// Days of audit history kept; `0` keeps everything. Returns the cut-off at `now`.
pub fn retention_cutoff(days: u32, now: Millis) -> Option<Millis> {
    (days > 0).then(|| Millis(now.0 - i64::from(days) * 86_400_000))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(entity: &str, action: &str, detail: serde_json::Value) -> Event {
        Event {
            id: 1,
            at: DateTime::<Utc>::UNIX_EPOCH,
            actor_id: Some(PersonId(1)),
            actor_name: Some("Bruno Park".into()),
            entity: entity.into(),
            entity_id: 1,
            action: action.into(),
            detail,
            address: Some("10.0.0.7".into()),
            subject: None,
        }
    }

    #[test]
    fn queries_read_days_in_the_viewers_zone() {
        let q = AuditQuery::parse(
            Some("4"),
            Some("token"),
            None,
            Some(" Laptop "),
            Some("2026-03-29"),
            Some("2026-03-29"),
            chrono_tz::Europe::Berlin,
        )
        .unwrap();
        // The day the clocks go forward in Berlin is 23 hours long.
        assert_eq!(q.until.unwrap().0 - q.since.unwrap().0, 23 * 3_600_000);
        assert_eq!(q.since.unwrap().to_utc().to_rfc3339(), "2026-03-28T23:00:00+00:00");
        assert_eq!((q.actor, q.text.as_deref()), (Some(PersonId(4)), Some("laptop")));
    }

    #[test]
    fn every_mistake_is_reported_at_once() {
        let err = AuditQuery::parse(Some("me"), Some("request"), None, None, Some("soon"), Some("2026-01-01"), Tz::UTC)
            .unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["actor", "entity", "from"]);
        let backwards =
            AuditQuery::parse(None, None, None, None, Some("2026-02-01"), Some("2026-01-01"), Tz::UTC).unwrap_err();
        assert_eq!(backwards.0[0].field, "to");
        assert_eq!(AuditQuery::parse(None, Some(""), Some(" "), None, None, None, Tz::UTC), Ok(AuditQuery::default()));
    }

    #[test]
    fn sign_ins_and_exports_read_as_sentences() {
        let cases = [
            (event("session", "signed_in", json!({"method": "password"})), "Bruno Park signed in with a password."),
            (
                event("session", "signed_in", json!({"method": "Northwind SSO"})),
                "Bruno Park signed in through Northwind SSO.",
            ),
            (
                event("session", "sign_in_failed", json!({"email": "x@y.com", "reason": "wrong password"})),
                "A sign-in as x@y.com failed: wrong password.",
            ),
            (event("session", "ended_all", json!({"sessions": 3})), "Bruno Park signed out everywhere (3 sessions)."),
            (
                event("export", "downloaded", json!({"file": "people.csv", "page": "/people.csv"})),
                "Bruno Park downloaded people.csv (/people.csv).",
            ),
            (event("token", "revoked", json!({})), "Bruno Park revoked it."),
            (
                event("scim", "user_created", json!({"client": "Entra ID", "email": "nia@x.com"})),
                "Entra ID provisioned nia@x.com, a new person.",
            ),
            (
                event("scim", "group_replaced", json!({"client": "Okta", "displayName": "Payroll", "members": 4})),
                "Okta updated the team Payroll: 4 members.",
            ),
        ];
        for (e, want) in cases {
            assert_eq!(describe(&e), want);
        }
        assert!(is_audited("token", "revoked") && !is_audited("request", "created"));
        assert!(is_audited("person", "updated") && !is_audited("person", "time_off"));
        assert_eq!(entity_label("feed"), "Calendar feed");
        assert_eq!(retention_cutoff(0, Millis(5)), None);
        assert_eq!(retention_cutoff(1, Millis(86_400_000)), Some(Millis(0)));
    }
}
