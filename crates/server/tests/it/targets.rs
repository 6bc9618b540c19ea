//! Business-time targets: calendars, policies, clocks on requests, and the jobs that mark and
//! escalate them, with time moved by hand.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use concentric_core::time::Millis;
use concentric_store::{PoolOptions, Store};
use serde_json::{json, Value};

use crate::both;
use crate::harness::TestApp;
use crate::requests::{file, world};

const HOUR: i64 = 3_600_000;

/// Working time around the clock, so targets fall due at predictable instants.
fn always() -> Value {
    let day = json!(["00:00-24:00"]);
    json!({ "zone": "UTC", "week": { "mon": day, "tue": day, "wed": day, "thu": day, "fri": day, "sat": day, "sun": day } })
}

/// IT works around the clock and promises P3 a first response in 1 h and resolution in 4 h.
pub(crate) async fn targets(t: &TestApp, lead: &str, extra: Value) {
    let r = t.api(Method::PUT, "/api/v1/teams/IT/calendar", Some(lead), Some(always())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mut policy = json!({ "targets": { "P3": { "first_response": "1h", "resolution": "4h" } } });
    if let (Some(p), Some(e)) = (policy.as_object_mut(), extra.as_object()) {
        p.extend(e.clone());
    }
    let r = t.api(Method::PUT, "/api/v1/teams/IT/services/laptop/targets", Some(lead), Some(policy)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

fn clock<'a>(request: &'a Value, kind: &str) -> &'a Value {
    request["clocks"].as_array().and_then(|c| c.iter().find(|c| c["kind"] == kind)).unwrap_or(&Value::Null)
}

async fn events(t: &TestApp, token: &str, key: &str, action: &str) -> usize {
    let r = t.api(Method::GET, &format!("/api/v1/requests/{key}/events?limit=200"), Some(token), None).await;
    r.json["items"].as_array().unwrap().iter().filter(|e| e["action"] == action).count()
}

both!(clocks_follow_the_request, |t| {
    let w = world(&t).await;
    targets(&t, &w.lead, json!({})).await;
    let req = file(&t, &w.requester, "Laptop broken").await;
    let response = clock(&req, "first_response");
    assert_eq!((response["state"].as_str(), response["target_minutes"].as_i64()), (Some("on_track"), Some(60)));
    assert_eq!(response["zone"], "UTC");
    assert!(response["due_at"].is_string() && response["summary"].as_str().unwrap().ends_with("left"));
    assert_eq!(clock(&req, "resolution")["target_minutes"], 240);
    // Creating answers with the clocks it started, not read back: they must be what a read gives.
    let read = t.api(Method::GET, "/api/v1/requests/IT-1", Some(&w.requester), None).await;
    for kind in ["first_response", "resolution"] {
        let (made, read) = (clock(&req, kind), clock(&read.json, kind));
        for field in ["state", "paused", "target_minutes", "due_at", "zone", "due_local"] {
            assert_eq!(made[field], read[field], "{kind}.{field}");
        }
    }

    // Waiting on the requester pauses both clocks; the agent's first reply meets the first response.
    let status = |to: &str| json!({ "status": to });
    let r =
        t.api(Method::POST, "/api/v1/requests/IT-1/status", Some(&w.agent), Some(status("waiting_on_requester"))).await;
    assert!(clock(&r.json, "resolution")["paused"].as_bool().unwrap(), "{}", r.text);
    assert!(clock(&r.json, "resolution")["due_at"].is_null());
    t.api(Method::POST, "/api/v1/requests/IT-1/status", Some(&w.agent), Some(status("in_progress"))).await;
    t.api(
        Method::POST,
        "/api/v1/requests/IT-1/comments",
        Some(&w.agent),
        Some(json!({"kind": "reply", "body": "On it"})),
    )
    .await;
    let r = t.api(Method::GET, "/api/v1/requests/IT-1", Some(&w.requester), None).await;
    assert_eq!(clock(&r.json, "first_response")["state"], "met", "{}", r.text);
    assert_eq!(clock(&r.json, "resolution")["paused"], false);

    // Resolving meets resolution; reopening runs it on from where it stood.
    t.api(Method::POST, "/api/v1/requests/IT-1/status", Some(&w.agent), Some(status("resolved"))).await;
    let r = t.api(Method::GET, "/api/v1/requests/IT-1", Some(&w.agent), None).await;
    assert_eq!(clock(&r.json, "resolution")["state"], "met");
    t.api(
        Method::POST,
        "/api/v1/requests/IT-1/comments",
        Some(&w.requester),
        Some(json!({"kind": "reply", "body": "Broken again"})),
    )
    .await;
    let r = t.api(Method::GET, "/api/v1/requests/IT-1", Some(&w.agent), None).await;
    assert_eq!(clock(&r.json, "resolution")["state"], "on_track", "{}", r.text);
    assert_eq!(clock(&r.json, "first_response")["state"], "met", "a kept first response stays kept");

    // New targets are a new version: IT-1 keeps 4 h, a new request gets 8 h.
    let policy = json!({ "targets": { "P3": { "first_response": "2h", "resolution": "1d" } }, "at_risk_percent": 80 });
    let r = t.api(Method::PUT, "/api/v1/teams/IT/services/laptop/targets", Some(&w.lead), Some(policy)).await;
    assert_eq!(r.json["version"], 2, "{}", r.text);
    t.api(Method::POST, "/api/v1/requests/IT-1/priority", Some(&w.agent), Some(json!({"priority": "P3"}))).await;
    let old = t.api(Method::GET, "/api/v1/requests/IT-1", Some(&w.agent), None).await;
    assert_eq!(clock(&old.json, "resolution")["target_minutes"], 240);
    let new = file(&t, &w.requester, "Another").await;
    assert_eq!(clock(&new, "resolution")["target_minutes"], 480);

    // A priority without targets has no clocks.
    let r = t
        .api(
            Method::POST,
            "/api/v1/teams/IT/services/laptop/requests",
            Some(&w.requester),
            Some(json!({"subject": "Urgent", "priority": "P1", "fields": {"model": "15-inch"}})),
        )
        .await;
    assert_eq!(r.json["clocks"], json!([]), "{}", r.text);

    // The queue sorts by time left.
    let r = t.api(Method::GET, "/api/v1/requests?team=IT&status=open&sort=due", Some(&w.agent), None).await;
    let keys: Vec<&str> = r.json["items"].as_array().unwrap().iter().map(|i| i["key"].as_str().unwrap()).collect();
    assert_eq!(
        keys,
        ["IT-2", "IT-1", "IT-3"],
        "IT-2 is due first (first response), IT-1 next (resolution): {}",
        r.text
    );
});

both!(bad_targets_and_calendars_are_refused_clearly, |t| {
    let w = world(&t).await;
    let bad = json!({ "targets": { "P1": { "first_response": "soon", "resolution": "1h" }, "P9": {} }, "at_risk_percent": 0,
        "reassign_to": "nobody@example.com" });
    let r = t.api(Method::PUT, "/api/v1/teams/IT/services/laptop/targets", Some(&w.lead), Some(bad)).await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let fields: Vec<&str> = r.json["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["targets.P1.first_response", "targets", "at_risk_percent", "reassign_to"], "all at once");
    let ok = json!({ "targets": { "P1": { "first_response": "1h", "resolution": "2h" } } });
    t.api(Method::PUT, "/api/v1/teams/IT/services/laptop/targets", Some(&w.agent), Some(ok.clone()))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let r = t.api(Method::GET, "/api/v1/teams/IT/services/laptop/targets", Some(&w.requester), None).await;
    assert!(r.json.is_null(), "nothing was saved: {}", r.text);

    // Calendars: no working time, an unknown zone, overlapping intervals.
    let empty = json!({ "zone": "Europe/Berlin", "week": {} });
    let r = t.api(Method::PUT, "/api/v1/teams/IT/calendar", Some(&w.lead), Some(empty)).await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let odd = json!({ "zone": "Mars/Olympus", "week": { "mon": ["09:00-13:00", "12:00-17:00"] } });
    let r = t.api(Method::PUT, "/api/v1/teams/IT/calendar", Some(&w.lead), Some(odd)).await;
    let fields: Vec<&str> = r.json["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["zone", "week.mon"], "{}", r.text);
    t.api(Method::PUT, "/api/v1/teams/IT/calendar", Some(&w.requester), Some(always()))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    t.api(Method::PUT, "/api/v1/calendar", Some(&w.lead), Some(always()))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let r = t.api(Method::GET, "/api/v1/teams/IT/calendar", Some(&w.requester), None).await;
    assert_eq!(r.json["inherited"], true, "{}", r.text);
    assert_eq!(r.json["calendar"]["week"]["mon"], json!(["09:00-17:00"]), "the organisation's default");

    // Holidays from an iCalendar file.
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:x\r\n\
        DTSTART;VALUE=DATE:20261224\r\nDTEND;VALUE=DATE:20261227\r\nSUMMARY:Christmas\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let req = |body: &str| {
        Request::builder()
            .method(Method::POST)
            .uri("/api/v1/teams/IT/calendar/holidays")
            .header(header::AUTHORIZATION, format!("Bearer {}", w.lead))
            .header(header::CONTENT_TYPE, "text/calendar")
            .body(Body::from(body.to_owned()))
            .unwrap()
    };
    let r = t.send_api(req(ics)).await;
    assert_eq!(r.json["calendar"]["holidays"], json!(["2026-12-24", "2026-12-25", "2026-12-26"]), "{}", r.text);
    t.send_api(req("not a calendar")).await.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let r = t.api(Method::GET, "/api/v1/teams/IT/calendar", Some(&w.requester), None).await;
    assert_eq!(r.json["inherited"], false);
});

both!(at_risk_and_breach_happen_once_and_escalate, |t| {
    let w = world(&t).await;
    targets(&t, &w.lead, json!({ "raise_priority": true, "notify": "olga@example.com" })).await;
    let req = file(&t, &w.requester, "Laptop broken").await;
    let filed = chrono::DateTime::parse_from_rfc3339(req["created_at"].as_str().unwrap()).unwrap().timestamp_millis();

    // 50 minutes in: the first response (1 h, at risk from 45 min) is at risk; the assignee hears.
    let ran = t.store.run_due_jobs("node-a", Millis(filed + 50 * 60_000), &t.state).await.unwrap();
    assert!(ran >= 1);
    assert_eq!(events(&t, &w.agent, "IT-1", "target_at_risk").await, 1);
    let r = t.api(Method::GET, "/api/v1/notifications", Some(&w.agent), None).await;
    assert!(r.text.contains("target_at_risk"), "Max is the round-robin assignee: {}", r.text);
    assert_eq!(
        t.store.run_due_jobs("node-a", Millis(filed + 50 * 60_000), &t.state).await.unwrap(),
        0,
        "nothing more is due"
    );

    // Five hours in: both targets breached, each escalated once.
    t.store.run_due_jobs("node-a", Millis(filed + 5 * HOUR), &t.state).await.unwrap();
    t.store.run_due_jobs("node-b", Millis(filed + 6 * HOUR), &t.state).await.unwrap();
    assert_eq!(events(&t, &w.agent, "IT-1", "target_at_risk").await, 2);
    assert_eq!(events(&t, &w.agent, "IT-1", "escalated").await, 2);
    let r = t.api(Method::GET, "/api/v1/requests/IT-1", Some(&w.agent), None).await;
    assert_eq!(r.json["priority"], "P1", "raised once per breach: P3 → P2 → P1");
    assert_eq!(clock(&r.json, "resolution")["state"], "breached", "{}", r.text);
    // Read at the real now (hours before the runner's), it still says breached: the breach is on record.
    assert!(clock(&r.json, "resolution")["summary"].as_str().unwrap().starts_with("breached"), "{}", r.text);
    let lead = t.api(Method::GET, "/api/v1/notifications", Some(&w.lead), None).await;
    assert!(lead.text.contains("target_breached"), "{}", lead.text);
    let other = t.api(Method::GET, "/api/v1/notifications", Some(&w.outsider), None).await;
    assert!(other.text.contains("target_breached"), "the policy's extra person: {}", other.text);

    // The history calls a breach by its working time, and the report counts it.
    let r = t.api(Method::GET, "/api/v1/requests/IT-1/events?limit=200", Some(&w.agent), None).await;
    assert!(r.text.contains("of working time"), "{}", r.text);
    let r = t.api(Method::GET, "/api/v1/reports/compliance?team=IT", Some(&w.requester), None).await;
    let rows = r.json.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{}", r.text);
    assert!(rows.iter().all(|row| row["breached"] == 1 && row["met"] == 0));
    // The report's months run back from the server's time, like every other report.
    let now = concentric_core::time::TimeSource::now(t.time.as_ref());
    t.time.set(concentric_core::time::Millis(now.0 + 400 * 86_400_000));
    let r = t.api(Method::GET, "/api/v1/reports/compliance?team=IT&months=1", Some(&w.requester), None).await;
    assert_eq!(r.json, serde_json::json!([]), "a year on, this month has nothing: {}", r.text);
    t.time.set(now);
    t.api(Method::GET, "/api/v1/reports/compliance?months=99", Some(&w.requester), None)
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
});

both!(two_nodes_escalate_each_breach_exactly_once, |t| {
    let w = world(&t).await;
    targets(&t, &w.lead, json!({})).await;
    let mut filed = 0;
    for i in 0..24 {
        let req = file(&t, &w.requester, &format!("Laptop {i}")).await;
        filed = chrono::DateTime::parse_from_rfc3339(req["created_at"].as_str().unwrap()).unwrap().timestamp_millis();
    }
    // A second node: its own pool on the same database, racing the first over the same jobs.
    let other = Store::connect(&t.url, PoolOptions { max_connections: 4, ..Default::default() }).await.unwrap();
    for step in [50 * 60_000, 3 * HOUR + 10 * 60_000, 5 * HOUR] {
        let now = Millis(filed + step);
        let (a, b) =
            tokio::join!(t.store.run_due_jobs("node-a", now, &t.state), other.run_due_jobs("node-b", now, &t.state));
        a.unwrap();
        b.unwrap();
    }
    for n in 1..=24 {
        let key = format!("IT-{n}");
        assert_eq!(events(&t, &w.agent, &key, "target_at_risk").await, 2, "{key}");
        assert_eq!(events(&t, &w.agent, &key, "escalated").await, 2, "{key}");
    }
    let r = t.api(Method::GET, "/api/v1/notifications?limit=200", Some(&w.lead), None).await;
    let breaches = r.json["items"].as_array().unwrap().iter().filter(|n| n["kind"] == "target_breached").count();
    assert_eq!(breaches, 48, "one notice per breach to the lead");
    other.close().await;
});

both!(calendar_and_targets_forms_keep_what_was_typed, |t| {
    let w = world(&t).await;
    let _ = w;
    let mut b = t.browser();
    assert_eq!(b.login("lena@example.com", crate::harness::PASSWORD).await.status, StatusCode::SEE_OTHER);
    let csrf = b.csrf("/teams/IT/calendar").await;
    let bad = [
        ("csrf", csrf.as_str()),
        ("zone", "Europe/Berlin"),
        ("mon", "09:00-13:00, 12:00-17:00"),
        ("tue", "09:00-17:00"),
        ("holidays", "2026-12-25\nChristmas"),
    ];
    let page = b.post("/teams/IT/calendar", &bad).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("`Christmas` is not a date"), "{}", page.body);
    assert!(page.body.contains("id=\"week.mon-error\""), "the overlapping hours are named in the same answer");
    assert!(page.body.contains("value=\"09:00-13:00, 12:00-17:00\""), "what was typed stays");
    let good = [
        ("csrf", csrf.as_str()),
        ("zone", "Europe/Berlin"),
        ("mon", "09:00-12:30, 13:30-17:30"),
        ("holidays", "2026-12-25"),
    ];
    let page = b.post("/teams/IT/calendar", &good).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = b.get("/teams/IT/calendar").await;
    assert!(page.body.contains("7 h 30 min a week"), "{}", page.body);

    let csrf = b.csrf("/teams/IT/services/laptop/targets").await;
    let page = b
        .post(
            "/teams/IT/services/laptop/targets",
            &[("csrf", csrf.as_str()), ("p3_first_response", "soonish"), ("p3_resolution", "4h")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains("`soonish` is not a duration") && page.body.contains("value=\"soonish\""),
        "{}",
        page.body
    );
    let page = b
        .post(
            "/teams/IT/services/laptop/targets",
            &[
                ("csrf", csrf.as_str()),
                ("p3_first_response", "1h 30m"),
                ("p3_resolution", "2d"),
                ("raise_priority", "on"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = b.get("/teams/IT/services/laptop/targets").await;
    assert!(
        page.body.contains("value=\"1h 30m\"")
            && page.body.contains("value=\"16h\"")
            && page.body.contains("Version 1")
    );

    // Someone outside the team sees the targets but cannot change them.
    let mut other = t.browser();
    other.login("sam@example.com", crate::harness::PASSWORD).await;
    let csrf = other.csrf("/teams/IT/services/laptop/targets").await;
    let page = other
        .post(
            "/teams/IT/services/laptop/targets",
            &[("csrf", csrf.as_str()), ("p1_first_response", "1m"), ("p1_resolution", "2m")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
});
