use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{open_enum, Extra};

open_enum! {
    /// Whether a Conditional Access policy is enforced.
    PolicyState {
        /// Enforced.
        Enabled => "enabled",
        /// Off.
        Disabled => "disabled",
        /// Report-only.
        EnabledForReportingButNotEnforced => "enabledForReportingButNotEnforced",
    }
}

/// A Conditional Access policy (`/identity/conditionalAccess/policies`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ConditionalAccessPolicy {
    /// Policy id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Enforcement state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<PolicyState>,
    /// Who, what and where the policy applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Value>,
    /// What is required to get access.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_controls: Option<Value>,
    /// Session restrictions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_controls: Option<Value>,
    /// Creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date_time: Option<String>,
    /// Last change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_date_time: Option<String>,
    /// Other properties.
    #[serde(flatten)]
    pub extra: Extra,
}
