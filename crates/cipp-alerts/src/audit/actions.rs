//! The user actions an audit rule can ask for (disable the user, compromised-account
//! remediation) live in another crate (cipp-actions); the caller hands the runner an
//! [`AuditActionHandler`] that performs them, so this crate stays below it.

use async_trait::async_trait;

use super::AuditEvent;

/// Why a user action failed, in words for the report (never a secret).
pub type ActionError = Box<dyn std::error::Error + Send + Sync>;

/// Performs user actions for matched audit records.
///
/// ```
/// use cipp_alerts::audit::{ActionError, AuditActionHandler, AuditEvent};
/// #[derive(Debug)]
/// struct Log;
/// #[async_trait::async_trait]
/// impl AuditActionHandler for Log {
///     async fn disable_user(&self, tenant: &str, user: &str, _: &AuditEvent) -> Result<String, ActionError> {
///         Ok(format!("would disable {user} in {tenant}"))
///     }
///     async fn remediate_compromised(&self, tenant: &str, user: &str, _: &AuditEvent) -> Result<String, ActionError> {
///         Ok(format!("would remediate {user} in {tenant}"))
///     }
/// }
/// ```
#[async_trait]
pub trait AuditActionHandler: Send + Sync + std::fmt::Debug {
    /// Block the user's sign-in (CIPP's `disableUser`). Answers what was done.
    async fn disable_user(
        &self,
        tenant: &str,
        user: &str,
        event: &AuditEvent,
    ) -> Result<String, ActionError>;

    /// Compromised-account remediation (CIPP's `becremediate`: reset the password, block
    /// sign-in, revoke sessions, disable inbox rules). Answers what was done.
    async fn remediate_compromised(
        &self,
        tenant: &str,
        user: &str,
        event: &AuditEvent,
    ) -> Result<String, ActionError>;
}
