//! `PhishingSimulations`: third-party phishing simulations reach inboxes unfiltered.

use serde_json::{json, Value};

use super::exchange_common::{switch, EXCHANGE_PLANS};
use super::util::{exchange, list, single};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// The advanced-delivery override for phishing simulations: the tenant's
/// `PhishSimOverridePolicy` is enabled, its rule lists the simulation vendor's sending
/// domains (`Domains`) and IP ranges (`SenderIpRanges`), and the simulation URLs
/// (`PhishingSimUrls`) are allowed, never expiring, in the Tenant Allow/Block List's
/// advanced-delivery URL list. Values already there beyond those are kept unless
/// `RemoveExtraUrls` is on, in which case they are removed (rule entries and URLs alike).
///
/// The policy and rule are created when missing (Exchange names them itself: the policy
/// `PhishSimOverridePolicy`, the rule `_Exe:PhishSimOverr:...`), else changed by adding and
/// removing single values, which is why this is code.
#[derive(Debug, Clone, Copy, Default)]
pub struct PhishingSimulations;

const POLICY: &str = "ExoPhishSimOverridePolicy";
const RULE: &str = "ExoPhishSimOverrideRule";
const URLS: &str = "ExoPhishSimUrls";
/// What CIPP names the policy and rule it creates (Exchange renames them).
const CREATE_NAME: &str = "CIPPPhishSim";

