//! What a task runs: a [`Command`] (built-in actions with typed parameters, or a custom one
//! resolved through handlers the user registers), and the allow/deny lists checked when a
//! task is added and again when it runs.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::SchedulerError;

/// A registered action with its parameters. JSON: `{"type": "alerts", "config": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Command {
    /// Run a standards template (CIPP's template JSON) in report, alert or remediate mode,
    /// through `cipp_standards::StandardsRunner`.
    Standards {
        /// The template, as CIPP stores it (`GUID`, `tenantFilter`, `standards`...).
        template: Value,
        /// The ceiling: `report`, `alert` or `remediate`.
        mode: cipp_standards::Mode,
    },
    /// Run alert rules (an alert configuration: rules, parameters, destinations), through
    /// `cipp_alerts::AlertRunner`, deduplicating in the scheduler's store.
    Alerts {
        /// The configuration, as `cipp alerts run --config` reads it.
        config: Value,
    },
    /// Collect cache types into the store (`cipp_snapshot::Collector`).
    Collect {
        /// CIPP's cache type names.
        types: Vec<String>,
    },
    /// One Microsoft Graph request.
    Graph {
        /// `GET`, `POST`, `PATCH`, `PUT` or `DELETE`.
        method: String,
        /// The path after the version (`users?$top=5`).
        path: String,
        /// The body, for writes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<Value>,
        /// Use `beta` instead of `v1.0`.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        beta: bool,
        /// Required for `DELETE`: the task deletes things.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        confirm: bool,
    },
    /// One Exchange Online cmdlet.
    Exchange {
        /// The cmdlet (`Get-Mailbox`).
        cmdlet: String,
        /// Its parameters.
        #[serde(default)]
        parameters: Value,
        /// Required for `Remove-*` cmdlets: the task deletes things.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        confirm: bool,
    },
    /// An action registered with [`SchedulerBuilder::command`](crate::SchedulerBuilder::command).
    Custom {
        /// The name it was registered under.
        name: String,
        /// Its parameters, handed to the handler as they are.
        #[serde(default)]
        parameters: Value,
    },
}

impl Command {
    /// The command's kind: `standards`, `alerts`, `collect`, `graph`, `exchange`, `custom`.
    pub fn kind(&self) -> &'static str {
        match self {
            Command::Standards { .. } => "standards",
            Command::Alerts { .. } => "alerts",
            Command::Collect { .. } => "collect",
            Command::Graph { .. } => "graph",
            Command::Exchange { .. } => "exchange",
            Command::Custom { .. } => "custom",
        }
    }

    /// The qualified name allow/deny patterns also match: `graph:DELETE`,
    /// `exchange:Remove-Mailbox`, `custom:OffboardUser`, `standards:remediate`.
    pub fn qualified_name(&self) -> String {
        match self {
            Command::Standards { mode, .. } => format!("standards:{}", mode.as_str()),
            Command::Graph { method, .. } => format!("graph:{}", method.to_ascii_uppercase()),
            Command::Exchange { cmdlet, .. } => format!("exchange:{cmdlet}"),
            Command::Custom { name, .. } => format!("custom:{name}"),
            other => other.kind().to_string(),
        }
    }

    /// Check the parameters' shape (templates and configurations parse, methods are known,
    /// deletions are confirmed); the error names the parameter.
    pub fn check(&self) -> Result<(), SchedulerError> {
        let field = |name: &str| format!("command.{name}");
        match self {
            Command::Standards { template, .. } => {
                cipp_standards::StandardsTemplate::from_value(template, "task template")
                    .map_err(|e| SchedulerError::invalid(field("template"), e.to_string()))?;
            }
            Command::Alerts { config } => {
                cipp_alerts::AlertConfig::from_json(&config.to_string(), "task config")
                    .map_err(|e| SchedulerError::invalid(field("config"), e.to_string()))?;
            }
            Command::Collect { types } => {
                if types.is_empty() {
                    return Err(SchedulerError::invalid(field("types"), "no cache types"));
                }
                let registry = cipp_snapshot::Registry::builtin();
                if let Some(t) = types.iter().find(|t| registry.get(t).is_none()) {
                    return Err(SchedulerError::invalid(
                        field("types"),
                        format!("unknown cache type '{t}'"),
                    ));
                }
            }
            Command::Graph {
                method,
                path,
                confirm,
                ..
            } => {
                let m = method.to_ascii_uppercase();
                if !matches!(m.as_str(), "GET" | "POST" | "PATCH" | "PUT" | "DELETE") {
                    return Err(SchedulerError::invalid(
                        field("method"),
                        format!("'{method}' is not GET, POST, PATCH, PUT or DELETE"),
                    ));
                }
                if path.trim().is_empty() {
                    return Err(SchedulerError::invalid(field("path"), "empty"));
                }
                if m == "DELETE" && !confirm {
                    return Err(SchedulerError::invalid(
                        field("confirm"),
                        "a DELETE task needs \"confirm\": true",
                    ));
                }
            }
            Command::Exchange {
                cmdlet,
                parameters,
                confirm,
            } => {
                if !cmdlet.contains('-') || cmdlet.contains(char::is_whitespace) {
                    return Err(SchedulerError::invalid(
                        field("cmdlet"),
                        format!("'{cmdlet}' is not a Verb-Noun cmdlet name"),
                    ));
                }
                if !(parameters.is_object() || parameters.is_null()) {
                    return Err(SchedulerError::invalid(
                        field("parameters"),
                        "must be an object",
                    ));
                }
                if cmdlet.to_ascii_lowercase().starts_with("remove-") && !confirm {
                    return Err(SchedulerError::invalid(
                        field("confirm"),
                        format!("a {cmdlet} task needs \"confirm\": true"),
                    ));
                }
            }
            Command::Custom { name, .. } => {
                if name.trim().is_empty() {
                    return Err(SchedulerError::invalid(field("name"), "empty"));
                }
            }
        }
        Ok(())
    }
}

