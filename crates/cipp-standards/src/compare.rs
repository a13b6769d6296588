//! CIPP's comparison of a desired state with a current one, and a strict variant.
//!
//! Loose (CIPP's rules, the default): the expected object's top-level keys select what is
//! compared (extra current properties are ignored); below the top level the comparison is
//! symmetric; text compares without case; null, `""`, `false`, `0` and `[]` count as "empty"
//! and two empties are equal; a boolean or number expected where the current value is empty is
//! still a difference (the "hard gap" pass, unless the definition turns it off); bookkeeping
//! properties (`id`, timestamps, `@odata.*`...) are never compared; condition lists of
//! Conditional Access (`includeUsers`...) compare without order. `{"$anyOf": [...]}` in the
//! expected state accepts any of several values.
//!
//! Strict: the same walk with exact text, no empty-equivalence and no skipped names.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Names never compared (bookkeeping), at any depth, in loose mode.
const SKIPPED: [&str; 25] = [
    "id",
    "createdDateTime",
    "lastModifiedDateTime",
    "supportsScopeTags",
    "modifiedDateTime",
    "version",
    "roleScopeTagIds",
    "settingCount",
    "creationSource",
    "priorityMetaData",
    "featureUpdatesWillBeRolledBack",
    "qualityUpdatesWillBeRolledBack",
    "qualityUpdatesPauseStartDate",
    "featureUpdatesPauseStartDate",
    "wslDistributions",
    "lastSuccessfulSyncDateTime",
    "tenantFilter",
    "agents",
    "isSynced",
    "locationInfo",
    "templateId",
    "source",
    "package",
    "assignments",
    "@odata.type",
];

/// Lists compared without order.
const UNORDERED: [&str; 16] = [
    "includeGroups",
    "excludeGroups",
    "includeUsers",
    "excludeUsers",
    "includeApplications",
    "excludeApplications",
    "includeRoles",
    "excludeRoles",
    "includePlatforms",
    "excludePlatforms",
    "includeLocations",
    "excludeLocations",
    "includeDevices",
    "excludeDevices",
    "includeGuestOrExternalUserTypes",
    "excludeGuestOrExternalUserTypes",
];

/// Deepest nesting compared.
const MAX_DEPTH: usize = 20;

/// One difference: a dotted property path, what was wanted and what was found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Difference {
    /// Dotted path (`defaultUserRolePermissions.allowedToCreateApps`, `includeUsers`).
    pub property: String,
    /// The desired value.
    pub expected: Value,
    /// The value found.
    pub current: Value,
}

/// How to compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CompareOptions {
    /// Exact comparison instead of CIPP's loose rules.
    pub strict: bool,
    /// The hard-gap pass (loose mode only).
    pub hard_compare: bool,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            strict: false,
            hard_compare: true,
        }
    }
}

impl CompareOptions {
    /// Exact comparison (no empty-equivalents, no case folding).
    pub fn strict() -> Self {
        CompareOptions {
            strict: true,
            ..CompareOptions::default()
        }
    }
}

pub use cipp_core::http::get_ci;

/// The current object cut down to the expected object's top-level keys (what is reported as
/// "current"; missing keys are null).
pub fn project(expected: &Value, current: &Value) -> Value {
    match expected.as_object() {
        Some(e) => Value::Object(
            e.keys()
                .map(|k| {
                    (
                        k.clone(),
                        get_ci(current, k).cloned().unwrap_or(Value::Null),
                    )
                })
                .collect(),
        ),
        None => current.clone(),
    }
}

/// Resolve `{"$anyOf": [...]}` against the current value: the current value itself when it is
/// one of them, else the first non-null one.
pub fn resolve_any_of(expected: &Value, current: &Value, options: CompareOptions) -> Value {
    match expected {
        Value::Object(o) if o.len() == 1 && o.contains_key("$anyOf") => {
            let set = o["$anyOf"].as_array().cloned().unwrap_or_default();
            if set.iter().any(|m| member(m, current, options)) {
                current.clone()
            } else {
                set.into_iter()
                    .find(|m| !m.is_null())
                    .unwrap_or(Value::Null)
            }
        }
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| {
                    let cur = get_ci(current, k).cloned().unwrap_or(Value::Null);
                    (k.clone(), resolve_any_of(v, &cur, options))
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The canonical form of an expected state: every `$anyOf` as its first non-null member.
pub fn canonical(expected: &Value) -> Value {
    match expected {
        Value::Object(o) if o.len() == 1 && o.contains_key("$anyOf") => o["$anyOf"]
            .as_array()
            .and_then(|s| s.iter().find(|m| !m.is_null()).cloned())
            .unwrap_or(Value::Null),
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (k.clone(), canonical(v))).collect())
        }
        other => other.clone(),
    }
}

