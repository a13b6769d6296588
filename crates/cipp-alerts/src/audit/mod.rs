//! Audit-log alert rules (CIPP's "alerts on audit log events"): conditions over unified
//! audit log records, AND-ed, with actions; each matched record processed exactly once.
//!
//! - [`AuditRule`] (rule.rs): CIPP's stored rule, checked as CIPP checks it.
//! - [`Operator`] (operator.rs): the 14 operators with PowerShell's meaning.
//! - [`enrich`] (enrich.rs): a Graph audit record flattened the way rules see it.
//! - [`AuditLogSearch`] (search.rs): `POST security/auditLog/queries`, poll, page records.
//! - [`AuditActionHandler`] (actions.rs): the caller's disable-user and remediation.
//! - [`AuditRunner`] (runner.rs): rules over many tenants for one window, claims in the
//!   store, one digest per destination.
//!
//! ```
//! use cipp_alerts::audit::{enrich, AuditRule};
//! let rule = AuditRule::from_value(&serde_json::json!({
//!     "Tenants": "AllTenants",
//!     "Conditions": [{"Property": {"label": "Operation"}, "Operator": {"label": "Equals to", "value": "eq"}, "Input": {"value": "New-InboxRule"}},
//!                    {"Property": {"label": "ForwardTo"}, "Operator": {"label": "Like", "value": "like"}, "Input": {"value": "*@*"}}],
//!     "Actions": [{"value": "generatemail"}]}), 0)?;
//! let record = enrich(&serde_json::json!({"id": "1", "auditData": {"Operation": "New-InboxRule",
//!     "Parameters": [{"Name": "ForwardTo", "Value": "someone@elsewhere.example"}]}})).unwrap();
//! let hit = rule.matches(&record).unwrap();
//! assert_eq!(hit.clause, "Operation is Equals to 'New-InboxRule' and ForwardTo is Like '*@*'");
//! # Ok::<(), cipp_alerts::AlertError>(())
//! ```

mod actions;
mod enrich;
mod operator;
mod render;
mod rule;
mod runner;
mod search;

pub use actions::{ActionError, AuditActionHandler};
pub use enrich::{enrich, normalise_ip, AuditRecord, IGNORED_EXTENDED_VALUES};
pub use operator::{Operator, OPERATORS};
pub use render::{resolve_tokens, title};
pub use rule::{AuditAction, AuditRule, Condition, RuleMatch, TenantSelection};
pub use runner::{
    ActionOutcome, AuditEvent, AuditEventOutcome, AuditReport, AuditRunner, AuditRunnerBuilder,
    TenantAudit, AUDIT_FINDING_RULE,
};
pub use search::{AuditLogSearch, AuditSearchOptions, DEFAULT_RECORD_TYPES};
