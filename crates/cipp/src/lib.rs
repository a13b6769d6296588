//! # cipp
//!
//! Multi-tenant Microsoft 365 management for managed service providers, in Rust: the
//! features of CIPP as a library. This crate is the front door; the clients live in
//! `cipp-core` (auth, pipeline), `cipp-graph` (Microsoft Graph), `cipp-gdap` (GDAP,
//! Partner Center, the managed-tenant directory) and `cipp-keyvault` (Key Vault secrets).
//!
//! ```no_run
//! # async fn run() -> Result<(), cipp::Error> {
//! use futures::TryStreamExt;
//! let cipp = cipp::Cipp::from_env()?;
//! let alpha = cipp.tenant("alpha.onmicrosoft.com");
//! let mut users = alpha.graph().users().list().select(["id", "userPrincipalName"]).stream();
//! while let Some(u) = users.try_next().await? {
//!     println!("{:?}", u.user_principal_name);
//! }
//! # Ok(()) }
//! ```

mod alerts_run;
mod automation;
mod bec;
mod client;
mod health;
pub mod scheduler;
mod standards_run;
mod tenant;
mod tenants;

pub use alerts_run::{AlertProgressCallback, AlertsOptions};
pub use automation::{follow_up_task, AuditUserActions};
pub use client::{Cipp, CippBuilder};
pub use health::{
    HealthIssue, RelationshipHealth, ServiceCheck, TenantHealth, EXPIRY_WARNING_DAYS,
};
pub use standards_run::{target_of, CatalogueEntry, StandardsOptions};
pub use tenant::Tenant;
pub use tenants::{DirectoryOptions, ManagedTenant};

pub use cipp_actions as actions;
pub use cipp_alerts as alerts;
pub use cipp_core as core;
pub use cipp_core::{Cloud, Error, Grant, RetryPolicy, Service};
pub use cipp_exchange as exchange;
pub use cipp_gdap as gdap;
pub use cipp_graph as graph;
pub use cipp_keyvault as keyvault;
pub use cipp_sharepoint as sharepoint;
pub use cipp_snapshot as snapshot;
pub use cipp_standards as standards;
pub use cipp_teams as teams;
pub use cipp_templates as templates;

/// The README's Rust examples, compiled as doctests so they cannot drift.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
