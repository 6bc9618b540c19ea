//! The forecast: when a team's open work would start and finish, given its people's capacity,
//! its calendar and their time off. A pure function, run on every page view that shows it.
//!
//! The model is a reservation in the order the team works: priority, then due time, then age.
//! Each item in turn takes the earliest working capacity still free: an assigned item its
//! assignee's, an unassigned item the whole team's (so the forecast says when the team will have
//! done it, not who will). Because every item takes the earliest free capacity, what is left of
//! a person's capacity is always "everything after a point in time", so the state is one cursor
//! per person. And because items before another in the order never see it, **adding work or
//! removing capacity never makes any other item finish earlier** — the property that makes a
//! "what would slip" answer trustworthy (greedy one-person-per-item scheduling does not have it).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::Serialize;

use crate::business_time::working_ranges;
use crate::calendar::Calendar;
use crate::ids::PersonId;

const HOUR_MS: f64 = 3_600_000.0;
/// How far ahead the forecast looks before calling work unscheduled.
pub const HORIZON_DAYS: i64 = 366;

/// One person's capacity for this team.
#[derive(Debug, Clone, PartialEq)]
pub struct Worker {
    pub person: PersonId,
    /// Hours a week this person gives this team (their capacity times their share of it).
    pub hours_per_week: f64,
    /// Share of each date they are away: 1.0 a whole day, 0.5 a half day.
    pub away: BTreeMap<NaiveDate, f64>,
}

impl Worker {
    /// Hours of work done per working hour of the calendar, time off aside: 0.5 for someone
    /// giving the team 20 hours of a 40-hour week.
    pub fn pace(&self, cal: &Calendar) -> f64 {
        let week_hours = f64::from(cal.weekly_minutes()) / 60.0;
        if week_hours > 0.0 {
            (self.hours_per_week / week_hours).max(0.0)
        } else {
            0.0
        }
    }

    /// The share of `date` they are there for: 0 on a day off, 0.5 on a half day.
    pub fn present(&self, date: NaiveDate) -> f64 {
        1.0 - self.away.get(&date).copied().unwrap_or(0.0).clamp(0.0, 1.0)
    }
}

/// What kind of work an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkKind {
    Request,
    Occurrence,
    Action,
}

impl WorkKind {
    /// What people call one, capitalised for a label.
    pub fn label(self) -> &'static str {
        match self {
            WorkKind::Request => "Request",
            WorkKind::Occurrence => "Delivery",
            WorkKind::Action => "Action item",
        }
    }
}

/// One open piece of work.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkItem {
    pub kind: WorkKind,
    pub id: i64,
    /// 1 (most urgent) to 4.
    pub priority: u8,
    /// When it is due (a target's due time, a deadline), in UTC milliseconds.
    pub due: Option<i64>,
    pub created: i64,
    /// Work left, in hours of one person's full attention.
    pub effort_hours: f64,
    /// Its assignee, when they work for the team; otherwise the team's.
    pub assignee: Option<PersonId>,
    /// It cannot be started before this (a recurring deliverable's period begins), UTC ms.
    pub release: Option<i64>,
}

impl WorkItem {
    /// The order the team works in: what can be started now by priority, due time and age;
    /// then what becomes workable later, in the order it does.
    fn order_key(&self, now: i64) -> (i64, u8, i64, i64, WorkKind, i64) {
        let release = self.release.map_or(now, |r| r.max(now));
        (release, self.priority, self.due.unwrap_or(i64::MAX), self.created, self.kind, self.id)
    }
}

/// When one item would be worked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Planned {
    pub kind: WorkKind,
    pub id: i64,
    pub start: Option<DateTime<Utc>>,
    /// `None`: not done within the horizon (no capacity for it).
    pub finish: Option<DateTime<Utc>>,
    /// How late it would be against its due time; `None` when on time or without one.
    pub late_ms: Option<i64>,
}

