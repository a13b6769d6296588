//! # cipp-sharepoint
//!
//! SharePoint Online administration for customer tenants: the tenant's SharePoint name found
//! from Graph once, tenant settings and site collections (properties, sharing, site
//! administrators) through CSOM (`ProcessQuery`, whose failures arrive inside HTTP 200 answers
//! and are turned into [`SharePointError::Csom`]), and the admin REST API.
//!
//! ```no_run
//! # async fn run(pipeline: cipp_core::Pipeline) -> Result<(), cipp_sharepoint::SharePointError> {
//! let spo = cipp_sharepoint::SharePointClient::new(pipeline, "alpha.onmicrosoft.com");
//! println!("sharing: {:?}", spo.tenant_settings().await?.sharing_capability());
//! println!("storage used: {:?}%", spo.storage_quota().await?.used_percent());
//! # Ok(()) }
//! ```

mod client;
pub mod csom;
mod error;

pub use client::{
    SharePointClient, SharingCapability, SiteProperties, StorageQuota, TenantSettings,
};
pub use error::SharePointError;
