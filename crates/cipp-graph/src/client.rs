//! `GraphClient`: Microsoft Graph for one tenant.

use cipp_core::http::HttpResponse;
use cipp_core::{Error, Grant, Method, Pipeline, Service, ServiceRequest, ThrottlePriority};
use http::header::{HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::batch::BatchOptions;
use crate::pager::ListRequest;
use crate::query::Query;

/// Graph API version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ApiVersion {
    /// `v1.0`, the stable API.
    #[default]
    V1,
    /// `beta`, which CIPP uses for most calls.
    Beta,
}

impl ApiVersion {
    /// The URL segment.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V1 => "v1.0",
            ApiVersion::Beta => "beta",
        }
    }
}

/// Microsoft Graph for one tenant. Cheap to clone.
///
/// ```no_run
/// # async fn run(pipeline: cipp_core::Pipeline) -> Result<(), cipp_core::Error> {
/// use futures::TryStreamExt;
/// let graph = cipp_graph::GraphClient::new(pipeline, "alpha.onmicrosoft.com");
/// let mut users = graph.users().list().select(["id", "userPrincipalName"]).stream();
/// while let Some(user) = users.try_next().await? {
///     println!("{}", user.user_principal_name.unwrap_or_default());
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct GraphClient {
    pub(crate) pipeline: Pipeline,
    pub(crate) tenant: String,
    pub(crate) version: ApiVersion,
    pub(crate) grant: Grant,
    pub(crate) batch: BatchOptions,
    pub(crate) priority: Option<ThrottlePriority>,
}

impl GraphClient {
    /// A client for `tenant` (GUID or domain; empty = the partner tenant).
    pub fn new(pipeline: Pipeline, tenant: impl Into<String>) -> Self {
        GraphClient {
            pipeline,
            tenant: tenant.into(),
            version: ApiVersion::V1,
            grant: Grant::Delegated,
            batch: BatchOptions::default(),
            priority: None,
        }
    }

    /// The tenant this client acts in.
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// The API version in use.
    pub fn version(&self) -> ApiVersion {
        self.version
    }

    /// The pipeline underneath.
    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }

    /// The same client on the `beta` API.
    pub fn beta(&self) -> Self {
        self.with_version(ApiVersion::Beta)
    }

    /// The same client on `v1.0`.
    pub fn v1(&self) -> Self {
        self.with_version(ApiVersion::V1)
    }

    /// The same client on `version`.
    pub fn with_version(&self, version: ApiVersion) -> Self {
        GraphClient {
            version,
            ..self.clone()
        }
    }

    /// The same client using app-only (client credentials) tokens.
    pub fn app_only(&self) -> Self {
        GraphClient {
            grant: Grant::AppOnly,
            ..self.clone()
        }
    }

    /// The same client sending `x-ms-throttle-priority` (High for interactive work, Low for
    /// background sweeps) on every call.
    pub fn with_priority(&self, priority: ThrottlePriority) -> Self {
        GraphClient {
            priority: Some(priority),
            ..self.clone()
        }
    }

    /// The same client with other `$batch` settings.
    pub fn with_batch_options(&self, options: BatchOptions) -> Self {
        GraphClient {
            batch: options,
            ..self.clone()
        }
    }

    /// Absolute URL of a path relative to the version root (`users`, `/users/x`), or a full
    /// URL passed through (such as a nextLink).
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            return self.rebase(path);
        }
        self.pipeline.endpoints().join(
            Service::Graph,
            &format!("{}/{}", self.version.as_str(), path.trim_start_matches('/')),
        )
    }

    /// A nextLink from real Graph points at graph.microsoft.com even when requests go through
    /// an override (proxy, recorder); keep following links at the configured base.
    fn rebase(&self, url: &str) -> String {
        let endpoints = self.pipeline.endpoints();
        let real = endpoints.cloud().base_url(Service::Graph);
        match url.strip_prefix(real.as_str()) {
            Some(rest) => endpoints.join(Service::Graph, rest),
            None => url.to_string(),
        }
    }

    /// The path relative to the version root, for `$batch` items.
    pub(crate) fn relative(&self, url_or_path: &str) -> String {
        let full = self.url(url_or_path);
        let root = self.url("");
        match full.strip_prefix(&root) {
            Some(rest) => format!("/{}", rest.trim_start_matches('/')),
            None => {
                // Another version's URL: drop scheme, host, base path and version.
                let base = self.pipeline.endpoints().join(Service::Graph, "");
                let rest = full.strip_prefix(&base).unwrap_or(&full);
                let rest = rest.trim_start_matches("v1.0/").trim_start_matches("beta/");
                format!("/{}", rest.trim_start_matches('/'))
            }
        }
    }

    pub(crate) fn service_request(&self, method: Method, url: String) -> ServiceRequest {
        let req =
            ServiceRequest::new(Service::Graph, self.tenant.clone(), method, url).grant(self.grant);
        match self.priority {
            Some(p) => req.priority(p),
            None => req,
        }
    }

    /// Send a prepared request.
    pub(crate) async fn execute(&self, req: ServiceRequest) -> Result<HttpResponse, Error> {
        self.pipeline.send(req).await
    }

    /// Start a request of any method to `path`; add query options and send.
    pub fn request(&self, method: Method, path: impl Into<String>) -> GraphRequest {
        GraphRequest {
            client: self.clone(),
            method,
            path: path.into(),
            query: Query::new(),
            body: None,
            text: None,
            headers: Vec::new(),
            idempotent: None,
        }
    }

    /// `GET path` returning JSON (one page: no `value` flattening).
    pub async fn get(&self, path: &str) -> Result<Value, Error> {
        self.request(Method::GET, path).send().await
    }

    /// `POST path` with a JSON body; returns the response JSON (`null` when empty).
    pub async fn post(&self, path: &str, body: &Value) -> Result<Value, Error> {
        self.request(Method::POST, path)
            .body(body.clone())
            .send()
            .await
    }

    /// `PATCH path` with a JSON body.
    pub async fn patch(&self, path: &str, body: &Value) -> Result<Value, Error> {
        self.request(Method::PATCH, path)
            .body(body.clone())
            .send()
            .await
    }

    /// `PUT path` with a JSON body.
    pub async fn put(&self, path: &str, body: &Value) -> Result<Value, Error> {
        self.request(Method::PUT, path)
            .body(body.clone())
            .send()
            .await
    }

    /// `PUT path` with a body that is not JSON (`text/css` for company branding's
    /// `customCSS`), sent as given.
    pub async fn put_text(
        &self,
        path: &str,
        content_type: &str,
        body: &str,
    ) -> Result<Value, Error> {
        self.request(Method::PUT, path)
            .text(content_type, body)
            .send()
            .await
    }

    /// `DELETE path`.
    pub async fn delete(&self, path: &str) -> Result<(), Error> {
        self.request(Method::DELETE, path).send().await.map(|_| ())
    }

    /// A lazy, paged list of `path`, items decoded as `T`.
    pub fn list<T: DeserializeOwned + Send + 'static>(
        &self,
        path: impl Into<String>,
    ) -> ListRequest<T> {
        ListRequest::new(self.clone(), path.into())
    }

    /// A lazy, paged list of `path` as raw JSON objects.
    pub fn list_json(&self, path: impl Into<String>) -> ListRequest<Value> {
        self.list(path)
    }
}

