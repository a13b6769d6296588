//! Comparing a template with what a tenant has: the result types and the JSON comparison
//! rules.
//!
//! The rules (after CIPP's Conditional Access and Intune comparisons):
//! - server and bookkeeping fields are ignored: `id`, every `*DateTime`, `@odata.*`
//!   annotations, `version`, and the like (see [`is_ignored_key`]);
//! - `null`, a missing property, `[]` and `{}` are the same thing;
//! - lists of plain values (include/exclude lists of users, groups, roles, apps, locations,
//!   platforms, client app types...) are compared as unordered sets;
//! - numbers compare by value, and a number or boolean equals its text form (`"300"` = `300`);
//! - lists of objects are compared item by item, in order.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One property that differs between a template and the tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Difference {
    /// Where: `conditions.users.excludeGroups`, `settings[0].settingInstance`.
    pub path: String,
    /// The template's value (`None` when the template does not have it).
    pub expected: Option<Value>,
    /// The tenant's value (`None` when the tenant does not have it).
    pub found: Option<Value>,
}

/// How a tenant's object stands against a template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "camelCase")]
#[non_exhaustive]
pub enum Comparison {
    /// The tenant has no object of the template's name.
    Missing,
    /// The object matches the template.
    Equal {
        /// The object's id in the tenant.
        id: String,
    },
    /// The object differs.
    Different {
        /// The object's id in the tenant.
        id: String,
        /// What differs.
        differences: Vec<Difference>,
    },
}

impl Comparison {
    /// `true` when the tenant matches the template.
    pub fn is_equal(&self) -> bool {
        matches!(self, Comparison::Equal { .. })
    }

    /// `true` when the tenant has no such object.
    pub fn is_missing(&self) -> bool {
        matches!(self, Comparison::Missing)
    }

    /// The differences (empty unless [`Comparison::Different`]).
    pub fn differences(&self) -> &[Difference] {
        match self {
            Comparison::Different { differences, .. } => differences,
            _ => &[],
        }
    }

    /// The object's id in the tenant, when it has one.
    pub fn id(&self) -> Option<&str> {
        match self {
            Comparison::Missing => None,
            Comparison::Equal { id } | Comparison::Different { id, .. } => Some(id),
        }
    }

    pub(crate) fn from_differences(id: String, differences: Vec<Difference>) -> Self {
        if differences.is_empty() {
            Comparison::Equal { id }
        } else {
            Comparison::Different { id, differences }
        }
    }
}

/// Properties Graph and Exchange keep for themselves; never compared, never written.
const IGNORED_KEYS: [&str; 16] = [
    "id",
    "version",
    "supportsScopeTags",
    "isAssigned",
    "deployedAppCount",
    "settingCount",
    "creationSource",
    "priorityMetaData",
    "guid",
    "identity",
    "distinguishedName",
    "immutableId",
    "ruleIdentity",
    "whenChanged",
    "whenChangedUTC",
    "exchangeObjectId",
];

/// Whether a property is server bookkeeping: `id`, `version`, `*DateTime`, Exchange's
/// `Identity`/`Guid`/`DistinguishedName`..., and OData annotations (`@odata.context`,
/// `@odata.etag`, `x@odata.context`; not `@odata.type` nor `x@odata.bind`).
pub fn is_ignored_key(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    IGNORED_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
        || lower.ends_with("datetime")
        || (lower.starts_with("@odata.") && lower != "@odata.type")
        || (lower.contains("@odata.")
            && !lower.ends_with("@odata.bind")
            && !lower.starts_with("@odata."))
}

/// Options of [`diff`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Rules {
    /// Compare only the properties the template has (the tenant's object may have more).
    pub subset: bool,
    /// Compare text ignoring letter case (Exchange).
    pub ignore_case: bool,
    /// Ignore `@odata.type` too.
    pub ignore_type: bool,
}

/// `value` without ignored keys, nulls, empty lists and empty objects, at every depth.
pub(crate) fn normalize(value: &Value, rules: Rules) -> Value {
    match value {
        Value::Object(o) => {
            let mut out = Map::new();
            for (k, v) in o {
                if is_ignored_key(k) || (rules.ignore_type && k.eq_ignore_ascii_case("@odata.type"))
                {
                    continue;
                }
                let v = normalize(v, rules);
                if !is_empty(&v) {
                    out.insert(k.clone(), v);
                }
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|v| normalize(v, rules))
                .filter(|v| !is_empty(v))
                .collect(),
        ),
        other => other.clone(),
    }
}

