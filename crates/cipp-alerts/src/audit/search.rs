//! Reading a tenant's unified audit log through Graph: `POST beta/security/auditLog/queries`
//! starts a search over a time window, the query is polled until it has succeeded, then
//! `.../queries/{id}/records` is paged through.

use std::time::Duration;

use cipp_core::Pipeline;
use cipp_graph::GraphClient;
use serde_json::{json, Value};

use crate::error::AlertError;
use crate::time;

/// The record types CIPP searches for (Exchange admin actions and Entra ID activity and
/// sign-ins).
pub const DEFAULT_RECORD_TYPES: [&str; 4] = [
    "exchangeAdmin",
    "azureActiveDirectory",
    "azureActiveDirectoryAccountLogon",
    "azureActiveDirectoryStsLogon",
];

/// How searches are made and waited for.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AuditSearchOptions {
    /// Record types to search (default: [`DEFAULT_RECORD_TYPES`]).
    pub record_types: Vec<String>,
    /// Wait between status checks (default 15 s; searches take minutes in real tenants).
    pub poll_interval: Duration,
    /// Status checks before giving up (default 80, twenty minutes at the default interval).
    pub max_polls: u32,
}

impl Default for AuditSearchOptions {
    fn default() -> Self {
        AuditSearchOptions {
            record_types: DEFAULT_RECORD_TYPES.iter().map(|s| s.to_string()).collect(),
            poll_interval: Duration::from_secs(15),
            max_polls: 80,
        }
    }
}

impl AuditSearchOptions {
    /// Wait this long between status checks.
    pub fn poll_interval(mut self, d: Duration) -> Self {
        self.poll_interval = d;
        self
    }

    /// Give up after this many status checks (at least 1).
    pub fn max_polls(mut self, n: u32) -> Self {
        self.max_polls = n.max(1);
        self
    }

    /// Search these record types.
    pub fn record_types(mut self, types: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.record_types = types.into_iter().map(Into::into).collect();
        self
    }
}

/// A tenant's unified audit log.
///
/// ```no_run
/// # async fn run(pipeline: cipp_core::Pipeline) -> Result<(), cipp_alerts::AlertError> {
/// use cipp_alerts::audit::{AuditLogSearch, AuditSearchOptions};
/// let now = cipp_alerts::time::now();
/// let records = AuditLogSearch::new(pipeline, "alphadental.com", AuditSearchOptions::default())
///     .records(now - 3_600, now)
///     .await?;
/// println!("{} records in the last hour", records.len());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct AuditLogSearch {
    graph: GraphClient,
    tenant: String,
    options: AuditSearchOptions,
}

impl AuditLogSearch {
    /// Search `tenant`'s log through `pipeline`.
    pub fn new(pipeline: Pipeline, tenant: &str, options: AuditSearchOptions) -> Self {
        AuditLogSearch {
            graph: GraphClient::new(pipeline, tenant).beta(),
            tenant: tenant.to_string(),
            options,
        }
    }

    fn err(&self, message: impl Into<String>) -> AlertError {
        AlertError::AuditSearch {
            tenant: self.tenant.clone(),
            message: message.into(),
        }
    }

    /// Every record created in `start..end` (Unix seconds). The search is created once (a
    /// write: never repeated on a failure), then polled, then read page by page.
    pub async fn records(&self, start: i64, end: i64) -> Result<Vec<Value>, AlertError> {
        if start >= end {
            return Err(self.err(format!(
                "the window starts ({}) at or after it ends ({})",
                time::format(start),
                time::format(end)
            )));
        }
        let body = json!({
            "displayName": format!("cipp-rs audit alerts {}", time::format(start)),
            "filterStartDateTime": time::format(start),
            "filterEndDateTime": time::format(end),
            "recordTypeFilters": self.options.record_types,
        });
        let created = self
            .graph
            .post("security/auditLog/queries", &body)
            .await
            .map_err(|e| self.err(format!("creating the search: {e}")))?;
        let id = created
            .get("id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| self.err("the search was created without an id"))?
            .to_string();
        let mut status = created
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or("notStarted")
            .to_string();
        let mut polls = 0;
        while status != "succeeded" {
            match status.as_str() {
                "failed" | "cancelled" => {
                    return Err(self.err(format!("the search {id} {status}")));
                }
                _ if polls >= self.options.max_polls => {
                    return Err(self.err(format!(
                        "the search {id} is still {status} after {polls} checks"
                    )));
                }
                _ => {}
            }
            if polls > 0 {
                tokio::time::sleep(self.options.poll_interval).await;
            }
            polls += 1;
            let q = self
                .graph
                .get(&format!("security/auditLog/queries/{id}"))
                .await
                .map_err(|e| self.err(format!("checking the search {id}: {e}")))?;
            status = q
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or("unknown")
                .to_string();
        }
        self.graph
            .list_json(format!("security/auditLog/queries/{id}/records"))
            .collect_all()
            .await
            .map_err(|e| self.err(format!("reading the records of {id}: {e}")))
    }
}
