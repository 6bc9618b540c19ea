//! The JSON API: problem+json for bad input, authorization, pagination, OpenAPI.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::json;

use crate::both;

both!(malformed_input_is_a_problem_not_a_500, |t| {
    let admin = t.admin().await;
    let token = t.token(&admin).await;
    let raw = |body: &'static str, content_type: &'static str| {
        Request::post("/api/v1/people")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap()
    };
    t.send_api(raw("{\"email\": ", "application/json")).await.assert_problem(StatusCode::BAD_REQUEST, "malformed_json");
    t.send_api(raw("{\"email\":\"a@example.com\",\"name\":\"A\",\"nmae\":1}", "application/json"))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    t.send_api(raw("{\"email\":\"a@example.com\",\"name\":42}", "application/json"))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    t.send_api(raw("email=a@example.com", "application/x-www-form-urlencoded"))
        .await
        .assert_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    t.api(Method::GET, "/api/v1/people/not-a-number", Some(&token), None)
        .await
        .assert_problem(StatusCode::BAD_REQUEST, "invalid_path");
    t.api(Method::GET, "/api/v1/people?limit=lots", Some(&token), None)
        .await
        .assert_problem(StatusCode::BAD_REQUEST, "invalid_query");
    t.api(Method::GET, "/api/v1/people?colour=blue", Some(&token), None)
        .await
        .assert_problem(StatusCode::BAD_REQUEST, "invalid_query");
    t.api(Method::GET, "/api/v1/people/999999", Some(&token), None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");
    t.api(Method::GET, "/api/v1/nothing-here", Some(&token), None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");

    let invalid = t
        .api(
            Method::POST,
            "/api/v1/people",
            Some(&token),
            Some(json!({"email": "nope", "name": "", "time_zone": "Mars/Base"})),
        )
        .await;
    invalid.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let fields: Vec<&str> =
        invalid.json["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["email", "name", "time_zone"]);
});

both!(only_admins_create_people_and_teams, |t| {
    let bob = t.person("bob@example.com", "Bob", false).await;
    let token = t.token(&bob).await;
    t.api(Method::POST, "/api/v1/people", Some(&token), Some(json!({"email": "c@example.com", "name": "C"})))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    t.api(Method::POST, "/api/v1/teams", Some(&token), Some(json!({"key": "IT", "name": "IT"})))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    // A person may change their own title but not make themselves admin.
    let own = t
        .api(Method::PATCH, &format!("/api/v1/people/{}", bob.id), Some(&token), Some(json!({"title": "Engineer"})))
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text);
    assert_eq!(own.json["title"], "Engineer");
    t.api(Method::PATCH, &format!("/api/v1/people/{}", bob.id), Some(&token), Some(json!({"is_admin": true})))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let admin = t.admin().await;
    t.api(Method::PATCH, &format!("/api/v1/people/{}", admin.id), Some(&token), Some(json!({"title": "Boss"})))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
});

both!(people_lifecycle_through_the_api, |t| {
    let admin = t.admin().await;
    let token = t.token(&admin).await;
    let boss = t
        .api(
            Method::POST,
            "/api/v1/people",
            Some(&token),
            Some(json!({"email": "Boss@Example.com", "name": "Boss", "time_zone": "America/New_York"})),
        )
        .await;
    assert_eq!(boss.status, StatusCode::CREATED, "{}", boss.text);
    assert_eq!(boss.json["email"], "boss@example.com");
    let worker = t
        .api(Method::POST, "/api/v1/people", Some(&token), Some(json!({"email": "w@example.com", "name": "Worker", "manager_email": "boss@example.com", "weekly_capacity_hours": 32})))
        .await;
    assert_eq!(worker.status, StatusCode::CREATED, "{}", worker.text);
    assert_eq!(worker.json["manager_name"], "Boss");
    let dup = t
        .api(Method::POST, "/api/v1/people", Some(&token), Some(json!({"email": "w@example.com", "name": "Again"})))
        .await;
    dup.assert_problem(StatusCode::CONFLICT, "conflict");
    assert_eq!(dup.json["errors"][0]["field"], "email");
    let unknown_manager = t
        .api(
            Method::POST,
            "/api/v1/people",
            Some(&token),
            Some(json!({"email": "z@example.com", "name": "Z", "manager_email": "ghost@example.com"})),
        )
        .await;
    unknown_manager.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    // Management loops are refused.
    let boss_id = boss.json["id"].as_i64().unwrap();
    let looped = t
        .api(
            Method::PATCH,
            &format!("/api/v1/people/{boss_id}"),
            Some(&token),
            Some(json!({"manager_email": "w@example.com"})),
        )
        .await;
    looped.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(looped.json["errors"][0]["field"], "manager_email");

    let worker_id = worker.json["id"].as_i64().unwrap();
    let detail = t.api(Method::GET, &format!("/api/v1/people/{worker_id}"), Some(&token), None).await;
    assert_eq!(detail.json["manager_chain"][0]["name"], "Boss");
    let boss_detail = t.api(Method::GET, &format!("/api/v1/people/{boss_id}"), Some(&token), None).await;
    assert_eq!(boss_detail.json["direct_reports"][0]["email"], "w@example.com");

    // `null` clears the manager; absent fields stay.
    let cleared = t
        .api(Method::PATCH, &format!("/api/v1/people/{worker_id}"), Some(&token), Some(json!({"manager_email": null})))
        .await;
    assert_eq!(cleared.json["manager_id"], serde_json::Value::Null);
    assert_eq!(cleared.json["weekly_capacity_hours"], 32.0);

    // The last admin cannot be demoted or deactivated.
    t.api(Method::PATCH, &format!("/api/v1/people/{}", admin.id), Some(&token), Some(json!({"is_admin": false})))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    t.api(Method::POST, &format!("/api/v1/people/{}/deactivate", admin.id), Some(&token), None)
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    let events = t.api(Method::GET, &format!("/api/v1/people/{worker_id}/events"), Some(&token), None).await;
    let actions: Vec<&str> =
        events.json["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["updated", "created"]);
    assert_eq!(events.json["items"][0]["detail"]["manager_email"], json!(["boss@example.com", null]));
    assert_eq!(events.json["items"][0]["actor_name"], "Ada Admin");
});

both!(teams_hierarchy_and_membership, |t| {
    let admin = t.admin().await;
    let token = t.token(&admin).await;
    let lead = t.person("lead@example.com", "Lena Lead", false).await;
    let member = t.person("m@example.com", "Max Member", false).await;
    for (key, parent) in [("OPS", None), ("IT", Some("OPS"))] {
        let r = t.api(Method::POST, "/api/v1/teams", Some(&token), Some(json!({"key": key.to_lowercase(), "name": format!("{key} team"), "parent_key": parent, "mission": "We **help**."}))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.json["key"], key);
    }
    t.api(Method::POST, "/api/v1/teams", Some(&token), Some(json!({"key": "IT", "name": "Again"})))
        .await
        .assert_problem(StatusCode::CONFLICT, "conflict");
    t.api(Method::PATCH, "/api/v1/teams/OPS", Some(&token), Some(json!({"parent_key": "IT"})))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    let r = t
        .api(Method::PUT, &format!("/api/v1/teams/IT/members/{}", lead.id), Some(&token), Some(json!({"role": "lead"})))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    // The lead now manages the team: adds a member and edits the page, but cannot move it.
    let lead_token = t.token(&lead).await;
    let r = t
        .api(
            Method::PUT,
            &format!("/api/v1/teams/IT/members/{}", member.id),
            Some(&lead_token),
            Some(json!({"role": "member"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let r =
        t.api(Method::PATCH, "/api/v1/teams/IT", Some(&lead_token), Some(json!({"contact_info": "#it-help"}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    t.api(Method::PATCH, "/api/v1/teams/IT", Some(&lead_token), Some(json!({"parent_key": null})))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    t.api(Method::PATCH, "/api/v1/teams/OPS", Some(&lead_token), Some(json!({"name": "Mine now"})))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let member_token = t.token(&member).await;
    t.api(Method::DELETE, &format!("/api/v1/teams/IT/members/{}", lead.id), Some(&member_token), None)
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");

    let it = t.api(Method::GET, "/api/v1/teams/it", Some(&member_token), None).await;
    assert_eq!(it.status, StatusCode::OK);
    assert_eq!(it.json["member_count"], 2);
    assert_eq!(it.json["members"][0]["role"], "lead");
    assert_eq!(it.json["ancestors"][0]["key"], "OPS");
    let ops = t.api(Method::GET, "/api/v1/teams/OPS", Some(&member_token), None).await;
    assert_eq!(ops.json["sub_teams"][0]["key"], "IT");

    // A parent with active sub-teams stays active.
    t.api(Method::POST, "/api/v1/teams/OPS/deactivate", Some(&token), None)
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let gone = t.api(Method::POST, "/api/v1/teams/IT/deactivate", Some(&token), None).await;
    assert_eq!(gone.json["active"], false);
    let listed = t.api(Method::GET, "/api/v1/teams", Some(&token), None).await;
    assert_eq!(listed.json["total"], 1);
    let all = t.api(Method::GET, "/api/v1/teams?include_inactive=true", Some(&token), None).await;
    assert_eq!(all.json["total"], 2);
    let history = t.api(Method::GET, "/api/v1/teams/IT/events", Some(&token), None).await;
    assert!(history.json["items"].as_array().unwrap().iter().any(|e| e["action"] == "member_set"));
});

both!(lists_are_paginated, |t| {
    let admin = t.admin().await;
    let token = t.token(&admin).await;
    for i in 0..4 {
        t.person(&format!("p{i}@example.com"), &format!("Person {i}"), false).await;
    }
    let first = t.api(Method::GET, "/api/v1/people?limit=2", Some(&token), None).await;
    assert_eq!(first.json["total"], 5);
    assert_eq!(first.json["items"].as_array().unwrap().len(), 2);
    assert_eq!(first.json["next_offset"], 2);
    let last = t.api(Method::GET, "/api/v1/people?limit=2&offset=4", Some(&token), None).await;
    assert_eq!(last.json["items"].as_array().unwrap().len(), 1);
    assert!(last.json["next_offset"].is_null(), "present and null on the last page: {}", last.text);
    // One rule for every list: the same values refused with the same code.
    let lists = [
        "/api/v1/people",
        "/api/v1/teams",
        "/api/v1/services",
        "/api/v1/requests",
        "/api/v1/search?q=x",
        "/api/v1/tokens",
        "/api/v1/notifications",
        "/api/v1/views",
        "/api/v1/commitments",
        "/api/v1/occurrences",
        "/api/v1/feeds",
        "/api/v1/teams/IT/events",
    ];
    for list in lists {
        let sep = if list.contains('?') { '&' } else { '?' };
        for bad in ["limit=0", "limit=201", "limit=-1", "limit=1099511627776", "offset=-1", "offset=9007199254740992"] {
            let r = t.api(Method::GET, &format!("{list}{sep}{bad}"), Some(&token), None).await;
            r.assert_problem(StatusCode::BAD_REQUEST, "invalid_query");
            assert!(r.json["detail"].as_str().unwrap().contains("must be a whole number"), "{list} {bad}: {}", r.text);
        }
        if list != "/api/v1/teams/IT/events" {
            let ok =
                t.api(Method::GET, &format!("{list}{sep}limit=200&offset=9007199254740991"), Some(&token), None).await;
            assert_eq!(ok.status, StatusCode::OK, "{list}: {}", ok.text);
            assert_eq!(ok.json["items"], serde_json::json!([]), "{list}");
        }
    }
    let found = t.api(Method::GET, "/api/v1/people?q=PERSON%203", Some(&token), None).await;
    assert_eq!(found.json["total"], 1);
    assert_eq!(found.json["items"][0]["email"], "p3@example.com");
    let literal = t.api(Method::GET, "/api/v1/people?q=%25", Some(&token), None).await;
    assert_eq!(literal.json["total"], 0, "wildcards in the query are literal");
});

both!(openapi_document_describes_the_api, |t| {
    let doc = t.api(Method::GET, "/api/v1/openapi.json", None, None).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert_eq!(doc.json["openapi"], "3.1.0");
    for path in [
        "/api/v1/people",
        "/api/v1/people/{id}",
        "/api/v1/teams/{key}/members/{person_id}",
        "/api/v1/tokens",
        "/api/v1/import",
    ] {
        assert!(doc.json["paths"].get(path).is_some(), "{path} documented");
    }
    assert!(doc.json["components"]["schemas"].get("Problem").is_some());
    let list = &doc.json["paths"]["/api/v1/people"]["get"]["parameters"];
    for p in list.as_array().unwrap() {
        assert_eq!(p["in"], "query", "{p}");
        assert_eq!(p["required"], false, "{p}");
    }
    assert!(doc.json["components"]["securitySchemes"].get("token").is_some());

    // Every operation documents the problems it can answer, as problem+json.
    let mut operations = 0;
    for (path, item) in doc.json["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let responses = op["responses"].as_object().unwrap();
            let mut expected = vec!["400", "401", "404", "422"];
            if method != "get" {
                expected.push("403");
            }
            if op.get("requestBody").is_some() {
                expected.extend(["413", "415"]);
            }
            for code in expected {
                let r = responses.get(code).unwrap_or_else(|| panic!("{method} {path} lacks {code}"));
                assert!(r["content"].get("application/problem+json").is_some(), "{method} {path} {code}: {r}");
            }
            // A path parameter is one the path names; everything else is a query parameter.
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap_or_default();
                let in_path = path.contains(&format!("{{{name}}}"));
                assert_eq!(p["in"], if in_path { "path" } else { "query" }, "{method} {path}: {p}");
            }
            for (code, r) in responses {
                assert!(
                    r["content"].get("application/json").is_none_or(|_| code.starts_with('2')),
                    "{method} {path} {code}"
                );
            }
            // Lists answer pages, never bare arrays.
            let ok =
                &responses.get("200").map(|r| r["content"]["application/json"]["schema"].clone()).unwrap_or_default();
            if method == "get" && ok["type"] == "array" {
                let allowed = [
                    "/network",
                    "/owed",
                    "/waiting",
                    "/goals",
                    "/relationships",
                    "/attachments",
                    "/comments",
                    "/compliance",
                    // The organisation's own short lists.
                    "/survey-questions",
                    "/roles",
                    "/mail-routes",
                    "/webhooks",
                    // One person's year.
                    "/time-off",
                    // One person's signed-in browsers.
                    "/sessions",
                ];
                assert!(allowed.iter().any(|a| path.ends_with(a)), "{path} answers a bare array");
            }
        }
    }
    assert!(operations >= 90, "{operations}");
    let required = doc.json["components"]["schemas"]["NewCommitment"]["required"].as_array().unwrap();
    for field in ["provider", "receiver", "title", "owner", "rule", "first_due"] {
        assert!(required.iter().any(|r| r == field), "NewCommitment requires {field}: {required:?}");
    }
});
