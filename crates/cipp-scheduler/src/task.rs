//! The task model: what a user asks for ([`Task`]), what the store knows of it
//! ([`TaskInfo`]), CIPP's states, post-run destinations, and the record of each run.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::command::Command;
use crate::error::SchedulerError;
use crate::recurrence::Recurrence;
use crate::tenants::TenantSelector;

/// A scheduled task to add.
///
/// ```
/// use cipp_scheduler::{Command, Recurrence, Task, TenantSelector};
/// let task: Task = serde_json::from_value(serde_json::json!({
///     "name": "Nightly collection",
///     "command": {"type": "collect", "types": ["Users", "Organization"]},
///     "tenants": {"all": true, "exclude": ["charlie.onmicrosoft.com"]},
///     "recurrence": "1d"
/// }))?;
/// assert_eq!(task.recurrence, Recurrence::parse("1d").unwrap());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Task {
    /// Display name.
    pub name: String,
    /// What to run, with its parameters.
    pub command: Command,
    /// Which tenants.
    pub tenants: TenantSelector,
    /// First run (Unix seconds); absent: now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_run: Option<i64>,
    /// How often (`''`/`0` once, `<n>m|h|d`, a number of days, or cron).
    #[serde(default)]
    pub recurrence: Recurrence,
    /// Where results go after each run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub destinations: Vec<Destination>,
    /// Left out of default lists (alerts and system tasks, as CIPP hides them).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
}

impl Task {
    /// A one-off task running `command` for `tenants` now.
    pub fn new(name: impl Into<String>, command: Command, tenants: TenantSelector) -> Self {
        Task {
            name: name.into(),
            command,
            tenants,
            first_run: None,
            recurrence: Recurrence::Once,
            destinations: Vec::new(),
            hidden: false,
        }
    }

    /// First run at `secs` (Unix seconds).
    pub fn first_run(mut self, secs: i64) -> Self {
        self.first_run = Some(secs);
        self
    }

    /// Recur.
    pub fn recurrence(mut self, recurrence: Recurrence) -> Self {
        self.recurrence = recurrence;
        self
    }

    /// Send results to `destination` after each run.
    pub fn destination(mut self, destination: Destination) -> Self {
        self.destinations.push(destination);
        self
    }

    /// Hide it from default lists.
    pub fn hidden(mut self, hidden: bool) -> Self {
        self.hidden = hidden;
        self
    }

    /// Read a task from JSON; the error names the JSON path (`command.type`, `recurrence`).
    pub fn from_json(text: &str) -> Result<Task, SchedulerError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            SchedulerError::invalid(
                if path == "." {
                    "json".to_string()
                } else {
                    path
                },
                e.into_inner().to_string(),
            )
        })
    }

    /// Check the fields and the command's parameters.
    pub fn check(&self) -> Result<(), SchedulerError> {
        if self.name.trim().is_empty() {
            return Err(SchedulerError::invalid("name", "empty"));
        }
        self.tenants.check()?;
        self.command.check()?;
        for d in &self.destinations {
            d.check()?;
        }
        Ok(())
    }
}

/// Where a run's results go: a webhook (JSON, or Teams/Slack/Discord shapes guessed from the
/// URL as `cipp-alerts` does), or a notifier registered with the scheduler by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Destination {
    /// POST the results.
    Webhook {
        /// A name for reports.
        name: String,
        /// The URL (for Teams, Slack and Discord the URL is the credential).
        url: String,
        /// The payload shape; default: guessed from the URL.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        format: Option<cipp_alerts::WebhookFormat>,
    },
    /// A notifier given to [`SchedulerBuilder::notifier`](crate::SchedulerBuilder::notifier).
    Notifier {
        /// Its name.
        name: String,
    },
}

impl Destination {
    /// The destination's name.
    pub fn name(&self) -> &str {
        match self {
            Destination::Webhook { name, .. } | Destination::Notifier { name } => name,
        }
    }

    fn check(&self) -> Result<(), SchedulerError> {
        if let Destination::Webhook { name, url, .. } = self {
            cipp_alerts::WebhookNotifier::new(name.clone(), url)
                .map_err(|e| SchedulerError::invalid("destinations", e.to_string()))?;
        }
        Ok(())
    }
}

