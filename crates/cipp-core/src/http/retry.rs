//! When and how long to wait before sending a request again.

use std::time::{Duration, SystemTime};

use http::Method;
use rand::Rng;

/// Retry settings. The wait before retry `n` is `max(Retry-After, backoff(n))`, where backoff
/// doubles from `base_delay` up to `max_delay` with full jitter in its upper half.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// First backoff step.
    pub base_delay: Duration,
    /// Largest backoff step (a longer `Retry-After` is still honoured).
    pub max_delay: Duration,
    /// Total time one request may spend waiting between attempts.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 6,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            budget: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// Set the retry count.
    pub fn with_max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// Set the first backoff step.
    pub fn with_base_delay(mut self, d: Duration) -> Self {
        self.base_delay = d;
        self
    }

    /// Set the largest backoff step.
    pub fn with_max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }

    /// Set the total waiting budget per request.
    pub fn with_budget(mut self, d: Duration) -> Self {
        self.budget = d;
        self
    }

    /// The jittered exponential backoff before retry number `retry` (0-based).
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry.min(20)))
            .min(self.max_delay);
        // Jitter in [exp/2, exp] keeps concurrent callers from retrying in lockstep.
        let half = exp / 2;
        let jitter_ms = rand::thread_rng().gen_range(0..=half.as_millis().max(1) as u64);
        half + Duration::from_millis(jitter_ms)
    }

    /// The wait before retry number `retry`, or `None` when retries or budget are used up.
    pub fn delay(
        &self,
        retry: u32,
        retry_after: Option<Duration>,
        waited: Duration,
    ) -> Option<Duration> {
        if retry >= self.max_retries {
            return None;
        }
        let wait = retry_after.unwrap_or_default().max(self.backoff(retry));
        (waited + wait <= self.budget).then_some(wait)
    }

    /// Wait before the next retry if the policy allows one, counting it in `retries` and
    /// `waited`. Returns `false` when retries or the budget are used up (nothing is slept).
    pub async fn pause(
        &self,
        retries: &mut u32,
        retry_after: Option<Duration>,
        waited: &mut Duration,
    ) -> bool {
        let Some(wait) = self.delay(*retries, retry_after, *waited) else {
            return false;
        };
        tracing::warn!(
            retry = *retries + 1,
            wait_ms = wait.as_millis() as u64,
            "throttled or transient failure; waiting before resending"
        );
        tokio::time::sleep(wait).await;
        *waited += wait;
        *retries += 1;
        true
    }
}

/// Statuses that mean "try again later".
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 503 | 504)
}

/// Whether a failed answer with `status` may be resent for a request with `method`.
///
/// Reads resend on 429, 503 and 504. Writes resend only on 429 and 503, where the service says
/// it refused the request before acting on it; a 504 may hide an applied write.
pub fn may_resend(status: u16, idempotent: bool) -> bool {
    if idempotent {
        is_retryable_status(status)
    } else {
        matches!(status, 429 | 503)
    }
}

/// `true` for methods that are safe to send twice.
pub fn is_safe_method(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Parse a `Retry-After` value: delay seconds (possibly fractional) or an HTTP date.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(cipp_core::http::parse_retry_after("3"), Some(Duration::from_secs(3)));
/// assert_eq!(cipp_core::http::parse_retry_after("garbage"), None);
/// ```
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = v.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs));
        }
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_http_date() {
        let future = SystemTime::now() + Duration::from_secs(30);
        let d = parse_retry_after(&httpdate::fmt_http_date(future)).unwrap();
        assert!(
            d > Duration::from_secs(27) && d <= Duration::from_secs(30),
            "{d:?}"
        );
        let past = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&past), Some(Duration::ZERO));
    }

    #[test]
    fn delay_honours_retry_after_and_budget() {
        let p = RetryPolicy::default()
            .with_base_delay(Duration::from_millis(10))
            .with_budget(Duration::from_secs(10));
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(3)), Duration::ZERO),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(11)), Duration::ZERO),
            None
        );
        assert_eq!(p.delay(6, None, Duration::ZERO), None);
        let b = p.backoff(3);
        assert!(
            b >= Duration::from_millis(40) && b <= Duration::from_millis(80),
            "{b:?}"
        );
    }

    #[test]
    fn writes_resend_only_when_not_applied() {
        assert!(may_resend(429, false));
        assert!(may_resend(503, false));
        assert!(!may_resend(504, false));
        assert!(may_resend(504, true));
        assert!(!may_resend(500, true));
    }
}
