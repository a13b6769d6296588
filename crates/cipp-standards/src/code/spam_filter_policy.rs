//! `SpamFilterPolicy`: an inbound anti-spam policy, with its rule unless it is the default.

use serde_json::{json, Map, Value};

use super::exchange_common::{switch, PolicyAndRule, EXCHANGE_PLANS};
use super::util::{list, number, text};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// The inbound anti-spam policy (`HostedContentFilterPolicy`) named `name` has the chosen
/// actions and quarantine tags for spam, high-confidence spam, bulk mail and phishing
/// (high-confidence phishing is always quarantined), `BulkThreshold`, a 30-day quarantine,
/// zero-hour purge and safety tips on, the optional advanced spam filter switches, language
/// and region block lists when switched on, and `AllowedSenderDomains`. With the default name
/// (`CIPP Default Spam Filter Policy`) a tenant's built-in `Default` policy is the one set,
/// as CIPP does, and it takes no rule (it applies to everyone); another policy gets a rule of
/// its own name, enabled at priority 0, for every accepted domain. Created when missing, set
/// when not; other policies are never touched.
#[derive(Debug, Clone, Copy, Default)]
pub struct SpamFilterPolicy;

const DEFAULT_NAME: &str = "CIPP Default Spam Filter Policy";
const ACTIONS: [&str; 2] = ["Quarantine", "MoveToJmf"];
const TAGS: [&str; 3] = [
    "AdminOnlyAccessPolicy",
    "DefaultFullAccessPolicy",
    "DefaultFullAccessWithNotificationPolicy",
];

/// Action settings and their defaults.
const ACTION_SETTINGS: [(&str, &str); 4] = [
    ("SpamAction", "MoveToJmf"),
    ("HighConfidenceSpamAction", "Quarantine"),
    ("BulkSpamAction", "MoveToJmf"),
    ("PhishSpamAction", "Quarantine"),
];
/// Quarantine tag settings and their defaults.
const TAG_SETTINGS: [(&str, &str); 5] = [
    ("SpamQuarantineTag", "DefaultFullAccessPolicy"),
    ("HighConfidenceSpamQuarantineTag", "DefaultFullAccessPolicy"),
    ("BulkQuarantineTag", "DefaultFullAccessPolicy"),
    ("PhishQuarantineTag", "AdminOnlyAccessPolicy"),
    ("HighConfidencePhishQuarantineTag", "AdminOnlyAccessPolicy"),
];
/// Advanced spam filter switches the settings choose (`On`/`Off`).
const CHOSEN_ASF: [&str; 8] = [
    "IncreaseScoreWithImageLinks",
    "IncreaseScoreWithBizOrInfoUrls",
    "MarkAsSpamFramesInHtml",
    "MarkAsSpamObjectTagsInHtml",
    "MarkAsSpamEmbedTagsInHtml",
    "MarkAsSpamFormTagsInHtml",
    "MarkAsSpamWebBugsInHtml",
    "MarkAsSpamSensitiveWordList",
];
/// Advanced spam filter switches always off (they misfire on legitimate mail).
const OFF_ASF: [&str; 7] = [
    "IncreaseScoreWithNumericIps",
    "IncreaseScoreWithRedirectToOtherPort",
    "MarkAsSpamEmptyMessages",
    "MarkAsSpamJavaScriptInHtml",
    "MarkAsSpamSpfRecordHardFail",
    "MarkAsSpamFromAddressAuthFail",
    "MarkAsSpamNdrBackscatter",
];

impl SpamFilterPolicy {
    fn pick(
        &self,
        settings: &Map<String, Value>,
        key: &str,
        default: &str,
        allowed: &[&'static str],
    ) -> Result<&'static str, StandardsError> {
        let v = text(settings, key).unwrap_or_else(|| default.to_string());
        allowed
            .iter()
            .copied()
            .find(|a| a.eq_ignore_ascii_case(&v))
            .ok_or_else(|| StandardsError::Setting {
                standard: self.name().into(),
                setting: key.into(),
                message: format!("'{v}' is not one of {}", allowed.join(", ")),
            })
    }
}

