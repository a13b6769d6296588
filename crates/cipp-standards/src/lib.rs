//! # cipp-standards
//!
//! CIPP's declarative baseline standards, evaluated over tenant snapshots. Definitions load
//! from CIPP's own files (unknown fields kept, malformed files named with the JSON path);
//! settings fill `%variable%` tokens (defaults applied, an unfilled token is an error); the
//! current value is read from a [`cipp_snapshot::Snapshot`] as CIPP reads its cache; CIPP's
//! comparison rules decide (or exact ones, on request).
//!
//! Standards that data cannot express (one write per object, names looked up as ids, merged
//! lists, JSON text inside an object) are Rust types implementing [`code::Standard`]; the
//! [`StandardsRunner`] runs them by CIPP's names exactly like declarative ones.
//!
//! ```no_run
//! # fn run(snapshot: cipp_snapshot::Snapshot) -> Result<(), cipp_standards::StandardsError> {
//! use cipp_standards::{evaluate, CompareOptions, Definition, TenantContext};
//! let def = Definition::from_file("BaselineStandards/Entra (AAD) Standards/DisableSMS.json")?;
//! let mut settings = serde_json::Map::new();
//! settings.insert("state".into(), "disabled".into());
//! let result = evaluate(&def, &settings, &snapshot, &TenantContext::default(), CompareOptions::default())?;
//! println!("{:?}", result.outcome);
//! # Ok(()) }
//! ```

mod catalogue;
pub mod code;
pub mod compare;
mod definition;
mod error;
mod evaluate;
mod plan;
pub mod read;
pub mod render;
mod report;
mod run;
mod template;
mod templated;

pub use catalogue::Catalogue;
pub use compare::{CompareOptions, Difference};
pub use definition::{ClassicSetting, Definition, Filter, Read, Variable};
pub use error::StandardsError;
pub use evaluate::{evaluate, Evaluation, Outcome};
pub use plan::{apply, apply_with, plan, plan_for, CreateRequest, Step, StepOutcome};
pub use render::TenantContext;
pub use run::{
    Mode, Progress, Remediation, RunReport, SinceLast, StandardResult, StandardsRunner,
    StandardsRunnerBuilder, State, Summary, Target, TenantReport, REPORT_SCHEMA,
};
pub use template::{
    merge, Actions, Conflict, Instance, Merged, Plan, StandardsTemplate, TargetRef, TenantIdentity,
    Tier,
};
