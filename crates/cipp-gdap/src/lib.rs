//! # cipp-gdap
//!
//! Everything about the partner's access to its customers: GDAP relationships over Graph's
//! `tenantRelationships` (invites built from role templates, auto-extend, Global
//! Administrator removal, access assignments, always with `If-Match`), Partner Center
//! (customers through every continuation page, CPV consent), checks that answer structured
//! reports, and the managed-tenant directory.
//!
//! ```no_run
//! # async fn run(pipeline: cipp_core::Pipeline) -> Result<(), cipp_gdap::GdapError> {
//! use cipp_gdap::{GdapClient, Invite};
//! use cipp_graph::GraphClient;
//! let partner = pipeline.credentials().partner_tenant().to_string();
//! let gdap = GdapClient::new(GraphClient::new(pipeline, partner));
//! let invite = gdap.create_invite(Invite::recommended()).await?;
//! println!("{}", invite.link);
//! let health = gdap.health().await?;
//! for issue in &health.issues {
//!     println!("{:?}: {}", issue.severity, issue.issue);
//! }
//! # Ok(()) }
//! ```

mod checks;
mod cpv;
mod directory;
mod error;
pub mod models;
mod partner_center;
mod relationships;
pub mod roles;

pub use checks::{
    role_name, GdapHealth, GdapIssue, PermissionManifest, PermissionRef, ResourceAccess,
    RoleAccess, SamCheck, Severity, TenantAccess,
};
pub use cpv::CpvRefresh;
pub use directory::{Access, DirectoryOptions, ManagedTenant, TenantDirectory};
pub use error::{GdapError, Result};
pub use models::{
    invite_link, AccessAssignment, AccessDetails, ApplicationConsent, Customer, Relationship,
    RelationshipStatus, TenantInformation,
};
pub use partner_center::{ConsentOutcome, PartnerCenterClient, CPV_SCOPES, GRAPH_APP_ID};
pub use relationships::{
    Change, CreatedInvite, GdapClient, Invite, AUTO_EXTEND, MAX_DURATION, NO_AUTO_EXTEND,
};
