//! Open meetings: invitations by ring, answers and guest seats, questions before and notes after,
//! the calendar feed read back with the .ics parser (stable UID, growing SEQUENCE, cancellation),
//! permissions, sanitised Markdown and the web forms.

use axum::http::{Method, StatusCode};
use chrono::{TimeZone, Utc};
use concentric_core::time::Millis;
use icalendar::{Component, EventLike};
use serde_json::{json, Value};

use crate::both;
use crate::harness::{ApiResponse, TestApp, PASSWORD};
use crate::requests::world;

fn at(y: i32, m: u32, d: u32, h: u32) -> Millis {
    Millis(Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap().timestamp_millis())
}

async fn notices(t: &TestApp, token: &str) -> Vec<String> {
    let r = t.api(Method::GET, "/api/v1/notifications", Some(token), None).await;
    r.json["items"].as_array().unwrap().iter().map(|n| n["summary"].as_str().unwrap().to_owned()).collect()
}

fn weekly(starts_at: &str) -> Value {
    json!({
        "team": "IT", "title": "IT weekly", "agenda": "1. What we shipped", "starts_at": starts_at,
        "zone": "Europe/Berlin", "minutes": 45, "place": "Room 1", "guest_seats": 1, "reach": "partners"
    })
}

/// The one event of a feed, parsed back.
async fn feed_event(t: &TestApp, feed: &str) -> icalendar::Event {
    let r = t.api(Method::GET, feed, None, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let cal: icalendar::Calendar = r.text.parse().unwrap_or_else(|e| panic!("{e}\n{}", r.text));
    let events: Vec<icalendar::Event> = cal.events().cloned().collect();
    assert_eq!(events.len(), 1, "{}", r.text);
    events.into_iter().next().unwrap()
}

fn feed_path(r: &ApiResponse) -> String {
    let url = r.json["url"].as_str().unwrap();
    url[url.find("/feeds/").unwrap()..].to_owned()
}

both!(meetings_invite_by_ring_and_reach_calendars, |t| {
    let w = world(&t).await;
    t.time.set(at(2026, 12, 1, 9));
    // Sales is IT's customer: the first ring. Facilities has no tie to IT.
    let rel = t
        .api(Method::POST, "/api/v1/relationships", Some(&w.lead), Some(json!({"supplier": "IT", "customer": "SAL"})))
        .await;
    assert!(rel.status.is_success(), "{}", rel.text);

    t.api(Method::POST, "/api/v1/meetings", Some(&w.outsider), Some(weekly("2026-12-10T10:00")))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let made = t.api(Method::POST, "/api/v1/meetings", Some(&w.agent), Some(weekly("2026-12-10T10:00"))).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let id = made.json["id"].as_i64().unwrap();
    assert_eq!(made.json["starts_at"], "2026-12-10T09:00:00Z", "10:00 in Berlin");
    assert_eq!(made.json["invited_teams"], json!([{"key": "SAL", "name": "Sales", "ring": 1}]));

    // Sales hears of it; Facilities does not, nor the host team.
    let invite = "IT Services invites you to an open meeting: IT weekly, Thu 10 Dec 2026, 10:00 CET".to_owned();
    assert_eq!(notices(&t, &w.requester).await, [invite]);
    assert!(notices(&t, &w.outsider).await.is_empty());
    assert!(notices(&t, &w.lead).await.is_empty());
    let invited = t.api(Method::GET, "/api/v1/meetings?invited=true", Some(&w.requester), None).await;
    assert_eq!(invited.json["total"], 1, "{}", invited.text);
    let not = t.api(Method::GET, "/api/v1/meetings?invited=true", Some(&w.outsider), None).await;
    assert_eq!(not.json["total"], 0, "{}", not.text);
    let all = t.api(Method::GET, "/api/v1/meetings?team=it", Some(&w.outsider), None).await;
    assert_eq!((all.json["total"].as_i64(), all.json["items"][0]["invited"].as_bool()), (Some(1), Some(false)));

    // Only the invited answer and ask; a guest's yes takes a seat.
    let rsvp = format!("/api/v1/meetings/{id}/rsvp");
    t.api(Method::PUT, &rsvp, Some(&w.outsider), Some(json!({"answer": "yes"})))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    t.api(Method::POST, &format!("/api/v1/meetings/{id}/questions"), Some(&w.outsider), Some(json!({"body": "Hi?"})))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let yes = t.api(Method::PUT, &rsvp, Some(&w.requester), Some(json!({"answer": "yes"}))).await;
    assert_eq!(
        (yes.json["my_answer"].as_str(), yes.json["guests_going"].as_i64()),
        (Some("yes"), Some(1)),
        "{}",
        yes.text
    );
    let asked = t
        .api(
            Method::POST,
            &format!("/api/v1/meetings/{id}/questions"),
            Some(&w.requester),
            Some(json!({"body": "  How do you triage?  "})),
        )
        .await;
    assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.text);
    assert_eq!(asked.json["questions"][0]["body"], "How do you triage?");

    // Opened to everyone: Facilities may answer, but the one guest seat is Sam's; hosts need none.
    let mut everyone = weekly("2026-12-10T10:00");
    everyone.as_object_mut().unwrap().remove("team");
    everyone["reach"] = json!("everyone");
    let opened = t.api(Method::PUT, &format!("/api/v1/meetings/{id}"), Some(&w.lead), Some(everyone)).await;
    assert_eq!(
        (opened.json["sequence"].as_i64(), opened.json["invited_teams"].as_array().map(Vec::len)),
        (Some(0), Some(0)),
        "not moved: {}",
        opened.text
    );
    t.api(Method::PUT, &rsvp, Some(&w.outsider), Some(json!({"answer": "yes"})))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let maybe = t.api(Method::PUT, &rsvp, Some(&w.outsider), Some(json!({"answer": "maybe"}))).await;
    assert_eq!(maybe.json["maybe"], 1, "{}", maybe.text);
    let host = t.api(Method::PUT, &rsvp, Some(&w.lead), Some(json!({"answer": "yes"}))).await;
    assert_eq!((host.json["going"].as_i64(), host.json["guests_going"].as_i64()), (Some(2), Some(1)), "{}", host.text);
    let again = t.api(Method::PUT, &rsvp, Some(&w.requester), Some(json!({"answer": "yes"}))).await;
    assert_eq!(again.status, StatusCode::OK, "keeping one's own seat: {}", again.text);

    // Sam's calendar has it; moving it keeps the UID and raises the SEQUENCE.
    let feed = t.api(Method::POST, "/api/v1/feeds", Some(&w.requester), Some(json!({}))).await;
    let feed = feed_path(&feed);
    let event = feed_event(&t, &feed).await;
    let uid = event.get_uid().unwrap().to_owned();
    assert!(uid.starts_with(&format!("meeting-{id}@")), "{uid}");
    assert_eq!(event.get_sequence(), Some(0));
    assert_eq!(event.get_status(), Some(icalendar::EventStatus::Confirmed));
    assert_eq!(event.get_location(), Some("Room 1"));
    assert_eq!(event.get_summary(), Some("IT weekly (IT Services)"));

    let mut later = weekly("2026-12-10T11:30");
    later.as_object_mut().unwrap().remove("team");
    later["reach"] = json!("everyone");
    let moved = t.api(Method::PUT, &format!("/api/v1/meetings/{id}"), Some(&w.agent), Some(later)).await;
    assert_eq!(moved.json["sequence"], 1, "{}", moved.text);
    assert!(notices(&t, &w.requester)
        .await
        .contains(&"IT Services moved IT weekly: now Thu 10 Dec 2026, 11:30 CET".to_owned()));
    let event = feed_event(&t, &feed).await;
    assert_eq!((event.get_uid(), event.get_sequence()), (Some(uid.as_str()), Some(1)));
    match event.get_start() {
        Some(icalendar::DatePerhapsTime::DateTime(icalendar::CalendarDateTime::Utc(dt))) => {
            assert_eq!(dt, Utc.with_ymd_and_hms(2026, 12, 10, 10, 30, 0).unwrap())
        }
        other => panic!("start {other:?}"),
    }

    // Cancelled: still in the feed, marked so calendar apps drop it; answers close.
    t.api(Method::POST, &format!("/api/v1/meetings/{id}/cancel"), Some(&w.outsider), Some(json!({})))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let cancelled = t
        .api(
            Method::POST,
            &format!("/api/v1/meetings/{id}/cancel"),
            Some(&w.agent),
            Some(json!({"reason": "Half the team is ill"})),
        )
        .await;
    assert!(cancelled.json["cancelled_at"].is_string(), "{}", cancelled.text);
    let event = feed_event(&t, &feed).await;
    assert_eq!(event.get_status(), Some(icalendar::EventStatus::Cancelled));
    assert_eq!((event.get_uid(), event.get_sequence()), (Some(uid.as_str()), Some(2)));
    assert!(event.get_description().unwrap().starts_with("Cancelled: Half the team is ill"));
    assert!(notices(&t, &w.outsider)
        .await
        .contains(&"IT Services cancelled IT weekly (Thu 10 Dec 2026, 11:30 CET)".to_owned()));
    t.api(Method::PUT, &rsvp, Some(&w.requester), Some(json!({"answer": "no"})))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let coming = t.api(Method::GET, "/api/v1/meetings", Some(&w.requester), None).await;
    assert!(coming.json["items"][0]["cancelled_at"].is_string(), "{}", coming.text);

    // The host team's feed lists its own meetings too.
    let team_feed = t.api(Method::POST, "/api/v1/feeds", Some(&w.agent), Some(json!({"team": "IT"}))).await;
    assert_eq!(feed_event(&t, &feed_path(&team_feed)).await.get_uid(), Some(uid.as_str()));
});

