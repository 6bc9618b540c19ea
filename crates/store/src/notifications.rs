//! Notifications: written in the transaction of the change they announce, once per person and
//! event (a unique `dedupe_key`), so a retried change never notifies twice.

use std::collections::HashMap;

use concentric_core::authz::Actor;
use concentric_core::mail::{next_digest_at, Letter, Mailbox, Outgoing};
use concentric_core::notification::{MailDelivery, Notice as Said, NoticeKind, Notification};
use concentric_core::page::{Page, PageRequest};
use concentric_core::time::Millis;
use concentric_core::PersonId;
use serde_json::json;

use crate::db::{args, Tx};
use crate::jobs::{schedule, schedule_unless_pending, DIGEST, MAIL};
use crate::{Result, Store, StoreError};

/// What to tell whom: a notice from `core`, the event or comment behind it (with kind and
/// person it makes the dedupe key), and its recipients.
pub(crate) struct Notice {
    said: Said,
    source: i64,
    recipients: Vec<PersonId>,
}

impl Notice {
    pub(crate) fn new(said: Said, source: i64) -> Self {
        Self { said, source, recipients: Vec::new() }
    }

    pub(crate) fn to(mut self, recipients: &[PersonId]) -> Self {
        self.recipients.extend_from_slice(recipients);
        self
    }

    fn dedupe_key(&self, person: PersonId) -> String {
        let subject = match (self.said.request(), self.said.commitment(), self.said.review()) {
            (Some(r), _, _) => r.id.to_string(),
            (None, Some(c), _) => format!("c{c}"),
            (None, None, Some(v)) => format!("v{v}"),
            (None, None, None) => String::from("-"),
        };
        format!("{}:{subject}:{}:{}", self.said.kind().as_str(), self.source, person)
    }
}

crate::db::row! {
    struct Inserted {
        id: i64,
        dedupe_key: String,
    }
}

crate::db::row! {
    struct Addressee {
        id: i64,
        name: String,
        email: String,
        time_zone: String,
        kind: Option<String>,
        delivery: Option<String>,
    }
}

/// Values per notification row in [`notify`]'s insert.
const NOTICE_WIDTH: usize = 10;

/// Notifies each recipient but the actor, at most once per notice: the bell in one statement,
/// then, when mail is on, each person's mail as they chose it (a mail job now, or a place in
/// their next daily digest).
pub(crate) fn notify(tx: &mut Tx, actor: &Actor, notices: &[Notice]) -> Result<()> {
    if notices.iter().all(|n| n.recipients.iter().all(|p| Some(*p) == actor.person_id)) {
        return Ok(());
    }
    // Which row went to whom is only needed for mail; with mail off it is never gathered.
    let mail = crate::ratings::setting(tx.exec(), "mail_enabled")?.as_deref() == Some("true");
    let now = Millis::now().0;
    let mut values = Vec::new();
    let mut keyed: HashMap<String, (&Notice, PersonId)> = HashMap::new();
    for n in notices {
        // What every recipient's row says alike is made once per notice.
        let said = serde_json::to_string(&n.said).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let summary = n.said.summary();
        for person in n.recipients.iter().filter(|p| Some(**p) != actor.person_id) {
            let dedupe = n.dedupe_key(*person);
            if mail {
                keyed.insert(dedupe.clone(), (n, *person));
            }
            values.extend(args![
                *person,
                n.said.kind().as_str(),
                n.said.request().map(|r| r.id),
                n.said.commitment(),
                n.said.review(),
                actor.person_id,
                &summary,
                dedupe,
                now,
                &said
            ]);
        }
    }
    let rows = crate::db::value_rows(values.len() / NOTICE_WIDTH, NOTICE_WIDTH);
    let insert = format!(
        "INSERT INTO notifications (person_id, kind, request_id, commitment_id, review_id, actor_id, summary, dedupe_key, created_at, notice) \
         VALUES {rows} ON CONFLICT (dedupe_key) DO NOTHING"
    );
    if !mail {
        tx.exec().execute(&insert, values)?;
        return Ok(());
    }
    let inserted: Vec<Inserted> = tx.exec().all(&format!("{insert} RETURNING id, dedupe_key"), values)?;
    send_by_mail(tx, &inserted, &keyed, now)
}

