//! What the demo's requesters and providing teams said about resolved requests: most are
//! rated, a late one more often poorly, and the providing team rates how some were asked.

use crate::rating::Flag;

/// The ratings of one resolved demo request.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoRating {
    /// On the three-point scale: 3 good, 2 okay, 1 poor.
    pub score: i64,
    pub comment: &'static str,
    /// Hours after the resolution it was given.
    pub after_hours: i64,
    /// The providing team's rating of how the request was made, with its flags.
    pub provider: Option<(i64, Vec<Flag>)>,
}

const GOOD: &[&str] =
    &["Quick and friendly, thank you!", "Exactly what we needed.", "", "Sorted before I had to ask twice.", ""];
const OKAY: &[&str] = &["Fine in the end, but I had to chase for an update.", "", "Took a while, though it works now."];
const POOR: &[&str] = &[
    "Took far longer than we were told.",
    "Nobody told us it was waiting on us.",
    "Had to explain the problem three times.",
];

/// FNV-1a: a stable number from a request key, so every start gives the same ratings.
fn stable(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// The demo's ratings for a resolved request, or `None` for the one in five nobody rated.
pub fn rating(key: &str, breached: bool) -> Option<DemoRating> {
    let h = stable(key);
    if h.is_multiple_of(5) {
        return None;
    }
    let roll = (h >> 8) % 100;
    let (score, pool) = match (breached, roll) {
        (false, 0..=74) | (true, 0..=24) => (3, GOOD),
        (false, 75..=91) | (true, 25..=54) => (2, OKAY),
        _ => (1, POOR),
    };
    let comment = pool[((h >> 16) % pool.len() as u64) as usize];
    let provider = match (h >> 24) % 10 {
        0..=3 => Some((3, Vec::new())),
        4..=5 => Some((2, vec![Flag::MissingInputs])),
        6 => Some((1, vec![Flag::Unclear, Flag::UnrealisticUrgency])),
        _ => None,
    };
    Some(DemoRating { score, comment, after_hours: 1 + ((h >> 32) % 30) as i64, provider })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_are_stable_and_varied() {
        assert_eq!(rating("IT-7", false), rating("IT-7", false));
        let all: Vec<DemoRating> = (1..200).filter_map(|n| rating(&format!("IT-{n}"), n % 4 == 0)).collect();
        assert!(all.len() > 140 && all.len() < 180, "{}", all.len());
        for score in 1..=3 {
            assert!(all.iter().any(|r| r.score == score), "score {score}");
        }
        assert!(all.iter().any(|r| r.provider.as_ref().is_some_and(|p| !p.1.is_empty())));
    }
}
