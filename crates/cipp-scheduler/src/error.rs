//! The one error type of this crate.

/// What can go wrong defining, storing or running scheduled tasks. (A command that fails in
/// a tenant is not an error of the scheduler: it is recorded in the run's results.)
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SchedulerError {
    /// A recurrence is not one of CIPP's forms nor a cron expression.
    #[error("recurrence '{text}': {message}")]
    Recurrence {
        /// The text given.
        text: String,
        /// What was wrong.
        message: String,
    },
    /// A cron expression has a bad field.
    #[error("cron expression '{expression}': field {field} '{text}': {message}")]
    Cron {
        /// The whole expression.
        expression: String,
        /// The field (`second`, `minute`, `hour`, `day of month`, `month`, `day of week`).
        field: &'static str,
        /// The field's text.
        text: String,
        /// What was wrong.
        message: String,
    },
    /// A task field is invalid (`field` names it: `name`, `tenants`, `first_run`...).
    #[error("task {field}: {message}")]
    Invalid {
        /// The field.
        field: String,
        /// What was wrong.
        message: String,
    },
    /// The command is not allowed by the scheduler's allow/deny lists.
    #[error("command '{command}' is not allowed: {reason}")]
    NotAllowed {
        /// The command's qualified name (`exchange:Remove-Mailbox`).
        command: String,
        /// Which list refused it.
        reason: String,
    },
    /// A custom command that no handler is registered for.
    #[error("no handler is registered for command '{0}'")]
    UnknownCommand(String),
    /// No task has this id.
    #[error("no scheduled task '{0}'")]
    NotFound(String),
    /// Another runner holds the task's current run.
    #[error("task '{task}' is being run by {runner} until {lease_until}")]
    Busy {
        /// The task.
        task: String,
        /// The runner holding it.
        runner: String,
        /// When its lease runs out (Unix seconds).
        lease_until: i64,
    },
    /// A stored task does not decode (written by a newer version, or edited by hand).
    #[error("stored task '{task}': {message}")]
    Stored {
        /// The task id.
        task: String,
        /// What was wrong, with the JSON path.
        message: String,
    },
    /// The tenants a task names could not be resolved.
    #[error("tenants: {0}")]
    Tenants(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] cipp_snapshot::SnapshotError),
}

impl SchedulerError {
    pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        SchedulerError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// For front ends that speak the core error only.
impl From<SchedulerError> for cipp_core::Error {
    fn from(e: SchedulerError) -> Self {
        let field = match &e {
            SchedulerError::Recurrence { .. } => "recurrence".to_string(),
            SchedulerError::Cron { field, .. } => format!("cron {field}"),
            SchedulerError::Invalid { field, .. } => field.clone(),
            SchedulerError::NotAllowed { .. } | SchedulerError::UnknownCommand(_) => {
                "command".to_string()
            }
            SchedulerError::NotFound(_) | SchedulerError::Busy { .. } => "task".to_string(),
            SchedulerError::Stored { .. } | SchedulerError::Store(_) => "store".to_string(),
            SchedulerError::Tenants(_) => "tenants".to_string(),
        };
        cipp_core::Error::invalid_input(field, e.to_string())
    }
}
