//! Relationship surveys, both directions: on each agreed relationship's schedule, the customer
//! team's members answer about the supplier and the supplier team's members about the customer.
//!
//! Anonymity is a promise: answers are never linked to a person (who was invited and whether
//! they answered is kept apart from what was answered), results are shown only once a round has
//! closed (so nobody learns one answer by watching results change), only for groups of at least
//! the organisation's smallest group, per question only when no difference between groups shown
//! falls below it, and free text comes without names, shuffled.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

use crate::anonymity;
use crate::error::{Errors, Invalid};
use crate::ids::RoundId;

/// Relationships are surveyed every quarter unless they say otherwise.
pub const DEFAULT_RULE: &str = "FREQ=MONTHLY;INTERVAL=3";
/// A round stays open this long.
pub const OPEN_MS: i64 = 14 * 86_400_000;
/// Those who have not answered are reminded once, this long after the round opened.
pub const REMIND_AFTER_MS: i64 = 7 * 86_400_000;
/// The longest free-text answer.
pub const MAX_TEXT: usize = 1_000;

/// When the round after one opened at `opened_at` falls due on `rule`, or `None` for a rule that
/// has ended.
pub fn next_round_at(rule: &str, opened_at: i64) -> Option<i64> {
    let start = DateTime::<Utc>::from_timestamp_millis(opened_at)?.naive_utc();
    let schedule = crate::schedule::Schedule::new(rule, start, chrono_tz::UTC).ok()?;
    schedule.next_dues(opened_at, 1).first().copied()
}

/// A relationship's survey schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SurveySchedule {
    /// An RFC 5545 RRULE: `FREQ=MONTHLY;INTERVAL=3` is quarterly.
    pub rule: String,
    /// When the next round opens (once the relationship is agreed).
    #[serde(default)]
    pub next_at: Option<DateTime<Utc>>,
}

/// Checks a survey rule: it must recur at most daily and fall due again after `now`.
pub fn check_rule(rule: &str, now: i64) -> Result<(String, i64), Invalid> {
    let rule = rule.trim().trim_start_matches("RRULE:").to_ascii_uppercase();
    let start = DateTime::<Utc>::from_timestamp_millis(now).map(|t| t.naive_utc()).unwrap_or_default();
    crate::schedule::Schedule::new(&rule, start, chrono_tz::UTC).map_err(|e| Invalid::one("rule", e.message))?;
    let next = next_round_at(&rule, now).ok_or_else(|| Invalid::one("rule", "this schedule never falls due again"))?;
    Ok((rule, next))
}

/// Who answers about whom. (Named `SurveyAudience` in the API document: a service has an
/// audience too.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = SurveyAudience)]
pub enum Audience {
    /// The customer team's members, about the supplier.
    AboutSupplier,
    /// The supplier team's members, about the customer.
    AboutCustomer,
}

impl Audience {
    pub const BOTH: [Audience; 2] = [Self::AboutSupplier, Self::AboutCustomer];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AboutSupplier => "about_supplier",
            Self::AboutCustomer => "about_customer",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::BOTH.into_iter().find(|a| a.as_str() == s.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::AboutSupplier => "The customer team about the supplier",
            Self::AboutCustomer => "The supplier team about the customer",
        }
    }
}

/// The answer scale, 1 to 5.
pub const SCALE: [(i64, &str); 5] =
    [(1, "Strongly disagree"), (2, "Disagree"), (3, "Neither"), (4, "Agree"), (5, "Strongly agree")];

/// A survey question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Question {
    pub id: i64,
    pub audience: Audience,
    /// A statement to agree or disagree with.
    pub text: String,
    pub position: i64,
    pub active: bool,
}

/// A question to add.
#[derive(Debug, Clone, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewQuestion {
    pub audience: Audience,
    pub text: String,
}

/// A change to a question: reword it, or retire it (`active: false`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionPatch {
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub active: Option<bool>,
}

