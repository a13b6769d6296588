//! The one error type of this crate.

/// What can go wrong managing GDAP, Partner Center or the tenant directory.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GdapError {
    /// A call to Graph or Partner Center failed (service error, auth, transport, decoding);
    /// the inner error names the tenant and the operation.
    #[error(transparent)]
    Api(#[from] cipp_core::Error),
    /// The relationship is not in the status the operation needs.
    #[error("relationship {relationship} is '{status}'; {operation} needs it to be '{needed}'")]
    WrongStatus {
        /// Relationship id.
        relationship: String,
        /// Its current status.
        status: String,
        /// What was attempted.
        operation: &'static str,
        /// The status it needs.
        needed: &'static str,
    },
    /// The relationship does not hold the Global Administrator role.
    #[error("relationship {relationship} does not contain the Global Administrator role")]
    NoGlobalAdministrator {
        /// Relationship id.
        relationship: String,
    },
    /// Graph did not reach the expected state in time.
    #[error("relationship {relationship} was still '{status}' after {attempts} checks (waiting for '{wanted}')")]
    NotReady {
        /// Relationship id.
        relationship: String,
        /// The last status seen.
        status: String,
        /// The status waited for.
        wanted: &'static str,
        /// How many times it was read.
        attempts: u32,
    },
    /// The request made no sense before any call was made.
    #[error("invalid {field}: {message}")]
    InvalidInput {
        /// Which argument.
        field: String,
        /// What was wrong.
        message: String,
    },
    /// No managed tenant matches the GUID or domain.
    #[error("no managed tenant '{0}' (not an active GDAP customer, or excluded)")]
    UnknownTenant(String),
}

impl GdapError {
    pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        GdapError::InvalidInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The HTTP status of the failed call, if one was made.
    pub fn status(&self) -> Option<u16> {
        match self {
            GdapError::Api(e) => e.status(),
            _ => None,
        }
    }
}

/// For front ends that speak the core error only: service failures pass through unchanged,
/// the rest become invalid input that names what was wrong.
impl From<GdapError> for cipp_core::Error {
    fn from(e: GdapError) -> Self {
        match e {
            GdapError::Api(e) => e,
            GdapError::InvalidInput { field, message } => {
                cipp_core::Error::InvalidInput { field, message }
            }
            GdapError::UnknownTenant(name) => cipp_core::Error::invalid_input(
                "tenant",
                format!("no managed tenant '{name}' (not an active GDAP customer)"),
            ),
            other => cipp_core::Error::invalid_input("gdap", other.to_string()),
        }
    }
}

/// Results of this crate.
pub type Result<T, E = GdapError> = std::result::Result<T, E>;
