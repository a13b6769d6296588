//! `DisableM365GroupUsers`: only administrators create Microsoft 365 groups.

use serde_json::{json, Value};

use super::util::{graph, single};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// The directory setting template "Group.Unified".
const TEMPLATE: &str = "62375ab9-6b52-47ed-826b-58e47e0e304b";

/// The "Group.Unified" directory setting has `EnableGroupCreation` = `false`, so only
/// administrators create Microsoft 365 groups (and so Teams and SharePoint sites). The setting
/// is created (`POST settings`) when the tenant has none, else its values are written back
/// with that one changed (`PATCH settings/{id}`; the others, such as an allowed group, kept).
#[derive(Debug, Clone, Copy, Default)]
pub struct DisableM365GroupUsers;

impl Standard for DisableM365GroupUsers {
    fn name(&self) -> &'static str {
        "DisableM365GroupUsers"
    }
    fn label(&self) -> &'static str {
        "Only administrators create Microsoft 365 groups"
    }
    fn category(&self) -> &'static str {
        "Entra (AAD) Standards"
    }
    fn description(&self) -> &'static str {
        "Stops users creating Microsoft 365 groups (and with them Teams, SharePoint sites and \
         plans); administrators still can."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["Settings"]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let existing = input.rows("Settings").iter().find(|s| {
            s["templateId"]
                .as_str()
                .is_some_and(|t| t.eq_ignore_ascii_case(TEMPLATE))
        });
        let values: Vec<Value> = existing
            .and_then(|s| s["values"].as_array().cloned())
            .unwrap_or_default();
        let creation = values
            .iter()
            .find(|v| v["name"].as_str() == Some("EnableGroupCreation"))
            .and_then(|v| v["value"].as_str())
            .map(|v| v.eq_ignore_ascii_case("true"));
        let current = json!({"configured": existing.is_some(), "enableGroupCreation": creation.unwrap_or(true)});
        let expected = json!({"configured": true, "enableGroupCreation": false});
        let step = match existing.and_then(|s| s["id"].as_str()) {
            Some(id) => {
                let mut values: Vec<Value> = values
                    .into_iter()
                    .filter(|v| v["name"].as_str() != Some("EnableGroupCreation"))
                    .collect();
                values.push(json!({"name": "EnableGroupCreation", "value": "false"}));
                graph("PATCH", format!("settings/{id}"), json!({"values": values}))
            }
            None => graph(
                "POST",
                "settings",
                json!({"templateId": TEMPLATE,
                       "values": [{"name": "EnableGroupCreation", "value": "false"}]}),
            ),
        };
        Ok(single(current, expected, vec![step]))
    }
}
