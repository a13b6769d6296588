//! Certificate client assertions (`private_key_jwt`).
//!
//! The simulator checks the assertion's structure only: three base64url parts, a header with
//! `alg: PS256` and an `x5t#S256` thumbprint, `iss` = `sub` = the client id, an `aud` at a v2
//! token endpoint and an `exp` in the future. It does **not** verify the RSA signature: it
//! holds no certificate, and the SDK's own unit tests verify its signatures.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;

use crate::clock::unix_now;

/// The only `client_assertion_type` Entra accepts.
pub(crate) const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

fn part(p: &str, name: &str) -> Result<Value, String> {
    if p.contains(['+', '/', '=']) {
        return Err(format!("the {name} is not base64url"));
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(p)
        .map_err(|_| format!("the {name} is not base64url"))?;
    serde_json::from_slice(&bytes).map_err(|_| format!("the {name} is not JSON"))
}

/// `Ok` when the assertion is acceptable for `client_id`, else the reason.
pub(crate) fn check(assertion: &str, client_id: &str) -> Result<(), String> {
    let parts: Vec<&str> = assertion.split('.').collect();
    let [header, payload, signature] = parts.as_slice() else {
        return Err(format!("a JWT has 3 parts, this one has {}", parts.len()));
    };
    if signature.is_empty() {
        return Err("the signature is empty".into());
    }
    let h = part(header, "header")?;
    let c = part(payload, "payload")?;
    if h["alg"] != "PS256" {
        return Err(format!("alg must be PS256, not {}", h["alg"]));
    }
    if h["x5t#S256"].as_str().is_none_or(str::is_empty) {
        return Err("the header has no x5t#S256 certificate thumbprint".into());
    }
    if c["iss"] != client_id || c["sub"] != client_id {
        return Err("iss and sub must both be the client id".into());
    }
    if !c["aud"]
        .as_str()
        .is_some_and(|a| a.ends_with("/oauth2/v2.0/token"))
    {
        return Err("aud must be the v2.0 token endpoint".into());
    }
    if c["exp"].as_i64().is_none_or(|e| e <= unix_now()) {
        return Err("the assertion has expired".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn jwt(h: Value, c: Value) -> String {
        format!(
            "{}.{}.c2ln",
            URL_SAFE_NO_PAD.encode(h.to_string()),
            URL_SAFE_NO_PAD.encode(c.to_string())
        )
    }

    #[test]
    fn structure_is_checked() {
        let h = json!({"alg": "PS256", "typ": "JWT", "x5t#S256": "abc"});
        let c = json!({"iss": "app", "sub": "app", "aud": "https://login.microsoftonline.com/t/oauth2/v2.0/token", "exp": unix_now() + 60});
        assert_eq!(check(&jwt(h.clone(), c.clone()), "app"), Ok(()));
        assert!(check(&jwt(h.clone(), c.clone()), "other").is_err());
        let mut rs = h.clone();
        rs["alg"] = json!("RS256");
        assert!(check(&jwt(rs, c.clone()), "app")
            .unwrap_err()
            .contains("PS256"));
        let mut old = c.clone();
        old["exp"] = json!(unix_now() - 1);
        assert!(check(&jwt(h.clone(), old), "app")
            .unwrap_err()
            .contains("expired"));
        let mut no_thumb = h.clone();
        no_thumb.as_object_mut().unwrap().remove("x5t#S256");
        assert!(check(&jwt(no_thumb, c.clone()), "app").is_err());
        assert!(check("a.b", "app").is_err());
        assert!(check("a+b.c.d", "app").unwrap_err().contains("base64url"));
    }
}
