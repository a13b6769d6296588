//! `SendReceiveLimitTenant`: every mailbox plan has the chosen message size limits.

use serde_json::json;

use super::exchange_common::{size_bytes, EXCHANGE_PLANS};
use super::util::{exchange, number, per_object, Finding};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// Each mailbox plan (`Get-MailboxPlan`) whose `MaxSendSize` or `MaxReceiveSize` differs from
/// `SendLimit` / `ReceiveLimit` (MB, 1 to 150; defaults 35 and 36) gets one `Set-MailboxPlan`.
/// New mailboxes take their limits from their plan, which is why the plans are set rather
/// than each mailbox.
#[derive(Debug, Clone, Copy, Default)]
pub struct SendReceiveLimitTenant;

const MB: u64 = 1 << 20;

impl Standard for SendReceiveLimitTenant {
    fn name(&self) -> &'static str {
        "SendReceiveLimitTenant"
    }
    fn label(&self) -> &'static str {
        "Message size limits of every mailbox plan"
    }
    fn category(&self) -> &'static str {
        "Exchange Standards"
    }
    fn description(&self) -> &'static str {
        "Sets the largest message a mailbox may send and receive, in MB, on every mailbox \
         plan of the tenant, so new mailboxes get the same limits."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["ExoMailboxPlans"]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        EXCHANGE_PLANS
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[("SendLimit", "35"), ("ReceiveLimit", "36")]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let mut limits = [0u64; 2];
        for (slot, (key, default)) in limits
            .iter_mut()
            .zip([("SendLimit", 35), ("ReceiveLimit", 36)])
        {
            let n = number(self.name(), input.settings, key, default, 1)?;
            if n > 150 {
                return Err(StandardsError::Setting {
                    standard: self.name().into(),
                    setting: key.into(),
                    message: format!("{n} MB is above Exchange Online's maximum of 150 MB"),
                });
            }
            *slot = n;
        }
        let [send, receive] = limits;
        let findings = input
            .rows("ExoMailboxPlans")
            .iter()
            .filter(|p| {
                size_bytes(&p["MaxSendSize"]) != Some(send * MB)
                    || size_bytes(&p["MaxReceiveSize"]) != Some(receive * MB)
            })
            .filter_map(|p| {
                let id = p["Guid"].as_str().or(p["Identity"].as_str())?;
                let name = p["DisplayName"]
                    .as_str()
                    .or(p["Name"].as_str())
                    .unwrap_or(id);
                Some(Finding {
                    object: name.to_string(),
                    current: json!({"MaxSendSize": p["MaxSendSize"].clone(),
                                    "MaxReceiveSize": p["MaxReceiveSize"].clone()}),
                    expected: json!({"MaxSendSize": format!("{send} MB"),
                                     "MaxReceiveSize": format!("{receive} MB")}),
                    step: exchange(
                        "Set-MailboxPlan",
                        json!({"Identity": id, "MaxSendSize": send * MB,
                               "MaxReceiveSize": receive * MB}),
                    ),
                })
            })
            .collect();
        Ok(per_object(
            json!({"SendLimit": send, "ReceiveLimit": receive}),
            findings,
        ))
    }
}
