//! `sharingDomainRestriction`: SharePoint and OneDrive external sharing limited by domain.

use serde_json::{json, Value};

use super::util::{graph_patch, list, single, text};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// SharePoint's `sharingDomainRestrictionMode` (`none`, `allowList` or `blockList`) and, for
/// a list mode, the domains of that list (`sharingAllowedDomainList` or
/// `sharingBlockedDomainList`) equal to the given ones (comma separated, any order, any
/// case). One `PATCH` of `admin/sharepoint/settings`; the other list is left as it is.
#[derive(Debug, Clone, Copy, Default)]
pub struct SharingDomainRestriction;

fn sorted_lower(items: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = items.into_iter().map(|s| s.to_ascii_lowercase()).collect();
    out.sort();
    out.dedup();
    out
}

impl Standard for SharingDomainRestriction {
    fn name(&self) -> &'static str {
        "sharingDomainRestriction"
    }
    fn label(&self) -> &'static str {
        "Limit external sharing by domain"
    }
    fn category(&self) -> &'static str {
        "SharePoint Standards"
    }
    fn description(&self) -> &'static str {
        "Lets SharePoint and OneDrive share externally only with the listed domains, or with \
         every domain but the listed ones, or turns the domain limit off."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["SharePointSettings"]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        &[
            "SHAREPOINTWAC",
            "SHAREPOINTSTANDARD",
            "SHAREPOINTENTERPRISE",
            "SHAREPOINTENTERPRISE_EDU",
            "ONEDRIVE_BASIC",
            "ONEDRIVE_ENTERPRISE",
        ]
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[("Mode", "none"), ("Domains", "")]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let bad = |setting: &str, message: String| StandardsError::Setting {
            standard: self.name().into(),
            setting: setting.into(),
            message,
        };
        let mode = text(input.settings, "Mode").unwrap_or_else(|| "none".into());
        let (mode, list_key) = match mode.to_ascii_lowercase().as_str() {
            "none" => ("none", None),
            "allowlist" => ("allowList", Some("sharingAllowedDomainList")),
            "blocklist" => ("blockList", Some("sharingBlockedDomainList")),
            other => {
                return Err(bad(
                    "Mode",
                    format!("'{other}' is not none, allowList or blockList"),
                ))
            }
        };
        let domains = list(input.settings, "Domains");
        if list_key.is_some() && domains.is_empty() {
            return Err(bad("Domains", format!("no domains given for {mode}")));
        }
        let settings = input
            .rows("SharePointSettings")
            .first()
            .cloned()
            .unwrap_or(Value::Null);
        let current_list = |key: &str| {
            sorted_lower(
                settings[key]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|d| d.as_str().map(str::to_string)),
            )
        };
        let mut current =
            json!({"sharingDomainRestrictionMode": settings["sharingDomainRestrictionMode"]});
        let mut expected = json!({"sharingDomainRestrictionMode": mode});
        let mut body = json!({"sharingDomainRestrictionMode": mode});
        if let Some(key) = list_key {
            current[key] = json!(current_list(key));
            expected[key] = json!(sorted_lower(domains.clone()));
            body[key] = json!(domains);
        }
        Ok(single(
            current,
            expected,
            vec![graph_patch("admin/sharepoint/settings", body)],
        ))
    }
}
