//! JSON helpers shared by the kinds: what is removed before writing, and which top-level
//! properties a list of differences touches.

use serde_json::{Map, Value};

use crate::compare::{is_ignored_key, Difference};

/// `value` without top-level server fields (`id`, `*DateTime`, `version`, `@odata.context`,
/// ...; `@odata.type` stays) and without `@odata.context`-like annotations at any depth.
pub(crate) fn strip_server_fields(value: &Value) -> Value {
    match value {
        Value::Object(o) => {
            let mut out = Map::new();
            for (k, v) in o {
                if is_ignored_key(k) {
                    continue;
                }
                out.insert(k.clone(), strip_annotations(v));
            }
            Value::Object(out)
        }
        other => strip_annotations(other),
    }
}

/// Drop `@odata.context`/`@odata.etag`-like annotations (not `@odata.type`, not
/// `x@odata.bind`) at every depth.
pub(crate) fn strip_annotations(value: &Value) -> Value {
    match value {
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(k, _)| {
                    let l = k.to_ascii_lowercase();
                    !(l.contains("@odata.") && l != "@odata.type" && !l.ends_with("@odata.bind"))
                })
                .map(|(k, v)| (k.clone(), strip_annotations(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip_annotations).collect()),
        other => other.clone(),
    }
}

/// `value` without nulls, empty lists and empty objects at any depth (what CIPP strips from a
/// Conditional Access policy before writing).
pub(crate) fn clean_for_write(value: &Value) -> Value {
    match value {
        Value::Object(o) => {
            let mut out = Map::new();
            for (k, v) in o {
                let v = clean_for_write(v);
                if !crate::compare::is_empty(&v) {
                    out.insert(k.clone(), v);
                }
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(clean_for_write).collect()),
        other => other.clone(),
    }
}

/// The top-level property each difference is under, once each, in order.
pub(crate) fn changed_keys(differences: &[Difference]) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for d in differences {
        let top = d
            .path
            .split(['.', '['])
            .next()
            .unwrap_or_default()
            .to_string();
        if !top.is_empty() && !keys.contains(&top) {
            keys.push(top);
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn server_fields_go_types_stay() {
        let v = json!({"id": "1", "createdDateTime": "x", "@odata.context": "c", "@odata.type": "#t",
            "a": {"b@odata.context": "z", "c@odata.bind": "y", "n": null, "e": []}});
        let s = strip_server_fields(&v);
        assert_eq!(
            s,
            json!({"@odata.type": "#t", "a": {"c@odata.bind": "y", "n": null, "e": []}})
        );
        assert_eq!(
            clean_for_write(&s),
            json!({"@odata.type": "#t", "a": {"c@odata.bind": "y"}})
        );
    }
}
