//! GDAP and Partner Center objects. Every model keeps the fields it does not name in
//! `extra`, so a read-modify-write never drops what Microsoft adds later.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::roles::GLOBAL_ADMINISTRATOR;

/// Where a relationship is in its life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum RelationshipStatus {
    /// Drafted by the partner; can still be edited.
    Created,
    /// Locked and waiting for the customer.
    ApprovalPending,
    /// Approved by the customer and being provisioned.
    Activating,
    /// In force.
    Active,
    /// The partner or customer asked to end it.
    TerminationRequested,
    /// Being ended.
    Terminating,
    /// Ended.
    Terminated,
    /// Past its end date.
    Expired,
    /// A status this version does not know.
    #[serde(untagged)]
    Other(String),
}

impl RelationshipStatus {
    /// The wire name.
    pub fn as_str(&self) -> &str {
        match self {
            RelationshipStatus::Created => "created",
            RelationshipStatus::ApprovalPending => "approvalPending",
            RelationshipStatus::Activating => "activating",
            RelationshipStatus::Active => "active",
            RelationshipStatus::TerminationRequested => "terminationRequested",
            RelationshipStatus::Terminating => "terminating",
            RelationshipStatus::Terminated => "terminated",
            RelationshipStatus::Expired => "expired",
            RelationshipStatus::Other(s) => s,
        }
    }
}

/// One role of a relationship or assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnifiedRole {
    /// Role template id.
    pub role_definition_id: String,
}

/// The roles a relationship or assignment carries.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessDetails {
    /// Roles.
    #[serde(default)]
    pub unified_roles: Vec<UnifiedRole>,
}

impl AccessDetails {
    /// Access details holding `role_ids`.
    pub fn of<I, S>(role_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        AccessDetails {
            unified_roles: role_ids
                .into_iter()
                .map(|id| UnifiedRole {
                    role_definition_id: id.into(),
                })
                .collect(),
        }
    }

    /// Whether `role_id` is among the roles.
    pub fn contains(&self, role_id: &str) -> bool {
        self.unified_roles
            .iter()
            .any(|r| r.role_definition_id.eq_ignore_ascii_case(role_id))
    }
}

/// The customer side of a relationship.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelationshipCustomer {
    /// Customer tenant GUID.
    pub tenant_id: Option<String>,
    /// Customer name.
    pub display_name: Option<String>,
}

/// A GDAP relationship (`delegatedAdminRelationship`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Relationship {
    /// Concurrency tag to send as `If-Match` with changes.
    #[serde(
        rename = "@odata.etag",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub etag: Option<String>,
    /// Relationship id.
    pub id: String,
    /// Name (CIPP uses `CIPP_{guid}`; Microsoft's transition ones are `MLT_...`).
    #[serde(default)]
    pub display_name: String,
    /// Status.
    pub status: Option<RelationshipStatus>,
    /// ISO 8601 length, at most `P730D`.
    pub duration: Option<String>,
    /// `P180D` to renew automatically, `PT0S` not to.
    pub auto_extend_duration: Option<String>,
    /// The customer (unknown until the invitation is accepted).
    pub customer: Option<RelationshipCustomer>,
    /// Roles.
    pub access_details: Option<AccessDetails>,
    /// When it was drafted.
    pub created_date_time: Option<String>,
    /// When the customer approved it.
    pub activated_date_time: Option<String>,
    /// Last change.
    pub last_modified_date_time: Option<String>,
    /// When it ends.
    pub end_date_time: Option<String>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Relationship {
    /// Whether the relationship holds Global Administrator.
    pub fn has_global_administrator(&self) -> bool {
        self.access_details
            .as_ref()
            .is_some_and(|a| a.contains(GLOBAL_ADMINISTRATOR))
    }

    /// Whether it renews itself.
    pub fn auto_extends(&self) -> bool {
        self.auto_extend_duration
            .as_deref()
            .is_some_and(|d| d != "PT0S")
    }

    /// A Microsoft-led transition placeholder (read-only, not managed by the partner).
    pub fn is_microsoft_led_transition(&self) -> bool {
        self.display_name.starts_with("MLT_")
    }

    /// The customer tenant GUID, once known.
    pub fn customer_id(&self) -> Option<&str> {
        self.customer.as_ref()?.tenant_id.as_deref()
    }

    /// The status as text (`""` when absent).
    pub fn status_str(&self) -> &str {
        self.status.as_ref().map_or("", RelationshipStatus::as_str)
    }

    /// The link the customer opens to accept this relationship.
    pub fn invite_link(&self) -> String {
        invite_link(&self.id)
    }
}

/// The admin-center link that lets a customer accept relationship `id`.
pub fn invite_link(id: &str) -> String {
    format!("https://admin.microsoft.com/AdminPortal/Home#/partners/invitation/granularAdminRelationships/{id}")
}

/// A request made on a relationship (`lockForApproval`, `terminate`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RelationshipRequest {
    /// Request id.
    pub id: Option<String>,
    /// `lockForApproval`, `approve`, `terminate`...
    pub action: Option<String>,
    /// `created`, `succeeded`, `failed`...
    pub status: Option<String>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The group side of an assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessContainer {
    /// Partner security group id.
    pub access_container_id: String,
    /// Always `securityGroup` today.
    #[serde(default = "security_group")]
    pub access_container_type: String,
}

fn security_group() -> String {
    "securityGroup".into()
}

/// A partner group given roles through a relationship (`delegatedAdminAccessAssignment`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AccessAssignment {
    /// Concurrency tag for `If-Match`.
    #[serde(
        rename = "@odata.etag",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub etag: Option<String>,
    /// Assignment id.
    pub id: String,
    /// `pending`, `active`, `deleting`, `deleted`, `error`.
    pub status: Option<String>,
    /// The partner group.
    pub access_container: Option<AccessContainer>,
    /// Its roles.
    pub access_details: Option<AccessDetails>,
    /// Last change (Graph's name; some tools read `modifiedDateTime`, kept in `extra`).
    pub last_modified_date_time: Option<String>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AccessAssignment {
    /// Whether it is gone or going (`deleting`, `deleted`, `error`): ignored when
    /// reconciling.
    pub fn is_inactive(&self) -> bool {
        matches!(
            self.status.as_deref(),
            Some("deleting" | "deleted" | "error")
        )
    }

    /// The partner group id.
    pub fn group_id(&self) -> Option<&str> {
        self.access_container
            .as_ref()
            .map(|c| c.access_container_id.as_str())
    }
}

/// `findTenantInformationByTenantId`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TenantInformation {
    /// Tenant GUID.
    pub tenant_id: String,
    /// Name.
    pub display_name: Option<String>,
    /// Default domain.
    pub default_domain_name: Option<String>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A Partner Center customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Customer {
    /// Customer tenant GUID.
    pub id: String,
    /// Company profile (`tenantId`, `domain`, `companyName`).
    #[serde(default)]
    pub company_profile: Map<String, Value>,
    /// `reseller`, `advisor`, `none`...
    pub relationship_to_partner: Option<String>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Customer {
    /// Company name.
    pub fn company_name(&self) -> Option<&str> {
        self.company_profile.get("companyName")?.as_str()
    }

    /// The customer's `*.onmicrosoft.com` domain.
    pub fn domain(&self) -> Option<&str> {
        self.company_profile.get("domain")?.as_str()
    }
}

/// A CPV application consent in a customer tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApplicationConsent {
    /// The consented application.
    pub application_id: String,
    /// Grants (`enterpriseApplicationId`, `scope`).
    #[serde(default)]
    pub application_grants: Vec<Value>,
    /// Customer tenant.
    pub customer_id: Option<String>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
