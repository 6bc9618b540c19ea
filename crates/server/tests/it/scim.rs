//! SCIM 2.0 provisioning: the client's own token, Users as people (deactivation ends sessions and
//! tokens), Groups as teams, filters, paging, versions and the audit trail. RFC conformance is
//! checked by scim2-tester in tests/external.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};

use crate::both;
use crate::harness::{ApiResponse, TestApp, PASSWORD};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

async fn scim(t: &TestApp, method: Method, path: &str, token: &str, body: Option<Value>) -> ApiResponse {
    scim_with(t, method, path, token, body, None).await
}

/// One SCIM request, with an optional conditional header (`If-Match` or `If-None-Match`, value).
async fn scim_with(
    t: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
    condition: Option<(&str, &str)>,
) -> ApiResponse {
    let mut req = Request::builder().method(method).uri(path).header(header::AUTHORIZATION, format!("Bearer {token}"));
    if let Some((name, value)) = condition {
        req = req.header(name, value);
    }
    let req = match body {
        Some(b) => req.header(header::CONTENT_TYPE, "application/scim+json").body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    };
    t.send_api(req.unwrap()).await
}

/// An admin's API token and a new provisioning client's token.
async fn client(t: &TestApp) -> (String, String) {
    let admin = t.admin().await;
    let admin_token = t.token(&admin).await;
    let made = t
        .api(Method::POST, "/api/v1/provisioning-clients", Some(&admin_token), Some(json!({"name": "Entra ID"})))
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    assert!(made.json["endpoint"].as_str().unwrap().ends_with("/scim/v2"));
    (admin_token, made.json["token"].as_str().unwrap().to_owned())
}

fn user(user_name: &str, given: &str, family: &str) -> Value {
    json!({
        "schemas": [USER, ENTERPRISE],
        "userName": user_name,
        "externalId": format!("ext-{given}"),
        "name": {"givenName": given, "familyName": family},
        "emails": [{"value": user_name, "type": "work", "primary": true}],
        "title": "Engineer",
        "active": true,
    })
}

fn assert_scim_error(r: &ApiResponse, status: StatusCode, scim_type: Option<&str>) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/scim+json");
    assert_eq!(r.json["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error", "{}", r.text);
    assert_eq!(r.json["status"], status.as_u16().to_string());
    if let Some(kind) = scim_type {
        assert_eq!(r.json["scimType"], kind, "{}", r.text);
    }
}

