//! Mail out over SMTP with `lettre`, and the work of the `mail` and `digest` jobs. The store
//! queues each mail as a durable job; this sends it, and a failure is retried with backoff.

use concentric_core::authz::Actor;
use concentric_core::mail::{Letter, LinkPurpose, MailContext, Outgoing, Rendered};
use concentric_core::time::Millis;
use concentric_core::PersonId;
use concentric_store::{Job, Store, StoreError, DIGEST, MAIL};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Deserialize;

use crate::auth::secrets::{digest, random_secret};
use crate::config::{Config, SmtpSecurity};
use crate::state::AppState;

/// Sends the mail the store queued. Without `smtp_host` it is off, and nothing is queued.
#[derive(Clone)]
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Option<Mailbox>,
    reply_to: Option<Mailbox>,
    context: MailContext,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("configured", &self.is_configured()).field("from", &self.from).finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("mail is not configured: set smtp_host and smtp_from")]
    Off,
    #[error("{0}")]
    Setting(String),
    #[error("the mail could not be built: {0}")]
    Build(String),
    #[error("the SMTP server refused or could not be reached: {0}")]
    Smtp(String),
}

impl Mailer {
    /// A mailer that sends nothing (no `smtp_host`).
    pub fn off(config: &Config) -> Self {
        let host = config.public_url.split("://").nth(1).unwrap_or("localhost");
        let domain = host.split([':', '/']).next().unwrap_or("localhost").to_owned();
        Self {
            transport: None,
            from: None,
            reply_to: None,
            context: MailContext { base_url: config.public_url.clone(), domain },
        }
    }

    /// The mailer the configuration describes: off when `smtp_host` is empty.
    pub fn from_config(config: &Config) -> Result<Self, MailError> {
        if !config.mail_enabled() {
            return Ok(Self::off(config));
        }
        let from: Mailbox = config
            .smtp_from
            .parse()
            .map_err(|e| MailError::Setting(format!("smtp_from `{}` is not an address: {e}", config.smtp_from)))?;
        let reply_to = if config.mail_reply_to.is_empty() {
            None
        } else {
            Some(config.mail_reply_to.parse::<Mailbox>().map_err(|e| {
                MailError::Setting(format!("mail_reply_to `{}` is not an address: {e}", config.mail_reply_to))
            })?)
        };
        let host = config.smtp_host.as_str();
        let tls =
            || TlsParameters::new(host.to_owned()).map_err(|e| MailError::Setting(format!("TLS for {host}: {e}")));
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host).port(config.smtp_port);
        builder = match config.smtp_security {
            SmtpSecurity::Starttls => builder.tls(Tls::Required(tls()?)),
            SmtpSecurity::Tls => builder.tls(Tls::Wrapper(tls()?)),
            SmtpSecurity::None => builder.tls(Tls::None),
        };
        if !config.smtp_username.is_empty() {
            builder = builder.credentials(Credentials::new(config.smtp_username.clone(), config.smtp_password.clone()));
        }
        let context = MailContext { base_url: config.public_url.clone(), domain: from.email.domain().to_owned() };
        Ok(Self { transport: Some(builder.build()), from: Some(from), reply_to, context })
    }

    pub fn is_configured(&self) -> bool {
        self.transport.is_some()
    }

    /// Renders and sends one mail. `unique` makes its `Message-ID` (the job's id).
    pub async fn send(&self, out: &Outgoing, unique: i64) -> Result<Rendered, MailError> {
        let (Some(transport), Some(from)) = (&self.transport, &self.from) else { return Err(MailError::Off) };
        let rendered = out.render(&self.context, unique);
        let message = self.envelope(from, out, &rendered)?;
        transport.send(message).await.map_err(|e| MailError::Smtp(e.to_string()))?;
        Ok(rendered)
    }

    fn envelope(&self, from: &Mailbox, out: &Outgoing, r: &Rendered) -> Result<Message, MailError> {
        let build = |e: &dyn std::fmt::Display| MailError::Build(e.to_string());
        let to = Mailbox::new(Some(out.to.name.clone()), out.to.email.parse().map_err(|e| build(&e))?);
        let mut builder = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(r.subject.clone())
            .message_id(Some(r.message_id.clone()));
        if let Some(thread) = &r.thread {
            builder = builder.in_reply_to(thread.clone()).references(thread.clone());
        }
        if let Some(reply) = self.reply_address(r.request_key.as_deref()) {
            builder = builder.reply_to(reply);
        }
        // Marks the mail as machine-sent, so auto-responders and our own inbox do not answer it.
        builder = builder
            .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("Auto-Submitted"), "auto-generated".into()));
        builder.multipart(MultiPart::alternative_plain_html(r.text.clone(), r.html.clone())).map_err(|e| build(&e))
    }

    /// Where a reply should go: for request mail, `mail_reply_to` with the key as a sub-address
    /// (`help+IT-42@example.com`), so an answer finds its request even without the subject.
    fn reply_address(&self, key: Option<&str>) -> Option<Mailbox> {
        let base = self.reply_to.as_ref()?;
        let Some(key) = key else { return Some(base.clone()) };
        let address = format!("{}+{key}@{}", base.email.user(), base.email.domain());
        address.parse().ok().map(|email| Mailbox::new(base.name.clone(), email))
    }
}

