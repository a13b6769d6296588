//! `StaleEntraDevices`: devices that have not signed in for a number of days are disabled.

use serde_json::json;

use super::util::{graph_patch, number, per_object, timestamp_at, Finding};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// Enabled Entra devices whose last sign-in (`approximateLastSignInDateTime`) is older than
/// `deviceAgeThreshold` days are disabled, one `PATCH devices/{id}` each. Disabling rather
/// than deleting follows Microsoft's advice for stale devices: a mistake is undone by
/// enabling the device again. Devices that never reported a sign-in are left alone.
#[derive(Debug, Clone, Copy, Default)]
pub struct StaleEntraDevices;

impl Standard for StaleEntraDevices {
    fn name(&self) -> &'static str {
        "StaleEntraDevices"
    }
    fn label(&self) -> &'static str {
        "Disable stale Entra devices"
    }
    fn category(&self) -> &'static str {
        "Entra (AAD) Standards"
    }
    fn description(&self) -> &'static str {
        "Disables Entra ID devices that have not signed in for the given number of days \
         (default 90)."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["Devices"]
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[("deviceAgeThreshold", "90")]
    }
    fn destructive(&self) -> bool {
        true
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let days = number(self.name(), input.settings, "deviceAgeThreshold", 90, 1)?;
        let cutoff = input.as_of as i64 - days as i64 * 86_400;
        let findings = input
            .rows("Devices")
            .iter()
            .filter(|d| d["accountEnabled"].as_bool() == Some(true))
            .filter(|d| {
                timestamp_at(d, "approximateLastSignInDateTime").is_some_and(|t| t < cutoff)
            })
            .filter_map(|d| {
                let id = d["id"].as_str()?;
                let name = d["displayName"].as_str().unwrap_or(id);
                Some(Finding {
                    object: format!("{name} ({id})"),
                    current: json!({
                        "accountEnabled": true,
                        "approximateLastSignInDateTime": d["approximateLastSignInDateTime"].clone(),
                    }),
                    expected: json!({"accountEnabled": false}),
                    step: graph_patch(format!("devices/{id}"), json!({"accountEnabled": false})),
                })
            })
            .collect();
        Ok(per_object(json!({"deviceAgeThreshold": days}), findings))
    }
}
