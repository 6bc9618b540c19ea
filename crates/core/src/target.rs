//! Internal service targets: what a service promises per priority (a versioned policy), and the
//! clocks that measure a request against it in the provider's business time.
//!
//! A clock stores the working time it had used when it last stopped running (`elapsed_ms`) and
//! when it started running again (`running_since`); everything else (time left, due time,
//! state) is derived here from those two, the target and the calendar, so a changed calendar
//! applies to running clocks at once.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::business_time::{add_business_ms, business_ms_between};
use crate::calendar::Calendar;
use crate::request::{Priority, Status};
use crate::{FieldError, Invalid, PersonId, RequestId, ServiceId};

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;
/// Longest target accepted: a year of continuous working time is certainly a typing mistake.
const MAX_TARGET_MS: i64 = 366 * 24 * HOUR_MS;

/// Which promise a clock measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    /// Met by the first public reply from the providing team (or by resolving first).
    FirstResponse,
    /// Met by resolving the request.
    Resolution,
}

impl ClockKind {
    pub const ALL: [ClockKind; 2] = [Self::FirstResponse, Self::Resolution];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::FirstResponse => "first_response",
            Self::Resolution => "resolution",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::FirstResponse => "First response",
            Self::Resolution => "Resolution",
        }
    }
}

/// The two durations promised for one priority, in working time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PriorityTargets {
    /// Working minutes until the first public reply.
    pub first_response_minutes: u32,
    /// Working minutes until resolution.
    pub resolution_minutes: u32,
}

impl PriorityTargets {
    pub fn minutes(&self, kind: ClockKind) -> u32 {
        match kind {
            ClockKind::FirstResponse => self.first_response_minutes,
            ClockKind::Resolution => self.resolution_minutes,
        }
    }
}

/// What happens when a request's target is breached, besides telling the team lead.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EscalationRules {
    /// Reassign the request to this person (a member of the providing team).
    pub reassign_to: Option<PersonId>,
    /// Raise the request's priority by one step (P3 → P2), never above P1.
    pub raise_priority: bool,
    /// Also notify this person.
    pub notify: Option<PersonId>,
}

/// One version of a service's targets. Requests keep the version they were opened under.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TargetPolicy {
    pub id: i64,
    pub service_id: ServiceId,
    pub version: i64,
    /// Targets per priority; a priority without an entry has no targets.
    #[schema(value_type = BTreeMap<String, PriorityTargets>)]
    pub targets: BTreeMap<Priority, PriorityTargets>,
    /// Whether "waiting on others" pauses the clocks too (waiting on the requester always does).
    pub pause_on_others: bool,
    /// Share of a target used at which a clock is at risk, in percent.
    pub at_risk_percent: u8,
    pub escalation: EscalationRules,
    pub created_at: DateTime<Utc>,
}

impl TargetPolicy {
    /// The working milliseconds promised for `kind` at `priority`, if any.
    pub fn target_ms(&self, priority: Priority, kind: ClockKind) -> Option<i64> {
        self.targets.get(&priority).map(|t| i64::from(t.minutes(kind)) * MINUTE_MS)
    }
}

/// A policy as typed into a form or sent to the API: durations as text ("4h", "1h 30m", "90").
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NewTargetPolicy {
    /// Per priority (`P1`..`P4`): first response and resolution durations; empty strings mean no
    /// target for that priority.
    #[serde(default)]
    pub targets: BTreeMap<String, NewPriorityTargets>,
    #[serde(default)]
    pub pause_on_others: bool,
    /// Share of a target's time after which a request is at risk (1-99, default 75).
    #[schema(minimum = 1, maximum = 99)]
    pub at_risk_percent: Option<u8>,
    /// Email of the person to reassign breached requests to.
    pub reassign_to: Option<String>,
    #[serde(default)]
    pub raise_priority: bool,
    /// Email of a person to notify on breach.
    pub notify: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NewPriorityTargets {
    #[serde(default)]
    pub first_response: String,
    #[serde(default)]
    pub resolution: String,
}

/// A validated policy, its people still to be resolved from emails by the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedPolicy {
    pub targets: BTreeMap<Priority, PriorityTargets>,
    pub pause_on_others: bool,
    pub at_risk_percent: u8,
    pub reassign_to: Option<String>,
    pub raise_priority: bool,
    pub notify: Option<String>,
}

