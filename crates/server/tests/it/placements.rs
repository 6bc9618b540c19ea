//! Ambassador placements: who may propose, answer, call off and report; the report seen by the
//! two teams only and sanitised; action items taken into the partnership review; the overview's
//! visits, unvisited teams and suggestions; the web pages.

use axum::http::{Method, StatusCode};
use chrono::{TimeZone, Utc};
use concentric_core::time::Millis;
use serde_json::json;

use crate::both;
use crate::harness::PASSWORD;
use crate::requests::world;

fn at(y: i32, m: u32, d: u32, h: u32) -> Millis {
    Millis(Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap().timestamp_millis())
}

fn max_to_sales() -> serde_json::Value {
    json!({"ambassador": "max@example.com", "home": "IT", "host": "SAL", "starts_on": "2026-12-07",
           "ends_on": "2026-12-11", "focus": "Sit with the **account team**"})
}

both!(placements_follow_both_leads_and_the_ambassador_reports, |t| {
    let w = world(&t).await;
    t.time.set(at(2026, 12, 1, 9));
    // Sam leads Sales for this test.
    let sales = t.store.team_by_key("SAL").await.unwrap();
    let sam = t.store.person_by_email("sam@example.com").await.unwrap();
    t.store
        .set_membership(
            &concentric_core::authz::Actor::system(),
            sales.id,
            sam.id,
            concentric_core::team::MemberRole::Lead,
        )
        .await
        .unwrap();

    // Only a lead of either team proposes; the ambassador is one of the home team's people.
    for token in [&w.agent, &w.outsider] {
        t.api(Method::POST, "/api/v1/placements", Some(token), Some(max_to_sales()))
            .await
            .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    }
    let mut wrong = max_to_sales();
    wrong["ambassador"] = json!("olga@example.com");
    wrong["ends_on"] = json!("2026-12-01");
    let refused = t.api(Method::POST, "/api/v1/placements", Some(&w.lead), Some(wrong)).await;
    refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(refused.json["errors"][0]["field"], "ends_on", "{}", refused.text);
    let mut outsider = max_to_sales();
    outsider["ambassador"] = json!("olga@example.com");
    t.api(Method::POST, "/api/v1/placements", Some(&w.lead), Some(outsider))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    let made = t.api(Method::POST, "/api/v1/placements", Some(&w.lead), Some(max_to_sales())).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    assert_eq!((made.json["status"].as_str(), made.json["proposed_side"].as_str()), (Some("proposed"), Some("home")));
    let id = made.json["id"].as_i64().unwrap();
    let path = |tail: &str| format!("/api/v1/placements/{id}{tail}");

    // Sales (the other side) answers; IT's own lead cannot accept its own proposal.
    t.api(Method::POST, &path("/accept"), Some(&w.lead), None).await.assert_problem(StatusCode::FORBIDDEN, "forbidden");
    t.api(Method::POST, &path("/accept"), Some(&w.agent), None)
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let note = |token: String| {
        let t = &t;
        async move {
            let r = t.api(Method::GET, "/api/v1/notifications", Some(&token), None).await;
            r.json["items"][0]["summary"].as_str().unwrap_or_default().to_owned()
        }
    };
    assert_eq!(
        note(w.requester.clone()).await,
        "Proposed: Max Agent spends 7 Dec – 11 Dec 2026 with Sales as an ambassador"
    );
    let accepted = t.api(Method::POST, &path("/accept"), Some(&w.requester), None).await;
    assert_eq!(accepted.json["status"], "accepted", "{}", accepted.text);
    assert_eq!(note(w.agent.clone()).await, "Agreed: Max Agent spends time with Sales as an ambassador");
    t.api(Method::POST, &path("/decline"), Some(&w.requester), None)
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    // The ambassador alone reports, once it has begun.
    let report = json!({"learned": "They **quote** from the catalogue <script>alert(1)</script>", "together": "Share the laptop models"});
    t.api(Method::PUT, &path("/report"), Some(&w.agent), Some(report.clone()))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    t.time.set(at(2026, 12, 12, 9));
    t.api(Method::PUT, &path("/report"), Some(&w.lead), Some(report.clone()))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let reported = t.api(Method::PUT, &path("/report"), Some(&w.agent), Some(report)).await;
    assert_eq!(reported.status, StatusCode::OK, "{}", reported.text);
    assert_eq!(note(w.requester.clone()).await, "Max Agent reported on their time with Sales");

    // Both teams read the report; a third team sees the visit but not the report.
    let seen = t.api(Method::GET, &path(""), Some(&w.requester), None).await;
    assert_eq!(seen.json["report"]["together"], "Share the laptop models", "{}", seen.text);
    let hidden = t.api(Method::GET, &path(""), Some(&w.outsider), None).await;
    assert!(hidden.json["report"].is_null() && hidden.json["reported_at"].is_string(), "{}", hidden.text);

    // Action items join the two teams' partnership review, once there is one.
    let action =
        json!({"title": "Send the laptop models to Sales", "owner": "max@example.com", "due_on": "2026-12-20"});
    let none = t.api(Method::POST, &path("/actions"), Some(&w.lead), Some(action.clone())).await;
    none.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(none.text.contains("plan a partnership review"), "{}", none.text);
    let review = t
        .api(
            Method::POST,
            "/api/v1/reviews",
            Some(&w.lead),
            Some(json!({"supplier": "IT", "customer": "SAL", "scheduled_for": "2027-01-10T10:00"})),
        )
        .await;
    assert_eq!(review.status, StatusCode::CREATED, "{}", review.text);
    t.api(Method::POST, &path("/actions"), Some(&w.agent), Some(action.clone()))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let item = t.api(Method::POST, &path("/actions"), Some(&w.requester), Some(action)).await;
    assert_eq!(item.status, StatusCode::CREATED, "{}", item.text);
    assert_eq!(item.json["review_id"], review.json["id"]);
    let detail = t.api(Method::GET, &path(""), Some(&w.lead), None).await;
    assert_eq!(detail.json["actions"][0]["title"], "Send the laptop models to Sales", "{}", detail.text);

    // A reported placement is not called off.
    t.api(Method::POST, &path("/cancel"), Some(&w.lead), None)
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    // The overview: Max's visit; who from IT has not been to Facilities; no suggestion yet.
    let o = t.api(Method::GET, "/api/v1/placements/overview?team=IT", Some(&w.outsider), None).await;
    assert_eq!(o.json["visits"][0]["host_key"], "SAL", "{}", o.text);
    let unvisited: Vec<&str> =
        o.json["unvisited"].as_array().unwrap().iter().map(|u| u["key"].as_str().unwrap()).collect();
    assert_eq!(unvisited, ["FAC"], "{}", o.text);
    let listed = t.api(Method::GET, "/api/v1/placements?team=SAL&agreed=true", Some(&w.outsider), None).await;
    assert_eq!(listed.json["total"], 1, "{}", listed.text);

    // The page shows the report safely to Sales, and the Propose link needs a lead.
    let mut sam_web = t.browser();
    sam_web.login("sam@example.com", PASSWORD).await;
    let page = sam_web.get(&format!("/placements/{id}")).await;
    assert!(page.body.contains("<strong>quote</strong>") && !page.body.contains("<script>alert"), "{}", page.body);
    let mut olga = t.browser();
    olga.login("olga@example.com", PASSWORD).await;
    assert!(!olga.get(&format!("/placements/{id}")).await.body.contains("Share the laptop models"));
    assert_eq!(olga.get("/placements/new").await.status, StatusCode::FORBIDDEN);
    let overview = olga.get("/placements").await;
    assert!(overview.body.contains("Max Agent") && overview.body.contains("Not visited yet by anyone from FAC"));
});

