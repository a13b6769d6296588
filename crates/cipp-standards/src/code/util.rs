//! What the code standards share: reading settings as CIPP's templates store them, ISO 8601
//! timestamps, and the verdict of a per-object standard.

use serde_json::{json, Map, Value};

use crate::compare::Difference;
use crate::error::StandardsError;
use crate::evaluate::Outcome;
use crate::plan::Step;

use super::Assessment;

/// The setting `key` (any case), with a `{label, value}` picker unwrapped; `None` when absent,
/// null or blank text.
pub(crate) fn setting<'a>(settings: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    let v = settings.get(key).or_else(|| {
        settings
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })?;
    let v = match v {
        Value::Object(o) if o.contains_key("value") => &o["value"],
        other => other,
    };
    match v {
        Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        other => Some(other),
    }
}

fn bad(standard: &str, key: &str, message: impl Into<String>) -> StandardsError {
    StandardsError::Setting {
        standard: standard.to_string(),
        setting: key.to_string(),
        message: message.into(),
    }
}

/// A whole number of at least `min` (a number or numeric text), or `default` when unset.
pub(crate) fn number(
    standard: &str,
    settings: &Map<String, Value>,
    key: &str,
    default: u64,
    min: u64,
) -> Result<u64, StandardsError> {
    let n = match setting(settings, key) {
        None => return Ok(default),
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
        Some(_) => None,
    }
    .ok_or_else(|| bad(standard, key, "is not a whole number"))?;
    if n < min {
        return Err(bad(
            standard,
            key,
            format!("{n} is below the minimum {min}"),
        ));
    }
    Ok(n)
}

/// Text (numbers and booleans in their text form), or `None` when unset.
pub(crate) fn text(settings: &Map<String, Value>, key: &str) -> Option<String> {
    match setting(settings, key)? {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A list of text values: an array (of text or pickers) or text split on commas, semicolons
/// and line breaks; blanks dropped, duplicates (any case) dropped, order kept.
pub(crate) fn list(settings: &Map<String, Value>, key: &str) -> Vec<String> {
    let raw: Vec<String> = match setting(settings, key) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| match i {
                Value::Object(o) => o.get("value").and_then(Value::as_str).map(str::to_string),
                Value::String(s) => Some(s.clone()),
                _ => None,
            })
            .collect(),
        Some(Value::String(s)) => s
            .split([',', ';', '\r', '\n'])
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    };
    let mut out: Vec<String> = Vec::new();
    for item in raw.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(item)) {
            out.push(item.to_string());
        }
    }
    out
}

/// Days since the civil epoch (1970-01-01) of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Unix seconds of an ISO 8601 timestamp as Graph writes them (`2026-10-25T09:00:00Z`,
/// with or without fractions, `Z` or a `+hh:mm` offset); `None` when it is not one.
///
/// ```
/// use cipp_standards::code::parse_timestamp;
/// assert_eq!(parse_timestamp("1970-01-02T00:00:00Z"), Some(86_400));
/// assert_eq!(parse_timestamp("2026-10-25T09:00:00.1234567Z"), Some(1_792_918_800));
/// assert_eq!(parse_timestamp("2026-10-25T10:00:00+01:00"), Some(1_792_918_800));
/// assert_eq!(parse_timestamp("yesterday"), None);
/// ```
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let t = text.trim();
    let num = |s: &str| -> Option<i64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (date, time) = t.split_once(['T', ' ']).unwrap_or((t, "00:00:00Z"));
    let mut d = date.splitn(3, '-');
    let (y, mo, da) = (num(d.next()?)?, num(d.next()?)?, num(d.next()?)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&da) {
        return None;
    }
    let (clock, offset) = if let Some(c) = time.strip_suffix(['Z', 'z']) {
        (c, 0)
    } else if let Some(i) = time.rfind(['+', '-']) {
        let (c, o) = time.split_at(i);
        let sign = if o.starts_with('-') { -1 } else { 1 };
        let (oh, om) = o[1..].split_once(':').unwrap_or((&o[1..], "0"));
        (c, sign * (num(oh)? * 3600 + num(om)? * 60))
    } else {
        (time, 0)
    };
    let clock = clock.split('.').next()?;
    let mut c = clock.splitn(3, ':');
    let h = num(c.next()?)?;
    let mi = num(c.next().unwrap_or("0"))?;
    let s = num(c.next().unwrap_or("0"))?;
    if h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some(days_from_civil(y, mo, da) * 86_400 + h * 3600 + mi * 60 + s - offset)
}

/// The timestamp at the dot path `path` of `row`.
pub(crate) fn timestamp_at(row: &Value, path: &str) -> Option<i64> {
    let mut v = row;
    for key in path.split('.') {
        v = v.get(key)?;
    }
    parse_timestamp(v.as_str()?)
}

