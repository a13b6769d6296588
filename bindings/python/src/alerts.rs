//! `client.alerts`: the rule catalogue, runs over managed tenants (deduplicated through a
//! store, one digest per destination) and snoozes. Configurations go in as CIPP-style JSON
//! (a dict or JSON text); a run gives an `AlertReport` with `to_dict()`, `to_json()` and
//! `to_markdown()`.

use std::sync::Arc;

use cipp::alerts::{catalogue, time, AlertConfig, SnoozeDuration};
use cipp::{AlertsOptions, Error};
use pyo3::prelude::*;

use crate::client::Core;
use crate::convert;
use crate::errors::IntoPy;
use crate::runtime::block_on;

/// Alerts: the catalogue, runs and snoozes.
#[pyclass(module = "cipp._native", frozen)]
pub struct Alerts {
    core: Arc<Core>,
}

impl Alerts {
    pub fn new(core: Arc<Core>) -> Self {
        Alerts { core }
    }
}

/// A configuration from a dict or JSON text.
fn config(obj: &Bound<'_, PyAny>) -> PyResult<AlertConfig> {
    let text = match obj.extract::<String>() {
        Ok(text) => text,
        Err(_) => convert::from_py(obj, "config")?.to_string(),
    };
    AlertConfig::from_json(&text, "config")
        .map_err(Error::from)
        .py_err()
}

