//! `%variable%` rendering. Unlike CIPP (which serialises to text and back), the JSON tree is
//! walked: a string that is exactly one token takes the variable's JSON value (type kept), a
//! token inside longer text is replaced by the value's text form, and nothing can break the
//! JSON. Missing settings take the definition's defaults; a token still unfilled afterwards is
//! an error, never sent to a tenant.

use serde_json::{Map, Value};

use crate::definition::Definition;
use crate::error::StandardsError;

/// Tenant facts the built-in tokens stand for (`%tenantid%`, `%defaultdomain%`...).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TenantContext {
    /// Tenant GUID: `%tenantid%`, `%organizationid%`.
    pub tenant_id: Option<String>,
    /// Default domain: `%defaultdomain%`, `%tenantfilter%`.
    pub default_domain: Option<String>,
    /// Initial domain: `%initialdomain%`.
    pub initial_domain: Option<String>,
    /// Display name: `%tenantname%`.
    pub display_name: Option<String>,
}

impl TenantContext {
    /// A context with only the default domain known.
    pub fn for_domain(domain: impl Into<String>) -> Self {
        TenantContext {
            default_domain: Some(domain.into()),
            ..TenantContext::default()
        }
    }

    fn builtin(&self, token: &str) -> Option<&str> {
        match token.to_ascii_lowercase().as_str() {
            "tenantid" | "organizationid" => self.tenant_id.as_deref(),
            "defaultdomain" | "tenantfilter" => self.default_domain.as_deref(),
            "initialdomain" => self.initial_domain.as_deref(),
            "tenantname" => self.display_name.as_deref(),
            _ => None,
        }
    }
}

/// Tokens that always name a tenant fact.
const BUILTIN: [&str; 6] = [
    "tenantid",
    "organizationid",
    "defaultdomain",
    "tenantfilter",
    "initialdomain",
    "tenantname",
];

/// The settings of one standard: given values (`{label, value}` pickers unwrapped) over the
/// definition's defaults. A given name fills the variable of the same name in any case, so a
/// classic template's `RecipientLimitPerDay` fills `recipientLimitPerDay`.
pub fn variables(def: &Definition, given: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, var) in &def.variables {
        if let Some(d) = &var.default {
            out.insert(name.clone(), d.clone());
        }
    }
    for (name, value) in given {
        let value = match value {
            Value::Object(o) if o.contains_key("value") && o.len() <= 2 => o["value"].clone(),
            other => other.clone(),
        };
        if let Some((declared, _)) = def
            .variables
            .iter()
            .find(|(v, var)| var.optional && v.eq_ignore_ascii_case(name))
        {
            // An optional variable given as null or blank text stays unset.
            if is_blank(&value) {
                out.remove(declared);
                continue;
            }
        }
        if let Some((variable, value)) = classic(def, name, &value) {
            // A variable given under its own name wins over a classic field.
            if !given.keys().any(|g| g.eq_ignore_ascii_case(&variable)) {
                out.insert(variable, value);
            }
            continue;
        }
        let name = def
            .variables
            .keys()
            .find(|v| v.eq_ignore_ascii_case(name))
            .unwrap_or(name);
        out.insert(name.clone(), value);
    }
    out
}

/// Null or text of only white space.
fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// A classic template field mapped to its variable and value, when the definition maps it.
fn classic(def: &Definition, field: &str, value: &Value) -> Option<(String, Value)> {
    let (_, map) = def
        .classic_settings
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(field))?;
    if map.values.is_empty() {
        return Some((map.variable.clone(), value.clone()));
    }
    let key = text(value);
    let mapped = map
        .values
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(&key))
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| value.clone());
    Some((map.variable.clone(), mapped))
}

/// The text form of a value inside a longer string.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => String::new(),
        Value::Array(a) => a.iter().map(text).collect::<Vec<_>>().join(" "),
        other => other.to_string(),
    }
}

