//! PATCH (RFC 7644 §3.5.2) applied to a resource's JSON: add, remove and replace, with or
//! without a path, paths into the enterprise extension, and filtered paths such as
//! `members[value eq "2"]`. The result is then saved as a replacement would be, so PATCH and
//! PUT share every rule.

use serde_json::{Map, Value};

use super::filter::{get_ci, parse_patch_path, AttrPath, PatchPath};
use super::{ScimError, ENTERPRISE, PATCH_OP};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    Add,
    Remove,
    Replace,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub op: OpKind,
    pub path: Option<PatchPath>,
    pub value: Option<Value>,
}

fn no_target(detail: impl Into<String>) -> ScimError {
    ScimError::new(400, Some("noTarget"), detail)
}

/// Reads a PatchOp request body.
pub fn parse(body: &Value) -> Result<Vec<Operation>, ScimError> {
    let schemas = body.get("schemas").and_then(Value::as_array);
    if !schemas.is_some_and(|s| s.iter().any(|v| v.as_str().is_some_and(|v| v.eq_ignore_ascii_case(PATCH_OP)))) {
        return Err(ScimError::invalid_syntax(format!("a PATCH body names the schema {PATCH_OP}")));
    }
    let ops = get_ci(body, "Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| ScimError::invalid_syntax("a PATCH body has Operations"))?;
    ops.iter()
        .map(|o| {
            let op = match get_ci(o, "op").and_then(Value::as_str).map(str::to_ascii_lowercase).as_deref() {
                Some("add") => OpKind::Add,
                Some("remove") => OpKind::Remove,
                Some("replace") => OpKind::Replace,
                other => {
                    return Err(ScimError::invalid_syntax(format!(
                        "“{}” is not add, remove or replace",
                        other.unwrap_or("")
                    )))
                }
            };
            let path = match get_ci(o, "path").and_then(Value::as_str).filter(|p| !p.trim().is_empty()) {
                Some(p) => Some(parse_patch_path(p).map_err(|e| ScimError::new(400, Some("invalidPath"), e.0))?),
                None => None,
            };
            let value = get_ci(o, "value").cloned();
            if op != OpKind::Remove && value.is_none() {
                return Err(ScimError::invalid_value("add and replace need a value"));
            }
            Ok(Operation { op, path, value })
        })
        .collect()
}

/// The key in `map` naming `name` in any case, or `name` itself when absent.
fn key_in(map: &Map<String, Value>, name: &str) -> String {
    map.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned().unwrap_or_else(|| name.to_owned())
}

/// The object an attribute lives in: the resource, or its enterprise extension (made when
/// missing, and named in `schemas`).
fn scope<'a>(resource: &'a mut Value, attr: &AttrPath, create: bool) -> Option<&'a mut Map<String, Value>> {
    let in_extension = attr.urn.as_deref().is_some_and(|u| u.eq_ignore_ascii_case(ENTERPRISE));
    if !in_extension {
        return resource.as_object_mut();
    }
    if create {
        add_schema(resource, ENTERPRISE);
    }
    let root = resource.as_object_mut()?;
    let key = key_in(root, ENTERPRISE);
    if create && !root.contains_key(&key) {
        root.insert(key.clone(), Value::Object(Map::new()));
    }
    root.get_mut(&key)?.as_object_mut()
}

fn add_schema(resource: &mut Value, urn: &str) {
    if let Some(list) = resource.get_mut("schemas").and_then(Value::as_array_mut) {
        if !list.iter().any(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(urn))) {
            list.push(Value::String(urn.to_owned()));
        }
    }
}

/// Whether a path is the bare extension URN (`urn:…:enterprise:2.0:User`).
fn is_extension(attr: &AttrPath) -> bool {
    let full = match &attr.urn {
        Some(u) => format!("{u}:{}", attr.name),
        None => attr.name.clone(),
    };
    attr.sub.is_none() && full.eq_ignore_ascii_case(ENTERPRISE)
}

/// Adds values to a multi-valued attribute, skipping ones already there; when an added value
/// is primary, the others stop being.
fn append(existing: &mut Vec<Value>, new: Value) {
    let items = match new {
        Value::Array(items) => items,
        one => vec![one],
    };
    for item in items {
        if item.get("primary") == Some(&Value::Bool(true)) {
            for e in existing.iter_mut() {
                if let Some(o) = e.as_object_mut() {
                    o.insert("primary".into(), Value::Bool(false));
                }
            }
        }
        if !existing.contains(&item) {
            existing.push(item);
        }
    }
}

