//! Our catalogue against CIPP's definition files: the same standards with the same facts
//! (names, reads, expected states, writes, variables, tags, licences), in our own words.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use cipp_standards::{Catalogue, Definition};
use serde_json::{Map, Value};

/// Text for people, which the catalogue writes anew.
const PROSE: &[&str] = &["label", "helpText", "executiveText", "docsDescription"];
/// CIPP's UI-only keys, which the catalogue leaves out.
const UI_ONLY: &[&str] = &["impactColour", "addedDate"];
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
