//! `SharePointClient`: one tenant's SharePoint Online admin surface.

use std::fmt;
use std::sync::Arc;

use cipp_core::{Grant, Method, Pipeline, Service, ServiceRequest};
use http::header::{HeaderName, HeaderValue, ACCEPT, CONTENT_TYPE};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::sync::OnceCell;

use crate::csom;
use crate::error::SharePointError;

/// Tenant-wide SharePoint settings (`Tenant` in CSOM): every property as SharePoint returned it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TenantSettings {
    /// Every property, by its CSOM name (`SharingCapability`, `ShowEveryoneClaim`, ...).
    #[serde(flatten)]
    pub properties: Map<String, Value>,
}

impl TenantSettings {
    /// One property.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.properties.get(name)
    }

    /// External sharing: 0 disabled, 1 existing guests and new guests by sign-in, 2 anyone,
    /// 3 existing guests only.
    pub fn sharing_capability(&self) -> Option<i64> {
        self.get("SharingCapability").and_then(Value::as_i64)
    }
}

/// Who a site collection (or the tenant) may share with: CSOM's `SharingCapabilities`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum SharingCapability {
    /// Nobody outside the organisation (0).
    Disabled,
    /// Guests who sign in, new and existing (1).
    ExternalUserSharingOnly,
    /// Anyone, with links that need no sign-in (2).
    ExternalUserAndGuestSharing,
    /// Only guests already in the directory (3).
    ExistingExternalUserSharingOnly,
}

impl SharingCapability {
    /// The number CSOM uses.
    pub fn value(self) -> i64 {
        match self {
            SharingCapability::Disabled => 0,
            SharingCapability::ExternalUserSharingOnly => 1,
            SharingCapability::ExternalUserAndGuestSharing => 2,
            SharingCapability::ExistingExternalUserSharingOnly => 3,
        }
    }

    /// The capability CSOM's number stands for.
    pub fn from_value(value: i64) -> Option<Self> {
        match value {
            0 => Some(SharingCapability::Disabled),
            1 => Some(SharingCapability::ExternalUserSharingOnly),
            2 => Some(SharingCapability::ExternalUserAndGuestSharing),
            3 => Some(SharingCapability::ExistingExternalUserSharingOnly),
            _ => None,
        }
    }
}

/// One site collection's properties (`SiteProperties` in CSOM), as SharePoint returned them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SiteProperties {
    /// The site collection URL.
    #[serde(rename = "Url", default)]
    pub url: String,
    /// Title.
    #[serde(rename = "Title", default)]
    pub title: Option<String>,
    /// Primary administrator's login name (the OneDrive's owner for a personal site).
    #[serde(rename = "Owner", default)]
    pub owner: Option<String>,
    /// Site template (`SPSPERS#10` for a OneDrive).
    #[serde(rename = "Template", default)]
    pub template: Option<String>,
    /// External sharing, as CSOM's number (see [`SharingCapability`]).
    #[serde(rename = "SharingCapability", default)]
    pub sharing_capability: Option<i64>,
    /// Every other property, by its CSOM name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl SiteProperties {
    /// External sharing of the site, when SharePoint gave a known value.
    pub fn sharing(&self) -> Option<SharingCapability> {
        self.sharing_capability
            .and_then(SharingCapability::from_value)
    }
}

/// The tenant's storage (`StorageQuotas()`), in MB.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StorageQuota {
    /// Total storage the tenant may use.
    #[serde(rename = "TenantStorageMB", default)]
    pub tenant_storage_mb: Option<i64>,
    /// Storage in use.
    #[serde(rename = "GeoUsedStorageMB", default)]
    pub used_storage_mb: Option<i64>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl StorageQuota {
    /// Used storage as a percentage of the quota.
    pub fn used_percent(&self) -> Option<f64> {
        let total = self.tenant_storage_mb.filter(|t| *t > 0)?;
        Some(self.used_storage_mb? as f64 * 100.0 / total as f64)
    }
}

/// SharePoint Online administration for one tenant. Cheap to clone; the tenant's SharePoint
/// name is looked up once (`GET /v1.0/sites/root`) and shared by clones.
///
/// ```no_run
/// # async fn run(pipeline: cipp_core::Pipeline) -> Result<(), cipp_sharepoint::SharePointError> {
/// use cipp_sharepoint::SharePointClient;
/// let spo = SharePointClient::new(pipeline, "alpha.onmicrosoft.com");
/// let settings = spo.tenant_settings().await?;
/// if settings.sharing_capability() == Some(2) {
///     let mut change = serde_json::Map::new();
///     change.insert("SharingCapability".into(), 1.into());
///     spo.set_tenant_settings(&change).await?;
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SharePointClient {
    pipeline: Pipeline,
    tenant: String,
    grant: Grant,
    name: Arc<OnceCell<String>>,
}

