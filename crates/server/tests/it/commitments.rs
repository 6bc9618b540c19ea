//! Commitments: occurrences generated ahead, delivered, sent back and accepted; reminders and
//! overdue notices exactly once on injected time; on-time records; the network's view of them;
//! and calendar feeds that a real iCalendar parser reads.

use axum::http::{Method, StatusCode};
use chrono::{TimeZone, Utc};
use concentric_core::authz::Actor;
use concentric_core::team::MemberRole;
use concentric_core::time::Millis;
use concentric_store::Store;
use serde_json::{json, Value};

use crate::both;
use crate::harness::TestApp;
use crate::requests::world;

const HOUR: i64 = 3_600_000;

fn at(y: i32, m: u32, d: u32, h: u32) -> Millis {
    Millis(Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap().timestamp_millis())
}

fn weekly_figures() -> Value {
    json!({
        "provider": "IT", "receiver": "SAL", "title": "Weekly figures",
        "description": "- tickets closed\n- hours booked", "owner": "max@example.com", "backup": "lena@example.com",
        "rule": "FREQ=WEEKLY;BYDAY=FR", "first_due": "2026-11-20T17:00", "zone": "UTC", "grace": "2h", "remind_hours": 24
    })
}

async fn sales_lead(t: &TestApp) {
    let sam = t.store.person_by_email("sam@example.com").await.unwrap();
    let sal = t.store.team_by_key("SAL").await.unwrap();
    t.store.set_membership(&Actor::system(), sal.id, sam.id, MemberRole::Lead).await.unwrap();
}

async fn kinds(t: &TestApp, token: &str) -> Vec<String> {
    let r = t.api(Method::GET, "/api/v1/notifications?limit=200", Some(token), None).await;
    r.json["items"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap().to_owned()).collect()
}

fn count(kinds: &[String], kind: &str) -> usize {
    kinds.iter().filter(|k| *k == kind).count()
}

