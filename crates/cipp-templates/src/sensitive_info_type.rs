//! Custom sensitive information types through Security & Compliance rule packages. A custom
//! SIT lives in a rule package (XML); `New-DlpSensitiveInformationTypeRulePackage` uploads a
//! package and `Set-DlpSensitiveInformationTypeRulePackage` replaces the package whose
//! `RulePack id` the XML carries (it takes no identity). `FileData` is the XML as UTF-16 bytes.
//!
//! A template in simple form (`Pattern`...) becomes a package of one entity; one in advanced
//! form brings its package (`FileDataBase64`). Packages are compared by meaning, not text: per
//! entity its name, description, recommended confidence, proximity and patterns (confidence
//! level and the regular expressions or keyword lists it matches), ignoring ids and versions.
//! An update keeps the package's and the type's ids, so DLP rules that name the type keep
//! working. Built-in (Microsoft) types, the shared document fingerprint package, and packages
//! that hold types the template does not describe are refused: replacing them would change or
//! remove what the template does not own.

use std::collections::BTreeMap;

use base64::Engine;
use regex::Regex;
use serde_json::Value;

use crate::client::{DeployOutcome, TemplateClient};
use crate::cmdlet_rows::{find_named, text};
use crate::compare::{Comparison, Difference};
use crate::compliance::{forget, live};
use crate::error::TemplateError;
use crate::models::SensitiveInfoTypeTemplate;

const SIT: &str = "DlpSensitiveInformationType";
const PACKAGE: &str = "DlpSensitiveInformationTypeRulePackage";
/// The rule package that holds document fingerprints; managed by uploading documents.
const FINGERPRINT_PACK: &str = "00000000-0000-0000-0001-000000000001";
/// Namespace of the ids written into packages made from the simple form.
const ID_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x6c1f_3b0e_9a7d_4e2b_8f15_2d4c_7a9e_0b31);

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// A fixed pattern of this module (all valid; the unit test reads every one of them).
fn re(pattern: &str) -> Option<Regex> {
    Regex::new(pattern).ok()
}

/// The package of one entity the simple form describes. `pack` and `entity` are the ids to
/// use (an update keeps the live ones).
fn simple_package(
    t: &SensitiveInfoTypeTemplate,
    pattern: &str,
    pack: &str,
    entity: &str,
) -> String {
    let lang = t.locale().to_ascii_lowercase();
    let publisher = uuid::Uuid::new_v5(&ID_NAMESPACE, t.publisher().as_bytes());
    let (name, description) = (escape(&t.name), escape(&t.description()));
    let confidence = t.confidence();
    format!(
        r#"<?xml version="1.0" encoding="utf-16"?>
<RulePackage xmlns="http://schemas.microsoft.com/office/2011/mce">
  <RulePack id="{pack}">
    <Version major="1" minor="0" build="0" revision="0"/>
    <Publisher id="{publisher}"/>
    <Details defaultLangCode="{lang}">
      <LocalizedDetails langcode="{lang}">
        <PublisherName>{publisher_name}</PublisherName>
        <Name>{name}</Name>
        <Description>{description}</Description>
      </LocalizedDetails>
    </Details>
  </RulePack>
  <Rules>
    <Entity id="{entity}" patternsProximity="{proximity}" recommendedConfidence="{confidence}">
      <Pattern confidenceLevel="{confidence}">
        <IdMatch idRef="Regex_{entity_short}"/>
      </Pattern>
    </Entity>
    <Regex id="Regex_{entity_short}">{regex}</Regex>
    <LocalizedStrings>
      <Resource idRef="{entity}">
        <Name default="true" langcode="{lang}">{name}</Name>
        <Description default="true" langcode="{lang}">{description}</Description>
      </Resource>
    </LocalizedStrings>
  </Rules>
</RulePackage>
"#,
        publisher_name = escape(&t.publisher()),
        proximity = t.patterns_proximity(),
        entity_short = entity.replace('-', ""),
        regex = escape(pattern),
    )
}

/// One entity of a package, as compared.
#[derive(Debug, Clone, PartialEq)]
struct Entity {
    id: String,
    confidence: String,
    proximity: String,
    description: String,
    patterns: Vec<String>,
}

