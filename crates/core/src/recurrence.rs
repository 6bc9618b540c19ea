//! Schedules in words: the patterns a person picks in the schedule builder, the RRULE each
//! writes, and any rule read back as a sentence ("every other Friday at 17:00 Berlin time").
//! The RRULE stays the stored form (iCalendar feeds and the API speak it); people see words.

use chrono::{Datelike, NaiveDate, NaiveDateTime};

use crate::error::{FieldError, Invalid};

const DAYS: [(&str, &str); 7] = [
    ("MO", "Monday"),
    ("TU", "Tuesday"),
    ("WE", "Wednesday"),
    ("TH", "Thursday"),
    ("FR", "Friday"),
    ("SA", "Saturday"),
    ("SU", "Sunday"),
];
const WORKING_DAYS: &str = "MO,TU,WE,TH,FR";

fn day_name(code: &str) -> Option<&'static str> {
    DAYS.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

/// "1st", "2nd", "3rd", "11th", "last".
pub fn ordinal(n: i32) -> String {
    match n {
        -1 => "last".into(),
        n if (11..=13).contains(&(n % 100)) => format!("{n}th"),
        n => match n % 10 {
            1 => format!("{n}st"),
            2 => format!("{n}nd"),
            3 => format!("{n}rd"),
            _ => format!("{n}th"),
        },
    }
}

/// "first", "second", ... for the weekday of a month ("the second Tuesday").
fn ordinal_word(n: i32) -> String {
    match n {
        -1 => "last".into(),
        1 => "first".into(),
        2 => "second".into(),
        3 => "third".into(),
        4 => "fourth".into(),
        5 => "fifth".into(),
        n => ordinal(n),
    }
}

/// A schedule as the builder offers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    /// Every `every` weeks on these weekdays (RRULE codes, Monday first).
    Weekly { every: u32, days: Vec<&'static str> },
    /// On this day of every month; -1 is the last day.
    MonthDay { day: i32 },
    /// On the `nth` (1-4, or -1 for the last) of this weekday of every month.
    MonthWeekday { nth: i32, day: &'static str },
    /// On the `nth` working day (Monday to Friday) of every month, or the last (-1).
    WorkingDay { nth: i32 },
}

impl Pattern {
    /// The RRULE the pattern stands for.
    pub fn rule(&self) -> String {
        match self {
            Self::Weekly { every, days } => {
                let interval = if *every > 1 { format!(";INTERVAL={every}") } else { String::new() };
                format!("FREQ=WEEKLY{interval};BYDAY={}", days.join(","))
            }
            Self::MonthDay { day } => format!("FREQ=MONTHLY;BYMONTHDAY={day}"),
            Self::MonthWeekday { nth, day } => format!("FREQ=MONTHLY;BYDAY={nth}{day}"),
            Self::WorkingDay { nth } => format!("FREQ=MONTHLY;BYDAY={WORKING_DAYS};BYSETPOS={nth}"),
        }
    }

    /// The pattern a rule was built from, when it is one the builder writes.
    pub fn of_rule(rule: &str) -> Option<Self> {
        let parts = Parts::read(rule)?;
        let interval = parts.interval()?;
        let known = |allowed: &[&str]| parts.0.iter().all(|(n, _)| allowed.contains(n));
        match parts.get("FREQ")? {
            "WEEKLY" if known(&["FREQ", "INTERVAL", "BYDAY"]) => {
                let mut days = Vec::new();
                for code in parts.get("BYDAY")?.split(',') {
                    days.push(DAYS.iter().find(|(c, _)| *c == code)?.0);
                }
                days.sort_by_key(|d| DAYS.iter().position(|(c, _)| c == d));
                days.dedup();
                Some(Self::Weekly { every: interval, days })
            }
            "MONTHLY" if interval == 1 && known(&["FREQ", "INTERVAL", "BYMONTHDAY"]) => {
                let day: i32 = parts.get("BYMONTHDAY")?.parse().ok()?;
                (day == -1 || (1..=31).contains(&day)).then_some(Self::MonthDay { day })
            }
            "MONTHLY" if interval == 1 && known(&["FREQ", "INTERVAL", "BYDAY", "BYSETPOS"]) => {
                let by_day = parts.get("BYDAY")?;
                if let Some(pos) = parts.get("BYSETPOS") {
                    let nth: i32 = pos.parse().ok()?;
                    return (by_day == WORKING_DAYS && (nth == -1 || (1..=23).contains(&nth)))
                        .then_some(Self::WorkingDay { nth });
                }
                let (n, code) = by_day.split_at_checked(by_day.len().checked_sub(2)?)?;
                let nth: i32 = n.parse().ok()?;
                let day = DAYS.iter().find(|(c, _)| *c == code)?.0;
                (nth == -1 || (1..=4).contains(&nth)).then_some(Self::MonthWeekday { nth, day })
            }
            _ => None,
        }
    }
}

/// What the builder's form holds, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuilderInput {
    /// `weekly`, `month_day`, `month_weekday`, `working_day`, or `custom` (the raw rule).
    pub repeat: String,
    pub every: String,
    /// Weekday codes ticked, such as `FR`.
    pub days: Vec<String>,
    /// A day of the month, or `last`.
    pub month_day: String,
    /// `1`-`4` or `last`, with `weekday`.
    pub nth: String,
    pub weekday: String,
    /// `1`-`23` or `last`: which working day.
    pub working: String,
}