/// A date as unix seconds: an int, or RFC 3339 text.
fn instant(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<i64> {
    if let Ok(n) = obj.extract::<i64>() {
        return Ok(n);
    }
    let text: String = obj.extract()?;
    time::parse(&text)
        .ok_or_else(|| {
            Error::invalid_input(
                field,
                format!("'{text}' is not a date (2026-11-01T00:00:00Z) or unix seconds"),
            )
        })
        .py_err()
}

fn open_store(path: &str) -> PyResult<cipp::snapshot::Store> {
    cipp::snapshot::Store::open(path)
        .map_err(|e| Error::invalid_input("store", e.to_string()))
        .py_err()
}

#[pymethods]
impl Alerts {
    /// The alert rules as dicts: name, description, parameters (with defaults), the cache
    /// types each reads and the fields of its findings.
    fn catalogue(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        convert::to_py(
            py,
            &serde_json::to_value(catalogue::all()).unwrap_or_default(),
        )
    }

    /// Run the rules of `config` (default: every rule that needs no parameters, no
    /// destinations) over every managed tenant, or only `tenants`. With `store` (a SQLite
    /// file) a finding already sent is not sent again until it changes, its re-send interval
    /// passes or its snooze ends. `as_of` (unix seconds or RFC 3339) judges tenants at that
    /// time; `alignment` maps tenant -> standards alignment percent for LowTenantAlignment.
    ///
    /// `standards` (a `RunReport` of a standards run in alert mode, or its `to_dict()`) feeds
    /// its flagged standards to StandardsAlerts and its alignment to LowTenantAlignment.
    #[pyo3(signature = (config=None, *, tenants=None, store=None, concurrency=None, as_of=None, alignment=None, standards=None))]
    #[allow(clippy::too_many_arguments)]
    fn run(
        &self,
        py: Python<'_>,
        config: Option<&Bound<'_, PyAny>>,
        tenants: Option<Vec<String>>,
        store: Option<String>,
        concurrency: Option<usize>,
        as_of: Option<&Bound<'_, PyAny>>,
        alignment: Option<std::collections::BTreeMap<String, f64>>,
        standards: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<AlertReport> {
        let mut options = AlertsOptions::default();
        if let Some(c) = config {
            options = options.config(self::config(c)?);
        }
        if let Some(t) = tenants {
            options = options.tenants(t);
        }
        if let Some(s) = store {
            options = options.store(s);
        }
        if let Some(n) = concurrency {
            options = options.concurrency(n);
        }
        if let Some(at) = as_of {
            options = options.as_of(instant(at, "as_of")?);
        }
        if let Some(a) = alignment {
            options = options.alignment(a);
        }
        if let Some(report) = standards {
            options = match report.cast::<crate::standards::RunReport>() {
                Ok(r) => options.standards(r.get().inner()),
                Err(_) => {
                    let value = convert::from_py(report, "standards")?;
                    let report: cipp::standards::RunReport = serde_json::from_value(value)
                        .map_err(|e| {
                            Error::invalid_input(
                                "standards",
                                format!("not a standards run report: {e}"),
                            )
                        })
                        .py_err()?;
                    options.standards(&report)
                }
            };
        }
        let cipp = self.core.cipp()?;
        let report = block_on(py, async move { cipp.run_alerts(&options).await })?.py_err()?;
        Ok(AlertReport { inner: report })
    }

    /// Hold back one finding (the `hash` a report shows) of `rule` in `tenant` for `days`
    /// (7, 14, 30, 90, or -1 for ever). Returns the snooze as a dict.
    #[pyo3(signature = (store, rule, tenant, hash, *, days=7, reason="", by=""))]
    #[allow(clippy::too_many_arguments)]
    fn snooze(
        &self,
        py: Python<'_>,
        store: String,
        rule: String,
        tenant: String,
        hash: String,
        days: i64,
        reason: &str,
        by: &str,
    ) -> PyResult<Py<PyAny>> {
        let duration = SnoozeDuration::from_days(days)
            .map_err(Error::from)
            .py_err()?;
        let store = open_store(&store)?;
        let snooze = cipp::alerts::snooze_hash(
            &store,
            &rule,
            &tenant,
            &hash,
            duration,
            time::now(),
            by,
            reason,
        )
        .map_err(Error::from)
        .py_err()?;
        convert::to_py(py, &serde_json::to_value(snooze).unwrap_or_default())
    }

    /// The snoozes in force in `store` (only `tenant`'s when given), as dicts.
    #[pyo3(signature = (store, *, tenant=None))]
    fn snoozes(
        &self,
        py: Python<'_>,
        store: String,
        tenant: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let snoozes = open_store(&store)?
            .alert_snoozes(tenant.as_deref(), time::now().max(0) as u64)
            .map_err(|e| Error::invalid_input("store", e.to_string()))
            .py_err()?;
        convert::to_py(py, &serde_json::to_value(snoozes).unwrap_or_default())
    }
}

/// The report of one alert run.
#[pyclass(module = "cipp._native", frozen)]
pub struct AlertReport {
    inner: cipp::alerts::AlertReport,
}

#[pymethods]
impl AlertReport {
    /// The report as plain dicts and lists (the documented JSON shape).
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        convert::to_py(py, &serde_json::to_value(&self.inner).unwrap_or_default())
    }

    /// The report as JSON text.
    #[pyo3(signature = (*, indent=None))]
    fn to_json(&self, indent: Option<usize>) -> String {
        match indent {
            Some(_) => self.inner.to_json(),
            None => serde_json::to_string(&self.inner).unwrap_or_default(),
        }
    }

    /// The report as Markdown.
    fn to_markdown(&self) -> String {
        self.inner.to_markdown()
    }

    /// Counts: `tenants`, `findings`, `delivered`, `suppressed`, `snoozed`, `errors`...
    #[getter]
    fn summary(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        convert::to_py(
            py,
            &serde_json::to_value(&self.inner.summary).unwrap_or_default(),
        )
    }

    /// One dict per tenant: `tenant`, `error`, `rules` (each with its findings).
    #[getter]
    fn tenants(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        convert::to_py(
            py,
            &serde_json::to_value(&self.inner.tenants).unwrap_or_default(),
        )
    }

    /// One dict per destination that had something to send: `destination`, `findings`,
    /// `ok`, `attempts`, `error`.
    #[getter]
    fn deliveries(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        convert::to_py(
            py,
            &serde_json::to_value(&self.inner.deliveries).unwrap_or_default(),
        )
    }

    /// Every finding of the run as a flat list of dicts (`rule`, `tenant`, `title`, `data`,
    /// `hash`, `disposition`, `delivered`).
    fn findings(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let rows: Vec<&cipp::alerts::FindingOutcome> = self
            .inner
            .tenants
            .iter()
            .flat_map(|t| t.findings())
            .collect();
        convert::to_py(py, &serde_json::to_value(rows).unwrap_or_default())
    }

    fn __repr__(&self) -> String {
        let s = &self.inner.summary;
        format!(
            "cipp.AlertReport(tenants={}, findings={}, delivered={}, suppressed={}, snoozed={})",
            s.tenants, s.findings, s.delivered, s.suppressed, s.snoozed
        )
    }
}
