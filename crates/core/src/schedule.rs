//! Schedules of commitments: an RFC 5545 RRULE anchored at a first due time, local to a zone.
//!
//! The `rrule` crate expands rules. It is lenient where RFC 5545 is not (an ordinal weekday
//! under WEEKLY is dropped, which can turn a weekly rule daily) and its messages name its
//! internals, so every rule is first read part by part here and refused, in words a team lead
//! can act on, when RFC 5545 forbids it or it would recur more than daily.

use chrono::{DateTime, Duration, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use crate::error::FieldError;

/// A recurrence: an RRULE (without `DTSTART`) anchored at the first due time, local to `zone`.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub rule: String,
    pub first_due: NaiveDateTime,
    pub zone: Tz,
}

const EXAMPLE: &str = "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR";
const WEEKDAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

impl Schedule {
    /// Checks a rule such as `FREQ=WEEKLY;INTERVAL=2;BYDAY=FR` (an `RRULE:` prefix is allowed)
    /// against a first due time. Rules recur at most daily and must fall due at least once. The
    /// error names the field at fault: `rule`, or `first_due` when that time does not exist.
    pub fn new(rule: &str, first_due: NaiveDateTime, zone: Tz) -> Result<Self, FieldError> {
        let rule_error = |message: String| FieldError::new("rule", message);
        let rule = rule.trim();
        let rule = rule.strip_prefix("RRULE:").or_else(|| rule.strip_prefix("rrule:")).unwrap_or(rule);
        let rule = rule.trim().to_ascii_uppercase();
        if rule.is_empty() {
            return Err(rule_error(format!("the schedule needs a rule, such as {EXAMPLE}")));
        }
        if rule.contains('\n') || rule.contains("DTSTART") {
            return Err(rule_error("give the rule only; the first due time is its own field".into()));
        }
        let start = local_instant(first_due, zone).map_err(|m| FieldError::new("first_due", m))?;
        let until = check_parts(&rule).map_err(rule_error)?;
        if until.is_some_and(|u| u < start) {
            return Err(rule_error("the rule ends (UNTIL) before the first due time".into()));
        }
        let schedule = Self { rule, first_due, zone };
        let set = schedule.set().map_err(rule_error)?;
        if set.all(1).dates.is_empty() {
            return Err(rule_error("this rule never falls due".into()));
        }
        Ok(schedule)
    }

    /// The first due time as stored and shown in forms: `2026-11-27T17:00`.
    pub fn first_due_text(&self) -> String {
        self.first_due.format("%Y-%m-%dT%H:%M").to_string()
    }

    fn set(&self) -> Result<rrule::RRuleSet, String> {
        let unreadable = || format!("this rule cannot be read; write it like {EXAMPLE}");
        let start = rrule::Tz::Tz(self.zone).from_local_datetime(&self.first_due).earliest().ok_or_else(unreadable)?;
        let rule: rrule::RRule<rrule::Unvalidated> = self.rule.parse().map_err(|_| unreadable())?;
        rule.build(start).map_err(|_| unreadable())
    }

    /// Due times after `after` (exclusive) up to `until` (inclusive), at most `limit`, as UTC
    /// milliseconds. A local time skipped by a daylight-saving change falls due an hour later.
    pub fn dues_between(&self, after: i64, until: i64, limit: u16) -> Vec<i64> {
        let Ok(set) = self.set() else { return Vec::new() };
        let zone = rrule::Tz::Tz(self.zone);
        let (Some(a), Some(b)) = (DateTime::from_timestamp_millis(after + 1), DateTime::from_timestamp_millis(until))
        else {
            return Vec::new();
        };
        set.after(a.with_timezone(&zone))
            .before(b.with_timezone(&zone))
            .all(limit)
            .dates
            .into_iter()
            .map(|d| d.timestamp_millis())
            .collect()
    }

    /// The next `n` due times after `after`, looking up to ten years ahead.
    pub fn next_dues(&self, after: i64, n: u16) -> Vec<i64> {
        self.dues_between(after, after + 10 * 366 * 86_400_000, n)
    }
}

