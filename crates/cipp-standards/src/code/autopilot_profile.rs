//! `AutopilotProfile`: a Windows Autopilot deployment profile, found by display name.

use serde_json::{json, Value};

use super::exchange_common::switch;
use super::util::{graph, text};
use super::{Assessment, Input, Standard};
use crate::compare::Difference;
use crate::error::StandardsError;
use crate::evaluate::Outcome;

/// Intune's licences (any one).
pub(crate) const INTUNE: &[&str] = &[
    "INTUNE_A",
    "MDM_Services",
    "EMS",
    "SCCM",
    "MICROSOFTINTUNEPLAN1",
];

/// The collection the profiles live in (under the beta root).
const PROFILES: &str = "deviceManagement/windowsAutopilotDeploymentProfiles";

/// The target of an assignment to every device.
const ALL_DEVICES: &str = "#microsoft.graph.allDevicesAssignmentTarget";

/// A Windows Autopilot deployment profile named `DisplayName` with the given description,
/// device name template, language (`Languages`: `os-default`, `user-select` or a tag such as
/// `en-GB`), pre-provisioning (`AllowWhiteGlove`, off in self-deploying mode), hardware hash
/// collection (`CollectHash`) and out-of-box experience (`SelfDeployingMode` for shared
/// devices, `NotLocalAdmin` for a standard user, `HidePrivacy`, `HideTerms`,
/// `AutoKeyboard`). A profile with that name is updated in place (`PATCH`), else created
/// (`POST`); the name is matched without case, as CIPP does, and a profile found under
/// another case is renamed to the given one. With `AssignToAllDevices` the profile must be
/// assigned to all devices; the assignment is added (`POST .../assignments`) to a profile
/// that lacks it. A profile this run creates has no id until Intune answers, so its
/// assignment is written by the next remediation (the first one reports it unconfirmed).
/// Unlike CIPP, duplicate profiles of the same name are not deleted: the first is kept in
/// line, the others are left to a person.
#[derive(Debug, Clone, Copy, Default)]
pub struct AutopilotProfile;

/// What Intune accepts in a deployment profile name: letters, digits, spaces and
/// `: " ? . @ $ & _ [ ] { } | \`. Anything else (a hyphen, typically) makes Intune answer
/// a bare 500, so the name is checked before anything is sent.
fn valid_name(name: &str) -> bool {
    !name.trim().is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || " :\"?.@$&_[]{}|\\".contains(c))
}

fn text_eq(a: &Value, b: &str) -> bool {
    a.as_str().unwrap_or_default() == b
}

