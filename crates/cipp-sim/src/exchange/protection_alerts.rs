//! Security & Compliance alert policies (`Get-`/`New-`/`Set-`/`Remove-ProtectionAlert`), with
//! the checks the service makes.
//!
//! Every tenant starts with a few of Microsoft's built-in policies (`IsSystemRule`), which
//! cannot be removed. `New-` needs `Name`, `Category`, `ThreatType` and `Operation`, and
//! fills what the service fills (`Severity` Low, `AggregationType` None, no recipients);
//! `Set-` changes only the parameters the cmdlet has (`ThreatType` is fixed at creation).
//! Enumerations are checked and stored by name (`AggregationType 1` is
//! `SimpleAggregation`); `NotifyUser` and `Operation` are lists; a `SimpleAggregation`
//! policy needs a `Threshold` and a `TimeWindow` (minutes).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::{
    binding_failure, cmdlet_failure, matches_identity, param, text, unchanged_warning, CmdletYield,
};
use crate::reply::Reply;

type Row = Map<String, Value>;

/// Alpha Dental's data for the Security & Compliance standards (an E5 Compliance
/// subscription), layered over the built-in seed by [`Seed::demo`](crate::Seed::demo).
pub(crate) const COMPLIANCE_SEED: &str = include_str!("../../seed/compliance.json");

/// Where the policies are kept in the compliance store.
const NOUN: &str = "protectionalert";

const CATEGORIES: [&str; 8] = [
    "None",
    "DataLossPrevention",
    "ThreatManagement",
    "DataGovernance",
    "AccessGovernance",
    "PermissionsManagement",
    "MailFlow",
    "Others",
];
const SEVERITIES: [&str; 4] = ["Low", "Medium", "High", "Informational"];
const THREAT_TYPES: [&str; 4] = ["Activity", "Malware", "Phish", "Message"];
/// By name, in the order of their numeric values.
const AGGREGATIONS: [&str; 3] = ["None", "SimpleAggregation", "AnomalousAggregation"];

/// Parameters `Set-ProtectionAlert` takes (besides the common ones).
const SET_PARAMETERS: [&str; 10] = [
    "Identity",
    "NotifyUser",
    "Category",
    "Operation",
    "Severity",
    "AggregationType",
    "Threshold",
    "TimeWindow",
    "Comment",
    "Disabled",
];
/// `New-ProtectionAlert` takes those and these.
const NEW_ONLY: [&str; 2] = ["Name", "ThreatType"];
const COMMON: [&str; 4] = ["Confirm", "Force", "WhatIf", "ErrorAction"];

/// Microsoft's built-in policies every tenant has.
pub(crate) fn defaults() -> Vec<Row> {
    [
        (
            "Email messages containing malware removed after delivery",
            "ThreatManagement",
            "Informational",
            "Malware",
            "MalwareZapped",
        ),
        (
            "Suspicious email sending patterns detected",
            "ThreatManagement",
            "Medium",
            "Activity",
            "CompromisedAccount",
        ),
        (
            "Elevation of Exchange admin privilege",
            "PermissionsManagement",
            "Low",
            "Activity",
            "AddRoleGroupMember",
        ),
    ]
    .into_iter()
    .map(|(name, category, severity, threat, operation)| {
        let mut row = base_row(name, threat);
        row.insert("Category".into(), json!(category));
        row.insert("Severity".into(), json!(severity));
        row.insert("Operation".into(), json!([operation]));
        row.insert("IsSystemRule".into(), json!(true));
        row.insert("NotifyUser".into(), json!(["TenantAdmins"]));
        row
    })
    .collect()
}

fn base_row(name: &str, threat: &str) -> Row {
    let mut row = Map::new();
    for (k, v) in [
        ("Identity", json!(name)),
        ("Name", json!(name)),
        ("Guid", json!(uuid::Uuid::new_v4().to_string())),
        ("Category", json!("None")),
        ("Severity", json!("Low")),
        ("ThreatType", json!(threat)),
        ("Operation", json!([])),
        ("NotifyUser", json!([])),
        ("AggregationType", json!("None")),
        ("Threshold", Value::Null),
        ("TimeWindow", Value::Null),
        ("Comment", json!("")),
        ("Disabled", json!(false)),
        ("IsSystemRule", json!(false)),
    ] {
        row.insert(k.into(), v);
    }
    row
}

fn binding(name: &str, message: String, target: &str) -> Reply {
    binding_failure(&format!("{name}: {message}"), target)
}