/// The first due time as an instant; a local time skipped by a daylight-saving change is refused
/// with the time it would be instead (RFC 5545 reads it with the offset before the gap).
fn local_instant(first_due: NaiveDateTime, zone: Tz) -> Result<DateTime<Utc>, String> {
    if let Some(t) = zone.from_local_datetime(&first_due).earliest() {
        return Ok(t.with_timezone(&Utc));
    }
    let shown = first_due.format("%Y-%m-%d %H:%M");
    let before = zone.from_local_datetime(&(first_due - Duration::hours(3))).earliest();
    match before {
        Some(b) => {
            let instant = first_due - Duration::seconds(i64::from(b.offset().fix().local_minus_utc()));
            let instead = zone.from_utc_datetime(&instant).format("%H:%M");
            Err(format!(
                "{shown} does not exist in {zone}: the clocks go forward then. It would be {instead}; \
                 give {instead} or another time"
            ))
        }
        None => Err(format!("{shown} does not exist in {zone}; give another time")),
    }
}

/// Reads every part of a rule and refuses what RFC 5545 forbids or what would recur more often
/// than daily. Returns the rule's UNTIL, if any.
fn check_parts(rule: &str) -> Result<Option<DateTime<Utc>>, String> {
    let mut parts: Vec<(&str, &str)> = Vec::new();
    for part in rule.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((name, value)) = part.split_once('=') else {
            return Err(format!("`{part}` is not NAME=VALUE; a rule reads like {EXAMPLE}"));
        };
        if parts.iter().any(|(n, _)| *n == name) {
            return Err(format!("{name} appears twice"));
        }
        parts.push((name, value));
    }
    let get = |name: &str| parts.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
    let freq = match get("FREQ") {
        None => return Err(format!("the rule needs a FREQ, such as {EXAMPLE}")),
        Some("DAILY" | "WEEKLY" | "MONTHLY" | "YEARLY") => get("FREQ").unwrap_or_default(),
        Some("HOURLY" | "MINUTELY" | "SECONDLY") => return Err("a commitment recurs at most daily".into()),
        Some(other) => return Err(format!("FREQ={other} is not DAILY, WEEKLY, MONTHLY or YEARLY")),
    };
    let mut until = None;
    for &(name, value) in &parts {
        match name {
            "FREQ" => {}
            "INTERVAL" | "COUNT" => {
                if !value.parse::<u32>().is_ok_and(|n| (1..=10_000).contains(&n)) {
                    return Err(format!("{name} must be a whole number from 1 to 10000"));
                }
            }
            "UNTIL" => until = Some(parse_until(value)?),
            "BYHOUR" | "BYMINUTE" | "BYSECOND" => {
                return Err("the time of day is the first due time's: leave out BYHOUR, BYMINUTE and BYSECOND".into());
            }
            "BYDAY" => check_by_day(value, freq, get("BYWEEKNO").is_some())?,
            "BYMONTHDAY" if freq == "WEEKLY" => return Err("BYMONTHDAY does not work with FREQ=WEEKLY".into()),
            "BYMONTHDAY" => numbers(name, value, 1, 31)?,
            "BYYEARDAY" if freq != "YEARLY" => return Err("BYYEARDAY works only with FREQ=YEARLY".into()),
            "BYYEARDAY" | "BYSETPOS" => numbers(name, value, 1, 366)?,
            "BYWEEKNO" if freq != "YEARLY" => return Err("BYWEEKNO works only with FREQ=YEARLY".into()),
            "BYWEEKNO" => numbers(name, value, 1, 53)?,
            "BYMONTH" => {
                if !value.split(',').all(|m| m.parse::<u32>().is_ok_and(|m| (1..=12).contains(&m))) {
                    return Err("BYMONTH takes months from 1 to 12".into());
                }
            }
            "WKST" => {
                if !WEEKDAYS.contains(&value) {
                    return Err(format!("WKST={value} is not a weekday (MO, TU, WE, TH, FR, SA or SU)"));
                }
            }
            other => {
                return Err(format!(
                    "`{other}` is not part of an RRULE; the parts are FREQ, INTERVAL, COUNT, UNTIL, BYDAY, \
                     BYMONTHDAY, BYMONTH, BYSETPOS, BYYEARDAY, BYWEEKNO and WKST"
                ))
            }
        }
    }
    if get("COUNT").is_some() && until.is_some() {
        return Err("use COUNT or UNTIL, not both".into());
    }
    if get("BYSETPOS").is_some() && !parts.iter().any(|(n, _)| n.starts_with("BY") && *n != "BYSETPOS") {
        return Err("BYSETPOS picks among the days another BY part gives, such as BYDAY=MO,TU,WE,TH,FR".into());
    }
    Ok(until)
}

