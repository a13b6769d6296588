//! `TeamsClient`: one tenant's Teams admin ConfigAPI.

use std::fmt;
use std::sync::Arc;

use cipp_core::{Grant, Method, Pipeline, Service, ServiceRequest};
use http::header::{HeaderName, HeaderValue, ACCEPT};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::sync::OnceCell;

use crate::error::TeamsError;

/// Configuration types that live on the tenant's admin service and need its routing headers.
const FEDERATION_TYPES: [&str; 2] = [
    "TenantFederationSettings",
    "TeamsAcsFederationConfiguration",
];

/// What `GET /Teams.Tenant/tenants` says about where the tenant lives.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Discovery {
    /// Host of the ConfigAPI for this tenant.
    pub config_api_endpoint: Option<String>,
    /// Host of the admin service (federation settings are routed to it).
    pub admin_service_endpoint: Option<String>,
    /// `X-MS-Forest` to send.
    pub forest: Option<String>,
    /// The tenant's `*.onmicrosoft.com` domain.
    pub initial_domain: Option<String>,
}

/// The result of [`TeamsClient::set`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SetOutcome {
    /// `false` when every value already matched (nothing was sent).
    pub changed: bool,
    /// The object as it is now.
    pub object: Value,
}

/// The ConfigAPI type of a cmdlet or noun: `Get-CsTeamsMeetingPolicy`, `CsTeamsMeetingPolicy`
/// and `TeamsMeetingPolicy` are all `TeamsMeetingPolicy`; `TenantFederationConfiguration` is
/// stored as `TenantFederationSettings`.
pub fn policy_type(name: &str) -> Result<String, TeamsError> {
    let mut t = name.trim();
    for verb in ["Get-", "Set-", "New-", "Remove-", "Grant-", "Revoke-"] {
        if t.len() > verb.len() && t[..verb.len()].eq_ignore_ascii_case(verb) {
            t = &t[verb.len()..];
            break;
        }
    }
    if t.len() > 2 && t.starts_with("Cs") && t[2..].starts_with(|c: char| c.is_ascii_uppercase()) {
        t = &t[2..];
    }
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(TeamsError::invalid(
            "type",
            format!("'{name}' is not a Teams policy or configuration name"),
        ));
    }
    Ok(if t == "TenantFederationConfiguration" {
        "TenantFederationSettings".to_string()
    } else {
        t.to_string()
    })
}

fn check_identity(identity: &str) -> Result<(), TeamsError> {
    let ok = !identity.is_empty()
        && identity
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '-' | '_' | '.' | ' '));
    if ok {
        Ok(())
    } else {
        Err(TeamsError::invalid(
            "identity",
            format!("'{identity}' is not a policy identity"),
        ))
    }
}

/// `text` for a query string: every byte but the unreserved ones percent-encoded.
fn query_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Teams administration for one tenant. Cheap to clone.
#[derive(Clone)]
pub struct TeamsClient {
    pipeline: Pipeline,
    tenant: String,
    grant: Grant,
    discovery: Arc<OnceCell<Discovery>>,
}

impl fmt::Debug for TeamsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TeamsClient")
            .field("tenant", &self.tenant)
            .finish_non_exhaustive()
    }
}

impl TeamsClient {
    /// Teams in `tenant` (GUID or domain), delegated.
    pub fn new(pipeline: Pipeline, tenant: impl Into<String>) -> Self {
        TeamsClient {
            pipeline,
            tenant: tenant.into(),
            grant: Grant::Delegated,
            discovery: Arc::new(OnceCell::new()),
        }
    }

    /// Use app-only tokens.
    pub fn app_only(mut self) -> Self {
        self.grant = Grant::AppOnly;
        self
    }

    /// The tenant, as given.
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// Where the tenant lives (asked once, shared by clones).
    pub async fn discovery(&self) -> Result<Discovery, TeamsError> {
        self.discovery
            .get_or_try_init(|| async {
                let url = format!("{}/Teams.Tenant/tenants", self.configured_base());
                let v = self.send_json(self.request(Method::GET, url)).await?;
                let sd = &v["serviceDiscovery"];
                let text = |x: &Value| x.as_str().map(str::to_string);
                let initial = v["verifiedDomains"].as_array().and_then(|ds| {
                    ds.iter().filter_map(|d| d["name"].as_str()).find(|n| {
                        let n = n.to_ascii_lowercase();
                        n.ends_with(".onmicrosoft.com") && !n.ends_with(".mail.onmicrosoft.com")
                    })
                });
                Ok::<_, TeamsError>(Discovery {
                    config_api_endpoint: text(&sd["Endpoints"]["ConfigApiEndpoint"]),
                    admin_service_endpoint: text(&sd["Endpoints"]["AdminServiceEndpoint"]),
                    forest: text(&sd["Headers"]["X-MS-Forest"]),
                    initial_domain: initial.map(str::to_string),
                })
            })
            .await
            .cloned()
    }

