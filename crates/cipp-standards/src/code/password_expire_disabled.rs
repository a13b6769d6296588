//! `PasswordExpireDisabled`: passwords never expire, set per domain.

use serde_json::{json, Value};

use super::util::{graph_patch, per_object, Finding};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// The validity period Entra ID reads as "never expires".
const NEVER: i64 = 2_147_483_647;

/// Every verified root domain gets a password validity period of "never"
/// (`passwordValidityPeriodInDays` = 2147483647), one `PATCH domains/{id}` per domain that
/// lacks it.
#[derive(Debug, Clone, Copy, Default)]
pub struct PasswordExpireDisabled;

impl Standard for PasswordExpireDisabled {
    fn name(&self) -> &'static str {
        "PasswordExpireDisabled"
    }
    fn label(&self) -> &'static str {
        "Passwords do not expire"
    }
    fn category(&self) -> &'static str {
        "Entra (AAD) Standards"
    }
    fn description(&self) -> &'static str {
        "Sets every verified root domain's password validity period to 'never expires', \
         so users are not pushed into predictable password rotations."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["Domains"]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let findings = input
            .rows("Domains")
            .iter()
            .filter(|d| d["isVerified"].as_bool().unwrap_or(true))
            // Subdomains inherit their root's policy and refuse the write.
            .filter(|d| d["isRoot"].as_bool().unwrap_or(true))
            .filter(|d| d["passwordValidityPeriodInDays"].as_i64() != Some(NEVER))
            .filter_map(|d| {
                let id = d["id"].as_str()?;
                let mut body = json!({"passwordValidityPeriodInDays": NEVER});
                if d["passwordNotificationWindowInDays"].is_null() {
                    // Graph wants a notification window with the period; 14 is its default.
                    body["passwordNotificationWindowInDays"] = json!(14);
                }
                Some(Finding {
                    object: id.to_string(),
                    current: json!({
                        "passwordValidityPeriodInDays": d["passwordValidityPeriodInDays"].clone()
                    }),
                    expected: json!({"passwordValidityPeriodInDays": NEVER}),
                    step: graph_patch(format!("domains/{id}"), body),
                })
            })
            .collect();
        Ok(per_object(Value::Null, findings))
    }
}
