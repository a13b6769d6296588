//! The error type of the simulator's Rust API.

use std::net::SocketAddr;
use std::path::PathBuf;

/// What can go wrong starting or driving the simulator.
///
/// ```
/// # async fn run() {
/// let err = cipp_sim::Sim::builder()
///     .bind("0.0.0.0:0".parse().unwrap())
///     .start()
///     .await
///     .unwrap_err();
/// assert!(matches!(err, cipp_sim::SimError::NotLoopback(_)));
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// The seed is not valid JSON of the seed shape, or breaks a rule (duplicate tenant, no
    /// domain, ...).
    #[error("invalid seed: {0}")]
    Seed(String),
    /// The seed file could not be read.
    #[error("cannot read seed file {path}: {source}")]
    SeedFile {
        /// The file asked for.
        path: PathBuf,
        /// Why it could not be read.
        source: std::io::Error,
    },
    /// The simulator listens on loopback addresses only.
    #[error("refusing to listen on {0}: the simulator only serves loopback addresses")]
    NotLoopback(SocketAddr),
    /// Binding the listening socket failed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why binding failed.
        source: std::io::Error,
    },
    /// No tenant with that GUID or domain.
    #[error("no simulated tenant '{0}'")]
    UnknownTenant(String),
    /// A control action that the simulated state does not allow (approving a relationship
    /// that is not pending, ...).
    #[error("{0}")]
    Rejected(String),
}
