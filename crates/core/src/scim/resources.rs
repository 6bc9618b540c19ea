//! Users and Groups as SCIM sees them, and as Concentric keeps them. A resource the client sends
//! is read into what Concentric uses (email, name, title, active, manager, department; a team's
//! name and members) and kept as sent, so what the client wrote reads back as written; what
//! Concentric owns (the name and email as people edit them here, memberships, the manager) is
//! laid over it on the way out.

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::filter::get_ci;
use super::{ScimError, ENTERPRISE, GROUP, USER};
use crate::person::normalize_email;

/// A Group's id: ids are unique across all resources (RFC 7643 §3.1), and people and teams
/// are numbered apart, so a team's carries a prefix.
pub fn group_id(team: i64) -> String {
    format!("team-{team}")
}

/// The team a Group id names.
pub fn team_of_group_id(id: &str) -> Option<i64> {
    id.trim().strip_prefix("team-")?.parse().ok()
}

/// What a User resource sets on a person.
#[derive(Debug, Clone, PartialEq)]
pub struct UserWrite {
    pub user_name: String,
    pub external_id: Option<String>,
    pub email: String,
    pub name: String,
    pub title: String,
    pub active: bool,
    /// A valid IANA zone, when the client sent one.
    pub time_zone: Option<String>,
    /// The manager's id (as SCIM gives it), `None` for no manager.
    pub manager: Option<String>,
    /// A team's name or key.
    pub department: Option<String>,
    /// The resource as sent, without what the server owns (id, meta, groups).
    pub kept: Value,
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// Strips what the server owns, so it is never stored as the client's.
fn kept(input: &Value, drop: &[&str]) -> Value {
    let mut map: Map<String, Value> = input.as_object().cloned().unwrap_or_default();
    map.retain(|k, _| !drop.iter().any(|d| d.eq_ignore_ascii_case(k)));
    Value::Object(map)
}

/// Reads a User resource (POST, PUT, or the result of a PATCH).
pub fn user_write(input: &Value) -> Result<UserWrite, ScimError> {
    if !input.is_object() {
        return Err(ScimError::invalid_syntax("a User is a JSON object"));
    }
    let user_name = text(get_ci(input, "userName")).ok_or_else(|| ScimError::invalid_value("userName is required"))?;
    let emails = get_ci(input, "emails").and_then(Value::as_array).cloned().unwrap_or_default();
    let primary = emails
        .iter()
        .find(|e| get_ci(e, "primary") == Some(&Value::Bool(true)))
        .or_else(|| emails.first())
        .and_then(|e| text(get_ci(e, "value")));
    let email = match primary.or_else(|| Some(user_name.clone()).filter(|u| u.contains('@'))) {
        Some(e) => normalize_email(&e).map_err(ScimError::invalid_value)?,
        None => return Err(ScimError::invalid_value("a User needs an email: give emails, or an email as userName")),
    };
    let name_obj = get_ci(input, "name");
    let joined = name_obj.and_then(|n| {
        let parts: Vec<String> =
            ["givenName", "middleName", "familyName"].iter().filter_map(|p| text(get_ci(n, p))).collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    });
    let name = text(get_ci(input, "displayName"))
        .or_else(|| name_obj.and_then(|n| text(get_ci(n, "formatted"))))
        .or(joined)
        .unwrap_or_else(|| user_name.clone());
    let active = match get_ci(input, "active") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => true,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => false,
        Some(other) => return Err(ScimError::invalid_value(format!("active is true or false, not {other}"))),
    };
    let ext = get_ci(input, ENTERPRISE);
    let manager = ext.and_then(|e| get_ci(e, "manager")).and_then(|m| match m {
        Value::String(s) => Some(s.clone()),
        other => text(get_ci(other, "value")),
    });
    let time_zone = text(get_ci(input, "timezone")).filter(|z| z.parse::<chrono_tz::Tz>().is_ok());
    let title = text(get_ci(input, "title")).unwrap_or_default();
    if name.chars().count() > 200 || title.chars().count() > 200 {
        return Err(ScimError::invalid_value("a name or title can be at most 200 characters"));
    }
    Ok(UserWrite {
        external_id: text(get_ci(input, "externalId")),
        email,
        name,
        title,
        active,
        time_zone,
        manager,
        department: ext.and_then(|e| text(get_ci(e, "department"))),
        kept: kept(input, &["id", "meta", "groups", "password"]),
        user_name,
    })
}

