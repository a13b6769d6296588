//! Security & Compliance policy templates: a DLP or retention policy (`New-DlpCompliancePolicy`
//! / `New-RetentionCompliancePolicy` parameters) with the rules that belong to it
//! (`RuleParams`: one rule object, or a list of them).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// Policy properties the service reports that are not parameters of `New-*CompliancePolicy`
/// (and template bookkeeping); never sent, never compared.
pub const POLICY_READ_ONLY: [&str; 27] = [
    "GUID",
    "comments",
    "RuleParams",
    "Workload",
    "DistributionStatus",
    "DistributionResults",
    "LastStatusUpdate",
    "Enabled",
    "Identity",
    "Id",
    "ImmutableId",
    "IsValid",
    "WhenCreated",
    "WhenChanged",
    "WhenCreatedUTC",
    "WhenChangedUTC",
    "CreatedBy",
    "ModifiedBy",
    "LastModifiedBy",
    "ObjectState",
    "PolicyCategory",
    "PolicyVersion",
    "Type",
    "DisplayName",
    "AssociatedRules",
    "RuleCount",
    "IsDefault",
];

/// Rule properties the service reports that are not parameters of `New-*ComplianceRule`.
pub const RULE_READ_ONLY: [&str; 13] = [
    "Identity",
    "Guid",
    "Id",
    "ImmutableId",
    "IsValid",
    "ParentPolicyName",
    "Policy",
    "WhenCreated",
    "WhenChanged",
    "WhenCreatedUTC",
    "WhenChangedUTC",
    "ObjectState",
    "Workload",
];

/// Whether a parameter names where a policy applies (`ExchangeLocation`,
/// `SharePointLocationException`...). `Set-*CompliancePolicy` does not take them; it adds
/// and removes entries with `Add<Name>` / `Remove<Name>`.
pub fn is_location(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.ends_with("location") || k.ends_with("locationexception")
}

/// A DLP or retention policy template (`*.DlpCompliancePolicyTemplate.json`,
/// `*.RetentionCompliancePolicyTemplate.json`). Matched by `Name`, ignoring case.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct CompliancePolicyTemplate {
    /// The policy name.
    pub name: String,
    /// The template's GUID field, when it has one.
    pub guid: Option<String>,
    /// Every property of the file except `RuleParams`, nulls dropped.
    pub parameters: Map<String, Value>,
    /// The rules (`RuleParams`), in order.
    pub rules: Vec<Map<String, Value>>,
}

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn text_of(m: &Map<String, Value>, key: &str) -> Option<String> {
    m.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .and_then(|(_, v)| v.as_str())
        .map(|s| s.trim().to_string())
}

/// A location list as the cmdlets take it: text items (objects by `Name`,
/// `PrimarySmtpAddress` or `DisplayName`), blanks dropped; `All` alone when it is there.
pub fn location_items(v: &Value) -> Vec<String> {
    let items: Vec<String> = match v {
        Value::Array(a) => a.iter().flat_map(location_items).collect(),
        Value::String(s) => s
            .split(',')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect(),
        Value::Object(o) => ["Name", "PrimarySmtpAddress", "DisplayName"]
            .iter()
            .find_map(|k| text_of(o, k))
            .into_iter()
            .collect(),
        _ => Vec::new(),
    };
    if items.iter().any(|i| i.eq_ignore_ascii_case("All")) {
        return vec!["All".into()];
    }
    items
}

impl CompliancePolicyTemplate {
    /// A template from the file's properties.
    pub fn from_parameters(mut parameters: Map<String, Value>) -> Self {
        let rules_key = parameters
            .keys()
            .find(|k| k.eq_ignore_ascii_case("RuleParams"))
            .cloned();
        let rules = match rules_key.and_then(|k| parameters.remove(&k)) {
            Some(Value::Array(items)) => items
                .into_iter()
                .filter_map(|i| match i {
                    Value::Object(o) => Some(o),
                    _ => None,
                })
                .collect(),
            Some(Value::Object(o)) => vec![o],
            _ => Vec::new(),
        };
        let parameters: Map<String, Value> = parameters
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .collect();
        CompliancePolicyTemplate {
            name: text_of(&parameters, "Name").unwrap_or_default(),
            guid: text_of(&parameters, "GUID"),
            parameters,
            rules,
        }
    }

