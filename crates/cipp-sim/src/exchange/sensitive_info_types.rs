//! Sensitive information types on Security & Compliance: `Get-DlpSensitiveInformationType`
//! lists the built-in types and every entity of the uploaded rule packages;
//! `Get-`/`New-`/`Set-`/`Remove-DlpSensitiveInformationTypeRulePackage` manage the packages.
//! The service's rules that the standards meet:
//!
//! - `FileData` is the package XML as bytes (a JSON array of numbers), UTF-16 or UTF-8; it must
//!   hold a `<RulePackage>` with a `RulePack id`.
//! - `New-` refuses a package id in use, and an entity name any other type already has.
//! - `Set-` takes no identity: it replaces the package whose id the XML carries (unknown id:
//!   not found), and its types take the new entities' names and settings.
//!
//! The XML is read with a few patterns (elements by local name), enough for rule packages
//! written by tools; it is not a general XML parser.

use std::collections::BTreeMap;

use regex::Regex;
use serde_json::{json, Map, Value};

use super::{cmdlet_failure, not_found, param, text, CmdletYield};
use crate::reply::Reply;

type Row = Map<String, Value>;

const TYPES: &str = "dlpsensitiveinformationtype";
const PACKAGES: &str = "dlpsensitiveinformationtyperulepackage";

/// The built-in types every tenant has (a few of them).
pub(crate) fn builtins() -> Vec<Row> {
    [
        (
            "a44669fe-0d48-453d-a9b1-2cc83f2cba77",
            "U.S. Social Security Number (SSN)",
        ),
        ("50842eb7-edc8-4019-85dd-5a5c1f2bb085", "Credit Card Number"),
        (
            "e7dc4711-11b7-4cb0-b88b-2c394a771f0e",
            "International Banking Account Number (IBAN)",
        ),
    ]
    .into_iter()
    .filter_map(|(id, name)| {
        json!({"Id": id, "Identity": id, "Name": name, "Publisher": "Microsoft Corporation",
            "RulePackId": "00000000-0000-0000-0000-000000000000", "Type": "Entity",
            "RecommendedConfidence": 85, "Description": format!("Detects {name}.")})
        .as_object()
        .cloned()
    })
    .collect()
}

fn failure(name: &str, kind: &str, message: String, target: &str) -> Reply {
    cmdlet_failure(400, "", kind, &format!("{name}: {message}"), target)
}