/// `UNTIL` in UTC, as RFC 5545 requires when the first due time has a zone: `20271231T235959Z`.
fn parse_until(value: &str) -> Result<DateTime<Utc>, String> {
    NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%SZ")
        .map(|t| t.and_utc())
        .map_err(|_| format!("write UNTIL in UTC with a Z, such as UNTIL=20271231T235959Z (not {value})"))
}

/// `BYDAY=MO,FR` or, under MONTHLY and YEARLY, with ordinals: `BYDAY=-1FR`, `BYDAY=2MO`.
fn check_by_day(value: &str, freq: &str, by_week_no: bool) -> Result<(), String> {
    for day in value.split(',') {
        let split = day.len().saturating_sub(2);
        let (ordinal, weekday) = day.split_at_checked(split).unwrap_or(("", day));
        if !WEEKDAYS.contains(&weekday) {
            return Err(format!("BYDAY: `{day}` is not a weekday (MO, TU, WE, TH, FR, SA or SU)"));
        }
        if ordinal.is_empty() {
            continue;
        }
        if !ordinal.parse::<i32>().is_ok_and(|n| n != 0 && n.abs() <= 53) {
            return Err(format!("BYDAY: `{day}` has no usable position; write it like 2MO or -1FR"));
        }
        if !matches!(freq, "MONTHLY" | "YEARLY") {
            return Err(format!(
                "BYDAY={day}: a numbered weekday such as 2FR or -1FR works only with FREQ=MONTHLY or \
                 FREQ=YEARLY; with FREQ={freq} give the weekday alone"
            ));
        }
        if by_week_no {
            return Err(format!("BYDAY={day}: a numbered weekday does not work with BYWEEKNO"));
        }
    }
    Ok(())
}

