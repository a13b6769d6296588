//! Intune templates: a policy payload (as JSON text) and the kind of policy it is.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::ca::null_default;
use crate::error::{parse_json, TemplateError};

/// A mobile platform of app protection policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AppPlatform {
    /// `iosManagedAppProtections`.
    Ios,
    /// `androidManagedAppProtections`.
    Android,
    /// `windowsManagedAppProtections`.
    Windows,
}

/// What kind of Intune policy a template holds (its `Type`), which decides the Graph
/// collection it lives in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IntuneKind {
    /// Settings catalog: `deviceManagement/configurationPolicies` (updated with PUT).
    Catalog,
    /// Device configuration: `deviceManagement/deviceConfigurations`.
    Device,
    /// Compliance: `deviceManagement/deviceCompliancePolicies`.
    Compliance,
    /// Administrative templates (ADMX): `deviceManagement/groupPolicyConfigurations`, the
    /// payload being `{added, updated, deletedIds}` definition values.
    Admin,
    /// App protection: `deviceAppManagement/{platform}ManagedAppProtections`; the platform
    /// comes from the type (`AppProtection_iOS`) or the payload's `@odata.type`.
    AppProtection(Option<AppPlatform>),
    /// App configuration: `deviceAppManagement/mobileAppConfigurations`.
    AppConfiguration,
    /// `deviceManagement/windowsDriverUpdateProfiles`.
    DriverUpdate,
    /// `deviceManagement/windowsFeatureUpdateProfiles`.
    FeatureUpdate,
    /// `deviceManagement/windowsQualityUpdatePolicies`.
    QualityUpdatePolicy,
    /// `deviceManagement/windowsQualityUpdateProfiles`.
    QualityUpdateProfile,
    /// A type this crate does not know; such templates load but do not deploy.
    Unknown(String),
}

impl IntuneKind {
    /// Read CIPP's `Type` value (case-insensitive).
    pub fn parse(s: &str) -> IntuneKind {
        let t = s.trim().to_ascii_lowercase();
        match t.as_str() {
            "catalog" | "configurationpolicies" => IntuneKind::Catalog,
            "device" | "deviceconfigurations" => IntuneKind::Device,
            "compliance" | "devicecompliancepolicies" => IntuneKind::Compliance,
            "admin" | "grouppolicyconfigurations" => IntuneKind::Admin,
            "appconfiguration" | "mobileappconfigurations" => IntuneKind::AppConfiguration,
            "windowsdriverupdateprofiles" => IntuneKind::DriverUpdate,
            "windowsfeatureupdateprofiles" => IntuneKind::FeatureUpdate,
            "windowsqualityupdatepolicies" => IntuneKind::QualityUpdatePolicy,
            "windowsqualityupdateprofiles" => IntuneKind::QualityUpdateProfile,
            _ if t.starts_with("appprotection") || t == "managedappprotections" => {
                let platform = if t.contains("ios") {
                    Some(AppPlatform::Ios)
                } else if t.contains("android") {
                    Some(AppPlatform::Android)
                } else if t.contains("windows") {
                    Some(AppPlatform::Windows)
                } else {
                    None
                };
                IntuneKind::AppProtection(platform)
            }
            _ => IntuneKind::Unknown(s.to_string()),
        }
    }

    /// CIPP's name for the type.
    pub fn as_str(&self) -> &str {
        match self {
            IntuneKind::Catalog => "Catalog",
            IntuneKind::Device => "Device",
            IntuneKind::Compliance => "deviceCompliancePolicies",
            IntuneKind::Admin => "Admin",
            IntuneKind::AppProtection(None) => "AppProtection",
            IntuneKind::AppProtection(Some(AppPlatform::Ios)) => "AppProtection_iOS",
            IntuneKind::AppProtection(Some(AppPlatform::Android)) => "AppProtection_Android",
            IntuneKind::AppProtection(Some(AppPlatform::Windows)) => "AppProtection_Windows",
            IntuneKind::AppConfiguration => "AppConfiguration",
            IntuneKind::DriverUpdate => "windowsDriverUpdateProfiles",
            IntuneKind::FeatureUpdate => "windowsFeatureUpdateProfiles",
            IntuneKind::QualityUpdatePolicy => "windowsQualityUpdatePolicies",
            IntuneKind::QualityUpdateProfile => "windowsQualityUpdateProfiles",
            IntuneKind::Unknown(s) => s,
        }
    }

