//! Mail in: one received message becomes a new request, a reply on the request it answers, or
//! nothing (machine mail, a stranger, a message that cannot be read), and every message is kept
//! raw first, so nothing is lost and a failure can be looked at. Used by the IMAP poller and by
//! `concentric mail receive` (an MTA pipe).

use concentric_core::authz::Actor;
use concentric_core::inbound::{
    base_address, key_in_address, key_in_subject, machine_mail, referenced_requests, trim_reply, Facts,
};
use concentric_core::mail::{Letter, Mailbox, Outgoing};
use concentric_core::person::{NewPerson, DEFAULT_CAPACITY_HOURS};
use concentric_core::request::{CommentKind, NewRequest};
use concentric_core::time::Millis;
use concentric_core::{PersonId, RequestId, ServiceId};
use concentric_store::{Store, StoreError, ThreadTarget, OUTSIDERS_WATCH, UNKNOWN_CREATE};
use mail_parser::{HeaderValue, MessageParser, MimeHeaders};
use sha2::{Digest, Sha256};

use crate::state::AppState;

/// Messages larger than this are kept only up to it and refused: a mail system's usual limit.
pub const MAX_MESSAGE_BYTES: usize = 25 * 1024 * 1024;

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// `created`, `replied`, `ignored`, `refused`, `failed`, or `duplicate` (seen before).
    pub outcome: &'static str,
    pub detail: String,
    pub request_key: Option<String>,
}

impl Received {
    fn new(outcome: &'static str, detail: impl Into<String>, request_key: Option<String>) -> Self {
        Self { outcome, detail: detail.into(), request_key }
    }
}

/// What threading and filing need from a parsed message.
struct Parsed {
    message_id: String,
    sender: String,
    sender_name: String,
    subject: String,
    recipients: Vec<String>,
    /// `In-Reply-To` first, then `References` newest first, with angle brackets.
    thread_ids: Vec<String>,
    body: String,
    attachments: Vec<(String, Vec<u8>)>,
    machine: Option<&'static str>,
}

fn bracketed(id: &str) -> String {
    format!("<{}>", id.trim().trim_matches(['<', '>']))
}

fn text_list(v: &HeaderValue<'_>) -> Vec<String> {
    v.as_text_list().map(|l| l.iter().map(|s| bracketed(s)).collect()).unwrap_or_default()
}

fn parse(raw: &[u8]) -> Option<Parsed> {
    let msg = MessageParser::default().parse(raw)?;
    // Bytes with no header lines at all are not mail, however leniently they parse.
    if msg.from().is_none() && msg.subject().is_none() && msg.message_id().is_none() {
        return None;
    }
    let from = msg.from().and_then(|a| a.first());
    let sender = from.and_then(|a| a.address()).unwrap_or_default().trim().to_lowercase();
    let sender_name = from.and_then(|a| a.name()).unwrap_or_default().trim().to_owned();
    let subject = msg.subject().unwrap_or_default().trim().to_owned();
    let mut recipients = Vec::new();
    for list in [msg.to(), msg.cc()].into_iter().flatten() {
        recipients.extend(list.iter().filter_map(|a| a.address()).map(str::to_lowercase));
    }
    for name in ["Delivered-To", "X-Original-To"] {
        if let Some(v) = msg.header_raw(name) {
            recipients.push(v.trim().trim_matches(['<', '>']).to_lowercase());
        }
    }
    let mut thread_ids = text_list(msg.in_reply_to());
    let mut refs = text_list(msg.references());
    refs.reverse();
    thread_ids.extend(refs);
    let content_type = msg.content_type().map(|c| match c.subtype() {
        Some(sub) => format!("{}/{sub}", c.ctype()),
        None => c.ctype().to_owned(),
    });
    let return_path = msg.return_path().as_text().map(|r| if r.is_empty() { "<>".to_owned() } else { r.to_owned() });
    let raw_header = |name: &'static str| msg.header_raw(name).map(str::trim);
    let facts = Facts {
        from: &sender,
        subject: &subject,
        auto_submitted: raw_header("Auto-Submitted"),
        precedence: raw_header("Precedence"),
        autoreply_header: ["X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"]
            .iter()
            .any(|h| msg.header_raw(*h).is_some()),
        content_type: content_type.as_deref(),
        return_path: return_path.as_deref(),
    };
    let machine = machine_mail(&facts);
    let body = msg.body_text(0).map(|b| b.into_owned()).unwrap_or_default();
    let attachments = msg
        .attachments()
        .filter(|a| !a.is_message())
        .map(|a| (a.attachment_name().unwrap_or("attachment").to_owned(), a.contents().to_vec()))
        .filter(|(_, data)| !data.is_empty())
        .collect();
    let message_id = match msg.message_id() {
        Some(id) if !id.trim().is_empty() => bracketed(id),
        _ => format!("<sha256-{}@concentric.invalid>", hex(&Sha256::digest(raw))),
    };
    Some(Parsed { message_id, sender, sender_name, subject, recipients, thread_ids, body, attachments, machine })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Receives one raw message from `mailbox` (a name for the log: the IMAP folder, or `stdin`).
pub async fn receive(state: &AppState, mailbox: &str, raw: &[u8]) -> Result<Received, StoreError> {
    let store = &state.store;
    let now = Millis::now();
    let kept = &raw[..raw.len().min(MAX_MESSAGE_BYTES)];
    let Some(p) = parse(raw) else {
        // Unreadable: kept under a digest of its bytes and reported, never dropped.
        let id = format!("<sha256-{}@concentric.invalid>", hex(&Sha256::digest(raw)));
        let Some(row) = store.keep_inbound(&id, mailbox, "", "", kept, now).await? else {
            return Ok(Received::new("duplicate", "seen before", None));
        };
        tracing::warn!(mailbox, bytes = raw.len(), "a received message could not be parsed; it is kept");
        store.settle_inbound(row, "failed", "the message could not be read as mail", None, None).await?;
        return Ok(Received::new("failed", "the message could not be read as mail", None));
    };
    let Some(row) = store.keep_inbound(&p.message_id, mailbox, &p.sender, &p.subject, kept, now).await? else {
        return Ok(Received::new("duplicate", "seen before", None));
    };
    let outcome = handle(state, &p, raw.len()).await;
    let (received, person) = match outcome {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(mailbox, message = %p.message_id, error = %e, "a received message failed");
            (Received::new("failed", e.to_string(), None), None)
        }
    };
    let request = match &received.request_key {
        Some(key) => store.thread_target(None, Some(key)).await?.map(|t| RequestId(t.id)),
        None => None,
    };
    store.settle_inbound(row, received.outcome, &received.detail, request, person).await?;
    metrics::counter!("concentric_mail_received_total", "outcome" => received.outcome).increment(1);
    Ok(received)
}