fn set(map: &mut Map<String, Value>, name: &str, sub: Option<&str>, value: Value, merge: bool) {
    let key = key_in(map, name);
    match sub {
        None => match (map.get_mut(&key), value) {
            (Some(Value::Array(existing)), new) if merge => append(existing, new),
            (Some(Value::Object(existing)), Value::Object(new)) if merge => {
                for (k, v) in new {
                    let k2 = key_in(existing, &k);
                    existing.insert(k2, v);
                }
            }
            (_, new) => {
                map.insert(key, new);
            }
        },
        Some(sub) => {
            let parent = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
            match parent {
                Value::Array(items) => {
                    for i in items.iter_mut().filter_map(Value::as_object_mut) {
                        let k = key_in(i, sub);
                        i.insert(k, value.clone());
                    }
                }
                Value::Object(o) => {
                    let k = key_in(o, sub);
                    o.insert(k, value);
                }
                other => *other = Value::Object(Map::from_iter([(sub.to_owned(), value)])),
            }
        }
    }
}

fn apply_one(resource: &mut Value, op: &Operation) -> Result<(), ScimError> {
    let merge = op.op == OpKind::Add;
    match (&op.path, op.op) {
        (None, OpKind::Remove) => Err(no_target("remove needs a path")),
        (None, _) => {
            let Some(Value::Object(values)) = op.value.clone() else {
                return Err(ScimError::invalid_value("without a path, the value is an object of attributes"));
            };
            for (k, v) in values {
                let path = if k.eq_ignore_ascii_case(ENTERPRISE) {
                    AttrPath { urn: None, name: ENTERPRISE.into(), sub: None }
                } else {
                    super::filter::attr_path(&k).map_err(|e| ScimError::new(400, Some("invalidPath"), e.0))?
                };
                let pp = PatchPath { attr: path, filter: None, sub: None };
                apply_one(resource, &Operation { op: op.op, path: Some(pp), value: Some(v) })?;
            }
            Ok(())
        }
        (Some(path), kind) if is_extension(&path.attr) => {
            let ext = scope(
                resource,
                &AttrPath { urn: Some(ENTERPRISE.into()), ..path.attr.clone() },
                kind != OpKind::Remove,
            );
            match (kind, ext) {
                (OpKind::Remove, _) => {
                    if let Some(root) = resource.as_object_mut() {
                        let key = key_in(root, ENTERPRISE);
                        root.remove(&key);
                    }
                    Ok(())
                }
                (_, Some(ext)) => {
                    let Some(Value::Object(values)) = op.value.clone() else {
                        return Err(ScimError::invalid_value("the extension's value is an object"));
                    };
                    if kind == OpKind::Replace {
                        ext.clear();
                    }
                    for (k, v) in values {
                        set(ext, &k, None, v, merge);
                    }
                    Ok(())
                }
                (_, None) => Err(no_target("the resource cannot hold the extension")),
            }
        }
        (Some(path), kind) => {
            let Some(map) = scope(resource, &path.attr, kind != OpKind::Remove) else {
                // Removing what is not there leaves the resource as asked.
                return if kind == OpKind::Remove { Ok(()) } else { Err(no_target("nothing to change there")) };
            };
            let value = op.value.clone().unwrap_or(Value::Null);
            match &path.filter {
                None => {
                    if kind == OpKind::Remove {
                        remove(map, &path.attr, op.value.as_ref());
                    } else {
                        set(map, &path.attr.name, path.attr.sub.as_deref(), value, merge);
                    }
                    Ok(())
                }
                Some(f) => {
                    let key = key_in(map, &path.attr.name);
                    let Some(Value::Array(items)) = map.get_mut(&key) else {
                        return Err(no_target(format!("{} has no values to filter", path.attr.name)));
                    };
                    let hit = |i: &Value| f.matches(i, &|_| false);
                    if !items.iter().any(hit) {
                        return Err(no_target(format!("no value of {} matches the filter", path.attr.name)));
                    }
                    match (kind, &path.sub) {
                        (OpKind::Remove, None) => items.retain(|i| !hit(i)),
                        (OpKind::Remove, Some(sub)) => {
                            for i in items.iter_mut().filter(|i| hit(i)).filter_map(Value::as_object_mut) {
                                let k = key_in(i, sub);
                                i.remove(&k);
                            }
                        }
                        (_, Some(sub)) => {
                            for i in items.iter_mut().filter(|i| hit(i)).filter_map(Value::as_object_mut) {
                                let k = key_in(i, sub);
                                i.insert(k, value.clone());
                            }
                        }
                        (_, None) => {
                            for i in items.iter_mut().filter(|i| hit(i)) {
                                match (i.as_object_mut(), &value) {
                                    (Some(o), Value::Object(new)) => {
                                        for (k, v) in new {
                                            let k2 = key_in(o, k);
                                            o.insert(k2, v.clone());
                                        }
                                    }
                                    _ => *i = value.clone(),
                                }
                            }
                        }
                    }
                    Ok(())
                }
            }
        }
    }
}

