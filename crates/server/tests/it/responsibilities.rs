//! Who does what: rows agreed by both sides, flagged when nobody owns them or the owner left,
//! on both teams' pages and on the review agenda.

use axum::http::{Method, StatusCode};
use concentric_core::authz::Actor;
use serde_json::json;

use crate::both;
use crate::harness::PASSWORD;
use crate::requests::world;

both!(responsibilities_are_agreed_by_both_sides_and_flagged, |t| {
    let w = world(&t).await;
    let rel = t
        .api(Method::POST, "/api/v1/relationships", Some(&w.lead), Some(json!({"supplier": "IT", "customer": "SAL"})))
        .await;
    let id = rel.json["id"].as_i64().unwrap();
    t.api(Method::POST, &format!("/api/v1/relationships/{id}/confirm"), Some(&w.admin), None).await;
    let roles = format!("/api/v1/relationships/{id}/roles");

    // Leads of either team write rows; the responsible person belongs to the side doing it.
    let row = json!({"activity": "Send new-rep start dates", "side": "customer", "responsible": "sam@example.com",
        "consulted": "IT service desk", "when": "a week before the first day"});
    t.api(Method::POST, &roles, Some(&w.agent), Some(row.clone()))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let wrong = json!({"activity": "Image laptops", "side": "supplier", "responsible": "sam@example.com"});
    let r = t.api(Method::POST, &roles, Some(&w.lead), Some(wrong)).await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(r.json["errors"][0]["field"], "responsible");
    let added = t.api(Method::POST, &roles, Some(&w.lead), Some(row)).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    assert_eq!(
        (added.json["agreed_by_supplier"].as_bool(), added.json["agreed_by_customer"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(added.json["problem"], serde_json::Value::Null);
    let role = added.json["id"].as_i64().unwrap();

    // The customer's side agrees (an admin speaks for it here); a member cannot.
    t.api(Method::POST, &format!("{roles}/{role}/agree"), Some(&w.requester), None)
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let agreed = t.api(Method::POST, &format!("{roles}/{role}/agree"), Some(&w.admin), None).await;
    assert_eq!(agreed.json["agreed_by_customer"], true, "{}", agreed.text);

    // A row nobody owns, and an owner who left: both flagged.
    let open = t
        .api(
            Method::POST,
            &roles,
            Some(&w.lead),
            Some(json!({"activity": "Approve laptop models", "side": "supplier"})),
        )
        .await;
    assert_eq!(open.json["problem"], "nobody_responsible", "{}", open.text);
    let sam = t.store.person_by_email("sam@example.com").await.unwrap();
    let sal = t.store.team_by_key("SAL").await.unwrap();
    t.store.remove_membership(&Actor::system(), sal.id, sam.id).await.unwrap();
    let list = t.api(Method::GET, &roles, Some(&w.outsider), None).await;
    let problems: Vec<&str> =
        list.json.as_array().unwrap().iter().map(|r| r["problem"].as_str().unwrap_or("")).collect();
    assert_eq!(problems, ["responsible_left", "nobody_responsible"], "{}", list.text);

    // On both teams' pages, and on the next review's agenda.
    let mut lena = t.browser();
    lena.login("lena@example.com", PASSWORD).await;
    for team in ["IT", "SAL"] {
        let page = lena.get(&format!("/teams/{team}")).await;
        assert!(page.body.contains("Who does what: 2 to settle"), "{team}: {}", page.body);
    }
    let review = t
        .api(
            Method::POST,
            "/api/v1/reviews",
            Some(&w.lead),
            Some(json!({"supplier": "IT", "customer": "SAL", "scheduled_for": "2026-12-10T10:00"})),
        )
        .await;
    let detail = t.api(Method::GET, &format!("/api/v1/reviews/{}", review.json["id"]), Some(&w.lead), None).await;
    assert!(detail.text.contains("Who does what: 2 to settle"), "{}", detail.text);
    assert!(detail.text.contains("Approve laptop models (IT): nobody is responsible."));

    // The edge page lists them; removing one is for the leads.
    let edge = lena.get("/network/IT/SAL").await;
    assert!(
        edge.body.contains("Send new-rep start dates")
            && edge.body.contains("the person responsible has left the team")
    );
    t.api(Method::DELETE, &format!("{roles}/{role}"), Some(&w.agent), None)
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(
        t.api(Method::DELETE, &format!("{roles}/{role}"), Some(&w.lead), None).await.status,
        StatusCode::NO_CONTENT
    );
});