impl Standard for AutopilotProfile {
    fn name(&self) -> &'static str {
        "AutopilotProfile"
    }
    fn label(&self) -> &'static str {
        "Autopilot deployment profile"
    }
    fn category(&self) -> &'static str {
        "Device Management Standards"
    }
    fn description(&self) -> &'static str {
        "Creates or updates a Windows Autopilot deployment profile by display name (device \
         name template, language, pre-provisioning, hash collection, out-of-box experience) \
         and optionally assigns it to all devices."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["AutopilotDeploymentProfiles"]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        INTUNE
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("DisplayName", ""),
            ("Description", ""),
            ("DeviceNameTemplate", ""),
            ("Languages", "os-default"),
            ("AllowWhiteGlove", "false"),
            ("CollectHash", "false"),
            ("SelfDeployingMode", "false"),
            ("NotLocalAdmin", "false"),
            ("HidePrivacy", "false"),
            ("HideTerms", "false"),
            ("AutoKeyboard", "false"),
            ("AssignToAllDevices", "false"),
        ]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let s = input.settings;
        let flag = |key: &str| switch(self.name(), s, key, false);
        let name = text(s, "DisplayName").unwrap_or_default();
        if !valid_name(&name) {
            return Err(StandardsError::Setting {
                standard: self.name().into(),
                setting: "DisplayName".into(),
                message: if name.is_empty() {
                    "is required".into()
                } else {
                    format!(
                        "'{name}' has characters Intune does not accept in a profile name \
                         (only letters, digits, spaces and : \" ? . @ $ & _ [ ] {{ }} | \\)"
                    )
                },
            });
        }
        let description = text(s, "Description").unwrap_or_default();
        let name_template = text(s, "DeviceNameTemplate").unwrap_or_default();
        // Graph takes no locale for "the operating system's default" and "let the user
        // choose": both are sent as empty text, as CIPP does.
        let locale = match text(s, "Languages").unwrap_or_default().as_str() {
            "" | "os-default" | "user-select" => String::new(),
            tag => tag.to_string(),
        };
        let shared = flag("SelfDeployingMode")?;
        // Self-deploying devices have no user to pre-provision for.
        let white_glove = flag("AllowWhiteGlove")? && !shared;
        let collect_hash = flag("CollectHash")?;
        let user_type = if flag("NotLocalAdmin")? {
            "standard"
        } else {
            "administrator"
        };
        let usage = if shared { "shared" } else { "singleUser" };
        let hide_privacy = flag("HidePrivacy")?;
        let hide_terms = flag("HideTerms")?;
        let auto_keyboard = flag("AutoKeyboard")?;
        let assign = flag("AssignToAllDevices")?;

        let mut oobe = json!({
            "deviceUsageType": usage,
            "escapeLinkHidden": true,
            "privacySettingsHidden": hide_privacy,
            "eulaHidden": hide_terms,
            "keyboardSelectionPageSkipped": auto_keyboard,
        });
        // Intune rejects a user type on self-deploying profiles.
        if !shared {
            oobe["userType"] = json!(user_type);
        }
        let body = json!({
            "@odata.type": "#microsoft.graph.azureADWindowsAutopilotDeploymentProfile",
            "displayName": name,
            "description": description,
            "deviceNameTemplate": name_template,
            "locale": locale,
            "preprovisioningAllowed": white_glove,
            "deviceType": "windowsPc",
            "hardwareHashExtractionEnabled": collect_hash,
            "roleScopeTagIds": [],
            "outOfBoxExperienceSetting": oobe,
        });

        let mut expected = json!({
            "displayName": name,
            "description": description,
            "deviceNameTemplate": name_template,
            "locale": locale,
            "preprovisioningAllowed": white_glove,
            "hardwareHashExtractionEnabled": collect_hash,
            "deviceUsageType": usage,
            "privacySettingsHidden": hide_privacy,
            "eulaHidden": hide_terms,
            "keyboardSelectionPageSkipped": auto_keyboard,
        });
        if !shared {
            expected["userType"] = json!(user_type);
        }
        if assign {
            expected["assignedToAllDevices"] = json!(true);
        }

        let found = input.rows("AutopilotDeploymentProfiles").iter().find(|p| {
            p["displayName"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(&name))
        });
        let Some(profile) = found else {
            let current = json!({"displayName": null});
            return Ok(Assessment {
                outcome: Outcome::Drifted {
                    current: current.clone(),
                    diff: vec![Difference {
                        property: "displayName".into(),
                        expected: json!(name),
                        current: Value::Null,
                    }],
                    expected,
                },
                steps: vec![graph("POST", PROFILES, body)],
            });
        };
        let id = profile["id"].as_str().unwrap_or_default();
        let o = &profile["outOfBoxExperienceSetting"];
        let mut current = json!({
            "displayName": profile["displayName"],
            "description": profile["description"].as_str().unwrap_or_default(),
            "deviceNameTemplate": profile["deviceNameTemplate"].as_str().unwrap_or_default(),
            "locale": profile["locale"].as_str().unwrap_or_default(),
            "preprovisioningAllowed": profile["preprovisioningAllowed"],
            "hardwareHashExtractionEnabled": profile["hardwareHashExtractionEnabled"],
            "deviceUsageType": o["deviceUsageType"],
            "privacySettingsHidden": o["privacySettingsHidden"],
            "eulaHidden": o["eulaHidden"],
            "keyboardSelectionPageSkipped": o["keyboardSelectionPageSkipped"],
        });
        if !shared {
            current["userType"] = o["userType"].clone();
        }
        let assigned = profile["assignments"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|a| text_eq(&a["target"]["@odata.type"], ALL_DEVICES));
        if assign {
            current["assignedToAllDevices"] = json!(assigned);
        }
        let settings_differ = {
            let mut c = current.clone();
            let mut e = expected.clone();
            if let (Some(c), Some(e)) = (c.as_object_mut(), e.as_object_mut()) {
                c.remove("assignedToAllDevices");
                e.remove("assignedToAllDevices");
            }
            c != e
        };
        let mut steps = Vec::new();
        if settings_differ {
            steps.push(graph("PATCH", format!("{PROFILES}/{id}"), body));
        }
        if assign && !assigned {
            steps.push(graph(
                "POST",
                format!("{PROFILES}/{id}/assignments"),
                json!({"target": {"@odata.type": ALL_DEVICES}}),
            ));
        }
        Ok(exact(current, expected, steps))
    }
}

/// Compliant when `current` equals `expected` exactly (names and templates are case
/// sensitive in Intune), else drifted with the differing properties and `steps`.
pub(crate) fn exact(current: Value, expected: Value, steps: Vec<crate::plan::Step>) -> Assessment {
    let diff: Vec<Difference> = expected
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, v)| current.get(k.as_str()) != Some(v))
        .map(|(k, v)| Difference {
            property: k.clone(),
            expected: v.clone(),
            current: current.get(k.as_str()).cloned().unwrap_or(Value::Null),
        })
        .collect();
    super::util::verdict(current, expected, diff, steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_names_follow_intunes_rules() {
        assert!(valid_name("CIPP Default [Autopilot] Profile"));
        assert!(valid_name("Zürich devices"));
        assert!(!valid_name("Alpha-Dental"));
        assert!(!valid_name("  "));
    }
}
