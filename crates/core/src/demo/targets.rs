//! The demo's working time and promises: a calendar per team in its own zone (with that
//! country's holidays), targets on every service, and requests spread over the past weeks, some
//! on time and some late, so compliance reports and breach states show variety on first start.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{DemoOrg, DemoService};
use crate::calendar::CalendarSpec;
use crate::request::Priority;
use crate::target::{NewPriorityTargets, NewTargetPolicy};

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap_or_default()
}

fn spec(zone: &str, days: &[&str], intervals: &[&str], holidays: &[&str], half_days: &[(&str, &str)]) -> CalendarSpec {
    CalendarSpec {
        zone: zone.into(),
        week: days.iter().map(|d| ((*d).to_owned(), intervals.iter().map(|i| (*i).to_owned()).collect())).collect(),
        holidays: holidays.iter().map(|d| date(d)).collect(),
        special_days: half_days.iter().map(|(d, i)| (date(d), vec![(*i).to_owned()])).collect(),
    }
}

const WEEKDAYS: [&str; 5] = ["mon", "tue", "wed", "thu", "fri"];

/// A calendar for every demo team, by the zone its people work in.
pub fn calendars(org: &DemoOrg) -> Vec<(String, CalendarSpec)> {
    let berlin = spec(
        "Europe/Berlin",
        &WEEKDAYS,
        &["08:30-12:30", "13:30-17:00"],
        &["2026-10-03", "2026-12-25", "2026-12-26", "2027-01-01"],
        &[("2026-12-24", "09:00-12:00"), ("2026-12-31", "09:00-12:00")],
    );
    let london = spec("Europe/London", &WEEKDAYS, &["09:00-17:30"], &["2026-12-25", "2026-12-28", "2027-01-01"], &[]);
    let new_york = spec(
        "America/New_York",
        &WEEKDAYS,
        &["09:00-17:00"],
        &["2026-11-26", "2026-12-25", "2027-01-01"],
        &[("2026-11-27", "09:00-13:00")],
    );
    let kolkata = spec(
        "Asia/Kolkata",
        &["mon", "tue", "wed", "thu", "fri", "sat"],
        &["09:30-13:30", "14:30-18:30"],
        &["2026-11-08", "2026-12-25"],
        &[],
    );
    org.teams
        .iter()
        .filter_map(|t| {
            let zone = org.people.iter().find(|p| p.team_key == t.key).map(|p| p.person.time_zone.as_str())?;
            let cal = match zone {
                "Europe/London" => london.clone(),
                "America/New_York" => new_york.clone(),
                "Asia/Kolkata" => kolkata.clone(),
                _ => berlin.clone(),
            };
            Some((t.key.clone(), cal))
        })
        .collect()
}

/// Targets for every demo service: tighter for incidents, looser for low priorities.
pub fn targets(services: &[DemoService], org: &DemoOrg) -> Vec<(&'static str, String, NewTargetPolicy)> {
    services
        .iter()
        .map(|s| {
            let incident = s.service.slug.contains("incident") || s.service.slug.contains("repair");
            let table: [(&str, &str); 4] = if incident {
                [("30m", "4h"), ("1h", "1d"), ("2h", "2d"), ("4h", "5d")]
            } else {
                [("1h", "1d"), ("2h", "2d"), ("4h", "3d"), ("1d", "5d")]
            };
            let targets: BTreeMap<String, NewPriorityTargets> = Priority::ALL
                .iter()
                .zip(table)
                .map(|(p, (r, s))| {
                    (p.to_string(), NewPriorityTargets { first_response: r.into(), resolution: s.into() })
                })
                .collect();
            // Breached incidents go up a priority and to the team's lead.
            let lead = org
                .people
                .iter()
                .find(|p| p.team_key == s.team_key && p.role == crate::team::MemberRole::Lead)
                .map(|p| p.person.email.clone());
            NewTargetPolicy {
                targets,
                pause_on_others: !incident,
                at_risk_percent: Some(75),
                reassign_to: if incident { lead } else { None },
                raise_priority: incident,
                notify: None,
            }
        })
        .zip(services)
        .map(|(policy, s)| (s.team_key, s.service.slug.clone(), policy))
        .collect()
}

/// A request of the past weeks, and how long the team took, as shares of its targets.
#[derive(Debug, Clone)]
pub struct DemoHistory {
    pub team_key: &'static str,
    pub slug: String,
    pub requester_email: String,
    pub subject: String,
    pub description: String,
    pub priority: Priority,
    /// Days before now it was filed (with a time of day).
    pub age_minutes: i64,
    /// Working time until the first reply, in percent of the first-response target.
    pub response_share: i64,
    /// Working time until resolution in percent of its target; `None` while still open.
    pub resolution_share: Option<i64>,
}

