//! Bounded retries for deliveries: transient answers (408, 429, 500, 502, 503, 504) and
//! connection failures are tried again after `max(Retry-After, backoff)`, capped.

use std::time::Duration;

/// How a notifier retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryOptions {
    /// Attempts in all (at least 1; default 4).
    pub max_attempts: u32,
    /// The first backoff, doubled each time (default 1 s).
    pub base_delay: Duration,
    /// The longest single wait, `Retry-After` included (default 60 s).
    pub max_delay: Duration,
}

impl Default for RetryOptions {
    fn default() -> Self {
        RetryOptions {
            max_attempts: 4,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
        }
    }
}

impl RetryOptions {
    /// Attempts in all.
    pub fn attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Backoff start and cap.
    pub fn delays(mut self, base: Duration, max: Duration) -> Self {
        self.base_delay = base;
        self.max_delay = max.max(base);
        self
    }

    /// The wait before attempt `attempt + 1` (after `attempt` failures).
    pub(crate) fn wait(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let backoff = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)));
        backoff
            .max(retry_after.unwrap_or_default())
            .min(self.max_delay)
    }
}

/// Whether a status is worth another attempt.
pub(crate) fn transient(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// `Retry-After` as seconds or an HTTP date.
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_are_bounded() {
        let r = RetryOptions::default().delays(Duration::from_millis(100), Duration::from_secs(2));
        assert_eq!(r.wait(1, None), Duration::from_millis(100));
        assert_eq!(r.wait(3, None), Duration::from_millis(400));
        assert_eq!(
            r.wait(1, Some(Duration::from_secs(1))),
            Duration::from_secs(1)
        );
        assert_eq!(
            r.wait(1, Some(Duration::from_secs(3600))),
            Duration::from_secs(2)
        );
        assert_eq!(r.wait(40, None), Duration::from_secs(2));
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("retry-after", "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            "retry-after",
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        assert!(transient(429) && transient(503) && !transient(400) && !transient(401));
    }
}
