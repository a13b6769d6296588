//! Snoozing a finding as CIPP does: for 7, 14, 30 or 90 days, or forever, keyed by rule,
//! tenant and content hash.

use cipp_snapshot::{AlertSnooze, Store};

use crate::error::AlertError;
use crate::finding::Finding;
use crate::time;

/// How long a snooze lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SnoozeDuration {
    /// This many days: 7, 14, 30 or 90.
    Days(u32),
    /// Until lifted.
    Forever,
}

impl SnoozeDuration {
    /// CIPP's `Duration`: 7, 14, 30 or 90 days, or -1 for forever.
    pub fn from_days(days: i64) -> Result<Self, AlertError> {
        match days {
            7 | 14 | 30 | 90 => Ok(SnoozeDuration::Days(days as u32)),
            -1 => Ok(SnoozeDuration::Forever),
            other => Err(AlertError::param(
                "snooze",
                "Duration",
                format!("{other} is not 7, 14, 30, 90 or -1 (forever)"),
            )),
        }
    }

    fn until(self, now: i64) -> Option<u64> {
        match self {
            SnoozeDuration::Days(d) => Some((now + i64::from(d) * time::DAY).max(0) as u64),
            SnoozeDuration::Forever => None,
        }
    }
}

/// Snooze `finding` in `store` from `now` (Unix seconds) for `duration`.
///
/// ```
/// # fn run(finding: cipp_alerts::Finding) -> Result<(), cipp_alerts::AlertError> {
/// use cipp_alerts::{snooze, SnoozeDuration};
/// let store = cipp_snapshot::Store::in_memory()?;
/// snooze(&store, &finding, SnoozeDuration::from_days(30)?, cipp_alerts::time::now(), "tech@msp", "known, ticket 123")?;
/// # Ok(()) }
/// ```
pub fn snooze(
    store: &Store,
    finding: &Finding,
    duration: SnoozeDuration,
    now: i64,
    by: &str,
    reason: &str,
) -> Result<AlertSnooze, AlertError> {
    let s = AlertSnooze::new(
        &finding.rule,
        &finding.tenant,
        &finding.hash,
        duration.until(now),
        now.max(0) as u64,
    )
    .with_details(by, reason, finding.preview());
    store.snooze_alert(&s)?;
    Ok(s)
}

/// Snooze by rule, tenant and content hash (as a report shows them) rather than by finding.
/// The rule must exist (any case; the stored name is the catalogue's).
#[allow(clippy::too_many_arguments)]
pub fn snooze_hash(
    store: &Store,
    rule: &str,
    tenant: &str,
    hash: &str,
    duration: SnoozeDuration,
    now: i64,
    by: &str,
    reason: &str,
) -> Result<AlertSnooze, AlertError> {
    let rule =
        crate::catalogue::get(rule).ok_or_else(|| AlertError::UnknownRule(rule.to_string()))?;
    let s = AlertSnooze::new(
        rule.name,
        tenant,
        hash,
        duration.until(now),
        now.max(0) as u64,
    )
    .with_details(by, reason, "");
    store.snooze_alert(&s)?;
    Ok(s)
}
