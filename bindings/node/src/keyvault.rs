//! `client.keyVault(name)`: the secrets of an Azure Key Vault as promises. Values cross into
//! JavaScript as strings; names and attributes as plain objects.

use cipp::core::{ExposeSecret, SecretString};
use cipp::keyvault::{KeyVaultClient, KeyVaultError, SecretProperties};
use futures::TryStreamExt;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::{json, Value};

use crate::OrJs;

/// The secrets of one vault.
#[napi]
pub struct KeyVault {
    pub(crate) client: KeyVaultClient,
}

fn js<T>(r: std::result::Result<T, KeyVaultError>) -> Result<T> {
    r.map_err(cipp::Error::from).js()
}

#[napi]
impl KeyVault {
    /// The vault's name.
    #[napi(getter)]
    pub fn name(&self) -> String {
        self.client.vault().to_string()
    }

    /// A secret's value: the latest version, or `version`.
    #[napi]
    pub async fn get_secret(&self, name: String, version: Option<String>) -> Result<String> {
        let secret = js(match version {
            Some(v) => self.client.get_secret_version(&name, &v).await,
            None => self.client.get_secret(&name).await,
        })?;
        Ok(secret
            .value
            .as_ref()
            .map(|v| v.expose_secret().to_string())
            .unwrap_or_default())
    }

    /// Store a new version (a soft-deleted name is recovered first); answers its attributes.
    #[napi]
    pub async fn set_secret(&self, name: String, value: String) -> Result<Value> {
        let s = js(self
            .client
            .set_secret(&name, SecretString::from(value))
            .await)?;
        Ok(s.properties.to_json())
    }

    /// Every secret's name and attributes (never values), following `nextLink`.
    #[napi]
    pub async fn list_secrets(&self) -> Result<Value> {
        let all: Vec<SecretProperties> = js(self.client.list_secrets().try_collect().await)?;
        Ok(Value::Array(
            all.iter().map(SecretProperties::to_json).collect(),
        ))
    }

    /// Soft-delete a secret; answers the deleted secret (with `recoveryId`).
    #[napi]
    pub async fn delete_secret(&self, name: String) -> Result<Value> {
        let d = js(self.client.delete_secret(&name).await)?;
        let mut v = serde_json::to_value(&d).unwrap_or_else(|_| json!({}));
        if let Value::Object(m) = &mut v {
            m.insert("name".into(), json!(d.properties.name()));
        }
        Ok(v)
    }

    /// Recover a soft-deleted secret (readable again a moment later).
    #[napi]
    pub async fn recover_secret(&self, name: String) -> Result<Value> {
        let p = js(self.client.recover_deleted_secret(&name).await)?;
        Ok(p.to_json())
    }
}