/// The team's whole forecast, items in the order they are worked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forecast {
    pub items: Vec<Planned>,
}

impl Forecast {
    pub fn get(&self, kind: WorkKind, id: i64) -> Option<&Planned> {
        self.items.iter().find(|p| p.kind == kind && p.id == id)
    }
}

/// The working ranges of each date from `start`, computed once per date.
struct Days<'c> {
    cal: &'c Calendar,
    first: NaiveDate,
    ranges: Vec<Vec<(i64, i64)>>,
}

impl<'c> Days<'c> {
    fn get(&mut self, index: usize) -> &[(i64, i64)] {
        while self.ranges.len() <= index {
            let date = self.first + TimeDelta::days(self.ranges.len() as i64);
            self.ranges.push(working_ranges(self.cal, date));
        }
        &self.ranges[index]
    }

    fn date(&self, index: usize) -> NaiveDate {
        self.first + TimeDelta::days(index as i64)
    }
}

/// A person's free capacity: everything from `at` on; `day` is the first date to look at.
#[derive(Debug, Clone, Copy)]
struct Cursor {
    day: usize,
    at: i64,
}

struct Team<'a> {
    workers: &'a [Worker],
    /// Effort delivered per working millisecond: hours a week over the calendar's hours a week.
    rates: Vec<f64>,
    cursors: Vec<Cursor>,
}

impl Team<'_> {
    fn rate(&self, w: usize, date: NaiveDate) -> f64 {
        self.rates[w] * self.workers[w].present(date)
    }
}

/// Plans `items` for a team working `cal` from `now`.
pub fn forecast(cal: &Calendar, workers: &[Worker], items: &[WorkItem], now: DateTime<Utc>) -> Forecast {
    let first = now.with_timezone(&cal.zone()).date_naive() - TimeDelta::days(1);
    let mut days = Days { cal, first, ranges: Vec::new() };
    let start = Cursor { day: 0, at: now.timestamp_millis() };
    let mut team =
        Team { workers, rates: workers.iter().map(|w| w.pace(cal)).collect(), cursors: vec![start; workers.len()] };
    let mut order: Vec<&WorkItem> = items.iter().collect();
    let now_ms = now.timestamp_millis();
    order.sort_by_key(|i| i.order_key(now_ms));
    let horizon = (HORIZON_DAYS + 2) as usize;
    let planned = order
        .into_iter()
        .map(|item| {
            let effort = (item.effort_hours.max(0.0) * HOUR_MS).round();
            let own = item.assignee.and_then(|a| workers.iter().position(|w| w.person == a));
            let who: Vec<usize> = match own {
                Some(w) => vec![w],
                None => (0..workers.len()).collect(),
            };
            let span = reserve(&mut team, &mut days, &who, effort, item.release.unwrap_or(i64::MIN), horizon);
            let (start, finish) = span.unzip();
            Planned {
                kind: item.kind,
                id: item.id,
                start: start.and_then(DateTime::from_timestamp_millis),
                finish: finish.and_then(DateTime::from_timestamp_millis),
                late_ms: match (finish, item.due) {
                    (Some(f), Some(d)) if f > d => Some(f - d),
                    (None, Some(_)) => Some(i64::MAX),
                    _ => None,
                },
            }
        })
        .collect();
    Forecast { items: planned }
}

