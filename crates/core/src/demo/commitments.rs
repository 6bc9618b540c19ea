//! The demo's commitments: timesheets to Payroll every other Friday, month-end figures from Sales
//! to Finance, a weekly productivity report to Leadership and training plans from Training &
//! Development, each with half a year of history in which some deliveries came late.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::DemoOrg;
use crate::commitment::NewCommitment;
use crate::team::MemberRole;

/// How one past occurrence went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PastDelivery {
    /// Delivered this many minutes before the due time, and accepted.
    Early(i64),
    /// Delivered this many working minutes after the due time, and accepted.
    Late(i64),
    /// Delivered early, sent back as incomplete, delivered again this many working minutes after due.
    SentBack(i64),
    /// Never delivered: overdue now.
    Missing,
}

/// A demo commitment and how its past went.
#[derive(Debug, Clone)]
pub struct DemoCommitment {
    pub commitment: NewCommitment,
    /// Percent of past occurrences delivered late.
    pub late_percent: u32,
    /// The most recent past occurrence is still missing.
    pub latest_missing: bool,
    /// Seeds the pattern, so every start tells the same story.
    pub seed: u64,
}

impl DemoCommitment {
    /// The outcome of each of `count` past occurrences, oldest first.
    pub fn history(&self, count: usize) -> Vec<PastDelivery> {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        (0..count)
            .map(|i| {
                if self.latest_missing && i + 1 == count {
                    return PastDelivery::Missing;
                }
                let roll = rng.random_range(0..100);
                if roll < self.late_percent / 3 {
                    PastDelivery::SentBack(rng.random_range(60..600))
                } else if roll < self.late_percent {
                    PastDelivery::Late(rng.random_range(60..960))
                } else {
                    PastDelivery::Early(rng.random_range(15..1440))
                }
            })
            .collect()
    }
}

/// The first due dates sit about half a year before `today`, on the weekday each rule needs.
pub fn commitments(org: &DemoOrg, today: NaiveDate) -> Vec<DemoCommitment> {
    let start = today - Duration::weeks(26);
    let on = |weekday: Weekday| {
        let mut d = start;
        while d.weekday() != weekday {
            d = d.succ_opt().unwrap_or(d);
        }
        d
    };
    let first_of_month = NaiveDate::from_ymd_opt(start.year(), start.month(), 1).unwrap_or(start);
    let people = |team: &str| {
        let lead = org.people.iter().find(|p| p.team_key == team && p.role == MemberRole::Lead);
        let member = org.people.iter().find(|p| p.team_key == team && p.role == MemberRole::Member);
        (
            member.or(lead).map(|p| p.person.email.clone()).unwrap_or_default(),
            lead.filter(|_| member.is_some()).map(|p| p.person.email.clone()),
        )
    };
    let make =
        |provider: &str, receiver: &str, title: &str, checklist: &str, rule: &str, first: String, grace: &str| {
            let (owner, backup) = people(provider);
            NewCommitment {
                provider: provider.into(),
                receiver: receiver.into(),
                title: title.into(),
                description: checklist.into(),
                owner,
                backup,
                rule: rule.into(),
                first_due: first,
                zone: None,
                grace: Some(grace.into()).filter(|g: &String| !g.is_empty()),
                remind_hours: Some(24),
                // The hours each delivery takes, so the providers' workload shows them.
                effort_hours: Some(match title {
                    "Month-end sales figures" => 4.0,
                    "Weekly productivity report" => 2.0,
                    _ => 3.0,
                }),
            }
        };
    vec![
        DemoCommitment {
            commitment: make(
                "OPS",
                "PAY",
                "Timesheets for the pay run",
                "- every hour approved by the shift lead\n- overtime flagged\n- absences entered",
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR",
                format!("{}T15:00", on(Weekday::Fri)),
                "2h",
            ),
            late_percent: 25,
            latest_missing: false,
            seed: 1,
        },
        DemoCommitment {
            commitment: make(
                "FAC",
                "PAY",
                "Timesheets for the pay run",
                "- cleaning and security shifts\n- overtime flagged",
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR",
                format!("{}T15:00", on(Weekday::Fri)),
                "2h",
            ),
            late_percent: 45,
            latest_missing: true,
            seed: 2,
        },
        DemoCommitment {
            commitment: make(
                "SAL",
                "FIN",
                "Month-end sales figures",
                "- bookings by region\n- discounts granted\n- forecast for next month",
                "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=3",
                format!("{first_of_month}T12:00"),
                "4h",
            ),
            late_percent: 35,
            latest_missing: false,
            seed: 3,
        },
        DemoCommitment {
            commitment: make(
                "OPS",
                "EXEC",
                "Weekly productivity report",
                "- orders shipped per day\n- open backlog\n- staffing gaps",
                "FREQ=WEEKLY;BYDAY=MO",
                format!("{}T10:00", on(Weekday::Mon)),
                "",
            ),
            late_percent: 10,
            latest_missing: false,
            seed: 4,
        },
        DemoCommitment {
            commitment: make(
                "TRN",
                "SUP",
                "Training plan for next month",
                "- courses and dates\n- who attends\n- product releases covered",
                "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
                format!("{first_of_month}T16:00"),
                "1d",
            ),
            late_percent: 20,
            latest_missing: false,
            seed: 5,
        },
        DemoCommitment {
            commitment: make(
                "TRN",
                "SAL",
                "Training plan for next month",
                "- onboarding dates for new reps\n- product sessions",
                "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
                format!("{first_of_month}T16:00"),
                "1d",
            ),
            late_percent: 20,
            latest_missing: false,
            seed: 6,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_commitments_are_valid_and_some_are_late() {
        let org = super::super::organisation();
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default();
        let list = commitments(&org, today);
        assert_eq!(list.len(), 6);
        for d in &list {
            let checked =
                d.commitment.check(chrono_tz::Tz::UTC).unwrap_or_else(|e| panic!("{}: {e:?}", d.commitment.title));
            assert!(checked.backup.is_some(), "{}", d.commitment.title);
            let past = checked.schedule.dues_between(0, 1_795_000_000_000, 200).len();
            assert!(past >= 6, "{} has {past} occurrences", d.commitment.title);
        }
        let all: Vec<PastDelivery> = list.iter().flat_map(|d| d.history(13)).collect();
        assert!(all.iter().any(|p| matches!(p, PastDelivery::Late(_))));
        assert!(all.iter().any(|p| matches!(p, PastDelivery::SentBack(_))));
        assert_eq!(all.iter().filter(|p| **p == PastDelivery::Missing).count(), 1);
        assert_eq!(list[0].history(13), list[0].history(13), "the same story every start");
    }
}
