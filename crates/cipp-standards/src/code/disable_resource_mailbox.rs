//! `DisableResourceMailbox`: nobody signs in to a room or equipment mailbox's account.

use serde_json::{json, Value};

use super::disable_shared_mailbox::enabled_cloud_accounts;
use super::exchange_common::EXCHANGE_PLANS;
use super::util::{graph_patch, is, per_object, Finding};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// The accounts behind room and equipment mailboxes are disabled when they are enabled,
/// cloud-only, unlicensed members: bookings go through the mailbox, not a sign-in. A licensed
/// account (a Teams Room device signs in with one) is left. One Graph `PATCH` per account.
#[derive(Debug, Clone, Copy, Default)]
pub struct DisableResourceMailbox;

impl Standard for DisableResourceMailbox {
    fn name(&self) -> &'static str {
        "DisableResourceMailbox"
    }
    fn label(&self) -> &'static str {
        "Block sign-in to room and equipment mailboxes"
    }
    fn category(&self) -> &'static str {
        "Exchange Standards"
    }
    fn description(&self) -> &'static str {
        "Disables the unlicensed user accounts of room and equipment mailboxes; bookings keep \
         working, only signing in as the resource stops."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["Mailboxes", "Users"]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        EXCHANGE_PLANS
    }
    fn destructive(&self) -> bool {
        true
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let candidates: Vec<&Value> = enabled_cloud_accounts(input.rows("Users"))
            .into_iter()
            .filter(|u| {
                u["assignedLicenses"]
                    .as_array()
                    .is_none_or(|l| l.is_empty())
            })
            .filter(|u| u["userType"].as_str() == Some("Member"))
            .collect();
        let findings = input
            .rows("Mailboxes")
            .iter()
            .filter(|m| {
                is(m, "RecipientTypeDetails", "RoomMailbox")
                    || is(m, "RecipientTypeDetails", "EquipmentMailbox")
            })
            .filter_map(|m| {
                let id = m["ExternalDirectoryObjectId"].as_str()?;
                candidates
                    .iter()
                    .find(|u| u["id"].as_str().is_some_and(|x| x.eq_ignore_ascii_case(id)))?;
                let name = m["UserPrincipalName"].as_str().unwrap_or(id);
                Some(Finding {
                    object: name.to_string(),
                    current: json!({"accountEnabled": true,
                                    "RecipientTypeDetails": m["RecipientTypeDetails"].clone()}),
                    expected: json!({"accountEnabled": false}),
                    step: graph_patch(format!("users/{id}"), json!({"accountEnabled": false})),
                })
            })
            .collect();
        Ok(per_object(Value::Null, findings))
    }
}
