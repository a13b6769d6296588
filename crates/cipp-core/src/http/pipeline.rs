//! The request pipeline every client sends through:
//! per-tenant limit -> token -> transport -> retry / re-authorise -> typed error.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{HeaderMap, Method};
use tokio::sync::Semaphore;
use tracing::{field, Instrument};

use crate::cloud::{Endpoints, Service};
use crate::credentials::{Credentials, Grant};
use crate::error::{Error, ServiceError};
use crate::http::retry::{is_safe_method, may_resend, parse_retry_after, RetryPolicy};
use crate::http::service_error::service_error;
use crate::http::transport::{
    HttpRequest, HttpResponse, ReqwestTransport, Transport, TransportErrorKind, TransportOptions,
};
use crate::login::{self, AccessToken};
use crate::tenant::{is_guid, validate_tenant, TenantResolver};
use crate::token_cache::{TokenCache, TokenKey};

/// The default `User-Agent`.
pub const DEFAULT_USER_AGENT: &str = concat!("cipp-rs/", env!("CARGO_PKG_VERSION"));

/// Graph's `x-ms-throttle-priority`: under throttling, Graph sheds low-priority calls first.
/// Mark calls a person is waiting for as `High` and background sweeps as `Low`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottlePriority {
    /// Background work that can wait.
    Low,
    /// The default.
    Normal,
    /// Interactive work.
    High,
}

impl ThrottlePriority {
    fn header_value(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            ThrottlePriority::Low => "low",
            ThrottlePriority::Normal => "normal",
            ThrottlePriority::High => "high",
        })
    }
}

/// One request to a Microsoft service on behalf of a tenant.
#[derive(Clone)]
#[non_exhaustive]
pub struct ServiceRequest {
    /// Which service (decides the token audience).
    pub service: Service,
    /// The tenant the token is minted in (GUID or domain).
    pub tenant: String,
    /// Delegated or app-only.
    pub grant: Grant,
    /// A scope other than the service's `.default` (SharePoint admin, Teams...).
    pub scope: Option<String>,
    /// HTTP method.
    pub method: Method,
    /// Absolute URL.
    pub url: String,
    /// Extra headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: Option<Bytes>,
    /// Safe to resend after an ambiguous failure (504, timeout). Defaults to GET/HEAD/OPTIONS.
    pub idempotent: bool,
    /// Per-request timeout.
    pub timeout: Option<Duration>,
    /// Graph throttling priority of this call (overrides the pipeline's default).
    pub priority: Option<ThrottlePriority>,
    /// Follow redirects (default). When off, a `3xx` answer is returned as it is.
    pub follow_redirects: bool,
    /// A token obtained elsewhere (managed identity): sent as it is, instead of one minted
    /// from the pipeline's credentials. A 401 is then returned, not re-authorised.
    pub bearer: Option<AccessToken>,
}

impl fmt::Debug for ServiceRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceRequest")
            .field("service", &self.service)
            .field("tenant", &self.tenant)
            .field("grant", &self.grant)
            .field("method", &self.method)
            .field("url", &self.url)
            .field("body_len", &self.body.as_ref().map(Bytes::len))
            .finish_non_exhaustive()
    }
}

impl ServiceRequest {
    /// A request with no body, delegated grant, and idempotency from the method.
    pub fn new(
        service: Service,
        tenant: impl Into<String>,
        method: Method,
        url: impl Into<String>,
    ) -> Self {
        let idempotent = is_safe_method(&method);
        ServiceRequest {
            service,
            tenant: tenant.into(),
            grant: Grant::Delegated,
            scope: None,
            method,
            url: url.into(),
            headers: HeaderMap::new(),
            body: None,
            idempotent,
            timeout: None,
            priority: None,
            follow_redirects: true,
            bearer: None,
        }
    }

    /// Authorise with `token` (from a managed identity, say) instead of the credentials.
    pub fn bearer(mut self, token: AccessToken) -> Self {
        self.bearer = Some(token);
        self
    }

