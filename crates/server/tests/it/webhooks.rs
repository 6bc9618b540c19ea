//! Outgoing webhooks against a real HTTP receiver on this machine: signed bodies that verify
//! (by the core check and by the Python example in docs/), retries with backoff, the delivery
//! log and redelivery, the Slack format, pausing, and who may manage them; each delivery sent
//! once with two nodes.

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, Method, StatusCode, Uri};
use concentric_core::time::Millis;
use concentric_core::webhook::verify;
use concentric_server::config::ConfigLayer;
use concentric_store::Store;
use serde_json::{json, Value};

use crate::both;
use crate::harness::{Db, TestApp};
use crate::requests::{file, world};

/// One POST the receiver got.
#[derive(Debug, Clone)]
struct Hit {
    path: String,
    headers: HeaderMap,
    body: String,
}

impl Hit {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// An HTTP server that records every request and answers 503 to the first `busy` ones.
#[derive(Clone)]
struct Receiver {
    url: String,
    hits: Arc<Mutex<Vec<Hit>>>,
    busy: Arc<AtomicUsize>,
}

impl Receiver {
    async fn start() -> Self {
        let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
        let busy: Arc<AtomicUsize> = Arc::default();
        let (h, b) = (hits.clone(), busy.clone());
        let app = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap, body: String| {
            let (hits, busy) = (h.clone(), b.clone());
            async move {
                hits.lock().unwrap().push(Hit { path: uri.path().to_owned(), headers, body });
                let failing = busy.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
                if failing {
                    (StatusCode::SERVICE_UNAVAILABLE, "busy, try later")
                } else {
                    (StatusCode::OK, "ok")
                }
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, hits, busy }
    }

    fn hits(&self, path: &str) -> Vec<Hit> {
        self.hits.lock().unwrap().iter().filter(|h| h.path == path).cloned().collect()
    }
}

async fn app(db: Db) -> Option<TestApp> {
    let layer = ConfigLayer {
        webhook_allow_loopback: Some(true),
        public_url: Some("https://concentric.example.com".into()),
        ..ConfigLayer::default()
    };
    TestApp::with_config(db, layer).await
}

async fn run_jobs(t: &TestApp, at: Millis) -> usize {
    t.store.run_due_jobs("node-a", at, &t.state).await.unwrap()
}

/// Checks a delivery as the documented Python example does; `None` without python3.
fn python_verifies(secret: &str, header: &str, body: &str) -> Option<bool> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/examples/verify_webhook.py");
    let mut child = Command::new("python3")
        .arg(script)
        .arg(header)
        .env("CONCENTRIC_WEBHOOK_SECRET", secret)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .ok()?;
    std::io::Write::write_all(child.stdin.as_mut()?, body.as_bytes()).ok()?;
    Some(child.wait().ok()?.success())
}

macro_rules! with_receiver {
    ($name:ident, |$t:ident, $rx:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn case($t: TestApp, $rx: Receiver) $body

            #[tokio::test]
            async fn sqlite() {
                case(app(Db::Sqlite).await.expect("sqlite"), Receiver::start().await).await;
            }

            #[tokio::test]
            async fn postgres() {
                match app(Db::Postgres).await {
                    Some(t) => case(t, Receiver::start().await).await,
                    None => eprintln!("{} is not set: PostgreSQL case skipped", crate::harness::PG_ENV),
                }
            }
        }
    };
}

