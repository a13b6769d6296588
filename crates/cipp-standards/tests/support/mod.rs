//! What the integration tests share: where the project's shared data lives.
#![allow(dead_code)]

use std::path::PathBuf;

/// `rel` under the project's `shared` folder (beside the repository).
pub fn shared(rel: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")).join(rel)
}

/// CIPP's own definition files (`Config/BaselineStandards`).
pub fn cipp_definitions_dir() -> PathBuf {
    shared("cipp-data/BaselineStandards")
}