impl fmt::Debug for SharePointClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharePointClient")
            .field("tenant", &self.tenant)
            .field("name", &self.name.get())
            .finish_non_exhaustive()
    }
}

impl SharePointClient {
    /// SharePoint of `tenant` (GUID or domain), delegated.
    pub fn new(pipeline: Pipeline, tenant: impl Into<String>) -> Self {
        SharePointClient {
            pipeline,
            tenant: tenant.into(),
            grant: Grant::Delegated,
            name: Arc::new(OnceCell::new()),
        }
    }

    /// Use app-only tokens.
    pub fn app_only(mut self) -> Self {
        self.grant = Grant::AppOnly;
        self
    }

    /// Skip the name lookup: the tenant's SharePoint name (`contoso` of
    /// `contoso.sharepoint.com`) is known.
    pub fn with_name(self, name: impl Into<String>) -> Result<Self, SharePointError> {
        let name = name.into();
        check_name(&name)?;
        Ok(SharePointClient {
            name: Arc::new(OnceCell::new_with(Some(name))),
            ..self
        })
    }

    /// The tenant, as given.
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// The tenant's SharePoint name: `contoso` of `contoso.sharepoint.com`.
    pub async fn name(&self) -> Result<String, SharePointError> {
        self.name
            .get_or_try_init(|| self.discover_name())
            .await
            .cloned()
    }

    /// `https://{name}-admin.sharepoint.com` (or where the endpoints send it).
    pub async fn admin_url(&self) -> Result<String, SharePointError> {
        Ok(self
            .pipeline
            .endpoints()
            .sharepoint_admin(&self.name().await?))
    }

    async fn discover_name(&self) -> Result<String, SharePointError> {
        let url = self.pipeline.endpoints().join(
            Service::Graph,
            "v1.0/sites/root?$select=id,siteCollection,webUrl",
        );
        let req = ServiceRequest::new(Service::Graph, self.tenant.clone(), Method::GET, url)
            .grant(self.grant);
        let resp = self.pipeline.send(req).await?;
        let site: Value =
            cipp_core::error::decode_json(&resp.body, "GET sites/root", &self.tenant)?;
        let host = site["siteCollection"]["hostname"]
            .as_str()
            .or_else(|| site["id"].as_str().and_then(|id| id.split(',').next()))
            .unwrap_or_default();
        let name = host
            .split('.')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        check_name(&name).map_err(|_| SharePointError::NoSharePoint {
            tenant: self.tenant.clone(),
            reason: format!("the root site's host '{host}' names no tenant"),
        })?;
        Ok(name)
    }

    async fn admin_request(
        &self,
        method: Method,
        path: &str,
    ) -> Result<ServiceRequest, SharePointError> {
        let name = self.name().await?;
        let endpoints = self.pipeline.endpoints();
        let url = format!("{}/{path}", endpoints.sharepoint_admin(&name));
        Ok(
            ServiceRequest::new(Service::SharePoint, self.tenant.clone(), method, url)
                .grant(self.grant)
                .scope(endpoints.sharepoint_admin_scope(&name)),
        )
    }

    /// Send a CSOM request (XML) and return the answer's items after its header, failing on
    /// a reported `ErrorInfo`.
    pub async fn process_query(&self, xml: String) -> Result<Vec<Value>, SharePointError> {
        let mut req = self
            .admin_request(Method::POST, "_vti_bin/client.svc/ProcessQuery")
            .await?
            .header(CONTENT_TYPE, HeaderValue::from_static("text/xml"))
            .header(
                ACCEPT,
                HeaderValue::from_static("application/json;odata=verbose"),
            )
            .header(
                HeaderName::from_static("x-requestforceauthentication"),
                HeaderValue::from_static("true"),
            );
        req.body = Some(xml.into_bytes().into());
        let resp = self.pipeline.send(req).await?;
        let answer: Value =
            cipp_core::error::decode_json(&resp.body, "POST ProcessQuery", &self.tenant)?;
        csom::read_answer(&self.tenant, answer)
    }

    /// The tenant's SharePoint settings.
    pub async fn tenant_settings(&self) -> Result<TenantSettings, SharePointError> {
        let items = self.process_query(csom::query_tenant()).await?;
        let object = csom::queried_object(&items).ok_or_else(|| cipp_core::Error::Decode {
            operation: "POST ProcessQuery".into(),
            tenant: self.tenant.clone(),
            path: ".".into(),
            message: "the answer holds no tenant object".into(),
        })?;
        Ok(cipp_core::error::decode_value(
            Value::Object(object),
            "POST ProcessQuery",
            &self.tenant,
        )?)
    }

