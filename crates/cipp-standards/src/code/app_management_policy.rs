//! `AppManagementPolicy`: the tenant's default credential restrictions for apps.

use serde_json::{json, Map, Value};

use super::util::{graph_patch, number, setting, single, text};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// The two lists a restriction goes in: Graph's property, and the restriction lists of
/// applications and service principals, which get the same restrictions.
const OWNERS: [&str; 2] = ["applicationRestrictions", "servicePrincipalRestrictions"];

/// Since when restrictions added by this standard apply (credentials of apps created before
/// are not touched by Entra ID): a fixed date in the past, so every app counts.
const SINCE: &str = "2019-01-01T00:00:00Z";

/// One restriction: CIPP's setting, the credential list, Graph's `restrictionType`, and
/// whether the setting is a lifetime in days (else `enabled`/`disabled`).
const RESTRICTIONS: [(&str, &str, &str, bool); 4] = [
    (
        "passwordCredentialsPasswordAddition",
        "passwordCredentials",
        "passwordAddition",
        false,
    ),
    (
        "passwordCredentialsCustomPasswordAddition",
        "passwordCredentials",
        "customPasswordAddition",
        false,
    ),
    (
        "passwordCredentialsMaxLifetime",
        "passwordCredentials",
        "passwordLifetime",
        true,
    ),
    (
        "keyCredentialsMaxLifetime",
        "keyCredentials",
        "asymmetricKeyLifetime",
        true,
    ),
];

/// The default app management policy is on and holds, for applications and service
/// principals alike, each restriction whose setting is given: blocking new client secrets
/// (`passwordAddition`) or custom ones (`customPasswordAddition`) when `enabled`, and the
/// longest lifetime of secrets and certificates in days. Restrictions whose setting is not
/// given are left as they are, and so are the lists' other entries. One `PATCH` of
/// `policies/defaultAppManagementPolicy` with the merged lists.
#[derive(Debug, Clone, Copy, Default)]
pub struct AppManagementPolicy;

/// Days of an ISO 8601 duration of whole days (`P90D`), or `None`.
fn days(duration: &Value) -> Option<u64> {
    duration
        .as_str()?
        .strip_prefix('P')?
        .strip_suffix('D')?
        .parse()
        .ok()
}

fn entry<'a>(list: &'a Value, kind: &str) -> Option<&'a Value> {
    list.as_array()?.iter().find(|r| {
        r["restrictionType"]
            .as_str()
            .is_some_and(|t| t.eq_ignore_ascii_case(kind))
    })
}

impl Standard for AppManagementPolicy {
    fn name(&self) -> &'static str {
        "AppManagementPolicy"
    }
    fn label(&self) -> &'static str {
        "Default credential restrictions for apps"
    }
    fn category(&self) -> &'static str {
        "Entra (AAD) Standards"
    }
    fn description(&self) -> &'static str {
        "Turns on the tenant's default app management policy: blocks new or custom client \
         secrets and caps how long secrets and certificates of apps may live."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["DefaultAppManagementPolicy"]
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("passwordCredentialsPasswordAddition", ""),
            ("passwordCredentialsCustomPasswordAddition", ""),
            ("passwordCredentialsMaxLifetime", ""),
            ("keyCredentialsMaxLifetime", ""),
        ]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let bad = |setting: &str, message: String| StandardsError::Setting {
            standard: self.name().into(),
            setting: setting.into(),
            message,
        };
        let policy = input
            .rows("DefaultAppManagementPolicy")
            .first()
            .cloned()
            .unwrap_or(Value::Null);
        let mut current = json!({"isEnabled": policy["isEnabled"]});
        let mut expected = json!({"isEnabled": true});
        let mut body = json!({"isEnabled": true});
        let mut wanted: Vec<(&str, &str, Value)> = Vec::new();
        for (key, list, kind, lifetime) in RESTRICTIONS {
            if setting(input.settings, key).is_none() {
                continue;
            }
            let restriction = if lifetime {
                let n = number(self.name(), input.settings, key, 1, 1)?;
                json!({"restrictionType": kind, "state": "enabled", "maxLifetime": format!("P{n}D")})
            } else {
                let state = text(input.settings, key)
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                if state != "enabled" && state != "disabled" {
                    return Err(bad(key, format!("'{state}' is not enabled or disabled")));
                }
                json!({"restrictionType": kind, "state": state, "maxLifetime": null})
            };
            wanted.push((list, kind, restriction));
        }
        if wanted.is_empty() {
            return Err(bad(
                "passwordCredentialsPasswordAddition",
                "no restriction given".into(),
            ));
        }
        for owner in OWNERS {
            for (list, kind, want) in &wanted {
                let have = entry(&policy[owner][*list], kind);
                let label = format!("{owner}.{kind}");
                let shape = |r: Option<&Value>| -> Value {
                    match r {
                        None => json!({"state": "disabled", "maxLifetimeInDays": null}),
                        Some(r) => json!({
                            "state": r["state"].as_str().unwrap_or("enabled"),
                            "maxLifetimeInDays": days(&r["maxLifetime"]),
                        }),
                    }
                };
                current[&label] = shape(have);
                expected[&label] = shape(Some(want));
            }
            // The lists sent: the current entries, ours replaced or added, others kept.
            let mut lists = Map::new();
            for (list, kind, want) in &wanted {
                let items = lists.entry(list.to_string()).or_insert_with(|| {
                    policy[owner][*list]
                        .as_array()
                        .cloned()
                        .map(Value::Array)
                        .unwrap_or_else(|| json!([]))
                });
                let Value::Array(items) = items else { continue };
                let mut item = want.clone();
                item["restrictForAppsCreatedAfterDateTime"] = entry(&policy[owner][*list], kind)
                    .map(|r| r["restrictForAppsCreatedAfterDateTime"].clone())
                    .filter(|v| !v.is_null())
                    .unwrap_or_else(|| json!(SINCE));
                match items.iter_mut().find(|r| {
                    r["restrictionType"]
                        .as_str()
                        .is_some_and(|t| t.eq_ignore_ascii_case(kind))
                }) {
                    Some(slot) => *slot = item,
                    None => items.push(item),
                }
            }
            body[owner] = Value::Object(lists);
        }
        Ok(single(
            current,
            expected,
            vec![graph_patch("policies/defaultAppManagementPolicy", body)],
        ))
    }
}
