//! Intune reusable policy settings (`deviceManagement/reusablePolicySettings`): found by
//! display name (any case), created with `POST`, replaced with `PUT` when the template's
//! properties differ (Intune takes no `PATCH` of a setting instance), as CIPP's standard does.

use serde_json::Value;

use crate::client::{DeployOutcome, TemplateClient};
use crate::compare::{diff, Comparison, Difference, Rules};
use crate::error::TemplateError;
use crate::models::ReusableSettingTemplate;

/// The collection (under the beta root).
const SETTINGS: &str = "deviceManagement/reusablePolicySettings";

/// The read: Graph's list leaves `settingInstance` out unless it is selected.
pub(crate) const SETTINGS_READ: &str = "deviceManagement/reusablePolicySettings?$select=id,displayName,description,settingDefinitionId,settingInstance,version";

fn find<'a>(settings: &'a [Value], name: &str) -> Option<&'a Value> {
    settings.iter().find(|s| {
        s["displayName"]
            .as_str()
            .is_some_and(|n| n.trim().eq_ignore_ascii_case(name.trim()))
    })
}

fn differences(payload: &serde_json::Map<String, Value>, live: &Value) -> Vec<Difference> {
    let rules = Rules {
        subset: true,
        ..Rules::default()
    };
    diff(&Value::Object(payload.clone()), live, rules)
}

pub(crate) async fn compare(
    c: &TemplateClient,
    t: &ReusableSettingTemplate,
) -> Result<Comparison, TemplateError> {
    let payload = t.payload()?;
    let settings = c.list(SETTINGS_READ, &t.display_name).await?;
    let Some(live) = find(&settings, &t.display_name) else {
        return Ok(Comparison::Missing);
    };
    Ok(Comparison::from_differences(
        live["id"].as_str().unwrap_or_default().to_string(),
        differences(&payload, live),
    ))
}

pub(crate) async fn deploy(
    c: &TemplateClient,
    t: &ReusableSettingTemplate,
) -> Result<DeployOutcome, TemplateError> {
    let label = t.display_name.as_str();
    let payload = t.payload()?;
    if !payload.contains_key("settingInstance") {
        return Err(TemplateError::invalid(
            label,
            "RawJSON.settingInstance",
            "a reusable setting needs its setting instance",
        ));
    }
    let settings = c.list(SETTINGS_READ, label).await?;
    let graph_err = |e| c.graph_error(label, e);
    let Some(live) = find(&settings, label) else {
        let created = c
            .graph
            .post(SETTINGS, &Value::Object(payload))
            .await
            .map_err(graph_err)?;
        c.invalidate(SETTINGS_READ);
        return Ok(DeployOutcome::Created {
            id: created["id"].as_str().unwrap_or_default().to_string(),
        });
    };
    let id = live["id"].as_str().unwrap_or_default().to_string();
    let d = differences(&payload, live);
    if d.is_empty() {
        return Ok(DeployOutcome::Unchanged { id });
    }
    let changed = crate::json::changed_keys(&d);
    c.graph
        .put(&format!("{SETTINGS}/{id}"), &Value::Object(payload))
        .await
        .map_err(graph_err)?;
    c.invalidate(SETTINGS_READ);
    Ok(DeployOutcome::Updated { id, changed })
}

pub(crate) async fn capture(
    c: &TemplateClient,
    id: &str,
) -> Result<ReusableSettingTemplate, TemplateError> {
    let s = c
        .graph
        .get(&format!("{SETTINGS}/{id}"))
        .await
        .map_err(|e| {
            if e.status() == Some(404) {
                TemplateError::NotFound {
                    tenant: c.tenant.clone(),
                    kind: "reusablePolicySetting",
                    id: id.to_string(),
                }
            } else {
                c.graph_error(id, e)
            }
        })?;
    let text = |k: &str| s[k].as_str().unwrap_or_default().to_string();
    let mut t = ReusableSettingTemplate {
        display_name: text("displayName"),
        description: Some(text("description")),
        raw_json: s.to_string(),
        guid: None,
        extra: serde_json::Map::new(),
    };
    // The live object without its read-only properties is what the template deploys.
    t.raw_json = Value::Object(t.payload()?).to_string();
    Ok(t)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn the_payload_is_the_raw_json_under_the_templates_name() {
        let t: ReusableSettingTemplate = serde_json::from_value(json!({
            "DisplayName": "USB", "Description": "Approved",
            "RawJSON": "{\"id\":\"x\",\"displayName\":\"old\",\"settingDefinitionId\":\"d\",\"settingInstance\":{\"a\":1}}"
        }))
        .unwrap();
        let p = t.payload().unwrap();
        assert_eq!(p["displayName"], "USB");
        assert_eq!(p["description"], "Approved");
        assert!(!p.contains_key("id"));
        let live = json!({"id": "1", "displayName": "USB", "description": "Approved",
            "settingDefinitionId": "d", "settingInstance": {"a": 1}, "version": 3});
        assert!(differences(&p, &live).is_empty());
        assert!(find(&[live], "usb").is_some());
        let bad: ReusableSettingTemplate =
            serde_json::from_value(json!({"DisplayName": "x", "RawJSON": "{"})).unwrap();
        assert!(bad.payload().is_err());
    }
}
