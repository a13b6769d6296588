//! # cipp-scheduler
//!
//! CIPP's scheduled tasks. A [`Task`] names a [`Command`] (a standards template, alert
//! rules, a collection, a Graph request, an Exchange cmdlet, or a custom action registered
//! by name), the tenants it runs for ([`TenantSelector`]: one, all, a group, minus
//! exclusions), its first run, a [`Recurrence`] (CIPP's `<n>m|h|d`, a bare number of days,
//! or cron) and post-run [`Destination`]s. A [`Scheduler`] keeps tasks in the
//! [`Store`](cipp_snapshot::Store), claims each due slot under a lease so that runners
//! sharing a store never run a slot twice (a crashed runner's slot is taken over once its
//! lease runs out), fans out per tenant, records per-tenant results and CIPP's aggregate,
//! moves the task through CIPP's states, and notifies through `cipp-alerts` notifiers.
//!
//! ```no_run
//! # async fn run(pipeline: cipp_core::Pipeline) -> Result<(), cipp_scheduler::SchedulerError> {
//! use std::sync::Arc;
//! use cipp_scheduler::{handler_fn, Command, Recurrence, Scheduler, Task, TenantList, TenantSelector};
//! let scheduler = Scheduler::builder()
//!     .pipeline(pipeline)
//!     .store(Arc::new(cipp_snapshot::Store::open("cipp.db")?))
//!     .tenants(TenantList::new(["alphadental.com", "bravologistics.com"]))
//!     .command("Hello", handler_fn(|call| async move { Ok(serde_json::json!(format!("hello {}", call.tenant))) }))
//!     .build()?;
//! let task = Task::from_json(r#"{
//!     "name": "Daily alerts",
//!     "command": {"type": "alerts", "config": {"rules": {"AppSecretExpiry": {}}}},
//!     "tenants": {"all": true},
//!     "recurrence": "1d"
//! }"#)?;
//! let id = scheduler.add(task)?;
//! scheduler.add(Task::new("Greet", Command::Custom { name: "Hello".into(), parameters: serde_json::Value::Null },
//!     TenantSelector::tenant("alphadental.com")).recurrence(Recurrence::parse("0 8 * * MON")?))?;
//! scheduler.run_due(scheduler.now()).await?;
//! for run in scheduler.history(&id, 10)? {
//!     println!("{} {}", run.slot, run.state);
//! }
//! # Ok(()) }
//! ```

mod clock;
mod command;
mod cron;
mod error;
mod recurrence;
mod scheduler;
mod task;
mod tenants;

pub use clock::{Clock, FakeClock, SystemClock};
pub use command::{handler_fn, Command, CommandCall, CommandHandler, CommandPolicy};
pub use cron::CronSchedule;
pub use error::SchedulerError;
pub use recurrence::Recurrence;
pub use scheduler::{RunOutcome, Scheduler, SchedulerBuilder};
pub use task::{
    Destination, NotificationResult, RunRecord, RunResults, Task, TaskInfo, TaskState, TenantResult,
};
pub use tenants::{managed_target, TenantList, TenantSelector, TenantSource};
