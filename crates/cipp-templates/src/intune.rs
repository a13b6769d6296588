//! Intune: the collection comes from the template's `Type`; policies are matched by name
//! (and `@odata.type` for device configurations and compliance); settings catalog policies
//! are replaced with PUT, administrative templates have their definition values replaced,
//! everything else is PATCHed with the properties that differ.

use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::client::{DeployOptions, DeployOutcome, TemplateClient};
use crate::compare::{diff, Comparison, Difference, Rules};
use crate::error::TemplateError;
use crate::json::{changed_keys, strip_server_fields};
use crate::models::{IntuneKind, IntuneTemplate};

/// What a settings catalog template keeps of a live policy.
const CATALOG_KEEP: [&str; 7] = [
    "name",
    "description",
    "settings",
    "platforms",
    "technologies",
    "templateReference",
    "roleScopeTagIds",
];
/// Read-only properties of app protection policies.
const APP_PROTECTION_READ_ONLY: [&str; 4] =
    ["apps", "assignments", "deploymentSummary", "isAssigned"];
/// Computed display properties of Windows update profiles.
const UPDATE_READ_ONLY: [&str; 4] = [
    "endOfSupportDate",
    "deployableContentDisplayName",
    "releaseDateDisplayName",
    "roleScopeTagIds@odata.type",
];
/// The compliance action Graph requires on create when a template has none: block at once.
fn default_scheduled_actions() -> Value {
    json!([{ "ruleName": "PasswordRequired", "scheduledActionConfigurations": [
        { "actionType": "block", "gracePeriodHours": 0, "notificationTemplateId": "", "notificationMessageCCList": [] }
    ]}])
}

/// Where Graph's group policy definitions live (for `@odata.bind` links).
const DEFINITIONS: &str =
    "https://graph.microsoft.com/beta/deviceManagement/groupPolicyDefinitions";

/// The path of a policy's definition values, with what comparing needs expanded.
fn definition_values_path(collection: &str, id: &str) -> String {
    format!("{collection}/{id}/definitionValues?$expand=definition($select=id),presentationValues($expand=presentation($select=id))")
}

fn settings_path(collection: &str, id: &str) -> String {
    format!("{collection}/{id}/settings")
}

/// The variables of a deploy: `%tenantid%` (GUID), `%tenantfilter%` (the tenant as given),
/// then the caller's.
pub(crate) async fn variables(
    c: &TemplateClient,
    t: &IntuneTemplate,
    options: &DeployOptions,
) -> Result<Vec<(String, String)>, TemplateError> {
    if !t.raw_json.contains('%') {
        return Ok(Vec::new());
    }
    let mut vars = options.variables.clone();
    if t.raw_json.to_ascii_lowercase().contains("%tenantid%") {
        vars.push(("tenantid".into(), c.tenant_id().await?));
    }
    vars.push(("tenantfilter".into(), c.tenant.clone()));
    Ok(vars)
}

/// The template prepared for this tenant.
pub(crate) struct Prepared {
    pub(crate) kind: IntuneKind,
    pub(crate) collection: &'static str,
    /// What the policy should be (for Admin: the shell, `displayName` and `description`).
    desired: Value,
    /// Admin only: the `{added, updated, deletedIds}` payload.
    definition_values: Option<Value>,
}

