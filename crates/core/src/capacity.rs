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
}