/// A list of whole numbers from `low` to `high`, each also negative (counted from the end).
fn numbers(name: &str, value: &str, low: i32, high: i32) -> Result<(), String> {
    if value.split(',').all(|n| n.parse::<i32>().is_ok_and(|n| (low..=high).contains(&n.abs()))) {
        Ok(())
    } else {
        Err(format!("{name} takes numbers from {low} to {high}, or from -{high} to -{low} counted from the end"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).single().map(|t| t.timestamp_millis()).unwrap_or_default()
    }

    fn local_at(y: i32, m: u32, d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d).and_then(|d| d.and_hms_opt(h, 0, 0)).unwrap_or_default()
    }

    #[test]
    fn every_other_friday_keeps_local_time_across_daylight_saving() {
        // Berlin leaves summer time on 25 October 2026: 17:00 local is 15:00 UTC before, 16:00 after.
        let s = Schedule::new("FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", local_at(2026, 10, 9, 17), Tz::Europe__Berlin)
            .unwrap_or_else(|e| panic!("{e:?}"));
        let dues = s.dues_between(at(2026, 10, 1, 0, 0), at(2026, 11, 30, 0, 0), 10);
        assert_eq!(
            dues,
            vec![at(2026, 10, 9, 15, 0), at(2026, 10, 23, 15, 0), at(2026, 11, 6, 16, 0), at(2026, 11, 20, 16, 0)]
        );
        // And into summer time in spring (29 March 2027).
        let spring = s.dues_between(at(2027, 3, 15, 0, 0), at(2027, 4, 10, 0, 0), 10);
        assert_eq!(spring, vec![at(2027, 3, 26, 16, 0), at(2027, 4, 9, 15, 0)]);
    }

    #[test]
    fn third_working_day_of_the_month() {
        let s = Schedule::new(
            "RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=3",
            local_at(2026, 1, 1, 12),
            Tz::America__New_York,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        // November 2026 starts on a Sunday: Mon 2, Tue 3, Wed 4. New York is UTC-5 then.
        let dues = s.dues_between(at(2026, 11, 1, 0, 0), at(2026, 12, 31, 0, 0), 5);
        assert_eq!(dues, vec![at(2026, 11, 4, 17, 0), at(2026, 12, 3, 17, 0)]);
        assert_eq!(s.next_dues(at(2026, 11, 4, 17, 0), 1), vec![at(2026, 12, 3, 17, 0)], "after is exclusive");
    }

    #[test]
    fn bad_rules_are_explained_in_our_words() {
        let first = local_at(2026, 11, 27, 17);
        let err = |rule: &str| Schedule::new(rule, first, Tz::UTC).err().map(|e| e.message).unwrap_or_default();
        assert!(err("").contains("needs a rule"));
        assert!(err("FREQ=HOURLY").contains("at most daily"));
        assert!(err("FREQ=DAILY;BYHOUR=9,15").contains("BYHOUR"), "no way round the daily limit");
        assert!(err("FREQ=FORTNIGHTLY").contains("is not DAILY, WEEKLY"), "{}", err("FREQ=FORTNIGHTLY"));
        assert!(err("DTSTART:20260101T000000Z\nRRULE:FREQ=DAILY").contains("first due time"));
        assert!(err("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30").contains("never falls due"));
        assert!(err("FREQ=WEEKLY;BYDAY=1MO,FR").contains("numbered weekday"), "Mondays are not dropped");
        assert!(err("FREQ=WEEKLY;UNTIL=20271231T000000").contains("UTC with a Z"));
        assert!(err("FREQ=WEEKLY;UNTIL=20200101T000000Z").contains("before the first due time"));
        for garbage in ["hello", "FREQ=WEEKLY;FOO=1", "RRULE,EXRULE", "FREQ=WEEKLY;BYDAY=XX"] {
            let message = err(garbage);
            assert!(!message.is_empty(), "{garbage}");
            for leak in ["RRULE,EXRULE,DTSTART", "should not be happening", "[\""] {
                assert!(!message.contains(leak), "{garbage}: {message}");
            }
        }
    }

    #[test]
    fn a_first_due_time_in_a_daylight_saving_gap_is_refused_with_the_time_it_would_be() {
        // Berlin skips 02:00-03:00 on 28 March 2027.
        let gap = NaiveDate::from_ymd_opt(2027, 3, 28).and_then(|d| d.and_hms_opt(2, 30, 0)).unwrap_or_default();
        let e = Schedule::new("FREQ=DAILY", gap, Tz::Europe__Berlin).err().unwrap_or_else(|| panic!("refused"));
        assert_eq!(e.field, "first_due");
        assert!(e.message.contains("03:30"), "{}", e.message);
    }

    /// Expansions from python-dateutil, and rules RFC 5545 forbids (`tests/data/recurrence.json`).
    #[test]
    fn independent_vectors() {
        let data: serde_json::Value =
            serde_json::from_str(include_str!("../tests/data/recurrence.json")).unwrap_or_default();
        let cases = data["cases"].as_array().map(Vec::as_slice).unwrap_or_default();
        assert_eq!(cases.len(), 10);
        for case in cases {
            let text = |k: &str| case[k].as_str().unwrap_or_default().to_owned();
            let first = crate::commitment::parse_local(&text("first_due")).unwrap_or_default();
            let zone: Tz = text("zone").parse().unwrap_or(Tz::UTC);
            let schedule =
                Schedule::new(&text("rule"), first, zone).unwrap_or_else(|e| panic!("{}: {e:?}", text("note")));
            let expect: Vec<i64> = case["expect_utc"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .filter_map(|t| t.as_str()?.parse::<DateTime<Utc>>().ok())
                .map(|t| t.timestamp_millis())
                .collect();
            let start = zone.from_local_datetime(&first).earliest().map(|t| t.timestamp_millis()).unwrap_or_default();
            let got = schedule.next_dues(start - 1, u16::try_from(expect.len()).unwrap_or(0) + 1);
            let got: Vec<i64> = got.into_iter().take(expect.len()).collect();
            assert_eq!(got, expect, "{}", text("note"));
        }
        let refuse = data["refuse"].as_array().map(Vec::as_slice).unwrap_or_default();
        assert_eq!(refuse.len(), 4);
        let first = local_at(2027, 1, 8, 17);
        for case in refuse {
            let rule = case["rule"].as_str().unwrap_or_default();
            let e = Schedule::new(rule, first, Tz::Europe__Berlin).err().unwrap_or_else(|| panic!("{rule} accepted"));
            assert_eq!(e.field, "rule", "{rule}");
        }
    }
}
