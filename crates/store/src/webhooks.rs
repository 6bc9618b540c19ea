//! Outgoing webhooks as the store keeps them: each subscription, and each delivery with what
//! the receiver answered. An event is captured in the transaction of the change it tells of (so
//! it is sent if and only if the change committed) as one delivery per subscribed webhook and a
//! durable `webhook` job; the server's HTTP client does the sending.

use concentric_core::authz::Actor;
use concentric_core::page::{Page, PageRequest};
use concentric_core::request::Request;
use concentric_core::time::Millis;
use concentric_core::webhook::{
    DeliveryStatus, Webhook, WebhookDelivery, WebhookEvent, WebhookEventKind, WebhookFormat, WebhookInput,
};
use concentric_core::{RequestId, TeamId};
use serde_json::{json, Value};

use crate::db::{args, Exec, Tx};
use crate::events::record;
use crate::jobs::{schedule, WEBHOOK};
use crate::{Result, Store, StoreError};

const WEBHOOK_SELECT: &str = "SELECT w.id, w.team_id, t.key AS team_key, t.name AS team_name, w.name, w.url, \
     w.format, w.events, w.active, w.secret, w.created_at, w.updated_at, \
     (SELECT d.status FROM webhook_deliveries d WHERE d.webhook_id = w.id ORDER BY d.id DESC LIMIT 1) AS last_status, \
     (SELECT MAX(d.created_at) FROM webhook_deliveries d WHERE d.webhook_id = w.id) AS last_delivery_at \
     FROM webhooks w LEFT JOIN teams t ON t.id = w.team_id";

crate::db::row! {
    struct WebhookRow {
        id: i64,
        team_id: Option<i64>,
        team_key: Option<String>,
        team_name: Option<String>,
        name: String,
        url: String,
        format: String,
        events: String,
        active: bool,
        secret: String,
        created_at: i64,
        updated_at: i64,
        last_status: Option<String>,
        last_delivery_at: Option<i64>,
    }
}

impl TryFrom<WebhookRow> for Webhook {
    type Error = StoreError;

    fn try_from(r: WebhookRow) -> Result<Self> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("webhook {}: {what}", r.id));
        Ok(Webhook {
            id: r.id,
            team_id: r.team_id.map(TeamId),
            team_key: r.team_key,
            team_name: r.team_name,
            format: WebhookFormat::parse(&r.format).ok_or_else(|| corrupt("format"))?,
            events: r.events.split(',').filter(|k| !k.is_empty()).filter_map(WebhookEventKind::parse).collect(),
            last_status: r.last_status.as_deref().and_then(DeliveryStatus::parse),
            last_delivery_at: r.last_delivery_at.map(|t| Millis(t).to_utc()),
            name: r.name,
            url: r.url,
            active: r.active,
            secret: r.secret,
            created_at: Millis(r.created_at).to_utc(),
            updated_at: Millis(r.updated_at).to_utc(),
        })
    }
}

crate::db::row! {
    struct DeliveryRow {
        id: i64,
        webhook_id: i64,
        event_id: String,
        kind: String,
        payload: String,
        created_at: i64,
        status: String,
        attempts: i64,
        last_attempt_at: Option<i64>,
        response_status: Option<i64>,
        response: String,
        duration_ms: Option<i64>,
        redelivery_of: Option<i64>,
    }
}

const DELIVERY_SELECT: &str = "SELECT id, webhook_id, event_id, kind, payload, created_at, status, attempts, \
     last_attempt_at, response_status, response, duration_ms, redelivery_of FROM webhook_deliveries";

impl TryFrom<DeliveryRow> for WebhookDelivery {
    type Error = StoreError;

    fn try_from(r: DeliveryRow) -> Result<Self> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("webhook delivery {}: {what}", r.id));
        let payload: Value = serde_json::from_str(&r.payload).map_err(|_| corrupt("payload"))?;
        Ok(WebhookDelivery {
            id: r.id,
            webhook_id: r.webhook_id,
            event_id: r.event_id,
            kind: WebhookEventKind::parse(&r.kind).ok_or_else(|| corrupt("kind"))?,
            summary: payload.get("summary").and_then(Value::as_str).unwrap_or_default().to_owned(),
            created_at: Millis(r.created_at).to_utc(),
            status: DeliveryStatus::parse(&r.status).ok_or_else(|| corrupt("status"))?,
            attempts: r.attempts,
            last_attempt_at: r.last_attempt_at.map(|t| Millis(t).to_utc()),
            response_status: r.response_status,
            response: r.response,
            duration_ms: r.duration_ms,
            redelivery_of: r.redelivery_of,
        })
    }
}

