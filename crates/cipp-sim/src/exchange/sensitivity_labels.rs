//! Purview sensitivity labels and label policies on Security & Compliance (`Get-`/`New-`/
//! `Set-`/`Remove-` of `Label` and `LabelPolicy`), with the service's rules as far as the
//! standards need them:
//!
//! - `New-Label` needs `Name`, `DisplayName` and `Tooltip`; the name must be free; `Priority`
//!   is not one of its parameters; a `ParentId` must name an existing label. `Get-Label`
//!   reports `DisplayName`, `Tooltip`, `Comment`, `ContentType`, `ParentId`, `Priority` as
//!   properties; every other setting (encryption, content marking...) comes back as a
//!   `LabelActions` entry (`{"Key", "Value"}`, simpler than the service's JSON strings).
//! - `Set-Label` takes no `Name` and cannot reparent (`ParentId`).
//! - `New-LabelPolicy` needs `Name` and `Labels` (labels that exist, kept by name); location
//!   parameters are stored as lists. `Set-LabelPolicy` takes neither list: `AddLabels` /
//!   `RemoveLabels` and `Add<Location>` / `Remove<Location>` change them.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::{
    binding_failure, cmdlet_failure, matches_identity, not_found, param, text, unchanged_warning,
    CmdletYield,
};
use crate::reply::Reply;

type Row = Map<String, Value>;

const COMMON: [&str; 4] = ["Confirm", "Force", "WhatIf", "ErrorAction"];

/// What `Get-Label` reports as properties of their own.
const LABEL_PROPERTIES: [&str; 6] = [
    "DisplayName",
    "Tooltip",
    "Comment",
    "ContentType",
    "Priority",
    "Disabled",
];

fn is_location(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.ends_with("location") || k.ends_with("locationexception")
}

fn items(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a.iter().map(text).collect(),
        Value::Null => Vec::new(),
        other => text(other)
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
    }
}

fn binding(name: &str, message: String, target: &str) -> Reply {
    binding_failure(&format!("{name}: {message}"), target)
}

fn no_parameter(name: &str, k: &str, hint: &str) -> Reply {
    binding(
        name,
        format!("A parameter cannot be found that matches parameter name '{k}'{hint}."),
        k,
    )
}

fn properties(params: &Map<String, Value>) -> impl Iterator<Item = (&String, &Value)> {
    params.iter().filter(|(k, _)| {
        !COMMON.iter().any(|c| c.eq_ignore_ascii_case(k)) && !k.eq_ignore_ascii_case("Identity")
    })
}

fn required(name: &str, params: &Map<String, Value>, key: &str) -> Result<String, Reply> {
    param(params, key)
        .map(text)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| binding(name, format!("the {key} parameter is required."), key))
}

fn label_matches(row: &Row, id: &str) -> bool {
    matches_identity(row, id)
        || row
            .get("ImmutableId")
            .is_some_and(|v| text(v).eq_ignore_ascii_case(id))
}

/// Put one label setting where `Get-Label` shows it.
fn set_label_setting(row: &mut Row, k: &str, v: &Value) {
    if LABEL_PROPERTIES.iter().any(|p| p.eq_ignore_ascii_case(k)) {
        let slot = row
            .keys()
            .find(|x| x.eq_ignore_ascii_case(k))
            .cloned()
            .unwrap_or_else(|| k.to_string());
        row.insert(slot, v.clone());
        return;
    }
    let actions = row.entry("LabelActions").or_insert_with(|| json!([]));
    if !actions.is_array() {
        *actions = json!([]);
    }
    if let Some(list) = actions.as_array_mut() {
        list.retain(|a| {
            !a.get("Key")
                .is_some_and(|x| text(x).eq_ignore_ascii_case(k))
        });
        list.push(json!({"Key": k, "Value": v}));
    }
}

