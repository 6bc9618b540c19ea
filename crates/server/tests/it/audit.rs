//! The audit log and people's own sessions.

use axum::http::{Method, StatusCode};

use crate::both;
use crate::harness::PASSWORD;

both!(sign_ins_exports_and_changes_are_audited, |t| {
    let admin = t.admin().await;
    let member = t.person("mia@example.com", "Mia Member", false).await;
    let admin_token = t.token(&admin).await;
    let member_token = t.token(&member).await;

    let mut stranger = t.browser();
    assert_eq!(stranger.login("mia@example.com", "guessing-wrong").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(stranger.login("nobody@example.com", "guessing-wrong").await.status, StatusCode::UNAUTHORIZED);
    let mut mia = t.browser();
    assert_eq!(mia.login("mia@example.com", PASSWORD).await.status, StatusCode::SEE_OTHER);
    let csv = mia.get("/people.csv?q=mia").await;
    assert_eq!(csv.status, StatusCode::OK);
    let revoke = t.api(Method::GET, "/api/v1/tokens", Some(&member_token), None).await;
    let id = revoke.json["items"][0]["id"].as_i64().unwrap();
    t.api(Method::DELETE, &format!("/api/v1/tokens/{id}"), Some(&member_token), None).await;

    // The API reads the log newest first, with who, what and where; the password is nowhere.
    let log = t.api(Method::GET, "/api/v1/audit?limit=200", Some(&admin_token), None).await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.text);
    assert!(!log.text.contains("guessing-wrong") && !log.text.contains(PASSWORD), "no secrets in the log");
    let items = log.json["items"].as_array().unwrap();
    let find = |entity: &str, action: &str| {
        items.iter().find(|e| e["entity"] == entity && e["action"] == action).unwrap_or_else(|| {
            panic!("no {entity} {action} in {}", log.text);
        })
    };
    let failed: Vec<_> = items.iter().filter(|e| e["action"] == "sign_in_failed").collect();
    assert_eq!(failed.len(), 2);
    assert!(failed
        .iter()
        .any(|e| e["detail"] == serde_json::json!({"email": "mia@example.com", "reason": "wrong password"})));
    assert!(failed.iter().any(|e| e["detail"]["reason"] == "no active account with a password"));
    let signed_in = find("session", "signed_in");
    assert_eq!(signed_in["actor_id"], member.id.0);
    assert_eq!(signed_in["detail"]["method"], "password");
    let export = find("export", "downloaded");
    assert_eq!(
        (export["actor_name"].as_str(), export["detail"]["page"].as_str()),
        (Some("Mia Member"), Some("/people.csv?q=mia"))
    );
    assert_eq!(find("token", "revoked")["subject"], "test");
    assert!(items.iter().all(|e| e["entity"] != "request"), "request history is not audit");

    // Filters: by kind, person, words and time; mistakes are reported together.
    let only = t
        .api(Method::GET, &format!("/api/v1/audit?entity=session&actor={}", member.id.0), Some(&admin_token), None)
        .await;
    assert_eq!(only.json["total"], 1, "{}", only.text);
    let words = t.api(Method::GET, "/api/v1/audit?q=NOBODY@example", Some(&admin_token), None).await;
    assert_eq!(words.json["total"], 1, "{}", words.text);
    let later = t.api(Method::GET, "/api/v1/audit?since=2999-01-01T00:00:00Z", Some(&admin_token), None).await;
    assert_eq!(later.json["total"], 0);
    let bad = t.api(Method::GET, "/api/v1/audit?entity=request&actor=me", Some(&admin_token), None).await;
    bad.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(bad.json["errors"].as_array().unwrap().len(), 2, "{}", bad.text);
    let member_token = t.token(&member).await;
    t.api(Method::GET, "/api/v1/audit", Some(&member_token), None)
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");

    // The admin page and its CSV say the same, in words; the CSV download is itself recorded.
    let mut ada = t.browser();
    ada.login("admin@example.com", PASSWORD).await;
    let page = ada.get("/admin/audit?q=mia").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("A sign-in as mia@example.com failed: wrong password."), "{}", page.body);
    assert!(page.body.contains("Mia Member signed in with a password."));
    assert!(page.body.contains("Mia Member downloaded people.csv (/people.csv?q=mia)."));
    let wrong = ada.get("/admin/audit?from=yesterday&to=2026-01-01&entity=request").await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("give a date as YYYY-MM-DD") && wrong.body.contains("is not a kind of audited change"));
    let csv = ada.get("/admin/audit.csv?entity=export").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.starts_with("at,actor,address,kind,subject,action,what,detail\r\n"), "{}", csv.body);
    assert!(csv.body.contains("Mia Member downloaded people.csv"));
    let exports = t.api(Method::GET, "/api/v1/audit?entity=export", Some(&admin_token), None).await;
    assert_eq!(exports.json["total"], 2, "the audit CSV is an export too: {}", exports.text);
    let mut nosy = t.browser();
    nosy.login("mia@example.com", PASSWORD).await;
    assert_eq!(nosy.get("/admin/audit").await.status, StatusCode::FORBIDDEN);
    assert_eq!(nosy.get("/admin/audit.csv").await.status, StatusCode::FORBIDDEN);
});

