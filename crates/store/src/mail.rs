//! Mail as the store sees it: whether it is on, what each person wants by mail, the queue of
//! mail jobs, and the notices waiting for a person's daily digest. Sending is the server's.

use concentric_core::authz::{Actor, Forbidden};
use concentric_core::mail::{Letter, Mailbox, Outgoing};
use concentric_core::notification::{MailDelivery, MailPreference, Notice, NoticeKind};
use concentric_core::time::Millis;
use concentric_core::PersonId;
use serde_json::json;

use crate::db::args;
use crate::events::record;
use crate::jobs::{schedule, MAIL};
use crate::people::person_by_id;
use crate::{Result, Store, StoreError};

crate::db::row! {
    /// The mail queue at a glance, for the admin page.
    #[derive(Debug, Clone, Default)]
    pub struct MailQueue {
        pub waiting: i64,
        pub failed: i64,
        pub sent_last_day: i64,
        /// The newest error of a mail still being retried or given up.
        pub last_error: Option<String>,
    }
}

crate::db::row! {
    struct DigestRow {
        id: i64,
        notice: Option<String>,
    }
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

impl Store {
    /// Records whether outgoing mail is configured; `serve` says so on start. While it is off,
    /// notices stay in the bell and nothing piles up in the queue.
    #[tracing::instrument(skip_all)]
    pub async fn set_mail_enabled(&self, on: bool) -> Result<()> {
        self.db
            .write(move |mut tx| {
                crate::ratings::put_setting(tx.exec(), "mail_enabled", if on { "true" } else { "false" }, Millis::now())
            })
            .await
    }

    /// A person's mail choices, every kind listed (unchosen ones at their default).
    #[tracing::instrument(skip_all)]
    pub async fn mail_preferences(&self, actor: &Actor, person: PersonId) -> Result<Vec<MailPreference>> {
        let actor = actor.to_owned();
        self.db
            .read(move |mut tx| {
                let actor: &Actor = &actor;
                if !(actor.is_admin || actor.is_person(person)) {
                    return Err(Forbidden("see this person's mail settings").into());
                }
                let rows: Vec<(String, String)> =
                    tx.exec().all("SELECT kind, delivery FROM mail_preferences WHERE person_id = $1", args![person])?;
                let chosen: Vec<MailPreference> = rows
                    .into_iter()
                    .filter_map(|(k, d)| {
                        Some(MailPreference { kind: NoticeKind::parse(&k)?, delivery: MailDelivery::parse(&d)? })
                    })
                    .collect();
                Ok(MailPreference::complete(&chosen))
            })
            .await
    }

    /// Sets some of a person's mail choices; kinds left out keep theirs.
    #[tracing::instrument(skip_all)]
    pub async fn set_mail_preferences(
        &self,
        actor: &Actor,
        person: PersonId,
        prefs: &[MailPreference],
    ) -> Result<Vec<MailPreference>> {
        if !(actor.is_admin || actor.is_person(person)) {
            return Err(Forbidden("change this person's mail settings").into());
        }
        let actor_owned = actor.to_owned();
        let prefs_owned = prefs.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor_owned;
                let prefs: &[MailPreference] = &prefs_owned;
                person_by_id(tx.exec(), person)?;
                for p in prefs {
                    tx.exec().execute(
                        "INSERT INTO mail_preferences (person_id, kind, delivery) VALUES ($1, $2, $3) \
                         ON CONFLICT (person_id, kind) DO UPDATE SET delivery = excluded.delivery",
                        args![person, p.kind.as_str(), p.delivery.as_str()],
                    )?;
                }
                let changed: serde_json::Map<String, serde_json::Value> =
                    prefs.iter().map(|p| (p.kind.as_str().to_owned(), json!(p.delivery.as_str()))).collect();
                record(&mut tx, actor, "person", person.0, "mail_preferences", json!(changed))?;
                Ok(())
            })
            .await?;
        self.mail_preferences(actor, person).await
    }

    /// Queues one mail under a unique key (queuing the same key again replaces it).
    #[tracing::instrument(skip_all)]
    pub async fn queue_mail(&self, key: &str, out: &Outgoing) -> Result<()> {
        let key = key.to_owned();
        let out = out.to_owned();
        self.db
            .write(move |mut tx| {
                let key: &str = &key;
                let out: &Outgoing = &out;
                let payload = serde_json::to_value(out).map_err(corrupt)?;
                schedule(&mut tx, MAIL, key, payload, Some(Millis::now().0))?;
                Ok(())
            })
            .await
    }

    /// The notices waiting for a person's digest, as one letter, and their ids to mark once it
    /// is sent. `None` when nothing waits (or the person is gone).
    #[tracing::instrument(skip_all)]
    pub async fn take_digest(&self, person: PersonId) -> Result<Option<(Outgoing, Vec<i64>)>> {
        self.db
            .read(move |mut tx| {
                let Ok(who) = person_by_id(tx.exec(), person) else { return Ok(None) };
                if !who.active {
                    return Ok(None);
                }
                let rows: Vec<DigestRow> = tx.exec().all(
                    "SELECT n.id, n.notice FROM notice_recipients nr JOIN notices n ON n.id = nr.notice_id \
                     WHERE nr.person_id = $1 AND nr.channel = 'digest' AND nr.digested_at IS NULL \
                     ORDER BY nr.notice_id LIMIT 200",
                    args![person],
                )?;
                let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
                let notices: Vec<Notice> =
                    rows.iter().filter_map(|r| serde_json::from_str(r.notice.as_deref()?).ok()).collect();
                if notices.is_empty() {
                    return Ok(None);
                }
                let to = Mailbox { name: who.name, email: who.email };
                Ok(Some((Outgoing { to, letter: Letter::Digest { notices } }, ids)))
            })
            .await
    }

    /// Marks a person's notices as gone out in their digest.
    #[tracing::instrument(skip_all)]
    pub async fn mark_digested(&self, person: PersonId, ids: &[i64], now: Millis) -> Result<()> {
        let ids = ids.to_owned();
        self.db
            .write(move |mut tx| {
                let ids: &[i64] = &ids;
                if ids.is_empty() {
                    return Ok(());
                }
                let within = crate::db::in_ids(tx.backend(), "notice_id", "$3");
                tx.exec().execute(
                    &format!("UPDATE notice_recipients SET digested_at = $1 WHERE person_id = $2 AND {within}"),
                    vec![now.0.into(), person.0.into(), crate::db::id_list(ids.iter().copied())],
                )?;
                Ok(())
            })
            .await
    }

    /// The mail queue's state: waiting, given up, sent in the last day, and the newest error.
    #[tracing::instrument(skip_all)]
    pub async fn mail_queue(&self, now: Millis) -> Result<MailQueue> {
        self.db.read(move |mut tx| {
            Ok(tx.exec()
                .optional(
                    "SELECT COALESCE(SUM(CASE WHEN done_at IS NULL AND failed_at IS NULL THEN 1 ELSE 0 END), 0) AS waiting, \
                     COALESCE(SUM(CASE WHEN failed_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS failed, \
                     COALESCE(SUM(CASE WHEN done_at IS NOT NULL AND done_at > $1 THEN 1 ELSE 0 END), 0) AS sent_last_day, \
                     (SELECT last_error FROM jobs WHERE kind IN ('mail', 'digest') AND last_error IS NOT NULL AND done_at IS NULL \
                      ORDER BY id DESC LIMIT 1) AS last_error \
                     FROM jobs WHERE kind IN ('mail', 'digest')",
                    args![now.0 - 86_400_000],
                )?
                .unwrap_or_default())
        })
        .await
    }
}