impl NewTargetPolicy {
    /// Checks every field at once; errors are keyed `targets.P1.first_response` and so on.
    pub fn check(&self) -> Result<CheckedPolicy, Invalid> {
        let mut errors = Vec::new();
        let mut targets = BTreeMap::new();
        for (key, t) in &self.targets {
            let Some(priority) = Priority::parse(key) else {
                errors.push(FieldError::new("targets", format!("`{key}` is not P1, P2, P3 or P4")));
                continue;
            };
            let p = priority.to_string();
            let (response, resolution) = (t.first_response.trim(), t.resolution.trim());
            if response.is_empty() && resolution.is_empty() {
                continue;
            }
            let mut field = |name: &str, text: &str| -> Option<u32> {
                let path = format!("targets.{p}.{name}");
                if text.is_empty() {
                    errors.push(FieldError::new(path, "give both targets for a priority, or neither"));
                    return None;
                }
                match parse_duration(text) {
                    Ok(ms) => Some(u32::try_from(ms / MINUTE_MS).unwrap_or(u32::MAX)),
                    Err(message) => {
                        errors.push(FieldError::new(path, message));
                        None
                    }
                }
            };
            let (r, s) = (field("first_response", response), field("resolution", resolution));
            if let (Some(r), Some(s)) = (r, s) {
                if r > s {
                    errors.push(FieldError::new(
                        format!("targets.{p}.resolution"),
                        "resolution cannot come before the first response",
                    ));
                }
                targets.insert(priority, PriorityTargets { first_response_minutes: r, resolution_minutes: s });
            }
        }
        let at_risk_percent = self.at_risk_percent.unwrap_or(75);
        if !(1..=99).contains(&at_risk_percent) {
            errors.push(FieldError::new("at_risk_percent", "give a share between 1 and 99 %"));
        }
        let email = |e: &Option<String>| e.as_deref().map(str::trim).filter(|e| !e.is_empty()).map(str::to_lowercase);
        if !errors.is_empty() {
            return Err(Invalid(errors));
        }
        Ok(CheckedPolicy {
            targets,
            pause_on_others: self.pause_on_others,
            at_risk_percent,
            reassign_to: email(&self.reassign_to),
            raise_priority: self.raise_priority,
            notify: email(&self.notify),
        })
    }
}

/// Parses a working-time duration: "90" (minutes), "45m", "4h", "1h 30m", "2d" (a day is 8
/// working hours, as people count a working day), in any combination.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let text = text.trim().to_lowercase();
    if let Ok(minutes) = text.parse::<i64>() {
        // Saturating: a huge number of minutes must read as too long, never wrap to a short one.
        return check_duration(minutes.saturating_mul(MINUTE_MS), &text);
    }
    let bad = || format!("`{text}` is not a duration; write minutes (90) or e.g. 4h, 1h 30m, 2d");
    // Tokens alternate: a number, then its unit word.
    let mut tokens = Vec::new();
    for c in text.chars() {
        let digit = c.is_ascii_digit();
        match tokens.last_mut() {
            _ if c == ' ' || c == ',' => tokens.push(String::new()),
            Some(t) if !t.is_empty() && t.chars().all(|x: char| x.is_ascii_digit()) == digit => t.push(c),
            _ => tokens.push(c.to_string()),
        }
    }
    tokens.retain(|t| !t.is_empty());
    if tokens.is_empty() || tokens.len() % 2 != 0 {
        return Err(bad());
    }
    let mut total = 0i64;
    for pair in tokens.chunks(2) {
        let n: i64 = pair[0].parse().map_err(|_| bad())?;
        let unit = match pair[1].as_str() {
            "d" | "day" | "days" => 8 * HOUR_MS,
            "h" | "hr" | "hrs" | "hour" | "hours" => HOUR_MS,
            "m" | "min" | "mins" | "minute" | "minutes" => MINUTE_MS,
            _ => return Err(bad()),
        };
        total = total.saturating_add(n.saturating_mul(unit));
    }
    check_duration(total, &text)
}

