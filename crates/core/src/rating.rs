//! Ratings on requests, both ways: the requester rates how they were served, and the providing
//! team rates how the request was made. The rules here are pure: the organisation's scale, who
//! may rate and until when, the buckets results are counted in, and results by slice.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::anonymity;
use crate::error::{Errors, Invalid};
use crate::request::Status;

/// A rating may be changed for this long after it was first given, then it is locked.
pub const CHANGE_WINDOW_MS: i64 = 7 * 86_400_000;
/// The longest comment kept with a rating.
pub const MAX_COMMENT: usize = 2_000;

/// The organisation's rating scale. Ratings keep the scale they were given on, so changing the
/// setting never rewrites history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// Good, okay, poor.
    #[default]
    ThreePoint,
    /// 1 (very poor) to 5 (excellent).
    FivePoint,
}

impl Scale {
    pub fn max(self) -> i64 {
        match self {
            Self::ThreePoint => 3,
            Self::FivePoint => 5,
        }
    }

    pub fn of_max(max: i64) -> Self {
        if max == 5 {
            Self::FivePoint
        } else {
            Self::ThreePoint
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ThreePoint => "three_point",
            Self::FivePoint => "five_point",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::ThreePoint, Self::FivePoint].into_iter().find(|x| x.as_str() == s.trim())
    }

    /// The choices offered, best first: (score, word).
    pub fn choices(self) -> &'static [(i64, &'static str)] {
        match self {
            Self::ThreePoint => &[(3, "Good"), (2, "Okay"), (1, "Poor")],
            Self::FivePoint => &[(5, "Excellent"), (4, "Good"), (3, "Okay"), (2, "Poor"), (1, "Very poor")],
        }
    }

    /// The score a one-word answer from a mail link stands for: `good` the top of the scale,
    /// `okay` its middle, `poor` its bottom.
    pub fn score_for(self, answer: &str) -> Option<i64> {
        match answer {
            "good" => Some(self.max()),
            "okay" => Some(self.max().div_euclid(2) + 1),
            "poor" => Some(1),
            _ => None,
        }
    }

    /// The word for a score on this scale.
    pub fn word(self, score: i64) -> &'static str {
        self.choices().iter().find(|(s, _)| *s == score).map_or("", |(_, w)| w)
    }

    /// Which bucket a score falls in: the top of the scale satisfied, the bottom poor.
    pub fn bucket(self, score: i64) -> Bucket {
        match (self, score) {
            (Self::ThreePoint, 3) | (Self::FivePoint, 4..) => Bucket::Satisfied,
            (Self::ThreePoint, 2) | (Self::FivePoint, 3) => Bucket::Neutral,
            _ => Bucket::Poor,
        }
    }
}

/// The three buckets results are counted in, whatever the scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Satisfied,
    Neutral,
    Poor,
}

/// Who rates whom: the requester rates the service they got; the providing team rates how the
/// request was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Requester,
    Provider,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requester => "requester",
            Self::Provider => "provider",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Requester, Self::Provider].into_iter().find(|d| d.as_str() == s)
    }
}

/// What made a request hard to serve, as the providing team saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    Unclear,
    MissingInputs,
    UnrealisticUrgency,
}

impl Flag {
    pub const ALL: [Flag; 3] = [Self::Unclear, Self::MissingInputs, Self::UnrealisticUrgency];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unclear => "unclear",
            Self::MissingInputs => "missing_inputs",
            Self::UnrealisticUrgency => "unrealistic_urgency",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Unclear => "Unclear what was needed",
            Self::MissingInputs => "Inputs missing",
            Self::UnrealisticUrgency => "Urgency not realistic",
        }
    }

    /// Flags kept in one text column, comma-separated.
    pub fn join(flags: &[Flag]) -> String {
        flags.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(",")
    }

    pub fn split(text: &str) -> Vec<Flag> {
        text.split(',').filter_map(Flag::parse).collect()
    }
}

