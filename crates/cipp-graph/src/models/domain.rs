use serde::{Deserialize, Serialize};

use super::Extra;

/// A domain of the tenant (`/domains`; the id is the domain name).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Domain {
    /// The domain name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The default domain for new users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_default: Option<bool>,
    /// The initial `*.onmicrosoft.com` domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_initial: Option<bool>,
    /// Ownership verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_verified: Option<bool>,
    /// Managed by this tenant's admins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_admin_managed: Option<bool>,
    /// `Managed` or `Federated`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication_type: Option<String>,
    /// `Email`, `OfficeCommunicationsOnline`...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supported_services: Option<Vec<String>>,
    /// Other properties.
    #[serde(flatten)]
    pub extra: Extra,
}