pub(crate) fn prepare(
    t: &IntuneTemplate,
    vars: &[(String, String)],
) -> Result<Prepared, TemplateError> {
    let label = t.display_name.as_str();
    let payload = t.payload(vars)?;
    if !payload.is_object() {
        return Err(TemplateError::invalid(
            label,
            "RAWJson",
            "the payload is not a JSON object",
        ));
    }
    let kind = t.kind.clone();
    let collection = kind.collection(&payload).ok_or_else(|| {
        TemplateError::invalid(
            label,
            "Type",
            format!("Intune type '{}' has no known Graph collection (or app protection without a platform)", t.kind),
        )
    })?;
    let name_prop = kind.name_property();
    if kind == IntuneKind::Admin {
        let mut shell = Map::new();
        shell.insert("displayName".into(), json!(t.display_name));
        shell.insert(
            "description".into(),
            json!(t.description.clone().unwrap_or_default()),
        );
        for key in ["added", "updated", "deletedIds"] {
            if payload.get(key).is_some_and(|v| !v.is_array()) {
                return Err(TemplateError::invalid(
                    label,
                    format!("RAWJson.{key}"),
                    "expected a list",
                ));
            }
        }
        return Ok(Prepared {
            kind,
            collection,
            desired: Value::Object(shell),
            definition_values: Some(payload),
        });
    }
    let mut desired = strip_server_fields(&payload);
    if let Some(o) = desired.as_object_mut() {
        o.insert(name_prop.into(), json!(t.display_name));
        if let Some(d) = &t.description {
            o.insert("description".into(), json!(d));
        }
        match &kind {
            IntuneKind::Catalog => o.retain(|k, _| CATALOG_KEEP.contains(&k.as_str())),
            IntuneKind::AppProtection(_) => {
                o.retain(|k, _| {
                    !APP_PROTECTION_READ_ONLY
                        .iter()
                        .any(|r| r.eq_ignore_ascii_case(k))
                });
            }
            IntuneKind::Device => {
                o.retain(|k, _| !k.ends_with("WillBeRolledBack") && !k.ends_with("PauseStartDate"))
            }
            IntuneKind::DriverUpdate
            | IntuneKind::FeatureUpdate
            | IntuneKind::QualityUpdatePolicy
            | IntuneKind::QualityUpdateProfile => {
                o.retain(|k, _| !UPDATE_READ_ONLY.contains(&k.as_str()));
            }
            _ => {}
        }
    }
    Ok(Prepared {
        kind,
        collection,
        desired,
        definition_values: None,
    })
}

/// The collections a template needs read.
pub(crate) fn reads(t: &IntuneTemplate) -> Vec<String> {
    // Variables do not change the collection; parse without them.
    let text = crate::models::intune::replace_variables(&t.raw_json, &[]);
    let payload: Value =
        serde_json::from_str(text.trim_start_matches('\u{feff}')).unwrap_or(Value::Null);
    t.kind
        .collection(&payload)
        .map(|c| vec![c.to_string()])
        .unwrap_or_default()
}

/// The live policy a prepared template matches: same name (ignoring case), and for device
/// configurations and compliance the same `@odata.type`.
pub(crate) fn find_live<'a>(items: &'a [Value], p: &Prepared, name: &str) -> Option<&'a Value> {
    let name_prop = p.kind.name_property();
    let want_type = p.desired.get("@odata.type").and_then(Value::as_str);
    let typed = matches!(p.kind, IntuneKind::Device | IntuneKind::Compliance);
    items.iter().find(|i| {
        let same_name = i
            .get(name_prop)
            .and_then(Value::as_str)
            .is_some_and(|n| n.trim().eq_ignore_ascii_case(name.trim()));
        let same_type = match (
            typed,
            want_type,
            i.get("@odata.type").and_then(Value::as_str),
        ) {
            (true, Some(w), Some(h)) => w
                .trim_start_matches('#')
                .eq_ignore_ascii_case(h.trim_start_matches('#')),
            _ => true,
        };
        same_name && same_type
    })
}

/// Read the details a comparison needs for many templates at once: catalog settings and
/// administrative template values of the matched policies, in one `$batch`.
pub(crate) async fn prefetch_details(
    c: &TemplateClient,
    templates: &[&IntuneTemplate],
    options: &DeployOptions,
) {
    let mut paths = Vec::new();
    for t in templates {
        let Ok(vars) = variables(c, t, options).await else {
            continue;
        };
        let Ok(p) = prepare(t, &vars) else { continue };
        let Some(items) = c.cached(p.collection) else {
            continue;
        };
        let Some(live) = find_live(&items, &p, &t.display_name) else {
            continue;
        };
        let id = live["id"].as_str().unwrap_or_default();
        match p.kind {
            IntuneKind::Catalog if live.get("settings").is_none() => {
                paths.push(settings_path(p.collection, id));
            }
            IntuneKind::Admin => paths.push(definition_values_path(p.collection, id)),
            _ => {}
        }
    }
    c.prefetch_paths(paths).await;
}

/// The live policy with what comparing needs (catalog settings read when the listing lacks
/// them).
async fn live_detail(
    c: &TemplateClient,
    p: &Prepared,
    live: &Value,
    label: &str,
) -> Result<Value, TemplateError> {
    let mut live = live.clone();
    if p.kind == IntuneKind::Catalog && live.get("settings").is_none() {
        let id = live["id"].as_str().unwrap_or_default().to_string();
        let settings = c.list(&settings_path(p.collection, &id), label).await?;
        live["settings"] = Value::Array(settings.as_ref().clone());
    }
    Ok(live)
}

