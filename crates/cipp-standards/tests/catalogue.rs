//! Our catalogue against CIPP's definition files: the same standards with the same facts
//! (names, reads, expected states, writes, variables, tags, licences), in our own words.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use cipp_standards::{Catalogue, Definition};
use serde_json::{Map, Value};

/// Text for people, which the catalogue writes anew.
const PROSE: &[&str] = &["label", "helpText", "executiveText", "docsDescription"];
/// CIPP's UI-only keys, which the catalogue leaves out, and `classicSettings`, which only the
/// catalogue has.
const UI_ONLY: &[&str] = &["impactColour", "addedDate", "classicSettings"];
/// What a variable's `api` keeps: where a picker's values come from.
const API_FACTS: &[&str] = &["url", "labelField", "valueField"];

/// The definition without its prose and UI-only keys: what must match CIPP's.
fn facts(def: &Definition) -> Value {
    let mut v = serde_json::to_value(def).unwrap();
    let top = v.as_object_mut().unwrap();
    for key in PROSE.iter().chain(UI_ONLY) {
        top.remove(*key);
    }
    for var in top["variables"].as_object_mut().unwrap().values_mut() {
        let var = var.as_object_mut().unwrap();
        var.remove("label");
        for option in var["options"].as_array_mut().unwrap() {
            option.as_object_mut().unwrap().remove("label");
        }
        if let Some(Value::Object(api)) = var.get_mut("api") {
            api.retain(|k, _| API_FACTS.contains(&k.as_str()));
        }
    }
    v
}

fn text<'a>(extra: &'a Map<String, Value>, key: &str) -> &'a str {
    extra.get(key).and_then(Value::as_str).unwrap_or_default()
}

#[test]
fn the_catalogue_carries_every_cipp_definition_with_the_same_facts() {
    let ours = Catalogue::builtin();
    let cipp = Catalogue::from_dir(support::cipp_definitions_dir()).unwrap();
    for theirs in cipp.definitions() {
        let mine = ours
            .get(&theirs.name)
            .unwrap_or_else(|| panic!("{} is missing from the catalogue", theirs.name));
        assert_eq!(mine.name, theirs.name, "CIPP's spelling of the name");
        assert_eq!(facts(mine), facts(theirs), "{}", theirs.name);
    }
}

#[test]
fn the_catalogue_speaks_in_its_own_words() {
    let cipp = Catalogue::from_dir(support::cipp_definitions_dir()).unwrap();
    for def in Catalogue::builtin().definitions() {
        for key in ["helpText", "executiveText"] {
            assert!(!text(&def.extra, key).is_empty(), "{}: no {key}", def.name);
        }
        assert!(!def.label.is_empty(), "{}: no label", def.name);
        for (name, var) in &def.variables {
            assert!(var.label.is_some(), "{}.{name}: no label", def.name);
        }
        let Some(theirs) = cipp.get(&def.name) else {
            continue;
        };
        assert_ne!(def.label, theirs.label, "{}: CIPP's label", def.name);
        for key in ["helpText", "executiveText"] {
            assert_ne!(
                text(&def.extra, key),
                text(&theirs.extra, key),
                "{}: CIPP's {key}",
                def.name
            );
        }
    }
}

/// Classic settings fields our definitions do not manage: SpoofWarn's definition sets the
/// external-sender tag on or off, not its allow list; DefenderCompliancePolicy's partner
/// role grant is a Defender role assignment, not a property of the connector.
const NOT_MANAGED: &[(&str, &str)] = &[
    ("SpoofWarn", "AllowListAdd"),
    (
        "DefenderCompliancePolicy",
        "grantMobileThreatDefensePartnerRole",
    ),
    // Remediation always brings a rule of the template's name back to the template (CIPP's
    // default, `overwrite: true`); leaving a differing rule alone is not offered.
    ("TransportRuleTemplate", "overwrite"),
];

/// Every settings field CIPP's classic UI saves for a standard (`standards.json`'s
/// `addedComponent`) fills one of our definition's variables: by the same name in any case,
/// or through `classicSettings`, whose mapped values are among the variable's options.
#[test]
fn classic_template_fields_fill_catalogue_variables() {
    let text = std::fs::read_to_string(support::shared("cipp-data/standards.json")).unwrap();
    let classic: Vec<Value> = serde_json::from_str(&text).unwrap();
    let mut checked = 0;
    for entry in &classic {
        let name = entry["name"]
            .as_str()
            .unwrap()
            .trim_start_matches("standards.");
        let Some(def) = Catalogue::builtin().get(name) else {
            continue;
        };
        for field in entry["addedComponent"].as_array().into_iter().flatten() {
            let Some(full) = field["name"].as_str() else {
                continue;
            };
            let field = full.rsplit('.').next().unwrap();
            // A package reference, expanded into template ids before a run; not a setting.
            if field == "TemplateList-Tags" {
                continue;
            }
            // Classic fields our definition knowingly leaves out (a run ignores them).
            if NOT_MANAGED.contains(&(name, field)) {
                continue;
            }
            checked += 1;
            if def.variables.keys().any(|v| v.eq_ignore_ascii_case(field)) {
                continue;
            }
            let map = def
                .classic_settings
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(field))
                .map(|(_, m)| m)
                .unwrap_or_else(|| panic!("{name}: classic field {field} fills no variable"));
            let var = def
                .variables
                .get(&map.variable)
                .unwrap_or_else(|| panic!("{name}: {field} maps to unknown {}", map.variable));
            let options: Vec<&Value> = var.options.iter().map(|o| &o["value"]).collect();
            for value in map.values.values() {
                assert!(
                    options.is_empty() || options.contains(&value),
                    "{name}: {field} maps to {value}, not an option of {}",
                    map.variable
                );
            }
        }
    }
    assert!(checked > 50, "only {checked} classic fields were checked");
}