/// Render `template` with `vars` and the tenant's built-in tokens. Every token that names a
/// declared variable or a built-in must be filled; the rest of the text is left as it is.
pub fn render(
    def: &Definition,
    template: &Value,
    vars: &Map<String, Value>,
    tenant: &TenantContext,
) -> Result<Value, StandardsError> {
    let mut missing = Vec::new();
    // The root is never dropped: an expected state of only unset optional values is `{}`.
    let out = walk(def, template, vars, tenant, &mut missing).unwrap_or_else(|| match template {
        Value::Array(_) => Value::Array(Vec::new()),
        Value::Object(_) => Value::Object(Map::new()),
        _ => Value::Null,
    });
    if missing.is_empty() {
        Ok(out)
    } else {
        missing.sort();
        missing.dedup();
        Err(StandardsError::Unresolved {
            standard: def.name.clone(),
            tokens: missing.join(", "),
        })
    }
}

/// The rendered value, or `None` when it is dropped: exactly the token of an unset optional
/// variable, or an object or list that only such values filled.
fn walk(
    def: &Definition,
    v: &Value,
    vars: &Map<String, Value>,
    tenant: &TenantContext,
    missing: &mut Vec<String>,
) -> Option<Value> {
    match v {
        Value::String(s) => {
            if unset_optional(def, s, vars) {
                return None;
            }
            Some(string(def, s, vars, tenant, missing))
        }
        Value::Array(items) => {
            let out: Vec<Value> = items
                .iter()
                .filter_map(|i| walk(def, i, vars, tenant, missing))
                .collect();
            (out.len() == items.len() || !out.is_empty()).then_some(Value::Array(out))
        }
        Value::Object(o) => {
            let out: Map<String, Value> = o
                .iter()
                .filter_map(|(k, x)| Some((k.clone(), walk(def, x, vars, tenant, missing)?)))
                .collect();
            (out.len() == o.len() || !out.is_empty()).then_some(Value::Object(out))
        }
        other => Some(other.clone()),
    }
}

/// Whether `s` is exactly the token of an optional variable that has no value.
fn unset_optional(def: &Definition, s: &str, vars: &Map<String, Value>) -> bool {
    let Some(name) = s.strip_prefix('%').and_then(|r| r.strip_suffix('%')) else {
        return false;
    };
    is_name(name)
        && !vars.contains_key(name)
        && def.variables.get(name).is_some_and(|var| var.optional)
}

