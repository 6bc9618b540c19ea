//! The authorization matrix: every API operation and every web page, for each role, allowed or
//! denied. The tables must name every operation of the OpenAPI document and every page the web
//! router serves, so a route added without its row fails here.
//!
//! Roles: `A` admin, `L` lead of the providing team (IT), `M` member of it, `O` member of another
//! team (Facilities), `R` the requester (Sales). Anonymous callers and deactivated people are
//! denied everything. IT-1 is Sam's request to IT; IT owes Sales a weekly commitment.

use std::collections::{BTreeSet, HashMap};

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use base64::Engine;
use concentric_core::authz::Actor;
use concentric_core::team::{MemberRole, NewTeam};
use serde_json::{json, Value};

use crate::both;
use crate::harness::{TestApp, PASSWORD};
use crate::requests::{file, world};

const ROLES: [char; 5] = ['O', 'R', 'M', 'L', 'A'];

/// The ids the tables point at.
struct Fixture {
    ids: HashMap<&'static str, String>,
}

impl Fixture {
    fn path(&self, template: &str) -> String {
        let mut out = template.to_owned();
        for (name, value) in &self.ids {
            out = out.replace(&format!("{{{name}}}"), value);
        }
        out
    }
}

async fn fixture(t: &TestApp, w: &crate::requests::World) -> Fixture {
    let mut ids = HashMap::new();
    let id = |v: &Value| v["id"].as_i64().map(|i| i.to_string()).unwrap_or_else(|| panic!("no id in {v}"));
    let post = |token: &str, path: &str, body: Value| {
        let (token, path) = (token.to_owned(), path.to_owned());
        async move {
            let r = t.api(Method::POST, &path, Some(&token), Some(body)).await;
            assert!(r.status.is_success(), "{path}: {}", r.text);
            r.json
        }
    };
    t.time.set(concentric_core::time::Millis(
        chrono::DateTime::parse_from_rfc3339("2026-11-18T10:00:00Z").unwrap().timestamp_millis(),
    ));
    file(t, &w.requester, "My laptop died").await;
    let system = Actor::system();
    let tmp = NewTeam {
        key: "TMP".into(),
        name: "Temporary".into(),
        parent_key: None,
        mission: String::new(),
        contact_email: None,
        contact_info: String::new(),
    };
    t.store.create_team(&system, tmp).await.unwrap();
    let pat = t.person("pat@example.com", "Pat Passing", false).await;
    let it = t.store.team_by_key("IT").await.unwrap();
    t.store.set_membership(&system, it.id, pat.id, MemberRole::Member).await.unwrap();
    ids.insert("pat", pat.id.0.to_string());
    ids.insert("max", t.store.person_by_email("max@example.com").await.unwrap().id.0.to_string());

    let c = post(
        &w.lead,
        "/api/v1/commitments",
        json!({"provider": "IT", "receiver": "SAL", "title": "Weekly figures", "owner": "max@example.com",
               "rule": "FREQ=WEEKLY;BYDAY=FR", "first_due": "2026-11-20T17:00", "zone": "UTC"}),
    )
    .await;
    ids.insert("commitment", id(&c));
    let occurrences =
        t.api(Method::GET, &format!("/api/v1/occurrences?commitment={}", id(&c)), Some(&w.lead), None).await;
    let items = occurrences.json["items"].as_array().unwrap().clone();
    let file_body = base64::engine::general_purpose::STANDARD.encode(b"hours,8\n");
    let delivered = id(&items[0]);
    post(
        &w.agent,
        &format!("/api/v1/occurrences/{delivered}/deliver"),
        json!({"file_name": "w47.csv", "file_base64": file_body}),
    )
    .await;
    let occurrence = t.api(Method::GET, &format!("/api/v1/occurrences/{delivered}"), Some(&w.lead), None).await;
    ids.insert("delivered", delivered);
    ids.insert("delivery", id(&occurrence.json["deliveries"][0]));
    // The open one belongs to a commitment the table leaves alone: editing and ending the first
    // regenerate its coming occurrences.
    let other = post(
        &w.lead,
        "/api/v1/commitments",
        json!({"provider": "IT", "receiver": "SAL", "title": "Asset list", "owner": "max@example.com",
               "rule": "FREQ=MONTHLY;BYMONTHDAY=1", "first_due": "2026-12-01T09:00", "zone": "UTC"}),
    )
    .await;
    let open = t.api(Method::GET, &format!("/api/v1/occurrences?commitment={}", id(&other)), Some(&w.lead), None).await;
    ids.insert("open_occurrence", id(&open.json["items"][0]));

    let r = t
        .send_api(
            Request::post("/api/v1/requests/IT-1/attachments?filename=photo.txt")
                .header(header::AUTHORIZATION, format!("Bearer {}", w.requester))
                .body(Body::from("a photo"))
                .unwrap(),
        )
        .await;
    ids.insert("attachment", id(&r.json));
    let rel =
        post(&w.lead, "/api/v1/relationships", json!({"supplier": "IT", "customer": "SAL", "needs": ["laptops"]}))
            .await;
    ids.insert("relationship", id(&rel));
    ids.insert("team_goal", id(&post(&w.lead, "/api/v1/teams/IT/goals", json!({"title": "Fast laptops"})).await));
    ids.insert("business_goal", id(&post(&w.admin, "/api/v1/goals", json!({"title": "Happy staff"})).await));
    ids.insert("view", id(&post(&w.requester, "/api/v1/views", json!({"name": "Mine", "path": "/requests"})).await));
    ids.insert("feed", id(&post(&w.agent, "/api/v1/feeds", json!({})).await));
    ids.insert("token", id(&post(&w.agent, "/api/v1/tokens", json!({"name": "spare"})).await));
    ids.insert("post", id(&post(&w.agent, "/api/v1/news", json!({"team": "IT", "title": "Fixture news"})).await));
    let image = t
        .send_api(
            Request::put(format!("/api/v1/news/{}/image?alt=A%20pixel", ids["post"]))
                .header(header::AUTHORIZATION, format!("Bearer {}", w.agent))
                .body(Body::from(crate::harness::PNG))
                .unwrap(),
        )
        .await;
    assert!(image.status.is_success(), "{}", image.text);
    // Open to IT's first ring: Sales (the requester's team) is invited, Facilities is not.
    let meeting = post(
        &w.agent,
        "/api/v1/meetings",
        json!({"team": "IT", "title": "IT weekly", "starts_at": "2026-12-10T10:00", "minutes": 45, "place": "Room 1"}),
    )
    .await;
    ids.insert("meeting", id(&meeting));
    ids.insert(
        "thanks",
        id(&post(&w.requester, "/api/v1/thanks", json!({"team": "IT", "message": "Fast laptop"})).await),
    );
    let placement = post(
        &w.lead,
        "/api/v1/placements",
        json!({"ambassador": "max@example.com", "home": "IT", "host": "SAL", "starts_on": "2026-12-07", "ends_on": "2026-12-11"}),
    )
    .await;
    ids.insert("placement", id(&placement));
    let client = post(&w.admin, "/api/v1/provisioning-clients", json!({"name": "Entra ID"})).await;
    ids.insert("provisioning_client", id(&client));
    let mut laptop = t.browser();
    laptop.login("max@example.com", PASSWORD).await;
    let sessions = t.api(Method::GET, "/api/v1/me/sessions", Some(&w.agent), None).await;
    ids.insert("session", sessions.json[0]["handle"].as_str().unwrap().to_owned());
    let review = post(
        &w.lead,
        "/api/v1/reviews",
        json!({"supplier": "IT", "customer": "SAL", "scheduled_for": "2026-12-10T10:00"}),
    )
    .await;
    ids.insert("review", id(&review));
    let action = post(
        &w.lead,
        &format!("/api/v1/reviews/{}/actions", id(&review)),
        json!({"title": "Send the catalogue", "owner": "max@example.com", "due_on": "2026-12-20"}),
    )
    .await;
    ids.insert("action", id(&action));
    // The relationship is agreed and its first survey round opens.
    post(&w.admin, &format!("/api/v1/relationships/{}/confirm", id(&rel)), json!({})).await;
    t.store.run_due_jobs("node-a", concentric_core::time::TimeSource::now(t.time.as_ref()), &t.state).await.unwrap();
    let invited = t.api(Method::GET, "/api/v1/surveys", Some(&w.requester), None).await;
    ids.insert("round", invited.json["items"][0]["round_id"].to_string());
    let role = post(
        &w.lead,
        &format!("/api/v1/relationships/{}/roles", id(&rel)),
        json!({"activity": "Send start dates", "side": "customer"}),
    )
    .await;
    ids.insert("role", id(&role));
    let laptop = t.store.service_by_slug("IT", "laptop").await.unwrap();
    let route = t.store.add_mail_route(&Actor::system(), "laptops@example.com", laptop.id).await.unwrap();
    ids.insert("mail_route", route.id.to_string());
    let hook = concentric_core::webhook::WebhookInput {
        name: "IT channel".into(),
        url: "https://chat.example.com/hooks/it".into(),
        format: concentric_core::webhook::WebhookFormat::Slack,
        events: vec![concentric_core::webhook::WebhookEventKind::RequestCreated],
        active: true,
    };
    let hook = t.store.create_webhook(&Actor::system(), Some(it.id), hook, "whsec_test").await.unwrap();
    ids.insert("webhook", hook.id.to_string());
    let off = concentric_core::capacity::NewTimeOff {
        starts_on: chrono::NaiveDate::from_ymd_opt(2026, 12, 21).unwrap(),
        ends_on: None,
        half_day: false,
        note: String::new(),
    };
    ids.insert("time_off", t.store.add_time_off(&Actor::system(), pat.id, off).await.unwrap().id.to_string());
    let ping = t.store.ping_webhook(&Actor::system(), hook.id).await.unwrap();
    ids.insert("webhook_delivery", ping.id.to_string());
    let raw = b"From: sam@example.com\r\nSubject: Hi\r\nMessage-ID: <fixture@example.com>\r\n\r\nHello\r\n";
    let now = concentric_core::time::Millis::now();
    let kept = t.store.keep_inbound("<fixture@example.com>", "INBOX", "sam@example.com", "Hi", raw, now).await.unwrap();
    ids.insert("received", kept.unwrap().to_string());
    // IT-2 is resolved and rated both ways, for the rating rows.
    file(t, &w.requester, "Screen flickers").await;
    post(&w.agent, "/api/v1/requests/IT-2/status", json!({"status": "resolved"})).await;
    let rate = |token: &str, path: &str, body: Value| {
        let (token, path) = (token.to_owned(), path.to_owned());
        async move { assert!(t.api(Method::PUT, &path, Some(&token), Some(body)).await.status.is_success()) }
    };
    rate(&w.requester, "/api/v1/requests/IT-2/rating", json!({"score": 3})).await;
    rate(&w.agent, "/api/v1/requests/IT-2/provider-rating", json!({"score": 2})).await;
    Fixture { ids }
}