/// What the sender needs for one delivery.
#[derive(Debug, Clone)]
pub struct Outbound {
    pub delivery_id: i64,
    pub event_id: String,
    pub url: String,
    pub format: WebhookFormat,
    pub secret: String,
    /// Paused since the event: nothing is sent.
    pub active: bool,
    /// The event as captured.
    pub payload: Value,
}

/// How one attempt went.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub response_status: Option<i64>,
    pub response: String,
    pub duration_ms: i64,
    pub status: DeliveryStatus,
}

fn events_column(events: &[WebhookEventKind]) -> String {
    let kinds: Vec<&str> = events.iter().map(|k| k.as_str()).collect();
    format!(",{},", kinds.join(","))
}

/// The active webhooks hearing `kind` for any of `teams`, the organisation's among them.
pub(crate) fn subscribers(tx: &mut Tx, kind: WebhookEventKind, teams: &[TeamId]) -> Result<Vec<i64>> {
    let mut values = args![format!("%,{},%", kind.as_str())];
    let mut scope = vec![String::from("w.team_id IS NULL")];
    for t in teams {
        values.push((*t).into());
        scope.push(format!("w.team_id = ${}", values.len()));
    }
    let sql = format!("SELECT w.id FROM webhooks w WHERE w.active AND w.events LIKE $1 AND ({})", scope.join(" OR "));
    Ok(tx.exec().scalars(&sql, values)?)
}

/// Writes one delivery per webhook and schedules each to be sent now. A webhook deleted since
/// `hooks` were read (a filing reads them before its write) gets none.
fn enqueue(tx: &mut Tx, hooks: &[i64], event: &WebhookEvent, event_id: &str, again: Option<i64>) -> Result<()> {
    let payload = serde_json::to_string(event).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let now = Millis::now().0;
    for hook in hooks {
        let Some(id) = tx.exec().insert_new_id(
            "INSERT INTO webhook_deliveries (webhook_id, event_id, kind, payload, created_at, redelivery_of) \
                 SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM webhooks WHERE id = $1)",
            args![*hook, event_id, event.kind.as_str(), &payload, now, again],
        )?
        else {
            continue;
        };
        schedule(tx, WEBHOOK, &format!("webhook:{id}"), json!({ "delivery_id": id }), Some(now))?;
    }
    Ok(())
}

/// Captures `event` for every webhook that hears it. `source` (the event row or comment behind
/// it) makes the event's id.
pub(crate) fn emit(tx: &mut Tx, event: WebhookEvent, source: i64) -> Result<()> {
    let hooks = subscribers(tx, event.kind, &event.teams)?;
    if hooks.is_empty() {
        return Ok(());
    }
    enqueue(tx, &hooks, &event, &format!("{}.{source}", event.kind.as_str()), None)
}

/// Captures an event about a request, built from the request as it stands in `tx` only when a
/// webhook hears it: a change nobody subscribed to costs one indexed read.
pub(crate) fn emit_for_request(
    tx: &mut Tx,
    kind: WebhookEventKind,
    request: RequestId,
    team: TeamId,
    source: i64,
    describe: impl FnOnce(&Request) -> (String, Value),
) -> Result<()> {
    let hooks = subscribers(tx, kind, &[team])?;
    emit_to(tx, &hooks, kind, request, source, describe)
}

/// Like [`emit_for_request`], to `hooks` found before (a filing reads them on a reader).
pub(crate) fn emit_to(
    tx: &mut Tx,
    hooks: &[i64],
    kind: WebhookEventKind,
    request: RequestId,
    source: i64,
    describe: impl FnOnce(&Request) -> (String, Value),
) -> Result<()> {
    if hooks.is_empty() {
        return Ok(());
    }
    let req = crate::requests::request_where(tx.exec(), "r.id = $1", request.into())?;
    let (summary, extra) = describe(&req);
    let event = WebhookEvent::request(kind, &req, Millis::now().to_utc(), summary, extra);
    enqueue(tx, hooks, &event, &format!("{}.{source}", kind.as_str()), None)
}

fn webhook_where(exec: Exec<'_>, id: i64) -> Result<Webhook> {
    let row: WebhookRow = exec
        .optional(&format!("{WEBHOOK_SELECT} WHERE w.id = $1"), args![id])?
        .ok_or(StoreError::NotFound("webhook"))?;
    row.try_into()
}