/// Takes `effort` (in full-rate milliseconds) of the earliest free capacity of `who` from
/// `release` on, moving their cursors past it. Returns when the work starts and finishes, or
/// `None` when it does not fit before the horizon.
fn reserve(
    team: &mut Team,
    days: &mut Days,
    who: &[usize],
    effort: f64,
    release: i64,
    horizon: usize,
) -> Option<(i64, i64)> {
    if who.is_empty() {
        return None;
    }
    let mut left = effort;
    let mut start: Option<i64> = None;
    let mut day = who.iter().map(|&w| team.cursors[w].day).min().unwrap_or(0);
    while day < horizon {
        let date = days.date(day);
        let ranges = days.get(day).to_vec();
        for (a, b) in ranges {
            // Within one working range each person works from their cursor to the range's end:
            // walk the range in steps between the points where someone joins.
            let mut joins: Vec<(i64, f64)> = who
                .iter()
                .filter_map(|&w| {
                    let from = team.cursors[w].at.max(a).max(release);
                    let rate = team.rate(w, date);
                    (from < b && rate > 0.0).then_some((from, rate))
                })
                .collect();
            if joins.is_empty() {
                continue;
            }
            joins.sort_by_key(|j| j.0);
            let mut t = joins[0].0;
            let mut rate = 0.0;
            let mut next = 0;
            while t < b {
                while next < joins.len() && joins[next].0 <= t {
                    rate += joins[next].1;
                    next += 1;
                }
                let until = joins.get(next).map_or(b, |j| j.0.min(b));
                if rate > 0.0 {
                    start.get_or_insert(t);
                    let can = (until - t) as f64 * rate;
                    if can >= left {
                        let finish = t + (left / rate).ceil() as i64;
                        for &w in who {
                            let c = &mut team.cursors[w];
                            if c.at < finish {
                                *c = Cursor { day, at: finish };
                            }
                        }
                        return Some((start.unwrap_or(t), finish));
                    }
                    left -= can;
                }
                t = until;
            }
        }
        day += 1;
    }
    // It does not fit: it holds everyone it may use to the horizon, as a real backlog would, so
    // later work can never finish earlier because this work got bigger.
    for &w in who {
        team.cursors[w] = Cursor { day: horizon, at: i64::MAX };
    }
    None
}

/// A delay in calendar time for people: "45 min", "5 h", "3 days"; past the horizon for
/// `i64::MAX` (work that no longer fits within a year).
pub fn format_delay(ms: i64) -> String {
    const HOUR: i64 = 3_600_000;
    match ms {
        i64::MAX => String::from("more than a year"),
        ms if ms < HOUR => format!("{} min", (ms / 60_000).max(1)),
        ms if ms < 48 * HOUR => format!("{} h", (ms + HOUR / 2) / HOUR),
        ms => format!("{} days", (ms + 12 * HOUR) / (24 * HOUR)),
    }
}

/// How a new piece of work would move the rest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Slip {
    pub kind: WorkKind,
    pub id: i64,
    pub before: Option<DateTime<Utc>>,
    pub after: Option<DateTime<Utc>>,
    /// How much later it finishes (`i64::MAX` when it no longer fits the horizon).
    pub delay_ms: i64,
    /// It was on time and now would miss its due time.
    pub newly_late: bool,
}

/// The items that finish later in `after` than in `before`, most delayed first.
pub fn slips(before: &Forecast, after: &Forecast) -> Vec<Slip> {
    let index: std::collections::HashMap<(WorkKind, i64), &Planned> =
        after.items.iter().map(|p| ((p.kind, p.id), p)).collect();
    let mut out: Vec<Slip> = before
        .items
        .iter()
        .filter_map(|b| {
            let a = *index.get(&(b.kind, b.id))?;
            let delay = match (b.finish, a.finish) {
                (Some(x), Some(y)) => (y - x).num_milliseconds(),
                (Some(_), None) => i64::MAX,
                _ => 0,
            };
            (delay > 0).then(|| Slip {
                kind: b.kind,
                id: b.id,
                before: b.finish,
                after: a.finish,
                delay_ms: delay,
                newly_late: b.late_ms.is_none() && a.late_ms.is_some(),
            })
        })
        .collect();
    out.sort_by(|x, y| y.delay_ms.cmp(&x.delay_ms).then(x.id.cmp(&y.id)));
    out
}

