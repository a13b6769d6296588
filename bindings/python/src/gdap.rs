//! `client.gdap`: GDAP relationships, invites, checks and Partner Center, as plain Python
//! data (dicts in the snake_case or Graph shapes the Rust types serialise to).

use std::sync::Arc;

use cipp::gdap::{Change, GdapClient, Invite, PermissionManifest};
use cipp::Error;
use futures::TryStreamExt;
use pyo3::prelude::*;
use serde::Serialize;

use crate::client::Core;
use crate::convert;
use crate::errors::IntoPy;
use crate::runtime::block_on;

/// GDAP and Partner Center for the partner tenant.
#[pyclass(module = "cipp._native", frozen)]
pub struct Gdap {
    core: Arc<Core>,
}

impl Gdap {
    pub fn new(core: Arc<Core>) -> Self {
        Gdap { core }
    }

    fn client(&self) -> PyResult<GdapClient> {
        Ok(self.core.cipp()?.gdap())
    }
}

fn to_py<T: Serialize>(py: Python<'_>, value: &T) -> PyResult<Py<PyAny>> {
    let v = serde_json::to_value(value)
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
    convert::to_py(py, &v)
}

fn run<T, F>(py: Python<'_>, fut: F) -> PyResult<T>
where
    F: std::future::Future<Output = Result<T, cipp::gdap::GdapError>> + Send,
    T: Send,
{
    block_on(py, fut)?.map_err(Error::from).py_err()
}

#[pymethods]
impl Gdap {
    /// Relationships: active ones, or every status with `all=True`.
    #[pyo3(signature = (*, all=false))]
    fn relationships(&self, py: Python<'_>, all: bool) -> PyResult<Py<PyAny>> {
        let g = self.client()?;
        let rels = run(py, async move {
            if all {
                Ok(g.relationships().collect_all().await?)
            } else {
                g.active_relationships().await
            }
        })?;
        to_py(py, &rels)
    }

    /// One relationship with its `@odata.etag`.
    fn relationship(&self, py: Python<'_>, id: String) -> PyResult<Py<PyAny>> {
        let g = self.client()?;
        let rel = run(py, async move { g.relationship(&id).await })?;
        to_py(py, &rel)
    }

    /// Create and lock an invitation; answers `{"relationship": {...}, "link": "..."}`.
    /// Without `roles`, the recommended set (never Global Administrator) is used.
    #[pyo3(signature = (*, roles=None, name=None, days=730))]
    fn create_invite(
        &self,
        py: Python<'_>,
        roles: Option<Vec<String>>,
        name: Option<String>,
        days: u32,
    ) -> PyResult<Py<PyAny>> {
        let g = self.client()?;
        let mut invite = match roles {
            Some(r) => Invite::with_roles(r),
            None => Invite::recommended(),
        };
        if let Some(n) = name {
            invite = invite.display_name(n);
        }
        let invite = invite.duration_days(days);
        let created = run(py, async move { g.create_invite(invite).await })?;
        to_py(py, &created)
    }

    /// Turn auto-extend on; answers `{"outcome": "changed"|"unchanged", ...}`.
    fn enable_auto_extend(&self, py: Python<'_>, id: String) -> PyResult<Py<PyAny>> {
        let g = self.client()?;
        let change: Change = run(py, async move { g.enable_auto_extend(&id).await })?;
        to_py(py, &change)
    }

    /// Remove Global Administrator from an active relationship; answers the relationship.
    fn remove_global_administrator(&self, py: Python<'_>, id: String) -> PyResult<Py<PyAny>> {
        let g = self.client()?;
        let rel = run(py, async move { g.remove_global_administrator(&id).await })?;
        to_py(py, &rel)
    }

    /// End an active relationship.
    fn terminate(&self, py: Python<'_>, id: String) -> PyResult<Py<PyAny>> {
        let g = self.client()?;
        let req = run(py, async move { g.terminate(&id).await })?;
        to_py(py, &req)
    }

    /// The partner-level GDAP report.
    fn health(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let g = self.client()?;
        let h = run(py, async move { g.health().await })?;
        to_py(py, &h)
    }

    /// The roles partner groups hold in one customer.
    fn tenant_access(&self, py: Python<'_>, tenant: String) -> PyResult<Py<PyAny>> {
        let g = self.client()?;
        let a = run(py, async move { g.tenant_access(&tenant).await })?;
        to_py(py, &a)
    }

    /// Check the SAM application against a permission manifest (JSON text in Entra's
    /// `requiredResourceAccess` shape); `repair=True` adds what is missing.
    #[pyo3(signature = (manifest, *, repair=false))]
    fn sam_check(&self, py: Python<'_>, manifest: String, repair: bool) -> PyResult<Py<PyAny>> {
        let g = self.client()?;
        let check = run(py, async move {
            let m = PermissionManifest::from_json(&manifest)?;
            let check = g.sam_check(&m).await?;
            if repair {
                g.repair_sam_permissions(&check).await?;
            }
            Ok(check)
        })?;
        to_py(py, &check)
    }

    /// CPV: consent the SAM application in `tenant` and grant it what `manifest` (JSON
    /// text) asks; answers what was added, unresolved or failed.
    fn refresh_cpv(&self, py: Python<'_>, tenant: String, manifest: String) -> PyResult<Py<PyAny>> {
        let cipp = self.core.cipp()?;
        let app = cipp.pipeline().credentials().application_id().to_string();
        let g = cipp.gdap();
        let report = run(py, async move {
            let m = PermissionManifest::from_json(&manifest)?;
            g.refresh_cpv(&tenant, &app, &m).await
        })?;
        to_py(py, &report)
    }

    /// Partner Center customers, every page.
    fn customers(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let pc = self.core.cipp()?.partner_center();
        let list: Vec<_> = run(py, async move { pc.customers().try_collect().await })?;
        to_py(py, &list)
    }

    /// CPV consent for the SAM application (or `application_id`) in a customer; answers
    /// `{"outcome": "granted"|"alreadyExisted", ...}`.
    #[pyo3(signature = (customer, *, application_id=None))]
    fn add_application_consent(
        &self,
        py: Python<'_>,
        customer: String,
        application_id: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let cipp = self.core.cipp()?;
        let app = application_id
            .unwrap_or_else(|| cipp.pipeline().credentials().application_id().to_string());
        let pc = cipp.partner_center();
        let outcome = run(py, async move {
            pc.add_application_consent(&customer, &app).await
        })?;
        to_py(py, &outcome)
    }
}
