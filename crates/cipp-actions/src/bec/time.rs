//! The few UTC date calculations the research window needs, without a calendar crate:
//! RFC 3339 `YYYY-MM-DDTHH:MM:SSZ` to Unix seconds and back.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::ActionError;

/// Seconds since the Unix epoch now (0 if the clock is before 1970).
pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `2026-11-28T00:00:00Z` for a Unix time.
pub(crate) fn format(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

/// Unix seconds of an RFC 3339 UTC time (`2026-11-28T00:00:00Z`, fractions and a `+00:00`
/// offset accepted; a date alone means midnight).
pub(crate) fn parse(field: &str, text: &str) -> Result<i64, ActionError> {
    let bad = || ActionError::InvalidInput {
        field: field.to_string(),
        message: format!("'{text}' is not a UTC time like 2026-11-28T00:00:00Z"),
    };
    let t = text.trim();
    let num = |s: Option<&str>| -> Result<i64, ActionError> {
        s.filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()))
            .and_then(|s| s.parse().ok())
            .ok_or_else(bad)
    };
    let (date, time) = match t.split_once(['T', 't', ' ']) {
        Some((d, rest)) => (d, Some(rest)),
        None => (t, None),
    };
    let mut parts = date.split('-');
    let (y, m, d) = (num(parts.next())?, num(parts.next())?, num(parts.next())?);
    if parts.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Err(bad());
    }
    let mut secs = days_from_civil(y, m, d) * 86_400;
    if let Some(time) = time {
        let time = time
            .strip_suffix(['Z', 'z'])
            .or_else(|| time.strip_suffix("+00:00"))
            .ok_or_else(bad)?;
        let time = time.split('.').next().unwrap_or(time);
        let mut hms = time.split(':');
        let (h, mi) = (num(hms.next())?, num(hms.next())?);
        let s = match hms.next() {
            Some(s) => num(Some(s))?,
            None => 0,
        };
        if h > 23 || mi > 59 || s > 60 {
            return Err(bad());
        }
        secs += h * 3_600 + mi * 60 + s;
    }
    Ok(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_nonsense() {
        for t in [
            "1970-01-01T00:00:00Z",
            "2000-02-29T12:34:56Z",
            "2026-11-28T00:00:00Z",
        ] {
            assert_eq!(format(parse("t", t).unwrap()), t);
        }
        assert_eq!(
            parse("t", "2026-11-28").unwrap(),
            parse("t", "2026-11-28T00:00:00Z").unwrap()
        );
        assert_eq!(
            parse("t", "2026-11-28T01:02:03.456+00:00").unwrap(),
            parse("t", "2026-11-28T01:02:03Z").unwrap()
        );
        for bad in [
            "",
            "yesterday",
            "2026-13-01",
            "2026-11-28T10:00:00+02:00",
            "2026-11-28T25:00Z",
        ] {
            assert!(parse("asOf", bad).is_err(), "{bad}");
        }
        assert!(now() > 1_700_000_000);
    }
}
