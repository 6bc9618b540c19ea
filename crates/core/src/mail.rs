//! Outgoing mail: what a queued message says, and how it reads. Rendering is pure; the server
//! puts the result in an SMTP envelope.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::notification::Notice;
use crate::text::escape_html;
use crate::RequestId;

/// Why a password link was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkPurpose {
    /// A new person sets their first password.
    Invitation,
    /// Someone who forgot theirs sets a new one.
    Reset,
}

impl LinkPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Invitation => "invitation",
            LinkPurpose::Reset => "reset",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "invitation" => Some(LinkPurpose::Invitation),
            "reset" => Some(LinkPurpose::Reset),
            _ => None,
        }
    }

    /// How long a link stays good: a week to accept an invitation, an hour to reset.
    pub fn lifetime_ms(self) -> i64 {
        match self {
            LinkPurpose::Invitation => 7 * 24 * 3_600_000,
            LinkPurpose::Reset => 3_600_000,
        }
    }
}

/// What one queued mail says. It is the payload of a durable mail job and is rendered when sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "letter", rename_all = "snake_case")]
pub enum Letter {
    /// One notice, sent as it happened.
    Notice { notification: i64, notice: Notice },
    /// A day's notices in one mail.
    Digest { notices: Vec<Notice> },
    /// A link to set a password. The raw token lives only in the queue until the mail is sent.
    Link { purpose: LinkPurpose, token: String, expires_at: DateTime<Utc>, sent_by: Option<String> },
    /// `concentric mail test`.
    Test,
    /// A polite answer to a person's mail that could not be filed. Never sent to machine mail.
    Refusal { subject: String, reason: String, in_reply_to: Option<String> },
}

/// Whom a mail goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mailbox {
    pub name: String,
    pub email: String,
}

/// A queued mail: a letter for one person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outgoing {
    pub to: Mailbox,
    #[serde(flatten)]
    pub letter: Letter,
}

/// What rendering needs from the installation.
#[derive(Debug, Clone)]
pub struct MailContext {
    /// Where people open Concentric, e.g. `https://concentric.example.com`.
    pub base_url: String,
    /// The domain of the sender address, for `Message-ID`s.
    pub domain: String,
}

/// A mail ready for the envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
    pub message_id: String,
    /// For request mail: the request's conversation, as `In-Reply-To` and `References`.
    pub thread: Option<String>,
    /// For request mail: the key a reply is routed back by.
    pub request_key: Option<String>,
}

/// The `Message-ID` every mail about one request refers to, so clients thread them together.
pub fn request_thread_id(request: RequestId, domain: &str) -> String {
    format!("<request-{}@{domain}>", request.0)
}

impl Outgoing {
    /// Renders the mail. `unique` makes the `Message-ID` unique (the job's id).
    pub fn render(&self, ctx: &MailContext, unique: i64) -> Rendered {
        let base = ctx.base_url.trim_end_matches('/');
        // Request mail names its request in its own id too, so a reply whose References were
        // stripped still finds it by In-Reply-To.
        let message_id = match &self.letter {
            Letter::Notice { notice, .. } if notice.request().is_some() => {
                format!("<request-{}.mail-{unique}@{}>", notice.request().map_or(0, |r| r.id.0), ctx.domain)
            }
            _ => format!("<mail-{unique}@{}>", ctx.domain),
        };
        let greeting = format!("Hello {},", self.to.name);
        let (subject, paragraphs_text, paragraphs_html, thread, request_key) = match &self.letter {
            Letter::Notice { notice, .. } => (
                notice.mail_subject(),
                notice.mail_text(base),
                notice.mail_html(base),
                notice.request().map(|r| request_thread_id(r.id, &ctx.domain)),
                notice.request().map(|r| r.key.clone()),
            ),
            Letter::Digest { notices } => {
                let mut text = String::from("Here is what happened since your last digest.\n\n");
                let mut html = String::from("<p>Here is what happened since your last digest.</p>\n<ul>\n");
                for n in notices {
                    let url = format!("{base}{}", n.path());
                    let _ = writeln!(text, "- {}\n  {url}", n.summary());
                    let _ =
                        writeln!(html, "<li><a href=\"{}\">{}</a></li>", escape_html(&url), escape_html(&n.summary()));
                }
                let _ = write!(text, "\nChoose what comes by mail: {base}/account#mail\n");
                let _ = writeln!(
                    html,
                    "</ul>\n<p><a href=\"{}\">Choose what comes by mail</a></p>",
                    escape_html(&format!("{base}/account#mail"))
                );
                let count = notices.len();
                let subject = format!("Your Concentric digest: {count} notice{}", if count == 1 { "" } else { "s" });
                (subject, text, html, None, None)
            }
            Letter::Link { purpose, token, expires_at, sent_by } => {
                let url = format!("{base}/password/{token}");
                let (subject, lead) = match purpose {
                    LinkPurpose::Invitation => (
                        String::from("You are invited to Concentric"),
                        match sent_by {
                            Some(by) => format!("{by} invited you to Concentric, where teams ask each other for help and keep their promises."),
                            None => String::from("You are invited to Concentric, where teams ask each other for help and keep their promises."),
                        },
                    ),
                    LinkPurpose::Reset => (
                        String::from("Set a new Concentric password"),
                        String::from("Someone (we hope you) asked to set a new password for your Concentric account. If it was not you, ignore this mail: your password stays as it is."),
                    ),
                };
                let until = expires_at.format("%-d %B %Y %H:%M UTC");
                let text = format!("{lead}\n\nSet your password here (the link works once, until {until}):\n{url}\n");
                let html = format!(
                    "<p>{}</p>\n<p><a href=\"{}\">Set your password</a> (the link works once, until {until}).</p>\n",
                    escape_html(&lead),
                    escape_html(&url)
                );
                (subject, text, html, None, None)
            }
            Letter::Refusal { subject, reason, in_reply_to } => {
                let services = format!("{base}/services");
                let text = format!(
                    "Your message \"{subject}\" could not be filed: {reason}.\n\nYou can ask any team for help here: {services}\n"
                );
                let html = format!(
                    "<p>Your message \"{}\" could not be filed: {}.</p>\n<p>You can <a href=\"{}\">ask any team for help here</a>.</p>\n",
                    escape_html(subject),
                    escape_html(reason),
                    escape_html(&services)
                );
                let subject = if subject.to_ascii_lowercase().starts_with("re:") {
                    subject.clone()
                } else {
                    format!("Re: {subject}")
                };
                (subject, text, html, in_reply_to.clone(), None)
            }
            Letter::Test => (
                String::from("Concentric test mail"),
                format!("This is a test from Concentric at {base}. Mail is working.\n"),
                format!("<p>This is a test from Concentric at {}. Mail is working.</p>\n", escape_html(base)),
                None,
                None,
            ),
        };
        let text = format!("{greeting}\n\n{paragraphs_text}");
        let html = format!(
            "<!doctype html>\n<html><body style=\"font-family: sans-serif; color: #1f2328\">\n<p>{}</p>\n{paragraphs_html}</body></html>\n",
            escape_html(&greeting)
        );
        Rendered { subject, text, html, message_id, thread, request_key }
    }
}

