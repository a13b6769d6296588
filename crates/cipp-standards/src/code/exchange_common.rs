//! What the Exchange code standards share: the Exchange Online service plans they need, sizes
//! as Exchange shows them, switches as templates store them, and the policy-and-rule pair that
//! Defender's Safe Links, Safe Attachments and anti-phishing standards write together.

use serde_json::{json, Map, Value};

use super::util::{exchange, setting, single};
use super::Assessment;
use crate::error::StandardsError;
use crate::plan::Step;

/// Service plans that give a tenant Exchange Online (CIPP's "Exchange" licence preset).
pub(crate) const EXCHANGE_PLANS: &[&str] = &[
    "EXCHANGE_S_STANDARD",
    "EXCHANGE_S_ENTERPRISE",
    "EXCHANGE_S_STANDARD_GOV",
    "EXCHANGE_S_ENTERPRISE_GOV",
    "EXCHANGE_LITE",
];

/// Service plans of Microsoft Defender for Office 365 (Safe Links, Safe Attachments).
pub(crate) const DEFENDER_PLANS: &[&str] = &["ATP_ENTERPRISE", "THREAT_INTELLIGENCE"];

/// Bytes of a size as Exchange shows it (`35 MB (36,700,160 bytes)`) or a plain number of
/// bytes; `None` for `Unlimited` and anything else.
pub(crate) fn size_bytes(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => {
            let inner = s.rsplit_once('(')?.1.split_whitespace().next()?;
            inner.replace(',', "").parse().ok()
        }
        _ => None,
    }
}

/// A switch setting (`true`, `"true"`, a picker holding either), or `default` when unset.
pub(crate) fn switch(
    standard: &str,
    settings: &Map<String, Value>,
    key: &str,
    default: bool,
) -> Result<bool, StandardsError> {
    match setting(settings, key) {
        None => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(true),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(false),
        Some(other) => Err(StandardsError::Setting {
            standard: standard.into(),
            setting: key.into(),
            message: format!("{other} is neither true nor false"),
        }),
    }
}

/// Whether the tenant's licence read holds one of `plans` (false when it was not collected).
pub(crate) fn has_plan(rows: &[Value], plans: &[&str]) -> bool {
    rows.iter()
        .filter(|sku| {
            sku["capabilityStatus"]
                .as_str()
                .is_none_or(|s| s != "Deleted")
        })
        .flat_map(|sku| sku["servicePlans"].as_array().into_iter().flatten())
        .filter_map(|p| p["servicePlanName"].as_str())
        .any(|p| plans.iter().any(|w| w.eq_ignore_ascii_case(p)))
}

/// Text at `key` of an Exchange row, for lookups by name.
fn name_of(row: &Value) -> Option<&str> {
    row["Name"].as_str().or(row["Identity"].as_str())
}

/// A list of text, lower-cased and sorted, so lists compare as sets.
pub(crate) fn set_of(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = match v {
        Value::Array(a) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_ascii_lowercase)
            .collect(),
        Value::String(s) if !s.trim().is_empty() => vec![s.to_ascii_lowercase()],
        _ => Vec::new(),
    };
    out.sort();
    out.dedup();
    out
}

/// A Defender policy and the rule that applies it to every accepted domain, as CIPP's Safe
/// Links, Safe Attachments and anti-phishing standards keep them.
pub(crate) struct PolicyAndRule<'a> {
    /// The cmdlet noun of the policy (`SafeLinksPolicy`); the rule's is the same with `Rule`.
    pub noun: &'static str,
    /// The policy's name from the settings (CIPP's default when unset).
    pub wanted_name: String,
    /// Other names an existing policy of ours may have (CIPP's earlier defaults).
    pub other_names: &'static [&'static str],
    /// Names an existing rule of ours may have besides `{policy} Rule`.
    pub other_rule_names: Vec<String>,
    /// The suffix CIPP gives the rule of a new policy (` Rule`, or `_Rule` for Safe Links).
    pub rule_suffix: &'static str,
    /// The policies read (`Get-{noun}`).
    pub policies: &'a [Value],
    /// The rules read (`Get-{noun}Rule`).
    pub rules: &'a [Value],
    /// The tenant's accepted domains (`Get-AcceptedDomain`).
    pub domains: &'a [Value],
    /// The properties the policy must have.
    pub properties: Map<String, Value>,
    /// Policy names that take no rule: a built-in default policy applies to everyone.
    pub without_rule: &'static [&'static str],
}

