//! The [`Scheduler`]: tasks in the store, due runs claimed slot by slot under a lease, fanned
//! out per tenant with bounded concurrency, results recorded CIPP-style, next state and time
//! computed, results and failures notified.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::{stream, StreamExt};
use serde_json::{json, Value};
use tokio::sync::Semaphore;

use cipp_alerts::{Digest, Finding, Notifier, WebhookNotifier};
use cipp_core::{Method, Pipeline};
use cipp_snapshot::{Store, StoredTask, TaskClaim, TaskLease, TaskRun, TaskRunEnd};

use crate::clock::{Clock, SystemClock};
use crate::command::{Command, CommandCall, CommandHandler, CommandPolicy};
use crate::error::SchedulerError;
use crate::recurrence::Recurrence;
use crate::task::{
    NotificationResult, RunRecord, RunResults, Task, TaskInfo, TaskState, TenantResult,
};
use crate::tenants::{TenantList, TenantSource};

/// Runs scheduled tasks.
///
/// ```no_run
/// # async fn run(pipeline: cipp_core::Pipeline) -> Result<(), cipp_scheduler::SchedulerError> {
/// use std::sync::Arc;
/// use cipp_scheduler::{Command, Recurrence, Scheduler, Task, TenantList, TenantSelector};
/// let scheduler = Scheduler::builder()
///     .pipeline(pipeline)
///     .store(Arc::new(cipp_snapshot::Store::open("cipp.db")?))
///     .tenants(TenantList::new(["alphadental.com", "bravologistics.com"]))
///     .build()?;
/// let id = scheduler.add(
///     Task::new("Collect users", Command::Collect { types: vec!["Users".into()] }, TenantSelector::all())
///         .recurrence(Recurrence::parse("1d")?),
/// )?;
/// for outcome in scheduler.run_due(scheduler.now()).await? {
///     println!("{} -> {}", outcome.name, outcome.state);
/// }
/// # let _ = id; Ok(()) }
/// ```
#[derive(Clone)]
pub struct Scheduler {
    inner: Arc<Inner>,
}