/// A person as the directory has them, for a User resource.
#[derive(Debug, Clone, PartialEq)]
pub struct UserFacts {
    pub id: i64,
    pub user_name: String,
    pub external_id: Option<String>,
    pub email: String,
    pub name: String,
    pub title: String,
    pub active: bool,
    /// The manager's id.
    pub manager: Option<i64>,
    /// Teams' ids and names.
    pub groups: Vec<(i64, String)>,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    /// What the client last wrote (`{}` for people made in Concentric).
    pub kept: Value,
}

/// The User resource for a person.
pub fn user_json(f: &UserFacts, base: &str) -> Value {
    let mut r = match &f.kept {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    let id = f.id.to_string();
    let mut schemas = vec![json!(USER)];
    r.insert("id".into(), json!(id));
    r.insert("userName".into(), json!(f.user_name));
    match &f.external_id {
        Some(e) => r.insert("externalId".into(), json!(e)),
        None => r.remove("externalId"),
    };
    if r.keys().any(|k| k.eq_ignore_ascii_case("displayName")) || f.kept.as_object().is_none_or(Map::is_empty) {
        set_ci(&mut r, "displayName", json!(f.name));
    }
    if f.title.is_empty() {
        remove_ci(&mut r, "title");
    } else {
        set_ci(&mut r, "title", json!(f.title));
    }
    // Unassigned `active` means active; it reads back unassigned unless the person is not.
    if f.kept.as_object().is_none_or(Map::is_empty) || r.keys().any(|k| k.eq_ignore_ascii_case("active")) || !f.active {
        set_ci(&mut r, "active", json!(f.active));
    }
    // The email in force is the primary one (people may change it here).
    let mut emails = get_ci(&Value::Object(r.clone()), "emails").and_then(Value::as_array).cloned().unwrap_or_default();
    let index = emails.iter().position(|e| get_ci(e, "primary") == Some(&Value::Bool(true))).or(if emails.is_empty() {
        None
    } else {
        Some(0)
    });
    match index {
        Some(i) => {
            let shown = text(emails.get(i).and_then(|e| get_ci(e, "value"))).map(|v| v.to_lowercase());
            if shown.as_deref() != Some(f.email.as_str()) {
                if let Some(o) = emails.get_mut(i).and_then(Value::as_object_mut) {
                    o.insert("value".into(), json!(f.email));
                }
            }
        }
        None => emails.push(json!({"value": f.email, "type": "work", "primary": true})),
    }
    set_ci(&mut r, "emails", Value::Array(emails));
    // The enterprise extension: the department as sent, the manager as the directory has it.
    let mut ext = get_ci(&Value::Object(r.clone()), ENTERPRISE).and_then(Value::as_object).cloned().unwrap_or_default();
    remove_ci(&mut r, ENTERPRISE);
    // No displayName: what a client patches in reads back exactly (scim2-tester compares whole values).
    match f.manager {
        Some(mid) => {
            set_ci(&mut ext, "manager", json!({"value": mid.to_string(), "$ref": format!("{base}/Users/{mid}")}))
        }
        None => remove_ci(&mut ext, "manager"),
    }
    if !ext.is_empty() {
        schemas.push(json!(ENTERPRISE));
        r.insert(ENTERPRISE.into(), Value::Object(ext));
    }
    if f.groups.is_empty() {
        r.remove("groups");
    } else {
        let groups: Vec<Value> = f
            .groups
            .iter()
            .map(|(gid, gname)| {
                let gid = group_id(*gid);
                json!({"value": gid, "$ref": format!("{base}/Groups/{gid}"), "display": gname})
            })
            .collect();
        r.insert("groups".into(), Value::Array(groups));
    }
    r.insert("schemas".into(), Value::Array(schemas));
    let mut v = Value::Object(r);
    v["meta"] = json!({
        "resourceType": "User",
        "created": f.created.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "lastModified": f.modified.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "location": format!("{base}/Users/{id}"),
    });
    v["meta"]["version"] = json!(super::etag(&v));
    v
}

fn set_ci(map: &mut Map<String, Value>, key: &str, value: Value) {
    let k = map.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned().unwrap_or_else(|| key.to_owned());
    map.insert(k, value);
}

fn remove_ci(map: &mut Map<String, Value>, key: &str) {
    if let Some(k) = map.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned() {
        map.remove(&k);
    }
}

/// What a Group resource sets on a team.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupWrite {
    pub display_name: String,
    pub external_id: Option<String>,
    /// Members' ids (as SCIM gives them).
    pub members: Vec<String>,
    pub kept: Value,
}

