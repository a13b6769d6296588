//! `EnableExchangeCloudManagement`: synced mailboxes are managed in Exchange Online.

use serde_json::json;

use super::exchange_common::{switch, EXCHANGE_PLANS};
use super::util::{exchange, per_object, Finding};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// Mailboxes synced from on-premises Active Directory (`IsDirSynced`) whose
/// `IsExchangeCloudManaged` differs from `state` (default on) get one `Set-Mailbox` each. On,
/// their Exchange attributes are edited in Exchange Online and no on-premises Exchange server
/// is needed for them; off hands them back to on-premises tools. Cloud-only mailboxes are
/// not touched.
#[derive(Debug, Clone, Copy, Default)]
pub struct EnableExchangeCloudManagement;

impl Standard for EnableExchangeCloudManagement {
    fn name(&self) -> &'static str {
        "EnableExchangeCloudManagement"
    }
    fn label(&self) -> &'static str {
        "Manage synced mailboxes in Exchange Online"
    }
    fn category(&self) -> &'static str {
        "Exchange Standards"
    }
    fn description(&self) -> &'static str {
        "Makes Exchange Online the place where the Exchange attributes of mailboxes synced \
         from on-premises are managed (or, with the switch off, hands them back)."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["Mailboxes"]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        EXCHANGE_PLANS
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[("state", "true")]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let wanted = switch(self.name(), input.settings, "state", true)?;
        let findings = input
            .rows("Mailboxes")
            .iter()
            .filter(|m| m["IsDirSynced"].as_bool() == Some(true))
            .filter(|m| m["IsExchangeCloudManaged"].as_bool() != Some(wanted))
            .filter_map(|m| {
                let id = m["ExternalDirectoryObjectId"]
                    .as_str()
                    .or(m["UserPrincipalName"].as_str())?;
                let name = m["UserPrincipalName"].as_str().unwrap_or(id);
                Some(Finding {
                    object: name.to_string(),
                    current: json!({"IsExchangeCloudManaged": m["IsExchangeCloudManaged"].clone()}),
                    expected: json!({"IsExchangeCloudManaged": wanted}),
                    step: exchange(
                        "Set-Mailbox",
                        json!({"Identity": id, "IsExchangeCloudManaged": wanted}),
                    ),
                })
            })
            .collect();
        Ok(per_object(json!({"state": wanted}), findings))
    }
}
