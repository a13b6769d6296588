//! Compromised-account research and remediation on a [`Tenant`].

use cipp_actions::bec::Bec;
use cipp_actions::security::AccountSecurity;

use crate::Tenant;

impl Tenant {
    /// Compromised-account ("BEC") research and remediation in this tenant.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), cipp::Error> {
    /// use cipp::actions::bec::{RemediationOptions, ResearchOptions};
    /// let cipp = cipp::Cipp::from_env()?;
    /// let bec = cipp.tenant("alpha.onmicrosoft.com").bec();
    /// let report = bec.research("miriam.vance@alphadental.com", &ResearchOptions::default()).await?;
    /// println!("{}", report.to_markdown());
    /// let plan = bec.plan("miriam.vance@alphadental.com", &RemediationOptions::default()).await?;
    /// println!("{}", plan.to_markdown());
    /// # Ok(()) }
    /// ```
    pub fn bec(&self) -> Bec {
        Bec::new(AccountSecurity::new(self.graph(), self.exchange()))
    }
}
