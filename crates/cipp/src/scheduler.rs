//! Scheduled tasks (the `cipp-scheduler` crate, re-exported), and a scheduler builder over
//! this client's pipeline, collector and managed-tenant directory, so "all tenants", groups and
//! exclusions resolve as the directory has them at each run.

pub use cipp_scheduler::*;

use crate::client::Cipp;

impl Cipp {
    /// A scheduler builder sending through this client, resolving tenants through its
    /// managed-tenant directory. Add a store (tasks live there), a clock for tests, custom
    /// commands and notifiers, then `build()`.
    ///
    /// ```no_run
    /// # async fn run(cipp: cipp::Cipp) -> Result<(), cipp::scheduler::SchedulerError> {
    /// use std::sync::Arc;
    /// use cipp::scheduler::{Command, Recurrence, Task, TenantSelector};
    /// let scheduler = cipp
    ///     .scheduler()
    ///     .store(Arc::new(cipp::snapshot::Store::open("cipp.db")?))
    ///     .build()?;
    /// scheduler.add(
    ///     Task::new("Nightly users", Command::Collect { types: vec!["Users".into()] }, TenantSelector::all())
    ///         .recurrence(Recurrence::parse("0 2 * * *")?),
    /// )?;
    /// scheduler.serve(async { let _ = tokio::signal::ctrl_c().await; }).await;
    /// # Ok(()) }
    /// ```
    ///
    /// The user actions are registered as custom commands (`block-sign-in`,
    /// `revoke-sessions`, `reset-password`, `bec-remediate`, `offboard`; see docs/scheduler.md).
    pub fn scheduler(&self) -> SchedulerBuilder {
        let builder = Scheduler::builder()
            .pipeline(self.pipeline().clone())
            .collector(self.collector())
            .tenants(self.directory().clone());
        self.with_user_action_commands(builder)
    }
}
