//! `client.key_vault(name)`: the secrets of an Azure Key Vault. Values cross into Python as
//! `str` (Python cannot keep them secret); names and attributes as dicts.

use std::sync::Arc;

use cipp::core::{ExposeSecret, SecretString};
use cipp::keyvault::{KeyVaultClient, KeyVaultError, SecretProperties};
use cipp::Error;
use futures::TryStreamExt;
use pyo3::prelude::*;
use serde_json::{json, Value};

use crate::client::Core;
use crate::convert;
use crate::errors::IntoPy;
use crate::runtime::block_on;

/// The secrets of one vault.
#[pyclass(module = "cipp._native", frozen)]
pub struct KeyVault {
    core: Arc<Core>,
    vault: String,
}

impl KeyVault {
    /// Check the name now, so a bad one fails where it was given.
    pub fn new(core: Arc<Core>, vault: String) -> PyResult<Self> {
        let kv = KeyVault { core, vault };
        kv.client()?;
        Ok(kv)
    }

    fn client(&self) -> PyResult<KeyVaultClient> {
        self.core.cipp()?.key_vault(&self.vault).py_err()
    }
}

fn run<T, F>(py: Python<'_>, fut: F) -> PyResult<T>
where
    F: std::future::Future<Output = Result<T, KeyVaultError>> + Send,
    T: Send,
{
    block_on(py, fut)?.map_err(Error::from).py_err()
}

#[pymethods]
impl KeyVault {
    /// The vault's name.
    #[getter]
    fn name(&self) -> String {
        self.vault.clone()
    }

    /// A secret's value: the latest version, or `version`. Raises `NotFoundError`.
    #[pyo3(signature = (name, *, version=None))]
    fn get_secret(
        &self,
        py: Python<'_>,
        name: String,
        version: Option<String>,
    ) -> PyResult<String> {
        let kv = self.client()?;
        let secret = run(py, async move {
            match version {
                Some(v) => kv.get_secret_version(&name, &v).await,
                None => kv.get_secret(&name).await,
            }
        })?;
        Ok(secret
            .value
            .as_ref()
            .map(|v| v.expose_secret().to_string())
            .unwrap_or_default())
    }

    /// Store a new version (a soft-deleted name is recovered first); answers its attributes.
    fn set_secret(&self, py: Python<'_>, name: String, value: String) -> PyResult<Py<PyAny>> {
        let kv = self.client()?;
        let value = SecretString::from(value);
        let s = run(py, async move { kv.set_secret(&name, value).await })?;
        convert::to_py(py, &s.properties.to_json())
    }

    /// Every secret's name and attributes (never values), following `nextLink`.
    fn list_secrets(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let kv = self.client()?;
        let all = run(py, async move {
            kv.list_secrets().try_collect::<Vec<_>>().await
        })?;
        convert::to_py(
            py,
            &Value::Array(all.iter().map(SecretProperties::to_json).collect()),
        )
    }

    /// Soft-delete a secret; answers the deleted secret (with `recoveryId`).
    fn delete_secret(&self, py: Python<'_>, name: String) -> PyResult<Py<PyAny>> {
        let kv = self.client()?;
        let d = run(py, async move { kv.delete_secret(&name).await })?;
        let mut v = serde_json::to_value(&d).unwrap_or_else(|_| json!({}));
        if let Value::Object(m) = &mut v {
            m.insert("name".into(), json!(d.properties.name()));
        }
        convert::to_py(py, &v)
    }

    /// Recover a soft-deleted secret (readable again a moment later).
    fn recover_secret(&self, py: Python<'_>, name: String) -> PyResult<Py<PyAny>> {
        let kv = self.client()?;
        let p = run(py, async move { kv.recover_deleted_secret(&name).await })?;
        convert::to_py(py, &p.to_json())
    }

    fn __repr__(&self) -> String {
        format!("cipp.KeyVault({:?})", self.vault)
    }
}