async fn occurrences(t: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let r = t.api(Method::GET, &format!("/api/v1/occurrences?{query}"), Some(token), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json["items"].as_array().unwrap().clone()
}

both!(commitments_are_delivered_sent_back_and_accepted, |t| {
    let w = world(&t).await;
    sales_lead(&t).await;
    // Wednesday 18 November 2026, 10:00 UTC; the organisation works Mon-Fri 09:00-17:00 UTC.
    t.time.set(at(2026, 11, 18, 10));

    // Only the teams' leads add commitments; every bad field is reported at once.
    t.api(Method::POST, "/api/v1/commitments", Some(&w.agent), Some(weekly_figures()))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let mut bad = weekly_figures();
    bad["rule"] = json!("FREQ=HOURLY");
    bad["owner"] = json!("olga@example.com");
    bad["grace"] = json!("a while");
    let r = t.api(Method::POST, "/api/v1/commitments", Some(&w.lead), Some(bad)).await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let fields: Vec<&str> = r.json["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["rule", "grace"], "{}", r.text);
    // RFC 5545's forbidden rules are refused, never widened; a first due time that does not
    // exist is the first due time's fault; huge minutes are too long, not a wrapped minute.
    for (rule, first_due, zone, grace, field) in [
        ("FREQ=WEEKLY;BYDAY=2FR", "2026-11-20T17:00", "UTC", "2h", "rule"),
        ("FREQ=WEEKLY;BYDAY=1MO,FR", "2026-11-20T17:00", "UTC", "2h", "rule"),
        ("FREQ=DAILY;BYHOUR=9,15", "2026-11-20T17:00", "UTC", "2h", "rule"),
        ("FREQ=WEEKLY;COUNT=3;UNTIL=20271231T000000Z", "2026-11-20T17:00", "UTC", "2h", "rule"),
        ("FREQ=DAILY", "2027-03-28T02:30", "Europe/Berlin", "2h", "first_due"),
        ("FREQ=DAILY", "2026-11-20T17:00", "UTC", "307445734561827", "grace"),
    ] {
        let mut bad = weekly_figures();
        (bad["rule"], bad["first_due"], bad["zone"], bad["grace"]) =
            (json!(rule), json!(first_due), json!(zone), json!(grace));
        let r = t.api(Method::POST, "/api/v1/commitments", Some(&w.lead), Some(bad)).await;
        r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(r.json["errors"][0]["field"], field, "{rule} {first_due}: {}", r.text);
    }
    let mut outsider = weekly_figures();
    outsider["owner"] = json!("olga@example.com");
    let r = t.api(Method::POST, "/api/v1/commitments", Some(&w.lead), Some(outsider)).await;
    assert!(r.text.contains("olga@example.com is not an active member of IT Services"), "{}", r.text);

    let r = t.api(Method::POST, "/api/v1/commitments", Some(&w.lead), Some(weekly_figures())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json["id"].as_i64().unwrap();
    assert_eq!(r.json["record"], json!({"on_time": 0, "late": 0}));

    // Fridays from 20 November for the next 92 days: 13 occurrences, at 17:00 UTC.
    let all = occurrences(&t, &w.requester, &format!("commitment={id}")).await;
    assert_eq!(all.len(), 13);
    assert_eq!(all[0]["due_at"], "2026-11-20T17:00:00Z");
    assert_eq!(all[0]["deadline_at"], "2026-11-23T11:00:00Z", "two working hours of grace run into Monday");
    let first = all[0]["id"].as_i64().unwrap();
    let second = all[1]["id"].as_i64().unwrap();

    // The reminder comes 24 hours before, once, to the owner.
    t.store.run_due_jobs("node-a", at(2026, 11, 19, 16), &t.state).await.unwrap();
    assert_eq!(count(&kinds(&t, &w.agent).await, "commitment_reminder"), 0, "not yet");
    t.store.run_due_jobs("node-a", at(2026, 11, 19, 17), &t.state).await.unwrap();
    t.store.run_due_jobs("node-b", at(2026, 11, 19, 18), &t.state).await.unwrap();
    assert_eq!(count(&kinds(&t, &w.agent).await, "commitment_reminder"), 1);
    assert_eq!(count(&kinds(&t, &w.lead).await, "commitment_reminder"), 0, "the backup is not reminded");

    // Delivered on Friday afternoon; only the provider side delivers.
    t.time.set(at(2026, 11, 20, 15));
    let path = format!("/api/v1/occurrences/{first}/deliver");
    t.api(Method::POST, &path, Some(&w.requester), Some(json!({"note": "x"})))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    t.api(Method::POST, &path, Some(&w.agent), Some(json!({"link": "not a link"})))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let r = t
        .api(
            Method::POST,
            &path,
            Some(&w.agent),
            Some(json!({"note": "Figures attached",
        "file_name": "figures.csv", "file_base64": "dGlja2V0cywxMgo="})),
        )
        .await;
    assert_eq!((r.status, r.json["status"].as_str()), (StatusCode::OK, Some("delivered")), "{}", r.text);
    assert_eq!(r.json["timeliness"], "on_time");
    let delivery = r.json["deliveries"][0]["id"].as_i64().unwrap();
    let file = t.api(Method::GET, &format!("/api/v1/deliveries/{delivery}/file"), Some(&w.requester), None).await;
    assert_eq!(file.text, "tickets,12\n");
    t.api(Method::GET, &format!("/api/v1/deliveries/{delivery}/file"), Some(&w.outsider), None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(count(&kinds(&t, &w.requester).await, "commitment_delivered"), 1, "the receiver's lead hears");

    // The receiver sends it back with a reason, which reopens it; others cannot answer.
    t.time.set(at(2026, 11, 21, 9));
    t.api(Method::POST, &format!("/api/v1/occurrences/{first}/accept"), Some(&w.outsider), None)
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let back = format!("/api/v1/occurrences/{first}/send-back");
    t.api(Method::POST, &back, Some(&w.requester), Some(json!({"reason": " "})))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let r = t.api(Method::POST, &back, Some(&w.requester), Some(json!({"reason": "Hours booked are missing"}))).await;
    assert_eq!((r.json["status"].as_str(), r.json["sent_back"].as_i64()), (Some("open"), Some(1)), "{}", r.text);
    assert_eq!(r.json["deliveries"][0]["outcome"], "sent_back");
    assert_eq!(r.json["deliveries"][0]["reason"], "Hours booked are missing");
    assert_eq!(count(&kinds(&t, &w.agent).await, "commitment_sent_back"), 1);

    // At the deadline it is still open: overdue to owner, backup and IT's lead, late to Sales'
    // lead, exactly once though two nodes run the job at the same moment.
    let other = Store::connect(&t.url, Default::default()).await.unwrap();
    let deadline = at(2026, 11, 23, 11);
    let (a, b) = tokio::join!(
        t.store.run_due_jobs("node-a", deadline, &t.state),
        other.run_due_jobs("node-b", deadline, &t.state)
    );
    a.unwrap();
    b.unwrap();
    t.store.run_due_jobs("node-a", Millis(deadline.0 + HOUR), &t.state).await.unwrap();
    assert_eq!(count(&kinds(&t, &w.agent).await, "commitment_overdue"), 1);
    assert_eq!(count(&kinds(&t, &w.lead).await, "commitment_overdue"), 1);
    let sales = kinds(&t, &w.requester).await;
    assert_eq!((count(&sales, "commitment_late"), count(&sales, "commitment_overdue")), (1, 0));

    // Delivered again on Monday at 13:00 and accepted: late by Monday's four working hours,
    // and Sales waited as long (the same calendar).
    t.time.set(at(2026, 11, 23, 13));
    let r = t.api(Method::POST, &path, Some(&w.agent), Some(json!({"link": "https://files.example.com/w47"}))).await;
    assert_eq!(r.json["status"], "delivered", "{}", r.text);
    t.api(Method::POST, &path, Some(&w.agent), Some(json!({"note": "again"})))
        .await
        .assert_problem(StatusCode::CONFLICT, "illegal_transition");
    let r = t.api(Method::POST, &format!("/api/v1/occurrences/{first}/accept"), Some(&w.requester), None).await;
    assert_eq!(r.json["status"], "accepted", "{}", r.text);
    assert_eq!((r.json["timeliness"].as_str(), r.json["late_ms"].as_i64()), (Some("late"), Some(4 * HOUR)));
    assert_eq!(r.json["waited_ms"].as_i64(), Some(4 * HOUR));
    assert_eq!(r.json["deliveries"].as_array().unwrap().len(), 2);

    // The next one on time; the record and the trend count both.
    t.time.set(at(2026, 11, 27, 10));
    t.api(Method::POST, &format!("/api/v1/occurrences/{second}/deliver"), Some(&w.agent), Some(json!({"note": "w48"})))
        .await;
    // Delivered, not yet accepted: Sales' to do, not a wait on IT; IT owes it no longer.
    let r = t.api(Method::GET, "/api/v1/teams/SAL/waiting", Some(&w.outsider), None).await;
    let it = r.json.as_array().unwrap().iter().find(|l| l["team_key"] == "IT").unwrap();
    assert_eq!((it["to_accept"].as_i64(), it["commitments_late"].as_i64()), (Some(1), Some(0)), "{}", r.text);
    let due_before = it["commitments_due"].as_i64().unwrap();
    let r = t.api(Method::GET, "/api/v1/teams/IT/owed", Some(&w.outsider), None).await;
    assert_eq!(r.json[0]["commitments_due"].as_i64(), Some(due_before), "both sides count alike: {}", r.text);
    t.api(Method::POST, &format!("/api/v1/occurrences/{second}/accept"), Some(&w.requester), None).await;
    t.time.set(at(2026, 11, 28, 10));
    let r = t.api(Method::GET, &format!("/api/v1/commitments/{id}"), Some(&w.outsider), None).await;
    assert_eq!(r.json["commitment"]["record"], json!({"on_time": 1, "late": 1}), "{}", r.text);
    assert_eq!(r.json["trend"], json!([{"month": "2026-11", "on_time": 1, "late": 1}]));
    let r = t.api(Method::GET, "/api/v1/reports/on-time?team=SAL&received=true", Some(&w.outsider), None).await;
    assert_eq!(r.json["record"], json!({"on_time": 1, "late": 1}), "{}", r.text);
    let r = t.api(Method::GET, "/api/v1/reports/on-time?team=SAL", Some(&w.outsider), None).await;
    assert_eq!(r.json["record"], json!({"on_time": 0, "late": 0}), "Sales delivers nothing");

    // The network: an undeclared edge made by the commitment alone; owed and waiting views.
    let r = t.api(Method::GET, "/api/v1/network", Some(&w.outsider), None).await;
    let edge =
        r.json.as_array().unwrap().iter().find(|e| e["supplier_key"] == "IT" && e["customer_key"] == "SAL").unwrap();
    assert_eq!(
        (edge["commitments"].as_i64(), edge["deliveries_on_time"].as_i64(), edge["deliveries_late"].as_i64()),
        (Some(1), Some(1), Some(1)),
        "{edge}"
    );
    assert_eq!(edge["health"]["kind"], "not_enough_data", "two promises are too few to score");
    let r = t.api(Method::GET, "/api/v1/network/IT/SAL", Some(&w.outsider), None).await;
    assert_eq!(r.json["commitments"][0]["title"], "Weekly figures", "{}", r.text);
    assert_eq!(r.json["trend"], json!([{"month": "2026-11", "on_time": 1, "late": 1}]));
    let r = t.api(Method::GET, "/api/v1/network/summary", Some(&w.lead), None).await;
    assert!(r.json["undeclared"].as_array().unwrap().iter().any(|e| e["supplier_key"] == "IT"), "{}", r.text);
    let r = t.api(Method::GET, "/api/v1/teams/IT/owed", Some(&w.outsider), None).await;
    assert_eq!(
        (r.json[0]["team_key"].as_str(), r.json[0]["commitments_due"].as_i64()),
        (Some("SAL"), Some(2)),
        "{}",
        r.text
    );
    let r = t.api(Method::GET, "/api/v1/teams/SAL/waiting", Some(&w.outsider), None).await;
    assert_eq!(
        (r.json[0]["team_key"].as_str(), r.json[0]["commitments_late"].as_i64()),
        (Some("IT"), Some(0)),
        "{}",
        r.text
    );

    // A changed schedule regenerates what nobody delivered; what was delivered stays.
    let mut thursdays = weekly_figures();
    thursdays["rule"] = json!("FREQ=WEEKLY;BYDAY=TH");
    t.api(Method::PUT, &format!("/api/v1/commitments/{id}"), Some(&w.agent), Some(thursdays.clone()))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let r = t.api(Method::PUT, &format!("/api/v1/commitments/{id}"), Some(&w.requester), Some(thursdays)).await;
    assert_eq!(r.json["rule"], "FREQ=WEEKLY;BYDAY=TH", "the receiver's lead may change it: {}", r.text);
    let all = occurrences(&t, &w.requester, &format!("commitment={id}")).await;
    assert_eq!(all[0]["id"].as_i64(), Some(first));
    assert_eq!(all[1]["id"].as_i64(), Some(second));
    assert_eq!(all[2]["due_at"], "2026-12-03T17:00:00Z", "{:?}", all[2]);
    // Ended: nothing ahead remains.
    let r = t.api(Method::POST, &format!("/api/v1/commitments/{id}/end"), Some(&w.lead), None).await;
    assert_eq!(r.json["active"], false);
    assert_eq!(occurrences(&t, &w.requester, &format!("commitment={id}")).await.len(), 2);
});

both!(calendar_feeds_are_valid_icalendar_and_revocable, |t| {
    let w = world(&t).await;
    t.time.set(at(2026, 11, 18, 10));
    let r = t.api(Method::POST, "/api/v1/commitments", Some(&w.lead), Some(weekly_figures())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    // Only members subscribe to a team's feed.
    t.api(Method::POST, "/api/v1/feeds", Some(&w.outsider), Some(json!({"team": "IT"})))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let mine = t.api(Method::POST, "/api/v1/feeds", Some(&w.agent), Some(json!({}))).await;
    assert_eq!(mine.status, StatusCode::CREATED, "{}", mine.text);
    let team = t.api(Method::POST, "/api/v1/feeds", Some(&w.agent), Some(json!({"team": "IT"}))).await;
    let path = |r: &crate::harness::ApiResponse| {
        let url = r.json["url"].as_str().unwrap();
        url[url.find("/feeds/").unwrap()..].to_owned()
    };

    for (feed, name) in
        [(path(&mine), "My commitments and action items"), (path(&team), "IT Services: commitments and action items")]
    {
        let r = t.api(Method::GET, &feed, None, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert!(r.headers.get("content-type").unwrap().to_str().unwrap().starts_with("text/calendar"));
        let cal: icalendar::Calendar = r.text.parse().unwrap_or_else(|e| panic!("{e}\n{}", r.text));
        assert_eq!(cal.get_name(), Some(name));
        let events: Vec<_> = cal.events().collect();
        assert_eq!(events.len(), 13, "every Friday up to the horizon");
        use icalendar::{Component, DatePerhapsTime};
        assert_eq!(events[0].get_summary(), Some("Due: Weekly figures (IT Services → Sales)"));
        match events[0].get_start() {
            Some(DatePerhapsTime::DateTime(icalendar::CalendarDateTime::Utc(dt))) => {
                assert_eq!(dt, Utc.with_ymd_and_hms(2026, 11, 20, 17, 0, 0).unwrap())
            }
            other => panic!("start {other:?}"),
        }
        assert!(events[0].get_description().unwrap().contains("Owner: Max Agent"));
        assert_eq!(r.text.matches("\nPRODID:").count() + usize::from(r.text.starts_with("PRODID:")), 1, "{}", r.text);
        let uid = events[0].get_uid().unwrap();
        assert!(uid.starts_with("occurrence-") && uid.ends_with("@127.0.0.1:8080"), "the installation's host: {uid}");
    }
    // The requester's own feed lists nothing of IT's.
    let sams = t.api(Method::POST, "/api/v1/feeds", Some(&w.requester), Some(json!({}))).await;
    let r = t.api(Method::GET, &path(&sams), None, None).await;
    let cal: icalendar::Calendar = r.text.parse().unwrap();
    assert_eq!(cal.events().count(), 0);

    // Revoked: gone at once; a made-up token never worked.
    let id = mine.json["id"].as_i64().unwrap();
    t.api(Method::DELETE, &format!("/api/v1/feeds/{id}"), Some(&w.requester), None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");
    let r = t.api(Method::DELETE, &format!("/api/v1/feeds/{id}"), Some(&w.agent), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(t.api(Method::GET, &path(&mine), None, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(t.api(Method::GET, "/feeds/made-up.ics", None, None).await.status, StatusCode::NOT_FOUND);
    let r = t.api(Method::GET, "/api/v1/feeds", Some(&w.agent), None).await;
    assert_eq!(r.json["total"], 2);
    assert!(r.json["items"][1]["revoked_at"].is_string(), "revoked ones last: {}", r.text);
});

both!(commitment_pages_keep_what_was_typed_and_take_deliveries, |t| {
    let w = world(&t).await;
    sales_lead(&t).await;
    t.time.set(at(2026, 11, 18, 10));
    let mut lena = t.browser();
    lena.login("lena@example.com", crate::harness::PASSWORD).await;
    let csrf = lena.csrf("/teams/IT/commitments").await;
    let form = |rule: &'static str, remind: &'static str| {
        vec![
            ("csrf", csrf.as_str()),
            ("provider", "IT"),
            ("receiver", "SAL"),
            ("title", "Weekly figures"),
            ("owner", "max@example.com"),
            ("rule", rule),
            ("first_due", "2026-11-20T17:00"),
            ("zone", "UTC"),
            ("grace", "2h"),
            ("remind_hours", remind),
        ]
    };
    let page = lena.post("/teams/IT/commitments", &form("FREQ=WEEKLY;BYDAY=XX", "soon")).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains("give a whole number of hours") && page.body.contains("`XX` is not a weekday"),
        "all at once: {}",
        page.body
    );
    assert!(page.body.contains("FREQ=WEEKLY;BYDAY=XX"), "kept");
    let page = lena.post("/teams/IT/commitments", &form("FREQ=WEEKLY;BYDAY=FR", "")).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let path = page.location().split('?').next().unwrap().to_owned();
    assert!(lena.get(&path).await.body.contains("Every Friday at 17:00 UTC"), "the schedule in words");

    // The schedule builder writes the rule; its mistakes come with the others, all at once.
    let builder = |fields: &[(&'static str, &'static str)]| {
        let mut f: Vec<(&str, &str)> = form("", "24").into_iter().filter(|(k, _)| *k != "rule").collect();
        f.retain(|(k, _)| *k != "title");
        f.extend_from_slice(fields);
        f
    };
    let page =
        lena.post("/teams/IT/commitments", &builder(&[("repeat", "weekly"), ("every", "0"), ("title", "")])).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["every", "days", "title"] {
        assert!(page.body.contains(&format!("id=\"{field}-error\"")), "{field}: {}", page.body);
    }
    assert!(!page.body.contains("id=\"rule-error\""), "no second message about the rule");
    let page = lena
        .post(
            "/teams/IT/commitments",
            &builder(&[("repeat", "month_weekday"), ("nth", "last"), ("weekday", "FR"), ("title", "Month-end close")]),
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let close = page.location().split('?').next().unwrap().to_owned();
    let shown = lena.get(&close).await;
    assert!(shown.body.contains("On the last Friday of every month at 17:00 UTC"), "{}", shown.body);
    assert!(shown.body.contains("FREQ=MONTHLY;BYDAY=-1FR"), "the rule, for those who want it");
    let id = close.rsplit('/').next().unwrap();
    let r = t.api(Method::GET, &format!("/api/v1/commitments/{id}"), Some(&w.lead), None).await;
    assert_eq!(r.json["commitment"]["schedule_text"], "on the last Friday of every month at 17:00 UTC", "{}", r.text);
    assert!(shown.body.contains("value=\"month_weekday\" checked"), "the edit form's builder reads the rule back");

    // The owner's page offers the deliveries due in the next two weeks, not the later ones.
    let mut max = t.browser();
    max.login("max@example.com", crate::harness::PASSWORD).await;
    let page = max.get(&path).await;
    assert_eq!(page.body.matches("Mark delivered").count(), 2, "20 and 27 November");
    let first = occurrences(&t, &w.agent, "").await[0]["id"].as_i64().unwrap();
    let csrf = max.csrf(&path).await;
    let page = max
        .post_multipart(
            &format!("/occurrences/{first}/deliver"),
            &[("csrf", &csrf), ("note", ""), ("link", "nope")],
            b"",
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("a link starts with https://") && page.body.contains("value=\"nope\""), "{}", page.body);
    let page = max
        .post_multipart(
            &format!("/occurrences/{first}/deliver"),
            &[("csrf", &csrf), ("note", "Week 47")],
            b"a,b\n1,2\n",
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    // Sales sees it to accept, and the file.
    let mut sam = t.browser();
    sam.login("sam@example.com", crate::harness::PASSWORD).await;
    let page = sam.get("/teams/SAL/commitments").await;
    assert!(page.body.contains("to accept"), "{}", page.body);
    let page = sam.get(&path).await;
    assert!(page.body.contains("Week 47") && page.body.contains("x.csv"), "{}", page.body);
    let csrf = sam.csrf(&path).await;
    let page = sam
        .post(&format!("/occurrences/{first}/answer"), &[("csrf", &csrf), ("answer", "send_back"), ("reason", "")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("say what is missing"), "{}", page.body);
    let page = sam.post(&format!("/occurrences/{first}/answer"), &[("csrf", &csrf), ("answer", "accept")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    // Accepting twice (a second tab, a double click) is a conflict page, not a fault of ours.
    let again = sam.post(&format!("/occurrences/{first}/answer"), &[("csrf", &csrf), ("answer", "accept")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(again.body.contains("cannot be accepted"), "{}", again.body);
    let page = sam.get(&path).await;
    assert!(page.body.contains("Accepted by Sam Sales"), "{}", page.body);

    // Feeds from the account page: shown once, then listed and revocable.
    let csrf = max.csrf("/account").await;
    let page = max.post("/account/feeds", &[("csrf", &csrf)]).await;
    assert!(page.body.contains("/feeds/") && page.body.contains(".ics"), "{}", page.body);
    let id = t
        .store
        .feeds(&t.store.actor_for(t.store.person_by_email("max@example.com").await.unwrap().id).await.unwrap())
        .await
        .unwrap()[0]
        .id;
    let page = max.post("/account/feeds/revoke", &[("csrf", &csrf), ("id", &id.to_string())]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(max.get("/account").await.body.contains("revoked"));
});
