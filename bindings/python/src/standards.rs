//! `client.standards`: the catalogue and standards template runs. Templates go in as CIPP's
//! JSON (a dict, a list of dicts, or JSON text); a run gives a `RunReport` with `to_dict()`,
//! `to_json()`, `to_markdown()` and `to_html()`.

use std::sync::Arc;

use cipp::standards::{Mode, StandardsTemplate};
use cipp::{Error, StandardsOptions};
use pyo3::prelude::*;

use crate::client::Core;
use crate::convert;
use crate::errors::IntoPy;
use crate::runtime::block_on;

/// Standards: the catalogue and template runs over managed tenants.
#[pyclass(module = "cipp._native", frozen)]
pub struct Standards {
    core: Arc<Core>,
}

impl Standards {
    pub fn new(core: Arc<Core>) -> Self {
        Standards { core }
    }
}

/// Templates from a dict, a list of dicts, or JSON text.
fn templates(obj: &Bound<'_, PyAny>) -> PyResult<Vec<StandardsTemplate>> {
    let value = match obj.extract::<String>() {
        Ok(text) => serde_json::from_str(&text)
            .map_err(|e| Error::invalid_input("templates", format!("not JSON: {e}")))
            .py_err()?,
        Err(_) => convert::from_py(obj, "templates")?,
    };
    StandardsTemplate::all_from_value(&value, "templates")
        .map_err(|e| Error::invalid_input("templates", e.to_string()))
        .py_err()
}

/// What `run` and `plan` accept besides the templates and the mode.
#[derive(Default)]
struct RunArgs {
    tenants: Option<Vec<String>>,
    definitions: Option<String>,
    templates: Option<String>,
    store: Option<String>,
    concurrency: Option<usize>,
    strict: bool,
    allow_destructive: bool,
    as_of: Option<u64>,
}

fn options(a: RunArgs) -> StandardsOptions {
    let RunArgs {
        tenants,
        definitions,
        templates,
        store,
        concurrency,
        strict,
        allow_destructive,
        as_of,
    } = a;
    let mut o = StandardsOptions::default()
        .strict(strict)
        .allow_destructive(allow_destructive);
    if let Some(at) = as_of {
        o = o.as_of(at);
    }
    if let Some(t) = templates {
        o = o.templates(t);
    }
    if let Some(t) = tenants {
        o = o.tenants(t);
    }
    if let Some(d) = definitions {
        o = o.definitions(d);
    }
    if let Some(s) = store {
        o = o.store(s);
    }
    if let Some(n) = concurrency {
        o = o.concurrency(n);
    }
    o
}

#[pymethods]
impl Standards {
    /// The standards a run can use, one dict per name: name, label, category, impact, kind
    /// (`definition`, `code` or `unsupported`), executor, reads, settings,
    /// required_capabilities, destructive. The built-in catalogue and code standards, or the
    /// definition files under `definitions` plus the code standards they do not shadow.
    #[pyo3(signature = (*, definitions=None))]
    fn catalogue(&self, py: Python<'_>, definitions: Option<String>) -> PyResult<Py<PyAny>> {
        let entries = options(RunArgs {
            definitions,
            ..RunArgs::default()
        })
        .catalogue()
        .py_err()?;
        convert::to_py(py, &serde_json::to_value(entries).unwrap_or_default())
    }