impl BuilderInput {
    /// The pattern typed, or every problem with it at once; `None` for a custom rule.
    pub fn pattern(&self) -> Result<Option<Pattern>, Invalid> {
        let mut errors = Vec::new();
        let position = |text: &str, max: i32, field: &str, errors: &mut Vec<FieldError>| -> i32 {
            match text.trim() {
                "last" => -1,
                t => t.parse().ok().filter(|n| (1..=max).contains(n)).unwrap_or_else(|| {
                    errors.push(FieldError::new(field, format!("choose a number from 1 to {max}, or last")));
                    1
                }),
            }
        };
        let day = |code: &str| DAYS.iter().find(|(c, _)| *c == code.trim()).map(|(c, _)| *c);
        let pattern = match self.repeat.trim() {
            "" | "custom" => return Ok(None),
            "weekly" => {
                let every = match self.every.trim() {
                    "" => 1,
                    t => t.parse().ok().filter(|n| (1..=52).contains(n)).unwrap_or_else(|| {
                        errors.push(FieldError::new("every", "give a number of weeks from 1 to 52"));
                        1
                    }),
                };
                let days: Vec<&'static str> =
                    DAYS.iter().map(|(c, _)| *c).filter(|c| self.days.iter().any(|d| d == c)).collect();
                if days.is_empty() {
                    errors.push(FieldError::new("days", "tick at least one day of the week"));
                }
                Pattern::Weekly { every, days }
            }
            "month_day" => Pattern::MonthDay { day: position(&self.month_day, 31, "month_day", &mut errors) },
            "month_weekday" => {
                let nth = position(&self.nth, 4, "nth", &mut errors);
                let weekday = day(&self.weekday).unwrap_or_else(|| {
                    errors.push(FieldError::new("weekday", "choose a day of the week"));
                    "MO"
                });
                Pattern::MonthWeekday { nth, day: weekday }
            }
            "working_day" => Pattern::WorkingDay { nth: position(&self.working, 23, "working", &mut errors) },
            other => {
                errors.push(FieldError::new("repeat", format!("`{other}` is not a schedule the builder knows")));
                return Err(Invalid(errors));
            }
        };
        if errors.is_empty() {
            Ok(Some(pattern))
        } else {
            Err(Invalid(errors))
        }
    }

    /// The builder filled in from a stored rule; a rule it cannot show is custom.
    pub fn of_rule(rule: &str) -> Self {
        let mut input = Self {
            every: "1".into(),
            nth: "1".into(),
            weekday: "MO".into(),
            working: "1".into(),
            month_day: "1".into(),
            ..Self::default()
        };
        let text = |n: i32| if n == -1 { "last".to_owned() } else { n.to_string() };
        match Pattern::of_rule(rule) {
            Some(Pattern::Weekly { every, days }) => {
                input.repeat = "weekly".into();
                input.every = every.to_string();
                input.days = days.iter().map(|d| (*d).to_owned()).collect();
            }
            Some(Pattern::MonthDay { day }) => {
                input.repeat = "month_day".into();
                input.month_day = text(day);
            }
            Some(Pattern::MonthWeekday { nth, day }) => {
                input.repeat = "month_weekday".into();
                input.nth = text(nth);
                input.weekday = day.into();
            }
            Some(Pattern::WorkingDay { nth }) => {
                input.repeat = "working_day".into();
                input.working = text(nth);
            }
            None => input.repeat = if rule.trim().is_empty() { "weekly".into() } else { "custom".into() },
        }
        input
    }
}

/// A rule's parts, by name; `None` when it is not NAME=VALUE pairs.
struct Parts<'a>(Vec<(&'a str, &'a str)>);

impl<'a> Parts<'a> {
    fn read(rule: &'a str) -> Option<Self> {
        let rule = rule.trim();
        let rule = rule.strip_prefix("RRULE:").unwrap_or(rule);
        rule.split(';')
            .filter(|p| !p.trim().is_empty())
            .map(|p| p.trim().split_once('='))
            .collect::<Option<Vec<_>>>()
            .map(Self)
    }

    fn get(&self, name: &str) -> Option<&'a str> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }

    fn interval(&self) -> Option<u32> {
        self.get("INTERVAL").map_or(Some(1), |v| v.parse().ok())
    }
}

