use serde::{Deserialize, Serialize};

use super::Extra;

/// A verified domain as listed on the organization.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct VerifiedDomain {
    /// Domain name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The default domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_default: Option<bool>,
    /// The initial `*.onmicrosoft.com` domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_initial: Option<bool>,
    /// Other properties.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The tenant itself (`/organization`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Organization {
    /// Tenant GUID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Tenant name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Verified domains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_domains: Option<Vec<VerifiedDomain>>,
    /// `AAD`, `AAD B2C`...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_type: Option<String>,
    /// Country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_letter_code: Option<String>,
    /// Creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date_time: Option<String>,
    /// `resellerPartnerDelegatedAdmin`, `valueAddedResellerPartnerDelegatedAdmin` or absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_tenant_type: Option<String>,
    /// Other properties.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Organization {
    /// The default verified domain.
    pub fn default_domain(&self) -> Option<&str> {
        self.verified_domains
            .as_ref()?
            .iter()
            .find(|d| d.is_default == Some(true))
            .and_then(|d| d.name.as_deref())
    }
}