    /// Change tenant settings: only the properties given are sent.
    pub async fn set_tenant_settings(
        &self,
        changes: &Map<String, Value>,
    ) -> Result<(), SharePointError> {
        let xml = csom::set_tenant(changes)?;
        self.process_query(xml).await.map(|_| ())
    }

    /// Call a method of the tenant object with its parameters in order (see
    /// [`csom::call_tenant_method`]), such as `SetFileVersionPolicy` with
    /// `[false, 50, 0]` (automatic trimming off, 50 major versions, no expiry).
    pub async fn call_tenant_method(
        &self,
        method: &str,
        parameters: &[Value],
    ) -> Result<(), SharePointError> {
        let xml = csom::call_tenant_method(method, parameters)?;
        self.process_query(xml).await.map(|_| ())
    }

    /// One site collection's properties (`Tenant.GetSitePropertiesByUrl`). A URL that names
    /// no site collection is a [`SharePointError::Csom`] whose type ends in
    /// `SpoNoSiteException`.
    pub async fn site_properties(&self, site_url: &str) -> Result<SiteProperties, SharePointError> {
        let items = self
            .process_query(csom::query_site_properties(site_url)?)
            .await?;
        let object = csom::queried_object(&items).ok_or_else(|| cipp_core::Error::Decode {
            operation: "POST ProcessQuery".into(),
            tenant: self.tenant.clone(),
            path: ".".into(),
            message: format!("the answer holds no properties of site '{site_url}'"),
        })?;
        Ok(cipp_core::error::decode_value(
            Value::Object(object),
            "POST ProcessQuery",
            &self.tenant,
        )?)
    }

    /// Change properties of one site collection: only the properties given are sent.
    pub async fn set_site_properties(
        &self,
        site_url: &str,
        changes: &Map<String, Value>,
    ) -> Result<(), SharePointError> {
        let xml = csom::set_site_properties(site_url, changes)?;
        self.process_query(xml).await.map(|_| ())
    }

    /// Set who the site collection may share with.
    ///
    /// ```no_run
    /// # async fn run(spo: cipp_sharepoint::SharePointClient) -> Result<(), cipp_sharepoint::SharePointError> {
    /// use cipp_sharepoint::SharingCapability;
    /// let site = "https://contoso-my.sharepoint.com/personal/ada_contoso_com";
    /// spo.set_site_sharing(site, SharingCapability::Disabled).await?;
    /// assert_eq!(spo.site_properties(site).await?.sharing(), Some(SharingCapability::Disabled));
    /// # Ok(()) }
    /// ```
    pub async fn set_site_sharing(
        &self,
        site_url: &str,
        sharing: SharingCapability,
    ) -> Result<(), SharePointError> {
        let mut change = Map::new();
        change.insert("SharingCapability".into(), sharing.value().into());
        self.set_site_properties(site_url, &change).await
    }

    /// Make `login_name` (a UPN or claims name) a site collection administrator of
    /// `site_url` (`is_admin = true`) or take that away (`Tenant.SetSiteAdmin`). Setting what
    /// is already so changes nothing.
    pub async fn set_site_admin(
        &self,
        site_url: &str,
        login_name: &str,
        is_admin: bool,
    ) -> Result<(), SharePointError> {
        let xml = csom::set_site_admin(site_url, login_name, is_admin)?;
        self.process_query(xml).await.map(|_| ())
    }

    /// GET an admin REST path (`_api/...`) as JSON.
    pub async fn rest_get(&self, path: &str) -> Result<Value, SharePointError> {
        let path = path.trim_start_matches('/');
        if !path.starts_with("_api/") {
            return Err(SharePointError::invalid(
                "path",
                format!("'{path}' is not under _api/"),
            ));
        }
        let req = self.admin_request(Method::GET, path).await?.header(
            ACCEPT,
            HeaderValue::from_static("application/json;odata=nometadata"),
        );
        let resp = self.pipeline.send(req).await?;
        Ok(cipp_core::error::decode_json(
            &resp.body,
            "GET _api",
            &self.tenant,
        )?)
    }

    /// The tenant's storage quota and use.
    pub async fn storage_quota(&self) -> Result<StorageQuota, SharePointError> {
        let v = self
            .rest_get("_api/StorageQuotas()?api-version=1.3.2")
            .await?;
        let row = match v.get("value") {
            Some(Value::Array(rows)) => rows.first().cloned().unwrap_or_default(),
            _ => v,
        };
        Ok(cipp_core::error::decode_value(
            row,
            "GET StorageQuotas",
            &self.tenant,
        )?)
    }
}

fn check_name(name: &str) -> Result<(), SharePointError> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(SharePointError::invalid(
            "name",
            format!("'{name}' is not a SharePoint tenant name"),
        ))
    }
}
