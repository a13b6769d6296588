use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Extra, FeatureState};

/// One method's settings (SMS, FIDO2, Authenticator...) inside the authentication methods policy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AuthenticationMethodConfiguration {
    /// Method id: `Sms`, `Fido2`, `MicrosoftAuthenticator`, `TemporaryAccessPass`...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The concrete type, e.g. `#microsoft.graph.smsAuthenticationMethodConfiguration`.
    #[serde(
        rename = "@odata.type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub odata_type: Option<String>,
    /// On or off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<FeatureState>,
    /// Groups excluded from the method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude_targets: Option<Value>,
    /// Other properties (method-specific settings, include targets).
    #[serde(flatten)]
    pub extra: Extra,
}

/// The tenant's authentication methods policy (`/policies/authenticationMethodsPolicy`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AuthenticationMethodsPolicy {
    /// Always `authenticationMethodsPolicy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `1.5` once migrated from the legacy MFA and SSPR policies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_version: Option<String>,
    /// Migration state of the legacy policies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_migration_state: Option<String>,
    /// Registration campaign and enforcement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_enforcement: Option<Value>,
    /// The per-method settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication_method_configurations: Option<Vec<AuthenticationMethodConfiguration>>,
    /// Other properties.
    #[serde(flatten)]
    pub extra: Extra,
}

impl AuthenticationMethodsPolicy {
    /// The configuration of method `id` (case-insensitive).
    pub fn method(&self, id: &str) -> Option<&AuthenticationMethodConfiguration> {
        self.authentication_method_configurations
            .as_ref()?
            .iter()
            .find(|m| m.id.as_deref().map(|x| x.eq_ignore_ascii_case(id)) == Some(true))
    }
}
