//! Synthetic requests for `concentric bench`: a deterministic stream of plausible requests with
//! comments, so measurements run against realistic text and a realistic status mix.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::request::{CommentKind, Priority, Status};

const WORDS: &[&str] = &[
    "laptop",
    "screen",
    "printer",
    "invoice",
    "payslip",
    "access",
    "password",
    "vpn",
    "email",
    "calendar",
    "desk",
    "chair",
    "badge",
    "office",
    "contract",
    "order",
    "delivery",
    "customer",
    "supplier",
    "budget",
    "report",
    "timesheet",
    "overtime",
    "holiday",
    "onboarding",
    "training",
    "course",
    "license",
    "software",
    "install",
    "update",
    "backup",
    "network",
    "wifi",
    "phone",
    "headset",
    "monitor",
    "keyboard",
    "mouse",
    "docking",
    "station",
    "meeting",
    "room",
    "projector",
    "catering",
    "expense",
    "receipt",
    "travel",
    "hotel",
    "flight",
    "visa",
    "letter",
    "reference",
    "quote",
    "discount",
    "pricing",
    "renewal",
    "invoice",
    "credit",
    "check",
    "approval",
    "signature",
    "policy",
    "benefit",
    "pension",
    "salary",
    "bonus",
    "commission",
    "target",
    "forecast",
    "pipeline",
    "campaign",
    "brochure",
    "event",
    "webinar",
    "website",
    "login",
    "error",
    "crash",
    "slow",
    "broken",
    "missing",
    "urgent",
    "blocked",
    "question",
    "request",
    "change",
    "new",
    "replace",
    "repair",
    "move",
    "book",
    "cancel",
    "refund",
    "shipment",
    "warehouse",
];

/// One generated request.
#[derive(Debug, Clone)]
pub struct SynthRequest {
    /// Index into the services handed to [`Synth::new`].
    pub service: usize,
    /// Index into the requesters handed to [`Synth::new`].
    pub requester: usize,
    pub subject: String,
    pub description: String,
    pub priority: Priority,
    pub status: Status,
    /// Milliseconds before "now" the request was filed.
    pub age_ms: i64,
    pub comments: Vec<(CommentKind, String)>,
}

/// How far back generated requests reach.
const SPAN_MS: i64 = 180 * 86_400_000;

/// A seeded generator of `total` requests over `services` services and `requesters` people.
#[derive(Debug)]
pub struct Synth {
    rng: ChaCha8Rng,
    services: usize,
    requesters: usize,
    total: i64,
    made: i64,
}

impl Synth {
    pub fn new(seed: u64, services: usize, requesters: usize, total: usize) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
            services: services.max(1),
            requesters: requesters.max(1),
            total: i64::try_from(total).unwrap_or(i64::MAX).max(1),
            made: 0,
        }
    }

    fn words(&mut self, n: usize) -> String {
        (0..n).map(|_| WORDS[self.rng.random_range(0..WORDS.len())]).collect::<Vec<_>>().join(" ")
    }

    /// The next request. Requests come oldest first, evenly over the last 180 days, as they
    /// arrive in a real organisation: a team's numbers rise with time, and every index that
    /// ends in the filing time grows at its end.
    pub fn next_request(&mut self) -> SynthRequest {
        let age_ms = SPAN_MS - SPAN_MS / self.total * self.made.min(self.total);
        self.made += 1;
        let status = match self.rng.random_range(0..100) {
            0..=9 => Status::New,
            10..=19 => Status::Open,
            20..=34 => Status::InProgress,
            35..=39 => Status::WaitingOnRequester,
            40..=44 => Status::WaitingOnOthers,
            45..=59 => Status::Resolved,
            _ => Status::Closed,
        };
        let priority = match self.rng.random_range(0..100) {
            0..=4 => Priority::P1,
            5..=24 => Priority::P2,
            25..=84 => Priority::P3,
            _ => Priority::P4,
        };
        let n_comments = self.rng.random_range(0..4);
        let subject_len = self.rng.random_range(3..8);
        let description_len = self.rng.random_range(10..40);
        let comments = (0..n_comments)
            .map(|_| {
                let kind = if self.rng.random_bool(0.25) { CommentKind::Note } else { CommentKind::Reply };
                let len = self.rng.random_range(5..25);
                (kind, self.words(len))
            })
            .collect();
        SynthRequest {
            service: self.rng.random_range(0..self.services),
            requester: self.rng.random_range(0..self.requesters),
            subject: self.words(subject_len),
            description: self.words(description_len),
            priority,
            status,
            age_ms,
            comments,
        }
    }

    /// A word that occurs in generated text, for search measurements.
    pub fn search_word(&mut self) -> &'static str {
        WORDS[self.rng.random_range(0..WORDS.len())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_varied() {
        let (mut a, mut b) = (Synth::new(1, 30, 80, 501), Synth::new(1, 30, 80, 501));
        let (x, y) = (a.next_request(), b.next_request());
        assert_eq!((x.subject, x.service, x.requester), (y.subject, y.service, y.requester));
        let rest: Vec<_> = (0..500).map(|_| a.next_request()).collect();
        let statuses: std::collections::HashSet<_> = rest.iter().map(|r| r.status).collect();
        assert_eq!(statuses.len(), 7);
        // Oldest first, reaching back the whole span.
        assert_eq!(x.age_ms, SPAN_MS);
        assert!(rest.windows(2).all(|w| w[0].age_ms > w[1].age_ms));
        assert!(rest.last().is_some_and(|r| r.age_ms < SPAN_MS / 100));
    }
}
