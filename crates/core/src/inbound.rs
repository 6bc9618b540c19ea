//! Mail in, decided from a message's headers and text alone: whether a machine sent it (and so it
//! must never create a request or get an answer), which request it answers, and the part of a
//! reply worth showing. Threading trusts `In-Reply-To`/`References` first, a request key second
//! (`[IT-42]` in the subject, or `help+IT-42@` in the address), and never the subject's words.

use crate::RequestId;

/// The headers that decide what a message is.
#[derive(Debug, Clone, Default)]
pub struct Facts<'a> {
    pub from: &'a str,
    pub subject: &'a str,
    pub auto_submitted: Option<&'a str>,
    pub precedence: Option<&'a str>,
    /// `X-Autoreply`, `X-Autorespond` or `X-Auto-Response-Suppress` present.
    pub autoreply_header: bool,
    /// The top-level content type, e.g. `multipart/report`.
    pub content_type: Option<&'a str>,
    /// `Return-Path`, `<>` for bounces.
    pub return_path: Option<&'a str>,
}

/// Why a message is machine mail, or `None` for a person's message.
pub fn machine_mail(f: &Facts<'_>) -> Option<&'static str> {
    let lower = |s: Option<&str>| s.map(|s| s.trim().to_ascii_lowercase());
    if lower(f.auto_submitted).is_some_and(|v| v != "no") {
        return Some("an automatic message (Auto-Submitted)");
    }
    if lower(f.precedence).is_some_and(|v| matches!(v.as_str(), "bulk" | "junk" | "list" | "auto_reply")) {
        return Some("bulk or list mail (Precedence)");
    }
    if f.autoreply_header {
        return Some("an auto-reply");
    }
    if lower(f.content_type).is_some_and(|v| v.starts_with("multipart/report")) {
        return Some("a delivery report (bounce)");
    }
    if f.return_path.is_some_and(|r| r.trim() == "<>") {
        return Some("a bounce (empty Return-Path)");
    }
    let from = f.from.to_ascii_lowercase();
    let local = from.split('@').next().unwrap_or_default();
    if matches!(local, "mailer-daemon" | "postmaster") || local.starts_with("no-reply") || local.starts_with("noreply")
    {
        return Some("a message from a system address");
    }
    let subject = f.subject.to_ascii_lowercase();
    if ["out of office", "automatic reply", "auto-reply", "autoreply", "undeliverable", "delivery status notification"]
        .iter()
        .any(|p| subject.starts_with(p))
    {
        return Some("an auto-reply (subject)");
    }
    None
}

/// The requests named by Concentric's own message ids among `ids` (`<request-42@…>` and
/// `<request-42.mail-7@…>`), in order, without repeats.
pub fn referenced_requests<'a>(ids: impl IntoIterator<Item = &'a str>) -> Vec<RequestId> {
    let mut out: Vec<RequestId> = Vec::new();
    for id in ids {
        let id = id.trim().trim_start_matches('<');
        let Some(rest) = id.strip_prefix("request-") else { continue };
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let after = rest[digits.len()..].chars().next();
        if !matches!(after, Some('@' | '.')) {
            continue;
        }
        if let Ok(n) = digits.parse::<i64>() {
            if !out.contains(&RequestId(n)) {
                out.push(RequestId(n));
            }
        }
    }
    out
}

/// A request key such as `IT-42`: 2 to 10 capital letters or digits starting with a letter, a
/// hyphen, a number.
fn is_key(s: &str) -> bool {
    let Some((team, number)) = s.split_once('-') else { return false };
    (2..=10).contains(&team.len())
        && team.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && team.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && !number.is_empty()
        && number.len() <= 12
        && number.chars().all(|c| c.is_ascii_digit())
}

/// The key in brackets in a subject: `Re: [IT-42] Laptop` → `IT-42`.
pub fn key_in_subject(subject: &str) -> Option<String> {
    let mut rest = subject;
    while let Some(start) = rest.find('[') {
        let after = &rest[start + 1..];
        let end = after.find(']')?;
        let inside = after[..end].trim().to_ascii_uppercase();
        if is_key(&inside) {
            return Some(inside);
        }
        rest = &after[end..];
    }
    None
}

/// The key a reply address carries: `help+IT-42@example.com` → `IT-42`.
pub fn key_in_address(address: &str) -> Option<String> {
    let local = address.trim().trim_matches(['<', '>']).split('@').next()?;
    let (_, tag) = local.split_once('+')?;
    let tag = tag.to_ascii_uppercase();
    is_key(&tag).then_some(tag)
}

/// An address without its sub-address, lower-cased: `Help+IT-42@Example.com` → `help@example.com`.
pub fn base_address(address: &str) -> String {
    let address = address.trim().trim_matches(['<', '>']).to_ascii_lowercase();
    match address.split_once('@') {
        Some((local, domain)) => format!("{}@{domain}", local.split('+').next().unwrap_or(local)),
        None => address,
    }
}

