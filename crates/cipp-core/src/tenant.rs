//! Tenant names: GUIDs, domains, and the mapping between them.

use std::collections::HashMap;
use std::sync::RwLock;

use http::Method;
use serde::Deserialize;

use crate::cloud::{Endpoints, Service};
use crate::error::Error;
use crate::http::transport::{HttpRequest, Transport};
use crate::login::parse_login_error;

/// `true` when `s` looks like a GUID (8-4-4-4-12 hex digits).
pub fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Check a tenant name before it goes into a URL path.
pub fn validate_tenant(tenant: &str) -> Result<(), Error> {
    let ok = !tenant.is_empty()
        && tenant.len() <= 253
        && tenant
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_input(
            "tenant",
            format!("'{tenant}' is not a tenant GUID or domain name"),
        ))
    }
}

/// Maps domains to tenant GUIDs, learning from tokens and from Entra's OpenID metadata.
#[derive(Debug, Default)]
pub struct TenantResolver {
    by_domain: RwLock<HashMap<String, String>>,
}

impl TenantResolver {
    /// An empty resolver.
    pub fn new() -> Self {
        Self::default()
    }

    /// Record that `domain` belongs to tenant `guid`.
    pub fn remember(&self, domain: &str, guid: &str) {
        if is_guid(domain) || !is_guid(guid) {
            return;
        }
        if let Ok(mut map) = self.by_domain.write() {
            map.insert(domain.to_ascii_lowercase(), guid.to_ascii_lowercase());
        }
    }

    /// The GUID of `tenant` if it is one or is already known.
    pub fn known(&self, tenant: &str) -> Option<String> {
        if is_guid(tenant) {
            return Some(tenant.to_ascii_lowercase());
        }
        self.by_domain
            .read()
            .ok()?
            .get(&tenant.to_ascii_lowercase())
            .cloned()
    }

    /// The key under which `tenant` is cached: its GUID once known, else the lowercase name.
    pub fn canonical(&self, tenant: &str) -> String {
        self.known(tenant)
            .unwrap_or_else(|| tenant.trim().to_ascii_lowercase())
    }

    /// Resolve `tenant` to its GUID, asking Entra's OpenID metadata (anonymous) when unknown.
    pub async fn resolve(
        &self,
        transport: &dyn Transport,
        endpoints: &Endpoints,
        tenant: &str,
    ) -> Result<String, Error> {
        if let Some(g) = self.known(tenant) {
            return Ok(g);
        }
        validate_tenant(tenant)?;
        let url = endpoints.join(
            Service::Login,
            &format!("{tenant}/v2.0/.well-known/openid-configuration"),
        );
        let resp = transport
            .send(HttpRequest::new(Method::GET, url))
            .await
            .map_err(|e| e.into_error("GET openid-configuration", tenant))?;
        if !resp.is_success() {
            return Err(parse_login_error(tenant, &resp).into());
        }
        #[derive(Deserialize)]
        struct Metadata {
            issuer: String,
        }
        let meta: Metadata =
            crate::error::decode_json(&resp.body, "GET openid-configuration", tenant)?;
        // issuer = https://login.microsoftonline.com/{guid}/v2.0
        let guid = meta
            .issuer
            .split('/')
            .find(|seg| is_guid(seg))
            .ok_or_else(|| Error::Decode {
                operation: "GET openid-configuration".into(),
                tenant: tenant.to_string(),
                path: "issuer".into(),
                message: format!("no tenant GUID in issuer '{}'", meta.issuer),
            })?
            .to_ascii_lowercase();
        self.remember(tenant, &guid);
        Ok(guid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_detection_and_canonical_keys() {
        assert!(is_guid("6babcaad-604b-40ac-a9d7-9fd97c0b779f"));
        assert!(!is_guid("alpha.onmicrosoft.com"));
        let r = TenantResolver::new();
        assert_eq!(
            r.canonical("Alpha.OnMicrosoft.com"),
            "alpha.onmicrosoft.com"
        );
        r.remember(
            "alpha.onmicrosoft.com",
            "6BABCAAD-604B-40AC-A9D7-9FD97C0B779F",
        );
        assert_eq!(
            r.canonical("ALPHA.onmicrosoft.com"),
            "6babcaad-604b-40ac-a9d7-9fd97c0b779f"
        );
    }

    #[test]
    fn tenant_names_are_validated() {
        assert!(validate_tenant("alpha.onmicrosoft.com").is_ok());
        assert!(validate_tenant("../etc").is_err());
        assert!(validate_tenant("a b").is_err());
    }
}