impl PolicyAndRule<'_> {
    /// Compliant when the policy has `properties` and its rule, enabled at priority 0,
    /// applies it to every accepted domain (no rule for a policy in `without_rule`); else
    /// drifted, with a `New-`/`Set-` of the policy (only the
    /// policy of this standard, never another) and a `New-`/`Set-` of its rule.
    pub fn assess(self) -> Result<Assessment, StandardsError> {
        let names: Vec<&str> = std::iter::once(self.wanted_name.as_str())
            .chain(self.other_names.iter().copied())
            .collect();
        let existing = names.iter().find_map(|n| {
            self.policies
                .iter()
                .find(|p| name_of(p).is_some_and(|x| x.eq_ignore_ascii_case(n)))
        });
        let policy_name = existing
            .and_then(name_of)
            .unwrap_or(&self.wanted_name)
            .to_string();
        let rule_name_new = format!("{policy_name}{}", self.rule_suffix);
        let mut rule_names = vec![rule_name_new.clone(), format!("{policy_name} Rule")];
        rule_names.extend(self.other_rule_names.iter().cloned());
        let rule = rule_names.iter().find_map(|n| {
            self.rules
                .iter()
                .find(|r| name_of(r).is_some_and(|x| x.eq_ignore_ascii_case(n)))
        });
        let rule_name = rule.and_then(name_of).unwrap_or(&rule_name_new).to_string();
        let domains = set_of(&Value::Array(
            self.domains
                .iter()
                .filter_map(|d| d["DomainName"].as_str().or(d["Name"].as_str()))
                .map(|d| json!(d))
                .collect(),
        ));
        let mut current_policy = Map::new();
        for key in self.properties.keys() {
            let v = existing.map(|p| p[key].clone()).unwrap_or(Value::Null);
            let v = match &self.properties[key] {
                Value::Array(_) => json!(set_of(&v)),
                _ => v,
            };
            current_policy.insert(key.clone(), v);
        }
        let mut expected_policy = self.properties.clone();
        for v in expected_policy.values_mut() {
            if v.is_array() {
                *v = json!(set_of(v));
            }
        }
        let link = self.noun;
        let ruled = !self
            .without_rule
            .iter()
            .any(|n| n.eq_ignore_ascii_case(&policy_name));
        let rule_enabled = rule.map(|r| {
            r["State"]
                .as_str()
                .is_none_or(|s| s.eq_ignore_ascii_case("Enabled"))
        });
        let mut current = json!({
            "policy": {"exists": existing.is_some(), "settings": current_policy},
            "rule": {
                "exists": rule.is_some(),
                "enabled": rule_enabled,
                link: rule.map(|r| r[link].clone()),
                "Priority": rule.map(|r| r["Priority"].clone()),
                "RecipientDomainIs": rule.map(|r| json!(set_of(&r["RecipientDomainIs"]))),
            },
        });
        let mut expected = json!({
            "policy": {"exists": true, "settings": expected_policy},
            "rule": {"exists": true, "enabled": true, link: policy_name, "Priority": 0,
                     "RecipientDomainIs": domains},
        });
        if !ruled {
            current["rule"] = Value::Null;
            expected["rule"] = Value::Null;
        }
        let mut steps: Vec<Step> = Vec::new();
        if current["policy"] != expected["policy"] {
            let mut params = self.properties.clone();
            let cmdlet = if existing.is_some() {
                params.insert("Identity".into(), json!(policy_name));
                format!("Set-{}", self.noun)
            } else {
                params.insert("Name".into(), json!(policy_name));
                format!("New-{}", self.noun)
            };
            steps.push(exchange(&cmdlet, Value::Object(params)));
        }
        let rule_noun = format!("{}Rule", self.noun.trim_end_matches("Policy"));
        let rule_differs = {
            let (mut c, mut e) = (current["rule"].clone(), expected["rule"].clone());
            c["enabled"] = Value::Null;
            e["enabled"] = Value::Null;
            c != e
        };
        if ruled && rule_differs {
            let mut params = Map::new();
            params.insert("Priority".into(), json!(0));
            params.insert("RecipientDomainIs".into(), json!(domains));
            params.insert(link.into(), json!(policy_name));
            let cmdlet = if rule.is_some() {
                params.insert("Identity".into(), json!(rule_name));
                format!("Set-{rule_noun}")
            } else {
                params.insert("Name".into(), json!(rule_name));
                format!("New-{rule_noun}")
            };
            steps.push(exchange(&cmdlet, Value::Object(params)));
        }
        if ruled && rule_enabled == Some(false) {
            steps.push(exchange(
                &format!("Enable-{rule_noun}"),
                json!({"Identity": rule_name}),
            ));
        }
        Ok(single(current, expected, steps))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_sets_read_like_exchange_writes_them() {
        assert_eq!(
            size_bytes(&json!("35 MB (36,700,160 bytes)")),
            Some(36_700_160)
        );
        assert_eq!(size_bytes(&json!(1024)), Some(1024));
        assert_eq!(size_bytes(&json!("Unlimited")), None);
        assert_eq!(
            set_of(&json!(["B.com", "a.com", "b.com"])),
            ["a.com", "b.com"]
        );
        assert!(set_of(&Value::Null).is_empty());
    }
}
