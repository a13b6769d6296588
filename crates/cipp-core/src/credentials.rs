//! How the SDK proves who it is to Entra ID.
//!
//! CIPP's Secure Application Model: a multi-tenant app registration in the partner tenant (the
//! SAM app) plus the refresh token of a partner service account. With GDAP that one refresh
//! token mints delegated tokens in every customer tenant. App-only (client credentials) tokens
//! use the service principal that CPV consent created in each customer tenant.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};

use crate::certificate::ClientCertificate;
use crate::error::Error;
use crate::secret_store::{names, SecretStore};

/// A rotated refresh token is written back to the secret store at most this often.
pub const PERSIST_INTERVAL: Duration = Duration::from_secs(600);

/// Which kind of token a request needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Grant {
    /// Delegated: the partner service account's refresh token (CIPP's default).
    #[default]
    Delegated,
    /// App-only: client credentials of the SAM app in the target tenant.
    AppOnly,
}

impl Grant {
    /// The key part used in the token cache.
    pub fn name(self) -> &'static str {
        match self {
            Grant::Delegated => "delegated",
            Grant::AppOnly => "app",
        }
    }
}

/// How the application authenticates itself at the token endpoint.
#[derive(Clone)]
#[non_exhaustive]
pub enum ClientAuth {
    /// A client secret.
    Secret(SecretString),
    /// A certificate: a signed PS256 assertion is sent instead of a secret.
    Certificate(Arc<ClientCertificate>),
    /// No client authentication (a public client redeeming a refresh token).
    None,
}

impl fmt::Debug for ClientAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientAuth::Secret(_) => f.write_str("Secret([REDACTED])"),
            ClientAuth::Certificate(c) => f.debug_tuple("Certificate").field(c).finish(),
            ClientAuth::None => f.write_str("None"),
        }
    }
}

/// Called with the new refresh token whenever Entra rotates it, so it can be persisted.
pub type RefreshTokenHook = Arc<dyn Fn(&SecretString) + Send + Sync>;

/// The SAM app and the partner's delegated refresh token.
///
/// ```
/// use cipp_core::Credentials;
/// let creds = Credentials::builder("00000000-0000-0000-0000-000000000001")
///     .client_secret("s3cr+t")
///     .refresh_token("1.AXEA-refresh")
///     .partner_tenant("northwindmsp.onmicrosoft.com")
///     .build()
///     .unwrap();
/// assert!(!format!("{creds:?}").contains("s3cr+t"));
/// ```
#[derive(Clone)]
pub struct Credentials {
    application_id: String,
    client_auth: ClientAuth,
    refresh_token: Arc<RwLock<Option<SecretString>>>,
    partner_tenant: String,
    on_rotate: Option<RefreshTokenHook>,
    store: Option<StoreLink>,
    /// Lower-case GUIDs of direct tenants (reached with their own refresh token, not GDAP).
    direct_tenants: Arc<BTreeSet<String>>,
    /// Refresh tokens of direct tenants, given or loaded from the store.
    direct_tokens: Arc<RwLock<BTreeMap<String, SecretString>>>,
}

/// A rotated refresh token due to be written to the secret store under `name`.
pub struct PendingPersist {
    name: String,
    token: SecretString,
}

impl fmt::Debug for PendingPersist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingPersist")
            .field("name", &self.name)
            .field("token", &"[REDACTED]")
            .finish()
    }
}

/// The secret store and when each secret name was last written to it.
#[derive(Clone)]
struct StoreLink {
    store: Arc<dyn SecretStore>,
    persisted: Arc<Mutex<BTreeMap<String, Instant>>>,
    interval: Duration,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("application_id", &self.application_id)
            .field("client_auth", &self.client_auth)
            .field(
                "refresh_token",
                &self.has_refresh_token().then_some("[REDACTED]"),
            )
            .field("partner_tenant", &self.partner_tenant)
            .field("secret_store", &self.store.as_ref().map(|l| &l.store))
            .field("direct_tenants", &self.direct_tenants)
            .finish()
    }
}

/// Values CIPP's deployment template writes as "not configured yet".
const PLACEHOLDERS: [&str; 4] = ["LongApplicationId", "AppSecret", "RefreshToken", "tenantId"];

/// `true` when `value` is empty or one of CIPP's placeholder values.
pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim();
    v.is_empty() || PLACEHOLDERS.contains(&v)
}

