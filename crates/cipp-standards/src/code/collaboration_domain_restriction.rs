//! `CollaborationDomainRestriction`: B2B invitations only to allowed domains.

use serde_json::{json, Value};

use super::util::{graph, list, single};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// The B2B management policy (`policies/b2bManagementPolicies`, the organisation default)
/// allows invitations only to the given domains (`allowedDomains`, comma separated; any
/// order or case) and blocks no list of its own. Its settings are JSON text inside the
/// policy's `definition`: the text is parsed to compare, and written whole, with the
/// policy's other parts (auto-redemption) kept. Created (`POST`) when the tenant has no
/// policy, else patched (`PATCH .../{id}`).
#[derive(Debug, Clone, Copy, Default)]
pub struct CollaborationDomainRestriction;

fn sorted_lower(items: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = items.into_iter().map(|s| s.to_ascii_lowercase()).collect();
    out.sort();
    out.dedup();
    out
}

/// The parsed JSON text of the policy's first definition (an empty object when absent).
fn definition(policy: Option<&Value>) -> Result<Value, String> {
    let Some(text) = policy.and_then(|p| p["definition"][0].as_str()) else {
        return Ok(json!({}));
    };
    serde_json::from_str(text).map_err(|e| format!("the policy's definition is not JSON: {e}"))
}

impl Standard for CollaborationDomainRestriction {
    fn name(&self) -> &'static str {
        "CollaborationDomainRestriction"
    }
    fn label(&self) -> &'static str {
        "Guest invitations only to allowed domains"
    }
    fn category(&self) -> &'static str {
        "Entra (AAD) Standards"
    }
    fn description(&self) -> &'static str {
        "Lets people invite guests (B2B collaboration) only from the listed domains."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["B2BManagementPolicy"]
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[("allowedDomains", "")]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let domains = list(input.settings, "allowedDomains");
        if domains.is_empty() {
            return Err(StandardsError::Setting {
                standard: self.name().into(),
                setting: "allowedDomains".into(),
                message: "no domains given".into(),
            });
        }
        let policies = input.rows("B2BManagementPolicy");
        let policy = policies
            .iter()
            .find(|p| p["isOrganizationDefault"] == true)
            .or_else(|| policies.first());
        let mut parsed = definition(policy).map_err(|message| StandardsError::Setting {
            standard: self.name().into(),
            setting: "allowedDomains".into(),
            message,
        })?;
        let rules = &parsed["B2BManagementPolicy"]["InvitationsAllowedAndBlockedDomainsPolicy"];
        let strings = |v: &Value| -> Vec<String> {
            v.as_array()
                .into_iter()
                .flatten()
                .filter_map(|d| d.as_str().map(str::to_string))
                .collect()
        };
        let current = json!({
            "allowedDomains": if rules.get("AllowedDomains").is_some() {
                json!(sorted_lower(strings(&rules["AllowedDomains"])))
            } else {
                Value::Null
            },
            "blockedDomains": sorted_lower(strings(&rules["BlockedDomains"])),
        });
        let expected = json!({
            "allowedDomains": sorted_lower(domains.clone()),
            "blockedDomains": [],
        });
        if !parsed.is_object() {
            parsed = json!({});
        }
        if !parsed["B2BManagementPolicy"].is_object() {
            parsed["B2BManagementPolicy"] = json!({});
        }
        parsed["B2BManagementPolicy"]["InvitationsAllowedAndBlockedDomainsPolicy"] =
            json!({"AllowedDomains": domains});
        let text = parsed.to_string();
        let step = match policy.and_then(|p| p["id"].as_str()) {
            Some(id) => graph(
                "PATCH",
                format!("policies/b2bManagementPolicies/{id}"),
                json!({"definition": [text]}),
            ),
            None => graph(
                "POST",
                "policies/b2bManagementPolicies",
                json!({
                    "definition": [text],
                    "displayName": "B2BManagementPolicy",
                    "isOrganizationDefault": true,
                }),
            ),
        };
        Ok(single(current, expected, vec![step]))
    }
}
