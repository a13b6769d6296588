//! `ExcludedfileExt`: the OneDrive sync app leaves files of the given types alone.

use serde_json::{json, Value};

use super::util::{graph_patch, list, single};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// Every given extension (`ext`, comma separated; `*.` is added when missing, as SharePoint's
/// admin centre does) is in `excludedFileExtensionsForSyncApp`. The tenant's list is a
/// superset check: extensions it holds beyond the given ones stay, and remediation writes the
/// union (one `PATCH admin/sharepoint/settings`).
#[derive(Debug, Clone, Copy, Default)]
pub struct ExcludedFileExt;

impl Standard for ExcludedFileExt {
    fn name(&self) -> &'static str {
        "ExcludedfileExt"
    }
    fn label(&self) -> &'static str {
        "File types the sync app skips"
    }
    fn category(&self) -> &'static str {
        "SharePoint Standards"
    }
    fn description(&self) -> &'static str {
        "Adds the given file extensions to the list of files the OneDrive sync app does not \
         upload, keeping any already there."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["SharePointSettings"]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        &[
            "SHAREPOINTWAC",
            "SHAREPOINTSTANDARD",
            "SHAREPOINTENTERPRISE",
            "ONEDRIVE_BASIC",
            "ONEDRIVE_ENTERPRISE",
        ]
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[("ext", "")]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let wanted: Vec<String> = list(input.settings, "ext")
            .into_iter()
            .map(|e| e.replace(' ', ""))
            .filter(|e| !e.is_empty())
            .map(|e| if e.contains('.') { e } else { format!("*.{e}") })
            .collect();
        if wanted.is_empty() {
            return Err(StandardsError::Setting {
                standard: self.name().into(),
                setting: "ext".into(),
                message: "no extensions given".into(),
            });
        }
        let settings = input
            .rows("SharePointSettings")
            .first()
            .cloned()
            .unwrap_or(Value::Null);
        let current: Vec<String> = settings["excludedFileExtensionsForSyncApp"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e.as_str().map(str::to_string))
            .collect();
        let missing: Vec<&String> = wanted
            .iter()
            .filter(|w| !current.iter().any(|c| c.eq_ignore_ascii_case(w)))
            .collect();
        let mut union = current.clone();
        union.extend(missing.iter().map(|m| m.to_string()));
        Ok(single(
            json!({"missingExtensions": missing}),
            json!({"missingExtensions": []}),
            vec![graph_patch(
                "admin/sharepoint/settings",
                json!({"excludedFileExtensionsForSyncApp": union}),
            )],
        ))
    }
}
