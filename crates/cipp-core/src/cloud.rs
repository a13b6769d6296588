//! Microsoft clouds and the endpoints of each service in them.
//!
//! Two things are kept apart on purpose: where a request is *sent* (the base URL, which tests
//! and proxies override) and which *audience* a token is minted for (always the real service).
//! Pointing Graph at `http://127.0.0.1:8400/graph` must still ask Entra for a
//! `https://graph.microsoft.com/.default` token.

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Service {
    /// Entra ID (login) token and discovery endpoints.
    Login,
    /// Microsoft Graph.
    Graph,
    /// Exchange Online admin API (InvokeCommand).
    Exchange,
    /// Partner Center REST API.
    PartnerCenter,
    /// Azure Key Vault (the audience; each vault has its own host).
    KeyVault,
}

impl Service {
    /// Every service, for iteration in configuration code.
    pub const ALL: [Service; 5] = [
        Service::Login,
        Service::Graph,
        Service::Exchange,
        Service::PartnerCenter,
        Service::KeyVault,
    ];

    /// A short lowercase name used in logs and configuration keys.
    pub fn name(self) -> &'static str {
        match self {
            Service::Login => "login",
            Service::Graph => "graph",
            Service::Exchange => "exchange",
            Service::PartnerCenter => "partner_center",
            Service::KeyVault => "keyvault",
        }
    }
}

impl FromStr for Service {
    type Err = Error;

    /// Parse a service name as used in configuration (`login`, `graph`, `exchange`,
    /// `partner_center`, `keyvault`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['-', ' '], "_")
            .as_str()
        {
            "login" => Ok(Service::Login),
            "graph" => Ok(Service::Graph),
            "exchange" => Ok(Service::Exchange),
            "partner_center" | "partnercenter" => Ok(Service::PartnerCenter),
            "keyvault" | "key_vault" => Ok(Service::KeyVault),
            _ => Err(Error::invalid_input(
                format!("endpoints.{s}"),
                "unknown service (expected login, graph, exchange, partner_center or keyvault)",
            )),
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The published hosts of one cloud: (login, graph, exchange, partner center, key vault audience).
struct CloudHosts {
    login: &'static str,
    graph: &'static str,
    exchange: &'static str,
    partner_center: &'static str,
    key_vault: &'static str,
}

const GLOBAL: CloudHosts = CloudHosts {
    login: "https://login.microsoftonline.com",
    graph: "https://graph.microsoft.com",
    exchange: "https://outlook.office365.com",
    partner_center: "https://api.partnercenter.microsoft.com",
    key_vault: "https://vault.azure.net",
};

const US_GOV: CloudHosts = CloudHosts {
    login: "https://login.microsoftonline.us",
    graph: "https://graph.microsoft.us",
    exchange: "https://outlook.office365.us",
    // Partner Center for the US Government cloud uses the commercial API host.
    partner_center: "https://api.partnercenter.microsoft.com",
    key_vault: "https://vault.usgovcloudapi.net",
};

const US_GOV_DOD: CloudHosts = CloudHosts {
    login: "https://login.microsoftonline.us",
    graph: "https://dod-graph.microsoft.us",
    exchange: "https://webmail.apps.mil",
    partner_center: "https://api.partnercenter.microsoft.com",
    key_vault: "https://vault.usgovcloudapi.net",
};

const CHINA: CloudHosts = CloudHosts {
    login: "https://login.chinacloudapi.cn",
    graph: "https://microsoftgraph.chinacloudapi.cn",
    exchange: "https://partner.outlook.cn",
    partner_center: "https://partner.partnercenterapi.microsoftonline.cn",
    key_vault: "https://vault.azure.cn",
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

    /// The real base URL of `service` in this cloud.
    pub fn base_url(self, service: Service) -> &'static str {
        let h = self.hosts();
        match service {
            Service::Login => h.login,
            Service::Graph => h.graph,
            Service::Exchange => h.exchange,
            Service::PartnerCenter => h.partner_center,
            Service::KeyVault => h.key_vault,
        }
    }

    /// The token audience (resource) of `service` in this cloud; `None` for login itself.
    pub fn audience(self, service: Service) -> Option<&'static str> {
        match service {
            Service::Login => None,
            other => Some(self.base_url(other)),
        }
    }

    /// The `.default` scope to request a token for `service`.
    pub fn default_scope(self, service: Service) -> Option<String> {
        self.audience(service).map(|a| format!("{a}/.default"))
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    cloud: Cloud,
    login: Url,
    graph: Url,
    exchange: Url,
    partner_center: Url,
    key_vault: Option<Url>,
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

impl Endpoints {
    /// The real endpoints of `cloud`.
    pub fn new(cloud: Cloud) -> Self {
        let fixed = |s: Service| {
            // The cloud tables above are constant, well-formed https URLs.
            #[allow(clippy::expect_used)]
            Url::parse(cloud.base_url(s)).expect("built-in cloud URL parses")
        };
        Endpoints {
            cloud,
            login: fixed(Service::Login),
            graph: fixed(Service::Graph),
            exchange: fixed(Service::Exchange),
            partner_center: fixed(Service::PartnerCenter),
            key_vault: None,
        }
    }

    /// Send `service`'s requests to `base` instead (token audiences do not change).
    /// For Key Vault the override replaces every vault's `https://{name}.vault...` URL.
    pub fn with_override(mut self, service: Service, base: &str) -> Result<Self, Error> {
        let url = parse_base(service, base)?;
        match service {
            Service::Login => self.login = url,
            Service::Graph => self.graph = url,
            Service::Exchange => self.exchange = url,
            Service::PartnerCenter => self.partner_center = url,
            Service::KeyVault => self.key_vault = Some(url),
        }
        Ok(self)
    }

    /// The cloud these endpoints belong to (which decides token audiences).
    pub fn cloud(&self) -> Cloud {
        self.cloud
    }

    /// The base URL requests to `service` go to, without a trailing slash.
    /// For Key Vault this is the override if set, else the audience host.
    pub fn base(&self, service: Service) -> Url {
        match service {
            Service::Login => self.login.clone(),
            Service::Graph => self.graph.clone(),
            Service::Exchange => self.exchange.clone(),
            Service::PartnerCenter => self.partner_center.clone(),
            Service::KeyVault => self.key_vault.clone().unwrap_or_else(|| {
                #[allow(clippy::expect_used)] // constant, well-formed URL
                Url::parse(self.cloud.base_url(Service::KeyVault)).expect("built-in URL parses")
            }),
        }
    }

    /// `true` when the Key Vault base has been overridden.
    pub fn key_vault_overridden(&self) -> bool {
        self.key_vault.is_some()
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
    fn service_names_parse() {
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
