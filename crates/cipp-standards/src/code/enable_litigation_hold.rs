//! `EnableLitigationHold`: every user mailbox is on litigation hold.

use serde_json::json;

use super::util::{exchange, is, per_object, text, Finding};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// User mailboxes without litigation hold get it, one `Set-Mailbox` each (with
/// `LitigationHoldDuration` when `days` is a number rather than `Unlimited`). Shared and
/// resource mailboxes are left as they are.
#[derive(Debug, Clone, Copy, Default)]
pub struct EnableLitigationHold;

impl Standard for EnableLitigationHold {
    fn name(&self) -> &'static str {
        "EnableLitigationHold"
    }
    fn label(&self) -> &'static str {
        "Litigation hold on every user mailbox"
    }
    fn category(&self) -> &'static str {
        "Exchange Standards"
    }
    fn description(&self) -> &'static str {
        "Puts every user mailbox on litigation hold, so deleted and changed items are kept \
         (for the given number of days, or without limit)."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["Mailboxes"]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        &[
            "EXCHANGE_S_ENTERPRISE",
            "EXCHANGE_S_ENTERPRISE_GOV",
            "EXCHANGE_S_ARCHIVE_ADDON",
        ]
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[("days", "Unlimited")]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let days = text(input.settings, "days").unwrap_or_else(|| "Unlimited".into());
        let duration = if days.eq_ignore_ascii_case("unlimited") {
            None
        } else {
            Some(days.parse::<u32>().map_err(|_| StandardsError::Setting {
                standard: self.name().into(),
                setting: "days".into(),
                message: format!("'{days}' is neither a number of days nor Unlimited"),
            })?)
        };
        let findings = input
            .rows("Mailboxes")
            .iter()
            .filter(|m| is(m, "RecipientTypeDetails", "UserMailbox"))
            .filter(|m| m["LitigationHoldEnabled"].as_bool() != Some(true))
            .filter_map(|m| {
                let upn = m["UserPrincipalName"].as_str()?;
                let mut params = json!({"Identity": upn, "LitigationHoldEnabled": true});
                if let Some(d) = duration {
                    params["LitigationHoldDuration"] = json!(d);
                }
                Some(Finding {
                    object: upn.to_string(),
                    current: json!({"LitigationHoldEnabled": m["LitigationHoldEnabled"].clone()}),
                    expected: json!({"LitigationHoldEnabled": true}),
                    step: exchange("Set-Mailbox", params),
                })
            })
            .collect();
        Ok(per_object(json!({"days": days}), findings))
    }
}