/// The local hour a daily digest goes out.
pub const DIGEST_HOUR: u32 = 8;

/// The next digest time after `now`: 08:00 in the person's own zone (or the first valid instant
/// after it on a day the clocks skip that hour).
pub fn next_digest_at(now: DateTime<Utc>, zone: chrono_tz::Tz) -> DateTime<Utc> {
    use chrono::{Days, TimeZone};
    let local = now.with_timezone(&zone).date_naive();
    let mut day = local;
    loop {
        let at = day.and_hms_opt(DIGEST_HOUR, 0, 0).map(|t| zone.from_local_datetime(&t).earliest());
        if let Some(Some(at)) = at {
            let at = at.with_timezone(&Utc);
            if at > now {
                return at;
            }
        } else if let Some(t) = day.and_hms_opt(DIGEST_HOUR + 1, 0, 0) {
            if let Some(at) = zone.from_local_datetime(&t).earliest().map(|a| a.with_timezone(&Utc)) {
                if at > now {
                    return at;
                }
            }
        }
        day = match day.checked_add_days(Days::new(1)) {
            Some(d) => d,
            None => return now,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notification::RequestRef;

    fn ctx() -> MailContext {
        MailContext { base_url: "https://c.example.com/".into(), domain: "c.example.com".into() }
    }

    fn to() -> Mailbox {
        Mailbox { name: "Ann".into(), email: "ann@example.com".into() }
    }

    #[test]
    fn digests_go_out_at_eight_in_the_persons_zone() {
        let zone: chrono_tz::Tz = "Europe/Berlin".parse().unwrap_or(chrono_tz::UTC);
        let now =
            DateTime::parse_from_rfc3339("2026-12-01T09:00:00Z").map(|d| d.with_timezone(&Utc)).unwrap_or_default();
        assert_eq!(next_digest_at(now, zone).to_rfc3339(), "2026-12-02T07:00:00+00:00");
        let early =
            DateTime::parse_from_rfc3339("2026-12-01T06:59:00Z").map(|d| d.with_timezone(&Utc)).unwrap_or_default();
        assert_eq!(next_digest_at(early, zone).to_rfc3339(), "2026-12-01T07:00:00+00:00");
    }

    #[test]
    fn request_notices_share_one_thread() {
        let request = RequestRef { id: RequestId(9), key: "IT-9".into(), title: "VPN".into() };
        let a = Outgoing {
            to: to(),
            letter: Letter::Notice { notification: 1, notice: Notice::NewRequest { request: request.clone() } },
        };
        let b = Outgoing {
            to: to(),
            letter: Letter::Notice { notification: 2, notice: Notice::Status { request, status: "resolved".into() } },
        };
        let (ra, rb) = (a.render(&ctx(), 1), b.render(&ctx(), 2));
        assert_eq!(ra.thread.as_deref(), Some("<request-9@c.example.com>"));
        assert_eq!(ra.thread, rb.thread);
        assert_ne!(ra.message_id, rb.message_id);
        assert_eq!(rb.subject, "[IT-9] VPN");
        assert!(ra.text.starts_with("Hello Ann,\n\nNew request IT-9: VPN."));
    }

    #[test]
    fn a_link_mail_carries_the_link_once_and_survives_the_queue() {
        let letter = Letter::Link {
            purpose: LinkPurpose::Invitation,
            token: "abc".into(),
            expires_at: DateTime::from_timestamp(0, 0).unwrap_or_default(),
            sent_by: Some("Bo <admin>".into()),
        };
        let out = Outgoing { to: to(), letter };
        let json = serde_json::to_string(&out).unwrap_or_default();
        assert_eq!(serde_json::from_str::<Outgoing>(&json).ok().as_ref(), Some(&out));
        let r = out.render(&ctx(), 5);
        assert!(r.text.contains("https://c.example.com/password/abc"));
        assert!(r.html.contains("Bo &lt;admin&gt; invited you"));
        assert!(r.thread.is_none());
    }
}
