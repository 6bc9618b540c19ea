//! How failed sign-ins slow guessing without letting a stranger lock a colleague out.
//!
//! A browser that has signed in to an account before carries a device cookie for it (OWASP's
//! "device cookies"). Such a trusted device answers only for its own failures: nobody else can
//! pause it. Every other attempt on the account shares one counter, and past a threshold each
//! further attempt waits a delay that doubles from one second up to thirty, counted from the
//! last failure: a guesser gets a couple of tries a minute, and a person typing the right
//! password waits seconds, not a quarter of an hour. One address failing on many accounts is
//! paused outright, since that is spraying, not a person mistyping.

use crate::time::Millis;

/// The longest wait between attempts on one account from untrusted clients.
pub const MAX_DELAY_SECONDS: i64 = 30;

/// Failed attempts in the current window, as the store counted them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Failures {
    /// The attempt carries this account's device cookie from an earlier sign-in.
    pub trusted_device: bool,
    /// Failures on this account from that device (counted only when trusted).
    pub device: i64,
    /// Failures on this account from clients without its device cookie.
    pub account: i64,
    /// When the last of those happened.
    pub account_last_at: Option<Millis>,
    /// Failures from this address, on any account.
    pub address: i64,
}

/// The configured limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Failures on an account (or one trusted device) before delays (or the device's pause).
    pub per_account: i64,
    /// Failures from one address on any accounts before the address is paused.
    pub per_address: i64,
    pub window_minutes: u32,
}

/// Whether to check the password now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Check,
    /// Try again in this many seconds.
    Wait {
        seconds: i64,
    },
    /// Paused for the rest of the window.
    Paused {
        minutes: u32,
    },
}

/// Decides an attempt at `now`.
pub fn verdict(f: &Failures, limits: &Limits, now: Millis) -> Verdict {
    let paused = Verdict::Paused { minutes: limits.window_minutes };
    if f.trusted_device {
        return if f.device >= limits.per_account { paused } else { Verdict::Check };
    }
    if f.address >= limits.per_address {
        return paused;
    }
    let over = f.account - limits.per_account;
    match f.account_last_at {
        Some(last) if over >= 0 => {
            let delay_ms = 1000 * (1_i64 << over.min(5)).min(MAX_DELAY_SECONDS);
            let left_ms = last.0 + delay_ms - now.0;
            if left_ms > 0 {
                Verdict::Wait { seconds: (left_ms + 999) / 1000 }
            } else {
                Verdict::Check
            }
        }
        _ => Verdict::Check,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits { per_account: 5, per_address: 50, window_minutes: 15 };

    fn untrusted(account: i64, last: i64) -> Failures {
        Failures { account, account_last_at: Some(Millis(last)), ..Failures::default() }
    }

    #[test]
    fn delays_double_from_one_second_to_thirty() {
        assert_eq!(verdict(&untrusted(4, 0), &LIMITS, Millis(0)), Verdict::Check);
        assert_eq!(verdict(&untrusted(5, 0), &LIMITS, Millis(0)), Verdict::Wait { seconds: 1 });
        assert_eq!(verdict(&untrusted(5, 0), &LIMITS, Millis(1000)), Verdict::Check);
        assert_eq!(verdict(&untrusted(7, 0), &LIMITS, Millis(1500)), Verdict::Wait { seconds: 3 });
        assert_eq!(verdict(&untrusted(40, 0), &LIMITS, Millis(0)), Verdict::Wait { seconds: 30 });
        assert_eq!(verdict(&untrusted(40, 0), &LIMITS, Millis(30_000)), Verdict::Check, "never longer");
    }

    #[test]
    fn a_trusted_device_answers_only_for_itself() {
        let mine = Failures { trusted_device: true, device: 0, ..untrusted(500, 0) };
        assert_eq!(verdict(&mine, &LIMITS, Millis(0)), Verdict::Check, "strangers' failures do not count");
        let guessing = Failures { device: 5, ..mine };
        assert_eq!(verdict(&guessing, &LIMITS, Millis(0)), Verdict::Paused { minutes: 15 });
    }

    #[test]
    fn a_spraying_address_is_paused() {
        let spray = Failures { address: 50, ..Failures::default() };
        assert_eq!(verdict(&spray, &LIMITS, Millis(0)), Verdict::Paused { minutes: 15 });
    }
}
