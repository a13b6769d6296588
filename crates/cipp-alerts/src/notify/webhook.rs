//! A generic webhook: POST one JSON digest, with the auth CIPP offers (bearer, basic, API-key
//! header, custom headers), each secret read from a [`SecretStore`] at send time.

use std::sync::Arc;

use async_trait::async_trait;
use cipp_core::secret_store::SecretStore;
use cipp_core::ExposeSecret;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use serde::{Deserialize, Serialize};

use super::formats::WebhookFormat;
use super::retry::{retry_after, transient, RetryOptions};
use super::{Notifier, Sent};
use crate::digest::Digest;
use crate::error::AlertError;

/// How a webhook authenticates. Every `secret` is the *name* of a secret in the
/// [`SecretStore`], never the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum WebhookAuth {
    /// No authentication (the URL itself is the secret, as with Teams, Slack and Discord).
    None,
    /// `Authorization: Bearer <secret>`.
    Bearer {
        /// The token's secret name.
        secret: String,
    },
    /// `Authorization: Basic base64(username:secret)`.
    Basic {
        /// The user name.
        username: String,
        /// The password's secret name.
        secret: String,
    },
    /// `<header>: <secret>` (an API key).
    #[serde(alias = "apikey")]
    ApiKey {
        /// The header (`X-Api-Key`).
        header: String,
        /// The key's secret name.
        secret: String,
    },
    /// Several headers: the secret holds a JSON object of header names to values.
    #[serde(alias = "customheaders")]
    CustomHeaders {
        /// The secret name of the JSON object.
        secret: String,
    },
}

/// POSTs digests to one URL.
///
/// ```no_run
/// # async fn run(secrets: std::sync::Arc<dyn cipp_core::secret_store::SecretStore>, digest: cipp_alerts::Digest) -> Result<(), cipp_alerts::AlertError> {
/// use cipp_alerts::{Notifier, WebhookAuth, WebhookFormat, WebhookNotifier};
/// let hook = WebhookNotifier::new("siem", "https://siem.example.com/ingest")?
///     .format(WebhookFormat::Json)
///     .auth(WebhookAuth::Bearer { secret: "SiemToken".into() }, secrets);
/// hook.send(&digest).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct WebhookNotifier {
    name: String,
    url: url::Url,
    format: WebhookFormat,
    auth: WebhookAuth,
    secrets: Option<Arc<dyn SecretStore>>,
    client: reqwest::Client,
    retry: RetryOptions,
}

