//! Time, injectable: the system clock in production, a clock tests move by hand.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// Where the scheduler reads the time (Unix seconds, UTC).
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now.
    fn now(&self) -> i64;
}

/// The machine's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    }
}

/// A clock that stands still until told to move; clones share the time.
///
/// ```
/// use cipp_scheduler::{Clock, FakeClock};
/// let clock = FakeClock::at(1_000);
/// clock.advance(60);
/// assert_eq!(clock.now(), 1_060);
/// ```
#[derive(Debug, Clone, Default)]
pub struct FakeClock(Arc<AtomicI64>);

impl FakeClock {
    /// A clock showing `secs`.
    pub fn at(secs: i64) -> Self {
        FakeClock(Arc::new(AtomicI64::new(secs)))
    }

    /// Show `secs` from now on.
    pub fn set(&self, secs: i64) {
        self.0.store(secs, Ordering::SeqCst);
    }

    /// Move forward by `secs`.
    pub fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }

    /// The time it shows (also through [`Clock::now`]).
    pub fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

impl Clock for FakeClock {
    fn now(&self) -> i64 {
        FakeClock::now(self)
    }
}
