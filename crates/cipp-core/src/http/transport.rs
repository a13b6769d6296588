//! The swappable transport under the pipeline: reqwest by default, anything in tests.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use http::{HeaderMap, Method};

/// One HTTP request as the transport sees it (already authorised).
#[derive(Clone)]
pub struct HttpRequest {
    /// Method.
    pub method: Method,
    /// Absolute URL.
    pub url: String,
    /// Headers (may include `Authorization`; never logged).
    pub headers: HeaderMap,
    /// Body bytes.
    pub body: Option<Bytes>,
    /// Per-request timeout overriding the transport's default.
    pub timeout: Option<Duration>,
    /// Follow `3xx` redirects (the default). Off for discovery calls that read `Location`.
    pub follow_redirects: bool,
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Headers and body may hold tokens or secrets: only their presence is shown.
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &self.headers.len())
            .field("body_len", &self.body.as_ref().map(Bytes::len))
            .finish()
    }
}

impl HttpRequest {
    /// A request with no headers and no body.
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        HttpRequest {
            method,
            url: url.into(),
            headers: HeaderMap::new(),
            body: None,
            timeout: None,
            follow_redirects: true,
        }
    }
}

/// An HTTP answer, body fully read.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// Body bytes (already decompressed).
    pub body: Bytes,
}

impl HttpResponse {
    /// A header as text, looked up case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `true` for 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Parse the body as JSON; an empty body is `null`.
    pub fn json_value(&self) -> Option<serde_json::Value> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Some(serde_json::Value::Null);
        }
        serde_json::from_slice(&self.body).ok()
    }
}

/// Why a request got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportErrorKind {
    /// The connection was never established: nothing reached the server, safe to resend.
    Connect,
    /// The request timed out: the server may have acted on it.
    Timeout,
    /// Anything else (reset mid-flight, protocol error): the server may have acted on it.
    Other,
}

/// A failure below HTTP.
#[derive(Debug, Clone)]
pub struct TransportError {
    /// What kind of failure.
    pub kind: TransportErrorKind,
    /// Description (never contains headers or bodies).
    pub message: String,
}

impl TransportError {
    /// The SDK error for this failure of `operation` in `tenant`.
    pub fn into_error(self, operation: impl Into<String>, tenant: &str) -> crate::Error {
        crate::Error::Transport {
            operation: operation.into(),
            tenant: tenant.to_string(),
            timeout: self.kind == TransportErrorKind::Timeout,
            message: self.message,
        }
    }
}

/// Sends requests. Implement it to run the pipeline without sockets.
#[async_trait]
pub trait Transport: Send + Sync + fmt::Debug {
    /// Send one request and read the whole answer.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError>;
}

/// The default transport: reqwest with rustls, pooled connections, gzip/brotli/deflate.
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    /// The same settings without redirects, for requests that read `Location` themselves.
    no_redirect: reqwest::Client,
}

/// Settings of the default transport.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TransportOptions {
    /// Whole-request timeout (CIPP uses 100 s).
    pub timeout: Duration,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Idle connections kept per host.
    pub pool_max_idle_per_host: usize,
    /// How long an idle pooled connection is kept.
    pub pool_idle_timeout: Duration,
}

impl Default for TransportOptions {
    fn default() -> Self {
        TransportOptions {
            timeout: Duration::from_secs(100),
            connect_timeout: Duration::from_secs(10),
            pool_max_idle_per_host: 32,
            pool_idle_timeout: Duration::from_secs(120),
        }
    }
}

impl ReqwestTransport {
    /// Build with `options`.
    pub fn new(options: &TransportOptions) -> Result<Self, crate::Error> {
        let build = |redirect: reqwest::redirect::Policy| {
            reqwest::Client::builder()
                .use_rustls_tls()
                .timeout(options.timeout)
                .connect_timeout(options.connect_timeout)
                .pool_max_idle_per_host(options.pool_max_idle_per_host)
                .pool_idle_timeout(options.pool_idle_timeout)
                .redirect(redirect)
                .build()
                .map_err(|e| crate::Error::invalid_input("http client", e.to_string()))
        };
        Ok(ReqwestTransport {
            client: build(reqwest::redirect::Policy::limited(10))?,
            no_redirect: build(reqwest::redirect::Policy::none())?,
        })
    }

    /// Wrap existing reqwest clients (proxies, custom roots...): `client` for ordinary
    /// requests and `no_redirect`, built with `redirect::Policy::none()`, for requests that
    /// must see a redirect's `Location` (the compliance endpoint's regional discovery).
    pub fn from_clients(client: reqwest::Client, no_redirect: reqwest::Client) -> Self {
        ReqwestTransport {
            client,
            no_redirect,
        }
    }
}

fn classify(e: &reqwest::Error) -> TransportErrorKind {
    if e.is_connect() {
        TransportErrorKind::Connect
    } else if e.is_timeout() {
        TransportErrorKind::Timeout
    } else {
        TransportErrorKind::Other
    }
}

fn describe(e: &reqwest::Error) -> String {
    // reqwest's Display includes the URL; the chain of sources has the useful cause.
    let mut msg = e.without_url_ref().to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}

trait WithoutUrl {
    fn without_url_ref(&self) -> String;
}

impl WithoutUrl for reqwest::Error {
    fn without_url_ref(&self) -> String {
        let kind = if self.is_connect() {
            "connection failed"
        } else if self.is_timeout() {
            "timed out"
        } else if self.is_body() || self.is_decode() {
            "reading the response failed"
        } else {
            "request failed"
        };
        kind.to_string()
    }
}

#[async_trait]
impl Transport for ReqwestTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let client = if request.follow_redirects {
            &self.client
        } else {
            &self.no_redirect
        };
        let mut builder = client
            .request(request.method, &request.url)
            .headers(request.headers);
        if let Some(body) = request.body {
            builder = builder.body(body);
        }
        if let Some(t) = request.timeout {
            builder = builder.timeout(t);
        }
        let to_err = |e: reqwest::Error| TransportError {
            kind: classify(&e),
            message: describe(&e),
        };
        let resp = builder.send().await.map_err(to_err)?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = match resp.bytes().await {
            Ok(body) => body,
            // Exchange sometimes labels a plain error body as gzip: the status is what
            // matters then, so keep it rather than fail the whole request on the body.
            Err(e) if status >= 400 => {
                Bytes::from(format!("(unreadable error body: {})", describe(&e)))
            }
            Err(e) => return Err(to_err(e)),
        };
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}