async fn handle(state: &AppState, p: &Parsed, size: usize) -> Result<(Received, Option<PersonId>), StoreError> {
    let store = &state.store;
    if let Some(why) = p.machine {
        return Ok((Received::new("ignored", format!("{why}: never answered"), None), None));
    }
    if p.sender.is_empty() {
        return Ok((Received::new("failed", "the message has no sender address", None), None));
    }
    if size > MAX_MESSAGE_BYTES {
        refuse(state, p, "it is larger than 25 MB").await?;
        return Ok((Received::new("refused", "larger than 25 MB", None), None));
    }
    let target = thread(store, p).await?;
    let person = match store.person_by_email(&p.sender).await {
        Ok(person) if person.active => Some(person.id),
        Ok(_) => None,
        Err(StoreError::NotFound(_)) => None,
        Err(e) => return Err(e),
    };
    let person = match person {
        Some(id) => id,
        None if store.unknown_sender_policy().await? == UNKNOWN_CREATE && target.is_none() => {
            let name = if p.sender_name.is_empty() { p.sender.clone() } else { p.sender_name.clone() };
            let new = NewPerson {
                email: p.sender.clone(),
                name,
                title: String::new(),
                manager_email: None,
                time_zone: "UTC".into(),
                weekly_capacity_hours: DEFAULT_CAPACITY_HOURS,
                is_admin: false,
            };
            store.create_person(&Actor::system(), new).await?.id
        }
        None => {
            refuse(state, p, "your address is not in this organisation's directory").await?;
            return Ok((Received::new("refused", "unknown sender", None), None));
        }
    };
    let actor = store.actor_for(person).await?;
    match target {
        Some(t) => reply(state, p, &actor, t).await.map(|r| (r, Some(person))),
        None => {
            let routed = p.recipients.iter().map(|r| base_address(r));
            let mut service = None;
            for address in routed {
                if let Some(s) = store.mail_route(&address).await? {
                    service = Some(s);
                    break;
                }
            }
            let Some(service) = service else {
                refuse(state, p, "no team takes requests at this address").await?;
                return Ok((Received::new("refused", "no route for the address", None), Some(person)));
            };
            create(state, p, &actor, service, None).await.map(|r| (r, Some(person)))
        }
    }
}

/// The request a message answers, and whether it answers one of the conversation's messages
/// (by id) rather than naming the request's key.
struct Thread {
    target: ThreadTarget,
    answers_a_message: bool,
}

/// The request a message answers: our own ids in `In-Reply-To`/`References` first, then ids of
/// earlier incoming messages of the conversation, then a key in a reply address or in brackets in
/// the subject. Never the subject's words.
async fn thread(store: &Store, p: &Parsed) -> Result<Option<Thread>, StoreError> {
    let by_id = |target| Some(Thread { target, answers_a_message: true });
    for id in referenced_requests(p.thread_ids.iter().map(String::as_str)) {
        if let Some(t) = store.thread_target(Some(id), None).await? {
            return Ok(by_id(t));
        }
    }
    if let Some(id) = store.request_of_messages(&p.thread_ids).await? {
        if let Some(t) = store.thread_target(Some(id), None).await? {
            return Ok(by_id(t));
        }
    }
    let key = p.recipients.iter().find_map(|r| key_in_address(r)).or_else(|| key_in_subject(&p.subject));
    let Some(key) = key else { return Ok(None) };
    Ok(store.thread_target(None, Some(&key)).await?.map(|target| Thread { target, answers_a_message: false }))
}

