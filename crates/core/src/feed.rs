//! The iCalendar a feed serves: occurrences of commitments, open action items, and open meetings.
//! Every event's `UID` is stable for the life of the thing it shows, so calendar apps update it in
//! place; a meeting's `SEQUENCE` grows when it moves, and a cancelled meeting stays in the feed
//! with `STATUS:CANCELLED` so subscribed calendars drop it rather than keep a stale copy.

use icalendar::{Component, EventLike, EventStatus};

use crate::commitment::{Occurrence, OccurrenceStatus};
use crate::meeting::Meeting;
use crate::review::ActionItem;

/// What one feed lists.
#[derive(Debug, Clone, Default)]
pub struct Feed {
    pub name: String,
    pub occurrences: Vec<Occurrence>,
    pub actions: Vec<ActionItem>,
    pub meetings: Vec<Meeting>,
}

/// The host part of the server's public address, which keeps two installations' UIDs apart.
fn host(base: &str) -> &str {
    base.split_once("://").map_or(base, |(_, rest)| rest).split('/').next().unwrap_or("concentric")
}

/// A calendar with our own header (`empty`, not `new`: `new` brings the library's PRODID, and
/// RFC 5545 allows one).
fn calendar(name: &str) -> icalendar::Calendar {
    let mut cal = icalendar::Calendar::empty();
    cal.append_property(icalendar::Property::new("VERSION", "2.0"));
    cal.append_property(icalendar::Property::new("PRODID", "-//Concentric//Concentric//EN"));
    cal.append_property(icalendar::Property::new("CALSCALE", "GREGORIAN"));
    cal.name(name);
    cal
}

/// The feed as iCalendar: one 15-minute event at each occurrence's due time, an all-day event on
/// each action item's due date, and each meeting at its time. `base_url` is the server's public
/// address.
pub fn feed_ics(feed: &Feed, base_url: &str) -> String {
    let mut cal = calendar(&feed.name);
    cal.append_property(icalendar::Property::new("REFRESH-INTERVAL;VALUE=DURATION", "PT1H"));
    let base = base_url.trim_end_matches('/');
    let host = host(base);
    for o in &feed.occurrences {
        let state = match o.status {
            OccurrenceStatus::Accepted => "accepted".to_owned(),
            OccurrenceStatus::Delivered => "delivered, waiting for acceptance".to_owned(),
            OccurrenceStatus::Open => o.timeliness.label().to_lowercase(),
        };
        let url = format!("{base}/commitments/{}", o.commitment_id);
        let event = icalendar::Event::new()
            .uid(&format!("occurrence-{}@{host}", o.id))
            .summary(&format!("Due: {} ({} → {})", o.title, o.provider_name, o.receiver_name))
            .description(&format!("Owner: {}\nStatus: {state}\n{url}", o.owner_name))
            .starts(o.due_at)
            .ends(o.due_at + chrono::TimeDelta::minutes(15))
            .url(&url)
            .status(if o.status == OccurrenceStatus::Accepted {
                EventStatus::Confirmed
            } else {
                EventStatus::Tentative
            })
            .done();
        cal.push(event);
    }
    for a in &feed.actions {
        let url = format!("{base}/reviews/{}", a.review_id);
        let event = icalendar::Event::new()
            .uid(&format!("action-{}@{host}", a.id))
            .summary(&format!("Action due: {} (for {})", a.title, a.waiting_team_name))
            .description(&format!("Owner: {}\nFrom: {}\n{url}", a.owner_name, a.review_title))
            .all_day(a.due_on)
            .url(&url)
            .done();
        cal.push(event);
    }
    for m in &feed.meetings {
        cal.push(meeting_event(m, base, host));
    }
    cal.done().to_string()
}

/// One meeting as its own calendar file, for "add to my calendar".
pub fn meeting_ics(meeting: &Meeting, base_url: &str) -> String {
    let base = base_url.trim_end_matches('/');
    let mut cal = calendar(&meeting.title);
    cal.append_property(icalendar::Property::new("METHOD", "PUBLISH"));
    cal.push(meeting_event(meeting, base, host(base)));
    cal.done().to_string()
}

fn meeting_event(m: &Meeting, base: &str, host: &str) -> icalendar::Event {
    let url = format!("{base}/meetings/{}", m.id);
    let mut description = format!("Open meeting of {}.\n", m.team_name);
    if let Some(link) = &m.link {
        description.push_str(&format!("Join: {link}\n"));
    }
    if !m.agenda.is_empty() {
        description.push_str(&format!("\n{}\n", m.agenda));
    }
    if m.cancelled() && !m.cancel_reason.is_empty() {
        description = format!("Cancelled: {}\n\n{description}", m.cancel_reason);
    }
    description.push_str(&format!("\n{url}"));
    let location = match (&m.place, &m.link) {
        (p, _) if !p.is_empty() => p.clone(),
        (_, Some(link)) => link.clone(),
        _ => String::new(),
    };
    let mut event = icalendar::Event::new();
    event
        .uid(&format!("meeting-{}@{host}", m.id))
        .sequence(m.sequence)
        .timestamp(m.updated_at)
        .summary(&format!("{} ({})", m.title, m.team_name))
        .description(&description)
        .starts(m.starts_at)
        .ends(m.ends_at)
        .location(&location)
        .url(&url)
        .status(if m.cancelled() { EventStatus::Cancelled } else { EventStatus::Confirmed });
    event.done()
}