/// "Monday", "Monday and Friday", "Monday, Wednesday and Friday".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// "every", "every other", "every 3".
fn every(n: u32, unit: &str, units: &str) -> String {
    match n {
        1 => format!("every {unit}"),
        2 => format!("every other {unit}"),
        n => format!("every {n} {units}"),
    }
}

/// The zone as people say it: `Europe/Berlin` is "Berlin time", `UTC` is "UTC".
pub fn zone_words(zone: &str) -> String {
    match zone.rsplit('/').next() {
        Some("UTC") | None => "UTC".into(),
        Some(city) => format!("{} time", city.replace('_', " ")),
    }
}

/// A rule in words, with its time of day from the first due time (`2026-11-27T17:00`) and its
/// zone: "every other Friday at 17:00 Berlin time". A rule too unusual for words reads as
/// "by the rule FREQ=…", never as nothing.
pub fn describe(rule: &str, first_due: &str, zone: &str) -> String {
    let first = NaiveDateTime::parse_from_str(first_due.trim(), "%Y-%m-%dT%H:%M").ok();
    let at = first.map(|t| format!(" at {} {}", t.format("%H:%M"), zone_words(zone))).unwrap_or_default();
    let Some(parts) = Parts::read(rule) else { return format!("by the rule {}", rule.trim()) };
    let Some(when) = words(&parts, first.map(|t| t.date())) else { return format!("by the rule {}{at}", rule.trim()) };
    let end = match (parts.get("COUNT"), parts.get("UNTIL")) {
        (Some(n), _) => format!(", {n} times"),
        (_, Some(u)) => NaiveDateTime::parse_from_str(u, "%Y%m%dT%H%M%SZ")
            .map(|u| format!(", until {}", u.format("%-d %B %Y")))
            .unwrap_or_default(),
        _ => String::new(),
    };
    format!("{when}{at}{end}")
}

