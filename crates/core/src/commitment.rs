//! Commitments: recurring deliverables a provider team owes a receiver team (timesheets every
//! other Friday, month-end figures), scheduled by an RFC 5545 RRULE in the provider's time zone.
//!
//! Each due date is an occurrence. The owner delivers it; the receiver accepts it or sends it back
//! (which reopens it). An occurrence is on time when the delivery that was accepted came by its
//! deadline: the due time plus the grace period, in the provider's working time. Lateness is then
//! measured from the due time in the provider's working time, and how long the receiver waited
//! from the due time in the receiver's working time, because each side loses its own hours.

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::business_time::{add_business_ms, business_ms_between};
use crate::calendar::Calendar;
use crate::error::{FieldError, Invalid};
use crate::target::{format_duration, parse_duration};
use crate::time::parse_time_zone;
use crate::TeamId;

pub use crate::schedule::Schedule;

/// How far ahead occurrences are generated, so feeds and views show the coming quarter.
pub const HORIZON_MS: i64 = 92 * 86_400_000;
/// Occurrences generated in one go at most (a daily rule over the horizon is 92).
pub const MAX_AHEAD: u16 = 120;
/// Open occurrences due within two weeks (or overdue) are what a team owes or waits on now.
pub const OWED_AHEAD_MS: i64 = 14 * 86_400_000;
/// The longest reminder lead: four weeks.
pub const MAX_REMIND_HOURS: i64 = 28 * 24;

/// Where an occurrence stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OccurrenceStatus {
    /// Not delivered yet, or sent back.
    Open,
    /// Delivered, waiting for the receiver to accept it.
    Delivered,
    Accepted,
}

impl OccurrenceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Delivered => "delivered",
            Self::Accepted => "accepted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "open" => Self::Open,
            "delivered" => Self::Delivered,
            "accepted" => Self::Accepted,
            _ => return None,
        })
    }
}

/// What people do to an occurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Deliver,
    Accept,
    SendBack,
}

impl Step {
    fn verb(self) -> &'static str {
        match self {
            Self::Deliver => "delivered",
            Self::Accept => "accepted",
            Self::SendBack => "sent back",
        }
    }
}

/// A step the occurrence's lifecycle does not allow from where it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an occurrence that is {} cannot be {}", .from.as_str(), .step.verb())]
pub struct IllegalStep {
    pub from: OccurrenceStatus,
    pub step: Step,
}

impl OccurrenceStatus {
    /// The lifecycle: open → delivered → accepted, or sent back to open. Accepted is final.
    pub fn after(self, step: Step) -> Result<Self, IllegalStep> {
        match (self, step) {
            (Self::Open, Step::Deliver) => Ok(Self::Delivered),
            (Self::Delivered, Step::Accept) => Ok(Self::Accepted),
            (Self::Delivered, Step::SendBack) => Ok(Self::Open),
            (from, step) => Err(IllegalStep { from, step }),
        }
    }
}

/// How an occurrence's timing reads now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    /// Not due yet.
    Upcoming,
    /// Past due but inside the grace period.
    InGrace,
    /// Past the deadline and not delivered.
    Overdue,
    /// Delivered by the deadline.
    OnTime,
    /// Delivered after the deadline.
    Late,
}

impl Timeliness {
    pub fn label(self) -> &'static str {
        match self {
            Self::Upcoming => "Upcoming",
            Self::InGrace => "In grace period",
            Self::Overdue => "Overdue",
            Self::OnTime => "On time",
            Self::Late => "Late",
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            Self::Upcoming => "on_track",
            Self::InGrace => "at_risk",
            Self::Overdue | Self::Late => "breached",
            Self::OnTime => "met",
        }
    }
}

/// The timing of one occurrence, in both teams' working time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    pub timeliness: Timeliness,
    /// Provider working time from due to delivery (or now), when past the deadline; else 0.
    pub late_ms: i64,
    /// Receiver working time from due to delivery (or now); 0 when delivered before due.
    pub waited_ms: i64,
}

/// The deadline of an occurrence: due plus the grace period in the provider's working time.
pub fn deadline(due: i64, grace_ms: i64, provider: &Calendar) -> i64 {
    if grace_ms <= 0 {
        due
    } else {
        add_business_ms(due, grace_ms, provider)
    }
}

