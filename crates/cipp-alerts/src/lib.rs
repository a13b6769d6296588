//! # cipp-alerts
//!
//! CIPP's scripted alerts over tenant snapshots. Each [`Rule`] (CIPP's name, parameters and
//! thresholds) is a pure function of a tenant's [`Snapshot`](cipp_snapshot::Snapshot), its
//! parameters and, for the alerts that compare runs, its previous state; it returns
//! [`Finding`]s carrying CIPP's content hash.
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

pub mod catalogue;
mod error;
mod finding;
mod params;
mod rule;
mod rules;
pub mod time;

pub use error::AlertError;
pub use finding::{canonical, hash, raw_key, Finding};
pub use params::Params;
pub use rule::{Context, ParamSpec, Rule, RuleResult};
