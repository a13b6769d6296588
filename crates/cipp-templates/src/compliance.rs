//! DLP and retention policies through Security & Compliance cmdlets: the policy by name
//! (`New-*CompliancePolicy`, or `Set-*CompliancePolicy` with only what differs, locations added
//! with `Add<Location>` since `Set` takes no location lists), then each of its rules
//! (`New-*ComplianceRule`, or `Set-*ComplianceRule` with only what differs). A rule name is
//! unique in the tenant: one that belongs to another policy is an error, never taken over.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::client::{DeployOutcome, TemplateClient};
use crate::cmdlet_rows::{find_named, id_of, prop, text, CMDLET_RULES};
use crate::compare::{diff, Comparison, Difference};
use crate::error::TemplateError;
use crate::models::compliance::{is_location, location_items, RULE_READ_ONLY};
use crate::models::CompliancePolicyTemplate;

/// Which policy family: the cmdlet noun stem (`Dlp`, `Retention`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Dlp,
    Retention,
}

impl Family {
    fn policy_noun(self) -> &'static str {
        match self {
            Family::Dlp => "DlpCompliancePolicy",
            Family::Retention => "RetentionCompliancePolicy",
        }
    }
    fn rule_noun(self) -> &'static str {
        match self {
            Family::Dlp => "DlpComplianceRule",
            Family::Retention => "RetentionComplianceRule",
        }
    }
}

/// The location lists of `wanted` (`ExchangeLocation`...) with entries `live` lacks: the
/// parameter, the missing entries and the difference. Locations are only ever added.
pub(crate) fn missing_locations(
    wanted: &Map<String, Value>,
    live: &Value,
) -> Vec<(String, Vec<String>, Difference)> {
    let mut out = Vec::new();
    for (k, v) in wanted.iter().filter(|(k, _)| is_location(k)) {
        let have = prop(live, k).map(location_items).unwrap_or_default();
        let missing: Vec<String> = location_items(v)
            .into_iter()
            .filter(|w| !have.iter().any(|h| h.eq_ignore_ascii_case(w)))
            .collect();
        if !missing.is_empty() {
            let difference = Difference {
                path: k.clone(),
                expected: Some(Value::from(location_items(v))),
                found: Some(Value::from(have)),
            };
            out.push((k.clone(), missing, difference));
        }
    }
    out
}

/// Every row of `Get-{noun}` on Security & Compliance, read once per client.
pub(crate) async fn live(
    c: &TemplateClient,
    noun: &str,
    label: &str,
) -> Result<Arc<Vec<Value>>, TemplateError> {
    let key = format!("compliance:Get-{noun}");
    if let Some(rows) = c.cached(&key) {
        return Ok(rows);
    }
    let rows = c
        .exchange
        .compliance()
        .cmdlet(format!("Get-{noun}"))
        .rows()
        .await
        .map_err(|e| c.exchange_error(label, e))?;
    Ok(c.remember(&key, rows))
}

pub(crate) fn forget(c: &TemplateClient, noun: &str) {
    c.invalidate(&format!("compliance:Get-{noun}"));
}

