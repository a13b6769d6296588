//! Rows returned by Exchange and Security & Compliance `Get-` cmdlets, read the way every
//! template kind that deploys through cmdlets reads them: properties by name in any case,
//! an object found by its name, and a template compared only over what the row reports.

use serde_json::{Map, Value};

use crate::compare::{diff, Difference, Rules};

/// How a template is compared with a cmdlet row: only the template's properties, text without
/// case (Exchange does not keep it), no `@odata.type`.
pub(crate) const CMDLET_RULES: Rules = Rules {
    subset: true,
    ignore_case: true,
    ignore_type: true,
};

/// The property `key` of `row`, in any case.
pub(crate) fn prop<'a>(row: &'a Value, key: &str) -> Option<&'a Value> {
    row.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

/// The text property `key` of `row`, in any case.
pub(crate) fn text<'a>(row: &'a Value, key: &str) -> Option<&'a str> {
    prop(row, key)?.as_str()
}

/// The first row whose one of `keys` holds `name` (trimmed, any case).
pub(crate) fn find_named<'a>(rows: &'a [Value], name: &str, keys: &[&str]) -> Option<&'a Value> {
    let name = name.trim();
    rows.iter().find(|r| {
        keys.iter()
            .any(|k| text(r, k).is_some_and(|n| n.trim().eq_ignore_ascii_case(name)))
    })
}

/// The id a row is known by (`Guid`, else `Identity`), or `fallback`.
pub(crate) fn id_of(row: &Value, fallback: &str) -> String {
    text(row, "Guid")
        .or_else(|| text(row, "Identity"))
        .unwrap_or(fallback)
        .to_string()
}

/// Differences between `expected` parameters and a live row, over the parameters the row
/// reports as properties of the same name: the others cannot be compared and are skipped.
pub(crate) fn reported_differences(expected: &Map<String, Value>, live: &Value) -> Vec<Difference> {
    let Some(row) = live.as_object() else {
        return Vec::new();
    };
    let reported: Map<String, Value> = expected
        .iter()
        .filter(|(k, _)| row.keys().any(|r| r.eq_ignore_ascii_case(k)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    diff(&Value::Object(reported), live, CMDLET_RULES)
}
