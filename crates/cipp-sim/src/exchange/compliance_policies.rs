//! Purview DLP and retention policies and their rules on Security & Compliance
//! (`Get-`/`New-`/`Set-`/`Remove-` of `DlpCompliancePolicy`, `DlpComplianceRule`,
//! `RetentionCompliancePolicy`, `RetentionComplianceRule`), with the service's rules:
//!
//! - `New-*CompliancePolicy` needs a `Name` not in use; location parameters
//!   (`ExchangeLocation`, `SharePointLocationException`...) are stored as lists; `Mode` starts
//!   `Enable`, `DistributionStatus` `Success`.
//! - `Set-*CompliancePolicy` takes no location list: `Add<Location>` adds entries (one
//!   already there is refused, as the service refuses it) and `Remove<Location>` removes them.
//! - `New-*ComplianceRule` needs a `Name` unique in the tenant and a `Policy` that exists; the
//!   rule records it as `ParentPolicyName`. `Set-*ComplianceRule` cannot move a rule to
//!   another policy. Removing a policy removes its rules.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::{
    cmdlet_failure, matches_identity, not_found, param, text, unchanged_warning, CmdletYield,
};
use crate::reply::Reply;

type Row = Map<String, Value>;

const COMMON: [&str; 4] = ["Confirm", "Force", "WhatIf", "ErrorAction"];

fn is_location(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.ends_with("location") || k.ends_with("locationexception")
}

fn items(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.iter().map(|i| json!(text(i))).collect(),
        Value::Null => Vec::new(),
        other => text(other)
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| json!(s))
            .collect(),
    }
}

fn failure(name: &str, kind: &str, message: String, target: &str) -> Reply {
    cmdlet_failure(400, "", kind, &format!("{name}: {message}"), target)
}

fn binding(name: &str, message: String, target: &str) -> Reply {
    failure(
        name,
        "System.Management.Automation.ParameterBindingException",
        message,
        target,
    )
}

/// The parameters that are properties (no common switches, no `Identity`).
fn properties(params: &Map<String, Value>) -> impl Iterator<Item = (&String, &Value)> {
    params.iter().filter(|(k, _)| {
        !COMMON.iter().any(|c| c.eq_ignore_ascii_case(k)) && !k.eq_ignore_ascii_case("Identity")
    })
}

fn name_taken(rows: &[Row], name: &str) -> bool {
    rows.iter().any(|r| {
        r.get("Name")
            .and_then(Value::as_str)
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
    })
}

