//! Open meetings: a team opens one of its meetings to the teams it works with (or to everyone), so
//! that people from other teams see how it works. Invitations follow the network by ring; people
//! answer yes, no or maybe, may leave a question beforehand, and read the host's notes after.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::commitment::parse_local;
use crate::error::Errors;
use crate::time::parse_time_zone;
use crate::{Invalid, MeetingId, PersonId, TeamId};

/// Whom a meeting is open to, besides the host team itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    /// The first ring: the teams the host serves and the teams that serve it.
    #[default]
    Partners,
    /// The first two rings: partners and their partners.
    PartnersOfPartners,
    /// The whole organisation.
    Everyone,
}

impl Reach {
    pub const ALL: [Reach; 3] = [Reach::Partners, Reach::PartnersOfPartners, Reach::Everyone];

    pub fn as_str(self) -> &'static str {
        match self {
            Reach::Partners => "partners",
            Reach::PartnersOfPartners => "partners_of_partners",
            Reach::Everyone => "everyone",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// How many rings of the network are invited; `None` for everyone.
    pub fn rings(self) -> Option<u32> {
        match self {
            Reach::Partners => Some(1),
            Reach::PartnersOfPartners => Some(2),
            Reach::Everyone => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Reach::Partners => "Teams we serve and teams that serve us",
            Reach::PartnersOfPartners => "Those teams and their partners",
            Reach::Everyone => "Everyone in the organisation",
        }
    }
}

/// A person's answer to an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Yes,
    Maybe,
    No,
}

impl Answer {
    pub const ALL: [Answer; 3] = [Answer::Yes, Answer::Maybe, Answer::No];

    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Yes => "yes",
            Answer::Maybe => "maybe",
            Answer::No => "no",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Answer::Yes => "Going",
            Answer::Maybe => "Maybe",
            Answer::No => "Not going",
        }
    }

    /// Whether the meeting belongs in the person's calendar.
    pub fn attends(self) -> bool {
        self != Answer::No
    }
}

/// A meeting as announced or changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMeeting {
    pub title: String,
    /// Markdown: what the meeting covers and what guests may expect.
    #[serde(default)]
    pub agenda: String,
    /// Local to `zone`: `2026-12-10T10:00`.
    pub starts_at: String,
    /// IANA zone; the host team's calendar zone when left out.
    #[serde(default)]
    pub zone: Option<String>,
    /// Length in minutes, 15 to 480.
    pub minutes: u32,
    /// A room or address. A place, a link or both.
    #[serde(default)]
    pub place: String,
    /// A video call link (https).
    #[serde(default)]
    pub link: Option<String>,
    /// Seats for guests from other teams; none for no limit.
    #[serde(default)]
    pub guest_seats: Option<u32>,
    #[serde(default)]
    pub reach: Reach,
}

/// A meeting whose fields have been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedMeeting {
    pub title: String,
    pub agenda: String,
    pub starts_at: DateTime<Utc>,
    pub local: NaiveDateTime,
    pub zone: Tz,
    pub minutes: u32,
    pub place: String,
    pub link: Option<String>,
    pub guest_seats: Option<u32>,
    pub reach: Reach,
}

impl NewMeeting {
    /// Checks every field at once. `default_zone` is the host team's; a meeting must start after
    /// `now`.
    pub fn check(&self, default_zone: Tz, now: DateTime<Utc>) -> Result<CheckedMeeting, Invalid> {
        let mut errors = Errors::default();
        let title = self.title.trim().to_owned();
        if title.is_empty() || title.chars().count() > 160 {
            errors.add("title", "give the meeting a title of up to 160 characters");
        }
        errors.check("title", crate::text::check(&title));
        let agenda = self.agenda.trim().to_owned();
        if agenda.chars().count() > 20_000 {
            errors.add("agenda", "write up to 20,000 characters");
        }
        errors.check("agenda", crate::text::check(&agenda));
        let zone = match self.zone.as_deref().map(str::trim).filter(|z| !z.is_empty()) {
            Some(z) => errors.check("zone", parse_time_zone(z)),
            None => Some(default_zone),
        };
        let local = errors.check(
            "starts_at",
            parse_local(&self.starts_at)
                .map_err(|_| "give the date and time it starts, such as 2026-12-10T10:00".into()),
        );
        let starts_at = match (zone, local) {
            (Some(zone), Some(local)) => match zone.from_local_datetime(&local).earliest() {
                Some(t) if t.with_timezone(&Utc) <= now => {
                    errors.add("starts_at", "choose a time that is still to come");
                    None
                }
                Some(t) => Some(t.with_timezone(&Utc)),
                None => {
                    errors.add("starts_at", "this time does not exist in the zone (the clocks go forward)");
                    None
                }
            },
            _ => None,
        };
        if !(15..=480).contains(&self.minutes) {
            errors.add("minutes", "a meeting lasts from 15 minutes to 8 hours");
        }
        let place = self.place.trim().to_owned();
        if place.chars().count() > 200 {
            errors.add("place", "keep the place under 200 characters");
        }
        errors.check("place", crate::text::check(&place));
        let link = self.link.as_deref().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned);
        if let Some(l) = &link {
            if !l.starts_with("https://") || l.len() < 12 || l.len() > 500 || l.contains(char::is_whitespace) {
                errors.add("link", "a link starts with https:// and has no spaces");
            }
        }
        if place.is_empty() && link.is_none() {
            errors.add("place", "say where: a room, a link, or both");
        }
        if self.guest_seats.is_some_and(|s| !(1..=1000).contains(&s)) {
            errors.add("guest_seats", "offer from 1 to 1,000 seats, or leave it empty for no limit");
        }
        errors.finish()?;
        match (zone, local, starts_at) {
            (Some(zone), Some(local), Some(starts_at)) => Ok(CheckedMeeting {
                title,
                agenda,
                starts_at,
                local,
                zone,
                minutes: self.minutes,
                place,
                link,
                guest_seats: self.guest_seats,
                reach: self.reach,
            }),
            _ => Err(Invalid::one("starts_at", "give the date and time it starts")),
        }
    }
}

