//! `PerUserMFA`: legacy per-user MFA enforced for every enabled member account.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::util::{graph_patch, per_object, Finding};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// The directory sync account, which cannot do MFA and is left out (as CIPP leaves it out).
const SYNC_ACCOUNT: &str = "On-Premises Directory Synchronization Service Account";

/// Each enabled member whose per-user MFA state is not `enforced` gets one PATCH of
/// `users/{id}/authentication/requirements`. The states are read one user at a time (the
/// `PerUserMfaRequirements` fan-out type over `Users`); `Users` gives the names.
#[derive(Debug, Clone, Copy, Default)]
pub struct PerUserMfa;

impl Standard for PerUserMfa {
    fn name(&self) -> &'static str {
        "PerUserMFA"
    }
    fn label(&self) -> &'static str {
        "Per-user MFA enforced for all users"
    }
    fn category(&self) -> &'static str {
        "Entra (AAD) Standards"
    }
    fn description(&self) -> &'static str {
        "Enforces legacy per-user multi-factor authentication on every enabled member account \
         that does not have it enforced yet."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["PerUserMfaRequirements", "Users"]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let users: HashMap<&str, &Value> = input
            .rows("Users")
            .iter()
            .filter_map(|u| Some((u["id"].as_str()?, u)))
            .collect();
        let findings = input
            .rows("PerUserMfaRequirements")
            .iter()
            .filter(|r| r["perUserMfaState"].as_str() != Some("enforced"))
            .filter_map(|r| {
                let id = r[cipp_snapshot::PARENT_KEY_FIELD].as_str()?;
                let user = users.get(id);
                if user.is_some_and(|u| u["displayName"] == SYNC_ACCOUNT) {
                    return None;
                }
                let name = user
                    .and_then(|u| u["userPrincipalName"].as_str())
                    .unwrap_or(id);
                Some(Finding {
                    object: name.to_string(),
                    current: json!({"perUserMfaState": r["perUserMfaState"]}),
                    expected: json!({"perUserMfaState": "enforced"}),
                    step: graph_patch(
                        format!("users/{id}/authentication/requirements"),
                        json!({"perUserMfaState": "enforced"}),
                    ),
                })
            })
            .collect();
        Ok(per_object(Value::Null, findings))
    }
}