/// Answer a cmdlet of the four nouns; `None` for any other cmdlet.
pub(crate) fn run(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    params: &Map<String, Value>,
) -> Option<Result<CmdletYield, Reply>> {
    let (verb, noun) = name.split_once('-')?;
    let noun = noun.to_ascii_lowercase();
    let (policy_noun, is_rule) = match noun.as_str() {
        "dlpcompliancepolicy" => ("dlpcompliancepolicy", false),
        "retentioncompliancepolicy" => ("retentioncompliancepolicy", false),
        "dlpcompliancerule" => ("dlpcompliancepolicy", true),
        "retentioncompliancerule" => ("retentioncompliancepolicy", true),
        _ => return None,
    };
    let verb = verb.to_ascii_lowercase();
    let identity = param(params, "Identity").map(text);
    let rule_noun = policy_noun.replace("policy", "rule");
    let policies = nouns.get(policy_noun).cloned().unwrap_or_default();
    let rows = nouns.entry(noun.clone()).or_default();
    let target = |rows: &[Row]| -> Result<usize, Reply> {
        let id = identity
            .as_deref()
            .ok_or_else(|| binding(name, "the Identity parameter is required.".into(), ""))?;
        rows.iter()
            .position(|r| matches_identity(r, id))
            .ok_or_else(|| not_found(id))
    };
    // The name of a removed policy, whose rules go with it.
    let mut removed: Option<String> = None;
    let answer = match verb.as_str() {
        "get" => match &identity {
            Some(_) => target(rows).map(|i| (vec![rows[i].clone()], Vec::new())),
            None => Ok((rows.clone(), Vec::new())),
        },
        "new" => (|| {
            let new_name = param(params, "Name")
                .map(text)
                .ok_or_else(|| binding(name, "the Name parameter is required.".into(), "Name"))?;
            if name_taken(rows, &new_name) {
                return Err(failure(
                    name,
                    "Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException",
                    format!("an object named '{new_name}' already exists."),
                    &new_name,
                ));
            }
            let mut row = Map::new();
            row.insert("Identity".into(), json!(new_name));
            row.insert("Guid".into(), json!(uuid::Uuid::new_v4().to_string()));
            if is_rule {
                let policy = param(params, "Policy").map(text).ok_or_else(|| {
                    binding(name, "the Policy parameter is required.".into(), "Policy")
                })?;
                let parent = policies
                    .iter()
                    .find(|p| matches_identity(p, &policy))
                    .ok_or_else(|| not_found(&policy))?;
                row.insert(
                    "ParentPolicyName".into(),
                    parent.get("Name").cloned().unwrap_or(json!(policy)),
                );
                row.insert("Disabled".into(), json!(false));
            } else {
                row.insert("Mode".into(), json!("Enable"));
                row.insert("Enabled".into(), json!(true));
                row.insert("DistributionStatus".into(), json!("Success"));
                row.insert("IsDefault".into(), json!(false));
            }
            for (k, v) in properties(params) {
                if is_rule && k.eq_ignore_ascii_case("Policy") {
                    continue;
                }
                let v = if is_location(k) {
                    json!(items(v))
                } else {
                    v.clone()
                };
                row.insert(k.clone(), v);
            }
            rows.push(row.clone());
            Ok((vec![row], Vec::new()))
        })(),
        "set" => (|| {
            let i = target(rows)?;
            let mut row = rows[i].clone();
            for (k, v) in properties(params) {
                let lower = k.to_ascii_lowercase();
                if is_rule && lower == "policy" {
                    return Err(binding(
                        name,
                        "A parameter cannot be found that matches parameter name 'Policy' (a rule cannot move to another policy).".into(),
                        k,
                    ));
                }
                let change = ["add", "remove"]
                    .into_iter()
                    .find(|p| lower.starts_with(p) && is_location(&k[p.len()..]));
                match change {
                    Some(op) if !is_rule => {
                        let key = k[op.len()..].to_string();
                        let slot = row
                            .keys()
                            .find(|x| x.eq_ignore_ascii_case(&key))
                            .cloned()
                            .unwrap_or(key);
                        let mut list = row.get(&slot).map(items).unwrap_or_default();
                        for item in items(v) {
                            let at = list.iter().position(|l| {
                                text(l).eq_ignore_ascii_case(&text(&item))
                            });
                            match (op, at) {
                                ("add", Some(_)) => {
                                    return Err(failure(
                                        name,
                                        "Microsoft.Office.CompliancePolicy.Tasks.LocationAlreadyExistsException",
                                        format!("'{}' is already in {slot}.", text(&item)),
                                        k,
                                    ))
                                }
                                ("add", None) => list.push(item),
                                (_, Some(at)) => {
                                    list.remove(at);
                                }
                                (_, None) => {}
                            }
                        }
                        row.insert(slot, json!(list));
                    }
                    _ if is_location(k) && !is_rule => {
                        return Err(binding(
                            name,
                            format!("A parameter cannot be found that matches parameter name '{k}' (use Add{k} or Remove{k})."),
                            k,
                        ))
                    }
                    _ => {
                        let slot = row
                            .keys()
                            .find(|x| x.eq_ignore_ascii_case(k))
                            .cloned()
                            .unwrap_or_else(|| k.clone());
                        row.insert(slot, v.clone());
                    }
                }
            }
            let warnings =
                unchanged_warning(row == rows[i], identity.as_deref().unwrap_or_default());
            rows[i] = row;
            Ok((Vec::new(), warnings))
        })(),
        "remove" => target(rows).map(|i| {
            let gone = rows.remove(i);
            removed = gone.get("Name").map(text);
            (Vec::new(), Vec::new())
        }),
        _ => return None,
    };
    if let (false, Some(policy)) = (is_rule, removed) {
        if let Some(rules) = nouns.get_mut(&rule_noun) {
            rules.retain(|r| {
                r.get("ParentPolicyName")
                    .is_none_or(|p| !text(p).eq_ignore_ascii_case(&policy))
            });
        }
    }
    Some(answer)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn p(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn policies_take_locations_by_add_and_rules_stay_with_their_policy() {
        let mut nouns = BTreeMap::new();
        let new =
            p(json!({"Name": "PII", "ExchangeLocation": "All", "Mode": "TestWithNotifications"}));
        run(&mut nouns, "New-DlpCompliancePolicy", &new)
            .unwrap()
            .unwrap();
        assert!(run(&mut nouns, "New-DlpCompliancePolicy", &new)
            .unwrap()
            .is_err());
        // A location list is not a Set parameter; adding what is there is refused.
        let bad = p(json!({"Identity": "PII", "SharePointLocation": ["All"]}));
        assert!(run(&mut nouns, "Set-DlpCompliancePolicy", &bad)
            .unwrap()
            .is_err());
        let again = p(json!({"Identity": "PII", "AddExchangeLocation": ["All"]}));
        assert!(run(&mut nouns, "Set-DlpCompliancePolicy", &again)
            .unwrap()
            .is_err());
        let add = p(json!({"Identity": "PII", "AddSharePointLocation": ["All"], "Mode": "Enable"}));
        run(&mut nouns, "Set-DlpCompliancePolicy", &add)
            .unwrap()
            .unwrap();
        let row = &nouns["dlpcompliancepolicy"][0];
        assert_eq!(row["SharePointLocation"], json!(["All"]));
        assert_eq!(row["Mode"], "Enable");
        // Rules need an existing policy and a name unique in the tenant.
        let orphan = p(json!({"Name": "R", "Policy": "Nope"}));
        assert!(run(&mut nouns, "New-DlpComplianceRule", &orphan)
            .unwrap()
            .is_err());
        let rule = p(json!({"Name": "R", "Policy": "pii", "BlockAccess": true}));
        run(&mut nouns, "New-DlpComplianceRule", &rule)
            .unwrap()
            .unwrap();
        assert_eq!(nouns["dlpcompliancerule"][0]["ParentPolicyName"], "PII");
        assert!(run(&mut nouns, "New-DlpComplianceRule", &rule)
            .unwrap()
            .is_err());
        let moved = p(json!({"Identity": "R", "Policy": "Other"}));
        assert!(run(&mut nouns, "Set-DlpComplianceRule", &moved)
            .unwrap()
            .is_err());
        run(
            &mut nouns,
            "Remove-DlpCompliancePolicy",
            &p(json!({"Identity": "PII"})),
        )
        .unwrap()
        .unwrap();
        assert!(nouns["dlpcompliancerule"].is_empty());
        assert!(run(&mut nouns, "Get-Label", &Map::new()).is_none());
    }
}
