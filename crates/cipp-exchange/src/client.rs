//! `ExchangeClient`: one customer tenant's Exchange Online (or Security & Compliance) admin API.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use cipp_core::{Grant, Method, Pipeline, Service, ServiceRequest};
use http::header::{HeaderName, HeaderValue};
use serde_json::Value;

use crate::anchor::{system_anchor, Anchor};
use crate::cmdlet::Cmdlet;
use crate::error::ExchangeError;

/// Module version the admin API expects in its discovery calls.
pub(crate) const MODULE_VERSION: &str = "3.9.2";

/// What one process learns about tenants once and reuses: the regional Security & Compliance
/// host of each tenant, tenants' initial domains, and mailbox UPNs of object ids. Share one
/// between every client of an application (the `cipp` facade does), so discovery happens once
/// per tenant, not once per call.
#[derive(Debug, Default)]
pub struct ExchangeCache {
    compliance_hosts: Mutex<HashMap<String, String>>,
    initial_domains: Mutex<HashMap<String, String>>,
    upns: Mutex<HashMap<String, String>>,
}

impl ExchangeCache {
    /// An empty cache.
    pub fn new() -> Arc<Self> {
        Arc::new(ExchangeCache::default())
    }

    fn get(map: &Mutex<HashMap<String, String>>, key: &str) -> Option<String> {
        map.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .cloned()
    }

    fn put(map: &Mutex<HashMap<String, String>>, key: &str, value: &str) {
        map.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key.to_string(), value.to_string());
    }

    /// The regional Security & Compliance base URL found for a tenant GUID, if discovered.
    pub fn compliance_host(&self, tenant_guid: &str) -> Option<String> {
        Self::get(&self.compliance_hosts, tenant_guid)
    }
}

/// Which admin API a client talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// Exchange Online (`outlook.office365.com/adminapi`).
    Exchange,
    /// Security & Compliance (IPPS), on the tenant's regional host.
    Compliance,
}

impl Endpoint {
    pub(crate) fn service(self) -> Service {
        match self {
            Endpoint::Exchange => Service::Exchange,
            Endpoint::Compliance => Service::Compliance,
        }
    }
}

/// Exchange Online admin API for one tenant: cmdlets through `InvokeCommand`, many cmdlets in
/// one `$batch`, typed helpers for the common reads. Cheap to clone.
///
/// ```no_run
/// # async fn run(pipeline: cipp_core::Pipeline) -> Result<(), cipp_exchange::ExchangeError> {
/// use cipp_exchange::ExchangeClient;
/// let exo = ExchangeClient::new(pipeline, "alpha.onmicrosoft.com");
/// let rows = exo
///     .cmdlet("Get-Mailbox")
///     .param("ResultSize", "Unlimited")
///     .select(["UserPrincipalName", "RecipientTypeDetails"])
///     .rows()
///     .await?;
/// println!("{} mailboxes", rows.len());
/// exo.cmdlet("Set-Mailbox")
///     .param("Identity", "adele@alpha.onmicrosoft.com")
///     .param("AuditEnabled", true)
///     .invoke()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ExchangeClient {
    pub(crate) pipeline: Pipeline,
    pub(crate) tenant: String,
    pub(crate) endpoint: Endpoint,
    pub(crate) grant: Grant,
    pub(crate) cache: Arc<ExchangeCache>,
    pub(crate) round_trips: Arc<AtomicU64>,
}

impl fmt::Debug for ExchangeClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExchangeClient")
            .field("tenant", &self.tenant)
            .field("endpoint", &self.endpoint)
            .field("grant", &self.grant)
            .finish_non_exhaustive()
    }
}

/// Builds an [`ExchangeClient`].
#[derive(Debug)]
pub struct ExchangeClientBuilder {
    pipeline: Pipeline,
    tenant: String,
    endpoint: Endpoint,
    grant: Grant,
    cache: Option<Arc<ExchangeCache>>,
}

impl ExchangeClientBuilder {
    /// Talk to Security & Compliance instead of Exchange Online.
    pub fn compliance(mut self) -> Self {
        self.endpoint = Endpoint::Compliance;
        self
    }

    /// Use app-only tokens (the SAM app's `Exchange.ManageAsApp`) instead of delegated ones.
    pub fn grant(mut self, grant: Grant) -> Self {
        self.grant = grant;
        self
    }

    /// Share discoveries with other clients.
    pub fn cache(mut self, cache: Arc<ExchangeCache>) -> Self {
        self.cache = Some(cache);
        self
    }

    /// The client.
    pub fn build(self) -> ExchangeClient {
        ExchangeClient {
            pipeline: self.pipeline,
            tenant: self.tenant,
            endpoint: self.endpoint,
            grant: self.grant,
            cache: self.cache.unwrap_or_default(),
            round_trips: Arc::default(),
        }
    }
}

