//! Microsoft's out-of-the-box tenant settings (`seed/graph_defaults.json`): the singletons and
//! default objects every tenant has before anyone changes them (people settings, report
//! settings, cross-tenant access, device registration, Intune's default enrollment
//! configurations...). A seed gives only what differs: its values win, objects are merged key by
//! key, and a seed collection (array) replaces the default one. `{tenantId}` in a default string
//! becomes the tenant's GUID (default enrollment configurations are named after it).

use serde_json::{Map, Value};

/// The defaults, as data.
const GRAPH_DEFAULTS: &str = include_str!("../../seed/graph_defaults.json");

/// `graph` (a tenant's seeded tree) over the defaults.
pub(crate) fn with_defaults(graph: &Value, tenant_id: &str) -> Value {
    let defaults: Value = match serde_json::from_str(GRAPH_DEFAULTS) {
        Ok(v) => v,
        // A unit test parses the shipped file; a broken one leaves the seed as it is.
        Err(_) => return graph.clone(),
    };
    let mut out = fill(&defaults, tenant_id);
    super::standards_endpoints::add_defaults(&mut out);
    super::standards_more::add_defaults(&mut out);
    super::graphstd::add_defaults(&mut out);
    if let (Value::Object(base), Value::Object(seed)) = (&mut out, graph) {
        overlay(base, seed);
        super::standards_more::add_organization_defaults(&mut out);
        out
    } else {
        graph.clone()
    }
}

/// `{tenantId}` replaced in every string of `v`.
fn fill(v: &Value, tenant_id: &str) -> Value {
    match v {
        Value::String(s) => Value::String(s.replace("{tenantId}", tenant_id)),
        Value::Array(items) => Value::Array(items.iter().map(|i| fill(i, tenant_id)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), fill(x, tenant_id)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Lay `seed` over `base`: objects merge, everything else replaces.
fn overlay(base: &mut Map<String, Value>, seed: &Map<String, Value>) {
    for (k, v) in seed {
        match (base.get_mut(k), v) {
            (Some(Value::Object(b)), Value::Object(s)) => overlay(b, s),
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_shipped_defaults_parse() {
        let v: Value = serde_json::from_str(GRAPH_DEFAULTS).unwrap();
        assert!(v["policies"]["deviceRegistrationPolicy"].is_object());
    }

    #[test]
    fn seeds_win_objects_merge_and_ids_name_the_tenant() {
        let seed = json!({
            "admin": {"reportSettings": {"displayConcealedNames": false}},
            "policies": {"b2bManagementPolicies": [{"id": "p"}]},
            "users": [{"id": "u"}]
        });
        let g = with_defaults(&seed, "t-1");
        assert_eq!(g["admin"]["reportSettings"]["displayConcealedNames"], false);
        assert_eq!(
            g["admin"]["people"]["pronouns"]["isEnabledInOrganization"],
            false
        );
        assert_eq!(g["policies"]["b2bManagementPolicies"], json!([{"id": "p"}]));
        assert_eq!(g["users"], json!([{"id": "u"}]));
        let ids: Vec<&str> = g["deviceManagement"]["deviceEnrollmentConfigurations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert!(ids.contains(&"t-1_DefaultPlatformRestrictions"), "{ids:?}");
    }
}
