//! `AutopilotStatusPage`: Intune's default enrollment status page (ESP).

use serde_json::json;

use super::autopilot_profile::{exact, INTUNE};
use super::exchange_common::switch;
use super::util::{graph_patch, number, text};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;
use crate::evaluate::Outcome;

/// The type Intune gives enrollment status page configurations.
const ESP_TYPE: &str = "windows10EnrollmentCompletionPageConfiguration";

/// The default enrollment status page every tenant has (`{tenantId}_Default...`, priority 0,
/// applied to all users and devices): whether installation progress is shown
/// (`ShowProgress`), the time-out (`TimeOutInMinutes`), the error text (`ErrorMessage`), log
/// collection (`EnableLog`), tracking Autopilot devices only (`OBEEOnly`), retry
/// (`BlockDevice`), quality updates during setup (`InstallWindowsUpdates`), reset
/// (`AllowReset`) and use (`AllowFail`) after a failed installation. One `PATCH` of that
/// configuration. As CIPP writes it, Intune's `blockDeviceSetupRetryByUser` is the opposite
/// of `BlockDevice` (CIPP's "block device usage during setup"); kept so that a tenant CIPP
/// configured reads as compliant here.
#[derive(Debug, Clone, Copy, Default)]
pub struct AutopilotStatusPage;

impl Standard for AutopilotStatusPage {
    fn name(&self) -> &'static str {
        "AutopilotStatusPage"
    }
    fn label(&self) -> &'static str {
        "Autopilot enrollment status page"
    }
    fn category(&self) -> &'static str {
        "Device Management Standards"
    }
    fn description(&self) -> &'static str {
        "Sets Intune's default enrollment status page: progress shown, time-out, error \
         message, log collection, retry, reset and use after a failed installation."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["IntuneDeviceEnrollmentConfigurations"]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        INTUNE
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("ShowProgress", "true"),
            ("TimeOutInMinutes", "60"),
            ("ErrorMessage", ""),
            ("EnableLog", "true"),
            ("OBEEOnly", "false"),
            ("BlockDevice", "false"),
            ("InstallWindowsUpdates", "false"),
            ("AllowReset", "false"),
            ("AllowFail", "false"),
        ]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let s = input.settings;
        let flag = |key: &str, default: bool| switch(self.name(), s, key, default);
        let timeout = number(self.name(), s, "TimeOutInMinutes", 60, 1)?;
        let expected = json!({
            "showInstallationProgress": flag("ShowProgress", true)?,
            "installProgressTimeoutInMinutes": timeout,
            "customErrorMessage": text(s, "ErrorMessage").unwrap_or_default(),
            "allowLogCollectionOnInstallFailure": flag("EnableLog", true)?,
            "trackInstallProgressForAutopilotOnly": flag("OBEEOnly", false)?,
            "blockDeviceSetupRetryByUser": !flag("BlockDevice", false)?,
            "installQualityUpdates": flag("InstallWindowsUpdates", false)?,
            "allowDeviceResetOnInstallFailure": flag("AllowReset", false)?,
            "allowDeviceUseOnInstallFailure": flag("AllowFail", false)?,
        });
        let is_esp = |c: &&serde_json::Value| {
            c["deviceEnrollmentConfigurationType"].as_str() == Some(ESP_TYPE)
                || c["@odata.type"].as_str() == Some(&format!("#microsoft.graph.{ESP_TYPE}"))
        };
        let rows = input.rows("IntuneDeviceEnrollmentConfigurations");
        let page = rows
            .iter()
            .filter(is_esp)
            .find(|c| {
                c["id"].as_str().is_some_and(|i| {
                    i.ends_with("DefaultWindows10EnrollmentCompletionPageConfiguration")
                })
            })
            .or_else(|| rows.iter().filter(is_esp).find(|c| c["priority"] == 0));
        let Some(page) = page else {
            return Ok(Assessment::outcome(Outcome::NoData {
                cache_type: "IntuneDeviceEnrollmentConfigurations".into(),
                reason: "the tenant has no default enrollment status page".into(),
            }));
        };
        let current = json!({
            "showInstallationProgress": page["showInstallationProgress"],
            "installProgressTimeoutInMinutes": page["installProgressTimeoutInMinutes"],
            "customErrorMessage": page["customErrorMessage"].as_str().unwrap_or_default(),
            "allowLogCollectionOnInstallFailure": page["allowLogCollectionOnInstallFailure"],
            "trackInstallProgressForAutopilotOnly": page["trackInstallProgressForAutopilotOnly"],
            "blockDeviceSetupRetryByUser": page["blockDeviceSetupRetryByUser"],
            "installQualityUpdates": page["installQualityUpdates"],
            "allowDeviceResetOnInstallFailure": page["allowDeviceResetOnInstallFailure"],
            "allowDeviceUseOnInstallFailure": page["allowDeviceUseOnInstallFailure"],
        });
        let id = page["id"].as_str().unwrap_or_default();
        let mut body = expected.clone();
        body["@odata.type"] = json!(format!("#microsoft.graph.{ESP_TYPE}"));
        Ok(exact(
            current,
            expected,
            vec![graph_patch(
                format!("deviceManagement/deviceEnrollmentConfigurations/{id}"),
                body,
            )],
        ))
    }
}
