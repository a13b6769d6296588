//! `DevicePrepProfile`: a Windows Autopilot device preparation policy.

use serde_json::{json, Value};

use super::autopilot_profile::{exact, INTUNE};
use super::exchange_common::switch;
use super::util::{graph, number, text};
use super::{Assessment, Input, Standard};
use crate::compare::Difference;
use crate::error::StandardsError;
use crate::evaluate::Outcome;

/// The settings catalog collection (under the beta root).
const POLICIES: &str = "deviceManagement/configurationPolicies";

/// Intune's template of device preparation policies.
const TEMPLATE_ID: &str = "80d33118-b7b4-40d8-b15f-81be745e053f_1";

/// CIPP's default error text (with its typographic apostrophe).
const DEFAULT_ERROR: &str = "Contact your organization\u{2019}s support person for help.";

/// The policy's choice settings: our name, Graph's definition id, and the ids Intune's
/// template gives the instance and the value.
const CHOICES: [(&str, &str, &str, &str); 6] = [
    (
        "deploymentMode",
        "enrollment_autopilot_dpp_deploymentmode",
        "5180aeab-886e-4589-97d4-40855c646315",
        "5874c2f6-bcf1-463b-a9eb-bee64e2f2d82",
    ),
    (
        "deploymentType",
        "enrollment_autopilot_dpp_deploymenttype",
        "f4184296-fa9f-4b67-8b12-1723b3f8456b",
        "e0af022f-37f3-4a40-916d-1ab7281c88d9",
    ),
    (
        "joinType",
        "enrollment_autopilot_dpp_jointype",
        "6310e95d-6cfa-4d2f-aae0-1e7af12e2182",
        "1fa84eb3-fcfa-4ed6-9687-0f3d486402c4",
    ),
    (
        "accountType",
        "enrollment_autopilot_dpp_accountype",
        "d4f2a840-86d5-4162-9a08-fa8cc608b94e",
        "bf13bb47-69ef-4e06-97c1-50c2859a49c2",
    ),
    (
        "allowSkip",
        "enrollment_autopilot_dpp_allowskip",
        "2a71dc89-0f17-4ba9-bb27-af2521d34710",
        "a2323e5e-ac56-4517-8847-b0a6fdb467e7",
    ),
    (
        "allowDiagnostics",
        "enrollment_autopilot_dpp_allowdiagnostics",
        "e2b7a81b-f243-4abd-bce3-c1856345f405",
        "c59d26fd-3460-4b26-b47a-f7e202e7d5a3",
    ),
];

/// The simple settings: our name, definition id, value type, instance and value template ids.
const SIMPLES: [(&str, &str, &str, &str, &str); 3] = [
    (
        "timeout",
        "enrollment_autopilot_dpp_timeout",
        "Integer",
        "6dec0657-dfb8-4906-a7ee-3ac6ee1edecb",
        "0bbcce5b-a55a-4e05-821a-94bf576d6cc8",
    ),
    (
        "customErrorMessage",
        "enrollment_autopilot_dpp_customerrormessage",
        "String",
        "2ddf0619-2b7a-46de-b29b-c6191e9dda6e",
        "fe5002d5-fbe9-4920-9e2d-26bfc4b4cc97",
    ),
    (
        "deviceGroupId",
        "enrollment_autopilot_dpp_devicesecuritygroupids",
        "String",
        "a46a50ab-3076-4968-9366-75a40dde950e",
        "5f7d09e1-1a90-44ad-9c9f-ad90ba509e60",
    ),
];

/// A Windows Autopilot device preparation policy (a settings catalog policy of Intune's
/// device preparation template) named `ProfileName`: self-deploying only (the one mode
/// device preparation has), `DeploymentType`, `JoinType` and `AccountType` (`0` or `1`),
/// the set-up time-out (`Timeout`, minutes), the error text (`CustomErrorMessage`),
/// whether users may skip (`AllowSkip`) and collect diagnostics (`AllowDiagnostics`), and
/// the device security group devices join (`DeviceGroupName`: the first security group
/// whose name starts with it). A missing policy is created (`POST`); one that differs is
/// replaced (`PUT`, keeping its id and assignments, where CIPP deletes and re-creates it).
/// With `AssignTo` (`AllDevices`, `AllDevicesAndUsers`) the policy is assigned by
/// `POST .../assign`; as with `AutopilotProfile`, a policy this run creates is assigned by
/// the next run. Unlike CIPP, a group that does not exist is not created here (CIPP creates
/// it owned by the Intune Provisioning Client): the standard says which group is missing.
#[derive(Debug, Clone, Copy, Default)]
pub struct DevicePrepProfile;

