//! Working calendars: working intervals per weekday in local wall-clock time, an IANA zone, and
//! dated exceptions (holidays, half days). The business-time clock in [`crate::business_time`]
//! counts only instants whose local time falls inside a working interval of its local date.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::{Errors, Invalid};

/// Minutes in a day; an interval may end at 24:00.
pub const DAY_MINUTES: u16 = 24 * 60;

/// A working interval `[start, end)` in local wall-clock minutes after midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval {
    pub start: u16,
    pub end: u16,
}

impl Interval {
    /// Parses `09:00-12:30`; `24:00` is allowed as an end.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("`{}` is not an interval like 09:00-17:30", text.trim());
        let (a, b) = text.trim().split_once('-').ok_or_else(bad)?;
        let (start, end) = (parse_clock(a).ok_or_else(bad)?, parse_clock(b).ok_or_else(bad)?);
        if start == end {
            return Err(format!("`{}` is empty: it ends when it starts", text.trim()));
        }
        if start > end {
            return Err(format!("`{}` ends before it starts; split a night shift at midnight", text.trim()));
        }
        Ok(Self { start, end })
    }

    pub fn minutes(self) -> u32 {
        u32::from(self.end - self.start)
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}-{:02}:{:02}", self.start / 60, self.start % 60, self.end / 60, self.end % 60)
    }
}

/// `HH:MM` to minutes after midnight, `24:00` included.
fn parse_clock(text: &str) -> Option<u16> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    let total = h.checked_mul(60)?.checked_add(m)?;
    (m < 60 && total <= DAY_MINUTES).then_some(total)
}

/// A team's working time. Build it with [`Calendar::new`], which refuses calendars that could
/// never finish a clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    zone: Tz,
    /// Monday first.
    week: [Vec<Interval>; 7],
    /// Dates whose working time differs from their weekday: empty for a holiday, intervals for a half day.
    exceptions: BTreeMap<NaiveDate, Vec<Interval>>,
}

/// A calendar as written in settings, files and the API: `{"zone": ..., "week": {"mon": ["09:00-17:00"]}, ...}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    /// IANA time zone, e.g. `Europe/Berlin`.
    pub zone: String,
    /// Working intervals per weekday (`mon` ... `sun`), local time, e.g. `["09:00-12:30", "13:30-17:30"]`.
    pub week: BTreeMap<String, Vec<String>>,
    /// Holidays: dates with no working time.
    #[serde(default)]
    pub holidays: Vec<NaiveDate>,
    /// Half days and other changed days: date → its working intervals.
    #[serde(default)]
    pub special_days: BTreeMap<NaiveDate, Vec<String>>,
}