pub fn group_write(input: &Value) -> Result<GroupWrite, ScimError> {
    if !input.is_object() {
        return Err(ScimError::invalid_syntax("a Group is a JSON object"));
    }
    let display_name =
        text(get_ci(input, "displayName")).ok_or_else(|| ScimError::invalid_value("displayName is required"))?;
    if display_name.chars().count() > 120 {
        return Err(ScimError::invalid_value("a team name can be at most 120 characters"));
    }
    let members = get_ci(input, "members")
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(|m| text(get_ci(m, "value"))).collect())
        .unwrap_or_default();
    Ok(GroupWrite {
        display_name,
        external_id: text(get_ci(input, "externalId")),
        members,
        kept: kept(input, &["id", "meta", "members"]),
    })
}

/// A team as the directory has it, for a Group resource.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupFacts {
    pub id: i64,
    pub name: String,
    pub external_id: Option<String>,
    /// Members' ids and names.
    /// The members' ids (no names, as with the manager: members read back as sent).
    pub members: Vec<i64>,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    pub kept: Value,
}

pub fn group_json(f: &GroupFacts, base: &str) -> Value {
    let mut r = match &f.kept {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    let id = group_id(f.id);
    r.insert("schemas".into(), json!([GROUP]));
    r.insert("id".into(), json!(id));
    set_ci(&mut r, "displayName", json!(f.name));
    match &f.external_id {
        Some(e) => r.insert("externalId".into(), json!(e)),
        None => r.remove("externalId"),
    };
    if f.members.is_empty() {
        remove_ci(&mut r, "members");
    } else {
        let members: Vec<Value> = f
            .members
            .iter()
            .map(|pid| json!({"value": pid.to_string(), "$ref": format!("{base}/Users/{pid}"), "type": "User"}))
            .collect();
        set_ci(&mut r, "members", Value::Array(members));
    }
    let mut v = Value::Object(r);
    v["meta"] = json!({
        "resourceType": "Group",
        "created": f.created.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "lastModified": f.modified.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "location": format!("{base}/Groups/{id}"),
    });
    v["meta"]["version"] = json!(super::etag(&v));
    v
}

/// Team keys to try for a new team named `name`: its initials or leading letters, then with
/// digits, each 2-10 letters or digits starting with a letter.
pub fn key_candidates(name: &str) -> Vec<String> {
    let words: Vec<String> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_uppercase)
        .collect();
    let initials: String = words.iter().filter_map(|w| w.chars().next()).collect();
    let squashed: String = words.concat();
    let mut bases: Vec<String> = Vec::new();
    for b in [initials.clone(), squashed.chars().take(6).collect::<String>()] {
        let b: String = b.trim_start_matches(|c: char| c.is_ascii_digit()).chars().take(8).collect();
        if b.len() >= 2 && !bases.contains(&b) {
            bases.push(b);
        }
    }
    if bases.is_empty() {
        bases.push(String::from("TEAM"));
    }
    let mut out = bases.clone();
    for n in 2..100 {
        out.push(format!("{}{n}", bases[0]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(kept: Value) -> UserFacts {
        UserFacts {
            id: 7,
            user_name: "ann".into(),
            external_id: Some("x-1".into()),
            email: "ann@example.com".into(),
            name: "Ann Lee".into(),
            title: String::new(),
            active: true,
            manager: Some(3),
            groups: vec![(2, "IT Services".into())],
            created: DateTime::<Utc>::UNIX_EPOCH,
            modified: DateTime::<Utc>::UNIX_EPOCH,
            kept,
        }
    }

    #[test]
    fn users_read_in_and_out() {
        let input = json!({
            "schemas": [USER, ENTERPRISE], "userName": "ann", "externalId": "x-1", "id": "999",
            "name": {"givenName": "Ann", "familyName": "Lee"}, "title": "Agent", "active": "False",
            "emails": [{"value": "home@example.com", "type": "home"}, {"value": "ANN@example.com", "type": "work", "primary": true}],
            ENTERPRISE: {"department": "IT", "manager": {"value": "3"}}, "timezone": "Europe/Berlin",
        });
        let w = user_write(&input).unwrap();
        assert_eq!((w.email.as_str(), w.name.as_str(), w.active), ("ann@example.com", "Ann Lee", false));
        assert_eq!((w.manager.as_deref(), w.department.as_deref()), (Some("3"), Some("IT")));
        assert_eq!(w.time_zone.as_deref(), Some("Europe/Berlin"));
        assert!(w.kept.get("id").is_none(), "the server owns the id");

        let out = user_json(&facts(w.kept), "https://c/scim/v2");
        assert_eq!(out["id"], "7");
        assert_eq!(out["name"]["givenName"], "Ann", "kept as written");
        assert!(out.get("displayName").is_none(), "not sent, not shown");
        assert_eq!(out[ENTERPRISE]["manager"]["$ref"], "https://c/scim/v2/Users/3");
        assert_eq!(out["groups"][0]["display"], "IT Services");
        assert!(out["groups"][0]["value"].as_str().is_some_and(|v| v.starts_with("team-")));
        assert_eq!(out["emails"][1]["value"], "ANN@example.com", "the same address, as written");
        assert!(out["meta"]["version"].as_str().unwrap().starts_with("W/\""));
        let made_here = user_json(&facts(json!({})), "https://c/scim/v2");
        assert_eq!(made_here["displayName"], "Ann Lee");
        assert_eq!(made_here["emails"], json!([{"value": "ann@example.com", "type": "work", "primary": true}]));
    }

    #[test]
    fn users_without_an_email_or_name_are_refused() {
        assert_eq!(user_write(&json!({"userName": "ann"})).unwrap_err().scim_type, Some("invalidValue"));
        assert!(user_write(&json!({"emails": [{"value": "a@b.c"}]})).is_err());
        let by_name = user_write(&json!({"userName": "bo@example.com"})).unwrap();
        assert_eq!((by_name.email.as_str(), by_name.name.as_str()), ("bo@example.com", "bo@example.com"));
        assert!(user_write(&json!({"userName": "a", "emails": [{"value": "not mail"}]})).is_err());
        assert!(user_write(&json!({"userName": "a@b.co", "active": 3})).is_err());
    }

    #[test]
    fn groups_and_keys() {
        let g =
            group_write(&json!({"displayName": "Field Service", "members": [{"value": "4"}, {"value": "5"}]})).unwrap();
        assert_eq!(g.members, ["4", "5"]);
        assert!(group_write(&json!({"members": []})).is_err());
        let keys = key_candidates("Field Service");
        assert_eq!(&keys[..3], ["FS", "FIELDS", "FS2"]);
        assert_eq!(key_candidates("x")[0], "TEAM");
        assert!(key_candidates("4711 Ops").iter().all(|k| k.starts_with(|c: char| c.is_ascii_alphabetic())));
        let out = group_json(
            &GroupFacts {
                id: 2,
                name: "IT".into(),
                external_id: None,
                members: vec![7],
                created: DateTime::<Utc>::UNIX_EPOCH,
                modified: DateTime::<Utc>::UNIX_EPOCH,
                kept: g.kept,
            },
            "https://c/scim/v2",
        );
        assert_eq!(out["displayName"], "IT");
        assert_eq!(out["members"][0]["value"], "7");
        assert_eq!((out["id"].as_str(), team_of_group_id("team-2")), (Some("team-2"), Some(2)), "apart from User ids");
        assert_eq!(team_of_group_id("2"), None);
    }
}
