//! CIPP's 14 condition operators, with the meaning PowerShell gives them (CIPP evaluates a
//! rule as `$_.<Property> -<operator> <input>`): comparisons ignore case; `like` takes
//! wildcards (`*`, `?`, `[a-z]`) and must match the whole value; `match` is a regular
//! expression found anywhere; `contains` asks whether a COLLECTION holds the input (on a
//! plain string it is equality: use `like '*x*'` for "has x in it"); `in` asks whether the
//! value is one of the inputs. A property that is an array matches when any element does
//! (PowerShell filters arrays). A missing property equals nothing and is unlike everything.

use std::cmp::Ordering;

use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A condition operator (`Operator.value` in CIPP's stored rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Operator {
    /// Equal (case-insensitive; numerically when both sides are numbers).
    Eq,
    /// Not equal.
    Ne,
    /// Wildcard match of the whole value.
    Like,
    /// Not a wildcard match.
    NotLike,
    /// Regular expression found in the value (case-insensitive).
    Match,
    /// Regular expression not found.
    NotMatch,
    /// Greater than (numbers numerically, text case-insensitively).
    Gt,
    /// Less than.
    Lt,
    /// Greater than or equal.
    Ge,
    /// Less than or equal.
    Le,
    /// The value is one of the inputs.
    In,
    /// The value is none of the inputs.
    NotIn,
    /// The value (a collection) holds the input.
    Contains,
    /// The value (a collection) does not hold the input.
    NotContains,
}

/// Every operator, in CIPP's order.
pub const OPERATORS: [Operator; 14] = [
    Operator::Eq,
    Operator::Ne,
    Operator::Like,
    Operator::NotLike,
    Operator::Match,
    Operator::NotMatch,
    Operator::Gt,
    Operator::Lt,
    Operator::Ge,
    Operator::Le,
    Operator::In,
    Operator::NotIn,
    Operator::Contains,
    Operator::NotContains,
];

impl Operator {
    /// CIPP's spelling (`eq`, `notlike`...).
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Eq => "eq",
            Operator::Ne => "ne",
            Operator::Like => "like",
            Operator::NotLike => "notlike",
            Operator::Match => "match",
            Operator::NotMatch => "notmatch",
            Operator::Gt => "gt",
            Operator::Lt => "lt",
            Operator::Ge => "ge",
            Operator::Le => "le",
            Operator::In => "in",
            Operator::NotIn => "notin",
            Operator::Contains => "contains",
            Operator::NotContains => "notcontains",
        }
    }

    /// Parse CIPP's spelling (any case).
    pub fn parse(text: &str) -> Option<Operator> {
        OPERATORS
            .iter()
            .copied()
            .find(|o| o.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// Whether the input is a pattern (compiled once, when the rule is read).
    pub(crate) fn is_pattern(self) -> bool {
        matches!(
            self,
            Operator::Like | Operator::NotLike | Operator::Match | Operator::NotMatch
        )
    }

    /// Compile one input of a pattern operator.
    pub(crate) fn compile(self, input: &str) -> Result<Regex, regex::Error> {
        match self {
            Operator::Like | Operator::NotLike => Regex::new(&wildcard(input)),
            _ => Regex::new(&format!("(?i){input}")),
        }
    }

    /// Apply to a record's value (`None`: the property is missing). `inputs` are the
    /// condition's inputs (one, or several for `in`/`notin` and "any of" elsewhere);
    /// `patterns` are their compiled forms for the pattern operators.
    pub(crate) fn test(self, value: Option<&Value>, inputs: &[String], patterns: &[Regex]) -> bool {
        use Operator::*;
        let value = value.filter(|v| !v.is_null());
        match self {
            Ne => !Eq.test(value, inputs, patterns),
            NotLike => !Like.test(value, inputs, patterns),
            NotMatch => !Match.test(value, inputs, patterns),
            NotIn => !In.test(value, inputs, patterns),
            NotContains => !Contains.test(value, inputs, patterns),
            Contains => match value {
                Some(Value::Array(items)) => {
                    items.iter().any(|i| inputs.iter().any(|x| equal(i, x)))
                }
                Some(v) => inputs.iter().any(|x| equal(v, x)),
                None => false,
            },
            In => scalars(value)
                .iter()
                .any(|v| inputs.iter().any(|x| equal(v, x))),
            Eq => scalars(value)
                .iter()
                .any(|v| inputs.iter().any(|x| equal(v, x))),
            Like | Match => {
                // A missing value is the empty string to a pattern (PowerShell's `$null -like`).
                let empty = Value::String(String::new());
                let vals = if value.is_none() {
                    vec![&empty]
                } else {
                    scalars(value)
                };
                vals.iter()
                    .any(|v| patterns.iter().any(|p| p.is_match(&text(v))))
            }
            Gt | Lt | Ge | Le => scalars(value).iter().any(|v| {
                inputs.iter().any(|x| {
                    let ord = order(v, x);
                    match self {
                        Gt => ord == Ordering::Greater,
                        Lt => ord == Ordering::Less,
                        Ge => ord != Ordering::Less,
                        _ => ord != Ordering::Greater,
                    }
                })
            }),
        }
    }
}

/// The value's elements (an array), the value itself, or nothing (missing).
fn scalars(value: Option<&Value>) -> Vec<&Value> {
    match value {
        None => Vec::new(),
        Some(Value::Array(items)) => items.iter().filter(|i| !i.is_null()).collect(),
        Some(v) => vec![v],
    }
}

/// A value as PowerShell prints it (`True`, `42`, the string itself, compact JSON).
pub(crate) fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn number(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|f| f.is_finite())
}

