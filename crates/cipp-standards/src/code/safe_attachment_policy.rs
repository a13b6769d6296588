//! `SafeAttachmentPolicy`: a Safe Attachments policy of ours, applied to every accepted domain.

use serde_json::{json, Map};

use super::exchange_common::{switch, PolicyAndRule, DEFENDER_PLANS};
use super::util::text;
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// The Safe Attachments policy named `name` (default `CIPP Default Safe Attachment Policy`)
/// is on, with `SafeAttachmentAction` (`Allow`, `Block` or `DynamicDelivery`; default
/// `Block`), `QuarantineTag` (default `AdminOnlyAccessPolicy`), `Redirect` and, when given,
/// `RedirectAddress`. Its rule applies it at priority 0 to every accepted domain. Created when
/// missing, set when not; other Safe Attachments policies are never touched.
#[derive(Debug, Clone, Copy, Default)]
pub struct SafeAttachmentPolicy;

const ACTIONS: [&str; 3] = ["Allow", "Block", "DynamicDelivery"];

impl Standard for SafeAttachmentPolicy {
    fn name(&self) -> &'static str {
        "SafeAttachmentPolicy"
    }
    fn label(&self) -> &'static str {
        "Safe Attachments for every domain"
    }
    fn category(&self) -> &'static str {
        "Defender Standards"
    }
    fn description(&self) -> &'static str {
        "Keeps a Safe Attachments policy that opens attachments in a sandbox before delivery, \
         and a rule applying it to all of the tenant's domains."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &[
            "ExoSafeAttachmentPolicies",
            "ExoSafeAttachmentRules",
            "ExoAcceptedDomains",
        ]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        DEFENDER_PLANS
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("name", "CIPP Default Safe Attachment Policy"),
            ("SafeAttachmentAction", "Block"),
            ("QuarantineTag", "AdminOnlyAccessPolicy"),
            ("Redirect", "false"),
        ]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let s = input.settings;
        let action = text(s, "SafeAttachmentAction").unwrap_or_else(|| "Block".into());
        let Some(action) = ACTIONS.iter().find(|a| a.eq_ignore_ascii_case(&action)) else {
            return Err(StandardsError::Setting {
                standard: self.name().into(),
                setting: "SafeAttachmentAction".into(),
                message: format!("'{action}' is not one of {}", ACTIONS.join(", ")),
            });
        };
        let mut properties = Map::new();
        properties.insert("Enable".into(), json!(true));
        properties.insert("Action".into(), json!(action));
        properties.insert(
            "QuarantineTag".into(),
            json!(text(s, "QuarantineTag").unwrap_or_else(|| "AdminOnlyAccessPolicy".into())),
        );
        properties.insert(
            "Redirect".into(),
            json!(switch(self.name(), s, "Redirect", false)?),
        );
        if let Some(address) = text(s, "RedirectAddress") {
            properties.insert("RedirectAddress".into(), json!(address));
        }
        PolicyAndRule {
            noun: "SafeAttachmentPolicy",
            wanted_name: text(s, "name")
                .unwrap_or_else(|| "CIPP Default Safe Attachment Policy".into()),
            other_names: &[
                "CIPP Default Safe Attachment Policy",
                "Default Safe Attachment Policy",
            ],
            other_rule_names: vec![
                "CIPP Default Safe Attachment Rule".into(),
                "CIPP Default Safe Attachment Policy".into(),
            ],
            rule_suffix: " Rule",
            policies: input.rows("ExoSafeAttachmentPolicies"),
            rules: input.rows("ExoSafeAttachmentRules"),
            domains: input.rows("ExoAcceptedDomains"),
            properties,
            without_rule: &[],
        }
        .assess()
    }
}