const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl Calendar {
    /// Checks intervals (ordered, not overlapping, inside the day) and that some working time exists.
    pub fn new(
        zone: Tz,
        week: [Vec<Interval>; 7],
        exceptions: BTreeMap<NaiveDate, Vec<Interval>>,
    ) -> Result<Self, Invalid> {
        let mut errors = Errors::default();
        for (day, intervals) in WEEKDAYS.iter().zip(&week) {
            if let Err(e) = check_intervals(intervals) {
                errors.add(&format!("week.{day}"), e);
            }
        }
        for (date, intervals) in &exceptions {
            if let Err(e) = check_intervals(intervals) {
                errors.add(&format!("special_days.{date}"), e);
            }
        }
        if week.iter().all(Vec::is_empty) {
            errors.add("week", "a calendar needs some working time in its week, or no clock could ever finish");
        }
        errors.finish()?;
        Ok(Self { zone, week, exceptions })
    }

    /// Every day of the week, all day, in UTC: for teams that never close.
    pub fn always() -> Self {
        let all = vec![Interval { start: 0, end: DAY_MINUTES }];
        Self { zone: chrono_tz::UTC, week: std::array::from_fn(|_| all.clone()), exceptions: BTreeMap::new() }
    }

    pub fn from_spec(spec: &CalendarSpec) -> Result<Self, Invalid> {
        let mut errors = Errors::default();
        let zone = errors.check("zone", crate::time::parse_time_zone(&spec.zone));
        let mut week: [Vec<Interval>; 7] = Default::default();
        for (day, texts) in &spec.week {
            match WEEKDAYS.iter().position(|d| d.eq_ignore_ascii_case(day)) {
                Some(i) => week[i] = parse_all(texts, &format!("week.{day}"), &mut errors),
                None => errors.add("week", format!("`{day}` is not a weekday; use mon, tue, wed, thu, fri, sat, sun")),
            }
        }
        let mut exceptions: BTreeMap<NaiveDate, Vec<Interval>> =
            spec.holidays.iter().map(|d| (*d, Vec::new())).collect();
        for (date, texts) in &spec.special_days {
            if exceptions.contains_key(date) {
                errors.add("special_days", format!("{date} is also listed as a holiday"));
            }
            exceptions.insert(*date, parse_all(texts, &format!("special_days.{date}"), &mut errors));
        }
        // Shape errors (overlaps, no working time) are reported alongside the ones above.
        match (errors.finish(), Self::new(zone.unwrap_or(chrono_tz::UTC), week, exceptions)) {
            (Ok(()), checked) => checked,
            (Err(mut first), Err(more)) => {
                first.0.extend(more.0);
                Err(first)
            }
            (Err(first), Ok(_)) => Err(first),
        }
    }

    pub fn to_spec(&self) -> CalendarSpec {
        let texts = |v: &[Interval]| v.iter().map(ToString::to_string).collect::<Vec<_>>();
        CalendarSpec {
            zone: self.zone.name().to_owned(),
            week: WEEKDAYS
                .iter()
                .zip(&self.week)
                .filter(|(_, v)| !v.is_empty())
                .map(|(d, v)| ((*d).to_owned(), texts(v)))
                .collect(),
            holidays: self.exceptions.iter().filter(|(_, v)| v.is_empty()).map(|(d, _)| *d).collect(),
            special_days: self.exceptions.iter().filter(|(_, v)| !v.is_empty()).map(|(d, v)| (*d, texts(v))).collect(),
        }
    }

    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// The working intervals of a local date, exceptions first.
    pub fn intervals_on(&self, date: NaiveDate) -> &[Interval] {
        match self.exceptions.get(&date) {
            Some(v) => v,
            None => &self.week[date.weekday().num_days_from_monday() as usize],
        }
    }

    /// Working minutes in a normal week (holidays aside), for capacity and display.
    pub fn weekly_minutes(&self) -> u32 {
        self.week.iter().flatten().map(|i| i.minutes()).sum()
    }
}

/// Holidays read from an iCalendar file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct IcsHolidays {
    /// Every date covered by an all-day event, in order.
    pub dates: Vec<NaiveDate>,
    /// Events with times of day, which are not whole days off and were left out.
    pub skipped_timed_events: usize,
}

