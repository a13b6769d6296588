//! Refresh tokens: the seed's partner token and every token the simulator issued stay valid
//! (Entra rotates but does not invalidate), unless revoked.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, PoisonError};

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;

use crate::clock::unix_now;

/// Why a refresh token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefreshProblem {
    /// Never issued here (or garbled).
    Unknown,
    /// Revoked; carries when it was issued.
    Revoked { issued_at: i64 },
}

#[derive(Debug, Default)]
struct Inner {
    /// Token -> issue time.
    issued: HashMap<String, i64>,
    /// Token -> the one tenant (GUID) it signs in to: a direct tenant's own refresh token.
    bound: HashMap<String, String>,
    revoked: HashSet<String>,
}

#[derive(Debug, Default)]
pub(crate) struct RefreshTokens {
    inner: Mutex<Inner>,
}

impl RefreshTokens {
    pub fn new(seed_token: &str) -> Self {
        let tokens = RefreshTokens::default();
        tokens
            .lock()
            .issued
            .insert(seed_token.to_string(), unix_now());
        tokens
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Issue a new token. It contains `+` and `/`, like real ones, so clients that do not
    /// form-encode it are caught.
    pub fn mint(&self) -> String {
        let random: [u8; 32] = rand::random();
        let token = format!("1.AXEA+cippsim/{}", STANDARD_NO_PAD.encode(random));
        self.lock().issued.insert(token.clone(), unix_now());
        token
    }

    /// Issue a token that signs in to `tenant` only (a direct tenant's own account).
    pub fn mint_bound(&self, tenant: &str) -> String {
        let token = self.mint();
        self.lock().bound.insert(token.clone(), tenant.to_string());
        token
    }

    /// The tenant a bound token signs in to; `None` for the partner's tokens.
    pub fn bound_tenant(&self, token: &str) -> Option<String> {
        self.lock().bound.get(token).cloned()
    }

    pub fn revoke(&self, token: &str) {
        self.lock().revoked.insert(token.to_string());
    }

    pub fn check(&self, token: &str) -> Result<(), RefreshProblem> {
        let inner = self.lock();
        let issued_at = inner.issued.get(token).copied();
        if inner.revoked.contains(token) {
            return Err(RefreshProblem::Revoked {
                issued_at: issued_at.unwrap_or_else(unix_now),
            });
        }
        issued_at.map(|_| ()).ok_or(RefreshProblem::Unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotate_and_revoke() {
        let t = RefreshTokens::new("seed+rt");
        assert!(t.check("seed+rt").is_ok());
        assert_eq!(t.check("seed rt"), Err(RefreshProblem::Unknown));
        let a = t.mint();
        let b = t.mint();
        assert_ne!(a, b);
        assert!(a.contains('+') && a.contains('/'));
        assert!(
            t.check(&a).is_ok() && t.check(&b).is_ok(),
            "old ones stay valid"
        );
        t.revoke(&a);
        assert!(matches!(t.check(&a), Err(RefreshProblem::Revoked { .. })));
        assert!(t.check(&b).is_ok());
    }
}