fn attr(attrs: &str, name: &str) -> Option<String> {
    re(r#"([A-Za-z_:][\w:.-]*)\s*=\s*"([^"]*)""#)?
        .captures_iter(attrs)
        .find(|c| c[1].eq_ignore_ascii_case(name))
        .map(|c| unescape(&c[2]))
}

/// The element bodies `<tag ...>body</tag>` (any namespace prefix), with their attributes.
fn elements(xml: &str, tag: &str) -> Vec<(String, String)> {
    let Some(pattern) = re(&format!(
        r"(?s)<(?:[\w.-]+:)?{tag}\b([^>]*?)(?:/>|>(.*?)</(?:[\w.-]+:)?{tag}\s*>)"
    )) else {
        return Vec::new();
    };
    pattern
        .captures_iter(xml)
        .map(|c| {
            (
                c.get(1).map_or("", |m| m.as_str()).to_string(),
                c.get(2).map_or("", |m| m.as_str()).to_string(),
            )
        })
        .collect()
}

/// The package's `RulePack id`.
fn pack_id(xml: &str) -> Option<String> {
    elements(xml, "RulePack")
        .first()
        .and_then(|(a, _)| attr(a, "id"))
}

/// The entities of a package by name (its localized name, else its id).
fn entities(xml: &str) -> BTreeMap<String, Entity> {
    let mut regexes = BTreeMap::new();
    for (a, body) in elements(xml, "Regex") {
        if let Some(id) = attr(&a, "id") {
            regexes.insert(id, format!("regex:{}", unescape(body.trim())));
        }
    }
    for (a, body) in elements(xml, "Keyword") {
        if let Some(id) = attr(&a, "id") {
            let mut terms: Vec<String> = elements(&body, "Term")
                .into_iter()
                .map(|(_, t)| unescape(t.trim()))
                .collect();
            terms.sort();
            regexes.insert(id, format!("keyword:{}", terms.join("|")));
        }
    }
    let mut names = BTreeMap::new();
    for (a, body) in elements(xml, "Resource") {
        if let Some(id) = attr(&a, "idRef") {
            let first = |tag: &str| {
                elements(&body, tag)
                    .first()
                    .map(|(_, t)| unescape(t.trim()))
                    .unwrap_or_default()
            };
            names.insert(id, (first("Name"), first("Description")));
        }
    }
    let Some(refs) = re(r#"\bidRef\s*=\s*"([^"]*)""#) else {
        return BTreeMap::new();
    };
    let mut out = BTreeMap::new();
    for (a, body) in elements(xml, "Entity") {
        let id = attr(&a, "id").unwrap_or_default();
        let (name, description) = names.get(&id).cloned().unwrap_or_default();
        let mut patterns: Vec<String> = elements(&body, "Pattern")
            .into_iter()
            .map(|(pa, pb)| {
                let mut matches: Vec<String> = refs
                    .captures_iter(&pb)
                    .map(|c| {
                        let r = unescape(&c[1]);
                        regexes.get(&r).cloned().unwrap_or(format!("ref:{r}"))
                    })
                    .collect();
                matches.sort();
                format!(
                    "{} {}",
                    attr(&pa, "confidenceLevel").unwrap_or_default(),
                    matches.join(" + ")
                )
            })
            .collect();
        patterns.sort();
        let key = if name.is_empty() { id.clone() } else { name };
        out.insert(
            key,
            Entity {
                id,
                confidence: attr(&a, "recommendedConfidence").unwrap_or_default(),
                proximity: attr(&a, "patternsProximity").unwrap_or_default(),
                description,
                patterns,
            },
        );
    }
    out
}

/// The package the template describes (ids are placeholders until deploy fixes them).
fn wanted_package(
    t: &SensitiveInfoTypeTemplate,
    pack: &str,
    entity: &str,
) -> Result<String, TemplateError> {
    if let Some(b64) = t.file_data_base64() {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|e| {
                TemplateError::invalid(&t.name, "FileDataBase64", format!("not base64: {e}"))
            })?;
        let xml = decode_xml(&bytes).ok_or_else(|| {
            TemplateError::invalid(
                &t.name,
                "FileDataBase64",
                "not a rule package (no <RulePackage> in UTF-16 or UTF-8)",
            )
        })?;
        if pack_id(&xml).is_none() {
            return Err(TemplateError::invalid(
                &t.name,
                "FileDataBase64",
                "the rule package has no RulePack id",
            ));
        }
        if !entities(&xml)
            .keys()
            .any(|n| n.eq_ignore_ascii_case(t.name.trim()))
        {
            return Err(TemplateError::invalid(
                &t.name,
                "FileDataBase64",
                format!("the rule package has no entity named '{}'", t.name),
            ));
        }
        return Ok(xml);
    }
    let pattern = t.pattern().ok_or_else(|| {
        TemplateError::invalid(
            &t.name,
            "Pattern",
            "the template has neither a Pattern nor a FileDataBase64 rule package",
        )
    })?;
    Ok(simple_package(t, &pattern, pack, entity))
}

