//! Sending webhook deliveries: the work of the `webhook` job. The store captured the event and
//! keeps the delivery log; this renders the body, signs it, POSTs it once per attempt, and
//! records what the receiver answered. A failure is retried by the job queue with backoff.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use concentric_core::time::Millis;
use concentric_core::webhook::{self, DeliveryStatus};
use concentric_store::{Attempt, Job, Outbound, Store, MAX_ATTEMPTS};

use crate::config::Config;

/// How long a receiver has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How much of an answer is kept for the delivery log.
const KEEP_BYTES: usize = 4096;

/// POSTs webhook deliveries.
#[derive(Debug, Clone)]
pub struct WebhookSender {
    client: reqwest::Client,
    base_url: String,
    allow_loopback: bool,
}

impl WebhookSender {
    pub fn new(config: &Config) -> Self {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            // A redirect could lead anywhere, past the address check: a 3xx is a failed attempt.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Concentric-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Self { client, base_url: config.public_url.clone(), allow_loopback: config.webhook_allow_loopback }
    }

    /// Runs one `webhook` job: an error is recorded by the queue and retried with backoff.
    pub async fn run(&self, store: &Store, job: &Job, now: Millis) -> Result<(), String> {
        let Some(out) = store.outbound(&job.payload).await.map_err(|e| e.to_string())? else {
            return Ok(()); // The webhook was deleted: nothing to send.
        };
        let ping = out.payload.get("type").and_then(|t| t.as_str()) == Some("ping");
        if !out.active && !ping {
            let attempt = Attempt {
                response_status: None,
                response: String::from("not sent: the webhook was paused"),
                duration_ms: 0,
                status: DeliveryStatus::Failed,
            };
            return store.record_attempt(out.delivery_id, &attempt, now).await.map_err(|e| e.to_string());
        }
        let started = Instant::now();
        let result = self.post(&out).await;
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let (response_status, response, ok) = match result {
            Ok((status, text)) => (Some(i64::from(status)), text, (200..300).contains(&status)),
            Err(e) => (None, e, false),
        };
        let status = match (ok, job.attempts >= MAX_ATTEMPTS) {
            (true, _) => DeliveryStatus::Delivered,
            (false, true) => DeliveryStatus::Failed,
            (false, false) => DeliveryStatus::Pending,
        };
        let attempt = Attempt { response_status, response: response.clone(), duration_ms, status };
        store.record_attempt(out.delivery_id, &attempt, now).await.map_err(|e| e.to_string())?;
        metrics::counter!("concentric_webhook_attempts_total", "outcome" => status.as_str()).increment(1);
        match (ok, response_status) {
            (true, _) => Ok(()),
            (false, Some(code)) => Err(format!("the receiver answered {code}")),
            (false, None) => Err(response),
        }
    }

    /// One attempt: the receiver's status and the start of its answer, or why there was none.
    async fn post(&self, out: &Outbound) -> Result<(u16, String), String> {
        let url = reqwest::Url::parse(&out.url).map_err(|e| format!("the address is not a URL: {e}"))?;
        self.check_target(&url).await?;
        let body = webhook::body(out.format, &out.payload, &out.event_id, &self.base_url);
        // Signed with the wall clock, which the receiver compares with its own.
        let signature = webhook::signature(&out.secret, chrono::Utc::now().timestamp(), &body);
        let kind = out.payload.get("type").and_then(|t| t.as_str()).unwrap_or_default().to_owned();
        let mut response = self
            .client
            .post(url)
            .header("Content-Type", "application/json")
            .header("Concentric-Signature", signature)
            .header("Concentric-Event", kind)
            .header("Concentric-Event-Id", &out.event_id)
            .header("Concentric-Delivery", out.delivery_id.to_string())
            .body(body)
            .send()
            .await
            .map_err(|e| describe(&e))?;
        let status = response.status().as_u16();
        let mut kept = Vec::new();
        while kept.len() < KEEP_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => kept.extend_from_slice(&chunk),
                Ok(None) | Err(_) => break,
            }
        }
        kept.truncate(KEEP_BYTES);
        Ok((status, String::from_utf8_lossy(&kept).into_owned()))
    }

    /// Refuses addresses a webhook must not reach: link-local (cloud metadata), unspecified and
    /// multicast always, this machine unless `webhook_allow_loopback` is set.
    async fn check_target(&self, url: &reqwest::Url) -> Result<(), String> {
        let host = url.host_str().ok_or("the address has no host")?;
        let port = url.port_or_known_default().unwrap_or(443);
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let addrs =
            tokio::net::lookup_host((host, port)).await.map_err(|e| format!("could not resolve {host}: {e}"))?;
        for addr in addrs {
            if let Some(reason) = refused(addr.ip(), self.allow_loopback) {
                return Err(format!("not sent to {}: {reason}", addr.ip()));
            }
        }
        Ok(())
    }
}

fn refused(ip: IpAddr, allow_loopback: bool) -> Option<&'static str> {
    let ip = ip.to_canonical();
    let link_local = match ip {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => v6.is_unicast_link_local(),
    };
    if link_local {
        Some("link-local addresses (such as cloud metadata services) are never sent to")
    } else if ip.is_unspecified() || ip.is_multicast() {
        Some("not an address of one receiver")
    } else if ip.is_loopback() && !allow_loopback {
        Some("this machine's own addresses are refused unless webhook_allow_loopback is set")
    } else {
        None
    }
}

/// An HTTP client error in words, with its cause (the bare error says only "error sending request").
fn describe(e: &reqwest::Error) -> String {
    let mut text = if e.is_timeout() { String::from("the receiver did not answer in time") } else { e.to_string() };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_and_loopback_are_refused() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(refused(ip("169.254.169.254"), true).is_some());
        assert!(refused(ip("fe80::1"), true).is_some());
        assert!(refused(ip("::ffff:169.254.169.254"), true).is_some());
        assert!(refused(ip("0.0.0.0"), true).is_some());
        assert!(refused(ip("127.0.0.1"), false).is_some());
        assert!(refused(ip("::1"), false).is_some());
        assert_eq!(refused(ip("127.0.0.1"), true), None);
        assert_eq!(refused(ip("10.1.2.3"), false), None, "a chat server on the company network is fine");
        assert_eq!(refused(ip("203.0.113.7"), false), None);
    }
}
