//! `cipp.Client` and `cipp.Tenant`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use cipp::{Cipp, Service};
use cipp_core::{SecretString, Settings};
use pyo3::prelude::*;

use crate::convert;
use crate::errors::IntoPy;
use crate::graph::Graph;
use crate::runtime::block_on;

/// Settings plus the client built from them in this process. Every Python object that sends
/// requests holds one of these and asks it for the client per call, so a forked child builds
/// its own connection pool instead of reusing sockets owned by the parent's runtime.
pub struct Core {
    settings: Settings,
    inner: Mutex<Option<(u32, Cipp)>>,
}

impl Core {
    pub fn cipp(&self) -> PyResult<Cipp> {
        let pid = std::process::id();
        let mut slot = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((owner, c)) = slot.as_ref() {
            if *owner == pid {
                return Ok(c.clone());
            }
        }
        // Building the reqwest client needs a runtime context.
        let rt = crate::runtime::runtime()?;
        let _guard = rt.enter();
        let built = cipp::CippBuilder::from_settings(self.settings.clone())
            .build()
            .py_err()?;
        *slot = Some((pid, built.clone()));
        Ok(built)
    }
}

/// The client: credentials, endpoints and a connection pool shared by every tenant.
#[pyclass(module = "cipp._native", frozen)]
pub struct Client {
    core: Arc<Core>,
}

impl Client {
    pub fn from_settings(settings: Settings) -> PyResult<Self> {
        let core = Arc::new(Core {
            settings,
            inner: Mutex::new(None),
        });
        core.cipp()?; // validate now, so bad settings fail at construction
        Ok(Client { core })
    }
}

#[pymethods]
impl Client {
    /// Build a client from keyword arguments (each has a `CIPP_*` environment twin).
    #[new]
    #[pyo3(signature = (*, application_id=None, application_secret=None, refresh_token=None, tenant_id=None, cloud=None, endpoints=None))]
    fn new(
        application_id: Option<String>,
        application_secret: Option<String>,
        refresh_token: Option<String>,
        tenant_id: Option<String>,
        cloud: Option<String>,
        endpoints: Option<HashMap<String, String>>,
    ) -> PyResult<Self> {
        let mut s = Settings {
            application_id,
            application_secret: application_secret.map(SecretString::from),
            refresh_token: refresh_token.map(SecretString::from),
            tenant_id,
            ..Settings::default()
        };
        if let Some(c) = cloud {
            s.cloud = c.parse().py_err()?;
        }
        for (name, url) in endpoints.unwrap_or_default() {
            s.overrides.push((name.parse::<Service>().py_err()?, url));
        }
        Client::from_settings(s)
    }

    /// Build a client from the `CIPP_*` environment variables.
    #[staticmethod]
    fn from_env() -> PyResult<Self> {
        Client::from_settings(Settings::from_env().py_err()?)
    }

    /// A handle on one tenant (GUID, default domain or initial domain). Sends nothing.
    fn tenant(&self, tenant: String) -> Tenant {
        Tenant {
            core: self.core.clone(),
            id: tenant,
        }
    }

    /// The partner tenant.
    fn partner(&self) -> PyResult<Tenant> {
        let cipp = self.core.cipp()?;
        let id = cipp.pipeline().credentials().partner_tenant().to_string();
        Ok(Tenant {
            core: self.core.clone(),
            id,
        })
    }

    /// The partner's managed tenants (active GDAP customers) as a list of dicts.
    fn tenants(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let cipp = self.core.cipp()?;
        let list = block_on(py, async move { cipp.tenants().await })?.py_err()?;
        let value = serde_json::to_value(list)
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
        convert::to_py(py, &value)
    }

    /// The managed tenant named by GUID, default domain or initial domain.
    fn managed_tenant(&self, py: Python<'_>, name: String) -> PyResult<Py<PyAny>> {
        let cipp = self.core.cipp()?;
        let t = block_on(py, async move { cipp.managed_tenant(&name).await })?.py_err()?;
        let value = serde_json::to_value(t)
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
        convert::to_py(py, &value)
    }

    /// Read cache types (`["Users", "ExoOrganizationConfig", ...]`) from one tenant: a snapshot
    /// dict whose `types` say, per type, `status` (`complete`, `failed`, `not_licensed`),
    /// `rows` and `error`.
    fn collect(&self, py: Python<'_>, tenant: String, types: Vec<String>) -> PyResult<Py<PyAny>> {
        let collector = self.core.cipp()?.collector();
        let snap = block_on(py, async move {
            let names: Vec<&str> = types.iter().map(String::as_str).collect();
            collector.collect(&tenant, &names).await
        })?
        .map_err(cipp::Error::from)
        .py_err()?;
        let value = serde_json::to_value(snap)
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
        convert::to_py(py, &value)
    }

