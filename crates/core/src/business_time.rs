//! The business-time clock: adding working time to an instant, and measuring the working time
//! between two instants, in a team's [`Calendar`].
//!
//! An instant is working time when its local wall-clock time (in the calendar's zone) lies inside
//! a working interval of its local date. So the hour skipped by a spring-forward transition is
//! simply absent, the hour repeated in autumn counts twice when it is working time, and a night
//! shift is two intervals (22:00-24:00, then 00:00-06:00 the next day). A due time that falls
//! exactly at the end of a working interval is that end.

use chrono::{DateTime, NaiveDate, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

use crate::calendar::Calendar;

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;
/// Wider than any UTC offset (-12 h to +14 h), so a local day's instants all fall inside.
const MARGIN_MS: i64 = 26 * 3_600_000;
/// A walk that finds no working time in this many days stops instead of looping.
const MAX_IDLE_DAYS: i64 = 3 * 366;

/// `start` plus `duration` of working time. A zero or negative duration returns `start`.
pub fn add_business_time(start: DateTime<Utc>, duration: TimeDelta, cal: &Calendar) -> DateTime<Utc> {
    let due = add_business_ms(start.timestamp_millis(), duration.num_milliseconds(), cal);
    DateTime::from_timestamp_millis(due).unwrap_or(start)
}

/// Working time between two instants; negative when `to` is before `from`.
pub fn business_time_between(from: DateTime<Utc>, to: DateTime<Utc>, cal: &Calendar) -> TimeDelta {
    TimeDelta::milliseconds(business_ms_between(from.timestamp_millis(), to.timestamp_millis(), cal))
}

/// Whether `at` is working time.
pub fn is_working(at: DateTime<Utc>, cal: &Calendar) -> bool {
    let t = at.timestamp_millis();
    let mut w = Walker::new(cal, t);
    w.window().iter().any(|&(a, b)| a <= t && t < b)
}

/// [`add_business_time`] on UTC milliseconds, the storage representation.
pub fn add_business_ms(start: i64, duration: i64, cal: &Calendar) -> i64 {
    if duration <= 0 {
        return start;
    }
    let mut remaining = duration;
    let mut walker = Walker::new(cal, start);
    let mut idle = 0;
    loop {
        let mut found = false;
        for &(a, b) in walker.window() {
            if b <= start {
                continue;
            }
            found = true;
            let from = a.max(start);
            if b - from >= remaining {
                return from + remaining;
            }
            remaining -= b - from;
        }
        idle = if found { 0 } else { idle + 1 };
        if idle > MAX_IDLE_DAYS {
            // Unreachable for a validated calendar; a bound beats an endless loop.
            return walker.window_end();
        }
        walker.advance();
    }
}

/// [`business_time_between`] on UTC milliseconds.
pub fn business_ms_between(from: i64, to: i64, cal: &Calendar) -> i64 {
    if to < from {
        return -business_ms_between(to, from, cal);
    }
    let mut total = 0;
    let mut walker = Walker::new(cal, from);
    loop {
        for &(a, b) in walker.window() {
            let (a, b) = (a.max(from), b.min(to));
            if a < b {
                total += b - a;
            }
        }
        if walker.window_end() >= to {
            return total;
        }
        walker.advance();
    }
}

/// Walks UTC days in order, yielding each day's working ranges sorted and merged. A UTC day can
/// hold instants of three local dates; their ranges are cached so each local date is computed once.
struct Walker<'c> {
    cal: &'c Calendar,
    /// Index of the current UTC day (days since the epoch).
    day: i64,
    /// Ranges of local dates `day - 1`, `day`, `day + 1`.
    locals: [Vec<(i64, i64)>; 3],
    current: Vec<(i64, i64)>,
}

impl<'c> Walker<'c> {
    fn new(cal: &'c Calendar, at: i64) -> Self {
        let day = at.div_euclid(DAY_MS);
        let locals = [local_day_ranges(cal, day - 1), local_day_ranges(cal, day), local_day_ranges(cal, day + 1)];
        let mut w = Self { cal, day, locals, current: Vec::new() };
        w.fill();
        w
    }

    fn window(&mut self) -> &[(i64, i64)] {
        &self.current
    }

    fn window_end(&self) -> i64 {
        (self.day + 1) * DAY_MS
    }

    fn advance(&mut self) {
        self.day += 1;
        self.locals.rotate_left(1);
        self.locals[2] = local_day_ranges(self.cal, self.day + 1);
        self.fill();
    }