/// `METHOD path` (as in the OpenAPI document) → (who may, a body).
fn api_table() -> Vec<(&'static str, &'static str, Option<Value>)> {
    let all = "ALMOR";
    vec![
        ("GET /api/v1/me", all, None),
        ("GET /api/v1/me/home", all, None),
        ("GET /api/v1/me/mail-preferences", all, None),
        ("PUT /api/v1/me/mail-preferences", all, Some(json!({"preferences": [{"kind": "status", "delivery": "off"}]}))),
        ("POST /api/v1/invitations", "A", Some(json!({"email": "lena@example.com"}))),
        ("GET /api/v1/mail-routes", "A", None),
        (
            "POST /api/v1/mail-routes",
            "A",
            Some(json!({"address": "it-help@example.com", "team_key": "IT", "service_slug": "laptop"})),
        ),
        ("DELETE /api/v1/mail-routes/{id}", "A", None),
        ("GET /api/v1/settings/mail", "A", None),
        ("PUT /api/v1/settings/mail", "A", Some(json!({"unknown_senders": "refuse", "outsider_replies": "refuse"}))),
        ("GET /api/v1/people/{id}/time-off", "AL", None),
        ("POST /api/v1/people/{id}/time-off", "AL", Some(json!({"starts_on": "2026-12-28"}))),
        ("POST /api/v1/people/{id}/time-off/import", "AL", None),
        ("DELETE /api/v1/time-off/{id}", "AL", None),
        ("POST /api/v1/requests/{key}/effort", "ALM", Some(json!({"estimate_hours": 3.0}))),
        ("GET /api/v1/teams/{key}/forecast", "ALM", None),
        ("GET /api/v1/teams/{key}/workload", "ALM", None),
        ("GET /api/v1/workload", all, None),
        ("GET /api/v1/teams/{supplier}/customers/{customer}/load", all, None),
        ("POST /api/v1/teams/{key}/services/{slug}/cost", all, Some(json!({"subject": "How long?"}))),
        ("GET /api/v1/webhooks", "A", None),
        (
            "POST /api/v1/webhooks",
            "AL",
            Some(
                json!({"team": "IT", "name": "Chat", "url": "https://chat.example.com/h", "events": ["request.created"]}),
            ),
        ),
        ("GET /api/v1/webhooks/{id}", "AL", None),
        (
            "PUT /api/v1/webhooks/{id}",
            "AL",
            Some(json!({"name": "Chat", "url": "https://chat.example.com/h", "events": ["request.created"]})),
        ),
        ("POST /api/v1/webhooks/{id}/secret", "AL", None),
        ("POST /api/v1/webhooks/{id}/ping", "AL", None),
        ("GET /api/v1/webhooks/{id}/deliveries", "AL", None),
        ("POST /api/v1/webhooks/{id}/deliveries/{delivery}/redeliver", "AL", None),
        ("DELETE /api/v1/webhooks/{id}", "AL", None),
        ("GET /api/v1/people", all, None),
        ("POST /api/v1/people", "A", Some(json!({"email": "new@example.com", "name": "New"}))),
        ("GET /api/v1/people/{id}", all, None),
        ("PATCH /api/v1/people/{id}", "AM", Some(json!({"title": "Agent"}))),
        ("POST /api/v1/people/{id}/deactivate", "A", None),
        ("POST /api/v1/people/{id}/reactivate", "A", None),
        ("GET /api/v1/people/{id}/events", all, None),
        ("GET /api/v1/teams", all, None),
        ("POST /api/v1/teams", "A", Some(json!({"key": "NEW", "name": "New team"}))),
        ("GET /api/v1/teams/{key}", all, None),
        ("PATCH /api/v1/teams/{key}", "AL", Some(json!({"mission": "Laptops that work"}))),
        ("POST /api/v1/teams/{key}/deactivate", "A", None),
        ("POST /api/v1/teams/{key}/reactivate", "A", None),
        ("PUT /api/v1/teams/{key}/members/{person_id}", "AL", Some(json!({"role": "member"}))),
        // The member (Pat) says it, or the team's leads and admins.
        ("PUT /api/v1/teams/{key}/members/{person_id}/helps-with", "AL", Some(json!({"helps_with": "laptops"}))),
        ("DELETE /api/v1/teams/{key}/members/{person_id}", "AL", None),
        ("GET /api/v1/teams/{key}/events", all, None),
        ("GET /api/v1/tokens", all, None),
        ("POST /api/v1/tokens", all, Some(json!({"name": "script"}))),
        ("DELETE /api/v1/tokens/{id}", "AM", None),
        ("GET /api/v1/audit", "A", None),
        ("GET /api/v1/news", all, None),
        // Members post for their team; the author, the team's leads and admins change a post.
        ("POST /api/v1/news", "AML", Some(json!({"team": "IT", "title": "New laptops"}))),
        ("GET /api/v1/news/{id}", all, None),
        ("PUT /api/v1/news/{id}", "AML", Some(json!({"title": "Changed"}))),
        ("GET /api/v1/news/{id}/image", all, None),
        ("PUT /api/v1/news/{id}/image", "AML", None),
        ("DELETE /api/v1/news/{id}/image", "AML", None),
        ("DELETE /api/v1/news/{id}", "AML", None),
        ("GET /api/v1/meetings", all, None),
        // The host team's members announce and change; the invited answer and ask (an admin is
        // not invited by being one).
        (
            "POST /api/v1/meetings",
            "AML",
            Some(
                json!({"team": "IT", "title": "Open house", "starts_at": "2026-12-11T10:00", "minutes": 60, "place": "Atrium"}),
            ),
        ),
        ("GET /api/v1/meetings/{id}", all, None),
        (
            "PUT /api/v1/meetings/{id}",
            "AML",
            Some(json!({"title": "IT weekly", "starts_at": "2026-12-10T10:00", "minutes": 45, "place": "Room 2"})),
        ),
        ("PUT /api/v1/meetings/{id}/rsvp", "LMR", Some(json!({"answer": "maybe"}))),
        ("POST /api/v1/meetings/{id}/questions", "LMR", Some(json!({"body": "Will you show the queue?"}))),
        ("PUT /api/v1/meetings/{id}/notes", "AML", Some(json!({"notes": "Not yet"}))),
        ("POST /api/v1/meetings/{id}/cancel", "AML", Some(json!({"reason": "Moved to January"}))),
        ("GET /api/v1/placements", all, None),
        // A lead of either team proposes; the other team's leads answer (Sales has none, so an
        // admin); the ambassador (Max) reports; leads and the ambassador call it off.
        (
            "POST /api/v1/placements",
            "AL",
            Some(
                json!({"ambassador": "max@example.com", "home": "IT", "host": "FAC", "starts_on": "2026-12-14", "ends_on": "2026-12-15"}),
            ),
        ),
        ("GET /api/v1/placements/overview", all, None),
        ("GET /api/v1/placements/{id}", all, None),
        ("POST /api/v1/placements/{id}/accept", "A", None),
        ("POST /api/v1/placements/{id}/decline", "A", None),
        ("PUT /api/v1/placements/{id}/report", "M", Some(json!({"learned": "How quotes work", "together": ""}))),
        (
            "POST /api/v1/placements/{id}/actions",
            "AL",
            Some(json!({"title": "Share models", "owner": "max@example.com", "due_on": "2026-12-20"})),
        ),
        ("POST /api/v1/placements/{id}/cancel", "ALM", None),
        ("GET /api/v1/thanks", all, None),
        // Anyone thanks; only the giver (and admins) take it back.
        ("POST /api/v1/thanks", all, Some(json!({"team": "FAC", "message": "Warm office"}))),
        ("GET /api/v1/thanks/{id}", all, None),
        ("DELETE /api/v1/thanks/{id}", "AR", None),
        ("GET /api/v1/thanks/contributions", all, None),
        ("GET /api/v1/news/follows", all, None),
        ("GET /api/v1/news/week", all, None),
        ("GET /api/v1/news/follows/{key}", all, None),
        ("PUT /api/v1/news/follows/{key}", all, None),
        ("DELETE /api/v1/news/follows/{key}", all, None),
        ("GET /api/v1/provisioning-clients", "A", None),
        ("POST /api/v1/provisioning-clients", "A", Some(json!({"name": "Okta"}))),
        ("DELETE /api/v1/provisioning-clients/{id}", "A", None),
        ("GET /api/v1/me/sessions", all, None),
        // Only one's own sessions: an admin cannot end the agent's either.
        ("DELETE /api/v1/me/sessions/{handle}", "M", None),
        ("DELETE /api/v1/me/sessions", all, None),
        ("POST /api/v1/import", "A", None),
        ("GET /api/v1/services", all, None),
        ("POST /api/v1/teams/{key}/services", "AL", Some(json!({"slug": "dock", "name": "Docking station"}))),
        ("GET /api/v1/teams/{key}/services/{slug}", all, None),
        ("PUT /api/v1/teams/{key}/services/{slug}", "AL", Some(json!({"slug": "laptop", "name": "Laptop request"}))),
        ("POST /api/v1/teams/{key}/services/{slug}/withdraw", "AL", None),
        ("POST /api/v1/teams/{key}/services/{slug}/reactivate", "AL", None),
        (
            "POST /api/v1/teams/{key}/services/{slug}/requests",
            all,
            Some(json!({"subject": "Mine too", "fields": {"model": "13-inch"}})),
        ),
        ("GET /api/v1/requests", all, None),
        ("GET /api/v1/search", all, None),
        ("GET /api/v1/requests/{key}", "ALMR", None),
        ("POST /api/v1/requests/{key}/status", "ALM", Some(json!({"status": "in_progress"}))),
        ("POST /api/v1/requests/{key}/assignee", "ALM", Some(json!({"assignee_id": null}))),
        ("POST /api/v1/requests/{key}/priority", "ALM", Some(json!({"priority": "P2"}))),
        ("GET /api/v1/requests/{key}/comments", "ALMR", None),
        ("POST /api/v1/requests/{key}/comments", "ALMR", Some(json!({"kind": "reply", "body": "Any news?"}))),
        ("POST /api/v1/requests/{key}/watchers", "ALMR", Some(json!({"email": "pat@example.com"}))),
        ("POST /api/v1/requests/{key}/attachments", "ALMR", None),
        ("GET /api/v1/requests/{key}/attachments", "ALMR", None),
        ("GET /api/v1/requests/{key}/attachments/{id}", "ALMR", None),
        ("GET /api/v1/requests/{key}/events", "ALMR", None),
        ("GET /api/v1/notifications", all, None),
        ("POST /api/v1/notifications/read", all, Some(json!({}))),
        ("POST /api/v1/requests/bulk", all, Some(json!({"keys": ["IT-1"], "priority": "P1"}))),
        ("GET /api/v1/views", all, None),
        ("POST /api/v1/views", all, Some(json!({"name": "Open", "path": "/requests?status=open"}))),
        ("DELETE /api/v1/views/{id}", "R", None),
        ("GET /api/v1/calendar", all, None),
        ("PUT /api/v1/calendar", "A", Some(json!({"zone": "UTC", "week": {"mon": ["09:00-17:00"]}}))),
        ("GET /api/v1/teams/{key}/calendar", all, None),
        ("PUT /api/v1/teams/{key}/calendar", "AL", Some(json!({"zone": "UTC", "week": {"mon": ["09:00-17:00"]}}))),
        ("DELETE /api/v1/teams/{key}/calendar", "AL", None),
        ("POST /api/v1/teams/{key}/calendar/holidays", "AL", None),
        ("GET /api/v1/teams/{key}/services/{slug}/targets", all, None),
        (
            "PUT /api/v1/teams/{key}/services/{slug}/targets",
            "AL",
            Some(json!({"targets": {"P1": {"first_response": "1h", "resolution": "1d"}}})),
        ),
        ("GET /api/v1/reports/compliance", all, None),
        ("GET /api/v1/relationships", all, None),
        ("POST /api/v1/relationships", "AL", Some(json!({"supplier": "IT", "customer": "FAC"}))),
        ("GET /api/v1/relationships/{id}", all, None),
        ("POST /api/v1/relationships/{id}/confirm", "A", None),
        ("POST /api/v1/relationships/{id}/decline", "A", None),
        // After the answers: an agreed relationship is edited by either side's leads.
        (
            "PUT /api/v1/relationships/{id}",
            "AL",
            Some(json!({"supplier": "IT", "customer": "SAL", "needs": ["laptops", "phones"]})),
        ),
        ("GET /api/v1/teams/{key}/goals", all, None),
        ("POST /api/v1/teams/{key}/goals", "AL", Some(json!({"title": "Fewer tickets"}))),
        ("PUT /api/v1/teams/{key}/goals/{id}", "AL", Some(json!({"title": "Faster laptops"}))),
        ("GET /api/v1/goals", all, None),
        ("POST /api/v1/goals", "A", Some(json!({"title": "Growth"}))),
        ("PUT /api/v1/goals/{id}", "A", Some(json!({"title": "Happier staff"}))),
        ("GET /api/v1/teams/{key}/network", all, None),
        ("GET /api/v1/network", all, None),
        ("GET /api/v1/network/summary", "AL", None),
        ("GET /api/v1/network/{supplier}/{customer}", all, None),
        ("GET /api/v1/teams/{key}/owed", all, None),
        ("GET /api/v1/teams/{key}/waiting", all, None),
        ("GET /api/v1/commitments", all, None),
        (
            "POST /api/v1/commitments",
            "AL",
            Some(
                json!({"provider": "IT", "receiver": "FAC", "title": "Asset list", "owner": "max@example.com", "rule": "FREQ=MONTHLY;BYMONTHDAY=1", "first_due": "2026-12-01T09:00"}),
            ),
        ),
        ("GET /api/v1/commitments/{id}", all, None),
        (
            "PUT /api/v1/commitments/{id}",
            "AL",
            Some(
                json!({"provider": "IT", "receiver": "SAL", "title": "Weekly figures", "owner": "max@example.com", "rule": "FREQ=WEEKLY;BYDAY=FR", "first_due": "2026-11-20T17:00", "zone": "UTC"}),
            ),
        ),
        ("POST /api/v1/commitments/{id}/end", "AL", None),
        ("POST /api/v1/commitments/{id}/resume", "AL", None),
        ("GET /api/v1/occurrences", all, None),
        ("GET /api/v1/occurrences/{id}", all, None),
        ("POST /api/v1/occurrences/{id}/deliver", "ALM", Some(json!({"note": "done"}))),
        ("POST /api/v1/occurrences/{id}/accept", "AR", None),
        ("POST /api/v1/occurrences/{id}/send-back", "AR", Some(json!({"reason": "missing hours"}))),
        ("GET /api/v1/deliveries/{id}/file", "ALMR", None),
        ("GET /api/v1/reports/on-time", all, None),
        ("GET /api/v1/feeds", all, None),
        ("POST /api/v1/feeds", all, Some(json!({}))),
        ("DELETE /api/v1/feeds/{id}", "M", None),
        ("GET /api/v1/requests/{key}/rating", "ALMR", None),
        ("PUT /api/v1/requests/{key}/rating", "R", Some(json!({"score": 2, "comment": "slow"}))),
        ("GET /api/v1/requests/{key}/provider-rating", "ALM", None),
        ("PUT /api/v1/requests/{key}/provider-rating", "ALM", Some(json!({"score": 3, "flags": ["unclear"]}))),
        ("GET /api/v1/ratings", all, None),
        ("GET /api/v1/teams/{key}/ratings", all, None),
        ("GET /api/v1/settings/feedback", all, None),
        ("PUT /api/v1/settings/feedback", "A", Some(json!({"scale": "three_point", "min_group": 5}))),
        ("GET /api/v1/reviews", all, None),
        (
            "POST /api/v1/reviews",
            "AL",
            Some(json!({"supplier": "IT", "customer": "SAL", "scheduled_for": "2027-01-10T10:00"})),
        ),
        ("GET /api/v1/reviews/{id}", "ALMR", None),
        ("PUT /api/v1/reviews/{id}", "AL", Some(json!({"notes": "Talked it through"}))),
        (
            "POST /api/v1/reviews/{id}/actions",
            "AL",
            Some(json!({"title": "Check the VPN", "owner": "lena@example.com", "due_on": "2026-12-24"})),
        ),
        ("GET /api/v1/actions", all, None),
        ("GET /api/v1/actions/{id}", "ALMR", None),
        ("PATCH /api/v1/actions/{id}", "ALM", Some(json!({"title": "Send the full catalogue"}))),
        ("GET /api/v1/surveys", all, None),
        ("GET /api/v1/surveys/{round}", "ALMR", None),
        // Invited: IT's members (about Sales) and Sales' (about IT); the body fits neither
        // audience's questions fully, so those allowed get a 422.
        ("POST /api/v1/surveys/{round}/answers", "LMR", Some(json!({"scores": {"1": 3}}))),
        ("GET /api/v1/relationships/{id}/surveys", "ALMR", None),
        ("GET /api/v1/survey-questions", all, None),
        (
            "POST /api/v1/survey-questions",
            "A",
            Some(json!({"audience": "about_supplier", "text": "They say no early."})),
        ),
        ("PATCH /api/v1/survey-questions/{id}", "A", Some(json!({"active": true}))),
        ("GET /api/v1/relationships/{id}/survey-schedule", all, None),
        ("PUT /api/v1/relationships/{id}/survey-schedule", "AL", Some(json!({"rule": "FREQ=MONTHLY;INTERVAL=3"}))),
        ("GET /api/v1/relationships/{id}/roles", all, None),
        (
            "POST /api/v1/relationships/{id}/roles",
            "AL",
            Some(json!({"activity": "Approve laptops", "side": "supplier"})),
        ),
        (
            "PUT /api/v1/relationships/{id}/roles/{role}",
            "AL",
            Some(json!({"activity": "Image laptops", "side": "supplier"})),
        ),
        ("POST /api/v1/relationships/{id}/roles/{role}/agree", "A", None),
        ("DELETE /api/v1/relationships/{id}/roles/{role}", "AL", None),
    ]
}

