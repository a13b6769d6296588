//! The one error type of this crate. No variant ever holds a secret value or a token.

/// What can go wrong using Key Vault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyVaultError {
    /// The secret (or deleted secret) does not exist.
    #[error("{} '{name}' was not found in vault '{vault}'", if *.deleted { "deleted secret" } else { "secret" })]
    NotFound {
        /// Vault name.
        vault: String,
        /// Secret name.
        name: String,
        /// `true` when a deleted secret was looked for.
        deleted: bool,
        /// The service's answer (a 404).
        #[source]
        source: Box<cipp_core::Error>,
    },
    /// A call failed (service error, token, transport, decoding); the inner error names the
    /// operation, the status and the service's code and message.
    #[error(transparent)]
    Api(#[from] cipp_core::Error),
    /// The managed identity endpoint gave no token.
    #[error("managed identity token from {endpoint} failed: {message}")]
    ManagedIdentity {
        /// The identity endpoint (no query).
        endpoint: String,
        /// HTTP status, when there was an answer.
        status: Option<u16>,
        /// What went wrong.
        message: String,
    },
    /// A recovered secret did not become readable in time.
    #[error("secret '{name}' in vault '{vault}' was recovered but still not readable after {attempts} checks")]
    RecoverTimeout {
        /// Vault name.
        vault: String,
        /// Secret name.
        name: String,
        /// How many reads were tried.
        attempts: u32,
    },
    /// A page pointed somewhere other than the vault (refused: the token would go with it).
    #[error("vault '{vault}' answered a nextLink on another host ({host}); not followed")]
    ForeignNextLink {
        /// Vault name.
        vault: String,
        /// The host the link named.
        host: String,
    },
    /// An argument or setting was wrong; nothing was sent.
    #[error("invalid {field}: {message}")]
    InvalidInput {
        /// Which argument or variable.
        field: String,
        /// What was wrong.
        message: String,
    },
}

impl KeyVaultError {
    pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        KeyVaultError::InvalidInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The HTTP status of the failed call, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            KeyVaultError::NotFound { .. } => Some(404),
            KeyVaultError::Api(e) => e.status(),
            KeyVaultError::ManagedIdentity { status, .. } => *status,
            _ => None,
        }
    }

    /// `true` for a missing secret.
    pub fn is_not_found(&self) -> bool {
        matches!(self, KeyVaultError::NotFound { .. })
    }
}

/// For front ends that speak the core error only: service failures (a not-found included)
/// pass through as they came, the rest become invalid input naming what was wrong.
impl From<KeyVaultError> for cipp_core::Error {
    fn from(e: KeyVaultError) -> Self {
        match e {
            KeyVaultError::NotFound { source, .. } => *source,
            KeyVaultError::Api(e) => e,
            KeyVaultError::InvalidInput { field, message } => {
                cipp_core::Error::InvalidInput { field, message }
            }
            KeyVaultError::ManagedIdentity {
                endpoint,
                status,
                message,
            } => cipp_core::Error::Auth(Box::new(managed_identity_auth_error(
                endpoint, status, message,
            ))),
            other => cipp_core::Error::invalid_input("keyvault", other.to_string()),
        }
    }
}

fn managed_identity_auth_error(
    endpoint: String,
    status: Option<u16>,
    message: String,
) -> cipp_core::AuthError {
    let mut e = cipp_core::AuthError::new("managed identity", "managed_identity_failed");
    e.description = format!("{endpoint}: {message}");
    e.status = status;
    e
}

/// Results of this crate.
pub type Result<T, E = KeyVaultError> = std::result::Result<T, E>;
