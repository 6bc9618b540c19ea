//! Hostile and careless input: control characters, bodies that are not objects, oversized and
//! binary bodies. Each answer is a documented 4xx problem, the same on both backends.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::json;

use crate::both;
use crate::harness::PASSWORD;
use crate::requests::{file, world};

fn raw(token: &str, method: Method, path: &str, content_type: &str, body: Vec<u8>) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap()
}

fn fields(r: &crate::harness::ApiResponse) -> Vec<String> {
    r.json["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect()
}

both!(control_characters_are_refused_everywhere_alike, |t| {
    let w = world(&t).await;
    file(&t, &w.requester, "A clean subject").await;
    let nul = t
        .api(
            Method::POST,
            "/api/v1/teams/IT/services/laptop/requests",
            Some(&w.requester),
            Some(json!({"subject": "bad\u{0}subject", "fields": {"model": "15-inch", "for_whom": "x\u{1b}[31m"}})),
        )
        .await;
    nul.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(fields(&nul), ["fields.for_whom", "subject"]);
    let comment = t
        .api(
            Method::POST,
            "/api/v1/requests/IT-1/comments",
            Some(&w.agent),
            Some(json!({"kind": "note", "body": "\u{0}"})),
        )
        .await;
    comment.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let token = t.api(Method::POST, "/api/v1/tokens", Some(&w.agent), Some(json!({"name": "a\u{7f}"}))).await;
    token.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    // Query parameters and path segments, including full-text search.
    for (path, code, field) in [
        ("/api/v1/search?q=laptop%00", "invalid_query", "q"),
        ("/api/v1/requests?text=a%00b", "invalid_query", "text"),
        ("/api/v1/people?q=%1b", "invalid_query", "q"),
        ("/api/v1/teams/I%00T", "invalid_path", "path"),
        ("/api/v1/requests/IT-1%00", "invalid_path", "path"),
    ] {
        let r = t.api(Method::GET, path, Some(&w.agent), None).await;
        r.assert_problem(StatusCode::BAD_REQUEST, code);
        assert_eq!(fields(&r), [field], "{path}");
    }
    // Tabs and line breaks are text.
    let fine = t
        .api(
            Method::POST,
            "/api/v1/requests/IT-1/comments",
            Some(&w.agent),
            Some(json!({"kind": "note", "body": "a\tb\r\nc"})),
        )
        .await;
    assert_eq!(fine.status, StatusCode::CREATED, "{}", fine.text);

    // The web UI refuses the same, naming the field, and stores nothing.
    let mut b = t.browser();
    b.login("max@example.com", PASSWORD).await;
    let csrf = b.csrf("/requests/IT-1").await;
    let page = b.post("/requests/IT-1/comments", &[("csrf", &csrf), ("kind", "note"), ("body", "nul\u{0}")]).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    assert!(page.body.contains("body"), "{}", page.body);
    assert_eq!(b.get("/search?q=a%00").await.status, StatusCode::BAD_REQUEST);
    let notes = t.api(Method::GET, "/api/v1/requests/IT-1/comments", Some(&w.agent), None).await;
    assert!(!notes.text.contains("nul"), "nothing was stored: {}", notes.text);
});

both!(bodies_must_be_json_objects, |t| {
    let w = world(&t).await;
    file(&t, &w.requester, "My laptop died").await;
    for (path, body) in [
        ("/api/v1/requests/IT-1/assignee", json!([null])),
        ("/api/v1/requests/IT-1/status", json!(["in_progress"])),
        ("/api/v1/feeds", json!([])),
        ("/api/v1/tokens", json!("name")),
    ] {
        t.api(Method::POST, path, Some(&w.lead), Some(body))
            .await
            .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    }
    let request = t.api(Method::GET, "/api/v1/requests/IT-1", Some(&w.lead), None).await;
    assert_eq!(request.json["status"], "new", "nothing moved");
    assert_eq!(request.json["assignee_name"], "Max Agent", "nobody was unassigned");
    let feeds = t.api(Method::GET, "/api/v1/feeds", Some(&w.lead), None).await;
    assert_eq!(feeds.json["total"], 0, "{}", feeds.text);
});

both!(oversized_and_binary_bodies_are_problems, |t| {
    let w = world(&t).await;
    let big = vec![b' '; 21 * 1024 * 1024];
    let mut json_body = b"{\"name\": \"".to_vec();
    json_body.extend(std::iter::repeat_n(b'a', 2 * 1024 * 1024));
    json_body.extend(b"\"}");
    t.send_api(raw(&w.admin, Method::POST, "/api/v1/tokens", "application/json", json_body))
        .await
        .assert_problem(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    t.send_api(raw(&w.admin, Method::POST, "/api/v1/import", "text/csv", big))
        .await
        .assert_problem(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    let binary = t
        .send_api(raw(
            &w.lead,
            Method::POST,
            "/api/v1/teams/IT/calendar/holidays",
            "text/calendar",
            vec![0xff, 0xfe, 0, 1],
        ))
        .await;
    binary.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(fields(&binary), ["body"]);
    // Layers below the handlers answer problems too.
    t.send_api(raw(&w.admin, Method::PATCH, "/api/v1/openapi.json", "application/json", b"{}".to_vec()))
        .await
        .assert_problem(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
});
