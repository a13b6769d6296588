//! `$orderby`: `prop [asc|desc], ...` with property paths; a stable sort.

use std::cmp::Ordering;

use serde_json::Value;

use super::filter::{compare, resolve};

/// One sort key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OrderKey {
    path: Vec<String>,
    desc: bool,
}

/// Parse `$orderby` text.
pub(crate) fn parse(text: &str) -> Result<Vec<OrderKey>, String> {
    text.split(',')
        .map(|clause| {
            let words: Vec<&str> = clause.split_whitespace().collect();
            let desc = match words.as_slice() {
                [_] => false,
                [_, dir] if dir.eq_ignore_ascii_case("asc") => false,
                [_, dir] if dir.eq_ignore_ascii_case("desc") => true,
                [_, dir] => return Err(format!("'{dir}' is not a sort direction (asc or desc)")),
                [] => return Err("an $orderby clause is empty".to_string()),
                _ => {
                    return Err(format!(
                        "the $orderby clause '{}' is not valid",
                        clause.trim()
                    ))
                }
            };
            Ok(OrderKey {
                path: words[0].split('/').map(str::to_string).collect(),
                desc,
            })
        })
        .collect()
}

/// Rank of a JSON type: missing and null sort first, then booleans, numbers, strings.
fn rank(v: Option<&Value>) -> u8 {
    match v {
        None | Some(Value::Null) => 0,
        Some(Value::Bool(_)) => 1,
        Some(Value::Number(_)) => 2,
        Some(Value::String(_)) => 3,
        Some(_) => 4,
    }
}

/// Order two items by the keys.
pub(crate) fn order(a: &Value, b: &Value, keys: &[OrderKey]) -> Ordering {
    for key in keys {
        let (x, y) = (resolve(&key.path, a), resolve(&key.path, b));
        let ord = compare(x, y).unwrap_or_else(|| rank(x).cmp(&rank(y)));
        let ord = if key.desc { ord.reverse() } else { ord };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_by_keys_with_nulls_first() {
        let mut v = [
            json!({"n": "b", "k": 2}),
            json!({"n": "A", "k": 1}),
            json!({"k": 3}),
            json!({"n": "c", "k": 1}),
        ];
        let keys = parse("n").unwrap();
        v.sort_by(|a, b| order(a, b, &keys));
        let names: Vec<_> = v.iter().map(|x| x["k"].clone()).collect();
        assert_eq!(names, vec![json!(3), json!(1), json!(2), json!(1)]);
        let keys = parse("k desc, n asc").unwrap();
        v.sort_by(|a, b| order(a, b, &keys));
        let names: Vec<_> = v.iter().map(|x| x["n"].clone()).collect();
        assert_eq!(names, vec![json!(null), json!("b"), json!("A"), json!("c")]);
        assert!(parse("n sideways").is_err());
        assert!(parse("n asc extra").is_err());
        assert!(parse("n,").is_err());
    }
}