impl std::fmt::Debug for WebhookNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL's path and query often are the credential (Teams, Slack, Discord).
        f.debug_struct("WebhookNotifier")
            .field("name", &self.name)
            .field("host", &self.host())
            .field("format", &self.format)
            .field("auth", &self.auth)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl WebhookNotifier {
    /// A webhook called `name` at `url` (format guessed from the URL; no auth).
    pub fn new(name: impl Into<String>, url: &str) -> Result<Self, AlertError> {
        let name = name.into();
        let parsed = url::Url::parse(url).map_err(|e| AlertError::Config {
            source_name: format!("destination {name}"),
            message: format!("the webhook URL does not parse: {e}"),
        })?;
        if !matches!(parsed.scheme(), "https" | "http") {
            return Err(AlertError::Config {
                source_name: format!("destination {name}"),
                message: "the webhook URL must be http(s)".into(),
            });
        }
        Ok(WebhookNotifier {
            name,
            format: WebhookFormat::from_url(url),
            url: parsed,
            auth: WebhookAuth::None,
            secrets: None,
            client: reqwest::Client::new(),
            retry: RetryOptions::default(),
        })
    }

    /// The payload shape.
    pub fn format(mut self, format: WebhookFormat) -> Self {
        self.format = format;
        self
    }

    /// Authenticate with secrets from `secrets`.
    pub fn auth(mut self, auth: WebhookAuth, secrets: Arc<dyn SecretStore>) -> Self {
        self.auth = auth;
        self.secrets = Some(secrets);
        self
    }

    /// Retry options.
    pub fn retry(mut self, retry: RetryOptions) -> Self {
        self.retry = retry;
        self
    }

    /// The HTTP client (proxies, timeouts).
    pub fn client(mut self, client: reqwest::Client) -> Self {
        self.client = client;
        self
    }

    fn host(&self) -> String {
        self.url.host_str().unwrap_or("?").to_string()
    }

    fn fail(&self, message: impl Into<String>, status: Option<u16>) -> AlertError {
        AlertError::Delivery {
            destination: self.name.clone(),
            message: message.into(),
            status,
        }
    }

    async fn secret(&self, name: &str) -> Result<String, AlertError> {
        let err = |m: String| AlertError::Secret {
            destination: self.name.clone(),
            secret: name.to_string(),
            message: m,
        };
        let store = self
            .secrets
            .as_ref()
            .ok_or_else(|| err("no secret store was given".into()))?;
        match store.get(name).await {
            Ok(Some(v)) => Ok(v.expose_secret().to_string()),
            Ok(None) => Err(err("not found".into())),
            Err(e) => Err(err(e.to_string())),
        }
    }

    async fn headers(&self) -> Result<HeaderMap, AlertError> {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let sensitive = |v: String, what: &str| {
            HeaderValue::from_str(&v)
                .map(|mut v| {
                    v.set_sensitive(true);
                    v
                })
                .map_err(|_| self.fail(format!("the {what} is not a valid header value"), None))
        };
        match &self.auth {
            WebhookAuth::None => {}
            WebhookAuth::Bearer { secret } => {
                let token = self.secret(secret).await?;
                h.insert(
                    AUTHORIZATION,
                    sensitive(format!("Bearer {token}"), "bearer token")?,
                );
            }
            WebhookAuth::Basic { username, secret } => {
                use base64::Engine as _;
                let password = self.secret(secret).await?;
                let pair = base64::engine::general_purpose::STANDARD
                    .encode(format!("{username}:{password}"));
                h.insert(
                    AUTHORIZATION,
                    sensitive(format!("Basic {pair}"), "basic credential")?,
                );
            }
            WebhookAuth::ApiKey { header, secret } => {
                let name = HeaderName::from_bytes(header.as_bytes()).map_err(|_| {
                    self.fail(format!("'{header}' is not a valid header name"), None)
                })?;
                h.insert(name, sensitive(self.secret(secret).await?, "API key")?);
            }
            WebhookAuth::CustomHeaders { secret } => {
                let text = self.secret(secret).await?;
                let map: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_str(&text).map_err(|_| AlertError::Secret {
                        destination: self.name.clone(),
                        secret: secret.clone(),
                        message: "is not a JSON object of header names to values".into(),
                    })?;
                for (k, v) in map {
                    let name = HeaderName::from_bytes(k.as_bytes()).map_err(|_| {
                        self.fail(format!("'{k}' is not a valid header name"), None)
                    })?;
                    let value = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                    h.insert(name, sensitive(value, "custom header value")?);
                }
            }
        }
        Ok(h)
    }
}

#[async_trait]
impl Notifier for WebhookNotifier {
    fn name(&self) -> &str {
        &self.name
    }

    async fn send(&self, digest: &Digest) -> Result<Sent, AlertError> {
        let body = self.format.render(digest);
        let headers = self.headers().await?;
        let max = self.retry.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let sent = self
                .client
                .post(self.url.clone())
                .headers(headers.clone())
                .json(&body)
                .send()
                .await;
            let (why, status, wait_hint) = match sent {
                Ok(r) if r.status().is_success() => {
                    return Ok(Sent {
                        attempts: attempt,
                        status: Some(r.status().as_u16()),
                    })
                }
                Ok(r) => {
                    let status = r.status().as_u16();
                    let hint = retry_after(r.headers());
                    let why = format!("{} answered HTTP {status}", self.host());
                    if !transient(status) {
                        return Err(self.fail(format!("{why} (not retried)"), Some(status)));
                    }
                    (why, Some(status), hint)
                }
                // The error without its URL: a webhook URL often embeds a token.
                Err(e) => (
                    format!("{} could not be reached: {}", self.host(), e.without_url()),
                    None,
                    None,
                ),
            };
            if attempt >= max {
                return Err(self.fail(format!("{why}, after {attempt} attempts"), status));
            }
            tokio::time::sleep(self.retry.wait(attempt, wait_hint)).await;
        }
    }
}
