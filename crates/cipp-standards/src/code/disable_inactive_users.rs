//! `DisableInactiveUsers`: member accounts unused for a number of days are disabled.

use serde_json::json;

use super::util::{graph_patch, list, number, per_object, timestamp_at, without_sign_ins, Finding};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// Sign-in fields, any of which shows the account in use.
const SIGN_INS: [&str; 3] = [
    "signInActivity.lastSuccessfulSignInDateTime",
    "signInActivity.lastSignInDateTime",
    "signInActivity.lastNonInteractiveSignInDateTime",
];

/// Enabled members created more than `days` days ago whose latest sign-in (interactive,
/// non-interactive or successful) is older than that, or absent, are disabled, one
/// `PATCH users/{id}` each. `userExclusions` (UPNs or ids) are never touched, nor is a user
/// whose creation date cannot be read.
#[derive(Debug, Clone, Copy, Default)]
pub struct DisableInactiveUsers;

impl Standard for DisableInactiveUsers {
    fn name(&self) -> &'static str {
        "DisableInactiveUsers"
    }
    fn label(&self) -> &'static str {
        "Disable users inactive for a number of days"
    }
    fn category(&self) -> &'static str {
        "Entra (AAD) Standards"
    }
    fn description(&self) -> &'static str {
        "Blocks sign-in for member accounts that have not signed in for the given number of \
         days (default 90), except the excluded ones."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["UserSignInActivity"]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        &["AAD_PREMIUM", "AAD_PREMIUM_P2"]
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[("days", "90"), ("userExclusions", "")]
    }
    fn destructive(&self) -> bool {
        true
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let days = number(self.name(), input.settings, "days", 90, 1)?;
        let excluded = list(input.settings, "userExclusions");
        let cutoff = input.as_of as i64 - days as i64 * 86_400;
        if let Some(no_data) =
            without_sign_ins("UserSignInActivity", input.rows("UserSignInActivity"))
        {
            return Ok(no_data);
        }
        let is_excluded = |id: &str, upn: &str| {
            excluded
                .iter()
                .any(|x| x.eq_ignore_ascii_case(id) || x.eq_ignore_ascii_case(upn))
        };
        let findings = input
            .rows("UserSignInActivity")
            .iter()
            .filter(|u| {
                u["userType"]
                    .as_str()
                    .is_none_or(|t| t.eq_ignore_ascii_case("Member"))
            })
            .filter(|u| u["accountEnabled"].as_bool() == Some(true))
            .filter(|u| timestamp_at(u, "createdDateTime").is_some_and(|c| c <= cutoff))
            .filter_map(|u| {
                let last = SIGN_INS.iter().filter_map(|p| timestamp_at(u, p)).max();
                if last.is_some_and(|l| l > cutoff) {
                    return None;
                }
                let id = u["id"].as_str()?;
                let upn = u["userPrincipalName"].as_str().unwrap_or(id);
                if is_excluded(id, upn) {
                    return None;
                }
                Some(Finding {
                    object: upn.to_string(),
                    current: json!({
                        "accountEnabled": true,
                        "lastSignInDateTime": u["signInActivity"]["lastSignInDateTime"].clone(),
                    }),
                    expected: json!({"accountEnabled": false}),
                    step: graph_patch(format!("users/{id}"), json!({"accountEnabled": false})),
                })
            })
            .collect();
        Ok(per_object(
            json!({"days": days, "userExclusions": excluded}),
            findings,
        ))
    }
}
