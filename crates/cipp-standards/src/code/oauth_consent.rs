//! `OauthConsent`: users consent only to the apps a permission grant policy allows.

use serde_json::{json, Value};

use super::util::{graph, graph_patch, list, single};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// The permission grant policy this standard keeps (CIPP's id, so tenants CIPP configured
/// are recognised).
const POLICY_ID: &str = "cipp-consent-policy";
/// How the default user role is given the policy.
const ASSIGNMENT: &str = "ManagePermissionGrantsForSelf.cipp-consent-policy";

/// User consent is limited to the permission grant policy `cipp-consent-policy`: the default
/// user role's `permissionGrantPoliciesAssigned` names it (instead of any other
/// `ManagePermissionGrantsForSelf.*` policy), and the policy includes each app id given in
/// `AllowedApps` (comma separated) for delegated and application permissions. The policy
/// is created when missing (`POST policies/permissionGrantPolicies`), one include is added
/// per missing app (`POST .../includes`) and the authorization policy is patched; includes
/// already there are kept.
#[derive(Debug, Clone, Copy, Default)]
pub struct OauthConsent;

fn covered(policy: Option<&Value>, app: &str) -> bool {
    policy
        .and_then(|p| p["includes"].as_array())
        .into_iter()
        .flatten()
        .filter(|i| {
            i["permissionType"]
                .as_str()
                .is_some_and(|t| t.eq_ignore_ascii_case("delegated"))
        })
        .any(|i| {
            i["clientApplicationIds"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|a| a.as_str().is_some_and(|a| a.eq_ignore_ascii_case(app)))
        })
}

impl Standard for OauthConsent {
    fn name(&self) -> &'static str {
        "OauthConsent"
    }
    fn label(&self) -> &'static str {
        "Limit user consent to allowed apps"
    }
    fn category(&self) -> &'static str {
        "Entra (AAD) Standards"
    }
    fn description(&self) -> &'static str {
        "Stops users from consenting to apps on their own, except the app ids allowed, through \
         a permission grant policy assigned to the default user role."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["AuthorizationPolicy", "PermissionGrantPolicies"]
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[("AllowedApps", "")]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let apps = list(input.settings, "AllowedApps");
        if let Some(bad) = apps.iter().find(|a| uuid_like(a).is_none()) {
            return Err(StandardsError::Setting {
                standard: self.name().into(),
                setting: "AllowedApps".into(),
                message: format!("'{bad}' is not an application id (GUID)"),
            });
        }
        let authz = input
            .rows("AuthorizationPolicy")
            .first()
            .cloned()
            .unwrap_or(Value::Null);
        let assigned: Vec<String> = authz["defaultUserRolePermissions"]
            ["permissionGrantPoliciesAssigned"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        let policy = input.rows("PermissionGrantPolicies").iter().find(|p| {
            p["id"]
                .as_str()
                .is_some_and(|i| i.eq_ignore_ascii_case(POLICY_ID))
        });
        let only_ours = assigned.iter().any(|a| a.eq_ignore_ascii_case(ASSIGNMENT))
            && !assigned.iter().any(|a| {
                a.to_ascii_lowercase()
                    .starts_with("managepermissiongrantsforself.")
                    && !a.eq_ignore_ascii_case(ASSIGNMENT)
            });
        let missing: Vec<&String> = apps.iter().filter(|a| !covered(policy, a)).collect();
        let current = json!({
            "consentPolicyAssigned": only_ours,
            "policyExists": policy.is_some(),
            "missingApps": missing,
        });
        let expected =
            json!({"consentPolicyAssigned": true, "policyExists": true, "missingApps": []});
        let mut steps = Vec::new();
        if policy.is_none() {
            steps.push(graph(
                "POST",
                "policies/permissionGrantPolicies",
                json!({
                    "id": POLICY_ID,
                    "displayName": "Application Consent Policy",
                    "description": "Apps users may consent to on their own.",
                }),
            ));
        }
        for app in &missing {
            for kind in ["delegated", "application"] {
                steps.push(graph(
                    "POST",
                    format!("policies/permissionGrantPolicies/{POLICY_ID}/includes"),
                    json!({"permissionType": kind, "clientApplicationIds": [app]}),
                ));
            }
        }
        if !only_ours {
            let mut keep: Vec<String> = assigned
                .into_iter()
                .filter(|a| {
                    !a.to_ascii_lowercase()
                        .starts_with("managepermissiongrantsforself.")
                })
                .collect();
            keep.push(ASSIGNMENT.to_string());
            steps.push(graph_patch(
                "policies/authorizationPolicy/authorizationPolicy",
                json!({"defaultUserRolePermissions": {"permissionGrantPoliciesAssigned": keep}}),
            ));
        }
        Ok(single(current, expected, steps))
    }
}

/// `Some(())` when `s` has the shape of a GUID.
fn uuid_like(s: &str) -> Option<()> {
    let parts: Vec<&str> = s.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    (parts.len() == 5
        && parts
            .iter()
            .zip(lens)
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit())))
    .then_some(())
}
