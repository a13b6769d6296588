//! `EmailAsAlternateLoginId`: whether users may sign in with their email address.

use serde_json::{json, Value};

use super::util::{graph, setting, single};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

const CACHE: &str = "HomeRealmDiscoveryPolicies";

/// The organisation-default home realm discovery policy says explicitly whether email is an
/// alternate sign-in id (`Enabled`, default off). The setting is JSON text inside the
/// policy's `definition`: parsed to compare, written whole (`POST` when there is no default
/// policy, else `PATCH`).
#[derive(Debug, Clone, Copy, Default)]
pub struct EmailAsAlternateLoginId;

fn alternate_id(policy: &Value) -> Option<bool> {
    policy["definition"]
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .filter_map(|t| serde_json::from_str::<Value>(t).ok())
        .find_map(|d| d["HomeRealmDiscoveryPolicy"]["AlternateIdLogin"]["Enabled"].as_bool())
}

impl Standard for EmailAsAlternateLoginId {
    fn name(&self) -> &'static str {
        "EmailAsAlternateLoginId"
    }
    fn label(&self) -> &'static str {
        "Email as an alternate sign-in id"
    }
    fn category(&self) -> &'static str {
        "Entra (AAD) Standards"
    }
    fn description(&self) -> &'static str {
        "Sets, in the organisation's default home realm discovery policy, whether users may \
         sign in with their email address instead of their user principal name."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &[CACHE]
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[("Enabled", "false")]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let enabled = match setting(input.settings, "Enabled") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
            Some(other) => {
                return Err(StandardsError::Setting {
                    standard: self.name().into(),
                    setting: "Enabled".into(),
                    message: format!("{other} is not true or false"),
                })
            }
        };
        let policy = input
            .rows(CACHE)
            .iter()
            .find(|p| p["isOrganizationDefault"].as_bool() == Some(true));
        let explicit = policy.and_then(alternate_id);
        let current = json!({
            "policyExists": policy.is_some(),
            "explicit": explicit.is_some(),
            "alternateIdLoginEnabled": explicit.unwrap_or(false),
        });
        let expected =
            json!({"policyExists": true, "explicit": true, "alternateIdLoginEnabled": enabled});
        let definition =
            json!({"HomeRealmDiscoveryPolicy": {"AlternateIdLogin": {"Enabled": enabled}}})
                .to_string();
        let body = json!({
            "definition": [definition],
            "isOrganizationDefault": true,
            "displayName": "HomeRealmDiscoveryPolicy",
        });
        let step = match policy.and_then(|p| p["id"].as_str()) {
            Some(id) => graph(
                "PATCH",
                format!("policies/homeRealmDiscoveryPolicies/{id}"),
                body,
            ),
            None => graph("POST", "policies/homeRealmDiscoveryPolicies", body),
        };
        Ok(single(current, expected, vec![step]))
    }
}
