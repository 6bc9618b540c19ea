//! Team news: who follows a team by default (its members and its first ring), choices to follow
//! or stop, notifications, permissions, validation and sanitised Markdown.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::both;
use crate::harness::{TestApp, PASSWORD, PNG};
use crate::requests::world;

async fn notices(t: &TestApp, token: &str) -> Vec<String> {
    let r = t.api(Method::GET, "/api/v1/notifications", Some(token), None).await;
    r.json["items"].as_array().unwrap().iter().map(|n| n["summary"].as_str().unwrap().to_owned()).collect()
}

fn titles(v: &Value) -> Vec<&str> {
    v["items"].as_array().unwrap().iter().map(|p| p["title"].as_str().unwrap()).collect()
}

both!(the_first_ring_follows_by_default_and_may_stop, |t| {
    let w = world(&t).await;
    // Sales is a customer of IT (proposed is enough: the teams have started working together).
    let rel = t
        .api(
            Method::POST,
            "/api/v1/relationships",
            Some(&w.lead),
            Some(json!({"supplier": "IT", "customer": "SAL", "needs": ["laptops"]})),
        )
        .await;
    assert!(rel.status.is_success(), "{}", rel.text);

    let posted = t
        .api(
            Method::POST,
            "/api/v1/news",
            Some(&w.agent),
            Some(json!({"team": "IT", "title": "Laptops in a day", "body": "**Faster** setup", "spotlight": true})),
        )
        .await;
    assert_eq!(posted.status, StatusCode::CREATED, "{}", posted.text);
    assert_eq!(
        (posted.json["team_key"].as_str(), posted.json["author_name"].as_str()),
        (Some("IT"), Some("Max Agent"))
    );

    // Sales hears of it, the lead too; Facilities (no tie to IT) does not, nor the author.
    assert!(notices(&t, &w.requester).await.contains(&"Spotlight on IT Services: Laptops in a day".to_owned()));
    assert_eq!(notices(&t, &w.lead).await.len(), 1);
    assert!(notices(&t, &w.outsider).await.is_empty());
    assert!(notices(&t, &w.agent).await.is_empty());

    // "Teams I work with" follows the same ring; everyone sees the organisation's news.
    let mine = t.api(Method::GET, "/api/v1/news?followed=true", Some(&w.requester), None).await;
    assert_eq!(titles(&mine.json), ["Laptops in a day"]);
    let theirs = t.api(Method::GET, "/api/v1/news?followed=true", Some(&w.outsider), None).await;
    assert_eq!(theirs.json["total"], 0, "{}", theirs.text);
    let all = t.api(Method::GET, "/api/v1/news?spotlights=true&team=it", Some(&w.outsider), None).await;
    assert_eq!(all.json["total"], 1, "{}", all.text);
    let follows = t.api(Method::GET, "/api/v1/news/follows", Some(&w.requester), None).await;
    let lines: Vec<(&str, &str)> = follows.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["team_key"].as_str().unwrap(), f["following"].as_str().unwrap()))
        .collect();
    assert_eq!(lines, [("IT", "partner"), ("SAL", "member")], "{}", follows.text);

    // Sales's Sam stops following IT; Facilities' Olga starts.
    let stop = t.api(Method::DELETE, "/api/v1/news/follows/IT", Some(&w.requester), None).await;
    assert_eq!(stop.json["following"], "no", "{}", stop.text);
    let start = t.api(Method::PUT, "/api/v1/news/follows/it", Some(&w.outsider), None).await;
    assert_eq!(start.json["following"], "chosen", "{}", start.text);
    t.api(Method::POST, "/api/v1/news", Some(&w.lead), Some(json!({"team": "IT", "title": "Printer moved"}))).await;
    assert!(!notices(&t, &w.requester).await.iter().any(|n| n.contains("Printer moved")), "the choice is respected");
    assert!(notices(&t, &w.outsider).await.contains(&"News from IT Services: Printer moved".to_owned()));
    let mine = t.api(Method::GET, "/api/v1/news?followed=true", Some(&w.requester), None).await;
    assert_eq!(mine.json["total"], 0, "{}", mine.text);
    let theirs = t.api(Method::GET, "/api/v1/news?followed=true", Some(&w.outsider), None).await;
    assert_eq!(titles(&theirs.json), ["Printer moved", "Laptops in a day"], "newest first");
    t.api(Method::PUT, "/api/v1/news/follows/IT", Some(&w.requester), None).await;
    let again = t.api(Method::GET, "/api/v1/news/follows/IT", Some(&w.requester), None).await;
    assert_eq!(again.json["following"], "partner");
    t.api(Method::GET, "/api/v1/news/follows/NOPE", Some(&w.requester), None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");
});