    /// GDAP, checks and Partner Center for the partner tenant.
    #[getter]
    fn gdap(&self) -> crate::gdap::Gdap {
        crate::gdap::Gdap::new(self.core.clone())
    }

    /// Alerts: the rule catalogue, runs and snoozes.
    #[getter]
    fn alerts(&self) -> crate::alerts::Alerts {
        crate::alerts::Alerts::new(self.core.clone())
    }

    /// Scheduled tasks kept in the SQLite file `store` (created if missing). Tenants
    /// ("all", groups, exclusions) resolve through this client's managed-tenant directory.
    #[pyo3(signature = (store, *, runner_id=None, concurrency=None))]
    fn scheduler(
        &self,
        store: &str,
        runner_id: Option<String>,
        concurrency: Option<usize>,
    ) -> PyResult<crate::scheduler::Scheduler> {
        crate::scheduler::Scheduler::open(&self.core, store, runner_id, concurrency)
    }

    /// Standards: the catalogue and template runs (`run`, `plan`).
    #[getter]
    fn standards(&self) -> crate::standards::Standards {
        crate::standards::Standards::new(self.core.clone())
    }

    /// The secrets of Key Vault `name` (as in `{name}.vault.azure.net`).
    fn key_vault(&self, name: String) -> PyResult<crate::keyvault::KeyVault> {
        crate::keyvault::KeyVault::new(self.core.clone(), name)
    }

    fn __repr__(&self) -> String {
        format!(
            "cipp.Client(tenant_id={:?}, cloud={:?})",
            self.core.settings.tenant_id.as_deref().unwrap_or(""),
            self.core.settings.cloud.name()
        )
    }
}

/// One tenant.
#[pyclass(module = "cipp._native", frozen)]
pub struct Tenant {
    core: Arc<Core>,
    id: String,
}

#[pymethods]
impl Tenant {
    /// The name the handle was made with.
    #[getter]
    fn id(&self) -> String {
        self.id.clone()
    }

    /// Microsoft Graph in this tenant (v1.0).
    #[getter]
    fn graph(&self) -> Graph {
        Graph::new(self.core.clone(), self.id.clone())
    }

    /// Exchange Online cmdlets in this tenant (`.compliance` for Security & Compliance).
    #[getter]
    fn exchange(&self) -> crate::exchange::Exchange {
        crate::exchange::Exchange::new(self.core.clone(), self.id.clone())
    }

    /// Conditional Access, Intune, transport rule and group templates in this tenant.
    #[getter]
    fn templates(&self) -> crate::templates::Templates {
        crate::templates::Templates::new(self.core.clone(), self.id.clone())
    }

    /// User management in this tenant.
    #[getter]
    fn users(&self) -> crate::users::Users {
        crate::users::Users::new(self.core.clone(), self.id.clone())
    }

    /// CIPP's offboarding in this tenant (`plan`, `run`).
    #[getter]
    fn offboarding(&self) -> crate::users::Offboarding {
        crate::users::Offboarding::new(self.core.clone(), self.id.clone())
    }

    /// Compromised-account research and remediation in this tenant.
    #[getter]
    fn bec(&self) -> crate::bec::Bec {
        crate::bec::Bec::new(self.core.clone(), self.id.clone())
    }

    /// Teams policies and configurations in this tenant.
    #[getter]
    fn teams(&self) -> crate::admin::Teams {
        crate::admin::Teams::new(self.core.clone(), self.id.clone())
    }

    /// SharePoint Online tenant administration in this tenant.
    #[getter]
    fn sharepoint(&self) -> crate::admin::SharePoint {
        crate::admin::SharePoint::new(self.core.clone(), self.id.clone())
    }

    /// The tenant's GUID.
    fn guid(&self, py: Python<'_>) -> PyResult<String> {
        let t = self.core.cipp()?.tenant(self.id.clone());
        block_on(py, async move { t.guid().await })?.py_err()
    }

    /// How the tenant stands: directory entry and GDAP expiry, the roles partner groups hold,
    /// one probe per service (graph, exchange, sharepoint, teams), organization properties and
    /// the issues found (errors first). `healthy` is true when no issue is an error.
    fn health(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let cipp = self.core.cipp()?;
        let id = self.id.clone();
        let h = block_on(py, async move { cipp.tenant_health(&id).await })?.py_err()?;
        let mut v = serde_json::to_value(&h)
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
        v["healthy"] = serde_json::Value::Bool(h.is_healthy());
        crate::convert::to_py(py, &v)
    }

    fn __repr__(&self) -> String {
        format!("cipp.Tenant({:?})", self.id)
    }
}
