//! `client.scheduler(store)`: scheduled tasks kept in a SQLite store. Tasks go in as the
//! JSON shape of docs/scheduler.md (a dict or JSON text); tasks, runs and outcomes come back
//! as dicts.

use std::sync::Arc;

use cipp::actions::offboard::FollowUp;
use cipp::scheduler::{Scheduler as Inner, Task};
use cipp::Error;
use pyo3::prelude::*;
use serde::Serialize;

use crate::client::Core;
use crate::convert;
use crate::errors::IntoPy;
use crate::runtime::block_on;

/// Scheduled tasks over one store.
#[pyclass(module = "cipp._native", frozen)]
pub struct Scheduler {
    inner: Inner,
}

fn dict<T: Serialize>(py: Python<'_>, value: &T) -> PyResult<Py<PyAny>> {
    convert::to_py(py, &serde_json::to_value(value).unwrap_or_default())
}

fn sched<T>(r: Result<T, cipp::scheduler::SchedulerError>) -> PyResult<T> {
    r.map_err(Error::from).py_err()
}

impl Scheduler {
    pub fn open(
        core: &Arc<Core>,
        store: &str,
        runner_id: Option<String>,
        concurrency: Option<usize>,
    ) -> PyResult<Self> {
        let store = cipp::snapshot::Store::open(store)
            .map_err(|e| Error::invalid_input("store", e.to_string()))
            .py_err()?;
        let mut b = core.cipp()?.scheduler().store(Arc::new(store));
        if let Some(id) = runner_id {
            b = b.runner_id(id);
        }
        if let Some(n) = concurrency {
            b = b.concurrency(n);
        }
        Ok(Scheduler {
            inner: sched(b.build())?,
        })
    }
}

/// The task JSON (docs/scheduler.md) that runs an offboarding follow-up.
fn parse_follow_up(value: &serde_json::Value) -> PyResult<FollowUp> {
    serde_json::from_value(value.clone())
        .map_err(|e| {
            Error::invalid_input("follow_up", format!("is not an offboarding follow-up: {e}"))
        })
        .py_err()
}

#[pymethods]
impl Scheduler {
    /// Add a task (a dict or JSON text: name, command, tenants, first_run, recurrence,
    /// destinations). The command is checked against the allow and deny lists now and again
    /// at each run. Returns the task id.
    fn add(&self, task: &Bound<'_, PyAny>) -> PyResult<String> {
        let text = match task.extract::<String>() {
            Ok(t) => t,
            Err(_) => convert::from_py(task, "task")?.to_string(),
        };
        let task = sched(Task::from_json(&text))?;
        sched(self.inner.add(task))
    }

    /// Add an offboarding follow-up (one of an offboarding report's `followUps`) as a one-off
    /// task: the `offboard` command for its user and tenant, first run at its `notBefore`.
    /// Returns the task id.
    fn add_follow_up(&self, follow_up: &Bound<'_, PyAny>) -> PyResult<String> {
        let value = convert::from_py(follow_up, "follow_up")?;
        sched(
            self.inner
                .add(cipp::follow_up_task(&parse_follow_up(&value)?)),
        )
    }

    /// Every task (hidden ones too), as dicts with `id`, `state`, `next_run`, `last_result`.
    fn list(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        dict(py, &sched(self.inner.list())?)
    }

    /// One task by id.
    fn get(&self, py: Python<'_>, id: &str) -> PyResult<Py<PyAny>> {
        dict(py, &sched(self.inner.get(id))?)
    }

    /// Remove a task (its run history goes with it).
    fn remove(&self, id: &str) -> PyResult<()> {
        sched(self.inner.remove(id))
    }

    /// The task's last `limit` runs, newest first: slot, state, runner, per-tenant results.
    #[pyo3(signature = (id, limit=20))]
    fn history(&self, py: Python<'_>, id: &str, limit: usize) -> PyResult<Py<PyAny>> {
        dict(py, &sched(self.inner.history(id, limit))?)
    }

    /// Claim and run every task due at `now` (unix seconds; default: the clock's now).
    /// Returns one outcome per run.
    #[pyo3(signature = (now=None))]
    fn run_due(&self, py: Python<'_>, now: Option<i64>) -> PyResult<Py<PyAny>> {
        let s = self.inner.clone();
        let now = now.unwrap_or_else(|| s.now());
        let out = block_on(py, async move { s.run_due(now).await })?;
        dict(py, &sched(out)?)
    }

    /// Run one task at once, whatever its schedule.
    fn run_now(&self, py: Python<'_>, id: String) -> PyResult<Py<PyAny>> {
        let s = self.inner.clone();
        let out = block_on(py, async move { s.run_now(&id).await })?;
        dict(py, &sched(out)?)
    }

    /// This runner's id (leases name it).
    #[getter]
    fn runner_id(&self) -> String {
        self.inner.runner_id().to_string()
    }

    fn __repr__(&self) -> String {
        format!("cipp.Scheduler(runner_id={:?})", self.inner.runner_id())
    }
}