impl ExchangeClient {
    /// Exchange Online in `tenant` (GUID or any of its domains), delegated, with its own cache.
    pub fn new(pipeline: Pipeline, tenant: impl Into<String>) -> Self {
        Self::builder(pipeline, tenant).build()
    }

    /// A builder for anything but the defaults.
    pub fn builder(pipeline: Pipeline, tenant: impl Into<String>) -> ExchangeClientBuilder {
        ExchangeClientBuilder {
            pipeline,
            tenant: tenant.into(),
            endpoint: Endpoint::Exchange,
            grant: Grant::Delegated,
            cache: None,
        }
    }

    /// The same tenant's Security & Compliance admin API (sharing this client's cache).
    pub fn compliance(&self) -> ExchangeClient {
        ExchangeClient {
            endpoint: Endpoint::Compliance,
            round_trips: Arc::default(),
            ..self.clone()
        }
    }

    /// The tenant this client works in, as given.
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// Which admin API this client talks to.
    pub fn endpoint(&self) -> Endpoint {
        self.endpoint
    }

    /// HTTP requests this client (and its clones) has sent so far, discovery included.
    pub fn round_trips(&self) -> u64 {
        self.round_trips.load(Ordering::Relaxed)
    }

    /// Start a cmdlet call.
    pub fn cmdlet(&self, name: impl Into<String>) -> Cmdlet {
        Cmdlet::new(self.clone(), name.into())
    }

    /// Run `name` with `parameters` (a JSON object, or null for none) and return its rows.
    pub async fn invoke(&self, name: &str, parameters: Value) -> Result<Vec<Value>, ExchangeError> {
        self.cmdlet(name).params(parameters)?.rows().await
    }

    /// The cmdlets this tenant's session may run (`EXOModuleFile`), sorted.
    pub async fn available_cmdlets(&self) -> Result<Vec<String>, ExchangeError> {
        let base = self.base().await?;
        let guid = self.tenant_guid().await?;
        let url = format!("{base}/adminapi/v1.0/{guid}/EXOModuleFile?Version={MODULE_VERSION}");
        let anchor = self.anchor_header(&Anchor::SystemMailbox, "").await?;
        let req = self
            .request(Method::GET, url)
            .header(
                HeaderName::from_static("commandname"),
                HeaderValue::from_static("*"),
            )
            .header(HeaderName::from_static("x-anchormailbox"), anchor);
        let resp = self.send(req).await?;
        let body: Value = serde_json::from_slice(&resp.body).unwrap_or_default();
        let list = body
            .get("value")
            .and_then(|v| v.get(0))
            .and_then(|v| v.get("exportedCmdlets"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        let mut names: Vec<String> = list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }

    /// The tenant's GUID (the admin API wants it in the URL).
    pub async fn tenant_guid(&self) -> Result<String, ExchangeError> {
        Ok(self.pipeline.resolve_tenant(&self.tenant).await?)
    }

    pub(crate) fn request(&self, method: Method, url: String) -> ServiceRequest {
        ServiceRequest::new(self.endpoint.service(), self.tenant.clone(), method, url)
            .grant(self.grant)
    }

    pub(crate) async fn send(
        &self,
        req: ServiceRequest,
    ) -> Result<cipp_core::HttpResponse, cipp_core::Error> {
        self.round_trips.fetch_add(1, Ordering::Relaxed);
        self.pipeline.send(req).await
    }

    /// The base URL (scheme and host, no trailing `/`) of this client's admin API. For
    /// Security & Compliance that is the tenant's regional host, found once from the redirect
    /// the global host answers with.
    pub(crate) async fn base(&self) -> Result<String, ExchangeError> {
        let global = self
            .pipeline
            .endpoints()
            .base(self.endpoint.service())
            .as_str()
            .trim_end_matches('/')
            .to_string();
        if self.endpoint == Endpoint::Exchange {
            return Ok(global);
        }
        let guid = self.tenant_guid().await?;
        if let Some(host) = self.cache.compliance_host(&guid) {
            return Ok(host);
        }
        let url = format!(
            "{global}/adminapi/beta/{guid}/EXOBanner('AutogenSession')?Version={MODULE_VERSION}"
        );
        let answer = self
            .send(self.request(Method::GET, url).no_redirects())
            .await;
        let regional = match answer {
            Ok(resp) => resp.header("location").and_then(regional_base),
            Err(e) => {
                tracing::debug!(tenant = %self.tenant, error = %e, "compliance host discovery failed; using the global host");
                None
            }
        };
        match regional {
            Some(host) => {
                ExchangeCache::put(&self.cache.compliance_hosts, &guid, &host);
                Ok(host)
            }
            // Not cached, so the next call tries again.
            None => Ok(global),
        }
    }

    /// The `X-AnchorMailbox` value for `anchor` when running `cmdlet`.
    pub(crate) async fn anchor_header(
        &self,
        anchor: &Anchor,
        cmdlet: &str,
    ) -> Result<HeaderValue, ExchangeError> {
        let value = match (anchor.system_guid(cmdlet), anchor) {
            (Some(mailbox), _) => {
                let guid = self.tenant_guid().await?;
                let initial = match self.endpoint {
                    Endpoint::Compliance => self.initial_domain().await?,
                    Endpoint::Exchange => String::new(),
                };
                system_anchor(
                    mailbox,
                    self.endpoint == Endpoint::Compliance,
                    &guid,
                    &initial,
                )
            }
            (None, Anchor::Mailbox(user)) => format!("UPN:{}", self.mailbox_upn(user).await?),
            (None, _) => {
                return Err(ExchangeError::invalid(
                    "anchor",
                    "no system mailbox for this anchor",
                ))
            }
        };
        HeaderValue::from_str(&value).map_err(|_| {
            ExchangeError::invalid("anchor", format!("'{value}' is not a valid header value"))
        })
    }

    /// The tenant's `*.onmicrosoft.com` domain (the compliance anchor needs it).
    async fn initial_domain(&self) -> Result<String, ExchangeError> {
        let t = self.tenant.trim().to_ascii_lowercase();
        if t.ends_with(".onmicrosoft.com") && !t.ends_with(".mail.onmicrosoft.com") {
            return Ok(t);
        }
        let guid = self.tenant_guid().await?;
        if let Some(d) = ExchangeCache::get(&self.cache.initial_domains, &guid) {
            return Ok(d);
        }
        let org = self
            .graph_get("v1.0/organization?$select=verifiedDomains")
            .await?;
        let domain = org
            .get("value")
            .and_then(|v| v.get(0))
            .and_then(|o| o.get("verifiedDomains"))
            .and_then(Value::as_array)
            .and_then(|ds| {
                ds.iter()
                    .find(|d| d.get("isInitial").and_then(Value::as_bool) == Some(true))
            })
            .and_then(|d| d.get("name"))
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
            .ok_or_else(|| {
                ExchangeError::invalid(
                    "tenant",
                    format!(
                        "tenant '{}' reports no initial (onmicrosoft.com) domain",
                        self.tenant
                    ),
                )
            })?;
        ExchangeCache::put(&self.cache.initial_domains, &guid, &domain);
        Ok(domain)
    }

    /// A mailbox anchor by UPN; an object id is looked up in Graph once.
    async fn mailbox_upn(&self, user: &str) -> Result<String, ExchangeError> {
        if !cipp_core::is_guid(user) {
            return Ok(user.to_string());
        }
        let key = format!("{}/{}", self.tenant, user.to_ascii_lowercase());
        if let Some(upn) = ExchangeCache::get(&self.cache.upns, &key) {
            return Ok(upn);
        }
        let body = self
            .graph_get(&format!("v1.0/users/{user}?$select=id,userPrincipalName"))
            .await?;
        let upn = body
            .get("userPrincipalName")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                ExchangeError::invalid("anchor", format!("user '{user}' has no userPrincipalName"))
            })?
            .to_string();
        ExchangeCache::put(&self.cache.upns, &key, &upn);
        Ok(upn)
    }