/// The organisation's feedback settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackSettings {
    pub scale: Scale,
    /// The smallest group whose answers are shown in aggregate: at least 3, 5 by default.
    pub min_group: i64,
}

impl Default for FeedbackSettings {
    fn default() -> Self {
        Self { scale: Scale::default(), min_group: anonymity::DEFAULT_MIN_GROUP }
    }
}

impl FeedbackSettings {
    pub fn check(self) -> Result<Self, Invalid> {
        let mut errors = Errors::default();
        if self.min_group < anonymity::FLOOR {
            errors.add("min_group", format!("answers are never shown for groups under {}", anonymity::FLOOR));
        } else if self.min_group > 50 {
            errors.add("min_group", "choose at most 50 people");
        }
        errors.finish().map(|()| self)
    }
}

/// A rating as given in a form or the API.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRating {
    /// On the organisation's scale: 1 (poor) to 3 (good), or 1 to 5.
    pub score: i64,
    #[serde(default)]
    pub comment: String,
    /// Only for the providing team's rating of how the request was made.
    #[serde(default)]
    pub flags: Vec<Flag>,
}

impl NewRating {
    /// Checks the score against the scale and trims the comment; every problem at once.
    pub fn check(mut self, scale: Scale, direction: Direction) -> Result<Self, Invalid> {
        let mut errors = Errors::default();
        if !(1..=scale.max()).contains(&self.score) {
            errors.add("score", format!("choose a rating from 1 to {}", scale.max()));
        }
        self.comment = self.comment.trim().to_owned();
        if self.comment.chars().count() > MAX_COMMENT {
            errors.add("comment", format!("the comment can be at most {MAX_COMMENT} characters"));
        }
        if direction == Direction::Requester && !self.flags.is_empty() {
            errors.add("flags", "flags are for the providing team's rating of how a request was made");
        }
        self.flags.sort();
        self.flags.dedup();
        errors.finish().map(|()| self)
    }
}

/// Why a rating cannot be given or changed now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("a request can be rated once it is resolved")]
    NotResolved,
    #[error("this rating was locked 7 days after it was given")]
    Locked,
}

/// Whether a rating may be given or changed at `now`: a first rating once the request is
/// resolved or closed; a change within [`CHANGE_WINDOW_MS`] of the first, whatever the request's
/// status since (reopening does not erase a rating).
pub fn may_rate(status: Status, first_rated_at: Option<i64>, now: i64) -> Result<(), Refused> {
    match first_rated_at {
        Some(at) if now >= at + CHANGE_WINDOW_MS => Err(Refused::Locked),
        Some(_) => Ok(()),
        None if matches!(status, Status::Resolved | Status::Closed) => Ok(()),
        None => Err(Refused::NotResolved),
    }
}

/// [`may_rate`] for a rating that may already exist.
pub fn open_for(status: Status, existing: Option<&Rating>, now: i64) -> bool {
    may_rate(status, existing.map(|r| r.created_at.timestamp_millis()), now).is_ok()
}

/// One rating as stored, shown to those who may see it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Rating {
    pub id: i64,
    pub request_key: String,
    pub subject: String,
    pub direction: Direction,
    pub score: i64,
    /// The scale it was given on: 3 or 5.
    pub scale_max: i64,
    /// The score in words ("Good").
    pub word: String,
    pub comment: String,
    pub flags: Vec<Flag>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When it can no longer be changed.
    pub locks_at: DateTime<Utc>,
}

impl Rating {
    pub fn bucket(&self) -> Bucket {
        Scale::of_max(self.scale_max).bucket(self.score)
    }

    /// `good`, `neutral` or `poor`, for styling.
    pub fn band(&self) -> &'static str {
        match self.bucket() {
            Bucket::Satisfied => "good",
            Bucket::Neutral => "fair",
            Bucket::Poor => "poor",
        }
    }
}