struct Inner {
    pipeline: Option<Pipeline>,
    collector: Option<cipp_snapshot::Collector>,
    store: Arc<Store>,
    tenants: Arc<dyn TenantSource>,
    clock: Arc<dyn Clock>,
    concurrency: usize,
    runner_id: String,
    lease: TaskLease,
    policy: CommandPolicy,
    handlers: BTreeMap<String, Arc<dyn CommandHandler>>,
    notifiers: Vec<Arc<dyn Notifier>>,
    failure_notifiers: Vec<Arc<dyn Notifier>>,
    tick: Duration,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let i = &self.inner;
        f.debug_struct("Scheduler")
            .field("runner_id", &i.runner_id)
            .field("store", &i.store)
            .field("tenants", &i.tenants)
            .field("concurrency", &i.concurrency)
            .field("lease", &i.lease)
            .field("policy", &i.policy)
            .field("commands", &i.handlers.keys().collect::<Vec<_>>())
            .field("notifiers", &i.notifiers)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Scheduler`].
pub struct SchedulerBuilder {
    pipeline: Option<Pipeline>,
    collector: Option<cipp_snapshot::Collector>,
    store: Option<Arc<Store>>,
    tenants: Option<Arc<dyn TenantSource>>,
    clock: Arc<dyn Clock>,
    concurrency: usize,
    runner_id: Option<String>,
    lease: TaskLease,
    policy: CommandPolicy,
    handlers: BTreeMap<String, Arc<dyn CommandHandler>>,
    notifiers: Vec<Arc<dyn Notifier>>,
    failure_notifiers: Vec<Arc<dyn Notifier>>,
    tick: Duration,
}

impl std::fmt::Debug for SchedulerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchedulerBuilder")
            .field("concurrency", &self.concurrency)
            .field("runner_id", &self.runner_id)
            .field("commands", &self.handlers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Default for SchedulerBuilder {
    fn default() -> Self {
        SchedulerBuilder {
            pipeline: None,
            collector: None,
            store: None,
            tenants: None,
            clock: Arc::new(SystemClock),
            concurrency: 8,
            runner_id: None,
            lease: TaskLease::default(),
            policy: CommandPolicy::default(),
            handlers: BTreeMap::new(),
            notifiers: Vec::new(),
            failure_notifiers: Vec::new(),
            tick: Duration::from_secs(60),
        }
    }
}

impl Scheduler {
    /// Start building a scheduler.
    pub fn builder() -> SchedulerBuilder {
        SchedulerBuilder::default()
    }
}

impl SchedulerBuilder {
    /// The pipeline built-in commands (standards, alerts, collect, Graph, Exchange) send
    /// through. Without one those commands fail with a recorded reason.
    pub fn pipeline(mut self, pipeline: Pipeline) -> Self {
        self.pipeline = Some(pipeline);
        self
    }

    /// The collector collections, standards and alerts read tenants with (default: one over
    /// the pipeline). Pass the facade's to share its Exchange host cache.
    pub fn collector(mut self, collector: cipp_snapshot::Collector) -> Self {
        self.collector = Some(collector);
        self
    }

    /// Where tasks and runs are kept (default: an in-memory store). Share one database
    /// file between runners and each slot still runs once.
    pub fn store(mut self, store: Arc<Store>) -> Self {
        self.store = Some(store);
        self
    }

    /// Where "all tenants" and groups come from (a [`TenantList`], or the partner's
    /// `cipp_gdap::TenantDirectory`). Default: no tenants.
    pub fn tenants(mut self, source: impl TenantSource + 'static) -> Self {
        self.tenants = Some(Arc::new(source));
        self
    }

    /// The same, shared.
    pub fn tenant_source(mut self, source: Arc<dyn TenantSource>) -> Self {
        self.tenants = Some(source);
        self
    }

    /// The clock (default: the system clock).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Tenant executions in flight at once, across every task of a tick (default 8).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// This runner's name in leases and history (default: a random id).
    pub fn runner_id(mut self, id: impl Into<String>) -> Self {
        self.runner_id = Some(id.into());
        self
    }

    /// How long claims last before another runner may take a slot over (default: CIPP's
    /// one hour pending, four hours running).
    pub fn lease(mut self, pending: Duration, running: Duration) -> Self {
        self.lease = TaskLease::new(pending.as_secs() as i64, running.as_secs() as i64);
        self
    }

    /// Which commands may be added and run.
    pub fn policy(mut self, policy: CommandPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Register a custom command: tasks with `{"type": "custom", "name": name}` run
    /// `handler` once per tenant.
    pub fn command(mut self, name: impl Into<String>, handler: Arc<dyn CommandHandler>) -> Self {
        self.handlers.insert(name.into().to_lowercase(), handler);
        self
    }

    /// A notifier tasks can name as a destination (`{"type": "notifier", "name": ...}`).
    pub fn notifier(mut self, notifier: Arc<dyn Notifier>) -> Self {
        self.notifiers.push(notifier);
        self
    }

    /// A notifier told about every run that failed (in any tenant), whatever the task's
    /// own destinations.
    pub fn failure_notifier(mut self, notifier: Arc<dyn Notifier>) -> Self {
        self.failure_notifiers.push(notifier);
        self
    }

    /// How often [`Scheduler::serve`] looks for due tasks (default 60 s; CIPP: 15 min).
    pub fn tick(mut self, every: Duration) -> Self {
        self.tick = every;
        self
    }

    /// The scheduler; fails only when the default in-memory store cannot be opened.
    pub fn build(self) -> Result<Scheduler, SchedulerError> {
        let store = match self.store {
            Some(s) => s,
            None => Arc::new(Store::in_memory()?),
        };
        Ok(Scheduler {
            inner: Arc::new(Inner {
                pipeline: self.pipeline,
                collector: self.collector,
                store,
                tenants: self
                    .tenants
                    .unwrap_or_else(|| Arc::new(TenantList::default())),
                clock: self.clock,
                concurrency: self.concurrency,
                runner_id: self
                    .runner_id
                    .unwrap_or_else(|| format!("runner-{}", uuid::Uuid::new_v4().simple())),
                lease: self.lease,
                policy: self.policy,
                handlers: self.handlers,
                notifiers: self.notifiers,
                failure_notifiers: self.failure_notifiers,
                tick: self.tick,
            }),
        })
    }
}

/// What one claimed run did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct RunOutcome {
    /// The task.
    pub task_id: String,
    /// Its name.
    pub name: String,
    /// The slot run.
    pub slot: i64,
    /// The task's state after the run.
    pub state: TaskState,
    /// The task's next run, if any.
    pub next_run: Option<i64>,
    /// What it produced.
    pub results: RunResults,
    /// The lease ran out during the run and another runner took the slot: nothing of this
    /// run was recorded.
    pub lease_lost: bool,
}

impl Scheduler {
    /// The scheduler's clock's time.
    pub fn now(&self) -> i64 {
        self.inner.clock.now()
    }

    /// This runner's id.
    pub fn runner_id(&self) -> &str {
        &self.inner.runner_id
    }

    /// The store.
    pub fn store(&self) -> &Arc<Store> {
        &self.inner.store
    }

    /// Add a task (checked: fields, command parameters, allow/deny lists, destinations);
    /// returns its id. It first runs at its `first_run`, or at the next tick if none.
    pub fn add(&self, task: Task) -> Result<String, SchedulerError> {
        task.check()?;
        self.inner.policy.check(&task.command)?;
        if let Command::Custom { name, .. } = &task.command {
            if !self.inner.handlers.contains_key(&name.to_lowercase()) {
                return Err(SchedulerError::UnknownCommand(name.clone()));
            }
        }
        for d in &task.destinations {
            if let crate::task::Destination::Notifier { name } = d {
                if self.notifier_named(name).is_none() {
                    return Err(SchedulerError::invalid(
                        "destinations",
                        format!("no notifier named '{name}' is registered"),
                    ));
                }
            }
        }
        let now = self.now();
        let id = uuid::Uuid::new_v4().to_string();
        let mut row = StoredTask::new(
            id.clone(),
            task.name.clone(),
            task.command.qualified_name(),
            to_value(&task.command)?,
            to_value(&task.tenants)?,
            task.first_run.unwrap_or(now),
            task.recurrence.to_string(),
            to_value(&task.destinations)?,
            now,
        );
        row.hidden = task.hidden;
        self.inner.store.put_task(&row)?;
        Ok(id)
    }

    /// Every task (hidden ones too), by next run.
    pub fn list(&self) -> Result<Vec<TaskInfo>, SchedulerError> {
        self.inner
            .store
            .tasks()?
            .into_iter()
            .map(|t| decode(&t))
            .collect()
    }

    /// One task.
    pub fn get(&self, id: &str) -> Result<TaskInfo, SchedulerError> {
        match self.inner.store.task(id)? {
            Some(t) => decode(&t),
            None => Err(SchedulerError::NotFound(id.to_string())),
        }
    }

    /// Delete a task and its history.
    pub fn remove(&self, id: &str) -> Result<(), SchedulerError> {
        if self.inner.store.remove_task(id)? {
            Ok(())
        } else {
            Err(SchedulerError::NotFound(id.to_string()))
        }
    }

    /// A task's runs, newest first (at most `limit`).
    pub fn history(&self, id: &str, limit: usize) -> Result<Vec<RunRecord>, SchedulerError> {
        if self.inner.store.task(id)?.is_none() {
            return Err(SchedulerError::NotFound(id.to_string()));
        }
        Ok(self
            .inner
            .store
            .task_runs(id, limit)?
            .into_iter()
            .map(record)
            .collect())
    }

    /// Claim and run every task due at `now` (each slot once across every runner sharing
    /// the store), tasks side by side and tenants bounded by the concurrency. Returns what
    /// this runner ran; tasks another runner holds are skipped.
    pub async fn run_due(&self, now: i64) -> Result<Vec<RunOutcome>, SchedulerError> {
        let due = self.inner.store.due_tasks(now)?;
        let semaphore = Arc::new(Semaphore::new(self.inner.concurrency));
        let runs: Vec<_> = due
            .into_iter()
            .map(|t| {
                let semaphore = semaphore.clone();
                async move { self.claim_and_run(&t.id, now, semaphore).await }
            })
            .collect();
        let mut out = Vec::new();
        for r in futures::future::join_all(runs).await {
            if let Some(o) = r? {
                out.push(o);
            }
        }
        Ok(out)
    }

    /// Run a task now (CIPP's "run now"): it becomes due at once, is claimed and runs; a
    /// recurring task then continues from now. Fails with `Busy` while another runner holds
    /// it.
    pub async fn run_now(&self, id: &str) -> Result<RunOutcome, SchedulerError> {
        let now = self.now();
        match self.inner.store.plan_task_now(id, now)? {
            TaskClaim::Missing => return Err(SchedulerError::NotFound(id.to_string())),
            TaskClaim::Busy {
                runner,
                lease_until,
            } => {
                return Err(SchedulerError::Busy {
                    task: id.to_string(),
                    runner,
                    lease_until,
                })
            }
            _ => {}
        }
        let slot = self.get(id)?.next_run;
        let semaphore = Arc::new(Semaphore::new(self.inner.concurrency));
        self.claim_and_run(id, now.max(slot), semaphore)
            .await?
            .ok_or_else(|| SchedulerError::Busy {
                task: id.to_string(),
                runner: "another runner".into(),
                lease_until: slot,
            })
    }

    /// Run due tasks every tick until `shutdown` completes (a signal, a channel, a
    /// timeout). A tick in progress finishes before the loop stops, so a shutdown never
    /// leaves a run half done; a tick's errors are logged and the loop goes on.
    ///
    /// ```no_run
    /// # async fn run(scheduler: cipp_scheduler::Scheduler) {
    /// scheduler.serve(async { let _ = tokio::signal::ctrl_c().await; }).await;
    /// # }
    /// ```
    pub async fn serve(&self, shutdown: impl Future<Output = ()>) {
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            match self.run_due(self.now()).await {
                Ok(runs) => {
                    for r in runs {
                        tracing::info!(task = %r.task_id, name = %r.name, state = %r.state, "scheduled task ran");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "scheduler tick failed"),
            }
            tokio::select! {
                _ = &mut shutdown => break,
                _ = tokio::time::sleep(self.inner.tick) => {}
            }
        }
    }

