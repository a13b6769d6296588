//! The native core of the `cipp` Node package. `lib/index.js` wraps these classes: it turns
//! errors into `CippError` subclasses and pagers into async iterators.

// napi classes are shown to JavaScript, never through Rust `Debug`.
#![allow(missing_debug_implementations)]

use std::collections::HashMap;
use std::time::Duration;

use cipp::graph::{BatchRequest, GraphClient, Page, Query};
use cipp::{Cipp, CippBuilder, Error as CippError, Service};
use cipp_core::{Method, SecretString, Settings};
use futures::stream::BoxStream;
use futures::StreamExt;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::value::RawValue;
use serde_json::{json, Value};

mod admin;
mod alerts;
mod bec;
mod exchange;
mod gdap;
mod keyvault;
mod scheduler;
mod standards;
mod templates;
mod users;

/// Errors cross to JavaScript as a marked JSON payload the wrapper turns into a class.
pub(crate) fn js_error(e: CippError) -> Error {
    let kind = match &e {
        CippError::Auth(_) => "AuthError",
        CippError::InvalidInput { .. } => "InvalidInputError",
        CippError::Service(s) if s.status == 429 => "ThrottledError",
        CippError::Service(s) if s.status == 404 => "NotFoundError",
        CippError::Service(_) => "HttpError",
        CippError::Transport { .. } => "TransportError",
        CippError::Decode { .. } => "DecodeError",
        _ => "CippError",
    };
    let mut info = json!({
        "kind": kind,
        "message": e.to_string(),
        "status": e.status(),
        "code": e.code(),
        "tenant": e.tenant(),
        "hint": e.hint(),
    });
    match &e {
        CippError::Service(s) => info["requestId"] = json!(s.request_id),
        CippError::InvalidInput { field, .. } => info["field"] = json!(field),
        CippError::Decode { path, .. } => info["path"] = json!(path),
        _ => {}
    }
    Error::new(Status::GenericFailure, format!("CIPP_ERROR:{info}"))
}

pub(crate) trait OrJs<T> {
    fn js(self) -> Result<T>;
}

impl<T> OrJs<T> for std::result::Result<T, CippError> {
    fn js(self) -> Result<T> {
        self.map_err(js_error)
    }
}

pub(crate) fn invalid(field: &str, message: impl Into<String>) -> Error {
    js_error(CippError::invalid_input(field, message))
}

/// Options of `new Client(...)`; each has a `CIPP_*` environment twin.
#[napi(object)]
pub struct ClientOptions {
    /// SAM application id.
    pub application_id: Option<String>,
    /// SAM application secret.
    pub application_secret: Option<String>,
    /// Partner refresh token.
    pub refresh_token: Option<String>,
    /// Partner tenant id or domain.
    pub tenant_id: Option<String>,
    /// `global`, `usgov`, `usgovdod` or `china`.
    pub cloud: Option<String>,
    /// Base-URL overrides: `login`, `graph`, `exchange`, `partner_center`, `keyvault`.
    pub endpoints: Option<HashMap<String, String>>,
}

/// The client: credentials, endpoints and a connection pool shared by every tenant.
#[napi]
pub struct Client {
    cipp: Cipp,
}

#[napi]
impl Client {
    /// Build a client from options.
    #[napi(constructor)]
    pub fn new(options: Option<ClientOptions>) -> Result<Self> {
        let o = options.unwrap_or(ClientOptions {
            application_id: None,
            application_secret: None,
            refresh_token: None,
            tenant_id: None,
            cloud: None,
            endpoints: None,
        });
        let mut s = Settings {
            application_id: o.application_id,
            application_secret: o.application_secret.map(SecretString::from),
            refresh_token: o.refresh_token.map(SecretString::from),
            tenant_id: o.tenant_id,
            ..Settings::default()
        };
        if let Some(c) = o.cloud {
            s.cloud = c.parse().js()?;
        }
        for (name, url) in o.endpoints.unwrap_or_default() {
            s.overrides.push((name.parse::<Service>().js()?, url));
        }
        Ok(Client {
            cipp: CippBuilder::from_settings(s).build().js()?,
        })
    }

    /// Build a client from the `CIPP_*` environment variables.
    #[napi(factory)]
    pub fn from_env() -> Result<Self> {
        let s = Settings::from_env().js()?;
        Ok(Client {
            cipp: CippBuilder::from_settings(s).build().js()?,
        })
    }

    /// A handle on one tenant (GUID, default or initial domain). Sends nothing.
    #[napi]
    pub fn tenant(&self, tenant: String) -> Tenant {
        Tenant {
            cipp: self.cipp.clone(),
            id: tenant,
        }
    }