impl Store {
    /// The webhooks of a team, or with `None` the organisation's, for those who manage them.
    #[tracing::instrument(skip_all)]
    pub async fn webhooks(&self, actor: &Actor, team: Option<TeamId>) -> Result<Vec<Webhook>> {
        let actor = actor.to_owned();
        self.db
            .read(move |mut tx| {
                let actor: &Actor = &actor;
                actor.require_webhook_manager(team)?;
                let (clause, values) = match team {
                    Some(t) => ("w.team_id = $1", args![t]),
                    None => ("w.team_id IS NULL", args![]),
                };
                let rows: Vec<WebhookRow> =
                    tx.exec().all(&format!("{WEBHOOK_SELECT} WHERE {clause} ORDER BY w.name, w.id"), values)?;
                rows.into_iter().map(Webhook::try_from).collect()
            })
            .await
    }

    /// One webhook, for those who manage it; others are told it does not exist.
    #[tracing::instrument(skip_all)]
    pub async fn webhook(&self, actor: &Actor, id: i64) -> Result<Webhook> {
        let actor = actor.to_owned();
        self.db
            .read(move |mut tx| {
                let actor: &Actor = &actor;
                let hook = webhook_where(tx.exec(), id)?;
                if actor.require_webhook_manager(hook.team_id).is_err() {
                    return Err(StoreError::NotFound("webhook"));
                }
                Ok(hook)
            })
            .await
    }

    /// Adds a webhook for a team (its leads, admins) or the organisation (admins), signing
    /// with `secret`.
    #[tracing::instrument(skip_all)]
    pub async fn create_webhook(
        &self,
        actor: &Actor,
        team: Option<TeamId>,
        mut input: WebhookInput,
        secret: &str,
    ) -> Result<Webhook> {
        let actor = actor.to_owned();
        let secret = secret.to_owned();
        self.db.write(move |mut tx| {
            let actor: &Actor = &actor;
            let secret: &str = &secret;
            actor.require_webhook_manager(team)?;
            input.validate()?;
            let now = Millis::now().0;
            let id: i64 = tx
                .exec()
                .insert_id(
                    "INSERT INTO webhooks (team_id, name, url, format, events, secret, active, created_by, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
                    args![team, &input.name, &input.url, input.format.as_str(), events_column(&input.events), secret,
                        input.active, actor.person_id, now],
                )?;
            let detail = json!({ "name": input.name, "url": input.url, "team_id": team.map(|t| t.0) });
            record(&mut tx, actor, "webhook", id, "created", detail)?;
            let hook = webhook_where(tx.exec(), id)?;
            Ok(hook)
        })
        .await
    }

    /// Changes what a webhook hears and where it sends it.
    #[tracing::instrument(skip_all)]
    pub async fn update_webhook(&self, actor: &Actor, id: i64, mut input: WebhookInput) -> Result<Webhook> {
        let before = self.webhook(actor, id).await?;
        input.validate()?;
        let actor_owned = actor.to_owned();
        let hook = self.db.write(move |mut tx| {
            let actor: &Actor = &actor_owned;
            tx.exec()
                .execute(
                    "UPDATE webhooks SET name = $1, url = $2, format = $3, events = $4, active = $5, updated_at = $6 WHERE id = $7",
                    args![&input.name, &input.url, input.format.as_str(), events_column(&input.events), input.active,
                        Millis::now().0, id],
                )?;
            let detail = crate::events::diff(&[
                ("name", json!(before.name), json!(input.name)),
                ("url", json!(before.url), json!(input.url)),
                ("active", json!(before.active), json!(input.active)),
            ]);
            record(&mut tx, actor, "webhook", id, "updated", detail)?;
            let hook = webhook_where(tx.exec(), id)?;
            Ok(hook)
        })
        .await?;
        Ok(hook)
    }

    /// Replaces a webhook's signing secret.
    #[tracing::instrument(skip_all)]
    pub async fn set_webhook_secret(&self, actor: &Actor, id: i64, secret: &str) -> Result<Webhook> {
        self.webhook(actor, id).await?;
        let actor_owned = actor.to_owned();
        let secret_owned = secret.to_owned();
        let hook = self
            .db
            .write(move |mut tx| {
                let actor: &Actor = &actor_owned;
                let secret: &str = &secret_owned;
                tx.exec().execute(
                    "UPDATE webhooks SET secret = $1, updated_at = $2 WHERE id = $3",
                    args![secret, Millis::now().0, id],
                )?;
                record(&mut tx, actor, "webhook", id, "secret_rotated", json!({}))?;
                let hook = webhook_where(tx.exec(), id)?;
                Ok(hook)
            })
            .await?;
        Ok(hook)
    }

