//! The one error type of this crate, and how Exchange's error answers are read.

use std::fmt;

use cipp_core::http::get_ci;
use serde_json::Value;

/// What can go wrong running Exchange Online cmdlets.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExchangeError {
    /// Exchange ran the cmdlet and reported an error (bad parameter, object not found,
    /// permission missing...).
    #[error("{0}")]
    Cmdlet(Box<CmdletError>),
    /// The call never got as far as the cmdlet: token, transport, throttling past the retry
    /// budget, an answer that could not be decoded.
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

impl ExchangeError {
    pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ExchangeError::InvalidInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The cmdlet error, when Exchange ran the cmdlet and refused.
    pub fn as_cmdlet(&self) -> Option<&CmdletError> {
        match self {
            ExchangeError::Cmdlet(c) => Some(c),
            _ => None,
        }
    }

    /// The HTTP status of the failed call, if one was answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ExchangeError::Cmdlet(c) => c.status,
            ExchangeError::Api(e) => e.status(),
            ExchangeError::InvalidInput { .. } => None,
        }
    }

    /// `true` when Exchange said the object does not exist.
    pub fn is_not_found(&self) -> bool {
        match self {
            ExchangeError::Cmdlet(c) => c.is_not_found(),
            ExchangeError::Api(e) => e.is_not_found(),
            ExchangeError::InvalidInput { .. } => false,
        }
    }
}

impl From<CmdletError> for ExchangeError {
    fn from(e: CmdletError) -> Self {
        ExchangeError::Cmdlet(Box::new(e))
    }
}

/// For front ends that speak the core error only: a cmdlet error becomes a service error whose
/// operation is the cmdlet and whose code is Exchange's exception type.
impl From<ExchangeError> for cipp_core::Error {
    fn from(e: ExchangeError) -> Self {
        match e {
            ExchangeError::Api(e) => e,
            ExchangeError::InvalidInput { field, message } => {
                cipp_core::Error::InvalidInput { field, message }
            }
            ExchangeError::Cmdlet(c) => cipp_core::ServiceError::new(
                c.cmdlet.clone(),
                c.tenant.clone(),
                c.status.unwrap_or(400),
                c.message.clone(),
            )
            .with_code(c.short_type().or(c.code.as_deref()).map(str::to_string))
            .with_request_id(c.request_id.clone())
            .into(),
        }
    }
}

/// Exchange refused a cmdlet.
///
/// Exchange packs three things into one message:
/// `Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The
/// operation couldn't be performed because object 'x' couldn't be found on '...'.` They are
/// split here into [`code`](Self::code), [`exception_type`](Self::exception_type) and
/// [`message`](Self::message), so callers can match on the type rather than on English text.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CmdletError {
    /// The cmdlet, e.g. `Set-Mailbox`.
    pub cmdlet: String,
    /// The tenant it ran in.
    pub tenant: String,
    /// The HTTP status of the answer (absent for the warnings-only answers).
    pub status: Option<u16>,
    /// The human message, without the code and type prefixes.
    pub message: String,
    /// The .NET exception type, e.g.
    /// `Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException`.
    pub exception_type: Option<String>,
    /// Exchange's `ExNNNNNN` code, or the OData `error.code` when there is none.
    pub code: Option<String>,
    /// The object the error is about (`error.details[].target`), when Exchange names one.
    pub target: Option<String>,
    /// `request-id` of the answer, for a support case.
    pub request_id: Option<String>,
}

impl CmdletError {
    /// The last segment of the exception type (`ManagementObjectNotFoundException`).
    pub fn short_type(&self) -> Option<&str> {
        self.exception_type
            .as_deref()
            .map(|t| t.rsplit('.').next().unwrap_or(t))
    }

    /// `true` when Exchange said the object does not exist.
    pub fn is_not_found(&self) -> bool {
        self.short_type().is_some_and(|t| {
            t == "ManagementObjectNotFoundException" || t == "ObjectNotFoundException"
        }) || self.message.contains("couldn't be found")
    }