/// Reads the all-day events of an iCalendar file (a public-holiday feed, say) as holidays. A
/// multi-day event covers every date from its start up to, not including, its end (RFC 5545).
/// An event that recurs (`RRULE:FREQ=YEARLY`, as exported holiday calendars write Christmas) is
/// expanded from the year before `today` through the later of two years after it and the last
/// year a single event of the file falls in.
pub fn holidays_from_ics(text: &str, today: NaiveDate) -> Result<IcsHolidays, String> {
    use icalendar::{Component, DatePerhapsTime};

    if !text.contains("BEGIN:VCALENDAR") {
        return Err("this is not an iCalendar file: it has no BEGIN:VCALENDAR".into());
    }
    let cal: icalendar::Calendar = text
        .parse()
        .map_err(|e: String| format!("the iCalendar file cannot be read: {}", e.lines().next().unwrap_or("")))?;
    let mut out = IcsHolidays::default();
    let mut recurring = Vec::new();
    for event in cal.events() {
        match (event.get_start(), event.get_end()) {
            (Some(DatePerhapsTime::Date(start)), end) => {
                let end = match end {
                    Some(DatePerhapsTime::Date(end)) if end > start => end,
                    _ => start.succ_opt().unwrap_or(start),
                };
                // A year at most per event: anything longer is a mistake in the feed.
                let days = (end - start).num_days().clamp(1, 366);
                match event.property_value("RRULE") {
                    Some(rule) => recurring.push((start, days, rule.to_owned())),
                    None => out.dates.extend(start.iter_days().take(days as usize)),
                }
            }
            (Some(_), _) => out.skipped_timed_events += 1,
            (None, _) => {}
        }
    }
    let last_year = out.dates.iter().map(chrono::Datelike::year).max().unwrap_or(0).max(today.year() + 2);
    let window = (
        NaiveDate::from_ymd_opt(today.year() - 1, 1, 1).unwrap_or(today),
        NaiveDate::from_ymd_opt(last_year, 12, 31).unwrap_or(today),
    );
    for (start, days, rule) in recurring {
        for first in recurrence_dates(start, &rule, window)? {
            out.dates.extend(first.iter_days().take(days as usize));
        }
    }
    out.dates.sort();
    out.dates.dedup();
    if out.dates.is_empty() {
        return Err("the iCalendar file has no all-day events to take as holidays".into());
    }
    Ok(out)
}

/// The dates a recurring all-day event starts on within `window`, by the `rrule` crate.
fn recurrence_dates(start: NaiveDate, rule: &str, window: (NaiveDate, NaiveDate)) -> Result<Vec<NaiveDate>, String> {
    use chrono::TimeZone;
    let unreadable = || format!("the recurring event of {start} has a rule that cannot be read: {rule}");
    let at = |d: NaiveDate| rrule::Tz::UTC.from_utc_datetime(&d.and_time(chrono::NaiveTime::MIN));
    let rule: rrule::RRule<rrule::Unvalidated> = rule.parse().map_err(|_| unreadable())?;
    let set = rule.build(at(start)).map_err(|_| unreadable())?;
    let before_window = window.0.pred_opt().unwrap_or(window.0);
    // Inclusive bounds on both ends; a daily rule over four years stays under the limit.
    let dates = set.after(at(before_window)).before(at(window.1)).all(2_000).dates;
    Ok(dates.into_iter().map(|d| d.date_naive()).filter(|d| *d >= window.0).collect())
}

fn parse_all(texts: &[String], field: &str, errors: &mut Errors) -> Vec<Interval> {
    let mut out: Vec<Interval> = texts.iter().filter_map(|t| errors.check(field, Interval::parse(t))).collect();
    out.sort();
    out
}

