//! JWT-shaped access tokens signed with a per-simulator HMAC key.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Seconds since the epoch.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Why a token was refused, in Graph's words.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenProblem {
    /// No bearer token.
    Missing,
    /// Not a token this simulator issued.
    Invalid,
    /// Past `exp`, or issued before the last "expire tokens".
    Expired,
}

impl TokenProblem {
    /// Graph's message.
    pub fn message(&self) -> &'static str {
        match self {
            TokenProblem::Missing => "Access token is empty.",
            TokenProblem::Invalid => "Invalid JWT token. Token signature is invalid.",
            TokenProblem::Expired => "Lifetime validation failed, the token is expired.",
        }
    }
}

#[derive(Debug)]
pub(crate) struct TokenIssuer {
    key: [u8; 32],
    lifetime: AtomicU64,
    /// Tokens issued at or before this second are rejected.
    not_before: AtomicI64,
    counter: AtomicU64,
}

impl TokenIssuer {
    pub fn new(lifetime: Duration) -> Self {
        TokenIssuer {
            key: rand::random(),
            lifetime: AtomicU64::new(lifetime.as_secs().max(1)),
            not_before: AtomicI64::new(i64::MIN),
            counter: AtomicU64::new(0),
        }
    }

    pub fn lifetime(&self) -> u64 {
        self.lifetime.load(Ordering::Relaxed)
    }

    pub fn set_lifetime(&self, d: Duration) {
        self.lifetime.store(d.as_secs().max(1), Ordering::Relaxed);
    }

    pub fn expire_all(&self) {
        // A per-token sequence makes "issued before now" exact even within one second.
        let seq = self.counter.load(Ordering::SeqCst) as i64;
        self.not_before.store(seq, Ordering::SeqCst);
    }

    fn sign(&self, input: &str) -> String {
        // HMAC accepts keys of any length; a 32-byte key cannot fail.
        #[allow(clippy::expect_used)]
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("any key length");
        mac.update(input.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// Issue an access token with these claims (plus iat, nbf, exp, uti, seq).
    pub fn issue(&self, mut claims: Value) -> String {
        let seq = self.counter.fetch_add(1, Ordering::SeqCst) + 1;
        let iat = now();
        if let Some(o) = claims.as_object_mut() {
            o.insert("iat".into(), json!(iat));
            o.insert("nbf".into(), json!(iat));
            o.insert("exp".into(), json!(iat + self.lifetime() as i64));
            o.insert(
                "uti".into(),
                json!(uuid::Uuid::new_v4().simple().to_string()),
            );
            o.insert("sim_seq".into(), json!(seq));
        }
        let header = URL_SAFE_NO_PAD.encode(r#"{"typ":"JWT","alg":"HS256","kid":"cipp-sim"}"#);
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        let input = format!("{header}.{payload}");
        let sig = self.sign(&input);
        format!("{input}.{sig}")
    }

    /// Check a token and return its claims.
    pub fn validate(&self, token: Option<&str>) -> Result<Value, TokenProblem> {
        let token = token
            .filter(|t| !t.is_empty())
            .ok_or(TokenProblem::Missing)?;
        let mut parts = token.rsplitn(2, '.');
        let (sig, input) = (parts.next(), parts.next());
        let (Some(sig), Some(input)) = (sig, input) else {
            return Err(TokenProblem::Invalid);
        };
        if self.sign(input) != sig {
            return Err(TokenProblem::Invalid);
        }
        let payload = input.split('.').nth(1).ok_or(TokenProblem::Invalid)?;
        let bytes = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| TokenProblem::Invalid)?;
        let claims: Value = serde_json::from_slice(&bytes).map_err(|_| TokenProblem::Invalid)?;
        let exp = claims["exp"].as_i64().unwrap_or(0);
        let seq = claims["sim_seq"].as_i64().unwrap_or(0);
        if exp <= now() || seq <= self.not_before.load(Ordering::SeqCst) {
            return Err(TokenProblem::Expired);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_validate_expire() {
        let t = TokenIssuer::new(Duration::from_secs(60));
        let tok = t.issue(json!({"tid": "x"}));
        assert_eq!(t.validate(Some(&tok)).unwrap()["tid"], "x");
        assert_eq!(
            t.validate(Some(&format!("{tok}x"))),
            Err(TokenProblem::Invalid)
        );
        assert_eq!(t.validate(None), Err(TokenProblem::Missing));
        t.expire_all();
        assert_eq!(t.validate(Some(&tok)), Err(TokenProblem::Expired));
        let fresh = t.issue(json!({"tid": "x"}));
        assert!(t.validate(Some(&fresh)).is_ok());
    }
}