    /// The kind a Graph collection holds (the inverse of the collection a kind deploys to).
    pub fn from_collection(collection: &str) -> Option<IntuneKind> {
        let last = collection.rsplit('/').next().unwrap_or(collection);
        Some(match last.to_ascii_lowercase().as_str() {
            "configurationpolicies" => IntuneKind::Catalog,
            "deviceconfigurations" => IntuneKind::Device,
            "devicecompliancepolicies" => IntuneKind::Compliance,
            "grouppolicyconfigurations" => IntuneKind::Admin,
            "iosmanagedappprotections" => IntuneKind::AppProtection(Some(AppPlatform::Ios)),
            "androidmanagedappprotections" => IntuneKind::AppProtection(Some(AppPlatform::Android)),
            "windowsmanagedappprotections" => IntuneKind::AppProtection(Some(AppPlatform::Windows)),
            "mobileappconfigurations" => IntuneKind::AppConfiguration,
            "windowsdriverupdateprofiles" => IntuneKind::DriverUpdate,
            "windowsfeatureupdateprofiles" => IntuneKind::FeatureUpdate,
            "windowsqualityupdatepolicies" => IntuneKind::QualityUpdatePolicy,
            "windowsqualityupdateprofiles" => IntuneKind::QualityUpdateProfile,
            _ => return None,
        })
    }

    /// Every collection a policy can live in (what capture searches).
    pub const COLLECTIONS: [&'static str; 12] = [
        "deviceManagement/configurationPolicies",
        "deviceManagement/deviceConfigurations",
        "deviceManagement/deviceCompliancePolicies",
        "deviceManagement/groupPolicyConfigurations",
        "deviceAppManagement/iosManagedAppProtections",
        "deviceAppManagement/androidManagedAppProtections",
        "deviceAppManagement/windowsManagedAppProtections",
        "deviceAppManagement/mobileAppConfigurations",
        "deviceManagement/windowsDriverUpdateProfiles",
        "deviceManagement/windowsFeatureUpdateProfiles",
        "deviceManagement/windowsQualityUpdatePolicies",
        "deviceManagement/windowsQualityUpdateProfiles",
    ];

    /// The Graph collection (below the version root) for this kind, given the payload (app
    /// protection without a platform in the type reads it from `@odata.type`).
    pub fn collection(&self, payload: &Value) -> Option<&'static str> {
        Some(match self {
            IntuneKind::Catalog => Self::COLLECTIONS[0],
            IntuneKind::Device => Self::COLLECTIONS[1],
            IntuneKind::Compliance => Self::COLLECTIONS[2],
            IntuneKind::Admin => Self::COLLECTIONS[3],
            IntuneKind::AppProtection(platform) => {
                let platform = platform.or_else(|| {
                    let t = payload.get("@odata.type")?.as_str()?.to_ascii_lowercase();
                    if t.contains("ios") {
                        Some(AppPlatform::Ios)
                    } else if t.contains("android") {
                        Some(AppPlatform::Android)
                    } else if t.contains("windows") {
                        Some(AppPlatform::Windows)
                    } else {
                        None
                    }
                })?;
                match platform {
                    AppPlatform::Ios => Self::COLLECTIONS[4],
                    AppPlatform::Android => Self::COLLECTIONS[5],
                    AppPlatform::Windows => Self::COLLECTIONS[6],
                }
            }
            IntuneKind::AppConfiguration => Self::COLLECTIONS[7],
            IntuneKind::DriverUpdate => Self::COLLECTIONS[8],
            IntuneKind::FeatureUpdate => Self::COLLECTIONS[9],
            IntuneKind::QualityUpdatePolicy => Self::COLLECTIONS[10],
            IntuneKind::QualityUpdateProfile => Self::COLLECTIONS[11],
            IntuneKind::Unknown(_) => return None,
        })
    }

    /// The property holding the policy's name: `name` for the settings catalog,
    /// `displayName` for everything else.
    pub fn name_property(&self) -> &'static str {
        match self {
            IntuneKind::Catalog => "name",
            _ => "displayName",
        }
    }
}