impl Credentials {
    /// Start building credentials for the application (client) id.
    pub fn builder(application_id: impl Into<String>) -> CredentialsBuilder {
        CredentialsBuilder {
            application_id: application_id.into(),
            client_auth: ClientAuth::None,
            refresh_token: None,
            partner_tenant: None,
            on_rotate: None,
            store: None,
            persist_interval: PERSIST_INTERVAL,
            direct_tenants: BTreeMap::new(),
        }
    }

    /// The application (client) id.
    pub fn application_id(&self) -> &str {
        &self.application_id
    }

    /// The partner tenant (GUID or domain) used when no tenant is named.
    pub fn partner_tenant(&self) -> &str {
        &self.partner_tenant
    }

    /// How the app authenticates.
    pub fn client_auth(&self) -> &ClientAuth {
        &self.client_auth
    }

    /// `true` when a delegated refresh token is configured.
    pub fn has_refresh_token(&self) -> bool {
        self.refresh_token
            .read()
            .map(|g| g.is_some())
            .unwrap_or(false)
    }

    /// The current (possibly rotated) refresh token.
    pub fn refresh_token(&self) -> Option<SecretString> {
        self.refresh_token.read().ok().and_then(|g| g.clone())
    }

    /// Keep a rotated refresh token and tell the persistence hook, if any.
    pub fn store_rotated_refresh_token(&self, token: SecretString) {
        let changed = match self.refresh_token.write() {
            Ok(mut guard) => {
                let changed = guard
                    .as_ref()
                    .map(|old| old.expose_secret() != token.expose_secret())
                    .unwrap_or(true);
                *guard = Some(token.clone());
                changed
            }
            Err(_) => false,
        };
        if changed {
            if let Some(hook) = &self.on_rotate {
                hook(&token);
            }
        }
    }

    /// Set the hook that persists rotated refresh tokens.
    pub fn set_rotation_hook(&mut self, hook: RefreshTokenHook) {
        self.on_rotate = Some(hook);
    }

    /// The secret store refresh tokens are loaded from and persisted to, if any.
    pub fn secret_store(&self) -> Option<&Arc<dyn SecretStore>> {
        self.store.as_ref().map(|l| &l.store)
    }

    /// `true` when `tenant` (a GUID) was declared a direct tenant.
    pub fn is_direct_tenant(&self, tenant: &str) -> bool {
        self.direct_tenants
            .contains(&tenant.trim().to_ascii_lowercase())
    }

    /// The refresh token for delegated tokens in `tenant` (`canonical` is its GUID when
    /// known): a direct tenant's own token, else the partner's. Missing tokens are loaded
    /// from the secret store (`RefreshToken`, or the direct tenant's GUID) on first use.
    pub async fn refresh_token_for(
        &self,
        tenant: &str,
        canonical: &str,
    ) -> Result<Option<SecretString>, Error> {
        if let Some(guid) = self.direct_key(tenant, canonical) {
            if let Some(t) = self
                .direct_tokens
                .read()
                .ok()
                .and_then(|m| m.get(&guid).cloned())
            {
                return Ok(Some(t));
            }
            let Some(link) = &self.store else {
                return Ok(None);
            };
            let loaded = link.store.get(&guid).await?;
            if let (Some(t), Ok(mut m)) = (&loaded, self.direct_tokens.write()) {
                m.insert(guid, t.clone());
            }
            return Ok(loaded);
        }
        if let Some(t) = self.refresh_token() {
            return Ok(Some(t));
        }
        let Some(link) = &self.store else {
            return Ok(None);
        };
        let loaded = link
            .store
            .get(names::REFRESH_TOKEN)
            .await?
            .filter(|t| !is_placeholder(t.expose_secret()));
        if let (Some(t), Ok(mut guard)) = (&loaded, self.refresh_token.write()) {
            if guard.is_none() {
                *guard = Some(t.clone());
            }
        }
        Ok(loaded)
    }

    fn direct_key(&self, tenant: &str, canonical: &str) -> Option<String> {
        [tenant, canonical]
            .into_iter()
            .map(|t| t.trim().to_ascii_lowercase())
            .find(|t| self.direct_tenants.contains(t))
    }

    /// Keep a refresh token Entra returned for `tenant` and write it to the secret store
    /// (under `RefreshToken`, or the direct tenant's GUID), at most once per persist interval
    /// per name. A failed write is logged (without the value) and retried at the next
    /// rotation; it never fails the request that brought the token.
    pub async fn rotated(&self, tenant: &str, canonical: &str, token: SecretString) {
        if let Some(pending) = self.remember_rotated(tenant, canonical, token) {
            self.persist_rotated(pending).await;
        }
    }