/// A single Graph call being built.
#[derive(Debug)]
pub struct GraphRequest {
    client: GraphClient,
    method: Method,
    path: String,
    query: Query,
    body: Option<Value>,
    /// A body that is not JSON: (content type, text). Wins over `body`.
    text: Option<(String, String)>,
    headers: Vec<(HeaderName, HeaderValue)>,
    idempotent: Option<bool>,
}

impl GraphRequest {
    /// Change the query options through a closure.
    pub fn query(mut self, f: impl FnOnce(&mut Query)) -> Self {
        f(&mut self.query);
        self
    }

    /// Replace the query options.
    pub fn with_query(mut self, query: Query) -> Self {
        self.query = query;
        self
    }

    /// JSON body.
    pub fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// A body that is not JSON, sent as given with `content_type` (`text/css`).
    pub fn text(mut self, content_type: &str, body: &str) -> Self {
        self.text = Some((content_type.to_string(), body.to_string()));
        self
    }

    /// Extra header (`If-Match`, `Prefer`...). Invalid names or values are refused at `send`.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// Declare the call safe to resend after an ambiguous failure (PUT of a full object...).
    pub fn idempotent(mut self, yes: bool) -> Self {
        self.idempotent = Some(yes);
        self
    }

    fn into_service_request(self) -> ServiceRequest {
        let mut url = self.client.url(&self.path);
        let qs = self.query.to_query_string();
        if !qs.is_empty() {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&qs);
        }
        let mut req = self.client.service_request(self.method, url);
        match (&self.text, &self.body) {
            (Some((kind, text)), _) => {
                let kind = HeaderValue::from_str(kind)
                    .unwrap_or_else(|_| HeaderValue::from_static("text/plain"));
                req = req.header(http::header::CONTENT_TYPE, kind);
                req.body = Some(text.clone().into_bytes().into());
            }
            (None, Some(b)) => req = req.json(b),
            (None, None) => {}
        }
        if self.query.needs_eventual_consistency() {
            req = req.header(
                HeaderName::from_static("consistencylevel"),
                HeaderValue::from_static("eventual"),
            );
        }
        for (k, v) in self.headers {
            req = req.header(k, v);
        }
        if let Some(i) = self.idempotent {
            req = req.idempotent(i);
        }
        req
    }

    /// Send and return the response JSON (`null` for an empty body, a string for text).
    pub async fn send(self) -> Result<Value, Error> {
        let client = self.client.clone();
        let resp = client.execute(self.into_service_request()).await?;
        Ok(response_json(&resp))
    }

    /// Send and decode the response into `T`, reporting the JSON path of a mismatch.
    pub async fn send_as<T: DeserializeOwned>(self) -> Result<T, Error> {
        let client = self.client.clone();
        let req = self.into_service_request();
        let operation = req.operation();
        let resp = client.execute(req).await?;
        cipp_core::error::decode_json(&resp.body, &operation, client.tenant())
    }
}

/// JSON of a response; plain text (such as `/$count`) comes back as a JSON string.
pub(crate) fn response_json(resp: &HttpResponse) -> Value {
    resp.json_value()
        .unwrap_or_else(|| Value::String(String::from_utf8_lossy(&resp.body).into_owned()))
}