    fn notifier_named(&self, name: &str) -> Option<Arc<dyn Notifier>> {
        self.inner
            .notifiers
            .iter()
            .find(|n| n.name().eq_ignore_ascii_case(name))
            .cloned()
    }

    async fn claim_and_run(
        &self,
        id: &str,
        now: i64,
        semaphore: Arc<Semaphore>,
    ) -> Result<Option<RunOutcome>, SchedulerError> {
        let i = &self.inner;
        let run = match i.store.claim_task(id, &i.runner_id, now, i.lease)? {
            TaskClaim::Claimed(run) => run,
            _ => return Ok(None),
        };
        let Some(stored) = i.store.task(id)? else {
            return Ok(None);
        };
        if !i
            .store
            .start_task_run(run.id, &i.runner_id, self.now(), i.lease)?
        {
            return Ok(None);
        }
        let decoded = decode(&stored);
        let (name, recurrence) = match &decoded {
            Ok(t) => (t.task.name.clone(), t.task.recurrence.clone()),
            Err(_) => (
                stored.name.clone(),
                Recurrence::parse(&stored.recurrence).unwrap_or(Recurrence::Once),
            ),
        };
        let mut results = match decoded {
            Ok(info) => {
                let work = std::pin::pin!(self.execute(&info, &run, semaphore));
                let heartbeat = std::pin::pin!(self.heartbeat(run.id));
                match futures::future::select(work, heartbeat).await {
                    futures::future::Either::Left((results, _)) => results,
                    // The lease was lost: finish the work; its result will be refused.
                    futures::future::Either::Right(((), work)) => work.await,
                }
            }
            Err(e) => RunResults {
                summary: format!("Failed: {e}"),
                tenants: Vec::new(),
                notifications: Vec::new(),
                error: Some(e.to_string()),
            },
        };
        let failed = results.failed();
        let finished = self.now();
        let next = recurrence.next(run.slot, finished);
        let state = match (next, failed) {
            (None, false) => TaskState::Completed,
            (None, true) => TaskState::Failed,
            (Some(_), false) => TaskState::Planned,
            (Some(_), true) => TaskState::FailedPlanned,
        };
        results.notifications = self.notify(&stored, &name, state, &results, finished).await;
        let end = TaskRunEnd::new(
            if failed { "failed" } else { "completed" },
            to_value(&results)?,
            state.as_str(),
            next.unwrap_or(run.slot),
            Value::String(results.summary.clone()),
        );
        let kept = i
            .store
            .finish_task_run(run.id, &i.runner_id, finished, &end)?;
        if !kept {
            tracing::warn!(task = %id, slot = run.slot, "lease lost during the run; another runner took the slot over");
        }
        Ok(Some(RunOutcome {
            task_id: id.to_string(),
            name,
            slot: run.slot,
            state,
            next_run: next,
            results,
            lease_lost: !kept,
        }))
    }