fn equal(v: &Value, input: &str) -> bool {
    let t = text(v);
    match (number(&t), number(input)) {
        (Some(a), Some(b)) => a == b,
        _ => t.eq_ignore_ascii_case(input.trim()) || t.to_lowercase() == input.to_lowercase(),
    }
}

fn order(v: &Value, input: &str) -> Ordering {
    let t = text(v);
    match (number(&t), number(input)) {
        (Some(a), Some(b)) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
        _ => t.to_lowercase().cmp(&input.to_lowercase()),
    }
}

/// A PowerShell wildcard as an anchored, case-insensitive regular expression.
fn wildcard(pattern: &str) -> String {
    let mut out = String::from("(?is)^");
    let mut in_class = false;
    for c in pattern.chars() {
        match (c, in_class) {
            ('*', false) => out.push_str(".*"),
            ('?', false) => out.push('.'),
            ('[', false) => {
                in_class = true;
                out.push('[');
            }
            (']', true) => {
                in_class = false;
                out.push(']');
            }
            (c, true) => {
                if c == '\\' {
                    out.push_str("\\\\");
                } else {
                    out.push(c);
                }
            }
            (c, false) => out.push_str(&regex::escape(&c.to_string())),
        }
    }
    if in_class {
        // An unclosed `[` is a literal bracket, as in PowerShell.
        return format!("(?is)^{}$", regex::escape(pattern));
    }
    out.push('$');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(op: &str, value: Value, inputs: &[&str]) -> bool {
        let op = Operator::parse(op).unwrap();
        let inputs: Vec<String> = inputs.iter().map(|s| s.to_string()).collect();
        let patterns: Vec<Regex> = if op.is_pattern() {
            inputs.iter().map(|i| op.compile(i).unwrap()).collect()
        } else {
            Vec::new()
        };
        let v = if value.is_null() { None } else { Some(&value) };
        op.test(v, &inputs, &patterns)
    }

    #[test]
    fn operators_as_powershell_reads_them() {
        let missing = Value::Null;
        let table: &[(&str, Value, &[&str], bool)] = &[
            ("eq", json!("New-InboxRule"), &["new-inboxrule"], true),
            ("eq", json!("New-InboxRule"), &["Set-InboxRule"], false),
            ("eq", json!(42), &["42.0"], true),
            ("eq", json!(true), &["true"], true),
            ("eq", missing.clone(), &[""], false),
            ("eq", json!(["a", "B"]), &["b"], true),
            ("ne", json!("a"), &["b"], true),
            ("ne", missing.clone(), &["x"], true),
            ("like", json!("attacker@evil.example"), &["*@EVIL.*"], true),
            ("like", json!("attacker@evil.example"), &["evil"], false),
            ("like", json!("abc"), &["a?c"], true),
            ("like", json!("abc"), &["[ab]bc"], true),
            ("like", json!("a.c"), &["a.c"], true),
            ("like", json!("abc"), &["a.c"], false),
            ("like", missing.clone(), &["*"], true),
            ("like", missing.clone(), &["*@*"], false),
            ("notlike", json!("abc"), &["x*"], true),
            ("notlike", missing.clone(), &["*@*"], true),
            ("match", json!("Forward to ext"), &["^forward"], true),
            ("match", json!("Forward to ext"), &["^ext"], false),
            ("notmatch", json!("abc"), &["z"], true),
            ("gt", json!("10"), &["9"], true),
            ("gt", json!("b"), &["A"], true),
            ("gt", missing.clone(), &["1"], false),
            ("lt", json!(3), &["10"], true),
            ("ge", json!(10), &["10"], true),
            ("le", json!(11), &["10"], false),
            ("in", json!("GB"), &["US", "gb"], true),
            ("in", json!("FR"), &["US", "GB"], false),
            ("in", missing.clone(), &["US"], false),
            ("notin", json!("FR"), &["US", "GB"], true),
            ("notin", missing.clone(), &["US"], true),
            (
                "contains",
                json!(["Mail.Read", "Mail.Send"]),
                &["mail.send"],
                true,
            ),
            (
                "contains",
                json!("Mail.Read Mail.Send"),
                &["Mail.Send"],
                false,
            ),
            ("contains", json!("x"), &["X"], true),
            ("notcontains", json!(["a"]), &["b"], true),
            ("notcontains", missing, &["b"], true),
        ];
        for (op, v, inputs, want) in table {
            assert_eq!(check(op, v.clone(), inputs), *want, "{v} -{op} {inputs:?}");
        }
        assert_eq!(OPERATORS.len(), 14);
        for o in OPERATORS {
            assert_eq!(Operator::parse(&o.as_str().to_uppercase()), Some(o));
        }
        assert!(Operator::parse("startswith").is_none());
    }
}
