//! Certificate client assertions: a PS256-signed JWT that replaces the client secret.
//!
//! Entra identifies the certificate by `x5t#S256`, the base64url SHA-256 of its DER encoding.
//! All three JWT parts are base64url without padding (CIPP uses standard base64 for the first
//! two; Entra tolerates it today, the RFC does not).

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::pss::BlindedSigningKey;
use rsa::signature::{RandomizedSigner, SignatureEncoding};
use rsa::RsaPrivateKey;
use sha2::{Digest, Sha256};

use crate::error::Error;

/// The assertion type sent beside `client_assertion`.
pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How long a signed assertion is valid.
const ASSERTION_LIFETIME_SECS: u64 = 120;

/// An X.509 certificate and its RSA private key.
pub struct ClientCertificate {
    thumbprint_sha256: String,
    key: RsaPrivateKey,
}

impl fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCertificate")
            .field("x5t#S256", &self.thumbprint_sha256)
            .field("key", &"[REDACTED]")
            .finish()
    }
}

/// Extract the DER bytes of the first PEM block labelled `label`.
fn pem_block(pem: &str, label: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = pem.find(&begin)? + begin.len();
    let stop = start + pem[start..].find(&end)?;
    let body: String = pem[start..stop]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    STANDARD.decode(body).ok()
}

impl ClientCertificate {
    /// Load from a PEM certificate and a PEM private key (PKCS#8 or PKCS#1).
    /// Both may be in one string.
    pub fn from_pem(certificate_pem: &str, private_key_pem: &str) -> Result<Self, Error> {
        let der = pem_block(certificate_pem, "CERTIFICATE")
            .ok_or_else(|| Error::invalid_input("certificate", "no PEM CERTIFICATE block found"))?;
        let key = RsaPrivateKey::from_pkcs8_pem(private_key_pem.trim())
            .or_else(|_| RsaPrivateKey::from_pkcs1_pem(private_key_pem.trim()))
            .or_else(|_| {
                // The key may follow the certificate in one combined file.
                let der = pem_block(private_key_pem, "PRIVATE KEY").ok_or(())?;
                RsaPrivateKey::from_pkcs8_der(&der).map_err(|_| ())
            })
            .map_err(|_| {
                Error::invalid_input(
                    "certificate.private_key",
                    "not an unencrypted RSA private key in PKCS#8 or PKCS#1 PEM form",
                )
            })?;
        Ok(Self::from_parts(&der, key))
    }

    /// Build from the certificate's DER bytes and its key.
    pub fn from_parts(certificate_der: &[u8], key: RsaPrivateKey) -> Self {
        let thumbprint_sha256 = URL_SAFE_NO_PAD.encode(Sha256::digest(certificate_der));
        ClientCertificate {
            thumbprint_sha256,
            key,
        }
    }

    /// The `x5t#S256` header value.
    pub fn thumbprint_sha256(&self) -> &str {
        &self.thumbprint_sha256
    }

    /// Sign a client assertion for `client_id` at `token_url` (the audience).
    pub fn assertion(&self, client_id: &str, token_url: &str) -> Result<String, Error> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let header = serde_json::json!({
            "alg": "PS256",
            "typ": "JWT",
            "x5t#S256": self.thumbprint_sha256,
        });
        let payload = serde_json::json!({
            "aud": token_url,
            "iss": client_id,
            "sub": client_id,
            "jti": uuid::Uuid::new_v4().to_string(),
            "nbf": now,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME_SECS,
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(payload.to_string())
        );
        let signer = BlindedSigningKey::<Sha256>::new(self.key.clone());
        let signature = signer
            .try_sign_with_rng(&mut rand::thread_rng(), signing_input.as_bytes())
            .map_err(|e| Error::invalid_input("certificate", format!("signing failed: {e}")))?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.to_bytes())
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pss::VerifyingKey;
    use rsa::signature::Verifier;

    #[test]
    fn assertion_is_base64url_ps256_and_verifies() {
        let key = RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
        let cert = ClientCertificate::from_parts(b"fake-der", key.clone());
        let jwt = cert
            .assertion("app-id", "https://login.example/t/oauth2/v2.0/token")
            .unwrap();
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        for p in &parts {
            assert!(!p.contains(['+', '/', '=']), "not base64url: {p}");
        }
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["alg"], "PS256");
        assert_eq!(
            header["x5t#S256"],
            URL_SAFE_NO_PAD.encode(Sha256::digest(b"fake-der"))
        );
        let payload: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(payload["iss"], "app-id");
        assert_eq!(payload["sub"], "app-id");
        let sig =
            rsa::pss::Signature::try_from(URL_SAFE_NO_PAD.decode(parts[2]).unwrap().as_slice())
                .unwrap();
        VerifyingKey::<Sha256>::new(key.to_public_key())
            .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig)
            .unwrap();
        assert!(!format!("{cert:?}").contains("PRIVATE"));
    }

    #[test]
    fn garbage_pem_is_a_typed_error() {
        let err = ClientCertificate::from_pem("nope", "nope").unwrap_err();
        assert!(err.to_string().contains("certificate"));
    }
}
