//! The one error type of cipp-core and every client built on it.
//!
//! Each variant keeps what a person needs to act: the tenant, the operation, the service's own
//! code and message, the request id for a support case, or the JSON path that failed to parse.
//! No variant ever holds a token or a secret.

use std::fmt;
use std::time::Duration;

use crate::normalize::friendly_hint;

/// Result alias for cipp-core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong talking to Microsoft 365 services.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request never got an HTTP answer (DNS, connect, TLS, reset, timeout).
    #[error("{operation} failed for tenant '{tenant}': {message}")]
    Transport {
        /// `METHOD host/path` of the request.
        operation: String,
        /// The tenant the request was for (`-` when none).
        tenant: String,
        /// What the transport said.
        message: String,
        /// `true` when the request timed out.
        timeout: bool,
    },

    /// Entra ID refused to issue a token.
    #[error("{0}")]
    Auth(Box<AuthError>),

    /// The service answered with an error status.
    #[error("{0}")]
    Service(Box<ServiceError>),

    /// A response could not be decoded into the expected shape.
    #[error("could not decode {operation} response for tenant '{tenant}' at {path}: {message}")]
    Decode {
        /// `METHOD host/path` of the request, or what was being decoded.
        operation: String,
        /// The tenant (`-` when none).
        tenant: String,
        /// JSON path to the offending value (`.` for the root).
        path: String,
        /// What was wrong.
        message: String,
    },

    /// An argument or configuration value was wrong; nothing was sent.
    #[error("invalid {field}: {message}")]
    InvalidInput {
        /// Which argument, setting or environment variable.
        field: String,
        /// What was wrong with it.
        message: String,
    },
}

impl Error {
    /// Build an [`Error::InvalidInput`].
    pub fn invalid_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The HTTP status of a service or auth error.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Service(e) => Some(e.status),
            Error::Auth(e) => e.status,
            _ => None,
        }
    }

    /// The tenant the failing operation was for, when there was one.
    pub fn tenant(&self) -> Option<&str> {
        let t = match self {
            Error::Transport { tenant, .. } | Error::Decode { tenant, .. } => tenant.as_str(),
            Error::Service(e) => e.tenant.as_str(),
            Error::Auth(e) => e.tenant.as_str(),
            Error::InvalidInput { .. } => return None,
        };
        (t != "-").then_some(t)
    }

    /// The service's error code (`Request_ResourceNotFound`, `AADSTS7000215`, ...).
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Service(e) => e.code.as_deref(),
            Error::Auth(e) => e.code.as_deref().or(Some(e.error.as_str())),
            _ => None,
        }
    }

    /// `true` when the service kept throttling past the retry budget.
    pub fn is_throttled(&self) -> bool {
        matches!(self, Error::Service(e) if e.status == 429)
    }

    /// `true` for a 404 answer.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::Service(e) if e.status == 404)
    }

    /// A plain-language hint for well-known Microsoft errors (CIPP's normalised messages).
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Error::Service(e) => e.hint(),
            Error::Auth(e) => e.hint(),
            _ => None,
        }
    }
}

/// A token request refused by Entra ID.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AuthError {
    /// The tenant the token was requested in.
    pub tenant: String,
    /// The OAuth error (`invalid_grant`, `invalid_client`, ...).
    pub error: String,
    /// The AADSTS code, e.g. `AADSTS7000215`.
    pub code: Option<String>,
    /// The first line of `error_description` (trace and correlation ids dropped).
    pub description: String,
    /// HTTP status of the token response.
    pub status: Option<u16>,
    /// Correlation id, for a support case.
    pub correlation_id: Option<String>,
}

impl AuthError {
    /// An auth failure in `tenant` with OAuth error `error` and nothing else known yet.
    pub fn new(tenant: impl Into<String>, error: impl Into<String>) -> Self {
        AuthError {
            tenant: tenant.into(),
            error: error.into(),
            code: None,
            description: String::new(),
            status: None,
            correlation_id: None,
        }
    }

