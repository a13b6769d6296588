//! `AddDKIM`: DKIM signing is on for every accepted domain.

use serde_json::json;

use super::util::{exchange, per_object, Finding};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// Every accepted domain signs outbound mail with DKIM: a domain without a signing
/// configuration gets one (`New-DkimSigningConfig`, 2048-bit key, enabled), a disabled one is
/// enabled (`Set-DkimSigningConfig`). Exchange refuses to enable a domain whose CNAME records
/// are missing; such a write fails and the standard reports it.
#[derive(Debug, Clone, Copy, Default)]
pub struct AddDkim;

impl Standard for AddDkim {
    fn name(&self) -> &'static str {
        "AddDKIM"
    }
    fn label(&self) -> &'static str {
        "DKIM signing for every domain"
    }
    fn category(&self) -> &'static str {
        "Exchange Standards"
    }
    fn description(&self) -> &'static str {
        "Creates and enables a DKIM signing configuration for every accepted domain, so \
         receivers can verify mail sent from the tenant."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["ExoAcceptedDomains", "ExoDkimSigningConfig"]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let configs = input.rows("ExoDkimSigningConfig");
        let findings = input
            .rows("ExoAcceptedDomains")
            .iter()
            .filter_map(|d| d["DomainName"].as_str().or(d["Name"].as_str()))
            .filter_map(|domain| {
                let config = configs.iter().find(|c| {
                    c["Domain"]
                        .as_str()
                        .or(c["Name"].as_str())
                        .is_some_and(|x| x.eq_ignore_ascii_case(domain))
                });
                let step = match config {
                    Some(c) if c["Enabled"].as_bool() == Some(true) => return None,
                    Some(c) => exchange(
                        "Set-DkimSigningConfig",
                        json!({"Identity": c["Identity"].as_str().unwrap_or(domain), "Enabled": true}),
                    ),
                    None => exchange(
                        "New-DkimSigningConfig",
                        json!({"DomainName": domain, "KeySize": 2048, "Enabled": true}),
                    ),
                };
                Some(Finding {
                    object: domain.to_string(),
                    current: json!({"configured": config.is_some(),
                                    "Enabled": config.map(|c| c["Enabled"].clone())}),
                    expected: json!({"configured": true, "Enabled": true}),
                    step,
                })
            })
            .collect();
        Ok(per_object(serde_json::Value::Null, findings))
    }
}
