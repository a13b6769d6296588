//! Sensitivity label templates: one Purview sensitivity label as `New-Label` takes it (flat
//! parameters: `Name`, `DisplayName`, `Tooltip`, `Comment`, encryption and content marking
//! settings...), with the label policy that publishes it (`PolicyParams`, optional).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// Label properties that are never sent to `New-Label`/`Set-Label`: what `Get-Label` reports
/// about the object itself, template bookkeeping, and `Priority` (its valid range depends on
/// the tenant's other labels, and `New-Label` does not take it).
pub const LABEL_NOT_SENT: [&str; 25] = [
    "GUID",
    "comments",
    "PolicyParams",
    "ParentLabelDisplayName",
    "ParentLabelName",
    "Priority",
    "Disabled",
    "LabelActions",
    "Identity",
    "Id",
    "ImmutableId",
    "IsValid",
    "WhenCreated",
    "WhenChanged",
    "WhenCreatedUTC",
    "WhenChangedUTC",
    "CreatedBy",
    "LastModifiedBy",
    "Mode",
    "ObjectVersion",
    "OrganizationId",
    "DistinguishedName",
    "ExchangeObjectId",
    "Workload",
    "Policy",
];

/// The label settings `Get-Label` reports as properties of their own, and so the only ones
/// compared with a live label. Everything else (encryption, content marking, site and group
/// protection, advanced settings) comes back folded into `LabelActions` and `Settings`, so it
/// is written when the label is created and not compared afterwards.
pub const LABEL_COMPARED: [&str; 4] = ["DisplayName", "Tooltip", "Comment", "ContentType"];

/// Label policy properties never sent to `New-LabelPolicy`/`Set-LabelPolicy`.
pub const POLICY_NOT_SENT: [&str; 14] = [
    "GUID",
    "Guid",
    "Identity",
    "Id",
    "ImmutableId",
    "WhenCreated",
    "WhenChanged",
    "WhenCreatedUTC",
    "WhenChangedUTC",
    "DistributionStatus",
    "Enabled",
    "Mode",
    "Workload",
    "ScopedLabels",
];

/// A sensitivity label template (`*.SensitivityLabelTemplate.json`). The label is matched by
/// `Name` or `DisplayName`, ignoring case.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct SensitivityLabelTemplate {
    /// The label's name (`Name`, else `DisplayName`).
    pub name: String,
    /// The template's GUID field, when it has one.
    pub guid: Option<String>,
    /// Every property of the file except `PolicyParams`, nulls dropped (unknown ones kept).
    pub parameters: Map<String, Value>,
    /// The label policy (`PolicyParams`), when the template publishes the label.
    pub policy: Option<Map<String, Value>>,
}

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

