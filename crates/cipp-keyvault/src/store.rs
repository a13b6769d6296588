//! [`KeyVaultSecretStore`]: the vault as a [`SecretStore`], where CIPP keeps its credentials.

use async_trait::async_trait;
use cipp_core::secret_store::SecretStore;
use secrecy::SecretString;

use crate::client::KeyVaultClient;
use crate::error::KeyVaultError;

/// A [`SecretStore`] over one vault: `get` reads the latest version (a missing secret is
/// `None`), `set` writes a new version (recovering a soft-deleted one first), `delete` soft
/// deletes.
///
/// ```no_run
/// # async fn run(pipeline: cipp_core::Pipeline) -> Result<(), cipp_core::Error> {
/// use std::sync::Arc;
/// use cipp_core::secret_store::{names, SecretStore};
/// use cipp_keyvault::{KeyVaultClient, KeyVaultSecretStore};
/// let store = KeyVaultSecretStore::new(KeyVaultClient::new(pipeline, "cipp-kv")?);
/// let refresh_token = store.get(names::REFRESH_TOKEN).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct KeyVaultSecretStore {
    client: KeyVaultClient,
}

impl KeyVaultSecretStore {
    /// Keep secrets in the vault `client` talks to.
    pub fn new(client: KeyVaultClient) -> Self {
        KeyVaultSecretStore { client }
    }

    /// The client.
    pub fn client(&self) -> &KeyVaultClient {
        &self.client
    }
}

#[async_trait]
impl SecretStore for KeyVaultSecretStore {
    async fn get(&self, name: &str) -> Result<Option<SecretString>, cipp_core::Error> {
        match self.client.get_secret(name).await {
            Ok(s) => Ok(s.value),
            Err(KeyVaultError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn set(&self, name: &str, value: SecretString) -> Result<(), cipp_core::Error> {
        self.client.set_secret(name, value).await?;
        Ok(())
    }

    async fn delete(&self, name: &str) -> Result<bool, cipp_core::Error> {
        match self.client.delete_secret(name).await {
            Ok(_) => Ok(true),
            Err(KeyVaultError::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}