/// The new part of a reply: the text above the quoted history and the signature. The whole
/// message is kept elsewhere; this is what the conversation shows.
pub fn trim_reply(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut end = lines.len();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        let quote_intro = (t.starts_with("On ") && t.ends_with("wrote:"))
            || (t.starts_with("Am ") && t.ends_with("schrieb:"))
            || (t.starts_with("Le ") && t.ends_with("a écrit :"));
        let outlook = t.starts_with("-----Original Message-----")
            || t.starts_with("________________________________")
            || (t.starts_with("From:") && lines.get(i + 1).is_some_and(|n| n.trim().starts_with("Sent:")));
        let signature = *line == "-- " || t == "--";
        let quoted_rest =
            t.starts_with('>') && lines[i..].iter().all(|l| l.trim().is_empty() || l.trim().starts_with('>'));
        if quote_intro || outlook || signature || quoted_rest {
            end = i;
            break;
        }
    }
    let kept = lines[..end].join("\n");
    let kept = kept.trim();
    if kept.is_empty() {
        text.trim().to_owned()
    } else {
        kept.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(from: &'static str, subject: &'static str) -> Facts<'static> {
        Facts { from, subject, ..Default::default() }
    }

    #[test]
    fn machine_mail_is_never_a_request() {
        assert_eq!(machine_mail(&facts("ann@example.com", "Laptop")), None);
        let auto = Facts { auto_submitted: Some("auto-replied"), ..facts("ann@example.com", "Re: [IT-4] Laptop") };
        assert!(machine_mail(&auto).is_some());
        let human = Facts { auto_submitted: Some("no"), ..facts("ann@example.com", "Laptop") };
        assert_eq!(machine_mail(&human), None);
        let bulk = Facts { precedence: Some("Bulk"), ..facts("news@example.com", "Newsletter") };
        assert!(machine_mail(&bulk).is_some());
        let dsn = Facts {
            content_type: Some("multipart/report; report-type=delivery-status"),
            ..facts("x@example.com", "x")
        };
        assert!(machine_mail(&dsn).is_some());
        assert!(machine_mail(&facts("MAILER-DAEMON@example.com", "Returned mail")).is_some());
        assert!(machine_mail(&facts("ann@example.com", "Out of Office: back Monday")).is_some());
        let bounce = Facts { return_path: Some("<>"), ..facts("x@example.com", "x") };
        assert!(machine_mail(&bounce).is_some());
    }

    #[test]
    fn our_ids_name_their_request() {
        let ids = [
            "<request-42@example.com>",
            "<request-42.mail-7@example.com>",
            "<abc@gmail.com>",
            "<request-9x@e>",
            "<request-7.mail-1@e>",
        ];
        assert_eq!(referenced_requests(ids), vec![RequestId(42), RequestId(7)]);
    }

    #[test]
    fn keys_come_from_brackets_and_sub_addresses_only() {
        assert_eq!(key_in_subject("Re: [IT-42] Laptop").as_deref(), Some("IT-42"));
        assert_eq!(key_in_subject("AW: [it-42] Laptop").as_deref(), Some("IT-42"));
        assert_eq!(key_in_subject("[urgent] [PAY-7] Payslip").as_deref(), Some("PAY-7"));
        assert_eq!(key_in_subject("IT-42 Laptop"), None, "a key outside brackets is words, not a reference");
        assert_eq!(key_in_subject("[x] [IT-] [-4]"), None);
        assert_eq!(key_in_address("help+IT-42@example.com").as_deref(), Some("IT-42"));
        assert_eq!(key_in_address("<help+it-42@example.com>").as_deref(), Some("IT-42"));
        assert_eq!(key_in_address("help@example.com"), None);
        assert_eq!(key_in_address("help+news@example.com"), None);
        assert_eq!(base_address("Help+IT-42@Example.com"), "help@example.com");
    }

    #[test]
    fn replies_lose_their_quotes_and_signatures() {
        let gmail =
            "Thanks, that fixed it.\n\nOn Tue, 1 Dec 2026 at 10:00, IT <help@example.com> wrote:\n> Try a restart\n";
        assert_eq!(trim_reply(gmail), "Thanks, that fixed it.");
        let outlook =
            "Works now.\r\n\r\nFrom: IT Services\r\nSent: Tuesday\r\nTo: Ann\r\nSubject: Re: x\r\n\r\nOld text";
        assert_eq!(trim_reply(outlook), "Works now.");
        let signed = "See attached.\n-- \nAnn Example\nPayroll";
        assert_eq!(trim_reply(signed), "See attached.");
        let bottom = "Still broken\n> earlier\n> text";
        assert_eq!(trim_reply(bottom), "Still broken");
        let inline = "> you asked\nyes\n> and this\nno";
        assert_eq!(trim_reply(inline), inline, "interleaved answers are kept whole");
        assert_eq!(trim_reply("> only quotes"), "> only quotes", "nothing new: keep it all");
    }
}
