//! `intuneDeviceRetirementDays`: Intune's cleanup rule for devices that stopped checking in.

use serde_json::{json, Value};

use super::util::{graph, number, single};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// Intune's device cleanup rule for every platform (`deviceCleanupRulePlatformType` `all`)
/// removes devices that have not checked in for `days` days (31 to 365). The rule is
/// created (`POST deviceManagement/managedDeviceCleanupRules`) when the tenant has none for
/// every platform, else patched by its id.
#[derive(Debug, Clone, Copy, Default)]
pub struct IntuneDeviceRetirementDays;

impl Standard for IntuneDeviceRetirementDays {
    fn name(&self) -> &'static str {
        "intuneDeviceRetirementDays"
    }
    fn label(&self) -> &'static str {
        "Remove devices from Intune after days without check-in"
    }
    fn category(&self) -> &'static str {
        "Intune Standards"
    }
    fn description(&self) -> &'static str {
        "Sets after how many days without checking in Intune removes a device (31 to 365), \
         through the cleanup rule for all platforms."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["ManagedDeviceCleanupRules"]
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
        &[("days", "")]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let bad = |message: String| StandardsError::Setting {
            standard: self.name().into(),
            setting: "days".into(),
            message,
        };
        let days = number(self.name(), input.settings, "days", 0, 0)?;
        if !(31..=365).contains(&days) {
            return Err(bad(if days == 0 {
                "no number of days given (31 to 365)".into()
            } else {
                format!("{days} is not between 31 and 365")
            }));
        }
        let rule = input.rows("ManagedDeviceCleanupRules").iter().find(|r| {
            r["deviceCleanupRulePlatformType"]
                .as_str()
                .is_some_and(|p| p.eq_ignore_ascii_case("all"))
        });
        let current = json!({
            "deviceInactivityBeforeRetirementInDays":
                rule.map_or(Value::Null, |r| r["deviceInactivityBeforeRetirementInDays"].clone()),
        });
        let expected = json!({"deviceInactivityBeforeRetirementInDays": days});
        let step = match rule.and_then(|r| r["id"].as_str()) {
            Some(id) => graph(
                "PATCH",
                format!("deviceManagement/managedDeviceCleanupRules/{id}"),
                json!({"deviceInactivityBeforeRetirementInDays": days}),
            ),
            None => graph(
                "POST",
                "deviceManagement/managedDeviceCleanupRules",
                json!({
                    "displayName": "Remove inactive devices (all platforms)",
                    "description": "Devices that have not checked in are removed from Intune.",
                    "deviceCleanupRulePlatformType": "all",
                    "deviceInactivityBeforeRetirementInDays": days,
                }),
            ),
        };
        Ok(single(current, expected, vec![step]))
    }
}
