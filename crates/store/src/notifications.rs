//! Notifications: written in the transaction of the change they announce, once per person and
//! event (a unique `dedupe_key`), so a retried change never notifies twice.

use concentric_core::authz::Actor;
use concentric_core::notification::Notification;
use concentric_core::page::{Page, PageRequest};
use concentric_core::time::Millis;
use concentric_core::{PersonId, RequestId};

use crate::db::{args, Tx};
use crate::{Result, Store};

/// What a notice is about: a request, a commitment, or a partnership review.
#[derive(Clone, Copy)]
enum Subject {
    Request(RequestId),
    Commitment(i64),
    Review(i64),
    /// Nothing to link: the notice says where to go (surveys).
    Nothing,
}

/// What to tell whom about a request or a commitment.
pub(crate) struct Notice {
    kind: &'static str,
    subject: Subject,
    summary: String,
    /// The event or comment behind the notice; with kind and person it makes the dedupe key.
    source: i64,
    recipients: Vec<PersonId>,
}

impl Notice {
    pub(crate) fn new(kind: &'static str, request: RequestId, summary: String, source: i64) -> Self {
        Self { kind, subject: Subject::Request(request), summary, source, recipients: Vec::new() }
    }

    pub(crate) fn about_commitment(kind: &'static str, commitment: i64, summary: String, source: i64) -> Self {
        Self { kind, subject: Subject::Commitment(commitment), summary, source, recipients: Vec::new() }
    }

    pub(crate) fn plain(kind: &'static str, summary: String, source: i64) -> Self {
        Self { kind, subject: Subject::Nothing, summary, source, recipients: Vec::new() }
    }

    pub(crate) fn about_review(kind: &'static str, review: i64, summary: String, source: i64) -> Self {
        Self { kind, subject: Subject::Review(review), summary, source, recipients: Vec::new() }
    }

    pub(crate) fn to(mut self, recipients: &[PersonId]) -> Self {
        self.recipients.extend_from_slice(recipients);
        self
    }
}

/// Notifies each recipient but the actor, at most once per notice, in one statement.
pub(crate) async fn notify(tx: &mut Tx, actor: &Actor, notices: &[Notice]) -> Result<()> {
    let now = Millis::now().0;
    let mut rows = Vec::new();
    let mut values = Vec::new();
    for n in notices {
        for person in n.recipients.iter().filter(|p| Some(**p) != actor.person_id) {
            let (request, commitment, review, subject) = match n.subject {
                Subject::Request(r) => (Some(r), None, None, r.to_string()),
                Subject::Commitment(c) => (None, Some(c), None, format!("c{c}")),
                Subject::Review(v) => (None, None, Some(v), format!("v{v}")),
                Subject::Nothing => (None, None, None, String::from("-")),
            };
            let dedupe = format!("{}:{subject}:{}:{}", n.kind, n.source, person);
            let base = values.len();
            let placeholders: Vec<String> = (1..=9).map(|i| format!("${}", base + i)).collect();
            rows.push(format!("({})", placeholders.join(", ")));
            values.extend(args![
                *person,
                n.kind,
                request,
                commitment,
                review,
                actor.person_id,
                &n.summary,
                dedupe,
                now
            ]);
        }
    }
    if rows.is_empty() {
        return Ok(());
    }
    tx.exec()
        .execute(
            &format!(
                "INSERT INTO notifications (person_id, kind, request_id, commitment_id, review_id, actor_id, summary, dedupe_key, created_at) \
                 VALUES {} ON CONFLICT (dedupe_key) DO NOTHING",
                rows.join(", ")
            ),
            values,
        )
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct NotificationRow {
    id: i64,
    kind: String,
    request_key: Option<String>,
    commitment_id: Option<i64>,
    review_id: Option<i64>,
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
                "SELECT n.id, n.kind, r.key AS request_key, n.commitment_id, n.review_id, n.summary, n.created_at, n.read_at FROM notifications n \
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
                commitment_id: r.commitment_id,
                review_id: r.review_id,
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
