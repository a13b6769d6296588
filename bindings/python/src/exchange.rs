//! `tenant.exchange`: Exchange Online (and `.compliance`, Security & Compliance) cmdlets.
//! Rows are plain dicts with Exchange's PascalCase property names.

use std::sync::Arc;

use cipp::exchange::{Anchor, Cmdlet, CmdletOutput, ExchangeClient, ExchangeError};
use pyo3::prelude::*;
use serde_json::{json, Value};

use crate::client::Core;
use crate::convert;
use crate::errors::exchange_to_py;
use crate::runtime::block_on;

/// Exchange Online cmdlets in one tenant.
#[pyclass(module = "cipp._native", frozen)]
pub struct Exchange {
    core: Arc<Core>,
    tenant: String,
    compliance: bool,
}

impl Exchange {
    pub fn new(core: Arc<Core>, tenant: String) -> Self {
        Exchange {
            core,
            tenant,
            compliance: false,
        }
    }

    fn client(&self) -> PyResult<ExchangeClient> {
        let exo = self.core.cipp()?.tenant(self.tenant.clone()).exchange();
        Ok(if self.compliance {
            exo.compliance()
        } else {
            exo
        })
    }

    fn cmdlet(
        &self,
        exo: &ExchangeClient,
        name: String,
        parameters: Option<&Bound<'_, PyAny>>,
        select: Option<Vec<String>>,
        anchor: Option<String>,
    ) -> PyResult<Cmdlet> {
        let params = match parameters {
            Some(p) if !p.is_none() => convert::from_py(p, "parameters")?,
            _ => Value::Null,
        };
        let mut c = exo.cmdlet(name).params(params).map_err(exchange_to_py)?;
        if let Some(s) = select {
            c = c.select(s);
        }
        if let Some(a) = anchor {
            c = c.anchor(Anchor::mailbox(a));
        }
        Ok(c)
    }
}

fn run<T: Send>(
    py: Python<'_>,
    fut: impl std::future::Future<Output = Result<T, ExchangeError>> + Send,
) -> PyResult<T> {
    block_on(py, fut)?.map_err(exchange_to_py)
}

fn output_json(out: &CmdletOutput) -> Value {
    json!({"rows": out.rows, "warnings": out.warnings, "pages": out.pages})
}

fn to_py_serialize<T: serde::Serialize>(py: Python<'_>, v: &T) -> PyResult<Py<PyAny>> {
    let v = serde_json::to_value(v)
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
    convert::to_py(py, &v)
}

#[pymethods]
impl Exchange {
    /// The same tenant's Security & Compliance (IPPS) cmdlets.
    #[getter]
    fn compliance(&self) -> Exchange {
        Exchange {
            core: self.core.clone(),
            tenant: self.tenant.clone(),
            compliance: true,
        }
    }

    /// Run `cmdlet` with `parameters` (a dict) and return its rows (every page).
    /// `select` trims the properties; `anchor` runs it on a user's mailbox (UPN or id).
    #[pyo3(signature = (cmdlet, parameters=None, *, select=None, anchor=None))]
    fn invoke(
        &self,
        py: Python<'_>,
        cmdlet: String,
        parameters: Option<&Bound<'_, PyAny>>,
        select: Option<Vec<String>>,
        anchor: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let c = self.cmdlet(&self.client()?, cmdlet, parameters, select, anchor)?;
        let rows = run(py, async move { c.rows().await })?;
        convert::to_py(py, &Value::Array(rows))
    }

    /// Like `invoke`, returning `{"rows": [...], "warnings": [...], "pages": n}`.
    #[pyo3(signature = (cmdlet, parameters=None, *, select=None, anchor=None))]
    fn invoke_output(
        &self,
        py: Python<'_>,
        cmdlet: String,
        parameters: Option<&Bound<'_, PyAny>>,
        select: Option<Vec<String>>,
        anchor: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let c = self.cmdlet(&self.client()?, cmdlet, parameters, select, anchor)?;
        let out = run(py, async move { c.invoke().await })?;
        convert::to_py(py, &output_json(&out))
    }

    /// Many cmdlets in `$batch` calls of ten. `operations` is a list of
    /// `{"cmdlet": ..., "parameters": {...}, "id": ..., "select": [...]}`. Returns
    /// `{"operations": [{"id", "cmdlet", "success", "rows", "warnings" | "error"}], "round_trips"}`;
    /// a failed operation does not raise, it is reported.
    fn bulk(&self, py: Python<'_>, operations: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let exo = self.client()?;
        let ops = exo
            .operations_from_json(convert::from_py(operations, "operations")?)
            .map_err(exchange_to_py)?;
        let result = run(py, async move { exo.bulk(ops).await })?;
        convert::to_py(py, &result.to_json())
    }

    /// Every mailbox (`Get-Mailbox -ResultSize Unlimited`).
    fn mailboxes(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let exo = self.client()?;
        let rows = run(py, async move { exo.mailboxes().await })?;
        to_py_serialize(py, &rows)
    }

    /// The inbox rules of a mailbox.
    fn inbox_rules(&self, py: Python<'_>, mailbox: String) -> PyResult<Py<PyAny>> {
        let exo = self.client()?;
        let rows = run(py, async move { exo.inbox_rules(&mailbox).await })?;
        to_py_serialize(py, &rows)
    }

    /// `Get-OrganizationConfig`.
    fn organization_config(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let exo = self.client()?;
        let org = run(py, async move { exo.organization_config().await })?;
        to_py_serialize(py, &org)
    }

    /// The cmdlets this tenant's admin session may run.
    fn available_cmdlets(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        let exo = self.client()?;
        run(py, async move { exo.available_cmdlets().await })
    }

    fn __repr__(&self) -> String {
        format!(
            "cipp.Exchange({:?}{})",
            self.tenant,
            if self.compliance { ", compliance" } else { "" }
        )
    }
}
