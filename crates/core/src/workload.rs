//! A team's workload: the hours its open work asks of each person in each of the coming weeks,
//! against the hours they have. A pure function beside the forecast.
//!
//! The forecast says when work would be done if the team worked flat out in order; the workload
//! says whether the weeks ahead hold more work than hours. Each item's remaining hours are spread
//! evenly over the working time between when it can be started and when it is due. Work without a
//! due time is spread over the time the forecast plans for it, and overdue work falls in the
//! current week, because it is owed now.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, TimeZone, Utc};
use serde::Serialize;

use crate::business_time::working_ranges;
use crate::calendar::Calendar;
use crate::forecast::{Forecast, WorkItem, WorkKind, Worker};
use crate::ids::PersonId;

/// How many weeks the workload looks ahead, the current one included.
pub const WEEKS: usize = 6;
const HOUR_MS: f64 = 3_600_000.0;

/// Hours of one item falling in one week on one person (`None`: the team's unassigned work).
#[derive(Debug, Clone, PartialEq)]
pub struct Share {
    pub kind: WorkKind,
    pub id: i64,
    pub person: Option<PersonId>,
    pub week: usize,
    pub hours: f64,
}

/// The weeks ahead, and who has what in each.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    /// The Monday each week starts on, in the team's zone.
    pub weeks: Vec<NaiveDate>,
    /// Each person's hours in each week, after time off (the current week from now on).
    pub capacity: BTreeMap<PersonId, Vec<f64>>,
    pub shares: Vec<Share>,
}

impl Workload {
    /// Hours asked of `person` (`None`: unassigned) in each week.
    pub fn load_of(&self, person: Option<PersonId>) -> Vec<f64> {
        let mut out = vec![0.0; self.weeks.len()];
        for s in self.shares.iter().filter(|s| s.person == person) {
            out[s.week] += s.hours;
        }
        out
    }

    /// The team's hours and load in each week.
    pub fn team_totals(&self) -> (Vec<f64>, Vec<f64>) {
        let mut cap = vec![0.0; self.weeks.len()];
        for c in self.capacity.values() {
            for (t, h) in cap.iter_mut().zip(c) {
                *t += h;
            }
        }
        let mut load = vec![0.0; self.weeks.len()];
        for s in &self.shares {
            load[s.week] += s.hours;
        }
        (cap, load)
    }
}

/// Working time of the calendar as a running total, to measure any span in one lookup.
struct Clock {
    /// Working ranges in order, each with the working milliseconds before it.
    ranges: Vec<(i64, i64, i64)>,
}

impl Clock {
    fn new(cal: &Calendar, first: NaiveDate, days: i64) -> Clock {
        let mut ranges = Vec::new();
        let mut total = 0;
        for d in 0..days {
            for (a, b) in working_ranges(cal, first + TimeDelta::days(d)) {
                ranges.push((a, b, total));
                total += b - a;
            }
        }
        Clock { ranges }
    }

    /// Working milliseconds from the first date up to `t`.
    fn at(&self, t: i64) -> i64 {
        let i = self.ranges.partition_point(|r| r.1 <= t);
        match self.ranges.get(i) {
            Some(&(a, _, before)) => before + (t - a).max(0),
            None => self.ranges.last().map_or(0, |r| r.2 + (r.1 - r.0)),
        }
    }

    fn between(&self, from: i64, to: i64) -> i64 {
        if to <= from {
            0
        } else {
            self.at(to) - self.at(from)
        }
    }
}

