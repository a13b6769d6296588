//! Microsoft clouds and the endpoints of each service in them.
//!
//! Two things are kept apart on purpose: where a request is *sent* (the base URL, which tests
//! and proxies override) and which *audience* a token is minted for (always the real service).
//! Pointing Graph at `http://127.0.0.1:8400/graph` must still ask Entra for a
//! `https://graph.microsoft.com/.default` token.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use url::Url;

use crate::error::Error;

/// A Microsoft cloud instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Cloud {
    /// The global (commercial) cloud, also used by GCC (moderate).
    #[default]
    Global,
    /// US Government GCC High.
    UsGov,
    /// US Government DoD.
    UsGovDod,
    /// Microsoft Azure operated by 21Vianet (China).
    China,
}

/// A service the SDK talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Service {
    /// Entra ID (login) token and discovery endpoints.
    Login,
    /// Microsoft Graph.
    Graph,
    /// Exchange Online admin API (InvokeCommand).
    Exchange,
    /// Security & Compliance (IPPS) admin API; each tenant is redirected to a regional host.
    Compliance,
    /// Partner Center REST API.
    PartnerCenter,
    /// Azure Key Vault (the audience; each vault has its own host).
    KeyVault,
    /// Teams admin ConfigAPI.
    Teams,
    /// SharePoint Online admin (each tenant has its own `{name}-admin` host and audience).
    SharePoint,
}

impl Service {
    /// Every service, for iteration in configuration code.
    pub const ALL: [Service; 8] = [
        Service::Login,
        Service::Graph,
        Service::Exchange,
        Service::Compliance,
        Service::PartnerCenter,
        Service::KeyVault,
        Service::Teams,
        Service::SharePoint,
    ];

    /// A short lowercase name used in logs and configuration keys.
    pub fn name(self) -> &'static str {
        match self {
            Service::Login => "login",
            Service::Graph => "graph",
            Service::Exchange => "exchange",
            Service::Compliance => "compliance",
            Service::PartnerCenter => "partner_center",
            Service::KeyVault => "keyvault",
            Service::Teams => "teams",
            Service::SharePoint => "sharepoint",
        }
    }
}

impl FromStr for Service {
    type Err = Error;

