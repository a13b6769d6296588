//! `PhishSimSpoofIntelligence`: the domains allowed to spoof the tenant's senders.

use serde_json::{json, Value};

use super::exchange_common::{switch, EXCHANGE_PLANS};
use super::util::{exchange, list, per_object, Finding};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// Every domain of `AllowedDomains` (a phishing-simulation vendor's sending infrastructure,
/// say) has spoof-intelligence allow entries for internal and external spoofing of any
/// sender: two `New-TenantAllowBlockListSpoofItems` per missing domain. With
/// `RemoveExtraDomains` on (off by default; turning it on is the consent to remove), allow
/// entries for other sending infrastructure are removed, one
/// `Remove-TenantAllowBlockListSpoofItems` per entry; without it they are left and not judged.
#[derive(Debug, Clone, Copy, Default)]
pub struct PhishSimSpoofIntelligence;

const CACHE: &str = "ExoSpoofIntelligenceItems";

impl Standard for PhishSimSpoofIntelligence {
    fn name(&self) -> &'static str {
        "PhishSimSpoofIntelligence"
    }
    fn label(&self) -> &'static str {
        "Spoofing allowed for phishing-simulation domains"
    }
    fn category(&self) -> &'static str {
        "Defender Standards"
    }
    fn description(&self) -> &'static str {
        "Lets the given sending domains (a phishing-simulation service, a mailing partner) \
         send as the tenant's users without spoof intelligence blocking them; optionally \
         removes every other such allowance."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &[CACHE]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        EXCHANGE_PLANS
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[("RemoveExtraDomains", "false")]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let allowed = list(input.settings, "AllowedDomains");
        let remove_extra = switch(self.name(), input.settings, "RemoveExtraDomains", false)?;
        if allowed.is_empty() && !remove_extra {
            return Err(StandardsError::Setting {
                standard: self.name().into(),
                setting: "AllowedDomains".into(),
                message: "no domain is given".into(),
            });
        }
        let items = input.rows(CACHE);
        let infra = |i: &Value| {
            i["SendingInfrastructure"]
                .as_str()
                .map(str::to_ascii_lowercase)
        };
        let allows = |i: &&Value| {
            i["Action"]
                .as_str()
                .is_none_or(|a| a.eq_ignore_ascii_case("Allow"))
        };
        let mut findings = Vec::new();
        for domain in &allowed {
            let lower = domain.to_ascii_lowercase();
            for kind in ["Internal", "External"] {
                let present = items.iter().filter(allows).any(|i| {
                    infra(i).as_deref() == Some(lower.as_str())
                        && i["SpoofType"]
                            .as_str()
                            .is_none_or(|t| t.eq_ignore_ascii_case(kind))
                });
                if present {
                    continue;
                }
                findings.push(Finding {
                    object: format!("{domain} ({kind})"),
                    current: json!({"allowed": false}),
                    expected: json!({"allowed": true}),
                    step: exchange(
                        "New-TenantAllowBlockListSpoofItems",
                        json!({"Identity": "default", "Action": "Allow",
                               "SendingInfrastructure": domain, "SpoofedUser": "*",
                               "SpoofType": kind}),
                    ),
                });
            }
        }
        if remove_extra {
            for item in items.iter().filter(allows) {
                let Some(domain) = infra(item) else { continue };
                if allowed.iter().any(|a| a.eq_ignore_ascii_case(&domain)) {
                    continue;
                }
                let Some(id) = item["Identity"].as_str() else {
                    continue;
                };
                findings.push(Finding {
                    object: format!("{domain} ({})", item["SpoofType"].as_str().unwrap_or("?")),
                    current: json!({"allowed": true}),
                    expected: json!({"allowed": false}),
                    step: exchange(
                        "Remove-TenantAllowBlockListSpoofItems",
                        json!({"Identity": "default", "Ids": [id]}),
                    ),
                });
            }
        }
        Ok(per_object(
            json!({"AllowedDomains": allowed, "RemoveExtraDomains": remove_extra}),
            findings,
        ))
    }
}
