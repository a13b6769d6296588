//! `Cipp`: the entry point. Holds the credentials and pipeline shared by every tenant.

use std::sync::Arc;
use std::time::Duration;

use cipp_core::http::{Transport, TransportOptions};
use cipp_core::{
    ClientCertificate, Cloud, Credentials, Endpoints, Error, Pipeline, RetryPolicy, Service,
    Settings,
};

use cipp_core::secret_store::SecretStore;
use cipp_exchange::ExchangeCache;
use cipp_gdap::{DirectoryOptions, GdapClient, TenantDirectory};
use cipp_graph::GraphClient;
use cipp_keyvault::KeyVaultClient;

use crate::tenant::Tenant;

/// The cipp-rs client: one per application, cheap to clone.
///
/// ```no_run
/// # async fn run() -> Result<(), cipp::Error> {
/// use futures::TryStreamExt;
/// let cipp = cipp::Cipp::from_env()?;
/// for t in cipp.tenants().await? {
///     let users: Vec<_> = cipp.tenant(&t.customer_id).graph().users().list().stream().try_collect().await?;
///     println!("{}: {} users", t.display_name, users.len());
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Cipp {
    pipeline: Pipeline,
    pub(crate) directory: TenantDirectory,
    /// Exchange discoveries (regional compliance hosts, ...) shared by every tenant handle.
    exchange_cache: Arc<ExchangeCache>,
}

impl Cipp {
    /// Start building a client.
    pub fn builder() -> CippBuilder {
        CippBuilder::default()
    }

    /// Build from the `CIPP_*` environment variables.
    pub fn from_env() -> Result<Self, Error> {
        CippBuilder::from_settings(Settings::from_env()?).build()
    }

    /// Wrap an existing pipeline.
    pub fn from_pipeline(pipeline: Pipeline) -> Self {
        Self::with_directory_options(pipeline, DirectoryOptions::default())
    }

    fn with_directory_options(pipeline: Pipeline, options: DirectoryOptions) -> Self {
        let partner = pipeline.credentials().partner_tenant().to_string();
        let gdap = GdapClient::new(GraphClient::new(pipeline.clone(), partner));
        Cipp {
            directory: TenantDirectory::new(gdap, options),
            pipeline,
            exchange_cache: ExchangeCache::new(),
        }
    }

    /// The shared HTTP pipeline.
    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }

    /// A handle on one tenant: its GUID, default domain or initial domain.
    pub fn tenant(&self, tenant: impl Into<String>) -> Tenant {
        Tenant::new(
            self.pipeline.clone(),
            tenant.into(),
            self.exchange_cache.clone(),
        )
    }

    /// Reads cache types from tenants into snapshots (sharing this client's Exchange cache).
    pub fn collector(&self) -> cipp_snapshot::Collector {
        cipp_snapshot::Collector::new(self.pipeline.clone())
            .with_exchange_cache(self.exchange_cache.clone())
    }

    /// The secrets of Key Vault `vault` (its name, as in `{vault}.vault.azure.net`), with
    /// app-only tokens of the SAM app in the partner tenant.
    ///
    /// ```no_run
    /// # async fn run(cipp: cipp::Cipp) -> Result<(), cipp::Error> {
    /// let kv = cipp.key_vault("cipp-kv")?;
    /// let secret = kv.get_secret("HIBP").await?;
    /// # Ok(()) }
    /// ```
    pub fn key_vault(&self, vault: &str) -> Result<KeyVaultClient, Error> {
        Ok(KeyVaultClient::new(self.pipeline.clone(), vault)?)
    }

    /// The partner (MSP) tenant itself.
    pub fn partner(&self) -> Tenant {
        let id = self.pipeline.credentials().partner_tenant().to_string();
        self.tenant(id)
    }
}

/// Builder for [`Cipp`]; every setting has an environment variable of the same meaning.
#[derive(Debug, Default)]
pub struct CippBuilder {
    settings: Settings,
    certificate: Option<ClientCertificate>,
    retry: Option<RetryPolicy>,
    transport: Option<Arc<dyn Transport>>,
    transport_options: Option<TransportOptions>,
    user_agent_suffix: Option<String>,
    per_tenant_concurrency: Option<usize>,
    token_refresh_margin: Option<Duration>,
    throttle_priority: Option<cipp_core::ThrottlePriority>,
    directory: DirectoryOptions,
    secret_store: Option<Arc<dyn SecretStore>>,
    direct_tenants: Vec<String>,
}

impl CippBuilder {
    /// Start from already-read settings.
    pub fn from_settings(settings: Settings) -> Self {
        CippBuilder {
            settings,
            ..Default::default()
        }
    }

    /// SAM application id (`CIPP_APPLICATION_ID`).
    pub fn application_id(mut self, id: impl Into<String>) -> Self {
        self.settings.application_id = Some(id.into());
        self
    }

    /// SAM application secret (`CIPP_APPLICATION_SECRET`).
    pub fn application_secret(mut self, secret: impl Into<String>) -> Self {
        self.settings.application_secret = Some(secret.into().into());
        self
    }

    /// Authenticate the app with a certificate instead of a secret.
    pub fn certificate(mut self, cert: ClientCertificate) -> Self {
        self.certificate = Some(cert);
        self
    }

    /// Partner refresh token (`CIPP_REFRESH_TOKEN`).
    pub fn refresh_token(mut self, token: impl Into<String>) -> Self {
        self.settings.refresh_token = Some(token.into().into());
        self
    }

