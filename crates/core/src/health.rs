//! The health of an edge (a supplier serving a customer), from everything Concentric measures
//! between the two, with the parts shown next to the score.
//!
//! The weights, decided on purpose:
//!
//! | part | weight | counts | needs |
//! |---|---|---|---|
//! | promises kept | 60 | each request, commitment occurrence and action item once: kept or broken | 5 decided |
//! | the customer's ratings | 20 | share of the customer's requesters satisfied | 5 ratings |
//! | the customer's survey | 10 | mean of the last closed round about the supplier, 1-5 → 0-100 | shown (smallest group) |
//! | the supplier's ratings | 5 | share of the customer's requests rated well made | shown (smallest group) |
//! | the supplier's survey | 5 | mean of the last closed round about the customer | shown (smallest group) |
//!
//! A request is one promise however many targets it carries (kept when every decided target was
//! met, broken when any was breached), so a weekly request weighs as much as a weekly commitment
//! or an action item. Promises carry most of the weight because they are measured, not opinion;
//! the customer's voice comes next because the edge exists to serve the customer; the supplier's
//! view of the customer counts too, because a partnership is two-way. The score is the weighted
//! mean of the parts that have enough data. Without 5 decided promises there is no score at all:
//! opinion alone does not make one up.

use serde::Serialize;

use crate::rating::Tally;

/// Promises decided (kept or broken) before an edge gets a health score.
pub const MIN_DECIDED: i64 = 5;
/// Ratings before the customer's ratings count.
pub const MIN_RATINGS: i64 = 5;

/// An edge's health.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Health {
    /// Fewer than [`MIN_DECIDED`] decided promises: no score is made up.
    NotEnoughData { decided: i64 },
    /// The weighted score (0-100) over `decided` promises and whatever else had enough data.
    Score { percent: i64, decided: i64 },
}

/// Promises kept / promises decided alone, for rolling many edges up (a team as a bottleneck).
pub fn health(kept: i64, broken: i64) -> Health {
    let decided = kept + broken;
    if decided < MIN_DECIDED {
        Health::NotEnoughData { decided }
    } else {
        Health::Score { percent: (kept * 100 + decided / 2) / decided, decided }
    }
}

impl Health {
    /// Good (≥ 90), fair (≥ 75), poor, or unknown: the colour class of an edge.
    pub fn band(self) -> &'static str {
        match self {
            Self::NotEnoughData { .. } => "unknown",
            Self::Score { percent, .. } if percent >= 90 => "good",
            Self::Score { percent, .. } if percent >= 75 => "fair",
            Self::Score { .. } => "poor",
        }
    }

    pub fn label(self) -> String {
        match self {
            Self::NotEnoughData { .. } => "not enough data".into(),
            Self::Score { percent, .. } => format!("{percent} of 100"),
        }
    }
}

/// What is measured on one edge.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inputs {
    pub requests_kept: i64,
    pub requests_broken: i64,
    pub deliveries_on_time: i64,
    pub deliveries_late: i64,
    pub actions_kept: i64,
    pub actions_broken: i64,
    /// The customer's requesters' ratings of the supplier.
    pub satisfaction: Tally,
    /// The supplier's ratings of how the customer's requests were made, only when shown.
    pub request_quality: Option<Tally>,
    /// Means (tenths, 10-50) of the last closed survey rounds, only when shown.
    pub survey_about_supplier: Option<i64>,
    pub survey_about_customer: Option<i64>,
}

/// One part of a score, as the edge page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Part {
    pub name: String,
    /// 0-100, or `None` when this part lacks data and is left out.
    pub percent: Option<i64>,
    pub weight: i64,
    /// What it is made of, in words.
    pub evidence: String,
}

fn share(good: i64, all: i64) -> i64 {
    (good * 100 + all / 2) / all
}

/// A survey mean (tenths on 1-5) on 0-100.
fn survey_percent(tenths: i64) -> i64 {
    ((tenths - 10) * 100 + 20) / 40
}

