//! Partnership reviews: planned by either team's lead, seen by both teams only; an agenda
//! gathered from the numbers between the two and kept once held; a recurring series; action
//! items in the owed/waiting views and feeds; the overdue reminder exactly once on injected time.

use axum::http::{Method, StatusCode};
use chrono::{TimeZone, Utc};
use concentric_core::time::Millis;
use serde_json::{json, Value};

use crate::both;
use crate::harness::{TestApp, PASSWORD};
use crate::requests::{file, world};

fn at(y: i32, m: u32, d: u32, h: u32) -> Millis {
    Millis(Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap().timestamp_millis())
}

async fn kinds(t: &TestApp, token: &str) -> Vec<String> {
    let r = t.api(Method::GET, "/api/v1/notifications?limit=200", Some(token), None).await;
    r.json["items"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap().to_owned()).collect()
}

fn titles(detail: &Value) -> Vec<String> {
    detail["agenda"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap().to_owned()).collect()
}

/// IT serves Sales (agreed); Sam asked twice and rated one request poorly.
async fn partners(t: &TestApp, w: &crate::requests::World) {
    let rel = t
        .api(Method::POST, "/api/v1/relationships", Some(&w.lead), Some(json!({"supplier": "IT", "customer": "SAL"})))
        .await;
    let id = rel.json["id"].as_i64().unwrap();
    t.api(Method::POST, &format!("/api/v1/relationships/{id}/confirm"), Some(&w.admin), None).await;
    for subject in ["Laptop died", "Screen flickers"] {
        file(t, &w.requester, subject).await;
    }
    t.api(Method::POST, "/api/v1/requests/IT-1/status", Some(&w.agent), Some(json!({"status": "resolved"}))).await;
    let r = t
        .api(
            Method::PUT,
            "/api/v1/requests/IT-1/rating",
            Some(&w.requester),
            Some(json!({"score": 1, "comment": "Took a week"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

both!(reviews_carry_an_agenda_from_the_numbers_and_action_items_to_done, |t| {
    let w = world(&t).await;
    t.time.set(at(2026, 11, 18, 10));
    partners(&t, &w).await;

    // Only the two teams' leads plan; every bad field at once; attendees from either team.
    let plan = json!({"supplier": "IT", "customer": "SAL", "scheduled_for": "2026-11-25T10:00", "zone": "UTC",
        "rule": "FREQ=MONTHLY;INTERVAL=3", "attendees": ["max@example.com", "sam@example.com"]});
    t.api(Method::POST, "/api/v1/reviews", Some(&w.agent), Some(plan.clone()))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let bad = t
        .api(
            Method::POST,
            "/api/v1/reviews",
            Some(&w.lead),
            Some(json!({"supplier": "IT", "customer": "SAL", "scheduled_for": "next week",
            "zone": "Nowhere/City", "attendees": ["olga@example.com"]})),
        )
        .await;
    bad.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(bad.json["errors"].as_array().unwrap().len(), 2, "{}", bad.text);
    let outsider_invited = json!({"supplier": "IT", "customer": "SAL", "scheduled_for": "2026-11-25T10:00", "attendees": ["olga@example.com"]});
    let r = t.api(Method::POST, "/api/v1/reviews", Some(&w.lead), Some(outsider_invited)).await;
    assert_eq!(r.json["errors"][0]["field"], "attendees", "{}", r.text);
    let review = t.api(Method::POST, "/api/v1/reviews", Some(&w.lead), Some(plan)).await;
    assert_eq!(review.status, StatusCode::CREATED, "{}", review.text);
    let id = review.json["id"].as_i64().unwrap();
    assert_eq!(kinds(&t, &w.requester).await.iter().filter(|k| *k == "review_planned").count(), 1);

    // Both teams see it; a third team does not.
    let path = format!("/api/v1/reviews/{id}");
    t.api(Method::GET, &path, Some(&w.outsider), None).await.assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let detail = t.api(Method::GET, &path, Some(&w.requester), None).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.text);
    assert_eq!(
        titles(&detail.json),
        [
            "Targets: none decided",
            "How Sales rated IT Services",
            "How IT Services rated the requests from Sales",
            "Relationship: agreed"
        ]
    );
    assert_eq!(
        detail.json["agenda"][0]["points"][0],
        "Sales filed 2 requests with IT Services; 0 of 0 targets met (0 %)."
    );
    assert_eq!(detail.json["agenda"][1]["points"][1], "IT-1 (poor): \"Took a week\"");
    assert_eq!(detail.json["agenda"][1]["attention"], true);
    assert_eq!(detail.json["since"], "2026-08-20T10:00:00Z", "a first review looks back 90 days");

    // An action item owed by Sales to IT: in both views, the owner is told.
    let actions_path = format!("/api/v1/reviews/{id}/actions");
    let add = |body: Value| t.api(Method::POST, &actions_path, Some(&w.lead), Some(body));
    let r = add(json!({"title": "Send the hiring plan", "owner": "olga@example.com", "due_on": "2026-12-01"})).await;
    assert_eq!(r.json["errors"][0]["field"], "owner", "owners come from the two teams: {}", r.text);
    let action =
        add(json!({"title": "Send the hiring plan", "owner": "sam@example.com", "due_on": "2026-12-01"})).await;
    assert_eq!(action.status, StatusCode::CREATED, "{}", action.text);
    assert_eq!(
        (action.json["owner_team_key"].as_str(), action.json["waiting_team_key"].as_str()),
        (Some("SAL"), Some("IT"))
    );
    assert!(kinds(&t, &w.requester).await.contains(&"action_assigned".to_owned()));
    let owed = t.api(Method::GET, "/api/v1/teams/SAL/owed", Some(&w.requester), None).await;
    let it = owed.json.as_array().unwrap().iter().find(|l| l["team_key"] == "IT").unwrap().clone();
    assert_eq!(it["actions_open"], 1, "{}", owed.text);
    let waiting = t.api(Method::GET, "/api/v1/teams/IT/waiting", Some(&w.agent), None).await;
    assert_eq!(waiting.json.as_array().unwrap().iter().find(|l| l["team_key"] == "SAL").unwrap()["actions_open"], 1);

    // Holding it keeps the agenda as it stood and plans the next of the series.
    t.time.set(at(2026, 11, 25, 11));
    let held = t
        .api(
            Method::PUT,
            &path,
            Some(&w.requester),
            Some(json!({"notes": "Good talk", "decisions": "- weekly check-in", "status": "held"})),
        )
        .await;
    assert_eq!(held.status, StatusCode::OK, "attendees keep the record: {}", held.text);
    t.api(Method::PUT, &path, Some(&w.lead), Some(json!({"status": "planned"})))
        .await
        .assert_problem(StatusCode::CONFLICT, "illegal_transition");
    t.api(Method::POST, "/api/v1/requests/IT-2/status", Some(&w.agent), Some(json!({"status": "resolved"}))).await;
    t.api(
        Method::PUT,
        "/api/v1/requests/IT-2/rating",
        Some(&w.requester),
        Some(json!({"score": 1, "comment": "Again slow"})),
    )
    .await;
    let kept = t.api(Method::GET, &path, Some(&w.lead), None).await;
    assert!(!kept.text.contains("Again slow"), "the held agenda is kept: {}", kept.text);
    let all = t.api(Method::GET, "/api/v1/reviews?team=IT", Some(&w.lead), None).await;
    assert_eq!(all.json["total"], 2, "{}", all.text);
    let next = all.json["items"][0].clone();
    assert_eq!((next["status"].as_str(), next["scheduled_for"].as_str()), (Some("planned"), Some("2027-02-25T10:00")));
    assert_eq!(next["attendees"].as_array().unwrap().len(), 2);
    let next_detail = t.api(Method::GET, &format!("/api/v1/reviews/{}", next["id"]), Some(&w.lead), None).await;
    assert_eq!(titles(&next_detail.json)[0], "Action items from earlier reviews: 1 open, 0 overdue");
    assert!(next_detail.text.contains("Again slow"), "the next agenda starts after the held review");

    // The owner's feed carries the item; overdue reminds once; done empties the views.
    let feed = t.api(Method::POST, "/api/v1/feeds", Some(&w.requester), Some(json!({}))).await;
    let url = feed.json["url"].as_str().unwrap();
    let ics = t.api(Method::GET, &url[url.find("/feeds/").unwrap()..], None, None).await;
    assert!(ics.text.contains("Action due: Send the hiring plan (for IT Services)"), "{}", ics.text);
    assert!(ics.text.contains("DTSTART;VALUE=DATE:20261201"), "{}", ics.text);
    for hour in [0, 1, 5] {
        t.store.run_due_jobs("node-a", at(2026, 12, 2, hour), &t.state).await.unwrap();
    }
    assert_eq!(kinds(&t, &w.requester).await.iter().filter(|k| *k == "action_overdue").count(), 1);
    t.time.set(at(2026, 12, 2, 9));
    let action_id = action.json["id"].as_i64().unwrap();
    let mine = t.api(Method::GET, "/api/v1/actions?open=true", Some(&w.requester), None).await;
    assert_eq!(mine.json["items"][0]["overdue"], true, "{}", mine.text);
    t.api(Method::PATCH, &format!("/api/v1/actions/{action_id}"), Some(&w.outsider), Some(json!({"status": "done"})))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let done = t
        .api(
            Method::PATCH,
            &format!("/api/v1/actions/{action_id}"),
            Some(&w.requester),
            Some(json!({"status": "done"})),
        )
        .await;
    assert_eq!(done.json["status"], "done", "{}", done.text);
    let owed = t.api(Method::GET, "/api/v1/teams/SAL/owed", Some(&w.requester), None).await;
    assert!(owed.json.as_array().unwrap().iter().all(|l| l["actions_open"] == 0), "{}", owed.text);

    // The edge's health counts the late action item as a broken promise and the ratings as the
    // customer's voice; too little is decided for a score, and the parts say why.
    let edge = t.api(Method::GET, "/api/v1/network/IT/SAL", Some(&w.lead), None).await.json["edge"].clone();
    assert_eq!(
        (edge["actions_kept"].as_i64(), edge["actions_broken"].as_i64()),
        (Some(0), Some(1)),
        "done a day late: {edge}"
    );
    assert_eq!(edge["satisfaction"], json!({"satisfied": 0, "neutral": 0, "poor": 2}));
    assert_eq!(edge["health"]["kind"], "not_enough_data");
    let parts: Vec<&str> = edge["parts"].as_array().unwrap().iter().map(|p| p["evidence"].as_str().unwrap()).collect();
    assert_eq!(parts[0], "0 of 0 requests, 0 of 0 deliveries, 0 of 1 action items");
    assert_eq!(parts[1], "0 of 2 satisfied");
});

both!(reviews_in_the_browser, |t| {
    let w = world(&t).await;
    partners(&t, &w).await;
    let mut lena = t.browser();
    lena.login("lena@example.com", PASSWORD).await;
    let page = lena.get("/teams/IT/reviews").await;
    assert!(page.body.contains("Plan a review") && page.body.contains("Sales (we serve them)"), "{}", page.body);
    let csrf = page.csrf();
    let refused = lena
        .post(
            "/teams/IT/reviews",
            &[("csrf", &csrf), ("partner", "supplies:SAL"), ("scheduled_for", ""), ("attendees", "olga@example.com")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("olga@example.com") && refused.body.contains("field-error"));
    let made = lena
        .post(
            "/teams/IT/reviews",
            &[
                ("csrf", &csrf),
                ("partner", "supplies:SAL"),
                ("scheduled_for", "2026-12-10T10:00"),
                ("rule", ""),
                ("attendees", "sam@example.com"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let review = made.location().split('?').next().unwrap().to_owned();
    let page = lena.get(&review).await;
    assert!(page.body.contains("How Sales rated IT Services") && page.body.contains("Took a week"));
    let added = lena
        .post(
            &format!("{review}/actions"),
            &[
                ("csrf", &page.csrf()),
                ("title", "Send the catalogue"),
                ("owner", "max@example.com"),
                ("due_on", "2026-12-20"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let recorded = lena
        .post(
            &review,
            &[
                ("csrf", &page.csrf()),
                ("notes", "**Agreed** to meet monthly"),
                ("decisions", ""),
                ("status", "held"),
                ("attendees", "sam@example.com"),
            ],
        )
        .await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
    let page = lena.get(&review).await;
    assert!(page.body.contains("<strong>Agreed</strong>") && page.body.contains("Send the catalogue"));
    assert!(page.body.contains("as they stood when the review was held"));

    // Sam (Sales) reads it; Olga (Facilities) cannot.
    let mut sam = t.browser();
    sam.login("sam@example.com", PASSWORD).await;
    assert_eq!(sam.get(&review).await.status, StatusCode::OK);
    let mut olga = t.browser();
    olga.login("olga@example.com", PASSWORD).await;
    assert_eq!(olga.get(&review).await.status, StatusCode::FORBIDDEN);
});