/// The non-location parameters that differ from the live policy, and per location parameter
/// the entries the live policy lacks.
fn policy_gaps(
    wanted: &Map<String, Value>,
    live: &Value,
) -> (Vec<Difference>, Vec<(String, Vec<String>)>) {
    let plain: Map<String, Value> = wanted
        .iter()
        .filter(|(k, _)| !is_location(k) && !k.eq_ignore_ascii_case("Name"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut differences = diff(&Value::Object(plain), live, CMDLET_RULES);
    let mut additions = Vec::new();
    for (k, missing, difference) in missing_locations(wanted, live) {
        differences.push(difference);
        additions.push((k, missing));
    }
    (differences, additions)
}

/// How one of the template's rules stands: missing, owned by another policy, or its
/// differences.
enum RuleState<'a> {
    Missing,
    OtherPolicy(String),
    Present(&'a Value, Vec<Difference>),
}

fn rule_state<'a>(
    rows: &'a [Value],
    policy: &str,
    name: &str,
    params: &Map<String, Value>,
) -> RuleState<'a> {
    let Some(live) = find_named(rows, name, &["Name"]) else {
        return RuleState::Missing;
    };
    let parent = text(live, "ParentPolicyName")
        .or_else(|| text(live, "Policy"))
        .unwrap_or_default();
    if !parent.eq_ignore_ascii_case(policy) {
        return RuleState::OtherPolicy(parent.to_string());
    }
    let compared: Map<String, Value> = params
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("Name"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    RuleState::Present(live, diff(&Value::Object(compared), live, CMDLET_RULES))
}

fn unnamed(t: &CompliancePolicyTemplate) -> Result<(), TemplateError> {
    if t.name.trim().is_empty() {
        return Err(TemplateError::invalid(
            "(unnamed)",
            "Name",
            "the policy has no name",
        ));
    }
    Ok(())
}

pub(crate) async fn compare(
    c: &TemplateClient,
    family: Family,
    t: &CompliancePolicyTemplate,
) -> Result<Comparison, TemplateError> {
    unnamed(t)?;
    let policies = live(c, family.policy_noun(), &t.name).await?;
    let Some(policy) = find_named(&policies, &t.name, &["Name"]) else {
        return Ok(Comparison::Missing);
    };
    let (mut differences, _) = policy_gaps(&t.policy_parameters(), policy);
    let rule_rows = live(c, family.rule_noun(), &t.name).await?;
    for (name, params) in t.rule_parameters() {
        match rule_state(&rule_rows, &t.name, &name, &params) {
            RuleState::Missing => differences.push(Difference {
                path: format!("rules[{name}]"),
                expected: Some(Value::from(name.clone())),
                found: None,
            }),
            RuleState::OtherPolicy(owner) => differences.push(Difference {
                path: format!("rules[{name}].ParentPolicyName"),
                expected: Some(Value::from(t.name.clone())),
                found: Some(Value::from(owner)),
            }),
            RuleState::Present(_, d) => differences.extend(d.into_iter().map(|d| Difference {
                path: format!("rules[{name}].{}", d.path),
                ..d
            })),
        }
    }
    Ok(Comparison::from_differences(
        id_of(policy, &t.name),
        differences,
    ))
}

/// The parameters whose top-level names appear in `differences`.
pub(crate) fn changed_params(
    params: &Map<String, Value>,
    differences: &[Difference],
) -> Map<String, Value> {
    let mut out = Map::new();
    for d in differences {
        let key = d.path.split(['.', '[']).next().unwrap_or_default();
        if let Some((k, v)) = params.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
            out.insert(k.clone(), v.clone());
        }
    }
    out
}

