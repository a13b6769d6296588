//! How often a task runs: CIPP's forms (`''` or `'0'` once, `<n>m`, `<n>h`, `<n>d`, a bare
//! number of days) and cron expressions, and CIPP's next-time rule.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::cron::CronSchedule;
use crate::error::SchedulerError;

/// A task's recurrence. Written as text in task JSON (`"1d"`, `"15m"`, `"0 3 * * *"`).
///
/// ```
/// use cipp_scheduler::Recurrence;
/// assert_eq!(Recurrence::parse("4h")?, Recurrence::Every { secs: 4 * 3_600 });
/// assert_eq!(Recurrence::parse("7")?, Recurrence::Every { secs: 7 * 86_400 });
/// assert_eq!(Recurrence::parse("")?, Recurrence::Once);
/// // A run two intervals late is not caught up: the next one is an interval from now.
/// let hourly = Recurrence::parse("1h")?;
/// assert_eq!(hourly.next(0, 100), Some(3_600));
/// assert_eq!(hourly.next(0, 7_300), Some(10_900));
/// # Ok::<(), cipp_scheduler::SchedulerError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Recurrence {
    /// One run, then `Completed`.
    #[default]
    Once,
    /// A fixed interval.
    Every {
        /// Seconds between runs.
        secs: i64,
    },
    /// A cron expression (UTC).
    Cron(CronSchedule),
}

impl Recurrence {
    /// Parse CIPP's forms or a cron expression (anything with a space). The error names the
    /// text and, for cron, the field.
    pub fn parse(text: &str) -> Result<Recurrence, SchedulerError> {
        let t = text.trim();
        if t.is_empty() || t == "0" {
            return Ok(Recurrence::Once);
        }
        if t.contains(char::is_whitespace) {
            return CronSchedule::parse(t).map(Recurrence::Cron);
        }
        let bad = |message: &str| SchedulerError::Recurrence {
            text: text.to_string(),
            message: message.to_string(),
        };
        let (digits, unit) = match t.char_indices().last() {
            Some((i, c)) if c.is_ascii_alphabetic() => (&t[..i], c.to_ascii_lowercase()),
            _ => (t, 'd'),
        };
        let unit_secs = match unit {
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            _ => {
                return Err(bad(
                    "expected <n>m, <n>h, <n>d, a number of days, '' or '0' for once, or a cron expression",
                ))
            }
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(&format!("'{digits}' is not a whole number")));
        }
        let n: i64 = digits
            .parse()
            .map_err(|_| bad(&format!("'{digits}' is too large")))?;
        if n == 0 {
            return Ok(Recurrence::Once);
        }
        n.checked_mul(unit_secs)
            .filter(|s| *s <= 3_650 * 86_400)
            .map(|secs| Recurrence::Every { secs })
            .ok_or_else(|| bad("longer than ten years"))
    }

    /// Whether the task runs only once.
    pub fn is_once(&self) -> bool {
        matches!(self, Recurrence::Once)
    }

    /// The next run after the run for `slot` finished at `now`; `None` for a one-off (or a
    /// cron expression that never matches again). CIPP's rule for intervals: the next slot
    /// is `slot + interval`, but a run more than one interval late restarts from `now`, so
    /// missed runs are not caught up. Cron: the first match after `now`.
    pub fn next(&self, slot: i64, now: i64) -> Option<i64> {
        match self {
            Recurrence::Once => None,
            Recurrence::Every { secs } => {
                let base = if now - slot > *secs { now } else { slot };
                let mut next = base + secs;
                // A run that took longer than its interval does not leave a slot in the past.
                while next <= slot {
                    next += secs;
                }
                Some(next)
            }
            Recurrence::Cron(c) => c.next_after(now.max(slot)),
        }
    }
}

impl std::fmt::Display for Recurrence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Recurrence::Once => Ok(()),
            Recurrence::Every { secs } if secs % 86_400 == 0 => write!(f, "{}d", secs / 86_400),
            Recurrence::Every { secs } if secs % 3_600 == 0 => write!(f, "{}h", secs / 3_600),
            Recurrence::Every { secs } if secs % 60 == 0 => write!(f, "{}m", secs / 60),
            // Parsing only yields whole minutes; a hand-made interval shows in minutes, rounded up.
            Recurrence::Every { secs } => write!(f, "{}m", (secs + 59) / 60),
            Recurrence::Cron(c) => f.write_str(c.expression()),
        }
    }
}

impl Serialize for Recurrence {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Recurrence {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // CIPP writes a bare number of days as a number too.
        let v = serde_json::Value::deserialize(d)?;
        let text = match v {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Null => String::new(),
            other => {
                return Err(serde::de::Error::custom(format!(
                    "recurrence must be text, found {other}"
                )))
            }
        };
        Recurrence::parse(&text).map_err(serde::de::Error::custom)
    }
}
