//! Intune assignment filters (`deviceManagement/assignmentFilters`): found by display name
//! (any case), created with `POST`, updated with a `PATCH` of only what differs (description,
//! platform, rule, management type), as CIPP's standard does.

use serde_json::{json, Map, Value};

use crate::client::{DeployOutcome, TemplateClient};
use crate::compare::{Comparison, Difference};
use crate::error::TemplateError;
use crate::models::AssignmentFilterTemplate;

/// The collection (under the beta root).
pub(crate) const FILTERS: &str = "deviceManagement/assignmentFilters";

fn find<'a>(filters: &'a [Value], name: &str) -> Option<&'a Value> {
    filters.iter().find(|f| {
        f["displayName"]
            .as_str()
            .is_some_and(|n| n.trim().eq_ignore_ascii_case(name.trim()))
    })
}

/// What a deploy keeps in line, as Graph names it.
fn maintained(t: &AssignmentFilterTemplate) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        "description".into(),
        json!(t.description.clone().unwrap_or_default()),
    );
    m.insert("platform".into(), json!(t.platform));
    m.insert("rule".into(), json!(t.rule));
    m.insert(
        "assignmentFilterManagementType".into(),
        json!(t.management_type()),
    );
    m
}

/// The maintained properties that differ. Text compares exactly except the platform and
/// management type, which Graph reports in its own letter case; a missing description is an
/// empty one.
fn differences(t: &AssignmentFilterTemplate, live: &Value) -> Vec<Difference> {
    maintained(t)
        .into_iter()
        .filter_map(|(k, want)| {
            let found = live.get(&k).cloned().unwrap_or(Value::Null);
            let (w, f) = (
                want.as_str().unwrap_or_default(),
                found.as_str().unwrap_or_default(),
            );
            let same = match k.as_str() {
                "platform" | "assignmentFilterManagementType" => w.eq_ignore_ascii_case(f),
                _ => w == f,
            };
            (!same).then(|| Difference {
                path: k,
                expected: Some(want),
                found: (!found.is_null()).then_some(found),
            })
        })
        .collect()
}

pub(crate) async fn compare(
    c: &TemplateClient,
    t: &AssignmentFilterTemplate,
) -> Result<Comparison, TemplateError> {
    let filters = c.list(FILTERS, &t.display_name).await?;
    let Some(live) = find(&filters, &t.display_name) else {
        return Ok(Comparison::Missing);
    };
    Ok(Comparison::from_differences(
        live["id"].as_str().unwrap_or_default().to_string(),
        differences(t, live),
    ))
}

pub(crate) async fn deploy(
    c: &TemplateClient,
    t: &AssignmentFilterTemplate,
) -> Result<DeployOutcome, TemplateError> {
    let label = t.display_name.as_str();
    for (field, value) in [("platform", &t.platform), ("rule", &t.rule)] {
        if value.trim().is_empty() {
            return Err(TemplateError::invalid(label, field, "is required"));
        }
    }
    let filters = c.list(FILTERS, label).await?;
    let graph_err = |e| c.graph_error(label, e);
    let Some(live) = find(&filters, label) else {
        let mut body = maintained(t);
        body.insert(
            "@odata.type".into(),
            json!("#microsoft.graph.deviceAndAppManagementAssignmentFilter"),
        );
        body.insert("displayName".into(), json!(t.display_name));
        let created = c
            .graph
            .post(FILTERS, &Value::Object(body))
            .await
            .map_err(graph_err)?;
        c.invalidate(FILTERS);
        return Ok(DeployOutcome::Created {
            id: created["id"].as_str().unwrap_or_default().to_string(),
        });
    };
    let id = live["id"].as_str().unwrap_or_default().to_string();
    let d = differences(t, live);
    if d.is_empty() {
        return Ok(DeployOutcome::Unchanged { id });
    }
    let want = maintained(t);
    let changed: Vec<String> = d.into_iter().map(|d| d.path).collect();
    let body: Map<String, Value> = changed
        .iter()
        .filter_map(|k| Some((k.clone(), want.get(k)?.clone())))
        .collect();
    c.graph
        .patch(&format!("{FILTERS}/{id}"), &Value::Object(body))
        .await
        .map_err(graph_err)?;
    c.invalidate(FILTERS);
    Ok(DeployOutcome::Updated { id, changed })
}

pub(crate) async fn capture(
    c: &TemplateClient,
    id: &str,
) -> Result<AssignmentFilterTemplate, TemplateError> {
    let f = c.graph.get(&format!("{FILTERS}/{id}")).await.map_err(|e| {
        if e.status() == Some(404) {
            TemplateError::NotFound {
                tenant: c.tenant.clone(),
                kind: "assignmentFilter",
                id: id.to_string(),
            }
        } else {
            c.graph_error(id, e)
        }
    })?;
    let text = |k: &str| f[k].as_str().unwrap_or_default().to_string();
    Ok(AssignmentFilterTemplate {
        display_name: text("displayName"),
        description: Some(text("description")),
        platform: text("platform"),
        rule: text("rule"),
        assignment_filter_management_type: Some(text("assignmentFilterManagementType"))
            .filter(|s| !s.is_empty()),
        guid: None,
        extra: Map::new(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn only_what_differs_is_reported() {
        let t: AssignmentFilterTemplate = serde_json::from_value(json!({
            "displayName": "Dell", "platform": "windows10AndLater",
            "rule": "(device.manufacturer -eq \"Dell\")"}))
        .unwrap();
        let live = json!({"displayName": "DELL", "platform": "Windows10AndLater",
            "rule": "(device.manufacturer -eq \"Dell\")", "description": "",
            "assignmentFilterManagementType": "devices"});
        assert!(differences(&t, &live).is_empty());
        let edited = json!({"displayName": "Dell", "platform": "windows10AndLater",
            "rule": "(device.model -eq \"x\")", "assignmentFilterManagementType": "devices"});
        let d = differences(&t, &edited);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].path, "rule");
        assert!(find(&[live], "dell").is_some());
    }
}
