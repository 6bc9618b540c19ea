//! Thanks: to a team or a person, about a request one can see; who is told; what counts as help
//! across the organisation; taking it back; the web form and pages.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::both;
use crate::harness::{TestApp, PASSWORD};
use crate::requests::{file, world};

async fn notices(t: &TestApp, token: &str) -> Vec<String> {
    let r = t.api(Method::GET, "/api/v1/notifications", Some(token), None).await;
    r.json["items"].as_array().unwrap().iter().map(|n| n["summary"].as_str().unwrap().to_owned()).collect()
}

both!(thanks_reaches_whom_it_thanks_and_counts_help_across, |t| {
    let w = world(&t).await;
    file(&t, &w.requester, "My laptop died").await;

    // Sam thanks IT for his request: IT's people are told, Facilities is not.
    let thanks = |token: &str, body: serde_json::Value| {
        let token = token.to_owned();
        let t = &t;
        async move { t.api(Method::POST, "/api/v1/thanks", Some(&token), Some(body)).await }
    };
    let given =
        thanks(&w.requester, json!({"team": "it", "message": " A new laptop in a day! ", "request": "it-1"})).await;
    assert_eq!(given.status, StatusCode::CREATED, "{}", given.text);
    assert_eq!(
        (given.json["team_key"].as_str(), given.json["request_key"].as_str(), given.json["across"].as_bool()),
        (Some("IT"), Some("IT-1"), Some(true))
    );
    assert_eq!(given.json["message"], "A new laptop in a day!");
    for token in [&w.agent, &w.lead] {
        assert_eq!(notices(&t, token).await[0], "Sam Sales thanked IT Services");
    }
    assert!(notices(&t, &w.outsider).await.is_empty());

    // Mistakes, each told: a request one cannot see, oneself, both at once, nobody, no team.
    let refused = [
        (&w.outsider, json!({"team": "IT", "message": "Thanks", "request": "IT-1"}), "request"),
        (&w.requester, json!({"person": "sam@example.com", "message": "Me"}), "person"),
        (&w.requester, json!({"team": "IT", "person": "max@example.com", "message": "Both"}), "person"),
        (&w.requester, json!({"message": "Nobody"}), "team"),
        (&w.requester, json!({"team": "NOPE", "message": "Ghosts"}), "team"),
        (&w.requester, json!({"team": "IT", "message": " "}), "message"),
    ];
    for (token, body, field) in refused {
        let r = thanks(token, body.clone()).await;
        r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(r.json["errors"][0]["field"], field, "{body}: {}", r.text);
    }

    // Max thanks his own lead: told, but help within a team is not counted as help across.
    let inside = thanks(&w.agent, json!({"person": "lena@example.com", "message": "Cover on Friday"})).await;
    assert_eq!(inside.json["across"], false, "{}", inside.text);
    assert_eq!(notices(&t, &w.lead).await[0], "Max Agent thanked you");
    let across = thanks(&w.outsider, json!({"person": "MAX@example.com", "message": "Printer fixed"})).await;
    assert_eq!(across.json["across"], true, "{}", across.text);

    let c = t.api(Method::GET, "/api/v1/thanks/contributions", Some(&w.outsider), None).await;
    assert_eq!(c.json["days"], 90, "{}", c.text);
    assert_eq!(c.json["teams"], json!([{"key": "IT", "name": "IT Services", "thanks": 2, "people": 2}]), "{}", c.text);
    assert_eq!(c.json["people"][0]["name"], "Max Agent");
    assert_eq!(c.json["people"].as_array().unwrap().len(), 1, "Lena's thanks came from her own team: {}", c.text);
    t.api(Method::GET, "/api/v1/thanks/contributions?days=0", Some(&w.outsider), None)
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    let it = t.api(Method::GET, "/api/v1/thanks?team=IT", Some(&w.outsider), None).await;
    assert_eq!(it.json["total"], 3, "to the team and to its people: {}", it.text);
    let page = t.api(Method::GET, "/api/v1/thanks?team=IT&limit=2", Some(&w.outsider), None).await;
    assert_eq!((page.json["items"].as_array().map(Vec::len), page.json["next_offset"].as_i64()), (Some(2), Some(2)));
    let max_id = t.store.person_by_email("max@example.com").await.unwrap().id;
    let maxs = t.api(Method::GET, &format!("/api/v1/thanks?person={max_id}"), Some(&w.lead), None).await;
    assert_eq!(maxs.json["items"][0]["message"], "Printer fixed", "{}", maxs.text);

    // Thanks for a commitment names it; an unknown one is refused.
    let c = t
        .api(
            Method::POST,
            "/api/v1/commitments",
            Some(&w.lead),
            Some(json!({"provider": "IT", "receiver": "SAL", "title": "Weekly figures", "owner": "max@example.com",
                        "rule": "FREQ=WEEKLY;BYDAY=FR", "first_due": "2026-11-20T17:00", "zone": "UTC"})),
        )
        .await;
    let c = c.json["id"].as_i64().unwrap();
    let for_it = thanks(&w.requester, json!({"team": "IT", "message": "On time all month", "commitment": c})).await;
    assert_eq!(for_it.json["commitment_title"], "Weekly figures", "{}", for_it.text);
    let none = thanks(&w.requester, json!({"team": "IT", "message": "Hm", "commitment": c + 100})).await;
    none.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    // Taken back by its author only (and admins).
    let id = given.json["id"].as_i64().unwrap();
    t.api(Method::DELETE, &format!("/api/v1/thanks/{id}"), Some(&w.agent), None)
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let gone = t.api(Method::DELETE, &format!("/api/v1/thanks/{id}"), Some(&w.requester), None).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    t.api(Method::GET, &format!("/api/v1/thanks/{id}"), Some(&w.requester), None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");
});

both!(thanks_is_given_and_shown_on_the_web, |t| {
    let _w = world(&t).await;
    let mut sam = t.browser();
    sam.login("sam@example.com", PASSWORD).await;
    let form = sam.get("/thanks/new?team=IT&request=IT-9").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("<option value=\"IT\" selected>") && form.body.contains("value=\"IT-9\""));
    let csrf = sam.csrf("/thanks/new").await;
    let wrong = sam.post("/thanks", &[("csrf", &csrf), ("team", ""), ("message", ""), ("request", "IT-9")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("say whom you thank") && wrong.body.contains("say what they did for you"));
    let message = "Thanks for the <script>alert(1)</script> quick fix";
    let made = sam.post("/thanks", &[("csrf", &csrf), ("team", "IT"), ("message", message)]).await;
    assert!(made.location().starts_with("/thanks/"), "{}", made.location());
    let one = sam.get(made.location()).await;
    assert!(one.body.contains("Take it back"), "{}", one.body);
    let team = sam.get("/teams/IT").await;
    let at = team.body.find("quick fix").map_or(0, |i| i.saturating_sub(120));
    assert!(
        team.body.contains("&#60;script&#62;alert(1)") && !team.body.contains("<script>alert"),
        "{}",
        &team.body[at..at + 200]
    );
    let org = sam.get("/thanks").await;
    assert!(org.body.contains("Teams that serve others") && org.body.contains("/teams/IT#thanks"), "{}", org.body);
    let mut max = t.browser();
    max.login("max@example.com", PASSWORD).await;
    assert!(!max.get(made.location()).await.body.contains("Take it back"));
    let sam_id = t.store.person_by_email("sam@example.com").await.unwrap().id;
    let person = max.get(&format!("/people/{sam_id}")).await;
    assert!(person.body.contains("/thanks/new?person=sam%40example.com"), "{}", person.body);
});
