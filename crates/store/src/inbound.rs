//! Mail in as the store sees it: the routes from an address to a service, every received message
//! kept raw with what became of it, and the lookups threading needs. Parsing and deciding are in
//! `core::inbound` and the server; requests and replies go through the usual write paths.

use concentric_core::authz::Actor;
use concentric_core::time::Millis;
use concentric_core::{FieldError, Invalid, PersonId, RequestId, ServiceId};
use serde_json::json;

use crate::db::args;
use crate::events::record;
use crate::{Result, Store, StoreError};

crate::db::row! {
    /// An address that files requests with one service.
    #[derive(Debug, Clone)]
    pub struct MailRoute {
        pub id: i64,
        pub address: String,
        pub service_id: i64,
        pub team_key: String,
        pub team_name: String,
        pub service_slug: String,
        pub service_name: String,
    }
}

crate::db::row! {
    /// A received message as the admin page lists it.
    #[derive(Debug, Clone)]
    pub struct InboundMessage {
        pub id: i64,
        pub mailbox: String,
        pub sender: String,
        pub subject: String,
        pub size: i64,
        pub received_at: i64,
        pub outcome: Option<String>,
        pub detail: String,
        pub request_key: Option<String>,
    }
}

crate::db::row! {
    /// What the store knows of a request a reply points at.
    #[derive(Debug, Clone)]
    pub struct ThreadTarget {
        pub id: i64,
        pub key: String,
        pub service_id: i64,
    }
}

/// What may happen to a reply from someone in the directory who is not part of the request.
pub const OUTSIDERS_REFUSE: &str = "refuse";
/// They join as a watcher, when their mail answers one of the conversation's messages.
pub const OUTSIDERS_WATCH: &str = "watch";

/// What may happen to mail from an address that belongs to nobody in the directory.
pub const UNKNOWN_REFUSE: &str = "refuse";
pub const UNKNOWN_CREATE: &str = "create";

impl Store {
    /// Keeps a received message before anything is done with it. `None` when a message with the
    /// same id was kept before (fetched twice, or by two nodes): it is handled once.
    #[tracing::instrument(skip_all)]
    pub async fn keep_inbound(
        &self,
        message_id: &str,
        mailbox: &str,
        sender: &str,
        subject: &str,
        raw: &[u8],
        now: Millis,
    ) -> Result<Option<i64>> {
        let message_id = message_id.to_owned();
        let mailbox = mailbox.to_owned();
        let sender = sender.to_owned();
        let subject = subject.to_owned();
        let raw = raw.to_owned();
        self.db
            .write(move |mut tx| {
                let message_id: &str = &message_id;
                let mailbox: &str = &mailbox;
                let sender: &str = &sender;
                let subject: &str = &subject;
                let raw: &[u8] = &raw;
                let size = i64::try_from(raw.len()).unwrap_or(i64::MAX);
                Ok(tx.exec().insert_new_id(
                    "INSERT INTO inbound_mail (message_id, mailbox, sender, subject, raw, size, received_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (message_id) DO NOTHING",
                    args![message_id, mailbox, sender, subject, raw.to_vec(), size, now.0],
                )?)
            })
            .await
    }

    /// Records what became of a kept message.
    #[tracing::instrument(skip_all)]
    pub async fn settle_inbound(
        &self,
        id: i64,
        outcome: &str,
        detail: &str,
        request: Option<RequestId>,
        person: Option<PersonId>,
    ) -> Result<()> {
        let outcome = outcome.to_owned();
        let detail = detail.to_owned();
        self.db
            .write(move |mut tx| {
                let outcome: &str = &outcome;
                let detail: &str = &detail;
                tx.exec().execute(
                    "UPDATE inbound_mail SET outcome = $1, detail = $2, request_id = $3, person_id = $4 WHERE id = $5",
                    args![outcome, detail, request, person, id],
                )?;
                Ok(())
            })
            .await
    }