    /// Do not follow redirects: a `3xx` answer is returned to the caller (with `Location`).
    pub fn no_redirects(mut self) -> Self {
        self.follow_redirects = false;
        self
    }

    /// Send `value` as a JSON body.
    pub fn json(mut self, value: &serde_json::Value) -> Self {
        self.headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        self.body = Some(Bytes::from(value.to_string()));
        self
    }

    /// Add a header.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// Use `grant`.
    pub fn grant(mut self, grant: Grant) -> Self {
        self.grant = grant;
        self
    }

    /// Mark the request safe (or unsafe) to resend after an ambiguous failure.
    pub fn idempotent(mut self, yes: bool) -> Self {
        self.idempotent = yes;
        self
    }

    /// Mark this call's Graph throttling priority (`x-ms-throttle-priority`).
    pub fn priority(mut self, priority: ThrottlePriority) -> Self {
        self.priority = Some(priority);
        self
    }

    /// Ask for a token with `scope` instead of the service default.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// `METHOD host/path` for errors and logs (no query: it may hold user data).
    pub fn operation(&self) -> String {
        match url::Url::parse(&self.url) {
            Ok(u) => format!(
                "{} {}{}",
                self.method,
                u.host_str().unwrap_or_default(),
                u.path()
            ),
            Err(_) => format!("{} {}", self.method, self.url),
        }
    }
}

/// Per-tenant request limit, so one busy tenant cannot trip Microsoft's per-tenant throttling
/// and a 5,000-tenant run cannot open 5,000 x N sockets to one host.
#[derive(Debug)]
struct TenantLimiter {
    permits: usize,
    map: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl TenantLimiter {
    fn get(&self, tenant: &str) -> Arc<Semaphore> {
        match self.map.lock() {
            Ok(mut m) => m
                .entry(tenant.to_string())
                .or_insert_with(|| Arc::new(Semaphore::new(self.permits)))
                .clone(),
            Err(_) => Arc::new(Semaphore::new(self.permits)),
        }
    }
}

struct Inner {
    transport: Arc<dyn Transport>,
    endpoints: Endpoints,
    credentials: Credentials,
    tokens: TokenCache,
    tenants: TenantResolver,
    retry: RetryPolicy,
    user_agent: HeaderValue,
    limiter: TenantLimiter,
    priority: Option<ThrottlePriority>,
}

/// The shared HTTP pipeline. Cheap to clone; one per application is enough.
///
/// ```no_run
/// # async fn run() -> Result<(), cipp_core::Error> {
/// use cipp_core::{Credentials, Pipeline, Service, ServiceRequest};
/// use http::Method;
/// let creds = Credentials::builder("app-id")
///     .client_secret("secret")
///     .refresh_token("refresh")
///     .partner_tenant("northwindmsp.onmicrosoft.com")
///     .build()?;
/// let pipeline = Pipeline::builder(creds).build()?;
/// let url = pipeline.endpoints().join(Service::Graph, "v1.0/organization");
/// let resp = pipeline
///     .send(ServiceRequest::new(Service::Graph, "alpha.onmicrosoft.com", Method::GET, url))
///     .await?;
/// println!("{}", String::from_utf8_lossy(&resp.body));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Pipeline {
    inner: Arc<Inner>,
}

impl fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pipeline")
            .field("endpoints", &self.inner.endpoints)
            .field("credentials", &self.inner.credentials)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

/// Builder for [`Pipeline`].
#[derive(Debug)]
pub struct PipelineBuilder {
    credentials: Credentials,
    endpoints: Endpoints,
    transport: Option<Arc<dyn Transport>>,
    transport_options: TransportOptions,
    retry: RetryPolicy,
    user_agent: Option<String>,
    per_tenant_concurrency: usize,
    refresh_margin: Duration,
    priority: Option<ThrottlePriority>,
}

