use serde::{Deserialize, Serialize};

use super::Extra;

/// Licence counts of a SKU.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LicenseUnits {
    /// Active units.
    #[serde(default)]
    pub enabled: i64,
    /// Units in their grace period.
    #[serde(default)]
    pub warning: i64,
    /// Suspended units.
    #[serde(default)]
    pub suspended: i64,
    /// Locked-out units.
    #[serde(default)]
    pub locked_out: i64,
    /// Other properties.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A service plan inside a SKU.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ServicePlanInfo {
    /// Plan id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_plan_id: Option<String>,
    /// Plan name, e.g. `EXCHANGE_S_ENTERPRISE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_plan_name: Option<String>,
    /// `Success`, `Disabled`, `PendingActivation`...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning_status: Option<String>,
    /// `User` or `Company`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applies_to: Option<String>,
    /// Other properties.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A licence SKU the tenant subscribes to (`/subscribedSkus`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SubscribedSku {
    /// `{tenant}_{skuId}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// SKU GUID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku_id: Option<String>,
    /// Part number, e.g. `SPE_E3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku_part_number: Option<String>,
    /// `Enabled`, `Warning`, `Suspended`...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capability_status: Option<String>,
    /// Units assigned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumed_units: Option<i64>,
    /// Units bought.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prepaid_units: Option<LicenseUnits>,
    /// Plans included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_plans: Option<Vec<ServicePlanInfo>>,
    /// Other properties.
    #[serde(flatten)]
    pub extra: Extra,
}

impl SubscribedSku {
    /// Enabled units not yet assigned (negative when over-assigned).
    pub fn available_units(&self) -> i64 {
        let enabled = self.prepaid_units.as_ref().map(|u| u.enabled).unwrap_or(0);
        enabled - self.consumed_units.unwrap_or(0)
    }
}
