//! The partner side: GDAP, Partner Center and the managed-tenant directory, reached from
//! [`Cipp`].

use cipp_core::Error;
use cipp_gdap::{GdapClient, PartnerCenterClient, TenantDirectory};

use crate::client::Cipp;

pub use cipp_gdap::{DirectoryOptions, ManagedTenant};

impl Cipp {
    /// GDAP relationships, invites and checks in the partner tenant.
    pub fn gdap(&self) -> GdapClient {
        GdapClient::new(self.partner().graph())
    }

    /// Partner Center (customers, CPV consent).
    pub fn partner_center(&self) -> PartnerCenterClient {
        PartnerCenterClient::new(self.pipeline().clone())
    }

    /// The managed-tenant directory (shared by clones of this client; cached for its TTL).
    pub fn directory(&self) -> &TenantDirectory {
        &self.directory
    }

    /// The partner's managed tenants: active GDAP customers without Microsoft-led
    /// transition placeholders and without excluded tenants, with their domains, sorted by
    /// name. Cached by the [`TenantDirectory`].
    pub async fn tenants(&self) -> Result<Vec<ManagedTenant>, Error> {
        Ok(self.directory.list().await.map_err(Error::from)?.to_vec())
    }

    /// The managed tenant named by GUID, default domain or initial domain.
    pub async fn managed_tenant(&self, name: &str) -> Result<ManagedTenant, Error> {
        self.directory.get(name).await.map_err(Error::from)
    }
}