/// Minutes as [`parse_duration`] reads them back: "4h", "1h 30m", "45m".
pub fn duration_input(minutes: i64) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m}m"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h {m}m"),
    }
}

fn check_duration(ms: i64, text: &str) -> Result<i64, String> {
    if ms < MINUTE_MS {
        Err(format!("`{text}` is shorter than a minute"))
    } else if ms > MAX_TARGET_MS {
        Err(format!("`{text}` is longer than a year of working time"))
    } else {
        Ok(ms)
    }
}

/// Working time for people: "3 h 20 min", "45 min", "0 min".
pub fn format_duration(ms: i64) -> String {
    let minutes = ms.abs() / MINUTE_MS;
    let (h, m) = (minutes / 60, minutes % 60);
    match (h, m) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// The stored state of one clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clock {
    pub request_id: RequestId,
    pub kind: ClockKind,
    pub target_ms: i64,
    /// Working time used up to `running_since` (or in all, when not running).
    pub elapsed_ms: i64,
    /// When it last started running; `None` while paused or stopped.
    pub running_since: Option<i64>,
    /// When the promise was kept (reply or resolve); `None` until then.
    pub stopped_at: Option<i64>,
    pub at_risk_percent: u8,
    /// A breach was recorded (and escalated): the clock reads breached from then on, even if a
    /// later calendar change would put it back inside its target.
    pub breach_recorded: bool,
}

/// A target breached: which request, which promise, when, and who holds the request now
/// (after any escalation reassigned it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Breach {
    pub request_key: String,
    pub subject: String,
    pub kind: ClockKind,
    pub at: DateTime<Utc>,
    pub assignee_name: Option<String>,
    pub status: crate::request::Status,
}

/// Where a clock stands, as shown everywhere a request appears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    OnTrack,
    AtRisk,
    Breached,
    Met,
}

impl ClockState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OnTrack => "on_track",
            Self::AtRisk => "at_risk",
            Self::Breached => "breached",
            Self::Met => "met",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::OnTrack => "On track",
            Self::AtRisk => "At risk",
            Self::Breached => "Breached",
            Self::Met => "Met",
        }
    }
}

/// A clock read at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockReading {
    pub state: ClockState,
    pub paused: bool,
    pub elapsed_ms: i64,
    /// Working time left before the target (negative once breached).
    pub left_ms: i64,
    /// When the target falls due, if the clock is running.
    pub due_at: Option<i64>,
}

impl Clock {
    /// Working time used by `now`.
    pub fn elapsed_at(&self, now: i64, cal: &Calendar) -> i64 {
        self.elapsed_ms + self.running_since.map_or(0, |since| business_ms_between(since, now, cal).max(0))
    }

    pub fn at_risk_ms(&self) -> i64 {
        self.target_ms * i64::from(self.at_risk_percent) / 100
    }

    /// The instant working time reaches `used` while running; `None` when not running.
    pub fn instant_of(&self, used: i64, cal: &Calendar) -> Option<i64> {
        let since = self.running_since?;
        Some(add_business_ms(since, (used - self.elapsed_ms).max(0), cal))
    }

    pub fn read(&self, now: i64, cal: &Calendar) -> ClockReading {
        let elapsed = self.elapsed_at(now, cal);
        let state = if elapsed > self.target_ms || self.breach_recorded {
            ClockState::Breached
        } else if self.stopped_at.is_some() {
            ClockState::Met
        } else if elapsed >= self.at_risk_ms() {
            ClockState::AtRisk
        } else {
            ClockState::OnTrack
        };
        ClockReading {
            state,
            paused: self.running_since.is_none() && self.stopped_at.is_none(),
            elapsed_ms: elapsed,
            left_ms: self.target_ms - elapsed,
            due_at: self.instant_of(self.target_ms, cal),
        }
    }