fn check_intervals(intervals: &[Interval]) -> Result<(), String> {
    for i in intervals {
        if i.start >= i.end || i.end > DAY_MINUTES {
            return Err(format!("{i} is not a working interval within one day"));
        }
    }
    for pair in intervals.windows(2) {
        if pair[1].start < pair[0].end {
            return Err(format!("{} and {} overlap or are out of order", pair[0], pair[1]));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_intervals_are_not_night_shifts() {
        assert!(Interval::parse("09:00-09:00").unwrap_err().contains("ends when it starts"));
        assert!(Interval::parse("22:00-06:00").unwrap_err().contains("night shift"));
    }

    #[test]
    fn holidays_come_from_all_day_events() {
        let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n\
            BEGIN:VEVENT\r\nUID:1\r\nDTSTART;VALUE=DATE:20261225\r\nDTEND;VALUE=DATE:20261227\r\nSUMMARY:Christmas\r\nEND:VEVENT\r\n\
            BEGIN:VEVENT\r\nUID:2\r\nDTSTART;VALUE=DATE:20270101\r\nSUMMARY:New Year\r\nEND:VEVENT\r\n\
            BEGIN:VEVENT\r\nUID:3\r\nDTSTART:20261224T120000Z\r\nDTEND:20261224T170000Z\r\nSUMMARY:Party\r\nEND:VEVENT\r\n\
            END:VCALENDAR\r\n";
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let h = holidays_from_ics(ics, today).unwrap();
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(h.dates, [d("2026-12-25"), d("2026-12-26"), d("2027-01-01")]);
        assert_eq!(h.skipped_timed_events, 1);
        assert!(holidays_from_ics("hello", today).is_err());
        assert!(holidays_from_ics("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", today).is_err());
    }

    #[test]
    fn yearly_holidays_are_expanded_over_the_years_ahead() {
        let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n\
            BEGIN:VEVENT\r\nUID:1\r\nDTSTART;VALUE=DATE:20101225\r\nDTEND;VALUE=DATE:20101227\r\n\
            RRULE:FREQ=YEARLY\r\nSUMMARY:Christmas\r\nEND:VEVENT\r\n\
            BEGIN:VEVENT\r\nUID:2\r\nDTSTART;VALUE=DATE:20300501\r\nSUMMARY:Labour Day\r\nEND:VEVENT\r\n\
            END:VCALENDAR\r\n";
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let h = holidays_from_ics(ics, today).unwrap();
        let christmas: Vec<String> =
            h.dates.iter().filter(|d| d.month() == 12).map(|d| d.format("%Y-%m-%d").to_string()).collect();
        let years: Vec<i32> = h.dates.iter().filter(|d| d.month() == 12 && d.day() == 25).map(|d| d.year()).collect();
        assert_eq!(years, (2025..=2030).collect::<Vec<_>>(), "from last year to the file's last: {christmas:?}");
        assert!(christmas.contains(&"2027-12-26".to_owned()), "each repeat keeps its two days");
    }

    fn spec(week: &[(&str, &[&str])]) -> CalendarSpec {
        CalendarSpec {
            zone: "Europe/Berlin".into(),
            week: week.iter().map(|(d, v)| ((*d).to_owned(), v.iter().map(|s| (*s).to_owned()).collect())).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn intervals_parse_and_print() {
        assert_eq!(Interval::parse("09:00-12:30").unwrap(), Interval { start: 540, end: 750 });
        assert_eq!(Interval::parse(" 22:00 - 24:00 ").unwrap().to_string(), "22:00-24:00");
        for bad in ["9-5", "17:00-09:00", "09:00-24:01", "09:60-10:00", "", "09:00-09:00"] {
            assert!(Interval::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_calendar_without_working_time_is_refused() {
        let err = Calendar::from_spec(&spec(&[])).unwrap_err();
        assert!(err.message_for("week").is_some());
        let err = Calendar::from_spec(&spec(&[("mon", &["09:00-12:00", "11:00-13:00"])])).unwrap_err();
        assert!(err.message_for("week.mon").unwrap().contains("overlap"));
        assert!(Calendar::from_spec(&spec(&[("someday", &["09:00-12:00"])])).is_err());
    }

    #[test]
    fn spec_round_trips() {
        let mut s = spec(&[("mon", &["09:00-12:30", "13:30-17:30"]), ("fri", &["09:00-15:00"])]);
        s.holidays = vec![NaiveDate::from_ymd_opt(2026, 12, 25).unwrap()];
        s.special_days.insert(NaiveDate::from_ymd_opt(2026, 12, 24).unwrap(), vec!["09:00-12:00".into()]);
        let cal = Calendar::from_spec(&s).unwrap();
        assert_eq!(cal.to_spec(), s);
        assert_eq!(cal.weekly_minutes(), 7 * 60 + 30 + 6 * 60);
        assert_eq!(cal.intervals_on(NaiveDate::from_ymd_opt(2026, 12, 24).unwrap()).len(), 1);
        assert!(cal.intervals_on(NaiveDate::from_ymd_opt(2026, 12, 25).unwrap()).is_empty());
    }
}
