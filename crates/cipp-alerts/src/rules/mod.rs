//! The rules, one file per family, and the catalogue that lists them.

mod access;
mod activity;
mod apple;
mod credentials;
mod identity;
mod intune;
mod licenses;
mod lighthouse;
mod mail;
mod reach;
mod requests;
mod security;
mod tenant;
mod usage;

use serde_json::Value;

use crate::rule::Rule;
use crate::time;

/// Every rule, in catalogue order (alphabetical).
pub(crate) fn all() -> Vec<Rule> {
    let mut v = Vec::new();
    v.extend(access::RULES);
    v.extend(activity::RULES);
    v.extend(apple::RULES);
    v.extend(credentials::RULES);
    v.extend(identity::RULES);
    v.extend(licenses::RULES);
    v.extend(mail::RULES);
    v.extend(security::RULES);
    v.extend(tenant::RULES);
    v.extend(intune::RULES);
    v.extend(lighthouse::RULES);
    v.extend(reach::RULES);
    v.extend(requests::RULES);
    v.extend(usage::RULES);
    v.sort_by_key(|r| r.name.to_ascii_lowercase());
    v
}

/// A string field (exact name, then any case).
pub(crate) fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    field(v, key).and_then(Value::as_str).unwrap_or("")
}

pub(crate) fn field<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    let o = v.as_object()?;
    o.get(key)
        .or_else(|| {
            o.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v)
        })
        .filter(|v| !v.is_null())
}

/// A date field as Unix seconds.
pub(crate) fn date(v: &Value, key: &str) -> Option<i64> {
    field(v, key).and_then(Value::as_str).and_then(time::parse)
}

/// An array field (empty when absent).
pub(crate) fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    field(v, key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// A boolean field, `None` when absent.
pub(crate) fn b(v: &Value, key: &str) -> Option<bool> {
    field(v, key).and_then(Value::as_bool)
}

/// A number field.
pub(crate) fn n(v: &Value, key: &str) -> Option<f64> {
    field(v, key).and_then(|x| match x {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

/// The date part of a timestamp (`2026-11-20`).
pub(crate) fn day(secs: i64) -> String {
    time::format(secs)[..10].to_string()
}

/// CIPP's expiry window: expires within `ahead` days and expired at most `behind` days ago.
pub(crate) fn in_window(now: i64, end: i64, behind: i64, ahead: i64) -> bool {
    end >= now - behind * time::DAY && end <= now + ahead * time::DAY
}

/// "expires on" or "expired on".
pub(crate) fn expires(now: i64, end: i64) -> String {
    if end < now {
        format!("expired on {}", day(end))
    } else {
        format!("expires on {}", day(end))
    }
}

/// The Global Administrator role template.
pub(crate) const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";

#[cfg(test)]
pub(crate) mod test_support {
    use cipp_snapshot::Snapshot;
    use serde_json::{json, Map, Value};

    /// 2026-11-01T00:00:00Z.
    pub const NOW: i64 = 1_793_491_200;

    /// A snapshot of complete cache types (`"!Name"` marks a not-licensed one).
    pub fn snap(types: Value) -> Snapshot {
        let mut out = Map::new();
        for (name, rows) in types.as_object().cloned().unwrap_or_default() {
            let entry = match name.strip_prefix('!') {
                Some(n) => (
                    n.to_string(),
                    json!({"status": "not_licensed", "rows": [], "collected_at": NOW}),
                ),
                None => (
                    name,
                    json!({"status": "complete", "rows": rows, "collected_at": NOW}),
                ),
            };
            out.insert(entry.0, entry.1);
        }
        serde_json::from_value(
            json!({"tenant": "t.example", "collected_at": NOW, "round_trips": 0, "types": out}),
        )
        .unwrap()
    }

    /// Run `rule` at [`NOW`].
    pub fn run(rule: &str, types: Value, params: Value) -> Vec<Value> {
        let s = snap(types);
        let r = crate::catalogue::get(rule).unwrap();
        r.evaluate(&crate::Context::new(&s).at(NOW), &params)
            .unwrap()
            .findings
            .into_iter()
            .map(|f| f.data)
            .collect()
    }

    #[test]
    fn now_is_what_it_says() {
        assert_eq!(crate::time::format(NOW), "2026-11-01T00:00:00Z");
    }
}
