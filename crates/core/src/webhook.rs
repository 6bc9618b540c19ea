//! Outgoing webhooks: the events a team or the organisation can subscribe to, the body each
//! format sends, and the signature a receiver checks.
//!
//! An event is captured when it happens (its `data` is a snapshot, so a retry an hour later
//! says what was true then) and rendered at delivery: the JSON format adds the link to the
//! thing, the Slack format turns the summary into one chat line.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::error::{FieldError, Invalid};
use crate::ids::TeamId;
use crate::request::Request;

/// What a webhook can be told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum WebhookEventKind {
    /// A request was filed with the team.
    #[serde(rename = "request.created")]
    RequestCreated,
    /// A request moved along its lifecycle (resolved, closed, reopened ...).
    #[serde(rename = "request.status_changed")]
    RequestStatusChanged,
    /// A reply was added to a request (never an internal note).
    #[serde(rename = "request.replied")]
    RequestReplied,
    /// A target's clock has used most of its time.
    #[serde(rename = "request.at_risk")]
    RequestAtRisk,
    /// A target was missed.
    #[serde(rename = "request.breached")]
    RequestBreached,
    /// A requester rated how a request went.
    #[serde(rename = "rating.received")]
    RatingReceived,
    /// A recurring deliverable was delivered.
    #[serde(rename = "commitment.delivered")]
    CommitmentDelivered,
    /// A recurring deliverable is past its deadline and still not delivered.
    #[serde(rename = "commitment.late")]
    CommitmentLate,
    /// Sent on demand, to check that a receiver is reachable and verifies signatures.
    #[serde(rename = "ping")]
    Ping,
}

impl WebhookEventKind {
    /// The kinds a webhook subscribes to (every kind but `ping`, which is sent on demand).
    pub const ALL: [Self; 8] = [
        Self::RequestCreated,
        Self::RequestStatusChanged,
        Self::RequestReplied,
        Self::RequestAtRisk,
        Self::RequestBreached,
        Self::RatingReceived,
        Self::CommitmentDelivered,
        Self::CommitmentLate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::RequestCreated => "request.created",
            Self::RequestStatusChanged => "request.status_changed",
            Self::RequestReplied => "request.replied",
            Self::RequestAtRisk => "request.at_risk",
            Self::RequestBreached => "request.breached",
            Self::RatingReceived => "rating.received",
            Self::CommitmentDelivered => "commitment.delivered",
            Self::CommitmentLate => "commitment.late",
            Self::Ping => "ping",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::RequestCreated => "Request filed",
            Self::RequestStatusChanged => "Request status changed",
            Self::RequestReplied => "Reply on a request",
            Self::RequestAtRisk => "Target at risk",
            Self::RequestBreached => "Target breached",
            Self::RatingReceived => "Rating received",
            Self::CommitmentDelivered => "Commitment delivered",
            Self::CommitmentLate => "Commitment late",
            Self::Ping => "Ping",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().chain([Self::Ping]).find(|k| k.as_str() == s)
    }
}

/// What a webhook's receiver expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WebhookFormat {
    /// The event as JSON (documented in docs/operations.md), signed.
    #[default]
    Json,
    /// `{"text": ...}`, what Slack's incoming webhooks (and Mattermost's, and Rocket.Chat's) take.
    Slack,
}

impl WebhookFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Slack => "slack",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Json => "signed JSON",
            Self::Slack => "chat messages",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "json" => Some(Self::Json),
            "slack" => Some(Self::Slack),
            _ => None,
        }
    }
}

/// One event as captured when it happened: the teams it concerns (a team's webhooks hear the
/// events of that team), a one-line summary, the page it is about, and the facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookEvent {
    #[serde(rename = "type")]
    pub kind: WebhookEventKind,
    #[serde(skip)]
    pub teams: Vec<TeamId>,
    pub occurred_at: DateTime<Utc>,
    pub summary: String,
    /// The path of the page it is about, e.g. `/requests/IT-42`; made a full `url` on delivery.
    pub path: String,
    pub data: Value,
}

