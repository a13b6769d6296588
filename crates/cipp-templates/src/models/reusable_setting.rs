//! Intune reusable policy setting templates.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{parse_json, TemplateError};

/// An Intune reusable policy setting template (`*.ReusableSettingTemplate.json`; CIPP's
/// `IntuneReusableSettingTemplate` table): a name, a description, and the
/// `deviceManagement/reusablePolicySettings` object itself as JSON text (`RawJSON`:
/// `settingDefinitionId`, `settingInstance`...). The setting is found in a tenant by display
/// name (any case).
///
/// ```
/// use cipp_templates::{Template, TemplateKind};
/// let t = Template::from_json(r#"{"DisplayName": "Approved USB devices",
///     "RawJSON": "{\"displayName\":\"Approved USB devices\",\"settingDefinitionId\":\"x\"}"}"#,
///     Some(TemplateKind::ReusableSetting))?;
/// assert_eq!(t.display_name(), "Approved USB devices");
/// # Ok::<(), cipp_templates::TemplateError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReusableSettingTemplate {
    /// The setting's name.
    #[serde(rename = "DisplayName", alias = "displayName", alias = "Displayname")]
    pub display_name: String,
    /// Its description.
    #[serde(
        rename = "Description",
        alias = "description",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub description: Option<String>,
    /// The reusable policy setting, as JSON text.
    #[serde(
        rename = "RawJSON",
        alias = "RAWJson",
        alias = "rawJson",
        alias = "JSON"
    )]
    pub raw_json: String,
    /// CIPP's template id.
    #[serde(rename = "GUID", default, skip_serializing_if = "Option::is_none")]
    pub guid: Option<String>,
    /// Anything else the file has.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ReusableSettingTemplate {
    /// The object a deploy sends: `RawJSON` parsed, with the template's name and description
    /// (the table's columns win over the text's, as CIPP lists them) and without the
    /// read-only properties a captured object carries.
    pub fn payload(&self) -> Result<Map<String, Value>, TemplateError> {
        let mut body: Map<String, Value> =
            parse_json(&self.display_name, "RawJSON", &self.raw_json)?;
        for k in [
            "id",
            "createdDateTime",
            "lastModifiedDateTime",
            "version",
            "@odata.context",
            "referencingConfigurationPolicyCount",
        ] {
            body.remove(k);
        }
        body.insert(
            "displayName".into(),
            Value::String(self.display_name.clone()),
        );
        if let Some(d) = &self.description {
            body.insert("description".into(), Value::String(d.clone()));
        }
        Ok(body)
    }
}