/// `value` as one of `allowed` (any case; a number picks by position when `numbered`).
fn one_of(
    cmdlet: &str,
    key: &str,
    value: &Value,
    allowed: &[&str],
    numbered: bool,
) -> Result<Value, Reply> {
    let given = text(value);
    let by_number = numbered
        .then(|| given.trim().parse::<usize>().ok())
        .flatten()
        .and_then(|i| allowed.get(i));
    let found = by_number.or_else(|| allowed.iter().find(|a| a.eq_ignore_ascii_case(&given)));
    found.map(|f| json!(f)).ok_or_else(|| {
        binding(
            cmdlet,
            format!(
                "Cannot bind parameter '{key}'. Cannot convert value \"{given}\" (it takes {}).",
                allowed.join(", ")
            ),
            key,
        )
    })
}

/// A whole number of at least one.
fn count(cmdlet: &str, key: &str, value: &Value) -> Result<Value, Reply> {
    let n = match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    match n {
        Some(n) if n >= 1 => Ok(json!(n)),
        _ => Err(binding(
            cmdlet,
            format!(
                "Cannot bind parameter '{key}': '{}' is not a whole number of at least 1.",
                text(value)
            ),
            key,
        )),
    }
}

/// A list of text from one value or an array.
fn list(value: &Value) -> Value {
    match value {
        Value::Array(items) => json!(items.iter().map(text).collect::<Vec<_>>()),
        Value::Null => json!([]),
        Value::String(s) if s.is_empty() => json!([]),
        other => json!([text(other)]),
    }
}

/// Checked and normalised values of the parameters given, keyed as the object spells them.
fn changes(cmdlet: &str, params: &Map<String, Value>, creating: bool) -> Result<Row, Reply> {
    let mut out = Map::new();
    for (k, v) in params {
        if COMMON.iter().any(|c| c.eq_ignore_ascii_case(k)) {
            continue;
        }
        let Some(key) = SET_PARAMETERS
            .iter()
            .chain(NEW_ONLY.iter().filter(|_| creating))
            .find(|p| p.eq_ignore_ascii_case(k))
        else {
            return Err(binding(
                cmdlet,
                format!("A parameter cannot be found that matches parameter name '{k}'."),
                k,
            ));
        };
        let value = match *key {
            "Identity" => continue,
            "Category" => one_of(cmdlet, key, v, &CATEGORIES, false)?,
            "Severity" => one_of(cmdlet, key, v, &SEVERITIES, false)?,
            "ThreatType" => one_of(cmdlet, key, v, &THREAT_TYPES, false)?,
            "AggregationType" => one_of(cmdlet, key, v, &AGGREGATIONS, true)?,
            "Threshold" | "TimeWindow" => count(cmdlet, key, v)?,
            "NotifyUser" | "Operation" => list(v),
            "Disabled" => match v {
                Value::Bool(_) => v.clone(),
                Value::String(s) if s.eq_ignore_ascii_case("true") => json!(true),
                Value::String(s) if s.eq_ignore_ascii_case("false") => json!(false),
                _ => {
                    return Err(binding(
                        cmdlet,
                        format!(
                            "Cannot bind parameter 'Disabled': '{}' is not a boolean.",
                            text(v)
                        ),
                        key,
                    ))
                }
            },
            _ => json!(text(v)),
        };
        out.insert((*key).to_string(), value);
    }
    Ok(out)
}

/// A `SimpleAggregation` policy without its threshold or window is refused, as the service
/// refuses it.
fn check_aggregation(cmdlet: &str, row: &Row) -> Result<(), Reply> {
    let simple = row
        .get("AggregationType")
        .is_some_and(|a| a == "SimpleAggregation");
    let missing = ["Threshold", "TimeWindow"]
        .into_iter()
        .find(|k| row.get(*k).is_none_or(Value::is_null));
    match (simple, missing) {
        (true, Some(k)) => Err(binding(
            cmdlet,
            format!("a SimpleAggregation alert policy needs {k}."),
            k,
        )),
        _ => Ok(()),
    }
}