/// The concrete address of an operation in the fixture.
fn api_path(f: &Fixture, op: &str) -> String {
    let template = op.split_once(' ').map_or(op, |(_, p)| p);
    let specific = match op {
        "PATCH /api/v1/people/{id}" => template.replace("{id}", &f.ids["max"]),
        o if o.contains("/people/{id}/") || o.ends_with("/people/{id}") => template.replace("{id}", &f.ids["pat"]),
        o if o.contains("/teams/{key}/deactivate") || o.contains("/teams/{key}/reactivate") => {
            template.replace("{key}", "TMP")
        }
        o if o.contains("/members/") => template.replace("{key}", "IT").replace("{person_id}", &f.ids["pat"]),
        o if o.contains("/tokens/{id}") => template.replace("{id}", &f.ids["token"]),
        o if o.contains("/provisioning-clients/{id}") => template.replace("{id}", &f.ids["provisioning_client"]),
        o if o.contains("/news/{id}") => template.replace("{id}", &f.ids["post"]),
        o if o.contains("/meetings/{id}") => template.replace("{id}", &f.ids["meeting"]),
        o if o.contains("/thanks/{id}") => template.replace("{id}", &f.ids["thanks"]),
        o if o.contains("/placements/{id}") => template.replace("{id}", &f.ids["placement"]),
        o if o.contains("/sessions/{handle}") => template.replace("{handle}", &f.ids["session"]),
        o if o.contains("/mail-routes/{id}") => template.replace("{id}", &f.ids["mail_route"]),
        o if o.contains("/time-off/{id}") => template.replace("{id}", &f.ids["time_off"]),
        o if o.contains("/webhooks/{id}") => {
            template.replace("{id}", &f.ids["webhook"]).replace("{delivery}", &f.ids["webhook_delivery"])
        }
        o if o.contains("/views/{id}") => template.replace("{id}", &f.ids["view"]),
        o if o.contains("/feeds/{id}") => template.replace("{id}", &f.ids["feed"]),
        o if o.contains("/attachments/{id}") => template.replace("{id}", &f.ids["attachment"]),
        o if o.contains("/roles/{role}") => {
            template.replace("{id}", &f.ids["relationship"]).replace("{role}", &f.ids["role"])
        }
        o if o.contains("/relationships/{id}") => template.replace("{id}", &f.ids["relationship"]),
        o if o.contains("/goals/{id}") && o.contains("/teams/") => template.replace("{id}", &f.ids["team_goal"]),
        o if o.contains("/goals/{id}") => template.replace("{id}", &f.ids["business_goal"]),
        o if o.contains("/commitments/{id}") => template.replace("{id}", &f.ids["commitment"]),
        o if o.ends_with("/deliver") => template.replace("{id}", &f.ids["open_occurrence"]),
        o if o.contains("/occurrences/{id}") => template.replace("{id}", &f.ids["delivered"]),
        o if o.contains("/deliveries/{id}") => template.replace("{id}", &f.ids["delivery"]),
        o if o.contains("rating") && o.contains("/requests/") => template.replace("{key}", "IT-2"),
        o if o.contains("/reviews/{id}") => template.replace("{id}", &f.ids["review"]),
        o if o.contains("/surveys/{round}") => template.replace("{round}", &f.ids["round"]),
        o if o.contains("/survey-questions/{id}") => template.replace("{id}", "1"),
        o if o.contains("/actions/{id}") => template.replace("{id}", &f.ids["action"]),
        _ => template.to_owned(),
    };
    let path = specific
        .replace("{key}", if specific.contains("/requests/") { "IT-1" } else { "IT" })
        .replace("{slug}", "laptop")
        .replace("{supplier}", "IT")
        .replace("{customer}", "SAL");
    match op {
        "GET /api/v1/search" => format!("{path}?q=laptop"),
        "POST /api/v1/requests/{key}/attachments" => format!("{path}?filename=note.txt"),
        "PUT /api/v1/news/{id}/image" => format!("{path}?alt=A%20pixel"),
        _ => path,
    }
}

