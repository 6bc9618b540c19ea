//! Ratings on requests, both ways: the requester's window and lock on injected time, the ask on
//! resolution, the leads' notice of a poor rating (once), the provider's rating seen by the
//! requesting team only in safe aggregates, the organisation's scale, and the browser forms.

use axum::http::{Method, StatusCode};
use concentric_core::authz::Actor;
use concentric_core::team::MemberRole;
use concentric_core::time::{Millis, TimeSource};
use serde_json::{json, Value};

use crate::both;
use crate::harness::{TestApp, PASSWORD};
use crate::requests::{file, world};

const DAY: i64 = 86_400_000;

async fn kinds(t: &TestApp, token: &str) -> Vec<String> {
    let r = t.api(Method::GET, "/api/v1/notifications?limit=200", Some(token), None).await;
    r.json["items"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap().to_owned()).collect()
}

fn count(kinds: &[String], kind: &str) -> usize {
    kinds.iter().filter(|k| *k == kind).count()
}

async fn set_status(t: &TestApp, token: &str, key: &str, status: &str) {
    let r = t
        .api(Method::POST, &format!("/api/v1/requests/{key}/status"), Some(token), Some(json!({ "status": status })))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

async fn put(t: &TestApp, token: &str, path: &str, body: Value) -> crate::harness::ApiResponse {
    t.api(Method::PUT, path, Some(token), Some(body)).await
}

both!(requesters_rate_resolved_requests_for_seven_days, |t| {
    let w = world(&t).await;
    let key = file(&t, &w.requester, "My laptop died").await["key"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/requests/{key}/rating");

    // Not before it is resolved; not by anyone but the requester.
    put(&t, &w.requester, &path, json!({"score": 3})).await.assert_problem(StatusCode::CONFLICT, "conflict");
    set_status(&t, &w.agent, &key, "resolved").await;
    put(&t, &w.agent, &path, json!({"score": 3})).await.assert_problem(StatusCode::FORBIDDEN, "forbidden");
    put(&t, &w.outsider, &path, json!({"score": 3})).await.assert_problem(StatusCode::NOT_FOUND, "not_found");
    let bad = put(&t, &w.requester, &path, json!({"score": 4, "comment": "x".repeat(2001)})).await;
    bad.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(bad.json["errors"].as_array().unwrap().len(), 2, "every problem at once: {}", bad.text);

    // The requester was asked to rate instead of only being told.
    let asked = kinds(&t, &w.requester).await;
    assert_eq!((count(&asked, "rate_request"), count(&asked, "status")), (1, 0), "{asked:?}");

    let poor = put(&t, &w.requester, &path, json!({"score": 1, "comment": "It took a week"})).await;
    assert_eq!(poor.status, StatusCode::OK, "{}", poor.text);
    assert_eq!((poor.json["word"].as_str(), poor.json["scale_max"].as_i64()), (Some("Poor"), Some(3)));
    // Changed back and forth: the lead hears of the poor rating once.
    put(&t, &w.requester, &path, json!({"score": 3})).await;
    put(&t, &w.requester, &path, json!({"score": 1, "comment": "Still slow"})).await;
    assert_eq!(count(&kinds(&t, &w.lead).await, "poor_rating"), 1);

    // The providing team sees it; an outsider does not.
    let seen = t.api(Method::GET, &path, Some(&w.agent), None).await;
    assert_eq!(seen.json["comment"], "Still slow", "{}", seen.text);
    assert_eq!(t.api(Method::GET, &path, Some(&w.outsider), None).await.status, StatusCode::NOT_FOUND);

    // Reopening keeps the rating and it can still change within the window.
    set_status(&t, &w.agent, &key, "in_progress").await;
    assert_eq!(t.api(Method::GET, &path, Some(&w.requester), None).await.json["score"], 1);
    t.time.set(Millis(t.time.now().0 + 6 * DAY));
    assert_eq!(put(&t, &w.requester, &path, json!({"score": 2})).await.status, StatusCode::OK);
    // Seven days after it was first given, it is locked.
    t.time.set(Millis(t.time.now().0 + DAY + 1000));
    let locked = put(&t, &w.requester, &path, json!({"score": 3})).await;
    locked.assert_problem(StatusCode::CONFLICT, "conflict");
    assert!(locked.text.contains("locked"), "{}", locked.text);

    // The team's list and results.
    let list = t.api(Method::GET, "/api/v1/ratings?team=IT", Some(&w.agent), None).await;
    assert_eq!(list.json["total"], 1, "{}", list.text);
    t.api(Method::GET, "/api/v1/ratings?team=IT", Some(&w.outsider), None)
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let mine = t.api(Method::GET, "/api/v1/ratings", Some(&w.requester), None).await;
    assert_eq!(mine.json["items"][0]["request_key"], key.as_str());
    let results = t.api(Method::GET, "/api/v1/teams/IT/ratings", Some(&w.lead), None).await;
    assert_eq!(
        results.json["as_provider"]["overall"],
        json!({"satisfied": 0, "neutral": 1, "poor": 0}),
        "{}",
        results.text
    );
    assert_eq!(results.json["as_provider"]["by_agent"].as_array().unwrap().len(), 1, "leads see agents");
    let outside = t.api(Method::GET, "/api/v1/teams/IT/ratings", Some(&w.outsider), None).await;
    assert_eq!(outside.json["as_provider"]["by_agent"], json!([]), "{}", outside.text);
    assert_eq!(outside.json["as_provider"]["by_partner"], json!([]));
    assert_eq!(outside.json["as_customer"], Value::Null);
});

both!(providers_ratings_reach_the_requesting_team_only_in_safe_aggregates, |t| {
    let w = world(&t).await;
    // Sam's colleague Paula leads Sales.
    let paula = t.person("paula@example.com", "Paula Sales Lead", false).await;
    let sal = t.store.team_by_key("SAL").await.unwrap();
    t.store.set_membership(&Actor::system(), sal.id, paula.id, MemberRole::Lead).await.unwrap();
    let sales_lead = t.token(&paula).await;

    let mut keys = Vec::new();
    for n in 0..5 {
        let key = file(&t, &w.requester, &format!("Laptop {n}")).await["key"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/requests/{key}/provider-rating");
        // Only once resolved, only by the providing team.
        put(&t, &w.agent, &path, json!({"score": 1})).await.assert_problem(StatusCode::CONFLICT, "conflict");
        set_status(&t, &w.agent, &key, "resolved").await;
        put(&t, &w.requester, &path, json!({"score": 1})).await.assert_problem(StatusCode::FORBIDDEN, "forbidden");
        let flags = if n < 2 { json!(["missing_inputs"]) } else { json!([]) };
        let r = put(&t, &w.agent, &path, json!({"score": if n < 2 { 1 } else { 3 }, "flags": flags})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        keys.push(key);
    }
    // The requester never sees the provider's rating of their request, nor its history.
    let path = format!("/api/v1/requests/{}/provider-rating", keys[0]);
    t.api(Method::GET, &path, Some(&w.requester), None).await.assert_problem(StatusCode::FORBIDDEN, "forbidden");
    t.api(Method::GET, "/api/v1/ratings?direction=provider", Some(&w.requester), None)
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let history = t.api(Method::GET, &format!("/api/v1/requests/{}/events", keys[0]), Some(&w.requester), None).await;
    assert!(!history.text.contains("provider"), "{}", history.text);
    let page = t.api(Method::GET, &format!("/api/v1/requests/{}", keys[0]), Some(&sales_lead), None).await;
    assert!(!page.text.contains("missing_inputs"), "{}", page.text);
    // The providing team sees them one by one.
    let theirs = t.api(Method::GET, "/api/v1/ratings?team=IT&direction=provider", Some(&w.agent), None).await;
    assert_eq!(theirs.json["total"], 5, "{}", theirs.text);

    // Sales' lead sees them added up: five ratings reach the smallest group.
    let r = t.api(Method::GET, "/api/v1/teams/SAL/ratings", Some(&sales_lead), None).await;
    let c = &r.json["as_customer"];
    assert_eq!(c["count"], 5, "{}", r.text);
    assert_eq!(c["overall"], json!({"satisfied": 3, "neutral": 0, "poor": 2}));
    assert_eq!(c["flags"], json!([{"flag": "missing_inputs", "count": 2}]));
    assert_eq!(c["by_supplier"][0]["key"], "IT");
    // A member of Sales who is not a lead sees nothing of it.
    let member = t.api(Method::GET, "/api/v1/teams/SAL/ratings", Some(&w.requester), None).await;
    assert_eq!(member.json["as_customer"], Value::Null);

    // With a smallest group of six, five ratings show only their count.
    let admin_settings = json!({"scale": "three_point", "min_group": 6});
    assert_eq!(put(&t, &w.admin, "/api/v1/settings/feedback", admin_settings).await.status, StatusCode::OK);
    let r = t.api(Method::GET, "/api/v1/teams/SAL/ratings", Some(&sales_lead), None).await;
    assert_eq!((r.json["as_customer"]["count"].as_i64(), &r.json["as_customer"]["overall"]), (Some(5), &Value::Null));
    assert_eq!(r.json["as_customer"]["by_supplier"], json!([]));
});

both!(the_scale_is_an_organisation_setting, |t| {
    let w = world(&t).await;
    let path = "/api/v1/settings/feedback";
    assert_eq!(t.api(Method::GET, path, Some(&w.requester), None).await.json["scale"], "three_point");
    put(&t, &w.lead, path, json!({"scale": "five_point", "min_group": 5}))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let low = put(&t, &w.admin, path, json!({"scale": "five_point", "min_group": 2})).await;
    low.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(low.json["errors"][0]["field"], "min_group");

    // A rating given on three points keeps its scale after the organisation moves to five.
    let old = file(&t, &w.requester, "Old").await["key"].as_str().unwrap().to_owned();
    set_status(&t, &w.agent, &old, "resolved").await;
    put(&t, &w.requester, &format!("/api/v1/requests/{old}/rating"), json!({"score": 3})).await;
    assert_eq!(put(&t, &w.admin, path, json!({"scale": "five_point", "min_group": 5})).await.status, StatusCode::OK);
    let again = put(&t, &w.requester, &format!("/api/v1/requests/{old}/rating"), json!({"score": 5})).await;
    again.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    let new = file(&t, &w.requester, "New").await["key"].as_str().unwrap().to_owned();
    set_status(&t, &w.agent, &new, "resolved").await;
    let r = put(&t, &w.requester, &format!("/api/v1/requests/{new}/rating"), json!({"score": 5})).await;
    assert_eq!((r.json["word"].as_str(), r.json["scale_max"].as_i64()), (Some("Excellent"), Some(5)), "{}", r.text);
    let summary = t.api(Method::GET, "/api/v1/teams/IT/ratings", Some(&w.lead), None).await;
    assert_eq!(summary.json["as_provider"]["overall"]["satisfied"], 2, "top of either scale: {}", summary.text);
});

both!(rating_in_the_browser, |t| {
    let w = world(&t).await;
    let key = file(&t, &w.requester, "Screen flickers").await["key"].as_str().unwrap().to_owned();
    set_status(&t, &w.agent, &key, "resolved").await;

    let mut sam = t.browser();
    sam.login("sam@example.com", PASSWORD).await;
    let page = sam.get(&format!("/requests/{key}")).await;
    assert!(page.body.contains("How did it go?"), "{}", page.body);
    let csrf = page.csrf();
    // No choice and a comment: the form comes back with the message and the comment kept.
    let refused = sam.post(&format!("/requests/{key}/rating"), &[("csrf", &csrf), ("comment", "Fast, thanks")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("choose a rating from 1 to 3") && refused.body.contains("Fast, thanks"));
    let saved = sam
        .post(&format!("/requests/{key}/rating"), &[("csrf", &csrf), ("score", "3"), ("comment", "Fast, thanks")])
        .await;
    assert_eq!(saved.location(), format!("/requests/{key}?notice=rated"));
    assert!(sam.get(&format!("/requests/{key}")).await.body.contains("You can change it until"));

    // Max rates how it was asked; Sam never sees that form or its result.
    let mut max = t.browser();
    max.login("max@example.com", PASSWORD).await;
    let page = max.get(&format!("/requests/{key}")).await;
    assert!(page.body.contains("How was this request made?") && page.body.contains("Fast, thanks"));
    let r = max
        .post(
            &format!("/requests/{key}/provider-rating"),
            &[("csrf", &page.csrf()), ("score", "2"), ("missing_inputs", "on")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(max.get(&format!("/requests/{key}")).await.body.contains("checked> Inputs missing"));
    assert!(!sam.get(&format!("/requests/{key}")).await.body.contains("How was this request made?"));

    // The team's feedback page, with the comment for its members.
    let feedback = max.get("/teams/IT/feedback").await;
    assert_eq!(feedback.status, StatusCode::OK);
    assert!(feedback.body.contains("100 %") && feedback.body.contains("Fast, thanks"), "{}", feedback.body);
    let outside = sam.get("/teams/IT/feedback").await;
    assert!(outside.body.contains("100 %") && !outside.body.contains("Fast, thanks"));

    // Admins change the settings in the browser; a bad number is explained.
    let mut ada = t.browser();
    ada.login("admin@example.com", PASSWORD).await;
    let form = ada.get("/admin/feedback").await;
    let r = ada.post("/admin/feedback", &[("csrf", &form.csrf()), ("scale", "five_point"), ("min_group", "two")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("enter a whole number of people"));
    let _ = w;
});