fn string(
    def: &Definition,
    s: &str,
    vars: &Map<String, Value>,
    tenant: &TenantContext,
    missing: &mut Vec<String>,
) -> Value {
    // A whole-string token keeps the variable's JSON type.
    if let Some(name) = s.strip_prefix('%').and_then(|r| r.strip_suffix('%')) {
        if is_name(name) {
            if let Some(v) = vars.get(name) {
                return v.clone();
            }
            if let Some(t) = tenant.builtin(name) {
                return Value::String(t.to_string());
            }
        }
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find('%') {
        let after = &rest[start + 1..];
        let Some(len) = after.find('%') else { break };
        let name = &after[..len];
        out.push_str(&rest[..start]);
        if !is_name(name) {
            // Not a token: keep the first '%' and look again from the second.
            out.push('%');
            rest = after;
            continue;
        }
        match (vars.get(name), tenant.builtin(name)) {
            (Some(v), _) => out.push_str(&text(v)),
            (None, Some(t)) => out.push_str(t),
            (None, None) => {
                let declared = def.variables.contains_key(name)
                    || BUILTIN.iter().any(|b| b.eq_ignore_ascii_case(name));
                if declared {
                    missing.push(format!("%{name}%"));
                }
                out.push('%');
                out.push_str(name);
                out.push('%');
            }
        }
        rest = &after[len + 1..];
    }
    out.push_str(rest);
    Value::String(out)
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn def(vars: Value) -> Definition {
        Definition::from_json(
            &json!({"name": "T", "variables": vars}).to_string(),
            "t.json",
        )
        .unwrap()
    }

    #[test]
    fn whole_tokens_keep_types_and_embedded_tokens_become_text() {
        let d = def(
            json!({"on": {"type": "switch", "default": false}, "n": {"type": "number"}, "who": {"type": "textField"}}),
        );
        let mut given = Map::new();
        given.insert("n".into(), json!(5));
        given.insert("who".into(), json!({"label": "Ann", "value": "ann@x"}));
        let vars = variables(&d, &given);
        let out = render(
            &d,
            &json!({"a": "%on%", "b": ["%n%"], "c": "to %who% at %defaultdomain% (%on%)", "d": "100% sure, 50%", "e": "%unknownthing%"}),
            &vars,
            &TenantContext::for_domain("alpha.example"),
        )
        .unwrap();
        assert_eq!(out["a"], json!(false));
        assert_eq!(out["b"], json!([5]));
        assert_eq!(out["c"], json!("to ann@x at alpha.example (False)"));
        assert_eq!(out["d"], json!("100% sure, 50%"));
        assert_eq!(out["e"], json!("%unknownthing%"));
    }

    #[test]
    fn classic_setting_names_fill_variables_in_any_case() {
        let d = def(json!({"recipientLimitPerDay": {"type": "number", "default": 800}}));
        let mut given = Map::new();
        given.insert("RecipientLimitPerDay".into(), json!(500));
        let vars = variables(&d, &given);
        assert_eq!(vars.get("recipientLimitPerDay"), Some(&json!(500)));
        assert!(!vars.contains_key("RecipientLimitPerDay"));
    }

    #[test]
    fn classic_fields_map_to_variables_and_values() {
        let d = Definition::from_json(
            &json!({"name": "T", "variables": {"allowed": {"type": "switch", "default": false}},
                "classicSettings": {"state": {"variable": "allowed", "values": {"restrict": false, "allow": true}}}})
            .to_string(),
            "t.json",
        )
        .unwrap();
        let mut given = Map::new();
        given.insert("state".into(), json!({"label": "Allow", "value": "allow"}));
        assert_eq!(variables(&d, &given).get("allowed"), Some(&json!(true)));
        given.insert("allowed".into(), json!(false));
        assert_eq!(
            variables(&d, &given).get("allowed"),
            Some(&json!(false)),
            "the variable's own name wins"
        );
    }

    #[test]
    fn unset_optional_variables_drop_their_places() {
        let d = def(json!({
            "tech": {"type": "textField", "optional": true},
            "sec": {"type": "textField", "optional": true},
            "general": {"type": "textField", "optional": true},
            "name": {"type": "textField", "optional": true}
        }));
        let mut given = Map::new();
        given.insert("tech".into(), json!("it@x"));
        given.insert("general".into(), json!("  "));
        let vars = variables(&d, &given);
        assert!(!vars.contains_key("general"), "blank text stays unset");
        let out = render(
            &d,
            &json!({"mails": ["%tech%", "%sec%"], "privacy": {"contactEmail": "%general%"},
                    "name": "%name%", "kept": [], "n": 1}),
            &vars,
            &TenantContext::default(),
        )
        .unwrap();
        assert_eq!(out, json!({"mails": ["it@x"], "kept": [], "n": 1}));
        let none = render(
            &d,
            &json!({"name": "%name%"}),
            &Map::new(),
            &TenantContext::default(),
        );
        assert_eq!(none.unwrap(), json!({}));
        // Inside longer text an unset optional variable is still an error.
        let e = render(
            &d,
            &json!({"a": "to %name%"}),
            &Map::new(),
            &TenantContext::default(),
        );
        assert!(e.unwrap_err().to_string().contains("%name%"));
    }

    #[test]
    fn unfilled_declared_tokens_are_errors() {
        let d = def(json!({"x": {"type": "textField"}}));
        let e = render(
            &d,
            &json!({"a": "%x%", "b": "at %tenantid%"}),
            &Map::new(),
            &TenantContext::default(),
        )
        .unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("%x%") && text.contains("%tenantid%"),
            "{text}"
        );
    }
}
