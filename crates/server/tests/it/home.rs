//! Home as each person's cockpit: the agent's work, the lead's partnerships, the requester's
//! open requests, and the getting-started checklist of a new install.

use axum::http::{Method, StatusCode};
use concentric_core::time::Millis;
use serde_json::{json, Value};

use crate::both;
use crate::harness::PASSWORD;
use crate::requests::{file, world};
use crate::targets::targets;

const HOUR: i64 = 3_600_000;

fn keys(list: &Value) -> Vec<&str> {
    list.as_array().unwrap().iter().map(|r| r["key"].as_str().unwrap()).collect()
}

both!(the_checklist_ticks_itself_off, |t| {
    let first = t.person("first@example.com", "First Admin", true).await;
    let mut b = t.browser();
    b.login(&first.email, PASSWORD).await;
    let home = b.get("/").await;
    assert!(home.body.contains("Getting started: 0 of 5 done"), "{}", home.body);
    assert!(home.body.contains("href=\"/teams/new\""));

    let w = world(&t).await;
    let home = b.get("/").await;
    assert!(home.body.contains("Getting started: 3 of 5 done"), "teams, people and a service");
    let r = t.api(Method::GET, "/api/v1/me/home", Some(&w.admin), None).await;
    let steps = r.json["getting_started"].as_array().unwrap();
    assert_eq!(steps[3]["href"], "/teams/IT/services/laptop/targets", "the target step points at the service");

    targets(&t, &w.lead, json!({})).await;
    file(&t, &w.requester, "The first request").await;
    let r = t.api(Method::GET, "/api/v1/me/home", Some(&w.admin), None).await;
    assert!(r.json["getting_started"].is_null(), "all done: the checklist leaves home");
    assert!(!b.get("/").await.body.contains("Getting started"));
    let r = t.api(Method::GET, "/api/v1/me/home", Some(&w.lead), None).await;
    assert!(r.json["getting_started"].is_null(), "only admins set an install up");
});