/// A definition value in a canonical form: `{definition, enabled, presentationValues}` with
/// ids taken from `@odata.bind` links or expanded objects, presentation values sorted.
fn canonical_definition_value(v: &Value) -> Value {
    let definition = v
        .get("definition@odata.bind")
        .and_then(Value::as_str)
        .and_then(|link| bound_id(link, "groupPolicyDefinitions"))
        .or_else(|| v["definition"]["id"].as_str().map(str::to_string))
        .unwrap_or_default();
    let mut presentations: Vec<Value> = v["presentationValues"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|pv| {
                    let presentation = pv
                        .get("presentation@odata.bind")
                        .and_then(Value::as_str)
                        .and_then(|link| bound_id(link, "presentations"))
                        .or_else(|| pv["presentation"]["id"].as_str().map(str::to_string))
                        .unwrap_or_default();
                    let mut out = Map::new();
                    out.insert(
                        "presentation".into(),
                        json!(presentation.to_ascii_lowercase()),
                    );
                    for key in ["value", "values"] {
                        if let Some(x) = pv.get(key).filter(|x| !x.is_null()) {
                            out.insert(key.into(), x.clone());
                        }
                    }
                    Value::Object(out)
                })
                .collect()
        })
        .unwrap_or_default();
    presentations.sort_by(|a, b| a["presentation"].as_str().cmp(&b["presentation"].as_str()));
    json!({
        "definition": definition.to_ascii_lowercase(),
        "enabled": v.get("enabled").cloned().unwrap_or(Value::Bool(true)),
        "presentationValues": presentations,
    })
}

/// The id in `...{segment}('{id}')` of an `@odata.bind` link.
fn bound_id(link: &str, segment: &str) -> Option<String> {
    let at = link.rfind(&format!("{segment}("))?;
    let rest = &link[at + segment.len() + 1..];
    let end = rest.find(')')?;
    Some(rest[..end].trim_matches('\'').to_string())
}

fn canonical_set(values: &[Value]) -> Value {
    let mut out: Vec<Value> = values.iter().map(canonical_definition_value).collect();
    out.sort_by(|a, b| a["definition"].as_str().cmp(&b["definition"].as_str()));
    Value::Array(out)
}