both!(posts_are_written_by_the_team_and_shown_safely, |t| {
    let w = world(&t).await;
    // Only the team's members (and admins) post for it.
    let refused =
        t.api(Method::POST, "/api/v1/news", Some(&w.outsider), Some(json!({"team": "IT", "title": "Hi"}))).await;
    refused.assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let empty = t
        .api(
            Method::POST,
            "/api/v1/news",
            Some(&w.agent),
            Some(json!({"team": "IT", "title": " ", "body": "x".repeat(20_001)})),
        )
        .await;
    empty.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(empty.json["errors"].as_array().unwrap().len(), 2, "{}", empty.text);

    let body = "**Bold** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>";
    let post = t
        .api(Method::POST, "/api/v1/news", Some(&w.agent), Some(json!({"team": "IT", "title": "Markup", "body": body})))
        .await;
    let id = post.json["id"].as_i64().unwrap();

    // The author and the team's leads change it; another member of the organisation cannot.
    let path = format!("/api/v1/news/{id}");
    t.api(Method::PUT, &path, Some(&w.requester), Some(json!({"title": "Mine now"})))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let changed =
        t.api(Method::PUT, &path, Some(&w.lead), Some(json!({"title": "Markup, checked", "body": body}))).await;
    assert_eq!(changed.json["title"], "Markup, checked", "{}", changed.text);

    // The page shows the Markdown as HTML without anything that runs.
    let mut sam = t.browser();
    sam.login("sam@example.com", PASSWORD).await;
    let page = sam.get(&format!("/news/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<strong>Bold</strong>"), "{}", page.body);
    assert!(
        !page.body.contains("<script>alert")
            && !page.body.contains("javascript:alert")
            && !page.body.contains("onerror")
    );
    assert!(!page.body.contains("/remove\""), "no remove button for Sam");
    let listed = sam.get("/news?team=IT").await;
    assert!(listed.body.contains("Markup, checked") && listed.body.contains("<strong>Bold</strong>"));
    assert_eq!(sam.get("/news/not-a-number").await.status, StatusCode::NOT_FOUND);

    // The web form shows every mistake at once and keeps what was typed.
    let mut max = t.browser();
    max.login("max@example.com", PASSWORD).await;
    let csrf = max.csrf("/teams/IT/news/new").await;
    let long = "y".repeat(20_001);
    let svg: &[u8] = b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>";
    let wrong = max
        .post_files(
            "/teams/IT/news",
            &[("csrf", &csrf), ("title", ""), ("body", &long), ("image_alt", "")],
            &[("image", "x.svg", "image/png", svg)],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "give the post a title",
        "write up to 20,000 characters",
        "choose a PNG, JPEG, GIF or WebP",
        "describe the image",
    ] {
        assert!(wrong.body.contains(message), "{message}");
    }
    assert_eq!(
        t.api(Method::GET, "/api/v1/news?team=IT", Some(&w.agent), None).await.json["total"],
        1,
        "nothing was posted"
    );
    let made = max
        .post_files(
            "/teams/IT/news",
            &[
                ("csrf", &csrf),
                ("title", "Desk moves"),
                ("body", "Monday"),
                ("spotlight", "on"),
                ("image_alt", "The new desks"),
            ],
            &[("image", "desks.png", "image/png", PNG)],
        )
        .await;
    assert!(made.location().starts_with("/news/"), "{}", made.location());
    let page = max.get(made.location()).await;
    let made_id = made.location().trim_start_matches("/news/").split('?').next().unwrap().to_owned();
    assert!(page.body.contains(&format!("src=\"/news/{made_id}/image\" alt=\"The new desks\"")), "{}", page.body);
    assert_eq!(max.get(&format!("/news/{made_id}/image")).await.status, StatusCode::OK);
    let served = t.api(Method::GET, &format!("/api/v1/news/{made_id}/image"), Some(&w.requester), None).await;
    assert_eq!(served.headers.get("content-type").map(|v| v.to_str().unwrap()), Some("image/png"));
    // The API replaces and removes it; a stranger may not.
    let api_image = format!("/api/v1/news/{made_id}/image");
    let png = t
        .send_api(
            axum::http::Request::put(format!("{api_image}?alt=Desks%20by%20the%20window"))
                .header(axum::http::header::AUTHORIZATION, format!("Bearer {}", w.lead))
                .body(axum::body::Body::from(PNG))
                .unwrap(),
        )
        .await;
    assert_eq!(png.json["image_alt"], "Desks by the window", "{}", png.text);
    // The form changes what the image is said to show without a new file.
    let csrf = max.csrf(&format!("/news/{made_id}/edit")).await;
    let described = max
        .post_files(
            &format!("/news/{made_id}/edit"),
            &[("csrf", &csrf), ("title", "Desk moves"), ("body", "Monday"), ("image_alt", "Desks by the big window")],
            &[],
        )
        .await;
    assert_eq!(described.location(), format!("/news/{made_id}?notice=saved"));
    let post = t.api(Method::GET, &format!("/api/v1/news/{made_id}"), Some(&w.agent), None).await;
    assert_eq!(post.json["image_alt"], "Desks by the big window", "{}", post.text);
    t.api(Method::DELETE, &api_image, Some(&w.requester), None)
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let gone = t.api(Method::DELETE, &api_image, Some(&w.agent), None).await;
    assert!(gone.json["image_alt"].is_null(), "{}", gone.text);
    t.api(Method::GET, &api_image, Some(&w.agent), None).await.assert_problem(StatusCode::NOT_FOUND, "not_found");
    let team = max.get("/teams/IT").await;
    assert!(team.body.contains("Desk moves") && team.body.contains("Stop following"), "{}", team.body);
    assert_eq!(sam.get("/teams/IT/news/new").await.status, StatusCode::FORBIDDEN);

    // Removing takes it off every page.
    let csrf = max.csrf(&format!("/news/{id}")).await;
    let gone = max.post(&format!("/news/{id}/remove"), &[("csrf", &csrf)]).await;
    assert_eq!(gone.location(), "/news?notice=removed");
    t.api(Method::GET, &path, Some(&w.agent), None).await.assert_problem(StatusCode::NOT_FOUND, "not_found");
    let audit = t.api(Method::GET, "/api/v1/teams/IT/events", Some(&w.admin), None).await;
    assert!(audit.text.contains("news_removed"), "{}", audit.text);
});