both!(provisioning_clients_have_their_own_tokens, |t| {
    let (admin_token, token) = client(&t).await;
    assert!(token.starts_with("ccs_"));
    let config = scim(&t, Method::GET, "/scim/v2/ServiceProviderConfig", &token, None).await;
    assert_eq!(config.status, StatusCode::OK, "{}", config.text);
    assert_eq!(config.json["patch"]["supported"], true);
    assert_eq!(config.json["etag"]["supported"], true);
    let types = scim(&t, Method::GET, "/scim/v2/ResourceTypes", &token, None).await;
    assert_eq!(types.json["totalResults"], 2);
    let schemas = scim(&t, Method::GET, "/scim/v2/Schemas", &token, None).await;
    assert!(schemas.json["Resources"].as_array().unwrap().iter().any(|s| s["id"] == ENTERPRISE));

    // No token, a person's API token (even an admin's), or a made-up one: refused the same way.
    for wrong in ["", &admin_token, "ccs_not-a-real-token"] {
        let r = scim(&t, Method::GET, "/scim/v2/Users", wrong, None).await;
        assert_scim_error(&r, StatusCode::UNAUTHORIZED, None);
        assert!(r.headers.contains_key(header::WWW_AUTHENTICATE));
    }
    // And the client's token opens nothing else.
    t.api(Method::GET, "/api/v1/people", Some(&token), None)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "unauthorized");

    // Revoked, it stops at once; the list says when it was last used.
    let listed = t.api(Method::GET, "/api/v1/provisioning-clients", Some(&admin_token), None).await;
    let entry = &listed.json["items"][0];
    assert!(entry["last_used_at"].is_string(), "{}", listed.text);
    assert!(!listed.text.contains(&token), "the token is never shown again");
    let id = entry["id"].as_i64().unwrap();
    let revoked = t.api(Method::DELETE, &format!("/api/v1/provisioning-clients/{id}"), Some(&admin_token), None).await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    assert_scim_error(&scim(&t, Method::GET, "/scim/v2/Users", &token, None).await, StatusCode::UNAUTHORIZED, None);
    let log = t.api(Method::GET, "/api/v1/audit?entity=scim", Some(&admin_token), None).await;
    let actions: Vec<&str> =
        log.json["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["client_revoked", "client_created"], "{}", log.text);

    // The admin page makes a token too, shown once.
    let mut ada = t.browser();
    ada.login("admin@example.com", PASSWORD).await;
    let csrf = ada.csrf("/admin/provisioning").await;
    let page = ada.post("/admin/provisioning", &[("csrf", &csrf), ("name", "Okta")]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Copy the token now") && page.body.contains("ccs_"), "{}", page.body);
    let blank = ada.post("/admin/provisioning", &[("csrf", &csrf), ("name", " ")]).await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(blank.body.contains("name the client"));
});

both!(users_are_people_and_deactivation_ends_access, |t| {
    let (admin_token, token) = client(&t).await;
    let team = t
        .api(Method::POST, "/api/v1/teams", Some(&admin_token), Some(json!({"key": "IT", "name": "IT Services"})))
        .await;
    assert_eq!(team.status, StatusCode::CREATED, "{}", team.text);

    let mut ana = user("Ana.Silva@example.com", "Ana", "Silva");
    ana[ENTERPRISE] = json!({"department": "IT Services", "employeeNumber": "701"});
    let made = scim(&t, Method::POST, "/scim/v2/Users", &token, Some(ana.clone())).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let ana_id = made.json["id"].as_str().unwrap().to_owned();
    assert_eq!(made.headers[header::LOCATION], made.json["meta"]["location"].as_str().unwrap());
    assert_eq!(made.headers[header::ETAG], made.json["meta"]["version"].as_str().unwrap());
    assert_eq!(made.json["userName"], "Ana.Silva@example.com", "read back as written");
    assert_eq!(made.json[ENTERPRISE]["employeeNumber"], "701", "what Concentric does not use is kept");
    assert_eq!(made.json["groups"][0]["display"], "IT Services", "the department is a team membership");
    let person = t.api(Method::GET, &format!("/api/v1/people/{ana_id}"), Some(&admin_token), None).await;
    assert_eq!(
        (person.json["name"].as_str(), person.json["email"].as_str()),
        (Some("Ana Silva"), Some("ana.silva@example.com"))
    );
    let it = t.api(Method::GET, "/api/v1/teams/IT", Some(&admin_token), None).await;
    assert!(it.text.contains("Ana Silva"), "{}", it.text);

    // The manager is another User; the person's manager chain follows it.
    let mut ben = user("ben@example.com", "Ben", "Okafor");
    ben[ENTERPRISE] = json!({"manager": {"value": ana_id}});
    let ben = scim(&t, Method::POST, "/scim/v2/Users", &token, Some(ben)).await;
    assert_eq!(ben.status, StatusCode::CREATED, "{}", ben.text);
    let ben_id = ben.json["id"].as_str().unwrap().to_owned();
    assert_eq!(ben.json[ENTERPRISE]["manager"]["value"], ana_id.as_str());
    let person = t.api(Method::GET, &format!("/api/v1/people/{ben_id}"), Some(&admin_token), None).await;
    assert_eq!(person.json["manager_name"], "Ana Silva", "{}", person.text);
    let mut looped = ana.clone();
    looped[ENTERPRISE] = json!({"manager": {"value": ben_id}});
    let r = scim(&t, Method::PUT, &format!("/scim/v2/Users/{ana_id}"), &token, Some(looped)).await;
    assert_scim_error(&r, StatusCode::BAD_REQUEST, Some("invalidValue"));

    // userName is unique, whatever its case.
    let again = scim(&t, Method::POST, "/scim/v2/Users", &token, Some(user("ANA.SILVA@example.com", "A", "S"))).await;
    assert_scim_error(&again, StatusCode::CONFLICT, Some("uniqueness"));

    // Filters: the indexed equalities, `co` on other attributes, paging.
    let find = |filter: &str| format!("/scim/v2/Users?filter={}", urlencode(filter));
    let by_name = scim(&t, Method::GET, &find("userName eq \"ana.silva@EXAMPLE.com\""), &token, None).await;
    assert_eq!(by_name.json["totalResults"], 1, "{}", by_name.text);
    assert_eq!(by_name.json["Resources"][0]["id"], ana_id.as_str());
    let by_external = scim(&t, Method::GET, &find("externalId eq \"ext-Ben\""), &token, None).await;
    assert_eq!(by_external.json["Resources"][0]["id"], ben_id.as_str(), "{}", by_external.text);
    let by_words = scim(&t, Method::GET, &find("name.familyName co \"kaf\" and active eq true"), &token, None).await;
    assert_eq!(by_words.json["totalResults"], 1, "{}", by_words.text);
    let nobody = scim(&t, Method::GET, &find("userName eq \"nobody@example.com\""), &token, None).await;
    assert_eq!((nobody.status, nobody.json["totalResults"].as_i64()), (StatusCode::OK, Some(0)));
    let wrong = scim(&t, Method::GET, &find("userName eq"), &token, None).await;
    assert_scim_error(&wrong, StatusCode::BAD_REQUEST, Some("invalidFilter"));
    let second = scim(&t, Method::GET, "/scim/v2/Users?startIndex=2&count=1&attributes=userName", &token, None).await;
    assert_eq!(second.json["totalResults"], 3, "the admin and the two Users: {}", second.text);
    assert_eq!((second.json["startIndex"].as_i64(), second.json["itemsPerPage"].as_i64()), (Some(2), Some(1)));
    let only = &second.json["Resources"][0];
    assert!(only.get("userName").is_some() && only.get("emails").is_none() && only.get("id").is_some(), "{only}");

    // Versions: a matching If-None-Match is 304, a stale If-Match 412.
    let version = made.json["meta"]["version"].as_str().unwrap().to_owned();
    let path = format!("/scim/v2/Users/{ana_id}");
    let same = scim_with(&t, Method::GET, &path, &token, None, Some(("if-none-match", &version))).await;
    assert_eq!(same.status, StatusCode::NOT_MODIFIED);
    let retitle =
        json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "title", "value": "Lead engineer"}]});
    let changed =
        scim_with(&t, Method::PATCH, &path, &token, Some(retitle.clone()), Some(("if-match", &version))).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_eq!(changed.json["title"], "Lead engineer");
    assert_ne!(changed.json["meta"]["version"], version.as_str());
    let stale = scim_with(&t, Method::PATCH, &path, &token, Some(retitle), Some(("if-match", &version))).await;
    assert_scim_error(&stale, StatusCode::PRECONDITION_FAILED, None);

    // Someone already in the directory is taken over, not duplicated; deactivating them ends
    // their browser sessions and API tokens at once.
    let mia = t.person("mia@example.com", "Mia Member", false).await;
    let mia_token = t.token(&mia).await;
    let mut browser = t.browser();
    browser.login("mia@example.com", PASSWORD).await;
    let linked = scim(&t, Method::POST, "/scim/v2/Users", &token, Some(user("mia@example.com", "Mia", "Member"))).await;
    assert_eq!(linked.status, StatusCode::CREATED, "{}", linked.text);
    assert_eq!(linked.json["id"], mia.id.0.to_string());
    assert_eq!(t.api(Method::GET, "/api/v1/me", Some(&mia_token), None).await.status, StatusCode::OK);
    let off = json!({"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": false}}]});
    let off = scim(&t, Method::PATCH, &format!("/scim/v2/Users/{}", mia.id.0), &token, Some(off)).await;
    assert_eq!((off.status, off.json["active"].as_bool()), (StatusCode::OK, Some(false)), "{}", off.text);
    assert_eq!(browser.get("/account").await.status, StatusCode::SEE_OTHER, "signed out");
    assert_eq!(t.api(Method::GET, "/api/v1/me", Some(&mia_token), None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(t.browser().login("mia@example.com", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    let on = json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": true}]});
    scim(&t, Method::PATCH, &format!("/scim/v2/Users/{}", mia.id.0), &token, Some(on)).await;
    assert_eq!(t.browser().login("mia@example.com", PASSWORD).await.status, StatusCode::SEE_OTHER, "back again");

    // Delete: deactivated and gone from SCIM; the person's history stays in the directory.
    let gone = scim(&t, Method::DELETE, &format!("/scim/v2/Users/{ben_id}"), &token, None).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.text);
    assert_scim_error(
        &scim(&t, Method::GET, &format!("/scim/v2/Users/{ben_id}"), &token, None).await,
        StatusCode::NOT_FOUND,
        None,
    );
    let person = t.api(Method::GET, &format!("/api/v1/people/{ben_id}"), Some(&admin_token), None).await;
    assert_eq!(person.json["active"], false);
    let back = scim(&t, Method::POST, "/scim/v2/Users", &token, Some(user("ben@example.com", "Ben", "Okafor"))).await;
    assert_eq!((back.status, back.json["id"].as_str()), (StatusCode::CREATED, Some(ben_id.as_str())), "{}", back.text);

    // Each change is in the audit log, naming the client and where it came from.
    let log = t.api(Method::GET, "/api/v1/audit?entity=scim&limit=100", Some(&admin_token), None).await;
    let actions: Vec<&str> =
        log.json["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for wanted in ["client_created", "user_created", "user_replaced", "user_linked", "user_deleted"] {
        assert!(actions.contains(&wanted), "{wanted} in {actions:?}");
    }
    assert!(log.json["items"].as_array().unwrap().iter().all(|e| e["detail"]["client"] == "Entra ID"));
    let deactivated =
        t.api(Method::GET, "/api/v1/audit?entity=person&action=deactivated", Some(&admin_token), None).await;
    assert_eq!(deactivated.json["items"][0]["detail"]["via"], "Entra ID", "{}", deactivated.text);
    assert!(!log.text.contains(&token));
});

both!(groups_are_teams_and_their_members, |t| {
    let (admin_token, token) = client(&t).await;
    let mut ids = Vec::new();
    for (mail, given) in [("ana@example.com", "Ana"), ("ben@example.com", "Ben"), ("cy@example.com", "Cy")] {
        let r = scim(&t, Method::POST, "/scim/v2/Users", &token, Some(user(mail, given, "Doe"))).await;
        ids.push(r.json["id"].as_str().unwrap().to_owned());
    }
    let group = json!({
        "schemas": [GROUP],
        "displayName": "Field Engineering",
        "externalId": "g-42",
        "members": [{"value": ids[0]}, {"value": ids[1]}],
    });
    // Creation times are in milliseconds: the group must be newer than the users for the root
    // search's "newest first" below, and a release build makes both within one millisecond.
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    let made = scim(&t, Method::POST, "/scim/v2/Groups", &token, Some(group)).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let gid = made.json["id"].as_str().unwrap().to_owned();
    assert_eq!(made.json["members"].as_array().unwrap().len(), 2);
    let teams = t.api(Method::GET, "/api/v1/teams?q=Field", Some(&admin_token), None).await;
    let key = teams.json["items"][0]["key"].as_str().unwrap().to_owned();
    let team = t.api(Method::GET, &format!("/api/v1/teams/{key}"), Some(&admin_token), None).await;
    assert!(
        team.text.contains("Ana Doe") && team.text.contains("Ben Doe") && !team.text.contains("Cy Doe"),
        "{}",
        team.text
    );

    // PATCH adds and removes members; a lead named by Concentric stays a lead.
    let path = format!("/scim/v2/Groups/{gid}");
    let ops = json!({"schemas": [PATCH], "Operations": [
        {"op": "add", "path": "members", "value": [{"value": ids[2]}]},
        {"op": "remove", "path": format!("members[value eq \"{}\"]", ids[1])},
    ]});
    let patched = scim(&t, Method::PATCH, &path, &token, Some(ops)).await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    let members: Vec<&str> =
        patched.json["members"].as_array().unwrap().iter().map(|m| m["value"].as_str().unwrap()).collect();
    assert_eq!(members.len(), 2);
    assert!(members.contains(&ids[0].as_str()) && members.contains(&ids[2].as_str()));
    let lead = t
        .api(
            Method::PUT,
            &format!("/api/v1/teams/{key}/members/{}", ids[0]),
            Some(&admin_token),
            Some(json!({"role": "lead"})),
        )
        .await;
    assert!(lead.status.is_success(), "{}", lead.text);
    let rename = json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "displayName", "value": "Field Services"}]});
    scim(&t, Method::PATCH, &path, &token, Some(rename)).await;
    let team = t.api(Method::GET, &format!("/api/v1/teams/{key}"), Some(&admin_token), None).await;
    assert_eq!(team.json["name"], "Field Services");
    assert!(team.text.contains("\"lead\""), "{}", team.text);
    let user = scim(&t, Method::GET, &format!("/scim/v2/Users/{}", ids[2]), &token, None).await;
    assert_eq!(user.json["groups"][0]["display"], "Field Services", "{}", user.text);

    // Filters on groups, including teams made in Concentric.
    t.api(Method::POST, "/api/v1/teams", Some(&admin_token), Some(json!({"key": "PAY", "name": "Payroll"}))).await;
    let find = |filter: &str| format!("/scim/v2/Groups?filter={}", urlencode(filter));
    let payroll = scim(&t, Method::GET, &find("displayName eq \"payroll\""), &token, None).await;
    assert_eq!(payroll.json["totalResults"], 1, "{}", payroll.text);
    let co = scim(&t, Method::GET, &find("displayName co \"Serv\""), &token, None).await;
    assert_eq!(co.json["Resources"][0]["id"], gid.as_str(), "{}", co.text);
    let external = scim(&t, Method::GET, &find("externalId eq \"g-42\""), &token, None).await;
    assert_eq!(external.json["totalResults"], 1);
    // Ids are unique across Users and Groups; the root search sees both kinds.
    assert!(gid.starts_with("team-") && !ids.contains(&gid), "{gid}");
    let search = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "name.familyName eq \"Doe\" or displayName eq \"Field Services\""});
    let both = scim(&t, Method::POST, "/scim/v2/.search", &token, Some(search)).await;
    assert_eq!(both.json["totalResults"], 4, "three Users and the Group: {}", both.text);
    assert_eq!(both.json["Resources"][0]["id"], gid.as_str(), "newest first");
    let unknown = json!({"schemas": [GROUP], "displayName": "Ghosts", "members": [{"value": "999999"}]});
    assert_scim_error(
        &scim(&t, Method::POST, "/scim/v2/Groups", &token, Some(unknown)).await,
        StatusCode::BAD_REQUEST,
        Some("invalidValue"),
    );

    // Delete: the team is deactivated, its history kept.
    assert_eq!(scim(&t, Method::DELETE, &path, &token, None).await.status, StatusCode::NO_CONTENT);
    assert_scim_error(&scim(&t, Method::GET, &path, &token, None).await, StatusCode::NOT_FOUND, None);
    let team = t.api(Method::GET, &format!("/api/v1/teams/{key}"), Some(&admin_token), None).await;
    assert_eq!(team.json["active"], false, "{}", team.text);
    let log = t.api(Method::GET, "/api/v1/audit?entity=scim&action=group_replaced", Some(&admin_token), None).await;
    assert_eq!(log.json["total"], 2, "{}", log.text);
});

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}
