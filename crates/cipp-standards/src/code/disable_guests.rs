//! `DisableGuests`: guest accounts unused for a number of days are disabled.

use serde_json::json;

use super::util::{graph_patch, number, per_object, timestamp_at, without_sign_ins, Finding};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// Guests (`userType` Guest) that are enabled, were invited more than `days` days ago and have
/// not signed in successfully since (or never) are disabled, one `PATCH users/{id}` each.
/// Only the guests this evaluation found are written; a guest whose invitation or sign-in
/// date cannot be read is left alone.
#[derive(Debug, Clone, Copy, Default)]
pub struct DisableGuests;

impl Standard for DisableGuests {
    fn name(&self) -> &'static str {
        "DisableGuests"
    }
    fn label(&self) -> &'static str {
        "Disable guests inactive for a number of days"
    }
    fn category(&self) -> &'static str {
        "Entra (AAD) Standards"
    }
    fn description(&self) -> &'static str {
        "Blocks sign-in for guest accounts that have not signed in for the given number of \
         days (default 90), leaving recently invited guests alone."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["UserSignInActivity"]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        &["AAD_PREMIUM", "AAD_PREMIUM_P2"]
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[("days", "90")]
    }
    fn destructive(&self) -> bool {
        true
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let days = number(self.name(), input.settings, "days", 90, 1)?;
        let cutoff = input.as_of as i64 - days as i64 * 86_400;
        if let Some(no_data) =
            without_sign_ins("UserSignInActivity", input.rows("UserSignInActivity"))
        {
            return Ok(no_data);
        }
        let findings = input
            .rows("UserSignInActivity")
            .iter()
            .filter(|u| {
                u["userType"]
                    .as_str()
                    .is_some_and(|t| t.eq_ignore_ascii_case("Guest"))
            })
            .filter(|u| u["accountEnabled"].as_bool() == Some(true))
            .filter(|u| timestamp_at(u, "createdDateTime").is_some_and(|c| c <= cutoff))
            .filter(|u| {
                match u["signInActivity"]["lastSuccessfulSignInDateTime"].as_str() {
                    None => true, // never signed in since invited
                    Some(t) => super::parse_timestamp(t).is_some_and(|t| t <= cutoff),
                }
            })
            .filter_map(|u| {
                let id = u["id"].as_str()?;
                let name = u["userPrincipalName"].as_str().unwrap_or(id);
                Some(Finding {
                    object: name.to_string(),
                    current: json!({
                        "accountEnabled": true,
                        "lastSuccessfulSignInDateTime":
                            u["signInActivity"]["lastSuccessfulSignInDateTime"].clone(),
                    }),
                    expected: json!({"accountEnabled": false}),
                    step: graph_patch(format!("users/{id}"), json!({"accountEnabled": false})),
                })
            })
            .collect();
        Ok(per_object(json!({"days": days}), findings))
    }
}