pub(crate) fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Differences between `expected` (the template) and `found` (the tenant), both normalized
/// first.
pub(crate) fn diff(expected: &Value, found: &Value, rules: Rules) -> Vec<Difference> {
    let mut out = Vec::new();
    walk(
        "",
        &normalize(expected, rules),
        &normalize(found, rules),
        rules,
        &mut out,
    );
    out
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn get_ci<'a>(o: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    o.get(key).or_else(|| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn walk(path: &str, expected: &Value, found: &Value, rules: Rules, out: &mut Vec<Difference>) {
    match (expected, found) {
        (Value::Object(e), Value::Object(f)) => {
            for (k, ev) in e {
                match get_ci(f, k) {
                    Some(fv) => walk(&child(path, k), ev, fv, rules, out),
                    None => out.push(Difference {
                        path: child(path, k),
                        expected: Some(ev.clone()),
                        found: None,
                    }),
                }
            }
            if !rules.subset {
                for (k, fv) in f {
                    if get_ci(e, k).is_none() {
                        out.push(Difference {
                            path: child(path, k),
                            expected: None,
                            found: Some(fv.clone()),
                        });
                    }
                }
            }
        }
        (Value::Array(e), Value::Array(f)) => {
            let plain = |a: &[Value]| a.iter().all(|v| !v.is_object() && !v.is_array());
            let same = if plain(e) && plain(f) {
                same_set(e, f, rules)
            } else if e.len() == f.len() {
                let mut inner = Vec::new();
                for (i, (ev, fv)) in e.iter().zip(f).enumerate() {
                    walk(&format!("{path}[{i}]"), ev, fv, rules, &mut inner);
                }
                out.extend(inner);
                true
            } else {
                false
            };
            if !same {
                out.push(Difference {
                    path: path.to_string(),
                    expected: Some(expected.clone()),
                    found: Some(found.clone()),
                });
            }
        }
        // One value given where the other side has a one-element list (Exchange accepts a
        // single value for a multi-valued parameter).
        (Value::Array(e), other) | (other, Value::Array(e))
            if e.len() == 1 && !other.is_object() && scalar_eq(&e[0], other, rules) => {}
        (e, f) => {
            if !scalar_eq(e, f, rules) {
                out.push(Difference {
                    path: path.to_string(),
                    expected: Some(e.clone()),
                    found: Some(f.clone()),
                });
            }
        }
    }
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub(crate) fn scalar_eq(a: &Value, b: &Value, rules: Rules) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::String(x), Value::String(y)) => {
            if rules.ignore_case {
                x.eq_ignore_ascii_case(y)
            } else {
                x == y
            }
        }
        (Value::Object(_) | Value::Array(_), _) | (_, Value::Object(_) | Value::Array(_)) => a == b,
        _ => match (text_of(a), text_of(b)) {
            (Some(x), Some(y)) => {
                x.eq_ignore_ascii_case(&y)
                    || matches!((x.parse::<f64>(), y.parse::<f64>()), (Ok(p), Ok(q)) if p == q)
            }
            _ => a == b,
        },
    }
}

/// Lists of plain values as sets: every value of one has an equal value in the other. Ids and
/// GUIDs compare ignoring case.
fn same_set(e: &[Value], f: &[Value], rules: Rules) -> bool {
    let loose = Rules {
        ignore_case: true,
        ..rules
    };
    let contains = |a: &[Value], b: &[Value]| {
        a.iter().all(|x| {
            b.iter().any(|y| {
                let ids = x.as_str().is_some_and(looks_like_guid)
                    || y.as_str().is_some_and(looks_like_guid);
                scalar_eq(x, y, if ids { loose } else { rules })
            })
        })
    };
    contains(e, f) && contains(f, e)
}

/// `true` for a GUID in its usual 8-4-4-4-12 hex form.
pub fn looks_like_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && [8, 4, 4, 4, 12]
            .iter()
            .zip(&parts)
            .all(|(n, p)| p.len() == *n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn empties_ids_and_order_do_not_count() {
        let t = json!({"displayName": "x", "times": null, "conditions": {"users": {"includeUsers": ["All"], "excludeGroups": ["b", "a"]}, "platforms": null}, "grantControls": {"termsOfUse": [], "builtInControls": ["mfa"]}});
        let live = json!({"id": "1", "createdDateTime": "2020", "@odata.context": "x", "displayName": "x", "conditions": {"users": {"includeUsers": ["All"], "excludeUsers": [], "excludeGroups": ["a", "b"]}}, "grantControls": {"builtInControls": ["mfa"], "customAuthenticationFactors": []}, "sessionControls": {}});
        assert!(diff(&t, &live, Rules::default()).is_empty());
        let edited = json!({"displayName": "x", "conditions": {"users": {"includeUsers": ["All"], "excludeGroups": ["a"]}}, "grantControls": {"builtInControls": ["mfa"]}, "state": "disabled"});
        let d = diff(&t, &edited, Rules::default());
        let paths: Vec<&str> = d.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(paths, ["conditions.users.excludeGroups", "state"]);
        assert_eq!(d[1].expected, None);
    }

    #[test]
    fn subset_case_and_loose_scalars() {
        let t = json!({"mode": "enforce", "From": ["a@x.com"], "Limit": "5", "Flag": false});
        let live =
            json!({"Mode": "Enforce", "from": "A@X.COM", "limit": 5, "flag": "False", "Other": 1});
        let rules = Rules {
            subset: true,
            ignore_case: true,
            ignore_type: false,
        };
        assert!(
            diff(&t, &live, rules).is_empty(),
            "{:?}",
            diff(&t, &live, rules)
        );
        assert_eq!(diff(&t, &live, Rules::default()).len(), 3);
        assert!(looks_like_guid("49a8069e-3b46-4680-a035-9250bc675446"));
        assert!(!looks_like_guid("All"));
    }
}
