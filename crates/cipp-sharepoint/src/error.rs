//! The one error type of this crate.

/// What can go wrong administering SharePoint Online.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SharePointError {
    /// The HTTP call failed (token, transport, error status, throttling past the budget).
    #[error(transparent)]
    Api(#[from] cipp_core::Error),
    /// SharePoint answered HTTP 200 but reported a failure inside the CSOM answer.
    #[error(
        "SharePoint CSOM call failed in tenant '{tenant}': {message} ({type_name}, code {code})"
    )]
    Csom {
        /// The tenant.
        tenant: String,
        /// `ErrorInfo.ErrorMessage`.
        message: String,
        /// `ErrorInfo.ErrorCode`.
        code: i64,
        /// `ErrorInfo.ErrorTypeName`, e.g. `System.ArgumentException`.
        type_name: String,
    },
    /// The tenant's SharePoint name could not be found.
    #[error("could not find the SharePoint name of tenant '{tenant}': {reason}")]
    NoSharePoint {
        /// The tenant.
        tenant: String,
        /// Why.
        reason: String,
    },
    /// The request made no sense; nothing was sent.
    #[error("invalid {field}: {message}")]
    InvalidInput {
        /// Which argument.
        field: String,
        /// What was wrong.
        message: String,
    },
}

impl SharePointError {
    pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        SharePointError::InvalidInput {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// For front ends that speak the core error only.
impl From<SharePointError> for cipp_core::Error {
    fn from(e: SharePointError) -> Self {
        match e {
            SharePointError::Api(e) => e,
            SharePointError::InvalidInput { field, message } => {
                cipp_core::Error::InvalidInput { field, message }
            }
            SharePointError::Csom {
                tenant,
                message,
                code,
                type_name,
            } => cipp_core::ServiceError::new("POST ProcessQuery", tenant, 200, message)
                .with_code(Some(format!("{type_name} ({code})")))
                .into(),
            SharePointError::NoSharePoint { tenant, reason } => {
                cipp_core::ServiceError::new("GET sites/root", tenant, 404, reason).into()
            }
        }
    }
}