impl fmt::Display for IntuneKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for IntuneKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for IntuneKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(IntuneKind::parse(&String::deserialize(d)?))
    }
}

/// An Intune template (`*.IntuneTemplate.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IntuneTemplate {
    /// The policy name; it replaces the payload's own name when deployed, and deploys create
    /// or update the policy of this name.
    #[serde(rename = "Displayname", alias = "displayName", alias = "DisplayName")]
    #[serde(default, deserialize_with = "null_default")]
    pub display_name: String,
    /// The policy description (replaces the payload's).
    #[serde(rename = "Description", alias = "description")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The policy payload as JSON text. Variables `%tenantid%`, `%tenantfilter%` and any
    /// given in the deploy options are replaced before it is parsed.
    #[serde(rename = "RAWJson", alias = "RawJSON", alias = "rawJson")]
    pub raw_json: String,
    /// The kind of policy.
    #[serde(rename = "Type", alias = "type")]
    pub kind: IntuneKind,
    /// The template id (CIPP writes the file name here).
    #[serde(
        rename = "GUID",
        alias = "guid",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub guid: Option<String>,
    /// Reusable settings the payload refers to (kept, not yet deployed).
    #[serde(
        rename = "ReusableSettings",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub reusable_settings: Option<Value>,
    /// Every other property, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl IntuneTemplate {
    /// A template from a payload (serialised into `RAWJson`).
    pub fn new(
        display_name: impl Into<String>,
        description: Option<String>,
        kind: IntuneKind,
        payload: &Value,
    ) -> Self {
        IntuneTemplate {
            display_name: display_name.into(),
            description,
            raw_json: payload.to_string(),
            kind,
            guid: None,
            reusable_settings: None,
            extra: Map::new(),
        }
    }

    /// The payload, variables replaced (`%name%`, case-insensitive), parsed.
    pub fn payload(&self, variables: &[(String, String)]) -> Result<Value, TemplateError> {
        let text = replace_variables(&self.raw_json, variables);
        parse_json(&self.display_name, "RAWJson", &text)
    }
}

/// Replace `%name%` (case-insensitive) by its value, JSON-escaped (the text is JSON).
pub(crate) fn replace_variables(text: &str, variables: &[(String, String)]) -> String {
    let mut out = text.to_string();
    for (name, value) in variables {
        let pattern = format!("%{}%", name.trim_matches('%')).to_ascii_lowercase();
        let escaped = serde_json::to_string(value).unwrap_or_default();
        let escaped = escaped.trim_matches('"');
        let mut result = String::with_capacity(out.len());
        let lower = out.to_ascii_lowercase();
        let mut at = 0;
        while let Some(found) = lower[at..].find(&pattern) {
            result.push_str(&out[at..at + found]);
            result.push_str(escaped);
            at += found + pattern.len();
        }
        result.push_str(&out[at..]);
        out = result;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_collections() {
        assert_eq!(IntuneKind::parse("Catalog"), IntuneKind::Catalog);
        assert_eq!(
            IntuneKind::parse("AppProtection_iOS"),
            IntuneKind::AppProtection(Some(AppPlatform::Ios))
        );
        let p = serde_json::json!({"@odata.type": "#microsoft.graph.androidManagedAppProtection"});
        assert_eq!(
            IntuneKind::parse("AppProtection").collection(&p),
            Some("deviceAppManagement/androidManagedAppProtections")
        );
        for c in IntuneKind::COLLECTIONS {
            let k = IntuneKind::from_collection(c).unwrap();
            assert_eq!(k.collection(&Value::Null), Some(c));
            assert_eq!(IntuneKind::parse(k.as_str()), k);
        }
        assert!(matches!(IntuneKind::parse("Weird"), IntuneKind::Unknown(_)));
    }

    #[test]
    fn variables_are_replaced_ignoring_case() {
        let vars = vec![("tenantid".to_string(), "a\"b".to_string())];
        assert_eq!(
            replace_variables(r#"{"v":"%TenantId%/%tenantid%"}"#, &vars),
            r#"{"v":"a\"b/a\"b"}"#
        );
    }
}
