//! Settings from the environment (CIPP's variable names) or any key lookup.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

use crate::cloud::{Cloud, Endpoints, Service};
use crate::credentials::{is_placeholder, Credentials};
use crate::error::Error;

/// Environment variable names, one per setting.
pub mod env {
    /// SAM application (client) id.
    pub const APPLICATION_ID: &str = "CIPP_APPLICATION_ID";
    /// SAM application secret.
    pub const APPLICATION_SECRET: &str = "CIPP_APPLICATION_SECRET";
    /// Partner service account refresh token.
    pub const REFRESH_TOKEN: &str = "CIPP_REFRESH_TOKEN";
    /// Partner tenant id or domain.
    pub const TENANT_ID: &str = "CIPP_TENANT_ID";
    /// `global`, `usgov`, `usgovdod` or `china`.
    pub const CLOUD: &str = "CIPP_CLOUD";
    /// Login base-URL override.
    pub const LOGIN_URL: &str = "CIPP_LOGIN_URL";
    /// Graph base-URL override.
    pub const GRAPH_URL: &str = "CIPP_GRAPH_URL";
    /// Exchange base-URL override.
    pub const EXCHANGE_URL: &str = "CIPP_EXCHANGE_URL";
    /// Compliance (IPPS) base-URL override (the discovery host; regional hosts follow it).
    pub const COMPLIANCE_URL: &str = "CIPP_COMPLIANCE_URL";
    /// Teams admin ConfigAPI base-URL override.
    pub const TEAMS_URL: &str = "CIPP_TEAMS_URL";
    /// SharePoint override: a prefix under which `{name}-admin` and `{name}` hosts live.
    pub const SHAREPOINT_URL: &str = "CIPP_SHAREPOINT_URL";
    /// Partner Center base-URL override.
    pub const PARTNER_CENTER_URL: &str = "CIPP_PARTNER_CENTER_URL";
    /// Key Vault override: a prefix under which each vault `{name}` lives.
    pub const KEYVAULT_URL: &str = "CIPP_KEYVAULT_URL";
}

/// The variable that overrides `service`'s base URL.
pub fn override_variable(service: Service) -> &'static str {
    match service {
        Service::Login => env::LOGIN_URL,
        Service::Graph => env::GRAPH_URL,
        Service::Exchange => env::EXCHANGE_URL,
        Service::PartnerCenter => env::PARTNER_CENTER_URL,
        Service::KeyVault => env::KEYVAULT_URL,
        Service::Compliance => env::COMPLIANCE_URL,
        Service::Teams => env::TEAMS_URL,
        Service::SharePoint => env::SHAREPOINT_URL,
    }
}

/// Everything needed to build a client, as read from configuration.
#[derive(Clone, Default)]
pub struct Settings {
    /// SAM application id.
    pub application_id: Option<String>,
    /// SAM application secret.
    pub application_secret: Option<SecretString>,
    /// Partner refresh token.
    pub refresh_token: Option<SecretString>,
    /// Partner tenant.
    pub tenant_id: Option<String>,
    /// Cloud.
    pub cloud: Cloud,
    /// Base-URL overrides.
    pub overrides: Vec<(Service, String)>,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redact = |s: &Option<SecretString>| s.as_ref().map(|_| "[REDACTED]");
        f.debug_struct("Settings")
            .field("application_id", &self.application_id)
            .field("application_secret", &redact(&self.application_secret))
            .field("refresh_token", &redact(&self.refresh_token))
            .field("tenant_id", &self.tenant_id)
            .field("cloud", &self.cloud)
            .field("overrides", &self.overrides)
            .finish()
    }
}

