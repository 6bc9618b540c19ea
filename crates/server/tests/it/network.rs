//! The internal customer network: relationships agreed by both sides, goals, observed traffic
//! and the rings around a team.

use axum::http::{Method, StatusCode};
use concentric_core::authz::Actor;
use concentric_core::team::MemberRole;
use serde_json::json;

use crate::both;
use crate::harness::TestApp;
use crate::requests::{file, world};

/// Sam leads Sales in these tests, so Sales can answer for itself.
async fn sales_lead(t: &TestApp) {
    let sam = t.store.person_by_email("sam@example.com").await.unwrap();
    let sal = t.store.team_by_key("SAL").await.unwrap();
    t.store.set_membership(&Actor::system(), sal.id, sam.id, MemberRole::Lead).await.unwrap();
}

both!(relationships_are_agreed_by_both_sides, |t| {
    let w = world(&t).await;
    sales_lead(&t).await;
    let proposal = json!({
        "supplier": "it", "customer": "SAL", "needs": ["Laptops within a week", "VPN that works on the road"],
        "success_measures": "Deals closed per rep", "supplier_contacts": ["max@example.com"], "customer_contacts": ["sam@example.com"]
    });
    // Only the teams' leads may propose; contacts must belong to their side.
    t.api(Method::POST, "/api/v1/relationships", Some(&w.agent), Some(proposal.clone()))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let mut wrong = proposal.clone();
    wrong["customer_contacts"] = json!(["max@example.com", "nobody@example.com"]);
    let r = t.api(Method::POST, "/api/v1/relationships", Some(&w.lead), Some(wrong)).await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(
        r.text.contains("max@example.com is not in the customer team") && r.text.contains("nobody@example.com"),
        "{}",
        r.text
    );

    let r = t.api(Method::POST, "/api/v1/relationships", Some(&w.lead), Some(proposal.clone())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json["id"].as_i64().unwrap();
    assert_eq!((r.json["status"].as_str(), r.json["proposed_by"].as_str()), (Some("proposed"), Some("supplier")));
    assert_eq!(r.json["contacts"].as_array().unwrap().len(), 2);
    t.api(Method::POST, "/api/v1/relationships", Some(&w.lead), Some(proposal.clone()))
        .await
        .assert_problem(StatusCode::CONFLICT, "conflict");

    // The proposer cannot answer their own proposal; the other side edits (a counter-proposal).
    t.api(Method::POST, &format!("/api/v1/relationships/{id}/confirm"), Some(&w.lead), None)
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let counter = json!({ "supplier": "IT", "customer": "SAL", "needs": ["Laptops within three days"] });
    let r = t.api(Method::PUT, &format!("/api/v1/relationships/{id}"), Some(&w.requester), Some(counter)).await;
    assert_eq!(
        (r.json["status"].as_str(), r.json["proposed_by"].as_str()),
        (Some("proposed"), Some("customer")),
        "{}",
        r.text
    );
    let r = t.api(Method::POST, &format!("/api/v1/relationships/{id}/confirm"), Some(&w.lead), None).await;
    assert_eq!(r.json["status"], "active", "{}", r.text);
    assert_eq!(r.json["needs"], json!(["Laptops within three days"]));
    t.api(Method::POST, &format!("/api/v1/relationships/{id}/decline"), Some(&w.requester), None)
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    t.api(Method::POST, &format!("/api/v1/relationships/{id}/decline"), Some(&w.lead), None)
        .await
        .assert_problem(StatusCode::CONFLICT, "illegal_transition");

    // A declined proposal can be proposed again.
    let r = t
        .api(
            Method::POST,
            "/api/v1/relationships",
            Some(&w.requester),
            Some(json!({"supplier": "SAL", "customer": "IT"})),
        )
        .await;
    let back = r.json["id"].as_i64().unwrap();
    let r = t.api(Method::POST, &format!("/api/v1/relationships/{back}/decline"), Some(&w.lead), None).await;
    assert_eq!(r.json["status"], "declined", "{}", r.text);
    let r = t
        .api(
            Method::POST,
            "/api/v1/relationships",
            Some(&w.requester),
            Some(json!({"supplier": "SAL", "customer": "IT"})),
        )
        .await;
    assert_eq!((r.status, r.json["status"].as_str()), (StatusCode::CREATED, Some("proposed")));
    let r = t.api(Method::GET, "/api/v1/relationships?team=IT", Some(&w.outsider), None).await;
    assert_eq!(r.json.as_array().unwrap().len(), 2);
});

both!(traffic_without_a_relationship_is_an_undeclared_dependency, |t| {
    let w = world(&t).await;
    sales_lead(&t).await;
    for i in 0..3 {
        file(&t, &w.requester, &format!("Laptop {i}")).await;
    }
    let r = t.api(Method::GET, "/api/v1/network", Some(&w.outsider), None).await;
    let edges = r.json.as_array().unwrap();
    assert_eq!(edges.len(), 1, "{}", r.text);
    let e = &edges[0];
    assert_eq!(
        (e["supplier_key"].as_str(), e["customer_key"].as_str(), e["requests"].as_i64()),
        (Some("IT"), Some("SAL"), Some(3))
    );
    assert!(e["status"].is_null());
    assert_eq!(e["health"]["kind"], "not_enough_data", "no targets decided yet: no made-up score");
    // The edge itself, with the services the customer uses.
    let r = t.api(Method::GET, "/api/v1/network/IT/SAL", Some(&w.outsider), None).await;
    assert_eq!(r.json["services"], json!([{"slug": "laptop", "name": "Laptop request", "requests": 3}]), "{}", r.text);
    assert_eq!((r.json["relationship"].is_null(), r.json["commitments"].as_array().map(Vec::len)), (true, Some(0)));
    t.api(Method::GET, "/api/v1/network/IT/NOPE", Some(&w.outsider), None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");

    // What IT owes Sales is what Sales waits on from IT.
    let owed = t.api(Method::GET, "/api/v1/teams/IT/owed", Some(&w.outsider), None).await;
    assert_eq!(
        (owed.json[0]["team_key"].as_str(), owed.json[0]["open"].as_i64()),
        (Some("SAL"), Some(3)),
        "{}",
        owed.text
    );
    let waiting = t.api(Method::GET, "/api/v1/teams/SAL/waiting", Some(&w.outsider), None).await;
    assert_eq!((waiting.json[0]["team_key"].as_str(), waiting.json[0]["open"].as_i64()), (Some("IT"), Some(3)));
    // A request waiting on its requester is Sales' to answer: counted apart on both sides.
    let r = t
        .api(
            Method::POST,
            "/api/v1/requests/IT-1/status",
            Some(&w.agent),
            Some(json!({"status": "waiting_on_requester"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    for view in ["/api/v1/teams/IT/owed", "/api/v1/teams/SAL/waiting"] {
        let r = t.api(Method::GET, view, Some(&w.outsider), None).await;
        assert_eq!(
            (r.json[0]["open"].as_i64(), r.json[0]["to_answer"].as_i64()),
            (Some(2), Some(1)),
            "{view}: {}",
            r.text
        );
    }
    // The organisation's weak spots are for admins and leads.
    t.api(Method::GET, "/api/v1/network/summary", Some(&w.outsider), None)
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let r = t.api(Method::GET, "/api/v1/network/summary", Some(&w.lead), None).await;
    assert_eq!(r.json["bottlenecks"][0]["key"], "IT", "{}", r.text);
    assert_eq!(r.json["undeclared"].as_array().unwrap().len(), 1);

    let r = t
        .api(Method::POST, "/api/v1/relationships", Some(&w.lead), Some(json!({"supplier": "IT", "customer": "SAL"})))
        .await;
    let id = r.json["id"].as_i64().unwrap();
    t.api(Method::POST, &format!("/api/v1/relationships/{id}/confirm"), Some(&w.requester), None).await;
    // FAC supplies IT (declared, no traffic): a second ring from Sales' point of view.
    t.api(Method::POST, "/api/v1/relationships", Some(&w.admin), Some(json!({"supplier": "FAC", "customer": "IT"})))
        .await;
    let r = t.api(Method::GET, "/api/v1/teams/SAL/network?depth=2", Some(&w.outsider), None).await;
    let rings: Vec<(&str, i64, &str)> = r.json["rings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["key"].as_str().unwrap(), n["ring"].as_i64().unwrap(), n["role"].as_str().unwrap()))
        .collect();
    assert_eq!(rings, [("IT", 1, "supplier"), ("FAC", 2, "partner")], "{}", r.text);
    let edge = r.json["edges"].as_array().unwrap().iter().find(|e| e["supplier_key"] == "IT").unwrap().clone();
    assert_eq!(edge["status"], "active");
    t.api(Method::GET, "/api/v1/teams/SAL/network?depth=9", Some(&w.outsider), None)
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
});

both!(teams_keep_a_few_goals, |t| {
    let w = world(&t).await;
    let r = t
        .api(
            Method::POST,
            "/api/v1/teams/IT/goals",
            Some(&w.lead),
            Some(json!({"title": "Every laptop in 3 days", "period": "2026-Q4"})),
        )
        .await;
    assert_eq!((r.status, r.json["status"].as_str()), (StatusCode::CREATED, Some("planned")), "{}", r.text);
    let id = r.json["id"].as_i64().unwrap();
    t.api(Method::POST, "/api/v1/teams/IT/goals", Some(&w.agent), Some(json!({"title": "x"})))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    t.api(Method::POST, "/api/v1/teams/IT/goals", Some(&w.lead), Some(json!({"title": "  "})))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let r = t
        .api(
            Method::PUT,
            &format!("/api/v1/teams/IT/goals/{id}"),
            Some(&w.lead),
            Some(json!({"title": "Every laptop in 3 days", "status": "on_track"})),
        )
        .await;
    assert_eq!(r.json["status"], "on_track", "{}", r.text);
    t.api(Method::PUT, &format!("/api/v1/teams/SAL/goals/{id}"), Some(&w.admin), Some(json!({"title": "moved"})))
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");
    let r = t.api(Method::GET, "/api/v1/teams/IT/goals", Some(&w.outsider), None).await;
    assert_eq!(r.json.as_array().unwrap().len(), 1);

    // Business goals are the admins'; team goals say which one they support.
    let growth = json!({"title": "Grow revenue 12 %", "status": "on_track", "period": "2026"});
    t.api(Method::POST, "/api/v1/goals", Some(&w.lead), Some(growth.clone()))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let r = t.api(Method::POST, "/api/v1/goals", Some(&w.admin), Some(growth)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let business = r.json["id"].as_i64().unwrap();
    let supports = |b: i64| json!({"title": "Every laptop in 3 days", "business_goal_id": b});
    t.api(Method::PUT, &format!("/api/v1/teams/IT/goals/{id}"), Some(&w.lead), Some(supports(business + 99)))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let r = t.api(Method::PUT, &format!("/api/v1/teams/IT/goals/{id}"), Some(&w.lead), Some(supports(business))).await;
    assert_eq!(r.json["business_goal_title"], "Grow revenue 12 %", "{}", r.text);
    let r = t.api(Method::GET, "/api/v1/goals", Some(&w.outsider), None).await;
    assert_eq!(
        r.json[0]["supported_by"],
        json!([{"team_key": "IT", "team_name": "IT Services", "title": "Every laptop in 3 days", "status": "planned"}]),
        "{}",
        r.text
    );
    let mut admin = t.browser();
    admin.login("admin@example.com", crate::harness::PASSWORD).await;
    let page = admin.get("/goals").await;
    assert!(page.body.contains("Grow revenue 12 %") && page.body.contains("Every laptop in 3 days"), "{}", page.body);
    let csrf = admin.csrf("/goals").await;
    let page = admin.post("/goals", &[("csrf", csrf.as_str()), ("title", ""), ("period", "kept period")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("kept period"), "{}", page.body);
});

both!(relationships_from_the_browser, |t| {
    let w = world(&t).await;
    sales_lead(&t).await;
    let _ = w;
    let mut lena = t.browser();
    lena.login("lena@example.com", crate::harness::PASSWORD).await;
    let csrf = lena.csrf("/teams/IT/network").await;
    let bad = [("csrf", csrf.as_str()), ("supplier", "IT"), ("customer", ""), ("needs", "Laptops in a week")];
    let page = lena.post("/teams/IT/relationships", &bad).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains("name the customer team") && page.body.contains("Laptops in a week"),
        "kept: {}",
        page.body
    );
    let good = [("csrf", csrf.as_str()), ("supplier", "IT"), ("customer", "SAL"), ("needs", "Laptops in a week")];
    assert_eq!(lena.post("/teams/IT/relationships", &good).await.status, StatusCode::SEE_OTHER);

    let mut sam = t.browser();
    sam.login("sam@example.com", crate::harness::PASSWORD).await;
    let page = sam.get("/teams/SAL/network").await;
    assert!(page.body.contains("Confirm"), "Sales answers: {}", page.body);
    let id = t.store.relationships(None).await.unwrap()[0].id;
    let csrf = sam.csrf("/teams/SAL/network").await;
    let page = sam
        .post(
            &format!("/relationships/{id}/answer"),
            &[("csrf", csrf.as_str()), ("answer", "confirm"), ("back", "SAL")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = sam.get("/network/IT/SAL").await;
    assert!(page.body.contains("Relationship: agreed") && page.body.contains("Laptops in a week"), "{}", page.body);
});
