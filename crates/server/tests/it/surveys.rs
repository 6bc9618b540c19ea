//! Relationship surveys on injected time: a round opens on schedule, invites both teams, reminds
//! those who have not answered exactly once, closes, and shows answers only in aggregate, only
//! once closed, only for enough people. Every route that could tell who answered what is
//! checked not to.

use axum::http::{Method, StatusCode};
use chrono::{TimeZone, Utc};
use concentric_core::authz::Actor;
use concentric_core::team::MemberRole;
use concentric_core::time::Millis;
use serde_json::{json, Value};

use crate::both;
use crate::harness::{TestApp, PASSWORD};
use crate::requests::world;

const DAY: i64 = 86_400_000;

fn t0() -> Millis {
    Millis(Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap().timestamp_millis())
}

async fn kinds(t: &TestApp, token: &str) -> Vec<String> {
    let r = t.api(Method::GET, "/api/v1/notifications?limit=200", Some(token), None).await;
    r.json["items"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap().to_owned()).collect()
}

fn count(kinds: &[String], kind: &str) -> usize {
    kinds.iter().filter(|k| *k == kind).count()
}

/// IT serves Sales (agreed). Sales has Sam and five colleagues; each gets a token.
async fn setup(t: &TestApp) -> (crate::requests::World, Vec<String>, i64) {
    let w = world(t).await;
    let sal = t.store.team_by_key("SAL").await.unwrap();
    let mut sales = vec![w.requester.clone()];
    for n in 1..=5 {
        let p = t.person(&format!("seller{n}@example.com"), &format!("Seller Number{n}"), false).await;
        t.store.set_membership(&Actor::system(), sal.id, p.id, MemberRole::Member).await.unwrap();
        sales.push(t.token(&p).await);
    }
    let rel = t
        .api(Method::POST, "/api/v1/relationships", Some(&w.lead), Some(json!({"supplier": "IT", "customer": "SAL"})))
        .await;
    let id = rel.json["id"].as_i64().unwrap();
    t.api(Method::POST, &format!("/api/v1/relationships/{id}/confirm"), Some(&w.admin), None).await;
    (w, sales, id)
}

fn answers(questions: &Value, score: i64, start: &str) -> Value {
    let scores: serde_json::Map<String, Value> =
        questions.as_array().unwrap().iter().map(|q| (q["id"].to_string(), json!(score))).collect();
    json!({"scores": scores, "start": start})
}