    /// Parse a service name as used in configuration (`login`, `graph`, `exchange`,
    /// `compliance`, `partner_center`, `keyvault`, `teams`, `sharepoint`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['-', ' '], "_")
            .as_str()
        {
            "login" => Ok(Service::Login),
            "graph" => Ok(Service::Graph),
            "exchange" | "exo" => Ok(Service::Exchange),
            "compliance" | "ipps" => Ok(Service::Compliance),
            "partner_center" | "partnercenter" => Ok(Service::PartnerCenter),
            "keyvault" | "key_vault" => Ok(Service::KeyVault),
            "teams" => Ok(Service::Teams),
            "sharepoint" | "spo" => Ok(Service::SharePoint),
            _ => Err(Error::invalid_input(
                format!("endpoints.{s}"),
                "unknown service (expected login, graph, exchange, compliance, partner_center, \
                 keyvault, teams or sharepoint)",
            )),
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The Teams admin ConfigAPI audience: an application id, the same in every cloud we serve.
pub const TEAMS_AUDIENCE: &str = "48ac35b8-9aa8-4d74-927d-1f4a14a0b239";

/// The published hosts of one cloud.
struct CloudHosts {
    login: &'static str,
    graph: &'static str,
    exchange: &'static str,
    compliance: &'static str,
    partner_center: &'static str,
    key_vault: &'static str,
    /// Vault hosts are `{vault}.{key_vault_suffix}`.
    key_vault_suffix: &'static str,
    teams: &'static str,
    /// SharePoint hosts are `{name}-admin.{sharepoint_suffix}` and `{name}.{sharepoint_suffix}`.
    sharepoint_suffix: &'static str,
}

const GLOBAL: CloudHosts = CloudHosts {
    login: "https://login.microsoftonline.com",
    graph: "https://graph.microsoft.com",
    exchange: "https://outlook.office365.com",
    compliance: "https://ps.compliance.protection.outlook.com",
    partner_center: "https://api.partnercenter.microsoft.com",
    key_vault: "https://vault.azure.net",
    key_vault_suffix: "vault.azure.net",
    teams: "https://api.interfaces.records.teams.microsoft.com",
    sharepoint_suffix: "sharepoint.com",
};

const US_GOV: CloudHosts = CloudHosts {
    login: "https://login.microsoftonline.us",
    graph: "https://graph.microsoft.us",
    exchange: "https://outlook.office365.us",
    compliance: "https://ps.compliance.protection.office365.us",
    // Partner Center for the US Government cloud uses the commercial API host.
    partner_center: "https://api.partnercenter.microsoft.com",
    key_vault: "https://vault.usgovcloudapi.net",
    key_vault_suffix: "vault.usgovcloudapi.net",
    teams: "https://api.interfaces.records.teams.microsoft.com",
    sharepoint_suffix: "sharepoint.us",
};

const US_GOV_DOD: CloudHosts = CloudHosts {
    login: "https://login.microsoftonline.us",
    graph: "https://dod-graph.microsoft.us",
    exchange: "https://webmail.apps.mil",
    compliance: "https://l5.ps.compliance.protection.office365.us",
    partner_center: "https://api.partnercenter.microsoft.com",
    key_vault: "https://vault.usgovcloudapi.net",
    key_vault_suffix: "vault.usgovcloudapi.net",
    teams: "https://api.interfaces.records.teams.microsoft.com",
    sharepoint_suffix: "dps.mil",
};

const CHINA: CloudHosts = CloudHosts {
    login: "https://login.chinacloudapi.cn",
    graph: "https://microsoftgraph.chinacloudapi.cn",
    exchange: "https://partner.outlook.cn",
    compliance: "https://ps.compliance.protection.partner.outlook.cn",
    partner_center: "https://partner.partnercenterapi.microsoftonline.cn",
    key_vault: "https://vault.azure.cn",
    key_vault_suffix: "vault.azure.cn",
    teams: "https://api.interfaces.records.teams.microsoft.com",
    sharepoint_suffix: "sharepoint.cn",
};

impl Cloud {
    fn hosts(self) -> &'static CloudHosts {
        match self {
            Cloud::Global => &GLOBAL,
            Cloud::UsGov => &US_GOV,
            Cloud::UsGovDod => &US_GOV_DOD,
            Cloud::China => &CHINA,
        }
    }

    /// The real base URL of `service` in this cloud. SharePoint has one host per tenant
    /// ([`Cloud::sharepoint_admin_url`]); its entry here is the bare domain.
    pub fn base_url(self, service: Service) -> String {
        let h = self.hosts();
        match service {
            Service::Login => h.login.to_string(),
            Service::Graph => h.graph.to_string(),
            Service::Exchange => h.exchange.to_string(),
            Service::Compliance => h.compliance.to_string(),
            Service::PartnerCenter => h.partner_center.to_string(),
            Service::KeyVault => h.key_vault.to_string(),
            Service::Teams => h.teams.to_string(),
            Service::SharePoint => format!("https://{}", h.sharepoint_suffix),
        }
    }

    /// The token audience (resource) of `service` in this cloud; `None` for login itself and
    /// for SharePoint, whose audience is the tenant's own admin host
    /// ([`Cloud::sharepoint_admin_url`]).
    pub fn audience(self, service: Service) -> Option<String> {
        match service {
            Service::Login | Service::SharePoint => None,
            Service::Teams => Some(TEAMS_AUDIENCE.to_string()),
            other => Some(self.base_url(other)),
        }
    }

    /// The `.default` scope to request a token for `service`.
    pub fn default_scope(self, service: Service) -> Option<String> {
        self.audience(service).map(|a| format!("{a}/.default"))
    }

    /// `https://{name}-admin.sharepoint.com` (per cloud): the SharePoint admin host of the
    /// tenant whose SharePoint name is `name`, which is also its token audience.
    pub fn sharepoint_admin_url(self, name: &str) -> String {
        format!("https://{name}-admin.{}", self.hosts().sharepoint_suffix)
    }

    /// `https://{name}.sharepoint.com` (per cloud): the tenant's root site host.
    pub fn sharepoint_site_url(self, name: &str) -> String {
        format!("https://{name}.{}", self.hosts().sharepoint_suffix)
    }

    /// `https://{vault}.vault.azure.net` (per cloud).
    pub fn key_vault_url(self, vault: &str) -> String {
        format!("https://{vault}.{}", self.hosts().key_vault_suffix)
    }

    /// The configuration name (`global`, `usgov`, `usgovdod`, `china`).
    pub fn name(self) -> &'static str {
        match self {
            Cloud::Global => "global",
            Cloud::UsGov => "usgov",
            Cloud::UsGovDod => "usgovdod",
            Cloud::China => "china",
        }
    }
}