impl PipelineBuilder {
    /// Endpoints (cloud and overrides).
    pub fn endpoints(mut self, endpoints: Endpoints) -> Self {
        self.endpoints = endpoints;
        self
    }

    /// Use a custom transport (tests, proxies).
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Settings of the default reqwest transport.
    pub fn transport_options(mut self, options: TransportOptions) -> Self {
        self.transport_options = options;
        self
    }

    /// Retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Text appended to the `User-Agent` (e.g. `scheduled-task:abc; user:tech@msp.com`).
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent = Some(format!("{DEFAULT_USER_AGENT} ({})", suffix.into()));
        self
    }

    /// Requests in flight per tenant at most (default 8).
    pub fn per_tenant_concurrency(mut self, n: usize) -> Self {
        self.per_tenant_concurrency = n.max(1);
        self
    }

    /// Default Graph throttling priority of every call (none is sent unless set).
    pub fn throttle_priority(mut self, priority: ThrottlePriority) -> Self {
        self.priority = Some(priority);
        self
    }

    /// How long before expiry tokens are renewed (default 120 s).
    pub fn token_refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// Build the pipeline.
    pub fn build(self) -> Result<Pipeline, Error> {
        let transport = match self.transport {
            Some(t) => t,
            None => Arc::new(ReqwestTransport::new(&self.transport_options)?),
        };
        let ua = self.user_agent.unwrap_or_else(|| DEFAULT_USER_AGENT.into());
        let user_agent = HeaderValue::from_str(&ua)
            .map_err(|_| Error::invalid_input("user_agent", "contains invalid characters"))?;
        Ok(Pipeline {
            inner: Arc::new(Inner {
                transport,
                endpoints: self.endpoints,
                credentials: self.credentials,
                tokens: TokenCache::new(self.refresh_margin),
                tenants: TenantResolver::new(),
                retry: self.retry,
                user_agent,
                priority: self.priority,
                limiter: TenantLimiter {
                    permits: self.per_tenant_concurrency,
                    map: Mutex::new(HashMap::new()),
                },
            }),
        })
    }
}

impl Pipeline {
    /// Start building a pipeline for `credentials`.
    pub fn builder(credentials: Credentials) -> PipelineBuilder {
        PipelineBuilder {
            credentials,
            endpoints: Endpoints::default(),
            transport: None,
            transport_options: TransportOptions::default(),
            retry: RetryPolicy::default(),
            user_agent: None,
            per_tenant_concurrency: 8,
            refresh_margin: Duration::from_secs(120),
            priority: None,
        }
    }

    /// Where requests go.
    pub fn endpoints(&self) -> &Endpoints {
        &self.inner.endpoints
    }

    /// The credentials in use.
    pub fn credentials(&self) -> &Credentials {
        &self.inner.credentials
    }

    /// The token cache.
    pub fn tokens(&self) -> &TokenCache {
        &self.inner.tokens
    }