/// Answer a cmdlet of `Label` or `LabelPolicy`; `None` for any other cmdlet.
pub(crate) fn run(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    params: &Map<String, Value>,
) -> Option<Result<CmdletYield, Reply>> {
    let (verb, noun) = name.split_once('-')?;
    let noun = noun.to_ascii_lowercase();
    if noun != "label" && noun != "labelpolicy" {
        return None;
    }
    let verb = verb.to_ascii_lowercase();
    let identity = param(params, "Identity").map(text);
    let labels = nouns.get("label").cloned().unwrap_or_default();
    // A label named by name, display name or GUID, as its name.
    let label_name = |id: &str| -> Result<String, Reply> {
        labels
            .iter()
            .find(|r| label_matches(r, id))
            .map(|r| r.get("Name").map(text).unwrap_or_else(|| id.to_string()))
            .ok_or_else(|| not_found(id))
    };
    let rows = nouns.entry(noun.clone()).or_default();
    let target = |rows: &[Row]| -> Result<usize, Reply> {
        let id = identity
            .as_deref()
            .ok_or_else(|| binding(name, "the Identity parameter is required.".into(), ""))?;
        rows.iter()
            .position(|r| label_matches(r, id))
            .ok_or_else(|| not_found(id))
    };
    let is_policy = noun == "labelpolicy";
    let answer = match verb.as_str() {
        "get" => match &identity {
            Some(_) => target(rows).map(|i| (vec![rows[i].clone()], Vec::new())),
            None => Ok((rows.clone(), Vec::new())),
        },
        "new" => (|| {
            let new_name = required(name, params, "Name")?;
            if rows.iter().any(|r| {
                r.get("Name")
                    .is_some_and(|n| text(n).eq_ignore_ascii_case(&new_name))
            }) {
                return Err(cmdlet_failure(
                    400,
                    "",
                    "Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException",
                    &format!("{name}: an object named '{new_name}' already exists."),
                    &new_name,
                ));
            }
            let guid = uuid::Uuid::new_v4().to_string();
            let mut row = Map::new();
            row.insert("Identity".into(), json!(guid));
            row.insert("Name".into(), json!(new_name));
            row.insert("Guid".into(), json!(guid));
            row.insert("ImmutableId".into(), json!(guid));
            if is_policy {
                let wanted = param(params, "Labels").map(items).unwrap_or_default();
                if wanted.is_empty() {
                    return Err(binding(
                        name,
                        "the Labels parameter is required.".into(),
                        "Labels",
                    ));
                }
                let names = wanted
                    .iter()
                    .map(|l| label_name(l))
                    .collect::<Result<Vec<_>, _>>()?;
                row.insert("Labels".into(), json!(names));
                row.insert("Enabled".into(), json!(true));
                row.insert("DistributionStatus".into(), json!("Success"));
                for (k, v) in properties(params) {
                    if k.eq_ignore_ascii_case("Name") || k.eq_ignore_ascii_case("Labels") {
                        continue;
                    }
                    let v = if is_location(k) {
                        json!(items(v))
                    } else {
                        v.clone()
                    };
                    row.insert(k.clone(), v);
                }
            } else {
                let display = required(name, params, "DisplayName")?;
                required(name, params, "Tooltip")?;
                if let Some(k) = params.keys().find(|k| k.eq_ignore_ascii_case("Priority")) {
                    return Err(no_parameter(name, k, ""));
                }
                row.insert("DisplayName".into(), json!(display));
                row.insert("Priority".into(), json!(rows.len()));
                row.insert("Disabled".into(), json!(false));
                row.insert("ParentId".into(), Value::Null);
                row.insert("LabelActions".into(), json!([]));
                if let Some(parent) = param(params, "ParentId").map(text) {
                    let row_of_parent = labels
                        .iter()
                        .find(|r| label_matches(r, &parent))
                        .ok_or_else(|| not_found(&parent))?;
                    let id = row_of_parent
                        .get("Guid")
                        .map(text)
                        .unwrap_or_else(|| parent.clone());
                    row.insert("ParentId".into(), json!(id));
                }
                for (k, v) in properties(params) {
                    if ["Name", "DisplayName", "ParentId"]
                        .iter()
                        .any(|x| x.eq_ignore_ascii_case(k))
                    {
                        continue;
                    }
                    set_label_setting(&mut row, k, v);
                }
            }
            rows.push(row.clone());
            Ok((vec![row], Vec::new()))
        })(),
        "set" => (|| {
            let i = target(rows)?;
            let mut row = rows[i].clone();
            for (k, v) in properties(params) {
                let lower = k.to_ascii_lowercase();
                if lower == "name" {
                    return Err(no_parameter(name, k, ""));
                }
                if !is_policy {
                    if lower == "parentid" {
                        return Err(no_parameter(
                            name,
                            k,
                            " (a label cannot move under another parent)",
                        ));
                    }
                    set_label_setting(&mut row, k, v);
                    continue;
                }
                let change = ["add", "remove"].into_iter().find(|p| {
                    lower.starts_with(p)
                        && (is_location(&k[p.len()..])
                            || k[p.len()..].eq_ignore_ascii_case("Labels"))
                });
                if change.is_none() && (lower == "labels" || is_location(k)) {
                    return Err(no_parameter(
                        name,
                        k,
                        &format!(" (use Add{k} or Remove{k})"),
                    ));
                }
                let Some(op) = change else {
                    let slot = row
                        .keys()
                        .find(|x| x.eq_ignore_ascii_case(k))
                        .cloned()
                        .unwrap_or_else(|| k.clone());
                    row.insert(slot, v.clone());
                    continue;
                };
                let key = k[op.len()..].to_string();
                let is_labels = key.eq_ignore_ascii_case("Labels");
                let slot = row
                    .keys()
                    .find(|x| x.eq_ignore_ascii_case(&key))
                    .cloned()
                    .unwrap_or(key);
                let mut list = row.get(&slot).map(items).unwrap_or_default();
                for item in items(v) {
                    let item = if is_labels { label_name(&item)? } else { item };
                    let at = list.iter().position(|l| l.eq_ignore_ascii_case(&item));
                    match (op, at) {
                        ("add", Some(_)) if !is_labels => {
                            return Err(cmdlet_failure(
                                400,
                                "",
                                "Microsoft.Office.CompliancePolicy.Tasks.LocationAlreadyExistsException",
                                &format!("{name}: '{item}' is already in {slot}."),
                                k,
                            ))
                        }
                        ("add", Some(_)) => {}
                        ("add", None) => list.push(item),
                        (_, Some(at)) => {
                            list.remove(at);
                        }
                        (_, None) => {}
                    }
                }
                row.insert(slot, json!(list));
            }
            let warnings =
                unchanged_warning(row == rows[i], identity.as_deref().unwrap_or_default());
            rows[i] = row;
            Ok((Vec::new(), warnings))
        })(),
        "remove" => target(rows).map(|i| {
            rows.remove(i);
            (Vec::new(), Vec::new())
        }),
        _ => return None,
    };
    Some(answer)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn p(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    fn call(
        nouns: &mut BTreeMap<String, Vec<Row>>,
        name: &str,
        v: Value,
    ) -> Result<CmdletYield, Reply> {
        run(nouns, name, &p(v)).unwrap()
    }

    #[test]
    fn labels_need_a_tooltip_and_policies_take_labels_by_add() {
        let mut nouns = BTreeMap::new();
        assert!(call(
            &mut nouns,
            "New-Label",
            json!({"Name": "C", "DisplayName": "C"})
        )
        .is_err());
        assert!(call(
            &mut nouns,
            "New-Label",
            json!({"Name": "C", "DisplayName": "C", "Tooltip": "t", "Priority": 1})
        )
        .is_err());
        call(&mut nouns, "New-Label", json!({"Name": "C", "DisplayName": "C", "Tooltip": "t", "ApplyWaterMarkingEnabled": true})).unwrap();
        let row = &nouns["label"][0];
        assert_eq!(row["Tooltip"], "t");
        assert_eq!(row["LabelActions"][0]["Key"], "ApplyWaterMarkingEnabled");
        assert!(call(
            &mut nouns,
            "New-Label",
            json!({"Name": "Sub", "DisplayName": "Sub", "Tooltip": "t", "ParentId": "nope"})
        )
        .is_err());
        call(
            &mut nouns,
            "New-Label",
            json!({"Name": "Sub", "DisplayName": "Sub", "Tooltip": "t", "ParentId": "C"}),
        )
        .unwrap();
        assert_eq!(nouns["label"][1]["ParentId"], nouns["label"][0]["Guid"]);
        assert!(call(
            &mut nouns,
            "Set-Label",
            json!({"Identity": "Sub", "ParentId": "x"})
        )
        .is_err());
        call(
            &mut nouns,
            "Set-Label",
            json!({"Identity": "C", "Tooltip": "u"}),
        )
        .unwrap();
        assert_eq!(nouns["label"][0]["Tooltip"], "u");

        assert!(call(
            &mut nouns,
            "New-LabelPolicy",
            json!({"Name": "P", "Labels": ["Missing"]})
        )
        .is_err());
        call(
            &mut nouns,
            "New-LabelPolicy",
            json!({"Name": "P", "Labels": ["c"], "ExchangeLocation": "All"}),
        )
        .unwrap();
        assert_eq!(nouns["labelpolicy"][0]["Labels"], json!(["C"]));
        assert!(call(
            &mut nouns,
            "Set-LabelPolicy",
            json!({"Identity": "P", "Labels": ["Sub"]})
        )
        .is_err());
        call(
            &mut nouns,
            "Set-LabelPolicy",
            json!({"Identity": "P", "AddLabels": ["Sub"], "AddSharePointLocation": ["All"]}),
        )
        .unwrap();
        assert_eq!(nouns["labelpolicy"][0]["Labels"], json!(["C", "Sub"]));
        assert_eq!(
            nouns["labelpolicy"][0]["SharePointLocation"],
            json!(["All"])
        );
        assert!(call(
            &mut nouns,
            "Set-LabelPolicy",
            json!({"Identity": "P", "AddExchangeLocation": ["All"]})
        )
        .is_err());
        assert!(run(&mut nouns, "Get-DlpCompliancePolicy", &Map::new()).is_none());
    }
}