/// A request as an event tells it.
fn request_data(r: &Request) -> Value {
    json!({
        "key": r.key,
        "subject": r.subject,
        "status": r.status.as_str(),
        "priority": r.priority,
        "team": { "key": r.team_key, "name": r.team_name },
        "service": { "slug": r.service_slug, "name": r.service_name },
        "requester": { "name": r.requester_name, "email": r.requester_email },
        "on_behalf_of": r.on_behalf_team_key,
        "assignee": r.assignee_name,
        "created_at": r.created_at,
    })
}

impl WebhookEvent {
    /// An event about a request; `extra` adds kind-specific facts next to `request`.
    pub fn request(kind: WebhookEventKind, r: &Request, at: DateTime<Utc>, summary: String, extra: Value) -> Self {
        let mut data = json!({ "request": request_data(r) });
        if let (Some(data), Value::Object(extra)) = (data.as_object_mut(), extra) {
            data.extend(extra);
        }
        Self { kind, teams: vec![r.team_id], occurred_at: at, summary, path: format!("/requests/{}", r.key), data }
    }

    /// An event about a recurring deliverable between two teams: both teams' webhooks hear it.
    pub fn commitment(
        kind: WebhookEventKind,
        c: &crate::commitment::Commitment,
        due: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Self {
        let (verb, summary) = match kind {
            WebhookEventKind::CommitmentDelivered => ("delivered", "delivered"),
            _ => ("late", "is late"),
        };
        Self {
            kind,
            teams: vec![c.provider_id, c.receiver_id],
            occurred_at: at,
            summary: format!(
                "{} {summary} for {}: {} (due {})",
                c.provider_name,
                c.receiver_name,
                c.title,
                due.format("%-d %b %Y %H:%M UTC")
            ),
            path: format!("/commitments/{}", c.id),
            data: json!({
                "commitment": {
                    "id": c.id,
                    "title": c.title,
                    "provider": { "key": c.provider_key, "name": c.provider_name },
                    "receiver": { "key": c.receiver_key, "name": c.receiver_name },
                    "owner": c.owner.name,
                },
                "occurrence": { "due_at": due, "state": verb },
            }),
        }
    }

    /// The event sent by "Send a ping".
    pub fn ping(at: DateTime<Utc>, webhook_name: &str) -> Self {
        Self {
            kind: WebhookEventKind::Ping,
            teams: Vec::new(),
            occurred_at: at,
            summary: format!("Ping from Concentric: the webhook “{webhook_name}” reaches you"),
            path: String::from("/"),
            data: json!({}),
        }
    }
}

/// The body sent for a captured event (`captured` is a [`WebhookEvent`] as stored) to a
/// receiver in `format`, with links made absolute on `base_url`. `event_id` identifies the event
/// across redeliveries, so a receiver can drop duplicates.
pub fn body(format: WebhookFormat, captured: &Value, event_id: &str, base_url: &str) -> String {
    let text = |k: &str| captured.get(k).and_then(Value::as_str).unwrap_or_default();
    let url = format!("{}{}", base_url.trim_end_matches('/'), text("path"));
    match format {
        WebhookFormat::Json => json!({
            "id": event_id,
            "type": text("type"),
            "occurred_at": captured.get("occurred_at"),
            "summary": text("summary"),
            "url": url,
            "data": captured.get("data"),
        })
        .to_string(),
        WebhookFormat::Slack => {
            // Slack's mrkdwn: &, < and > are escaped, and `<url|label>` is a link.
            let summary = slack_escape(text("summary"));
            let line = match captured.pointer("/data/request/key").and_then(Value::as_str) {
                Some(key) => format!("<{url}|{}> {summary}", slack_escape(key)),
                None => format!("{summary} <{url}|Open in Concentric>"),
            };
            json!({ "text": line }).to_string()
        }
    }
}

fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

type HmacSha256 = Hmac<Sha256>;

/// The `Concentric-Signature` header for `body` sent at `timestamp` (Unix seconds):
/// `t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<body>" under the secret>`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    format!("t={timestamp},v1={}", hex(&keyed(secret, timestamp, body).finalize().into_bytes()))
}