    /// The domain-to-GUID resolver.
    pub fn tenants(&self) -> &TenantResolver {
        &self.inner.tenants
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// The transport (for unauthenticated calls such as device-code sign-in).
    pub fn transport(&self) -> &Arc<dyn Transport> {
        &self.inner.transport
    }

    /// Resolve a tenant domain to its GUID (cached; asks Entra's OpenID metadata once).
    pub async fn resolve_tenant(&self, tenant: &str) -> Result<String, Error> {
        let tenant = self.tenant_or_partner(tenant);
        self.inner
            .tenants
            .resolve(
                self.inner.transport.as_ref(),
                &self.inner.endpoints,
                &tenant,
            )
            .await
    }

    fn tenant_or_partner(&self, tenant: &str) -> String {
        let t = tenant.trim();
        if t.is_empty() {
            self.inner.credentials.partner_tenant().to_string()
        } else {
            t.to_string()
        }
    }

    /// A token for `service` in `tenant`, from the cache or freshly minted.
    pub async fn token(
        &self,
        tenant: &str,
        service: Service,
        grant: Grant,
    ) -> Result<AccessToken, Error> {
        let scope = self.scope_for(service, None)?;
        Ok(self.token_for_scope(tenant, &scope, grant).await?.1)
    }

    fn scope_for(&self, service: Service, scope: Option<&str>) -> Result<String, Error> {
        match scope {
            Some(s) => Ok(s.to_string()),
            None => self.inner.endpoints.scope(service).ok_or_else(|| {
                Error::invalid_input("service", format!("{service} has no token scope"))
            }),
        }
    }

    /// A token for an explicit scope; returns the cache key too, for invalidation.
    pub async fn token_for_scope(
        &self,
        tenant: &str,
        scope: &str,
        grant: Grant,
    ) -> Result<(TokenKey, AccessToken), Error> {
        let tenant = self.tenant_or_partner(tenant);
        validate_tenant(&tenant)?;
        let inner = &self.inner;
        let canonical = inner.tenants.canonical(&tenant);
        let key = TokenKey::new(&canonical, scope, grant, &inner.credentials);
        let slot = inner.tokens.slot(&key);
        let mut guard = slot.lock().await;
        if let Some(tok) = guard
            .as_ref()
            .filter(|t| !t.expires_within(inner.tokens.refresh_margin()))
        {
            return Ok((key, tok.clone()));
        }
        let granted = login::request_token(
            inner.transport.as_ref(),
            &inner.endpoints,
            &inner.retry,
            &inner.credentials,
            &tenant,
            &canonical,
            scope,
            grant,
        )
        .await?;
        // Kept in memory now; written to the secret store only after the slot is released, so
        // a slow store never holds up other callers of this key.
        let pending = match (granted.refresh_token, grant) {
            (Some(rt), Grant::Delegated) => {
                inner.credentials.remember_rotated(&tenant, &canonical, rt)
            }
            _ => None,
        };
        let token = granted.access_token;
        // Never hand out a token minted in another tenant than the one asked for.
        if let (Some(tid), true) = (&token.tenant_id, is_guid(&canonical)) {
            if !tid.eq_ignore_ascii_case(&canonical) {
                drop(guard);
                if let Some(p) = pending {
                    inner.credentials.persist_rotated(p).await;
                }
                return Err(crate::error::AuthError {
                    tenant: tenant.clone(),
                    error: "tenant_mismatch".into(),
                    code: None,
                    description: format!("the token was issued in tenant {tid}, not {canonical}"),
                    status: None,
                    correlation_id: None,
                }
                .into());
            }
        }
        *guard = Some(token.clone());
        drop(guard);
        if let Some(p) = pending {
            inner.credentials.persist_rotated(p).await;
        }
        if let Some(tid) = &token.tenant_id {
            if !is_guid(&tenant) {
                inner.tenants.remember(&tenant, tid);
                let by_guid = TokenKey::new(tid, scope, grant, &inner.credentials);
                if by_guid != key {
                    inner.tokens.offer(&by_guid, &token);
                }
            }
        }
        Ok((key, token))
    }

    /// Send `request`: authorise it, retry throttling and transient failures, and turn an error
    /// answer into [`Error::Service`]. Returns the successful answer.
    pub async fn send(&self, request: ServiceRequest) -> Result<HttpResponse, Error> {
        let tenant = self.tenant_or_partner(&request.tenant);
        let operation = request.operation();
        let (host, path) = match url::Url::parse(&request.url) {
            Ok(u) => (
                u.host_str().unwrap_or_default().to_string(),
                u.path().to_string(),
            ),
            Err(e) => {
                return Err(Error::invalid_input(
                    "url",
                    format!("'{}' is not an absolute URL: {e}", request.url),
                ))
            }
        };
        let span = tracing::info_span!(
            "cipp.http",
            method = %request.method,
            host = %host,
            path = %path,
            tenant = %tenant,
            status = field::Empty,
            attempt = field::Empty,
            client_request_id = field::Empty,
        );
        self.send_inner(request, tenant, operation)
            .instrument(span)
            .await
    }

    async fn send_inner(
        &self,
        request: ServiceRequest,
        tenant: String,
        operation: String,
    ) -> Result<HttpResponse, Error> {
        let inner = &self.inner;
        let scope = match &request.bearer {
            Some(_) => String::new(),
            None => self.scope_for(request.service, request.scope.as_deref())?,
        };
        let limiter = inner.limiter.get(&inner.tenants.canonical(&tenant));
        let mut attempt: u32 = 0;
        let mut retries: u32 = 0;
        let mut waited = Duration::ZERO;
        let mut reauthorised = false;
        // One id for the logical request, kept across retries, so Microsoft support and our
        // logs can find every attempt.
        let client_request_id = request
            .headers
            .get("client-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        tracing::Span::current().record("client_request_id", client_request_id.as_str());
        let priority = request
            .priority
            .or(inner.priority)
            .filter(|_| request.service == Service::Graph);
        loop {
            attempt += 1;
            let (key, token) = match &request.bearer {
                Some(t) => (None, t.clone()),
                None => {
                    let (k, t) = self.token_for_scope(&tenant, &scope, request.grant).await?;
                    (Some(k), t)
                }
            };
            let mut http_req = HttpRequest::new(request.method.clone(), request.url.clone());
            http_req.headers = request.headers.clone();
            http_req
                .headers
                .insert(AUTHORIZATION, token.header_value()?);
            http_req
                .headers
                .entry(USER_AGENT)
                .or_insert_with(|| inner.user_agent.clone());
            http_req.body = request.body.clone();
            http_req.timeout = request.timeout;
            http_req.follow_redirects = request.follow_redirects;
            if let Ok(v) = HeaderValue::from_str(&client_request_id) {
                http_req.headers.insert("client-request-id", v);
            }
            if let Some(p) = priority {
                http_req
                    .headers
                    .insert("x-ms-throttle-priority", p.header_value());
            }

            let result = {
                // The semaphore is never closed, so acquire only fails if it were; then run
                // unthrottled rather than fail the request.
                let _permit = limiter.acquire().await.ok();
                inner.transport.send(http_req).await
            };
            let span = tracing::Span::current();
            span.record("attempt", attempt);

            let (retry_after, outcome) = match result {
                Ok(resp) => {
                    span.record("status", resp.status);
                    let redirect_wanted =
                        !request.follow_redirects && (300..400).contains(&resp.status);
                    if resp.is_success() || redirect_wanted {
                        return Ok(resp);
                    }
                    if let (401, false, Some(key)) = (resp.status, reauthorised, &key) {
                        // An expired or revoked token: drop it and try once with a new one.
                        tracing::debug!("401, renewing the token once");
                        inner.tokens.invalidate(key, &token).await;
                        reauthorised = true;
                        continue;
                    }
                    if !may_resend(resp.status, request.idempotent) {
                        return Err(service_error(&operation, &tenant, &resp).into());
                    }
                    (
                        resp.header("retry-after").and_then(parse_retry_after),
                        Ok(resp),
                    )
                }
                Err(e) => {
                    // Only a connection that never opened is safe to resend for a write.
                    let resend = request.idempotent || e.kind == TransportErrorKind::Connect;
                    let err = e.into_error(operation.as_str(), &tenant);
                    if !resend {
                        return Err(err);
                    }
                    (None, Err(err))
                }
            };
            if !inner
                .retry
                .pause(&mut retries, retry_after, &mut waited)
                .await
            {
                return Err(match outcome {
                    Ok(resp) => {
                        let e: ServiceError = service_error(&operation, &tenant, &resp);
                        e.into()
                    }
                    Err(e) => e,
                });
            }
        }
    }
}