/// Checks a question's wording.
pub fn check_text(text: &str) -> Result<String, Invalid> {
    let text = text.trim();
    match text.chars().count() {
        0 => Err(Invalid::one("text", "write the statement people agree or disagree with")),
        n if n > 300 => Err(Invalid::one("text", "keep the question under 300 characters")),
        _ => Ok(text.to_owned()),
    }
}

/// One person's answers, as submitted. They are stored without the person.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Answers {
    pub audience: Option<Audience>,
    /// Question id → 1 (strongly disagree) to 5 (strongly agree). Every question is answered,
    /// so every question's result counts the same people.
    #[schema(value_type = Object)]
    pub scores: BTreeMap<String, i64>,
    /// One thing to start doing.
    #[serde(default)]
    pub start: String,
    /// One thing to stop doing.
    #[serde(default)]
    pub stop: String,
}

/// Answers checked against the round's questions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedAnswers {
    pub scores: Vec<(i64, i64)>,
    pub start: String,
    pub stop: String,
}

impl Answers {
    /// Checks every score against the questions asked, every problem at once.
    pub fn check(&self, questions: &[Question]) -> Result<CheckedAnswers, Invalid> {
        let mut errors = Errors::default();
        let mut scores = Vec::new();
        for q in questions {
            match self.scores.get(&q.id.to_string()) {
                Some(s) if (1..=5).contains(s) => scores.push((q.id, *s)),
                Some(_) => {
                    errors.add(&format!("scores.{}", q.id), "answer from 1 (strongly disagree) to 5 (strongly agree)")
                }
                None => errors.add(&format!("scores.{}", q.id), format!("answer \"{}\"", q.text)),
            }
        }
        for key in self.scores.keys() {
            if !questions.iter().any(|q| q.id.to_string() == *key) {
                errors.add("scores", format!("{key} is not a question of this survey"));
            }
        }
        let mut text = |field: &str, value: &str| {
            let value = value.trim();
            if value.chars().count() > MAX_TEXT {
                errors.add(field, format!("keep it under {MAX_TEXT} characters"));
            }
            value.to_owned()
        };
        let (start, stop) = (text("start", &self.start), text("stop", &self.stop));
        errors.finish()?;
        Ok(CheckedAnswers { scores, start, stop })
    }
}

/// A survey waiting for one person's answers.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Invitation {
    pub round_id: RoundId,
    pub audience: Audience,
    pub relationship_id: i64,
    pub supplier_key: String,
    pub supplier_name: String,
    pub customer_key: String,
    pub customer_name: String,
    pub closes_at: DateTime<Utc>,
    pub questions: Vec<Question>,
}

impl Invitation {
    /// The team the answers are about.
    pub fn about(&self) -> &str {
        match self.audience {
            Audience::AboutSupplier => &self.supplier_name,
            Audience::AboutCustomer => &self.customer_name,
        }
    }
}

/// One question's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct QuestionResult {
    pub question_id: i64,
    pub text: String,
    pub answers: i64,
    /// The mean in tenths: 42 is 4.2 out of 5.
    pub mean_tenths: i64,
    /// Share who agree or strongly agree.
    pub agree_percent: i64,
    /// Change of the mean since the last round shown, in tenths.
    pub change_tenths: Option<i64>,
}

impl QuestionResult {
    pub fn mean_text(&self) -> String {
        format!("{}.{}", self.mean_tenths / 10, self.mean_tenths % 10)
    }

    pub fn change_text(&self) -> String {
        match self.change_tenths {
            Some(c) if c > 0 => format!("+{}.{}", c / 10, c % 10),
            Some(c) if c < 0 => format!("−{}.{}", -c / 10, -c % 10),
            Some(_) => "±0.0".to_owned(),
            None => String::new(),
        }
    }

    /// `good`, `fair` or `poor`, for styling the change.
    pub fn change_band(&self) -> &'static str {
        match self.change_tenths {
            Some(c) if c >= 3 => "good",
            Some(c) if c <= -3 => "poor",
            _ => "unknown",
        }
    }
}