/// A meeting as read, with its answers counted and the reader's own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Meeting {
    pub id: MeetingId,
    pub team_id: TeamId,
    pub team_key: String,
    pub team_name: String,
    pub title: String,
    /// Markdown as written.
    pub agenda: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The zone the host set the time in.
    pub zone: String,
    pub place: String,
    pub link: Option<String>,
    pub guest_seats: Option<u32>,
    pub reach: Reach,
    /// Markdown the host wrote after the meeting.
    pub notes: String,
    /// How many times its time, place or state changed: the iCalendar `SEQUENCE`.
    pub sequence: u32,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub going: u32,
    pub maybe: u32,
    /// Guests (people outside the host team) who said yes: what the seats count.
    pub guests_going: u32,
    /// The reader's answer, if they gave one.
    pub my_answer: Option<Answer>,
    /// Whether the reader is invited (or in the host team).
    pub invited: bool,
}

impl Meeting {
    pub fn cancelled(&self) -> bool {
        self.cancelled_at.is_some()
    }

    pub fn started(&self, now: DateTime<Utc>) -> bool {
        now >= self.starts_at
    }

    /// Guest seats still free; `None` when there is no limit.
    pub fn seats_left(&self) -> Option<u32> {
        self.guest_seats.map(|s| s.saturating_sub(self.guests_going))
    }

    /// The start in the host's zone: "Thu 10 Dec 2026, 10:00 CET".
    pub fn host_time(&self) -> String {
        in_zone(self.starts_at, &self.zone)
    }

    /// The start as a person in `zone` reads it.
    pub fn time_for(&self, zone: &str) -> String {
        in_zone(self.starts_at, zone)
    }

    /// The start in another zone, or `None` when that reads the same as the host's.
    pub fn time_in(&self, zone: &str) -> Option<String> {
        let other = in_zone(self.starts_at, zone);
        (other != self.host_time()).then_some(other)
    }
}

/// An instant as a person in `zone` reads it.
pub fn in_zone(at: DateTime<Utc>, zone: &str) -> String {
    let zone: Tz = zone.parse().unwrap_or(chrono_tz::UTC);
    at.with_timezone(&zone).format("%a %-d %b %Y, %H:%M %Z").to_string()
}

/// One person's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Rsvp {
    pub person_id: PersonId,
    pub person_name: String,
    pub answer: Answer,
    /// Whether they come from outside the host team.
    pub guest: bool,
    pub answered_at: DateTime<Utc>,
}

/// A question a guest left for the meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MeetingQuestion {
    pub id: i64,
    pub person_id: PersonId,
    pub person_name: String,
    pub body: String,
    pub asked_at: DateTime<Utc>,
}

/// A team invited to a meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct InvitedTeam {
    pub key: String,
    pub name: String,
    /// 1 for a direct partner, 2 for a partner's partner.
    pub ring: u32,
}

/// A meeting with who answered, the questions, and the teams invited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MeetingDetail {
    #[serde(flatten)]
    pub meeting: Meeting,
    pub rsvps: Vec<Rsvp>,
    pub questions: Vec<MeetingQuestion>,
    /// Empty when it is open to everyone.
    pub invited_teams: Vec<InvitedTeam>,
}

/// Checks a question or the notes: trimmed, clean, and within `max` characters.
pub fn check_text(field: &str, text: &str, max: usize, empty: &str) -> Result<String, Invalid> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Invalid::one(field, empty));
    }
    if text.chars().count() > max {
        return Err(Invalid::one(field, format!("write up to {max} characters")));
    }
    crate::text::check(text).map_err(|e| Invalid::one(field, e))?;
    Ok(text.to_owned())
}