/// One open item of a team's forecast, as the API and pages show it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ForecastItem {
    pub kind: WorkKind,
    pub id: i64,
    /// What people call it: a request's key (`IT-42`), "Delivery", "Action item".
    pub label: String,
    pub title: String,
    /// Its page.
    pub link: String,
    pub priority: crate::request::Priority,
    pub assignee_name: Option<String>,
    /// Hours of work left.
    pub effort_hours: f64,
    pub due: Option<DateTime<Utc>>,
    pub start: Option<DateTime<Utc>>,
    /// `null`: not within a year at the team's capacity.
    pub finish: Option<DateTime<Utc>>,
    /// How late against its due time, in milliseconds; `null` when on time.
    pub late_ms: Option<i64>,
}

/// A team's open work, planned.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TeamForecast {
    pub team_key: String,
    pub generated_at: DateTime<Utc>,
    /// Hours a week the team's people give it, time off aside.
    pub weekly_capacity_hours: f64,
    /// In the order the team works them.
    pub items: Vec<ForecastItem>,
}

/// When a new request would be done at one priority.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CostAtPriority {
    pub priority: crate::request::Priority,
    pub finish: Option<DateTime<Utc>>,
    /// Its resolution target's due time, when the service has one at this priority.
    pub due: Option<DateTime<Utc>>,
    /// How many open items would finish later.
    pub slipping: usize,
}

/// An open item that would finish later if the new request were filed.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CostSlip {
    pub kind: WorkKind,
    /// A request's key; none for deliveries and action items.
    pub key: Option<String>,
    /// Shown to the providing team only.
    pub title: Option<String>,
    /// Who waits for it: the requester, or the team a delivery or action item is owed to.
    pub waiting_name: String,
    /// The team that waits: the one a request was filed for, or the one owed the delivery.
    pub waiting_team_key: Option<String>,
    pub before: Option<DateTime<Utc>>,
    pub after: Option<DateTime<Utc>>,
    pub delay_ms: i64,
    /// On time before, late after.
    pub newly_late: bool,
}