impl Settings {
    /// Read the `CIPP_*` environment variables.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Read settings through `lookup` (a map, a config file, the environment).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let get = |k: &str| {
            lookup(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !is_placeholder(v))
        };
        let cloud = match get(env::CLOUD) {
            Some(c) => c.parse()?,
            None => Cloud::Global,
        };
        let overrides = Service::ALL
            .iter()
            .filter_map(|s| get(override_variable(*s)).map(|u| (*s, u)))
            .collect();
        Ok(Settings {
            application_id: get(env::APPLICATION_ID),
            application_secret: get(env::APPLICATION_SECRET).map(SecretString::from),
            refresh_token: get(env::REFRESH_TOKEN).map(SecretString::from),
            tenant_id: get(env::TENANT_ID),
            cloud,
            overrides,
        })
    }

    /// Fill the credentials not set yet from `store`, under CIPP's secret names
    /// (`ApplicationID`, `ApplicationSecret`, `TenantID`, `RefreshToken`; placeholders count
    /// as missing). Values already set (from the environment, say) win.
    pub async fn fill_from_store(
        &mut self,
        store: &dyn crate::secret_store::SecretStore,
    ) -> Result<(), Error> {
        use crate::secret_store::names;
        let get = |name: &'static str| async move {
            Ok::<_, Error>(
                store
                    .get(name)
                    .await?
                    .filter(|v| !is_placeholder(v.expose_secret())),
            )
        };
        if self.application_id.is_none() {
            self.application_id = get(names::APPLICATION_ID)
                .await?
                .map(|v| v.expose_secret().trim().to_string());
        }
        if self.application_secret.is_none() {
            self.application_secret = get(names::APPLICATION_SECRET).await?;
        }
        if self.tenant_id.is_none() {
            self.tenant_id = get(names::TENANT_ID)
                .await?
                .map(|v| v.expose_secret().trim().to_string());
        }
        if self.refresh_token.is_none() {
            self.refresh_token = get(names::REFRESH_TOKEN).await?;
        }
        Ok(())
    }

    /// The endpoints these settings describe.
    pub fn endpoints(&self) -> Result<Endpoints, Error> {
        let mut ep = Endpoints::new(self.cloud);
        for (service, url) in &self.overrides {
            ep = ep.with_override(*service, url).map_err(|e| match e {
                Error::InvalidInput { message, .. } => {
                    Error::invalid_input(override_variable(*service), message)
                }
                other => other,
            })?;
        }
        Ok(ep)
    }

    /// The credentials these settings describe.
    pub fn credentials(&self) -> Result<Credentials, Error> {
        self.credentials_builder()?.build()
    }

    /// A builder preset with these settings, to add a secret store or direct tenants.
    pub fn credentials_builder(&self) -> Result<crate::CredentialsBuilder, Error> {
        let app = self.application_id.clone().ok_or_else(|| {
            Error::invalid_input(env::APPLICATION_ID, "not set (the SAM application id)")
        })?;
        let tenant = self.tenant_id.clone().ok_or_else(|| {
            Error::invalid_input(env::TENANT_ID, "not set (the partner tenant id or domain)")
        })?;
        let mut b = Credentials::builder(app).partner_tenant(tenant);
        if let Some(s) = &self.application_secret {
            b = b.client_secret(s.expose_secret());
        }
        if let Some(rt) = &self.refresh_token {
            b = b.refresh_token(rt.expose_secret());
        }
        Ok(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn reads_cipp_variables_and_overrides() {
        let vars: HashMap<&str, &str> = [
            ("CIPP_APPLICATION_ID", "app"),
            ("CIPP_APPLICATION_SECRET", "se+cret"),
            ("CIPP_REFRESH_TOKEN", "RefreshToken"), // CIPP's placeholder: ignored
            ("CIPP_TENANT_ID", "northwindmsp.onmicrosoft.com"),
            ("CIPP_CLOUD", "usgov"),
            ("CIPP_GRAPH_URL", "http://127.0.0.1:1/graph"),
        ]
        .into_iter()
        .collect();
        let s = Settings::from_lookup(|k| vars.get(k).map(|v| v.to_string())).unwrap();
        assert!(s.refresh_token.is_none());
        let ep = s.endpoints().unwrap();
        assert_eq!(ep.base(Service::Graph).as_str(), "http://127.0.0.1:1/graph");
        assert_eq!(
            ep.scope(Service::Graph).unwrap(),
            "https://graph.microsoft.us/.default"
        );
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("se+cret"), "{dbg}");
        assert!(s.credentials().is_ok());
    }

    #[tokio::test]
    async fn missing_values_come_from_the_store() {
        use crate::secret_store::{EnvSecretStore, SecretStore};
        let store = EnvSecretStore::with_lookup(|_| None);
        for (k, v) in [
            ("ApplicationID", "app-from-store"),
            ("ApplicationSecret", "secret"),
            ("TenantID", "tenantId"), // placeholder: stays missing
            ("RefreshToken", "rt"),
        ] {
            store
                .set(k, SecretString::from(v.to_string()))
                .await
                .unwrap();
        }
        let mut s = Settings::from_lookup(|k| {
            (k == "CIPP_APPLICATION_ID").then(|| "app-from-env".to_string())
        })
        .unwrap();
        s.fill_from_store(&store).await.unwrap();
        assert_eq!(s.application_id.as_deref(), Some("app-from-env"));
        assert_eq!(s.refresh_token.unwrap().expose_secret(), "rt");
        assert!(s.application_secret.is_some());
        assert!(s.tenant_id.is_none());
    }

    #[test]
    fn bad_override_names_the_variable() {
        let s = Settings::from_lookup(|k| (k == "CIPP_GRAPH_URL").then(|| "ftp:x".to_string()))
            .unwrap();
        let err = s.endpoints().unwrap_err().to_string();
        assert!(err.contains("CIPP_GRAPH_URL"), "{err}");
    }
}