/// The teams within `depth` rings of `centre`, over partnerships given as (supplier, customer)
/// pairs and read both ways, each with the ring it is first reached on.
pub fn rings_of(centre: TeamId, pairs: &[(TeamId, TeamId)], depth: u32) -> Vec<(TeamId, u32)> {
    let mut found: Vec<(TeamId, u32)> = Vec::new();
    let mut frontier = vec![centre];
    for ring in 1..=depth {
        let mut next = Vec::new();
        for &(a, b) in pairs {
            for (from, to) in [(a, b), (b, a)] {
                if frontier.contains(&from) && to != centre && !found.iter().any(|&(t, _)| t == to) {
                    found.push((to, ring));
                    next.push(to);
                }
            }
        }
        frontier = next;
    }
    found.sort();
    found
}

/// Whether a change to a meeting moves it in people's calendars (and so bumps its sequence).
pub fn reschedules(before: &Meeting, after: &CheckedMeeting) -> bool {
    before.starts_at != after.starts_at
        || before.ends_at != after.starts_at + chrono::TimeDelta::minutes(i64::from(after.minutes))
        || before.place != after.place
        || before.link != after.link
        || before.title != after.title
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).single().unwrap_or_default()
    }

    fn meeting() -> NewMeeting {
        NewMeeting {
            title: "IT weekly, open to our partners".into(),
            starts_at: "2026-12-10T10:00".into(),
            minutes: 45,
            place: "Room 3.14".into(),
            ..NewMeeting::default()
        }
    }

    #[test]
    fn the_time_is_read_in_the_host_zone() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap_or(chrono_tz::UTC);
        let m = meeting().check(berlin, now()).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(m.starts_at, Utc.with_ymd_and_hms(2026, 12, 10, 9, 0, 0).single().unwrap_or_default());
        let tokyo = NewMeeting { zone: Some("Asia/Tokyo".into()), ..meeting() }.check(berlin, now());
        assert_eq!(tokyo.map(|m| m.starts_at.to_rfc3339()), Ok("2026-12-10T01:00:00+00:00".into()));
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let bad = NewMeeting {
            title: String::new(),
            starts_at: "2026-11-30T10:00".into(),
            minutes: 5,
            place: String::new(),
            link: Some("http://x".into()),
            guest_seats: Some(0),
            ..NewMeeting::default()
        };
        let err = bad.check(chrono_tz::UTC, now()).unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["title", "starts_at", "minutes", "link", "guest_seats"]);
        let nowhere = NewMeeting { place: " ".into(), ..meeting() }.check(chrono_tz::UTC, now()).unwrap_err();
        assert_eq!(nowhere.0[0].field, "place");
        let gap = NewMeeting { starts_at: "2027-03-28T02:30".into(), ..meeting() };
        let berlin: Tz = "Europe/Berlin".parse().unwrap_or(chrono_tz::UTC);
        assert!(gap.check(berlin, now()).unwrap_err().0[0].message.contains("does not exist"));
    }

    #[test]
    fn reach_and_answers_read_back() {
        for r in Reach::ALL {
            assert_eq!(Reach::parse(r.as_str()), Some(r));
        }
        assert_eq!(Reach::PartnersOfPartners.rings(), Some(2));
        assert_eq!(Reach::Everyone.rings(), None);
        assert!(Answer::Maybe.attends() && !Answer::No.attends());
        assert_eq!(Answer::parse("maybe"), Some(Answer::Maybe));
    }

    #[test]
    fn a_time_reads_in_each_zone() {
        let at = Utc.with_ymd_and_hms(2026, 12, 10, 9, 0, 0).single().unwrap_or_default();
        assert_eq!(in_zone(at, "Europe/Berlin"), "Thu 10 Dec 2026, 10:00 CET");
        assert_eq!(in_zone(at, "America/New_York"), "Thu 10 Dec 2026, 04:00 EST");
    }

    #[test]
    fn rings_spread_both_ways_and_stop_at_the_depth() {
        let t = TeamId;
        // 1 serves 2, 3 serves 1, 2 serves 4, 4 serves 5.
        let pairs = [(t(1), t(2)), (t(3), t(1)), (t(2), t(4)), (t(4), t(5)), (t(2), t(1))];
        assert_eq!(rings_of(t(1), &pairs, 1), [(t(2), 1), (t(3), 1)]);
        assert_eq!(rings_of(t(1), &pairs, 2), [(t(2), 1), (t(3), 1), (t(4), 2)]);
        assert!(rings_of(t(9), &pairs, 2).is_empty());
    }

    #[test]
    fn questions_and_notes_are_checked() {
        assert_eq!(check_text("body", "  Why?  ", 10, "ask"), Ok("Why?".into()));
        assert!(check_text("body", " ", 10, "ask").is_err());
        assert!(check_text("body", "x".repeat(11).as_str(), 10, "ask").is_err());
    }
}
