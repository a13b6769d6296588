//! `AntiPhishPolicy`: an anti-phishing policy of ours, applied to every accepted domain.

use serde_json::{json, Map};

use super::exchange_common::{has_plan, switch, PolicyAndRule, EXCHANGE_PLANS};
use super::util::{number, text};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;
use cipp_snapshot::LICENCE_TYPE;

/// The anti-phishing policy named `name` (default `CIPP Default Anti-Phishing Policy`) is on
/// with spoof intelligence, unauthenticated-sender and via tags, first-contact safety tips and
/// the chosen `AuthenticationFailAction` / `SpoofQuarantineTag`. With Defender for Office 365
/// (`ATP_ENTERPRISE`) it also protects against impersonation of users, domains and the
/// organisation's own domains, with mailbox intelligence, at `PhishThresholdLevel` and the
/// chosen actions and quarantine tags; without it those settings do not exist and are not
/// judged. Its rule applies it at priority 0 to every accepted domain. Created when missing,
/// set when not; other anti-phishing policies (the built-in default too) are never touched.
#[derive(Debug, Clone, Copy, Default)]
pub struct AntiPhishPolicy;

/// Settings that pick an action, with the default used when a template leaves them empty.
const ACTIONS: [(&str, &str); 4] = [
    ("AuthenticationFailAction", "MoveToJmf"),
    ("TargetedUserProtectionAction", "Quarantine"),
    ("TargetedDomainProtectionAction", "Quarantine"),
    ("MailboxIntelligenceProtectionAction", "MoveToJmf"),
];
/// Settings that pick a quarantine policy.
const TAGS: [(&str, &str); 4] = [
    (
        "SpoofQuarantineTag",
        "DefaultFullAccessWithNotificationPolicy",
    ),
    ("TargetedUserQuarantineTag", "AdminOnlyAccessPolicy"),
    ("TargetedDomainQuarantineTag", "AdminOnlyAccessPolicy"),
    (
        "MailboxIntelligenceQuarantineTag",
        "DefaultFullAccessPolicy",
    ),
];
/// Safety-tip switches, all on by default.
const TIPS: [&str; 4] = [
    "EnableFirstContactSafetyTips",
    "EnableSimilarUsersSafetyTips",
    "EnableSimilarDomainsSafetyTips",
    "EnableUnusualCharactersSafetyTips",
];
/// Settings that exist only with Defender for Office 365.
const DEFENDER_ONLY: [&str; 13] = [
    "PhishThresholdLevel",
    "EnableMailboxIntelligence",
    "EnableMailboxIntelligenceProtection",
    "EnableSimilarUsersSafetyTips",
    "EnableSimilarDomainsSafetyTips",
    "EnableUnusualCharactersSafetyTips",
    "TargetedUserProtectionAction",
    "TargetedUserQuarantineTag",
    "TargetedDomainProtectionAction",
    "TargetedDomainQuarantineTag",
    "MailboxIntelligenceProtectionAction",
    "MailboxIntelligenceQuarantineTag",
    "EnableTargetedDomainsProtection",
];

impl Standard for AntiPhishPolicy {
    fn name(&self) -> &'static str {
        "AntiPhishPolicy"
    }
    fn label(&self) -> &'static str {
        "Anti-phishing for every domain"
    }
    fn category(&self) -> &'static str {
        "Defender Standards"
    }
    fn description(&self) -> &'static str {
        "Keeps an anti-phishing policy (spoofing, and with Defender for Office 365 \
         impersonation protection too) and a rule applying it to all of the tenant's domains."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &[
            "ExoAntiPhishPolicies",
            "ExoAntiPhishRules",
            "ExoAcceptedDomains",
        ]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        EXCHANGE_PLANS
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("name", "CIPP Default Anti-Phishing Policy"),
            ("PhishThresholdLevel", "1"),
            ("EnableFirstContactSafetyTips", "true"),
            ("EnableSimilarUsersSafetyTips", "true"),
            ("EnableSimilarDomainsSafetyTips", "true"),
            ("EnableUnusualCharactersSafetyTips", "true"),
            ("AuthenticationFailAction", "MoveToJmf"),
            (
                "SpoofQuarantineTag",
                "DefaultFullAccessWithNotificationPolicy",
            ),
        ]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let s = input.settings;
        let defender = has_plan(input.rows(LICENCE_TYPE), &["ATP_ENTERPRISE"]);
        let threshold = number(self.name(), s, "PhishThresholdLevel", 1, 1)?;
        if threshold > 4 {
            return Err(StandardsError::Setting {
                standard: self.name().into(),
                setting: "PhishThresholdLevel".into(),
                message: format!("{threshold} is not a level from 1 to 4"),
            });
        }
        let mut p = Map::new();
        p.insert("Enabled".into(), json!(true));
        p.insert("PhishThresholdLevel".into(), json!(threshold));
        for key in [
            "EnableMailboxIntelligence",
            "EnableMailboxIntelligenceProtection",
            "EnableSpoofIntelligence",
            "EnableUnauthenticatedSender",
            "EnableViaTag",
            "EnableTargetedDomainsProtection",
            "EnableTargetedUserProtection",
            "EnableOrganizationDomainsProtection",
        ] {
            p.insert(key.into(), json!(true));
        }
        for key in TIPS {
            p.insert(key.into(), json!(switch(self.name(), s, key, true)?));
        }
        for (key, default) in ACTIONS.iter().chain(TAGS.iter()) {
            p.insert(
                (*key).into(),
                json!(text(s, key).unwrap_or_else(|| (*default).to_string())),
            );
        }
        if !defender {
            for key in DEFENDER_ONLY.iter().chain(
                [
                    "EnableTargetedUserProtection",
                    "EnableOrganizationDomainsProtection",
                ]
                .iter(),
            ) {
                p.remove(*key);
            }
        }
        PolicyAndRule {
            noun: "AntiPhishPolicy",
            wanted_name: text(s, "name")
                .unwrap_or_else(|| "CIPP Default Anti-Phishing Policy".into()),
            other_names: &[
                "CIPP Default Anti-Phishing Policy",
                "Default Anti-Phishing Policy",
            ],
            other_rule_names: vec![
                "CIPP Default Anti-Phishing Rule".into(),
                "CIPP Default Anti-Phishing Policy".into(),
            ],
            rule_suffix: " Rule",
            policies: input.rows("ExoAntiPhishPolicies"),
            rules: input.rows("ExoAntiPhishRules"),
            domains: input.rows("ExoAcceptedDomains"),
            properties: p,
            without_rule: &[],
        }
        .assess()
    }
}
