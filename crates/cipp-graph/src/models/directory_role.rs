use serde::{Deserialize, Serialize};

use super::Extra;

/// An activated directory role (`/directoryRoles`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DirectoryRole {
    /// Object id of the activated role in this tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name, e.g. `Global Administrator`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The template id, the same in every tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_template_id: Option<String>,
    /// Other properties (such as expanded `members`).
    #[serde(flatten)]
    pub extra: Extra,
}

impl DirectoryRole {
    /// The template id of Global Administrator.
    pub const GLOBAL_ADMINISTRATOR: &'static str = "62e90394-69f5-4237-9190-012177145e10";
}