    /// Run `templates` in `mode` (`report`, `alert` or `remediate`) over the managed tenants
    /// they reach (or only `tenants`). `store` is a SQLite file keeping results and drift;
    /// `policy_templates` a folder of CA / Intune template files for template standards.
    ///
    /// `allow_destructive` lets remediation disable the users, guests and devices that
    /// destructive code standards found; `as_of` (unix seconds) judges day-counting standards
    /// at that time.
    #[pyo3(signature = (templates, mode="report", *, tenants=None, definitions=None, policy_templates=None, store=None, concurrency=None, strict=false, allow_destructive=false, as_of=None))]
    #[allow(clippy::too_many_arguments)]
    fn run(
        &self,
        py: Python<'_>,
        templates: &Bound<'_, PyAny>,
        mode: &str,
        tenants: Option<Vec<String>>,
        definitions: Option<String>,
        policy_templates: Option<String>,
        store: Option<String>,
        concurrency: Option<usize>,
        strict: bool,
        allow_destructive: bool,
        as_of: Option<u64>,
    ) -> PyResult<RunReport> {
        let mode: Mode = mode
            .parse()
            .map_err(|e: String| Error::invalid_input("mode", e))
            .py_err()?;
        let templates = self::templates(templates)?;
        let options = options(RunArgs {
            tenants,
            definitions,
            templates: policy_templates,
            store,
            concurrency,
            strict,
            allow_destructive,
            as_of,
        });
        let cipp = self.core.cipp()?;
        let report = block_on(py, async move {
            cipp.run_standards(&templates, mode, &options).await
        })?
        .py_err()?;
        Ok(RunReport { inner: report })
    }

    /// `run` in report mode: nothing is written; each drifted result's `planned` lists the
    /// requests remediation would send.
    #[pyo3(signature = (templates, *, tenants=None, definitions=None, policy_templates=None, store=None, concurrency=None, strict=false))]
    #[allow(clippy::too_many_arguments)]
    fn plan(
        &self,
        py: Python<'_>,
        templates: &Bound<'_, PyAny>,
        tenants: Option<Vec<String>>,
        definitions: Option<String>,
        policy_templates: Option<String>,
        store: Option<String>,
        concurrency: Option<usize>,
        strict: bool,
    ) -> PyResult<RunReport> {
        self.run(
            py,
            templates,
            "report",
            tenants,
            definitions,
            policy_templates,
            store,
            concurrency,
            strict,
            false,
            None,
        )
    }
}

/// The report of one standards run.
#[pyclass(module = "cipp._native", frozen)]
pub struct RunReport {
    inner: cipp::standards::RunReport,
}

impl RunReport {
    pub(crate) fn inner(&self) -> &cipp::standards::RunReport {
        &self.inner
    }
}

#[pymethods]
impl RunReport {
    /// The report as plain dicts and lists (the documented JSON shape).
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        convert::to_py(py, &self.inner.to_json())
    }

    /// The report as JSON text.
    #[pyo3(signature = (*, indent=None))]
    fn to_json(&self, indent: Option<usize>) -> String {
        let v = self.inner.to_json();
        match indent {
            Some(_) => serde_json::to_string_pretty(&v).unwrap_or_default(),
            None => v.to_string(),
        }
    }

    /// The report as Markdown.
    fn to_markdown(&self) -> String {
        self.inner.to_markdown()
    }

    /// The report as one self-contained HTML page.
    fn to_html(&self) -> String {
        self.inner.to_html()
    }

    /// `report`, `alert` or `remediate`.
    #[getter]
    fn mode(&self) -> &'static str {
        self.inner.mode.as_str()
    }

    /// The store's run id, when a store was used.
    #[getter]
    fn run_id(&self) -> Option<i64> {
        self.inner.run_id
    }

    /// Counts over every tenant: `total`, `states`, `alerts`, `changed_since_last`, `alignment`.
    #[getter]
    fn summary(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        convert::to_py(
            py,
            &serde_json::to_value(&self.inner.summary).unwrap_or_default(),
        )
    }

    /// One dict per tenant: `tenant`, `error`, `results`, `summary`...
    #[getter]
    fn tenants(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        convert::to_py(
            py,
            &serde_json::to_value(&self.inner.tenants).unwrap_or_default(),
        )
    }

    fn __repr__(&self) -> String {
        let s = &self.inner.summary;
        format!(
            "cipp.RunReport(mode='{}', tenants={}, results={}, alignment={})",
            self.inner.mode.as_str(),
            self.inner.tenants.len(),
            s.total,
            s.alignment
                .map(|a| format!("{a}%"))
                .unwrap_or_else(|| "None".into())
        )
    }
}
