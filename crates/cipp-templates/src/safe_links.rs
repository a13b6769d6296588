//! Safe Links policies and rules through cmdlets: `Get-SafeLinksPolicy` and
//! `Get-SafeLinksRule` once, then `New-` for what is missing or `Set-` with only the
//! parameters that differ, and `Enable-`/`Disable-SafeLinksRule` when the rule's state
//! differs from the template's.

use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::client::{DeployOutcome, TemplateClient};
use crate::cmdlet_rows::{find_named, reported_differences};
use crate::compare::{Comparison, Difference};
use crate::error::TemplateError;
use crate::models::SafeLinksTemplate;

/// The properties a row is found by.
const NAME_KEYS: &[&str] = &["Name", "Identity"];

const POLICIES: &str = "exchange:Get-SafeLinksPolicy";
const RULES: &str = "exchange:Get-SafeLinksRule";

async fn live(
    c: &TemplateClient,
    key: &'static str,
    label: &str,
) -> Result<Arc<Vec<Value>>, TemplateError> {
    if let Some(rows) = c.cached(key) {
        return Ok(rows);
    }
    let cmdlet = key.trim_start_matches("exchange:");
    let rows = c
        .exchange
        .cmdlet(cmdlet)
        .rows()
        .await
        .map_err(|e| c.exchange_error(label, e))?;
    Ok(c.remember(key, rows))
}

/// `expected` against `live` over the keys `live` reports, paths prefixed with `prefix`.
fn differences(prefix: &str, expected: &Map<String, Value>, live: &Value) -> Vec<Difference> {
    reported_differences(expected, live)
        .into_iter()
        .map(|mut d| {
            d.path = format!("{prefix}.{}", d.path);
            d
        })
        .collect()
}

fn rule_on(rule: &Value) -> bool {
    rule["State"]
        .as_str()
        .is_none_or(|s| s.eq_ignore_ascii_case("Enabled"))
}

fn checked(t: &SafeLinksTemplate) -> Result<(), TemplateError> {
    if t.policy_name.trim().is_empty() {
        return Err(TemplateError::invalid(
            "(unnamed)",
            "PolicyName",
            "the template names no policy",
        ));
    }
    Ok(())
}

pub(crate) async fn compare(
    c: &TemplateClient,
    t: &SafeLinksTemplate,
) -> Result<Comparison, TemplateError> {
    checked(t)?;
    let policies = live(c, POLICIES, &t.policy_name).await?;
    let rules_read = live(c, RULES, &t.policy_name).await?;
    let Some(policy) = find_named(&policies, &t.policy_name, NAME_KEYS) else {
        return Ok(Comparison::Missing);
    };
    let id = policy["Guid"]
        .as_str()
        .unwrap_or(&t.policy_name)
        .to_string();
    let mut d = differences("policy", &t.policy_parameters(), policy);
    match find_named(&rules_read, &t.rule_name(), NAME_KEYS) {
        None => d.push(Difference {
            path: "rule".into(),
            expected: Some(json!(t.rule_name())),
            found: None,
        }),
        Some(rule) => {
            d.extend(differences("rule", &t.rule_parameters(), rule));
            if let Some(on) = t.rule_enabled() {
                if rule_on(rule) != on {
                    d.push(Difference {
                        path: "rule.State".into(),
                        expected: Some(json!(if on { "Enabled" } else { "Disabled" })),
                        found: rule.get("State").cloned(),
                    });
                }
            }
        }
    }
    Ok(Comparison::from_differences(id, d))
}

pub(crate) async fn deploy(
    c: &TemplateClient,
    t: &SafeLinksTemplate,
) -> Result<DeployOutcome, TemplateError> {
    checked(t)?;
    let label = t.policy_name.as_str();
    let exo_err = |e| c.exchange_error(label, e);
    let policies = live(c, POLICIES, label).await?;
    let rules_read = live(c, RULES, label).await?;
    let rule_name = t.rule_name();
    let mut changed: Vec<String> = Vec::new();
    let mut created = false;
    let policy_params = t.policy_parameters();
    let id = match find_named(&policies, label, NAME_KEYS) {
        None => {
            let mut params = policy_params.clone();
            params.insert("Name".into(), json!(label));
            let rows = c
                .exchange
                .cmdlet("New-SafeLinksPolicy")
                .params(Value::Object(params))
                .map_err(exo_err)?
                .rows()
                .await
                .map_err(exo_err)?;
            created = true;
            rows.first()
                .and_then(|r| r["Guid"].as_str())
                .unwrap_or(label)
                .to_string()
        }
        Some(policy) => {
            let d = differences("policy", &policy_params, policy);
            let keys = top_keys(&d, &policy_params);
            if !keys.is_empty() {
                let mut set = c
                    .exchange
                    .cmdlet("Set-SafeLinksPolicy")
                    .param("Identity", policy["Identity"].as_str().unwrap_or(label));
                for k in &keys {
                    set = set.param(k.clone(), policy_params[k].clone());
                }
                set.rows().await.map_err(exo_err)?;
                changed.extend(keys.iter().map(|k| format!("policy.{k}")));
            }
            policy["Guid"].as_str().unwrap_or(label).to_string()
        }
    };
    c.invalidate(POLICIES);
    let rule_params = t.rule_parameters();
    let rule = find_named(&rules_read, &rule_name, NAME_KEYS);
    match rule {
        None => {
            let mut params = rule_params.clone();
            params.insert("Name".into(), json!(rule_name));
            params.insert("SafeLinksPolicy".into(), json!(label));
            c.exchange
                .cmdlet("New-SafeLinksRule")
                .params(Value::Object(params))
                .map_err(exo_err)?
                .rows()
                .await
                .map_err(exo_err)?;
            changed.push("rule".into());
        }
        Some(r) => {
            let d = differences("rule", &rule_params, r);
            let keys = top_keys(&d, &rule_params);
            if !keys.is_empty() {
                let mut set = c
                    .exchange
                    .cmdlet("Set-SafeLinksRule")
                    .param("Identity", r["Identity"].as_str().unwrap_or(&rule_name));
                for k in &keys {
                    set = set.param(k.clone(), rule_params[k].clone());
                }
                set.rows().await.map_err(exo_err)?;
                changed.extend(keys.iter().map(|k| format!("rule.{k}")));
            }
        }
    }
    // A new rule starts enabled; an existing one is switched only when it differs.
    if let Some(on) = t.rule_enabled() {
        let current = rule.map(rule_on).unwrap_or(true);
        if current != on {
            let cmdlet = if on {
                "Enable-SafeLinksRule"
            } else {
                "Disable-SafeLinksRule"
            };
            c.exchange
                .cmdlet(cmdlet)
                .param("Identity", rule_name.as_str())
                .rows()
                .await
                .map_err(exo_err)?;
            changed.push("rule.State".into());
        }
    }
    c.invalidate(RULES);
    Ok(if created {
        DeployOutcome::Created { id }
    } else if changed.is_empty() {
        DeployOutcome::Unchanged { id }
    } else {
        DeployOutcome::Updated { id, changed }
    })
}

/// The parameters (top-level keys of `params`) that differences touch.
fn top_keys(d: &[Difference], params: &Map<String, Value>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for difference in d {
        let top = difference
            .path
            .split('.')
            .nth(1)
            .unwrap_or_default()
            .split('[')
            .next()
            .unwrap_or_default();
        if let Some(k) = params.keys().find(|k| k.eq_ignore_ascii_case(top)) {
            if !out.contains(k) {
                out.push(k.clone());
            }
        }
    }
    out
}
