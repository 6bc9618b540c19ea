//! Time as stored: UTC milliseconds since the Unix epoch, in both databases.

use chrono::{DateTime, TimeZone, Utc};

/// A UTC instant in milliseconds, the one time representation in storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Millis(pub i64);

impl Millis {
    pub fn now() -> Self {
        Self(Utc::now().timestamp_millis())
    }

    pub fn to_utc(self) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(self.0).single().unwrap_or_default()
    }

    pub fn plus_minutes(self, minutes: i64) -> Self {
        Self(self.0 + minutes * 60_000)
    }
}

/// Where "now" comes from: the system clock in production, a hand-moved one in tests, so
/// background jobs can be driven across days without sleeping.
pub trait TimeSource: Send + Sync + std::fmt::Debug {
    fn now(&self) -> Millis;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemTime;

impl TimeSource for SystemTime {
    fn now(&self) -> Millis {
        Millis::now()
    }
}

/// A clock that moves only when told to.
#[derive(Debug, Default)]
pub struct ManualTime(std::sync::atomic::AtomicI64);

impl ManualTime {
    pub fn at(t: Millis) -> Self {
        Self(std::sync::atomic::AtomicI64::new(t.0))
    }

    pub fn set(&self, t: Millis) {
        self.0.store(t.0, std::sync::atomic::Ordering::SeqCst);
    }
}

impl TimeSource for ManualTime {
    fn now(&self) -> Millis {
        Millis(self.0.load(std::sync::atomic::Ordering::SeqCst))
    }
}

/// Checks that a name is an IANA time zone (`Europe/Berlin`), returning its canonical spelling.
pub fn parse_time_zone(name: &str) -> Result<chrono_tz::Tz, String> {
    name.trim()
        .parse::<chrono_tz::Tz>()
        .map_err(|_| format!("`{}` is not an IANA time zone such as Europe/Berlin", name.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_are_checked_against_the_iana_database() {
        assert!(parse_time_zone("Europe/Berlin").is_ok());
        assert!(parse_time_zone(" America/New_York ").is_ok());
        assert!(parse_time_zone("Mars/Olympus").is_err());
        assert!(parse_time_zone("+02:00").is_err());
    }
}
