//! Notifications: written in the transaction of the change they announce, once per person and
//! event (a unique `dedupe_key`), so a retried change never notifies twice.

use concentric_core::authz::Actor;
use concentric_core::notification::Notification;
use concentric_core::page::{Page, PageRequest};
use concentric_core::request::Request;
use concentric_core::time::Millis;
use concentric_core::PersonId;

use crate::db::{args, Tx};
use crate::{Result, Store};

/// What to tell people about a request.
pub(crate) struct Notice<'a> {
    kind: &'static str,
    request: &'a Request,
    summary: String,
    /// The event or comment behind the notice; with kind and person it makes the dedupe key.
    source: i64,
}

impl<'a> Notice<'a> {
    pub(crate) fn new(kind: &'static str, request: &'a Request, summary: String, source: i64) -> Self {
        Self { kind, request, summary, source }
    }
}

/// Notifies each recipient but the actor, at most once per notice.
pub(crate) async fn notify(tx: &mut Tx, actor: &Actor, recipients: &[PersonId], n: &Notice<'_>) -> Result<()> {
    let now = Millis::now().0;
    for person in recipients.iter().filter(|p| Some(**p) != actor.person_id) {
        let dedupe = format!("{}:{}:{}:{}", n.kind, n.request.id, n.source, person);
        tx.exec()
            .execute(
                "INSERT INTO notifications (person_id, kind, request_id, actor_id, summary, dedupe_key, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (dedupe_key) DO NOTHING",
                args![*person, n.kind, n.request.id, actor.person_id, &n.summary, dedupe, now],
            )
            .await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct NotificationRow {
    id: i64,
    kind: String,
    request_key: Option<String>,
    summary: String,
    created_at: i64,
    read_at: Option<i64>,
}

impl Store {
    /// The actor's notifications, newest first.
    pub async fn notifications(&self, actor: &Actor, page: PageRequest) -> Result<Page<Notification>> {
        let me = actor.person_id.map_or(-1, |p| p.0);
        let total: i64 =
            self.db.read().scalar("SELECT COUNT(*) FROM notifications WHERE person_id = $1", args![me]).await?;
        let rows: Vec<NotificationRow> = self
            .db
            .read()
            .all(
                "SELECT n.id, n.kind, r.key AS request_key, n.summary, n.created_at, n.read_at FROM notifications n \
                 LEFT JOIN requests r ON r.id = n.request_id WHERE n.person_id = $1 \
                 ORDER BY n.created_at DESC, n.id DESC LIMIT $2 OFFSET $3",
                args![me, page.limit(), page.offset()],
            )
            .await?;
        let items = rows
            .into_iter()
            .map(|r| Notification {
                id: r.id,
                kind: r.kind,
                request_key: r.request_key,
                summary: r.summary,
                created_at: Millis(r.created_at).to_utc(),
                read: r.read_at.is_some(),
            })
            .collect();
        Ok(Page::new(items, u64::try_from(total).unwrap_or(0), page))
    }

    pub async fn unread_notifications(&self, actor: &Actor) -> Result<i64> {
        let me = actor.person_id.map_or(-1, |p| p.0);
        Ok(self
            .db
            .read()
            .scalar("SELECT COUNT(*) FROM notifications WHERE person_id = $1 AND read_at IS NULL", args![me])
            .await?)
    }

    /// Marks one notification (or, with `None`, all of them) read. Only the actor's own.
    pub async fn mark_notifications_read(&self, actor: &Actor, id: Option<i64>) -> Result<u64> {
        let me = actor.person_id.map_or(-1, |p| p.0);
        Ok(self
            .db
            .write()
            .execute(
                "UPDATE notifications SET read_at = $1 WHERE person_id = $2 AND read_at IS NULL AND ($3 IS NULL OR id = $3)",
                args![Millis::now().0, me, id],
            )
            .await?)
    }
}