both!(home_follows_what_a_person_is, |t| {
    let w = world(&t).await;
    targets(&t, &w.lead, json!({})).await;
    let first = file(&t, &w.requester, "Laptop broken").await;
    let second = file(&t, &w.requester, "Screen flickers").await;
    assert_eq!(first["assignee_name"], "Max Agent", "round robin");
    assert_eq!(second["assignee_name"], "Lena Lead");
    let r =
        t.api(Method::POST, "/api/v1/requests/IT-2/assignee", Some(&w.lead), Some(json!({"assignee_id": null}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    // The agent: what is on them, and what nobody has taken in their team.
    let max = t.api(Method::GET, "/api/v1/me/home", Some(&w.agent), None).await;
    assert_eq!(max.status, StatusCode::OK, "{}", max.text);
    assert_eq!(keys(&max.json["assigned"]), ["IT-1"]);
    let desk = &max.json["desks"][0];
    assert_eq!((desk["team_key"].as_str(), keys(&desk["unassigned"])), (Some("IT"), vec!["IT-2"]));
    assert_eq!(desk["at_risk_total"], 0);
    assert_eq!(max.json["led"], json!([]), "Max leads no team");

    // The requester: their open requests and what each is waiting on.
    let sam = t.api(Method::GET, "/api/v1/me/home", Some(&w.requester), None).await;
    let asked: Vec<(&str, &str)> = sam.json["asked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["key"].as_str().unwrap(), a["waiting_on"].as_str().unwrap()))
        .collect();
    assert_eq!(asked, [("IT-1", "With Max Agent"), ("IT-2", "Waiting for IT Services to pick it up")]);
    assert!(sam.json["asked"][0]["clocks"].as_array().is_some_and(|c| !c.is_empty()), "each with its clocks");

    // Hours later both first responses are breached: at risk on the desk, breached on the lead's view.
    let filed = chrono::DateTime::parse_from_rfc3339(first["created_at"].as_str().unwrap()).unwrap().timestamp_millis();
    t.store.run_due_jobs("node-a", Millis(filed + 2 * HOUR), &t.state).await.unwrap();
    let max = t.api(Method::GET, "/api/v1/me/home", Some(&w.agent), None).await;
    assert_eq!(max.json["desks"][0]["at_risk_total"], 2, "{}", max.text);
    let breached = t.api(Method::GET, "/api/v1/requests?team=IT&clock=breached", Some(&w.agent), None).await;
    assert_eq!(breached.json["total"], 2, "{}", breached.text);
    let r = t.api(Method::GET, "/api/v1/requests?clock=late", Some(&w.agent), None).await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    // A reply meets the first response: IT-1 leaves "at risk" only when no target is still running late.
    t.api(Method::POST, "/api/v1/requests/IT-1/status", Some(&w.agent), Some(json!({"status": "resolved"}))).await;
    let open_at_risk =
        t.api(Method::GET, "/api/v1/requests?team=IT&clock=at_risk&status=open", Some(&w.agent), None).await;
    assert_eq!(keys(&open_at_risk.json["items"]), ["IT-2"], "{}", open_at_risk.text);

    let lena = t.api(Method::GET, "/api/v1/me/home", Some(&w.lead), None).await;
    let led = &lena.json["led"][0];
    assert_eq!(led["team_key"], "IT");
    let breaches: Vec<&str> =
        led["breaches"].as_array().unwrap().iter().map(|b| b["request_key"].as_str().unwrap()).collect();
    assert_eq!(breaches.len(), 2, "{}", lena.text);
    assert!(breaches.contains(&"IT-1") && breaches.contains(&"IT-2"));
    assert!(led["ring"].as_array().unwrap().iter().any(|n| n["key"] == "SAL"), "Sales asked IT: first ring");

    // The same on the web, with words for a person.
    let mut b = t.browser();
    b.login("lena@example.com", PASSWORD).await;
    let home = b.get("/").await;
    for expect in [
        "IT Services queue",
        "IT Services and its partners",
        "What we owe",
        "Breached in the last seven days",
        "class=\"circles\"",
    ] {
        assert!(home.body.contains(expect), "{expect}");
    }
    let mut b = t.browser();
    b.login("sam@example.com", PASSWORD).await;
    let home = b.get("/").await;
    assert!(home.body.contains("Waiting for IT Services to pick it up"));
    assert!(!home.body.contains("and its partners"), "Sam leads nothing");
    let requests = b.get("/requests").await;
    assert!(
        requests.body.contains("href=\"/teams/SAL/queue\"") && requests.body.contains(">Sales queue</a>"),
        "an agent's own queue is a tab away"
    );
    assert!(requests.body.contains("Sales&#39; requests"), "{}", requests.body);
});

both!(reports_and_lists_download_as_csv, |t| {
    let w = world(&t).await;
    targets(&t, &w.lead, json!({})).await;
    file(&t, &w.requester, "=cmd|' /C calc'!A0").await;
    file(&t, &w.requester, "Screen, 15\" please").await;
    let mut max = t.browser();
    max.login("max@example.com", PASSWORD).await;
    let queue = max.get("/teams/IT/queue.csv?sort=oldest").await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(queue.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(queue.headers["content-disposition"].to_str().unwrap().contains("it-queue.csv"));
    let lines: Vec<&str> = queue.body.lines().collect();
    assert!(lines[0].starts_with("key,subject,team,service,status,priority"), "{}", lines[0]);
    assert_eq!(lines.len(), 3, "a header and both requests: {}", queue.body);
    assert!(lines[1].starts_with("IT-1,'=cmd"), "a formula stays text: {}", lines[1]);
    assert!(lines[2].contains("\"Screen, 15\"\" please\""), "quoted: {}", lines[2]);
    assert!(max.get("/teams/IT/queue").await.body.contains("href=\"/teams/IT/queue.csv?"), "the page links its CSV");

    let mut sam = t.browser();
    sam.login("sam@example.com", PASSWORD).await;
    let mine = sam.get("/requests.csv").await;
    assert_eq!(mine.body.lines().count(), 3, "{}", mine.body);
    assert_eq!(sam.get("/teams/IT/queue.csv").await.status, StatusCode::FORBIDDEN, "the queue is for the team");
    assert_eq!(sam.get("/requests.csv?clock=soon").await.status, StatusCode::UNPROCESSABLE_ENTITY);

    let report = sam.get("/reports/compliance.csv?team=IT&months=1").await;
    assert!(report.body.starts_with("month,team,team name,service,service name,target,met,breached,running"));
    assert!(report.body.contains(",IT,IT Services,laptop,Laptop request,Resolution,0,0,2,"), "{}", report.body);
    let page = sam.get("/reports/compliance").await;
    assert!(page.body.contains("Targets met, by team") && page.body.contains("Download CSV"));

    let people = sam.get("/people.csv").await;
    let header = people.body.lines().next().unwrap();
    assert_eq!(header, "email,name,title,manager_email,time_zone,weekly_capacity_hours,admin", "the import's columns");
    assert!(people.body.contains("sam@example.com,Sam Sales,Tester,,Europe/Berlin,40,false"), "{}", people.body);

    let teams = sam.get("/teams.csv").await;
    assert!(
        teams.body.starts_with("key,name,parent_key,mission,contact_email,contact_info\r\n"),
        "the import's columns"
    );
    assert_eq!(teams.body.lines().count(), 4, "three teams: {}", teams.body);
    let owed = sam.get("/teams/IT/commitments.csv").await;
    assert!(owed.body.starts_with("title,delivered by,delivered to,owner"), "{}", owed.body);
    assert_eq!(sam.get("/network.csv").await.status, StatusCode::FORBIDDEN, "the map is for leads and admins");
    let mut lena = t.browser();
    lena.login("lena@example.com", PASSWORD).await;
    let map = lena.get("/network.csv").await;
    assert!(map.body.contains("IT,IT Services,SAL,Sales,none,2,"), "{}", map.body);
    let forecast = max.get("/teams/IT/forecast.csv").await;
    assert!(forecast.body.starts_with("item,title,priority,assignee,hours left"), "{}", forecast.body);
    assert_eq!(forecast.body.lines().count(), 3, "both open requests: {}", forecast.body);
    let workload = max.get("/teams/IT/workload.csv").await;
    assert!(workload.body.contains("\r\nMax Agent,"), "{}", workload.body);
    let feedback = sam.get("/teams/IT/feedback.csv").await;
    assert!(
        feedback.body.starts_with("by,which,ratings,satisfied,okay,poor,satisfied %\r\noverall,All,0,"),
        "{}",
        feedback.body
    );
    let catalog = sam.get("/services.csv?q=laptop").await;
    assert_eq!(
        catalog.body.lines().nth(1),
        Some("IT,IT Services,laptop,Laptop request,A new or replacement laptop,P3,2.5")
    );
});
