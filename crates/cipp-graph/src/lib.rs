//! # cipp-graph
//!
//! Microsoft Graph for one tenant at a time, built for partners who run hundreds: lazy paging
//! streams, `$batch` of any size (chunked, concurrent, throttled items resent alone, nextLinks
//! followed), delta queries, raw JSON calls for anything untyped, and typed models that keep
//! unknown fields.
//!
//! ```no_run
//! # async fn run(pipeline: cipp_core::Pipeline) -> Result<(), cipp_core::Error> {
//! use futures::TryStreamExt;
//! use cipp_graph::{BatchRequest, GraphClient};
//!
//! let graph = GraphClient::new(pipeline, "alpha.onmicrosoft.com");
//! let enabled: Vec<_> = graph
//!     .users()
//!     .list()
//!     .select(["id", "userPrincipalName"])
//!     .filter("accountEnabled eq true")
//!     .top(999)
//!     .stream()
//!     .try_collect()
//!     .await?;
//! let results = graph
//!     .batch([BatchRequest::get("org", "/organization"), BatchRequest::get("skus", "/subscribedSkus")])
//!     .await?;
//! println!("{} users, org = {}", enabled.len(), results.get("org").unwrap().body);
//! # Ok(()) }
//! ```

pub mod batch;
pub mod client;
pub mod collection;
pub mod delta;
pub mod models;
pub mod pager;
pub mod query;
pub mod resources;

pub use batch::{BatchOptions, BatchRequest, BatchResponse, BatchResults, MAX_BATCH_SIZE};
pub use client::{ApiVersion, GraphClient, GraphRequest};
pub use collection::Collection;
pub use delta::DeltaResult;
pub use pager::{ListRequest, Page};
pub use query::{quote, Query, QueryOptions};
