//! Managed identity tokens (App Service / Functions flavour): what CIPP uses for Key Vault.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cipp_core::http::{HttpRequest, RetryPolicy, Transport};
use cipp_core::login::AccessToken;
use http::header::HeaderValue;
use http::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::error::{KeyVaultError, Result};

/// Environment variable with the identity endpoint's URL.
pub const IDENTITY_ENDPOINT: &str = "IDENTITY_ENDPOINT";
/// Environment variable with the secret the endpoint wants in `X-IDENTITY-HEADER`.
pub const IDENTITY_HEADER: &str = "IDENTITY_HEADER";
/// The API version of the App Service identity endpoint.
const API_VERSION: &str = "2019-08-01";

/// Tokens from the App Service / Azure Functions managed identity endpoint:
/// `GET {IDENTITY_ENDPOINT}?resource=...&api-version=2019-08-01` with the
/// `X-IDENTITY-HEADER` secret. A token is cached until [`ManagedIdentity::refresh_margin`]
/// before its `expires_on`.
///
/// ```no_run
/// # async fn run() -> Result<(), cipp_keyvault::KeyVaultError> {
/// use cipp_keyvault::{KeyVaultClient, ManagedIdentity};
/// let kv = KeyVaultClient::builder("cipp-kv")
///     .managed_identity(ManagedIdentity::from_env()?)
///     .build()?;
/// let rt = kv.get_secret("RefreshToken").await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ManagedIdentity {
    endpoint: String,
    header: SecretString,
    client_id: Option<String>,
    refresh_margin: Duration,
    cache: Arc<tokio::sync::Mutex<HashMap<String, AccessToken>>>,
}

impl fmt::Debug for ManagedIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManagedIdentity")
            .field("endpoint", &self.endpoint)
            .field("header", &"[REDACTED]")
            .field("client_id", &self.client_id)
            .finish()
    }
}

#[derive(Deserialize)]
struct TokenBody {
    access_token: String,
    #[serde(default)]
    expires_on: Option<serde_json::Value>,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
}

fn number(v: &serde_json::Value) -> Option<u64> {
    v.as_u64().or_else(|| v.as_str()?.trim().parse().ok())
}

impl ManagedIdentity {
    /// An identity endpoint at `endpoint`, authenticated with `header`.
    pub fn new(endpoint: impl Into<String>, header: impl Into<String>) -> Result<Self> {
        let endpoint = endpoint.into().trim().to_string();
        match url::Url::parse(&endpoint) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => {}
            _ => {
                return Err(KeyVaultError::invalid(
                    IDENTITY_ENDPOINT,
                    format!("'{endpoint}' is not an http(s) URL"),
                ))
            }
        }
        let header = header.into();
        if header.trim().is_empty() {
            return Err(KeyVaultError::invalid(IDENTITY_HEADER, "is empty"));
        }
        Ok(ManagedIdentity {
            endpoint,
            header: SecretString::from(header),
            client_id: None,
            refresh_margin: Duration::from_secs(300),
            cache: Arc::default(),
        })
    }

    /// Read `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` (set by App Service and Functions).
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Read the two variables through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let endpoint = lookup(IDENTITY_ENDPOINT)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| {
                KeyVaultError::invalid(IDENTITY_ENDPOINT, "not set (no managed identity here)")
            })?;
        let header = lookup(IDENTITY_HEADER)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| KeyVaultError::invalid(IDENTITY_HEADER, "not set"))?;
        Self::new(endpoint, header)
    }

    /// Use the user-assigned identity with this client id.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// Renew the token this long before it expires (default 5 minutes).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// The endpoint URL.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// A token for `resource` (e.g. `https://vault.azure.net`), cached per resource until
    /// shortly before it expires; concurrent callers share one request.
    pub async fn token(
        &self,
        transport: &dyn Transport,
        retry: &RetryPolicy,
        resource: &str,
    ) -> Result<AccessToken> {
        let mut guard = self.cache.lock().await;
        if let Some(tok) = guard.get(resource) {
            if !tok.expires_within(self.refresh_margin) {
                return Ok(tok.clone());
            }
        }
        let token = self.fetch(transport, retry, resource).await?;
        guard.insert(resource.to_string(), token.clone());
        Ok(token)
    }

    async fn fetch(
        &self,
        transport: &dyn Transport,
        retry: &RetryPolicy,
        resource: &str,
    ) -> Result<AccessToken> {
        let fail = |status: Option<u16>, message: String| KeyVaultError::ManagedIdentity {
            endpoint: self.endpoint.clone(),
            status,
            message,
        };
        let mut url = url::Url::parse(&self.endpoint).map_err(|e| fail(None, e.to_string()))?;
        url.query_pairs_mut()
            .append_pair("resource", resource)
            .append_pair("api-version", API_VERSION);
        if let Some(id) = &self.client_id {
            url.query_pairs_mut().append_pair("client_id", id);
        }
        let mut header = HeaderValue::from_str(self.header.expose_secret()).map_err(|_| {
            KeyVaultError::invalid(
                IDENTITY_HEADER,
                "contains characters not allowed in a header",
            )
        })?;
        header.set_sensitive(true);
        let mut retries = 0;
        let mut waited = Duration::ZERO;
        let resp = loop {
            let mut req = HttpRequest::new(Method::GET, url.as_str());
            req.headers.insert("x-identity-header", header.clone());
            req.headers
                .insert("metadata", HeaderValue::from_static("true"));
            let (retry_after, last) = match transport.send(req).await {
                Ok(r) if matches!(r.status, 429 | 500 | 503 | 504) => (
                    r.header("retry-after")
                        .and_then(cipp_core::http::parse_retry_after),
                    fail(Some(r.status), describe(&r.body)),
                ),
                Ok(r) => break r,
                // Asking for a token changes nothing; resending is safe.
                Err(e) => (None, fail(None, e.message)),
            };
            if !retry.pause(&mut retries, retry_after, &mut waited).await {
                return Err(last);
            }
        };
        if !resp.is_success() {
            return Err(fail(Some(resp.status), describe(&resp.body)));
        }
        let body: TokenBody = serde_json::from_slice(&resp.body).map_err(|e| {
            fail(
                Some(resp.status),
                format!(
                    "unexpected answer (line {}, column {})",
                    e.line(),
                    e.column()
                ),
            )
        })?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        // App Service answers `expires_on` (Unix seconds, as a string); `expires_in` is the
        // fallback; a token without either is assumed to live five minutes.
        let lifetime = body
            .expires_on
            .as_ref()
            .and_then(number)
            .map(|on| on.saturating_sub(now))
            .or_else(|| body.expires_in.as_ref().and_then(number))
            .unwrap_or(300);
        Ok(AccessToken::new(
            body.access_token,
            Duration::from_secs(lifetime),
        ))
    }
}

/// A short description of an identity endpoint's error answer.
fn describe(body: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let pick = |k: &str| {
        v.get(k).and_then(|x| {
            x.as_str()
                .map(str::to_string)
                .or_else(|| x.get("message")?.as_str().map(str::to_string))
        })
    };
    pick("error_description")
        .or_else(|| pick("message"))
        .or_else(|| pick("error"))
        .unwrap_or_else(|| {
            let text = String::from_utf8_lossy(body);
            text.chars().take(200).collect()
        })
}
