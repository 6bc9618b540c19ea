//! CSV import: all or nothing, every bad row reported, idempotent by email and key.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};

use crate::both;
use crate::harness::{ApiResponse, TestApp, PASSWORD};

const TEAMS: &str = "key,name,parent_key,mission\nPAY,Payroll,FIN,Pays everyone\nFIN,Finance,,Books\n";
const PEOPLE: &str = "email,name,title,manager_email,time_zone,weekly_capacity_hours,teams,admin\n\
    ann@example.com,Ann Lee,Payroll Specialist,fay@example.com,Europe/Berlin,37.5,PAY,\n\
    fay@example.com,Fay Chan,Head of Finance,,Europe/London,40,FIN:lead;PAY:lead,false\n";

async fn upload(t: &TestApp, token: &str, csv: &str) -> ApiResponse {
    let req = Request::post("/api/v1/import")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from(csv.to_owned()))
        .unwrap();
    t.send_api(req).await
}

both!(import_is_idempotent, |t| {
    let admin = t.admin().await;
    let token = t.token(&admin).await;
    let teams = upload(&t, &token, TEAMS).await;
    assert_eq!(teams.status, StatusCode::OK, "{}", teams.text);
    assert_eq!((teams.json["kind"].as_str(), teams.json["created"].as_u64()), (Some("teams"), Some(2)));
    let people = upload(&t, &token, PEOPLE).await;
    assert_eq!(people.status, StatusCode::OK, "{}", people.text);
    assert_eq!(people.json["created"], 2);

    let ann = t.store.person_by_email("ann@example.com").await.unwrap();
    assert_eq!(ann.manager_email.as_deref(), Some("fay@example.com"), "a manager later in the file is fine");
    let pay = t.api(Method::GET, "/api/v1/teams/PAY", Some(&token), None).await;
    assert_eq!(pay.json["parent_key"], "FIN");
    assert_eq!(pay.json["members"][0]["person_email"], "fay@example.com");
    assert_eq!(pay.json["members"][0]["role"], "lead");

    let again = upload(&t, &token, PEOPLE).await;
    assert_eq!(
        (again.json["created"].as_u64(), again.json["unchanged"].as_u64()),
        (Some(0), Some(2)),
        "{}",
        again.text
    );
    let changed = upload(&t, &token, &PEOPLE.replace("Payroll Specialist", "Senior Payroll Specialist")).await;
    assert_eq!(changed.json["updated"], 1);
    assert_eq!(t.store.person_by_email("ann@example.com").await.unwrap().title, "Senior Payroll Specialist");
});

both!(a_bad_row_imports_nothing, |t| {
    let admin = t.admin().await;
    let token = t.token(&admin).await;
    upload(&t, &token, TEAMS).await;
    let bad = "email,name,time_zone,teams,manager_email\n\
        good@example.com,Good Person,UTC,PAY,\n\
        broken,No Email,UTC,,\n\
        lost@example.com,Lost Person,Nowhere/City,NOPE,\n\
        orphan@example.com,Orphan,UTC,,ghost@example.com\n";
    let r = upload(&t, &token, bad).await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "import_rejected");
    let lines: Vec<u64> = r.json["rows"].as_array().unwrap().iter().map(|e| e["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [3, 4, 4, 5], "rules and references at once: {}", r.text);

    // With the row-level problems fixed, reference problems are reported, still importing nothing.
    let refs = "email,name,time_zone,teams,manager_email\n\
        good@example.com,Good Person,UTC,PAY,\n\
        lost@example.com,Lost Person,UTC,NOPE,\n\
        orphan@example.com,Orphan,UTC,,ghost@example.com\n";
    let r = upload(&t, &token, refs).await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "import_rejected");
    let messages: Vec<String> =
        r.json["rows"].as_array().unwrap().iter().map(|e| format!("{}: {}", e["line"], e["message"])).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].starts_with("3:") && messages[0].contains("NOPE"), "{messages:?}");
    assert!(messages[1].starts_with("4:") && messages[1].contains("ghost@example.com"), "{messages:?}");
    assert!(t.store.person_by_email("good@example.com").await.is_err(), "the good row was not imported");

    // A loop of managers inside one file is caught after the rows are written, and rolled back.
    let looped = "email,name,manager_email\nx@example.com,X,y@example.com\ny@example.com,Y,x@example.com\n";
    let r = upload(&t, &token, looped).await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "import_rejected");
    assert!(t.store.person_by_email("x@example.com").await.is_err());

    let bob = t.person("bob@example.com", "Bob", false).await;
    let bob_token = t.token(&bob).await;
    upload(&t, &bob_token, PEOPLE).await.assert_problem(StatusCode::FORBIDDEN, "forbidden");
});

both!(import_form_for_admins, |t| {
    t.admin().await;
    let mut b = t.browser();
    b.login("admin@example.com", PASSWORD).await;
    let csrf = b.csrf("/admin/import").await;
    let done = b.post_multipart("/admin/import", &[("csrf", &csrf), ("kind", "auto")], TEAMS.as_bytes()).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("2 created"));
    let bad = b.post_multipart("/admin/import", &[("csrf", &csrf), ("kind", "people")], b"email,name\nnope,X\n").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Nothing was imported") && bad.body.contains("<td>2</td>"), "{}", bad.body);
    let forged = b.post_multipart("/admin/import", &[("csrf", "forged"), ("kind", "auto")], TEAMS.as_bytes()).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    t.person("bob@example.com", "Bob", false).await;
    let mut bob = t.browser();
    bob.login("bob@example.com", PASSWORD).await;
    assert_eq!(bob.get("/admin/import").await.status, StatusCode::FORBIDDEN);
});

both!(every_problem_of_every_row_is_reported_at_once, |t| {
    let admin = t.admin().await;
    let token = t.token(&admin).await;
    let csv = "email,name,manager_email,time_zone,weekly_capacity_hours,teams\n\
        short@example.com,Short\n\
        not-an-email,Bad,,UTC,40,\n\
        z@example.com,Zoned,,Mars/Base,40,\n\
        c@example.com,Capacity,,UTC,lots,\n\
        m@example.com,Managed,nobody@example.com,UTC,40,NOPE\n";
    let r = upload(&t, &token, csv).await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "import_rejected");
    let lines: Vec<u64> = r.json["rows"].as_array().unwrap().iter().map(|e| e["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [2, 3, 4, 5, 6, 6], "{}", r.text);
    assert!(t.store.person_by_email("m@example.com").await.is_err(), "nothing was imported");
});
