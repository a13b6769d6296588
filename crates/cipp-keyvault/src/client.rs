//! [`KeyVaultClient`]: the secrets API of one vault (API version 7.4).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use cipp_core::http::HttpResponse;
use cipp_core::{Credentials, Endpoints, Grant, Method, Pipeline, Service, ServiceRequest};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;

use crate::error::{KeyVaultError, Result};
use crate::identity::ManagedIdentity;
use crate::models::{DeletedSecret, Secret, SecretProperties, SetSecretOptions};

/// The Key Vault REST API version spoken.
pub const API_VERSION: &str = "7.4";

/// The secrets of one Azure Key Vault.
///
/// Tokens come from the pipeline's credentials (app-only, in the partner tenant, for
/// `https://vault.azure.net/.default`) or from a [`ManagedIdentity`], as CIPP's function app
/// does. Values are [`SecretString`]s and never appear in `Debug`, errors or logs.
///
/// ```no_run
/// # async fn run(pipeline: cipp_core::Pipeline) -> Result<(), cipp_keyvault::KeyVaultError> {
/// use cipp_keyvault::KeyVaultClient;
/// use futures::TryStreamExt;
/// use secrecy::{ExposeSecret, SecretString};
/// let kv = KeyVaultClient::builder("cipp-kv").pipeline(pipeline).build()?;
/// kv.set_secret("HIBP", SecretString::from("api-key".to_string())).await?;
/// let secret = kv.get_secret("HIBP").await?;
/// assert_eq!(secret.value.unwrap().expose_secret(), "api-key");
/// let names: Vec<String> = kv
///     .list_secrets()
///     .map_ok(|p| p.name().unwrap_or_default().to_string())
///     .try_collect()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct KeyVaultClient {
    inner: Arc<Inner>,
}

struct Inner {
    pipeline: Pipeline,
    vault: String,
    base: String,
    identity: Option<ManagedIdentity>,
    poll_interval: Duration,
    poll_attempts: u32,
    page_size: Option<u32>,
}

impl fmt::Debug for KeyVaultClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyVaultClient")
            .field("vault", &self.inner.vault)
            .field("base", &self.inner.base)
            .field("identity", &self.inner.identity)
            .finish_non_exhaustive()
    }
}

/// Builder for [`KeyVaultClient`].
#[derive(Debug)]
pub struct KeyVaultClientBuilder {
    vault: String,
    pipeline: Option<Pipeline>,
    endpoints: Option<Endpoints>,
    identity: Option<ManagedIdentity>,
    poll_interval: Duration,
    poll_attempts: u32,
    page_size: Option<u32>,
}

impl KeyVaultClientBuilder {
    /// Send through `pipeline` (its endpoints, retry policy and, without a managed
    /// identity, its credentials).
    pub fn pipeline(mut self, pipeline: Pipeline) -> Self {
        self.pipeline = Some(pipeline);
        self
    }

    /// Where vaults are reached when no pipeline is given (cloud, `CIPP_KEYVAULT_URL`).
    pub fn endpoints(mut self, endpoints: Endpoints) -> Self {
        self.endpoints = Some(endpoints);
        self
    }

    /// Authenticate with a managed identity instead of the pipeline's credentials.
    pub fn managed_identity(mut self, identity: ManagedIdentity) -> Self {
        self.identity = Some(identity);
        self
    }

    /// After recovering a soft-deleted secret, check every `interval` whether it is readable,
    /// `attempts` times at most (default every 3 s for 60 s, as CIPP does).
    pub fn recover_polling(mut self, interval: Duration, attempts: u32) -> Self {
        self.poll_interval = interval;
        self.poll_attempts = attempts.max(1);
        self
    }

    /// Ask for at most `n` items per list page (`maxresults`, 1 to 25).
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = Some(n.clamp(1, 25));
        self
    }

    /// Validate and build.
    pub fn build(self) -> Result<KeyVaultClient> {
        validate_vault(&self.vault)?;
        let pipeline = match (self.pipeline, &self.identity) {
            (Some(p), _) => p,
            (None, Some(_)) => {
                // Every request carries the identity's token, so these credentials only name
                // the requests in logs; they are never sent anywhere.
                let creds = Credentials::builder("managed-identity")
                    .partner_tenant("managed-identity")
                    .build()?;
                Pipeline::builder(creds)
                    .endpoints(self.endpoints.unwrap_or_default())
                    .build()?
            }
            (None, None) => {
                return Err(KeyVaultError::invalid(
                    "keyvault",
                    "give a pipeline (credentials) or a managed identity",
                ))
            }
        };
        let base = pipeline.endpoints().key_vault(&self.vault);
        Ok(KeyVaultClient {
            inner: Arc::new(Inner {
                pipeline,
                vault: self.vault,
                base,
                identity: self.identity,
                poll_interval: self.poll_interval,
                poll_attempts: self.poll_attempts,
                page_size: self.page_size,
            }),
        })
    }
}