fn decode_xml(bytes: &[u8]) -> Option<String> {
    let utf16 = |b: &[u8]| -> String {
        let units: Vec<u16> = b
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    };
    let bytes = bytes.strip_prefix(&[0xFF, 0xFE]).unwrap_or(bytes);
    let wide = utf16(bytes);
    if wide.contains("<RulePackage") {
        return Some(wide);
    }
    let narrow = String::from_utf8_lossy(bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes))
        .into_owned();
    narrow.contains("<RulePackage").then_some(narrow)
}

/// `FileData` as the cmdlets take it: the XML as UTF-16 (little endian) bytes.
fn file_data(xml: &str) -> Value {
    Value::from(
        xml.encode_utf16()
            .flat_map(u16::to_le_bytes)
            .map(Value::from)
            .collect::<Vec<_>>(),
    )
}

fn unnamed(t: &SensitiveInfoTypeTemplate) -> Result<(), TemplateError> {
    if t.name.trim().is_empty() {
        return Err(TemplateError::invalid(
            "(unnamed)",
            "Name",
            "the sensitive information type has no name",
        ));
    }
    Ok(())
}

/// The live type and the package that holds it, checked for being ours to replace.
struct Live {
    entity_id: String,
    pack_id: String,
    xml: String,
}

async fn live_type(
    c: &TemplateClient,
    t: &SensitiveInfoTypeTemplate,
) -> Result<Option<Live>, TemplateError> {
    let name = t.name.as_str();
    let sits = live(c, SIT, name).await?;
    let Some(row) = find_named(&sits, name, &["Name"]) else {
        return Ok(None);
    };
    if text(row, "Publisher")
        .is_some_and(|p| p.trim().to_ascii_lowercase().starts_with("microsoft"))
    {
        return Err(TemplateError::invalid(
            name,
            "Name",
            format!("'{name}' is a Microsoft built-in sensitive information type, which cannot be replaced; give the template another name"),
        ));
    }
    let pack_id = text(row, "RulePackId").unwrap_or_default().to_string();
    if pack_id.eq_ignore_ascii_case(FINGERPRINT_PACK) {
        return Err(TemplateError::invalid(
            name,
            "Name",
            format!("'{name}' is a document fingerprint in the shared fingerprint package; replacing that package would replace every fingerprint"),
        ));
    }
    let packages = live(c, PACKAGE, name).await?;
    let xml = packages
        .iter()
        .find(|p| {
            ["Identity", "RulePackId", "Guid"]
                .iter()
                .any(|k| text(p, k).is_some_and(|v| v.eq_ignore_ascii_case(&pack_id)))
        })
        .and_then(|p| text(p, "ClassificationRuleCollectionXml"))
        .unwrap_or_default()
        .to_string();
    Ok(Some(Live {
        entity_id: text(row, "Id")
            .or_else(|| text(row, "Identity"))
            .unwrap_or(name)
            .to_string(),
        pack_id,
        xml,
    }))
}

/// The differences between the package the template describes and the live one, per entity
/// the template has.
fn differences(want_xml: &str, have_xml: &str) -> Vec<Difference> {
    let have = entities(have_xml);
    let mut out = Vec::new();
    for (name, w) in entities(want_xml) {
        let Some(h) = have
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(&name))
            .map(|(_, h)| h)
        else {
            out.push(Difference {
                path: format!("entities[{name}]"),
                expected: Some(Value::from(name.clone())),
                found: None,
            });
            continue;
        };
        for (field, want, found) in [
            (
                "confidence",
                Value::from(w.confidence.clone()),
                Value::from(h.confidence.clone()),
            ),
            (
                "proximity",
                Value::from(w.proximity.clone()),
                Value::from(h.proximity.clone()),
            ),
            (
                "description",
                Value::from(w.description.clone()),
                Value::from(h.description.clone()),
            ),
            (
                "patterns",
                Value::from(w.patterns.clone()),
                Value::from(h.patterns.clone()),
            ),
        ] {
            if want != found {
                out.push(Difference {
                    path: format!("entities[{name}].{field}"),
                    expected: Some(want),
                    found: Some(found),
                });
            }
        }
    }
    out
}

pub(crate) async fn compare(
    c: &TemplateClient,
    t: &SensitiveInfoTypeTemplate,
) -> Result<Comparison, TemplateError> {
    unnamed(t)?;
    let Some(live) = live_type(c, t).await? else {
        wanted_package(t, "x", "x")?;
        return Ok(Comparison::Missing);
    };
    let want = wanted_package(t, &live.pack_id, &live.entity_id)?;
    Ok(Comparison::from_differences(
        live.entity_id,
        differences(&want, &live.xml),
    ))
}