    /// The request an earlier message of the conversation (one that came in) belongs to.
    #[tracing::instrument(skip_all)]
    pub async fn request_of_messages(&self, message_ids: &[String]) -> Result<Option<RequestId>> {
        let message_ids = message_ids.to_owned();
        self.db
            .read(move |mut tx| {
                let message_ids: &[String] = &message_ids;
                if message_ids.is_empty() {
                    return Ok(None);
                }
                let placeholders: Vec<String> = (1..=message_ids.len()).map(|i| format!("${i}")).collect();
                let values = message_ids.iter().map(|m| crate::db::Arg::from(m.as_str())).collect();
                Ok(tx
                    .exec()
                    .scalar_opt::<i64>(
                        &format!(
                            "SELECT request_id FROM inbound_mail WHERE request_id IS NOT NULL AND message_id IN ({}) \
                         ORDER BY id DESC LIMIT 1",
                            placeholders.join(", ")
                        ),
                        values,
                    )?
                    .map(RequestId))
            })
            .await
    }

    /// A request by id or key, for threading (no permission check: the reply path checks the
    /// sender's access through the usual write).
    #[tracing::instrument(skip_all)]
    pub async fn thread_target(&self, id: Option<RequestId>, key: Option<&str>) -> Result<Option<ThreadTarget>> {
        let key = key.map(ToOwned::to_owned);
        self.db
            .read(move |mut tx| {
                let key: Option<&str> = key.as_deref();
                Ok(tx.exec().optional(
                    "SELECT id, key, service_id FROM requests WHERE id = $1 OR key = $2 LIMIT 1",
                    args![id.map_or(-1, |r| r.0), key.unwrap_or("")],
                )?)
            })
            .await
    }

    /// The service an address files requests with.
    #[tracing::instrument(skip_all)]
    pub async fn mail_route(&self, address: &str) -> Result<Option<ServiceId>> {
        let address = address.to_owned();
        self.db
            .read(move |mut tx| {
                let address: &str = &address;
                Ok(tx
                    .exec()
                    .scalar_opt::<i64>("SELECT service_id FROM mail_routes WHERE address = $1", args![address])?
                    .map(ServiceId))
            })
            .await
    }

    #[tracing::instrument(skip_all)]
    pub async fn mail_routes(&self) -> Result<Vec<MailRoute>> {
        self.db.read(move |mut tx| {
            Ok(tx.exec()
                .all(
                    "SELECT m.id, m.address, m.service_id, t.key AS team_key, t.name AS team_name, s.slug AS service_slug, \
                     s.name AS service_name FROM mail_routes m JOIN services s ON s.id = m.service_id \
                     JOIN teams t ON t.id = s.team_id ORDER BY m.address",
                    args![],
                )?)
        })
        .await
    }