/// The MAC of `"<timestamp>.<body>"` under the secret, ready to finish or to verify against.
fn keyed(secret: &str, timestamp: i64, body: &str) -> HmacSha256 {
    // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!());
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    mac
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Why a signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the header is not `t=<seconds>,v1=<hex>`")]
    Malformed,
    #[error("the timestamp is more than the tolerance away from now: a replay, or a wrong clock")]
    Stale,
    #[error("no v1 signature matches the body")]
    Mismatch,
}

/// Checks a `Concentric-Signature` header as a receiver should: the timestamp within
/// `tolerance_s` of `now_s`, and one `v1` matching in constant time (the `hmac` crate's compare).
pub fn verify(secret: &str, header: &str, body: &str, now_s: i64, tolerance_s: i64) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => candidates.push(v.to_owned()),
            _ => {}
        }
    }
    let Some(t) = timestamp else { return Err(SignatureError::Malformed) };
    if candidates.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now_s - t).abs() > tolerance_s {
        return Err(SignatureError::Stale);
    }
    for candidate in candidates {
        let Some(bytes) = unhex(&candidate) else { continue };
        if keyed(secret, t, body).verify_slice(&bytes).is_ok() {
            return Ok(());
        }
    }
    Err(SignatureError::Mismatch)
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    s.as_bytes()
        .chunks(2)
        .map(|pair| match pair {
            [_, _] => u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok(),
            _ => None,
        })
        .collect()
}

/// A webhook as its manager describes it.
#[derive(Debug, Clone, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    /// What it is for, e.g. "IT channel".
    pub name: String,
    /// Where the events are POSTed: an `http` or `https` URL.
    pub url: String,
    #[serde(default)]
    pub format: WebhookFormat,
    /// The kinds of event it hears; at least one.
    pub events: Vec<WebhookEventKind>,
    /// Paused webhooks hear nothing (default active).
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

impl WebhookInput {
    /// Every problem at once.
    pub fn validate(&mut self) -> Result<(), Invalid> {
        let mut errors = Vec::new();
        self.name = self.name.trim().to_owned();
        self.url = self.url.trim().to_owned();
        if self.name.is_empty() || self.name.chars().count() > 100 {
            errors.push(FieldError::new("name", "give it a name of up to 100 characters"));
        }
        if let Err(e) = check_url(&self.url) {
            errors.push(FieldError::new("url", e));
        }
        self.events.retain(|k| *k != WebhookEventKind::Ping);
        self.events.sort_by_key(|k| k.as_str());
        self.events.dedup();
        if self.events.is_empty() {
            errors.push(FieldError::new("events", "choose at least one kind of event"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Invalid(errors))
        }
    }
}

/// An `http` or `https` URL with a host, no credentials and no fragment, of reasonable length.
pub fn check_url(url: &str) -> Result<(), &'static str> {
    let rest = match url.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http") => rest,
        _ => return Err("give an http:// or https:// address"),
    };
    if url.len() > 2000 {
        return Err("an address of up to 2,000 characters");
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() {
        return Err("the address has no host");
    }
    if authority.contains('@') {
        return Err("put no user name or password in the address; sign with the secret instead");
    }
    if url.contains('#') || url.chars().any(char::is_whitespace) {
        return Err("the address may not contain spaces or a #fragment");
    }
    Ok(())
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its first attempt, or for a retry after a failed one.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Given up after the last retry, or the webhook was paused meanwhile.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Delivered, Self::Failed].into_iter().find(|d| d.as_str() == s)
    }
}

/// A webhook, as its managers see it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Webhook {
    pub id: i64,
    #[serde(skip)]
    pub team_id: Option<TeamId>,
    /// The team whose events it hears; `null` for the organisation's (every team).
    pub team_key: Option<String>,
    pub team_name: Option<String>,
    pub name: String,
    pub url: String,
    pub format: WebhookFormat,
    pub events: Vec<WebhookEventKind>,
    pub active: bool,
    /// The key of `Concentric-Signature`; give it to the receiver.
    pub secret: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// How its latest delivery went, if there was one.
    pub last_status: Option<DeliveryStatus>,
    pub last_delivery_at: Option<DateTime<Utc>>,
}

