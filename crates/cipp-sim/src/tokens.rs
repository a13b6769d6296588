//! JWT-shaped access tokens: `base64url(header).base64url(claims).base64url(HMAC-SHA256)`
//! signed with a key drawn at random for each simulator, so only tokens this simulator issued
//! validate.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Map, Value};
use sha2::Sha256;

use crate::clock::unix_now;

type HmacSha256 = Hmac<Sha256>;

/// Claim carrying the issue order, so "expire every token issued so far" is exact even for
/// tokens issued within the same second.
const SEQ_CLAIM: &str = "xms_sim_seq";

/// Why Graph refuses a bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenProblem {
    /// No bearer token.
    Missing,
    /// Not a token this simulator issued (bad shape or signature).
    Invalid,
    /// Past `exp`, or issued before the last "expire tokens".
    Expired,
}

impl TokenProblem {
    /// Graph's message for it.
    pub fn message(self) -> &'static str {
        match self {
            TokenProblem::Missing => "Access token is empty.",
            TokenProblem::Invalid => {
                "Access token validation failure. The token signature could not be validated."
            }
            TokenProblem::Expired => "Lifetime validation failed, the token is expired.",
        }
    }
}

/// The claims of a decoded token.
#[derive(Debug, Clone, Default)]
pub(crate) struct Claims(pub Map<String, Value>);

impl Claims {
    fn str(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(Value::as_str)
    }

    /// Tenant GUID.
    pub fn tid(&self) -> Option<&str> {
        self.str("tid")
    }

    /// Audience.
    pub fn aud(&self) -> Option<&str> {
        self.str("aud")
    }
}

/// Issues and checks access tokens.
#[derive(Debug)]
pub(crate) struct TokenIssuer {
    key: [u8; 32],
    lifetime_secs: AtomicU64,
    /// Tokens whose sequence number is at or below this are rejected.
    revoked_through: AtomicI64,
    issued: AtomicU64,
}

impl TokenIssuer {
    pub fn new(lifetime: Duration) -> Self {
        TokenIssuer {
            key: rand::random(),
            lifetime_secs: AtomicU64::new(lifetime.as_secs().max(1)),
            revoked_through: AtomicI64::new(0),
            issued: AtomicU64::new(0),
        }
    }

    /// Lifetime of tokens issued from now on, in seconds.
    pub fn lifetime_secs(&self) -> u64 {
        self.lifetime_secs.load(Ordering::Relaxed)
    }

    pub fn set_lifetime(&self, lifetime: Duration) {
        self.lifetime_secs
            .store(lifetime.as_secs().max(1), Ordering::Relaxed);
    }

    /// Reject every token issued so far.
    pub fn expire_all(&self) {
        let issued = self.issued.load(Ordering::SeqCst);
        self.revoked_through
            .store(i64::try_from(issued).unwrap_or(i64::MAX), Ordering::SeqCst);
    }

    fn mac(&self, input: &str) -> String {
        // HMAC takes keys of any length, so building it from a 32-byte key cannot fail;
        // the fallback only keeps the compiler honest.
        let Ok(mut mac) = HmacSha256::new_from_slice(&self.key) else {
            return String::new();
        };
        mac.update(input.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// Issue a token carrying `claims` plus `iat`, `nbf`, `exp`, `uti`; returns the token
    /// and its lifetime in seconds.
    pub fn issue(&self, mut claims: Map<String, Value>) -> (String, u64) {
        let seq = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        let lifetime = self.lifetime_secs();
        let now = unix_now();
        claims.insert("iat".into(), json!(now));
        claims.insert("nbf".into(), json!(now));
        claims.insert(
            "exp".into(),
            json!(now + i64::try_from(lifetime).unwrap_or(i64::MAX / 2)),
        );
        claims.insert(
            "uti".into(),
            json!(URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes())),
        );
        claims.insert(SEQ_CLAIM.into(), json!(seq));
        let header = URL_SAFE_NO_PAD.encode(r#"{"typ":"JWT","alg":"HS256","kid":"cipp-sim"}"#);
        let payload = URL_SAFE_NO_PAD.encode(Value::Object(claims).to_string());
        let input = format!("{header}.{payload}");
        let sig = self.mac(&input);
        (format!("{input}.{sig}"), lifetime)
    }

    /// Decode a token's claims if its signature is ours, without checking its lifetime.
    pub fn decode(&self, token: &str) -> Option<Claims> {
        let (input, sig) = token.rsplit_once('.')?;
        let (_, payload) = input.split_once('.')?;
        if self.mac(input) != sig {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
        match serde_json::from_slice(&bytes).ok()? {
            Value::Object(map) => Some(Claims(map)),
            _ => None,
        }
    }

    /// Check a bearer token. On failure the claims are still returned when the token is one
    /// of ours (an expired token still says which tenant it was for).
    pub fn validate(&self, token: Option<&str>) -> Result<Claims, (TokenProblem, Option<Claims>)> {
        let token = token
            .filter(|t| !t.is_empty())
            .ok_or((TokenProblem::Missing, None))?;
        let claims = self.decode(token).ok_or((TokenProblem::Invalid, None))?;
        let exp = claims.0.get("exp").and_then(Value::as_i64).unwrap_or(0);
        let seq = claims.0.get(SEQ_CLAIM).and_then(Value::as_i64).unwrap_or(0);
        if exp <= unix_now() || seq <= self.revoked_through.load(Ordering::SeqCst) {
            return Err((TokenProblem::Expired, Some(claims)));
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(tid: &str) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("tid".into(), json!(tid));
        m
    }

    #[test]
    fn issue_validate_and_expire() {
        let t = TokenIssuer::new(Duration::from_secs(60));
        let (tok, life) = t.issue(claims("x"));
        assert_eq!(life, 60);
        assert_eq!(t.validate(Some(&tok)).unwrap().tid(), Some("x"));
        assert_eq!(t.validate(None).unwrap_err().0, TokenProblem::Missing);
        let tampered = format!("{tok}x");
        assert_eq!(
            t.validate(Some(&tampered)).unwrap_err().0,
            TokenProblem::Invalid
        );
        assert_eq!(
            t.validate(Some("a.b")).unwrap_err().0,
            TokenProblem::Invalid
        );
        let other = TokenIssuer::new(Duration::from_secs(60));
        assert!(other.decode(&tok).is_none(), "another simulator's key");
        t.expire_all();
        let (problem, claims_back) = t.validate(Some(&tok)).unwrap_err();
        assert_eq!(problem, TokenProblem::Expired);
        assert_eq!(claims_back.unwrap().tid(), Some("x"));
        let (fresh, _) = t.issue(claims("x"));
        assert!(t.validate(Some(&fresh)).is_ok());
    }
}