    /// The in-memory half of [`Credentials::rotated`]: keep the token and say whether (and
    /// under which name) it is due to be written to the store.
    pub fn remember_rotated(
        &self,
        tenant: &str,
        canonical: &str,
        token: SecretString,
    ) -> Option<PendingPersist> {
        let name = match self.direct_key(tenant, canonical) {
            Some(guid) => {
                let changed = match self.direct_tokens.write() {
                    Ok(mut m) => {
                        let changed = m
                            .get(&guid)
                            .map(|old| old.expose_secret() != token.expose_secret())
                            .unwrap_or(true);
                        m.insert(guid.clone(), token.clone());
                        changed
                    }
                    Err(_) => false,
                };
                if !changed {
                    return None;
                }
                guid
            }
            None => {
                let before = self.refresh_token();
                self.store_rotated_refresh_token(token.clone());
                if before.map(|b| b.expose_secret() == token.expose_secret()) == Some(true) {
                    return None;
                }
                names::REFRESH_TOKEN.to_string()
            }
        };
        let link = self.store.as_ref()?;
        let mut m = link.persisted.lock().ok()?;
        let due = m
            .get(&name)
            .map(|at| at.elapsed() >= link.interval)
            .unwrap_or(true);
        if !due {
            return None;
        }
        m.insert(name.clone(), Instant::now());
        Some(PendingPersist { name, token })
    }

    /// The store half of [`Credentials::rotated`].
    pub async fn persist_rotated(&self, pending: PendingPersist) {
        let Some(link) = &self.store else {
            return;
        };
        let PendingPersist { name, token } = pending;
        if let Err(e) = link.store.set(&name, token).await {
            tracing::warn!(secret = %name, error = %e, "could not persist the rotated refresh token");
            if let Ok(mut m) = link.persisted.lock() {
                m.remove(&name);
            }
        } else {
            tracing::debug!(secret = %name, "persisted the rotated refresh token");
        }
    }

    /// A short string identifying the client authentication kind, for the cache key.
    pub(crate) fn auth_kind(&self) -> &'static str {
        match self.client_auth {
            ClientAuth::Secret(_) => "secret",
            ClientAuth::Certificate(_) => "certificate",
            ClientAuth::None => "public",
        }
    }
}

/// Builder for [`Credentials`].
#[derive(Clone)]
pub struct CredentialsBuilder {
    application_id: String,
    client_auth: ClientAuth,
    refresh_token: Option<SecretString>,
    partner_tenant: Option<String>,
    on_rotate: Option<RefreshTokenHook>,
    store: Option<Arc<dyn SecretStore>>,
    persist_interval: Duration,
    /// Lower-case GUID -> its refresh token when given directly.
    direct_tenants: BTreeMap<String, Option<SecretString>>,
}

impl fmt::Debug for CredentialsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialsBuilder")
            .field("application_id", &self.application_id)
            .field("client_auth", &self.client_auth)
            .field("partner_tenant", &self.partner_tenant)
            .finish_non_exhaustive()
    }
}

impl CredentialsBuilder {
    /// Authenticate the app with a client secret.
    pub fn client_secret(mut self, secret: impl Into<String>) -> Self {
        self.client_auth = ClientAuth::Secret(SecretString::from(secret.into()));
        self
    }

    /// Authenticate the app with a certificate.
    pub fn certificate(mut self, cert: ClientCertificate) -> Self {
        self.client_auth = ClientAuth::Certificate(Arc::new(cert));
        self
    }

    /// The partner service account's refresh token (delegated access).
    pub fn refresh_token(mut self, token: impl Into<String>) -> Self {
        self.refresh_token = Some(SecretString::from(token.into()));
        self
    }

    /// The partner tenant id or domain (the default tenant for partner-level calls).
    pub fn partner_tenant(mut self, tenant: impl Into<String>) -> Self {
        self.partner_tenant = Some(tenant.into());
        self
    }

    /// Persist rotated refresh tokens through `hook`.
    pub fn on_refresh_token_rotated(mut self, hook: RefreshTokenHook) -> Self {
        self.on_rotate = Some(hook);
        self
    }

