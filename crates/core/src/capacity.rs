//! Capacity: a person's time off, and what it takes from the days a team can work.

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeDelta};
use serde::{Deserialize, Serialize};

use crate::error::{FieldError, Invalid};
use crate::ids::PersonId;

/// The longest single stretch of time off.
pub const MAX_DAYS: i64 = 366;

/// A stretch of time off, whole days or half days, in the person's own dates.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TimeOff {
    pub id: i64,
    pub person_id: PersonId,
    pub starts_on: NaiveDate,
    /// The last day off (the same as `starts_on` for one day).
    pub ends_on: NaiveDate,
    /// Half of each of these days is off.
    pub half_day: bool,
    pub note: String,
}

/// Time off as entered.
#[derive(Debug, Clone, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTimeOff {
    pub starts_on: NaiveDate,
    /// Defaults to `starts_on`: one day.
    pub ends_on: Option<NaiveDate>,
    #[serde(default)]
    pub half_day: bool,
    /// e.g. "Holiday", "Training"; optional.
    #[serde(default)]
    pub note: String,
}

impl NewTimeOff {
    /// The last day off, every problem at once.
    pub fn check(&self) -> Result<NaiveDate, Invalid> {
        let ends = self.ends_on.unwrap_or(self.starts_on);
        let mut errors = Vec::new();
        if ends < self.starts_on {
            errors.push(FieldError::new("ends_on", "the last day off cannot come before the first"));
        } else if (ends - self.starts_on).num_days() >= MAX_DAYS {
            errors.push(FieldError::new("ends_on", "enter at most a year at a time"));
        }
        if self.note.chars().count() > 200 {
            errors.push(FieldError::new("note", "a note of up to 200 characters"));
        }
        if errors.is_empty() {
            Ok(ends)
        } else {
            Err(Invalid(errors))
        }
    }
}

/// The work a request is expected to take and the time spent on it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Effort {
    /// The team's estimate, or the service's typical effort until the team gives one.
    pub estimate_hours: f64,
    /// The team gave the estimate (rather than the service's default).
    pub estimated: bool,
    pub logged_hours: f64,
}

impl Effort {
    /// Hours still to go, as the forecast counts them.
    pub fn left_hours(&self) -> f64 {
        (self.estimate_hours - self.logged_hours).max(0.0)
    }
}

/// The share of each date a person is away, from their time off: 1.0 a whole day, 0.5 a half day
/// (two half days on one date make a whole one).
pub fn away_by_date(time_off: &[TimeOff]) -> BTreeMap<NaiveDate, f64> {
    let mut away: BTreeMap<NaiveDate, f64> = BTreeMap::new();
    for t in time_off {
        let share = if t.half_day { 0.5 } else { 1.0 };
        let mut d = t.starts_on;
        while d <= t.ends_on {
            let v = away.entry(d).or_default();
            *v = (*v + share).min(1.0);
            d += TimeDelta::days(1);
        }
    }
    away
}

/// The most events one calendar file may bring.
pub const MAX_ICS_EVENTS: usize = 500;
/// An event within one day of at most this long is a half day off.
const HALF_DAY_MS: i64 = 5 * 3_600_000;

/// A moment of an event in the person's own zone: a date, or a date and time.
enum Point {
    Day(NaiveDate),
    At(chrono::NaiveDateTime),
}

fn point(value: icalendar::DatePerhapsTime, zone: chrono_tz::Tz) -> Point {
    use chrono::TimeZone;
    use icalendar::{CalendarDateTime, DatePerhapsTime};
    match value {
        DatePerhapsTime::Date(d) => Point::Day(d),
        DatePerhapsTime::DateTime(CalendarDateTime::Utc(t)) => Point::At(t.with_timezone(&zone).naive_local()),
        DatePerhapsTime::DateTime(CalendarDateTime::Floating(t)) => Point::At(t),
        // A zone this machine does not know (a Windows name) is read as the person's own.
        DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone { date_time, tzid }) => Point::At(
            tzid.parse::<chrono_tz::Tz>()
                .ok()
                .and_then(|tz| tz.from_local_datetime(&date_time).earliest())
                .map_or(date_time, |t| t.with_timezone(&zone).naive_local()),
        ),
    }
}