async fn reply(state: &AppState, p: &Parsed, actor: &Actor, thread: Thread) -> Result<Received, StoreError> {
    let store = &state.store;
    let t = thread.target;
    let body = trim_reply(&p.body);
    let body = if body.is_empty() { String::from("(an empty reply by mail)") } else { body };
    let window = state.config.reopen_window_ms();
    let mut joined = false;
    let mut added = store.add_comment(actor, &t.key, CommentKind::Reply, &body, window).await;
    if matches!(added, Err(StoreError::NotFound(_) | StoreError::Forbidden(_)))
        && thread.answers_a_message
        && store.outsider_reply_policy().await? == OUTSIDERS_WATCH
    {
        // Someone a party copied in: they join as a watcher, then their answer is a reply.
        store.add_watcher(&Actor::system(), &t.key, &p.sender).await?;
        joined = true;
        added = store.add_comment(actor, &t.key, CommentKind::Reply, &body, window).await;
    }
    match added {
        Ok(_) => {
            attach(store, actor, &t.key, &p.attachments).await;
            let detail = match joined {
                true => format!("joined {} as a watcher and replied", t.key),
                false => format!("a reply on {}", t.key),
            };
            Ok(Received::new("replied", detail, Some(t.key)))
        }
        // Past the reopen window (or closed): the answer starts a follow-up in the same service.
        Err(StoreError::IllegalTransition(_)) => create(state, p, actor, ServiceId(t.service_id), Some(&t.key)).await,
        Err(StoreError::NotFound(_) | StoreError::Forbidden(_)) => {
            refuse(state, p, &format!("you are not part of {}", t.key)).await?;
            Ok(Received::new("refused", format!("the sender is not part of {}", t.key), None))
        }
        Err(e) => Err(e),
    }
}

async fn create(
    state: &AppState,
    p: &Parsed,
    actor: &Actor,
    service: ServiceId,
    follow_up: Option<&str>,
) -> Result<Received, StoreError> {
    let store = &state.store;
    let mut description = trim_reply(&p.body);
    if let Some(old) = follow_up {
        description = format!("A follow-up to {old}, which was already closed.\n\n{description}");
    }
    let subject = match p.subject.trim() {
        "" => String::from("(no subject)"),
        s => s.chars().take(200).collect(),
    };
    let new = NewRequest { subject, description, priority: None, on_behalf_of: None, fields: Default::default() };
    match store.create_request(actor, service, new).await {
        Ok(request) => {
            attach(store, actor, &request.key, &p.attachments).await;
            Ok(Received::new("created", format!("filed as {}", request.key), Some(request.key)))
        }
        Err(StoreError::Invalid(inv)) => {
            let service = store.service(service).await?;
            let why = format!(
                "{} needs a few answers a mail cannot give ({}); please ask through {}/teams/{}/services/{}",
                service.name,
                inv.0.iter().map(|e| e.field.clone()).collect::<Vec<_>>().join(", "),
                state.config.public_url,
                service.team_key,
                service.slug
            );
            refuse(state, p, &why).await?;
            Ok(Received::new("refused", why, None))
        }
        Err(StoreError::Forbidden(_)) => {
            refuse(state, p, "you may not ask this team's service").await?;
            Ok(Received::new("refused", "the sender may not request the service", None))
        }
        Err(e) => Err(e),
    }
}

/// Attachments of a message, added as the sender; one that is refused (too large, say) is left
/// out and the message is still kept whole.
async fn attach(store: &Store, actor: &Actor, key: &str, files: &[(String, Vec<u8>)]) {
    for (name, data) in files {
        if let Err(e) = store.add_attachment(actor, key, name, data.clone(), false).await {
            tracing::warn!(request = key, file = name, error = %e, "an attachment from mail was not added");
        }
    }
}

/// A polite answer to a person (never to machine mail, which is filtered before), when mail is on.
async fn refuse(state: &AppState, p: &Parsed, reason: &str) -> Result<(), StoreError> {
    if !state.mailer.is_configured() {
        return Ok(());
    }
    let out = Outgoing {
        to: Mailbox { name: p.sender_name.clone(), email: p.sender.clone() },
        letter: Letter::Refusal {
            subject: p.subject.clone(),
            reason: reason.to_owned(),
            in_reply_to: Some(p.message_id.clone()),
        },
    };
    state.store.queue_mail(&format!("mail:refusal:{}", p.message_id), &out).await
}
