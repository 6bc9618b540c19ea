//! Target compliance: how many clocks were met, breached or are still running, per month,
//! team, service and target; and its chart, drawn as SVG on the server.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use crate::target::ClockKind;

/// The colours every chart and picture tells good from bad with: apart for colour-blind
/// readers (blue against orange and vermillion, never red against green), each at 4.5:1 or more
/// on white, with a grey for what is not decided yet at 3:1.
pub const GOOD: &str = "#0b6aa2";
pub const MIDDLE: &str = "#9a5b00";
pub const BAD: &str = "#c0362c";
pub const PENDING: &str = "#8690a8";

/// One line of the compliance report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ComplianceRow {
    /// `YYYY-MM`, by when the requests were filed (UTC).
    pub month: String,
    pub team_key: String,
    pub team_name: String,
    pub service_slug: String,
    pub service_name: String,
    pub target: ClockKind,
    pub met: i64,
    pub breached: i64,
    /// Clocks neither met nor breached yet (running or paused).
    pub running: i64,
}

impl ComplianceRow {
    /// Met share of the decided clocks, in percent; `None` while none is decided.
    pub fn met_percent(&self) -> Option<i64> {
        let decided = self.met + self.breached;
        (decided > 0).then(|| (self.met * 100 + decided / 2) / decided)
    }
}

/// Met, breached and running clocks of one target kind, summed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Share {
    pub met: i64,
    pub breached: i64,
    pub running: i64,
}

impl Share {
    /// Met share of the decided clocks, in percent; `None` while none is decided.
    pub fn met_percent(&self) -> Option<i64> {
        let decided = self.met + self.breached;
        (decided > 0).then(|| (self.met * 100 + decided / 2) / decided)
    }

    fn add(&mut self, r: &ComplianceRow) {
        self.met += r.met;
        self.breached += r.breached;
        self.running += r.running;
    }
}

/// A team's compliance over the whole report: the line the report leads with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TeamShare {
    pub team_key: String,
    pub team_name: String,
    pub first_response: Share,
    pub resolution: Share,
}

