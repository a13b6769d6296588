//! `TeamsDisableResourceAccounts`: nobody signs in as a Teams resource account.

use serde_json::json;

use super::disable_shared_mailbox::enabled_cloud_accounts;
use super::util::{graph_patch, per_object, Finding};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// The resource accounts behind auto attendants and call queues (Teams' application
/// instances) are disabled: Teams routes calls to them without anyone signing in, so an
/// enabled account is only a password that can be guessed. Accounts synced from on-premises
/// are left (the change would be overwritten by the next sync). One Graph `PATCH`
/// (`accountEnabled: false`) per enabled cloud account; CIPP sends them as one `$batch`.
///
/// Teams lists an account as a resource account only while it holds the resource account
/// licence, so a tenant with none listed is compliant with nothing checked; the verdict's
/// `scope` says how many Teams listed.
#[derive(Debug, Clone, Copy, Default)]
pub struct TeamsDisableResourceAccounts;

/// What a resource account serves, by its application id.
fn application_type(id: &str) -> &'static str {
    match id.to_ascii_lowercase().as_str() {
        "ce933385-9390-45d1-9512-c8d228074e07" => "Auto Attendant",
        "11cd3e2e-fccb-42ad-ad00-878b93575e07" => "Call Queue",
        _ => "Custom",
    }
}

impl Standard for TeamsDisableResourceAccounts {
    fn name(&self) -> &'static str {
        "TeamsDisableResourceAccounts"
    }
    fn label(&self) -> &'static str {
        "Block sign-in to Teams resource accounts"
    }
    fn category(&self) -> &'static str {
        "Teams Standards"
    }
    fn description(&self) -> &'static str {
        "Disables the user accounts behind Teams auto attendants and call queues, which \
         answer calls without anyone signing in as them."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["TeamsResourceAccounts", "Users"]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        &[
            "MCOSTANDARD",
            "MCOEV",
            "MCOIMP",
            "TEAMS1",
            "Teams_Room_Standard",
        ]
    }
    fn destructive(&self) -> bool {
        true
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let accounts = input.rows("TeamsResourceAccounts");
        let enabled = enabled_cloud_accounts(input.rows("Users"));
        let findings = accounts
            .iter()
            .filter_map(|a| {
                let id = a["objectId"].as_str()?;
                let user = enabled.iter().find(|u| {
                    u["id"]
                        .as_str()
                        .is_some_and(|x| x.eq_ignore_ascii_case(id))
                })?;
                let upn = user["userPrincipalName"].as_str().unwrap_or(id);
                Some(Finding {
                    object: upn.to_string(),
                    current: json!({"accountEnabled": true,
                        "applicationType": application_type(a["applicationId"].as_str().unwrap_or_default())}),
                    expected: json!({"accountEnabled": false}),
                    step: graph_patch(format!("users/{id}"), json!({"accountEnabled": false})),
                })
            })
            .collect();
        Ok(per_object(
            json!({"resourceAccounts": accounts.len()}),
            findings,
        ))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::evaluate::Outcome;
    use crate::render::TenantContext;
    use cipp_snapshot::Snapshot;
    use serde_json::{Map, Value};

    fn judge(accounts: Value, users: Value) -> Assessment {
        let snap: Snapshot = serde_json::from_value(json!({"tenant": "t", "collected_at": 0,
            "round_trips": 0, "types": {
                "TeamsResourceAccounts": {"status": "complete", "collected_at": 0, "rows": accounts},
                "Users": {"status": "complete", "collected_at": 0, "rows": users}}}))
        .unwrap();
        let settings = Map::new();
        let ctx = TenantContext::default();
        TeamsDisableResourceAccounts
            .assess(&Input::new(&settings, &snap, &ctx))
            .unwrap()
    }

    #[test]
    fn only_enabled_cloud_resource_accounts_are_disabled() {
        let accounts = json!([
            {"objectId": "A", "applicationId": "ce933385-9390-45d1-9512-c8d228074e07"},
            {"objectId": "b", "applicationId": "11cd3e2e-fccb-42ad-ad00-878b93575e07"},
            {"objectId": "c", "applicationId": "x"},
            {"objectId": "gone"}
        ]);
        let users = json!([
            {"id": "a", "userPrincipalName": "aa@x", "accountEnabled": true},
            {"id": "b", "userPrincipalName": "cq@x", "accountEnabled": false},
            {"id": "c", "userPrincipalName": "sync@x", "accountEnabled": true, "onPremisesSyncEnabled": true},
            {"id": "d", "userPrincipalName": "person@x", "accountEnabled": true}
        ]);
        let a = judge(accounts, users);
        let Outcome::Drifted { current, .. } = &a.outcome else {
            panic!("{a:?}")
        };
        assert_eq!(current["count"], 1);
        assert_eq!(
            current["objects"]["aa@x"]["applicationType"],
            "Auto Attendant"
        );
        assert_eq!(
            a.steps,
            vec![graph_patch("users/A", json!({"accountEnabled": false}))]
        );
        assert!(TeamsDisableResourceAccounts.destructive());
    }

    #[test]
    fn no_resource_accounts_is_compliant() {
        let a = judge(json!([]), json!([{"id": "d", "accountEnabled": true}]));
        assert!(matches!(a.outcome, Outcome::Compliant { .. }));
        assert!(a.steps.is_empty());
    }
}
