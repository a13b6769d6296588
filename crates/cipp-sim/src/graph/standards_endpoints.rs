//! What the code standards of cipp-standards need from Graph beyond the generic store: the
//! out-of-the-box objects they read (`seed/standards_defaults.json`, laid under every
//! tenant's tree) and their demo data (`seed/standards.json`, an overlay of the demo seed).
//! Reads and writes themselves are the generic store's (PATCH merges, PUT replaces, POST
//! creates), so remediation changes what the next collection sees.

use serde_json::{Map, Value};

/// The defaults, as data.
const STANDARDS_DEFAULTS: &str = include_str!("../../seed/standards_defaults.json");

/// The demo overlay (see `seed_overlay.rs` for the format).
pub(crate) const STANDARDS_SEED: &str = include_str!("../../seed/standards.json");

/// Add the defaults to a tenant's tree wherever it has no value of its own.
pub(crate) fn add_defaults(tree: &mut Value) {
    let Ok(defaults) = serde_json::from_str::<Value>(STANDARDS_DEFAULTS) else {
        return; // a unit test parses the shipped file
    };
    if let (Value::Object(tree), Some(Value::Object(d))) = (tree, defaults.get("graph")) {
        fill_missing(tree, d);
    }
}

/// `defaults` laid under `tree`: keys it lacks are added, objects merged key by key, and
/// every value it has (lists included) kept.
pub(super) fn fill_missing(tree: &mut Map<String, Value>, defaults: &Map<String, Value>) {
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
    fn defaults_fill_only_what_is_missing() {
        let mut tree = json!({"policies": {"adminConsentRequestPolicy": {"isEnabled": true}}});
        add_defaults(&mut tree);
        assert_eq!(
            tree["policies"]["adminConsentRequestPolicy"]["isEnabled"],
            true
        );
        assert_eq!(tree["policies"]["activityBasedTimeoutPolicies"], json!([]));
        let overlay: Value = serde_json::from_str(STANDARDS_SEED).unwrap();
        assert!(overlay["tenants"].is_object());
    }
}