    /// Load the partner refresh token (`RefreshToken`) and direct tenants' tokens from
    /// `store` when they are not given, and write rotated tokens back to it.
    pub fn secret_store(mut self, store: Arc<dyn SecretStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// How often a rotated refresh token is written to the store at most (default 10 min).
    pub fn persist_interval(mut self, interval: Duration) -> Self {
        self.persist_interval = interval;
        self
    }

    /// Declare `tenant_id` (a GUID) a direct tenant: delegated tokens for it use its own
    /// refresh token, loaded from the secret store under the GUID (CIPP's convention),
    /// instead of the partner's.
    pub fn direct_tenant(mut self, tenant_id: impl Into<String>) -> Self {
        let id = tenant_id.into().trim().to_ascii_lowercase();
        self.direct_tenants.entry(id).or_insert(None);
        self
    }

    /// Declare `tenant_id` a direct tenant with its refresh token given here.
    pub fn direct_tenant_token(
        mut self,
        tenant_id: impl Into<String>,
        refresh_token: impl Into<String>,
    ) -> Self {
        let id = tenant_id.into().trim().to_ascii_lowercase();
        self.direct_tenants
            .insert(id, Some(SecretString::from(refresh_token.into())));
        self
    }

    /// Validate and build.
    pub fn build(self) -> Result<Credentials, Error> {
        for id in self.direct_tenants.keys() {
            if !crate::tenant::is_guid(id) {
                return Err(Error::invalid_input(
                    "direct_tenant",
                    format!("'{id}' is not a tenant GUID"),
                ));
            }
        }
        if is_placeholder(&self.application_id) {
            return Err(Error::invalid_input(
                "CIPP_APPLICATION_ID",
                "the application id is missing or still a placeholder",
            ));
        }
        let partner_tenant = self
            .partner_tenant
            .filter(|t| !is_placeholder(t))
            .ok_or_else(|| {
                Error::invalid_input(
                    "CIPP_TENANT_ID",
                    "the partner tenant id is missing or still a placeholder",
                )
            })?;
        if let ClientAuth::Secret(s) = &self.client_auth {
            if is_placeholder(s.expose_secret()) {
                return Err(Error::invalid_input(
                    "CIPP_APPLICATION_SECRET",
                    "the application secret is empty or still a placeholder",
                ));
            }
        }
        let refresh_token = self
            .refresh_token
            .filter(|t| !is_placeholder(t.expose_secret()));
        Ok(Credentials {
            application_id: self.application_id.trim().to_string(),
            client_auth: self.client_auth,
            refresh_token: Arc::new(RwLock::new(refresh_token)),
            partner_tenant: partner_tenant.trim().to_string(),
            on_rotate: self.on_rotate,
            store: self.store.map(|store| StoreLink {
                store,
                persisted: Arc::new(Mutex::new(BTreeMap::new())),
                interval: self.persist_interval,
            }),
            direct_tenants: Arc::new(self.direct_tenants.keys().cloned().collect()),
            direct_tokens: Arc::new(RwLock::new(
                self.direct_tenants
                    .into_iter()
                    .filter_map(|(k, v)| Some((k, v?)))
                    .collect(),
            )),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn placeholders_are_rejected_with_the_variable_name() {
        let err = Credentials::builder("LongApplicationId")
            .partner_tenant("x")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("CIPP_APPLICATION_ID"));
        let err = Credentials::builder("app")
            .client_secret("AppSecret")
            .partner_tenant("x")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("CIPP_APPLICATION_SECRET"));
    }

    #[test]
    fn rotation_calls_the_hook_once_per_change() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let seen2 = seen.clone();
        let creds = Credentials::builder("app")
            .client_secret("s")
            .refresh_token("rt1")
            .partner_tenant("p")
            .on_refresh_token_rotated(Arc::new(move |t: &SecretString| {
                seen2.lock().unwrap().push(t.expose_secret().to_string())
            }))
            .build()
            .unwrap();
        creds.store_rotated_refresh_token(SecretString::from("rt1".to_string()));
        creds.store_rotated_refresh_token(SecretString::from("rt2".to_string()));
        assert_eq!(*seen.lock().unwrap(), vec!["rt2".to_string()]);
        assert_eq!(creds.refresh_token().unwrap().expose_secret(), "rt2");
        let dbg = format!("{creds:?}");
        assert!(!dbg.contains("rt2") && dbg.contains("REDACTED"), "{dbg}");
    }
}
