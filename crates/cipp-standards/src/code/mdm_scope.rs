//! `MDMScope`: who Intune's automatic MDM enrollment applies to.

use serde_json::{json, Value};

use super::util::{graph, graph_patch, text};
use super::{Assessment, Input, Standard};
use crate::compare::Difference;
use crate::error::StandardsError;
use crate::evaluate::Outcome;

/// The Microsoft Intune MDM application's policy.
const POLICY: &str = "policies/mobileDeviceManagementPolicies/0000000a-0000-0000-c000-000000000000";
/// Microsoft's own enrollment endpoints, which the policy should point at.
const URLS: [(&str, &str); 3] = [
    (
        "termsOfUseUrl",
        "https://portal.manage.microsoft.com/TermsofUse.aspx",
    ),
    (
        "discoveryUrl",
        "https://enrollment.manage.microsoft.com/enrollmentserver/discovery.svc",
    ),
    (
        "complianceUrl",
        "https://portal.manage.microsoft.com/?portalAction=Compliance",
    ),
];

/// The MDM user scope of the Intune MDM policy: `appliesTo` is `all`, `none` or `selected`
/// (then the group `customGroup`, by display name or id, must be among its included groups),
/// and the terms of use, discovery and compliance URLs are Microsoft's. Graph refuses one
/// `PATCH` of both the URLs and the scope, so they are two writes, each sent only when it
/// differs; a missing group is added with `POST includedGroups/$ref`.
#[derive(Debug, Clone, Copy, Default)]
pub struct MdmScope;

impl Standard for MdmScope {
    fn name(&self) -> &'static str {
        "MDMScope"
    }
    fn label(&self) -> &'static str {
        "Intune MDM user scope"
    }
    fn category(&self) -> &'static str {
        "Intune Standards"
    }
    fn description(&self) -> &'static str {
        "Sets which users' devices enroll in Intune automatically (all, none or one group) \
         and points the enrollment at Microsoft's terms of use, discovery and compliance URLs."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &[
            "MobileDeviceManagementPolicy",
            "MobileDeviceManagementPolicyGroups",
            "Groups",
        ]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        &[
            "INTUNE_A",
            "MDM_Services",
            "EMS",
            "SCCM",
            "MICROSOFTINTUNEPLAN1",
        ]
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[("appliesTo", "all"), ("customGroup", "")]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let bad = |setting: &str, message: String| StandardsError::Setting {
            standard: self.name().into(),
            setting: setting.into(),
            message,
        };
        let applies_to = text(input.settings, "appliesTo").unwrap_or_else(|| "all".into());
        let applies_to = match applies_to.to_ascii_lowercase().as_str() {
            "all" => "all",
            "none" => "none",
            "selected" => "selected",
            other => {
                return Err(bad(
                    "appliesTo",
                    format!("'{other}' is not all, none or selected"),
                ))
            }
        };
        let group = match (applies_to, text(input.settings, "customGroup")) {
            ("selected", None) => {
                return Err(bad(
                    "customGroup",
                    "no group given for the selected scope".into(),
                ))
            }
            ("selected", Some(name)) => {
                let found = input
                    .rows("Groups")
                    .iter()
                    .find(|g| {
                        ["displayName", "id"].iter().any(|k| {
                            g[*k]
                                .as_str()
                                .is_some_and(|v| v.eq_ignore_ascii_case(&name))
                        })
                    })
                    .ok_or_else(|| {
                        bad(
                            "customGroup",
                            format!("no group named '{name}' in the tenant"),
                        )
                    })?;
                let id = found["id"].as_str().unwrap_or_default().to_string();
                let label = found["displayName"].as_str().unwrap_or(&name).to_string();
                Some((id, label))
            }
            _ => None,
        };
        let policy = input
            .rows("MobileDeviceManagementPolicy")
            .first()
            .cloned()
            .unwrap_or(Value::Null);
        let included: Vec<String> = input
            .rows("MobileDeviceManagementPolicyGroups")
            .iter()
            .filter_map(|g| g["id"].as_str().map(str::to_ascii_lowercase))
            .collect();
        let mut diff = Vec::new();
        let mut steps = Vec::new();
        let mut current = json!({});
        let mut expected = json!({});
        let mut differs = |key: &str, want: Value, have: Value, diff: &mut Vec<Difference>| {
            current[key] = have.clone();
            expected[key] = want.clone();
            let same = match (&want, &have) {
                (Value::String(a), Value::String(b)) => a.eq_ignore_ascii_case(b),
                (a, b) => a == b,
            };
            if !same {
                diff.push(Difference {
                    property: key.to_string(),
                    expected: want,
                    current: have,
                });
            }
            !same
        };
        let mut urls_differ = false;
        for (key, url) in URLS {
            urls_differ |= differs(key, json!(url), policy[key].clone(), &mut diff);
        }
        if urls_differ {
            let body: serde_json::Map<String, Value> = URLS
                .iter()
                .map(|(k, v)| ((*k).to_string(), json!(v)))
                .collect();
            steps.push(graph_patch(POLICY, Value::Object(body)));
        }
        if differs(
            "appliesTo",
            json!(applies_to),
            policy["appliesTo"].clone(),
            &mut diff,
        ) {
            steps.push(graph_patch(POLICY, json!({"appliesTo": applies_to})));
        }
        if let Some((id, label)) = group {
            let has = included.contains(&id.to_ascii_lowercase());
            let have = if has { json!(label) } else { Value::Null };
            if differs("customGroup", json!(label), have, &mut diff) {
                steps.push(graph(
                    "POST",
                    format!("{POLICY}/includedGroups/$ref"),
                    json!({"@odata.id": format!("https://graph.microsoft.com/beta/groups('{id}')")}),
                ));
            }
        }
        Ok(if diff.is_empty() {
            Assessment::outcome(Outcome::Compliant { current })
        } else {
            Assessment {
                outcome: Outcome::Drifted {
                    current,
                    expected,
                    diff,
                },
                steps,
            }
        })
    }
}
