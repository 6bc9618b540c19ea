//! What the provisioning client reads before it writes: the service provider's configuration,
//! the resource types, and the schemas with exactly the attributes Concentric keeps.

use serde_json::{json, Value};

use super::{ENTERPRISE, GROUP, MAX_COUNT, USER};

/// `/ServiceProviderConfig`: PATCH, filtering and ETags are supported; bulk, sorting and
/// password changes are not.
pub fn service_provider_config(base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": "https://github.com/concentric/concentric/blob/main/docs/operations.md",
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": MAX_COUNT},
        "changePassword": {"supported": false},
        "sort": {"supported": false},
        "etag": {"supported": true},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "Provisioning token",
            "description": "A provisioning client's token, made by an admin under Admin → Provisioning, sent as Authorization: Bearer ccs_…",
            "primary": true,
        }],
        "meta": {"resourceType": "ServiceProviderConfig", "location": format!("{base}/ServiceProviderConfig")},
    })
}

/// `/ResourceTypes`: Users (with the enterprise extension) and Groups.
pub fn resource_types(base: &str) -> Vec<Value> {
    vec![
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "A person in the organisation's directory",
            "schema": USER,
            "schemaExtensions": [{"schema": ENTERPRISE, "required": false}],
            "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/User")},
        }),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "Group",
            "name": "Group",
            "endpoint": "/Groups",
            "description": "A team",
            "schema": GROUP,
            "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/Group")},
        }),
    ]
}

fn attr(name: &str, kind: &str, description: &str) -> Value {
    json!({
        "name": name,
        "type": kind,
        "multiValued": false,
        "description": description,
        "required": false,
        "caseExact": false,
        "mutability": "readWrite",
        "returned": "default",
        "uniqueness": "none",
    })
}

fn with(mut a: Value, changes: Value) -> Value {
    if let (Some(a), Some(c)) = (a.as_object_mut(), changes.as_object()) {
        for (k, v) in c {
            a.insert(k.clone(), v.clone());
        }
    }
    a
}

/// `/Schemas`: the attributes Concentric keeps, each with its rules.
pub fn schemas(base: &str) -> Vec<Value> {
    let user = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": USER,
        "name": "User",
        "description": "A person: userName identifies them to the provisioning client, the primary email to Concentric",
        "attributes": [
            with(attr("userName", "string", "Unique identifier for the person at the provisioning client"),
                json!({"required": true, "uniqueness": "server"})),
            with(attr("name", "complex", "The person's name"), json!({"subAttributes": [
                attr("formatted", "string", "The full name"),
                attr("familyName", "string", "Family name"),
                attr("givenName", "string", "Given name"),
            ]})),
            attr("displayName", "string", "The name shown in Concentric"),
            attr("title", "string", "Job title"),
            attr("active", "boolean", "False deactivates the person: sessions and tokens end"),
            with(attr("emails", "complex", "Email addresses; the primary one is the person's email in Concentric"),
                json!({"multiValued": true, "required": true, "subAttributes": [
                    with(attr("value", "string", "An email address"), json!({"required": true})),
                    with(attr("type", "string", "work, home or other"), json!({"canonicalValues": ["work", "home", "other"]})),
                    attr("primary", "boolean", "The address Concentric uses"),
                ]})),
            with(attr("groups", "complex", "The teams the person is in"), json!({
                "multiValued": true, "mutability": "readOnly", "subAttributes": [
                    with(attr("value", "string", "The team's id"), json!({"mutability": "readOnly"})),
                    with(attr("$ref", "reference", "The team's URI"),
                        json!({"mutability": "readOnly", "referenceTypes": ["Group"]})),
                    with(attr("display", "string", "The team's name"), json!({"mutability": "readOnly"})),
                ]})),
        ],
        "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{USER}")},
    });
    let enterprise = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": ENTERPRISE,
        "name": "EnterpriseUser",
        "description": "The manager (Concentric's manager chain) and the department (a team of that name or key)",
        "attributes": [
            attr("department", "string", "A team's name or key: the person joins it"),
            with(attr("manager", "complex", "The person's manager"), json!({"subAttributes": [
                attr("value", "string", "The manager's id"),
                with(attr("$ref", "reference", "The manager's URI"), json!({"referenceTypes": ["User"]})),
            ]})),
        ],
        "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{ENTERPRISE}")},
    });
    let group = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": GROUP,
        "name": "Group",
        "description": "A team",
        "attributes": [
            with(attr("displayName", "string", "The team's name"), json!({"required": true})),
            with(attr("members", "complex", "The team's members"), json!({"multiValued": true, "subAttributes": [
                with(attr("value", "string", "A member's id"), json!({"mutability": "immutable"})),
                with(attr("$ref", "reference", "A member's URI"),
                    json!({"mutability": "immutable", "referenceTypes": ["User"]})),
                with(attr("type", "string", "User"), json!({"mutability": "immutable", "canonicalValues": ["User"]})),
            ]})),
        ],
        "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{GROUP}")},
    });
    vec![user, enterprise, group]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_a_resource_type_names_is_published() {
        let base = "https://c.example.com/scim/v2";
        let ids: Vec<String> = schemas(base).iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect();
        for rt in resource_types(base) {
            assert!(ids.contains(&rt["schema"].as_str().unwrap().to_owned()));
            for ext in rt["schemaExtensions"].as_array().into_iter().flatten() {
                assert!(ids.contains(&ext["schema"].as_str().unwrap().to_owned()));
            }
        }
        let user = &schemas(base)[0];
        let user_name = &user["attributes"][0];
        assert_eq!((user_name["name"].as_str(), user_name["uniqueness"].as_str()), (Some("userName"), Some("server")));
        assert_eq!(service_provider_config(base)["etag"]["supported"], true);
    }
}