    /// Read the error out of an Exchange error body. The message is chosen as Exchange's own
    /// tooling does: every `error.details[].message` (joined), else
    /// `error.innererror.internalexception.message`, else `error.message`.
    pub fn from_body(
        cmdlet: &str,
        tenant: &str,
        status: Option<u16>,
        body: &Value,
    ) -> Option<CmdletError> {
        let err = get_ci(body, "error")?;
        let text = |v: Option<&Value>| {
            v.and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let details: Vec<&Value> = match get_ci(err, "details") {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(obj @ Value::Object(_)) => vec![obj],
            _ => Vec::new(),
        };
        let detail_messages: Vec<String> = details
            .iter()
            .filter_map(|d| text(get_ci(d, "message")))
            .collect();
        let target = details.iter().find_map(|d| text(get_ci(d, "target")));
        let inner = get_ci(err, "innererror")
            .and_then(|i| get_ci(i, "internalexception").and_then(|x| text(get_ci(x, "message"))));
        let raw = if !detail_messages.is_empty() {
            detail_messages.join("; ")
        } else if let Some(inner) = inner {
            inner
        } else if let Some(m) = text(get_ci(err, "message")) {
            m
        } else if let Some(s) = err.as_str() {
            s.to_string()
        } else {
            return None;
        };
        let (ex_code, exception_type, message) = split_exchange_message(&raw);
        let request_id = get_ci(err, "innererror")
            .and_then(|i| text(get_ci(i, "request-id")))
            .or_else(|| text(get_ci(err, "requestId")));
        Some(CmdletError {
            cmdlet: cmdlet.to_string(),
            tenant: tenant.to_string(),
            status,
            message,
            exception_type,
            code: ex_code.or_else(|| text(get_ci(err, "code"))),
            target,
            request_id,
        })
    }
}

impl fmt::Display for CmdletError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed in tenant '{}'", self.cmdlet, self.tenant)?;
        if let Some(t) = self.short_type() {
            write!(f, " ({t})")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(target) = &self.target {
            write!(f, " [target {target}]")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request-id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for CmdletError {}

/// Split `ExNNNNNN|Type|message` into its parts. Text without that shape is all message.
fn split_exchange_message(raw: &str) -> (Option<String>, Option<String>, String) {
    let mut parts = raw.splitn(3, '|');
    if let (Some(code), Some(kind), Some(message)) = (parts.next(), parts.next(), parts.next()) {
        let code = code.trim();
        let kind = kind.trim();
        let looks_like_code =
            code.is_empty() || (code.len() > 2 && code[..2].eq_ignore_ascii_case("ex"));
        if looks_like_code && kind.ends_with("Exception") && !kind.contains(' ') {
            return (
                (!code.is_empty()).then(|| code.to_string()),
                Some(kind.to_string()),
                message.trim().to_string(),
            );
        }
    }
    (None, None, raw.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn details_win_and_are_split() {
        let body = json!({"error": {"code": "InternalServerError", "message": "outer",
            "details": [{"code": "Context", "target": "bob@alpha.example",
                "message": "Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object 'bob' couldn't be found on 'X'."}],
            "innererror": {"internalexception": {"message": "inner"}}}});
        let e = CmdletError::from_body("Get-Mailbox", "alpha", Some(404), &body).unwrap();
        assert_eq!(e.code.as_deref(), Some("Ex6F9304"));
        assert_eq!(e.short_type(), Some("ManagementObjectNotFoundException"));
        assert!(e.message.starts_with("The operation couldn't"));
        assert_eq!(e.target.as_deref(), Some("bob@alpha.example"));
        assert!(e.is_not_found());
        assert!(e
            .to_string()
            .contains("Get-Mailbox failed in tenant 'alpha'"));
    }

    #[test]
    fn inner_exception_then_message() {
        let inner = json!({"error": {"code": "x", "message": "outer",
            "innererror": {"internalexception": {"message": "|Microsoft.Exchange.Management.Tasks.ValidationException|Bad value"}}}});
        let e = CmdletError::from_body("Set-X", "t", Some(400), &inner).unwrap();
        assert_eq!(e.message, "Bad value");
        assert_eq!(e.code.as_deref(), Some("x"));
        let plain = json!({"error": {"code": "Forbidden", "message": "Access denied | try later"}});
        let e = CmdletError::from_body("Set-X", "t", Some(403), &plain).unwrap();
        assert_eq!(e.message, "Access denied | try later");
        assert_eq!(e.exception_type, None);
        assert!(CmdletError::from_body("Set-X", "t", None, &json!({"value": []})).is_none());
    }

    #[test]
    fn converts_to_core_service_error() {
        let body = json!({"error": {"details": [{"message": "Ex1|A.B.ValidationException|nope"}]}});
        let e: cipp_core::Error = ExchangeError::from(
            CmdletError::from_body("Set-Mailbox", "t", Some(400), &body).unwrap(),
        )
        .into();
        assert_eq!(e.code(), Some("ValidationException"));
        assert_eq!(e.status(), Some(400));
    }
}
