//! Seed overlays: data layered over a seed without editing it, so that a feature's demo data
//! (the alert rules' expiring secrets, sign-in activity, MX records...) lives in its own file.
//!
//! An overlay is `{"tenants": {"<tenant id>": {"graph": {...}, "exchange": {...}}}}`. Objects
//! merge key by key; arrays whose items all have an `id` merge item by item (same `id`, in any
//! case, merges; a new `id` is appended); anything else replaces.

use serde_json::Value;

use crate::seed::Seed;
use crate::SimError;

/// The alert rules' demo data, layered over the built-in seed by [`Seed::demo`].
pub const ALERTS_SEED: &str = include_str!("../seed/alerts.json");
/// The compromised-account (BEC) demo data, layered over the built-in seed by [`Seed::demo`].
pub const BEC_SEED: &str = include_str!("../seed/bec.json");

/// Company branding with custom CSS (the phishing-protection standard's demo data).
pub(crate) const BRANDING_SEED: &str = include_str!("../seed/branding.json");

/// Unified audit log records the audit-log searches find (`security/auditLog/queries`).
pub const AUDIT_LOG_SEED: &str = include_str!("../seed/audit_log.json");

fn id_of(v: &Value) -> Option<String> {
    v.get("id")
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
}

/// Merge `over` into `base`.
pub(crate) fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (Value::Array(b), Value::Array(o))
            if b.iter().chain(o.iter()).all(|x| id_of(x).is_some()) =>
        {
            for item in o {
                match b.iter_mut().find(|x| id_of(x) == id_of(item)) {
                    Some(slot) => {
                        // The base's spelling of the id stays.
                        let id = slot.get("id").cloned();
                        merge(slot, item);
                        if let (Some(id), Value::Object(o)) = (id, slot) {
                            o.insert("id".into(), id);
                        }
                    }
                    None => b.push(item.clone()),
                }
            }
        }
        (b, o) => *b = o.clone(),
    }
}

impl Seed {
    /// Layer an overlay (JSON text, see the module docs) over this seed. A tenant id the
    /// seed does not have is an error.
    ///
    /// ```
    /// let mut seed = cipp_sim::Seed::from_json(cipp_sim::DEFAULT_SEED).unwrap();
    /// seed.apply_overlay(cipp_sim::ALERTS_SEED).unwrap();
    /// assert!(seed.customers[0].graph["applications"].is_array());
    /// ```
    pub fn apply_overlay(&mut self, text: &str) -> Result<(), SimError> {
        let overlay: Value =
            serde_json::from_str(text).map_err(|e| SimError::Seed(format!("overlay: {e}")))?;
        let Some(tenants) = overlay.get("tenants").and_then(Value::as_object) else {
            return Err(SimError::Seed("overlay: no \"tenants\" object".into()));
        };
        for (id, layer) in tenants {
            let tenant = std::iter::once(&mut self.partner)
                .chain(self.customers.iter_mut())
                .chain(self.others.iter_mut())
                .find(|t| t.id.eq_ignore_ascii_case(id))
                .ok_or_else(|| SimError::Seed(format!("overlay: no tenant {id}")))?;
            if let Some(g) = layer.get("graph") {
                if tenant.graph.is_null() {
                    tenant.graph = Value::Object(Default::default());
                }
                merge(&mut tenant.graph, g);
            }
            if let Some(x) = layer.get("exchange") {
                if tenant.exchange.is_null() {
                    tenant.exchange = Value::Object(Default::default());
                }
                merge(&mut tenant.exchange, x);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merges_objects_and_id_arrays() {
        let mut base = json!({"users": [{"id": "A", "n": 1}], "org": {"x": 1}, "list": [1, 2]});
        merge(
            &mut base,
            &json!({"users": [{"id": "a", "m": 2}, {"id": "b"}], "org": {"y": 2}, "list": [3], "new": true}),
        );
        assert_eq!(
            base,
            json!({"users": [{"id": "A", "n": 1, "m": 2}, {"id": "b"}], "org": {"x": 1, "y": 2}, "list": [3], "new": true})
        );
    }

    #[test]
    fn the_alerts_overlay_applies_to_the_demo_seed() {
        let mut seed = Seed::from_json(crate::DEFAULT_SEED).unwrap();
        let users = seed.customers[0].graph["users"].as_array().unwrap().len();
        seed.apply_overlay(ALERTS_SEED).unwrap();
        assert_eq!(
            seed.customers[0].graph["users"].as_array().unwrap().len(),
            users,
            "no users added"
        );
        assert!(seed.customers[0].graph["users"][0]["signInActivity"].is_object());
        assert!(seed.apply_overlay(r#"{"tenants": {"nope": {}}}"#).is_err());
    }

    #[test]
    fn the_bec_overlay_adds_no_users_and_applies_after_the_alerts_one() {
        let mut seed = Seed::from_json(crate::DEFAULT_SEED).unwrap();
        let users = seed.customers[0].graph["users"].as_array().unwrap().len();
        seed.apply_overlay(ALERTS_SEED).unwrap();
        seed.apply_overlay(BEC_SEED).unwrap();
        assert_eq!(
            seed.customers[0].graph["users"].as_array().unwrap().len(),
            users
        );
        assert!(seed.customers[0].graph["auditLogs"]["signIns"].is_array());
        assert!(seed.customers[0].exchange["InboxRule"].is_array());
    }
}