/// Times an occurrence due at `due` with deadline `deadline`, delivered at `delivered` (the
/// delivery standing now, if any), read at `now`.
pub fn timing(
    due: i64,
    deadline: i64,
    delivered: Option<i64>,
    now: i64,
    provider: &Calendar,
    receiver: &Calendar,
) -> Timing {
    let end = delivered.unwrap_or(now);
    let timeliness = match delivered {
        Some(at) if at <= deadline => Timeliness::OnTime,
        Some(_) => Timeliness::Late,
        None if now > deadline => Timeliness::Overdue,
        None if now > due => Timeliness::InGrace,
        None => Timeliness::Upcoming,
    };
    let late_ms = if matches!(timeliness, Timeliness::Late | Timeliness::Overdue) {
        business_ms_between(due, end, provider).max(0)
    } else {
        0
    };
    let waited_ms = if end > due { business_ms_between(due, end, receiver).max(0) } else { 0 };
    Timing { timeliness, late_ms, waited_ms }
}

/// Occurrences kept and missed: the on-time record of a commitment, provider or receiver.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OnTimeRecord {
    /// Delivered by the deadline.
    pub on_time: i64,
    /// Delivered after the deadline, or overdue and still not delivered.
    pub late: i64,
}

impl OnTimeRecord {
    pub fn decided(self) -> i64 {
        self.on_time + self.late
    }

    /// On-time share in percent; `None` while nothing is decided.
    pub fn percent(self) -> Option<i64> {
        let d = self.decided();
        (d > 0).then(|| (self.on_time * 100 + d / 2) / d)
    }

    pub fn label(self) -> String {
        match self.percent() {
            Some(p) => format!("{p} % on time ({} of {})", self.on_time, self.decided()),
            None => "nothing due yet".to_owned(),
        }
    }
}

impl OnTimeRecord {
    /// The months of a trend added up.
    pub fn of_months(months: &[OnTimeMonth]) -> Self {
        months.iter().fold(Self::default(), |r, m| Self { on_time: r.on_time + m.on_time, late: r.late + m.late })
    }
}

/// On-time trends cover this many calendar months, this one included.
pub const TREND_MONTHS: u32 = 6;

/// The start of the trend window that ends at `now`: the first of the month, in UTC.
pub fn trend_since(now: crate::time::Millis) -> crate::time::Millis {
    let first = crate::report::first_of_month_back(now.to_utc().date_naive(), TREND_MONTHS);
    crate::time::Millis(first.and_hms_opt(0, 0, 0).map_or(0, |t| t.and_utc().timestamp_millis()))
}

/// One month of an on-time trend, by due date (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OnTimeMonth {
    /// `YYYY-MM`
    pub month: String,
    pub on_time: i64,
    pub late: i64,
}

/// The trend as a stacked bar chart, drawn on the server.
pub fn on_time_svg(months: &[OnTimeMonth]) -> String {
    let bars: Vec<(String, Vec<i64>)> = months.iter().map(|m| (m.month.clone(), vec![m.on_time, m.late])).collect();
    crate::report::bars_svg(
        "On-time deliveries by month",
        &[(crate::report::GOOD, "On time"), (crate::report::BAD, "Late")],
        &bars,
        "Nothing has fallen due yet.",
    )
}

/// A commitment as entered in a form or the API.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCommitment {
    /// Key of the team that delivers (on a change, the commitment's own; teams never change).
    pub provider: String,
    /// Key of the team that receives.
    pub receiver: String,
    pub title: String,
    /// What a complete delivery holds; one checklist item per line.
    #[serde(default)]
    pub description: String,
    /// Email of the person who delivers (a member of the provider team).
    pub owner: String,
    /// Email of who delivers when the owner is away.
    #[serde(default)]
    pub backup: Option<String>,
    /// RFC 5545 RRULE, e.g. `FREQ=WEEKLY;INTERVAL=2;BYDAY=FR`.
    pub rule: String,
    /// The first due time, local to `zone`: `2026-11-27T17:00`.
    pub first_due: String,
    /// IANA zone; the provider's calendar zone when left out.
    #[serde(default)]
    pub zone: Option<String>,
    /// Working time after the due time that still counts as on time: `4h`, `1d`. Default none.
    #[serde(default)]
    pub grace: Option<String>,
    /// Hours before each due time to remind the owner; 0 for no reminder. Default 24.
    #[serde(default)]
    pub remind_hours: Option<i64>,
    /// Hours of work each delivery takes the provider, for its forecast and workload. Default 0.
    #[serde(default)]
    pub effort_hours: Option<f64>,
}