    /// Removes a webhook and its delivery log; deliveries still waiting are not sent. Returns
    /// what was removed.
    #[tracing::instrument(skip_all)]
    pub async fn delete_webhook(&self, actor: &Actor, id: i64) -> Result<Webhook> {
        let hook = self.webhook(actor, id).await?;
        let detail = json!({ "name": hook.name, "url": hook.url });
        let actor_owned = actor.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor_owned;
                tx.exec().execute(
                    "UPDATE jobs SET done_at = $1 WHERE kind = $2 AND done_at IS NULL AND job_key IN \
                     (SELECT 'webhook:' || CAST(id AS TEXT) FROM webhook_deliveries WHERE webhook_id = $3)",
                    args![Millis::now().0, WEBHOOK, id],
                )?;
                tx.exec().execute("DELETE FROM webhook_deliveries WHERE webhook_id = $1", args![id])?;
                tx.exec().execute("DELETE FROM webhooks WHERE id = $1", args![id])?;
                record(&mut tx, actor, "webhook", id, "deleted", detail)?;
                Ok(())
            })
            .await?;
        Ok(hook)
    }

    /// Sends a `ping` event to one webhook now, paused or not.
    #[tracing::instrument(skip_all)]
    pub async fn ping_webhook(&self, actor: &Actor, id: i64) -> Result<WebhookDelivery> {
        let hook = self.webhook(actor, id).await?;
        let actor_owned = actor.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor_owned;
                let event = WebhookEvent::ping(Millis::now().to_utc(), &hook.name);
                let source = record(&mut tx, actor, "webhook", id, "pinged", json!({}))?;
                enqueue(&mut tx, &[id], &event, &format!("ping.{source}"), None)?;
                Ok(())
            })
            .await?;
        self.latest_delivery(id).await
    }

    /// Sends a delivery's event again, as a new delivery with the same event id.
    #[tracing::instrument(skip_all)]
    pub async fn redeliver(&self, actor: &Actor, id: i64, delivery: i64) -> Result<WebhookDelivery> {
        self.webhook(actor, id).await?;
        let row: DeliveryRow = self
            .db
            .read(move |mut tx| {
                Ok(tx
                    .exec()
                    .optional(&format!("{DELIVERY_SELECT} WHERE id = $1 AND webhook_id = $2"), args![delivery, id])?)
            })
            .await?
            .ok_or(StoreError::NotFound("webhook delivery"))?;
        let event: WebhookEvent =
            serde_json::from_str(&row.payload).map_err(|e| StoreError::Corrupt(format!("delivery {delivery}: {e}")))?;
        let actor_owned = actor.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor_owned;
                enqueue(&mut tx, &[id], &event, &row.event_id, Some(delivery))?;
                record(&mut tx, actor, "webhook", id, "redelivered", json!({ "delivery": delivery }))?;
                Ok(())
            })
            .await?;
        self.latest_delivery(id).await
    }

    async fn latest_delivery(&self, webhook: i64) -> Result<WebhookDelivery> {
        self.db
            .write(move |mut tx| {
                let row: DeliveryRow = tx
                    .exec()
                    .optional(
                        &format!("{DELIVERY_SELECT} WHERE webhook_id = $1 ORDER BY id DESC LIMIT 1"),
                        args![webhook],
                    )?
                    .ok_or(StoreError::NotFound("webhook delivery"))?;
                row.try_into()
            })
            .await
    }

    /// A webhook's deliveries, newest first.
    #[tracing::instrument(skip_all)]
    pub async fn webhook_deliveries(&self, actor: &Actor, id: i64, page: PageRequest) -> Result<Page<WebhookDelivery>> {
        self.webhook(actor, id).await?;
        let total: i64 = self
            .db
            .read(move |mut tx| {
                Ok(tx.exec().scalar("SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = $1", args![id])?)
            })
            .await?;
        let rows: Vec<DeliveryRow> = self
            .db
            .read(move |mut tx| {
                Ok(tx.exec().all(
                    &format!("{DELIVERY_SELECT} WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3"),
                    args![id, page.limit(), page.offset()],
                )?)
            })
            .await?;
        let items = rows.into_iter().map(WebhookDelivery::try_from).collect::<Result<Vec<_>>>()?;
        Ok(Page::new(items, u64::try_from(total).unwrap_or(0), page))
    }

    /// What the `webhook` job with this payload sends; `None` when its webhook was deleted.
    #[tracing::instrument(skip_all)]
    pub async fn outbound(&self, job_payload: &str) -> Result<Option<Outbound>> {
        let job_payload = job_payload.to_owned();
        self.db
            .read(move |mut tx| {
                let job_payload: &str = &job_payload;
                #[derive(serde::Deserialize)]
                struct Payload {
                    delivery_id: i64,
                }

                crate::db::row! {
                    struct Row {
                        event_id: String,
                        url: String,
                        format: String,
                        secret: String,
                        active: bool,
                        payload: String,
                    }
                }
                let p: Payload =
                    serde_json::from_str(job_payload).map_err(|e| StoreError::Corrupt(format!("webhook job: {e}")))?;
                let row: Option<Row> = tx.exec().optional(
                    "SELECT d.event_id, w.url, w.format, w.secret, w.active, d.payload FROM webhook_deliveries d \
                     JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = $1",
                    args![p.delivery_id],
                )?;
                let Some(r) = row else { return Ok(None) };
                let corrupt = |what: &str| StoreError::Corrupt(format!("webhook delivery {}: {what}", p.delivery_id));
                Ok(Some(Outbound {
                    delivery_id: p.delivery_id,
                    event_id: r.event_id,
                    url: r.url,
                    format: WebhookFormat::parse(&r.format).ok_or_else(|| corrupt("format"))?,
                    secret: r.secret,
                    active: r.active,
                    payload: serde_json::from_str(&r.payload).map_err(|_| corrupt("payload"))?,
                }))
            })
            .await
    }

    /// Records how an attempt went.
    #[tracing::instrument(skip_all)]
    pub async fn record_attempt(&self, delivery: i64, attempt: &Attempt, now: Millis) -> Result<()> {
        let attempt = attempt.to_owned();
        self.db
            .write(move |mut tx| {
                let attempt: &Attempt = &attempt;
                // The receiver's words are shown on a page: kept short and printable.
                let response: String =
                    attempt.response.chars().filter(|c| !concentric_core::text::is_forbidden(*c)).take(1000).collect();
                tx.exec().execute(
                    "UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, last_attempt_at = $2, \
                     response_status = $3, response = $4, duration_ms = $5 WHERE id = $6",
                    args![
                        attempt.status.as_str(),
                        now.0,
                        attempt.response_status,
                        response,
                        attempt.duration_ms,
                        delivery
                    ],
                )?;
                Ok(())
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use concentric_core::time::Millis;
    use concentric_core::webhook::{WebhookEvent, WebhookEventKind};

    use crate::db::args;
    use crate::scratch::testing::{migrated, on_postgres};

    /// A webhook found by a filing's read and deleted before its write gets no delivery, and
    /// the write still succeeds; one still there gets its delivery and the job that sends it.
    async fn a_deleted_webhook_gets_no_delivery(like: &str) {
        let (scratch, store) = migrated(like).await;
        let counts = store
            .db
            .write(|mut tx| {
                for name in ["kept", "deleted"] {
                    tx.exec().execute(
                        "INSERT INTO webhooks (name, url, format, events, secret, created_at, updated_at) \
                             VALUES ($1, 'https://hooks.example/in', 'json', ',ping,', 's', 0, 0)",
                        args![name],
                    )?;
                }
                let hooks = super::subscribers(&mut tx, WebhookEventKind::Ping, &[])?;
                tx.exec().execute("DELETE FROM webhooks WHERE name = 'deleted'", args![])?;
                let event = WebhookEvent::ping(Millis::now().to_utc(), "both");
                super::enqueue(&mut tx, &hooks, &event, "ping.1", None)?;
                let deliveries: Vec<String> = tx.exec().scalars(
                    "SELECT w.name FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id",
                    args![],
                )?;
                let jobs: i64 =
                    tx.exec().scalar("SELECT COUNT(*) FROM jobs WHERE job_key LIKE 'webhook:%'", args![])?;
                Ok((hooks.len(), deliveries, jobs))
            })
            .await
            .expect("the write succeeds");
        assert_eq!(counts, (2, vec![String::from("kept")], 1));
        store.close().await;
        scratch.remove().await.expect("remove");
    }

    #[tokio::test]
    async fn deleted_webhook_on_sqlite() {
        a_deleted_webhook_gets_no_delivery("sqlite:").await;
    }

    #[tokio::test]
    async fn deleted_webhook_on_postgres() {
        on_postgres(|url| async move { a_deleted_webhook_gets_no_delivery(&url).await }).await;
    }
}