/// Removes an attribute (or a sub-attribute everywhere), or, given a value, the matching values
/// of a multi-valued attribute (as some clients remove members).
fn remove(map: &mut Map<String, Value>, attr: &AttrPath, value: Option<&Value>) {
    let key = key_in(map, &attr.name);
    match (&attr.sub, value, map.get_mut(&key)) {
        (None, Some(v), Some(Value::Array(items))) => {
            let gone: Vec<&Value> = match v {
                Value::Array(list) => list.iter().collect(),
                one => vec![one],
            };
            let same = |a: &Value, b: &Value| match (get_ci(a, "value"), get_ci(b, "value")) {
                (Some(x), Some(y)) => x == y,
                _ => a == b,
            };
            items.retain(|i| !gone.iter().any(|g| same(i, g)));
        }
        (None, _, _) => {
            map.remove(&key);
        }
        (Some(sub), _, Some(Value::Object(o))) => {
            let k = key_in(o, sub);
            o.remove(&k);
        }
        (Some(sub), _, Some(Value::Array(items))) => {
            for i in items.iter_mut().filter_map(Value::as_object_mut) {
                let k = key_in(i, sub);
                i.remove(&k);
            }
        }
        _ => {}
    }
}

/// Applies every operation in order; the first that cannot apply stops the patch.
pub fn apply(resource: &mut Value, ops: &[Operation]) -> Result<(), ScimError> {
    for op in ops {
        apply_one(resource, op)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patch(resource: &mut Value, ops: Value) -> Result<(), ScimError> {
        let body = json!({"schemas": [PATCH_OP], "Operations": ops});
        apply(resource, &parse(&body)?)
    }

    #[test]
    fn entra_and_okta_style_patches_apply() {
        let mut u = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a", "active": true,
            "emails": [{"value": "a@x.com", "type": "work", "primary": true}]});
        patch(&mut u, json!([
            {"op": "Replace", "path": "active", "value": false},
            {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "b@x.com"},
            {"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "IT"},
            {"op": "add", "value": {"title": "Agent", "name": {"givenName": "Ann"}}},
        ])).unwrap();
        assert_eq!(u["active"], false);
        assert_eq!(u["emails"][0]["value"], "b@x.com");
        assert_eq!(u[ENTERPRISE]["department"], "IT");
        assert!(u["schemas"].as_array().unwrap().contains(&json!(ENTERPRISE)));
        assert_eq!((u["title"].as_str(), u["name"]["givenName"].as_str()), (Some("Agent"), Some("Ann")));

        patch(&mut u, json!([{"op": "add", "path": "emails", "value": [{"value": "c@x.com", "primary": true}]}]))
            .unwrap();
        let emails = u["emails"].as_array().unwrap();
        assert_eq!(emails.len(), 2);
        assert_eq!(emails.iter().filter(|e| e["primary"] == true).count(), 1, "one primary");
        patch(
            &mut u,
            json!([{"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"}]),
        )
        .unwrap();
        assert!(u[ENTERPRISE].get("department").is_none());
    }

    #[test]
    fn members_are_added_and_removed() {
        let mut g = json!({"displayName": "IT", "members": [{"value": "1"}, {"value": "2"}]});
        patch(&mut g, json!([{"op": "add", "path": "members", "value": [{"value": "3"}, {"value": "1"}]}])).unwrap();
        assert_eq!(g["members"].as_array().unwrap().len(), 3, "no duplicates");
        patch(&mut g, json!([{"op": "remove", "path": "members[value eq \"2\"]"}])).unwrap();
        patch(&mut g, json!([{"op": "remove", "path": "members", "value": [{"value": "3"}]}])).unwrap();
        assert_eq!(g["members"], json!([{"value": "1"}]));
        patch(&mut g, json!([{"op": "replace", "path": "members", "value": []}])).unwrap();
        assert_eq!(g["members"], json!([]));
    }

    #[test]
    fn bad_patches_say_why() {
        let mut g = json!({"displayName": "IT", "members": [{"value": "1"}]});
        let no_path = patch(&mut g, json!([{"op": "remove"}])).unwrap_err();
        assert_eq!(no_path.scim_type, Some("noTarget"));
        let miss = patch(&mut g, json!([{"op": "replace", "path": "members[value eq \"9\"].display", "value": "x"}]))
            .unwrap_err();
        assert_eq!(miss.scim_type, Some("noTarget"));
        let before = g.clone();
        let absent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department";
        patch(&mut g, json!([{"op": "remove", "path": absent}])).unwrap();
        assert_eq!(g, before, "removing what is not there changes nothing and is no error");
        let verb = patch(&mut g, json!([{"op": "move", "path": "x"}])).unwrap_err();
        assert_eq!(verb.scim_type, Some("invalidSyntax"));
        let path = patch(&mut g, json!([{"op": "add", "path": "members[value eq", "value": 1}])).unwrap_err();
        assert_eq!(path.scim_type, Some("invalidPath"));
        assert!(parse(&json!({"Operations": []})).is_err(), "the schema is named");
    }
}
