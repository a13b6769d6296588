//! Policy collections every tenant has even when its seed leaves them out (Intune's
//! `deviceManagement/*` and `deviceAppManagement/*`, Conditional Access policies and named
//! locations): they read empty and the first POST creates them. And Intune's actions the
//! generic store cannot express: `groupPolicyConfigurations/{id}/updateDefinitionValues`, and
//! `{policy}/assign` (replaces the policy's `assignments`, which read empty until then).

use serde_json::{json, Map, Value};

use super::call::GraphCall;
use super::errors;
use super::read::missing;
use super::store::{Step, TenantStore, Walk};
use crate::clock::{rfc3339, unix_now};
use crate::reply::Reply;

/// Collections that exist in every tenant.
const WELL_KNOWN: [&str; 14] = [
    "identity/conditionalAccess/policies",
    "identity/conditionalAccess/namedLocations",
    "deviceManagement/configurationPolicies",
    "deviceManagement/deviceConfigurations",
    "deviceManagement/deviceCompliancePolicies",
    "deviceManagement/groupPolicyConfigurations",
    "deviceManagement/windowsDriverUpdateProfiles",
    "deviceManagement/windowsFeatureUpdateProfiles",
    "deviceManagement/windowsQualityUpdatePolicies",
    "deviceManagement/windowsQualityUpdateProfiles",
    "deviceAppManagement/iosManagedAppProtections",
    "deviceAppManagement/androidManagedAppProtections",
    "deviceAppManagement/windowsManagedAppProtections",
    "deviceAppManagement/mobileAppConfigurations",
];

fn well_known(segs: &[String]) -> Option<&'static str> {
    WELL_KNOWN.iter().copied().find(|w| {
        let parts: Vec<&str> = w.split('/').collect();
        parts.len() == segs.len()
            && parts
                .iter()
                .zip(segs)
                .all(|(a, b)| a.eq_ignore_ascii_case(b))
    })
}

/// Whether `segs` names a well-known collection the tenant's tree does not hold yet.
pub(crate) fn is_absent(store: &TenantStore, segs: &[String]) -> bool {
    well_known(segs).is_some() && matches!(store.walk(segs), Walk::Missing { .. })
}

/// Create the absent well-known collection `segs` names (objects on the way included).
pub(crate) fn create(store: &mut TenantStore, segs: &[String]) {
    let Some(path) = well_known(segs) else {
        return;
    };
    if !is_absent(store, segs) {
        return;
    }
    let parts: Vec<&str> = path.split('/').collect();
    let mut cur = &mut store.root;
    for (i, part) in parts.iter().enumerate() {
        let Value::Object(o) = cur else {
            return;
        };
        let key = o
            .keys()
            .find(|k| k.eq_ignore_ascii_case(part))
            .cloned()
            .unwrap_or_else(|| (*part).to_string());
        let last = i + 1 == parts.len();
        cur = o.entry(key).or_insert_with(|| {
            if last {
                Value::Array(Vec::new())
            } else {
                Value::Object(Map::new())
            }
        });
    }
}

/// The id in `...{segment}('{id}')` of an `@odata.bind` link.
fn bound_id(link: &str, segment: &str) -> Option<String> {
    let at = link.rfind(&format!("{segment}("))?;
    let rest = &link[at + segment.len() + 1..];
    let end = rest.find(')')?;
    Some(rest[..end].trim_matches('\'').to_string())
}

/// A definition value as Graph lists it (definition and presentations expanded to their
/// ids), from the `added` form with `@odata.bind` links.
fn definition_value(added: &Value, id: Option<&str>) -> Value {
    let definition = added
        .get("definition@odata.bind")
        .and_then(Value::as_str)
        .and_then(|l| bound_id(l, "groupPolicyDefinitions"))
        .unwrap_or_default();
    let presentations: Vec<Value> = added["presentationValues"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|pv| {
                    let mut out = Map::new();
                    out.insert("id".into(), json!(uuid::Uuid::new_v4().to_string()));
                    for (k, v) in pv.as_object().into_iter().flatten() {
                        if !k.ends_with("@odata.bind") {
                            out.insert(k.clone(), v.clone());
                        }
                    }
                    let presentation = pv
                        .get("presentation@odata.bind")
                        .and_then(Value::as_str)
                        .and_then(|l| bound_id(l, "presentations"))
                        .unwrap_or_default();
                    out.insert("presentation".into(), json!({ "id": presentation }));
                    Value::Object(out)
                })
                .collect()
        })
        .unwrap_or_default();
    json!({
        "id": id.map(str::to_string).unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        "enabled": added.get("enabled").cloned().unwrap_or(Value::Bool(true)),
        "createdDateTime": rfc3339(unix_now()),
        "definition": { "id": definition },
        "presentationValues": presentations,
    })
}

