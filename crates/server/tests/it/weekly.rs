//! The organisation's week: sent on Monday from 08:00 in each person's own zone, once, with the
//! spotlights, new services and partnerships of the last seven days and the open meetings the
//! person is invited to, their times in the person's zone. Time is injected.

use axum::http::{Method, StatusCode};
use chrono::{Datelike, Duration, TimeZone, Utc};
use concentric_core::time::Millis;
use serde_json::json;

use crate::both;
use crate::harness::TestApp;
use crate::requests::world;

async fn weeks(t: &TestApp, token: &str) -> Vec<String> {
    let r = t.api(Method::GET, "/api/v1/notifications?limit=200", Some(token), None).await;
    r.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "weekly")
        .map(|n| n["summary"].as_str().unwrap().to_owned())
        .collect()
}

both!(the_week_goes_out_on_monday_morning_in_each_zone, |t| {
    let w = world(&t).await;
    // Posts and services are stamped with the real clock: the week is the coming Monday's.
    let today = Utc::now().date_naive();
    let monday = today + Duration::days(7 - i64::from(today.weekday().num_days_from_monday()));
    let at = |hour: u32, minute: u32| {
        Millis(Utc.from_utc_datetime(&monday.and_hms_opt(hour, minute, 0).unwrap()).timestamp_millis())
    };
    t.time.set(Millis(at(7, 30).0 - 3 * 86_400_000));
    for (token, zone) in [(&w.agent, "Europe/Berlin"), (&w.outsider, "Asia/Tokyo"), (&w.requester, "America/New_York")]
    {
        let me = t.api(Method::GET, "/api/v1/me", Some(token), None).await;
        let id = me.json["id"].as_i64().unwrap();
        let r =
            t.api(Method::PATCH, &format!("/api/v1/people/{id}"), Some(token), Some(json!({"time_zone": zone}))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let rel = t
        .api(Method::POST, "/api/v1/relationships", Some(&w.lead), Some(json!({"supplier": "IT", "customer": "SAL"})))
        .await;
    let rel_id = rel.json["id"].as_i64().unwrap();
    let agreed = t.api(Method::POST, &format!("/api/v1/relationships/{rel_id}/confirm"), Some(&w.admin), None).await;
    assert!(agreed.status.is_success(), "{}", agreed.text);
    t.api(
        Method::POST,
        "/api/v1/news",
        Some(&w.agent),
        Some(json!({"team": "IT", "title": "Laptops in a day", "spotlight": true})),
    )
    .await;
    t.api(Method::POST, "/api/v1/news", Some(&w.agent), Some(json!({"team": "IT", "title": "Not a spotlight"}))).await;
    let wednesday = (monday + Duration::days(2)).format("%Y-%m-%dT10:00").to_string();
    let meeting = t
        .api(
            Method::POST,
            "/api/v1/meetings",
            Some(&w.lead),
            Some(json!({"team": "IT", "title": "IT weekly", "starts_at": wednesday, "zone": "Europe/Berlin", "minutes": 30, "place": "Room 1"})),
        )
        .await;
    assert_eq!(meeting.status, StatusCode::CREATED, "{}", meeting.text);

    // 07:30 UTC: 08:30 in Berlin and 16:30 in Tokyo, but 02:30 in New York.
    t.store.run_due_jobs("node-a", at(7, 30), &t.state).await.unwrap();
    let expected = "Your week across the organisation: 1 spotlight, 1 new service and 1 partnership agreed";
    assert_eq!(weeks(&t, &w.agent).await, [expected], "IT's own meeting is not news to Max");
    assert_eq!(weeks(&t, &w.outsider).await, [expected], "Facilities is not invited");
    assert!(weeks(&t, &w.requester).await.is_empty(), "not yet Monday 08:00 in New York");

    // 13:30 UTC is 08:30 in New York: Sam's week, with IT's meeting at his own time; nobody twice.
    t.store.run_due_jobs("node-a", at(13, 30), &t.state).await.unwrap();
    let sams = weeks(&t, &w.requester).await;
    assert_eq!(
        sams,
        ["Your week across the organisation: 1 spotlight, 1 open meeting, 1 new service and 1 partnership agreed"]
    );
    assert_eq!(weeks(&t, &w.agent).await.len(), 1);
    // Read at that hour too: the posts, stamped with the real clock, are then in the past
    // whatever day the test runs.
    t.time.set(at(13, 30));
    let week = t.api(Method::GET, "/api/v1/news/week", Some(&w.requester), None).await;
    let when = format!("{}, 04:00 EST", (monday + Duration::days(2)).format("%a %-d %b %Y"));
    assert_eq!(week.json["meetings"][0]["when"], when, "{}", week.text);
    assert_eq!(week.json["spotlights"][0]["title"], "Laptops in a day");
    assert_eq!(week.json["partnerships"][0]["customer_key"], "SAL");

    // The next Monday comes round again; Tuesday does not.
    t.store.run_due_jobs("node-a", Millis(at(13, 30).0 + 86_400_000), &t.state).await.unwrap();
    assert_eq!(weeks(&t, &w.requester).await.len(), 1);
    let mut sam = t.browser();
    sam.login("sam@example.com", crate::harness::PASSWORD).await;
    let page = sam.get("/week").await;
    assert!(page.body.contains("Laptops in a day") && page.body.contains(&when), "{}", page.body);
});
