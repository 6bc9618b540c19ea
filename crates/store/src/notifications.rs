//! Notifications: a notice is written once, in the transaction of the change it announces, with
//! a narrow row for each person it goes to. Its key names the event behind it, and a person holds
//! a notice once, so a retried change never notifies twice.

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
/// subject it makes the notice's key), and its recipients.
pub(crate) struct Notice {
    said: Said,
    source: i64,
    recipients: Vec<PersonId>,
    /// Set when the words are one person's own (their week): the key then names them too.
    personal: Option<PersonId>,
}

impl Notice {
    pub(crate) fn new(said: Said, source: i64) -> Self {
        Self { said, source, recipients: Vec::new(), personal: None }
    }

    /// A notice whose words are written for this one person.
    pub(crate) fn personal(said: Said, source: i64, person: PersonId) -> Self {
        Self { said, source, recipients: vec![person], personal: Some(person) }
    }

    pub(crate) fn to(mut self, recipients: &[PersonId]) -> Self {
        self.recipients.extend_from_slice(recipients);
        self
    }

    fn dedupe_key(&self) -> String {
        let subject = match (self.said.request(), self.said.commitment(), self.said.review()) {
            (Some(r), _, _) => r.id.to_string(),
            (None, Some(c), _) => format!("c{c}"),
            (None, None, Some(v)) => format!("v{v}"),
            (None, None, None) => String::from("-"),
        };
        let event = format!("{}:{subject}:{}", self.said.kind().as_str(), self.source);
        match self.personal {
            Some(person) => format!("{event}:{person}"),
            None => event,
        }
    }
}

crate::db::row! {
    struct Told {
        person_id: i64,
        notice_id: i64,
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

/// Values per row in [`notify`]'s insert of recipients.
const RECIPIENT_WIDTH: usize = 3;

/// One event's notice and everyone it goes to.
struct Event<'n> {
    notice: &'n Notice,
    key: String,
    to: Vec<PersonId>,
}

/// Notifies each recipient but the actor, at most once per notice: the notices, then the bell
/// rows of them all in one statement, then, when mail is on, each person's mail as they chose
/// it (a mail job now, or a place in their next daily digest).
pub(crate) fn notify(tx: &mut Tx, actor: &Actor, notices: &[Notice]) -> Result<()> {
    let events = events(actor, notices);
    if events.is_empty() {
        return Ok(());
    }
    let now = Millis::now().0;
    let ids = write_notices(tx, actor, &events, now)?;
    // Who wants which mail is only read with mail on.
    let mail = crate::ratings::setting(tx.exec(), "mail_enabled")?.as_deref() == Some("true");
    let choices = if mail { MailChoices::read(tx, &events)? } else { MailChoices::default() };
    let mut values = Vec::new();
    for (e, id) in events.iter().zip(&ids) {
        for person in &e.to {
            let channel = match choices.delivery(*person, e.notice.said.kind()) {
                MailDelivery::Off => "in_app",
                MailDelivery::Immediate => "mail",
                MailDelivery::Digest => "digest",
            };
            values.extend(args![*person, *id, channel]);
        }
    }
    let rows = crate::db::value_rows(values.len() / RECIPIENT_WIDTH, RECIPIENT_WIDTH);
    let insert = format!(
        "INSERT INTO notice_recipients (person_id, notice_id, channel) VALUES {rows} \
         ON CONFLICT (person_id, notice_id) DO NOTHING"
    );
    if !mail {
        tx.exec().execute(&insert, values)?;
        return Ok(());
    }
    // Mail goes only to those told now, not to those a retried change had told already.
    let told: Vec<Told> = tx.exec().all(&format!("{insert} RETURNING person_id, notice_id"), values)?;
    let said: HashMap<i64, &Said> = events.iter().zip(&ids).map(|(e, id)| (*id, &e.notice.said)).collect();
    for t in told {
        let (Some(said), Some(to)) = (said.get(&t.notice_id), choices.who.get(&t.person_id)) else { continue };
        match choices.delivery(PersonId(t.person_id), said.kind()) {
            MailDelivery::Off => {}
            MailDelivery::Immediate => {
                let out = Outgoing {
                    to: Mailbox { name: to.name.clone(), email: to.email.clone() },
                    letter: Letter::Notice { notification: t.notice_id, notice: (*said).clone() },
                };
                let payload = serde_json::to_value(&out).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let key = format!("mail:notice:{}:{}", t.notice_id, t.person_id);
                schedule(tx, MAIL, &key, payload, Some(now))?;
            }
            MailDelivery::Digest => {
                let zone = to.time_zone.parse().unwrap_or(chrono_tz::UTC);
                let at = next_digest_at(Millis(now).to_utc(), zone).timestamp_millis();
                let key = format!("mail:digest:{}", t.person_id);
                schedule_unless_pending(tx, DIGEST, &key, json!({ "person_id": t.person_id }), at)?;
            }
        }
    }
    Ok(())
}

/// The notices by event, each with its recipients but the actor, once each.
fn events<'n>(actor: &Actor, notices: &'n [Notice]) -> Vec<Event<'n>> {
    let mut events: Vec<Event> = Vec::with_capacity(notices.len());
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for n in notices {
        let to: Vec<PersonId> = n.recipients.iter().copied().filter(|p| Some(*p) != actor.person_id).collect();
        if to.is_empty() {
            continue;
        }
        let key = n.dedupe_key();
        match by_key.get(&key) {
            Some(&i) => events[i].to.extend(to),
            None => {
                by_key.insert(key.clone(), events.len());
                events.push(Event { notice: n, key, to });
            }
        }
    }
    for e in &mut events {
        e.to.sort_unstable();
        e.to.dedup();
    }
    events
}