both!(every_api_operation_allows_exactly_its_roles, |t| {
    let w = world(&t).await;
    let f = fixture(&t, &w).await;
    let dan = t.person("dan@example.com", "Dan Departed", false).await;
    let dan_token = t.token(&dan).await;
    t.store.set_person_active(&Actor::system(), dan.id, false).await.unwrap();
    let tokens: HashMap<char, &str> =
        [('A', w.admin.as_str()), ('L', &w.lead), ('M', &w.agent), ('O', &w.outsider), ('R', &w.requester)].into();

    let table = api_table();
    let doc = t.api(Method::GET, "/api/v1/openapi.json", None, None).await.json;
    let documented: BTreeSet<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(p, item)| item.as_object().unwrap().keys().map(move |m| format!("{} {p}", m.to_uppercase())))
        .collect();
    let listed: BTreeSet<String> = table.iter().map(|(op, _, _)| (*op).to_owned()).collect();
    assert_eq!(documented, listed, "every operation has its row, and every row an operation");

    for (op, allowed, body) in table {
        let (method, _) = op.split_once(' ').unwrap();
        let path = api_path(&f, op);
        let send = |token: Option<&str>| {
            let mut req = Request::builder().method(Method::from_bytes(method.as_bytes()).unwrap()).uri(&path);
            if let Some(token) = token {
                req = req.header(header::AUTHORIZATION, format!("Bearer {token}"));
            }
            let req = match (&body, op) {
                (Some(b), _) => req.header(header::CONTENT_TYPE, "application/json").body(Body::from(b.to_string())),
                (None, "POST /api/v1/import") => {
                    req.header(header::CONTENT_TYPE, "text/csv").body(Body::from("key,name\nCSV,From a file\n"))
                }
                (None, "POST /api/v1/teams/{key}/calendar/holidays" | "POST /api/v1/people/{id}/time-off/import") => req
                    .header(header::CONTENT_TYPE, "text/calendar")
                    .body(Body::from("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:1\r\nDTSTART;VALUE=DATE:20261225\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")),
                (None, "PUT /api/v1/news/{id}/image") => {
                    req.header(header::CONTENT_TYPE, "image/png").body(Body::from(crate::harness::PNG))
                }
                (None, "POST /api/v1/requests/{key}/attachments") => {
                    req.header(header::CONTENT_TYPE, "application/octet-stream").body(Body::from("notes"))
                }
                _ => req.body(Body::empty()),
            };
            t.send_api(req.unwrap())
        };
        for token in [None, Some(dan_token.as_str())] {
            let r = send(token).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{op} without a live token: {}", r.text);
        }
        // Denied roles first: a refusal must change nothing that the allowed ones then meet.
        let (yes, no): (Vec<char>, Vec<char>) = ROLES.iter().partition(|r| allowed.contains(**r));
        for role in no {
            let r = send(Some(tokens[&role])).await;
            assert!(
                matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
                "{op} as {role} must be refused: {} {}",
                r.status,
                r.text
            );
        }
        // An allowed role may find a thing gone that an allowed role before it removed.
        let mut removed = false;
        for role in yes {
            let r = send(Some(tokens[&role])).await;
            let ok = r.status.is_success()
                || matches!(r.status, StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY)
                || (removed && r.status == StatusCode::NOT_FOUND);
            assert!(ok, "{op} as {role} must be allowed: {} {}", r.status, r.text);
            removed |= method == "DELETE" && r.status.is_success();
        }
    }

    // What a role may see inside an allowed answer: notes and internal files stay with IT.
    t.api(
        Method::POST,
        "/api/v1/requests/IT-1/comments",
        Some(&w.agent),
        Some(json!({"kind": "note", "body": "secret note"})),
    )
    .await;
    let internal = t
        .send_api(
            Request::post("/api/v1/requests/IT-1/attachments?filename=internal.txt&internal=true")
                .header(header::AUTHORIZATION, format!("Bearer {}", w.agent))
                .body(Body::from("internal"))
                .unwrap(),
        )
        .await;
    let internal_id = internal.json["id"].as_i64().unwrap();
    for (role, sees) in [('A', true), ('L', true), ('M', true), ('R', false)] {
        let r = t.api(Method::GET, "/api/v1/requests/IT-1", Some(tokens[&role]), None).await;
        assert_eq!(r.text.contains("secret note"), sees, "{role} and the note");
        assert_eq!(r.text.contains("internal.txt"), sees, "{role} and the internal file");
        let file = t
            .api(Method::GET, &format!("/api/v1/requests/IT-1/attachments/{internal_id}"), Some(tokens[&role]), None)
            .await;
        assert_eq!(file.status.is_success(), sees, "{role} downloads the internal file: {}", file.status);
        let found = t.api(Method::GET, "/api/v1/search?q=secret", Some(tokens[&role]), None).await;
        assert_eq!(found.json["total"].as_u64().unwrap() > 0, sees, "{role} finds the note");
    }
});