/// Answer a `*-ProtectionAlert` cmdlet; `None` for any other cmdlet.
pub(crate) fn run(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    params: &Map<String, Value>,
) -> Option<Result<CmdletYield, Reply>> {
    let (verb, noun) = name.split_once('-')?;
    if !noun.eq_ignore_ascii_case("ProtectionAlert") {
        return None;
    }
    let rows = nouns.entry(NOUN.to_string()).or_default();
    let identity = param(params, "Identity").map(text);
    let not_found = |id: &str| {
        cmdlet_failure(
            404,
            "Ex6F9304",
            "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
            &format!(
                "The operation couldn't be performed because object '{id}' couldn't be found."
            ),
            id,
        )
    };
    let target = |rows: &[Row]| -> Result<usize, Reply> {
        let id = identity
            .as_deref()
            .ok_or_else(|| binding(name, "the Identity parameter is required.".into(), ""))?;
        rows.iter()
            .position(|r| matches_identity(r, id))
            .ok_or_else(|| not_found(id))
    };
    Some(match verb.to_ascii_lowercase().as_str() {
        "get" => match &identity {
            Some(_) => target(rows).map(|i| (vec![rows[i].clone()], Vec::new())),
            None => Ok((rows.clone(), Vec::new())),
        },
        "new" => (|| {
            let given = changes(name, params, true)?;
            for required in ["Name", "Category", "ThreatType", "Operation"] {
                if !given.contains_key(required) {
                    return Err(binding(
                        name,
                        format!("the {required} parameter is required."),
                        required,
                    ));
                }
            }
            let new_name = given.get("Name").map(text).unwrap_or_default();
            if rows.iter().any(|r| matches_identity(r, &new_name)) {
                return Err(cmdlet_failure(
                    400,
                    "Ex9D5E85",
                    "Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException",
                    &format!("An alert policy with the name '{new_name}' already exists."),
                    &new_name,
                ));
            }
            let threat = given.get("ThreatType").map(text).unwrap_or_default();
            let mut row = base_row(&new_name, &threat);
            row.extend(given);
            check_aggregation(name, &row)?;
            rows.push(row.clone());
            Ok((vec![row], Vec::new()))
        })(),
        "set" => (|| {
            let i = target(rows)?;
            let given = changes(name, params, false)?;
            let mut row = rows[i].clone();
            let before = row.clone();
            row.extend(given);
            check_aggregation(name, &row)?;
            let warnings =
                unchanged_warning(row == before, identity.as_deref().unwrap_or_default());
            rows[i] = row;
            Ok((Vec::new(), warnings))
        })(),
        "remove" => (|| {
            let i = target(rows)?;
            if rows[i].get("IsSystemRule") == Some(&json!(true)) {
                return Err(cmdlet_failure(
                    400,
                    "",
                    "Microsoft.Exchange.Configuration.Tasks.TaskException",
                    "Built-in alert policies cannot be removed; set Disabled instead.",
                    identity.as_deref().unwrap_or_default(),
                ));
            }
            rows.remove(i);
            Ok((Vec::new(), Vec::new()))
        })(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn params(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn policies_are_created_checked_and_changed() {
        let mut nouns = BTreeMap::new();
        nouns.insert(NOUN.to_string(), defaults());
        let new = params(json!({"Name": "Mass delete", "Category": "DataGovernance",
            "ThreatType": "Activity", "Operation": "FileDeleted", "AggregationType": "1",
            "Threshold": 20, "TimeWindow": "60", "NotifyUser": "a@x.com"}));
        let (rows, _) = run(&mut nouns, "New-ProtectionAlert", &new)
            .unwrap()
            .unwrap();
        assert_eq!(rows[0]["AggregationType"], "SimpleAggregation");
        assert_eq!(rows[0]["TimeWindow"], 60);
        assert_eq!(rows[0]["NotifyUser"], json!(["a@x.com"]));
        // Twice is refused; so is a threshold policy without its window.
        assert!(run(&mut nouns, "New-ProtectionAlert", &new)
            .unwrap()
            .is_err());
        let mut half = new.clone();
        half.insert("Name".into(), json!("Other"));
        half.remove("TimeWindow");
        assert!(run(&mut nouns, "New-ProtectionAlert", &half)
            .unwrap()
            .is_err());
        // Set takes no ThreatType and checks its enumerations.
        let bad = params(json!({"Identity": "Mass delete", "ThreatType": "Phish"}));
        assert!(run(&mut nouns, "Set-ProtectionAlert", &bad)
            .unwrap()
            .is_err());
        let bad = params(json!({"Identity": "Mass delete", "Severity": "Severe"}));
        assert!(run(&mut nouns, "Set-ProtectionAlert", &bad)
            .unwrap()
            .is_err());
        let set = params(json!({"Identity": "mass delete", "Threshold": 50}));
        run(&mut nouns, "Set-ProtectionAlert", &set)
            .unwrap()
            .unwrap();
        let get = params(json!({"Identity": "Mass delete"}));
        let (rows, _) = run(&mut nouns, "Get-ProtectionAlert", &get)
            .unwrap()
            .unwrap();
        assert_eq!(rows[0]["Threshold"], 50);
        // Built-in policies stay.
        let sys = params(json!({"Identity": "Suspicious email sending patterns detected"}));
        assert!(run(&mut nouns, "Remove-ProtectionAlert", &sys)
            .unwrap()
            .is_err());
        assert!(run(&mut nouns, "Get-Label", &Map::new()).is_none());
    }
}