both!(people_see_and_end_their_sessions, |t| {
    let me = t.person("sam@example.com", "Sam Sessions", false).await;
    let token = t.token(&me).await;
    let mut laptop = t.browser();
    laptop.login("sam@example.com", PASSWORD).await;
    let mut phone = t.browser();
    phone.login("sam@example.com", PASSWORD).await;
    let mut tablet = t.browser();
    tablet.login("sam@example.com", PASSWORD).await;

    let listed = t.api(Method::GET, "/api/v1/me/sessions", Some(&token), None).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let handles: Vec<String> =
        listed.json.as_array().unwrap().iter().map(|s| s["handle"].as_str().unwrap().to_owned()).collect();
    assert_eq!(handles.len(), 3);
    let account = laptop.get("/account").await;
    assert_eq!(account.body.matches("action=\"/account/sessions/end\"").count(), 3);
    assert!(account.body.contains("this browser"));

    // Ending another browser's session from the account page signs that browser out only.
    let current = |body: &str| {
        let at = body.find("this browser").unwrap();
        let rest = &body[at..];
        let marker = "name=\"handle\" value=\"";
        let start = rest.find(marker).unwrap() + marker.len();
        rest[start..].split('"').next().unwrap().to_owned()
    };
    let phone_handle = current(&phone.get("/account").await.body);
    let csrf = account.csrf();
    let ended = laptop.post("/account/sessions/end", &[("csrf", &csrf), ("handle", &phone_handle)]).await;
    assert_eq!(ended.location(), "/account?notice=session_ended#sessions");
    assert_eq!(phone.get("/account").await.status, StatusCode::SEE_OTHER, "the phone is signed out");
    assert_eq!(laptop.get("/account").await.status, StatusCode::OK);

    // Nobody ends someone else's session: it looks like one that does not exist.
    let other = t.person("eve@example.com", "Eve", false).await;
    let eve = t.token(&other).await;
    let tablet_handle = current(&tablet.get("/account").await.body);
    t.api(Method::DELETE, &format!("/api/v1/me/sessions/{tablet_handle}"), Some(&eve), None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(tablet.get("/account").await.status, StatusCode::OK);

    // Sign out everywhere ends them all, this browser's too.
    let csrf = laptop.csrf("/account").await;
    let out = laptop.post("/account/sessions/end-all", &[("csrf", &csrf)]).await;
    assert_eq!(out.location(), "/login");
    assert!(!laptop.has_session());
    assert_eq!(tablet.get("/account").await.status, StatusCode::SEE_OTHER);
    let none = t.api(Method::GET, "/api/v1/me/sessions", Some(&token), None).await;
    assert_eq!(none.json.as_array().unwrap().len(), 0);
    let admin = t.admin().await;
    let admin_token = t.token(&admin).await;
    let log = t.api(Method::GET, "/api/v1/audit?entity=session&action=ended_all", Some(&admin_token), None).await;
    assert_eq!(log.json["items"][0]["detail"]["sessions"], 2, "{}", log.text);
});