    fn fill(&mut self) {
        let (start, end) = (self.day * DAY_MS, (self.day + 1) * DAY_MS);
        self.current.clear();
        for &(a, b) in self.locals.iter().flatten() {
            let (a, b) = (a.max(start), b.min(end));
            if a < b {
                self.current.push((a, b));
            }
        }
        self.current.sort_unstable();
        // Merge touching ranges so a shift across midnight reads as one stretch.
        let mut merged: Vec<(i64, i64)> = Vec::with_capacity(self.current.len());
        for &(a, b) in &self.current {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        self.current = merged;
    }
}

fn offset_ms(zone: Tz, utc_ms: i64) -> i64 {
    match DateTime::from_timestamp_millis(utc_ms) {
        Some(t) => i64::from(zone.offset_from_utc_datetime(&t.naive_utc()).fix().local_minus_utc()) * 1000,
        None => 0,
    }
}

/// The first instant after `from` (in `(from, to)`) whose offset is no longer `offset`.
/// Transitions fall on whole seconds, so the search runs on seconds.
fn next_transition(zone: Tz, from: i64, to: i64, offset: i64) -> i64 {
    let (mut lo, mut hi) = (from.div_euclid(1000), (to - 1).div_euclid(1000));
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if offset_ms(zone, mid * 1000) == offset {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi * 1000
}

/// The working time of one local date as UTC millisecond ranges, in order.
pub fn working_ranges(cal: &Calendar, date: NaiveDate) -> Vec<(i64, i64)> {
    let day = date.signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()).num_days();
    let mut ranges = local_day_ranges(cal, day);
    ranges.sort_unstable();
    ranges
}

/// UTC ranges whose local time lies in the working intervals of local date `day` (days since the
/// epoch), in the order local time passes, split wherever the zone's offset changes.
fn local_day_ranges(cal: &Calendar, day: i64) -> Vec<(i64, i64)> {
    let Some(date) = NaiveDate::from_ymd_opt(1970, 1, 1).and_then(|e| e.checked_add_signed(TimeDelta::days(day)))
    else {
        return Vec::new();
    };
    let intervals = cal.intervals_on(date);
    if intervals.is_empty() {
        return Vec::new();
    }
    let zone = cal.zone();
    let (n0, n1) = (day * DAY_MS, (day + 1) * DAY_MS);
    let (w0, w1) = (n0 - MARGIN_MS, n1 + MARGIN_MS);
    let mut out = Vec::with_capacity(intervals.len() + 1);
    let mut seg_start = w0;
    loop {
        let offset = offset_ms(zone, seg_start);
        let seg_end = if offset_ms(zone, w1 - 1) == offset { w1 } else { next_transition(zone, seg_start, w1, offset) };
        // Instants in [seg_start, seg_end) have local time utc + offset; keep those on this date.
        let (lo, hi) = ((n0 - offset).max(seg_start), (n1 - offset).min(seg_end));
        for iv in intervals {
            let a = (n0 + i64::from(iv.start) * MINUTE_MS - offset).max(lo);
            let b = (n0 + i64::from(iv.end) * MINUTE_MS - offset).min(hi);
            if a < b {
                out.push((a, b));
            }
        }
        if seg_end >= w1 {
            return out;
        }
        seg_start = seg_end;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::Timelike;
    use proptest::prelude::*;

    use super::*;
    use crate::calendar::CalendarSpec;

    /// The definition, minute by minute: slow, obviously right, and what the fast walk must match.
    fn brute_is_working(cal: &Calendar, t: DateTime<Utc>) -> bool {
        let local = t.with_timezone(&cal.zone());
        let m = (local.hour() * 60 + local.minute()) as u16;
        cal.intervals_on(local.date_naive()).iter().any(|i| i.start <= m && m < i.end)
    }

    fn brute_add(cal: &Calendar, start: DateTime<Utc>, minutes: i64) -> DateTime<Utc> {
        let (mut t, mut left) = (start, minutes);
        while left > 0 {
            if brute_is_working(cal, t) {
                left -= 1;
            }
            t += TimeDelta::minutes(1);
        }
        t
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn calendar(zone: &str, week: &[(&str, &[&str])], holidays: &[&str]) -> Calendar {
        Calendar::from_spec(&CalendarSpec {
            zone: zone.into(),
            week: week.iter().map(|(d, v)| ((*d).into(), v.iter().map(|s| (*s).to_owned()).collect())).collect(),
            holidays: holidays.iter().map(|d| d.parse().unwrap()).collect(),
            special_days: BTreeMap::new(),
        })
        .unwrap()
    }

    const WEEKDAYS: [&str; 5] = ["mon", "tue", "wed", "thu", "fri"];

    fn berlin() -> Calendar {
        let day: &[&str] = &["09:00-12:30", "13:30-17:30"];
        let week: Vec<(&str, &[&str])> = WEEKDAYS.iter().map(|d| (*d, day)).collect();
        calendar("Europe/Berlin", &week, &["2026-12-24", "2026-12-25", "2026-12-26", "2027-01-01"])
    }

    fn night_shift() -> Calendar {
        let late: &[&str] = &["22:00-24:00"];
        let both: &[&str] = &["00:00-06:00", "22:00-24:00"];
        let early: &[&str] = &["00:00-06:00"];
        calendar(
            "Europe/London",
            &[("mon", late), ("tue", both), ("wed", both), ("thu", both), ("fri", both), ("sat", early)],
            &[],
        )
    }

    /// The shared vectors, computed independently by a brute-force minute walk.
    #[test]
    fn shared_vectors() {
        let data: serde_json::Value = serde_json::from_str(include_str!("../tests/data/business_time.json")).unwrap();
        let mut calendars = BTreeMap::new();
        for (name, c) in data["calendars"].as_object().unwrap() {
            let spec = CalendarSpec {
                zone: c["zone"].as_str().unwrap().into(),
                week: c["week"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(d, v)| {
                        let iv = v
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|p| format!("{}-{}", p[0].as_str().unwrap(), p[1].as_str().unwrap()));
                        (d.clone(), iv.collect())
                    })
                    .collect(),
                holidays: c["holidays"]
                    .as_array()
                    .map_or_else(Vec::new, |h| h.iter().map(|d| d.as_str().unwrap().parse().unwrap()).collect()),
                special_days: BTreeMap::new(),
            };
            calendars.insert(name.clone(), Calendar::from_spec(&spec).unwrap());
        }
        let cases = data["cases"].as_array().unwrap();
        assert_eq!(cases.len(), 18);
        for case in cases {
            let cal = &calendars[case["calendar"].as_str().unwrap()];
            let start = utc(case["start"].as_str().unwrap());
            let minutes = case["minutes"].as_i64().unwrap();
            let due = utc(case["due"].as_str().unwrap());
            let why = case["why"].as_str().unwrap();
            assert_eq!(add_business_time(start, TimeDelta::minutes(minutes), cal), due, "add: {why}");
            assert_eq!(business_time_between(start, due, cal), TimeDelta::minutes(minutes), "between: {why}");
        }
    }

    /// Named edge cases, also listed in docs/business-time.md.
    #[test]
    fn named_edge_cases() {
        let b = berlin();
        let ny = calendar("America/New_York", &WEEKDAYS.map(|d| (d, &["09:00-17:00"][..])), &[]);
        let cases: &[(&str, &Calendar, &str, i64, &str)] = &[
            (
                "zero duration keeps the start, even outside hours",
                &b,
                "2026-11-21T20:00:00Z",
                0,
                "2026-11-21T20:00:00Z",
            ),
            (
                "ending exactly at the lunch break is the break, not after it",
                &b,
                "2026-11-23T08:00:00Z",
                210,
                "2026-11-23T11:30:00Z",
            ),
            ("starting on Saturday waits for Monday", &b, "2026-11-21T10:00:00Z", 30, "2026-11-23T08:30:00Z"),
            (
                "the Christmas holidays and the weekend are skipped",
                &b,
                "2026-12-23T16:00:00Z",
                60,
                "2026-12-28T08:30:00Z",
            ),
            ("year end: New Year's Day is a holiday", &b, "2026-12-31T16:00:00Z", 60, "2027-01-04T08:30:00Z"),
            ("leap day is an ordinary Tuesday", &ny, "2028-02-28T21:30:00Z", 60, "2028-02-29T14:30:00Z"),
            ("New York's spring-forward Monday", &ny, "2027-03-12T21:00:00Z", 120, "2027-03-15T14:00:00Z"),
        ];
        for (why, cal, start, minutes, due) in cases {
            let (start, due) = (utc(start), utc(due));
            assert_eq!(add_business_time(start, TimeDelta::minutes(*minutes), cal), due, "{why}");
            assert_eq!(brute_add(cal, start, *minutes), due, "reference: {why}");
        }
    }

    #[test]
    fn the_repeated_autumn_hour_counts_twice_and_the_spring_gap_not_at_all() {
        // London, Sunday 25 Oct 2026 01:00-02:00 BST happens twice; 29 Mar 2026 01:00-02:00 not at all.
        let all_night = calendar("Europe/London", &[("sun", &["00:00-04:00"])], &[]);
        let autumn = utc("2026-10-24T23:00:00Z");
        assert_eq!(business_time_between(autumn, autumn + TimeDelta::hours(6), &all_night), TimeDelta::hours(5));
        let spring = utc("2026-03-29T00:00:00Z");
        assert_eq!(business_time_between(spring, spring + TimeDelta::hours(6), &all_night), TimeDelta::hours(3));
        // An interval that sits entirely in the gap is no working time that day.
        let gap_only = calendar("Europe/London", &[("sun", &["01:00-02:00"]), ("mon", &["09:00-10:00"])], &[]);
        let sat = utc("2026-03-28T12:00:00Z");
        assert_eq!(add_business_time(sat, TimeDelta::minutes(30), &gap_only), utc("2026-03-30T08:30:00Z"));
    }

    #[test]
    fn night_shift_runs_across_midnight() {
        let n = night_shift();
        // Monday 23:00 plus 4 hours: 23:00-24:00 Monday, then 00:00-03:00 Tuesday (London winter = UTC).
        assert_eq!(
            add_business_time(utc("2026-11-23T23:00:00Z"), TimeDelta::hours(4), &n),
            utc("2026-11-24T03:00:00Z")
        );
        assert!(is_working(utc("2026-11-24T00:00:00Z"), &n));
        assert!(!is_working(utc("2026-11-24T06:00:00Z"), &n));
    }

    #[test]
    fn between_is_signed() {
        let b = berlin();
        let (x, y) = (utc("2026-11-23T08:00:00Z"), utc("2026-11-23T09:00:00Z"));
        assert_eq!(business_time_between(y, x, &b), -business_time_between(x, y, &b));
        assert_eq!(business_time_between(x, x, &b), TimeDelta::zero());
    }

    #[test]
    fn always_on_is_wall_clock() {
        let cal = Calendar::always();
        let t = utc("2026-07-01T12:34:56Z");
        assert_eq!(add_business_time(t, TimeDelta::days(3), &cal), t + TimeDelta::days(3));
    }

    fn calendars() -> Vec<Calendar> {
        vec![
            berlin(),
            night_shift(),
            calendar("Australia/Sydney", &WEEKDAYS.map(|d| (d, &["08:00-16:00"][..])), &["2026-12-25"]),
            calendar("America/New_York", &WEEKDAYS.map(|d| (d, &["09:00-17:00"][..])), &["2026-11-26"]),
            calendar("Asia/Kolkata", &[("mon", &["09:30-18:30"][..]), ("sat", &["09:30-13:30"][..])], &[]),
            Calendar::always(),
        ]
    }

    fn start_strategy() -> impl Strategy<Value = DateTime<Utc>> {
        // 2025-01-01 .. 2028-12-31, minute resolution: spans several DST seasons in each hemisphere.
        (1_735_689_600i64 / 60..1_861_920_000i64 / 60).prop_map(|m| DateTime::from_timestamp(m * 60, 0).unwrap())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn between_undoes_add(ci in 0usize..6, start in start_strategy(), minutes in 0i64..20_000) {
            let cal = &calendars()[ci];
            let due = add_business_time(start, TimeDelta::minutes(minutes), cal);
            prop_assert_eq!(business_time_between(start, due, cal), TimeDelta::minutes(minutes));
        }

        #[test]
        fn add_is_monotonic(ci in 0usize..6, start in start_strategy(), a in 0i64..5_000, extra in 0i64..5_000) {
            let cal = &calendars()[ci];
            let d1 = add_business_time(start, TimeDelta::minutes(a), cal);
            let d2 = add_business_time(start, TimeDelta::minutes(a + extra), cal);
            prop_assert!(d1 <= d2);
        }

        #[test]
        fn due_never_lands_outside_working_time(ci in 0usize..6, start in start_strategy(), minutes in 1i64..5_000) {
            let cal = &calendars()[ci];
            let due = add_business_time(start, TimeDelta::minutes(minutes), cal);
            // The last working minute ends at the due time: the minute before it is working time.
            prop_assert!(is_working(due - TimeDelta::minutes(1), cal));
        }

        #[test]
        fn matches_the_minute_walk(ci in 0usize..5, start in start_strategy(), minutes in 0i64..1_500) {
            let cal = &calendars()[ci];
            prop_assert_eq!(add_business_time(start, TimeDelta::minutes(minutes), cal), brute_add(cal, start, minutes));
        }
    }
}