/// A commitment whose fields have been checked.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedCommitment {
    pub provider: String,
    pub receiver: String,
    pub title: String,
    pub description: String,
    pub owner: String,
    pub backup: Option<String>,
    pub schedule: Schedule,
    pub grace_ms: i64,
    pub remind_ms: i64,
    pub effort_hours: f64,
}

impl NewCommitment {
    /// Checks every field, reporting all errors at once. `default_zone` is the provider's.
    pub fn check(&self, default_zone: Tz) -> Result<CheckedCommitment, Invalid> {
        let mut errors = Vec::new();
        let title = self.title.trim();
        if title.is_empty() {
            errors.push(FieldError::new("title", "the commitment needs a title"));
        } else if title.chars().count() > 200 {
            errors.push(FieldError::new("title", "keep the title under 200 characters"));
        }
        if self.provider.trim().eq_ignore_ascii_case(self.receiver.trim()) {
            errors.push(FieldError::new("receiver", "a team cannot owe a commitment to itself"));
        }
        let owner = self.owner.trim().to_lowercase();
        if owner.is_empty() {
            errors.push(FieldError::new("owner", "name the person who delivers"));
        }
        let backup = self.backup.as_deref().map(|b| b.trim().to_lowercase()).filter(|b| !b.is_empty());
        if backup.as_deref() == Some(owner.as_str()) && !owner.is_empty() {
            errors.push(FieldError::new("backup", "the backup must be someone other than the owner"));
        }
        let zone = match self.zone.as_deref().map(str::trim).filter(|z| !z.is_empty()) {
            Some(z) => parse_time_zone(z).map_err(|e| errors.push(FieldError::new("zone", e))).ok(),
            None => Some(default_zone),
        };
        let first_due = parse_local(&self.first_due).map_err(|e| errors.push(FieldError::new("first_due", e))).ok();
        let schedule = match (zone, first_due) {
            (Some(zone), Some(first)) => Schedule::new(&self.rule, first, zone).map_err(|e| errors.push(e)).ok(),
            _ => None,
        };
        let grace_ms = match self.grace.as_deref().map(str::trim).filter(|g| !g.is_empty()) {
            None => 0,
            Some(g) => parse_duration(g).map_err(|e| errors.push(FieldError::new("grace", e))).unwrap_or(0),
        };
        let remind_hours = self.remind_hours.unwrap_or(24);
        if !(0..=MAX_REMIND_HOURS).contains(&remind_hours) {
            errors
                .push(FieldError::new("remind_hours", format!("remind between 0 and {MAX_REMIND_HOURS} hours before")));
        }
        let effort_hours = self.effort_hours.unwrap_or(0.0);
        if !effort_hours.is_finite() || !(0.0..=1_000.0).contains(&effort_hours) {
            errors.push(FieldError::new("effort_hours", "give the hours each delivery takes, from 0 to 1,000"));
        }
        match schedule {
            Some(schedule) if errors.is_empty() => Ok(CheckedCommitment {
                provider: self.provider.trim().to_uppercase(),
                receiver: self.receiver.trim().to_uppercase(),
                title: title.to_owned(),
                description: self.description.trim().to_owned(),
                owner,
                backup,
                schedule,
                grace_ms,
                remind_ms: remind_hours * 3_600_000,
                effort_hours,
            }),
            _ => Err(Invalid(errors)),
        }
    }
}

/// A local date and time as typed in a form (`2026-11-27T17:00`) or written in full with seconds.
pub fn parse_local(text: &str) -> Result<NaiveDateTime, String> {
    let t = text.trim();
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
        .ok_or_else(|| "give the first due date and time, such as 2026-11-27T17:00".to_owned())
}

/// A person named on a commitment.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Named {
    pub id: i64,
    pub name: String,
    pub email: String,
}

