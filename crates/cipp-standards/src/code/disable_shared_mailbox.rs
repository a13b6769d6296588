//! `DisableSharedMailbox`: nobody signs in to a shared mailbox's account.

use serde_json::{json, Value};

use super::util::{graph_patch, is, per_object, Finding};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// The accounts behind shared (and scheduling) mailboxes are disabled: a shared mailbox is
/// opened through its members' permissions, so its own enabled account is only a password
/// that can be guessed. Accounts synced from on-premises are left (the change would be
/// overwritten by the next sync). One Graph `PATCH` (`accountEnabled: false`) per account.
#[derive(Debug, Clone, Copy, Default)]
pub struct DisableSharedMailbox;

/// Enabled cloud accounts by user principal name (lower case) and id.
pub(crate) fn enabled_cloud_accounts(users: &[Value]) -> Vec<&Value> {
    users
        .iter()
        .filter(|u| u["accountEnabled"].as_bool() == Some(true))
        .filter(|u| u["onPremisesSyncEnabled"].as_bool() != Some(true))
        .collect()
}

impl Standard for DisableSharedMailbox {
    fn name(&self) -> &'static str {
        "DisableSharedMailbox"
    }
    fn label(&self) -> &'static str {
        "Block sign-in to shared mailboxes"
    }
    fn category(&self) -> &'static str {
        "Exchange Standards"
    }
    fn description(&self) -> &'static str {
        "Disables the user accounts of shared mailboxes, which people reach through \
         permissions and never by signing in as the mailbox."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["Mailboxes", "Users"]
    }
    fn destructive(&self) -> bool {
        true
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let users = input.rows("Users");
        let enabled = enabled_cloud_accounts(users);
        let findings = input
            .rows("Mailboxes")
            .iter()
            .filter(|m| {
                is(m, "RecipientTypeDetails", "SharedMailbox")
                    || is(m, "RecipientTypeDetails", "SchedulingMailbox")
            })
            .filter_map(|m| {
                let upn = m["UserPrincipalName"].as_str()?;
                let user = enabled.iter().find(|u| {
                    u["userPrincipalName"]
                        .as_str()
                        .is_some_and(|x| x.eq_ignore_ascii_case(upn))
                })?;
                let id = user["id"].as_str()?;
                Some(Finding {
                    object: upn.to_string(),
                    current: json!({"accountEnabled": true}),
                    expected: json!({"accountEnabled": false}),
                    step: graph_patch(format!("users/{id}"), json!({"accountEnabled": false})),
                })
            })
            .collect();
        Ok(per_object(Value::Null, findings))
    }
}
