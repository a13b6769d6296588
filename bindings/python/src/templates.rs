//! `tenant.templates`: deploy, compare and capture portable Conditional Access, Intune,
//! transport rule and group templates in one tenant. Templates go in as CIPP's JSON (a dict or
//! JSON text); results come back as dicts.

use std::sync::Arc;

use cipp::templates::{
    Assignment, DeployOptions, StateOverride, Template, TemplateClient, TemplateKind,
};
use cipp::Error;
use pyo3::prelude::*;
use serde_json::Value;

use crate::client::Core;
use crate::convert;
use crate::errors::IntoPy;
use crate::runtime::block_on;

/// Templates in one tenant.
#[pyclass(module = "cipp._native", frozen)]
pub struct Templates {
    core: Arc<Core>,
    tenant: String,
}

impl Templates {
    pub fn new(core: Arc<Core>, tenant: String) -> Self {
        Templates { core, tenant }
    }

    fn client(&self) -> PyResult<TemplateClient> {
        Ok(TemplateClient::new(
            self.core.cipp()?.pipeline().clone(),
            self.tenant.clone(),
        ))
    }
}

fn template(obj: &Bound<'_, PyAny>, kind: Option<&str>) -> PyResult<Template> {
    let text = match obj.extract::<String>() {
        Ok(t) => t,
        Err(_) => convert::from_py(obj, "template")?.to_string(),
    };
    let kind = kind
        .map(|k| {
            k.parse::<TemplateKind>()
                .map_err(|e| Error::invalid_input("kind", e))
                .py_err()
        })
        .transpose()?;
    Template::from_json(&text, kind)
        .map_err(Error::from)
        .py_err()
}

fn options(state: Option<String>, create_groups: bool) -> PyResult<DeployOptions> {
    let state = match state {
        None => StateOverride::AsTemplate,
        Some(s) => StateOverride::parse(&s)
            .ok_or_else(|| Error::invalid_input("state", format!("unknown policy state '{s}'")))
            .py_err()?,
    };
    Ok(DeployOptions::new()
        .state(state)
        .create_groups(create_groups))
}

fn out<T: serde::Serialize>(py: Python<'_>, value: &T) -> PyResult<Py<PyAny>> {
    convert::to_py(py, &serde_json::to_value(value).unwrap_or(Value::Null))
}

#[pymethods]
impl Templates {
    /// Create or update (by display name) what `template` describes; a second deploy writes
    /// nothing. `state` overrides a CA policy's state (`enabled`, `disabled`, `report-only`,
    /// `donotchange`); `create_groups` creates groups the template names that the tenant lacks;
    /// `kind` (`dlp`, `retention`, `label`, `sit`, `reusablesetting`...) says what the template
    /// is when its JSON alone does not tell.
    /// Answers `{"result": "created"|"updated"|"unchanged", "id": ..., "changed"?: [...]}`.
    #[pyo3(signature = (template, *, state=None, create_groups=false, kind=None))]
    fn deploy(
        &self,
        py: Python<'_>,
        template: &Bound<'_, PyAny>,
        state: Option<String>,
        create_groups: bool,
        kind: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let (t, o, client) = (
            self::template(template, kind.as_deref())?,
            options(state, create_groups)?,
            self.client()?,
        );
        let r = block_on(py, async move { client.deploy(&t, &o).await })?
            .map_err(Error::from)
            .py_err()?;
        out(py, &r)
    }

    /// How the tenant stands against `template`: `{"status": "missing"}`, `{"status":
    /// "equal", "id"}` or `{"status": "different", "id", "differences": [{path, expected,
    /// found}]}`. Reads only.
    #[pyo3(signature = (template, *, state=None, kind=None))]
    fn compare(
        &self,
        py: Python<'_>,
        template: &Bound<'_, PyAny>,
        state: Option<String>,
        kind: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let (t, o, client) = (
            self::template(template, kind.as_deref())?,
            options(state, false)?,
            self.client()?,
        );
        let r = block_on(py, async move { client.compare(&t, &o).await })?
            .map_err(Error::from)
            .py_err()?;
        out(py, &r)
    }

    /// Assign the tenant's policy of an Intune `template` (deployed before; found by name) to
    /// all licensed users, all devices and/or groups (display name or id), leaving out
    /// `exclude_groups`. The assignments are replaced; nothing is sent when they already
    /// match (`{"result": "unchanged"}`, else `"updated"` with `changed: ["assignments"]`).
    /// An unknown group is an `InvalidInputError` naming it, and nothing is sent.
    #[pyo3(signature = (template, *, all_users=false, all_devices=false, groups=Vec::new(), exclude_groups=Vec::new()))]
    fn assign(
        &self,
        py: Python<'_>,
        template: &Bound<'_, PyAny>,
        all_users: bool,
        all_devices: bool,
        groups: Vec<String>,
        exclude_groups: Vec<String>,
    ) -> PyResult<Py<PyAny>> {
        let to = Assignment {
            all_users,
            all_devices,
            groups,
            exclude_groups,
        };
        let (t, o, client) = (
            self::template(template, None)?,
            options(None, false)?,
            self.client()?,
        );
        let r = block_on(py, async move { client.assign(&t, &to, &o).await })?
            .map_err(Error::from)
            .py_err()?;
        out(py, &r)
    }

    /// A live object (`kind`: `ca`, `intune`, `transport`, `group`, `dlp`, `retention`, `assignmentfilter`, `reusablesetting`, `label`; `id`: its id) as a
    /// portable template (ids turned into names) that deploys to other tenants.
    fn capture(&self, py: Python<'_>, kind: String, id: String) -> PyResult<Py<PyAny>> {
        let kind: TemplateKind = kind
            .parse()
            .map_err(|e: String| Error::invalid_input("kind", e))
            .py_err()?;
        let client = self.client()?;
        let t = block_on(py, async move { client.capture(kind, &id).await })?
            .map_err(Error::from)
            .py_err()?;
        convert::to_py(py, &t.to_json())
    }
}