/// The days and frequency of a rule, when they fit a sentence.
fn words(parts: &Parts<'_>, first: Option<NaiveDate>) -> Option<String> {
    let interval = parts.interval()?;
    let plain = |allowed: &[&str]| {
        parts
            .0
            .iter()
            .all(|(n, _)| allowed.contains(n) || matches!(*n, "FREQ" | "INTERVAL" | "COUNT" | "UNTIL" | "WKST"))
    };
    let first_day = first.and_then(|d| DAYS.get(d.weekday().num_days_from_monday() as usize)).map(|(_, n)| *n);
    match parts.get("FREQ")? {
        "DAILY" if plain(&["BYDAY"]) => match parts.get("BYDAY") {
            None => Some(every(interval, "day", "days")),
            Some(WORKING_DAYS) if interval == 1 => Some("every working day (Monday to Friday)".into()),
            Some(_) => None,
        },
        "WEEKLY" if plain(&["BYDAY"]) => {
            let days: Vec<String> = match parts.get("BYDAY") {
                Some(list) => list.split(',').map(|c| day_name(c).map(str::to_owned)).collect::<Option<_>>()?,
                None => vec![first_day?.to_owned()],
            };
            Some(match interval {
                1 => format!("every {}", and_list(&days)),
                2 => format!("every other {}", and_list(&days)),
                n => format!("every {n} weeks on {}", and_list(&days)),
            })
        }
        "MONTHLY" if plain(&["BYMONTHDAY", "BYDAY", "BYSETPOS"]) => {
            let months = match interval {
                1 => "every month".to_owned(),
                2 => "every other month".to_owned(),
                n => format!("every {n} months"),
            };
            match (parts.get("BYMONTHDAY"), parts.get("BYDAY"), parts.get("BYSETPOS")) {
                (Some(d), None, None) => {
                    let d: i32 = d.parse().ok()?;
                    Some(if d == -1 {
                        format!("on the last day of {months}")
                    } else {
                        format!("on the {} of {months}", ordinal(d))
                    })
                }
                (None, Some(WORKING_DAYS), Some(p)) => {
                    let p: i32 = p.parse().ok()?;
                    Some(format!("on the {} working day of {months}", ordinal(p)))
                }
                (None, Some(by_day), None) => {
                    let (n, code) = by_day.split_at_checked(by_day.len().checked_sub(2)?)?;
                    let n: i32 = n.parse().ok()?;
                    Some(format!("on the {} {} of {months}", ordinal_word(n), day_name(code)?))
                }
                (None, None, None) => Some(format!("on the {} of {months}", ordinal(first?.day() as i32))),
                _ => None,
            }
        }
        "YEARLY" if plain(&[]) => {
            let first = first?;
            Some(format!("{} on {}", every(interval, "year", "years"), first.format("%-d %B")))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_read_as_sentences() {
        let d = |rule: &str| describe(rule, "2026-11-27T17:00", "Europe/Berlin");
        assert_eq!(d("FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"), "every other Friday at 17:00 Berlin time");
        assert_eq!(d("FREQ=WEEKLY;BYDAY=MO,WE,FR"), "every Monday, Wednesday and Friday at 17:00 Berlin time");
        assert_eq!(d("FREQ=WEEKLY;INTERVAL=3;BYDAY=TU"), "every 3 weeks on Tuesday at 17:00 Berlin time");
        assert_eq!(d("FREQ=WEEKLY"), "every Friday at 17:00 Berlin time", "the first due time's weekday");
        assert_eq!(d("FREQ=MONTHLY;BYMONTHDAY=15"), "on the 15th of every month at 17:00 Berlin time");
        assert_eq!(d("FREQ=MONTHLY;BYMONTHDAY=-1"), "on the last day of every month at 17:00 Berlin time");
        assert_eq!(d("FREQ=MONTHLY;BYDAY=-1FR"), "on the last Friday of every month at 17:00 Berlin time");
        assert_eq!(
            d("FREQ=MONTHLY;INTERVAL=3;BYDAY=2TU"),
            "on the second Tuesday of every 3 months at 17:00 Berlin time"
        );
        assert_eq!(
            d("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=3"),
            "on the 3rd working day of every month at 17:00 Berlin time"
        );
        assert_eq!(d("FREQ=MONTHLY"), "on the 27th of every month at 17:00 Berlin time");
        assert_eq!(d("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR"), "every working day (Monday to Friday) at 17:00 Berlin time");
        assert_eq!(d("FREQ=YEARLY"), "every year on 27 November at 17:00 Berlin time");
        assert_eq!(d("FREQ=WEEKLY;BYDAY=FR;COUNT=6"), "every Friday at 17:00 Berlin time, 6 times");
        assert_eq!(
            d("FREQ=WEEKLY;BYDAY=FR;UNTIL=20270630T235959Z"),
            "every Friday at 17:00 Berlin time, until 30 June 2027"
        );
        assert_eq!(
            d("FREQ=MONTHLY;BYMONTH=1,7;BYDAY=1MO"),
            "by the rule FREQ=MONTHLY;BYMONTH=1,7;BYDAY=1MO at 17:00 Berlin time"
        );
        assert_eq!(describe("FREQ=DAILY", "2026-11-27T09:30", "America/New_York"), "every day at 09:30 New York time");
        assert_eq!(describe("FREQ=DAILY", "2026-11-27T09:30", "UTC"), "every day at 09:30 UTC");
    }

    #[test]
    fn the_builder_writes_rules_and_reads_its_own_back() {
        let patterns = [
            Pattern::Weekly { every: 2, days: vec!["FR"] },
            Pattern::Weekly { every: 1, days: vec!["MO", "TH"] },
            Pattern::MonthDay { day: -1 },
            Pattern::MonthDay { day: 15 },
            Pattern::MonthWeekday { nth: -1, day: "FR" },
            Pattern::MonthWeekday { nth: 2, day: "TU" },
            Pattern::WorkingDay { nth: 3 },
            Pattern::WorkingDay { nth: -1 },
        ];
        for p in patterns {
            let rule = p.rule();
            assert_eq!(Pattern::of_rule(&rule), Some(p.clone()), "{rule}");
            let first = chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap().and_hms_opt(17, 0, 0).unwrap();
            assert!(crate::schedule::Schedule::new(&rule, first, chrono_tz::Europe::Berlin).is_ok(), "{rule} is valid");
            let input = BuilderInput::of_rule(&rule);
            assert_eq!(input.pattern(), Ok(Some(p)), "{rule} through the form");
        }
        assert_eq!(Pattern::WorkingDay { nth: 3 }.rule(), "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=3");
        assert_eq!(Pattern::of_rule("FREQ=MONTHLY;BYMONTH=1;BYDAY=1MO"), None);
        assert_eq!(BuilderInput::of_rule("FREQ=YEARLY").repeat, "custom");
    }

    #[test]
    fn the_builder_reports_every_problem_at_once() {
        let input = BuilderInput { repeat: "weekly".into(), every: "0".into(), ..Default::default() };
        let fields: Vec<String> = input.pattern().unwrap_err().0.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["every", "days"]);
        let input = BuilderInput {
            repeat: "month_weekday".into(),
            nth: "9".into(),
            weekday: "XX".into(),
            ..Default::default()
        };
        let fields: Vec<String> = input.pattern().unwrap_err().0.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["nth", "weekday"]);
        assert_eq!(BuilderInput { repeat: "custom".into(), ..Default::default() }.pattern(), Ok(None));
    }

    #[test]
    fn ordinals() {
        let all: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 23, -1].into_iter().map(ordinal).collect();
        assert_eq!(all, ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "last"]);
    }
}