/// The ratings of one request that one viewer may see, and whether they may rate now.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestRatings {
    /// The scale a new rating is given on.
    pub scale: Scale,
    /// The requester's rating: seen by the requester and the providing team.
    pub by_requester: Option<Rating>,
    /// The providing team's rating of how the request was made: seen only by that team.
    pub by_provider: Option<Rating>,
    /// The viewer is the requester and may rate (or change the rating) now.
    pub requester_may_rate: bool,
    /// The viewer works in the providing team and may rate how the request was made now.
    pub provider_may_rate: bool,
}

/// Ratings counted in buckets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Tally {
    pub satisfied: i64,
    pub neutral: i64,
    pub poor: i64,
}

impl Tally {
    pub fn add(&mut self, bucket: Bucket) {
        match bucket {
            Bucket::Satisfied => self.satisfied += 1,
            Bucket::Neutral => self.neutral += 1,
            Bucket::Poor => self.poor += 1,
        }
    }

    pub fn count(&self) -> i64 {
        self.satisfied + self.neutral + self.poor
    }

    /// The share rated at the top of the scale (the usual satisfaction score), or `None`
    /// without ratings.
    pub fn percent_satisfied(&self) -> Option<i64> {
        let n = self.count();
        (n > 0).then(|| (self.satisfied * 100 + n / 2) / n)
    }

    pub fn text(&self) -> String {
        match self.percent_satisfied() {
            Some(p) => format!("{p} % satisfied of {}", self.count()),
            None => "no ratings yet".to_owned(),
        }
    }
}

/// One group of a result: a service, an agent, a partner team or a month.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Slice {
    /// A stable key: a service slug, a person's email, a team key, or `YYYY-MM`.
    pub key: String,
    pub label: String,
    pub tally: Tally,
}

/// A rating with what it is about, the input to results.
#[derive(Debug, Clone, PartialEq)]
pub struct Rated {
    pub score: i64,
    pub scale_max: i64,
    pub flags: Vec<Flag>,
    /// (slug, name)
    pub service: (String, String),
    /// (email, name) of the request's assignee.
    pub agent: Option<(String, String)>,
    /// (key, name) of the team on the other side.
    pub partner: Option<(String, String)>,
    /// `YYYY-MM` of when it was given (UTC).
    pub month: String,
}

/// The requesters' ratings of one team's service, by slice.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Results {
    pub overall: Tally,
    pub by_service: Vec<Slice>,
    /// Empty unless the viewer leads the team or is an admin.
    pub by_agent: Vec<Slice>,
    pub by_partner: Vec<Slice>,
    /// Oldest first.
    pub by_month: Vec<Slice>,
}

fn slices<F>(rated: &[Rated], key: F) -> Vec<Slice>
where
    F: Fn(&Rated) -> Option<(String, String)>,
{
    let mut groups: BTreeMap<String, (String, Tally)> = BTreeMap::new();
    for r in rated {
        if let Some((k, label)) = key(r) {
            groups
                .entry(k)
                .or_insert_with(|| (label, Tally::default()))
                .1
                .add(Scale::of_max(r.scale_max).bucket(r.score));
        }
    }
    let mut out: Vec<Slice> = groups.into_iter().map(|(key, (label, tally))| Slice { key, label, tally }).collect();
    out.sort_by(|a, b| b.tally.count().cmp(&a.tally.count()).then(a.label.cmp(&b.label)));
    out
}

impl Results {
    /// Results from ratings; `with_agents` adds the per-agent slice.
    pub fn of(rated: &[Rated], with_agents: bool) -> Self {
        let mut overall = Tally::default();
        for r in rated {
            overall.add(Scale::of_max(r.scale_max).bucket(r.score));
        }
        let mut by_month = slices(rated, |r| Some((r.month.clone(), r.month.clone())));
        by_month.sort_by(|a, b| a.key.cmp(&b.key));
        Self {
            overall,
            by_service: slices(rated, |r| Some(r.service.clone())),
            by_agent: if with_agents { slices(rated, |r| r.agent.clone()) } else { Vec::new() },
            by_partner: slices(rated, |r| r.partner.clone()),
            by_month,
        }
    }

