//! Out-of-the-box objects of the Graph standards added after the first catalogue (Intune's
//! default branding profile, the Defender connector collection, permission grant policies),
//! as data in `seed/standards_more_defaults.json`, laid under every tenant's tree where it
//! has no value of its own. Reads and writes are the generic store's, so remediation changes
//! what the next collection sees.

use serde_json::{Map, Value};

/// The defaults, as data.
const DEFAULTS: &str = include_str!("../../seed/standards_more_defaults.json");

/// Add the defaults to a tenant's tree wherever it has no value of its own.
pub(crate) fn add_defaults(tree: &mut Value) {
    let Ok(defaults) = serde_json::from_str::<Value>(DEFAULTS) else {
        return; // a unit test parses the shipped file
    };
    if let (Value::Object(tree), Some(Value::Object(d))) = (tree, defaults.get("graph")) {
        fill_missing(tree, d);
    }
}

fn fill_missing(tree: &mut Map<String, Value>, defaults: &Map<String, Value>) {
    for (k, v) in defaults {
        match (tree.get_mut(k), v) {
            (Some(Value::Object(t)), Value::Object(d)) => fill_missing(t, d),
            (Some(_), _) => {}
            (None, _) => {
                tree.insert(k.clone(), v.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_shipped_defaults_parse_and_fill_only_what_is_missing() {
        assert!(serde_json::from_str::<Value>(DEFAULTS).is_ok());
        let mut tree = json!({"deviceManagement": {"mobileThreatDefenseConnectors": [{"id": "x"}]}});
        add_defaults(&mut tree);
        assert_eq!(
            tree["deviceManagement"]["mobileThreatDefenseConnectors"],
            json!([{"id": "x"}])
        );
        assert_eq!(
            tree["deviceManagement"]["intuneBrandingProfiles"][0]["isDefaultProfile"],
            true
        );
    }
}