/// Vault names: 3-24 letters, digits and dashes, starting with a letter.
fn validate_vault(vault: &str) -> Result<()> {
    let ok = (3..=24).contains(&vault.len())
        && vault
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && vault.as_bytes()[0].is_ascii_alphabetic();
    if ok {
        Ok(())
    } else {
        Err(KeyVaultError::invalid(
            "vault",
            format!("'{vault}' must be 3-24 letters, digits and '-', starting with a letter"),
        ))
    }
}

fn validate_name(name: &str) -> Result<()> {
    cipp_core::secret_store::validate_secret_name(name).map_err(|e| match e {
        cipp_core::Error::InvalidInput { field, message } => {
            KeyVaultError::InvalidInput { field, message }
        }
        other => KeyVaultError::Api(other),
    })
}

fn validate_version(version: &str) -> Result<()> {
    if !version.is_empty()
        && version.len() <= 64
        && version.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        Ok(())
    } else {
        Err(KeyVaultError::invalid(
            "version",
            format!("'{version}' is not a secret version (letters and digits)"),
        ))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page {
    #[serde(default)]
    value: Vec<SecretProperties>,
    #[serde(default)]
    next_link: Option<String>,
}

/// `true` when a 409 says the name is held by a soft-deleted secret.
fn is_soft_deleted_conflict(e: &KeyVaultError) -> bool {
    let KeyVaultError::Api(cipp_core::Error::Service(s)) = e else {
        return false;
    };
    if s.status != 409 {
        return false;
    }
    let code_ok = s
        .code
        .as_deref()
        .map(|c| c.eq_ignore_ascii_case("Conflict"))
        .unwrap_or(true);
    let msg = s.message.to_ascii_lowercase();
    let raw = s.raw_body.as_deref().unwrap_or_default();
    code_ok
        && (msg.contains("deleted")
            || msg.contains("recover")
            || raw.contains("ObjectIsDeletedButRecoverable"))
}

impl KeyVaultClient {
    /// Start building a client for vault `vault` (the name, as in `{vault}.vault.azure.net`).
    pub fn builder(vault: impl Into<String>) -> KeyVaultClientBuilder {
        KeyVaultClientBuilder {
            vault: vault.into().trim().to_string(),
            pipeline: None,
            endpoints: None,
            identity: None,
            poll_interval: Duration::from_secs(3),
            poll_attempts: 20,
            page_size: None,
        }
    }

    /// A client for `vault` over `pipeline`, with app-only tokens from its credentials.
    pub fn new(pipeline: Pipeline, vault: impl Into<String>) -> Result<Self> {
        Self::builder(vault).pipeline(pipeline).build()
    }

    /// The vault's name.
    pub fn vault(&self) -> &str {
        &self.inner.vault
    }

    /// The vault's base URL (`https://{vault}.vault.azure.net`, or the override's).
    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    fn url(&self, path: &str, query: &[(&str, &str)]) -> String {
        let mut u = format!("{}/{path}?api-version={API_VERSION}", self.inner.base);
        for (k, v) in query {
            u.push('&');
            u.push_str(k);
            u.push('=');
            u.push_str(
                &percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
                    .to_string(),
            );
        }
        u
    }

    async fn request(&self, method: Method, url: String) -> Result<ServiceRequest> {
        let p = &self.inner.pipeline;
        let mut req = ServiceRequest::new(
            Service::KeyVault,
            p.credentials().partner_tenant(),
            method,
            url,
        )
        .grant(Grant::AppOnly);
        if let Some(identity) = &self.inner.identity {
            let resource = p
                .endpoints()
                .cloud()
                .audience(Service::KeyVault)
                .unwrap_or_else(|| "https://vault.azure.net".to_string());
            let token = identity
                .token(p.transport().as_ref(), p.retry_policy(), &resource)
                .await?;
            req = req.bearer(token);
        }
        Ok(req)
    }

    /// Send; a 404 becomes [`KeyVaultError::NotFound`] for `name`.
    async fn send(
        &self,
        req: ServiceRequest,
        name: Option<&str>,
        deleted: bool,
    ) -> Result<HttpResponse> {
        match self.inner.pipeline.send(req).await {
            Ok(r) => Ok(r),
            Err(e) if e.is_not_found() && name.is_some() => Err(KeyVaultError::NotFound {
                vault: self.inner.vault.clone(),
                name: name.unwrap_or_default().to_string(),
                deleted,
                source: Box::new(e),
            }),
            Err(e) => Err(e.into()),
        }
    }

    fn decode<T: serde::de::DeserializeOwned>(&self, resp: &HttpResponse, what: &str) -> Result<T> {
        Ok(cipp_core::error::decode_json(
            &resp.body,
            &format!("{what} in vault {}", self.inner.vault),
            "-",
        )?)
    }

    /// The latest version of secret `name`.
    pub async fn get_secret(&self, name: &str) -> Result<Secret> {
        validate_name(name)?;
        let req = self
            .request(Method::GET, self.url(&format!("secrets/{name}"), &[]))
            .await?;
        let resp = self.send(req, Some(name), false).await?;
        self.decode(&resp, "GET secret")
    }

    /// Version `version` of secret `name`.
    pub async fn get_secret_version(&self, name: &str, version: &str) -> Result<Secret> {
        validate_name(name)?;
        validate_version(version)?;
        let url = self.url(&format!("secrets/{name}/{version}"), &[]);
        let req = self.request(Method::GET, url).await?;
        let resp = self.send(req, Some(name), false).await?;
        self.decode(&resp, "GET secret version")
    }

    /// Store `value` as a new version of secret `name`. When the name is held by a
    /// soft-deleted secret (409 Conflict), the secret is recovered, polled until readable, and
    /// the value set again.
    pub async fn set_secret(&self, name: &str, value: SecretString) -> Result<Secret> {
        self.set_secret_with(name, value, SetSecretOptions::default())
            .await
    }

    /// [`KeyVaultClient::set_secret`] with a content type, tags or attributes.
    pub async fn set_secret_with(
        &self,
        name: &str,
        value: SecretString,
        options: SetSecretOptions,
    ) -> Result<Secret> {
        validate_name(name)?;
        let mut body = match serde_json::to_value(&options) {
            Ok(Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        };
        body.insert(
            "value".into(),
            Value::String(value.expose_secret().to_string()),
        );
        let body = Value::Object(body);
        match self.put(name, &body).await {
            Err(e) if is_soft_deleted_conflict(&e) => {
                tracing::info!(vault = %self.inner.vault, secret = name, "secret is soft-deleted; recovering it before setting");
                self.recover_and_wait(name).await?;
                self.put_while_conflict(name, &body).await
            }
            other => other,
        }
    }

    async fn put(&self, name: &str, body: &Value) -> Result<Secret> {
        let url = self.url(&format!("secrets/{name}"), &[]);
        let req = self.request(Method::PUT, url).await?.json(body);
        let resp = self.send(req, None, false).await?;
        self.decode(&resp, "PUT secret")
    }

    /// A 409 means nothing was written, so resending is safe; the vault may need a moment
    /// after a recovery before it accepts new versions.
    async fn put_while_conflict(&self, name: &str, body: &Value) -> Result<Secret> {
        let mut attempt = 1;
        loop {
            match self.put(name, body).await {
                Err(KeyVaultError::Api(e))
                    if e.status() == Some(409) && attempt < self.inner.poll_attempts =>
                {
                    attempt += 1;
                    tokio::time::sleep(self.inner.poll_interval).await;
                }
                other => return other,
            }
        }
    }

    async fn recover_and_wait(&self, name: &str) -> Result<()> {
        match self.recover_deleted_secret(name).await {
            Ok(_) => {}
            // Someone else recovered it meanwhile (404), or a recovery is under way (409).
            Err(KeyVaultError::NotFound { .. }) => {}
            Err(KeyVaultError::Api(e)) if e.status() == Some(409) => {}
            Err(e) => return Err(e),
        }
        for attempt in 1..=self.inner.poll_attempts {
            match self.get_secret(name).await {
                Ok(_) => return Ok(()),
                Err(KeyVaultError::NotFound { .. }) if attempt < self.inner.poll_attempts => {
                    tokio::time::sleep(self.inner.poll_interval).await;
                }
                Err(KeyVaultError::NotFound { .. }) => break,
                Err(e) => return Err(e),
            }
        }
        Err(KeyVaultError::RecoverTimeout {
            vault: self.inner.vault.clone(),
            name: name.to_string(),
            attempts: self.inner.poll_attempts,
        })
    }

    /// Delete secret `name` (soft delete: recoverable until purged).
    pub async fn delete_secret(&self, name: &str) -> Result<DeletedSecret> {
        validate_name(name)?;
        let req = self
            .request(Method::DELETE, self.url(&format!("secrets/{name}"), &[]))
            .await?;
        let resp = self.send(req, Some(name), false).await?;
        self.decode(&resp, "DELETE secret")
    }

    /// The soft-deleted secret `name`.
    pub async fn get_deleted_secret(&self, name: &str) -> Result<DeletedSecret> {
        validate_name(name)?;
        let req = self
            .request(
                Method::GET,
                self.url(&format!("deletedsecrets/{name}"), &[]),
            )
            .await?;
        let resp = self.send(req, Some(name), true).await?;
        self.decode(&resp, "GET deleted secret")
    }

    /// Recover the soft-deleted secret `name`. Recovery finishes in the background; the
    /// secret may answer 404 for a few seconds after this returns.
    pub async fn recover_deleted_secret(&self, name: &str) -> Result<SecretProperties> {
        validate_name(name)?;
        let url = self.url(&format!("deletedsecrets/{name}/recover"), &[]);
        let req = self.request(Method::POST, url).await?;
        let resp = self.send(req, Some(name), true).await?;
        self.decode(&resp, "POST recover deleted secret")
    }

    /// Purge the soft-deleted secret `name` for good (the vault must allow purging).
    pub async fn purge_deleted_secret(&self, name: &str) -> Result<()> {
        validate_name(name)?;
        let url = self.url(&format!("deletedsecrets/{name}"), &[]);
        let req = self.request(Method::DELETE, url).await?;
        self.send(req, Some(name), true).await?;
        Ok(())
    }

    fn list_url(&self, path: &str) -> String {
        let size = self.inner.page_size.map(|n| n.to_string());
        match &size {
            Some(n) => self.url(path, &[("maxresults", n)]),
            None => self.url(path, &[]),
        }
    }

    /// The secrets of the vault (no values), page by page following `nextLink`.
    pub fn secret_pages(&self) -> BoxStream<'static, Result<Vec<SecretProperties>>> {
        self.pages(self.list_url("secrets"))
    }

    /// The secrets of the vault (no values), fetched lazily page by page.
    pub fn list_secrets(&self) -> BoxStream<'static, Result<SecretProperties>> {
        flatten(self.secret_pages())
    }

    /// Every secret of the vault (no values).
    pub async fn list_all(&self) -> Result<Vec<SecretProperties>> {
        self.list_secrets().try_collect().await
    }

    /// The versions of secret `name` (no values), fetched lazily page by page.
    pub fn list_secret_versions(&self, name: &str) -> BoxStream<'static, Result<SecretProperties>> {
        if let Err(e) = validate_name(name) {
            return stream::once(async move { Err(e) }).boxed();
        }
        flatten(self.pages(self.list_url(&format!("secrets/{name}/versions"))))
    }

    /// The soft-deleted secrets of the vault, fetched lazily page by page.
    pub fn list_deleted_secrets(&self) -> BoxStream<'static, Result<SecretProperties>> {
        flatten(self.pages(self.list_url("deletedsecrets")))
    }

    fn pages(&self, first: String) -> BoxStream<'static, Result<Vec<SecretProperties>>> {
        /// What comes after a page: another URL, the end, or an error found while reading
        /// the page (reported after its items).
        enum Next {
            Url(String),
            Fail(KeyVaultError),
            Done,
        }
        let this = self.clone();
        stream::try_unfold(Next::Url(first), move |next| {
            let this = this.clone();
            async move {
                let url = match next {
                    Next::Url(u) => u,
                    Next::Fail(e) => return Err(e),
                    Next::Done => return Ok(None),
                };
                let req = this.request(Method::GET, url).await?;
                let resp = this.send(req, None, false).await?;
                let page: Page = this.decode(&resp, "GET secret list")?;
                let next = match page.next_link.filter(|l| !l.trim().is_empty()) {
                    Some(link) => match this.check_next_link(link) {
                        Ok(l) => Next::Url(l),
                        Err(e) => Next::Fail(e),
                    },
                    None => Next::Done,
                };
                Ok(Some((page.value, next)))
            }
        })
        .boxed()
    }

    /// Follow a `nextLink` only on the vault's own origin: the bearer token goes with it.
    fn check_next_link(&self, link: String) -> Result<String> {
        let foreign = |host: String| KeyVaultError::ForeignNextLink {
            vault: self.inner.vault.clone(),
            host,
        };
        if cipp_core::http::same_origin(&self.inner.base, &link) {
            return Ok(link);
        }
        let host = url::Url::parse(&link)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| "(unparseable)".into());
        Err(foreign(host))
    }
}

fn flatten(
    pages: BoxStream<'static, Result<Vec<SecretProperties>>>,
) -> BoxStream<'static, Result<SecretProperties>> {
    pages
        .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn names_are_checked_before_sending() {
        assert!(validate_vault("cipp-kv").is_ok());
        assert!(validate_vault("1bad").is_err());
        assert!(validate_vault("a/b").is_err());
        assert!(validate_name("RefreshToken").is_ok());
        assert!(validate_name("../etc").is_err());
        assert!(validate_version("3f9c0a").is_ok());
        assert!(validate_version("x?y").is_err());
    }
}
