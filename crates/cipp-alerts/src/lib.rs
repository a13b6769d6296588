//! # cipp-alerts
//!
//! CIPP's scripted alerts over tenant snapshots. Each [`Rule`] (CIPP's name, parameters and
//! thresholds) is a pure function of a tenant's [`Snapshot`](cipp_snapshot::Snapshot), its
//! parameters and, for the alerts that compare runs, its previous state; it returns
//! [`Finding`]s carrying CIPP's content hash. An [`AlertRunner`] runs a configured set of
//! rules over many tenants, deduplicates and honours snoozes through the
//! [`Store`](cipp_snapshot::Store), and sends one [`Digest`] per destination through
//! [`Notifier`]s (webhook, Teams, Slack, Discord, Graph mail).
//!
//! ```no_run
//! # async fn run(pipeline: cipp_core::Pipeline) -> Result<(), cipp_alerts::AlertError> {
//! use std::sync::Arc;
//! use cipp_alerts::{AlertConfig, AlertRunner};
//! let config = AlertConfig::from_json(
//!     r#"{"rules": {"AppSecretExpiry": {}, "InactiveUsers": {"params": {"DaysSinceLastLogin": 60}}},
//!         "destinations": [{"name": "ops", "type": "webhook", "url": "https://hooks.slack.com/services/T/B/X"}]}"#,
//!     "inline",
//! )?;
//! let runner = AlertRunner::builder(pipeline)
//!     .config(config)
//!     .store(Arc::new(cipp_snapshot::Store::open("cipp.db")?))
//!     .build()?;
//! let report = runner.run(&["alphadental.com".into(), "bravologistics.com".into()]).await;
//! println!("{}", report.to_markdown());
//! # Ok(()) }
//! ```
//!
//! One rule on its own, over a snapshot you already have:
//!
//! ```
//! # fn run(snapshot: cipp_snapshot::Snapshot) -> Result<(), cipp_alerts::AlertError> {
//! use cipp_alerts::{catalogue, Context};
//! let rule = catalogue::get("AppSecretExpiry").unwrap();
//! for finding in rule.evaluate(&Context::new(&snapshot), &serde_json::Value::Null)?.findings {
//!     println!("{} [{}]", finding.title, finding.hash);
//! }
//! # Ok(()) }
//! ```

pub mod audit;
pub mod catalogue;
mod config;
mod digest;
mod error;
mod finding;
mod notify;
mod params;
mod report;
mod rule;
mod rules;
mod run;
mod snooze;
pub mod time;

pub use config::{AlertConfig, DestinationConfig, RuleConfig, DEFAULT_RESEND_HOURS};
pub use digest::Digest;
pub use error::AlertError;
pub use finding::{canonical, hash, raw_key, Finding};
pub use notify::{
    EmailNotifier, Notifier, RetryOptions, Sent, WebhookAuth, WebhookFormat, WebhookNotifier,
};
pub use params::Params;
pub use report::{
    AlertReport, AlertSummary, DeliveryReport, FindingOutcome, RuleOutcome, RuleStatus,
    TenantAlerts, REPORT_SCHEMA,
};
pub use rule::{Context, ParamSpec, Rule, RuleResult};
pub use run::{guess_format, notifier_for, AlertRunner, AlertRunnerBuilder, Progress};
pub use snooze::{snooze, snooze_hash, SnoozeDuration};
