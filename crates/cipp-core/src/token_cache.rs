//! Tokens per tenant, scope and grant: fetched once, shared, refreshed before they expire.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::credentials::{Credentials, Grant};
use crate::login::AccessToken;

/// What identifies one cached token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenKey {
    /// Tenant GUID once known, else the lowercase domain.
    pub tenant: String,
    /// Requested scope, lowercase.
    pub scope: String,
    /// Delegated or app-only.
    pub grant: Grant,
    /// Application (client) id, lowercase.
    pub client_id: String,
    /// How the client authenticated (secret, certificate, public).
    pub client_auth: &'static str,
}

impl TokenKey {
    /// Build a key; callers pass the already-canonical tenant.
    pub fn new(tenant: &str, scope: &str, grant: Grant, credentials: &Credentials) -> Self {
        TokenKey {
            tenant: tenant.trim().to_ascii_lowercase(),
            scope: scope.trim().to_ascii_lowercase(),
            grant,
            client_id: credentials.application_id().to_ascii_lowercase(),
            client_auth: credentials.auth_kind(),
        }
    }
}

type Slot = Arc<tokio::sync::Mutex<Option<AccessToken>>>;

/// The token cache. One slot per key; the slot's async lock makes concurrent callers for the
/// same key wait for a single token request instead of each sending their own.
#[derive(Debug)]
pub struct TokenCache {
    slots: Mutex<HashMap<TokenKey, Slot>>,
    refresh_margin: Duration,
}

impl Default for TokenCache {
    fn default() -> Self {
        TokenCache::new(Duration::from_secs(120))
    }
}

impl TokenCache {
    /// A cache that renews tokens `refresh_margin` before they expire.
    pub fn new(refresh_margin: Duration) -> Self {
        TokenCache {
            slots: Mutex::new(HashMap::new()),
            refresh_margin,
        }
    }

    /// How long before expiry a token is renewed.
    pub fn refresh_margin(&self) -> Duration {
        self.refresh_margin
    }

    /// The slot for `key`, created on first use.
    pub(crate) fn slot(&self, key: &TokenKey) -> Slot {
        match self.slots.lock() {
            Ok(mut map) => map.entry(key.clone()).or_default().clone(),
            // A poisoned map only means another thread panicked mid-insert; a fresh slot is
            // always correct, it merely skips sharing.
            Err(_) => Slot::default(),
        }
    }

    /// A still-valid cached token for `key`, without fetching.
    pub fn peek(&self, key: &TokenKey) -> Option<AccessToken> {
        let slot = self.slots.lock().ok()?.get(key)?.clone();
        let guard = slot.try_lock().ok()?;
        guard
            .as_ref()
            .filter(|t| !t.expires_within(self.refresh_margin))
            .cloned()
    }

    /// Store `token` under `key` unless that slot is busy fetching (then it will get its own).
    pub(crate) fn offer(&self, key: &TokenKey, token: &AccessToken) {
        let slot = self.slot(key);
        if let Ok(mut guard) = slot.try_lock() {
            let fresher = guard
                .as_ref()
                .map(|t| t.expires_at < token.expires_at)
                .unwrap_or(true);
            if fresher {
                *guard = Some(token.clone());
            }
        };
    }

    /// Drop `token` wherever it is still cached (a 401 proved it bad). The same token can sit
    /// under a domain key and its GUID key, so every slot holding it is cleared.
    pub async fn invalidate(&self, key: &TokenKey, token: &AccessToken) {
        let slots: Vec<Slot> = match self.slots.lock() {
            Ok(map) => map
                .iter()
                .filter(|(k, _)| k.scope == key.scope && k.grant == key.grant)
                .map(|(_, s)| s.clone())
                .collect(),
            Err(_) => Vec::new(),
        };
        for slot in slots {
            let mut guard = slot.lock().await;
            if guard.as_ref().map(|t| t.secret() == token.secret()) == Some(true) {
                *guard = None;
            }
        }
    }

    /// Drop every token of `tenant` (after consent or permission changes).
    pub fn clear_tenant(&self, tenant: &str) {
        let t = tenant.to_ascii_lowercase();
        if let Ok(mut map) = self.slots.lock() {
            map.retain(|k, _| k.tenant != t);
        }
    }

    /// Drop everything.
    pub fn clear(&self) {
        if let Ok(mut map) = self.slots.lock() {
            map.clear();
        }
    }

    /// Number of keys with a slot.
    pub fn len(&self) -> usize {
        self.slots.lock().map(|m| m.len()).unwrap_or(0)
    }

    /// `true` when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
