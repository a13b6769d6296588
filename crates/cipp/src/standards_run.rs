//! Standards runs from the facade: a runner over this client's pipeline and collector, and
//! run targets made from the managed-tenant directory (so template tenant filters, tenant
//! groups and `%tenantid%`-style tokens resolve as CIPP resolves them).

use cipp_core::Error;
use cipp_gdap::ManagedTenant;
use cipp_standards::{StandardsRunner, StandardsRunnerBuilder, Target};

use crate::client::Cipp;

/// The run target for a managed tenant.
pub fn target_of(t: &ManagedTenant) -> Target {
    Target::managed(
        t.customer_id.clone(),
        t.default_domain_name
            .clone()
            .unwrap_or_else(|| t.customer_id.clone()),
        t.initial_domain_name.clone(),
        Some(t.display_name.clone()),
        t.groups.clone(),
    )
}

impl Cipp {
    /// A standards runner sending through this client (and sharing its Exchange host cache).
    ///
    /// ```no_run
    /// # async fn run(cipp: cipp::Cipp, template_json: &str) -> Result<(), Box<dyn std::error::Error>> {
    /// use cipp::standards::{Mode, StandardsTemplate};
    /// let template = StandardsTemplate::from_json(template_json, "baseline.json")?;
    /// let targets = cipp.standards_targets().await?;
    /// let report = cipp.standards().build().run(&[template], &targets, Mode::Report).await;
    /// println!("{}", report.to_markdown());
    /// # Ok(()) }
    /// ```
    pub fn standards(&self) -> StandardsRunnerBuilder {
        StandardsRunner::builder(self.pipeline().clone()).collector(self.collector())
    }

    /// A run target for every managed tenant.
    pub async fn standards_targets(&self) -> Result<Vec<Target>, Error> {
        Ok(self.tenants().await?.iter().map(target_of).collect())
    }

    /// The run target for one managed tenant (GUID, default or initial domain).
    pub async fn standards_target(&self, tenant: &str) -> Result<Target, Error> {
        Ok(target_of(&self.managed_tenant(tenant).await?))
    }
}
