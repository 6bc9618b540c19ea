//! A team's page as its showcase: what it does, its partners in one ring, its goals and the
//! business goals they serve, its recent wins, and its people with what each can help with.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::both;
use crate::harness::PASSWORD;
use crate::requests::world;

both!(the_team_page_shows_what_the_team_does_for_others, |t| {
    let w = world(&t).await;
    let rel = t
        .api(Method::POST, "/api/v1/relationships", Some(&w.lead), Some(json!({"supplier": "IT", "customer": "SAL"})))
        .await;
    assert!(rel.status.is_success(), "{}", rel.text);
    let business =
        t.api(Method::POST, "/api/v1/goals", Some(&w.admin), Some(json!({"title": "Happy new starters"}))).await;
    let goal = json!({"title": "Laptops on day one", "status": "on_track", "period": "2026-Q4",
                      "business_goal_id": business.json["id"]});
    let made = t.api(Method::POST, "/api/v1/teams/IT/goals", Some(&w.lead), Some(goal)).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    t.api(
        Method::POST,
        "/api/v1/news",
        Some(&w.agent),
        Some(json!({"team": "IT", "title": "Same-day laptops", "spotlight": true})),
    )
    .await;

    // Max says what he helps with; his lead may too; nobody else.
    let max = t.store.person_by_email("max@example.com").await.unwrap().id;
    let path = format!("/api/v1/teams/IT/members/{max}/helps-with");
    let own = t.api(Method::PUT, &path, Some(&w.agent), Some(json!({"helps_with": " laptops, VPN "}))).await;
    assert_eq!(own.status, StatusCode::NO_CONTENT, "{}", own.text);
    t.api(Method::PUT, &path, Some(&w.requester), Some(json!({"helps_with": "anything"})))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    t.api(Method::PUT, &path, Some(&w.lead), Some(json!({"helps_with": "x".repeat(201)})))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let team = t.api(Method::GET, "/api/v1/teams/IT", Some(&w.outsider), None).await;
    let helps: Vec<&str> =
        team.json["members"].as_array().unwrap().iter().map(|m| m["helps_with"].as_str().unwrap()).collect();
    assert!(helps.contains(&"laptops, VPN"), "{}", team.text);

    // Anyone sees the showcase; only members get the form for themselves.
    let mut sam = t.browser();
    sam.login("sam@example.com", PASSWORD).await;
    let page = sam.get("/teams/IT").await;
    for part in [
        "What we do and why it matters",
        "Laptops on day one",
        "Happy new starters",
        "Same-day laptops",
        "laptops, VPN",
        "Sales</a> <span class=\"muted small\">we serve it",
    ] {
        assert!(page.body.contains(part), "{part}");
    }
    assert!(!page.body.contains("What you can help with"));
    let mut max_web = t.browser();
    max_web.login("max@example.com", PASSWORD).await;
    let csrf = max_web.csrf("/teams/IT").await;
    let saved = max_web
        .post(
            "/teams/IT/members/helps-with",
            &[("csrf", &csrf), ("person_id", &max.to_string()), ("helps_with", "printers")],
        )
        .await;
    assert_eq!(saved.location(), "/teams/IT?notice=saved#people");
    let lena = t.store.person_by_email("lena@example.com").await.unwrap().id;
    let refused = max_web
        .post("/teams/IT/members/helps-with", &[("csrf", &csrf), ("person_id", &lena.to_string()), ("helps_with", "x")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
});