/// Reads time off from an iCalendar file, such as an out-of-office calendar exported from a mail
/// client, in the person's `zone`. Each busy event that is not cancelled becomes days off: an
/// all-day event its days, a timed event the days it touches, or a half day when it lies within
/// one day and lasts at most five hours. Recurring events count once (their first instance).
/// Every problem at once, naming the event.
pub fn time_off_from_ics(text: &str, zone: chrono_tz::Tz) -> Result<Vec<NewTimeOff>, Invalid> {
    use icalendar::{Component, EventStatus};
    let calendar: icalendar::Calendar =
        text.parse().map_err(|_| Invalid(vec![FieldError::new("file", "this is not an iCalendar (.ics) file")]))?;
    let events: Vec<_> = calendar.events().collect();
    if events.len() > MAX_ICS_EVENTS {
        return Err(Invalid(vec![FieldError::new("file", format!("at most {MAX_ICS_EVENTS} events at a time"))]));
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for event in events {
        if event.get_status() == Some(EventStatus::Cancelled)
            || event.property_value("TRANSP").is_some_and(|t| t.eq_ignore_ascii_case("TRANSPARENT"))
        {
            continue;
        }
        let summary = event.get_summary().unwrap_or("").trim();
        let name = if summary.is_empty() { String::from("an event") } else { format!("“{summary}”") };
        let Some(start) = event.get_start().map(|s| point(s, zone)) else {
            errors.push(FieldError::new("file", format!("{name} has no start")));
            continue;
        };
        let end = event.get_end().map(|e| point(e, zone));
        let (starts_on, ends_on, half_day) = match (start, end) {
            (Point::Day(a), Some(Point::Day(b))) => (a, (b - TimeDelta::days(1)).max(a), false),
            (Point::Day(a), _) => (a, a, false),
            (Point::At(a), Some(Point::At(b))) => {
                // An end at midnight closes the day before.
                let last =
                    if b.time() == chrono::NaiveTime::MIN && b > a { b.date() - TimeDelta::days(1) } else { b.date() };
                let short = (b - a).num_milliseconds() <= HALF_DAY_MS;
                (a.date(), last.max(a.date()), last <= a.date() && short)
            }
            (Point::At(a), Some(Point::Day(b))) => (a.date(), (b - TimeDelta::days(1)).max(a.date()), false),
            (Point::At(a), None) => (a.date(), a.date(), true),
        };
        let new = NewTimeOff { starts_on, ends_on: Some(ends_on), half_day, note: summary.chars().take(200).collect() };
        match new.check() {
            Ok(_) => out.push(new),
            Err(e) => errors.extend(e.0.into_iter().map(|f| FieldError::new("file", format!("{name}: {}", f.message)))),
        }
    }
    if !errors.is_empty() {
        return Err(Invalid(errors));
    }
    if out.is_empty() {
        return Err(Invalid(vec![FieldError::new("file", "the file holds no busy events to take as time off")]));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn whole_and_half_days_add_up_to_at_most_a_day() {
        let off = |id, a: &str, b: &str, half| TimeOff {
            id,
            person_id: PersonId(1),
            starts_on: day(a),
            ends_on: day(b),
            half_day: half,
            note: String::new(),
        };
        let away = away_by_date(&[
            off(1, "2026-12-21", "2026-12-23", false),
            off(2, "2026-12-23", "2026-12-24", true),
            off(3, "2026-12-24", "2026-12-24", true),
        ]);
        assert_eq!(away.len(), 4);
        assert_eq!(away[&day("2026-12-21")], 1.0);
        assert_eq!(away[&day("2026-12-23")], 1.0, "a whole day and a half day are a whole day");
        assert_eq!(away[&day("2026-12-24")], 1.0, "two half days");
    }

    #[test]
    fn entries_are_checked_at_once() {
        let bad = NewTimeOff {
            starts_on: day("2026-12-10"),
            ends_on: Some(day("2026-12-01")),
            half_day: false,
            note: "x".repeat(201),
        };
        assert_eq!(bad.check().unwrap_err().0.len(), 2);
        let one = NewTimeOff { starts_on: day("2026-12-10"), ends_on: None, half_day: true, note: String::new() };
        assert_eq!(one.check(), Ok(day("2026-12-10")));
    }

    const ICS: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\n\
BEGIN:VEVENT\r\nUID:1\r\nDTSTAMP:20261201T000000Z\r\nSUMMARY:Christmas holiday\r\n\
DTSTART;VALUE=DATE:20261221\r\nDTEND;VALUE=DATE:20261225\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:2\r\nDTSTAMP:20261201T000000Z\r\nSUMMARY:Dentist\r\n\
DTSTART:20261208T130000Z\r\nDTEND:20261208T150000Z\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:3\r\nDTSTAMP:20261201T000000Z\r\nSUMMARY:Offsite\r\n\
DTSTART;TZID=Europe/Berlin:20261210T090000\r\nDTEND;TZID=Europe/Berlin:20261212T000000\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:4\r\nDTSTAMP:20261201T000000Z\r\nSUMMARY:Cancelled trip\r\nSTATUS:CANCELLED\r\n\
DTSTART;VALUE=DATE:20261214\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:5\r\nDTSTAMP:20261201T000000Z\r\nSUMMARY:Lunch\r\nTRANSP:TRANSPARENT\r\n\
DTSTART:20261215T110000Z\r\nDTEND:20261215T120000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    #[test]
    fn an_out_of_office_calendar_becomes_time_off() {
        let got = time_off_from_ics(ICS, chrono_tz::Europe::Berlin).unwrap();
        let rows: Vec<(String, String, bool, &str)> = got
            .iter()
            .map(|t| (t.starts_on.to_string(), t.ends_on.unwrap().to_string(), t.half_day, t.note.as_str()))
            .collect();
        assert_eq!(
            rows,
            [
                ("2026-12-21".into(), "2026-12-24".into(), false, "Christmas holiday"),
                ("2026-12-08".into(), "2026-12-08".into(), true, "Dentist"),
                ("2026-12-10".into(), "2026-12-11".into(), false, "Offsite"),
            ],
            "the all-day end is exclusive, a midnight end closes the day before, cancelled and free events are skipped"
        );
    }

    #[test]
    fn a_file_that_is_not_a_calendar_or_holds_nothing_is_refused() {
        assert!(time_off_from_ics("name,date\nx,y", chrono_tz::UTC).is_err());
        let empty = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//T//EN\r\nEND:VCALENDAR\r\n";
        let e = time_off_from_ics(empty, chrono_tz::UTC).unwrap_err();
        assert!(e.0[0].message.contains("no busy events"), "{e:?}");
    }
}