#[derive(Deserialize)]
struct DigestPayload {
    person_id: i64,
}

impl Mailer {
    /// Runs a `mail` or `digest` job.
    pub async fn run(&self, store: &Store, job: &Job, now: Millis) -> Result<(), String> {
        match job.kind.as_str() {
            MAIL => {
                let out: Outgoing =
                    serde_json::from_str(&job.payload).map_err(|e| format!("mail job {}: {e}", job.job_key))?;
                self.send(&out, job.id).await.map_err(|e| e.to_string())?;
                metrics::counter!("concentric_mail_sent_total").increment(1);
                Ok(())
            }
            DIGEST => {
                let p: DigestPayload =
                    serde_json::from_str(&job.payload).map_err(|e| format!("digest job {}: {e}", job.job_key))?;
                let Some((out, ids)) = store.take_digest(PersonId(p.person_id)).await.map_err(|e| e.to_string())?
                else {
                    return Ok(());
                };
                self.send(&out, job.id).await.map_err(|e| e.to_string())?;
                metrics::counter!("concentric_mail_sent_total").increment(1);
                store.mark_digested(PersonId(p.person_id), &ids, now).await.map_err(|e| e.to_string())
            }
            other => Err(format!("the mailer does not run {other} jobs")),
        }
    }
}

/// A password link just made: the URL to hand over, and whether it also went out by mail.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct PasswordLink {
    pub person_id: i64,
    pub purpose: LinkPurpose,
    /// Works once, until `expires_at`. Hand it over by any private channel if it was not mailed.
    pub url: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// Whether a mail with the link was queued to the person.
    pub mailed: bool,
}

/// Makes a single-use link for `person` to set a password and, when `send` and mail is on,
/// queues a mail with it. The raw token is only in the returned URL and the queued mail.
pub async fn issue_link(
    state: &AppState,
    actor: &Actor,
    person: PersonId,
    purpose: LinkPurpose,
    send: bool,
) -> Result<PasswordLink, StoreError> {
    let token = random_secret();
    let now = Millis::now();
    let issued = state.store.issue_password_link(actor, person, purpose, &digest(&token), now).await?;
    let url = format!("{}/password/{token}", state.config.public_url);
    let expires_at = issued.expires_at.to_utc();
    let mailed = send && state.mailer.is_configured();
    if mailed {
        let who = state.store.person(person).await?;
        let sent_by = match actor.person_id {
            Some(id) => state.store.person(id).await.ok().map(|p| p.name),
            None => None,
        };
        let out = Outgoing {
            to: concentric_core::mail::Mailbox { name: who.name, email: who.email },
            letter: Letter::Link { purpose, token, expires_at, sent_by },
        };
        state.store.queue_mail(&format!("mail:link:{}:{}:{}", purpose.as_str(), person.0, now.0), &out).await?;
    }
    Ok(PasswordLink { person_id: person.0, purpose, url, expires_at, mailed })
}
