//! `DelegateSentItems`: mail sent as or on behalf of a shared mailbox is kept in it.

use serde_json::json;

use super::util::{exchange, is, per_object, setting, Finding};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// Shared mailboxes (and user mailboxes too when `IncludeUserMailboxes` is on) keep a copy
/// of what delegates send as them or on their behalf: `MessageCopyForSentAsEnabled` and
/// `MessageCopyForSendOnBehalfEnabled`, one `Set-Mailbox` per mailbox that lacks either.
#[derive(Debug, Clone, Copy, Default)]
pub struct DelegateSentItems;

impl Standard for DelegateSentItems {
    fn name(&self) -> &'static str {
        "DelegateSentItems"
    }
    fn label(&self) -> &'static str {
        "Keep delegates' sent mail in the shared mailbox"
    }
    fn category(&self) -> &'static str {
        "Exchange Standards"
    }
    fn description(&self) -> &'static str {
        "Keeps a copy of mail that delegates send as, or on behalf of, a shared mailbox in \
         that mailbox's Sent Items (optionally for user mailboxes too)."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["Mailboxes"]
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[("IncludeUserMailboxes", "false")]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let users = match setting(input.settings, "IncludeUserMailboxes") {
            None => false,
            Some(v) => v
                .as_bool()
                .unwrap_or_else(|| v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("true"))),
        };
        let findings = input
            .rows("Mailboxes")
            .iter()
            .filter(|m| {
                is(m, "RecipientTypeDetails", "SharedMailbox")
                    || (users && is(m, "RecipientTypeDetails", "UserMailbox"))
            })
            .filter(|m| {
                m["MessageCopyForSentAsEnabled"].as_bool() != Some(true)
                    || m["MessageCopyForSendOnBehalfEnabled"].as_bool() != Some(true)
            })
            .filter_map(|m| {
                let upn = m["UserPrincipalName"]
                    .as_str()
                    .or(m["PrimarySmtpAddress"].as_str())?;
                Some(Finding {
                    object: upn.to_string(),
                    current: json!({
                        "MessageCopyForSentAsEnabled": m["MessageCopyForSentAsEnabled"].clone(),
                        "MessageCopyForSendOnBehalfEnabled":
                            m["MessageCopyForSendOnBehalfEnabled"].clone(),
                    }),
                    expected: json!({
                        "MessageCopyForSentAsEnabled": true,
                        "MessageCopyForSendOnBehalfEnabled": true,
                    }),
                    step: exchange(
                        "Set-Mailbox",
                        json!({
                            "Identity": upn,
                            "MessageCopyForSentAsEnabled": true,
                            "MessageCopyForSendOnBehalfEnabled": true,
                        }),
                    ),
                })
            })
            .collect();
        Ok(per_object(json!({"IncludeUserMailboxes": users}), findings))
    }
}