/// Who asks whom in Northwind: each provider team and its usual internal customers.
pub const CUSTOMERS: &[(&str, &[&str])] = &[
    ("IT", &["SAL", "ORD", "HR", "FIN", "MKT", "SUP", "OPS"]),
    ("FAC", &["IT", "HR", "SAL", "EXEC"]),
    ("FIN", &["SAL", "ORD", "PAY", "EXEC"]),
    ("PAY", &["HR", "FIN", "SAL", "OPS"]),
    ("HR", &["IT", "SAL", "SUP", "TRN"]),
    ("TRN", &["HR", "SAL", "SUP"]),
    ("SAL", &["MKT", "ORD", "EXEC"]),
    ("ORD", &["SAL", "FIN", "SUP"]),
    ("MKT", &["SAL", "EXEC"]),
    ("SUP", &["SAL", "ORD", "IT"]),
    ("EXEC", &["OPS", "FIN", "HR"]),
    ("OPS", &["IT", "FAC", "ORD"]),
];

/// About five requests per service over the past eight weeks, from the provider's usual
/// customers: most on time, some late, a few still open.
pub fn history(org: &DemoOrg, services: &[DemoService]) -> Vec<DemoHistory> {
    let mut rng = ChaCha8Rng::seed_from_u64(super::SEED ^ 0x7A26);
    let mut out = Vec::new();
    for s in services {
        let customers = CUSTOMERS.iter().find(|(t, _)| *t == s.team_key).map_or(&[][..], |(_, c)| c);
        let askers: Vec<&str> = org
            .people
            .iter()
            .filter(|p| p.team_key != s.team_key && (customers.is_empty() || customers.contains(&p.team_key)))
            .map(|p| p.person.email.as_str())
            .collect();
        for n in 0..rng.random_range(3..=6) {
            let late = rng.random_bool(0.22);
            let response_share =
                if rng.random_bool(0.12) { rng.random_range(110..200) } else { rng.random_range(10..90) };
            let age_minutes = rng.random_range(60 * 24..56 * 60 * 24);
            let open = n == 0 && rng.random_bool(0.5);
            let resolution_share =
                (!open).then(|| if late { rng.random_range(105..180) } else { rng.random_range(20..95) });
            let priority = match rng.random_range(0..10) {
                0 => Priority::P1,
                1..=3 => Priority::P2,
                4..=8 => Priority::P3,
                _ => Priority::P4,
            };
            out.push(DemoHistory {
                team_key: s.team_key,
                slug: s.service.slug.clone(),
                requester_email: askers[rng.random_range(0..askers.len())].to_owned(),
                subject: format!(
                    "{} ({})",
                    s.service.name,
                    ["follow-up", "for the new starter", "again", "urgent", "question"][n % 5]
                ),
                description: [
                    "Filed for a colleague who starts next week.",
                    "Same as last time, please. Details are in the form.",
                    "This is holding up our month-end work, so sooner would help.",
                    "Could you confirm when this can be done?",
                    "Asked on behalf of the whole team.",
                ][rng.random_range(0..5)]
                .to_owned(),
                priority,
                age_minutes,
                response_share,
                resolution_share,
            });
        }
    }
    out
}

/// The relationships Northwind has declared: most usual flows agreed, one still proposed, and
/// two left undeclared (IT → Marketing, Payroll → Operations) for the leads to find.
pub fn relationships() -> Vec<(crate::relationship::NewRelationship, bool)> {
    let needs: &[(&str, &str, &[&str], &str)] = &[
        ("IT", "SAL", &["Laptops ready on a new rep's first day", "CRM access within a day"], "Deals closed per rep"),
        (
            "IT",
            "ORD",
            &["ERP available during order hours", "Printer fixes the same day"],
            "Orders entered on the day received",
        ),
        (
            "PAY",
            "HR",
            &["Payslips correct the first time", "Starters paid in their first month"],
            "Employee questions answered in a week",
        ),
        (
            "FIN",
            "SAL",
            &["Month-end figures by the 3rd working day", "Discount approvals within a day"],
            "Forecast accuracy",
        ),
        ("ORD", "SAL", &["Order confirmations within four hours"], "Customer complaints about order status"),
        ("HR", "IT", &["Starter details a week before the first day"], "Laptops ready on day one"),
        ("TRN", "SUP", &["Product training before each release"], "First-contact resolution rate"),
        ("OPS", "PAY", &["Approved timesheets every other Friday"], "Pay runs without corrections"),
        ("SAL", "FIN", &["Month-end sales figures by the 3rd working day"], "Month-end close on time"),
        ("OPS", "EXEC", &["A weekly productivity report every Monday"], "Decisions taken on current numbers"),
    ];
    let mut out: Vec<(crate::relationship::NewRelationship, bool)> = needs
        .iter()
        .map(|(s, c, n, m)| {
            let rel = crate::relationship::NewRelationship {
                supplier: (*s).into(),
                customer: (*c).into(),
                needs: n.iter().map(|x| (*x).to_owned()).collect(),
                success_measures: (*m).into(),
                ..Default::default()
            };
            (rel, true)
        })
        .collect();
    for (supplier, customers) in CUSTOMERS {
        for customer in *customers {
            let undeclared = (*supplier, *customer) == ("IT", "MKT") || (*supplier, *customer) == ("PAY", "OPS");
            if undeclared || out.iter().any(|(r, _)| r.supplier == *supplier && r.customer == *customer) {
                continue;
            }
            let proposed = (*supplier, *customer) == ("SUP", "IT");
            let rel = crate::relationship::NewRelationship {
                supplier: (*supplier).into(),
                customer: (*customer).into(),
                ..Default::default()
            };
            out.push((rel, !proposed));
        }
    }
    out
}