    /// The partner tenant.
    #[napi]
    pub fn partner(&self) -> Tenant {
        let id = self
            .cipp
            .pipeline()
            .credentials()
            .partner_tenant()
            .to_string();
        self.tenant(id)
    }

    /// The partner's managed tenants (active GDAP customers).
    #[napi]
    pub async fn tenants(&self) -> Result<Value> {
        let list = self.cipp.tenants().await.js()?;
        serde_json::to_value(list).map_err(|e| invalid("tenants", e.to_string()))
    }

    /// The managed tenant named by GUID, default domain or initial domain.
    #[napi]
    pub async fn managed_tenant(&self, name: String) -> Result<Value> {
        let t = self.cipp.managed_tenant(&name).await.js()?;
        serde_json::to_value(t).map_err(|e| invalid("tenant", e.to_string()))
    }

    /// Read cache types from one tenant: a snapshot whose `types` say, per type, `status`
    /// (`complete`, `failed`, `not_licensed`), `rows` and `error`.
    #[napi]
    pub async fn collect(&self, tenant: String, types: Vec<String>) -> Result<Value> {
        let names: Vec<&str> = types.iter().map(String::as_str).collect();
        let snap = self
            .cipp
            .collector()
            .collect(&tenant, &names)
            .await
            .map_err(cipp::Error::from)
            .js()?;
        serde_json::to_value(snap).map_err(|e| invalid("snapshot", e.to_string()))
    }

    /// GDAP, checks and Partner Center for the partner tenant.
    #[napi(getter)]
    pub fn gdap(&self) -> gdap::Gdap {
        gdap::Gdap {
            cipp: self.cipp.clone(),
        }
    }

    /// Scheduled tasks kept in the SQLite file `store` (created if missing); tenants resolve
    /// through this client's managed-tenant directory.
    #[napi]
    pub fn scheduler(
        &self,
        store: String,
        options: Option<scheduler::SchedulerOptions>,
    ) -> Result<scheduler::Scheduler> {
        scheduler::open(&self.cipp, &store, options)
    }

    /// Alerts: the rule catalogue, runs and snoozes.
    #[napi(getter)]
    pub fn alerts(&self) -> alerts::Alerts {
        alerts::Alerts {
            cipp: self.cipp.clone(),
        }
    }

    /// Standards: the catalogue and template runs.
    #[napi(getter)]
    pub fn standards(&self) -> standards::Standards {
        standards::Standards {
            cipp: self.cipp.clone(),
        }
    }

    /// The secrets of Key Vault `name` (as in `{name}.vault.azure.net`).
    #[napi]
    pub fn key_vault(&self, name: String) -> Result<keyvault::KeyVault> {
        let client = self.cipp.key_vault(&name).js()?;
        Ok(keyvault::KeyVault { client })
    }
}

/// One tenant.
#[napi]
pub struct Tenant {
    cipp: Cipp,
    id: String,
}

#[napi]
impl Tenant {
    /// The name the handle was made with.
    #[napi(getter)]
    pub fn id(&self) -> String {
        self.id.clone()
    }

    /// Conditional Access, Intune, transport rule and group templates in this tenant.
    #[napi(getter)]
    pub fn templates(&self) -> templates::Templates {
        templates::Templates {
            client: cipp::templates::TemplateClient::new(
                self.cipp.pipeline().clone(),
                self.id.clone(),
            ),
        }
    }

    /// Microsoft Graph in this tenant (v1.0).
    #[napi(getter)]
    pub fn graph(&self) -> Graph {
        Graph {
            client: self.cipp.tenant(self.id.clone()).graph(),
        }
    }

    /// Exchange Online cmdlets in this tenant (`.compliance` for Security & Compliance).
    #[napi(getter)]
    pub fn exchange(&self) -> exchange::Exchange {
        exchange::Exchange {
            cipp: self.cipp.clone(),
            tenant: self.id.clone(),
            compliance: false,
        }
    }

    /// Teams policies and configurations in this tenant.
    #[napi(getter)]
    pub fn teams(&self) -> admin::Teams {
        admin::Teams {
            cipp: self.cipp.clone(),
            tenant: self.id.clone(),
        }
    }

    /// SharePoint Online tenant administration in this tenant.
    #[napi(getter)]
    pub fn sharepoint(&self) -> admin::SharePoint {
        admin::SharePoint {
            cipp: self.cipp.clone(),
            tenant: self.id.clone(),
        }
    }

