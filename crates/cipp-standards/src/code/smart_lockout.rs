//! `SmartLockout`: Entra ID smart lockout's threshold and duration.

use serde_json::{json, Value};

use super::password_rule_settings::PasswordRuleSettings;
use super::util::{number, single};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// Smart lockout locks an account after `LockoutThreshold` failed sign-ins (1 to 50) for
/// `LockoutDurationInSeconds` (at least 5), both values of the "Password Rule Settings"
/// directory setting. The setting is created (`POST settings`, Microsoft's defaults for the
/// banned password values) when the tenant has none, else patched (`PATCH settings/{id}`,
/// its other values kept).
#[derive(Debug, Clone, Copy, Default)]
pub struct SmartLockout;

impl Standard for SmartLockout {
    fn name(&self) -> &'static str {
        "SmartLockout"
    }
    fn label(&self) -> &'static str {
        "Smart lockout threshold and duration"
    }
    fn category(&self) -> &'static str {
        "Entra (AAD) Standards"
    }
    fn description(&self) -> &'static str {
        "Sets after how many failed sign-ins Entra ID's smart lockout locks an account, and \
         for how many seconds."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["Settings"]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        &["AAD_PREMIUM", "AAD_PREMIUM_P2"]
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("LockoutThreshold", "10"),
            ("LockoutDurationInSeconds", "60"),
        ]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let threshold = number(self.name(), input.settings, "LockoutThreshold", 10, 1)?;
        if threshold > 50 {
            return Err(StandardsError::Setting {
                standard: self.name().into(),
                setting: "LockoutThreshold".into(),
                message: format!("{threshold} is above 50"),
            });
        }
        let duration = number(
            self.name(),
            input.settings,
            "LockoutDurationInSeconds",
            60,
            5,
        )?;
        let setting = PasswordRuleSettings::of(input);
        let current_of = |name: &str| -> Value {
            setting
                .value(name)
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map_or(Value::Null, Value::from)
        };
        let current = json!({
            "LockoutThreshold": current_of("LockoutThreshold"),
            "LockoutDurationInSeconds": current_of("LockoutDurationInSeconds"),
        });
        let expected = json!({
            "LockoutThreshold": threshold,
            "LockoutDurationInSeconds": duration,
        });
        let step = setting.write(&[
            ("LockoutThreshold", threshold.to_string()),
            ("LockoutDurationInSeconds", duration.to_string()),
        ]);
        Ok(single(current, expected, vec![step]))
    }
}
