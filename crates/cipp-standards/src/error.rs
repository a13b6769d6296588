//! The one error type of this crate.

/// What can go wrong loading or preparing a standard. (A standard that cannot be evaluated for
/// a tenant is not an error: it evaluates to `NoData` or `NotApplicable`.)
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StandardsError {
    /// A definition file is malformed.
    #[error("{file}: at {path}: {message}")]
    Definition {
        /// The file (or `-` for text).
        file: String,
        /// JSON path of the problem (`.` for the whole file).
        path: String,
        /// What was wrong.
        message: String,
    },
    /// A definitions folder could not be read.
    #[error("{path}: {message}")]
    Io {
        /// The file or folder.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// `%variable%` tokens that no variable (given or defaulted) fills.
    #[error("standard {standard}: no value for {tokens}")]
    Unresolved {
        /// The standard.
        standard: String,
        /// The tokens, comma separated.
        tokens: String,
    },
    /// A code standard's setting is missing or of the wrong kind.
    #[error("standard {standard}: setting {setting}: {message}")]
    Setting {
        /// The standard.
        standard: String,
        /// The setting.
        setting: String,
        /// What was wrong.
        message: String,
    },
}