/// Differences of a prepared template against a live policy.
async fn differences(
    c: &TemplateClient,
    p: &Prepared,
    live: &Value,
    label: &str,
) -> Result<Vec<Difference>, TemplateError> {
    let rules = Rules {
        subset: true,
        ..Rules::default()
    };
    if let Some(values) = &p.definition_values {
        let mut out = diff(&p.desired, live, rules);
        let id = live["id"].as_str().unwrap_or_default();
        let live_values = c
            .list(&definition_values_path(p.collection, id), label)
            .await?;
        let expected = canonical_set(
            values["added"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default(),
        );
        let found = canonical_set(&live_values);
        for mut d in diff(&expected, &found, Rules::default()) {
            d.path = if d.path.is_empty() {
                "definitionValues".into()
            } else {
                format!("definitionValues{}", d.path)
            };
            out.push(d);
        }
        return Ok(out);
    }
    let live = live_detail(c, p, live, label).await?;
    let mut expected = p.desired.clone();
    if let Some(o) = expected.as_object_mut() {
        // Not part of a listed compliance policy; only sent on create.
        o.remove("scheduledActionsForRule");
    }
    Ok(diff(&expected, &live, rules))
}

pub(crate) async fn compare(
    c: &TemplateClient,
    t: &IntuneTemplate,
    options: &DeployOptions,
) -> Result<Comparison, TemplateError> {
    let label = t.display_name.as_str();
    let vars = variables(c, t, options).await?;
    let p = prepare(t, &vars)?;
    let items = c.list(p.collection, label).await?;
    let Some(live) = find_live(&items, &p, label) else {
        return Ok(Comparison::Missing);
    };
    let d = differences(c, &p, live, label).await?;
    Ok(Comparison::from_differences(
        live["id"].as_str().unwrap_or_default().to_string(),
        d,
    ))
}

pub(crate) async fn deploy(
    c: &TemplateClient,
    t: &IntuneTemplate,
    options: &DeployOptions,
) -> Result<DeployOutcome, TemplateError> {
    let label = t.display_name.as_str();
    let vars = variables(c, t, options).await?;
    let p = prepare(t, &vars)?;
    let items: Arc<Vec<Value>> = c.list(p.collection, label).await?;
    let graph_err = |e| c.graph_error(label, e);
    let Some(live) = find_live(&items, &p, label).cloned() else {
        // Create.
        let mut body = p.desired.clone();
        if p.kind == IntuneKind::Compliance
            && body
                .get("scheduledActionsForRule")
                .is_none_or(crate::compare::is_empty)
        {
            body["scheduledActionsForRule"] = default_scheduled_actions();
        }
        let created = c.graph.post(p.collection, &body).await.map_err(graph_err)?;
        let id = created["id"].as_str().unwrap_or_default().to_string();
        if let Some(values) = &p.definition_values {
            let update = json!({
                "added": values.get("added").cloned().unwrap_or_else(|| json!([])),
                "updated": values.get("updated").cloned().unwrap_or_else(|| json!([])),
                "deletedIds": [],
            });
            c.graph
                .post(
                    &format!("{}/{id}/updateDefinitionValues", p.collection),
                    &update,
                )
                .await
                .map_err(graph_err)?;
        }
        c.invalidate(p.collection);
        return Ok(DeployOutcome::Created { id });
    };
    let id = live["id"].as_str().unwrap_or_default().to_string();
    let d = differences(c, &p, &live, label).await?;
    if d.is_empty() {
        return Ok(DeployOutcome::Unchanged { id });
    }
    let changed = changed_keys(&d);
    let path = format!("{}/{id}", p.collection);
    match p.kind {
        IntuneKind::Catalog => {
            c.graph.put(&path, &p.desired).await.map_err(graph_err)?;
        }
        IntuneKind::Admin => {
            let shell_changed: Map<String, Value> = changed
                .iter()
                .filter(|k| *k != "definitionValues")
                .filter_map(|k| Some((k.clone(), p.desired.get(k)?.clone())))
                .collect();
            if !shell_changed.is_empty() {
                c.graph
                    .patch(&path, &Value::Object(shell_changed))
                    .await
                    .map_err(graph_err)?;
            }
            if changed.iter().any(|k| k == "definitionValues") {
                let values_path = definition_values_path(p.collection, &id);
                let existing = c.list(&values_path, label).await?;
                let deleted: Vec<Value> = existing
                    .iter()
                    .filter_map(|v| v.get("id").cloned())
                    .collect();
                let values = p.definition_values.clone().unwrap_or_default();
                let update = json!({
                    "added": values.get("added").cloned().unwrap_or_else(|| json!([])),
                    "updated": [],
                    "deletedIds": deleted,
                });
                c.graph
                    .post(&format!("{path}/updateDefinitionValues"), &update)
                    .await
                    .map_err(graph_err)?;
                c.invalidate(&values_path);
            }
        }
        _ => {
            let mut body = Map::new();
            if let Some(t) = p.desired.get("@odata.type") {
                body.insert("@odata.type".into(), t.clone());
            }
            for k in &changed {
                if k == "scheduledActionsForRule" {
                    continue;
                }
                body.insert(k.clone(), p.desired.get(k).cloned().unwrap_or(Value::Null));
            }
            c.graph
                .patch(&path, &Value::Object(body))
                .await
                .map_err(graph_err)?;
        }
    }
    c.invalidate(p.collection);
    if p.kind == IntuneKind::Catalog {
        c.invalidate(&settings_path(p.collection, &id));
    }
    Ok(DeployOutcome::Updated { id, changed })
}

pub(crate) async fn capture(c: &TemplateClient, id: &str) -> Result<IntuneTemplate, TemplateError> {
    let requests = IntuneKind::COLLECTIONS
        .iter()
        .enumerate()
        .map(|(i, coll)| cipp_graph::BatchRequest::get(i.to_string(), format!("/{coll}/{id}")));
    let results = c
        .graph
        .batch(requests)
        .await
        .map_err(|e| c.graph_error(id, e))?;
    let found = IntuneKind::COLLECTIONS
        .iter()
        .enumerate()
        .find_map(|(i, coll)| {
            let r = results.get(&i.to_string())?;
            r.is_success().then(|| (*coll, r.body.clone()))
        });
    let Some((collection, live)) = found else {
        return Err(TemplateError::NotFound {
            tenant: c.tenant.clone(),
            kind: "intunePolicy",
            id: id.to_string(),
        });
    };
    // The collection names a known kind (it came from the list of them).
    let kind =
        IntuneKind::from_collection(collection).unwrap_or(IntuneKind::Unknown(collection.into()));
    let name = live
        .get(kind.name_property())
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let description = live
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_string);
    let payload = match &kind {
        IntuneKind::Admin => {
            let values = c
                .list(&definition_values_path(collection, id), &name)
                .await?;
            let added: Vec<Value> = values
                .iter()
                .map(|v| {
                    let canon = canonical_definition_value(v);
                    let def = canon["definition"].as_str().unwrap_or_default();
                    let originals = v["presentationValues"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default();
                    let presentations: Vec<Value> = originals
                        .iter()
                        .map(|pv| {
                            let pid = pv["presentation"]["id"].as_str().unwrap_or_default();
                            let mut out = Map::new();
                            if let Some(t) = pv.get("@odata.type") {
                                out.insert("@odata.type".into(), t.clone());
                            }
                            for key in ["value", "values"] {
                                if let Some(x) = pv.get(key).filter(|x| !x.is_null()) {
                                    out.insert(key.into(), x.clone());
                                }
                            }
                            out.insert(
                                "presentation@odata.bind".into(),
                                json!(format!("{DEFINITIONS}('{def}')/presentations('{pid}')")),
                            );
                            Value::Object(out)
                        })
                        .collect();
                    json!({
                        "enabled": canon["enabled"],
                        "presentationValues": presentations,
                        "definition@odata.bind": format!("{DEFINITIONS}('{def}')"),
                    })
                })
                .collect();
            json!({"added": added, "updated": [], "deletedIds": []})
        }
        IntuneKind::Catalog => {
            let mut live = live.clone();
            if live.get("settings").is_none() {
                let settings = c.list(&settings_path(collection, id), &name).await?;
                live["settings"] = Value::Array(settings.as_ref().clone());
            }
            let mut v = strip_server_fields(&live);
            if let Some(o) = v.as_object_mut() {
                o.retain(|k, _| CATALOG_KEEP.contains(&k.as_str()));
            }
            v
        }
        IntuneKind::Compliance => {
            let mut v = strip_server_fields(&live);
            if let Some(o) = v.as_object_mut() {
                if let Some(actions) = o.get("scheduledActionsForRule").cloned() {
                    o.insert("scheduledActionsForRule".into(), strip_ids(&actions));
                }
            }
            v
        }
        IntuneKind::AppProtection(_) => {
            let mut v = strip_server_fields(&live);
            if let Some(o) = v.as_object_mut() {
                o.retain(|k, _| {
                    !APP_PROTECTION_READ_ONLY
                        .iter()
                        .any(|r| r.eq_ignore_ascii_case(k))
                });
            }
            v
        }
        _ => strip_server_fields(&live),
    };
    let mut t = IntuneTemplate::new(name, description, kind, &payload);
    t.guid = Some(uuid::Uuid::new_v4().to_string());
    Ok(t)
}

/// `id` removed at every depth.
fn strip_ids(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(k, _)| k.as_str() != "id")
                .map(|(k, v)| (k.clone(), strip_ids(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip_ids).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definition_values_compare_by_ids() {
        let template = json!({"enabled": true, "definition@odata.bind": "https://graph.microsoft.com/beta/deviceManagement/groupPolicyDefinitions('AB')",
            "presentationValues": [{"@odata.type": "#x", "value": "1", "presentation@odata.bind": "https://graph.microsoft.com/beta/deviceManagement/groupPolicyDefinitions('AB')/presentations('P1')"}]});
        let live = json!({"id": "v1", "enabled": true, "definition": {"id": "ab"}, "presentationValues": [{"id": "x", "value": "1", "presentation": {"id": "p1"}}]});
        assert_eq!(
            canonical_definition_value(&template),
            canonical_definition_value(&live)
        );
        assert_eq!(
            bound_id(
                "x/groupPolicyDefinitions('A')/presentations('B')",
                "presentations"
            )
            .as_deref(),
            Some("B")
        );
    }
}