impl fmt::Display for Cloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Cloud {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['-', '_', ' '], "")
            .as_str()
        {
            "global" | "public" | "commercial" | "azurecloud" | "gcc" => Ok(Cloud::Global),
            "usgov" | "gcchigh" | "usgovernment" | "azureusgovernment" => Ok(Cloud::UsGov),
            "usgovdod" | "dod" => Ok(Cloud::UsGovDod),
            "china" | "azurechinacloud" | "21vianet" => Ok(Cloud::China),
            _ => Err(Error::invalid_input(
                "CIPP_CLOUD",
                format!("unknown cloud '{s}' (expected global, usgov, usgovdod or china)"),
            )),
        }
    }
}

/// Where each service's requests are sent: the cloud's hosts unless overridden.
///
/// ```
/// use cipp_core::{Cloud, Endpoints, Service};
/// let ep = Endpoints::new(Cloud::Global)
///     .with_override(Service::Graph, "http://127.0.0.1:8400/graph")
///     .unwrap();
/// assert_eq!(ep.base(Service::Graph).as_str(), "http://127.0.0.1:8400/graph");
/// // The audience is still the real Graph.
/// assert_eq!(ep.scope(Service::Graph).unwrap(), "https://graph.microsoft.com/.default");
/// ```
///
/// Services with one host per tenant or per vault (SharePoint, Key Vault) take the override
/// as a prefix: with `sharepoint` overridden to `http://127.0.0.1:8400/sharepoint`, the admin
/// host of `contoso` is `http://127.0.0.1:8400/sharepoint/contoso-admin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    cloud: Cloud,
    overrides: BTreeMap<Service, Url>,
}

