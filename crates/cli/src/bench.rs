//! `concentric bench`: speed measurements whose figures go into docs/performance.md.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;

use chrono::{DateTime, TimeDelta, Utc};
use concentric_core::business_time::{add_business_time, business_time_between};
use concentric_core::calendar::{Calendar, CalendarSpec};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn spec(zone: &str, days: &[&str], intervals: &[&str], holidays: &[&str]) -> anyhow::Result<Calendar> {
    let week = days.iter().map(|d| ((*d).to_owned(), intervals.iter().map(|i| (*i).to_owned()).collect())).collect();
    let holidays = holidays.iter().map(|d| d.parse()).collect::<Result<_, _>>()?;
    Ok(Calendar::from_spec(&CalendarSpec { zone: zone.into(), week, holidays, special_days: BTreeMap::new() })?)
}

/// Typical calendars: an office with a lunch break, plain 9-5s in three hemispheres' DST regimes,
/// a six-day week, and a night shift across midnight.
fn calendars() -> anyhow::Result<Vec<(&'static str, Calendar)>> {
    const WEEK: &[&str] = &["mon", "tue", "wed", "thu", "fri"];
    Ok(vec![
        (
            "Berlin, split day",
            spec("Europe/Berlin", WEEK, &["09:00-12:30", "13:30-17:30"], &["2026-12-24", "2026-12-25", "2026-12-26"])?,
        ),
        ("New York, 9-5", spec("America/New_York", WEEK, &["09:00-17:00"], &["2026-11-26", "2026-12-25"])?),
        ("Sydney, 8-4", spec("Australia/Sydney", WEEK, &["08:00-16:00"], &["2026-12-25", "2026-12-28"])?),
        (
            "Kolkata, six days",
            spec("Asia/Kolkata", &["mon", "tue", "wed", "thu", "fri", "sat"], &["09:30-18:30"], &["2026-11-08"])?,
        ),
        ("London, night shift", {
            let mut s = CalendarSpec { zone: "Europe/London".into(), ..Default::default() };
            s.week.insert("mon".into(), vec!["22:00-24:00".into()]);
            for d in ["tue", "wed", "thu", "fri"] {
                s.week.insert(d.into(), vec!["00:00-06:00".into(), "22:00-24:00".into()]);
            }
            s.week.insert("sat".into(), vec!["00:00-06:00".into()]);
            Calendar::from_spec(&s)?
        }),
    ])
}

/// Measures `add_business_time` and `business_time_between` with targets of 1-40 working hours
/// from random starts over two years (so DST transitions and holidays are crossed).
pub fn clock(evaluations: usize) -> anyhow::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let base = DateTime::<Utc>::from_timestamp(1_767_225_600, 0).unwrap_or_default(); // 2026-01-01
    let inputs: Vec<(DateTime<Utc>, TimeDelta)> = (0..evaluations)
        .map(|_| {
            let start = base + TimeDelta::minutes(rng.random_range(0..2 * 365 * 24 * 60));
            let hours = [1, 4, 8, 8, 8, 16, 24, 40][rng.random_range(0..8)];
            (start, TimeDelta::hours(hours))
        })
        .collect();
    println!("business-time clock: {evaluations} evaluations per calendar, targets of 1-40 working hours");
    println!("{:<22} {:>16} {:>16}", "calendar", "add (evals/s)", "between (evals/s)");
    let (mut all_add, mut all_between) = (0.0, 0.0);
    let cals = calendars()?;
    for (name, cal) in &cals {
        let started = Instant::now();
        let dues: Vec<DateTime<Utc>> = inputs.iter().map(|(s, d)| black_box(add_business_time(*s, *d, cal))).collect();
        let add_rate = evaluations as f64 / started.elapsed().as_secs_f64();
        let started = Instant::now();
        for ((s, _), due) in inputs.iter().zip(&dues) {
            black_box(business_time_between(*s, *due, cal));
        }
        let between_rate = evaluations as f64 / started.elapsed().as_secs_f64();
        println!("{name:<22} {add_rate:>16.0} {between_rate:>16.0}");
        all_add += add_rate;
        all_between += between_rate;
    }
    let n = cals.len() as f64;
    println!("{:<22} {:>16.0} {:>16.0}", "mean", all_add / n, all_between / n);
    Ok(())
}
