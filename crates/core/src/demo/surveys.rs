//! The demo's survey answers: two closed rounds on every agreed relationship, most holding
//! steady, IT Services and Sales visibly improving, Facilities as IT sees it declining, and a round
//! open now between IT Services and Sales that the demo's requester has yet to answer.

/// Relationships whose answers move between the two rounds: (supplier, customer, change in
/// tenths of a point on the second round, for answers about the supplier).
pub const TRENDS: &[(&str, &str, i64)] = &[("IT", "SAL", 9), ("FAC", "IT", -10), ("ORD", "SAL", 5)];

const START: &[&str] = &[
    "Tell us early when something will be late",
    "A short weekly update on open requests",
    "Join our planning meeting once a quarter",
    "Name one contact for urgent questions",
    "Share the calendar of busy weeks ahead",
    "Say what you need from us in the first message",
    "Ask us before changing a deadline",
    "Invite us to your team meeting now and then",
];
const STOP: &[&str] = &[
    "Closing requests without asking us",
    "Asking for the same details twice",
    "Sending everything as urgent",
    "Answering in chat instead of on the request",
    "Changing the template without telling us",
    "Last-minute asks on Friday afternoons",
];

fn stable(parts: &[&str]) -> u64 {
    parts
        .iter()
        .flat_map(|p| p.bytes().chain([0]))
        .fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// One person's answers in a demo round, or `None` for the one in four who did not answer.
/// `round` counts from 0 (the older closed round); `about_supplier` says which way they answer.
pub fn answers(
    supplier: &str,
    customer: &str,
    round: usize,
    person: &str,
    about_supplier: bool,
    questions: usize,
) -> Option<(Vec<i64>, &'static str, &'static str)> {
    let h = stable(&[supplier, customer, &round.to_string(), person]);
    if h.is_multiple_of(4) {
        return None;
    }
    let base = 33 + (stable(&[supplier, customer]) % 10) as i64;
    let trend = TRENDS.iter().find(|(s, c, _)| *s == supplier && *c == customer).map_or(0, |(_, _, d)| {
        if about_supplier {
            *d
        } else {
            d / 2
        }
    });
    let mean = base + if round == 0 { -trend / 2 } else { trend - trend / 2 };
    let scores = (0..questions)
        .map(|q| {
            let jitter = ((h >> (q * 5 + 8)) % 21) as i64 - 10;
            ((mean + jitter + 5) / 10).clamp(1, 5)
        })
        .collect();
    // Most leave the free text empty.
    let pick = |pool: &[&'static str], bits: u64| {
        if bits % 5 < 2 {
            pool[((bits / 5) % pool.len() as u64) as usize]
        } else {
            ""
        }
    };
    let (start, stop) = (pick(START, h >> 40), pick(STOP, h >> 50));
    Some((scores, start, stop))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mean(supplier: &str, customer: &str, round: usize) -> f64 {
        let all: Vec<i64> = (0..40)
            .filter_map(|p| answers(supplier, customer, round, &format!("p{p}"), true, 4))
            .flat_map(|(s, _, _)| s)
            .collect();
        all.iter().sum::<i64>() as f64 / all.len() as f64
    }

    #[test]
    fn some_relationships_improve_and_one_declines() {
        assert!(mean("IT", "SAL", 1) - mean("IT", "SAL", 0) > 0.5);
        assert!(mean("FAC", "IT", 1) - mean("FAC", "IT", 0) < -0.5);
        assert!((mean("FIN", "SAL", 1) - mean("FIN", "SAL", 0)).abs() < 0.4);
        assert_eq!(answers("IT", "SAL", 1, "a", true, 4), answers("IT", "SAL", 1, "a", true, 4));
    }
}
