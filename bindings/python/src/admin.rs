//! `tenant.teams` and `tenant.sharepoint`: the Teams ConfigAPI and SharePoint tenant
//! administration, as plain Python data.

use std::sync::Arc;

use pyo3::prelude::*;
use serde_json::{json, Map, Value};

use crate::client::Core;
use crate::convert;
use crate::errors::IntoPy;
use crate::runtime::block_on;

fn run<T: Send, E: Into<cipp::Error> + Send>(
    py: Python<'_>,
    fut: impl std::future::Future<Output = Result<T, E>> + Send,
) -> PyResult<T> {
    block_on(py, fut)?.map_err(Into::into).py_err()
}

fn object(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Map<String, Value>> {
    match convert::from_py(value, what)? {
        Value::Object(m) => Ok(m),
        _ => Err(crate::errors::to_py(cipp::Error::invalid_input(
            what,
            "expected a dict of property -> value",
        ))),
    }
}

/// Teams policies and configurations in one tenant.
#[pyclass(module = "cipp._native", frozen)]
pub struct Teams {
    core: Arc<Core>,
    tenant: String,
}

impl Teams {
    pub fn new(core: Arc<Core>, tenant: String) -> Self {
        Teams { core, tenant }
    }

    fn client(&self) -> PyResult<cipp::teams::TeamsClient> {
        Ok(self.core.cipp()?.tenant(self.tenant.clone()).teams())
    }
}

#[pymethods]
impl Teams {
    /// Every instance of a type (`TeamsMeetingPolicy`, `Get-CsTeamsMeetingPolicy`, ...).
    fn list(&self, py: Python<'_>, kind: String) -> PyResult<Py<PyAny>> {
        let t = self.client()?;
        let v = run(py, async move { t.list(&kind).await })?;
        convert::to_py(py, &Value::Array(v))
    }

    /// One instance (default `Global`).
    #[pyo3(signature = (kind, identity=None))]
    fn get(&self, py: Python<'_>, kind: String, identity: Option<String>) -> PyResult<Py<PyAny>> {
        let t = self.client()?;
        let v = run(py, async move { t.get(&kind, identity.as_deref()).await })?;
        convert::to_py(py, &v)
    }

    /// Change properties read-modify-write; returns `{"changed": bool, "object": {...}}`.
    #[pyo3(signature = (kind, changes, identity=None))]
    fn set(
        &self,
        py: Python<'_>,
        kind: String,
        changes: &Bound<'_, PyAny>,
        identity: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let changes = object(changes, "changes")?;
        let t = self.client()?;
        let out = run(py, async move {
            t.set(&kind, identity.as_deref(), &changes).await
        })?;
        convert::to_py(py, &json!({"changed": out.changed, "object": out.object}))
    }

    /// Remove a custom instance.
    fn delete(&self, py: Python<'_>, kind: String, identity: String) -> PyResult<()> {
        let t = self.client()?;
        run(py, async move { t.delete(&kind, &identity).await })
    }
}

/// SharePoint Online tenant administration in one tenant.
#[pyclass(module = "cipp._native", frozen)]
pub struct SharePoint {
    core: Arc<Core>,
    tenant: String,
}

impl SharePoint {
    pub fn new(core: Arc<Core>, tenant: String) -> Self {
        SharePoint { core, tenant }
    }

    fn client(&self) -> PyResult<cipp::sharepoint::SharePointClient> {
        Ok(self.core.cipp()?.tenant(self.tenant.clone()).sharepoint())
    }
}

#[pymethods]
impl SharePoint {
    /// The tenant's SharePoint name (`contoso` of `contoso.sharepoint.com`).
    fn name(&self, py: Python<'_>) -> PyResult<String> {
        let s = self.client()?;
        run(py, async move { s.name().await })
    }

    /// Every tenant setting (CSOM Tenant properties).
    fn tenant_settings(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let s = self.client()?;
        let v = run(py, async move { s.tenant_settings().await })?;
        convert::to_py(py, &Value::Object(v.properties))
    }

    /// Change tenant settings (only those given are sent).
    fn set_tenant_settings(&self, py: Python<'_>, changes: &Bound<'_, PyAny>) -> PyResult<()> {
        let changes = object(changes, "changes")?;
        let s = self.client()?;
        run(py, async move { s.set_tenant_settings(&changes).await })
    }

    /// `{"tenant_storage_mb", "used_storage_mb", "used_percent"}`.
    fn storage_quota(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let s = self.client()?;
        let q = run(py, async move { s.storage_quota().await })?;
        convert::to_py(
            py,
            &json!({"tenant_storage_mb": q.tenant_storage_mb, "used_storage_mb": q.used_storage_mb,
                "used_percent": q.used_percent()}),
        )
    }
}