/// Which commands tasks may run. A pattern matches a command's kind (`exchange`), its
/// qualified name (`exchange:Remove-Mailbox`) or, for custom commands, its bare name; a
/// trailing `*` matches any rest (`exchange:Remove-*`); case is ignored. An empty allow
/// list allows everything not denied; deny wins.
///
/// ```
/// use cipp_scheduler::{Command, CommandPolicy};
/// let policy = CommandPolicy::default().deny(["exchange:Remove-*", "graph:DELETE"]);
/// let cmd = Command::Exchange { cmdlet: "Remove-Mailbox".into(), parameters: serde_json::json!({}), confirm: true };
/// assert!(policy.check(&cmd).is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CommandPolicy {
    /// Only these (empty: all).
    pub allow: Vec<String>,
    /// Never these.
    pub deny: Vec<String>,
}

impl CommandPolicy {
    /// Allow only commands matching these patterns.
    pub fn allow(mut self, patterns: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.allow.extend(patterns.into_iter().map(Into::into));
        self
    }

    /// Refuse commands matching these patterns.
    pub fn deny(mut self, patterns: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.deny.extend(patterns.into_iter().map(Into::into));
        self
    }

    /// Whether `command` may run; the error says which list refused it.
    pub fn check(&self, command: &Command) -> Result<(), SchedulerError> {
        let qualified = command.qualified_name();
        let mut names = vec![command.kind().to_string(), qualified.clone()];
        if let Command::Custom { name, .. } = command {
            names.push(name.clone());
        }
        let hit = |pattern: &String| names.iter().any(|n| matches(pattern, n));
        if let Some(p) = self.deny.iter().find(|p| hit(p)) {
            return Err(SchedulerError::NotAllowed {
                command: qualified,
                reason: format!("denied by '{p}'"),
            });
        }
        if !self.allow.is_empty() && !self.allow.iter().any(hit) {
            return Err(SchedulerError::NotAllowed {
                command: qualified,
                reason: "not on the allow list".into(),
            });
        }
        Ok(())
    }
}

fn matches(pattern: &str, name: &str) -> bool {
    let (p, n) = (pattern.trim().to_lowercase(), name.to_lowercase());
    match p.strip_suffix('*') {
        Some(prefix) => n.starts_with(prefix),
        None => p == n,
    }
}

/// One call of a custom command: the task, the tenant and the parameters.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CommandCall {
    /// The task id.
    pub task_id: String,
    /// The task name.
    pub task_name: String,
    /// The tenant this call is for.
    pub tenant: String,
    /// The slot (scheduled time, Unix seconds) being run.
    pub slot: i64,
    /// The command's parameters.
    pub parameters: Value,
}

/// A custom command. Its `Ok` value is the tenant's result; its `Err` text is recorded as
/// the tenant's failure.
#[async_trait]
pub trait CommandHandler: Send + Sync {
    /// Run for one tenant.
    async fn run(&self, call: CommandCall) -> Result<Value, String>;
}

type BoxFuture = Pin<Box<dyn Future<Output = Result<Value, String>> + Send>>;

/// A [`CommandHandler`] from an async closure.
///
/// ```
/// use cipp_scheduler::{handler_fn, CommandCall};
/// let h = handler_fn(|call: CommandCall| async move { Ok(serde_json::json!({"tenant": call.tenant})) });
/// # let _ = h;
/// ```
pub fn handler_fn<F, Fut>(f: F) -> Arc<dyn CommandHandler>
where
    F: Fn(CommandCall) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Value, String>> + Send + 'static,
{
    struct FnHandler(Box<dyn Fn(CommandCall) -> BoxFuture + Send + Sync>);
    #[async_trait]
    impl CommandHandler for FnHandler {
        async fn run(&self, call: CommandCall) -> Result<Value, String> {
            (self.0)(call).await
        }
    }
    Arc::new(FnHandler(Box::new(move |c| Box::pin(f(c)))))
}