/// Queues the mail for notices just written, by each recipient's choice (mail is on).
fn send_by_mail(
    tx: &mut Tx,
    inserted: &[Inserted],
    keyed: &HashMap<String, (&Notice, PersonId)>,
    now: i64,
) -> Result<()> {
    if inserted.is_empty() {
        return Ok(());
    }
    let mut people: Vec<i64> = keyed.values().map(|(_, p)| p.0).collect();
    people.sort_unstable();
    people.dedup();
    let within = crate::db::in_ids(tx.backend(), "p.id", "$1");
    let addressees: Vec<Addressee> = tx.exec().all(
        &format!(
            "SELECT p.id, p.name, p.email, p.time_zone, mp.kind, mp.delivery FROM people p \
                 LEFT JOIN mail_preferences mp ON mp.person_id = p.id \
                 WHERE {within} AND p.active"
        ),
        vec![crate::db::id_list(people)],
    )?;
    if addressees.is_empty() {
        return Ok(());
    }
    let mut chosen: HashMap<(i64, &str), MailDelivery> = HashMap::new();
    let mut who: HashMap<i64, &Addressee> = HashMap::new();
    for a in &addressees {
        who.insert(a.id, a);
        if let (Some(kind), Some(delivery)) = (a.kind.as_deref(), a.delivery.as_deref().and_then(MailDelivery::parse)) {
            chosen.insert((a.id, kind), delivery);
        }
    }
    for row in inserted {
        let Some((notice, person)) = keyed.get(&row.dedupe_key) else { continue };
        let Some(to) = who.get(&person.0) else { continue };
        let kind: NoticeKind = notice.said.kind();
        let delivery = chosen.get(&(person.0, kind.as_str())).copied().unwrap_or_else(|| kind.default_delivery());
        match delivery {
            MailDelivery::Off => {}
            MailDelivery::Immediate => {
                let out = Outgoing {
                    to: Mailbox { name: to.name.clone(), email: to.email.clone() },
                    letter: Letter::Notice { notification: row.id, notice: notice.said.clone() },
                };
                let payload = serde_json::to_value(&out).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                schedule(tx, MAIL, &format!("mail:notice:{}", row.id), payload, Some(now))?;
                tx.exec().execute("UPDATE notifications SET channel = 'mail' WHERE id = $1", args![row.id])?;
            }
            MailDelivery::Digest => {
                let zone = to.time_zone.parse().unwrap_or(chrono_tz::UTC);
                let at = next_digest_at(Millis(now).to_utc(), zone).timestamp_millis();
                let key = format!("mail:digest:{}", person.0);
                schedule_unless_pending(tx, DIGEST, &key, json!({ "person_id": person.0 }), at)?;
                tx.exec().execute("UPDATE notifications SET channel = 'digest' WHERE id = $1", args![row.id])?;
            }
        }
    }
    Ok(())
}

crate::db::row! {
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
}

impl Store {
    /// The actor's notifications, newest first.
    #[tracing::instrument(skip_all)]
    pub async fn notifications(&self, actor: &Actor, page: PageRequest) -> Result<Page<Notification>> {
        let actor = actor.to_owned();
        self.db.read(move |mut tx| {
            let actor: &Actor = &actor;
            let me = actor.person_id.map_or(-1, |p| p.0);
            let total: i64 =
                tx.exec().scalar("SELECT COUNT(*) FROM notifications WHERE person_id = $1", args![me])?;
            let rows: Vec<NotificationRow> = tx.exec()
                .all(
                    "SELECT n.id, n.kind, r.key AS request_key, n.commitment_id, n.review_id, n.summary, n.created_at, n.read_at FROM notifications n \
                     LEFT JOIN requests r ON r.id = n.request_id WHERE n.person_id = $1 \
                     ORDER BY n.created_at DESC, n.id DESC LIMIT $2 OFFSET $3",
                    args![me, page.limit(), page.offset()],
                )?;
            let items = rows
                .into_iter()
                .map(|r| {
                    Ok(Notification {
                        id: r.id,
                        kind: NoticeKind::parse(&r.kind)
                            .ok_or_else(|| StoreError::Corrupt(format!("notice kind {}", r.kind)))?,
                        request_key: r.request_key,
                        commitment_id: r.commitment_id,
                        review_id: r.review_id,
                        summary: r.summary,
                        created_at: Millis(r.created_at).to_utc(),
                        read: r.read_at.is_some(),
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(Page::new(items, u64::try_from(total).unwrap_or(0), page))
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    pub async fn unread_notifications(&self, actor: &Actor) -> Result<i64> {
        let actor = actor.to_owned();
        self.db
            .read(move |mut tx| {
                let actor: &Actor = &actor;
                let me = actor.person_id.map_or(-1, |p| p.0);
                Ok(tx
                    .exec()
                    .scalar("SELECT COUNT(*) FROM notifications WHERE person_id = $1 AND read_at IS NULL", args![me])?)
            })
            .await
    }

    /// Marks one notification (or, with `None`, all of them) read. Only the actor's own.
    #[tracing::instrument(skip_all)]
    pub async fn mark_notifications_read(&self, actor: &Actor, id: Option<i64>) -> Result<u64> {
        let actor = actor.to_owned();
        self.db.write(move |mut tx| {
            let actor: &Actor = &actor;
            let me = actor.person_id.map_or(-1, |p| p.0);
            Ok(tx.exec()
                .execute(
                    "UPDATE notifications SET read_at = $1 WHERE person_id = $2 AND read_at IS NULL AND ($3 IS NULL OR id = $3)",
                    args![Millis::now().0, me, id],
                )?)
        })
        .await
    }
}