/// CIPP's task states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum TaskState {
    /// Waiting for its next run.
    Planned,
    /// Claimed by a runner, not started yet.
    Pending,
    /// Running.
    Running,
    /// A long action finishing on its own (CIPP's offboarding); treated as running.
    Processing,
    /// A one-off that ran.
    Completed,
    /// A one-off whose every tenant failed.
    Failed,
    /// A recurring task whose last run failed in every tenant; it runs again.
    #[serde(rename = "Failed - Planned")]
    FailedPlanned,
}

impl TaskState {
    /// CIPP's text.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Planned => "Planned",
            TaskState::Pending => "Pending",
            TaskState::Running => "Running",
            TaskState::Processing => "Processing",
            TaskState::Completed => "Completed",
            TaskState::Failed => "Failed",
            TaskState::FailedPlanned => "Failed - Planned",
        }
    }

    /// From CIPP's text.
    pub fn parse(text: &str) -> Option<TaskState> {
        [
            TaskState::Planned,
            TaskState::Pending,
            TaskState::Running,
            TaskState::Processing,
            TaskState::Completed,
            TaskState::Failed,
            TaskState::FailedPlanned,
        ]
        .into_iter()
        .find(|s| s.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

impl std::fmt::Display for TaskState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TaskInfo {
    /// Its id.
    pub id: String,
    /// The task as added.
    #[serde(flatten)]
    pub task: Task,
    /// Its state.
    pub state: TaskState,
    /// The next run (Unix seconds).
    pub next_run: i64,
    /// The last run's aggregate result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_result: Option<Value>,
    /// When it was last claimed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executed_at: Option<i64>,
    /// Created (Unix seconds).
    pub created_at: i64,
    /// Last changed (Unix seconds).
    pub updated_at: i64,
}

/// One tenant's part of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TenantResult {
    /// The tenant.
    pub tenant: String,
    /// Whether it succeeded.
    pub ok: bool,
    /// What the command returned (or a summary of it).
    #[serde(default)]
    pub result: Value,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl TenantResult {
    pub(crate) fn ok(tenant: &str, result: Value) -> Self {
        TenantResult {
            tenant: tenant.to_string(),
            ok: true,
            result,
            error: None,
        }
    }

    /// A tenant's result with what the engine reported, failed when it reported an error.
    pub(crate) fn outcome(tenant: &str, result: Value, error: Option<String>) -> Self {
        TenantResult {
            tenant: tenant.to_string(),
            ok: error.is_none(),
            result,
            error,
        }
    }

    pub(crate) fn failed(tenant: &str, error: impl Into<String>) -> Self {
        TenantResult {
            tenant: tenant.to_string(),
            ok: false,
            result: Value::Null,
            error: Some(error.into()),
        }
    }
}

/// Whether a destination took a run's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NotificationResult {
    /// The destination.
    pub destination: String,
    /// Accepted.
    pub ok: bool,
    /// Why not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What a run produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RunResults {
    /// CIPP's aggregate line (`Multi-tenant task completed: 2 successful, 0 failed (Total:
    /// 2 tenants)`), or the reason the task could not run.
    pub summary: String,
    /// Per tenant.
    #[serde(default)]
    pub tenants: Vec<TenantResult>,
    /// Post-run deliveries.
    #[serde(default)]
    pub notifications: Vec<NotificationResult>,
    /// Why the task could not run at all (not allowed, tenants unresolved...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl RunResults {
    /// Tenants that succeeded and failed.
    pub fn counts(&self) -> (usize, usize) {
        let ok = self.tenants.iter().filter(|t| t.ok).count();
        (ok, self.tenants.len() - ok)
    }

    /// Whether the run failed as a whole (an error, or every tenant failed).
    pub fn failed(&self) -> bool {
        self.error.is_some() || self.tenants.iter().all(|t| !t.ok)
    }
}

/// One run in a task's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RunRecord {
    /// Store id.
    pub id: i64,
    /// The task.
    pub task_id: String,
    /// The scheduled time the run was for (Unix seconds).
    pub slot: i64,
    /// The runner that ran (or holds) it.
    pub runner: String,
    /// Claims of the slot (more than one: a crashed runner's slot was taken over).
    pub attempts: u32,
    /// When it started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<i64>,
    /// When it finished (absent while running).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<i64>,
    /// `pending`, `running`, `completed` or `failed`.
    pub state: String,
    /// Its results, once finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results: Option<RunResults>,
}