/// One event sent (or being sent) to one webhook: the delivery log.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct WebhookDelivery {
    pub id: i64,
    pub webhook_id: i64,
    /// The same for every redelivery of the event.
    pub event_id: String,
    #[serde(rename = "type")]
    pub kind: WebhookEventKind,
    pub summary: String,
    pub created_at: DateTime<Utc>,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The receiver's HTTP status, when it answered.
    pub response_status: Option<i64>,
    /// The start of the receiver's answer, or why there was none.
    pub response: String,
    pub duration_ms: Option<i64>,
    /// The delivery this one sends again.
    pub redelivery_of: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_and_refuse_tampering_replay_and_garbage() {
        let body = r#"{"type":"ping"}"#;
        let header = signature("s3cret", 1_700_000_000, body);
        assert!(header.starts_with("t=1700000000,v1="));
        assert_eq!(verify("s3cret", &header, body, 1_700_000_100, 300), Ok(()));
        assert_eq!(verify("s3cret", &header, "{}", 1_700_000_000, 300), Err(SignatureError::Mismatch));
        assert_eq!(verify("other", &header, body, 1_700_000_000, 300), Err(SignatureError::Mismatch));
        assert_eq!(verify("s3cret", &header, body, 1_700_000_301, 300), Err(SignatureError::Stale));
        assert_eq!(verify("s3cret", "v1=00", body, 0, 300), Err(SignatureError::Malformed));
        // A receiver accepts any of several v1 values: how a secret is rotated without a gap.
        let two =
            format!("{},v1={}", signature("old", 5, body), signature("new", 5, body).split("v1=").nth(1).unwrap());
        assert_eq!(verify("new", &two, body, 5, 300), Ok(()));
        assert_eq!(verify("old", &two, body, 5, 300), Ok(()));
    }

    #[test]
    fn matches_openssl() {
        // printf '1.{}' | openssl dgst -sha256 -hmac key
        assert_eq!(
            signature("key", 1, "{}"),
            "t=1,v1=1ba6b8171186efc613e8bcc0cbdab2748f24984d7c5a84faa2637afa0e40d224"
        );
    }

    #[test]
    fn bodies_in_each_format() {
        let at = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap();
        let event = WebhookEvent {
            kind: WebhookEventKind::RequestCreated,
            teams: vec![TeamId(1)],
            occurred_at: at,
            summary: "New request <b> & co".into(),
            path: "/requests/IT-4".into(),
            data: json!({ "request": { "key": "IT-4" } }),
        };
        let captured = serde_json::to_value(&event).unwrap();
        let json: Value =
            serde_json::from_str(&body(WebhookFormat::Json, &captured, "ev-9", "https://c.example/")).unwrap();
        assert_eq!(json["type"], "request.created");
        assert_eq!(json["id"], "ev-9");
        assert_eq!(json["url"], "https://c.example/requests/IT-4");
        assert_eq!(json["data"]["request"]["key"], "IT-4");
        let slack: Value =
            serde_json::from_str(&body(WebhookFormat::Slack, &captured, "ev-9", "https://c.example")).unwrap();
        assert_eq!(slack["text"], "<https://c.example/requests/IT-4|IT-4> New request &lt;b&gt; &amp; co");
    }

    #[test]
    fn input_is_checked_all_at_once() {
        let mut bad = WebhookInput {
            name: " ".into(),
            url: "ftp://x".into(),
            format: WebhookFormat::Json,
            events: vec![WebhookEventKind::Ping],
            active: true,
        };
        let errors = bad.validate().unwrap_err().0;
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "url", "events"]);
        for url in ["https://user:pw@x.example/h", "https://", "http://x.example/a b", "https://x.example/#f"] {
            assert!(check_url(url).is_err(), "{url}");
        }
        for url in ["https://hooks.slack.com/services/T0/B0/x", "http://127.0.0.1:9000/hook?x=1"] {
            assert_eq!(check_url(url), Ok(()), "{url}");
        }
    }
}