    /// The trend as a stacked bar chart.
    pub fn trend_svg(&self) -> String {
        let bars: Vec<(String, Vec<i64>)> = self
            .by_month
            .iter()
            .map(|m| (m.key.clone(), vec![m.tally.satisfied, m.tally.neutral, m.tally.poor]))
            .collect();
        crate::report::bars_svg(
            "Ratings by month",
            &[(crate::report::GOOD, "Satisfied"), (crate::report::MIDDLE, "Okay"), (crate::report::BAD, "Poor")],
            &bars,
            "No ratings yet.",
        )
    }
}

/// How a team's requests were rated by the teams it asked, as its leads may see it: only in
/// aggregate, only for groups of at least the organisation's smallest group, and never a slice
/// that would let one rating be worked out by subtraction.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AsCustomer {
    /// How many ratings exist (always shown: it reveals no rating).
    pub count: i64,
    /// `None` while fewer ratings than the smallest group exist.
    pub overall: Option<Tally>,
    /// How often each flag was raised, when the whole is shown.
    pub flags: Vec<FlagCount>,
    /// Per supplier team, only the slices that may be shown.
    pub by_supplier: Vec<Slice>,
    pub min_group: i64,
}

/// How often one flag was raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FlagCount {
    pub flag: Flag,
    pub count: i64,
}

/// A team's ratings as one viewer may see them.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TeamRatings {
    /// How the team's requesters rated its service. Outside the team only the overall figure,
    /// by service and by month; by agent only for its leads and admins.
    pub as_provider: Results,
    /// How the teams it asked rated the team's requests: its leads and admins only, in aggregate.
    pub as_customer: Option<AsCustomer>,
}

