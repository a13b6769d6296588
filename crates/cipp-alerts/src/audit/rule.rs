//! An audit-log alert rule as CIPP stores it (table `WebhookRules`): tenant selections,
//! conditions `{Property:{label,value}, Operator:{label,value}, Input:{value}}` that are all
//! AND-ed, actions, and an optional comment and subject with `%property%` tokens. Reading a
//! rule checks it the way CIPP does before it builds its filter: the property must be a plain
//! name (`^[a-zA-Z0-9_.]+$`), the operator one of the 14, and no input may hold a character
//! PowerShell would interpret (`; | \` $ { }`).

use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::enrich::AuditRecord;
use super::operator::{text, Operator};
use crate::error::AlertError;

/// Characters CIPP refuses in condition inputs.
const FORBIDDEN: [char; 6] = [';', '|', '`', '$', '{', '}'];

/// What an audit rule does when it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub enum AuditAction {
    /// Mail (the runner's email destinations).
    #[serde(rename = "generatemail")]
    Email,
    /// A webhook (the runner's webhook destinations).
    #[serde(rename = "generateWebhook")]
    Webhook,
    /// A PSA ticket (the runner's PSA destinations).
    #[serde(rename = "generatePSA")]
    Psa,
    /// Disable the user's sign-in (through the runner's [`AuditActionHandler`](super::AuditActionHandler)).
    #[serde(rename = "disableUser")]
    DisableUser,
    /// Compromised-account remediation (through the handler).
    #[serde(rename = "becremediate")]
    BecRemediate,
}

impl AuditAction {
    /// CIPP's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Email => "generatemail",
            AuditAction::Webhook => "generateWebhook",
            AuditAction::Psa => "generatePSA",
            AuditAction::DisableUser => "disableUser",
            AuditAction::BecRemediate => "becremediate",
        }
    }

    fn parse(s: &str) -> Option<AuditAction> {
        [
            AuditAction::Email,
            AuditAction::Webhook,
            AuditAction::Psa,
            AuditAction::DisableUser,
            AuditAction::BecRemediate,
        ]
        .into_iter()
        .find(|a| a.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// Whether it acts on the user (and so needs confirmation and a handler).
    pub fn touches_user(self) -> bool {
        matches!(self, AuditAction::DisableUser | AuditAction::BecRemediate)
    }
}

/// Which tenants a rule covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum TenantSelection {
    /// Every tenant.
    All,
    /// One tenant (default domain or id).
    Tenant(String),
    /// A tenant group (its id or name), expanded by the runner.
    Group(String),
}

/// One condition, checked.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Condition {
    /// The property (a name, or a dotted path).
    pub property: String,
    /// The operator.
    pub operator: Operator,
    /// The operator's label, as the clause text shows it (`Equals to`).
    pub operator_label: String,
    /// The input values (one, or several).
    pub inputs: Vec<String>,
    /// The input was an array (shown as `@('a', 'b')`).
    pub input_is_list: bool,
    patterns: Vec<Regex>,
}

impl Condition {
    /// Whether `record` satisfies it.
    pub fn test(&self, record: &AuditRecord) -> bool {
        self.operator
            .test(record.get(&self.property), &self.inputs, &self.patterns)
    }

    /// CIPP's clause text: `Operation is Equals to 'New-InboxRule'`.
    pub fn clause(&self) -> String {
        let value = if self.input_is_list {
            let items: Vec<String> = self.inputs.iter().map(|i| format!("'{i}'")).collect();
            format!("@({})", items.join(", "))
        } else {
            format!(
                "'{}'",
                self.inputs.first().map(String::as_str).unwrap_or("")
            )
        };
        format!("{} is {} {value}", self.property, self.operator_label)
    }
}

/// An audit-log alert rule.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AuditRule {
    /// Its id (CIPP's RowKey), or `#<position>` in the file it came from.
    pub id: String,
    /// The tenants it covers.
    pub tenants: Vec<TenantSelection>,
    /// Tenants it never covers.
    pub excluded: Vec<TenantSelection>,
    /// The log source chosen in CIPP's UI (`Audit.Exchange`...); kept for display: rules
    /// are evaluated against every record of the tenant, as CIPP's V2 pipeline does.
    pub log_type: Option<String>,
    /// The conditions (all must hold), without the ones CIPP drops (empty input).
    pub conditions: Vec<Condition>,
    /// What to do on a match.
    pub actions: Vec<AuditAction>,
    /// A comment for the alert, with `%property%` tokens.
    pub alert_comment: Option<String>,
    /// A subject for the alert, with `%property%` tokens.
    pub custom_subject: Option<String>,
}