pub(crate) async fn deploy(
    c: &TemplateClient,
    family: Family,
    t: &CompliancePolicyTemplate,
) -> Result<DeployOutcome, TemplateError> {
    unnamed(t)?;
    let label = t.name.as_str();
    let scc = c.exchange.compliance();
    let exo_err = |e| c.exchange_error(label, e);
    let wanted = t.policy_parameters();
    let rule_rows = live(c, family.rule_noun(), label).await?;
    let rules = t.rule_parameters();
    // Refuse before writing anything: a rule name another policy owns would fail half way.
    for (name, params) in &rules {
        if let RuleState::OtherPolicy(owner) = rule_state(&rule_rows, label, name, params) {
            return Err(TemplateError::invalid(
                label,
                format!("RuleParams[{name}]"),
                format!("the rule name '{name}' belongs to policy '{owner}' in this tenant; rule names are unique per tenant"),
            ));
        }
    }
    let policies = live(c, family.policy_noun(), label).await?;
    let mut changed = Vec::new();
    let (created, id) = match find_named(&policies, label, &["Name"]) {
        None => {
            let out = scc
                .cmdlet(format!("New-{}", family.policy_noun()))
                .params(Value::Object(wanted.clone()))
                .map_err(exo_err)?
                .rows()
                .await
                .map_err(exo_err)?;
            forget(c, family.policy_noun());
            let id = out
                .first()
                .map(|r| id_of(r, label))
                .unwrap_or_else(|| label.to_string());
            (true, id)
        }
        Some(policy) => {
            let (differences, additions) = policy_gaps(&wanted, policy);
            let plain: Map<String, Value> = wanted
                .iter()
                .filter(|(k, _)| !is_location(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let mut set = changed_params(&plain, &differences);
            for (k, items) in additions {
                set.insert(format!("Add{k}"), Value::from(items));
            }
            if !set.is_empty() {
                changed.extend(set.keys().cloned());
                set.insert("Identity".into(), Value::from(label.to_string()));
                scc.cmdlet(format!("Set-{}", family.policy_noun()))
                    .params(Value::Object(set))
                    .map_err(exo_err)?
                    .rows()
                    .await
                    .map_err(exo_err)?;
                forget(c, family.policy_noun());
            }
            (false, id_of(policy, label))
        }
    };
    for (name, params) in &rules {
        match rule_state(&rule_rows, label, name, params) {
            RuleState::Missing => {
                let mut p = params.clone();
                p.insert("Policy".into(), Value::from(label.to_string()));
                scc.cmdlet(format!("New-{}", family.rule_noun()))
                    .params(Value::Object(p))
                    .map_err(exo_err)?
                    .rows()
                    .await
                    .map_err(exo_err)?;
                changed.push(format!("rules[{name}]"));
            }
            RuleState::Present(live_rule, differences) if !differences.is_empty() => {
                let writable: Map<String, Value> = params
                    .iter()
                    .filter(|(k, _)| {
                        !k.eq_ignore_ascii_case("Name")
                            && !RULE_READ_ONLY.iter().any(|r| r.eq_ignore_ascii_case(k))
                    })
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                let mut set = changed_params(&writable, &differences);
                let identity = text(live_rule, "Identity").unwrap_or(name).to_string();
                set.insert("Identity".into(), Value::from(identity));
                scc.cmdlet(format!("Set-{}", family.rule_noun()))
                    .params(Value::Object(set))
                    .map_err(exo_err)?
                    .rows()
                    .await
                    .map_err(exo_err)?;
                changed.push(format!("rules[{name}]"));
            }
            _ => {}
        }
    }
    if !changed.is_empty() || created {
        forget(c, family.rule_noun());
    }
    Ok(match (created, changed.is_empty()) {
        (true, _) => DeployOutcome::Created { id },
        (false, true) => DeployOutcome::Unchanged { id },
        (false, false) => DeployOutcome::Updated { id, changed },
    })
}

pub(crate) async fn capture(
    c: &TemplateClient,
    family: Family,
    identity: &str,
) -> Result<CompliancePolicyTemplate, TemplateError> {
    let not_found = || TemplateError::NotFound {
        tenant: c.tenant.clone(),
        kind: match family {
            Family::Dlp => "dlpCompliancePolicy",
            Family::Retention => "retentionCompliancePolicy",
        },
        id: identity.to_string(),
    };
    let policies = live(c, family.policy_noun(), identity).await?;
    let policy = policies
        .iter()
        .find(|r| {
            ["Name", "Identity", "Guid"]
                .iter()
                .any(|k| text(r, k).is_some_and(|v| v.eq_ignore_ascii_case(identity)))
        })
        .and_then(Value::as_object)
        .ok_or_else(not_found)?
        .clone();
    let name = text(&Value::Object(policy.clone()), "Name")
        .unwrap_or(identity)
        .to_string();
    let rule_rows = live(c, family.rule_noun(), identity).await?;
    let rules: Vec<Value> = rule_rows
        .iter()
        .filter(|r| {
            text(r, "ParentPolicyName")
                .or_else(|| text(r, "Policy"))
                .is_some_and(|p| p.eq_ignore_ascii_case(&name))
        })
        .filter_map(Value::as_object)
        .map(|r| {
            Value::Object(
                r.iter()
                    .filter(|(k, _)| !RULE_READ_ONLY.iter().any(|x| x.eq_ignore_ascii_case(k)))
                    .filter(|(k, _)| !k.contains("@odata"))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            )
        })
        .collect();
    let mut params: Map<String, Value> = policy
        .into_iter()
        .filter(|(k, _)| !k.contains("@odata"))
        .collect();
    params.insert("RuleParams".into(), Value::Array(rules));
    let t = CompliancePolicyTemplate::from_parameters(params);
    // What the service reports but a write does not take stays out of the captured template.
    let mut kept = t.policy_parameters();
    kept.insert("Name".into(), Value::from(t.name.clone()));
    let mut params = kept;
    params.insert(
        "RuleParams".into(),
        Value::Array(t.rules.iter().cloned().map(Value::Object).collect()),
    );
    Ok(CompliancePolicyTemplate::from_parameters(params))
}
