//! The catalog and requests: forms, the lifecycle, assignment, notes and their privacy.

use axum::http::{Method, StatusCode};
use concentric_core::authz::Actor;
use concentric_core::team::{MemberRole, NewTeam};
use serde_json::{json, Value};

use crate::both;
use crate::harness::{TestApp, PASSWORD};

/// IT (lead Lena, agent Max) offers a laptop service with a typed form; Sam in Sales asks.
pub(crate) struct World {
    pub admin: String,
    pub lead: String,
    pub agent: String,
    pub requester: String,
    pub outsider: String,
}

pub(crate) async fn world(t: &TestApp) -> World {
    let admin = t.admin().await;
    let system = Actor::system();
    for (key, name) in [("IT", "IT Services"), ("SAL", "Sales"), ("FAC", "Facilities")] {
        let team = NewTeam {
            key: key.into(),
            name: name.into(),
            parent_key: None,
            mission: String::new(),
            contact_email: None,
            contact_info: String::new(),
        };
        t.store.create_team(&system, team).await.unwrap();
    }
    let lead = t.person("lena@example.com", "Lena Lead", false).await;
    let agent = t.person("max@example.com", "Max Agent", false).await;
    let requester = t.person("sam@example.com", "Sam Sales", false).await;
    let outsider = t.person("olga@example.com", "Olga Outside", false).await;
    for (team, person, role) in [
        ("IT", &lead, MemberRole::Lead),
        ("IT", &agent, MemberRole::Member),
        ("SAL", &requester, MemberRole::Member),
        ("FAC", &outsider, MemberRole::Member),
    ] {
        let id = t.store.team_by_key(team).await.unwrap().id;
        t.store.set_membership(&system, id, person.id, role).await.unwrap();
    }
    let lead_token = t.token(&lead).await;
    let r = t
        .api(
            Method::POST,
            "/api/v1/teams/IT/services",
            Some(&lead_token),
            Some(json!({
                "slug": "laptop", "name": "Laptop request", "summary": "A new or replacement laptop",
                "default_priority": "P3", "default_effort_hours": 2.5,
                "responder_emails": ["max@example.com", "lena@example.com"], "round_robin": true,
                "fields": [
                    {"name": "model", "label": "Model", "kind": "single_select", "options": ["13-inch", "15-inch"], "required": true},
                    {"name": "count", "label": "How many", "kind": "number", "min": 1, "max": 3},
                    {"name": "needed_by", "label": "Needed by", "kind": "date"},
                    {"name": "for_whom", "label": "For whom", "kind": "person"}
                ]
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    World {
        admin: t.token(&admin).await,
        lead: lead_token,
        agent: t.token(&agent).await,
        requester: t.token(&requester).await,
        outsider: t.token(&outsider).await,
    }
}

pub(crate) async fn file(t: &TestApp, token: &str, subject: &str) -> Value {
    let r = t
        .api(
            Method::POST,
            "/api/v1/teams/IT/services/laptop/requests",
            Some(token),
            Some(json!({"subject": subject, "fields": {"model": "15-inch"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json
}

both!(lifecycle_through_the_api, |t| {
    let w = world(&t).await;
    let first = file(&t, &w.requester, "My laptop died").await;
    assert_eq!(first["key"], "IT-1");
    assert_eq!(first["status"], "new");
    assert_eq!(first["priority"], "P3", "service default");
    assert_eq!(first["on_behalf_team_key"], "SAL", "defaults to the requester's team");
    assert_eq!(first["assignee_name"], "Max Agent", "round robin starts with the first responder");
    let second = file(&t, &w.requester, "And a spare").await;
    assert_eq!(second["key"], "IT-2");
    assert_eq!(second["assignee_name"], "Lena Lead", "then the next");

    let status = |to: &'static str| json!({ "status": to });
    let r = t.api(Method::POST, "/api/v1/requests/IT-1/status", Some(&w.agent), Some(status("in_progress"))).await;
    assert_eq!(r.json["status"], "in_progress", "{}", r.text);
    t.api(Method::POST, "/api/v1/requests/IT-1/status", Some(&w.requester), Some(status("resolved")))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    t.api(Method::POST, "/api/v1/requests/IT-1/status", Some(&w.agent), Some(status("new")))
        .await
        .assert_problem(StatusCode::CONFLICT, "illegal_transition");
    t.api(Method::POST, "/api/v1/requests/IT-1/status", Some(&w.agent), Some(status("waiting_on_requester"))).await;

    // The requester's reply puts it back to work; the agent's first reply is the first response.
    let reply = |body: &str, kind: &str| json!({ "kind": kind, "body": body });
    let r = t
        .api(Method::POST, "/api/v1/requests/IT-1/comments", Some(&w.agent), Some(reply("Which model?", "reply")))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    t.api(Method::POST, "/api/v1/requests/IT-1/comments", Some(&w.requester), Some(reply("The 15-inch one", "reply")))
        .await;
    let detail = t.api(Method::GET, "/api/v1/requests/IT-1", Some(&w.requester), None).await;
    assert_eq!(detail.json["status"], "in_progress");
    assert!(detail.json["first_response_at"].is_string());

    // Resolved, a reply within the window reopens; closed is final.
    t.api(Method::POST, "/api/v1/requests/IT-1/status", Some(&w.agent), Some(status("resolved"))).await;
    let r = t
        .api(
            Method::POST,
            "/api/v1/requests/IT-1/comments",
            Some(&w.requester),
            Some(reply("It still does not boot", "reply")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let reopened = t.api(Method::GET, "/api/v1/requests/IT-1", Some(&w.agent), None).await;
    assert_eq!(reopened.json["status"], "in_progress");
    assert!(reopened.json["resolved_at"].is_null());
    t.api(Method::POST, "/api/v1/requests/IT-1/status", Some(&w.agent), Some(status("resolved"))).await;
    t.api(Method::POST, "/api/v1/requests/IT-1/status", Some(&w.agent), Some(status("closed"))).await;
    t.api(Method::POST, "/api/v1/requests/IT-1/comments", Some(&w.requester), Some(reply("one more thing", "reply")))
        .await
        .assert_problem(StatusCode::CONFLICT, "illegal_transition");
    t.api(Method::POST, "/api/v1/requests/IT-1/status", Some(&w.agent), Some(status("in_progress")))
        .await
        .assert_problem(StatusCode::CONFLICT, "illegal_transition");

    let events = t.api(Method::GET, "/api/v1/requests/IT-1/events", Some(&w.requester), None).await;
    let actions: Vec<&str> =
        events.json["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"reopened") && actions.contains(&"created"), "{actions:?}");
});

both!(field_validation_errors_name_each_field, |t| {
    let w = world(&t).await;
    let r = t
        .api(
            Method::POST,
            "/api/v1/teams/IT/services/laptop/requests",
            Some(&w.requester),
            Some(json!({"subject": " ", "fields": {"count": 9, "needed_by": "tomorrow", "for_whom": "ghost@example.com", "colour": "red"}})),
        )
        .await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let fields: Vec<&str> = r.json["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["subject", "fields.colour", "fields.model", "fields.count", "fields.needed_by"], "{}", r.text);
    // A well-formed person who is not in the directory is caught by the store.
    let r = t
        .api(
            Method::POST,
            "/api/v1/teams/IT/services/laptop/requests",
            Some(&w.requester),
            Some(json!({"subject": "x", "fields": {"model": "13-inch", "for_whom": "ghost@example.com"}})),
        )
        .await;
    assert_eq!(r.json["errors"][0]["field"], "fields.for_whom", "{}", r.text);
    let listed = t.api(Method::GET, "/api/v1/requests?team=IT", Some(&w.agent), None).await;
    assert_eq!(listed.json["total"], 0, "nothing was filed");
});

both!(internal_notes_never_reach_the_requester, |t| {
    let w = world(&t).await;
    file(&t, &w.requester, "Laptop please").await;
    let note = json!({"kind": "note", "body": "Budget is tight, SECRET-NOTE"});
    let r = t.api(Method::POST, "/api/v1/requests/IT-1/comments", Some(&w.agent), Some(note.clone())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    t.api(Method::POST, "/api/v1/requests/IT-1/comments", Some(&w.requester), Some(note))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    t.api(
        Method::POST,
        "/api/v1/requests/IT-1/comments",
        Some(&w.agent),
        Some(json!({"kind": "reply", "body": "On its way"})),
    )
    .await;

    for path in [
        "/api/v1/requests/IT-1",
        "/api/v1/requests/IT-1/comments",
        "/api/v1/requests/IT-1/events",
        "/api/v1/requests?requester=me",
        "/api/v1/notifications",
    ] {
        let r = t.api(Method::GET, path, Some(&w.requester), None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(!r.text.contains("SECRET-NOTE"), "{path} leaks the note");
    }
    let r = t.api(Method::GET, "/api/v1/requests/IT-1/comments", Some(&w.requester), None).await;
    assert_eq!(r.json.as_array().unwrap().len(), 1, "the reply only");
    let r = t.api(Method::GET, "/api/v1/requests/IT-1/comments", Some(&w.agent), None).await;
    assert_eq!(r.json.as_array().unwrap().len(), 2, "agents see both");

    // In the browser too.
    let mut b = t.browser();
    b.login("sam@example.com", PASSWORD).await;
    let page = b.get("/requests/IT-1").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("On its way") && !page.body.contains("SECRET-NOTE"));
    assert!(!page.body.contains("Internal note"), "no note option for requesters");
    let mut agent = t.browser();
    agent.login("max@example.com", PASSWORD).await;
    assert!(agent.get("/requests/IT-1").await.body.contains("SECRET-NOTE"));

    // Someone with no part in it cannot see the request at all: not found, not forbidden.
    t.api(Method::GET, "/api/v1/requests/IT-1", Some(&w.outsider), None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");
    let r = t.api(Method::GET, "/api/v1/requests?status=all", Some(&w.outsider), None).await;
    assert_eq!(r.json["total"], 0);
    // A watcher sees replies but not notes.
    t.api(
        Method::POST,
        "/api/v1/requests/IT-1/watchers",
        Some(&w.requester),
        Some(json!({"email": "olga@example.com"})),
    )
    .await;
    let r = t.api(Method::GET, "/api/v1/requests/IT-1", Some(&w.outsider), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.text.contains("SECRET-NOTE"));
});

both!(restricted_services_and_who_may_publish, |t| {
    let w = world(&t).await;
    let body = json!({"slug": "vip", "name": "VIP hardware", "audience": "teams", "audience_teams": ["SAL"]});
    t.api(Method::POST, "/api/v1/teams/IT/services", Some(&w.agent), Some(body.clone()))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let r = t.api(Method::POST, "/api/v1/teams/IT/services", Some(&w.lead), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let ask = json!({"subject": "Fast one"});
    t.api(Method::POST, "/api/v1/teams/IT/services/vip/requests", Some(&w.outsider), Some(ask.clone()))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let ok = t.api(Method::POST, "/api/v1/teams/IT/services/vip/requests", Some(&w.requester), Some(ask.clone())).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);
    t.api(Method::POST, "/api/v1/teams/IT/services/vip/withdraw", Some(&w.lead), None).await;
    t.api(Method::POST, "/api/v1/teams/IT/services/vip/requests", Some(&w.requester), Some(ask))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let bad = t
        .api(
            Method::POST,
            "/api/v1/teams/IT/services",
            Some(&w.lead),
            Some(json!({"slug": "x1", "name": "X", "responder_emails": ["sam@example.com"]})),
        )
        .await;
    bad.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(bad.text.contains("not an active member"));
    t.api(Method::POST, "/api/v1/teams/IT/services", Some(&w.lead), Some(json!({"slug": "laptop", "name": "Again"})))
        .await
        .assert_problem(StatusCode::CONFLICT, "conflict");
});

both!(editing_a_form_keeps_old_requests_readable, |t| {
    let w = world(&t).await;
    file(&t, &w.requester, "Old form").await;
    let service = t.api(Method::GET, "/api/v1/teams/IT/services/laptop", Some(&w.lead), None).await;
    assert_eq!(service.json["form"]["version"], 1);
    let changed = t
        .api(Method::PUT, "/api/v1/teams/IT/services/laptop", Some(&w.lead),
            Some(json!({"slug": "laptop", "name": "Laptop request", "fields": [
                {"name": "size", "label": "Screen size", "kind": "single_select", "options": ["small", "large"], "required": true}]})))
        .await;
    assert_eq!(changed.json["form"]["version"], 2, "{}", changed.text);
    let old = t.api(Method::GET, "/api/v1/requests/IT-1", Some(&w.requester), None).await;
    assert_eq!(old.json["form_version"], 1);
    assert_eq!(old.json["form"]["fields"][0]["name"], "model", "the old request shows the form it was filed under");
    assert_eq!(old.json["fields"]["model"], "15-inch");
    let new = t
        .api(
            Method::POST,
            "/api/v1/teams/IT/services/laptop/requests",
            Some(&w.requester),
            Some(json!({"subject": "New form", "fields": {"model": "15-inch"}})),
        )
        .await;
    new.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
});

both!(queues_assignment_and_notifications, |t| {
    let w = world(&t).await;
    file(&t, &w.requester, "First").await;
    file(&t, &w.requester, "Second").await;
    let queue = t.api(Method::GET, "/api/v1/requests?team=IT&status=open&sort=oldest", Some(&w.agent), None).await;
    assert_eq!(queue.json["total"], 2);
    assert_eq!(queue.json["items"][0]["key"], "IT-1");
    let mine = t.api(Method::GET, "/api/v1/requests?team=IT&assignee=me", Some(&w.agent), None).await;
    assert_eq!(mine.json["total"], 1);
    let found = t.api(Method::GET, "/api/v1/requests?team=IT&text=second", Some(&w.agent), None).await;
    assert_eq!(found.json["items"][0]["key"], "IT-2");
    t.api(Method::GET, "/api/v1/requests?status=pending", Some(&w.agent), None)
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    // Assign to someone outside the team: refused. Unassign, then assign to the lead.
    let sam = t.store.person_by_email("sam@example.com").await.unwrap();
    t.api(Method::POST, "/api/v1/requests/IT-1/assignee", Some(&w.agent), Some(json!({"assignee_id": sam.id.0})))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let r =
        t.api(Method::POST, "/api/v1/requests/IT-1/assignee", Some(&w.agent), Some(json!({"assignee_id": null}))).await;
    assert!(r.json["assignee_id"].is_null(), "{}", r.text);
    let lena = t.store.person_by_email("lena@example.com").await.unwrap();
    t.api(Method::POST, "/api/v1/requests/IT-1/assignee", Some(&w.agent), Some(json!({"assignee_id": lena.id.0})))
        .await;

    let kinds = |token: &str| {
        let token = token.to_owned();
        let t = &t;
        async move {
            let r = t.api(Method::GET, "/api/v1/notifications", Some(&token), None).await;
            r.json["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["kind"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let lead_kinds = kinds(&w.lead).await;
    assert!(
        lead_kinds.contains(&"assigned".to_owned()) && lead_kinds.contains(&"new_request".to_owned()),
        "{lead_kinds:?}"
    );
    t.api(Method::POST, "/api/v1/requests/IT-1/status", Some(&w.lead), Some(json!({"status": "in_progress"}))).await;
    t.api(
        Method::POST,
        "/api/v1/requests/IT-1/comments",
        Some(&w.lead),
        Some(json!({"kind": "reply", "body": "Ordered"})),
    )
    .await;
    let sam_kinds = kinds(&w.requester).await;
    assert_eq!(sam_kinds, ["reply", "status"], "newest first, nothing for own actions");
    assert_eq!(t.api(Method::GET, "/api/v1/notifications", Some(&w.admin), None).await.json["total"], 0);
    t.api(Method::POST, "/api/v1/notifications/read", Some(&w.requester), Some(json!({}))).await;
    let after = t.api(Method::GET, "/api/v1/notifications", Some(&w.requester), None).await;
    assert!(after.json["items"].as_array().unwrap().iter().all(|n| n["read"] == true));
});

// One notice per event, a reading state per person: the team's two members hold the same new
// request notice, one reading it leaves it unread for the other, and after "mark all read" the
// bell counts only what came since.
both!(each_person_reads_a_shared_notice_alone, |t| {
    let w = world(&t).await;
    let nia = t.person("nia@example.com", "Nia Nine", false).await;
    let it = t.store.team_by_key("IT").await.unwrap().id;
    t.store.set_membership(&Actor::system(), it, nia.id, MemberRole::Member).await.unwrap();
    let nia = t.token(&nia).await;
    file(&t, &w.requester, "First").await;
    let new_request = |token: &str| {
        let token = token.to_owned();
        let t = &t;
        async move {
            let r = t.api(Method::GET, "/api/v1/notifications", Some(&token), None).await;
            r.json["items"].as_array().unwrap().iter().find(|n| n["kind"] == "new_request").cloned().unwrap()
        }
    };
    // The first request goes to Max by round robin; Lena and Nia hear of it.
    let (lena, other) = (new_request(&w.lead).await, new_request(&nia).await);
    assert_eq!(lena["id"], other["id"], "one notice for the event");
    assert_eq!((lena["read"].as_bool(), other["read"].as_bool()), (Some(false), Some(false)));
    let r = t.api(Method::POST, "/api/v1/notifications/read", Some(&w.lead), Some(json!({"id": lena["id"]}))).await;
    assert!(r.status.is_success(), "{}", r.text);
    assert_eq!(new_request(&w.lead).await["read"], true);
    assert_eq!(new_request(&nia).await["read"], false, "Nia's is still unread");

    let mut lena = t.browser();
    lena.login("lena@example.com", PASSWORD).await;
    assert!(!lena.get("/notifications").await.body.contains("Notifications: "), "nothing unread");
    file(&t, &w.requester, "Second").await;
    t.api(Method::POST, "/api/v1/notifications/read", Some(&w.lead), Some(json!({}))).await;
    assert!(!lena.get("/notifications").await.body.contains("Notifications: "), "all read");
    file(&t, &w.requester, "Third").await;
    let list = t.api(Method::GET, "/api/v1/notifications", Some(&w.lead), None).await;
    let unread = list.json["items"].as_array().unwrap().iter().filter(|n| n["read"] == false).count();
    assert!((1..=2).contains(&unread), "the third request's notices only: {}", list.text);
    let page = lena.get("/notifications").await;
    assert!(page.body.contains(&format!("Notifications: {unread} unread")), "only the new ones count: {}", page.body);
});

both!(requester_and_agent_in_the_browser, |t| {
    world(&t).await;
    let mut sam = t.browser();
    sam.login("sam@example.com", PASSWORD).await;
    let catalog = sam.get("/services").await;
    assert!(catalog.body.contains("Laptop request"));
    let form = sam.get("/teams/IT/services/laptop").await;
    assert!(form.body.contains("name=\"f.model\""), "the form is rendered from its fields");
    let csrf = form.csrf();
    let bad =
        sam.post("/teams/IT/services/laptop", &[("csrf", &csrf), ("subject", "Need one"), ("f.count", "7")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Model is required") && bad.body.contains("between 1 and 3"), "{}", bad.body);
    assert!(bad.body.contains("value=\"Need one\""), "input kept");
    let ok = sam
        .post(
            "/teams/IT/services/laptop",
            &[("csrf", &csrf), ("subject", "Need one"), ("f.model", "13-inch"), ("f.count", "1")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(ok.location(), "/requests/IT-1?notice=filed");
    assert!(sam.get("/requests").await.body.contains("IT-1"));

    let mut max = t.browser();
    max.login("max@example.com", PASSWORD).await;
    let home = max.get("/").await;
    assert!(home.body.contains("class=\"count\">1<"), "the bell shows the new request");
    let queue = max.get("/teams/IT/queue").await;
    assert!(queue.body.contains("IT-1") && queue.body.contains("Need one"));
    let csrf = max.csrf("/requests/IT-1").await;
    max.post("/requests/IT-1/comments", &[("csrf", &csrf), ("kind", "reply"), ("body", "Coming Monday")]).await;
    max.post("/requests/IT-1/comments", &[("csrf", &csrf), ("kind", "note"), ("body", "Order from stock SECRET")])
        .await;
    let resolved = max.post("/requests/IT-1/status", &[("csrf", &csrf), ("status", "resolved")]).await;
    assert_eq!(resolved.status, StatusCode::SEE_OTHER);
    let illegal = max.post("/requests/IT-1/status", &[("csrf", &csrf), ("status", "new")]).await;
    assert_eq!(illegal.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(illegal.body.contains("cannot become new"));

    let seen = sam.get("/requests/IT-1").await;
    assert!(seen.body.contains("Coming Monday") && seen.body.contains("Resolved") && !seen.body.contains("SECRET"));
    let mut olga = t.browser();
    olga.login("olga@example.com", PASSWORD).await;
    assert_eq!(olga.get("/requests/IT-1").await.status, StatusCode::NOT_FOUND);
    assert_eq!(olga.get("/teams/IT/queue").await.status, StatusCode::FORBIDDEN);
});

both!(service_editor_in_the_browser, |t| {
    world(&t).await;
    let mut lena = t.browser();
    lena.login("lena@example.com", PASSWORD).await;
    let csrf = lena.csrf("/teams/IT/services/new").await;
    let builder = lena.get("/teams/IT/services/new").await;
    assert!(builder.body.contains(r#"<option value="single_select" >Single choice</option>"#), "kinds in words");
    let bad = lena
        .post(
            "/teams/IT/services/new",
            &[
                ("csrf", &csrf),
                ("name", "Access"),
                ("slug", "access"),
                ("field.0.name", "System"),
                ("field.0.label", "System"),
                ("field.0.kind", "single_select"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("is not a field name") && bad.body.contains("distinct, non-empty options"),
        "{}",
        bad.body
    );
    let ok = lena
        .post(
            "/teams/IT/services/new",
            &[
                ("csrf", &csrf),
                ("name", "Access"),
                ("slug", "access"),
                ("audience", "everyone"),
                ("default_priority", "P2"),
                ("field.0.name", "system"),
                ("field.0.label", "System"),
                ("field.0.kind", "single_select"),
                ("field.0.options", "CRM\nERP"),
                ("field.0.required", "on"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let page = lena.get("/teams/IT/services/access").await;
    assert!(page.body.contains("<option >CRM</option>") || page.body.contains(">CRM</option>"), "{}", page.body);
    let mut max = t.browser();
    max.login("max@example.com", PASSWORD).await;
    assert_eq!(max.get("/teams/IT/services/access/edit").await.status, StatusCode::FORBIDDEN);
});

both!(search_syntax_highlights_and_note_privacy, |t| {
    let w = world(&t).await;
    let ask = |subject: &'static str, description: &'static str| json!({"subject": subject, "description": description, "fields": {"model": "13-inch"}});
    for (s, d) in [
        ("Laptop screen flickers", "A blue screen after lunch, every day"),
        ("Printer jam", "<script>alert(1)</script> paper stuck"),
        ("Keyboard broken", "Keys stick"),
    ] {
        let r =
            t.api(Method::POST, "/api/v1/teams/IT/services/laptop/requests", Some(&w.requester), Some(ask(s, d))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    t.api(
        Method::POST,
        "/api/v1/requests/IT-2/comments",
        Some(&w.agent),
        Some(json!({"kind": "note", "body": "Vendor code ZEBRAFISH"})),
    )
    .await;
    t.api(
        Method::POST,
        "/api/v1/requests/IT-3/comments",
        Some(&w.agent),
        Some(json!({"kind": "reply", "body": "Replacement keyboard ordered"})),
    )
    .await;

    let search = |token: &str, q: &str| {
        let (token, q) = (token.to_owned(), q.to_owned());
        let t = &t;
        async move {
            let encoded = serde_urlencoded::to_string([("q", q.as_str())]).unwrap();
            t.api(Method::GET, &format!("/api/v1/search?{encoded}"), Some(&token), None).await
        }
    };
    let keys = |r: &crate::harness::ApiResponse| -> Vec<String> {
        r.json["items"].as_array().unwrap().iter().map(|h| h["key"].as_str().unwrap().to_owned()).collect()
    };

    let r = search(&w.requester, "\"blue screen\"").await;
    assert_eq!(keys(&r), ["IT-1"], "{}", r.text);
    // Both backends mark the phrase as one span, in a passage cut from the matching text.
    let highlight = r.json["items"][0]["highlight"].as_str().unwrap();
    assert_eq!(
        highlight,
        "IT-1 Laptop screen flickers\nA <mark>blue screen</mark> after lunch, every day\nModel: 13-inch"
    );
    assert_eq!(keys(&search(&w.requester, "screen blue status:open team:IT").await), ["IT-1"]);
    assert!(keys(&search(&w.requester, "\"screen blue\"").await).is_empty(), "a phrase keeps its order");
    assert_eq!(keys(&search(&w.requester, "keyboard").await), ["IT-3"]);
    assert_eq!(keys(&search(&w.requester, "replacement").await), ["IT-3"], "replies are searched");
    assert_eq!(keys(&search(&w.requester, "model").await).len(), 3, "form answers are searched");
    assert!(keys(&search(&w.requester, "laptop priority:P1").await).is_empty());
    assert_eq!(keys(&search(&w.requester, "lunch service:\"Laptop request\"").await), ["IT-1"]);
    assert_eq!(keys(&search(&w.requester, "lunch service:laptop").await), ["IT-1"]);
    assert_eq!(keys(&search(&w.requester, "status:open").await).len(), 3, "filters alone list");

    // Notes are searchable by the team only.
    assert!(keys(&search(&w.requester, "zebrafish").await).is_empty());
    assert_eq!(keys(&search(&w.agent, "zebrafish").await), ["IT-2"]);
    assert!(keys(&search(&w.outsider, "laptop").await).is_empty(), "nothing the outsider may not see");
    // Who may see a row is indexed with it as tokens; those are never matched as words.
    for q in ["t1", "t2", "p3", "o2", "r1", "krequest", "knote"] {
        assert!(keys(&search(&w.admin, q).await).is_empty(), "{q}");
    }
    // A watcher finds what they watch, with or without a team filter, and nothing else.
    let r = t
        .api(Method::POST, "/api/v1/requests/IT-1/watchers", Some(&w.agent), Some(json!({"email": "olga@example.com"})))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_eq!(keys(&search(&w.outsider, "model").await), ["IT-1"]);
    assert_eq!(keys(&search(&w.outsider, "model team:IT").await), ["IT-1"]);
    assert!(keys(&search(&w.outsider, "zebrafish team:IT").await).is_empty(), "notes stay the team's");

    let r = search(&w.requester, "printer").await;
    let highlight = r.json["items"][0]["highlight"].as_str().unwrap();
    // Markup in the text never comes through as markup: the passage is escaped.
    assert!(highlight.contains("<mark>Printer</mark>") && !highlight.contains("<script"), "{highlight}");

    search(&w.requester, "colour:red").await.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    // Query syntax of the engines is inert.
    assert!(keys(&search(&w.requester, "NEAR(blue screen) OR -lunch *").await).is_empty());

    let mut b = t.browser();
    b.login("sam@example.com", PASSWORD).await;
    let page = b.get("/search?q=%22blue+screen%22").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<mark>blue") && page.body.contains("IT-1"));
    let bad = b.get("/search?q=colour%3Ared").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("not a filter"));
});

both!(search_ranks_the_newest_matches_and_says_the_count_is_a_lower_bound, |t| {
    let w = world(&t).await;
    t.store.generate_requests(3_000, 7).await.unwrap();
    let first = |q: &'static str| {
        let t = &t;
        let token = w.admin.clone();
        async move { t.api(Method::GET, &format!("/api/v1/search?q={q}&limit=200"), Some(&token), None).await }
    };
    // Every generated request mentions some of a few dozen words, so "model" (in none) matches
    // nothing and a common word fills the window.
    let r = first("model").await;
    assert_eq!(r.json["total"], 0, "{}", r.text);
    let r = first("laptop").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["total_capped"], true, "{}", r.json["total"]);
    let total = r.json["total"].as_u64().unwrap();
    assert!(total > 0 && total <= 1_000, "{total}");
    // The window holds the newest rows: a request filed now, all about laptops, ranks first.
    let filed = t
        .api(
            Method::POST,
            "/api/v1/teams/IT/services/laptop/requests",
            Some(&w.requester),
            Some(json!({"subject": "Laptop laptop laptop", "description": "laptop", "fields": {"model": "13-inch"}})),
        )
        .await;
    assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.text);
    let r = first("laptop").await;
    assert_eq!(r.json["items"][0]["key"], filed.json["key"], "{}", r.json["items"][0]["subject"]);
});

both!(attachments_limits_types_and_privacy, |t| {
    let w = world(&t).await;
    file(&t, &w.requester, "Screenshot attached").await;
    let upload = |token: &str, name: &str, internal: bool, data: Vec<u8>| {
        let req =
            axum::http::Request::post(format!("/api/v1/requests/IT-1/attachments?filename={name}&internal={internal}"))
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "text/html")
                .body(axum::body::Body::from(data))
                .unwrap();
        t.send_api(req)
    };
    // An "HTML" upload that is really a PNG is stored as a PNG.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR fake image".to_vec();
    let r = upload(&w.requester, "screen.png", false, png.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["content_type"], "image/png");
    assert_eq!(r.json["sha256"], concentric_core::attachment::sha256_hex(&png));
    let id = r.json["id"].as_i64().unwrap();
    let evil = upload(&w.requester, "page.html", false, b"<html><script>alert(1)</script></html>".to_vec()).await;
    assert_eq!(evil.json["content_type"], "text/html", "the stored type is what the content is");
    let evil_id = evil.json["id"].as_i64().unwrap();
    let served =
        t.api(Method::GET, &format!("/api/v1/requests/IT-1/attachments/{evil_id}"), Some(&w.agent), None).await;
    assert_eq!(served.headers["content-type"], "application/octet-stream", "HTML is never served as HTML");
    assert!(served.headers["content-security-policy"].to_str().unwrap().contains("sandbox"));

    let got = t.api(Method::GET, &format!("/api/v1/requests/IT-1/attachments/{id}"), Some(&w.agent), None).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.headers["content-type"], "image/png");
    assert_eq!(got.headers["x-content-type-options"], "nosniff");
    assert!(got.headers["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"screen.png\""));

    // Internal files follow the rule of internal notes.
    upload(&w.requester, "x.txt", true, b"nope".to_vec()).await.assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let internal = upload(&w.agent, "quote-SECRET.txt", true, b"supplier price list".to_vec()).await;
    assert_eq!(internal.status, StatusCode::CREATED, "{}", internal.text);
    let internal_id = internal.json["id"].as_i64().unwrap();
    let seen = t.api(Method::GET, "/api/v1/requests/IT-1/attachments", Some(&w.requester), None).await;
    assert_eq!(seen.json.as_array().unwrap().len(), 2, "the two public files");
    assert!(!seen.text.contains("SECRET"));
    t.api(Method::GET, &format!("/api/v1/requests/IT-1/attachments/{internal_id}"), Some(&w.requester), None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");
    let events = t.api(Method::GET, "/api/v1/requests/IT-1/events", Some(&w.requester), None).await;
    assert!(!events.text.contains("SECRET"), "the history does not name internal files");
    assert_eq!(
        t.api(Method::GET, "/api/v1/requests/IT-1/attachments", Some(&w.agent), None)
            .await
            .json
            .as_array()
            .unwrap()
            .len(),
        3
    );
    t.api(Method::GET, &format!("/api/v1/requests/IT-1/attachments/{id}"), Some(&w.outsider), None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");

    // The size limit (20 MB by default) is a 413 problem.
    let big = upload(&w.requester, "big.bin", false, vec![7u8; 20 * 1024 * 1024 + 1]).await;
    big.assert_problem(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    upload(&w.requester, "empty.txt", false, Vec::new())
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    // In the browser.
    let mut b = t.browser();
    b.login("sam@example.com", PASSWORD).await;
    let csrf = b.csrf("/requests/IT-1").await;
    let r = b.post_multipart("/requests/IT-1/attachments", &[("csrf", &csrf)], b"meeting notes").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = b.get("/requests/IT-1").await;
    assert!(page.body.contains("x.csv") && page.body.contains("screen.png") && !page.body.contains("SECRET"));
    let forged = b.post_multipart("/requests/IT-1/attachments", &[("csrf", "forged")], b"x").await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
});

both!(bulk_changes_and_saved_views, |t| {
    let w = world(&t).await;
    for s in ["One", "Two", "Three"] {
        file(&t, &w.requester, s).await;
    }
    t.api(Method::POST, "/api/v1/requests/IT-3/status", Some(&w.agent), Some(json!({"status": "closed"}))).await;
    let lena = t.store.person_by_email("lena@example.com").await.unwrap();
    let r = t
        .api(
            Method::POST,
            "/api/v1/requests/bulk",
            Some(&w.agent),
            Some(json!({"keys": ["IT-1", "IT-2", "IT-3", "IT-99"], "assignee_id": lena.id.0})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["changed"], json!(["IT-1", "IT-2"]));
    let refused: Vec<&str> = r.json["refused"].as_array().unwrap().iter().map(|x| x["key"].as_str().unwrap()).collect();
    assert_eq!(refused, ["IT-3", "IT-99"], "closed and unknown are refused, the rest still change");
    let r = t
        .api(
            Method::POST,
            "/api/v1/requests/bulk",
            Some(&w.requester),
            Some(json!({"keys": ["IT-1"], "status": "resolved"})),
        )
        .await;
    assert_eq!(r.json["changed"], json!([]), "requesters cannot bulk-change");
    t.api(
        Method::POST,
        "/api/v1/requests/bulk",
        Some(&w.agent),
        Some(json!({"keys": ["IT-1"], "status": "resolved", "priority": "P1"})),
    )
    .await
    .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let r = t
        .api(
            Method::POST,
            "/api/v1/requests/bulk",
            Some(&w.agent),
            Some(json!({"keys": ["IT-1", "IT-2"], "assignee_id": null})),
        )
        .await;
    assert_eq!(r.json["changed"], json!(["IT-1", "IT-2"]), "{}", r.text);

    // Saved views are personal.
    let v = t
        .api(
            Method::POST,
            "/api/v1/views",
            Some(&w.agent),
            Some(json!({"name": "Unassigned", "path": "/teams/IT/queue?assignee=none"})),
        )
        .await;
    assert_eq!(v.status, StatusCode::CREATED, "{}", v.text);
    t.api(Method::POST, "/api/v1/views", Some(&w.agent), Some(json!({"name": "Unassigned", "path": "/requests"})))
        .await
        .assert_problem(StatusCode::CONFLICT, "conflict");
    t.api(
        Method::POST,
        "/api/v1/views",
        Some(&w.agent),
        Some(json!({"name": "Elsewhere", "path": "https://evil.example/"})),
    )
    .await
    .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(t.api(Method::GET, "/api/v1/views", Some(&w.requester), None).await.json["items"], json!([]));
    let id = v.json["id"].as_i64().unwrap();
    t.api(Method::DELETE, &format!("/api/v1/views/{id}"), Some(&w.requester), None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");

    // In the browser: tick two, resolve them; save the list.
    let mut max = t.browser();
    max.login("max@example.com", PASSWORD).await;
    let queue = max.get("/teams/IT/queue").await;
    assert!(queue.body.contains("Unassigned") && queue.body.contains("name=\"keys\""));
    let csrf = queue.csrf();
    let done = max
        .post(
            "/teams/IT/queue/bulk",
            &[("csrf", &csrf), ("keys", "IT-1"), ("keys", "IT-2"), ("action", "status:resolved")],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(done.body.contains("Changed 2 of 2 requests."), "{}", done.body);
    assert_eq!(t.api(Method::GET, "/api/v1/requests/IT-1", Some(&w.agent), None).await.json["status"], "resolved");
    let nothing = max.post("/teams/IT/queue/bulk", &[("csrf", &csrf), ("action", "status:resolved")]).await;
    assert!(nothing.body.contains("Tick the requests"));
    let saved =
        max.post("/views", &[("csrf", &csrf), ("name", "Resolved"), ("path", "/teams/IT/queue?status=resolved")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(saved.location(), "/teams/IT/queue?status=resolved");
    assert!(max.get("/requests").await.body.contains(">Resolved</a>"));
});