impl Standard for SpamFilterPolicy {
    fn name(&self) -> &'static str {
        "SpamFilterPolicy"
    }
    fn label(&self) -> &'static str {
        "Inbound anti-spam policy"
    }
    fn category(&self) -> &'static str {
        "Defender Standards"
    }
    fn description(&self) -> &'static str {
        "Sets what happens to spam, bulk mail and phishing arriving in the tenant (the \
         built-in default policy, or a named policy with a rule for all of the tenant's \
         domains)."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &[
            "ExoHostedContentFilterPolicy",
            "ExoHostedContentFilterRules",
            "ExoAcceptedDomains",
        ]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        EXCHANGE_PLANS
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("name", DEFAULT_NAME),
            ("BulkThreshold", "7"),
            ("SpamAction", "MoveToJmf"),
            ("HighConfidenceSpamAction", "Quarantine"),
            ("BulkSpamAction", "MoveToJmf"),
            ("PhishSpamAction", "Quarantine"),
        ]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let s = input.settings;
        let threshold = number(self.name(), s, "BulkThreshold", 7, 1)?;
        if threshold > 9 {
            return Err(StandardsError::Setting {
                standard: self.name().into(),
                setting: "BulkThreshold".into(),
                message: format!("{threshold} is not a level from 1 to 9"),
            });
        }
        let mut p = Map::new();
        for (key, default) in ACTION_SETTINGS {
            p.insert(key.into(), json!(self.pick(s, key, default, &ACTIONS)?));
        }
        for (key, default) in TAG_SETTINGS {
            p.insert(key.into(), json!(self.pick(s, key, default, &TAGS)?));
        }
        p.insert("HighConfidencePhishAction".into(), json!("Quarantine"));
        p.insert("BulkThreshold".into(), json!(threshold));
        p.insert("QuarantineRetentionPeriod".into(), json!(30));
        for key in CHOSEN_ASF {
            let on = switch(self.name(), s, key, false)?;
            p.insert(key.into(), json!(if on { "On" } else { "Off" }));
        }
        for key in OFF_ASF {
            p.insert(key.into(), json!("Off"));
        }
        p.insert("MarkAsSpamBulkMail".into(), json!("On"));
        for key in [
            "InlineSafetyTipsEnabled",
            "PhishZapEnabled",
            "SpamZapEnabled",
        ] {
            p.insert(key.into(), json!(true));
        }
        for (switch_key, list_key, upper) in [
            ("EnableLanguageBlockList", "LanguageBlockList", false),
            ("EnableRegionBlockList", "RegionBlockList", true),
        ] {
            let codes: Vec<String> = list(s, list_key)
                .into_iter()
                .map(|c| {
                    if upper {
                        c.to_ascii_uppercase()
                    } else {
                        c.to_ascii_lowercase()
                    }
                })
                .collect();
            // A block list switched on without codes blocks nothing: judged as off.
            let on = switch(self.name(), s, switch_key, false)? && !codes.is_empty();
            p.insert(switch_key.into(), json!(on));
            if on {
                p.insert(list_key.into(), json!(codes));
            }
        }
        p.insert(
            "AllowedSenderDomains".into(),
            json!(list(s, "AllowedSenderDomains")),
        );
        let wanted_name = text(s, "name").unwrap_or_else(|| DEFAULT_NAME.into());
        // With the default name the tenant's built-in policy is the one kept, as CIPP does.
        let ours = wanted_name.eq_ignore_ascii_case(DEFAULT_NAME);
        PolicyAndRule {
            noun: "HostedContentFilterPolicy",
            wanted_name,
            other_names: if ours {
                &["Default Spam Filter Policy", "Default"]
            } else {
                &[]
            },
            other_rule_names: Vec::new(),
            rule_suffix: "",
            policies: input.rows("ExoHostedContentFilterPolicy"),
            rules: input.rows("ExoHostedContentFilterRules"),
            domains: input.rows("ExoAcceptedDomains"),
            properties: p,
            without_rule: &["Default"],
        }
        .assess()
    }
}
