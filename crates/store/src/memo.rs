//! Stored text parsed once: a team's calendar or a service's form is read on every create and
//! every clock read, and parsing it cost more than reading it. The memo is keyed by the text
//! itself, so a calendar edited on any app node is a new key and nothing is ever invalidated.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Distinct texts kept before the memo starts over: far more than an organisation's calendars
/// or live forms, and a bound on what edits over months can leave behind.
const CAPACITY: usize = 512;

pub(crate) struct Memo<T>(Mutex<Option<HashMap<Box<str>, Arc<T>>>>);

impl<T> Memo<T> {
    pub(crate) const fn new() -> Self {
        Self(Mutex::new(None))
    }

    /// What `parse` makes of `text`, parsed now only if this text was not parsed before.
    /// Failures are not kept: a corrupt text reports its error every time.
    pub(crate) fn parsed<E>(&self, text: &str, parse: impl FnOnce(&str) -> Result<T, E>) -> Result<Arc<T>, E> {
        if let Some(hit) = self.lock().as_ref().and_then(|m| m.get(text)) {
            return Ok(Arc::clone(hit));
        }
        let parsed = Arc::new(parse(text)?);
        let mut memo = self.lock();
        let memo = memo.get_or_insert_with(HashMap::new);
        if memo.len() >= CAPACITY {
            memo.clear();
        }
        memo.insert(text.into(), Arc::clone(&parsed));
        Ok(parsed)
    }

    fn lock(&self) -> MutexGuard<'_, Option<HashMap<Box<str>, Arc<T>>>> {
        // A panic elsewhere cannot leave a half-written entry: insert is the only write.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_text_once_and_keeps_no_failure() {
        let memo: Memo<usize> = Memo::new();
        let mut calls = 0;
        let mut parse = |t: &str| {
            calls += 1;
            t.parse::<usize>()
        };
        assert_eq!(*memo.parsed("12", &mut parse).unwrap(), 12);
        assert_eq!(*memo.parsed("12", &mut parse).unwrap(), 12);
        assert!(memo.parsed("x", &mut parse).is_err());
        assert!(memo.parsed("x", &mut parse).is_err());
        assert_eq!(calls, 3);
    }

    #[test]
    fn starts_over_when_full() {
        let memo: Memo<usize> = Memo::new();
        for i in 0..=CAPACITY {
            memo.parsed(&i.to_string(), |t| t.parse::<usize>()).unwrap();
        }
        assert_eq!(memo.lock().as_ref().map(HashMap::len), Some(1));
    }
}
