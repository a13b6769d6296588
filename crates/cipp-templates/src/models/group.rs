//! Group templates.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::ca::null_default;

/// What kind of group a template makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GroupType {
    /// A security group (also CIPP's `generic`).
    Security,
    /// A Microsoft 365 (Unified) group.
    Microsoft365,
    /// A security group with dynamic membership.
    Dynamic,
    /// A role-assignable security group.
    AzureRole,
    /// An Exchange distribution list.
    Distribution,
    /// An Exchange mail-enabled security group (`New-DistributionGroup -Type Security`).
    MailEnabledSecurity,
    /// An Exchange dynamic distribution list.
    DynamicDistribution,
}

impl GroupType {
    /// Read CIPP's `groupType` (the names its forms and listings use, any case).
    pub fn parse(s: &str) -> Option<GroupType> {
        let t: String = s
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        Some(match t.as_str() {
            "security" | "generic" | "securitygroup" => GroupType::Security,
            "m365" | "microsoft365" | "unified" | "office365" => GroupType::Microsoft365,
            "dynamic" | "dynamicsecurity" | "dynamicmembership" => GroupType::Dynamic,
            "azurerole" | "roleassignable" => GroupType::AzureRole,
            "distribution" | "distributionlist" | "maildistribution" => GroupType::Distribution,
            "mailenabledsecurity" | "mailsecurity" | "mailenabledsecuritygroup" => {
                GroupType::MailEnabledSecurity
            }
            "dynamicdistribution" | "dynamicdistributionlist" => GroupType::DynamicDistribution,
            _ => return None,
        })
    }

    /// CIPP's name.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupType::Security => "security",
            GroupType::Microsoft365 => "m365",
            GroupType::Dynamic => "dynamic",
            GroupType::AzureRole => "azureRole",
            GroupType::Distribution => "distribution",
            GroupType::MailEnabledSecurity => "mailEnabledSecurity",
            GroupType::DynamicDistribution => "dynamicDistribution",
        }
    }
}

/// A group template (CIPP's `GroupTemplate`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GroupTemplate {
    /// The group name; groups are matched by it.
    #[serde(default, deserialize_with = "null_default")]
    pub display_name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `security`, `m365`, `dynamic`, `azureRole`, `distribution`, `mailEnabledSecurity`,
    /// `dynamicDistribution` (see [`GroupType::parse`]).
    #[serde(default, deserialize_with = "null_default")]
    pub group_type: String,
    /// Dynamic membership rule (for a dynamic distribution list: its `RecipientFilter`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub membership_rules: Option<String>,
    /// Whether people outside the organisation may mail it (distribution lists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_external: Option<bool>,
    /// Mail nickname (may end in `@%tenantfilter%`, which is dropped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Template id.
    #[serde(rename = "GUID", default, skip_serializing_if = "Option::is_none")]
    pub guid: Option<String>,
    /// Every other property, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl GroupTemplate {
    /// The mail nickname to use: the template's `username` before any `@`, else the display
    /// name reduced to ASCII letters and digits (at most 64).
    pub fn mail_nickname(&self) -> String {
        let from_template = self
            .username
            .as_deref()
            .map(|u| u.split('@').next().unwrap_or_default().trim().to_string())
            .filter(|u| !u.is_empty());
        from_template.unwrap_or_else(|| mail_nickname_of(&self.display_name))
    }
}

/// A display name reduced to `[a-zA-Z0-9]`, at most 64 characters (`group` if nothing is
/// left).
pub fn mail_nickname_of(name: &str) -> String {
    let s: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(64)
        .collect();
    if s.is_empty() {
        "group".to_string()
    } else {
        s
    }
}