    /// CIPP's plain-language explanation of this code, if it has one.
    pub fn hint(&self) -> Option<&'static str> {
        friendly_hint(&self.description).or_else(|| self.code.as_deref().and_then(friendly_hint))
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "could not get a token for tenant '{}': {}",
            self.tenant, self.error
        )?;
        if !self.description.is_empty() {
            write!(f, ": {}", self.description)?;
        }
        if let Some(hint) = self.hint() {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

/// An error answer from a service.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServiceError {
    /// `METHOD host/path` of the request.
    pub operation: String,
    /// The tenant the request was for (`-` when none).
    pub tenant: String,
    /// HTTP status.
    pub status: u16,
    /// The service's error code (`error.code` in Graph).
    pub code: Option<String>,
    /// The service's message.
    pub message: String,
    /// `request-id` (Graph) or `x-ms-request-id` header.
    pub request_id: Option<String>,
    /// `Retry-After` of the last answer, if the service sent one.
    pub retry_after: Option<Duration>,
    /// The raw body (truncated to 4 KiB), for diagnostics.
    pub raw_body: Option<String>,
}

impl ServiceError {
    /// A service error for `operation` in `tenant`, for clients that read errors out of answers
    /// the pipeline accepted (a failed item of a `$batch`, a cmdlet error).
    pub fn new(
        operation: impl Into<String>,
        tenant: impl Into<String>,
        status: u16,
        message: impl Into<String>,
    ) -> Self {
        ServiceError {
            operation: operation.into(),
            tenant: tenant.into(),
            status,
            code: None,
            message: message.into(),
            request_id: None,
            retry_after: None,
            raw_body: None,
        }
    }

    /// The same error with the service's code.
    pub fn with_code(mut self, code: Option<String>) -> Self {
        self.code = code;
        self
    }

    /// The same error with the request id.
    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }

    /// CIPP's plain-language explanation of this message, if it has one.
    pub fn hint(&self) -> Option<&'static str> {
        friendly_hint(&self.message)
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} failed for tenant '{}': HTTP {}",
            self.operation, self.tenant, self.status
        )?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if let Some(hint) = self.hint() {
            write!(f, " ({hint})")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request-id {id}]")?;
        }
        Ok(())
    }
}

impl From<ServiceError> for Error {
    fn from(e: ServiceError) -> Self {
        Error::Service(Box::new(e))
    }
}

impl From<AuthError> for Error {
    fn from(e: AuthError) -> Self {
        Error::Auth(Box::new(e))
    }
}

/// Decode JSON into `T`, reporting the JSON path of the first mismatch.
pub fn decode_json<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    operation: &str,
    tenant: &str,
) -> Result<T> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| Error::Decode {
        operation: operation.to_string(),
        tenant: tenant.to_string(),
        path: e.path().to_string(),
        message: e.inner().to_string(),
    })
}

/// Convert an already-parsed JSON value into `T`, reporting the JSON path of a mismatch.
pub fn decode_value<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
    operation: &str,
    tenant: &str,
) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|e| Error::Decode {
        operation: operation.to_string(),
        tenant: tenant.to_string(),
        path: e.path().to_string(),
        message: e.inner().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Page {
        value: Vec<Item>,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Item {
        id: String,
    }

    #[test]
    fn decode_reports_json_path() {
        let err = decode_json::<Page>(br#"{"value":[{"id":"a"},{"id":5}]}"#, "GET x/users", "t1")
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("value[1].id"), "{text}");
        assert!(text.contains("t1"), "{text}");
    }

    #[test]
    fn service_error_display_has_code_and_hint() {
        let e: Error = ServiceError {
            operation: "GET graph.microsoft.com/v1.0/users".into(),
            tenant: "alpha.onmicrosoft.com".into(),
            status: 400,
            code: Some("BadRequest".into()),
            message: "Request not applicable to target tenant.".into(),
            request_id: Some("r-1".into()),
            retry_after: None,
            raw_body: None,
        }
        .into();
        let text = e.to_string();
        assert!(text.contains("Required license not available"), "{text}");
        assert!(text.contains("r-1") && text.contains("alpha"), "{text}");
        assert_eq!(e.code(), Some("BadRequest"));
    }
}