    /// User management in this tenant.
    #[napi(getter)]
    pub fn users(&self) -> users::Users {
        users::Users {
            cipp: self.cipp.clone(),
            tenant: self.id.clone(),
        }
    }

    /// CIPP's offboarding in this tenant.
    #[napi(getter)]
    pub fn offboarding(&self) -> users::Offboarding {
        users::Offboarding {
            cipp: self.cipp.clone(),
            tenant: self.id.clone(),
        }
    }

    /// Compromised-account research and remediation in this tenant.
    #[napi(getter)]
    pub fn bec(&self) -> bec::Bec {
        bec::Bec {
            cipp: self.cipp.clone(),
            tenant: self.id.clone(),
        }
    }

    /// The tenant's GUID.
    #[napi]
    pub async fn guid(&self) -> Result<String> {
        self.cipp.tenant(self.id.clone()).guid().await.js()
    }

    /// How the tenant stands: directory entry and GDAP expiry, the roles partner groups hold,
    /// one probe per service, organization properties and the issues found (errors first).
    #[napi]
    pub async fn health(&self) -> Result<Value> {
        let h = self.cipp.tenant_health(&self.id).await.js()?;
        let mut v = serde_json::to_value(&h).map_err(|e| invalid("health", e.to_string()))?;
        v["healthy"] = Value::Bool(h.is_healthy());
        Ok(v)
    }
}

/// OData query options.
#[napi(object)]
pub struct QueryOptions {
    /// `$select`.
    pub select: Option<Vec<String>>,
    /// `$filter`.
    pub filter: Option<String>,
    /// `$top`.
    pub top: Option<u32>,
    /// `$orderby`.
    pub orderby: Option<String>,
    /// `$search` (sets ConsistencyLevel: eventual).
    pub search: Option<String>,
    /// `$expand`.
    pub expand: Option<Vec<String>>,
    /// `$count=true` (sets ConsistencyLevel: eventual).
    pub count: Option<bool>,
}

fn query(o: Option<QueryOptions>) -> Query {
    let Some(o) = o else {
        return Query::new();
    };
    cipp::graph::QueryOptions {
        select: o.select.unwrap_or_default(),
        filter: o.filter,
        top: o.top,
        orderby: o.orderby,
        search: o.search,
        expand: o.expand.unwrap_or_default(),
        count: o.count.unwrap_or(false),
    }
    .into()
}

/// Microsoft Graph for one tenant.
#[napi]
pub struct Graph {
    client: GraphClient,
}

#[napi]
impl Graph {
    /// The same tenant on the beta API.
    #[napi(getter)]
    pub fn beta(&self) -> Graph {
        Graph {
            client: self.client.beta(),
        }
    }

    /// The same tenant with app-only tokens.
    #[napi(getter)]
    pub fn app_only(&self) -> Graph {
        Graph {
            client: self.client.app_only(),
        }
    }

    /// GET one page (or one object) as Graph returns it, as JSON text: `lib/index.js` parses it
    /// with `JSON.parse`, which is far faster than building the objects through N-API.
    #[napi]
    pub async fn get_json(&self, path: String, options: Option<QueryOptions>) -> Result<String> {
        let req = self
            .client
            .request(Method::GET, path)
            .with_query(query(options));
        let value = req.send().await.js()?;
        serde_json::to_string(&value).map_err(|e| invalid("response", e.to_string()))
    }

    /// A pager over a collection; `lib/index.js` turns it into an async iterator (and
    /// `getAll` into the concatenation of its pages).
    #[napi]
    pub fn pager(&self, path: String, options: Option<QueryOptions>) -> Pager {
        let list = self
            .client
            .list::<Box<RawValue>>(path)
            .with_query(query(options));
        Pager {
            pages: tokio::sync::Mutex::new(Some(list.pages())),
        }
    }

    /// POST a JSON body; resolves to the response body (or null).
    #[napi]
    pub async fn post(&self, path: String, body: Value) -> Result<Value> {
        self.client.post(&path, &body).await.js()
    }

    /// PATCH a JSON body.
    #[napi]
    pub async fn patch(&self, path: String, body: Value) -> Result<Value> {
        self.client.patch(&path, &body).await.js()
    }

    /// PUT a JSON body.
    #[napi]
    pub async fn put(&self, path: String, body: Value) -> Result<Value> {
        self.client.put(&path, &body).await.js()
    }

    /// DELETE a path.
    #[napi]
    pub async fn delete(&self, path: String) -> Result<()> {
        self.client.delete(&path).await.js()
    }