    /// Partner tenant id or domain (`CIPP_TENANT_ID`).
    pub fn tenant_id(mut self, tenant: impl Into<String>) -> Self {
        self.settings.tenant_id = Some(tenant.into());
        self
    }

    /// Cloud (`CIPP_CLOUD`).
    pub fn cloud(mut self, cloud: Cloud) -> Self {
        self.settings.cloud = cloud;
        self
    }

    /// Send `service`'s requests to `base_url` (`CIPP_GRAPH_URL`, ...). Token audiences stay.
    pub fn endpoint(mut self, service: Service, base_url: impl Into<String>) -> Self {
        self.settings.overrides.retain(|(s, _)| *s != service);
        self.settings.overrides.push((service, base_url.into()));
        self
    }

    /// Retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Custom transport (tests).
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Settings of the default transport (timeouts, pool).
    pub fn transport_options(mut self, options: TransportOptions) -> Self {
        self.transport_options = Some(options);
        self
    }

    /// Attribution appended to the `User-Agent`, e.g. `user:tech@msp.com`.
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Requests in flight per tenant at most (default 8).
    pub fn per_tenant_concurrency(mut self, n: usize) -> Self {
        self.per_tenant_concurrency = Some(n);
        self
    }

    /// Renew tokens this long before they expire (default 120 s).
    pub fn token_refresh_margin(mut self, margin: Duration) -> Self {
        self.token_refresh_margin = Some(margin);
        self
    }

    /// Default `x-ms-throttle-priority` of Graph calls (none unless set).
    pub fn throttle_priority(mut self, priority: cipp_core::ThrottlePriority) -> Self {
        self.throttle_priority = Some(priority);
        self
    }

    /// Aliases, exclusions, tenant groups, the partner tenant and the cache TTL of the
    /// managed-tenant directory.
    pub fn directory_options(mut self, options: DirectoryOptions) -> Self {
        self.directory = options;
        self
    }

    /// Keep the refresh tokens in `store`: the partner's (`RefreshToken`) is read from it when
    /// not given, and rotated tokens are written back (at most every 10 minutes).
    pub fn secret_store(mut self, store: Arc<dyn SecretStore>) -> Self {
        self.secret_store = Some(store);
        self
    }

    /// Read the credentials not given yet from `store`, under CIPP's secret names
    /// (`ApplicationID`, `ApplicationSecret`, `TenantID`, `RefreshToken`): how CIPP itself
    /// starts, with a Key Vault reached through its managed identity.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), cipp::Error> {
    /// use std::sync::Arc;
    /// use cipp::keyvault::{KeyVaultClient, KeyVaultSecretStore, ManagedIdentity};
    /// let vault = KeyVaultClient::builder("cipp-kv")
    ///     .managed_identity(ManagedIdentity::from_env()?)
    ///     .build()?;
    /// let store = Arc::new(KeyVaultSecretStore::new(vault));
    /// let cipp = cipp::Cipp::builder()
    ///     .fill_from_store(store.as_ref())
    ///     .await?
    ///     .secret_store(store) // rotated refresh tokens go back to the vault
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub async fn fill_from_store(mut self, store: &dyn SecretStore) -> Result<Self, Error> {
        self.settings.fill_from_store(store).await?;
        Ok(self)
    }

    /// Reach `tenant_id` (a GUID) with its own refresh token, stored under its GUID in the
    /// secret store, instead of through GDAP.
    pub fn direct_tenant(mut self, tenant_id: impl Into<String>) -> Self {
        self.direct_tenants.push(tenant_id.into());
        self
    }

    /// Validate and build.
    pub fn build(self) -> Result<Cipp, Error> {
        let endpoints: Endpoints = self.settings.endpoints()?;
        let builder = match self.certificate {
            Some(cert) => {
                let app = self.settings.application_id.clone().ok_or_else(|| {
                    Error::invalid_input("CIPP_APPLICATION_ID", "not set (the SAM application id)")
                })?;
                let tenant = self.settings.tenant_id.clone().ok_or_else(|| {
                    Error::invalid_input("CIPP_TENANT_ID", "not set (the partner tenant)")
                })?;
                let mut b = Credentials::builder(app)
                    .partner_tenant(tenant)
                    .certificate(cert);
                if let Some(rt) = &self.settings.refresh_token {
                    b = b.refresh_token(cipp_core::ExposeSecret::expose_secret(rt));
                }
                b
            }
            None => self.settings.credentials_builder()?,
        };
        let builder = match self.secret_store {
            Some(store) => builder.secret_store(store),
            None => builder,
        };
        let credentials: Credentials = self
            .direct_tenants
            .into_iter()
            .fold(builder, |b, t| b.direct_tenant(t))
            .build()?;
        let mut p = Pipeline::builder(credentials).endpoints(endpoints);
        if let Some(r) = self.retry {
            p = p.retry(r);
        }
        if let Some(t) = self.transport {
            p = p.transport(t);
        }
        if let Some(o) = self.transport_options {
            p = p.transport_options(o);
        }
        if let Some(s) = self.user_agent_suffix {
            p = p.user_agent_suffix(s);
        }
        if let Some(n) = self.per_tenant_concurrency {
            p = p.per_tenant_concurrency(n);
        }
        if let Some(m) = self.token_refresh_margin {
            p = p.token_refresh_margin(m);
        }
        if let Some(t) = self.throttle_priority {
            p = p.throttle_priority(t);
        }
        Ok(Cipp::with_directory_options(p.build()?, self.directory))
    }
}
