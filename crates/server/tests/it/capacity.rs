//! Capacity and "what's the cost?" through the API: time off and who may plan it, effort on a
//! request, a team's forecast, and the dry run of a new request that changes nothing.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::both;
use crate::harness::TestApp;
use crate::requests::{file, world};

/// Every table's row count and checksum, to show a call changed nothing.
async fn snapshot(t: &TestApp, name: &str) -> Vec<concentric_store::TableReport> {
    let path = crate::harness::scratch_file(&format!("{name}.db"));
    let reports = t.store.backup_to(&path).await.unwrap();
    let _ = std::fs::remove_file(&path);
    reports
}

both!(time_off_is_planned_by_the_person_and_their_leads, |t| {
    let w = world(&t).await;
    let max = t.store.person_by_email("max@example.com").await.unwrap().id.0;
    let path = format!("/api/v1/people/{max}/time-off");
    let week = json!({ "starts_on": "2026-12-21", "ends_on": "2026-12-24", "note": "Holiday" });
    let r = t.api(Method::POST, &path, Some(&w.lead), Some(week)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let half = json!({ "starts_on": "2026-12-28", "half_day": true });
    assert_eq!(t.api(Method::POST, &path, Some(&w.agent), Some(half.clone())).await.status, StatusCode::CREATED);
    t.api(Method::POST, &path, Some(&w.requester), Some(half)).await.assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let bad = json!({ "starts_on": "2026-12-10", "ends_on": "2026-12-01", "note": "x".repeat(201) });
    let r = t.api(Method::POST, &path, Some(&w.agent), Some(bad)).await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(r.json["errors"].as_array().map(Vec::len), Some(2), "{}", r.text);
    let nobody = json!({ "starts_on": "2026-12-28" });
    let r = t.api(Method::POST, "/api/v1/people/9223372036854775806/time-off", Some(&w.admin), Some(nobody)).await;
    r.assert_problem(StatusCode::NOT_FOUND, "not_found");
    let listed = t.api(Method::GET, &path, Some(&w.agent), None).await;
    let days: Vec<(&str, &str, bool)> = listed
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["starts_on"].as_str().unwrap(), o["ends_on"].as_str().unwrap(), o["half_day"].as_bool().unwrap()))
        .collect();
    assert_eq!(days, [("2026-12-21", "2026-12-24", false), ("2026-12-28", "2026-12-28", true)]);
    let id = listed.json[0]["id"].as_i64().unwrap();
    let gone = t.api(Method::DELETE, &format!("/api/v1/time-off/{id}"), Some(&w.requester), None).await;
    gone.assert_problem(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(
        t.api(Method::DELETE, &format!("/api/v1/time-off/{id}"), Some(&w.agent), None).await.status,
        StatusCode::NO_CONTENT
    );
});