/// Web pages (GET routes of the web router) → who may open them, at a concrete address.
fn web_table(f: &Fixture) -> Vec<(&'static str, &'static str, String)> {
    let all = "ALMOR";
    let at = |template: &str| f.path(template);
    vec![
        ("/", all, "/".into()),
        ("/people", all, "/people".into()),
        ("/people.csv", all, "/people.csv".into()),
        ("/people/new", "A", "/people/new".into()),
        ("/people/{id}", all, at("/people/{max}")),
        ("/people/{id}/edit", "AM", at("/people/{max}/edit")),
        ("/teams", all, "/teams".into()),
        ("/teams.csv", all, "/teams.csv".into()),
        ("/teams/new", "A", "/teams/new".into()),
        ("/teams/{key}", all, "/teams/IT".into()),
        ("/teams/{key}/edit", "AL", "/teams/IT/edit".into()),
        ("/services", all, "/services".into()),
        ("/services.csv", all, "/services.csv".into()),
        ("/teams/{key}/services/new", "AL", "/teams/IT/services/new".into()),
        ("/teams/{key}/services/{slug}", all, "/teams/IT/services/laptop".into()),
        ("/teams/{key}/services/{slug}/edit", "AL", "/teams/IT/services/laptop/edit".into()),
        ("/network", "AL", "/network".into()),
        ("/network.csv", "AL", "/network.csv".into()),
        ("/goals", all, "/goals".into()),
        ("/teams/{key}/network", all, "/teams/IT/network".into()),
        ("/network/{supplier}/{customer}", all, "/network/IT/SAL".into()),
        ("/teams/{key}/commitments", all, "/teams/IT/commitments".into()),
        ("/teams/{key}/commitments.csv", all, "/teams/IT/commitments.csv".into()),
        ("/commitments/{id}", all, at("/commitments/{commitment}")),
        ("/deliveries/{id}/file", "ALMR", at("/deliveries/{delivery}/file")),
        ("/teams/{key}/calendar", all, "/teams/IT/calendar".into()),
        ("/teams/{key}/services/{slug}/targets", all, "/teams/IT/services/laptop/targets".into()),
        ("/admin/calendar", all, "/admin/calendar".into()),
        ("/admin/import", "A", "/admin/import".into()),
        ("/admin/feedback", "A", "/admin/feedback".into()),
        ("/admin/mail", "A", "/admin/mail".into()),
        ("/admin/audit", "A", "/admin/audit".into()),
        ("/admin/audit.csv", "A", "/admin/audit.csv".into()),
        ("/admin/provisioning", "A", "/admin/provisioning".into()),
        ("/news", all, "/news".into()),
        ("/week", all, "/week".into()),
        ("/news/{id}", all, at("/news/{post}")),
        ("/news/{id}/edit", "AML", at("/news/{post}/edit")),
        ("/news/{id}/image", all, at("/news/{post}/image")),
        ("/teams/{key}/news/new", "AML", "/teams/IT/news/new".into()),
        ("/placements", all, "/placements".into()),
        ("/placements/new", "AL", "/placements/new".into()),
        ("/placements/{id}", all, at("/placements/{placement}")),
        ("/thanks", all, "/thanks".into()),
        ("/thanks/new", all, "/thanks/new".into()),
        ("/thanks/{id}", all, at("/thanks/{thanks}")),
        ("/meetings", all, "/meetings".into()),
        ("/meetings/{id}", all, at("/meetings/{meeting}")),
        ("/meetings/{id}/event.ics", all, at("/meetings/{meeting}/event.ics")),
        ("/meetings/{id}/edit", "AML", at("/meetings/{meeting}/edit")),
        ("/teams/{key}/meetings/new", "AML", "/teams/IT/meetings/new".into()),
        ("/admin/mail/received/{id}", "A", at("/admin/mail/received/{received}")),
        ("/admin/webhooks", "A", "/admin/webhooks".into()),
        ("/teams/{key}/webhooks", "AL", "/teams/IT/webhooks".into()),
        ("/webhooks/{id}", "AL", at("/webhooks/{webhook}")),
        ("/teams/{key}/feedback", all, "/teams/IT/feedback".into()),
        ("/teams/{key}/feedback.csv", all, "/teams/IT/feedback.csv".into()),
        ("/teams/{key}/reviews", "ALM", "/teams/IT/reviews".into()),
        ("/reviews/{id}", "ALMR", at("/reviews/{review}")),
        ("/surveys", all, "/surveys".into()),
        ("/admin/surveys", "A", "/admin/surveys".into()),
        ("/reports/compliance", all, "/reports/compliance".into()),
        ("/reports/compliance.csv", all, "/reports/compliance.csv".into()),
        ("/teams/{key}/queue", "ALM", "/teams/IT/queue".into()),
        ("/teams/{key}/queue.csv", "ALM", "/teams/IT/queue.csv".into()),
        ("/teams/{key}/forecast", "ALM", "/teams/IT/forecast".into()),
        ("/teams/{key}/forecast.csv", "ALM", "/teams/IT/forecast.csv".into()),
        ("/teams/{key}/workload", "ALM", "/teams/IT/workload".into()),
        ("/teams/{key}/workload.csv", "ALM", "/teams/IT/workload.csv".into()),
        ("/workload", all, "/workload".into()),
        ("/requests", all, "/requests".into()),
        ("/requests.csv", all, "/requests.csv".into()),
        ("/requests/{key}", "ALMR", "/requests/IT-1".into()),
        ("/requests/{key}/attachments/{id}", "ALMR", at("/requests/IT-1/attachments/{attachment}")),
        ("/search", all, "/search?q=laptop".into()),
        ("/notifications", all, "/notifications".into()),
        ("/account", all, "/account".into()),
        ("/api/docs", all, "/api/docs".into()),
    ]
}