/// "What's the cost?" of a new request, changing nothing.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Cost {
    pub effort_hours: f64,
    /// At each priority, most urgent first.
    pub at_priority: Vec<CostAtPriority>,
    /// The priority the request would be filed at (the one given, or the service's default).
    pub priority: crate::request::Priority,
    /// What would slip at that priority, most delayed first.
    pub slips: Vec<CostSlip>,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::calendar::CalendarSpec;
    use proptest::prelude::*;

    /// Berlin, Monday to Friday 09:00-17:00, Christmas off (the workload's tests use it too).
    pub(crate) fn calendar() -> Calendar {
        let spec: CalendarSpec = serde_json::from_value(serde_json::json!({
            "zone": "Europe/Berlin",
            "week": { "mon": ["09:00-17:00"], "tue": ["09:00-17:00"], "wed": ["09:00-17:00"],
                      "thu": ["09:00-17:00"], "fri": ["09:00-17:00"] },
            "holidays": ["2026-12-25"]
        }))
        .unwrap();
        Calendar::from_spec(&spec).unwrap()
    }

    pub(crate) fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn worker(id: i64, hours: f64) -> Worker {
        Worker { person: PersonId(id), hours_per_week: hours, away: BTreeMap::new() }
    }

    fn item(id: i64, priority: u8, hours: f64, assignee: Option<i64>) -> WorkItem {
        WorkItem {
            kind: WorkKind::Request,
            id,
            priority,
            due: None,
            created: id,
            effort_hours: hours,
            assignee: assignee.map(PersonId),
            release: None,
        }
    }

    fn finish(f: &Forecast, id: i64) -> DateTime<Utc> {
        f.get(WorkKind::Request, id).and_then(|p| p.finish).unwrap()
    }

    #[test]
    fn a_known_queue_on_a_known_calendar() {
        // Monday 7 Dec 2026, 10:00 in Berlin (09:00 UTC). Ann full time, Bo half time.
        let now = at("2026-12-07T09:00:00Z");
        let team = [worker(1, 40.0), worker(2, 20.0)];
        let items = [
            item(1, 2, 6.0, Some(1)), // Ann's
            item(2, 3, 4.0, Some(1)), // Ann's
            item(3, 1, 3.0, None),    // the team's: Ann and Bo do 1.5 hours of work an hour
        ];
        let f = forecast(&calendar(), &team, &items, now);
        // The P1 goes first, on everyone: 10:00-12:00 Monday (Ann 2 h + Bo 1 h).
        assert_eq!(finish(&f, 3), at("2026-12-07T11:00:00Z"));
        // Then Ann's P2 from 12:00: six hours, done at 18:00 → 17:00 close, one hour Tuesday.
        assert_eq!(finish(&f, 1), at("2026-12-08T09:00:00Z"));
        assert_eq!(finish(&f, 2), at("2026-12-08T13:00:00Z"));
        assert_eq!(f.items.iter().map(|p| p.id).collect::<Vec<_>>(), [3, 1, 2], "worked in order");
    }

    #[test]
    fn time_off_and_holidays_push_work_out_and_a_slip_is_exact() {
        let now = at("2026-12-24T08:00:00Z"); // Thursday 09:00 Berlin; Friday is Christmas.
        let mut ann = worker(1, 40.0);
        ann.away.insert(NaiveDate::from_ymd_opt(2026, 12, 28).unwrap(), 1.0); // Monday off
        ann.away.insert(NaiveDate::from_ymd_opt(2026, 12, 29).unwrap(), 0.5); // Tuesday half
        let mut due_item = item(1, 3, 12.0, Some(1));
        due_item.due = Some(at("2026-12-29T16:00:00Z").timestamp_millis());
        let before = forecast(&calendar(), &[ann.clone()], &[due_item.clone()], now);
        // Thursday 8 h, Friday holiday, Monday off, Tuesday at half pace: 4 h in 8 working hours.
        assert_eq!(finish(&before, 1), at("2026-12-29T16:00:00Z"));
        assert_eq!(before.items[0].late_ms, None);
        // A two-hour P1 for Ann goes first: it finishes exactly two working hours later.
        let urgent = item(2, 1, 2.0, Some(1));
        let after = forecast(&calendar(), &[ann], &[due_item, urgent], now);
        assert_eq!(finish(&after, 2), at("2026-12-24T10:00:00Z"));
        let slips = slips(&before, &after);
        assert_eq!(slips.len(), 1);
        // Thursday now gives it 6 hours, Tuesday's half pace 4: the last 2 hours fall on Wednesday.
        assert_eq!(slips[0].after, Some(at("2026-12-30T10:00:00Z")));
        assert!(slips[0].newly_late);
        assert_eq!(slips[0].delay_ms, (slips[0].after.unwrap() - slips[0].before.unwrap()).num_milliseconds());
    }

    #[test]
    fn work_released_later_waits_for_its_period_and_blocks_nothing_before() {
        let now = at("2026-12-07T09:00:00Z"); // Monday 10:00 Berlin
        let mut next_run = item(1, 3, 4.0, Some(1));
        next_run.kind = WorkKind::Occurrence;
        next_run.release = Some(at("2026-12-09T09:00:00Z").timestamp_millis());
        next_run.due = Some(at("2026-12-09T16:00:00Z").timestamp_millis());
        let someday = item(2, 4, 8.0, Some(1));
        let f = forecast(&calendar(), &[worker(1, 40.0)], &[next_run, someday], now);
        // The P4 can be worked now: 7 hours Monday, the last one Tuesday morning.
        assert_eq!(finish(&f, 2), at("2026-12-08T09:00:00Z"));
        let run = f.get(WorkKind::Occurrence, 1).unwrap();
        assert_eq!(run.start, Some(at("2026-12-09T09:00:00Z")));
        assert_eq!(run.finish, Some(at("2026-12-09T13:00:00Z")));
        assert_eq!(run.late_ms, None);
    }

    #[test]
    fn delays_read_in_the_unit_people_use() {
        let h = 3_600_000;
        assert_eq!(format_delay(20 * 60_000), "20 min");
        assert_eq!(format_delay(5 * h + 20 * 60_000), "5 h");
        assert_eq!(format_delay(862 * h), "36 days");
        assert_eq!(format_delay(i64::MAX), "more than a year");
    }

    #[test]
    fn a_team_without_capacity_schedules_nothing() {
        let f = forecast(&calendar(), &[], &[item(1, 1, 1.0, None)], at("2026-12-07T09:00:00Z"));
        assert_eq!(f.items[0].finish, None);
        let mut due = item(2, 1, 1.0, None);
        due.due = Some(0);
        let f = forecast(&calendar(), &[worker(1, 0.0)], &[due], at("2026-12-07T09:00:00Z"));
        assert_eq!(f.items[0].late_ms, Some(i64::MAX));
    }

    fn arb_items() -> impl Strategy<Value = Vec<WorkItem>> {
        let release = prop::option::of(0i64..(20 * 86_400_000));
        prop::collection::vec((1u8..=4, 0.0f64..20.0, prop::option::of(1i64..=3), 0i64..100, release), 0..25).prop_map(
            |v| {
                let now = at("2026-12-07T09:00:00Z").timestamp_millis();
                v.into_iter()
                    .enumerate()
                    .map(|(n, (p, h, a, c, r))| WorkItem {
                        created: c,
                        release: r.map(|r| now + r),
                        ..item(n as i64 + 1, p, h, a)
                    })
                    .collect()
            },
        )
    }

    fn arb_team() -> impl Strategy<Value = Vec<Worker>> {
        prop::collection::vec(
            (0.0f64..45.0, prop::collection::btree_map(0i64..30, prop::sample::select(vec![0.5, 1.0]), 0..4)),
            1..4,
        )
        .prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(n, (h, away))| Worker {
                    person: PersonId(n as i64 + 1),
                    hours_per_week: h,
                    away: away
                        .into_iter()
                        .map(|(d, f)| (NaiveDate::from_ymd_opt(2026, 12, 7).unwrap() + TimeDelta::days(d), f))
                        .collect(),
                })
                .collect()
        })
    }

    /// `after` finishes no item of `before` earlier.
    fn never_earlier(before: &Forecast, after: &Forecast) -> Result<(), TestCaseError> {
        for b in &before.items {
            let a = after.get(b.kind, b.id).unwrap();
            match (b.finish, a.finish) {
                (Some(x), Some(y)) => prop_assert!(y >= x, "item {} finished earlier: {x} → {y}", b.id),
                (None, Some(y)) => prop_assert!(false, "item {} now fits at {y}", b.id),
                _ => {}
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn adding_work_never_makes_other_work_finish_earlier(
            team in arb_team(), items in arb_items(), extra in (1u8..=4, 0.1f64..30.0, prop::option::of(1i64..=3))
        ) {
            let now = at("2026-12-07T09:00:00Z");
            let before = forecast(&calendar(), &team, &items, now);
            let mut more = items.clone();
            more.push(WorkItem { created: -1, ..item(1000, extra.0, extra.1, extra.2) });
            never_earlier(&before, &forecast(&calendar(), &team, &more, now))?;
        }

        #[test]
        fn removing_capacity_never_makes_work_finish_earlier(
            team in arb_team(), items in arb_items(), who in 0usize..3, cut in 0.0f64..1.0, day in 0i64..20
        ) {
            let now = at("2026-12-07T09:00:00Z");
            let before = forecast(&calendar(), &team, &items, now);
            let mut less = team.clone();
            let w = who % less.len();
            less[w].hours_per_week *= cut;
            less[w].away.insert(NaiveDate::from_ymd_opt(2026, 12, 7).unwrap() + TimeDelta::days(day), 1.0);
            never_earlier(&before, &forecast(&calendar(), &less, &items, now))?;
        }
    }
}
