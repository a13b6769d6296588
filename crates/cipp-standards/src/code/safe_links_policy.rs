//! `SafeLinksPolicy`: a Safe Links policy of ours, applied to every accepted domain.

use serde_json::{json, Map};

use super::exchange_common::{switch, PolicyAndRule, DEFENDER_PLANS};
use super::util::{list, text};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// The Safe Links policy named `name` (default `CIPP Default SafeLinks Policy`) rewrites and
/// checks links in mail, Teams and Office apps, tracks clicks, scans before delivery and
/// covers internal senders; `AllowClickThrough`, `DisableUrlRewrite`,
/// `EnableOrganizationBranding` and `DoNotRewriteUrls` come from the settings. Its rule applies
/// it at priority 0 to every accepted domain. Missing, the policy and rule are created; else
/// they are set. Other Safe Links policies are never changed or removed.
#[derive(Debug, Clone, Copy, Default)]
pub struct SafeLinksPolicy;

impl Standard for SafeLinksPolicy {
    fn name(&self) -> &'static str {
        "SafeLinksPolicy"
    }
    fn label(&self) -> &'static str {
        "Safe Links for every domain"
    }
    fn category(&self) -> &'static str {
        "Defender Standards"
    }
    fn description(&self) -> &'static str {
        "Keeps a Safe Links policy that checks links in mail, Teams and Office documents when \
         they are clicked, and a rule applying it to all of the tenant's domains."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &[
            "ExoSafeLinksPolicies",
            "ExoSafeLinksRules",
            "ExoAcceptedDomains",
        ]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        DEFENDER_PLANS
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("name", "CIPP Default SafeLinks Policy"),
            ("AllowClickThrough", "false"),
            ("DisableUrlRewrite", "false"),
            ("EnableOrganizationBranding", "false"),
        ]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let s = input.settings;
        let mut properties = Map::new();
        for key in [
            "EnableSafeLinksForEmail",
            "EnableSafeLinksForTeams",
            "EnableSafeLinksForOffice",
            "TrackClicks",
            "ScanUrls",
            "EnableForInternalSenders",
            "DeliverMessageAfterScan",
        ] {
            properties.insert(key.into(), json!(true));
        }
        for key in [
            "AllowClickThrough",
            "DisableUrlRewrite",
            "EnableOrganizationBranding",
        ] {
            properties.insert(key.into(), json!(switch(self.name(), s, key, false)?));
        }
        properties.insert(
            "DoNotRewriteUrls".into(),
            json!(list(s, "DoNotRewriteUrls")),
        );
        PolicyAndRule {
            noun: "SafeLinksPolicy",
            wanted_name: text(s, "name").unwrap_or_else(|| "CIPP Default SafeLinks Policy".into()),
            other_names: &["CIPP Default SafeLinks Policy", "Default SafeLinks Policy"],
            other_rule_names: vec![
                "CIPP Default SafeLinks Rule".into(),
                "CIPP Default SafeLinks Policy".into(),
            ],
            rule_suffix: "_Rule",
            policies: input.rows("ExoSafeLinksPolicies"),
            rules: input.rows("ExoSafeLinksRules"),
            domains: input.rows("ExoAcceptedDomains"),
            properties,
            without_rule: &[],
        }
        .assess()
    }
}