/// Point an advanced package at the live package's id (`Set-` finds the package by it).
fn with_pack_id(xml: &str, pack: &str) -> String {
    match re(r#"(?s)(<(?:[\w.-]+:)?RulePack\b[^>]*?\bid\s*=\s*")[^"]*(")"#) {
        Some(r) => r
            .replace(xml, |c: &regex::Captures<'_>| {
                format!("{}{pack}{}", &c[1], &c[2])
            })
            .into_owned(),
        None => xml.to_string(),
    }
}

pub(crate) async fn deploy(
    c: &TemplateClient,
    t: &SensitiveInfoTypeTemplate,
) -> Result<DeployOutcome, TemplateError> {
    unnamed(t)?;
    let name = t.name.as_str();
    let scc = c.exchange.compliance();
    let exo_err = |e| c.exchange_error(name, e);
    match live_type(c, t).await? {
        None => {
            let entity =
                uuid::Uuid::new_v5(&ID_NAMESPACE, name.to_lowercase().as_bytes()).to_string();
            let xml = wanted_package(t, &uuid::Uuid::new_v4().to_string(), &entity)?;
            let id = entities(&xml)
                .into_iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, e)| e.id)
                .unwrap_or(entity);
            scc.cmdlet(format!("New-{PACKAGE}"))
                .param("FileData", file_data(&xml))
                .rows()
                .await
                .map_err(exo_err)?;
            forget(c, SIT);
            forget(c, PACKAGE);
            Ok(DeployOutcome::Created { id })
        }
        Some(live) => {
            let want = wanted_package(t, &live.pack_id, &live.entity_id)?;
            let diffs = differences(&want, &live.xml);
            if diffs.is_empty() {
                return Ok(DeployOutcome::Unchanged { id: live.entity_id });
            }
            // The package is replaced whole: refuse when it holds types the template lacks.
            let ours = entities(&want);
            let others: Vec<String> = entities(&live.xml)
                .into_keys()
                .filter(|n| !ours.keys().any(|o| o.eq_ignore_ascii_case(n)))
                .collect();
            if !others.is_empty() {
                return Err(TemplateError::invalid(
                    name,
                    "Name",
                    format!(
                        "the rule package {} that holds '{name}' also holds {}; replacing it would remove them",
                        live.pack_id,
                        others.join(", ")
                    ),
                ));
            }
            let xml = with_pack_id(&want, &live.pack_id);
            scc.cmdlet(format!("Set-{PACKAGE}"))
                .param("FileData", file_data(&xml))
                .rows()
                .await
                .map_err(exo_err)?;
            forget(c, SIT);
            forget(c, PACKAGE);
            let mut changed: Vec<String> = diffs
                .into_iter()
                .map(|d| d.path.rsplit('.').next().unwrap_or_default().to_string())
                .collect();
            changed.dedup();
            Ok(DeployOutcome::Updated {
                id: live.entity_id,
                changed,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn a_simple_template_makes_a_package_that_reads_back_the_same() {
        let t: SensitiveInfoTypeTemplate = serde_json::from_value(json!({
            "Name": "Alpha patient id", "Description": "Patient numbers & <codes>",
            "Pattern": r"\bAP-\d{6}\b", "Confidence": "75"
        }))
        .unwrap();
        let xml = simple_package(&t, &t.pattern().unwrap(), "p-1", "e-1");
        assert_eq!(pack_id(&xml).as_deref(), Some("p-1"));
        let e = &entities(&xml)["Alpha patient id"];
        assert_eq!(e.id, "e-1");
        assert_eq!(e.confidence, "75");
        assert_eq!(e.proximity, "300");
        assert_eq!(e.description, "Patient numbers & <codes>");
        assert_eq!(e.patterns, [r"75 regex:\bAP-\d{6}\b"]);
        // Ids do not matter to the comparison; the pattern does.
        let again = simple_package(&t, &t.pattern().unwrap(), "p-2", "e-2");
        assert!(differences(&again, &xml).is_empty());
        let other = simple_package(&t, r"\bAP-\d{7}\b", "p-1", "e-1");
        let d = differences(&other, &xml);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].path, "entities[Alpha patient id].patterns");
        assert_eq!(pack_id(&with_pack_id(&xml, "p-9")).as_deref(), Some("p-9"));
        // FileData is UTF-16, and an advanced template reads either encoding.
        let bytes: Vec<u8> = file_data(&xml)
            .as_array()
            .unwrap()
            .iter()
            .map(|b| u8::try_from(b.as_u64().unwrap()).unwrap())
            .collect();
        assert_eq!(decode_xml(&bytes).unwrap(), xml);
        assert_eq!(decode_xml(xml.as_bytes()).unwrap(), xml);
    }
}
