//! `TeamsFederationConfiguration`: who Teams users may talk to outside the organisation.

use serde_json::{json, Map, Value};

use super::util::{list, setting, single, text};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;
use crate::plan::Step;

/// The Global tenant federation configuration of Teams: Teams consumer (personal account)
/// and public (Skype) users allowed or not, and external domains by `DomainControl`:
/// `AllowAllExternal` (every domain), `BlockAllExternal` (federation off),
/// `AllowSpecificExternal` (only `DomainList`) or `BlockSpecificExternal` (every domain but
/// `DomainList`). Domain lists compare without order or case. One
/// `Set-CsTenantFederationConfiguration` (read-modify-write of the Teams configuration);
/// the allowed list is written as `{"AllowedDomain": [{"Domain": ...}]}` and "all known
/// domains" as `{"AllowAllKnownDomains": {}}`, the shapes the admin API reads back.
#[derive(Debug, Clone, Copy, Default)]
pub struct TeamsFederationConfiguration;

fn sorted_lower(items: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = items.into_iter().map(|s| s.to_ascii_lowercase()).collect();
    out.sort();
    out.dedup();
    out
}

/// Domain names of a list of text or `{Domain}` objects.
fn names(v: &Value) -> Vec<String> {
    sorted_lower(v.as_array().into_iter().flatten().filter_map(|d| match d {
        Value::String(s) => Some(s.clone()),
        other => other["Domain"].as_str().map(str::to_string),
    }))
}

/// The allowed domains as compared: `"all known domains"` or the sorted names.
fn allowed_of(v: &Value) -> Value {
    if v.get("AllowAllKnownDomains").is_some() {
        json!("all known domains")
    } else {
        json!(names(&v["AllowedDomain"]))
    }
}

fn switch(settings: &Map<String, Value>, key: &str) -> Option<bool> {
    match setting(settings, key)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl Standard for TeamsFederationConfiguration {
    fn name(&self) -> &'static str {
        "TeamsFederationConfiguration"
    }
    fn label(&self) -> &'static str {
        "Teams external access by domain"
    }
    fn category(&self) -> &'static str {
        "Teams Standards"
    }
    fn description(&self) -> &'static str {
        "Sets whether Teams users may chat and meet with other organisations (all, none, only \
         listed domains or all but listed domains), personal Teams accounts and Skype users."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["CsTenantFederationConfiguration"]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        &[
            "MCOSTANDARD",
            "MCOEV",
            "MCOIMP",
            "TEAMS1",
            "Teams_Room_Standard",
        ]
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("AllowTeamsConsumer", "false"),
            ("AllowPublicUsers", "false"),
            ("DomainControl", "AllowAllExternal"),
            ("DomainList", ""),
        ]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let bad = |setting: &str, message: String| StandardsError::Setting {
            standard: self.name().into(),
            setting: setting.into(),
            message,
        };
        let consumer = switch(input.settings, "AllowTeamsConsumer").unwrap_or(false);
        let public = switch(input.settings, "AllowPublicUsers").unwrap_or(false);
        let control =
            text(input.settings, "DomainControl").unwrap_or_else(|| "AllowAllExternal".into());
        let domains = list(input.settings, "DomainList");
        let all_known = json!({"AllowAllKnownDomains": {}});
        let (federated, allowed, blocked) = match control.to_ascii_lowercase().as_str() {
            "allowallexternal" => (true, all_known, Vec::new()),
            "blockallexternal" => (false, all_known, Vec::new()),
            "allowspecificexternal" => {
                if domains.is_empty() {
                    return Err(bad("DomainList", "no domains to allow".into()));
                }
                let list: Vec<Value> = domains.iter().map(|d| json!({"Domain": d})).collect();
                (true, json!({"AllowedDomain": list}), Vec::new())
            }
            "blockspecificexternal" => {
                if domains.is_empty() {
                    return Err(bad("DomainList", "no domains to block".into()));
                }
                (true, all_known, domains.clone())
            }
            other => {
                return Err(bad(
                    "DomainControl",
                    format!(
                        "'{other}' is not AllowAllExternal, BlockAllExternal, \
                         AllowSpecificExternal or BlockSpecificExternal"
                    ),
                ))
            }
        };
        let config = input
            .rows("CsTenantFederationConfiguration")
            .first()
            .cloned()
            .unwrap_or(Value::Null);
        let current = json!({
            "AllowTeamsConsumer": config["AllowTeamsConsumer"],
            "AllowPublicUsers": config["AllowPublicUsers"],
            "AllowFederatedUsers": config["AllowFederatedUsers"],
            "AllowedDomains": allowed_of(&config["AllowedDomains"]),
            "BlockedDomains": names(&config["BlockedDomains"]),
        });
        let expected = json!({
            "AllowTeamsConsumer": consumer,
            "AllowPublicUsers": public,
            "AllowFederatedUsers": federated,
            "AllowedDomains": allowed_of(&allowed),
            "BlockedDomains": sorted_lower(blocked.clone()),
        });
        let mut parameters = Map::new();
        parameters.insert("AllowTeamsConsumer".into(), json!(consumer));
        parameters.insert("AllowPublicUsers".into(), json!(public));
        parameters.insert("AllowFederatedUsers".into(), json!(federated));
        parameters.insert("AllowedDomains".into(), allowed);
        parameters.insert("BlockedDomains".into(), json!(blocked));
        let step = Step::Teams {
            cmdlet: "Set-CsTenantFederationConfiguration".into(),
            identity: Some("Global".into()),
            parameters,
            continue_on_error: false,
        };
        Ok(single(current, expected, vec![step]))
    }
}
