//! The anonymity promise for feedback shown in aggregate: a group is shown only when at least
//! `min_group` people are in it, and the groups shown never let anyone subtract their way to a
//! smaller one.

/// The smallest group an organisation may choose: answers of fewer people are never shown.
pub const FLOOR: i64 = 3;
/// The default smallest group, as the survey tools people trust use.
pub const DEFAULT_MIN_GROUP: i64 = 5;

/// Which of several disjoint slices of one result may be shown, given the sizes of the slices
/// and of the whole (`total` may exceed their sum: people in no slice).
///
/// A slice is shown when it holds at least `min_group` people. Then, while the people left
/// outside the shown slices are a group too small to show (1 to `min_group` − 1), the smallest
/// shown slice is hidden as well: otherwise the whole minus the shown slices would reveal them.
/// Nothing is shown when the whole is below `min_group`.
pub fn shown_slices(total: i64, sizes: &[i64], min_group: i64) -> Vec<bool> {
    let k = min_group.max(FLOOR);
    let mut shown: Vec<bool> = sizes.iter().map(|&n| total >= k && n >= k).collect();
    loop {
        let outside = total - sizes.iter().zip(&shown).filter(|(_, s)| **s).map(|(n, _)| n).sum::<i64>();
        if outside == 0 || outside >= k {
            return shown;
        }
        let smallest = sizes.iter().enumerate().filter(|(i, _)| shown[*i]).min_by_key(|(_, n)| **n).map(|(i, _)| i);
        match smallest {
            Some(i) => shown[i] = false,
            None => return shown,
        }
    }
}

/// Whether a group of `n` people may be shown at all.
pub fn enough(n: i64, min_group: i64) -> bool {
    n >= min_group.max(FLOOR)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn small_groups_and_their_complements_stay_hidden() {
        // Nothing below the whole's threshold.
        assert_eq!(shown_slices(4, &[4], 5), vec![false]);
        // One slice that is the whole.
        assert_eq!(shown_slices(7, &[7], 5), vec![true]);
        // 12 = 6 + 5 + 1: showing both would reveal the one person left.
        assert_eq!(shown_slices(12, &[6, 5, 1], 5), vec![true, false, false]);
        // 10 = 5 + 5: both shown, nobody is left outside.
        assert_eq!(shown_slices(10, &[5, 5], 5), vec![true, true]);
        // 8 = 6 + 2: the 6 would reveal the 2.
        assert_eq!(shown_slices(8, &[6, 2], 5), vec![false, false]);
        // An organisation may not go below three.
        assert_eq!(shown_slices(2, &[2], 1), vec![false]);
        assert!(enough(3, 1) && !enough(2, 1));
    }

    proptest! {
        /// Whatever the sizes, every slice shown and everyone outside the shown slices form
        /// groups of zero or at least the threshold.
        #[test]
        fn no_group_smaller_than_the_threshold_can_be_derived(
            sizes in proptest::collection::vec(0i64..12, 0..6), extra in 0i64..6, k in 3i64..7,
        ) {
            let total = sizes.iter().sum::<i64>() + extra;
            let shown = shown_slices(total, &sizes, k);
            let shown_sum: i64 = sizes.iter().zip(&shown).filter(|(_, s)| **s).map(|(n, _)| n).sum();
            for (n, s) in sizes.iter().zip(&shown) {
                if *s {
                    prop_assert!(*n >= k);
                }
            }
            let outside = total - shown_sum;
            prop_assert!(shown_sum == 0 || outside == 0 || outside >= k);
        }
    }
}