/// Northwind's business goals for the year, which team goals support.
pub fn business_goals() -> Vec<crate::goal::NewGoal> {
    use crate::goal::{GoalStatus, NewGoal};
    let g = |title: &str, description: &str, status| NewGoal {
        title: title.into(),
        description: description.into(),
        status: Some(status),
        period: "2026".into(),
        business_goal_id: None,
    };
    vec![
        g("Grow revenue 12 %", "Mostly from new business in North America.", GoalStatus::OnTrack),
        g("Close every month in three working days", "Figures for the board by the 5th.", GoalStatus::AtRisk),
        g(
            "Every new hire productive in their first week",
            "Equipment, access and training ready on day one.",
            GoalStatus::OnTrack,
        ),
    ]
}

/// A few goals per team; `business_goal_id` names one of [`business_goals`] by position (1-based).
pub fn goals() -> Vec<(&'static str, crate::goal::NewGoal)> {
    use crate::goal::{GoalStatus, NewGoal};
    let g = |title: &str, status, period: &str, business: Option<i64>| NewGoal {
        title: title.into(),
        description: String::new(),
        status: Some(status),
        period: period.into(),
        business_goal_id: business,
    };
    vec![
        ("IT", g("Every new starter equipped on day one", GoalStatus::OnTrack, "2026-Q4", Some(3))),
        ("IT", g("Resolve 90 % of incidents within target", GoalStatus::AtRisk, "2026-Q4", None)),
        ("PAY", g("Zero payslip corrections after payday", GoalStatus::OnTrack, "2026", None)),
        ("FIN", g("Close the books by the 3rd working day", GoalStatus::AtRisk, "2026-Q4", Some(2))),
        ("SAL", g("Grow new business 15 %", GoalStatus::OnTrack, "2026", Some(1))),
        ("SAL", g("Onboard new reps in two weeks", GoalStatus::Planned, "2027-Q1", Some(3))),
        ("HR", g("Hire 25 people without a missed start date", GoalStatus::OnTrack, "2026", Some(3))),
        ("ORD", g("Confirm every order the same day", GoalStatus::OnTrack, "2026-Q4", Some(1))),
        ("TRN", g("Training plan for every team by January", GoalStatus::Planned, "2026-Q4", Some(3))),
        ("SUP", g("First-contact resolution above 70 %", GoalStatus::AtRisk, "2026-Q4", None)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Calendar;

    #[test]
    fn every_team_has_a_valid_calendar_and_every_service_valid_targets() {
        let org = super::super::organisation();
        let services = super::super::services(&org);
        let cals = calendars(&org);
        assert_eq!(cals.len(), org.teams.len());
        assert!(cals.iter().all(|(_, c)| Calendar::from_spec(c).is_ok()));
        let zones: std::collections::HashSet<_> = cals.iter().map(|(_, c)| c.zone.as_str()).collect();
        assert_eq!(zones.len(), 4);
        for (_, _, policy) in targets(&services, &org) {
            assert_eq!(policy.check().map(|p| p.targets.len()), Ok(4));
        }
        let h = history(&org, &services);
        assert!(h.len() >= services.len() * 3);
        assert!(h.iter().any(|r| r.resolution_share.is_some_and(|s| s > 100)), "some late");
        assert!(h.iter().any(|r| r.resolution_share.is_none()), "some still open");
    }
}
