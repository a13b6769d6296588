//! [`Sim`]: a running simulator and what a test can ask of it.

use std::net::SocketAddr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::builder::SimBuilder;
use crate::faults::FaultControl;
use crate::log::{RequestRecord, SimStats};
use crate::state::State;
use crate::{SimError, SimTenant};

/// The seeded application and the partner's refresh token: test values, not secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimCredentials {
    /// SAM application (client) id.
    pub application_id: String,
    /// SAM application secret (contains `+`, `/` and `=`).
    pub application_secret: String,
    /// Refresh token of the partner's service account (contains `+`).
    pub refresh_token: String,
    /// Partner tenant GUID.
    pub partner_tenant_id: String,
}

pub(crate) fn credentials(state: &State) -> SimCredentials {
    SimCredentials {
        application_id: state.app.application_id.clone(),
        application_secret: state.app.application_secret.clone(),
        refresh_token: state.app.refresh_token.clone(),
        partner_tenant_id: state.directory.partner.id.clone(),
    }
}

/// A running simulator on a loopback port. Dropping it (or [`Sim::shutdown`]) stops it.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let sim = cipp_sim::Sim::start().await?;
/// let c = sim.credentials();
/// let token: serde_json::Value = reqwest::Client::new()
///     .post(format!("{}/{}/oauth2/v2.0/token", sim.login_url(), c.partner_tenant_id))
///     .form(&[
///         ("client_id", c.application_id.as_str()),
///         ("client_secret", c.application_secret.as_str()),
///         ("grant_type", "refresh_token"),
///         ("refresh_token", c.refresh_token.as_str()),
///         ("scope", "https://graph.microsoft.com/.default"),
///     ])
///     .send()
///     .await?
///     .json()
///     .await?;
/// let users: serde_json::Value = reqwest::Client::new()
///     .get(format!("{}/v1.0/users?$top=5", sim.graph_url()))
///     .bearer_auth(token["access_token"].as_str().unwrap_or_default())
///     .send()
///     .await?
///     .json()
///     .await?;
/// assert_eq!(users["value"].as_array().map(Vec::len), Some(5));
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Sim {
    pub(crate) state: Arc<State>,
    pub(crate) addr: SocketAddr,
    pub(crate) shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    pub(crate) task: Option<tokio::task::JoinHandle<()>>,
}

impl Sim {
    /// Start with the built-in seed on a free port of 127.0.0.1 (needs a Tokio runtime).
    pub async fn start() -> Result<Sim, SimError> {
        SimBuilder::default().start().await
    }

    /// Configure a simulator before starting it.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), cipp_sim::SimError> {
    /// use std::time::Duration;
    /// let sim = cipp_sim::Sim::builder()
    ///     .generated_users("alpha.onmicrosoft.com", 100_000)
    ///     .latency(Duration::from_millis(5))
    ///     .token_lifetime(Duration::from_secs(60))
    ///     .start()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn builder() -> SimBuilder {
        SimBuilder::default()
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stands in for `https://login.microsoftonline.com`.
    pub fn login_url(&self) -> String {
        format!("{}/login", self.base_url())
    }

    /// Stands in for `https://graph.microsoft.com`.
    pub fn graph_url(&self) -> String {
        format!("{}/graph", self.base_url())
    }

    /// Stands in for `https://api.partnercenter.microsoft.com`.
    pub fn partner_center_url(&self) -> String {
        format!("{}/partnercenter", self.base_url())
    }

    /// Stands in for `https://outlook.office365.com` (Exchange Online admin API).
    pub fn exchange_url(&self) -> String {
        format!("{}/exchange", self.base_url())
    }

    /// Stands in for `https://ps.compliance.protection.outlook.com`; it redirects each tenant
    /// to its regional host below it.
    pub fn compliance_url(&self) -> String {
        format!("{}/compliance", self.base_url())
    }

    /// Stands in for `https://api.interfaces.records.teams.microsoft.com` (Teams ConfigAPI).
    pub fn teams_url(&self) -> String {
        format!("{}/teams", self.base_url())
    }

    /// Stands in for `https://*.sharepoint.com`: tenant `name`'s admin host is
    /// `{sharepoint_url}/{name}-admin`.
    pub fn sharepoint_url(&self) -> String {
        format!("{}/sharepoint", self.base_url())
    }

    /// Stands in for Key Vault: vault `{name}` is at `{key_vault_url}/{name}` (the prefix form
    /// `CIPP_KEYVAULT_URL` takes).
    pub fn key_vault_url(&self) -> String {
        format!("{}/keyvault", self.base_url())
    }

    /// The App Service managed identity endpoint (what `IDENTITY_ENDPOINT` says in Azure).
    pub fn identity_endpoint(&self) -> String {
        format!("{}/msi/token", self.base_url())
    }

    /// The secret the identity endpoint wants in `X-IDENTITY-HEADER` (`IDENTITY_HEADER`).
    pub fn identity_header(&self) -> String {
        self.state.keyvault.identity_header.clone()
    }

    /// The direct tenant (reached with its own refresh token, not GDAP): its GUID and
    /// refresh token. The built-in seed's is *Echo Hospitality*; `None` when the seed has no
    /// tenant outside the partner's customers.
    pub fn direct_tenant(&self) -> Option<(String, String)> {
        self.state.login.direct.clone()
    }