both!(notes_come_after_and_everything_is_checked, |t| {
    let w = world(&t).await;
    t.time.set(at(2026, 12, 1, 9));
    // Every mistake at once.
    let bad = t
        .api(
            Method::POST,
            "/api/v1/meetings",
            Some(&w.agent),
            Some(json!({"team": "IT", "title": " ", "starts_at": "2026-11-30T10:00", "minutes": 5, "place": ""})),
        )
        .await;
    bad.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let fields: Vec<&str> =
        bad.json["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["title", "starts_at", "minutes", "place"], "{}", bad.text);

    let agenda = "**Bold** <script>alert(1)</script> [x](javascript:alert(1))";
    let made = t
        .api(
            Method::POST,
            "/api/v1/meetings",
            Some(&w.agent),
            Some(json!({"team": "IT", "title": "Open stand-up", "agenda": agenda, "starts_at": "2026-12-02T10:00",
                        "zone": "UTC", "minutes": 30, "link": "https://meet.example.com/it", "reach": "everyone"})),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let id = made.json["id"].as_i64().unwrap();
    assert!(notices(&t, &w.outsider).await.is_empty(), "open to everyone: shown on home and in the digest, not pushed");
    t.api(Method::PUT, &format!("/api/v1/meetings/{id}/rsvp"), Some(&w.outsider), Some(json!({"answer": "yes"}))).await;
    let notes = format!("/api/v1/meetings/{id}/notes");
    t.api(Method::PUT, &notes, Some(&w.agent), Some(json!({"notes": "Too early"})))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    // After it starts: no more answers or changes; the host writes the notes, attendees hear.
    t.time.set(at(2026, 12, 2, 11));
    t.api(Method::PUT, &format!("/api/v1/meetings/{id}/rsvp"), Some(&w.requester), Some(json!({"answer": "yes"})))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    t.api(Method::PUT, &notes, Some(&w.outsider), Some(json!({"notes": "Mine"})))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let written = t
        .api(
            Method::PUT,
            &notes,
            Some(&w.lead),
            Some(json!({"notes": "- Agreed <img src=x onerror=alert(1)> **next steps**"})),
        )
        .await;
    assert_eq!(written.status, StatusCode::OK, "{}", written.text);
    assert_eq!(notices(&t, &w.outsider).await, ["IT Services posted the notes of Open stand-up"]);
    let past = t.api(Method::GET, "/api/v1/meetings?past=true", Some(&w.outsider), None).await;
    assert_eq!(past.json["total"], 1, "{}", past.text);

    // The page shows the Markdown as HTML without anything that runs.
    let mut olga = t.browser();
    olga.login("olga@example.com", PASSWORD).await;
    let page = olga.get(&format!("/meetings/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<strong>Bold</strong>") && page.body.contains("<strong>next steps</strong>"));
    assert!(
        !page.body.contains("<script>alert")
            && !page.body.contains("javascript:alert")
            && !page.body.contains("onerror")
    );
    assert!(page.body.contains("This meeting has ended"), "{}", page.body);
    let ics = olga.get(&format!("/meetings/{id}/event.ics")).await;
    let cal: icalendar::Calendar = ics.body.parse().unwrap();
    assert_eq!(cal.events().count(), 1);
    assert_eq!(olga.get("/teams/IT/meetings/new").await.status, StatusCode::FORBIDDEN);

    // The web form shows every mistake at once and keeps what was typed.
    let mut max = t.browser();
    max.login("max@example.com", PASSWORD).await;
    let csrf = max.csrf("/teams/IT/meetings/new").await;
    let wrong = max
        .post(
            "/teams/IT/meetings",
            &[
                ("csrf", &csrf),
                ("title", "Demo day"),
                ("starts_at", ""),
                ("zone", "UTC"),
                ("minutes", "an hour"),
                ("guest_seats", "ten"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in
        ["give the date and time it starts", "give the length in minutes", "give a whole number of seats", "say where"]
    {
        assert!(wrong.body.contains(message), "{message}: {}", wrong.body);
    }
    assert!(wrong.body.contains("value=\"Demo day\""));
    let made = max
        .post(
            "/teams/IT/meetings",
            &[
                ("csrf", &csrf),
                ("title", "Demo day"),
                ("starts_at", "2026-12-09T15:00"),
                ("zone", "Europe/Berlin"),
                ("minutes", "60"),
                ("place", "Atrium"),
                ("guest_seats", ""),
                ("reach", "partners_of_partners"),
            ],
        )
        .await;
    assert!(made.location().starts_with("/meetings/"), "{}", made.location());
    let team = max.get("/teams/IT").await;
    assert!(team.body.contains("Demo day"), "the team page shows its coming meetings");
    let csrf = max.csrf(made.location()).await;
    let yes = max
        .post(&format!("{}/rsvp", made.location().split('?').next().unwrap()), &[("csrf", &csrf), ("answer", "yes")])
        .await;
    assert!(yes.location().ends_with("notice=rsvp#answer"), "{}", yes.location());
});

both!(two_guests_cannot_both_take_the_last_seat, |t| {
    let w = world(&t).await;
    t.time.set(at(2026, 12, 1, 9));
    let made = t
        .api(
            Method::POST,
            "/api/v1/meetings",
            Some(&w.agent),
            Some(json!({"team": "IT", "title": "Demo", "starts_at": "2026-12-03T10:00", "zone": "UTC", "minutes": 30,
                        "place": "Room 1", "guest_seats": 1, "reach": "everyone"})),
        )
        .await;
    let rsvp = format!("/api/v1/meetings/{}/rsvp", made.json["id"]);
    for _ in 0..5 {
        let yes = Some(json!({"answer": "yes"}));
        let (sam, olga) = tokio::join!(
            t.api(Method::PUT, &rsvp, Some(&w.requester), yes.clone()),
            t.api(Method::PUT, &rsvp, Some(&w.outsider), yes.clone())
        );
        let taken = [&sam, &olga].iter().filter(|r| r.status == StatusCode::OK).count();
        assert_eq!(taken, 1, "{} / {}", sam.text, olga.text);
        // Both step back, and try again.
        for token in [&w.requester, &w.outsider] {
            t.api(Method::PUT, &rsvp, Some(token), Some(json!({"answer": "no"}))).await;
        }
    }
});
