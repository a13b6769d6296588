//! `DisableExchangeOnlinePowerShell`: only administrators may use Exchange Online PowerShell.

use serde_json::{json, Value};

use super::exchange_common::EXCHANGE_PLANS;
use super::util::{exchange, per_object, Finding};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// Users (`Get-User`) with `RemotePowerShellEnabled` who hold no directory role get it turned
/// off: one `Set-User` each. Role holders are the user members of the tenant's activated
/// directory roles (`directoryRoles?$expand=members`), matched by id or user principal name,
/// so an administrator never loses the shell. Members of role-assignable groups are not
/// expanded: put such administrators in a role directly, or exclude them before remediating.
#[derive(Debug, Clone, Copy, Default)]
pub struct DisableExchangeOnlinePowerShell;

impl Standard for DisableExchangeOnlinePowerShell {
    fn name(&self) -> &'static str {
        "DisableExchangeOnlinePowerShell"
    }
    fn label(&self) -> &'static str {
        "Exchange Online PowerShell for administrators only"
    }
    fn category(&self) -> &'static str {
        "Exchange Standards"
    }
    fn description(&self) -> &'static str {
        "Turns off Exchange Online PowerShell for every user without an administrator role, \
         so a stolen ordinary account cannot script changes to mailboxes."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["ExoUsers", "Roles"]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        EXCHANGE_PLANS
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let admins: Vec<String> = input
            .rows("Roles")
            .iter()
            .flat_map(|r| r["members"].as_array().into_iter().flatten())
            .filter(|m| {
                m["@odata.type"]
                    .as_str()
                    .is_none_or(|t| t.eq_ignore_ascii_case("#microsoft.graph.user"))
            })
            .flat_map(|m| [m["id"].as_str(), m["userPrincipalName"].as_str()])
            .flatten()
            .map(str::to_ascii_lowercase)
            .collect();
        let is_admin = |u: &Value| {
            [
                u["ExternalDirectoryObjectId"].as_str(),
                u["UserPrincipalName"].as_str(),
            ]
            .into_iter()
            .flatten()
            .any(|k| admins.contains(&k.to_ascii_lowercase()))
        };
        let findings = input
            .rows("ExoUsers")
            .iter()
            .filter(|u| u["RemotePowerShellEnabled"].as_bool() == Some(true))
            .filter(|u| !is_admin(u))
            .filter_map(|u| {
                let id = u["Guid"].as_str().or(u["UserPrincipalName"].as_str())?;
                let name = u["UserPrincipalName"].as_str().unwrap_or(id);
                Some(Finding {
                    object: name.to_string(),
                    current: json!({"RemotePowerShellEnabled": true}),
                    expected: json!({"RemotePowerShellEnabled": false}),
                    step: exchange(
                        "Set-User",
                        json!({"Identity": id, "RemotePowerShellEnabled": false}),
                    ),
                })
            })
            .collect();
        Ok(per_object(Value::Null, findings))
    }
}