/// A commitment as read.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Commitment {
    pub id: i64,
    pub provider_id: TeamId,
    pub provider_key: String,
    pub provider_name: String,
    pub receiver_id: TeamId,
    pub receiver_key: String,
    pub receiver_name: String,
    pub title: String,
    pub description: String,
    pub owner: Named,
    pub backup: Option<Named>,
    /// The schedule as an iCalendar RRULE, recurring from `first_due`.
    pub rule: String,
    /// The schedule in words: "every other Friday at 17:00 Berlin time".
    pub schedule_text: String,
    /// Local to `zone`.
    pub first_due: String,
    pub zone: String,
    pub grace_ms: i64,
    pub remind_ms: i64,
    /// Hours of work each delivery takes the provider.
    pub effort_hours: f64,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    /// Over every occurrence that has fallen due.
    pub record: OnTimeRecord,
}

impl Commitment {
    /// The schedule in words, starting a sentence: "Every other Friday at 17:00 Berlin time".
    pub fn schedule_sentence(&self) -> String {
        let mut chars = self.schedule_text.chars();
        chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
    }

    /// The checklist: one item per non-empty line of the description.
    pub fn checklist(&self) -> Vec<&str> {
        self.description
            .lines()
            .map(|l| l.trim().trim_start_matches(['-', '*']).trim())
            .filter(|l| !l.is_empty())
            .collect()
    }

    /// Who may deliver: the owner, the backup, any member of the provider team, or an admin.
    pub fn deliverable_by(&self, actor: &crate::authz::Actor) -> bool {
        actor.is_admin
            || actor.is_member_of(self.provider_id)
            || actor
                .person_id
                .is_some_and(|p| p.0 == self.owner.id || self.backup.as_ref().is_some_and(|b| b.id == p.0))
    }

    /// Who may accept or send back: members of the receiving team, or an admin.
    pub fn receivable_by(&self, actor: &crate::authz::Actor) -> bool {
        actor.works_in(self.receiver_id)
    }

    /// Who may change it: the leads of either team, or an admin.
    pub fn editable_by(&self, actor: &crate::authz::Actor) -> bool {
        actor.can_manage_either(self.provider_id, self.receiver_id)
    }

    pub fn schedule(&self) -> Option<Schedule> {
        let zone = self.zone.parse().ok()?;
        Schedule::new(&self.rule, parse_local(&self.first_due).ok()?, zone).ok()
    }
}

/// One delivery of an occurrence, and how the receiver answered it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Delivery {
    pub id: i64,
    pub delivered_by: String,
    pub delivered_at: DateTime<Utc>,
    pub note: String,
    pub link: Option<String>,
    /// Name of an attached file, downloadable from the delivery.
    pub file_name: Option<String>,
    /// `accepted`, `sent_back`, or none while the receiver has not answered.
    pub outcome: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    /// Why it was sent back.
    pub reason: String,
}

/// One due date of a commitment.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Occurrence {
    pub id: i64,
    pub commitment_id: i64,
    pub title: String,
    pub provider_key: String,
    pub provider_name: String,
    pub receiver_key: String,
    pub receiver_name: String,
    pub owner_name: String,
    pub due_at: DateTime<Utc>,
    /// Due plus the grace period: delivered by then counts as on time.
    pub deadline_at: DateTime<Utc>,
    pub status: OccurrenceStatus,
    /// The delivery standing now (none while open).
    pub delivered_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    /// Deliveries sent back so far.
    pub sent_back: i64,
    pub timeliness: Timeliness,
    /// Provider working time late, measured from the due time.
    pub late_ms: i64,
    /// Receiver working time waited since the due time.
    pub waited_ms: i64,
    pub deliveries: Vec<Delivery>,
}

impl Occurrence {
    /// "late by 3 h of working time; waited 2 h", "waited 2 h", or nothing.
    pub fn timing_text(&self) -> String {
        match (self.late_ms, self.waited_ms) {
            (0, 0) => String::new(),
            (0, w) => format!("waited {}", format_duration(w)),
            (l, w) => format!("late by {} of working time; waited {}", format_duration(l), format_duration(w)),
        }
    }
}

/// A delivery as entered.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewDelivery {
    pub note: String,
    /// An `https://` or `http://` address where the deliverable lives.
    pub link: Option<String>,
}