/// The score and its parts.
pub fn score(i: &Inputs) -> (Health, Vec<Part>) {
    let kept = i.requests_kept + i.deliveries_on_time + i.actions_kept;
    let broken = i.requests_broken + i.deliveries_late + i.actions_broken;
    let decided = kept + broken;
    let promises = format!(
        "{} of {} requests, {} of {} deliveries, {} of {} action items",
        i.requests_kept,
        i.requests_kept + i.requests_broken,
        i.deliveries_on_time,
        i.deliveries_on_time + i.deliveries_late,
        i.actions_kept,
        i.actions_kept + i.actions_broken
    );
    let sat = i.satisfaction;
    let tenths = |t: i64| format!("{}.{} of 5", t / 10, t % 10);
    let parts = vec![
        Part {
            name: "Promises kept".into(),
            percent: (decided >= MIN_DECIDED).then(|| share(kept, decided)),
            weight: 60,
            evidence: promises,
        },
        Part {
            name: "The customer's ratings".into(),
            percent: (sat.count() >= MIN_RATINGS).then(|| share(sat.satisfied, sat.count())),
            weight: 20,
            evidence: format!("{} of {} satisfied", sat.satisfied, sat.count()),
        },
        Part {
            name: "The customer's survey".into(),
            percent: i.survey_about_supplier.map(survey_percent),
            weight: 10,
            evidence: i.survey_about_supplier.map_or_else(|| "no round to show".to_owned(), tenths),
        },
        Part {
            name: "The supplier's ratings of requests".into(),
            percent: i.request_quality.filter(|t| t.count() > 0).map(|t| share(t.satisfied, t.count())),
            weight: 5,
            evidence: i.request_quality.map_or_else(
                || "too few to show".to_owned(),
                |t| format!("{} of {} well made", t.satisfied, t.count()),
            ),
        },
        Part {
            name: "The supplier's survey".into(),
            percent: i.survey_about_customer.map(survey_percent),
            weight: 5,
            evidence: i.survey_about_customer.map_or_else(|| "no round to show".to_owned(), tenths),
        },
    ];
    if decided < MIN_DECIDED {
        return (Health::NotEnoughData { decided }, parts);
    }
    let (sum, weights) = parts
        .iter()
        .filter_map(|p| p.percent.map(|pc| (pc * p.weight, p.weight)))
        .fold((0, 0), |(s, w), (ps, pw)| (s + ps, w + pw));
    (Health::Score { percent: (sum + weights / 2) / weights, decided }, parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn promises(kept: i64, broken: i64) -> Inputs {
        Inputs { requests_kept: kept, requests_broken: broken, ..Inputs::default() }
    }

    #[test]
    fn no_score_without_five_decided_promises() {
        assert_eq!(score(&promises(3, 1)).0, Health::NotEnoughData { decided: 4 });
        // Opinion alone does not make a score.
        let opinions = Inputs {
            satisfaction: Tally { satisfied: 9, neutral: 0, poor: 1 },
            survey_about_supplier: Some(45),
            ..promises(2, 0)
        };
        assert_eq!(score(&opinions).0, Health::NotEnoughData { decided: 2 });
        assert_eq!(health(2, 1).band(), "unknown");
        assert_eq!(health(9, 1).band(), "good");
        assert_eq!(health(4, 1).band(), "fair");
        assert_eq!(health(1, 4).band(), "poor");
    }

    /// Worked vectors, written out in docs/architecture.md.
    #[test]
    fn worked_vectors() {
        // 1. Promises only: 8 of 10 kept -> 80.
        assert_eq!(score(&promises(8, 2)).0, Health::Score { percent: 80, decided: 10 });
        // 2. Each kind of promise counts once: 3 of 4 requests, 4 of 5 deliveries, 1 of 1
        //    action item -> 8 of 10 -> 80.
        let mixed = Inputs { deliveries_on_time: 4, deliveries_late: 1, actions_kept: 1, ..promises(3, 1) };
        assert_eq!(score(&mixed).0, Health::Score { percent: 80, decided: 10 });
        // 3. With the customer's ratings (6 of 8 satisfied = 75):
        //    (80 × 60 + 75 × 20) / 80 = 78.75 -> 79.
        let rated = Inputs { satisfaction: Tally { satisfied: 6, neutral: 1, poor: 1 }, ..promises(8, 2) };
        assert_eq!(score(&rated).0, Health::Score { percent: 79, decided: 10 });
        // 4. Four ratings are too few: left out, the score stays 80.
        let few = Inputs { satisfaction: Tally { satisfied: 0, neutral: 0, poor: 4 }, ..promises(8, 2) };
        assert_eq!(score(&few).0, Health::Score { percent: 80, decided: 10 });
        // 5. Everything: promises 80, ratings 75, customer survey 4.2 (80), requests well made
        //    3 of 5 (60), supplier survey 3.0 (50):
        //    (80×60 + 75×20 + 80×10 + 60×5 + 50×5) / 100 = 76.5 -> 77.
        let all = Inputs {
            request_quality: Some(Tally { satisfied: 3, neutral: 1, poor: 1 }),
            survey_about_supplier: Some(42),
            survey_about_customer: Some(30),
            ..rated
        };
        let (h, parts) = score(&all);
        assert_eq!(h, Health::Score { percent: 77, decided: 10 });
        let shown: Vec<Option<i64>> = parts.iter().map(|p| p.percent).collect();
        assert_eq!(shown, [Some(80), Some(75), Some(80), Some(60), Some(50)]);
        assert_eq!(parts.iter().map(|p| p.weight).sum::<i64>(), 100);
        // 6. Overdue action items pull a healthy edge down like any broken promise:
        //    9 of 10 requests kept, 0 of 2 action items -> 9 of 12 -> 75.
        let overdue = Inputs { actions_broken: 2, ..promises(9, 1) };
        assert_eq!(score(&overdue).0, Health::Score { percent: 75, decided: 12 });
        assert_eq!(health(4, 1).label(), "80 of 100");
    }
}
