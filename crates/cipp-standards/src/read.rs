//! Reading a standard's current value out of a snapshot (CIPP's declarative read: rows of a
//! cache type, optionally flattened through an array, filtered, then descended into).

use serde_json::{Map, Value};

use crate::compare::get_ci;
use crate::definition::{Definition, Read};
use crate::error::StandardsError;
use crate::render::{render, TenantContext};

/// A dot path, property names without case.
pub fn path<'a>(v: &'a Value, dotted: &str) -> Option<&'a Value> {
    dotted
        .split('.')
        .filter(|s| !s.is_empty())
        .try_fold(v, |cur, seg| get_ci(cur, seg))
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// CIPP's loose equality: text without case; a list on the left means "contains".
fn loose_eq(left: &Value, right: &Value) -> bool {
    match left {
        Value::Array(items) => items.iter().any(|i| loose_eq(i, right)),
        _ => text(left).to_lowercase() == text(right).to_lowercase(),
    }
}

/// The current value the read names in `rows`, or `None` when nothing matches.
pub fn current(
    def: &Definition,
    read: &Read,
    rows: &[Value],
    vars: &Map<String, Value>,
    tenant: &TenantContext,
) -> Result<Option<Value>, StandardsError> {
    let mut candidates: Vec<&Value> = rows.iter().filter(|r| !r.is_null()).collect();
    if let Some(array) = &read.array {
        candidates = candidates
            .into_iter()
            .filter_map(|r| path(r, array))
            .flat_map(|a| match a {
                Value::Array(items) => items.iter().collect::<Vec<_>>(),
                Value::Null => Vec::new(),
                other => vec![other],
            })
            .filter(|v| !v.is_null())
            .collect();
    }
    for f in &read.filter {
        let want = render(def, &f.value, vars, tenant)?;
        let op = f.operator.as_deref().unwrap_or("eq").to_ascii_lowercase();
        candidates.retain(|c| {
            let have = path(c, &f.property).unwrap_or(&Value::Null);
            match op.as_str() {
                "ne" => !loose_eq(have, &want),
                "startswith" => text(have).starts_with(&text(&want)),
                "notstartswith" => !text(have).starts_with(&text(&want)),
                _ => loose_eq(have, &want),
            }
        });
    }
    let Some(first) = candidates.first() else {
        return Ok(None);
    };
    Ok(match &read.object {
        Some(p) => path(first, p).cloned(),
        None => Some((*first).clone()),
    })
}
