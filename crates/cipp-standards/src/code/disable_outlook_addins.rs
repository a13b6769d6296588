//! `DisableOutlookAddins`: users cannot install Outlook add-ins themselves.

use serde_json::{json, Value};

use super::exchange_common::EXCHANGE_PLANS;
use super::util::{exchange, per_object, Finding};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// The default role assignment policy loses the roles that let users install add-ins
/// (`My Custom Apps`, `My Marketplace Apps`, `My ReadWriteMailbox Apps`): one
/// `Remove-ManagementRoleAssignment` per assignment of such a role to that policy. Add-ins an
/// administrator deploys keep working. Destructive: it removes assignments, so remediation
/// runs only when the runner allows it.
#[derive(Debug, Clone, Copy, Default)]
pub struct DisableOutlookAddins;

const ROLES: [&str; 3] = [
    "My Custom Apps",
    "My Marketplace Apps",
    "My ReadWriteMailbox Apps",
];

impl Standard for DisableOutlookAddins {
    fn name(&self) -> &'static str {
        "DisableOutlookAddins"
    }
    fn label(&self) -> &'static str {
        "No add-ins installed by users"
    }
    fn category(&self) -> &'static str {
        "Exchange Standards"
    }
    fn description(&self) -> &'static str {
        "Stops users from installing Outlook add-ins themselves, which could read and send \
         their mail; add-ins deployed by administrators are not affected."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["ExoRoleAssignmentPolicies", "ExoManagementRoleAssignments"]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        EXCHANGE_PLANS
    }
    fn destructive(&self) -> bool {
        true
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let Some(policy) = input
            .rows("ExoRoleAssignmentPolicies")
            .iter()
            .find(|p| p["IsDefault"].as_bool() == Some(true))
        else {
            return Ok(per_object(Value::Null, Vec::new()));
        };
        let policy_name = policy["Name"].as_str().or(policy["Identity"].as_str());
        let assigned: Vec<&str> = policy["AssignedRoles"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter(|r| ROLES.iter().any(|x| x.eq_ignore_ascii_case(r)))
            .collect();
        let findings = input
            .rows("ExoManagementRoleAssignments")
            .iter()
            .filter(|a| {
                a["Role"]
                    .as_str()
                    .is_some_and(|r| assigned.iter().any(|x| x.eq_ignore_ascii_case(r)))
            })
            .filter(|a| {
                a["RoleAssigneeName"]
                    .as_str()
                    .zip(policy_name)
                    .is_some_and(|(x, p)| x.eq_ignore_ascii_case(p))
            })
            .filter_map(|a| {
                let id = a["Guid"].as_str().or(a["Identity"].as_str())?;
                Some(Finding {
                    object: a["Role"].as_str().unwrap_or(id).to_string(),
                    current: json!({"assigned": true, "Identity": a["Identity"].clone()}),
                    expected: json!({"assigned": false}),
                    step: exchange(
                        "Remove-ManagementRoleAssignment",
                        json!({"Identity": id, "Confirm": false}),
                    ),
                })
            })
            .collect();
        Ok(per_object(
            json!({"policy": policy_name, "roles": ROLES}),
            findings,
        ))
    }
}