pub(crate) fn text_of(m: &Map<String, Value>, key: &str) -> Option<String> {
    m.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .and_then(|(_, v)| v.as_str())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn one_of(key: &str, list: &[&str]) -> bool {
    list.iter().any(|x| x.eq_ignore_ascii_case(key))
}

impl SensitivityLabelTemplate {
    /// A template from the file's properties.
    pub fn from_parameters(mut parameters: Map<String, Value>) -> Self {
        let policy_key = parameters
            .keys()
            .find(|k| k.eq_ignore_ascii_case("PolicyParams"))
            .cloned();
        let policy = match policy_key.and_then(|k| parameters.remove(&k)) {
            Some(Value::Object(o)) => Some(o),
            _ => None,
        };
        let parameters: Map<String, Value> = parameters
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .collect();
        SensitivityLabelTemplate {
            name: text_of(&parameters, "Name")
                .or_else(|| text_of(&parameters, "DisplayName"))
                .unwrap_or_default(),
            guid: text_of(&parameters, "GUID"),
            parameters,
            policy,
        }
    }

    /// The parameters `New-Label` gets: `Name`, `DisplayName` (the name when the template has
    /// none) and every other setting, without read-only properties or blanks. `ParentId` is
    /// included as the template has it; the deploy resolves it in the tenant.
    pub fn label_parameters(&self) -> Map<String, Value> {
        let mut out: Map<String, Value> = self
            .parameters
            .iter()
            .filter(|(k, _)| !one_of(k, &LABEL_NOT_SENT))
            .filter(|(k, _)| !k.contains("@odata"))
            .filter(|(_, v)| !is_blank(v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        out.retain(|k, _| !k.eq_ignore_ascii_case("Name"));
        out.insert("Name".into(), Value::from(self.name.clone()));
        if text_of(&out, "DisplayName").is_none() {
            out.retain(|k, _| !k.eq_ignore_ascii_case("DisplayName"));
            out.insert("DisplayName".into(), Value::from(self.name.clone()));
        }
        out
    }

    /// The parent label the template names by name (`ParentLabelDisplayName`, else
    /// `ParentLabelName`): a `ParentId` GUID means nothing outside the tenant it came from.
    pub fn parent_name(&self) -> Option<String> {
        text_of(&self.parameters, "ParentLabelDisplayName")
            .or_else(|| text_of(&self.parameters, "ParentLabelName"))
    }

    /// The label policy's name: its own `Name`, else `{label} Policy`. `None` without a
    /// policy.
    pub fn policy_name(&self) -> Option<String> {
        let p = self.policy.as_ref()?;
        Some(text_of(p, "Name").unwrap_or_else(|| format!("{} Policy", self.name)))
    }

    /// The parameters `New-LabelPolicy` gets: `Name`, `Labels` (this label when the policy
    /// lists none) and the rest, locations as lists of text. `None` without a policy.
    pub fn policy_parameters(&self) -> Option<Map<String, Value>> {
        let p = self.policy.as_ref()?;
        let name = self.policy_name()?;
        let mut out = Map::new();
        for (k, v) in p {
            if one_of(k, &POLICY_NOT_SENT)
                || k.eq_ignore_ascii_case("Name")
                || k.contains("@odata")
                || is_blank(v)
            {
                continue;
            }
            let v = if k.eq_ignore_ascii_case("Labels") || super::compliance::is_location(k) {
                let items = super::compliance::location_items(v);
                if items.is_empty() {
                    continue;
                }
                Value::from(items)
            } else {
                v.clone()
            };
            out.insert(k.clone(), v);
        }
        out.insert("Name".into(), Value::from(name));
        if !out.keys().any(|k| k.eq_ignore_ascii_case("Labels")) {
            out.insert("Labels".into(), Value::from(vec![self.name.clone()]));
        }
        Some(out)
    }
}

impl Serialize for SensitivityLabelTemplate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut all = self.parameters.clone();
        if let Some(p) = &self.policy {
            all.insert("PolicyParams".into(), Value::Object(p.clone()));
        }
        all.serialize(s)
    }
}

impl<'de> Deserialize<'de> for SensitivityLabelTemplate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(SensitivityLabelTemplate::from_parameters(Map::deserialize(
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
    fn label_and_policy_parameters() {
        let t: SensitivityLabelTemplate = serde_json::from_value(json!({
            "Name": "Confidential", "Tooltip": "Internal only", "Priority": 3, "Comment": null,
            "Guid": "x", "ImmutableId": "y", "ApplyWaterMarkingEnabled": true, "Custom": 1,
            "PolicyParams": {"ExchangeLocation": [{"Name": "All"}], "Comment": ""}
        }))
        .unwrap();
        assert_eq!(t.name, "Confidential");
        let p = t.label_parameters();
        assert_eq!(p["DisplayName"], "Confidential");
        assert!(!p.contains_key("Priority") && !p.contains_key("ImmutableId"));
        assert_eq!(p["Custom"], 1);
        let pol = t.policy_parameters().unwrap();
        assert_eq!(pol["Name"], "Confidential Policy");
        assert_eq!(pol["Labels"], json!(["Confidential"]));
        assert_eq!(pol["ExchangeLocation"], json!(["All"]));
        assert!(!pol.contains_key("Comment"));
        let back = serde_json::to_value(&t).unwrap();
        assert_eq!(back["PolicyParams"]["ExchangeLocation"][0]["Name"], "All");
        assert_eq!(back["Custom"], 1);
    }
}