    /// Every simulated service as `(service name, base URL)`, the names being those the SDK's
    /// configuration uses (`login`, `graph`, ...; `CIPP_{NAME}_URL` in the environment).
    /// Point a client at all of them to run it entirely against the simulator.
    pub fn endpoints(&self) -> Vec<(&'static str, String)> {
        vec![
            ("login", self.login_url()),
            ("graph", self.graph_url()),
            ("partner_center", self.partner_center_url()),
            ("exchange", self.exchange_url()),
            ("compliance", self.compliance_url()),
            ("teams", self.teams_url()),
            ("sharepoint", self.sharepoint_url()),
            ("keyvault", self.key_vault_url()),
        ]
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The seeded application, partner refresh token and partner tenant id.
    pub fn credentials(&self) -> SimCredentials {
        credentials(&self.state)
    }

    /// The customer tenants, in seed order.
    pub fn tenants(&self) -> Vec<SimTenant> {
        self.state.directory.customers.clone()
    }

    /// The partner tenant.
    pub fn partner(&self) -> SimTenant {
        self.state.directory.partner.clone()
    }

    /// Run-time control of faults, latency and tokens.
    pub fn faults(&self) -> FaultControl {
        FaultControl {
            state: self.state.clone(),
        }
    }

    /// The requests answered so far (the newest 200,000), oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.state.log().records().cloned().collect()
    }

    /// Forget the request log and reset the counters.
    pub fn clear_requests(&self) {
        self.state.log().clear();
    }

    /// Counters since start or the last [`Sim::clear_requests`].
    pub fn stats(&self) -> SimStats {
        self.state.log().stats().clone()
    }

    /// Add `count` generated users to `tenant` (GUID or domain); delta queries see them.
    pub fn generate_users(&self, tenant: &str, count: usize) -> Result<(), SimError> {
        self.state.generate_users(tenant, count, true)
    }

    /// The Exchange objects of `noun` (`Mailbox`, `TransportRule`, ...) in `tenant` (GUID or
    /// domain), as the simulator holds them now; `compliance` for Security & Compliance nouns.
    pub fn exchange_objects(
        &self,
        tenant: &str,
        noun: &str,
        compliance: bool,
    ) -> Result<Vec<serde_json::Value>, SimError> {
        let guid = self.tenant_guid(tenant)?;
        Ok(self.state.exchange.rows(&guid, noun, compliance))
    }

    /// The Teams configurations of `kind` (`TeamsMeetingPolicy`, ...) in `tenant`.
    pub fn teams_configurations(
        &self,
        tenant: &str,
        kind: &str,
    ) -> Result<Vec<serde_json::Value>, SimError> {
        let guid = self.tenant_guid(tenant)?;
        Ok(self.state.teams.instances(&guid, kind))
    }

    /// The SharePoint tenant settings of `tenant` (what CSOM's Tenant object reads).
    pub fn sharepoint_settings(&self, tenant: &str) -> Result<serde_json::Value, SimError> {
        let guid = self.tenant_guid(tenant)?;
        let t = self
            .state
            .directory
            .all()
            .find(|t| t.id == guid)
            .ok_or_else(|| SimError::UnknownTenant(tenant.to_string()))?;
        let name = crate::sharepoint::sharepoint_name(&t.initial_domain);
        Ok(self
            .state
            .sharepoint
            .settings(&name)
            .map(serde_json::Value::Object)
            .unwrap_or_default())
    }

    /// One SharePoint site collection of `tenant` by URL (a user's OneDrive): its CSOM
    /// properties and, under `admins`, the UPNs of its site collection administrators.
    pub fn sharepoint_site(
        &self,
        tenant: &str,
        url: &str,
    ) -> Result<Option<serde_json::Value>, SimError> {
        let guid = self.tenant_guid(tenant)?;
        Ok(self.state.sharepoint.site(&guid, url))
    }

    /// Add `count` generated user mailboxes to `tenant`'s Exchange (benchmarks, paging tests).
    pub fn generate_mailboxes(&self, tenant: &str, count: usize) -> Result<(), SimError> {
        let guid = self.tenant_guid(tenant)?;
        if let Some(t) = self.state.directory.all().find(|t| t.id == guid) {
            self.state.exchange.add_mailboxes(t, count);
        }
        Ok(())
    }

    fn tenant_guid(&self, tenant: &str) -> Result<String, SimError> {
        self.state
            .directory
            .resolve(tenant)
            .map(str::to_string)
            .ok_or_else(|| SimError::UnknownTenant(tenant.to_string()))
    }

    /// The customer `customer` (GUID or domain) accepts the GDAP invitation `relationship`
    /// (which must be `approvalPending`): it becomes `active`, and delegated tokens for the
    /// customer work from then on. Answers the relationship.
    pub fn approve_relationship(
        &self,
        relationship: &str,
        customer: &str,
    ) -> Result<serde_json::Value, SimError> {
        self.state.approve_relationship(relationship, customer)
    }

    /// Stop serving and wait until the server has ended.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Serve until the server task ends (for `cipp sim serve`: in practice until the
    /// process is interrupted or this future is dropped, which stops the server).
    pub async fn wait(mut self) {
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
