//! The one error type of this crate.

/// What can go wrong before or around a collection. (A cache type whose collection failed is
/// not an error: it is recorded in the snapshot as failed, with its reason.)
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    /// A registry file is malformed.
    #[error("invalid cache type registry: {0}")]
    Registry(String),
    /// A cache type that the registry does not know was asked for.
    #[error("unknown cache type '{0}'")]
    UnknownType(String),
    /// A snapshot file could not be read or written.
    #[error("snapshot file {path}: {message}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The store (SQLite) failed: opening, migrating, reading or writing.
    #[error("store {path}: {message}")]
    Store {
        /// The database file (`:memory:` for an in-memory store).
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The tenant could not be reached at all.
    #[error(transparent)]
    Api(#[from] cipp_core::Error),
}

/// For front ends that speak the core error only.
impl From<SnapshotError> for cipp_core::Error {
    fn from(e: SnapshotError) -> Self {
        match e {
            SnapshotError::Api(e) => e,
            SnapshotError::UnknownType(name) => cipp_core::Error::invalid_input(
                "cache type",
                format!("unknown cache type '{name}'"),
            ),
            SnapshotError::Registry(message) => {
                cipp_core::Error::invalid_input("registry", message)
            }
            SnapshotError::Store { path, message } => {
                cipp_core::Error::invalid_input("store", format!("{path}: {message}"))
            }
            SnapshotError::File { path, message } => {
                cipp_core::Error::invalid_input("snapshot file", format!("{path}: {message}"))
            }
        }
    }
}