    /// Routes an address (`it-help@example.com`) to a team's service. Admins only.
    #[tracing::instrument(skip_all)]
    pub async fn add_mail_route(&self, actor: &Actor, address: &str, service: ServiceId) -> Result<MailRoute> {
        actor.require_admin("route mail to services")?;
        let address = concentric_core::inbound::base_address(address);
        let valid =
            address.split_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !address.contains(' '));
        if !valid {
            return Err(Invalid::one("address", "give a mail address such as it-help@example.com").into());
        }
        let actor_owned = actor.to_owned();
        let address_owned = address.to_owned();
        let id = self
            .db
            .write(move |mut tx| {
                let actor: &Actor = &actor_owned;
                let address: &str = &address_owned;
                let id: Option<i64> = tx.exec().insert_new_id(
                    "INSERT INTO mail_routes (address, service_id, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (address) DO NOTHING",
                    args![address, service, Millis::now().0],
                )?;
                let Some(id) = id else {
                    return Err(Invalid::one(
                        "address",
                        format!("{address} already files requests with another service"),
                    )
                    .into());
                };
                record(&mut tx, actor, "service", service.0, "mail_routed", json!({ "address": address }))?;
                Ok(id)
            })
            .await?;
        self.mail_routes().await?.into_iter().find(|r| r.id == id).ok_or(StoreError::NotFound("mail route"))
    }

    #[tracing::instrument(skip_all)]
    pub async fn remove_mail_route(&self, actor: &Actor, id: i64) -> Result<()> {
        let actor = actor.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                actor.require_admin("route mail to services")?;
                let n = tx.exec().execute("DELETE FROM mail_routes WHERE id = $1", args![id])?;
                if n == 0 {
                    return Err(StoreError::NotFound("mail route"));
                }
                Ok(())
            })
            .await
    }

    /// What happens to mail from unknown addresses: `refuse` (a polite answer) or `create` (the
    /// sender joins the directory as a requester).
    #[tracing::instrument(skip_all)]
    pub async fn unknown_sender_policy(&self) -> Result<String> {
        self.db
            .read(move |mut tx| {
                let v = crate::ratings::setting(tx.exec(), "mail_unknown_senders")?;
                Ok(v.filter(|v| v == UNKNOWN_CREATE).unwrap_or_else(|| UNKNOWN_REFUSE.to_owned()))
            })
            .await
    }

    /// What happens to a reply from someone in the directory who is not part of its request:
    /// `refuse` (a polite answer) or `watch` (they join as a watcher, when the mail answers one of
    /// the conversation's messages; a key in the subject alone never lets anyone in).
    #[tracing::instrument(skip_all)]
    pub async fn outsider_reply_policy(&self) -> Result<String> {
        self.db
            .read(move |mut tx| {
                let v = crate::ratings::setting(tx.exec(), "mail_outsider_replies")?;
                Ok(v.filter(|v| v == OUTSIDERS_WATCH).unwrap_or_else(|| OUTSIDERS_REFUSE.to_owned()))
            })
            .await
    }

    /// Sets both policies for mail from people outside: every problem at once, nothing changed
    /// unless both are valid.
    #[tracing::instrument(skip_all)]
    pub async fn set_mail_intake(&self, actor: &Actor, unknown_senders: &str, outsider_replies: &str) -> Result<()> {
        let actor = actor.to_owned();
        let unknown_senders = unknown_senders.to_owned();
        let outsider_replies = outsider_replies.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                let unknown_senders: &str = &unknown_senders;
                let outsider_replies: &str = &outsider_replies;
                actor.require_admin("change how mail from people outside a request is handled")?;
                let mut errors = Vec::new();
                if unknown_senders != UNKNOWN_REFUSE && unknown_senders != UNKNOWN_CREATE {
                    errors.push(FieldError::new("unknown_senders", "choose refuse or create"));
                }
                if outsider_replies != OUTSIDERS_REFUSE && outsider_replies != OUTSIDERS_WATCH {
                    errors.push(FieldError::new("outsider_replies", "choose refuse or watch"));
                }
                if !errors.is_empty() {
                    return Err(Invalid(errors).into());
                }
                let now = Millis::now();
                crate::ratings::put_setting(tx.exec(), "mail_unknown_senders", unknown_senders, now)?;
                crate::ratings::put_setting(tx.exec(), "mail_outsider_replies", outsider_replies, now)?;
                let detail = json!({ "unknown_senders": unknown_senders, "outsider_replies": outsider_replies });
                record(&mut tx, actor, "settings", 0, "mail_intake", detail)?;
                Ok(())
            })
            .await
    }

    /// The newest received messages, for the admin page.
    #[tracing::instrument(skip_all)]
    pub async fn recent_inbound(&self, limit: i64) -> Result<Vec<InboundMessage>> {
        self.db.read(move |mut tx| {
            Ok(tx.exec()
                .all(
                    "SELECT i.id, i.mailbox, i.sender, i.subject, i.size, i.received_at, i.outcome, i.detail, r.key AS request_key \
                     FROM inbound_mail i LEFT JOIN requests r ON r.id = i.request_id ORDER BY i.id DESC LIMIT $1",
                    args![limit],
                )?)
        })
        .await
    }

    /// A kept message's raw bytes (admins), to see exactly what arrived.
    #[tracing::instrument(skip_all)]
    pub async fn inbound_raw(&self, actor: &Actor, id: i64) -> Result<Vec<u8>> {
        let actor = actor.to_owned();
        self.db
            .read(move |mut tx| {
                let actor: &Actor = &actor;
                actor.require_admin("read received mail")?;
                tx.exec()
                    .scalar_opt::<Vec<u8>>("SELECT raw FROM inbound_mail WHERE id = $1", args![id])?
                    .ok_or(StoreError::NotFound("message"))
            })
            .await
    }
}
