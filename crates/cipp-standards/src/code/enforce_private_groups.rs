//! `EnforcePrivateGroups`: Microsoft 365 groups are private.

use serde_json::json;

use super::util::{graph_patch, list, per_object, Finding};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// Every public Microsoft 365 group (`groupTypes` holds `Unified`) becomes private, one
/// `PATCH groups/{id}` each; groups named in `groupExclusions` (display names or ids) stay.
#[derive(Debug, Clone, Copy, Default)]
pub struct EnforcePrivateGroups;

impl Standard for EnforcePrivateGroups {
    fn name(&self) -> &'static str {
        "EnforcePrivateGroups"
    }
    fn label(&self) -> &'static str {
        "Make Microsoft 365 groups private"
    }
    fn category(&self) -> &'static str {
        "Entra (AAD) Standards"
    }
    fn description(&self) -> &'static str {
        "Sets the visibility of every public Microsoft 365 group to private, so their content \
         is only open to members, except the excluded groups."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["Groups"]
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[("groupExclusions", "")]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let excluded = list(input.settings, "groupExclusions");
        let findings = input
            .rows("Groups")
            .iter()
            .filter(|g| {
                g["groupTypes"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|x| x.as_str() == Some("Unified")))
            })
            .filter(|g| {
                g["visibility"]
                    .as_str()
                    .is_some_and(|v| v.eq_ignore_ascii_case("Public"))
            })
            .filter_map(|g| {
                let id = g["id"].as_str()?;
                let name = g["displayName"].as_str().unwrap_or(id);
                let skip = excluded
                    .iter()
                    .any(|x| x.eq_ignore_ascii_case(id) || x.eq_ignore_ascii_case(name));
                (!skip).then(|| Finding {
                    object: name.to_string(),
                    current: json!({"visibility": g["visibility"].clone()}),
                    expected: json!({"visibility": "Private"}),
                    step: graph_patch(format!("groups/{id}"), json!({"visibility": "Private"})),
                })
            })
            .collect();
        Ok(per_object(json!({"groupExclusions": excluded}), findings))
    }
}
