//! `cipp.sim`: the offline simulator, for users' own tests.

use std::sync::Mutex;
use std::time::Duration;

use cipp_core::SecretString;
use cipp_sim::{FaultRule, FaultScope};
use pyo3::prelude::*;

use crate::client::Client;
use crate::convert;
use crate::runtime::{block_on, runtime};

fn sim_err(e: cipp_sim::SimError) -> PyErr {
    crate::errors::to_py(cipp::Error::invalid_input("sim", e.to_string()))
}

/// A running simulator.
#[pyclass(module = "cipp._native", frozen)]
pub struct Sim {
    inner: Mutex<Option<cipp_sim::Sim>>,
    base_url: String,
    endpoints: Vec<(&'static str, String)>,
    creds: cipp_sim::SimCredentials,
}

impl Sim {
    fn with<T>(&self, f: impl FnOnce(&cipp_sim::Sim) -> T) -> PyResult<T> {
        let guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        guard
            .as_ref()
            .map(f)
            .ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("the simulator was stopped"))
    }
}

/// Start a simulator on a free loopback port; `users` adds generated users to `users_tenant`.
#[pyfunction]
#[pyo3(signature = (*, users=0, users_tenant="alpha.onmicrosoft.com", latency_ms=0))]
pub fn start(py: Python<'_>, users: usize, users_tenant: &str, latency_ms: u64) -> PyResult<Sim> {
    let mut b = cipp_sim::Sim::builder().latency(Duration::from_millis(latency_ms));
    if users > 0 {
        b = b.generated_users(users_tenant, users);
    }
    let sim = block_on(py, b.start())?.map_err(sim_err)?;
    Ok(Sim {
        base_url: sim.base_url(),
        endpoints: sim.endpoints(),
        creds: sim.credentials(),
        inner: Mutex::new(Some(sim)),
    })
}

#[pymethods]
impl Sim {
    /// `http://127.0.0.1:PORT`.
    #[getter]
    fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// A client signed in with the simulator's seeded credentials.
    fn client(&self) -> PyResult<Client> {
        let s = cipp_core::Settings {
            application_id: Some(self.creds.application_id.clone()),
            application_secret: Some(SecretString::from(self.creds.application_secret.clone())),
            refresh_token: Some(SecretString::from(self.creds.refresh_token.clone())),
            tenant_id: Some(self.creds.partner_tenant_id.clone()),
            overrides: self
                .endpoints
                .iter()
                .map(|(name, url)| Ok((name.parse::<cipp::Service>()?, url.clone())))
                .collect::<Result<_, cipp::Error>>()
                .map_err(crate::errors::to_py)?,
            ..Default::default()
        };
        Client::from_settings(s)
    }

    /// The seeded credentials (test values).
    fn credentials(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        convert::to_py(py, &serde_json::to_value(&self.creds).unwrap_or_default())
    }

    /// The customer tenants.
    fn tenants(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let t = self.with(|s| s.tenants())?;
        convert::to_py(py, &serde_json::to_value(t).unwrap_or_default())
    }

    /// Request counters.
    fn stats(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let st = self.with(|s| s.stats())?;
        convert::to_py(py, &serde_json::to_value(st).unwrap_or_default())
    }

    /// The simulator's Exchange objects of `noun` (`Mailbox`, ...) in a tenant.
    #[pyo3(signature = (tenant, noun, *, compliance=false))]
    fn exchange_objects(
        &self,
        py: Python<'_>,
        tenant: &str,
        noun: &str,
        compliance: bool,
    ) -> PyResult<Py<PyAny>> {
        let rows = self
            .with(|s| s.exchange_objects(tenant, noun, compliance))?
            .map_err(sim_err)?;
        convert::to_py(py, &serde_json::Value::Array(rows))
    }

    /// The simulator's Teams configurations of `kind` in a tenant.
    fn teams_configurations(
        &self,
        py: Python<'_>,
        tenant: &str,
        kind: &str,
    ) -> PyResult<Py<PyAny>> {
        let rows = self
            .with(|s| s.teams_configurations(tenant, kind))?
            .map_err(sim_err)?;
        convert::to_py(py, &serde_json::Value::Array(rows))
    }

    /// The simulator's SharePoint tenant settings of a tenant.
    fn sharepoint_settings(&self, py: Python<'_>, tenant: &str) -> PyResult<Py<PyAny>> {
        let v = self
            .with(|s| s.sharepoint_settings(tenant))?
            .map_err(sim_err)?;
        convert::to_py(py, &v)
    }

    /// One SharePoint site (a OneDrive too) as the simulator holds it, by URL, or `None`.
    fn sharepoint_site(&self, py: Python<'_>, tenant: &str, url: &str) -> PyResult<Py<PyAny>> {
        let v = self
            .with(|s| s.sharepoint_site(tenant, url))?
            .map_err(sim_err)?;
        convert::to_py(py, &v.unwrap_or(serde_json::Value::Null))
    }

    /// Add `count` generated user mailboxes to a tenant's Exchange.
    fn generate_mailboxes(&self, tenant: &str, count: usize) -> PyResult<()> {
        self.with(|s| s.generate_mailboxes(tenant, count))?
            .map_err(sim_err)
    }

    /// The customer accepts a pending GDAP invitation.
    fn approve_relationship(
        &self,
        py: Python<'_>,
        relationship: &str,
        customer: &str,
    ) -> PyResult<Py<PyAny>> {
        let v = self
            .with(|s| s.approve_relationship(relationship, customer))?
            .map_err(sim_err)?;
        convert::to_py(py, &v)
    }

    /// Forget the request log and counters.
    fn clear_requests(&self) -> PyResult<()> {
        self.with(|s| s.clear_requests())
    }

    /// Make matching requests fail with `status` (429 sends `Retry-After: retry_after`).
    #[pyo3(signature = (*, status=429, path_contains=None, tenant=None, method=None, retry_after=None, times=None, batch_items_only=false))]
    #[allow(clippy::too_many_arguments)]
    fn add_fault(
        &self,
        status: u16,
        path_contains: Option<String>,
        tenant: Option<String>,
        method: Option<String>,
        retry_after: Option<u64>,
        times: Option<u32>,
        batch_items_only: bool,
    ) -> PyResult<u64> {
        let rule = FaultRule {
            tenant,
            path_contains,
            method,
            status,
            retry_after,
            times,
            scope: if batch_items_only {
                FaultScope::BatchItem
            } else {
                FaultScope::Any
            },
        };
        self.with(|s| s.faults().add_rule(rule))
    }

    /// Remove every fault and the latency.
    fn clear_faults(&self) -> PyResult<()> {
        self.with(|s| s.faults().clear())
    }

    /// Reject every access token issued so far.
    fn expire_tokens(&self) -> PyResult<()> {
        self.with(|s| s.faults().expire_tokens())
    }

    /// Stop the simulator.
    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        let sim = self.inner.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(sim) = sim {
            let rt = runtime()?;
            py.detach(move || rt.block_on(sim.shutdown()));
        }
        Ok(())
    }

    fn __enter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<bool> {
        self.stop(py)?;
        Ok(false)
    }

    fn __repr__(&self) -> String {
        format!("cipp.sim.Sim({:?})", self.base_url)
    }
}