/// `POST .../groupPolicyConfigurations/{id}/updateDefinitionValues` with `{added, updated,
/// deletedIds}`: removes, replaces and adds the policy's `definitionValues`.
pub(crate) fn update_definition_values(
    store: &mut TenantStore,
    policy: &[String],
    call: &GraphCall,
) -> Reply {
    let walk = store.walk(policy);
    if let Some(r) = missing(store, policy, &walk) {
        return r;
    }
    let Walk::Found(mut steps) = walk else {
        return errors::not_found(&policy.join("/"));
    };
    let Some(body) = call.body.as_ref().filter(|b| b.is_object()) else {
        return errors::bad_request(
            "BadRequest",
            "updateDefinitionValues needs a JSON object body.",
        );
    };
    let list = |k: &str| {
        body.get(k)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let (added, updated, deleted) = (list("added"), list("updated"), list("deletedIds"));
    let Some(Value::Object(item)) = store.get_mut(&steps) else {
        return errors::method_not_allowed("POST", "updateDefinitionValues");
    };
    let key = item
        .keys()
        .find(|k| k.eq_ignore_ascii_case("definitionValues"))
        .cloned()
        .unwrap_or_else(|| "definitionValues".to_string());
    let values = item
        .entry(key.clone())
        .or_insert_with(|| Value::Array(Vec::new()));
    let Value::Array(values) = values else {
        return errors::method_not_allowed("POST", "updateDefinitionValues");
    };
    let same = |v: &Value, id: &str| v["id"].as_str().is_some_and(|x| x.eq_ignore_ascii_case(id));
    for id in deleted.iter().filter_map(Value::as_str) {
        values.retain(|v| !same(v, id));
    }
    for u in &updated {
        let Some(id) = u["id"].as_str() else { continue };
        if let Some(v) = values.iter_mut().find(|v| same(v, id)) {
            let definition = v["definition"].clone();
            *v = definition_value(u, Some(id));
            if v["definition"]["id"] == "" {
                v["definition"] = definition;
            }
        }
    }
    values.extend(added.iter().map(|a| definition_value(a, None)));
    steps.push(Step::Key(key));
    store.touch(&steps);
    Reply::empty(204)
}

/// The policy's `assignments`, made empty when it has none yet: `None` when `policy` names
/// no item.
fn assignments_of<'a>(
    store: &'a mut TenantStore,
    policy: &[String],
) -> Result<(&'a mut Vec<Value>, Vec<Step>), Reply> {
    let walk = store.walk(policy);
    if let Some(r) = missing(store, policy, &walk) {
        return Err(r);
    }
    let Walk::Found(mut steps) = walk else {
        return Err(errors::not_found(&policy.join("/")));
    };
    let Some(Value::Object(item)) = store.get_mut(&steps) else {
        return Err(errors::not_found(&policy.join("/")));
    };
    let key = item
        .keys()
        .find(|k| k.eq_ignore_ascii_case("assignments"))
        .cloned()
        .unwrap_or_else(|| "assignments".to_string());
    steps.push(Step::Key(key.clone()));
    match item.entry(key).or_insert_with(|| json!([])) {
        Value::Array(a) => Ok((a, steps)),
        _ => Err(errors::bad_request(
            "BadRequest",
            "assignments is not a list",
        )),
    }
}

/// `GET {policy}/assignments`: the policy's assignments (empty before the first `assign`).
pub(crate) fn list_assignments(store: &mut TenantStore, policy: &[String]) -> Reply {
    match assignments_of(store, policy) {
        Ok((a, _)) => Reply::json(200, json!({"value": a.clone()})),
        Err(r) => r,
    }
}

/// `POST {policy}/assign {"assignments": [{"target": {...}}]}`: replaces the policy's
/// assignments; each target must have an `@odata.type`, group targets a `groupId`.
pub(crate) fn assign(store: &mut TenantStore, policy: &[String], call: &GraphCall) -> Reply {
    let Some(given) = call
        .body
        .as_ref()
        .and_then(|b| b.get("assignments"))
        .and_then(Value::as_array)
        .cloned()
    else {
        return errors::bad_request("BadRequest", "assign needs an 'assignments' list.");
    };
    let mut made = Vec::with_capacity(given.len());
    for a in &given {
        let target = &a["target"];
        let Some(kind) = target["@odata.type"].as_str() else {
            return errors::bad_request(
                "BadRequest",
                "Each assignment needs a target with an '@odata.type'.",
            );
        };
        if kind.to_ascii_lowercase().contains("groupassignmenttarget")
            && target["groupId"].as_str().is_none_or(str::is_empty)
        {
            return errors::bad_request(
                "BadRequest",
                "A group assignment target needs a 'groupId'.",
            );
        }
        let mut row = a.clone();
        row["id"] = json!(uuid::Uuid::new_v4().to_string());
        made.push(row);
    }
    let (list, steps) = match assignments_of(store, policy) {
        Ok(x) => x,
        Err(r) => return r,
    };
    *list = made.clone();
    store.touch(&steps);
    Reply::json(200, json!({"value": made}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_collections_are_created_on_demand() {
        let mut s = TenantStore::new(json!({"deviceManagement": {"other": 1}}));
        let segs: Vec<String> = ["devicemanagement", "configurationPolicies"]
            .iter()
            .map(|x| x.to_string())
            .collect();
        assert!(is_absent(&s, &segs));
        create(&mut s, &segs);
        assert!(!is_absent(&s, &segs));
        assert_eq!(
            s.root["deviceManagement"]["configurationPolicies"],
            json!([])
        );
        assert_eq!(s.root["deviceManagement"]["other"], 1);
        let v = definition_value(
            &json!({"enabled": true, "definition@odata.bind": "https://g/beta/deviceManagement/groupPolicyDefinitions('d1')",
                "presentationValues": [{"value": "x", "presentation@odata.bind": "https://g/groupPolicyDefinitions('d1')/presentations('p1')"}]}),
            None,
        );
        assert_eq!(v["definition"]["id"], "d1");
        assert_eq!(v["presentationValues"][0]["presentation"]["id"], "p1");
        assert_eq!(v["presentationValues"][0]["value"], "x");
    }
}
