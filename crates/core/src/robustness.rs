//! Parsers never panic: arbitrary and near-valid input for everything that reads what people
//! type or upload (CSV import, the search syntax, durations, calendars, RRULE text, .ics files).
//! Each must answer `Ok` or `Err`, whatever it is given.

use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use proptest::prelude::*;

use crate::calendar::{holidays_from_ics, Calendar, CalendarSpec, Interval};
use crate::capacity::time_off_from_ics;
use crate::import::{parse_people, parse_teams, parse_time_off, ImportKind};
use crate::schedule::Schedule;
use crate::search::SearchQuery;
use crate::target::parse_duration;

/// Text made of the pieces a parser looks for, so generated input gets past the first check.
fn pieces(vocabulary: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::collection::vec(prop_oneof![prop::sample::select(vocabulary).prop_map(str::to_owned), any::<String>()], 0..12)
        .prop_map(|parts| parts.concat())
}

const RRULE: &[&str] = &[
    "FREQ=",
    "DAILY",
    "WEEKLY",
    "MONTHLY",
    "YEARLY",
    "HOURLY",
    ";",
    "INTERVAL=",
    "COUNT=",
    "UNTIL=",
    "20271231T000000Z",
    "BYDAY=",
    "MO",
    "FR",
    "-1",
    "2",
    "53",
    ",",
    "BYMONTHDAY=",
    "-31",
    "BYSETPOS=",
    "BYMONTH=",
    "13",
    "BYYEARDAY=",
    "BYWEEKNO=",
    "WKST=",
    "BYHOUR=",
    "0",
    "99999999999",
    "RRULE:",
    "=",
];
const ICS: &[&str] = &[
    "BEGIN:VCALENDAR\r\n",
    "END:VCALENDAR\r\n",
    "BEGIN:VEVENT\r\n",
    "END:VEVENT\r\n",
    "DTSTART;VALUE=DATE:",
    "DTEND;VALUE=DATE:",
    "20261225",
    "99991231",
    "00000000",
    "\r\n",
    "RRULE:FREQ=YEARLY",
    "RRULE:FREQ=DAILY;COUNT=",
    "RRULE:",
    "DTSTART:20261224T120000Z",
    "DTEND:20261224T000000Z",
    "DTSTART;TZID=Europe/Berlin:20261210T090000",
    "DTEND;TZID=Nowhere/City:20261212T000000",
    "STATUS:CANCELLED\r\n",
    "TRANSP:TRANSPARENT\r\n",
    "UID:x",
    ";",
    ":",
    " ",
];
const CSV: &[&str] = &[
    "email,name,time_zone,weekly_capacity_hours,teams,manager_email,admin\n",
    "email,starts_on,ends_on,half_day,note\n",
    "2026-12-21",
    "key,name,parent_key\n",
    ",",
    "\n",
    "\"",
    "a@example.com",
    "Europe/Berlin",
    "Mars/Base",
    "IT:lead;",
    "40",
    "-1",
    "1e309",
    "yes",
    "\u{feff}",
    ";",
];
const SEARCH: &[&str] = &[
    "status:",
    "team:",
    "for:",
    "assignee:",
    "requester:",
    "priority:",
    "service:",
    "\"",
    "me",
    "none",
    "P1",
    " ",
    ":",
    "open",
    "-",
    "*",
    "(",
];
const DURATION: &[&str] = &["h", "m", "d", "min", "hours", " ", ",", "9223372036854775807", "-", "1", "0", "30"];

fn any_zone() -> impl Strategy<Value = Tz> {
    prop::sample::select(vec![
        Tz::UTC,
        Tz::Europe__Berlin,
        Tz::America__New_York,
        Tz::Australia__Sydney,
        Tz::Asia__Kathmandu,
    ])
}

fn any_local() -> impl Strategy<Value = NaiveDateTime> {
    (1970i32..2200, 1u32..=12, 1u32..=31, 0u32..24, 0u32..60).prop_filter_map("a real date", |(y, m, d, h, min)| {
        NaiveDate::from_ymd_opt(y, m, d).and_then(|d| d.and_hms_opt(h, min, 0))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn csv_files(text in pieces(CSV), raw in prop::collection::vec(any::<u8>(), 0..200)) {
        for data in [text.as_bytes(), raw.as_slice()] {
            let _ = ImportKind::detect(data);
            let _ = parse_people(data);
            let _ = parse_teams(data);
            let _ = parse_time_off(data);
        }
    }

    #[test]
    fn search_syntax(text in pieces(SEARCH)) {
        let _ = SearchQuery::parse(&text);
    }

    #[test]
    fn durations(text in pieces(DURATION)) {
        if let Ok(ms) = parse_duration(&text) {
            prop_assert!(ms >= 60_000, "{text:?} gave {ms}");
        }
    }

    #[test]
    fn calendars(intervals in prop::collection::vec(pieces(&["09:00", "-", "24:00", "00:00", "23:59", "25:61", ":"]), 0..4),
                 zone in pieces(&["Europe/Berlin", "UTC", "/", "Etc/GMT+14"]),
                 holiday in any_local()) {
        for i in &intervals {
            let _ = Interval::parse(i);
        }
        let spec = CalendarSpec {
            zone,
            week: [("mon".to_owned(), intervals.clone()), ("sun".to_owned(), intervals)].into_iter().collect(),
            holidays: vec![holiday.date()],
            ..CalendarSpec::default()
        };
        let _ = Calendar::from_spec(&spec);
    }

    #[test]
    fn schedules(rule in pieces(RRULE), first in any_local(), zone in any_zone(), after in -1_000_000_000_000i64..10_000_000_000_000) {
        if let Ok(schedule) = Schedule::new(&rule, first, zone) {
            let _ = schedule.next_dues(after, 5);
        }
    }

    #[test]
    fn ics_files(text in pieces(ICS), today in any_local(), zone in any_zone()) {
        let _ = holidays_from_ics(&text, today.date());
        let _ = time_off_from_ics(&text, zone);
    }
}
