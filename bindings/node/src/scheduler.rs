//! `client.scheduler(store)`: scheduled tasks kept in a SQLite store, as promises. Tasks go in
//! as the JSON shape of docs/scheduler.md (an object or JSON text); tasks, runs and outcomes
//! come back as plain objects.

use std::sync::Arc;

use cipp::actions::offboard::FollowUp;
use cipp::scheduler::{Scheduler as Inner, SchedulerError, Task};
use cipp::{Cipp, Error as CippError};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::Value;

use crate::{invalid, OrJs};

/// Options of `client.scheduler(store, options)`.
#[napi(object)]
pub struct SchedulerOptions {
    /// This runner's id (leases name it); default: host and process id.
    pub runner_id: Option<String>,
    /// Tenants in flight at once per run.
    pub concurrency: Option<u32>,
}

/// Scheduled tasks over one store.
#[napi]
pub struct Scheduler {
    inner: Inner,
}

fn sched<T>(r: std::result::Result<T, SchedulerError>) -> Result<T> {
    r.map_err(CippError::from).js()
}

fn json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or_default()
}

pub(crate) fn open(
    cipp: &Cipp,
    store: &str,
    options: Option<SchedulerOptions>,
) -> Result<Scheduler> {
    let store = cipp::snapshot::Store::open(store).map_err(|e| invalid("store", e.to_string()))?;
    let mut b = cipp.scheduler().store(Arc::new(store));
    if let Some(o) = options {
        if let Some(id) = o.runner_id {
            b = b.runner_id(id);
        }
        if let Some(n) = o.concurrency {
            b = b.concurrency(n as usize);
        }
    }
    Ok(Scheduler {
        inner: sched(b.build())?,
    })
}

#[napi]
impl Scheduler {
    /// Add a task; the command is checked against the allow and deny lists now and at each
    /// run. Returns the task id.
    #[napi]
    pub fn add(&self, task: Value) -> Result<String> {
        let text = match task {
            Value::String(t) => t,
            other => other.to_string(),
        };
        let task = sched(Task::from_json(&text))?;
        sched(self.inner.add(task))
    }

    /// Add an offboarding follow-up (one of an offboarding report's `followUps`) as a one-off
    /// task: the `offboard` command for its user and tenant, first run at its `notBefore`.
    /// Returns the task id.
    #[napi]
    pub fn add_follow_up(&self, follow_up: Value) -> Result<String> {
        let f: FollowUp = serde_json::from_value(follow_up)
            .map_err(|e| invalid("followUp", format!("is not an offboarding follow-up: {e}")))?;
        sched(self.inner.add(cipp::follow_up_task(&f)))
    }

    /// Every task, with `id`, `state`, `next_run`, `last_result`.
    #[napi]
    pub fn list(&self) -> Result<Value> {
        Ok(json(&sched(self.inner.list())?))
    }

    /// One task by id.
    #[napi]
    pub fn get(&self, id: String) -> Result<Value> {
        Ok(json(&sched(self.inner.get(&id))?))
    }

    /// Remove a task (its run history goes with it).
    #[napi]
    pub fn remove(&self, id: String) -> Result<()> {
        sched(self.inner.remove(&id))
    }

    /// The task's last `limit` (default 20) runs, newest first.
    #[napi]
    pub fn history(&self, id: String, limit: Option<u32>) -> Result<Value> {
        Ok(json(&sched(
            self.inner.history(&id, limit.unwrap_or(20) as usize),
        )?))
    }

    /// Claim and run every task due at `now` (unix seconds; default: now).
    #[napi]
    pub async fn run_due(&self, now: Option<i64>) -> Result<Value> {
        let now = now.unwrap_or_else(|| self.inner.now());
        Ok(json(&sched(self.inner.run_due(now).await)?))
    }

    /// Run one task at once, whatever its schedule.
    #[napi]
    pub async fn run_now(&self, id: String) -> Result<Value> {
        Ok(json(&sched(self.inner.run_now(&id).await)?))
    }

    /// This runner's id.
    #[napi(getter)]
    pub fn runner_id(&self) -> String {
        self.inner.runner_id().to_string()
    }
}
