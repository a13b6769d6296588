//! `NudgeMFA`: the Authenticator registration campaign.

use serde_json::{json, Value};

use super::util::{graph_patch, list, number, single, target_ids, text};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// The registration campaign of the authentication methods policy, which asks users without
/// Microsoft Authenticator to set it up at sign-in: `state` (`enabled` or `disabled`), how
/// many days a user may snooze it (`snoozeDurationInDays`, 0 to 14) and the groups left out
/// (`excludeGroups`, display names looked up as ids in the tenant). One `PATCH` of
/// `policies/authenticationMethodsPolicy`.
#[derive(Debug, Clone, Copy, Default)]
pub struct NudgeMfa;

impl Standard for NudgeMfa {
    fn name(&self) -> &'static str {
        "NudgeMFA"
    }
    fn label(&self) -> &'static str {
        "Ask users to register Microsoft Authenticator"
    }
    fn category(&self) -> &'static str {
        "Entra (AAD) Standards"
    }
    fn description(&self) -> &'static str {
        "Runs (or stops) the sign-in campaign that asks users to register Microsoft \
         Authenticator, with the snooze allowance and excluded groups chosen."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["AuthenticationMethodsPolicy", "Groups"]
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("state", "enabled"),
            ("snoozeDurationInDays", "1"),
            ("excludeGroups", ""),
        ]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let bad = |setting: &str, message: String| StandardsError::Setting {
            standard: self.name().into(),
            setting: setting.into(),
            message,
        };
        let state = text(input.settings, "state").unwrap_or_else(|| "enabled".into());
        let state = match state.to_ascii_lowercase().as_str() {
            "enabled" | "true" => "enabled",
            "disabled" | "false" => "disabled",
            other => {
                return Err(bad(
                    "state",
                    format!("'{other}' is not enabled or disabled"),
                ))
            }
        };
        let snooze = number(self.name(), input.settings, "snoozeDurationInDays", 1, 0)?;
        if snooze > 14 {
            return Err(bad("snoozeDurationInDays", format!("{snooze} is above 14")));
        }
        let groups = input.rows("Groups");
        let mut exclude = Vec::new();
        for name in list(input.settings, "excludeGroups") {
            let id = groups
                .iter()
                .find(|g| {
                    g["displayName"]
                        .as_str()
                        .is_some_and(|d| d.eq_ignore_ascii_case(&name))
                        || g["id"]
                            .as_str()
                            .is_some_and(|i| i.eq_ignore_ascii_case(&name))
                })
                .and_then(|g| g["id"].as_str())
                .ok_or_else(|| {
                    bad(
                        "excludeGroups",
                        format!("no group named '{name}' in the tenant"),
                    )
                })?;
            exclude.push(id.to_ascii_lowercase());
        }
        exclude.sort();
        exclude.dedup();
        let campaign = input
            .rows("AuthenticationMethodsPolicy")
            .first()
            .map(|p| {
                p["registrationEnforcement"]["authenticationMethodsRegistrationCampaign"].clone()
            })
            .unwrap_or(Value::Null);
        let current = json!({
            "state": campaign["state"].clone(),
            "snoozeDurationInDays": campaign["snoozeDurationInDays"].clone(),
            "excludeGroups": target_ids(&campaign["excludeTargets"]),
        });
        let expected = json!({
            "state": state,
            "snoozeDurationInDays": snooze,
            "excludeGroups": exclude,
        });
        let body = json!({"registrationEnforcement": {"authenticationMethodsRegistrationCampaign": {
            "state": state,
            "snoozeDurationInDays": snooze,
            "includeTargets": [{
                "id": "all_users",
                "targetType": "group",
                "targetedAuthenticationMethod": "microsoftAuthenticator",
            }],
            "excludeTargets": exclude
                .iter()
                .map(|id| json!({"id": id, "targetType": "group"}))
                .collect::<Vec<_>>(),
        }}});
        Ok(single(
            current,
            expected,
            vec![graph_patch("policies/authenticationMethodsPolicy", body)],
        ))
    }
}