    /// Send any number of `{id, method, url, body?, headers?, dependsOn?}` requests through
    /// `$batch`, 20 per round trip; resolves to the responses in request order, as one JSON
    /// array text for `JSON.parse`.
    #[napi]
    pub async fn batch_json(&self, requests: Value) -> Result<String> {
        let parsed: Vec<BatchRequest> = serde_json::from_value(requests)
            .map_err(|e| invalid("requests", format!("not a list of batch requests: {e}")))?;
        let results = self.client.batch(parsed).await.js()?;
        let values: Vec<Value> = results
            .iter()
            .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
            .collect();
        serde_json::to_string(&values).map_err(|e| invalid("responses", e.to_string()))
    }
}

/// The pages of a list request, each item kept as the JSON text Graph sent.
type PageStream = BoxStream<'static, std::result::Result<Page<Box<RawValue>>, CippError>>;

/// A page's items as one JSON array text. Items are kept as Graph's own text (validated, never
/// rebuilt), so a page crosses to JavaScript as one string and V8's `JSON.parse` builds the
/// objects: N-API's one call per property cost more than the whole HTTP exchange.
fn json_array(items: &[Box<RawValue>]) -> String {
    let len = items.iter().map(|i| i.get().len() + 1).sum::<usize>() + 2;
    let mut text = String::with_capacity(len);
    text.push('[');
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            text.push(',');
        }
        text.push_str(item.get());
    }
    text.push(']');
    text
}

/// Pages of a collection, fetched one `nextPageJson()` at a time.
#[napi]
pub struct Pager {
    pages: tokio::sync::Mutex<Option<PageStream>>,
}

#[napi]
impl Pager {
    /// The next page's items as a JSON array text, or null at the end.
    #[napi]
    pub async fn next_page_json(&self) -> Result<Option<String>> {
        let mut guard = self.pages.lock().await;
        let Some(stream) = guard.as_mut() else {
            return Ok(None);
        };
        match stream.next().await {
            Some(Ok(page)) => Ok(Some(json_array(&page.items))),
            Some(Err(e)) => {
                *guard = None;
                Err(js_error(e))
            }
            None => {
                *guard = None;
                Ok(None)
            }
        }
    }
}

/// Options of `Sim.start()`.
#[napi(object)]
pub struct SimOptions {
    /// Generated users to add.
    pub users: Option<u32>,
    /// Tenant that gets them (default `alpha.onmicrosoft.com`).
    pub users_tenant: Option<String>,
    /// Latency added to every request, in milliseconds.
    pub latency_ms: Option<u32>,
}

/// A running simulator.
#[napi]
pub struct Sim {
    inner: tokio::sync::Mutex<Option<cipp_sim::Sim>>,
    base_url: String,
    endpoints: Vec<(&'static str, String)>,
    creds: cipp_sim::SimCredentials,
}

fn sim_err(e: cipp_sim::SimError) -> Error {
    invalid("sim", e.to_string())
}

/// Start a simulator on a free loopback port.
#[napi]
pub async fn start_sim(options: Option<SimOptions>) -> Result<Sim> {
    let mut b = cipp_sim::Sim::builder();
    if let Some(o) = options {
        if let Some(ms) = o.latency_ms {
            b = b.latency(Duration::from_millis(u64::from(ms)));
        }
        if let Some(n) = o.users.filter(|n| *n > 0) {
            let t = o
                .users_tenant
                .unwrap_or_else(|| "alpha.onmicrosoft.com".into());
            b = b.generated_users(&t, n as usize);
        }
    }
    let sim = b.start().await.map_err(sim_err)?;
    Ok(Sim {
        base_url: sim.base_url(),
        endpoints: sim.endpoints(),
        creds: sim.credentials(),
        inner: tokio::sync::Mutex::new(Some(sim)),
    })
}

#[napi]
impl Sim {
    /// `http://127.0.0.1:PORT`.
    #[napi(getter)]
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// A client signed in with the simulator's seeded credentials.
    #[napi]
    pub fn client(&self) -> Result<Client> {
        let endpoints: HashMap<String, String> = self
            .endpoints
            .iter()
            .map(|(name, url)| (name.to_string(), url.clone()))
            .collect();
        Client::new(Some(ClientOptions {
            application_id: Some(self.creds.application_id.clone()),
            application_secret: Some(self.creds.application_secret.clone()),
            refresh_token: Some(self.creds.refresh_token.clone()),
            tenant_id: Some(self.creds.partner_tenant_id.clone()),
            cloud: None,
            endpoints: Some(endpoints),
        }))
    }