impl AsCustomer {
    pub fn of(rated: &[Rated], min_group: i64) -> Self {
        let count = rated.len() as i64;
        if !anonymity::enough(count, min_group) {
            return Self { count, min_group, ..Self::default() };
        }
        let mut overall = Tally::default();
        let mut flags: BTreeMap<Flag, i64> = BTreeMap::new();
        for r in rated {
            overall.add(Scale::of_max(r.scale_max).bucket(r.score));
            for f in &r.flags {
                *flags.entry(*f).or_default() += 1;
            }
        }
        let suppliers = slices(rated, |r| r.partner.clone());
        let sizes: Vec<i64> = suppliers.iter().map(|s| s.tally.count()).collect();
        let shown = anonymity::shown_slices(count, &sizes, min_group);
        Self {
            count,
            overall: Some(overall),
            flags: flags.into_iter().map(|(flag, count)| FlagCount { flag, count }).collect(),
            by_supplier: suppliers.into_iter().zip(shown).filter(|(_, s)| *s).map(|(s, _)| s).collect(),
            min_group,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mail_answers_land_in_their_bucket() {
        for scale in [Scale::ThreePoint, Scale::FivePoint] {
            let bucket = |a| scale.bucket(scale.score_for(a).unwrap());
            assert_eq!(
                (bucket("good"), bucket("okay"), bucket("poor")),
                (Bucket::Satisfied, Bucket::Neutral, Bucket::Poor)
            );
        }
        assert_eq!(Scale::FivePoint.score_for("okay"), Some(3));
        assert_eq!(Scale::ThreePoint.score_for("meh"), None);
    }

    #[test]
    fn scores_fall_in_buckets_on_either_scale() {
        let three = Scale::ThreePoint;
        assert_eq!(
            [three.bucket(3), three.bucket(2), three.bucket(1)],
            [Bucket::Satisfied, Bucket::Neutral, Bucket::Poor]
        );
        let five = Scale::FivePoint;
        assert_eq!(
            [1, 2, 3, 4, 5].map(|s| five.bucket(s)),
            [Bucket::Poor, Bucket::Poor, Bucket::Neutral, Bucket::Satisfied, Bucket::Satisfied]
        );
        assert_eq!(five.word(4), "Good");
        assert_eq!(Scale::of_max(5), five);
    }

    #[test]
    fn ratings_are_checked_against_the_scale() {
        let bad = NewRating { score: 4, comment: "x".repeat(MAX_COMMENT + 1), flags: vec![Flag::Unclear] };
        let err = bad.check(Scale::ThreePoint, Direction::Requester).unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["score", "comment", "flags"]);
        let ok = NewRating { score: 4, comment: "  fine ".into(), flags: vec![Flag::Unclear, Flag::Unclear] }
            .check(Scale::FivePoint, Direction::Provider)
            .unwrap();
        assert_eq!((ok.comment.as_str(), ok.flags.len()), ("fine", 1));
    }

    #[test]
    fn a_rating_is_given_when_resolved_and_locked_after_seven_days() {
        assert_eq!(may_rate(Status::InProgress, None, 0), Err(Refused::NotResolved));
        assert_eq!(may_rate(Status::Resolved, None, 0), Ok(()));
        assert_eq!(may_rate(Status::Closed, None, 0), Ok(()));
        // Reopened after rating: still changeable within the window.
        assert_eq!(may_rate(Status::Open, Some(0), CHANGE_WINDOW_MS - 1), Ok(()));
        assert_eq!(may_rate(Status::Resolved, Some(0), CHANGE_WINDOW_MS), Err(Refused::Locked));
    }

    fn rated(score: i64, partner: &str, month: &str) -> Rated {
        Rated {
            score,
            scale_max: 3,
            flags: if score == 1 { vec![Flag::MissingInputs] } else { Vec::new() },
            service: ("laptop".into(), "Laptop".into()),
            agent: Some(("max@example.com".into(), "Max".into())),
            partner: Some((partner.into(), partner.into())),
            month: month.into(),
        }
    }

    #[test]
    fn results_slice_by_service_agent_partner_and_month() {
        let rows = [rated(3, "SAL", "2026-10"), rated(1, "SAL", "2026-11"), rated(2, "FAC", "2026-11")];
        let r = Results::of(&rows, false);
        assert_eq!(r.overall, Tally { satisfied: 1, neutral: 1, poor: 1 });
        assert_eq!(r.overall.percent_satisfied(), Some(33));
        assert!(r.by_agent.is_empty());
        assert_eq!(r.by_partner[0].key, "SAL");
        assert_eq!(r.by_month.iter().map(|m| m.key.as_str()).collect::<Vec<_>>(), ["2026-10", "2026-11"]);
        assert_eq!(Results::of(&rows, true).by_agent[0].tally.count(), 3);
        assert!(r.trend_svg().contains("2026-11: 0 satisfied, 1 okay, 1 poor"));
    }

    #[test]
    fn a_customer_sees_how_its_requests_were_rated_only_in_safe_aggregates() {
        let four: Vec<Rated> = (0..4).map(|_| rated(1, "IT", "2026-11")).collect();
        let few = AsCustomer::of(&four, 5);
        assert_eq!((few.count, few.overall, few.by_supplier.len()), (4, None, 0));
        // 6 from IT and 1 from FAC: IT's slice would reveal FAC's single rating.
        let mut seven: Vec<Rated> = (0..6).map(|_| rated(2, "IT", "2026-11")).collect();
        seven.push(rated(1, "FAC", "2026-11"));
        let shown = AsCustomer::of(&seven, 5);
        assert_eq!(shown.overall.map(|t| t.count()), Some(7));
        assert!(shown.by_supplier.is_empty());
        assert_eq!(shown.flags, vec![FlagCount { flag: Flag::MissingInputs, count: 1 }]);
    }
}