/// The value named `name` (any case) of a directory setting object (`settings/{id}`:
/// `{"templateId": ..., "values": [{"name": ..., "value": ...}]}`).
pub(crate) fn directory_setting_value<'a>(setting: &'a Value, name: &str) -> Option<&'a str> {
    setting["values"]
        .as_array()?
        .iter()
        .find(|v| {
            v["name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })?
        .get("value")?
        .as_str()
}

/// The ids of an authentication-method policy's target list (`includeTargets`,
/// `excludeTargets`), lower case and sorted, for comparing without order.
pub(crate) fn target_ids(targets: &Value) -> Vec<String> {
    let mut out: Vec<String> = targets
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["id"].as_str().map(str::to_ascii_lowercase))
        .collect();
    out.sort();
    out
}

pub(crate) fn graph_patch(uri: impl Into<String>, body: Value) -> Step {
    graph("PATCH", uri, body)
}

/// A Graph request of `method`.
pub(crate) fn graph(method: &str, uri: impl Into<String>, body: Value) -> Step {
    Step::Graph {
        method: method.to_string(),
        uri: uri.into(),
        body,
        continue_on_error: false,
        merge_current: false,
        create_when_missing: None,
        delegated: false,
    }
}

/// An Exchange cmdlet with `parameters`, failing the standard on error.
pub(crate) fn exchange(cmdlet: &str, parameters: Value) -> Step {
    cmdlet_step(cmdlet, parameters, false)
}

/// A Security & Compliance cmdlet with `parameters`, failing the standard on error.
pub(crate) fn compliance(cmdlet: &str, parameters: Value) -> Step {
    cmdlet_step(cmdlet, parameters, true)
}

fn cmdlet_step(cmdlet: &str, parameters: Value, compliance: bool) -> Step {
    Step::Exchange {
        cmdlet: cmdlet.to_string(),
        parameters: match parameters {
            Value::Object(m) => m,
            _ => Map::new(),
        },
        continue_on_error: false,
        compliance,
    }
}

/// Text at `key` of an Exchange row, compared without case.
pub(crate) fn is(row: &Value, key: &str, value: &str) -> bool {
    row[key]
        .as_str()
        .is_some_and(|v| v.eq_ignore_ascii_case(value))
}

/// `NoData` when `rows` hold accounts but not one has a `signInActivity` object: Graph leaves
/// it out without the licence or permission to read it, and judging "never signed in" from
/// its absence would disable every account.
pub(crate) fn without_sign_ins(cache_type: &str, rows: &[Value]) -> Option<Assessment> {
    let none = !rows.is_empty() && rows.iter().all(|u| !u["signInActivity"].is_object());
    none.then(|| {
        Assessment::outcome(Outcome::NoData {
            cache_type: cache_type.to_string(),
            reason: "no account has sign-in activity (it needs Entra ID P1 and permission to \
                     read audit logs); nothing is judged inactive without it"
                .into(),
        })
    })
}

/// One object a per-object standard would change.
pub(crate) struct Finding {
    /// How people know it (`user@contoso.com`, `contoso.com`, a device name).
    pub object: String,
    /// What it has now.
    pub current: Value,
    /// What the standard wants.
    pub expected: Value,
    /// The write that fixes it (one object, never others).
    pub step: Step,
}

/// The verdict of a per-object standard: compliant when nothing was found; else drifted with
/// one difference and one step per object. `scope` (the thresholds used...) is reported on
/// both sides so a changed setting shows.
pub(crate) fn per_object(scope: Value, findings: Vec<Finding>) -> Assessment {
    let count = findings.len();
    if count == 0 {
        return Assessment::outcome(Outcome::Compliant {
            current: json!({"scope": scope, "count": 0, "objects": {}}),
        });
    }
    let mut objects = Map::new();
    let mut diff = Vec::with_capacity(count);
    let mut steps = Vec::with_capacity(count);
    for f in findings {
        objects.insert(f.object.clone(), f.current.clone());
        diff.push(Difference {
            property: f.object,
            expected: f.expected,
            current: f.current,
        });
        steps.push(f.step);
    }
    Assessment {
        outcome: Outcome::Drifted {
            current: json!({"scope": scope, "count": count, "objects": objects}),
            expected: json!({"scope": scope, "count": 0, "objects": {}}),
            diff,
        },
        steps,
    }
}

/// The verdict of a standard over one object: compliant when `current` equals `expected`
/// property by property (text without case), else drifted with the differing properties and
/// `steps`.
pub(crate) fn single(current: Value, expected: Value, steps: Vec<Step>) -> Assessment {
    let diff = crate::compare::compare(&expected, &current, crate::CompareOptions::default());
    verdict(current, expected, diff, steps)
}

/// Compliant when `diff` is empty, else drifted with it and `steps`.
pub(crate) fn verdict(
    current: Value,
    expected: Value,
    diff: Vec<crate::compare::Difference>,
    steps: Vec<Step>,
) -> Assessment {
    if diff.is_empty() {
        Assessment::outcome(Outcome::Compliant { current })
    } else {
        Assessment {
            outcome: Outcome::Drifted {
                current,
                expected,
                diff,
            },
            steps,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn settings_read_like_cipp_stores_them() {
        let s = json!({"Days": "30", "pick": {"label": "x", "value": 7}, "blank": " ",
                       "words": "alpha; beta,ALPHA\ngamma", "roles": [{"value": "a"}, "b"]});
        let s = s.as_object().cloned().unwrap_or_default();
        assert_eq!(number("X", &s, "days", 90, 1).ok(), Some(30));
        assert_eq!(number("X", &s, "pick", 90, 1).ok(), Some(7));
        assert_eq!(number("X", &s, "blank", 90, 1).ok(), Some(90));
        let e = number("X", &s, "words", 90, 1).unwrap_err().to_string();
        assert!(e.contains("words") && e.contains("whole number"), "{e}");
        assert!(number("X", &s, "days", 90, 31).is_err());
        assert_eq!(list(&s, "words"), ["alpha", "beta", "gamma"]);
        assert_eq!(list(&s, "roles"), ["a", "b"]);
        assert_eq!(text(&s, "blank"), None);
    }

    #[test]
    fn timestamps_parse_and_reject() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_timestamp("2000-03-01"), Some(951_868_800));
        assert_eq!(parse_timestamp("2026-13-01T00:00:00Z"), None);
        assert_eq!(parse_timestamp(""), None);
        assert_eq!(parse_timestamp("2026-01-01T25:00:00Z"), None);
    }
}
