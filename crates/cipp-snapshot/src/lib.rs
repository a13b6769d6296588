//! # cipp-snapshot
//!
//! Tenant snapshots: what the standards and alerts evaluate. A [`Registry`] (shipped as data,
//! CIPP's cache type names) says where each cache type comes from and which service plans it
//! needs; a [`Collector`] reads the asked types in few round trips; a [`Snapshot`] records, per
//! type, the rows and whether the read was complete, failed (with why) or not licensed, so an
//! evaluation never mistakes a failed read for "nothing there".
//!
//! ```no_run
//! # async fn run(pipeline: cipp_core::Pipeline) -> Result<(), cipp_snapshot::SnapshotError> {
//! use cipp_snapshot::{Collector, Status};
//! let snap = Collector::new(pipeline)
//!     .collect("alpha.onmicrosoft.com", &["AuthorizationPolicy", "ExoOrganizationConfig", "SPOTenant"])
//!     .await?;
//! match snap.get("SPOTenant").map(|t| t.status) {
//!     Some(Status::Complete) => println!("{:?}", snap.rows("SPOTenant")),
//!     other => println!("no SharePoint data: {other:?}"),
//! }
//! snap.save("alpha.json")?;
//! # Ok(()) }
//! ```

mod alerts;
mod audit;
mod collect;
mod error;
pub mod registry;
mod results;
mod snapshot;
mod store;
mod tasks;

pub use alerts::{AlertDisposition, AlertKey, AlertSnooze};
pub use audit::AuditEventClaim;
pub use collect::{Collector, LICENCE_TYPE};
pub use error::SnapshotError;
pub use registry::{
    CacheType, FanOutRequest, FanOutSource, Registry, Source, PARENT_KEY_FIELD, TENANT_ID_TOKEN,
};
pub use results::{StoredResult, StoredRun};
pub use snapshot::{Snapshot, Status, TypeSnapshot};
pub use store::{SnapshotInfo, Store};
pub use tasks::{StoredTask, TaskClaim, TaskLease, TaskRun, TaskRunEnd};
