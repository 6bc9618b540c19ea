//! The organisation's week: once a week, on Monday from 08:00 in each person's own zone, what
//! happened across the organisation that bridges teams: spotlights, open meetings coming up that
//! the person is invited to, services newly published, partnerships agreed. In the bell, and by
//! mail as the person chose.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// The local hour the week goes out on Monday.
pub const WEEKLY_HOUR: u32 = 8;

/// The Monday whose week is due for a person in `zone` at `now`: it is Monday there and 08:00 has
/// passed. Later on Monday it is still due (a server down at eight catches up), and sending twice
/// is prevented by the week's key.
pub fn due_week(now: DateTime<Utc>, zone: Tz) -> Option<NaiveDate> {
    let local = now.with_timezone(&zone);
    (local.weekday() == Weekday::Mon && local.hour() >= WEEKLY_HOUR).then(|| local.date_naive())
}

/// A week's key: its Monday as a number (`20261207`), unique per week.
pub fn week_key(monday: NaiveDate) -> i64 {
    i64::from(monday.year()) * 10_000 + i64::from(monday.month()) * 100 + i64::from(monday.day())
}

/// A spotlight posted in the week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WeekPost {
    pub post: i64,
    pub team: String,
    pub title: String,
}

/// An open meeting in the next two weeks, its time as the reader reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WeekMeeting {
    pub meeting: i64,
    pub team: String,
    pub title: String,
    pub when: String,
}

/// A service published in the week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WeekService {
    pub team_key: String,
    pub team: String,
    pub slug: String,
    pub name: String,
}

/// A partnership agreed in the week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WeekPartnership {
    pub supplier_key: String,
    pub supplier: String,
    pub customer_key: String,
    pub customer: String,
}

/// What one person's week holds.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Week {
    /// The Monday it was made for, in the person's zone.
    pub monday: NaiveDate,
    pub spotlights: Vec<WeekPost>,
    pub meetings: Vec<WeekMeeting>,
    pub services: Vec<WeekService>,
    pub partnerships: Vec<WeekPartnership>,
}

impl Week {
    pub fn is_empty(&self) -> bool {
        self.spotlights.is_empty()
            && self.meetings.is_empty()
            && self.services.is_empty()
            && self.partnerships.is_empty()
    }

    /// "2 spotlights, 1 open meeting, 3 new services and 1 partnership agreed".
    pub fn counts(&self) -> String {
        let part = |n: usize, one: &str, many: &str| match n {
            0 => None,
            1 => Some(format!("1 {one}")),
            n => Some(format!("{n} {many}")),
        };
        let parts: Vec<String> = [
            part(self.spotlights.len(), "spotlight", "spotlights"),
            part(self.meetings.len(), "open meeting", "open meetings"),
            part(self.services.len(), "new service", "new services"),
            part(self.partnerships.len(), "partnership agreed", "partnerships agreed"),
        ]
        .into_iter()
        .flatten()
        .collect();
        match parts.as_slice() {
            [] => String::from("a quiet week"),
            [one] => one.clone(),
            [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        }
    }

    /// The week as lines of text, for the mail.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut section = |title: &str, items: Vec<String>| {
            if !items.is_empty() {
                out.push(format!(
                    "{title}:\n{}",
                    items.iter().map(|i| format!("- {i}")).collect::<Vec<_>>().join("\n")
                ));
            }
        };
        section("Spotlights", self.spotlights.iter().map(|p| format!("{}: {}", p.team, p.title)).collect());
        section(
            "Open meetings you are invited to",
            self.meetings.iter().map(|m| format!("{}: {}, {}", m.team, m.title, m.when)).collect(),
        );
        section("New services", self.services.iter().map(|s| format!("{}: {}", s.team, s.name)).collect());
        section(
            "Partnerships agreed",
            self.partnerships.iter().map(|p| format!("{} serves {}", p.supplier, p.customer)).collect(),
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).map(|d| d.with_timezone(&Utc)).unwrap_or_default()
    }

    #[test]
    fn the_week_is_due_from_monday_eight_in_each_zone() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap_or(chrono_tz::UTC);
        let tokyo: Tz = "Asia/Tokyo".parse().unwrap_or(chrono_tz::UTC);
        let ny: Tz = "America/New_York".parse().unwrap_or(chrono_tz::UTC);
        // Monday 7 Dec 2026, 07:30 UTC: 08:30 in Berlin, 16:30 in Tokyo, 02:30 in New York.
        let now = at("2026-12-07T07:30:00Z");
        let monday = NaiveDate::from_ymd_opt(2026, 12, 7);
        assert_eq!(due_week(now, berlin), monday);
        assert_eq!(due_week(now, tokyo), monday);
        assert_eq!(due_week(now, ny), None);
        assert_eq!(due_week(at("2026-12-07T13:00:00Z"), ny), monday, "08:00 in New York");
        assert_eq!(due_week(at("2026-12-07T15:30:00Z"), tokyo), None, "already Tuesday in Tokyo");
        assert_eq!(week_key(NaiveDate::from_ymd_opt(2026, 12, 7).unwrap_or_default()), 20_261_207);
    }

    #[test]
    fn a_week_reads_in_words() {
        let mut w = Week::default();
        assert_eq!((w.is_empty(), w.counts()), (true, "a quiet week".to_owned()));
        w.spotlights.push(WeekPost { post: 1, team: "IT".into(), title: "Laptops".into() });
        w.spotlights.push(WeekPost { post: 2, team: "SUP".into(), title: "98%".into() });
        w.services.push(WeekService {
            team_key: "FAC".into(),
            team: "Facilities".into(),
            slug: "desk".into(),
            name: "Desk move".into(),
        });
        assert_eq!(w.counts(), "2 spotlights and 1 new service");
        assert_eq!(w.lines(), ["Spotlights:\n- IT: Laptops\n- SUP: 98%", "New services:\n- Facilities: Desk move"]);
    }
}