    fn configured_base(&self) -> String {
        self.pipeline
            .endpoints()
            .base(Service::Teams)
            .as_str()
            .trim_end_matches('/')
            .to_string()
    }

    /// The ConfigAPI base: the discovered host, unless the endpoint is overridden (a proxy,
    /// the simulator), which always wins.
    async fn base(&self) -> Result<(String, Discovery), TeamsError> {
        let d = self.discovery().await?;
        let base = match &d.config_api_endpoint {
            Some(host) if !self.pipeline.endpoints().is_overridden(Service::Teams) => {
                format!("https://{host}")
            }
            _ => self.configured_base(),
        };
        Ok((base, d))
    }

    fn request(&self, method: Method, url: String) -> ServiceRequest {
        let mut req = ServiceRequest::new(Service::Teams, self.tenant.clone(), method, url)
            .grant(self.grant)
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .header(
                HeaderName::from_static("x-authz-scope"),
                HeaderValue::from_static("tenant"),
            );
        if let Ok(id) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
            req = req.header(HeaderName::from_static("x-ms-correlation-id"), id);
        }
        req
    }

    async fn send_json(&self, req: ServiceRequest) -> Result<Value, TeamsError> {
        let op = req.operation();
        let resp = self.pipeline.send(req).await?;
        if resp.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        Ok(cipp_core::error::decode_json(
            &resp.body,
            &op,
            &self.tenant,
        )?)
    }

    /// A request for `Skype.Policy/configurations/{kind}[/configuration/{identity}]` with the
    /// forest and, for federation types, the admin-service routing.
    async fn policy_request(
        &self,
        method: Method,
        kind: &str,
        identity: Option<&str>,
    ) -> Result<ServiceRequest, TeamsError> {
        let (base, d) = self.base().await?;
        let mut url = format!("{base}/Skype.Policy/configurations/{kind}");
        if let Some(id) = identity {
            url.push_str("/configuration/");
            url.push_str(id);
        }
        let federation = FEDERATION_TYPES.contains(&kind);
        if federation {
            let domain = d.initial_domain.clone().ok_or_else(|| {
                TeamsError::invalid("tenant", "Teams discovery named no onmicrosoft.com domain")
            })?;
            url.push_str("?adminDomain=");
            url.push_str(&domain);
        }
        let mut req = self.request(method, url);
        if let Some(f) = d
            .forest
            .as_deref()
            .and_then(|f| HeaderValue::from_str(f).ok())
        {
            req = req.header(HeaderName::from_static("x-ms-forest"), f);
        }
        if federation {
            let admin = d.admin_service_endpoint.clone().ok_or_else(|| {
                TeamsError::invalid("tenant", "Teams discovery named no admin service endpoint")
            })?;
            let target = format!("https://{admin}/OcsPowershellWebservice");
            let guid = self.pipeline.resolve_tenant(&self.tenant).await?;
            for (name, value) in [("x-ms-target-uri", target), ("x-ms-tenant-id", guid)] {
                let v = HeaderValue::from_str(&value)
                    .map_err(|_| TeamsError::invalid(name, "not a valid header value"))?;
                req = req.header(HeaderName::from_static(name), v);
            }
        }
        Ok(req)
    }

    /// Every instance of a policy or configuration type (cmdlet or noun, see [`policy_type`]).
    pub async fn list(&self, kind: &str) -> Result<Vec<Value>, TeamsError> {
        let kind = policy_type(kind)?;
        let v = self
            .send_json(self.policy_request(Method::GET, &kind, None).await?)
            .await?;
        Ok(match v {
            Value::Array(items) => items,
            Value::Null => Vec::new(),
            other => vec![other],
        })
    }

    /// One instance (default `Global`).
    pub async fn get(&self, kind: &str, identity: Option<&str>) -> Result<Value, TeamsError> {
        let kind = policy_type(kind)?;
        let identity = identity.unwrap_or("Global");
        check_identity(identity)?;
        self.send_json(
            self.policy_request(Method::GET, &kind, Some(identity))
                .await?,
        )
        .await
    }

    /// Change properties of one instance (default `Global`), read-modify-write: the object is
    /// read first; a property it does not have is refused before anything is written; when
    /// every value already matches nothing is sent. Only the changed properties travel, with
    /// `Identity` and `Key` when the object has a key.
    pub async fn set(
        &self,
        kind: &str,
        identity: Option<&str>,
        changes: &Map<String, Value>,
    ) -> Result<SetOutcome, TeamsError> {
        let kind = policy_type(kind)?;
        let identity = identity.unwrap_or("Global");
        check_identity(identity)?;
        if changes.is_empty() {
            return Err(TeamsError::invalid("changes", "nothing to set"));
        }
        let current = self
            .send_json(
                self.policy_request(Method::GET, &kind, Some(identity))
                    .await?,
            )
            .await?;
        let Value::Object(mut object) = current else {
            return Err(TeamsError::invalid(
                "identity",
                format!("{kind}/{identity} did not read as an object"),
            ));
        };
        let mut body = Map::new();
        for (name, value) in changes {
            let Some(key) = object
                .keys()
                .find(|k| k.eq_ignore_ascii_case(name))
                .cloned()
            else {
                return Err(TeamsError::invalid(
                    format!("changes.{name}"),
                    format!("{kind}/{identity} has no property '{name}'"),
                ));
            };
            if object.get(&key) != Some(value) {
                body.insert(key, value.clone());
            }
        }
        if body.is_empty() {
            return Ok(SetOutcome {
                changed: false,
                object: Value::Object(object),
            });
        }
        if let Some(k) = object.get("Key") {
            body.insert(
                "Identity".into(),
                object
                    .get("Identity")
                    .cloned()
                    .unwrap_or_else(|| identity.into()),
            );
            body.insert("Key".into(), k.clone());
        }
        let req = self
            .policy_request(Method::PUT, &kind, Some(identity))
            .await?
            .json(&Value::Object(body.clone()));
        self.send_json(req).await?;
        for (k, v) in body {
            object.insert(k, v);
        }
        Ok(SetOutcome {
            changed: true,
            object: Value::Object(object),
        })
    }

    /// The tenant's resource accounts (the accounts behind auto attendants and call queues):
    /// `GET Teams.PlatformService/v2/ApplicationInstances`, 100 a page, following
    /// `skipToken` to the end. Each item has `objectId` (the Entra user), `userPrincipalName`,
    /// `displayName` and `applicationId` (which kind of resource it serves).
    pub async fn application_instances(&self) -> Result<Vec<Value>, TeamsError> {
        /// A bound on the pages followed, so a service that keeps answering the same token
        /// cannot hold a collection for ever.
        const MAX_PAGES: usize = 1_000;
        let (base, d) = self.base().await?;
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut url =
                format!("{base}/Teams.PlatformService/v2/ApplicationInstances?pageSize=100");
            if let Some(t) = &token {
                url.push_str("&skipToken=");
                url.push_str(&query_escape(t));
            }
            let mut req = self.request(Method::GET, url);
            if let Some(f) = d
                .forest
                .as_deref()
                .and_then(|f| HeaderValue::from_str(f).ok())
            {
                req = req.header(HeaderName::from_static("x-ms-forest"), f);
            }
            let page = self.send_json(req).await?;
            if let Some(items) = page["applicationInstances"].as_array() {
                out.extend(items.iter().cloned());
            }
            match page["skipToken"].as_str().filter(|t| !t.is_empty()) {
                Some(next) if token.as_deref() != Some(next) => token = Some(next.to_string()),
                _ => return Ok(out),
            }
        }
        Err(TeamsError::invalid(
            "skipToken",
            format!("ApplicationInstances still had more after {MAX_PAGES} pages"),
        ))
    }

    /// Remove one instance (a custom policy; `Global` cannot be removed).
    pub async fn delete(&self, kind: &str, identity: &str) -> Result<(), TeamsError> {
        let kind = policy_type(kind)?;
        check_identity(identity)?;
        if identity.eq_ignore_ascii_case("Global") {
            return Err(TeamsError::invalid(
                "identity",
                "the Global instance cannot be removed",
            ));
        }
        self.send_json(
            self.policy_request(Method::DELETE, &kind, Some(identity))
                .await?,
        )
        .await
        .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmdlets_and_nouns_name_one_type() {
        for n in [
            "Get-CsTeamsMeetingPolicy",
            "CsTeamsMeetingPolicy",
            "TeamsMeetingPolicy",
            "set-CsTeamsMeetingPolicy",
        ] {
            assert_eq!(policy_type(n).unwrap(), "TeamsMeetingPolicy");
        }
        assert_eq!(
            policy_type("Set-CsTenantFederationConfiguration").unwrap(),
            "TenantFederationSettings"
        );
        assert_eq!(policy_type("Cs").unwrap(), "Cs");
        assert!(policy_type("Teams/../x").is_err());
        assert!(policy_type("").is_err());
        assert!(check_identity("Tag:Restricted").is_ok());
        assert!(check_identity("a/b").is_err());
    }
}