fn member(m: &Value, current: &Value, options: CompareOptions) -> bool {
    let cur_blank = current.is_null() || matches!(current, Value::String(s) if s.is_empty());
    if cur_blank {
        return m.is_null();
    }
    match (m, current) {
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::Bool(_), _) | (Value::Null, _) => false,
        _ => primitive_eq(m, current, options),
    }
}

fn is_empty(v: &Value, options: CompareOptions) -> bool {
    if options.strict {
        return v.is_null();
    }
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::Array(a) => a.is_empty(),
        Value::Object(_) => false,
    }
}

fn skipped(name: &str, options: CompareOptions) -> bool {
    !options.strict
        && (SKIPPED.iter().any(|s| s.eq_ignore_ascii_case(name))
            || name.to_ascii_lowercase().contains("@odata")
            || name.to_ascii_lowercase().starts_with("#microsoft.graph"))
}

fn primitive_eq(a: &Value, b: &Value, options: CompareOptions) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => {
            if options.strict {
                x == y
            } else {
                x.eq_ignore_ascii_case(y) || x.to_lowercase() == y.to_lowercase()
            }
        }
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn kind(v: &Value) -> u8 {
    match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Compare `expected` with `current` (a whole object; projected first). Returns every
/// difference; none means compliant.
pub fn compare(expected: &Value, current: &Value, options: CompareOptions) -> Vec<Difference> {
    let projected = project(expected, current);
    let expected = resolve_any_of(expected, &projected, options);
    let mut out = Vec::new();
    diff(&expected, &projected, "", 0, options, &mut out);
    if options.hard_compare && !options.strict {
        hard_gaps(&expected, &projected, "", options, &mut out);
    }
    out
}

fn push(out: &mut Vec<Difference>, path: &str, e: &Value, c: &Value) {
    out.push(Difference {
        property: path.to_string(),
        expected: e.clone(),
        current: c.clone(),
    });
}

fn diff(
    e: &Value,
    c: &Value,
    path: &str,
    depth: usize,
    options: CompareOptions,
    out: &mut Vec<Difference>,
) {
    if depth > MAX_DEPTH {
        push(
            out,
            path,
            &Value::String("[MaxDepthExceeded]".into()),
            &Value::Null,
        );
        return;
    }
    let (e_empty, c_empty) = (is_empty(e, options), is_empty(c, options));
    if e_empty && c_empty {
        return;
    }
    if e_empty != c_empty {
        push(out, path, e, c);
        return;
    }
    match (e, c) {
        (Value::Object(eo), Value::Object(co)) => {
            let mut names: Vec<&String> = eo.keys().collect();
            for k in co.keys() {
                if !names.iter().any(|n| n.eq_ignore_ascii_case(k)) {
                    names.push(k);
                }
            }
            for name in names {
                if skipped(name, options) {
                    continue;
                }
                let ev = get_ci(e, name).unwrap_or(&Value::Null);
                let cv = get_ci(c, name).unwrap_or(&Value::Null);
                diff(ev, cv, &join(path, name), depth + 1, options, out);
            }
        }
        (Value::Array(ea), Value::Array(ca)) => {
            let last = path.rsplit('.').next().unwrap_or(path);
            let unordered =
                !options.strict && UNORDERED.iter().any(|u| u.eq_ignore_ascii_case(last));
            if unordered {
                let joined = |a: &[Value]| a.iter().map(text).collect::<Vec<_>>().join(", ");
                if ea.len() != ca.len() {
                    push(
                        out,
                        path,
                        &Value::String(joined(ea)),
                        &Value::String(joined(ca)),
                    );
                    return;
                }
                let mut es: Vec<&Value> = ea.iter().collect();
                let mut cs: Vec<&Value> = ca.iter().collect();
                es.sort_by_key(|v| text(v).to_lowercase());
                cs.sort_by_key(|v| text(v).to_lowercase());
                if es.iter().all(|v| !v.is_object()) {
                    if es
                        .iter()
                        .zip(&cs)
                        .any(|(a, b)| !primitive_eq(a, b, options))
                    {
                        push(
                            out,
                            path,
                            &Value::String(joined(ea)),
                            &Value::String(joined(ca)),
                        );
                    }
                } else {
                    for (i, (a, b)) in es.iter().zip(&cs).enumerate() {
                        diff(a, b, &format!("{path}[{i}]"), depth + 1, options, out);
                    }
                }
            } else {
                for i in 0..ea.len().max(ca.len()) {
                    let a = ea.get(i).unwrap_or(&Value::Null);
                    let b = ca.get(i).unwrap_or(&Value::Null);
                    diff(a, b, &join(path, &i.to_string()), depth + 1, options, out);
                }
            }
        }
        (a, b) if kind(a) != kind(b) => push(out, path, a, b),
        (a, b) => {
            if !primitive_eq(a, b, options) {
                push(out, path, a, b);
            }
        }
    }
}

/// Booleans and numbers wanted where nothing is set are differences, even though "empty"
/// would otherwise equal `false` and `0`.
fn hard_gaps(e: &Value, c: &Value, path: &str, options: CompareOptions, out: &mut Vec<Difference>) {
    let Some(eo) = e.as_object() else { return };
    for (name, ev) in eo {
        if skipped(name, options) {
            continue;
        }
        let p = join(path, name);
        let cv = get_ci(c, name).unwrap_or(&Value::Null);
        match ev {
            Value::Object(_) => hard_gaps(ev, cv, &p, options, out),
            Value::Bool(_) | Value::Number(_) => {
                let blank = cv.is_null() || matches!(cv, Value::String(s) if s.is_empty());
                if blank && !out.iter().any(|d| d.property == p) {
                    push(out, &p, ev, cv);
                }
            }
            _ => {}
        }
    }
}

/// Keep only `keys` of a JSON object (used by callers that report partial states).
pub fn pick(v: &Value, keys: &[&str]) -> Value {
    let mut m = Map::new();
    for k in keys {
        if let Some(x) = get_ci(v, k) {
            m.insert((*k).to_string(), x.clone());
        }
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn loose(e: Value, c: Value) -> Vec<Difference> {
        compare(&e, &c, CompareOptions::default())
    }

    #[test]
    fn top_level_is_a_subset_and_text_ignores_case() {
        assert!(loose(
            json!({"state": "Disabled"}),
            json!({"state": "disabled", "other": 1})
        )
        .is_empty());
        let d = loose(json!({"state": "disabled"}), json!({"state": "enabled"}));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].property, "state");
    }

    #[test]
    fn empties_are_equal_but_hard_gaps_are_not() {
        assert!(loose(json!({"a": ""}), json!({"a": null})).is_empty());
        assert!(
            loose(json!({"a": false}), json!({"a": 0})).is_empty(),
            "CIPP's loose equality"
        );
        let d = loose(json!({"a": false}), json!({}));
        assert_eq!(d.len(), 1, "a wanted boolean over nothing is a gap");
        let off = compare(
            &json!({"a": false}),
            &json!({}),
            CompareOptions {
                hard_compare: false,
                ..Default::default()
            },
        );
        assert!(off.is_empty());
    }

    #[test]
    fn nested_objects_compare_both_ways_and_skip_bookkeeping() {
        let e = json!({"perms": {"allowedToCreateApps": false, "id": "x"}});
        let c = json!({"perms": {"allowedToCreateApps": true, "allowedToCreateTenants": true, "id": "y"}});
        let d = loose(e, c);
        let props: Vec<&str> = d.iter().map(|x| x.property.as_str()).collect();
        assert_eq!(
            props,
            vec!["perms.allowedToCreateApps", "perms.allowedToCreateTenants"]
        );
    }

    #[test]
    fn condition_lists_ignore_order_other_arrays_do_not() {
        assert!(loose(
            json!({"includeUsers": ["b", "A"]}),
            json!({"includeUsers": ["a", "B"]})
        )
        .is_empty());
        assert_eq!(
            loose(json!({"list": ["b", "a"]}), json!({"list": ["a", "b"]})).len(),
            2
        );
        assert_eq!(
            loose(
                json!({"includeUsers": ["a"]}),
                json!({"includeUsers": ["a", "b"]})
            )
            .len(),
            1
        );
    }

    #[test]
    fn any_of_accepts_each_member() {
        let e = json!({"policyMigrationState": {"$anyOf": ["migrationComplete", null]}});
        assert!(loose(
            e.clone(),
            json!({"policyMigrationState": "migrationComplete"})
        )
        .is_empty());
        assert!(loose(e.clone(), json!({})).is_empty());
        let d = loose(e.clone(), json!({"policyMigrationState": "preMigration"}));
        assert_eq!(d[0].expected, json!("migrationComplete"));
        assert_eq!(
            canonical(&e),
            json!({"policyMigrationState": "migrationComplete"})
        );
    }

    #[test]
    fn strict_mode_is_exact() {
        let strict = CompareOptions {
            strict: true,
            ..Default::default()
        };
        assert_eq!(
            compare(&json!({"a": "X"}), &json!({"a": "x"}), strict).len(),
            1
        );
        assert_eq!(
            compare(&json!({"a": false}), &json!({"a": 0}), strict).len(),
            1
        );
        assert!(compare(&json!({"a": 1}), &json!({"a": 1.0}), strict).is_empty());
    }
}
