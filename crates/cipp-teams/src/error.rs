//! The one error type of this crate.

/// What can go wrong with the Teams admin ConfigAPI.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TeamsError {
    /// The HTTP call failed (token, transport, error status, throttling past the budget).
    #[error(transparent)]
    Api(#[from] cipp_core::Error),
    /// The request made no sense; nothing was sent.
    #[error("invalid {field}: {message}")]
    InvalidInput {
        /// Which argument.
        field: String,
        /// What was wrong.
        message: String,
    },
}

impl TeamsError {
    pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        TeamsError::InvalidInput {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// For front ends that speak the core error only.
impl From<TeamsError> for cipp_core::Error {
    fn from(e: TeamsError) -> Self {
        match e {
            TeamsError::Api(e) => e,
            TeamsError::InvalidInput { field, message } => {
                cipp_core::Error::InvalidInput { field, message }
            }
        }
    }
}
