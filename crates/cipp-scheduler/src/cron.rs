//! Cron expressions, UTC: five fields (`minute hour day-of-month month day-of-week`) or six
//! with seconds first (as CIPP's own timers write them). Each field takes `*`, numbers,
//! ranges `a-b`, steps `*/n` and `a-b/n`, and lists `a,b`; months and weekdays also take
//! their English three-letter names, and weekday 7 is Sunday like 0. When both day fields
//! are restricted a day matching either runs (classic cron).

use crate::error::SchedulerError;

const DAY: i64 = 86_400;

/// A parsed cron expression.
///
/// ```
/// use cipp_scheduler::CronSchedule;
/// let every_15 = CronSchedule::parse("*/15 * * * *")?;
/// assert_eq!(every_15.next_after(0), Some(900));
/// # Ok::<(), cipp_scheduler::SchedulerError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronSchedule {
    expression: String,
    seconds: u64,
    minutes: u64,
    hours: u64,
    days: u64,
    months: u64,
    weekdays: u64,
    days_restricted: bool,
    weekdays_restricted: bool,
}

struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const SECOND: Field = Field {
    name: "second",
    min: 0,
    max: 59,
    names: &[],
};
const MINUTE: Field = Field {
    name: "minute",
    min: 0,
    max: 59,
    names: &[],
};
const HOUR: Field = Field {
    name: "hour",
    min: 0,
    max: 23,
    names: &[],
};
const DAY_OF_MONTH: Field = Field {
    name: "day of month",
    min: 1,
    max: 31,
    names: &[],
};
const MONTH: Field = Field {
    name: "month",
    min: 1,
    max: 12,
    names: &[
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ],
};
const DAY_OF_WEEK: Field = Field {
    name: "day of week",
    min: 0,
    max: 7,
    names: &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
};

impl CronSchedule {
    /// Parse a five- or six-field expression; the error names the bad field and its text.
    pub fn parse(expression: &str) -> Result<CronSchedule, SchedulerError> {
        let parts: Vec<&str> = expression.split_whitespace().collect();
        let (sec, rest) = match parts.len() {
            5 => ("0", &parts[..]),
            6 => (parts[0], &parts[1..]),
            n => {
                return Err(SchedulerError::Cron {
                    expression: expression.to_string(),
                    field: "fields",
                    text: expression.to_string(),
                    message: format!("expected 5 or 6 fields, found {n}"),
                })
            }
        };
        let field = |f: &Field, text: &str| parse_field(expression, f, text);
        let mut weekdays = field(&DAY_OF_WEEK, rest[4])?;
        // 7 is Sunday too.
        if weekdays & (1 << 7) != 0 {
            weekdays = (weekdays | 1) & !(1 << 7);
        }
        Ok(CronSchedule {
            expression: expression.trim().to_string(),
            seconds: field(&SECOND, sec)?,
            minutes: field(&MINUTE, rest[0])?,
            hours: field(&HOUR, rest[1])?,
            days: field(&DAY_OF_MONTH, rest[2])?,
            months: field(&MONTH, rest[3])?,
            weekdays,
            days_restricted: !is_star(rest[2]),
            weekdays_restricted: !is_star(rest[4]),
        })
    }

    /// The expression as given.
    pub fn expression(&self) -> &str {
        &self.expression
    }

    fn day_matches(&self, days_since_epoch: i64) -> bool {
        let (_, m, d) = civil_from_days(days_since_epoch);
        if self.months & (1 << m) == 0 {
            return false;
        }
        // 1970-01-01 was a Thursday.
        let wd = (days_since_epoch + 4).rem_euclid(7);
        let dom = self.days & (1 << d) != 0;
        let dow = self.weekdays & (1 << wd) != 0;
        match (self.days_restricted, self.weekdays_restricted) {
            (true, true) => dom || dow,
            (true, false) => dom,
            (false, true) => dow,
            (false, false) => true,
        }
    }

    /// The first time strictly after `after` (Unix seconds) that the expression matches;
    /// `None` if none comes within eight years (`0 0 30 2 *`).
    pub fn next_after(&self, after: i64) -> Option<i64> {
        let start = after + 1;
        let first_day = start.div_euclid(DAY);
        for day in first_day..first_day + 8 * 366 {
            if !self.day_matches(day) {
                continue;
            }
            let from = if day == first_day {
                start.rem_euclid(DAY)
            } else {
                0
            };
            if let Some(t) = self.first_time_of_day(from) {
                return Some(day * DAY + t);
            }
        }
        None
    }