both!(the_cost_of_a_request_changes_nothing_and_says_whose_work_slips, |t| {
    let w = world(&t).await;
    for subject in ["Laptop for Ana", "Laptop for Ben", "Laptop for Cem"] {
        file(&t, &w.requester, subject).await;
    }
    // The team's estimate replaces the service's default effort; logged time is taken off it.
    let effort = json!({ "estimate_hours": 10.0, "log_hours": 1.5 });
    let r = t.api(Method::POST, "/api/v1/requests/IT-1/effort", Some(&w.agent), Some(effort.clone())).await;
    assert_eq!(
        (r.status, r.json["estimate_hours"].as_f64(), r.json["logged_hours"].as_f64()),
        (StatusCode::OK, Some(10.0), Some(1.5))
    );
    t.api(Method::POST, "/api/v1/requests/IT-1/effort", Some(&w.requester), Some(effort))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let bad = json!({ "estimate_hours": 1e9, "log_hours": -2 });
    let r = t.api(Method::POST, "/api/v1/requests/IT-1/effort", Some(&w.agent), Some(bad)).await;
    assert_eq!(r.json["errors"].as_array().map(Vec::len), Some(2), "{}", r.text);

    let forecast = t.api(Method::GET, "/api/v1/teams/IT/forecast", Some(&w.agent), None).await;
    assert_eq!(forecast.status, StatusCode::OK, "{}", forecast.text);
    let items = forecast.json["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert!(items.iter().all(|i| i["finish"].is_string()), "{}", forecast.text);
    let first = items.iter().find(|i| i["label"] == "IT-1").unwrap();
    assert_eq!(first["effort_hours"].as_f64(), Some(8.5));
    t.api(Method::GET, "/api/v1/teams/IT/forecast", Some(&w.requester), None)
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let mut agent = t.browser();
    agent.login("max@example.com", crate::harness::PASSWORD).await;
    let page = agent.get("/teams/IT/forecast").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("IT Services forecast") && page.body.contains("Laptop for Ana"), "{}", page.body);
    assert!(page.body.contains("8.5 h"), "the estimate less the logged time");

    // The dry run, as the requester: nothing is written anywhere.
    let before = snapshot(&t, "before").await;
    let body = json!({ "subject": "A fourth laptop", "priority": "P1", "fields": {} });
    let path = "/api/v1/teams/IT/services/laptop/cost";
    let cost = t.api(Method::POST, path, Some(&w.requester), Some(body.clone())).await;
    assert_eq!(cost.status, StatusCode::OK, "{}", cost.text);
    assert_eq!(snapshot(&t, "after").await, before, "the dry run changed nothing");
    let at: Vec<(&str, bool)> = cost.json["at_priority"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["priority"].as_str().unwrap(), p["finish"].is_string()))
        .collect();
    assert_eq!(at, [("P1", true), ("P2", true), ("P3", true), ("P4", true)]);
    // Filed first, a P1 on the whole team delays everything queued, and says whose it is.
    let slips = cost.json["slips"].as_array().unwrap();
    assert_eq!(slips.len(), 3, "{}", cost.text);
    assert!(slips.iter().all(|s| s["waiting_name"] == "Sam Sales" && s["delay_ms"].as_i64().unwrap() > 0));
    assert!(slips.iter().all(|s| s["title"] == Value::Null), "other people's subjects stay with the team");
    let as_agent = t.api(Method::POST, path, Some(&w.agent), Some(body)).await;
    assert!(as_agent.json["slips"][0]["title"].as_str().unwrap().starts_with("Laptop for"), "{}", as_agent.text);
    // At P4 it waits behind everything and moves nobody.
    let p4 = cost.json["at_priority"].as_array().unwrap().iter().find(|p| p["priority"] == "P4").unwrap().clone();
    assert_eq!(p4["slipping"], 0);
    // The request form asks the same question before anything is filed.
    let mut b = t.browser();
    b.login("sam@example.com", crate::harness::PASSWORD).await;
    let page = b.get("/teams/IT/services/laptop").await;
    assert!(page.body.contains("What&#39;s the cost?") || page.body.contains("What's the cost?"), "{}", page.body);
    assert!(page.body.contains("Filed at P1, whose work would wait") && page.body.contains("Sam Sales (SAL) waits"));
    assert!(!page.body.contains("Laptop for Ana"), "titles stay with the team");
    let outsider = t
        .api(Method::POST, "/api/v1/teams/IT/services/nope/cost", Some(&w.requester), Some(json!({"subject": "x"})))
        .await;
    outsider.assert_problem(StatusCode::NOT_FOUND, "not_found");
});