fn choice(def: &str, instance: &str, value_template: &str, value: &str) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationSetting",
        "settingInstance": {
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
            "settingDefinitionId": def,
            "settingInstanceTemplateReference": {"settingInstanceTemplateId": instance},
            "choiceSettingValue": {
                "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingValue",
                "children": [],
                "settingValueTemplateReference": {"settingValueTemplateId": value_template},
                "value": format!("{def}_{value}"),
            },
        },
    })
}

fn simple(def: &str, kind: &str, instance: &str, value_template: &str, value: &Value) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationSetting",
        "settingInstance": {
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
            "settingDefinitionId": def,
            "settingInstanceTemplateReference": {"settingInstanceTemplateId": instance},
            "simpleSettingValue": {
                "@odata.type": format!("#microsoft.graph.deviceManagementConfiguration{kind}SettingValue"),
                "settingValueTemplateReference": {"settingValueTemplateId": value_template},
                "value": value,
            },
        },
    })
}

/// The targets `AssignTo` names.
fn targets(assign_to: &str) -> Vec<&'static str> {
    match assign_to {
        "AllDevices" => vec!["#microsoft.graph.allDevicesAssignmentTarget"],
        "AllDevicesAndUsers" => vec![
            "#microsoft.graph.allDevicesAssignmentTarget",
            "#microsoft.graph.allLicensedUsersAssignmentTarget",
        ],
        _ => Vec::new(),
    }
}