with_receiver!(events_arrive_signed_and_are_retried, |t, rx| {
    let w = world(&t).await;
    let events = json!(["request.created", "request.replied", "request.status_changed", "rating.received"]);
    let hook = t
        .api(
            Method::POST,
            "/api/v1/webhooks",
            Some(&w.lead),
            Some(json!({ "team": "IT", "name": "IT feed", "url": format!("{}/hook", rx.url), "events": events })),
        )
        .await;
    assert_eq!(hook.status, StatusCode::CREATED, "{}", hook.text);
    let (id, secret) = (hook.json["id"].as_i64().unwrap(), hook.json["secret"].as_str().unwrap().to_owned());
    assert!(secret.starts_with("whsec_") && secret.len() > 40, "{secret}");
    let slack = t
        .api(
            Method::POST,
            "/api/v1/webhooks",
            Some(&w.admin),
            Some(json!({ "name": "#requests", "url": format!("{}/slack", rx.url), "format": "slack",
                "events": ["request.created"] })),
        )
        .await;
    assert_eq!(slack.status, StatusCode::CREATED, "{}", slack.text);
    assert_eq!(slack.json["team_key"], Value::Null, "an organisation webhook");

    // A request, an internal note (never sent out), and a reply.
    let key = file(&t, &w.requester, "Screen flickers").await["key"].as_str().unwrap().to_owned();
    let comments = format!("/api/v1/requests/{key}/comments");
    let note = json!({ "kind": "note", "body": "Probably the cable <secret>" });
    assert_eq!(t.api(Method::POST, &comments, Some(&w.agent), Some(note)).await.status, StatusCode::CREATED);
    let reply = json!({ "kind": "reply", "body": "Which port?" });
    assert_eq!(t.api(Method::POST, &comments, Some(&w.agent), Some(reply)).await.status, StatusCode::CREATED);
    assert!(rx.hits("/hook").is_empty(), "nothing is sent inside the request that made the change");
    run_jobs(&t, Millis::now()).await;

    let hits = rx.hits("/hook");
    let kinds: Vec<String> = hits.iter().map(|h| h.json()["type"].as_str().unwrap().to_owned()).collect();
    assert_eq!(kinds, ["request.created", "request.replied"], "no note: {hits:#?}");
    let created = &hits[0];
    assert_eq!(created.header("content-type"), "application/json");
    assert_eq!(created.header("concentric-event"), "request.created");
    assert!(created.header("user-agent").starts_with("Concentric-Webhooks/"));
    let body = created.json();
    assert_eq!(body["url"], format!("https://concentric.example.com/requests/{key}"));
    assert_eq!(body["data"]["request"]["subject"], "Screen flickers");
    assert_eq!(body["data"]["request"]["requester"]["name"], "Sam Sales");
    assert_eq!(body["id"], created.header("concentric-event-id"));
    assert_eq!(hits[1].json()["data"]["reply"]["body"], "Which port?");
    assert!(!hits.iter().any(|h| h.body.contains("secret>")), "internal notes stay inside");

    // The signature verifies, by our check and by the documented Python example; tampering does not.
    let signature = created.header("concentric-signature");
    let now_s = chrono::Utc::now().timestamp();
    assert_eq!(verify(&secret, signature, &created.body, now_s, 300), Ok(()));
    assert!(verify(&secret, signature, &created.body.replace("Screen", "Green"), now_s, 300).is_err());
    if let Some(ok) = python_verifies(&secret, signature, &created.body) {
        assert!(ok, "the Python example accepts a real delivery");
        assert_eq!(python_verifies(&secret, signature, &created.body.replace("Screen", "Green")), Some(false));
        assert_eq!(python_verifies("whsec_wrong", signature, &created.body), Some(false));
    }

    // Slack: one line with the request linked, in Slack's own markup.
    let chat = rx.hits("/slack");
    assert_eq!(chat.len(), 1, "{chat:#?}");
    let text = chat[0].json()["text"].as_str().unwrap().to_owned();
    let link = format!("<https://concentric.example.com/requests/{key}|{key}>");
    assert!(text.starts_with(&link) && text.contains("Screen flickers"), "{text}");

    // The receiver is busy twice: the delivery is retried with backoff and arrives once it is not.
    rx.busy.store(2, Ordering::SeqCst);
    let status = json!({ "status": "resolved" });
    let path = format!("/api/v1/requests/{key}/status");
    assert_eq!(t.api(Method::POST, &path, Some(&w.agent), Some(status)).await.status, StatusCode::OK);
    let t0 = Millis::now();
    run_jobs(&t, t0).await;
    let log = t.api(Method::GET, &format!("/api/v1/webhooks/{id}/deliveries"), Some(&w.lead), None).await;
    let latest = &log.json["items"][0];
    assert_eq!((latest["type"].as_str(), latest["status"].as_str()), (Some("request.status_changed"), Some("pending")));
    assert_eq!((latest["attempts"].as_i64(), latest["response_status"].as_i64()), (Some(1), Some(503)));
    assert_eq!(latest["response"], "busy, try later");
    assert_eq!(run_jobs(&t, Millis(t0.0 + 10_000)).await, 0, "not before its backoff");
    run_jobs(&t, Millis(t0.0 + 61_000)).await;
    run_jobs(&t, Millis(t0.0 + 10 * 60_000)).await;
    let log = t.api(Method::GET, &format!("/api/v1/webhooks/{id}/deliveries"), Some(&w.lead), None).await;
    let latest = &log.json["items"][0];
    assert_eq!((latest["status"].as_str(), latest["attempts"].as_i64()), (Some("delivered"), Some(3)), "{latest}");
    let resolved: Vec<Hit> =
        rx.hits("/hook").into_iter().filter(|h| h.json()["type"] == "request.status_changed").collect();
    assert_eq!(resolved.len(), 3, "two refused, one accepted");
    assert!(resolved.iter().all(|h| h.header("concentric-event-id") == resolved[0].header("concentric-event-id")));
    assert_eq!(resolved[2].json()["data"]["to"], "resolved");

    // Rated by the requester: the team hears it.
    let rate = json!({ "score": 3, "comment": "Quick, thanks" });
    let r = t.api(Method::PUT, &format!("/api/v1/requests/{key}/rating"), Some(&w.requester), Some(rate)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    run_jobs(&t, Millis(t0.0 + 11 * 60_000)).await;
    let rated = rx.hits("/hook").into_iter().find(|h| h.json()["type"] == "rating.received").expect("rating sent");
    assert_eq!(rated.json()["data"]["rating"]["comment"], "Quick, thanks");

    // Redeliver the first event: a new delivery, the same event id.
    let log = t.api(Method::GET, &format!("/api/v1/webhooks/{id}/deliveries"), Some(&w.lead), None).await;
    let first = log.json["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(first["type"], "request.created");
    let again = t
        .api(Method::POST, &format!("/api/v1/webhooks/{id}/deliveries/{}/redeliver", first["id"]), Some(&w.lead), None)
        .await;
    assert_eq!(again.status, StatusCode::ACCEPTED, "{}", again.text);
    assert_eq!(
        (again.json["redelivery_of"].clone(), again.json["event_id"].clone()),
        (first["id"].clone(), first["event_id"].clone())
    );
    // A second node runs the queue at the same moment: sent once all the same.
    let other = Store::connect(&t.url, Default::default()).await.unwrap();
    let now = Millis(t0.0 + 12 * 60_000);
    let (a, b) =
        tokio::join!(t.store.run_due_jobs("node-a", now, &t.state), other.run_due_jobs("node-b", now, &t.state));
    a.unwrap();
    b.unwrap();
    let created_hits: Vec<Hit> =
        rx.hits("/hook").into_iter().filter(|h| h.json()["type"] == "request.created").collect();
    assert_eq!(created_hits.len(), 2, "the original and one redelivery");
    assert_eq!(created_hits[0].header("concentric-event-id"), created_hits[1].header("concentric-event-id"));
    assert_ne!(created_hits[0].header("concentric-delivery"), created_hits[1].header("concentric-delivery"));

    // A ping, and a paused webhook hears nothing more.
    let ping = t.api(Method::POST, &format!("/api/v1/webhooks/{id}/ping"), Some(&w.lead), None).await;
    assert_eq!(ping.status, StatusCode::ACCEPTED, "{}", ping.text);
    let pause = json!({ "name": "IT feed", "url": format!("{}/hook", rx.url), "events": events, "active": false });
    let paused = t.api(Method::PUT, &format!("/api/v1/webhooks/{id}"), Some(&w.lead), Some(pause)).await;
    assert_eq!((paused.status, paused.json["active"].clone()), (StatusCode::OK, json!(false)), "{}", paused.text);
    file(&t, &w.requester, "Mouse gone").await;
    run_jobs(&t, Millis(t0.0 + 13 * 60_000)).await;
    let last = rx.hits("/hook").pop().unwrap();
    assert_eq!(last.json()["type"], "ping", "a ping goes out even when paused; the new request does not");
    assert_eq!(rx.hits("/slack").len(), 2, "the organisation webhook still hears");

    // Deleted: gone with its log.
    let gone = t.api(Method::DELETE, &format!("/api/v1/webhooks/{id}"), Some(&w.lead), None).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    let missing = t.api(Method::GET, &format!("/api/v1/webhooks/{id}/deliveries"), Some(&w.lead), None).await;
    missing.assert_problem(StatusCode::NOT_FOUND, "not_found");
});

with_receiver!(only_leads_and_admins_manage_webhooks, |t, rx| {
    let w = world(&t).await;
    let new = |team: Option<&str>| json!({ "team": team, "name": "Feed", "url": format!("{}/x", rx.url), "events": ["request.created"] });
    let post = |token: &str, body: Value| {
        let token = token.to_owned();
        let t = &t;
        async move { t.api(Method::POST, "/api/v1/webhooks", Some(&token), Some(body)).await }
    };
    post(&w.agent, new(Some("IT"))).await.assert_problem(StatusCode::FORBIDDEN, "forbidden");
    post(&w.lead, new(None)).await.assert_problem(StatusCode::FORBIDDEN, "forbidden");
    post(&w.outsider, new(Some("IT"))).await.assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let org = post(&w.admin, new(None)).await;
    assert_eq!(org.status, StatusCode::CREATED);
    let team = post(&w.lead, new(Some("IT"))).await;
    assert_eq!(team.status, StatusCode::CREATED);
    let (org_id, team_id) = (org.json["id"].as_i64().unwrap(), team.json["id"].as_i64().unwrap());
    // Another team's or the organisation's webhook (and its secret) does not exist for them.
    for (token, id) in [(&w.lead, org_id), (&w.agent, team_id), (&w.outsider, team_id)] {
        let r = t.api(Method::GET, &format!("/api/v1/webhooks/{id}"), Some(token), None).await;
        r.assert_problem(StatusCode::NOT_FOUND, "not_found");
        let r = t.api(Method::POST, &format!("/api/v1/webhooks/{id}/ping"), Some(token), None).await;
        r.assert_problem(StatusCode::NOT_FOUND, "not_found");
    }
    let listed = t.api(Method::GET, "/api/v1/webhooks?team=IT", Some(&w.admin), None).await;
    assert_eq!(listed.json.as_array().map(Vec::len), Some(1), "{}", listed.text);
    t.api(Method::GET, "/api/v1/webhooks", Some(&w.lead), None)
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");

    // Every problem at once, and a rotated secret.
    let bad = json!({ "team": "IT", "name": "", "url": "ftp://files.example.com", "events": [] });
    let r = post(&w.lead, bad).await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let fields: Vec<&str> = r.json["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["name", "url", "events"]);
    let rotated = t.api(Method::POST, &format!("/api/v1/webhooks/{team_id}/secret"), Some(&w.lead), None).await;
    assert_eq!(rotated.status, StatusCode::OK);
    assert_ne!(rotated.json["secret"], team.json["secret"]);
});

both!(loopback_is_refused_unless_allowed, |t| {
    let w = world(&t).await;
    let rx = Receiver::start().await;
    let body = json!({ "team": "IT", "name": "Local", "url": format!("{}/x", rx.url), "events": ["request.created"] });
    let hook = t.api(Method::POST, "/api/v1/webhooks", Some(&w.lead), Some(body)).await;
    let id = hook.json["id"].as_i64().unwrap();
    t.api(Method::POST, &format!("/api/v1/webhooks/{id}/ping"), Some(&w.lead), None).await;
    run_jobs(&t, Millis::now()).await;
    assert!(rx.hits("/x").is_empty(), "nothing reached this machine");
    let log = t.api(Method::GET, &format!("/api/v1/webhooks/{id}/deliveries"), Some(&w.lead), None).await;
    let response = log.json["items"][0]["response"].as_str().unwrap_or_default().to_owned();
    assert!(response.contains("webhook_allow_loopback"), "{response}");
});

with_receiver!(a_lead_manages_webhooks_in_the_browser, |t, rx| {
    let _w = world(&t).await;
    let mut b = t.browser();
    b.login("lena@example.com", crate::harness::PASSWORD).await;
    let list = b.get("/teams/IT/webhooks").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("None yet"), "{}", list.body);
    let csrf = list.csrf();

    // Every mistake at once, and what was typed is kept.
    let bad = b
        .post(
            "/teams/IT/webhooks",
            &[("csrf", &csrf), ("name", "Chat"), ("url", "chat.example.com/hook"), ("format", "slack")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("give an http:// or https:// address"), "{}", bad.body);
    assert!(bad.body.contains("choose at least one kind of event"));
    assert!(bad.body.contains("value=\"chat.example.com/hook\"") && bad.body.contains("value=\"Chat\""));

    let url = format!("{}/chat", rx.url);
    let form = [
        ("csrf", csrf.as_str()),
        ("name", "IT room"),
        ("url", url.as_str()),
        ("format", "slack"),
        ("events", "request.created"),
        ("events", "request.breached"),
        ("active", "on"),
    ];
    let added = b.post("/teams/IT/webhooks", &form).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let page_path = added.location().split('?').next().unwrap().to_owned();
    let page = b.get(added.location()).await;
    assert!(page.body.contains("Webhook added") && page.body.contains("whsec_"), "{}", page.body);
    assert!(page.body.contains("Nothing sent yet"));

    // A ping from the page, then its answer in the log with a button to send it again.
    let pinged = b.post(&format!("{page_path}/ping"), &[("csrf", &csrf)]).await;
    assert_eq!(pinged.status, StatusCode::SEE_OTHER);
    run_jobs(&t, Millis::now()).await;
    assert!(rx.hits("/chat")[0].json()["text"].as_str().unwrap().contains("reaches you"));
    let page = b.get(&page_path).await;
    assert!(page.body.contains("delivered") && page.body.contains("HTTP 200"), "{}", page.body);
    assert!(page.body.contains("/redeliver"));

    // Paused from the settings form (the box left unticked), then removed.
    let mut paused = form.to_vec();
    paused.retain(|(k, _)| *k != "active");
    assert_eq!(b.post(&page_path, &paused).await.status, StatusCode::SEE_OTHER);
    assert!(b.get(&page_path).await.body.contains("paused"));
    let removed = b.post(&format!("{page_path}/delete"), &[("csrf", &csrf)]).await;
    assert_eq!(removed.location(), "/teams/IT/webhooks?notice=webhook_deleted");
    assert_eq!(b.get(&page_path).await.status, StatusCode::NOT_FOUND);
});