    /// The seeded credentials (test values).
    #[napi]
    pub fn credentials(&self) -> Value {
        serde_json::to_value(&self.creds).unwrap_or_default()
    }

    /// The customer tenants.
    #[napi]
    pub async fn tenants(&self) -> Result<Value> {
        self.with(|s| serde_json::to_value(s.tenants()).unwrap_or_default())
            .await
    }

    /// Request counters.
    #[napi]
    pub async fn stats(&self) -> Result<Value> {
        self.with(|s| serde_json::to_value(s.stats()).unwrap_or_default())
            .await
    }

    /// The customer accepts a pending GDAP invitation.
    #[napi]
    pub async fn approve_relationship(
        &self,
        relationship: String,
        customer: String,
    ) -> Result<Value> {
        self.with(|s| s.approve_relationship(&relationship, &customer))
            .await?
            .map_err(sim_err)
    }

    /// The simulator's Exchange objects of `noun` (`Mailbox`, ...) in a tenant.
    #[napi]
    pub async fn exchange_objects(
        &self,
        tenant: String,
        noun: String,
        compliance: Option<bool>,
    ) -> Result<Value> {
        self.with(|s| s.exchange_objects(&tenant, &noun, compliance.unwrap_or(false)))
            .await?
            .map(Value::Array)
            .map_err(sim_err)
    }

    /// The simulator's Teams configurations of `kind` in a tenant.
    #[napi]
    pub async fn teams_configurations(&self, tenant: String, kind: String) -> Result<Value> {
        self.with(|s| s.teams_configurations(&tenant, &kind))
            .await?
            .map(Value::Array)
            .map_err(sim_err)
    }

    /// The simulator's SharePoint tenant settings of a tenant.
    #[napi]
    pub async fn sharepoint_settings(&self, tenant: String) -> Result<Value> {
        self.with(|s| s.sharepoint_settings(&tenant))
            .await?
            .map_err(sim_err)
    }

    /// One SharePoint site (a OneDrive too) as the simulator holds it, by URL, or null.
    #[napi]
    pub async fn sharepoint_site(&self, tenant: String, url: String) -> Result<Value> {
        let site = self
            .with(move |s| s.sharepoint_site(&tenant, &url))
            .await?
            .map_err(sim_err)?;
        Ok(site.unwrap_or(Value::Null))
    }

    /// Add `count` generated user mailboxes to a tenant's Exchange.
    #[napi]
    pub async fn generate_mailboxes(&self, tenant: String, count: u32) -> Result<()> {
        self.with(|s| s.generate_mailboxes(&tenant, count as usize))
            .await?
            .map_err(sim_err)
    }

    /// Forget the request log and counters.
    #[napi]
    pub async fn clear_requests(&self) -> Result<()> {
        self.with(|s| s.clear_requests()).await
    }

    /// Make matching requests fail: `{status, pathContains, tenant, method, retryAfter, times, batchItemsOnly}`.
    #[napi]
    pub async fn add_fault(&self, rule: Value) -> Result<f64> {
        let mut r = serde_json::Map::new();
        for (from, to) in [
            ("status", "status"),
            ("pathContains", "path_contains"),
            ("tenant", "tenant"),
            ("method", "method"),
            ("retryAfter", "retry_after"),
            ("times", "times"),
        ] {
            if let Some(v) = rule.get(from) {
                r.insert(to.into(), v.clone());
            }
        }
        if rule.get("batchItemsOnly") == Some(&Value::Bool(true)) {
            r.insert("scope".into(), json!("batch_item"));
        }
        r.entry("status").or_insert(json!(429));
        let parsed: cipp_sim::FaultRule =
            serde_json::from_value(Value::Object(r)).map_err(|e| invalid("rule", e.to_string()))?;
        self.with(|s| s.faults().add_rule(parsed) as f64).await
    }

    /// Reject every access token issued so far.
    #[napi]
    pub async fn expire_tokens(&self) -> Result<()> {
        self.with(|s| s.faults().expire_tokens()).await
    }

    /// Stop the simulator.
    #[napi]
    pub async fn stop(&self) -> Result<()> {
        let sim = self.inner.lock().await.take();
        if let Some(s) = sim {
            s.shutdown().await;
        }
        Ok(())
    }
}

impl Sim {
    async fn with<T>(&self, f: impl FnOnce(&cipp_sim::Sim) -> T) -> Result<T> {
        let guard = self.inner.lock().await;
        guard
            .as_ref()
            .map(f)
            .ok_or_else(|| invalid("sim", "the simulator was stopped"))
    }
}
