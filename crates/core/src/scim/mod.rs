//! SCIM 2.0 (RFC 7643/7644): what the company's provisioning client may say about people (Users)
//! and teams (Groups), and how Concentric answers. Pure: parsing, the discovery documents,
//! PATCH applied to a resource's JSON, and the projection of `attributes`. The store keeps the
//! resources; the server speaks HTTP.

pub mod discovery;
pub mod filter;
pub mod patch;
pub mod resources;

use serde_json::{json, Map, Value};

pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// Most resources one page holds.
pub const MAX_COUNT: usize = 200;

/// A provisioning client in the admins' list; its token is shown once and never kept.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ProvisioningClient {
    pub id: i64,
    pub name: String,
    /// The first characters of the token, to tell tokens apart.
    pub prefix: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A SCIM error: its HTTP status, `scimType` and words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct ScimError {
    pub status: u16,
    pub scim_type: Option<&'static str>,
    pub detail: String,
}

impl ScimError {
    pub fn new(status: u16, scim_type: Option<&'static str>, detail: impl Into<String>) -> Self {
        Self { status, scim_type, detail: detail.into() }
    }

    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::new(400, Some("invalidValue"), detail)
    }

    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::new(400, Some("invalidSyntax"), detail)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(404, None, format!("{what} not found"))
    }

    pub fn uniqueness(detail: impl Into<String>) -> Self {
        Self::new(409, Some("uniqueness"), detail)
    }

    pub fn body(&self) -> Value {
        let mut v = json!({ "schemas": [ERROR], "status": self.status.to_string(), "detail": self.detail });
        if let Some(t) = self.scim_type {
            v["scimType"] = json!(t);
        }
        v
    }
}

impl From<filter::FilterError> for ScimError {
    fn from(e: filter::FilterError) -> Self {
        Self::new(400, Some("invalidFilter"), e.0)
    }
}

/// What a list asks for: a filter, a 1-based start and a count, and the attributes to return.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListQuery {
    pub filter: Option<filter::Filter>,
    pub start_index: usize,
    pub count: usize,
    pub attributes: Attributes,
}

impl ListQuery {
    pub fn parse(
        filter: Option<&str>,
        start_index: Option<i64>,
        count: Option<i64>,
        attributes: Attributes,
    ) -> Result<Self, ScimError> {
        let filter = match filter.map(str::trim).filter(|f| !f.is_empty()) {
            Some(f) => Some(filter::parse(f)?),
            None => None,
        };
        // RFC 7644 §3.4.2.4: below 1 means 1; a negative count means 0.
        let start_index = usize::try_from(start_index.unwrap_or(1).max(1)).unwrap_or(1);
        let count = usize::try_from(count.unwrap_or(100).max(0)).unwrap_or(0).min(MAX_COUNT);
        Ok(Self { filter, start_index, count, attributes })
    }
}

/// `attributes` or `excludedAttributes`: which attributes a response carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attributes {
    pub only: Vec<String>,
    pub except: Vec<String>,
}

impl Attributes {
    pub fn parse(only: Option<&str>, except: Option<&str>) -> Self {
        let list = |s: Option<&str>| -> Vec<String> {
            s.unwrap_or_default().split(',').map(|a| a.trim().to_owned()).filter(|a| !a.is_empty()).collect()
        };
        Self { only: list(only), except: list(except) }
    }

    /// The resource with only the asked attributes (`id`, `schemas` and `meta`'s type always stay).
    pub fn apply(&self, resource: Value) -> Value {
        let Value::Object(map) = resource else { return resource };
        let always = |k: &str| ["id", "schemas"].iter().any(|a| a.eq_ignore_ascii_case(k));
        let named = |list: &[String], key: &str, ext: Option<&str>| {
            list.iter().any(|a| {
                let path = filter::attr_path(a).ok();
                match path {
                    Some(p) => {
                        let urn_ok = match (&p.urn, ext) {
                            (Some(u), Some(e)) => u.eq_ignore_ascii_case(e),
                            (Some(u), None) => u.eq_ignore_ascii_case(USER) || u.eq_ignore_ascii_case(GROUP),
                            (None, _) => true,
                        };
                        urn_ok && p.name.eq_ignore_ascii_case(key)
                    }
                    None => a.eq_ignore_ascii_case(key),
                }
            })
        };
        let keep_in = |m: &Map<String, Value>, ext: Option<&str>| -> Map<String, Value> {
            m.iter()
                .filter(|(k, _)| {
                    if ext.is_none() && always(k) {
                        return true;
                    }
                    if !self.only.is_empty() {
                        return named(&self.only, k, ext) || (ext.is_none() && k.starts_with("urn:"));
                    }
                    !named(&self.except, k, ext)
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        let mut out = keep_in(&map, None);
        for (k, v) in out.iter_mut() {
            if k.starts_with("urn:") {
                if let Value::Object(ext) = v {
                    *v = Value::Object(keep_in(ext, Some(k.as_str())));
                }
            }
        }
        // An extension left empty by the choice goes, as does its schema's mention.
        out.retain(|k, v| !(k.starts_with("urn:") && v.as_object().is_some_and(Map::is_empty)));
        Value::Object(out)
    }
}

/// One page of a list.
pub fn list_response(total: usize, start_index: usize, resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

/// A weak entity tag for a representation: it changes whenever anything shown changes.
pub fn etag(resource: &Value) -> String {
    use sha2::{Digest, Sha256};
    let mut shown = resource.clone();
    if let Some(meta) = shown.get_mut("meta").and_then(Value::as_object_mut) {
        meta.remove("version");
    }
    let hash = Sha256::digest(shown.to_string().as_bytes());
    let hex: String = hash.iter().take(10).map(|b| format!("{b:02x}")).collect();
    format!("W/\"{hex}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_choose_what_a_response_carries() {
        let r = json!({"schemas": [USER], "id": "1", "userName": "a", "title": "T", "emails": [],
            ENTERPRISE: {"department": "IT", "manager": {"value": "2"}}, "meta": {"resourceType": "User"}});
        let only = Attributes::parse(
            Some("userName, urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"),
            None,
        )
        .apply(r.clone());
        assert_eq!(only, json!({"schemas": [USER], "id": "1", "userName": "a", ENTERPRISE: {"department": "IT"}}));
        let except = Attributes::parse(None, Some("title,emails")).apply(r.clone());
        assert!(except.get("title").is_none() && except.get("emails").is_none() && except.get("userName").is_some());
        let manager_gone = Attributes::parse(None, Some(&format!("{ENTERPRISE}:manager"))).apply(r);
        assert_eq!(manager_gone[ENTERPRISE], json!({"department": "IT"}));
    }

    #[test]
    fn pages_and_tags() {
        let q = ListQuery::parse(Some("userName eq \"x\""), Some(0), Some(-5), Attributes::default()).unwrap();
        assert_eq!((q.start_index, q.count), (1, 0));
        assert_eq!(ListQuery::parse(None, None, Some(10_000), Attributes::default()).unwrap().count, MAX_COUNT);
        let bad = ListQuery::parse(Some("userName xx 1"), None, None, Attributes::default()).unwrap_err();
        assert_eq!((bad.status, bad.scim_type), (400, Some("invalidFilter")));
        let a = json!({"id": "1", "meta": {"version": "W/\"x\""}});
        let b = json!({"id": "1", "meta": {"version": "W/\"y\""}});
        assert_eq!(etag(&a), etag(&b), "the version itself is not hashed");
        assert_ne!(etag(&a), etag(&json!({"id": "2"})));
        assert_eq!(ScimError::uniqueness("taken").body()["scimType"], "uniqueness");
    }
}