both!(placements_are_proposed_and_answered_on_the_web, |t| {
    let w = world(&t).await;
    t.time.set(at(2026, 12, 1, 9));
    let mut lena = t.browser();
    lena.login("lena@example.com", PASSWORD).await;
    let csrf = lena.csrf("/placements/new?home=IT&host=SAL").await;
    let wrong = lena
        .post(
            "/placements",
            &[("csrf", &csrf), ("home", "IT"), ("host", "IT"), ("ambassador", ""), ("starts_on", "soon")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in ["give the ambassador", "another team than their own", "give a date such as"] {
        assert!(wrong.body.contains(message), "{message}");
    }
    let made = lena
        .post(
            "/placements",
            &[
                ("csrf", &csrf),
                ("home", "IT"),
                ("host", "FAC"),
                ("ambassador", "max@example.com"),
                ("starts_on", "2026-12-14"),
                ("ends_on", "2026-12-15"),
                ("focus", "Learn the desk moves"),
            ],
        )
        .await;
    assert!(made.location().starts_with("/placements/"), "{}", made.location());
    let id: i64 = made.location().trim_start_matches("/placements/").split('?').next().unwrap().parse().unwrap();
    // Olga is not Facilities' lead: an admin answers for it here.
    let mut admin = t.browser();
    admin.login("admin@example.com", PASSWORD).await;
    let csrf = admin.csrf(&format!("/placements/{id}")).await;
    let yes = admin.post(&format!("/placements/{id}/decide"), &[("csrf", &csrf), ("accept", "false")]).await;
    assert_eq!(yes.location(), format!("/placements/{id}?notice=placement_declined"));
    let page = lena.get(&format!("/placements/{id}")).await;
    assert!(page.body.contains("declined"), "{}", page.body);
    let _ = w;
});
