//! `EnableOnlineArchiving`: every licensed user mailbox has an online archive.

use serde_json::json;

use super::exchange_common::EXCHANGE_PLANS;
use super::util::{exchange, is, per_object, Finding};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// The archive GUID Exchange shows for a mailbox without an archive.
const NO_ARCHIVE: &str = "00000000-0000-0000-0000-000000000000";

/// User mailboxes on a mailbox plan that includes an archive (`ExchangeOnline`,
/// `ExchangeOnlineEnterprise`) and without one get it: one `Enable-Mailbox -Archive` each.
/// Shared and resource mailboxes, and mailboxes on other plans (kiosk, essentials), are left.
#[derive(Debug, Clone, Copy, Default)]
pub struct EnableOnlineArchiving;

/// Whether a `MailboxPlan` value names a plan with an archive. Exchange shows plans as
/// `ExchangeOnlineEnterprise-<guid>`.
fn archive_plan(plan: &str) -> bool {
    let base = plan
        .split_once('-')
        .map_or(plan, |(b, _)| b)
        .to_ascii_lowercase();
    base == "exchangeonline" || base == "exchangeonlineenterprise"
}

impl Standard for EnableOnlineArchiving {
    fn name(&self) -> &'static str {
        "EnableOnlineArchiving"
    }
    fn label(&self) -> &'static str {
        "Online archive for every licensed mailbox"
    }
    fn category(&self) -> &'static str {
        "Exchange Standards"
    }
    fn description(&self) -> &'static str {
        "Turns on the online archive of every user mailbox whose mailbox plan includes one, \
         so older mail moves out of the primary mailbox instead of filling it."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["Mailboxes"]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        EXCHANGE_PLANS
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let findings = input
            .rows("Mailboxes")
            .iter()
            .filter(|m| is(m, "RecipientTypeDetails", "UserMailbox"))
            .filter(|m| m["MailboxPlan"].as_str().is_some_and(archive_plan))
            .filter(|m| {
                m["ArchiveGuid"]
                    .as_str()
                    .is_none_or(|g| g.is_empty() || g == NO_ARCHIVE)
            })
            .filter_map(|m| {
                let upn = m["UserPrincipalName"].as_str()?;
                Some(Finding {
                    object: upn.to_string(),
                    current: json!({"ArchiveGuid": m["ArchiveGuid"].clone()}),
                    expected: json!({"archive": "enabled"}),
                    step: exchange("Enable-Mailbox", json!({"Identity": upn, "Archive": true})),
                })
            })
            .collect();
        Ok(per_object(serde_json::Value::Null, findings))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_with_an_archive_are_known_by_name() {
        assert!(archive_plan("ExchangeOnlineEnterprise-2b3c0a4e"));
        assert!(archive_plan("ExchangeOnline"));
        assert!(!archive_plan("ExchangeOnlineDeskless-2b3c0a4e"));
    }
}