    /// The parameters `New-*CompliancePolicy` gets: no read-only properties, no blanks,
    /// locations as lists of text.
    pub fn policy_parameters(&self) -> Map<String, Value> {
        self.parameters
            .iter()
            .filter(|(k, _)| !POLICY_READ_ONLY.iter().any(|r| r.eq_ignore_ascii_case(k)))
            .filter(|(_, v)| !is_blank(v))
            .filter_map(|(k, v)| {
                if is_location(k) {
                    let items = location_items(v);
                    (!items.is_empty()).then(|| (k.clone(), Value::from(items)))
                } else {
                    Some((k.clone(), v.clone()))
                }
            })
            .collect()
    }

    /// Each rule's name and its `New-*ComplianceRule` parameters (without `Policy`): the
    /// rule's own `Name`, else `{policy} Rule` (`{policy} Rule {n}` when there are several).
    pub fn rule_parameters(&self) -> Vec<(String, Map<String, Value>)> {
        let many = self.rules.len() > 1;
        self.rules
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let name =
                    text_of(r, "Name")
                        .filter(|n| !n.is_empty())
                        .unwrap_or_else(|| match many {
                            true => format!("{} Rule {}", self.name, i + 1),
                            false => format!("{} Rule", self.name),
                        });
                let mut params: Map<String, Value> = r
                    .iter()
                    .filter(|(k, _)| !RULE_READ_ONLY.iter().any(|x| x.eq_ignore_ascii_case(k)))
                    .filter(|(k, _)| !k.eq_ignore_ascii_case("Name"))
                    .filter(|(_, v)| !is_blank(v))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                params.insert("Name".into(), Value::from(name.clone()));
                (name, params)
            })
            .collect()
    }
}

impl Serialize for CompliancePolicyTemplate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut all = self.parameters.clone();
        if !self.rules.is_empty() {
            all.insert(
                "RuleParams".into(),
                Value::Array(self.rules.iter().cloned().map(Value::Object).collect()),
            );
        }
        all.serialize(s)
    }
}

impl<'de> Deserialize<'de> for CompliancePolicyTemplate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(CompliancePolicyTemplate::from_parameters(Map::deserialize(
            d,
        )?))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn parameters_and_rules_as_the_cmdlets_take_them() {
        let t: CompliancePolicyTemplate = serde_json::from_value(json!({
            "Name": "PII", "GUID": "g", "Mode": "Enable", "Workload": "Exchange",
            "ExchangeLocation": [{"Name": "All"}], "SharePointLocation": "", "Comment": null,
            "RuleParams": [{"ContentContainsSensitiveInformation": [{"Name": "SSN"}]},
                           {"Name": "Custom", "BlockAccess": true, "ParentPolicyName": "PII"}]
        }))
        .unwrap();
        assert_eq!(t.name, "PII");
        let p = t.policy_parameters();
        assert_eq!(p["ExchangeLocation"], json!(["All"]));
        assert!(!p.contains_key("SharePointLocation") && !p.contains_key("Workload"));
        let rules = t.rule_parameters();
        assert_eq!(rules[0].0, "PII Rule 1");
        assert_eq!(rules[1].0, "Custom");
        assert!(!rules[1].1.contains_key("ParentPolicyName"));
        let back = serde_json::to_value(&t).unwrap();
        assert_eq!(back["RuleParams"].as_array().unwrap().len(), 2);
        assert!(is_location("ExchangeLocationException") && !is_location("Mode"));
    }
}