both!(raising_a_request_tells_those_it_pushes_past_their_target_once, |t| {
    let w = world(&t).await;
    let day = json!(["00:00-24:00"]);
    let always = json!({ "zone": "UTC", "week": { "mon": day, "tue": day, "wed": day, "thu": day, "fri": day, "sat": day, "sun": day } });
    assert_eq!(
        t.api(Method::PUT, "/api/v1/teams/IT/calendar", Some(&w.lead), Some(always)).await.status,
        StatusCode::OK
    );
    let policy = json!({ "targets": { "P3": { "first_response": "1h", "resolution": "4h" } } });
    let r = t.api(Method::PUT, "/api/v1/teams/IT/services/laptop/targets", Some(&w.lead), Some(policy)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Max and Lena work around the clock too, so an hour of work is an hour.
    for email in ["max@example.com", "lena@example.com"] {
        let id = t.store.person_by_email(email).await.unwrap().id.0;
        let r = t
            .api(
                Method::PATCH,
                &format!("/api/v1/people/{id}"),
                Some(&w.admin),
                Some(json!({"weekly_capacity_hours": 168})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    // Requesters see the targets before they file.
    let mut sam = t.browser();
    sam.login("sam@example.com", crate::harness::PASSWORD).await;
    let page = sam.get("/teams/IT/services/laptop").await;
    assert!(
        page.body.contains("What IT Services aims for") && page.body.contains("<td>1 h</td><td>4 h</td>"),
        "{}",
        page.body
    );
    // Round robin: IT-1 and IT-3 to Max, IT-2 to Lena. IT-1 takes 3 h of its 4.
    for subject in ["Mine first", "Lena's", "Max's second"] {
        file(&t, &w.requester, subject).await;
    }
    let effort = json!({ "estimate_hours": 3.0 });
    assert_eq!(
        t.api(Method::POST, "/api/v1/requests/IT-1/effort", Some(&w.agent), Some(effort)).await.status,
        StatusCode::OK
    );
    let now = concentric_core::time::Millis::now();
    t.store.run_due_jobs("node-a", now, &t.state).await.unwrap();
    let bell = || {
        let (t, token) = (&t, w.requester.clone());
        async move {
            let r = t.api(Method::GET, "/api/v1/notifications", Some(&token), None).await;
            r.json["items"].as_array().unwrap().iter().filter(|n| n["kind"] == "slipped").cloned().collect::<Vec<_>>()
        }
    };
    assert!(bell().await.is_empty());

    // IT-3 (2.5 h) goes to P1 ahead of IT-1, which now finishes after 5.5 h: past its 4 h target.
    let raise = json!({ "priority": "P1" });
    assert_eq!(
        t.api(Method::POST, "/api/v1/requests/IT-3/priority", Some(&w.agent), Some(raise)).await.status,
        StatusCode::OK
    );
    t.store.run_due_jobs("node-a", now, &t.state).await.unwrap();
    t.store.run_due_jobs("node-b", concentric_core::time::Millis(now.0 + 1000), &t.state).await.unwrap();
    let told = bell().await;
    assert_eq!(told.len(), 1, "exactly once: {told:?}");
    let summary = told[0]["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("IT-1 will now miss its target by about") && summary.ends_with("IT-3 was put ahead of it"),
        "{summary}"
    );
});

both!(a_share_of_a_persons_week_goes_to_each_team, |t| {
    let w = world(&t).await;
    let max = t.store.person_by_email("max@example.com").await.unwrap();
    let capacity = || {
        let (t, token) = (&t, w.lead.clone());
        async move {
            let r = t.api(Method::GET, "/api/v1/teams/IT/forecast", Some(&token), None).await;
            r.json["weekly_capacity_hours"].as_f64().unwrap()
        }
    };
    let before = capacity().await;
    let path = format!("/api/v1/teams/IT/members/{}", max.id.0);
    let half = json!({ "role": "member", "capacity_share": 0.5 });
    assert_eq!(t.api(Method::PUT, &path, Some(&w.lead), Some(half)).await.status, StatusCode::NO_CONTENT);
    assert!((capacity().await - (before - max.weekly_capacity_hours / 2.0)).abs() < 1e-9);
    let team = t.api(Method::GET, "/api/v1/teams/IT", Some(&w.agent), None).await;
    let mine = team.json["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["person_email"] == "max@example.com")
        .unwrap()
        .clone();
    assert_eq!(mine["capacity_share"].as_f64(), Some(0.5));
    let too_much = json!({ "role": "member", "capacity_share": 1.5 });
    t.api(Method::PUT, &path, Some(&w.lead), Some(too_much))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let even = json!({ "role": "member", "capacity_share": -1 });
    assert_eq!(t.api(Method::PUT, &path, Some(&w.lead), Some(even)).await.status, StatusCode::NO_CONTENT);
    assert!((capacity().await - before).abs() < 1e-9, "back to an even split (Max is in one team)");
});

both!(the_workload_weighs_every_kind_of_work_against_each_persons_weeks, |t| {
    let w = world(&t).await;
    // Round robin: IT-1 to Max, IT-2 to Lena; both filed for Sales.
    for subject in ["Laptop for Ana", "Laptop for Ben"] {
        file(&t, &w.requester, subject).await;
    }
    // A delivery Max owes Sales in three days, far bigger than his week.
    let due = (chrono::Utc::now() + chrono::TimeDelta::days(3)).format("%Y-%m-%dT17:00").to_string();
    let weekly = json!({
        "provider": "IT", "receiver": "SAL", "title": "Stock count", "owner": "max@example.com",
        "rule": "FREQ=WEEKLY", "first_due": due, "zone": "UTC", "effort_hours": 100
    });
    let r = t.api(Method::POST, "/api/v1/commitments", Some(&w.lead), Some(weekly.clone())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["effort_hours"].as_f64(), Some(100.0));
    let mut too_big = weekly.clone();
    too_big["effort_hours"] = json!(5000);
    t.api(Method::POST, "/api/v1/commitments", Some(&w.lead), Some(too_big))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    let forecast = t.api(Method::GET, "/api/v1/teams/IT/forecast", Some(&w.agent), None).await;
    let kinds: Vec<&str> =
        forecast.json["items"].as_array().unwrap().iter().map(|i| i["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"request") && kinds.contains(&"occurrence"), "{}", forecast.text);
    let first = forecast.json["items"].as_array().unwrap().iter().find(|i| i["kind"] == "occurrence").unwrap().clone();
    assert_eq!(first["label"], "Delivery");
    assert!(first["title"].as_str().unwrap().starts_with("Stock count for Sales"));

    let load = t.api(Method::GET, "/api/v1/teams/IT/workload", Some(&w.agent), None).await;
    assert_eq!(load.status, StatusCode::OK, "{}", load.text);
    assert_eq!(load.json["team"].as_array().map(Vec::len), Some(6));
    let max = load.json["people"].as_array().unwrap().iter().find(|p| p["name"] == "Max Agent").unwrap().clone();
    let weeks = max["weeks"].as_array().unwrap();
    let over: Vec<usize> = (0..6).filter(|&k| weeks[k]["over"] == true).collect();
    assert!(!over.is_empty(), "100 hours in three days is more than Max has: {}", load.text);
    let behind = max["items"][over[0]].as_array().unwrap();
    assert_eq!(behind[0]["label"], "Delivery", "the largest item first: {behind:?}");
    assert!(behind[0]["link"].as_str().unwrap().starts_with("/occurrences/"));
    let total: f64 = load.json["people"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["weeks"].as_array().unwrap().iter().map(|w| w["load_hours"].as_f64().unwrap()))
        .sum();
    // Two laptops (2.5 h each) and a delivery of 100 h each week: at most seven fall in six weeks.
    assert!(total > 500.0 && total <= 2.0 * 2.5 + 7.0 * 100.0 + 1e-6, "{total}");
    t.api(Method::GET, "/api/v1/teams/IT/workload", Some(&w.requester), None)
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");

    // Sales' work takes a share of IT's coming weeks; Facilities' takes none.
    let sal = t.api(Method::GET, "/api/v1/teams/IT/customers/SAL/load", Some(&w.requester), None).await;
    assert_eq!(sal.status, StatusCode::OK, "{}", sal.text);
    assert!(sal.json["open_items"].as_u64().unwrap() >= 3 && sal.json["percent"].as_i64().unwrap() > 0, "{}", sal.text);
    let fac = t.api(Method::GET, "/api/v1/teams/IT/customers/FAC/load", Some(&w.requester), None).await;
    assert_eq!((fac.json["open_items"].as_u64(), fac.json["percent"].as_i64()), (Some(0), Some(0)));

    // The lead's view across teams; someone who leads nothing and manages nobody sees none.
    let mine = t.api(Method::GET, "/api/v1/workload", Some(&w.lead), None).await;
    assert_eq!(mine.json["teams"][0]["team_key"], "IT", "{}", mine.text);
    let theirs = t.api(Method::GET, "/api/v1/workload", Some(&w.requester), None).await;
    assert_eq!(theirs.json["teams"].as_array().map(Vec::len), Some(0));

    // The pages: the chart, the cells, the items behind a cell, the manager's view, the edge.
    let mut lead = t.browser();
    lead.login("lena@example.com", crate::harness::PASSWORD).await;
    let page = lead.get("/teams/IT/workload").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("<svg") && page.body.contains("Max Agent") && page.body.contains("over"),
        "{}",
        page.body
    );
    let max_id = t.store.person_by_email("max@example.com").await.unwrap().id.0;
    let cell = lead.get(&format!("/teams/IT/workload?week={}&person={max_id}", over[0])).await;
    assert!(cell.body.contains("Max Agent in the week of") && cell.body.contains("Stock count for Sales"));
    let view = lead.get("/workload").await;
    assert!(view.status == StatusCode::OK && view.body.contains("IT Services"), "{}", view.body);
    let edge = lead.get("/network/IT/SAL").await;
    assert!(
        edge.body.contains("Capacity taken") && edge.body.contains("of the hours IT Services has"),
        "{}",
        edge.body
    );
});

both!(time_off_is_kept_from_the_persons_page, |t| {
    let _w = world(&t).await;
    let max = t.store.person_by_email("max@example.com").await.unwrap().id.0;
    let mut b = t.browser();
    b.login("max@example.com", crate::harness::PASSWORD).await;
    let page = b.get(&format!("/people/{max}")).await;
    assert!(page.body.contains("Add time off"), "the person plans their own");
    let csrf = page.csrf();
    let path = format!("/people/{max}/time-off");
    let bad =
        b.post(&path, &[("csrf", &csrf), ("starts_on", "21/12"), ("ends_on", "2026-12-01"), ("note", "Holiday")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("give a date such as 2026-12-21") && bad.body.contains("value=\"Holiday\""),
        "{}",
        bad.body
    );
    let backwards = b.post(&path, &[("csrf", &csrf), ("starts_on", "2026-12-21"), ("ends_on", "2026-12-01")]).await;
    assert!(backwards.body.contains("cannot come before the first"), "{}", backwards.body);
    let ok = b
        .post(&path, &[("csrf", &csrf), ("starts_on", "2026-12-21"), ("ends_on", "2026-12-24"), ("half_day", "on")])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let page = b.get(&format!("/people/{max}")).await;
    assert!(page.body.contains("Mon 21 Dec 2026") && page.body.contains("half days"), "{}", page.body);
    let id = t.store.time_off(&concentric_core::authz::Actor::system(), concentric_core::PersonId(max)).await;
    let id = id.map(|l| l[0].id).unwrap_or_else(|_| panic!("listed"));
    let gone = b.post(&format!("/time-off/{id}/remove"), &[("csrf", &csrf)]).await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER);
    assert!(b.get(&format!("/people/{max}")).await.body.contains("None planned."));
    // An out-of-office calendar, from the page and through the API: twice adds nothing.
    let ics =
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//T//EN\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20261201T000000Z\r\n\
SUMMARY:Ski trip\r\nDTSTART;VALUE=DATE:20270104\r\nDTEND;VALUE=DATE:20270109\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let upload = b.post_multipart(&format!("/people/{max}/time-off/import"), &[("csrf", &csrf)], ics.as_bytes()).await;
    assert_eq!(upload.status, StatusCode::SEE_OTHER, "{}", upload.body);
    assert!(b.get(&format!("/people/{max}")).await.body.contains("Mon 4 Jan 2027 – Fri 8 Jan 2027"));
    let junk = b.post_multipart(&format!("/people/{max}/time-off/import"), &[("csrf", &csrf)], b"name,date").await;
    assert_eq!(junk.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(junk.body.contains("Nothing was imported: this is not an iCalendar (.ics) file."), "{}", junk.body);
    let token = t.token(&t.store.person_by_email("max@example.com").await.unwrap()).await;
    let again = t
        .api_text(Method::POST, &format!("/api/v1/people/{max}/time-off/import"), Some(&token), "text/calendar", ics)
        .await;
    assert_eq!(
        (again.status, again.json["created"].as_u64(), again.json["unchanged"].as_u64()),
        (StatusCode::OK, Some(0), Some(1)),
        "{}",
        again.text
    );
    // A file for many people, for admins: an unknown email imports nothing.
    let admin = t.token(&t.store.person_by_email("admin@example.com").await.unwrap()).await;
    let csv = "email,starts_on,ends_on,half_day,note\nmax@example.com,2027-02-01,2027-02-02,,Course\nnobody@example.com,2027-02-01,,,\n";
    let r = t.api_text(Method::POST, "/api/v1/import", Some(&admin), "text/csv", csv).await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "import_rejected");
    assert!(r.text.contains("nobody in the directory has nobody@example.com"), "{}", r.text);
    let csv = "email,starts_on,ends_on,half_day,note\nmax@example.com,2027-02-01,2027-02-02,,Course\nlena@example.com,2027-02-03,,yes,\n";
    let r = t.api_text(Method::POST, "/api/v1/import", Some(&admin), "text/csv", csv).await;
    assert_eq!(
        (r.status, r.json["kind"].as_str(), r.json["created"].as_u64()),
        (StatusCode::OK, Some("time_off"), Some(2)),
        "{}",
        r.text
    );
    // Someone who does not plan Max's time sees none of it.
    let mut sam = t.browser();
    sam.login("sam@example.com", crate::harness::PASSWORD).await;
    assert!(!sam.get(&format!("/people/{max}")).await.body.contains("Time off"));
});

both!(effort_is_recorded_from_the_request_page, |t| {
    let w = world(&t).await;
    file(&t, &w.requester, "Laptop for Ana").await;
    let mut b = t.browser();
    b.login("max@example.com", crate::harness::PASSWORD).await;
    let page = b.get("/requests/IT-1").await;
    assert!(page.body.contains("2.5 h (the service's typical effort)"), "{}", page.body);
    let csrf = page.csrf();
    let bad = b.post("/requests/IT-1/effort", &[("csrf", &csrf), ("estimate_hours", "lots"), ("log_hours", "x")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("The estimate `lots` is not a number of hours. The time spent `x` is not"),
        "{}",
        bad.body
    );
    let ok = b.post("/requests/IT-1/effort", &[("csrf", &csrf), ("estimate_hours", "6"), ("log_hours", "1.5")]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let page = b.get("/requests/IT-1").await;
    assert!(page.body.contains("6 h estimated by the team, 1.5 h spent, 4.5 h to go"), "{}", page.body);
    // The requester sees none of it.
    let mut sam = t.browser();
    sam.login("sam@example.com", crate::harness::PASSWORD).await;
    assert!(!sam.get("/requests/IT-1").await.body.contains("Effort:"));
});
