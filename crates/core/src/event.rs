//! Events: the append-only activity record of who changed what, when.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::ids::PersonId;

/// One recorded change.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Event {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<PersonId>,
    pub actor_name: Option<String>,
    /// What kind of thing changed: `person`, `team`, `membership`, `token`, `import`.
    pub entity: String,
    pub entity_id: i64,
    /// What happened: `created`, `updated`, `deactivated`, ...
    pub action: String,
    /// Changed fields as `{"field": [old, new]}`, or other facts about the change.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    /// The client address the change came from, when it came over the network.
    pub address: Option<String>,
    /// The name of the thing changed (a person's, a token's), where the audit log looks it up.
    pub subject: Option<String>,
}

/// A value as people read it: none, yes or no, a number, or the text.
fn words(field: &str, v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Null => String::from("none"),
        Value::Bool(true) => String::from("yes"),
        Value::Bool(false) => String::from("no"),
        Value::String(s) if field == "status" => humanize(s),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(|i| words(field, i)).collect::<Vec<_>>().join(", "),
        // 36.0 reads as 36; 1.5 stays.
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 => format!("{f:.0}"),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// `in_progress` → "In progress".
fn humanize(code: &str) -> String {
    let text = code.replace('_', " ");
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

impl Event {
    /// The change as a sentence for the history on the page of the thing that changed (so the
    /// thing is "it"): "Hugo Becker moved it from Open to In progress." Kinds without a sentence
    /// of their own read from their fields: "Lena Lead changed the title from A to B."
    pub fn sentence(&self) -> String {
        let who = self.actor_name.as_deref().unwrap_or("Concentric");
        let d = &self.detail;
        let get = |field: &str| d.get(field).filter(|v| !v.is_null()).map(|v| words(field, v));
        let change = |field: &str| match d.get(field).and_then(|v| v.as_array()).map(Vec::as_slice) {
            Some([old, new]) => Some((words(field, old), words(field, new))),
            _ => None,
        };
        let said = match (self.entity.as_str(), self.action.as_str()) {
            ("request", "created") => match get("assignee") {
                Some(a) => format!("{who} filed it; it went to {a}"),
                None => format!("{who} filed it"),
            },
            ("request", "status") => match change("status") {
                Some((old, new)) => format!("{who} moved it from {old} to {new}"),
                None => format!("{who} changed its status"),
            },
            ("request", "reopened") => format!("{who} reopened it"),
            ("request", "assigned") => match change("assignee") {
                Some((old, new)) if new == "none" => format!("{who} took it off {old}"),
                Some((_, new)) => format!("{who} assigned it to {new}"),
                None => format!("{who} changed who has it"),
            },
            ("request", "priority") => match change("priority") {
                Some((old, new)) => format!("{who} changed the priority from {old} to {new}"),
                None => format!("{who} changed its priority"),
            },
            ("request", "watcher_added") => format!("{who} added {} as a watcher", get("watcher").unwrap_or_default()),
            ("request", "attachment_added") => match get("file") {
                Some(file) => format!("{who} attached {file}"),
                None => format!("{who} attached an internal file"),
            },
            ("request", "effort") => match (get("estimate_hours"), get("logged_hours")) {
                (Some(e), Some(l)) => format!("{who} estimated it at {e} h, with {l} h spent"),
                (None, Some(l)) => format!("{who} recorded {l} h spent in all"),
                _ => format!("{who} recorded effort"),
            },
            ("person", "time_off") => {
                let (from, to) = (get("from").unwrap_or_default(), get("to").unwrap_or_default());
                let half = if d.get("half_day").and_then(|v| v.as_bool()) == Some(true) { " (half days)" } else { "" };
                match from == to {
                    true => format!("{who} added time off on {from}{half}"),
                    false => format!("{who} added time off from {from} to {to}{half}"),
                }
            }
            ("person", "time_off_removed") => format!("{who} removed time off"),
            ("person", "password_set") => format!("{who} set a password"),
            ("team", "capacity_share") => match d.get("share").and_then(|v| v.as_f64()) {
                Some(share) => format!("{who} set a member's share of their week to {:.0}%", share * 100.0),
                None => format!("{who} split a member's week evenly between their teams"),
            },
            ("team", "goal_saved") | ("business_goal", "saved") => match (get("goal"), get("status")) {
                (Some(goal), Some(status)) => format!("{who} saved the goal “{goal}”: {}", status.to_lowercase()),
                _ => format!("{who} saved a goal"),
            },
            (_, "created") if d.get("import").and_then(|v| v.as_bool()) == Some(true) => {
                format!("{who} created it from an import file")
            }
            ("team", "member_removed") => format!("{who} removed {} from the team", get("person").unwrap_or_default()),
            _ => {
                // A past-tense action is a verb ("revoked"); anything else is named ("mail preferences").
                let verb = match self.action.as_str() {
                    "updated" | "edited" | "changed" => Some(String::from("changed")),
                    a if a.ends_with("ed") && !a.contains('_') => Some(a.to_owned()),
                    _ => None,
                };
                let fields: Vec<String> = d
                    .as_object()
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| {
                                let name = k.replace('_', " ");
                                match v.as_array().map(Vec::as_slice) {
                                    Some([old, new]) => {
                                        format!("the {name} from {} to {}", words(k, old), words(k, new))
                                    }
                                    _ => format!("{name}: {}", words(k, v)),
                                }
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                match (verb, fields.is_empty()) {
                    (Some(verb), true) => format!("{who} {verb} it"),
                    (Some(verb), false) if fields.iter().all(|f| f.starts_with("the ")) => {
                        format!("{who} {verb} {}", fields.join(", "))
                    }
                    (Some(verb), false) => format!("{who} {verb} it ({})", fields.join(", ")),
                    (None, true) => format!("{who}: {}", self.action.replace('_', " ")),
                    (None, false) => format!("{who}: {} ({})", self.action.replace('_', " "), fields.join(", ")),
                }
            }
        };
        format!("{said}.")
    }
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
            actor_name: Some("Hugo Becker".into()),
            entity: entity.into(),
            entity_id: 19,
            action: action.into(),
            detail,
            address: None,
            subject: None,
        }
    }

    #[test]
    fn changes_read_as_sentences() {
        let cases = [
            (
                event("request", "status", json!({"status": ["open", "in_progress"]})),
                "Hugo Becker moved it from Open to In progress.",
            ),
            (
                event("request", "created", json!({"key": "IT-19", "assignee": "Wanda Jensen"})),
                "Hugo Becker filed it; it went to Wanda Jensen.",
            ),
            (
                event("request", "assigned", json!({"assignee": ["Wanda Jensen", null]})),
                "Hugo Becker took it off Wanda Jensen.",
            ),
            (
                event("request", "priority", json!({"priority": ["P3", "P1"]})),
                "Hugo Becker changed the priority from P3 to P1.",
            ),
            (event("request", "attachment_added", json!({"internal": true})), "Hugo Becker attached an internal file."),
            (
                event("person", "time_off", json!({"from": "2026-12-21", "to": "2026-12-24", "half_day": false})),
                "Hugo Becker added time off from 2026-12-21 to 2026-12-24.",
            ),
            (
                event("team", "updated", json!({"name": ["IT", "IT Services"], "mission": [null, "Keep us running"]})),
                "Hugo Becker changed the mission from none to Keep us running, the name from IT to IT Services.",
            ),
            (event("token", "revoked", json!({})), "Hugo Becker revoked it."),
            (
                event("request", "effort", json!({"estimate_hours": 36.0, "logged_hours": 1.5})),
                "Hugo Becker estimated it at 36 h, with 1.5 h spent.",
            ),
            (
                event("team", "goal_saved", json!({"goal": "Fast fixes", "status": "on_track"})),
                "Hugo Becker saved the goal “Fast fixes”: on track.",
            ),
            (
                event("person", "created", json!({"email": "a@x.com", "name": "Ann"})),
                "Hugo Becker created it (email: a@x.com, name: Ann).",
            ),
            (
                event("person", "mail_preferences", json!({"digest": "daily"})),
                "Hugo Becker: mail preferences (digest: daily).",
            ),
        ];
        for (e, want) in cases {
            assert_eq!(e.sentence(), want);
        }
        let mut system = event("team", "capacity_share", json!({"person": 7, "share": 0.5}));
        system.actor_name = None;
        assert_eq!(system.sentence(), "Concentric set a member's share of their week to 50%.");
    }
}