/// Writes each event's notice (what every recipient is told alike, once) and returns their ids
/// in the events' order, finding those a retried change had written already. One row per
/// statement: a change tells of one or two events, and a one-row insert answers its id without
/// the table SQLite keeps for the rows of a `RETURNING`.
fn write_notices(tx: &mut Tx, actor: &Actor, events: &[Event], now: i64) -> Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(events.len());
    for e in events {
        let said = &e.notice.said;
        let text = serde_json::to_string(said).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let written = tx.exec().insert_new_id(
            "INSERT INTO notices (kind, request_id, commitment_id, review_id, actor_id, summary, notice, dedupe_key, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (dedupe_key) DO NOTHING",
            args![
                said.kind().as_str(),
                said.request().map(|r| r.id),
                said.commitment(),
                said.review(),
                actor.person_id,
                said.summary(),
                text,
                e.key.as_str(),
                now
            ],
        )?;
        ids.push(match written {
            Some(id) => id,
            None => tx.exec().scalar("SELECT id FROM notices WHERE dedupe_key = $1", args![e.key.as_str()])?,
        });
    }
    Ok(ids)
}

/// The recipients' addresses and mail choices, read when mail is on.
#[derive(Default)]
struct MailChoices {
    who: HashMap<i64, Addressee>,
    chosen: HashMap<(i64, NoticeKind), MailDelivery>,
}

impl MailChoices {
    fn read(tx: &mut Tx, events: &[Event]) -> Result<Self> {
        let mut people: Vec<i64> = events.iter().flat_map(|e| e.to.iter().map(|p| p.0)).collect();
        people.sort_unstable();
        people.dedup();
        let within = crate::db::in_ids(tx.backend(), "p.id", "$1");
        let rows: Vec<Addressee> = tx.exec().all(
            &format!(
                "SELECT p.id, p.name, p.email, p.time_zone, mp.kind, mp.delivery FROM people p \
                 LEFT JOIN mail_preferences mp ON mp.person_id = p.id \
                 WHERE {within} AND p.active"
            ),
            vec![crate::db::id_list(people)],
        )?;
        let mut choices = Self::default();
        for a in rows {
            let kind = a.kind.as_deref().and_then(NoticeKind::parse);
            if let (Some(kind), Some(delivery)) = (kind, a.delivery.as_deref().and_then(MailDelivery::parse)) {
                choices.chosen.insert((a.id, kind), delivery);
            }
            choices.who.insert(a.id, a);
        }
        Ok(choices)
    }

    /// How this notice reaches this person by mail: not at all unless they are an active
    /// addressee, else as they chose for its kind, else the kind's default.
    fn delivery(&self, person: PersonId, kind: NoticeKind) -> MailDelivery {
        if !self.who.contains_key(&person.0) {
            return MailDelivery::Off;
        }
        self.chosen.get(&(person.0, kind)).copied().unwrap_or_else(|| kind.default_delivery())
    }
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
                tx.exec().scalar("SELECT COUNT(*) FROM notice_recipients WHERE person_id = $1", args![me])?;
            // Notice ids grow with time, so the newest come first in the recipients' own order.
            let rows: Vec<NotificationRow> = tx.exec()
                .all(
                    "SELECT n.id, n.kind, r.key AS request_key, n.commitment_id, n.review_id, n.summary, n.created_at, nr.read_at \
                     FROM notice_recipients nr JOIN notices n ON n.id = nr.notice_id \
                     LEFT JOIN requests r ON r.id = n.request_id WHERE nr.person_id = $1 \
                     ORDER BY nr.notice_id DESC LIMIT $2 OFFSET $3",
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
                // Only what came after the last "mark all read" can be unread.
                Ok(tx.exec().scalar(
                    "SELECT COUNT(*) FROM notice_recipients WHERE person_id = $1 AND read_at IS NULL \
                     AND notice_id > COALESCE((SELECT read_through FROM notice_marks WHERE person_id = $1), 0)",
                    args![me],
                )?)
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
            let now = Millis::now().0;
            if let Some(id) = id {
                return Ok(tx.exec().execute(
                    "UPDATE notice_recipients SET read_at = $1 WHERE person_id = $2 AND notice_id = $3 AND read_at IS NULL",
                    args![now, me, id],
                )?);
            }
            let marked = tx.exec().execute(
                "UPDATE notice_recipients SET read_at = $1 WHERE person_id = $2 AND read_at IS NULL \
                 AND notice_id > COALESCE((SELECT read_through FROM notice_marks WHERE person_id = $2), 0)",
                args![now, me],
            )?;
            // On PostgreSQL a notice with a lower id may commit after this; it then shows unread
            // in the list but is not counted on the bell, which is the lesser surprise.
            tx.exec().execute(
                "INSERT INTO notice_marks (person_id, read_through) \
                 SELECT person_id, MAX(notice_id) FROM notice_recipients WHERE person_id = $1 GROUP BY person_id \
                 ON CONFLICT (person_id) DO UPDATE SET read_through = excluded.read_through",
                args![me],
            )?;
            Ok(marked)
        })
        .await
    }
}
