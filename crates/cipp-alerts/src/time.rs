//! Dates as Graph writes them (ISO 8601 / RFC 3339, UTC or with an offset) to and from Unix
//! seconds, without a calendar crate.

/// Seconds in a day.
pub const DAY: i64 = 86_400;

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

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

fn num(s: &str) -> Option<i64> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Parse `2026-11-20T10:00:00Z`, `2026-11-20T10:00:00.1234567+01:00` or `2026-11-20` into
/// Unix seconds; `None` for anything else (Graph's `0001-01-01T00:00:00Z` parses, and is far
/// in the past).
pub fn parse(text: &str) -> Option<i64> {
    let t = text.trim();
    let (date, rest) = t.split_at(t.find(['T', ' ']).unwrap_or(t.len()));
    let mut parts = date.split('-');
    let (y, m, d) = (
        num(parts.next()?)?,
        num(parts.next()?)?,
        num(parts.next()?)?,
    );
    if parts.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut secs = days_from_civil(y, m, d) * DAY;
    let rest = rest.get(1..).unwrap_or("");
    if rest.is_empty() {
        return Some(secs);
    }
    let (clock, offset) = match rest.find(['Z', 'z', '+', '-']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let clock = clock.split('.').next().unwrap_or("");
    let mut hms = clock.split(':');
    let h = num(hms.next()?)?;
    let mi = num(hms.next().unwrap_or("0"))?;
    let s = num(hms.next().unwrap_or("0"))?;
    if h > 23 || mi > 59 || s > 60 {
        return None;
    }
    secs += h * 3_600 + mi * 60 + s;
    match offset.chars().next() {
        None | Some('Z' | 'z') => Some(secs),
        Some(sign) => {
            let o = &offset[1..];
            let (oh, om) = o
                .split_once(':')
                .unwrap_or((o.get(..2)?, o.get(2..).unwrap_or("0")));
            let off = num(oh)? * 3_600 + num(if om.is_empty() { "0" } else { om })? * 60;
            Some(if sign == '+' { secs - off } else { secs + off })
        }
    }
}

/// `2026-11-20T10:00:00Z`.
pub fn format(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(DAY));
    let r = secs.rem_euclid(DAY);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        r / 3_600,
        r % 3_600 / 60,
        r % 60
    )
}

/// Whole days from `from` to `to` (negative when `to` is earlier), rounded down.
pub fn days_between(from: i64, to: i64) -> i64 {
    (to - from).div_euclid(DAY)
}

/// The current time in Unix seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_offsets() {
        let t = parse("2026-11-20T10:00:00Z").unwrap();
        assert_eq!(format(t), "2026-11-20T10:00:00Z");
        assert_eq!(parse("2026-11-20T11:00:00.1234567+01:00"), Some(t));
        assert_eq!(parse("2026-11-20T09:30:00-00:30"), Some(t));
        assert_eq!(parse("2026-11-20"), Some(t - 10 * 3_600));
        assert_eq!(format(0), "1970-01-01T00:00:00Z");
        assert_eq!(
            format(parse("2024-02-29T23:59:59Z").unwrap()),
            "2024-02-29T23:59:59Z"
        );
        assert!(parse("0001-01-01T00:00:00Z").unwrap() < 0);
        for bad in ["", "yesterday", "2026-13-01", "2026-11-20Tnoon", "2026-11"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        assert_eq!(days_between(t, t + DAY * 3 - 1), 2);
        assert_eq!(days_between(t, t - 1), -1);
    }
}