impl Standard for DevicePrepProfile {
    fn name(&self) -> &'static str {
        "DevicePrepProfile"
    }
    fn label(&self) -> &'static str {
        "Autopilot device preparation policy"
    }
    fn category(&self) -> &'static str {
        "Device Management Standards"
    }
    fn description(&self) -> &'static str {
        "Creates or updates a Windows Autopilot device preparation policy by name (deployment \
         and join type, account type, time-out, error text, skip and diagnostics, device \
         security group) and optionally assigns it."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["IntuneConfigurationPolicies", "Groups"]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        INTUNE
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("ProfileName", ""),
            ("ProfileDescription", ""),
            ("DeploymentType", "0"),
            ("JoinType", "0"),
            ("AccountType", "0"),
            ("Timeout", "60"),
            ("CustomErrorMessage", ""),
            ("AllowSkip", "false"),
            ("AllowDiagnostics", "false"),
            ("DeviceGroupName", ""),
            ("AssignTo", "none"),
        ]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let s = input.settings;
        let bad = |setting: &str, message: String| StandardsError::Setting {
            standard: self.name().into(),
            setting: setting.into(),
            message,
        };
        let name = text(s, "ProfileName").unwrap_or_default();
        if name.is_empty() {
            return Err(bad("ProfileName", "is required".into()));
        }
        let zero_or_one = |key: &str| -> Result<String, StandardsError> {
            let v = text(s, key).unwrap_or_else(|| "0".into());
            match v.as_str() {
                "0" | "1" => Ok(v),
                other => Err(bad(key, format!("'{other}' is not 0 or 1"))),
            }
        };
        let flag = |key: &str| -> Result<String, StandardsError> {
            Ok(if switch(self.name(), s, key, false)? {
                "1".into()
            } else {
                "0".into()
            })
        };
        let assign_to = text(s, "AssignTo").unwrap_or_else(|| "none".into());
        if !matches!(
            assign_to.as_str(),
            "none" | "AllDevices" | "AllDevicesAndUsers"
        ) {
            return Err(bad(
                "AssignTo",
                format!("'{assign_to}' is not none, AllDevices or AllDevicesAndUsers"),
            ));
        }
        let group_id = match text(s, "DeviceGroupName") {
            None => String::new(),
            Some(prefix) => input
                .rows("Groups")
                .iter()
                .filter(|g| g["securityEnabled"] == true && g["mailEnabled"] != true)
                .find(|g| {
                    g["displayName"].as_str().is_some_and(|n| {
                        n.to_ascii_lowercase()
                            .starts_with(&prefix.to_ascii_lowercase())
                    })
                })
                .and_then(|g| g["id"].as_str())
                .map(str::to_string)
                .ok_or_else(|| {
                    bad(
                        "DeviceGroupName",
                        format!("no security group's name starts with '{prefix}'"),
                    )
                })?,
        };
        let mut expected = json!({
            "policyExists": true,
            "deploymentMode": "0",
            "deploymentType": zero_or_one("DeploymentType")?,
            "joinType": zero_or_one("JoinType")?,
            "accountType": zero_or_one("AccountType")?,
            "allowSkip": flag("AllowSkip")?,
            "allowDiagnostics": flag("AllowDiagnostics")?,
            "timeout": number(self.name(), s, "Timeout", 60, 1)?,
            "customErrorMessage": text(s, "CustomErrorMessage").unwrap_or_else(|| DEFAULT_ERROR.into()),
            "deviceGroupId": group_id,
        });
        let mut settings: Vec<Value> = CHOICES
            .iter()
            .map(|(key, def, instance, value)| {
                choice(def, instance, value, expected[*key].as_str().unwrap_or("0"))
            })
            .collect();
        settings.extend(SIMPLES.iter().map(|(key, def, kind, instance, value)| {
            simple(def, kind, instance, value, &expected[*key])
        }));
        let body = json!({
            "name": name,
            "description": text(s, "ProfileDescription").unwrap_or_default(),
            "roleScopeTagIds": ["0"],
            "platforms": "windows10",
            "technologies": "enrollment",
            "templateReference": {"templateId": TEMPLATE_ID},
            "settings": settings,
        });
        let wanted_targets = targets(&assign_to);
        if !wanted_targets.is_empty() {
            expected["assignedTo"] = json!(wanted_targets);
        }

        let found = input
            .rows("IntuneConfigurationPolicies")
            .iter()
            .find(|p| p["name"].as_str() == Some(name.as_str()));
        let Some(policy) = found else {
            return Ok(Assessment {
                outcome: Outcome::Drifted {
                    current: json!({"policyExists": false}),
                    diff: vec![Difference {
                        property: "policyExists".into(),
                        expected: json!(true),
                        current: json!(false),
                    }],
                    expected,
                },
                steps: vec![graph("POST", POLICIES, body)],
            });
        };
        let id = policy["id"].as_str().unwrap_or_default();
        let instances: Vec<&Value> = policy["settings"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| &s["settingInstance"])
            .collect();
        let of = |def: &str| instances.iter().find(|i| i["settingDefinitionId"] == def);
        let mut current = json!({"policyExists": true});
        for (key, def, _, _) in CHOICES {
            let v = of(def)
                .and_then(|i| i["choiceSettingValue"]["value"].as_str())
                .and_then(|v| v.rsplit('_').next())
                .unwrap_or_default();
            current[key] = json!(v);
        }
        for (key, def, _, _, _) in SIMPLES {
            current[key] = of(def)
                .map(|i| i["simpleSettingValue"]["value"].clone())
                .unwrap_or(Value::Null);
        }
        let mut have_targets: Vec<&str> = policy["assignments"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a["target"]["@odata.type"].as_str())
            .collect();
        have_targets.sort();
        if !wanted_targets.is_empty() {
            current["assignedTo"] = json!(have_targets);
        }
        let settings_differ = {
            let mut c = current.clone();
            let mut e = expected.clone();
            if let (Some(c), Some(e)) = (c.as_object_mut(), e.as_object_mut()) {
                c.remove("assignedTo");
                e.remove("assignedTo");
            }
            c != e
        };
        let mut steps = Vec::new();
        if settings_differ {
            steps.push(graph("PUT", format!("{POLICIES}/{id}"), body));
        }
        let mut sorted_wanted = wanted_targets.clone();
        sorted_wanted.sort();
        if !wanted_targets.is_empty() && have_targets != sorted_wanted {
            let assignments: Vec<Value> = wanted_targets
                .iter()
                .map(|t| json!({"target": {"@odata.type": t}}))
                .collect();
            steps.push(graph(
                "POST",
                format!("{POLICIES}/{id}/assign"),
                json!({"assignments": assignments}),
            ));
        }
        if let Some(a) = expected.get_mut("assignedTo") {
            *a = json!(sorted_wanted);
        }
        Ok(exact(current, expected, steps))
    }
}