impl TeamShare {
    /// The lower of its two met shares, for putting the teams furthest off their targets first.
    fn worst(&self) -> Option<i64> {
        match (self.first_response.met_percent(), self.resolution.met_percent()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// Each team's shares over all months, worst first (teams with nothing decided last).
pub fn team_shares(rows: &[ComplianceRow]) -> Vec<TeamShare> {
    let mut teams: BTreeMap<&str, TeamShare> = BTreeMap::new();
    for r in rows {
        let t = teams.entry(&r.team_key).or_insert_with(|| TeamShare {
            team_key: r.team_key.clone(),
            team_name: r.team_name.clone(),
            first_response: Share::default(),
            resolution: Share::default(),
        });
        match r.target {
            ClockKind::FirstResponse => t.first_response.add(r),
            ClockKind::Resolution => t.resolution.add(r),
        }
    }
    let mut out: Vec<TeamShare> = teams.into_values().collect();
    out.sort_by_key(|t| (t.worst().map_or(i64::MAX, |w| w), t.team_name.clone()));
    out
}

/// The met share per team and target as horizontal bars on a 0-100 % scale with gridlines at
/// every quarter: two bars a team, first response and resolution, each labelled with its share.
pub fn shares_svg(teams: &[TeamShare]) -> String {
    let (width, left, right, top, row) = (640.0_f64, 170.0_f64, 44.0_f64, 30.0_f64, 34.0_f64);
    let height = top + row * teams.len().max(1) as f64 + 22.0;
    let plot = width - left - right;
    let desc: Vec<String> = teams
        .iter()
        .map(|t| {
            let p = |s: &Share| s.met_percent().map_or_else(|| "nothing decided".to_owned(), |p| format!("{p} % met"));
            format!("{}: first response {}, resolution {}", t.team_name, p(&t.first_response), p(&t.resolution))
        })
        .collect();
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-label="Targets met by team" class="chart"><title>Targets met by team</title><desc>{}</desc>"#,
        crate::text::escape_html(&if desc.is_empty() {
            "No targets measured yet.".to_owned()
        } else {
            desc.join("; ")
        })
    );
    for q in 0..=4 {
        let x = left + plot * f64::from(q) / 4.0;
        let _ = write!(
            svg,
            r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="#e3e6ea"/><text x="{x:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="#5f6b7a">{} %</text>"##,
            top - 4.0,
            height - 18.0,
            height - 6.0,
            q * 25
        );
    }
    for (i, t) in teams.iter().enumerate() {
        let y = top + row * i as f64;
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="end" fill="#2d3748">{}</text>"##,
            left - 8.0,
            y + row / 2.0 + 4.0,
            crate::text::escape_html(&t.team_name)
        );
        for (j, (share, colour, kind)) in
            [(&t.first_response, GOOD, "first response"), (&t.resolution, MIDDLE, "resolution")].into_iter().enumerate()
        {
            let by = y + 4.0 + 13.0 * j as f64;
            match share.met_percent() {
                Some(p) => {
                    let w = plot * p as f64 / 100.0;
                    let _ = write!(
                        svg,
                        r##"<rect x="{left}" y="{by:.1}" width="{w:.1}" height="11" fill="{colour}"><title>{}: {kind} {p} % met ({} of {})</title></rect><text x="{:.1}" y="{:.1}" font-size="10" fill="#2d3748">{p} %</text>"##,
                        crate::text::escape_html(&t.team_name),
                        share.met,
                        share.met + share.breached,
                        left + w + 4.0,
                        by + 9.0
                    );
                }
                None => {
                    let _ = write!(
                        svg,
                        r##"<text x="{:.1}" y="{:.1}" font-size="10" fill="#5f6b7a">nothing decided yet</text>"##,
                        left + 4.0,
                        by + 9.0
                    );
                }
            }
        }
    }
    for (i, (colour, name)) in [(GOOD, "First response"), (MIDDLE, "Resolution")].into_iter().enumerate() {
        let lx = left + 130.0 * i as f64;
        let _ = write!(
            svg,
            r##"<rect x="{lx:.1}" y="6" width="10" height="10" fill="{colour}"/><text x="{:.1}" y="15" font-size="11" fill="#2d3748">{name}</text>"##,
            lx + 14.0
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Gridlines on round numbers: a step of 1, 2 or 5 times a power of ten giving at most five
/// intervals, and the top of the scale as a whole number of steps at or above `max`.
pub fn nice_scale(max: i64) -> (i64, i64) {
    let max = max.max(1);
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if max <= 5 * m * step {
                let s = m * step;
                return ((max + s - 1) / s * s, s);
            }
        }
        step *= 10;
    }
}

/// The rows summed per month, team and target (services merged), in the same order.
pub fn by_team(rows: &[ComplianceRow]) -> Vec<ComplianceRow> {
    let mut out: Vec<ComplianceRow> = Vec::new();
    let mut index: BTreeMap<(String, String, ClockKind), usize> = BTreeMap::new();
    for r in rows {
        let key = (r.month.clone(), r.team_key.clone(), r.target);
        match index.get(&key) {
            Some(&i) => {
                out[i].met += r.met;
                out[i].breached += r.breached;
                out[i].running += r.running;
            }
            None => {
                index.insert(key, out.len());
                out.push(ComplianceRow { service_slug: String::new(), service_name: String::new(), ..r.clone() });
            }
        }
    }
    out
}

/// The first day of the month `months - 1` months before `today`'s: the start of a report
/// covering `months` calendar months, this one included.
pub fn first_of_month_back(today: chrono::NaiveDate, months: u32) -> chrono::NaiveDate {
    use chrono::Datelike;
    let index = today.year() * 12 + today.month0() as i32 - (months as i32 - 1);
    chrono::NaiveDate::from_ymd_opt(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1).unwrap_or(today)
}

/// Totals per month, oldest first: (month, met, breached, running).
pub fn by_month(rows: &[ComplianceRow]) -> Vec<(String, i64, i64, i64)> {
    let mut months: BTreeMap<&str, (i64, i64, i64)> = BTreeMap::new();
    for r in rows {
        let m = months.entry(&r.month).or_default();
        m.0 += r.met;
        m.1 += r.breached;
        m.2 += r.running;
    }
    months.into_iter().map(|(k, (a, b, c))| (k.to_owned(), a, b, c)).collect()
}

/// A stacked bar per month (met, breached, running), with a legend and a text alternative.
pub fn compliance_svg(rows: &[ComplianceRow]) -> String {
    let bars: Vec<(String, Vec<i64>)> = by_month(rows).into_iter().map(|(m, a, b, c)| (m, vec![a, b, c])).collect();
    bars_svg(
        "Target compliance by month",
        &[(GOOD, "Met"), (BAD, "Breached"), (PENDING, "Still running")],
        &bars,
        "No targets measured yet.",
    )
}

/// A stacked bar chart: one bar per label (a month), one segment per series (colour, name),
/// with a legend, a tooltip per segment and a text alternative for screen readers.
pub fn bars_svg(title: &str, series: &[(&str, &str)], bars: &[(String, Vec<i64>)], empty: &str) -> String {
    let (width, height, left, bottom, top) = (640.0_f64, 240.0_f64, 48.0_f64, 28.0_f64, 28.0_f64);
    let (top_value, step) = nice_scale(bars.iter().map(|(_, v)| v.iter().sum::<i64>()).max().unwrap_or(0));
    let max = top_value as f64;
    let steps = top_value / step;
    let mut svg = String::new();
    let desc: Vec<String> = bars
        .iter()
        .map(|(label, values)| {
            let parts: Vec<String> =
                series.iter().zip(values).map(|((_, name), v)| format!("{v} {}", name.to_lowercase())).collect();
            format!("{label}: {}", parts.join(", "))
        })
        .collect();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-label="{title}" class="chart">
<title>{title}</title><desc>{}</desc>
"#,
        if desc.is_empty() { empty.to_owned() } else { desc.join("; ") }
    );
    let plot_h = height - bottom - top;
    for i in 0..=steps {
        let v = i * step;
        let y = top + plot_h - plot_h * v as f64 / max;
        let _ = writeln!(
            svg,
            r##"<line x1="{left}" y1="{y:.1}" x2="{width}" y2="{y:.1}" stroke="#e3e6ea"/><text x="{:.1}" y="{:.1}" font-size="10" text-anchor="end" fill="#5f6b7a">{}</text>"##,
            left - 6.0,
            y + 3.0,
            v
        );
    }
    let n = bars.len().max(1) as f64;
    let slot = (width - left) / n;
    let bar = (slot * 0.6).min(48.0);
    for (i, (label, values)) in bars.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bar) / 2.0;
        let mut y = top + plot_h;
        for ((colour, name), value) in series.iter().zip(values) {
            if *value == 0 {
                continue;
            }
            let h = plot_h * *value as f64 / max;
            y -= h;
            let _ = writeln!(
                svg,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{bar:.1}" height="{h:.1}" fill="{colour}"><title>{label}: {value} {}</title></rect>"#,
                name.to_lowercase()
            );
        }
        let _ = writeln!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="#2d3748">{label}</text>"##,
            x + bar / 2.0,
            height - 10.0
        );
    }
    let mut lx = left;
    for (colour, name) in series {
        let _ = writeln!(
            svg,
            r##"<rect x="{lx:.1}" y="6" width="10" height="10" fill="{colour}"/><text x="{:.1}" y="15" font-size="11" fill="#2d3748">{name}</text>"##,
            lx + 14.0
        );
        lx += 110.0;
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(month: &str, met: i64, breached: i64, running: i64) -> ComplianceRow {
        ComplianceRow {
            month: month.into(),
            team_key: "IT".into(),
            team_name: "IT".into(),
            service_slug: "laptop".into(),
            service_name: "Laptop".into(),
            target: ClockKind::Resolution,
            met,
            breached,
            running,
        }
    }

    #[test]
    fn months_add_up_and_shares_round() {
        let rows = [row("2026-10", 3, 1, 0), row("2026-11", 1, 2, 4), row("2026-10", 1, 0, 1)];
        assert_eq!(by_month(&rows), [("2026-10".into(), 4, 1, 1), ("2026-11".into(), 1, 2, 4)]);
        assert_eq!(rows[0].met_percent(), Some(75));
        assert_eq!(row("2026-12", 0, 0, 3).met_percent(), None);
    }

    #[test]
    fn report_windows_start_on_the_first_of_a_month() {
        let d = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
        assert_eq!(first_of_month_back(d("2026-11-23"), 1), d("2026-11-01"));
        assert_eq!(first_of_month_back(d("2026-11-23"), 6), d("2026-06-01"));
        assert_eq!(first_of_month_back(d("2026-02-10"), 3), d("2025-12-01"), "across a year end");
    }

    #[test]
    fn teams_merge_their_services() {
        let mut other = row("2026-10", 1, 1, 1);
        other.service_slug = "monitor".into();
        let merged = by_team(&[row("2026-10", 3, 1, 0), other, row("2026-11", 1, 0, 0)]);
        assert_eq!(merged.len(), 2);
        assert_eq!((merged[0].met, merged[0].breached, merged[0].running), (4, 2, 1));
        assert!(merged[0].service_slug.is_empty());
    }

    #[test]
    fn gridlines_fall_on_round_numbers() {
        assert_eq!(nice_scale(157), (200, 50));
        assert_eq!(nice_scale(7), (8, 2));
        assert_eq!(nice_scale(0), (1, 1));
        assert_eq!(nice_scale(21), (25, 5));
        assert_eq!(nice_scale(1_234), (1_500, 500));
    }

    #[test]
    fn teams_lead_with_their_worst_share() {
        let mut fr = row("2026-10", 9, 1, 0);
        fr.target = ClockKind::FirstResponse;
        let mut hr = row("2026-10", 1, 1, 0);
        (hr.team_key, hr.team_name) = ("HR".into(), "People".into());
        let shares = team_shares(&[fr, row("2026-10", 3, 1, 0), row("2026-11", 1, 0, 2), hr]);
        assert_eq!(shares[0].team_key, "HR", "50 % before 80 %");
        assert_eq!((shares[1].first_response.met_percent(), shares[1].resolution.met_percent()), (Some(90), Some(80)));
        assert_eq!(shares[1].resolution.running, 2);
        let svg = shares_svg(&shares);
        assert!(svg.contains("IT: first response 90 % met, resolution 80 % met"));
        assert!(svg.contains("People: first response nothing decided, resolution 50 % met"));
        assert!(svg.contains(">75 %</text>"), "gridlines at quarters");
    }

    #[test]
    fn the_chart_describes_itself() {
        let svg = compliance_svg(&[row("2026-10", 3, 1, 0)]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("2026-10: 3 met, 1 breached, 0 still running"));
        assert_eq!(svg.matches("<rect").count(), 2 + 3, "two bars and three legend keys");
        assert!(compliance_svg(&[]).contains("No targets measured yet."));
    }
}