    /// Keep extending the run's lease while it runs (every third of the running lease), so
    /// a long run is not taken over; returns only when the lease was lost.
    async fn heartbeat(&self, run_id: i64) {
        let i = &self.inner;
        let every = Duration::from_secs((i.lease.running_secs / 3).max(1) as u64);
        loop {
            tokio::time::sleep(every).await;
            let until = self.now() + i.lease.running_secs;
            match i.store.renew_task_run(run_id, &i.runner_id, until) {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(
                        run = run_id,
                        "lease lost: another runner took the slot over"
                    );
                    return;
                }
                // A store hiccup: try again at the next beat.
                Err(e) => tracing::warn!(run = run_id, error = %e, "could not renew the lease"),
            }
        }
    }

    async fn execute(
        &self,
        info: &TaskInfo,
        run: &TaskRun,
        semaphore: Arc<Semaphore>,
    ) -> RunResults {
        let task = &info.task;
        let fail = |e: String| RunResults {
            summary: format!("Failed: {e}"),
            tenants: Vec::new(),
            notifications: Vec::new(),
            error: Some(e),
        };
        // Checked again at run time: the lists may have changed since the task was added,
        // or another runner with looser lists added it.
        if let Err(e) = self.inner.policy.check(&task.command) {
            return fail(e.to_string());
        }
        if let Err(e) = task.command.check() {
            return fail(e.to_string());
        }
        let tenants = match task.tenants.resolve(self.inner.tenants.as_ref()).await {
            Ok(t) if t.is_empty() => return fail("no tenant matched the task's tenants".into()),
            Ok(t) => t,
            Err(e) => return fail(e.to_string()),
        };
        let tenant_results = match &task.command {
            Command::Standards { template, mode } => {
                self.run_standards(template, *mode, &tenants).await
            }
            Command::Alerts { config } => self.run_alerts(config, &tenants).await,
            _ => {
                let calls: Vec<_> = tenants
                    .iter()
                    .map(|t| {
                        let semaphore = semaphore.clone();
                        async move {
                            // The semaphore is never closed, so acquiring only waits.
                            let _permit = semaphore.acquire().await.ok();
                            match self.run_one(info, run, t).await {
                                Ok(v) => TenantResult::ok(t, v),
                                Err(e) => TenantResult::failed(t, e),
                            }
                        }
                    })
                    .collect();
                stream::iter(calls)
                    .buffered(self.inner.concurrency)
                    .collect()
                    .await
            }
        };
        let (ok, failed) = (
            tenant_results.iter().filter(|t| t.ok).count(),
            tenant_results.iter().filter(|t| !t.ok).count(),
        );
        let summary = if tenant_results.len() == 1 {
            let t = &tenant_results[0];
            match &t.error {
                Some(e) => format!("Failed in {}: {e}", t.tenant),
                None => format!("Completed in {}", t.tenant),
            }
        } else {
            format!(
                "Multi-tenant task completed: {ok} successful, {failed} failed (Total: {} tenants)",
                tenant_results.len()
            )
        };
        RunResults {
            summary,
            tenants: tenant_results,
            notifications: Vec::new(),
            error: None,
        }
    }

    fn pipeline(&self) -> Result<&Pipeline, String> {
        self.inner
            .pipeline
            .as_ref()
            .ok_or_else(|| "the scheduler has no pipeline for built-in commands".to_string())
    }

    fn collector(&self) -> Result<cipp_snapshot::Collector, String> {
        match &self.inner.collector {
            Some(c) => Ok(c.clone()),
            None => Ok(cipp_snapshot::Collector::new(self.pipeline()?.clone())),
        }
    }

    async fn run_one(&self, info: &TaskInfo, run: &TaskRun, tenant: &str) -> Result<Value, String> {
        match &info.task.command {
            Command::Collect { types } => {
                let collector = self.collector()?;
                let names: Vec<&str> = types.iter().map(String::as_str).collect();
                let snap = collector
                    .collect(tenant, &names)
                    .await
                    .map_err(|e| e.to_string())?;
                let id = self.inner.store.save(&snap).map_err(|e| e.to_string())?;
                let failed: Vec<&String> = snap
                    .types
                    .iter()
                    .filter(|(_, t)| t.status == cipp_snapshot::Status::Failed)
                    .map(|(k, _)| k)
                    .collect();
                if !failed.is_empty() && failed.len() == snap.types.len() {
                    return Err(format!("every cache type failed: {failed:?}"));
                }
                Ok(json!({"snapshot_id": id, "types": snap.types.len(), "failed": failed}))
            }
            Command::Graph {
                method,
                path,
                body,
                beta,
                ..
            } => {
                let m: Method = method
                    .to_ascii_uppercase()
                    .parse()
                    .map_err(|_| format!("bad method '{method}'"))?;
                let mut graph = cipp_graph::GraphClient::new(self.pipeline()?.clone(), tenant);
                if *beta {
                    graph = graph.beta();
                }
                let mut req = graph.request(m, path.clone());
                if let Some(b) = body {
                    req = req.body(b.clone());
                }
                req.send().await.map_err(|e| e.to_string())
            }
            Command::Exchange {
                cmdlet, parameters, ..
            } => {
                let exo = cipp_exchange::ExchangeClient::new(self.pipeline()?.clone(), tenant);
                let params = if parameters.is_null() {
                    json!({})
                } else {
                    parameters.clone()
                };
                exo.invoke(cmdlet, params)
                    .await
                    .map(Value::Array)
                    .map_err(|e| e.to_string())
            }
            Command::Custom { name, parameters } => {
                let handler = self
                    .inner
                    .handlers
                    .get(&name.to_lowercase())
                    .ok_or_else(|| format!("no handler is registered for command '{name}'"))?;
                handler
                    .run(CommandCall {
                        task_id: info.id.clone(),
                        task_name: info.task.name.clone(),
                        tenant: tenant.to_string(),
                        slot: run.slot,
                        parameters: parameters.clone(),
                    })
                    .await
            }
            // Run over every tenant at once, in `execute`.
            Command::Standards { .. } | Command::Alerts { .. } => {
                Err("internal: batch command run per tenant".into())
            }
        }
    }

    async fn run_standards(
        &self,
        template: &Value,
        mode: cipp_standards::Mode,
        tenants: &[String],
    ) -> Vec<TenantResult> {
        let all_failed = |e: String| {
            tenants
                .iter()
                .map(|t| TenantResult::failed(t, e.clone()))
                .collect::<Vec<_>>()
        };
        let pipeline = match self.pipeline() {
            Ok(p) => p.clone(),
            Err(e) => return all_failed(e),
        };
        let template =
            match cipp_standards::StandardsTemplate::from_value(template, "task template") {
                Ok(t) => t,
                Err(e) => return all_failed(e.to_string()),
            };
        let collector = match self.collector() {
            Ok(c) => c,
            Err(e) => return all_failed(e),
        };
        let runner = cipp_standards::StandardsRunner::builder(pipeline)
            .collector(collector)
            .store(self.inner.store.clone())
            .concurrency(self.inner.concurrency)
            .build();
        let targets = match self.inner.tenants.targets(tenants).await {
            Ok(targets) => targets,
            Err(e) => return all_failed(e.to_string()),
        };
        let report = runner.run(&[template], &targets, mode).await;
        tenants
            .iter()
            .map(|t| {
                match report
                    .tenants
                    .iter()
                    .find(|r| r.tenant.eq_ignore_ascii_case(t))
                {
                    None => TenantResult::ok(
                        t,
                        json!({"message": "the template does not target this tenant"}),
                    ),
                    Some(r) => {
                        let results: Vec<Value> = r
                            .results
                            .iter()
                            .map(|s| json!({"standard": s.instance(), "state": s.state}))
                            .collect();
                        let body = json!({
                            "run_id": report.run_id,
                            "mode": mode,
                            "summary": r.summary,
                            "results": results,
                        });
                        TenantResult::outcome(t, body, r.error.clone())
                    }
                }
            })
            .collect()
    }

    async fn run_alerts(&self, config: &Value, tenants: &[String]) -> Vec<TenantResult> {
        let all_failed = |e: String| {
            tenants
                .iter()
                .map(|t| TenantResult::failed(t, e.clone()))
                .collect::<Vec<_>>()
        };
        let pipeline = match self.pipeline() {
            Ok(p) => p.clone(),
            Err(e) => return all_failed(e),
        };
        let config = match cipp_alerts::AlertConfig::from_json(&config.to_string(), "task config") {
            Ok(c) => c,
            Err(e) => return all_failed(e.to_string()),
        };
        // The scheduler's clock judges the tenants, so a fake clock replays a fixed moment.
        let collector = match self.collector() {
            Ok(c) => c,
            Err(e) => return all_failed(e),
        };
        let runner = match cipp_alerts::AlertRunner::builder(pipeline)
            .collector(collector)
            .config(config)
            .store(self.inner.store.clone())
            .concurrency(self.inner.concurrency)
            .as_of(self.now())
            .build()
        {
            Ok(r) => r,
            Err(e) => return all_failed(e.to_string()),
        };
        let report = runner.run(tenants).await;
        let deliveries = serde_json::to_value(&report.deliveries).unwrap_or(Value::Null);
        tenants
            .iter()
            .map(|t| {
                match report
                    .tenants
                    .iter()
                    .find(|r| r.tenant.eq_ignore_ascii_case(t))
                {
                    None => TenantResult::failed(t, "the alert run did not report this tenant"),
                    Some(r) => {
                        let rules: Vec<Value> = r
                            .rules
                            .iter()
                            .filter(|x| !x.findings.is_empty())
                            .map(|x| json!({"rule": x.rule, "findings": x.findings.len()}))
                            .collect();
                        let body = json!({"rules": rules, "deliveries": deliveries});
                        TenantResult::outcome(t, body, r.error.clone())
                    }
                }
            })
            .collect()
    }

    /// One digest per destination: the task's destinations get every run (an alerts task's
    /// only when it found something or failed); the failure notifiers get runs with a
    /// failure. Each delivery's outcome is recorded.
    async fn notify(
        &self,
        stored: &StoredTask,
        name: &str,
        state: TaskState,
        results: &RunResults,
        now: i64,
    ) -> Vec<NotificationResult> {
        let any_failed = results.error.is_some() || results.tenants.iter().any(|t| !t.ok);
        // As CIPP does, an alerts task posts its results only when a rule found something:
        // a quiet run (no finding, no failure) sends nothing. The alert configuration's own
        // destinations received any findings already, through the alert pipeline.
        let quiet_alerts = stored.command == "alerts"
            && !any_failed
            && results
                .tenants
                .iter()
                .all(|t| t.result["rules"].as_array().is_none_or(|r| r.is_empty()));
        if quiet_alerts {
            return Vec::new();
        }
        let destinations: Vec<crate::task::Destination> =
            serde_json::from_value(stored.destinations.clone()).unwrap_or_default();
        let mut targets: Vec<Result<Arc<dyn Notifier>, NotificationResult>> = destinations
            .iter()
            .map(|d| match d {
                crate::task::Destination::Webhook { name, url, format } => {
                    WebhookNotifier::new(name.clone(), url)
                        .map(|w| {
                            let w = match format {
                                Some(f) => w.format(*f),
                                None => w,
                            };
                            Arc::new(w) as Arc<dyn Notifier>
                        })
                        .map_err(|e| NotificationResult {
                            destination: name.clone(),
                            ok: false,
                            error: Some(e.to_string()),
                        })
                }
                crate::task::Destination::Notifier { name } => {
                    self.notifier_named(name).ok_or_else(|| NotificationResult {
                        destination: name.clone(),
                        ok: false,
                        error: Some(format!("no notifier named '{name}' is registered")),
                    })
                }
            })
            .collect();
        if any_failed {
            targets.extend(self.inner.failure_notifiers.iter().cloned().map(Ok));
        }
        if targets.is_empty() {
            return Vec::new();
        }
        let digest = digest(stored, name, state, results, now);
        let sends = targets.into_iter().map(|t| {
            let digest = &digest;
            async move {
                match t {
                    Err(r) => r,
                    Ok(n) => {
                        let r = n.send(digest).await;
                        NotificationResult {
                            destination: n.name().to_string(),
                            ok: r.is_ok(),
                            error: r.err().map(|e| e.to_string()),
                        }
                    }
                }
            }
        });
        futures::future::join_all(sends).await
    }
}