/// Pages anyone may open, signed in or not.
const PUBLIC_PAGES: [&str; 9] = [
    "/login",
    "/login/sso/{provider}",
    "/auth/sso/{provider}/callback",
    "/setup",
    "/forgot-password",
    "/password/{token}",
    "/static/app.css",
    "/static/logo.svg",
    "/feeds/{token}",
];

both!(every_web_page_allows_exactly_its_roles, |t| {
    let w = world(&t).await;
    let f = fixture(&t, &w).await;
    let table = web_table(&f);

    // The table names every page the router serves (its GET routes, read from the source).
    let source = include_str!("../../src/web/mod.rs");
    let mut served: BTreeSet<String> = BTreeSet::new();
    for chunk in source.split(".route(").skip(1) {
        let path = chunk.trim_start().trim_start_matches('"').split('"').next().unwrap_or_default();
        let handlers = chunk.split(".route(").next().unwrap_or_default();
        if handlers.contains("get(") {
            served.insert(path.to_owned());
        }
    }
    let mut listed: BTreeSet<String> = table.iter().map(|(p, _, _)| (*p).to_owned()).collect();
    listed.extend(PUBLIC_PAGES.iter().filter(|p| !p.starts_with("/feeds")).map(|p| (*p).to_owned()));
    assert_eq!(served, listed, "every page has its row");

    let mut browsers = HashMap::new();
    for (role, email) in [
        ('A', "admin@example.com"),
        ('L', "lena@example.com"),
        ('M', "max@example.com"),
        ('O', "olga@example.com"),
        ('R', "sam@example.com"),
    ] {
        let mut b = t.browser();
        assert_eq!(b.login(email, PASSWORD).await.status, StatusCode::SEE_OTHER, "{email}");
        browsers.insert(role, b);
    }
    let dan = t.person("dan@example.com", "Dan Departed", false).await;
    let mut departed = t.browser();
    departed.login("dan@example.com", PASSWORD).await;
    t.store.set_person_active(&Actor::system(), dan.id, false).await.unwrap();

    for (page, allowed, path) in &table {
        for b in [&mut t.browser(), &mut departed] {
            let r = b.get(path).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{page} without a live session");
            assert!(r.location().starts_with("/login"), "{page}: {}", r.location());
        }
        for role in ROLES {
            let r = browsers.get_mut(&role).unwrap().get(path).await;
            if allowed.contains(role) {
                assert_eq!(r.status, StatusCode::OK, "{page} as {role}: {:.300}", r.body);
            } else {
                assert!(
                    matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
                    "{page} as {role} must be refused: {} {:.300}",
                    r.status,
                    r.body
                );
            }
        }
    }
    // The request page shows IT's notes to IT only.
    let csrf = browsers.get_mut(&'M').unwrap().csrf("/requests/IT-1").await;
    browsers
        .get_mut(&'M')
        .unwrap()
        .post("/requests/IT-1/comments", &[("csrf", &csrf), ("kind", "note"), ("body", "web secret")])
        .await;
    for (role, sees) in [('A', true), ('L', true), ('M', true), ('R', false)] {
        let page = browsers.get_mut(&role).unwrap().get("/requests/IT-1").await;
        assert_eq!(page.body.contains("web secret"), sees, "{role} and the note");
    }
});