    /// The next instant the runner must look at this clock: when it turns at risk, then when it
    /// is breached. `None` when stopped, paused or already breached.
    pub fn next_check(&self, now: i64, cal: &Calendar) -> Option<i64> {
        if self.stopped_at.is_some() || self.running_since.is_none() || self.breach_recorded {
            return None;
        }
        let elapsed = self.elapsed_at(now, cal);
        if elapsed < self.at_risk_ms() {
            self.instant_of(self.at_risk_ms(), cal)
        } else if elapsed <= self.target_ms {
            // One millisecond past the target: at the target exactly, it is still kept.
            self.instant_of(self.target_ms + 1, cal)
        } else {
            None
        }
    }

    /// Stops running (pause), banking the working time used.
    pub fn pause(&mut self, now: i64, cal: &Calendar) {
        self.elapsed_ms = self.elapsed_at(now, cal);
        self.running_since = None;
    }

    /// Runs again from where it stood.
    pub fn resume(&mut self, now: i64) {
        if self.running_since.is_none() {
            self.running_since = Some(now);
            self.stopped_at = None;
        }
    }

    /// The promise was kept (or broken) at `now`: stops for good, unless reopened.
    pub fn stop(&mut self, now: i64, cal: &Calendar) {
        if self.stopped_at.is_none() {
            self.pause(now, cal);
            self.stopped_at = Some(now);
        }
    }
}

impl Clock {
    /// Brings the clock in line with the request's new status: waiting on the requester (and on
    /// others, when the policy says so) pauses it; resolving or closing stops it; anything else
    /// runs it, and a reopened request's resolution clock runs on from where it stood.
    pub fn follow(&mut self, status: Status, pause_on_others: bool, now: i64, cal: &Calendar) {
        match status {
            Status::Resolved | Status::Closed => self.stop(now, cal),
            Status::WaitingOnRequester => self.pause(now, cal),
            Status::WaitingOnOthers if pause_on_others => self.pause(now, cal),
            Status::New | Status::Open | Status::InProgress | Status::WaitingOnOthers => {
                // A kept first response stays kept; only resolution is reopened.
                if self.stopped_at.is_none() || self.kind == ClockKind::Resolution {
                    self.resume(now);
                }
            }
        }
    }
}

/// A clock as shown to people and the API, read at one instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ClockView {
    pub kind: ClockKind,
    pub state: ClockState,
    /// Waiting on the requester (or on others): not counting.
    pub paused: bool,
    pub target_minutes: i64,
    pub elapsed_minutes: i64,
    /// Working minutes left; negative once breached.
    pub left_minutes: i64,
    /// When the target falls due, while the clock runs.
    pub due_at: Option<DateTime<Utc>>,
    /// The provider calendar's time zone, in which `due_local` is written.
    pub zone: String,
    /// The due time in the provider's zone, e.g. `Mon 23 Nov 11:00 CET`.
    pub due_local: Option<String>,
    /// One line for people: "2 h 30 min left", "breached by 3 h 20 min of working time".
    pub summary: String,
}

impl ClockView {
    /// "4 h": the target as working time.
    pub fn target_text(&self) -> String {
        format_duration(self.target_minutes * MINUTE_MS)
    }

    /// "2 h 10 min": working time left (or over, once breached).
    pub fn left_text(&self) -> String {
        format_duration(self.left_minutes * MINUTE_MS)
    }

    pub fn of(clock: &Clock, now: i64, cal: &Calendar) -> Self {
        let r = clock.read(now, cal);
        let due_at = r.due_at.and_then(DateTime::from_timestamp_millis);
        let summary = match (r.state, r.paused) {
            (ClockState::Breached, _) => breach_text(&r).unwrap_or_default(),
            (ClockState::Met, _) => {
                format!("met, {} of {} used", format_duration(r.elapsed_ms), format_duration(clock.target_ms))
            }
            (_, true) => format!("paused, {} left", format_duration(r.left_ms)),
            _ => format!("{} left", format_duration(r.left_ms)),
        };
        Self {
            kind: clock.kind,
            state: r.state,
            paused: r.paused,
            target_minutes: clock.target_ms / MINUTE_MS,
            elapsed_minutes: r.elapsed_ms / MINUTE_MS,
            left_minutes: r.left_ms / MINUTE_MS,
            due_local: due_at.map(|d| d.with_timezone(&cal.zone()).format("%a %-d %b %H:%M %Z").to_string()),
            due_at,
            zone: cal.zone().name().to_owned(),
            summary,
        }
    }
}