fn parse_base(service: Service, raw: &str) -> Result<Url, Error> {
    let trimmed = raw.trim().trim_end_matches('/');
    let url = Url::parse(trimmed).map_err(|e| {
        Error::invalid_input(
            format!("endpoints.{}", service.name()),
            format!("'{raw}' is not an absolute URL: {e}"),
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::invalid_input(
            format!("endpoints.{}", service.name()),
            format!("'{raw}' must use http or https"),
        ));
    }
    Ok(url)
}

fn trimmed(url: &Url) -> &str {
    url.as_str().trim_end_matches('/')
}

impl Endpoints {
    /// The real endpoints of `cloud`.
    pub fn new(cloud: Cloud) -> Self {
        Endpoints {
            cloud,
            overrides: BTreeMap::new(),
        }
    }

    /// Send `service`'s requests to `base` instead (token audiences do not change).
    pub fn with_override(mut self, service: Service, base: &str) -> Result<Self, Error> {
        let url = parse_base(service, base)?;
        self.overrides.insert(service, url);
        Ok(self)
    }

    /// The cloud these endpoints belong to (which decides token audiences).
    pub fn cloud(&self) -> Cloud {
        self.cloud
    }

    /// `true` when `service`'s base has been overridden.
    pub fn is_overridden(&self, service: Service) -> bool {
        self.overrides.contains_key(&service)
    }

    /// The base URL requests to `service` go to, without a trailing slash.
    pub fn base(&self, service: Service) -> Url {
        self.overrides.get(&service).cloned().unwrap_or_else(|| {
            // The cloud tables above are constant, well-formed https URLs.
            #[allow(clippy::expect_used)]
            Url::parse(&self.cloud.base_url(service)).expect("built-in cloud URL parses")
        })
    }

    /// The `.default` scope for `service`, always from the cloud, never from an override.
    pub fn scope(&self, service: Service) -> Option<String> {
        self.cloud.default_scope(service)
    }

    /// Join `path` (with or without a leading `/`) onto the base URL of `service`.
    pub fn join(&self, service: Service, path: &str) -> String {
        let base = self.base(service);
        let base = base.as_str().trim_end_matches('/');
        let path = path.trim_start_matches('/');
        format!("{base}/{path}")
    }

    /// Where the SharePoint admin host of tenant `name` (`contoso` for
    /// `contoso.sharepoint.com`) is reached. Its token scope is
    /// [`Endpoints::sharepoint_admin_scope`], which no override changes.
    pub fn sharepoint_admin(&self, name: &str) -> String {
        match self.overrides.get(&Service::SharePoint) {
            Some(base) => format!("{}/{name}-admin", trimmed(base)),
            None => self.cloud.sharepoint_admin_url(name),
        }
    }

    /// Where the root site host of tenant `name` is reached.
    pub fn sharepoint_site(&self, name: &str) -> String {
        match self.overrides.get(&Service::SharePoint) {
            Some(base) => format!("{}/{name}", trimmed(base)),
            None => self.cloud.sharepoint_site_url(name),
        }
    }

    /// The `.default` scope of tenant `name`'s SharePoint admin host.
    pub fn sharepoint_admin_scope(&self, name: &str) -> String {
        format!("{}/.default", self.cloud.sharepoint_admin_url(name))
    }

    /// Where vault `vault` is reached (`https://{vault}.vault.azure.net`, or
    /// `{override}/{vault}`).
    pub fn key_vault(&self, vault: &str) -> String {
        match self.overrides.get(&Service::KeyVault) {
            Some(base) => format!("{}/{vault}", trimmed(base)),
            None => self.cloud.key_vault_url(vault),
        }
    }
}

impl Default for Endpoints {
    fn default() -> Self {
        Endpoints::new(Cloud::Global)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_move_requests_not_audiences() {
        let ep = Endpoints::new(Cloud::UsGov)
            .with_override(Service::Login, "http://localhost:9/login/")
            .unwrap();
        assert_eq!(
            ep.join(Service::Login, "/t/oauth2/v2.0/token"),
            "http://localhost:9/login/t/oauth2/v2.0/token"
        );
        assert_eq!(
            ep.scope(Service::Graph).unwrap(),
            "https://graph.microsoft.us/.default"
        );
        assert_eq!(
            ep.join(Service::Graph, "v1.0/users"),
            "https://graph.microsoft.us/v1.0/users"
        );
    }

    #[test]
    fn per_tenant_hosts_take_the_override_as_prefix() {
        let ep = Endpoints::default();
        assert_eq!(
            ep.sharepoint_admin("contoso"),
            "https://contoso-admin.sharepoint.com"
        );
        assert_eq!(ep.key_vault("cipp"), "https://cipp.vault.azure.net");
        let ep = ep
            .with_override(Service::SharePoint, "http://127.0.0.1:9/sharepoint/")
            .unwrap()
            .with_override(Service::KeyVault, "http://127.0.0.1:9/keyvault")
            .unwrap();
        assert_eq!(
            ep.sharepoint_admin("contoso"),
            "http://127.0.0.1:9/sharepoint/contoso-admin"
        );
        assert_eq!(
            ep.sharepoint_admin_scope("contoso"),
            "https://contoso-admin.sharepoint.com/.default"
        );
        assert_eq!(ep.key_vault("cipp"), "http://127.0.0.1:9/keyvault/cipp");
        assert_eq!(ep.scope(Service::SharePoint), None);
        assert_eq!(
            ep.scope(Service::Teams).unwrap(),
            "48ac35b8-9aa8-4d74-927d-1f4a14a0b239/.default"
        );
    }

    #[test]
    fn service_names_parse() {
        for s in Service::ALL {
            assert_eq!(s.name().parse::<Service>().unwrap(), s);
        }
        assert_eq!(
            "partner-center".parse::<Service>().unwrap(),
            Service::PartnerCenter
        );
        assert!("nope"
            .parse::<Service>()
            .unwrap_err()
            .to_string()
            .contains("endpoints.nope"));
    }

    #[test]
    fn cloud_names_parse() {
        assert_eq!("GCC-High".parse::<Cloud>().unwrap(), Cloud::UsGov);
        assert_eq!("china".parse::<Cloud>().unwrap(), Cloud::China);
        let err = "mars".parse::<Cloud>().unwrap_err().to_string();
        assert!(err.contains("CIPP_CLOUD") && err.contains("mars"), "{err}");
    }

    #[test]
    fn bad_override_is_typed() {
        let err = Endpoints::default()
            .with_override(Service::Graph, "not a url")
            .unwrap_err();
        assert!(err.to_string().contains("endpoints.graph"), "{err}");
    }
}