both!(surveys_run_on_schedule_and_never_tell_who_answered_what, |t| {
    let (w, sales, relationship) = setup(&t).await;
    t.time.set(t0());
    t.store.run_due_jobs("node-a", t0(), &t.state).await.unwrap();

    // Sales answers about IT; IT answers about Sales.
    let mine = t.api(Method::GET, "/api/v1/surveys", Some(&w.requester), None).await;
    assert_eq!(mine.json["total"], 1, "{}", mine.text);
    let invitation = mine.json["items"][0].clone();
    assert_eq!(invitation["audience"], "about_supplier");
    let questions = invitation["questions"].clone();
    assert_eq!(questions.as_array().unwrap().len(), 4);
    let round = invitation["round_id"].as_i64().unwrap();
    let theirs = t.api(Method::GET, "/api/v1/surveys", Some(&w.agent), None).await;
    assert_eq!(theirs.json["items"][0]["audience"], "about_customer");
    assert_eq!(t.api(Method::GET, "/api/v1/surveys", Some(&w.outsider), None).await.json["items"], json!([]));
    assert_eq!(count(&kinds(&t, &w.requester).await, "survey_open"), 1);

    // Every question is answered; someone not asked is refused.
    let path = format!("/api/v1/surveys/{round}/answers");
    let partial = t.api(Method::POST, &path, Some(&w.requester), Some(json!({"scores": {}}))).await;
    partial.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(partial.json["errors"].as_array().unwrap().len(), 4, "{}", partial.text);
    t.api(Method::POST, &path, Some(&w.outsider), Some(answers(&questions, 3, "")))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");

    // Four of six answer; results stay hidden while the round is open.
    let texts = ["Weekly office hours", "A status page", "Named contacts per team", "Faster laptop swaps"];
    for (token, (score, text)) in sales.iter().zip([5, 4, 4, 2].into_iter().zip(texts)) {
        let r = t.api(Method::POST, &path, Some(token), Some(answers(&questions, score, text))).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    }
    t.api(Method::POST, &path, Some(&w.requester), Some(answers(&questions, 1, "")))
        .await
        .assert_problem(StatusCode::CONFLICT, "conflict");
    let results_path = format!("/api/v1/surveys/{round}");
    let open = t.api(Method::GET, &results_path, Some(&w.lead), None).await;
    let about_it = &open.json["about_supplier"];
    assert_eq!(
        (about_it["invited"].as_i64(), about_it["responded"].as_i64(), about_it["shown"].as_bool()),
        (Some(6), Some(4), Some(false))
    );
    assert_eq!(about_it["questions"], json!([]));
    assert!(!open.text.contains("Weekly office hours"), "{}", open.text);

    // Halfway, those who have not answered are reminded, once each.
    for hours in [0, 1, 30] {
        t.store.run_due_jobs("node-a", Millis(t0().0 + 7 * DAY + hours * 3_600_000), &t.state).await.unwrap();
    }
    assert_eq!(count(&kinds(&t, &sales[4]).await, "survey_reminder"), 1);
    assert_eq!(count(&kinds(&t, &w.agent).await, "survey_reminder"), 1);
    assert_eq!(count(&kinds(&t, &w.requester).await, "survey_reminder"), 0, "answered: not reminded");

    // A fifth answer reaches the smallest group; still nothing shows before the close.
    t.time.set(Millis(t0().0 + 8 * DAY));
    t.api(Method::POST, &path, Some(&sales[4]), Some(answers(&questions, 3, ""))).await;
    let max_answer =
        t.api(Method::GET, "/api/v1/surveys", Some(&w.agent), None).await.json["items"][0]["questions"].clone();
    t.api(Method::POST, &path, Some(&w.agent), Some(answers(&max_answer, 2, "Fewer urgent asks"))).await;
    assert_eq!(t.api(Method::GET, &results_path, Some(&w.lead), None).await.json["about_supplier"]["shown"], false);

    // Closed: the aggregate shows; IT's side (one of two answered) does not.
    t.store.run_due_jobs("node-a", Millis(t0().0 + 14 * DAY), &t.state).await.unwrap();
    t.time.set(Millis(t0().0 + 15 * DAY));
    let closed = t.api(Method::GET, &results_path, Some(&w.requester), None).await;
    let about_it = &closed.json["about_supplier"];
    assert_eq!(about_it["shown"], true, "{}", closed.text);
    assert_eq!(about_it["questions"][0]["mean_tenths"], 36, "(5 + 4 + 4 + 2 + 3) / 5");
    assert_eq!(about_it["questions"][0]["agree_percent"], 60);
    let mut start: Vec<String> =
        about_it["start"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect();
    start.sort();
    let mut expected: Vec<String> = texts.iter().map(|s| (*s).to_owned()).collect();
    expected.sort();
    assert_eq!(start, expected);
    let about_sales = &closed.json["about_customer"];
    assert_eq!((about_sales["responded"].as_i64(), about_sales["shown"].as_bool()), (Some(1), Some(false)));
    assert_eq!(about_sales["start"], json!([]), "one person's text is never shown");
    assert!(!closed.text.contains("Fewer urgent asks"));
    assert_eq!(count(&kinds(&t, &w.lead).await, "survey_closed"), 1);
    t.api(Method::POST, &path, Some(&sales[5]), Some(answers(&questions, 3, "")))
        .await
        .assert_problem(StatusCode::CONFLICT, "illegal_transition");

    // No route tells who answered what: results, the relationship's rounds, notifications,
    // histories, search, the people directory.
    let names = ["Sam Sales", "sam@example.com", "Seller Number", "seller1@example.com", "Max Agent"];
    let me = t.api(Method::GET, "/api/v1/me", Some(&w.requester), None).await.json["id"].as_i64().unwrap();
    for route in [
        results_path.clone(),
        format!("/api/v1/relationships/{relationship}/surveys"),
        "/api/v1/notifications?limit=200".to_owned(),
    ] {
        let r = t.api(Method::GET, &route, Some(&w.lead), None).await;
        assert_eq!(r.status, StatusCode::OK, "{route}: {}", r.text);
        for n in names {
            assert!(!r.text.contains(n), "{route} names {n}: {}", r.text);
        }
    }
    // Histories record rounds opening and closing, never an answer or its author.
    for route in ["/api/v1/teams/SAL/events?limit=200".to_owned(), format!("/api/v1/people/{me}/events?limit=200")] {
        let r = t.api(Method::GET, &route, Some(&w.admin), None).await;
        for e in r.json["items"].as_array().unwrap() {
            let what = format!("{} {}", e["entity"], e["action"]);
            assert!(!what.contains("survey") && !what.contains("answer"), "{route}: {e}");
        }
    }
    for text in ["office hours", "status page"] {
        let found =
            t.api(Method::GET, &format!("/api/v1/search?q={}", text.replace(' ', "+")), Some(&w.admin), None).await;
        assert_eq!(found.json["total"], 0, "survey text is not searchable: {}", found.text);
    }
    // Other teams see nothing.
    t.api(Method::GET, &results_path, Some(&w.outsider), None).await.assert_problem(StatusCode::FORBIDDEN, "forbidden");

    // Either side's leads set how often; a rule that recurs more than daily is refused.
    let schedule = format!("/api/v1/relationships/{relationship}/survey-schedule");
    let bad = t.api(Method::PUT, &schedule, Some(&w.lead), Some(json!({"rule": "FREQ=HOURLY"}))).await;
    bad.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(bad.json["errors"][0]["field"], "rule");
    t.api(Method::PUT, &schedule, Some(&w.requester), Some(json!({"rule": "FREQ=MONTHLY"})))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let quarterly =
        t.api(Method::PUT, &schedule, Some(&w.lead), Some(json!({"rule": "FREQ=MONTHLY;INTERVAL=3"}))).await;
    assert_eq!(quarterly.json["next_at"], "2027-02-17T09:00:00Z", "a quarter from now: {}", quarterly.text);

    // The next round opens a quarter later and shows the change since this one.
    t.store.run_due_jobs("node-a", Millis(t0().0 + 108 * DAY), &t.state).await.unwrap();
    let rounds =
        t.api(Method::GET, &format!("/api/v1/relationships/{relationship}/surveys"), Some(&w.lead), None).await;
    assert_eq!(rounds.json["total"], 2, "{}", rounds.text);
    assert_eq!(rounds.json["items"][0]["closed"], false);
});

both!(surveys_in_the_browser, |t| {
    let (w, _sales, relationship) = setup(&t).await;
    t.time.set(t0());
    t.store.run_due_jobs("node-a", t0(), &t.state).await.unwrap();
    let mut sam = t.browser();
    sam.login("sam@example.com", PASSWORD).await;
    let page = sam.get("/surveys").await;
    assert!(page.body.contains("How is IT Services serving Sales?"), "{}", page.body);
    let round = t.api(Method::GET, "/api/v1/surveys", Some(&w.requester), None).await.json["items"][0].clone();
    let ids: Vec<String> = round["questions"].as_array().unwrap().iter().map(|q| format!("q{}", q["id"])).collect();
    let csrf = page.csrf();
    let action = format!("/surveys/{}", round["round_id"]);
    let refused = sam
        .post(&action, &[("csrf", &csrf), ("audience", "about_supplier"), (&ids[0], "4"), ("start", "Office hours")])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("Office hours") && refused.body.contains("field-error"), "{}", refused.body);
    let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf), ("audience", "about_supplier")];
    form.extend(ids.iter().map(|id| (id.as_str(), "4")));
    let sent = sam.post(&action, &form).await;
    assert_eq!(sent.location(), "/surveys?notice=answered", "{}", sent.body);
    assert!(sam.get("/surveys").await.body.contains("No survey is waiting for you"));

    // The edge page shows the round to both teams, with the response rate only while open.
    let mut lena = t.browser();
    lena.login("lena@example.com", PASSWORD).await;
    let edge = lena.get("/network/IT/SAL").await;
    assert!(
        edge.body.contains("1 of 6 answered") && edge.body.contains("results are shown once the round has closed"),
        "{}",
        edge.body
    );
    let mut olga = t.browser();
    olga.login("olga@example.com", PASSWORD).await;
    assert!(!olga.get("/network/IT/SAL").await.body.contains("answered ("), "another team sees no survey");

    // Admins manage the questions.
    let mut ada = t.browser();
    ada.login("admin@example.com", PASSWORD).await;
    let q = ada.get("/admin/surveys").await;
    let r = ada.post("/admin/surveys", &[("csrf", &q.csrf()), ("audience", "about_supplier"), ("text", " ")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = ada
        .post(
            "/admin/surveys",
            &[
                ("csrf", &q.csrf()),
                ("audience", "about_supplier"),
                ("text", "They tell us early when something slips."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let all = t.api(Method::GET, "/api/v1/survey-questions", Some(&w.requester), None).await;
    assert_eq!(all.json.as_array().unwrap().len(), 8);
    let _ = relationship;
});