/// Texts of a list property.
fn values(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        Value::String(s) if !s.is_empty() => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn contains(list: &[String], v: &str) -> bool {
    list.iter().any(|x| x.eq_ignore_ascii_case(v))
}

/// `wanted` values missing from `have`, and (when `remove_extra`) values of `have` not wanted.
fn delta(have: &[String], wanted: &[String], remove_extra: bool) -> (Vec<String>, Vec<String>) {
    let add = wanted
        .iter()
        .filter(|w| !contains(have, w))
        .cloned()
        .collect();
    let remove = if remove_extra {
        have.iter()
            .filter(|h| !contains(wanted, h))
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    (add, remove)
}

/// The list as it should end: `have` plus `add`, less `remove`, lower case and sorted.
fn outcome(have: &[String], add: &[String], remove: &[String]) -> Vec<String> {
    let mut out: Vec<String> = have
        .iter()
        .chain(add)
        .filter(|v| !contains(remove, v))
        .map(|v| v.to_ascii_lowercase())
        .collect();
    out.sort();
    out.dedup();
    out
}

impl Standard for PhishingSimulations {
    fn name(&self) -> &'static str {
        "PhishingSimulations"
    }
    fn label(&self) -> &'static str {
        "Deliver third-party phishing simulations"
    }
    fn category(&self) -> &'static str {
        "Defender Standards"
    }
    fn description(&self) -> &'static str {
        "Lets a phishing-simulation vendor's test mails through Defender's filtering: the \
         override policy and rule name the vendor's domains and IP ranges, and its URLs are \
         allowed so links are not rewritten or blocked."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &[POLICY, RULE, URLS]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        EXCHANGE_PLANS
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("Domains", ""),
            ("SenderIpRanges", ""),
            ("PhishingSimUrls", ""),
            ("RemoveExtraUrls", "false"),
        ]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let s = input.settings;
        let domains = list(s, "Domains");
        let ranges = list(s, "SenderIpRanges");
        for (key, l) in [("Domains", &domains), ("SenderIpRanges", &ranges)] {
            if l.is_empty() {
                return Err(StandardsError::Setting {
                    standard: self.name().into(),
                    setting: key.into(),
                    message: "is required: the simulation vendor's sending domains and IP ranges"
                        .into(),
                });
            }
        }
        let urls = list(s, "PhishingSimUrls");
        let remove_extra = switch(self.name(), s, "RemoveExtraUrls", false)?;

        let policy = input
            .rows(POLICY)
            .iter()
            .find(|p| p["Name"].as_str() == Some("PhishSimOverridePolicy"));
        let policy_enabled = policy.is_some_and(|p| p["Enabled"].as_bool() == Some(true));
        let rule = input.rows(RULE).iter().find(|r| {
            r["Name"]
                .as_str()
                .is_some_and(|n| n.to_ascii_lowercase().contains("phishsimoverr"))
        });
        let rule_domains = rule.map(|r| values(&r["Domains"])).unwrap_or_default();
        let rule_ranges = rule
            .map(|r| values(&r["SenderIpRanges"]))
            .unwrap_or_default();
        let have_urls: Vec<String> = input
            .rows(URLS)
            .iter()
            .filter_map(|u| u["Value"].as_str())
            .map(str::to_string)
            .collect();
        let (add_domains, remove_domains) = delta(&rule_domains, &domains, remove_extra);
        let (add_ranges, remove_ranges) = delta(&rule_ranges, &ranges, remove_extra);
        let (add_urls, remove_urls) = delta(&have_urls, &urls, remove_extra);
        let sorted = |l: &[String]| outcome(l, &[], &[]);
        let current = json!({
            "PolicyEnabled": policy_enabled,
            "RuleExists": rule.is_some(),
            "Domains": sorted(&rule_domains),
            "SenderIpRanges": sorted(&rule_ranges),
            "PhishingSimUrls": sorted(&have_urls),
        });
        let expected = json!({
            "PolicyEnabled": true,
            "RuleExists": true,
            "Domains": outcome(&rule_domains, &add_domains, &remove_domains),
            "SenderIpRanges": outcome(&rule_ranges, &add_ranges, &remove_ranges),
            "PhishingSimUrls": outcome(&have_urls, &add_urls, &remove_urls),
        });
        let mut steps = Vec::new();
        match policy {
            Some(p) if !policy_enabled => steps.push(exchange(
                "Set-PhishSimOverridePolicy",
                json!({"Identity": p["Identity"].as_str().unwrap_or("PhishSimOverridePolicy"),
                       "Enabled": true}),
            )),
            Some(_) => {}
            None => steps.push(exchange(
                "New-PhishSimOverridePolicy",
                json!({"Name": CREATE_NAME, "Enabled": true}),
            )),
        }
        match rule {
            None => steps.push(exchange(
                "New-ExoPhishSimOverrideRule",
                json!({"Name": CREATE_NAME, "Policy": "PhishSimOverridePolicy",
                       "Domains": domains, "SenderIpRanges": ranges}),
            )),
            Some(r) => {
                let changes = [
                    ("AddDomains", &add_domains),
                    ("RemoveDomains", &remove_domains),
                    ("AddSenderIpRanges", &add_ranges),
                    ("RemoveSenderIpRanges", &remove_ranges),
                ];
                if changes.iter().any(|(_, l)| !l.is_empty()) {
                    let mut params = serde_json::Map::new();
                    params.insert("Identity".into(), r["Identity"].clone());
                    for (k, l) in changes {
                        if !l.is_empty() {
                            params.insert(k.into(), json!(l));
                        }
                    }
                    steps.push(exchange(
                        "Set-ExoPhishSimOverrideRule",
                        Value::Object(params),
                    ));
                }
            }
        }
        if !remove_urls.is_empty() {
            steps.push(exchange(
                "Remove-TenantAllowBlockListItems",
                json!({"ListType": "Url", "ListSubType": "AdvancedDelivery",
                       "Entries": remove_urls}),
            ));
        }
        if !add_urls.is_empty() {
            steps.push(exchange(
                "New-TenantAllowBlockListItems",
                json!({"ListType": "Url", "ListSubType": "AdvancedDelivery",
                       "Entries": add_urls, "Allow": true, "NoExpiration": true}),
            ));
        }
        Ok(single(current, expected, steps))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_change_by_single_values() {
        let have = vec!["a.example".to_string(), "old.example".to_string()];
        let wanted = vec!["A.example".to_string(), "new.example".to_string()];
        assert_eq!(
            delta(&have, &wanted, false),
            (vec!["new.example".to_string()], vec![])
        );
        let (add, remove) = delta(&have, &wanted, true);
        assert_eq!(remove, ["old.example"]);
        assert_eq!(outcome(&have, &add, &remove), ["a.example", "new.example"]);
    }
}
