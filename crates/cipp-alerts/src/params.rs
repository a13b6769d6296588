//! A rule's parameters as the configuration gives them. CIPP's UI stores a bare number, a
//! bare bool, a string or an object with named fields; every reader here accepts each shape
//! that makes sense and names the rule and parameter when a value is wrong.

use serde_json::Value;

use crate::error::AlertError;

/// One rule's parameters, with the rule's name for error messages.
#[derive(Debug, Clone, Copy)]
pub struct Params<'a> {
    rule: &'a str,
    value: &'a Value,
}

fn truthy(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Some(true),
            "false" | "no" | "0" | "" => Some(false),
            _ => None,
        },
        Value::Number(n) => n.as_f64().map(|f| f != 0.0),
        Value::Null => Some(false),
        _ => None,
    }
}

impl<'a> Params<'a> {
    /// Parameters `value` of `rule`.
    pub fn new(rule: &'a str, value: &'a Value) -> Self {
        Params { rule, value }
    }

    /// The raw value.
    pub fn raw(&self) -> &'a Value {
        self.value
    }

    /// The named field (any case), when the parameters are an object.
    pub fn field(&self, name: &str) -> Option<&'a Value> {
        self.value.as_object().and_then(|o| {
            o.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
                .filter(|v| !v.is_null())
        })
    }

    fn err(&self, name: &str, message: impl Into<String>) -> AlertError {
        AlertError::param(self.rule, name, message)
    }

    /// A number: the named field, or the bare value when `bare` (CIPP's single-input alerts
    /// store a bare number), or `default`. Must lie in `min..=max`.
    pub fn number(
        &self,
        name: &str,
        bare: bool,
        default: f64,
        min: f64,
        max: f64,
    ) -> Result<f64, AlertError> {
        let v = match (self.field(name), bare) {
            (Some(v), _) => Some(v),
            (None, true) if !self.value.is_object() && !self.value.is_null() => Some(self.value),
            _ => None,
        };
        let Some(v) = v else { return Ok(default) };
        let n = match v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) if s.trim().is_empty() => return Ok(default),
            Value::String(s) => s.trim().parse::<f64>().ok(),
            Value::Object(o) => o.get("value").and_then(|x| match x {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            }),
            _ => None,
        }
        .ok_or_else(|| self.err(name, format!("expected a number, got {v}")))?;
        if !n.is_finite() || n < min || n > max {
            return Err(self.err(name, format!("{n} is outside {min}..={max}")));
        }
        Ok(n)
    }

    /// A whole number (see [`Params::number`]).
    pub fn int(
        &self,
        name: &str,
        bare: bool,
        default: i64,
        min: i64,
        max: i64,
    ) -> Result<i64, AlertError> {
        let n = self.number(name, bare, default as f64, min as f64, max as f64)?;
        if n.fract() != 0.0 {
            return Err(self.err(name, format!("expected a whole number, got {n}")));
        }
        Ok(n as i64)
    }

    /// A flag: the named field, or `default`.
    pub fn flag(&self, name: &str, default: bool) -> Result<bool, AlertError> {
        match self.field(name) {
            None => Ok(default),
            Some(v) => {
                truthy(v).ok_or_else(|| self.err(name, format!("expected true or false, got {v}")))
            }
        }
    }

    /// A list of strings: a JSON array, or one string split on commas and semicolons.
    pub fn list(&self, name: &str, bare: bool) -> Result<Vec<String>, AlertError> {
        let v = match (self.field(name), bare) {
            (Some(v), _) => v,
            (None, true) if self.value.is_string() || self.value.is_array() => self.value,
            _ => return Ok(Vec::new()),
        };
        let items: Vec<String> = match v {
            Value::String(s) => s.split([',', ';']).map(str::to_string).collect(),
            Value::Array(a) => a
                .iter()
                .map(|x| match x {
                    Value::String(s) => Ok(s.clone()),
                    Value::Object(o) => o
                        .get("value")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .ok_or_else(|| {
                            self.err(name, format!("list item {x} has no string value"))
                        }),
                    other => Err(self.err(name, format!("list item {other} is not a string"))),
                })
                .collect::<Result<_, _>>()?,
            other => return Err(self.err(name, format!("expected a list, got {other}"))),
        };
        Ok(items
            .into_iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shapes_cipp_stores() {
        let bare = json!(45);
        let p = Params::new("R", &bare);
        assert_eq!(p.int("Days", true, 30, 1, 365).unwrap(), 45);
        assert_eq!(p.int("Days", false, 30, 1, 365).unwrap(), 30);
        let obj = json!({"days": "60", "Only": "true", "List": "a, b;c"});
        let p = Params::new("R", &obj);
        assert_eq!(p.int("Days", true, 30, 1, 365).unwrap(), 60);
        assert!(p.flag("only", false).unwrap());
        assert_eq!(p.list("list", false).unwrap(), ["a", "b", "c"]);
        let bad = json!({"Days": "soon", "Flag": "maybe"});
        let p = Params::new("InactiveUsers", &bad);
        let e = p.int("Days", true, 30, 1, 365).unwrap_err().to_string();
        assert!(e.contains("InactiveUsers") && e.contains("Days"), "{e}");
        assert!(p.flag("Flag", false).is_err());
        let range = json!(0);
        assert!(Params::new("R", &range)
            .int("Days", true, 30, 1, 365)
            .is_err());
    }
}
