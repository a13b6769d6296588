//! `GlobalQuarantineSettings`: what the quarantine notice users receive says and who it is from.

use serde_json::{json, Value};

use super::exchange_common::{switch, EXCHANGE_PLANS};
use super::util::{exchange, single, text};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// The global quarantine policy's notice: sender name (`SenderName`), subject
/// (`CustomSubject`) and disclaimer (`CustomDisclaimer`) in every language the policy has
/// (`MultiLanguageSetting`; `Default` when it lists none), the custom sender address
/// (`FromAddress`, empty for Microsoft's) and whether the organisation's branding is shown
/// (`OrganizationBrandingEnabled`).
///
/// Exchange keeps the three texts as lists with one entry per language and refuses a list of
/// another length, which is why this is code: the lists written are as long as the policy's
/// language list read. While the tenant still has the built-in `DefaultGlobalPolicy`, a
/// `DefaultGlobalTag` policy is created in its place, as CIPP does; else the policy is set.
#[derive(Debug, Clone, Copy, Default)]
pub struct GlobalQuarantineSettings;

const CACHE: &str = "ExoGlobalQuarantinePolicy";

/// Text values of a list property (one text is a list of one; empty texts are no text, as
/// Exchange keeps a list of empty texts as an empty list).
fn texts(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a
            .iter()
            .filter_map(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        Value::String(s) if !s.is_empty() => vec![s.clone()],
        _ => Vec::new(),
    }
}

impl Standard for GlobalQuarantineSettings {
    fn name(&self) -> &'static str {
        "GlobalQuarantineSettings"
    }
    fn label(&self) -> &'static str {
        "Quarantine notice sender, subject and disclaimer"
    }
    fn category(&self) -> &'static str {
        "Exchange Standards"
    }
    fn description(&self) -> &'static str {
        "Sets the sender name, subject, disclaimer, sender address and branding of the notice \
         that tells users which of their mails are in quarantine, in every language the \
         notice is sent in, so users recognise it as their own IT's."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &[CACHE]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        EXCHANGE_PLANS
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("SenderName", ""),
            ("CustomSubject", ""),
            ("CustomDisclaimer", ""),
            ("FromAddress", ""),
            ("OrganizationBrandingEnabled", "false"),
        ]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let s = input.settings;
        let sender = text(s, "SenderName").ok_or_else(|| StandardsError::Setting {
            standard: self.name().into(),
            setting: "SenderName".into(),
            message: "is required: the name the quarantine notice comes from".into(),
        })?;
        let subject = text(s, "CustomSubject").unwrap_or_default();
        let disclaimer = text(s, "CustomDisclaimer").unwrap_or_default();
        // Exchange refuses a longer disclaimer; say so before anything is sent.
        if disclaimer.chars().count() > 200 {
            return Err(StandardsError::Setting {
                standard: self.name().into(),
                setting: "CustomDisclaimer".into(),
                message: format!(
                    "is {} characters long; the notice takes at most 200",
                    disclaimer.chars().count()
                ),
            });
        }
        let from = text(s, "FromAddress").unwrap_or_default();
        if !from.is_empty() && !looks_like_address(&from) {
            return Err(StandardsError::Setting {
                standard: self.name().into(),
                setting: "FromAddress".into(),
                message: format!("'{from}' is not a mail address"),
            });
        }
        let branding = switch(self.name(), s, "OrganizationBrandingEnabled", false)?;
        let policy = input.rows(CACHE).first();
        let get = |key: &str| policy.map(|p| p[key].clone()).unwrap_or(Value::Null);
        let mut languages = texts(&get("MultiLanguageSetting"));
        if languages.is_empty() {
            languages.push("Default".into());
        }
        // An empty text is written, and compared, as an empty list.
        let per_language = |value: &str| match value {
            "" => Vec::new(),
            v => vec![v.to_string(); languages.len()],
        };
        let current = json!({
            "MultiLanguageSenderName": texts(&get("MultiLanguageSenderName")),
            "ESNCustomSubject": texts(&get("ESNCustomSubject")),
            "MultiLanguageCustomDisclaimer": texts(&get("MultiLanguageCustomDisclaimer")),
            "EndUserSpamNotificationCustomFromAddress": get("EndUserSpamNotificationCustomFromAddress"),
            "OrganizationBrandingEnabled": get("OrganizationBrandingEnabled").as_bool().unwrap_or(false),
        });
        let expected = json!({
            "MultiLanguageSenderName": per_language(&sender),
            "ESNCustomSubject": per_language(&subject),
            "MultiLanguageCustomDisclaimer": per_language(&disclaimer),
            "EndUserSpamNotificationCustomFromAddress": from,
            "OrganizationBrandingEnabled": branding,
        });
        let mut params = expected.as_object().cloned().unwrap_or_default();
        params.insert("MultiLanguageSetting".into(), json!(languages));
        let name = policy.and_then(|p| p["Name"].as_str());
        let step = match name {
            Some(n) if !n.eq_ignore_ascii_case("DefaultGlobalPolicy") => {
                let identity = policy.and_then(|p| p["Identity"].as_str()).unwrap_or(n);
                params.insert("Identity".into(), json!(identity));
                exchange("Set-QuarantinePolicy", Value::Object(params))
            }
            _ => {
                params.insert("Name".into(), json!("DefaultGlobalTag"));
                params.insert(
                    "QuarantinePolicyType".into(),
                    json!("GlobalQuarantinePolicy"),
                );
                exchange("New-QuarantinePolicy", Value::Object(params))
            }
        };
        Ok(single(current, expected, vec![step]))
    }
}

/// `local@domain.tld`, roughly: enough to catch a name typed where an address belongs.
pub(crate) fn looks_like_address(a: &str) -> bool {
    a.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && !local.contains(char::is_whitespace)
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains(char::is_whitespace)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_lists_read_plainly() {
        assert!(looks_like_address("quarantine@alphadental.com"));
        assert!(!looks_like_address("IT Department"));
        assert!(!looks_like_address("a@b"));
        assert_eq!(texts(&json!(["a", "b"])), ["a", "b"]);
        assert_eq!(texts(&json!("a")), ["a"]);
        assert!(texts(&Value::Null).is_empty());
    }
}