/// The results of one audience in one round, as anyone may see them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AudienceResult {
    pub invited: i64,
    pub responded: i64,
    /// Whether results are shown: the round has closed and enough people answered.
    pub shown: bool,
    /// Why not, in words, when not shown.
    pub hidden_because: Option<String>,
    pub questions: Vec<QuestionResult>,
    /// "One thing to start", without names, shuffled.
    pub start: Vec<String>,
    /// "One thing to stop", without names, shuffled.
    pub stop: Vec<String>,
}

impl AudienceResult {
    pub fn response_percent(&self) -> i64 {
        if self.invited == 0 {
            0
        } else {
            (self.responded * 100 + self.invited / 2) / self.invited
        }
    }

    /// The mean of the question means, in tenths, for a headline.
    pub fn overall_tenths(&self) -> Option<i64> {
        let n = self.questions.len() as i64;
        (self.shown && n > 0).then(|| (self.questions.iter().map(|q| q.mean_tenths).sum::<i64>() + n / 2) / n)
    }
}

/// What one audience of one round gave, before the anonymity rules decide what to show.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Collected {
    pub invited: i64,
    pub responded: i64,
    /// (question id, text, scores given)
    pub scores: Vec<(i64, String, Vec<i64>)>,
    pub start: Vec<String>,
    pub stop: Vec<String>,
}

/// Applies the anonymity rules to what a round collected. `closed`: results of an open round
/// are never shown. `previous`: the last shown results of the same audience, for the change.
/// `seed` orders the free text the same way on every view of the round.
pub fn results(
    c: &Collected,
    closed: bool,
    min_group: i64,
    previous: Option<&AudienceResult>,
    seed: u64,
) -> AudienceResult {
    let mut out = AudienceResult { invited: c.invited, responded: c.responded, ..AudienceResult::default() };
    let k = min_group.max(anonymity::FLOOR);
    if !closed {
        out.hidden_because = Some("results are shown once the round has closed".to_owned());
        return out;
    }
    if !anonymity::enough(c.responded, k) {
        out.hidden_because = Some(format!("fewer than {k} people answered, so no answers are shown"));
        return out;
    }
    out.shown = true;
    for (id, text, given) in &c.scores {
        let n = given.len() as i64;
        // A question answered by a different number of people than the round (added while it
        // ran) is shown only when the difference is itself a group of at least k.
        let gap = c.responded - n;
        if !anonymity::enough(n, k) || (gap != 0 && gap < k) {
            continue;
        }
        let sum: i64 = given.iter().sum();
        let mean_tenths = (sum * 10 * 2 + n) / (2 * n);
        let agree = given.iter().filter(|s| **s >= 4).count() as i64;
        let change_tenths = previous
            .filter(|p| p.shown)
            .and_then(|p| p.questions.iter().find(|q| q.question_id == *id))
            .map(|q| mean_tenths - q.mean_tenths);
        out.questions.push(QuestionResult {
            question_id: *id,
            text: text.clone(),
            answers: n,
            mean_tenths,
            agree_percent: (agree * 100 + n / 2) / n,
            change_tenths,
        });
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut shuffled = |texts: &[String]| {
        let mut t: Vec<String> = texts.iter().filter(|s| !s.trim().is_empty()).cloned().collect();
        t.shuffle(&mut rng);
        t
    };
    out.start = shuffled(&c.start);
    out.stop = shuffled(&c.stop);
    out
}

/// One round of a relationship's survey with both audiences' results.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RoundResults {
    pub round_id: RoundId,
    pub relationship_id: i64,
    pub supplier_key: String,
    pub supplier_name: String,
    pub customer_key: String,
    pub customer_name: String,
    pub opened_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub closed: bool,
    pub about_supplier: AudienceResult,
    pub about_customer: AudienceResult,
    pub min_group: i64,
}

impl RoundResults {
    /// Both audiences as (about whom, answered by whom, result), for listing.
    pub fn sides(&self) -> [(&str, &str, &AudienceResult); 2] {
        [
            (&self.supplier_name, &self.customer_name, &self.about_supplier),
            (&self.customer_name, &self.supplier_name, &self.about_customer),
        ]
    }
}