/// Places `items` (planned as `plan`) on the weeks from the one holding `now`.
pub fn workload(
    cal: &Calendar,
    workers: &[Worker],
    items: &[WorkItem],
    plan: &Forecast,
    now: DateTime<Utc>,
    weeks: usize,
) -> Workload {
    let zone = cal.zone();
    let today = now.with_timezone(&zone).date_naive();
    let monday = today - TimeDelta::days(i64::from(today.weekday().num_days_from_monday()));
    let starts: Vec<NaiveDate> = (0..weeks).map(|w| monday + TimeDelta::weeks(w as i64)).collect();
    let midnight = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|t| zone.from_local_datetime(&t).earliest())
            .map_or(i64::MAX, |t| t.timestamp_millis())
    };
    let now_ms = now.timestamp_millis();
    // Week w is [bounds[w], bounds[w + 1]); the current one starts now.
    let mut bounds: Vec<i64> = (0..=weeks).map(|w| midnight(monday + TimeDelta::weeks(w as i64))).collect();
    bounds[0] = now_ms;
    let clock = Clock::new(cal, monday, weeks as i64 * 7);

    let capacity = workers
        .iter()
        .map(|w| {
            let pace = w.pace(cal);
            let hours = (0..weeks)
                .map(|k| {
                    (0..7)
                        .map(|d| {
                            let date = starts[k] + TimeDelta::days(d);
                            let ms: i64 =
                                working_ranges(cal, date).iter().map(|&(a, b)| (b - a.max(now_ms)).max(0)).sum();
                            ms as f64 * pace * w.present(date)
                        })
                        .sum::<f64>()
                        / HOUR_MS
                })
                .collect();
            (w.person, hours)
        })
        .collect();

    let week_of = |t: i64| (0..weeks).find(|&k| t < bounds[k + 1]);
    let planned: std::collections::HashMap<(WorkKind, i64), &crate::forecast::Planned> =
        plan.items.iter().map(|p| ((p.kind, p.id), p)).collect();
    let mut shares = Vec::new();
    for item in items.iter().filter(|i| i.effort_hours > 0.0) {
        let person = item.assignee.filter(|a| workers.iter().any(|w| w.person == *a));
        let planned = planned.get(&(item.kind, item.id)).copied();
        let from = item.release.unwrap_or(now_ms).max(now_ms);
        let until = match item.due {
            Some(due) if due > from => Some(due),
            Some(_) => None,
            None => planned.and_then(|p| p.finish).map(|f| f.timestamp_millis()),
        };
        let from = match (item.due, planned.and_then(|p| p.start)) {
            (None, Some(s)) => s.timestamp_millis().max(from),
            _ => from,
        };
        let span = until.map_or(0, |u| clock.between(from, u));
        let mut push = |week: usize, hours: f64| {
            if hours > 0.0 {
                shares.push(Share { kind: item.kind, id: item.id, person, week, hours });
            }
        };
        if span == 0 {
            if let Some(k) = week_of(from) {
                push(k, item.effort_hours);
            }
            continue;
        }
        let until = until.unwrap_or(from);
        for k in 0..weeks {
            let part = clock.between(from.max(bounds[k]), until.min(bounds[k + 1]));
            push(k, item.effort_hours * part as f64 / span as f64);
        }
    }
    Workload { weeks: starts, capacity, shares }
}

/// One week of a person's or the team's workload, as the API and pages show it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct WeekLoad {
    /// The Monday the week starts on, in the team's zone.
    pub starts_on: NaiveDate,
    /// Hours available (the current week from now on), after time off.
    pub capacity_hours: f64,
    /// Hours of open work falling in the week.
    pub load_hours: f64,
    /// More work than hours.
    pub over: bool,
}

impl WeekLoad {
    pub fn new(starts_on: NaiveDate, capacity_hours: f64, load_hours: f64) -> WeekLoad {
        let over = Self::exceeds(load_hours, capacity_hours);
        WeekLoad { starts_on, capacity_hours, load_hours, over }
    }

    /// More work than hours; rounding the shares must not call a full week over.
    pub fn exceeds(load_hours: f64, capacity_hours: f64) -> bool {
        load_hours > capacity_hours + 0.05
    }

    /// Load as a share of capacity, in percent (a week without hours but with work: 999).
    pub fn percent(&self) -> i64 {
        if self.capacity_hours > 0.0 {
            (self.load_hours / self.capacity_hours * 100.0).round() as i64
        } else if self.load_hours > 0.0 {
            999
        } else {
            0
        }
    }
}

/// An item behind a bar: how many of its hours fall in that week.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LoadItem {
    pub kind: WorkKind,
    /// What people call it: a request key, a deliverable and its due date, an action item.
    pub label: String,
    pub title: String,
    /// Its page.
    pub link: String,
    pub hours: f64,
}

/// A person's weeks (or, with no person, the team's unassigned work).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PersonLoad {
    pub person_id: Option<i64>,
    pub name: String,
    pub weeks: Vec<WeekLoad>,
    /// Per week, the items behind it, the largest first.
    pub items: Vec<Vec<LoadItem>>,
}

/// A team's load against its capacity for the weeks ahead.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TeamWorkload {
    pub team_key: String,
    pub team_name: String,
    pub generated_at: DateTime<Utc>,
    /// The whole team, week by week.
    pub team: Vec<WeekLoad>,
    /// Each person, then the unassigned work when there is any.
    pub people: Vec<PersonLoad>,
}

impl TeamWorkload {
    /// Weeks in which the team as a whole has more work than hours.
    pub fn over_weeks(&self) -> usize {
        self.team.iter().filter(|w| w.over).count()
    }
}

/// How much of a supplier's capacity one customer's work takes over the weeks ahead.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CustomerLoad {
    /// Open requests, deliveries and action items the supplier owes the customer.
    pub open_items: usize,
    /// Hours of work they hold.
    pub open_hours: f64,
    /// Hours of them falling in the coming weeks, and the supplier's hours in those weeks.
    pub load_hours: f64,
    pub capacity_hours: f64,
    /// `load_hours` as a share of `capacity_hours`, in percent.
    pub percent: i64,
    pub weeks: usize,
}