fn invalid(name: &str, message: String) -> Reply {
    failure(
        name,
        "Microsoft.Office.CompliancePolicy.Tasks.ClassificationRuleCollectionValidationException",
        message,
        "FileData",
    )
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn elements(xml: &str, tag: &str) -> Vec<(String, String)> {
    let Ok(r) = Regex::new(&format!(
        r"(?s)<(?:[\w.-]+:)?{tag}\b([^>]*?)(?:/>|>(.*?)</(?:[\w.-]+:)?{tag}\s*>)"
    )) else {
        return Vec::new();
    };
    r.captures_iter(xml)
        .map(|c| {
            (
                c.get(1).map_or("", |m| m.as_str()).to_string(),
                c.get(2).map_or("", |m| m.as_str()).to_string(),
            )
        })
        .collect()
}

fn attr(attrs: &str, name: &str) -> Option<String> {
    Regex::new(r#"([A-Za-z_:][\w:.-]*)\s*=\s*"([^"]*)""#)
        .ok()?
        .captures_iter(attrs)
        .find(|c| c[1].eq_ignore_ascii_case(name))
        .map(|c| unescape(&c[2]))
}

fn first(body: &str, tag: &str) -> String {
    elements(body, tag)
        .first()
        .map(|(_, t)| unescape(t.trim()))
        .unwrap_or_default()
}

/// The XML `FileData` carries.
fn xml_of(name: &str, params: &Map<String, Value>) -> Result<String, Reply> {
    let bytes: Vec<u8> = match param(params, "FileData") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(|| invalid(name, "FileData is not a byte array.".into()))?,
        Some(Value::String(s)) => s.as_bytes().to_vec(),
        _ => {
            return Err(failure(
                name,
                "System.Management.Automation.ParameterBindingException",
                "the FileData parameter is required.".into(),
                "FileData",
            ))
        }
    };
    let body = bytes.strip_prefix(&[0xFF, 0xFE]).unwrap_or(&bytes);
    let units: Vec<u16> = body
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let wide = String::from_utf16_lossy(&units);
    let xml = if wide.contains("<RulePackage") {
        wide
    } else {
        String::from_utf8_lossy(&bytes).into_owned()
    };
    if !xml.contains("<RulePackage") {
        return Err(invalid(
            name,
            "The rule package is not valid XML of the rule package schema.".into(),
        ));
    }
    Ok(xml)
}

/// The package's id, publisher and types.
fn read(name: &str, xml: &str) -> Result<(String, String, Vec<Row>), Reply> {
    let pack = elements(xml, "RulePack")
        .first()
        .and_then(|(a, _)| attr(a, "id"))
        .ok_or_else(|| invalid(name, "The rule package has no RulePack id.".into()))?;
    let publisher = first(xml, "PublisherName");
    let mut names = BTreeMap::new();
    for (a, body) in elements(xml, "Resource") {
        if let Some(id) = attr(&a, "idRef") {
            names.insert(id, (first(&body, "Name"), first(&body, "Description")));
        }
    }
    let mut types = Vec::new();
    for (a, _) in elements(xml, "Entity") {
        let id = attr(&a, "id").ok_or_else(|| invalid(name, "An Entity has no id.".into()))?;
        let (type_name, description) = names
            .get(&id)
            .cloned()
            .ok_or_else(|| invalid(name, format!("Entity '{id}' has no localized name.")))?;
        let confidence = attr(&a, "recommendedConfidence")
            .and_then(|c| c.parse::<u64>().ok())
            .unwrap_or(75);
        if let Some(row) = json!({"Id": id, "Identity": id, "Name": type_name,
            "Description": description, "Publisher": publisher, "RulePackId": pack,
            "Type": "Entity", "RecommendedConfidence": confidence})
        .as_object()
        {
            types.push(row.clone());
        }
    }
    if types.is_empty() {
        return Err(invalid(name, "The rule package has no Entity.".into()));
    }
    Ok((pack, publisher, types))
}

/// Answer a cmdlet of the two nouns; `None` for any other cmdlet.
pub(crate) fn run(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    params: &Map<String, Value>,
) -> Option<Result<CmdletYield, Reply>> {
    let (verb, noun) = name.split_once('-')?;
    let noun = noun.to_ascii_lowercase();
    if noun != TYPES && noun != PACKAGES {
        return None;
    }
    let verb = verb.to_ascii_lowercase();
    let identity = param(params, "Identity").map(text);
    let matches = |r: &Row, id: &str| {
        ["Identity", "Name", "Id", "RulePackId"]
            .iter()
            .any(|k| r.get(*k).is_some_and(|v| text(v).eq_ignore_ascii_case(id)))
    };
    if noun == TYPES {
        if verb != "get" {
            return None;
        }
        let rows = nouns.entry(TYPES.into()).or_default();
        return Some(match &identity {
            Some(id) => rows
                .iter()
                .find(|r| matches(r, id))
                .map(|r| (vec![r.clone()], Vec::new()))
                .ok_or_else(|| not_found(id)),
            None => Ok((rows.clone(), Vec::new())),
        });
    }
    let answer = match verb.as_str() {
        "get" => {
            let rows = nouns.entry(PACKAGES.into()).or_default();
            match &identity {
                Some(id) => rows
                    .iter()
                    .find(|r| matches(r, id))
                    .map(|r| (vec![r.clone()], Vec::new()))
                    .ok_or_else(|| not_found(id)),
                None => Ok((rows.clone(), Vec::new())),
            }
        }
        "new" | "set" => (|| {
            let xml = xml_of(name, params)?;
            let (pack, publisher, types) = read(name, &xml)?;
            let exists = nouns
                .get(PACKAGES)
                .is_some_and(|rows| rows.iter().any(|r| matches(r, &pack)));
            match (verb.as_str(), exists) {
                ("new", true) => {
                    return Err(failure(
                        name,
                        "Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException",
                        format!("a rule package with id '{pack}' already exists."),
                        &pack,
                    ))
                }
                ("set", false) => return Err(not_found(&pack)),
                _ => {}
            }
            let all = nouns.entry(TYPES.into()).or_default();
            for t in &types {
                let type_name = t.get("Name").map(text).unwrap_or_default();
                let clash = all.iter().find(|r| {
                    r.get("Name")
                        .is_some_and(|n| text(n).eq_ignore_ascii_case(&type_name))
                        && !r
                            .get("RulePackId")
                            .is_some_and(|p| text(p).eq_ignore_ascii_case(&pack))
                });
                if clash.is_some() {
                    return Err(invalid(
                        name,
                        format!("A sensitive information type named '{type_name}' already exists."),
                    ));
                }
            }
            all.retain(|r| {
                !r.get("RulePackId")
                    .is_some_and(|p| text(p).eq_ignore_ascii_case(&pack))
            });
            all.extend(types);
            let row = json!({"Identity": pack, "RulePackId": pack, "Publisher": publisher,
                "RuleCollectionName": publisher, "ClassificationRuleCollectionXml": xml});
            let packages = nouns.entry(PACKAGES.into()).or_default();
            packages.retain(|r| !matches(r, &pack));
            if let Some(row) = row.as_object() {
                packages.push(row.clone());
            }
            Ok((Vec::new(), Vec::new()))
        })(),
        "remove" => (|| {
            let id = identity.clone().ok_or_else(|| {
                failure(
                    name,
                    "System.Management.Automation.ParameterBindingException",
                    "the Identity parameter is required.".into(),
                    "Identity",
                )
            })?;
            let packages = nouns.entry(PACKAGES.into()).or_default();
            let at = packages
                .iter()
                .position(|r| matches(r, &id))
                .ok_or_else(|| not_found(&id))?;
            let gone = packages.remove(at);
            let pack = gone.get("RulePackId").map(text).unwrap_or_default();
            nouns.entry(TYPES.into()).or_default().retain(|r| {
                !r.get("RulePackId")
                    .is_some_and(|p| text(p).eq_ignore_ascii_case(&pack))
            });
            Ok((Vec::new(), Vec::new()))
        })(),
        _ => return None,
    };
    Some(answer)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn pack(id: &str, entity: &str, type_name: &str) -> Map<String, Value> {
        let xml = format!(
            r#"<RulePackage xmlns="http://schemas.microsoft.com/office/2011/mce"><RulePack id="{id}"><Details><LocalizedDetails><PublisherName>Alpha</PublisherName></LocalizedDetails></Details></RulePack><Rules><Entity id="{entity}" recommendedConfidence="85" patternsProximity="300"><Pattern confidenceLevel="85"><IdMatch idRef="r1"/></Pattern></Entity><Regex id="r1">\d+</Regex><LocalizedStrings><Resource idRef="{entity}"><Name default="true" langcode="en-us">{type_name}</Name><Description default="true" langcode="en-us">d</Description></Resource></LocalizedStrings></Rules></RulePackage>"#
        );
        let bytes: Vec<Value> = xml
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .map(Value::from)
            .collect();
        json!({"FileData": bytes}).as_object().cloned().unwrap()
    }

    #[test]
    fn packages_add_and_replace_their_types() {
        let mut nouns = BTreeMap::new();
        nouns.insert(TYPES.to_string(), builtins());
        let new = "New-DlpSensitiveInformationTypeRulePackage";
        let set = "Set-DlpSensitiveInformationTypeRulePackage";
        assert!(
            run(&mut nouns, new, &pack("p1", "e1", "Credit Card Number"))
                .unwrap()
                .is_err()
        );
        run(&mut nouns, new, &pack("p1", "e1", "Alpha id"))
            .unwrap()
            .unwrap();
        assert!(run(&mut nouns, new, &pack("p1", "e2", "Other"))
            .unwrap()
            .is_err());
        assert!(run(&mut nouns, set, &pack("p2", "e1", "Alpha id"))
            .unwrap()
            .is_err());
        run(&mut nouns, set, &pack("p1", "e1", "Alpha ident"))
            .unwrap()
            .unwrap();
        let names: Vec<String> = nouns[TYPES].iter().map(|r| text(&r["Name"])).collect();
        assert!(
            names.contains(&"Alpha ident".to_string()) && !names.contains(&"Alpha id".to_string())
        );
        let (rows, _) = run(
            &mut nouns,
            "Get-DlpSensitiveInformationTypeRulePackage",
            &Map::new(),
        )
        .unwrap()
        .unwrap();
        assert!(text(&rows[0]["ClassificationRuleCollectionXml"]).contains("Alpha ident"));
        assert!(run(&mut nouns, "Get-Label", &Map::new()).is_none());
    }
}