    fn first_time_of_day(&self, from: i64) -> Option<i64> {
        for h in (from / 3_600)..24 {
            if self.hours & (1 << h) == 0 {
                continue;
            }
            for m in 0..60 {
                if self.minutes & (1 << m) == 0 {
                    continue;
                }
                for s in 0..60 {
                    let t = h * 3_600 + m * 60 + s;
                    if self.seconds & (1 << s) != 0 && t >= from {
                        return Some(t);
                    }
                }
            }
        }
        None
    }
}

impl std::fmt::Display for CronSchedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.expression)
    }
}

fn is_star(text: &str) -> bool {
    text == "*" || text == "?"
}

fn parse_field(expression: &str, f: &Field, text: &str) -> Result<u64, SchedulerError> {
    let bad = |message: String| SchedulerError::Cron {
        expression: expression.to_string(),
        field: f.name,
        text: text.to_string(),
        message,
    };
    let value = |v: &str| -> Result<u32, SchedulerError> {
        if let Some(i) = f.names.iter().position(|n| n.eq_ignore_ascii_case(v)) {
            return Ok(i as u32 + f.min);
        }
        let n: u32 = v
            .parse()
            .map_err(|_| bad(format!("'{v}' is not a number")))?;
        if n < f.min || n > f.max {
            return Err(bad(format!("{n} is outside {}-{}", f.min, f.max)));
        }
        Ok(n)
    };
    let mut mask = 0u64;
    for item in text.split(',') {
        if item.is_empty() {
            return Err(bad("an empty list item".into()));
        }
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => {
                let step: u32 = s
                    .parse()
                    .map_err(|_| bad(format!("step '{s}' is not a number")))?;
                if step == 0 {
                    return Err(bad("a step of 0".into()));
                }
                (r, step)
            }
            None => (item, 1),
        };
        let (lo, hi) = if is_star(range) {
            (f.min, f.max)
        } else if let Some((a, b)) = range.split_once('-') {
            let (a, b) = (value(a)?, value(b)?);
            if a > b {
                return Err(bad(format!("range {a}-{b} runs backwards")));
            }
            (a, b)
        } else {
            let a = value(range)?;
            // `5/15` means from 5 to the end, every 15.
            (a, if step > 1 { f.max } else { a })
        };
        let mut v = lo;
        while v <= hi {
            mask |= 1 << v;
            v += step;
        }
    }
    Ok(mask)
}

/// (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    // Bounded by construction: 1..=12 and 1..=31.
    (yoe + era * 400 + i64::from(m <= 2), m as u32, d as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> i64 {
        cipp_alerts::time::parse(s).unwrap()
    }

    #[test]
    fn names_steps_ranges_and_day_rules() {
        let c = CronSchedule::parse("30 2 * * MON-FRI").unwrap();
        // 2026-11-07 is a Saturday: next is Monday the 9th.
        assert_eq!(
            c.next_after(at("2026-11-07T00:00:00Z")),
            Some(at("2026-11-09T02:30:00Z"))
        );
        let c = CronSchedule::parse("0 0 1,15 * 7").unwrap();
        // Either the 1st/15th or a Sunday (2026-11-08).
        assert_eq!(
            c.next_after(at("2026-11-02T00:00:00Z")),
            Some(at("2026-11-08T00:00:00Z"))
        );
        let c = CronSchedule::parse("0 */15 * * * *").unwrap();
        assert_eq!(
            c.next_after(at("2026-11-02T10:14:59Z")),
            Some(at("2026-11-02T10:15:00Z"))
        );
        assert_eq!(
            c.next_after(at("2026-11-02T10:15:00Z")),
            Some(at("2026-11-02T10:30:00Z"))
        );
        let c = CronSchedule::parse("0 0 29 feb *").unwrap();
        assert_eq!(
            c.next_after(at("2026-03-01T00:00:00Z")),
            Some(at("2028-02-29T00:00:00Z"))
        );
        assert_eq!(
            CronSchedule::parse("0 0 30 2 *").unwrap().next_after(0),
            None
        );
    }
}