/// The team's weeks as a bar chart: load against the hours available, over-capacity weeks in a
/// second colour **and** labelled, each bar a link to the items behind it (`href(week)`).
pub fn workload_svg(title: &str, weeks: &[WeekLoad], href: &dyn Fn(usize) -> String) -> String {
    use std::fmt::Write;
    const OK: &str = "#2b6cb0";
    const OVER: &str = "#b83232";
    const INK: &str = "#1a202c";
    const MUTED: &str = "#4a5568";
    let (width, height, left, bottom, top) = (640.0_f64, 250.0_f64, 48.0_f64, 30.0_f64, 40.0_f64);
    let peak = weeks.iter().map(|w| w.load_hours.max(w.capacity_hours)).fold(0.0_f64, f64::max).max(1.0);
    // Gridlines on whole multiples of a round step.
    let step = [5.0, 10.0, 20.0, 25.0, 50.0, 100.0, 200.0, 250.0, 500.0, 1000.0]
        .into_iter()
        .find(|s| peak / s <= 4.0)
        .unwrap_or((peak / 4.0).ceil());
    let max = (peak / step).ceil() * step;
    let desc: Vec<String> = weeks
        .iter()
        .map(|w| {
            format!(
                "week of {}: {:.0} of {:.0} hours{}",
                w.starts_on.format("%-d %b"),
                w.load_hours,
                w.capacity_hours,
                if w.over { ", over capacity" } else { "" }
            )
        })
        .collect();
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="group" aria-label="{title}" class="chart"><title>{title}</title><desc>{}</desc>"#,
        desc.join("; ")
    );
    let plot_h = height - bottom - top;
    let y_of = |v: f64| top + plot_h - plot_h * (v / max).min(1.0);
    let mut v = 0.0;
    while v <= max + 0.01 {
        let y = y_of(v);
        let _ = writeln!(
            svg,
            r##"<line x1="{left}" y1="{y:.1}" x2="{width}" y2="{y:.1}" stroke="#e3e6ea"/><text x="{:.1}" y="{:.1}" font-size="10" text-anchor="end" fill="{MUTED}">{v:.0} h</text>"##,
            left - 6.0,
            y + 3.0
        );
        v += step;
    }
    let slot = (width - left) / weeks.len().max(1) as f64;
    let bar = (slot * 0.55).min(56.0);
    for (i, w) in weeks.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bar) / 2.0;
        let (y, base) = (y_of(w.load_hours), y_of(0.0));
        let colour = if w.over { OVER } else { OK };
        let label = w.starts_on.format("%-d %b");
        let _ = writeln!(
            svg,
            r#"<a href="{}"><rect x="{x:.1}" y="{y:.1}" width="{bar:.1}" height="{:.1}" fill="{colour}"><title>Week of {label}: {:.0} hours of work, {:.0} available</title></rect>"#,
            href(i),
            (base - y).max(0.0),
            w.load_hours,
            w.capacity_hours
        );
        // The hours available: a line across the bar's slot.
        let cy = y_of(w.capacity_hours);
        let _ = writeln!(
            svg,
            r#"<line x1="{:.1}" y1="{cy:.1}" x2="{:.1}" y2="{cy:.1}" stroke="{INK}" stroke-width="2.5" stroke-dasharray="6 3"/>"#,
            x - 6.0,
            x + bar + 6.0
        );
        let tag = if w.over { format!("over · {}%", w.percent()) } else { format!("{}%", w.percent()) };
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="{}" font-weight="{}">{tag}</text></a>"#,
            x + bar / 2.0,
            y.min(cy) - 6.0,
            if w.over { OVER } else { INK },
            if w.over { "bold" } else { "normal" }
        );
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="{INK}">{label}</text>"#,
            x + bar / 2.0,
            height - 10.0
        );
    }
    let _ = writeln!(
        svg,
        r#"<rect x="{left}" y="6" width="10" height="10" fill="{OK}"/><text x="{:.1}" y="15" font-size="11" fill="{INK}">Work</text><rect x="{:.1}" y="6" width="10" height="10" fill="{OVER}"/><text x="{:.1}" y="15" font-size="11" fill="{INK}">More work than hours</text><line x1="{:.1}" y1="11" x2="{:.1}" y2="11" stroke="{INK}" stroke-width="2.5" stroke-dasharray="6 3"/><text x="{:.1}" y="15" font-size="11" fill="{INK}">Hours available</text>"#,
        left + 14.0,
        left + 70.0,
        left + 84.0,
        left + 240.0,
        left + 262.0,
        left + 268.0
    );
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::forecast;
    use crate::forecast::tests::{at, calendar};

    fn ann() -> Worker {
        Worker { person: PersonId(1), hours_per_week: 40.0, away: BTreeMap::new() }
    }

    fn item(id: i64, hours: f64, due: Option<&str>, assignee: Option<i64>) -> WorkItem {
        WorkItem {
            kind: WorkKind::Request,
            id,
            priority: 3,
            due: due.map(|d| at(d).timestamp_millis()),
            created: id,
            effort_hours: hours,
            assignee: assignee.map(PersonId),
            release: None,
        }
    }

    fn run(workers: &[Worker], items: &[WorkItem], now: &str) -> Workload {
        let now = at(now);
        let plan = forecast(&calendar(), workers, items, now);
        workload(&calendar(), workers, items, &plan, now, WEEKS)
    }

    #[test]
    fn capacity_follows_the_calendar_holidays_and_time_off() {
        let mut a = ann();
        a.away.insert(NaiveDate::from_ymd_opt(2026, 12, 28).unwrap(), 1.0);
        a.away.insert(NaiveDate::from_ymd_opt(2026, 12, 29).unwrap(), 0.5);
        // Wednesday 16 Dec, 13:00 Berlin: 4 hours left today, Thursday and Friday.
        let w = run(&[a], &[], "2026-12-16T12:00:00Z");
        assert_eq!(w.weeks[0], NaiveDate::from_ymd_opt(2026, 12, 14).unwrap());
        let c = &w.capacity[&PersonId(1)];
        assert_eq!(c[0], 20.0);
        assert_eq!(c[1], 32.0, "Christmas Day is a holiday");
        assert_eq!(c[2], 40.0 - 8.0 - 4.0, "a day and a half off");
        assert_eq!(c[3], 40.0);
    }

    #[test]
    fn work_is_spread_to_its_due_time_and_overdue_work_is_owed_now() {
        let now = "2026-12-07T08:00:00Z"; // Monday 09:00 Berlin
        let items = [
            // Due the Friday of the next week: ten working days, 2 hours each.
            item(1, 20.0, Some("2026-12-18T16:00:00Z"), Some(1)),
            // Overdue: all of it this week.
            item(2, 6.0, Some("2026-12-04T16:00:00Z"), None),
        ];
        let w = run(&[ann()], &items, now);
        let mine = w.load_of(Some(PersonId(1)));
        assert!((mine[0] - 10.0).abs() < 1e-9 && (mine[1] - 10.0).abs() < 1e-9, "{mine:?}");
        assert_eq!(w.load_of(None)[0], 6.0);
        let (cap, load) = w.team_totals();
        assert_eq!(cap[0], 40.0);
        assert!((load[0] - 16.0).abs() < 1e-9);
    }

    #[test]
    fn work_without_a_due_time_falls_where_the_forecast_plans_it() {
        // 60 hours for one person from Monday: all of the first week, 20 hours of the second.
        let w = run(&[ann()], &[item(1, 60.0, None, Some(1))], "2026-12-07T08:00:00Z");
        let mine = w.load_of(Some(PersonId(1)));
        assert!((mine[0] - 40.0).abs() < 1e-6 && (mine[1] - 20.0).abs() < 1e-6, "{mine:?}");
        let week = WeekLoad::new(w.weeks[0], 40.0, mine[0]);
        assert!(!week.over);
        assert_eq!(week.percent(), 100);
    }

    #[test]
    fn the_chart_marks_over_capacity_by_more_than_colour_and_links_each_bar() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let weeks = [WeekLoad::new(d, 40.0, 20.0), WeekLoad::new(d + TimeDelta::weeks(1), 32.0, 48.0)];
        let svg = workload_svg("IT workload", &weeks, &|k| format!("?week={k}#items"));
        assert!(svg.contains(r#"<a href="?week=1#items">"#));
        assert!(svg.contains("over · 150%"));
        assert_eq!(svg.matches("over · ").count(), 1);
        assert!(svg.contains("week of 14 Dec: 48 of 32 hours, over capacity"));
    }

    #[test]
    fn a_crunch_is_over_capacity() {
        // 50 hours due by Friday on someone with 40: that week is over.
        let w = run(&[ann()], &[item(1, 50.0, Some("2026-12-11T16:00:00Z"), Some(1))], "2026-12-07T08:00:00Z");
        let (cap, load) = w.team_totals();
        let week = WeekLoad::new(w.weeks[0], cap[0], load[0]);
        assert!(week.over);
        assert_eq!(week.percent(), 125);
        assert_eq!(load[1], 0.0);
    }
}