/// The default questions, by audience, as a new organisation gets them.
pub fn default_questions() -> Vec<(Audience, &'static str)> {
    use Audience::{AboutCustomer, AboutSupplier};
    vec![
        (AboutSupplier, "They respond quickly when we need them."),
        (AboutSupplier, "The quality of their work meets our needs."),
        (AboutSupplier, "They keep us informed."),
        (AboutSupplier, "They understand our goals."),
        (AboutCustomer, "Their requests are clear."),
        (AboutCustomer, "They give us the inputs we need on time."),
        (AboutCustomer, "Their deadlines are realistic."),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(id: i64) -> Question {
        Question { id, audience: Audience::AboutSupplier, text: format!("Q{id}"), position: id, active: true }
    }

    #[test]
    fn rounds_follow_the_relationship_schedule() {
        let opened = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 1, 15, 9, 0, 0).unwrap().timestamp_millis();
        let next = next_round_at(DEFAULT_RULE, opened).unwrap();
        assert_eq!(DateTime::<Utc>::from_timestamp_millis(next).unwrap().to_rfc3339(), "2026-04-15T09:00:00+00:00");
        assert_eq!(next_round_at("FREQ=HOURLY", opened), None, "rules more frequent than daily are refused");
    }

    #[test]
    fn every_question_is_answered_on_the_scale() {
        let answers = Answers {
            audience: None,
            scores: BTreeMap::from([("1".into(), 6), ("9".into(), 3)]),
            start: "x".repeat(MAX_TEXT + 1),
            stop: String::new(),
        };
        let err = answers.check(&[q(1), q(2)]).unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["scores.1", "scores.2", "scores", "start"]);
        let ok = Answers { scores: BTreeMap::from([("1".into(), 4)]), stop: " meetings ".into(), ..Answers::default() };
        assert_eq!(ok.check(&[q(1)]).unwrap().stop, "meetings");
    }

    fn collected(responded: i64, answers: &[i64]) -> Collected {
        Collected {
            invited: 8,
            responded,
            scores: vec![
                (1, "Q1".into(), answers.to_vec()),
                (2, "Q2".into(), answers.iter().take(answers.len() - 1).copied().collect()),
            ],
            start: vec!["a".into(), "b".into(), " ".into()],
            stop: vec![],
        }
    }

    #[test]
    fn nothing_is_shown_while_open_or_below_the_group() {
        let six = collected(6, &[5, 4, 4, 3, 2, 5]);
        assert!(!results(&six, false, 5, None, 1).shown, "open");
        let four = collected(4, &[5, 4, 4, 3]);
        let r = results(&four, true, 5, None, 1);
        assert!(!r.shown && r.questions.is_empty() && r.start.is_empty());
        assert_eq!((r.invited, r.responded, r.response_percent()), (8, 4, 50));
    }

    #[test]
    fn a_question_whose_count_differs_by_less_than_the_group_is_left_out() {
        let six = collected(6, &[5, 4, 4, 3, 2, 5]);
        let r = results(&six, true, 5, None, 1);
        assert!(r.shown);
        // Q2 was answered by 5 of the 6: showing it beside Q1 would single one person out.
        assert_eq!(r.questions.len(), 1);
        assert_eq!((r.questions[0].mean_tenths, r.questions[0].agree_percent), (38, 67));
        assert_eq!(r.start.len(), 2, "blank text dropped");
        let mut again = results(&six, true, 5, None, 1).start;
        assert_eq!(again, r.start, "the same order on every view");
        again.sort();
        assert_eq!(again, ["a", "b"]);
    }

    #[test]
    fn the_change_since_the_last_round_is_per_question() {
        let before = results(&collected(6, &[3, 3, 3, 3, 3, 3]), true, 3, None, 1);
        let now = results(&collected(6, &[4, 4, 4, 4, 5, 5]), true, 3, Some(&before), 2);
        assert_eq!(now.questions[0].change_tenths, Some(13));
        assert_eq!(now.questions[0].change_text(), "+1.3");
        assert_eq!(now.questions[0].mean_text(), "4.3");
        assert_eq!(now.overall_tenths(), Some(43), "only Q1: Q2's one missing answer is a group below three");
    }
}
