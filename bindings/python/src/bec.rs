//! `tenant.bec`: compromised-account research (one report) and remediation in CIPP's order,
//! with a dry run. Reports are classes with `to_dict()`, `to_json()` and `to_markdown()`.

use std::sync::Arc;

use cipp::actions::bec::{RemediationOptions, RemediationStep, ResearchOptions};
use cipp::Error;
use pyo3::prelude::*;
use serde::Serialize;

use crate::client::Core;
use crate::convert;
use crate::errors::IntoPy;
use crate::runtime::block_on;

/// Compromised-account research and remediation in one tenant.
#[pyclass(module = "cipp._native", frozen)]
pub struct Bec {
    core: Arc<Core>,
    tenant: String,
}

impl Bec {
    pub fn new(core: Arc<Core>, tenant: String) -> Self {
        Bec { core, tenant }
    }

    fn bec(&self) -> PyResult<cipp::actions::bec::Bec> {
        Ok(self.core.cipp()?.tenant(self.tenant.clone()).bec())
    }
}

fn options(skip: Vec<String>, confirm: bool) -> PyResult<RemediationOptions> {
    let mut o = RemediationOptions {
        confirm,
        ..RemediationOptions::default()
    };
    for (i, name) in skip.iter().enumerate() {
        let step: RemediationStep = name
            .parse()
            .map_err(Error::from)
            .map_err(|e| match e {
                Error::InvalidInput { message, .. } => {
                    Error::invalid_input(format!("skip[{i}]"), message)
                }
                other => other,
            })
            .py_err()?;
        o = o.skip(step);
    }
    Ok(o)
}

fn json_text<T: Serialize>(value: &T, indent: Option<usize>) -> String {
    match indent {
        Some(_) => serde_json::to_string_pretty(value).unwrap_or_default(),
        None => serde_json::to_string(value).unwrap_or_default(),
    }
}

#[pymethods]
impl Bec {
    /// Research `user` (UPN or object id) over the last `days` (1 to 30, default 7) up to
    /// `as_of` (RFC 3339, default now): sign-ins of this user, inbox rules, forwarding, MFA
    /// methods, new users and password changes, new applications and consents, devices,
    /// sent mail and audit events, each source read on its own.
    #[pyo3(signature = (user, *, days=7, as_of=None))]
    fn research(
        &self,
        py: Python<'_>,
        user: String,
        days: u32,
        as_of: Option<String>,
    ) -> PyResult<BecReport> {
        let bec = self.bec()?;
        let options = ResearchOptions { days, as_of };
        let report = block_on(py, async move { bec.research(&user, &options).await })?
            .map_err(Error::from)
            .py_err()?;
        Ok(BecReport { inner: report })
    }

    /// The remediation steps that would run for `user` (nothing is written).
    #[pyo3(signature = (user, *, skip=Vec::new()))]
    fn plan(&self, py: Python<'_>, user: String, skip: Vec<String>) -> PyResult<RemediationReport> {
        let bec = self.bec()?;
        let options = options(skip, false)?;
        let report = block_on(py, async move { bec.plan(&user, &options).await })?
            .map_err(Error::from)
            .py_err()?;
        Ok(RemediationReport { inner: report })
    }

    /// Run CIPP's remediation for `user` (reset password, disable sign-in, revoke sessions,
    /// remove MFA methods, disable inbox rules, remove forwarding, OneDrive sharing), each
    /// step reported on its own. Refused unless `confirm=True`.
    #[pyo3(signature = (user, *, confirm=false, skip=Vec::new()))]
    fn remediate(
        &self,
        py: Python<'_>,
        user: String,
        confirm: bool,
        skip: Vec<String>,
    ) -> PyResult<RemediationReport> {
        let bec = self.bec()?;
        let options = options(skip, confirm)?;
        let report = block_on(py, async move { bec.remediate(&user, &options).await })?
            .map_err(Error::from)
            .py_err()?;
        Ok(RemediationReport { inner: report })
    }
}

/// The report of one compromised-account research.
#[pyclass(module = "cipp._native", frozen)]
pub struct BecReport {
    inner: cipp::actions::bec::BecReport,
}

#[pymethods]
impl BecReport {
    /// The report as plain dicts and lists (camelCase fields, as documented in docs/bec.md).
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        convert::to_py(py, &serde_json::to_value(&self.inner).unwrap_or_default())
    }

    /// The report as JSON text.
    #[pyo3(signature = (*, indent=None))]
    fn to_json(&self, indent: Option<usize>) -> String {
        json_text(&self.inner, indent)
    }

    /// The report as Markdown, suspicious items first.
    fn to_markdown(&self) -> String {
        self.inner.to_markdown()
    }

    /// Something in the report looks like a compromise.
    #[getter]
    fn alarming(&self) -> bool {
        self.inner.is_alarming()
    }

    /// What looks wrong, most severe first.
    #[getter]
    fn indicators(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        convert::to_py(
            py,
            &serde_json::to_value(&self.inner.indicators).unwrap_or_default(),
        )
    }

    fn __repr__(&self) -> String {
        format!(
            "cipp.BecReport(alarming={}, indicators={})",
            self.inner.is_alarming(),
            self.inner.indicators.len()
        )
    }
}

/// What a remediation did, or would do, step by step.
#[pyclass(module = "cipp._native", frozen)]
pub struct RemediationReport {
    inner: cipp::actions::bec::RemediationReport,
}

#[pymethods]
impl RemediationReport {
    /// The report as plain dicts and lists.
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        convert::to_py(py, &serde_json::to_value(&self.inner).unwrap_or_default())
    }

    /// The report as JSON text.
    #[pyo3(signature = (*, indent=None))]
    fn to_json(&self, indent: Option<usize>) -> String {
        json_text(&self.inner, indent)
    }

    /// The report as Markdown.
    fn to_markdown(&self) -> String {
        self.inner.to_markdown()
    }

    /// One dict per step: `step`, `state`, `resultText`, `detail`.
    #[getter]
    fn steps(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        convert::to_py(
            py,
            &serde_json::to_value(&self.inner.steps).unwrap_or_default(),
        )
    }

    /// `True` for a plan: nothing was changed.
    #[getter]
    fn dry_run(&self) -> bool {
        self.inner.dry_run
    }

    fn __repr__(&self) -> String {
        format!(
            "cipp.RemediationReport(dry_run={}, steps={}, failed={})",
            self.inner.dry_run,
            self.inner.steps.len(),
            self.inner.failures().count()
        )
    }
}