/// A run's results as a digest: one row per tenant (or one for a run that could not
/// start), titled as CIPP titles scheduled-task alerts.
fn digest(
    stored: &StoredTask,
    name: &str,
    state: TaskState,
    results: &RunResults,
    now: i64,
) -> Digest {
    let mut rows: Vec<Finding> = results
        .tenants
        .iter()
        .map(|t| {
            Finding::new(
                name,
                &t.tenant,
                json!({
                    "Message": match &t.error {
                        Some(e) => format!("{name}: failed: {e}"),
                        None => format!("{name}: completed"),
                    },
                    "Task": name,
                    "TaskId": stored.id,
                    "Command": stored.command,
                    "State": state.as_str(),
                    "Results": t.result,
                }),
                &["TaskId", "Message"],
            )
        })
        .collect();
    if let Some(e) = &results.error {
        rows.push(Finding::new(
            name,
            "(no tenant)",
            json!({"Message": format!("{name}: could not run: {e}"), "Task": name, "TaskId": stored.id, "State": state.as_str()}),
            &["TaskId", "Message"],
        ));
    }
    let tenant = match results.tenants.as_slice() {
        [one] => one.tenant.clone(),
        _ => "Multiple tenants".to_string(),
    };
    let mut d = Digest::new(rows, now);
    d.title = format!("Scheduled Task - {tenant} - {name} - {}", results.summary);
    d
}