impl NewDelivery {
    /// A delivery needs something: a note, a link or (checked by the caller) a file.
    pub fn check(&self, has_file: bool) -> Result<(String, Option<String>), Invalid> {
        let note = self.note.trim().to_owned();
        let link = self.link.as_deref().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned);
        if let Some(l) = &link {
            let ok = (l.starts_with("https://") || l.starts_with("http://"))
                && l.len() > 8
                && !l.contains(char::is_whitespace);
            if !ok {
                return Err(Invalid::one("link", "a link starts with https:// and has no spaces"));
            }
        }
        if note.is_empty() && link.is_none() && !has_file {
            return Err(Invalid::one("note", "say what was delivered: a note, a link or a file"));
        }
        if note.chars().count() > 5_000 {
            return Err(Invalid::one("note", "keep the note under 5,000 characters"));
        }
        Ok((note, link))
    }
}

/// A subscribable calendar feed: a person's own occurrences, or a team's. Its address holds a
/// token shown once, when it is made.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CalendarFeed {
    pub id: i64,
    /// The team whose occurrences it lists; none for the person's own.
    pub team_key: Option<String>,
    pub team_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The local date of an instant in a zone, for showing due dates where the provider works.
pub fn local(at: DateTime<Utc>, zone: &str) -> String {
    match zone.parse::<Tz>() {
        Ok(z) => at.with_timezone(&z).format("%a %-d %b %Y %H:%M %Z").to_string(),
        Err(_) => at.format("%a %-d %b %Y %H:%M UTC").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::CalendarSpec;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).single().map(|t| t.timestamp_millis()).unwrap_or_default()
    }

    fn office(zone: &str) -> Calendar {
        let week = ["mon", "tue", "wed", "thu", "fri"].map(|d| (d.to_owned(), vec!["09:00-17:00".to_owned()]));
        let spec = CalendarSpec { zone: zone.into(), week: week.into_iter().collect(), ..CalendarSpec::default() };
        Calendar::from_spec(&spec).unwrap_or_else(|_| Calendar::always())
    }

    #[test]
    fn occurrences_follow_their_lifecycle() {
        use OccurrenceStatus::{Accepted, Delivered, Open};
        assert_eq!(Open.after(Step::Deliver), Ok(Delivered));
        assert_eq!(Delivered.after(Step::SendBack), Ok(Open));
        assert_eq!(Delivered.after(Step::Accept), Ok(Accepted));
        for (from, step) in [(Delivered, Step::Deliver), (Open, Step::Accept), (Accepted, Step::SendBack)] {
            assert!(from.after(step).is_err(), "{from:?} {step:?}");
        }
        assert_eq!(
            Accepted.after(Step::Deliver).unwrap_err().to_string(),
            "an occurrence that is accepted cannot be delivered"
        );
    }

    #[test]
    fn late_and_waited_are_measured_in_each_sides_working_time() {
        let berlin = office("Europe/Berlin");
        let new_york = office("America/New_York");
        // Due Friday 20 November 2026 17:00 Berlin (16:00 UTC), two working hours of grace.
        let due = at(2026, 11, 20, 16, 0);
        let deadline = deadline(due, 2 * 3_600_000, &berlin);
        assert_eq!(deadline, at(2026, 11, 23, 10, 0), "grace runs into Monday 11:00 Berlin");
        // Delivered Monday 10:30 Berlin: inside the grace period.
        let on_time = timing(due, deadline, Some(at(2026, 11, 23, 9, 30)), at(2026, 11, 24, 0, 0), &berlin, &new_york);
        assert_eq!(on_time.timeliness, Timeliness::OnTime);
        assert_eq!(on_time.late_ms, 0);
        // New York worked Friday 11:00-17:00 after the due time (6 h); Monday 04:30 is before its day starts.
        assert_eq!(on_time.waited_ms, 6 * 3_600_000);
        // Delivered Monday 14:00 Berlin: late by Monday 09:00-14:00 = 5 h (Friday had no working time left).
        let late = timing(due, deadline, Some(at(2026, 11, 23, 13, 0)), at(2026, 11, 24, 0, 0), &berlin, &new_york);
        assert_eq!((late.timeliness, late.late_ms), (Timeliness::Late, 5 * 3_600_000));
        assert_eq!(late.waited_ms, 6 * 3_600_000, "New York's Monday has not started by 08:00 there");
        // Not delivered at all by Tuesday 12:00 Berlin: overdue, late by Monday 8 h + Tuesday 3 h.
        let overdue = timing(due, deadline, None, at(2026, 11, 24, 11, 0), &berlin, &new_york);
        assert_eq!((overdue.timeliness, overdue.late_ms), (Timeliness::Overdue, 11 * 3_600_000));
        // Friday 6 h + Monday 8 h in New York, Tuesday not begun (06:00 there).
        assert_eq!(overdue.waited_ms, 14 * 3_600_000);
        // Before the due time, and inside the grace period.
        assert_eq!(timing(due, deadline, None, due - 1, &berlin, &new_york).timeliness, Timeliness::Upcoming);
        let grace = timing(due, deadline, None, due + 60_000, &berlin, &new_york);
        assert_eq!((grace.timeliness, grace.late_ms), (Timeliness::InGrace, 0));
        // Delivered early: nobody waited.
        let early = timing(due, deadline, Some(due - 3_600_000), due + 86_400_000, &berlin, &new_york);
        assert_eq!((early.timeliness, early.waited_ms), (Timeliness::OnTime, 0));
        assert_eq!(super::deadline(due, 0, &berlin), due, "no grace: the deadline is the due time");
    }

    #[test]
    fn on_time_record_reads_as_a_share() {
        assert_eq!(OnTimeRecord::default().percent(), None);
        assert_eq!(OnTimeRecord::default().label(), "nothing due yet");
        let r = OnTimeRecord { on_time: 2, late: 1 };
        assert_eq!((r.percent(), r.label().as_str()), (Some(67), "67 % on time (2 of 3)"));
    }

    #[test]
    fn trends_start_on_the_first_of_a_month_and_add_up() {
        let now = crate::time::Millis(at(2026, 1, 15, 10, 0));
        assert_eq!(trend_since(now).0, at(2025, 8, 1, 0, 0), "six months, this one included");
        let months = [
            OnTimeMonth { month: "2025-12".into(), on_time: 3, late: 1 },
            OnTimeMonth { month: "2026-01".into(), on_time: 1, late: 0 },
        ];
        assert_eq!(OnTimeRecord::of_months(&months), OnTimeRecord { on_time: 4, late: 1 });
    }

    #[test]
    fn a_commitment_is_checked_whole() {
        let bad = NewCommitment {
            provider: "PAY".into(),
            receiver: "pay".into(),
            owner: "a@example.com".into(),
            backup: Some("A@example.com".into()),
            rule: "FREQ=WEEKLY;BYDAY=XX".into(),
            first_due: "Friday".into(),
            grace: Some("soon".into()),
            remind_hours: Some(-1),
            effort_hours: Some(-1.0),
            ..Default::default()
        };
        let errors = bad.check(Tz::UTC).err().map(|e| e.0).unwrap_or_default();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["title", "receiver", "backup", "first_due", "grace", "remind_hours", "effort_hours"]);
        let good = NewCommitment {
            provider: "ops".into(),
            receiver: "PAY".into(),
            title: "Timesheets".into(),
            description: "- all hours approved\n\n- overtime flagged".into(),
            owner: "Ops@Example.com".into(),
            rule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR".into(),
            first_due: "2026-11-27T17:00".into(),
            grace: Some("4h".into()),
            ..Default::default()
        };
        let c = good.check(Tz::Europe__Berlin).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            (c.provider.as_str(), c.owner.as_str(), c.grace_ms, c.remind_ms),
            ("OPS", "ops@example.com", 4 * 3_600_000, 24 * 3_600_000)
        );
        assert_eq!(c.schedule.zone, Tz::Europe__Berlin);
    }

    #[test]
    fn a_delivery_needs_something() {
        assert!(NewDelivery::default().check(false).is_err());
        assert!(NewDelivery::default().check(true).is_ok());
        let bad = NewDelivery { note: String::new(), link: Some("ftp://x".into()) };
        assert_eq!(bad.check(false).err().map(|e| e.0[0].field.clone()).as_deref(), Some("link"));
        let ok = NewDelivery { note: " Figures attached ".into(), link: Some("https://files.example.com/q3".into()) };
        assert_eq!(
            ok.check(false).ok(),
            Some(("Figures attached".to_owned(), Some("https://files.example.com/q3".to_owned())))
        );
    }
}
