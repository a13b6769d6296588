use serde::{Deserialize, Serialize};

use super::Extra;

/// An Entra group (`/groups`): security, Microsoft 365 or mail-enabled.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Group {
    /// Object id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Primary SMTP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail: Option<String>,
    /// Mail-enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail_enabled: Option<bool>,
    /// Mail alias.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail_nickname: Option<String>,
    /// Security-enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_enabled: Option<bool>,
    /// `Unified` for Microsoft 365 groups, `DynamicMembership`...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_types: Option<Vec<String>>,
    /// `Public`, `Private`...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<String>,
    /// Creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date_time: Option<String>,
    /// Other properties.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Group {
    /// `true` for a Microsoft 365 (unified) group.
    pub fn is_unified(&self) -> bool {
        self.group_types
            .as_ref()
            .map(|t| t.iter().any(|g| g.eq_ignore_ascii_case("Unified")))
            .unwrap_or(false)
    }
}
