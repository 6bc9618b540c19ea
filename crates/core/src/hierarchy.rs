//! Rules for the two trees in the directory: team parents and person managers.

/// True when making `new_parent` the parent of `node` would close a loop, given `new_parent`'s
/// chain of ancestors (nearest first, `new_parent` itself included).
pub fn creates_cycle<T: PartialEq>(node: &T, chain_of_new_parent: &[T]) -> bool {
    chain_of_new_parent.contains(node)
}

/// Longest chain walked before giving up; a real hierarchy is never this deep, a corrupt one might loop.
pub const MAX_DEPTH: usize = 64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loops_are_detected() {
        // c -> b -> a: making a report to c closes a loop; making d report to c does not.
        assert!(creates_cycle(&'a', &['c', 'b', 'a']));
        assert!(!creates_cycle(&'d', &['c', 'b', 'a']));
        assert!(creates_cycle(&'c', &['c']));
    }
}
