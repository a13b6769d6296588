//! Intune assignment filter templates.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// An Intune assignment filter template (`*.AssignmentFilterTemplate.json`), as CIPP stores
/// it: the filter's `displayName` (how it is found in a tenant, ignoring case), `description`,
/// `platform` (`windows10AndLater`, `iOS`, `androidForWork`...), filter `rule`
/// (`(device.manufacturer -eq "Dell")`) and `assignmentFilterManagementType` (`devices`, the
/// default, or `apps`).
///
/// ```
/// use cipp_templates::{Template, TemplateKind};
/// let t = Template::from_json(r#"{"displayName": "Dell laptops", "platform": "windows10AndLater",
///     "rule": "(device.manufacturer -eq \"Dell\")"}"#, None)?;
/// assert_eq!(t.kind(), TemplateKind::AssignmentFilter);
/// # Ok::<(), cipp_templates::TemplateError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AssignmentFilterTemplate {
    /// The filter's name.
    pub display_name: String,
    /// Its description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The device platform it filters.
    pub platform: String,
    /// The filter rule.
    pub rule: String,
    /// `devices` (default) or `apps`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignment_filter_management_type: Option<String>,
    /// CIPP's template id.
    #[serde(rename = "GUID", default, skip_serializing_if = "Option::is_none")]
    pub guid: Option<String>,
    /// Anything else the file has.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AssignmentFilterTemplate {
    /// The management type a deploy sets (`devices` unless the template says).
    pub fn management_type(&self) -> &str {
        self.assignment_filter_management_type
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or("devices")
    }
}