/// What a rule matched in one record.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct RuleMatch {
    /// The rule's id.
    pub rule: String,
    /// CIPP's clause text: the conditions joined with ` and `.
    pub clause: String,
}

/// A field of a stored rule that CIPP keeps either as JSON or as JSON text.
fn json_or_text(v: Option<&Value>) -> Result<Option<Value>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) if s.trim_start().starts_with(['[', '{']) => serde_json::from_str(s)
            .map(Some)
            .map_err(|e| format!("is not valid JSON: {e}")),
        Some(other) => Ok(Some(other.clone())),
    }
}

fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

fn label_ok(label: &str) -> bool {
    !label.is_empty()
        && label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

fn selections(v: Option<Value>) -> Vec<TenantSelection> {
    let items = match v {
        None => return Vec::new(),
        Some(Value::Array(a)) => a,
        Some(other) => vec![other],
    };
    items
        .iter()
        .filter_map(|i| {
            let (value, kind) = match i {
                Value::String(s) => (s.clone(), String::new()),
                other => (
                    get(other, "value").map(text).unwrap_or_default(),
                    get(other, "type").map(text).unwrap_or_default(),
                ),
            };
            let value = value.trim().to_string();
            if value.is_empty() {
                None
            } else if value.eq_ignore_ascii_case("AllTenants") {
                Some(TenantSelection::All)
            } else if kind.eq_ignore_ascii_case("Group") {
                Some(TenantSelection::Group(value))
            } else {
                Some(TenantSelection::Tenant(value))
            }
        })
        .collect()
}

impl AuditRule {
    /// Read and check one stored rule (`position` names it in errors when it has no id).
    ///
    /// ```
    /// use cipp_alerts::audit::AuditRule;
    /// let rule = AuditRule::from_value(&serde_json::json!({
    ///     "RowKey": "fwd-rules",
    ///     "Tenants": [{"value": "AllTenants"}],
    ///     "Conditions": [
    ///         {"Property": {"label": "Operation", "value": "String"}, "Operator": {"label": "Equals to", "value": "eq"}, "Input": {"value": "New-InboxRule"}},
    ///         {"Property": {"label": "ForwardTo", "value": "String"}, "Operator": {"label": "Like", "value": "like"}, "Input": {"value": "*@*"}}],
    ///     "Actions": [{"value": "generateWebhook"}]
    /// }), 0)?;
    /// assert_eq!(rule.conditions.len(), 2);
    /// # Ok::<(), cipp_alerts::AlertError>(())
    /// ```
    pub fn from_value(v: &Value, position: usize) -> Result<AuditRule, AlertError> {
        let id = get(v, "RowKey")
            .or_else(|| get(v, "id"))
            .or_else(|| get(v, "name"))
            .map(text)
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| format!("#{position}"));
        let err = |condition: Option<usize>, field: &str, message: String| AlertError::AuditRule {
            rule: id.clone(),
            condition,
            field: field.to_string(),
            message,
        };
        if !v.is_object() {
            return Err(err(None, "rule", format!("expected an object, got {v}")));
        }
        let tenants =
            selections(json_or_text(get(v, "Tenants")).map_err(|m| err(None, "Tenants", m))?);
        if tenants.is_empty() {
            return Err(err(None, "Tenants", "selects no tenant".into()));
        }
        let excluded = selections(
            json_or_text(get(v, "excludedTenants")).map_err(|m| err(None, "excludedTenants", m))?,
        );
        let conditions_raw =
            match json_or_text(get(v, "Conditions")).map_err(|m| err(None, "Conditions", m))? {
                Some(Value::Array(a)) => a,
                Some(other) => {
                    return Err(err(
                        None,
                        "Conditions",
                        format!("expected an array, got {other}"),
                    ))
                }
                None => Vec::new(),
            };
        let mut conditions = Vec::new();
        for (i, c) in conditions_raw.iter().enumerate() {
            let e = |field: &str, message: String| err(Some(i), field, message);
            let input = get(c, "Input")
                .and_then(|x| get(x, "value"))
                .cloned()
                .unwrap_or(Value::Null);
            let (inputs, input_is_list) = match &input {
                Value::Array(items) => (items.iter().map(text).collect::<Vec<_>>(), true),
                Value::Null => (Vec::new(), false),
                Value::Object(_) => {
                    return Err(e(
                        "Input.value",
                        format!("expected text or a list, got {input}"),
                    ))
                }
                other => (vec![text(other)], false),
            };
            // CIPP drops a condition whose input is empty before it builds the filter.
            if inputs.iter().all(|x| x.is_empty()) {
                continue;
            }
            for x in &inputs {
                if let Some(bad) = x.chars().find(|ch| FORBIDDEN.contains(ch)) {
                    return Err(e(
                        "Input.value",
                        format!("'{x}' contains '{bad}', which CIPP refuses (; | ` $ {{ }})"),
                    ));
                }
            }
            let property = get(c, "Property")
                .and_then(|p| get(p, "label"))
                .map(text)
                .unwrap_or_default();
            if !label_ok(&property) {
                return Err(e(
                    "Property.label",
                    format!("'{property}' is not a property name (letters, digits, _ and . only)"),
                ));
            }
            let op_value = get(c, "Operator")
                .and_then(|o| get(o, "value"))
                .map(text)
                .unwrap_or_default();
            let operator = Operator::parse(&op_value).ok_or_else(|| {
                e("Operator.value", format!("'{op_value}' is not one of eq, ne, like, notlike, match, notmatch, gt, lt, ge, le, in, notin, contains, notcontains"))
            })?;
            let operator_label = get(c, "Operator")
                .and_then(|o| get(o, "label"))
                .map(text)
                .filter(|l| !l.is_empty())
                .unwrap_or_else(|| operator.as_str().to_string());
            let patterns = if operator.is_pattern() {
                inputs
                    .iter()
                    .map(|x| {
                        operator.compile(x).map_err(|er| {
                            e("Input.value", format!("'{x}' is not a valid pattern: {er}"))
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?
            } else {
                Vec::new()
            };
            conditions.push(Condition {
                property,
                operator,
                operator_label,
                inputs,
                input_is_list,
                patterns,
            });
        }
        if conditions.is_empty() {
            return Err(err(
                None,
                "Conditions",
                "has no condition with an input".into(),
            ));
        }
        let actions_raw =
            match json_or_text(get(v, "Actions")).map_err(|m| err(None, "Actions", m))? {
                Some(Value::Array(a)) => a,
                Some(other) => vec![other],
                None => Vec::new(),
            };
        let mut actions = Vec::new();
        for (i, a) in actions_raw.iter().enumerate() {
            let value = match a {
                Value::String(s) => s.clone(),
                other => get(other, "value").map(text).unwrap_or_default(),
            };
            let action = AuditAction::parse(&value).ok_or_else(|| {
                err(None, &format!("Actions[{i}].value"), format!("'{value}' is not one of generatemail, generateWebhook, generatePSA, disableUser, becremediate"))
            })?;
            if !actions.contains(&action) {
                actions.push(action);
            }
        }
        let opt = |k: &str| get(v, k).map(text).filter(|s| !s.trim().is_empty());
        Ok(AuditRule {
            tenants,
            excluded,
            log_type: get(v, "type")
                .and_then(|t| get(t, "value").or(Some(t)))
                .map(text)
                .filter(|s| !s.is_empty()),
            conditions,
            actions,
            alert_comment: opt("AlertComment"),
            custom_subject: opt("CustomSubject"),
            id,
        })
    }

    /// Read a list of rules: a JSON array, or an object with a `rules` array.
    pub fn list_from_json(text: &str, source: &str) -> Result<Vec<AuditRule>, AlertError> {
        let v: Value = serde_json::from_str(text).map_err(|e| AlertError::Config {
            source_name: source.to_string(),
            message: e.to_string(),
        })?;
        let items = match &v {
            Value::Array(a) => a.clone(),
            other => match get(other, "rules") {
                Some(Value::Array(a)) => a.clone(),
                _ => vec![other.clone()],
            },
        };
        items
            .iter()
            .enumerate()
            .map(|(i, r)| AuditRule::from_value(r, i))
            .collect()
    }

    /// Read a file of rules (see [`AuditRule::list_from_json`]).
    pub fn list_from_file(path: impl AsRef<std::path::Path>) -> Result<Vec<AuditRule>, AlertError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| AlertError::Config {
            source_name: path.display().to_string(),
            message: e.to_string(),
        })?;
        AuditRule::list_from_json(&text, &path.display().to_string())
    }

    /// Whether the rule covers `tenant` (`groups` expands group selections: group -> tenants).
    pub fn covers(
        &self,
        tenant: &str,
        groups: &std::collections::BTreeMap<String, Vec<String>>,
    ) -> bool {
        let hit = |sel: &TenantSelection| match sel {
            TenantSelection::All => true,
            TenantSelection::Tenant(t) => t.eq_ignore_ascii_case(tenant),
            TenantSelection::Group(g) => groups
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(g))
                .is_some_and(|(_, members)| members.iter().any(|m| m.eq_ignore_ascii_case(tenant))),
        };
        self.tenants.iter().any(hit)
            && !self
                .excluded
                .iter()
                .any(|s| !matches!(s, TenantSelection::All) && hit(s))
    }

    /// Evaluate on one enriched record: the clause text when every condition holds. A
    /// `CIPPGeoLocation` condition also needs the record to carry location data.
    pub fn matches(&self, record: &AuditRecord) -> Option<RuleMatch> {
        let mut clause = Vec::with_capacity(self.conditions.len() + 1);
        if self
            .conditions
            .iter()
            .any(|c| c.property.eq_ignore_ascii_case("CIPPGeoLocation"))
        {
            if record.get("HasLocationData") != Some(&Value::Bool(true)) {
                return None;
            }
            clause.push("HasLocationData is true".to_string());
        }
        for c in &self.conditions {
            if !c.test(record) {
                return None;
            }
            clause.push(c.clause());
        }
        Some(RuleMatch {
            rule: self.id.clone(),
            clause: clause.join(" and "),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cond(label: &str, op: &str, input: Value) -> Value {
        json!({"Property": {"label": label, "value": "String"}, "Operator": {"label": op, "value": op}, "Input": {"value": input}})
    }

    fn rule(conditions: Value) -> Value {
        json!({"RowKey": "r1", "Tenants": [{"value": "AllTenants"}], "Conditions": conditions, "Actions": [{"value": "generatemail"}]})
    }

    #[test]
    fn validation_names_the_condition_and_field() {
        let cases = [
            (
                rule(json!([
                    cond("Operation", "eq", json!("x")),
                    cond("Bad Name", "eq", json!("y"))
                ])),
                "condition 1: Property.label",
            ),
            (
                rule(json!([cond("Operation", "startswith", json!("x"))])),
                "condition 0: Operator.value",
            ),
            (
                rule(json!([cond("Operation", "eq", json!("x; Remove-Item"))])),
                "condition 0: Input.value",
            ),
            (
                rule(json!([cond("Operation", "in", json!(["a", "$(whoami)"]))])),
                "condition 0: Input.value",
            ),
            (
                rule(json!([cond("Operation", "match", json!("(unclosed"))])),
                "condition 0: Input.value",
            ),
            (
                rule(json!([cond("Operation", "eq", json!(""))])),
                "r1: Conditions",
            ),
            (
                json!({"RowKey": "r2", "Tenants": [], "Conditions": []}),
                "r2: Tenants",
            ),
            (
                json!({"Tenants": "AllTenants", "Conditions": [cond("Operation", "eq", json!("x"))], "Actions": [{"value": "sendpigeon"}]}),
                "#3: Actions[0].value",
            ),
            (
                json!({"Tenants": "AllTenants", "Conditions": "[not json"}),
                "Conditions: is not valid JSON",
            ),
        ];
        for (v, want) in cases {
            let e = AuditRule::from_value(&v, 3).unwrap_err();
            assert!(matches!(e, AlertError::AuditRule { .. }), "{e:?}");
            assert!(e.to_string().contains(want), "{e} (wanted {want})");
        }
    }

    #[test]
    fn stored_as_cipp_stores_it() {
        // CIPP's table keeps Tenants, Conditions and Actions as JSON text.
        let v = json!({
            "RowKey": "abc", "type": {"value": "Audit.Exchange"},
            "Tenants": r#"[{"label":"Alpha","value":"alphadental.com","type":"Tenant"},{"value":"g1","type":"Group"}]"#,
            "excludedTenants": r#"[{"value":"bravologistics.com"}]"#,
            "Conditions": r#"[{"Property":{"label":"Operation"},"Operator":{"label":"Equals to","value":"eq"},"Input":{"value":"New-InboxRule"}},{"Property":{"label":"Skipped"},"Operator":{"value":"eq"},"Input":{"value":""}}]"#,
            "Actions": r#"[{"value":"generateWebhook"},{"value":"disableUser"}]"#,
            "AlertComment": "Check %username%", "CustomSubject": ""});
        let r = AuditRule::from_value(&v, 0).unwrap();
        assert_eq!(r.conditions.len(), 1, "empty inputs are dropped");
        assert_eq!(r.actions, [AuditAction::Webhook, AuditAction::DisableUser]);
        assert_eq!(r.log_type.as_deref(), Some("Audit.Exchange"));
        assert_eq!(r.custom_subject, None);
        let mut groups = std::collections::BTreeMap::new();
        assert!(r.covers("ALPHADENTAL.com", &groups));
        assert!(!r.covers("charlie.onmicrosoft.com", &groups));
        groups.insert(
            "g1".to_string(),
            vec![
                "charlie.onmicrosoft.com".to_string(),
                "bravologistics.com".to_string(),
            ],
        );
        assert!(r.covers("charlie.onmicrosoft.com", &groups));
        assert!(!r.covers("bravologistics.com", &groups), "exclusions win");
    }
}
