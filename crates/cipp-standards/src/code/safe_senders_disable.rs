//! `SafeSendersDisable`: no mailbox keeps a safe list that lets mail skip the junk filter.

use serde_json::{json, Value};

use super::set_default_mailbox_font::EXCHANGE_PLANS;
use super::util::{exchange, per_object, Finding};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// Each mailbox whose junk email configuration has entries in `TrustedRecipientsAndDomains`
/// gets one `Set-MailboxJunkEmailConfiguration -TrustedRecipientsAndDomains $null`, the list
/// CIPP's implementation clears. Read one mailbox at a time (the
/// `MailboxJunkEmailConfiguration` fan-out type); mailboxes with an empty list are not
/// written.
#[derive(Debug, Clone, Copy, Default)]
pub struct SafeSendersDisable;

/// The entries of a list property (an array, or one text value).
fn entries(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        Value::String(s) if !s.trim().is_empty() => vec![v.clone()],
        _ => Vec::new(),
    }
}

impl Standard for SafeSendersDisable {
    fn name(&self) -> &'static str {
        "SafeSendersDisable"
    }
    fn label(&self) -> &'static str {
        "No safe senders lists in mailboxes"
    }
    fn category(&self) -> &'static str {
        "Exchange Standards"
    }
    fn description(&self) -> &'static str {
        "Empties the safe list of every mailbox's junk email configuration, so no message is \
         delivered past the junk filter because a user trusted its domain."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["MailboxJunkEmailConfiguration"]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        EXCHANGE_PLANS
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let findings = input
            .rows("MailboxJunkEmailConfiguration")
            .iter()
            .filter(|c| !entries(&c["TrustedRecipientsAndDomains"]).is_empty())
            .filter_map(|c| {
                let mailbox = c[cipp_snapshot::PARENT_KEY_FIELD].as_str()?;
                Some(Finding {
                    object: mailbox.to_string(),
                    current: json!({"TrustedRecipientsAndDomains":
                        entries(&c["TrustedRecipientsAndDomains"])}),
                    expected: json!({"TrustedRecipientsAndDomains": []}),
                    step: exchange(
                        "Set-MailboxJunkEmailConfiguration",
                        json!({"Identity": mailbox, "TrustedRecipientsAndDomains": null}),
                    ),
                })
            })
            .collect();
        Ok(per_object(Value::Null, findings))
    }
}