/// What a breach said: "breached by 3 h 20 min of working time".
pub fn breach_text(reading: &ClockReading) -> Option<String> {
    match (reading.state, reading.left_ms) {
        (ClockState::Breached, left) if left < 0 => {
            Some(format!("breached by {} of working time", format_duration(-left)))
        }
        (ClockState::Breached, _) => Some("breached".to_owned()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{Calendar, CalendarSpec};

    fn nine_to_five() -> Calendar {
        let mut week = BTreeMap::new();
        for d in ["mon", "tue", "wed", "thu", "fri"] {
            week.insert(d.to_owned(), vec!["09:00-17:00".to_owned()]);
        }
        let spec = CalendarSpec { zone: "Europe/Berlin".into(), week, ..CalendarSpec::default() };
        Calendar::from_spec(&spec).unwrap()
    }

    fn at(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
    }

    fn clock(target_h: i64, since: &str) -> Clock {
        Clock {
            request_id: RequestId(1),
            kind: ClockKind::Resolution,
            target_ms: target_h * HOUR_MS,
            elapsed_ms: 0,
            running_since: Some(at(since)),
            stopped_at: None,
            at_risk_percent: 75,
            breach_recorded: false,
        }
    }

    #[test]
    fn durations_parse_as_people_write_them() {
        assert_eq!(parse_duration("90"), Ok(90 * MINUTE_MS));
        assert_eq!(parse_duration("4h"), Ok(4 * HOUR_MS));
        assert_eq!(parse_duration("1h 30m"), Ok(90 * MINUTE_MS));
        assert_eq!(parse_duration("2d"), Ok(16 * HOUR_MS));
        assert_eq!(parse_duration("45 min"), Ok(45 * MINUTE_MS));
        assert_eq!(parse_duration("3 hrs"), Ok(3 * HOUR_MS));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("h").is_err());
        // Minutes that overflow milliseconds are too long, never a wrapped short duration.
        for huge in ["307445734561827", "153722867280913", "9223372036854775807", "99999999999d"] {
            let e = parse_duration(huge).unwrap_err();
            assert!(e.contains("longer than a year"), "{huge}: {e}");
        }
        assert!(parse_duration("100000h").is_err());
    }

    #[test]
    fn form_values_read_back_as_they_were() {
        for minutes in [45, 60, 90, 16 * 60] {
            assert_eq!(parse_duration(&duration_input(minutes)), Ok(minutes * MINUTE_MS));
        }
    }

    #[test]
    fn durations_format_in_working_hours() {
        assert_eq!(format_duration(200 * MINUTE_MS), "3 h 20 min");
        assert_eq!(format_duration(45 * MINUTE_MS), "45 min");
        assert_eq!(format_duration(-2 * HOUR_MS), "2 h");
    }

    #[test]
    fn a_policy_is_checked_field_by_field() {
        let mut p = NewTargetPolicy::default();
        p.targets.insert("P1".into(), NewPriorityTargets { first_response: "30m".into(), resolution: "4h".into() });
        p.targets.insert("P2".into(), NewPriorityTargets { first_response: "8h".into(), resolution: "1h".into() });
        p.targets.insert("P3".into(), NewPriorityTargets { first_response: "2h".into(), resolution: String::new() });
        p.targets.insert("P4".into(), NewPriorityTargets::default());
        p.at_risk_percent = Some(100);
        let err = p.check().unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["targets.P2.resolution", "targets.P3.resolution", "at_risk_percent"]);
        p.targets.remove("P2");
        p.targets.remove("P3");
        p.at_risk_percent = None;
        let ok = p.check().unwrap();
        assert_eq!(ok.targets.len(), 1);
        assert_eq!(ok.at_risk_percent, 75);
    }

    #[test]
    fn a_clock_turns_at_risk_then_breached_in_working_time() {
        let cal = nine_to_five();
        // Friday 15:00 Berlin (14:00 UTC), 4 working hours: due Monday 11:00.
        let c = clock(4, "2026-11-20T14:00:00Z");
        let r = c.read(at("2026-11-20T15:30:00Z"), &cal);
        assert_eq!((r.state, r.left_ms), (ClockState::OnTrack, 150 * MINUTE_MS));
        assert_eq!(r.due_at, Some(at("2026-11-23T10:00:00Z")));
        assert_eq!(c.next_check(at("2026-11-20T15:30:00Z"), &cal), Some(at("2026-11-23T09:00:00Z")));
        let weekend = c.read(at("2026-11-22T12:00:00Z"), &cal);
        assert_eq!(weekend.state, ClockState::OnTrack);
        assert_eq!(c.read(at("2026-11-23T09:30:00Z"), &cal).state, ClockState::AtRisk);
        let late = c.read(at("2026-11-23T13:20:00Z"), &cal);
        assert_eq!(late.state, ClockState::Breached);
        assert_eq!(breach_text(&late).unwrap(), "breached by 3 h 20 min of working time");
    }

    #[test]
    fn pausing_banks_working_time_and_resuming_continues() {
        let cal = nine_to_five();
        let mut c = clock(4, "2026-11-23T08:00:00Z"); // Monday 09:00 Berlin
        c.pause(at("2026-11-23T10:00:00Z"), &cal);
        assert_eq!(c.elapsed_ms, 2 * HOUR_MS);
        let paused = c.read(at("2026-11-25T10:00:00Z"), &cal);
        assert!(paused.paused);
        assert_eq!((paused.elapsed_ms, paused.due_at), (2 * HOUR_MS, None));
        assert_eq!(c.next_check(at("2026-11-25T10:00:00Z"), &cal), None);
        c.resume(at("2026-11-25T08:00:00Z"));
        assert_eq!(c.read(at("2026-11-25T08:00:00Z"), &cal).due_at, Some(at("2026-11-25T10:00:00Z")));
    }

    #[test]
    fn clocks_follow_the_request_status() {
        let cal = nine_to_five();
        let monday = at("2026-11-23T08:00:00Z");
        let mut response = clock(2, "2026-11-23T08:00:00Z");
        response.kind = ClockKind::FirstResponse;
        let mut resolution = clock(8, "2026-11-23T08:00:00Z");
        for c in [&mut response, &mut resolution] {
            c.follow(Status::WaitingOnOthers, false, monday + HOUR_MS, &cal);
            assert!(c.running_since.is_some(), "waiting on others runs unless the policy pauses it");
            c.follow(Status::WaitingOnOthers, true, monday + HOUR_MS, &cal);
            assert_eq!((c.running_since, c.elapsed_ms), (None, HOUR_MS));
            c.follow(Status::InProgress, true, monday + 2 * HOUR_MS, &cal);
            c.follow(Status::Resolved, true, monday + 3 * HOUR_MS, &cal);
            assert_eq!((c.stopped_at, c.elapsed_ms), (Some(monday + 3 * HOUR_MS), 2 * HOUR_MS));
            c.follow(Status::Open, true, monday + 4 * HOUR_MS, &cal);
        }
        assert_eq!(response.running_since, None, "a kept first response is not reopened");
        assert_eq!(resolution.running_since, Some(monday + 4 * HOUR_MS));
        assert_eq!(resolution.elapsed_at(monday + 5 * HOUR_MS, &cal), 3 * HOUR_MS);
    }

    #[test]
    fn a_stopped_clock_is_met_or_breached_for_good() {
        let cal = nine_to_five();
        let mut met = clock(4, "2026-11-23T08:00:00Z");
        met.stop(at("2026-11-23T09:00:00Z"), &cal);
        assert_eq!(met.read(at("2026-12-31T09:00:00Z"), &cal).state, ClockState::Met);
        let mut late = clock(1, "2026-11-23T08:00:00Z");
        late.stop(at("2026-11-23T10:00:00Z"), &cal);
        let r = late.read(at("2026-12-31T09:00:00Z"), &cal);
        assert_eq!((r.state, r.left_ms), (ClockState::Breached, -HOUR_MS));
        // Reopening runs the clock on from where it stood.
        late.resume(at("2026-11-24T08:00:00Z"));
        assert_eq!(late.elapsed_at(at("2026-11-24T08:30:00Z"), &cal), 2 * HOUR_MS + 30 * MINUTE_MS);
    }
}