    async fn graph_get(&self, path: &str) -> Result<Value, ExchangeError> {
        let url = self.pipeline.endpoints().join(Service::Graph, path);
        let req = ServiceRequest::new(Service::Graph, self.tenant.clone(), Method::GET, url);
        let resp = self.send(req).await?;
        Ok(cipp_core::error::decode_json(
            &resp.body,
            "GET graph",
            &self.tenant,
        )?)
    }
}

/// `https://nam10b.ps.compliance.protection.outlook.com/adminapi/beta/...` ->
/// `https://nam10b.ps.compliance.protection.outlook.com`: everything before `/adminapi/`.
fn regional_base(location: &str) -> Option<String> {
    let url = url::Url::parse(location).ok()?;
    let cut = location.find("/adminapi/")?;
    let base = location[..cut].trim_end_matches('/');
    (url.scheme() == "https" || url.scheme() == "http").then(|| base.to_string())
}

#[cfg(test)]
mod tests {
    use super::regional_base;

    #[test]
    fn regional_base_keeps_scheme_host_and_prefix() {
        assert_eq!(
            regional_base("https://nam10b.ps.compliance.protection.outlook.com/adminapi/beta/x/EXOBanner('AutogenSession')?Version=3.9.2").as_deref(),
            Some("https://nam10b.ps.compliance.protection.outlook.com")
        );
        assert_eq!(
            regional_base("http://127.0.0.1:9/compliance/eur03b/adminapi/beta/x").as_deref(),
            Some("http://127.0.0.1:9/compliance/eur03b")
        );
        assert_eq!(regional_base("/relative/adminapi/x"), None);
        assert_eq!(regional_base("https://host/other"), None);
    }
}
