//! Reading the claims of a token without verifying it.
//!
//! The SDK never trusts these claims for security decisions (Entra and the services verify
//! tokens); it reads them to learn a tenant's GUID (`tid`), to show who a refresh token belongs
//! to (`cipp auth status`), and to check that a token was minted for the tenant it is sent to.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

/// The claims of an Entra access or ID token that the SDK looks at.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TokenClaims {
    /// Tenant GUID the token was issued in.
    #[serde(default)]
    pub tid: Option<String>,
    /// Audience (the resource).
    #[serde(default)]
    pub aud: Option<String>,
    /// Expiry, Unix seconds.
    #[serde(default)]
    pub exp: Option<i64>,
    /// Issued at, Unix seconds.
    #[serde(default)]
    pub iat: Option<i64>,
    /// User principal name (delegated tokens).
    #[serde(default)]
    pub upn: Option<String>,
    /// Preferred username (v2 ID tokens).
    #[serde(default)]
    pub preferred_username: Option<String>,
    /// Display name of the signed-in user.
    #[serde(default)]
    pub name: Option<String>,
    /// Object id of the user or service principal.
    #[serde(default)]
    pub oid: Option<String>,
    /// Application (client) id.
    #[serde(default)]
    pub appid: Option<String>,
    /// Authentication methods (`pwd`, `mfa`, ...).
    #[serde(default)]
    pub amr: Vec<String>,
    /// Delegated scopes, space separated.
    #[serde(default)]
    pub scp: Option<String>,
    /// App roles (app-only tokens).
    #[serde(default)]
    pub roles: Vec<String>,
}

impl TokenClaims {
    /// Decode the payload of a JWT-shaped token. Returns `None` for opaque tokens.
    ///
    /// ```
    /// use base64::Engine;
    /// let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
    ///     .encode(r#"{"tid":"abc","upn":"cipp@msp.com","amr":["pwd","mfa"]}"#);
    /// let claims = cipp_core::TokenClaims::decode(&format!("h.{payload}.s")).unwrap();
    /// assert_eq!(claims.tid.as_deref(), Some("abc"));
    /// assert!(claims.has_mfa());
    /// ```
    pub fn decode(token: &str) -> Option<TokenClaims> {
        let mut parts = token.split('.');
        let (_header, payload) = (parts.next()?, parts.next()?);
        parts.next()?;
        let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// `true` when the sign-in satisfied MFA.
    pub fn has_mfa(&self) -> bool {
        self.amr.iter().any(|m| m.eq_ignore_ascii_case("mfa"))
    }

    /// The best user name available (`upn`, else `preferred_username`).
    pub fn user(&self) -> Option<&str> {
        self.upn.as_deref().or(self.preferred_username.as_deref())
    }
}