fn to_value<T: serde::Serialize>(v: &T) -> Result<Value, SchedulerError> {
    serde_json::to_value(v).map_err(|e| SchedulerError::invalid("task", e.to_string()))
}

fn decode(t: &StoredTask) -> Result<TaskInfo, SchedulerError> {
    let bad = |what: &str, e: String| SchedulerError::Stored {
        task: t.id.clone(),
        message: format!("{what}: {e}"),
    };
    let command: Command =
        serde_json::from_value(t.parameters.clone()).map_err(|e| bad("command", e.to_string()))?;
    let tenants = serde_json::from_value(t.tenant_filter.clone())
        .map_err(|e| bad("tenants", e.to_string()))?;
    let destinations = serde_json::from_value(t.destinations.clone())
        .map_err(|e| bad("destinations", e.to_string()))?;
    let recurrence =
        Recurrence::parse(&t.recurrence).map_err(|e| bad("recurrence", e.to_string()))?;
    let state = TaskState::parse(&t.state)
        .ok_or_else(|| bad("state", format!("unknown state '{}'", t.state)))?;
    Ok(TaskInfo {
        id: t.id.clone(),
        task: Task {
            name: t.name.clone(),
            command,
            tenants,
            first_run: Some(t.first_run),
            recurrence,
            destinations,
            hidden: t.hidden,
        },
        state,
        next_run: t.next_run,
        last_result: t.last_result.clone(),
        executed_at: t.executed_at,
        created_at: t.created_at,
        updated_at: t.updated_at,
    })
}

fn record(r: TaskRun) -> RunRecord {
    RunRecord {
        results: serde_json::from_value(r.results).ok(),
        id: r.id,
        task_id: r.task_id,
        slot: r.slot,
        runner: r.runner,
        attempts: r.attempts,
        started_at: r.started_at,
        finished_at: r.finished_at,
        state: r.state,
    }
}
