//! The one error type of this crate.

/// What can go wrong running an action. Every variant names the tenant and, where one is
/// involved, the user.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ActionError {
    /// A Graph call failed.
    #[error("{action} for '{user}' in tenant '{tenant}': {source}")]
    Graph {
        /// What was being done (`reset password`, `list authentication methods`).
        action: String,
        /// The tenant.
        tenant: String,
        /// The user (UPN or id), or `-` for tenant-wide reads.
        user: String,
        /// The Graph error, with status, code, message and request id.
        source: Box<cipp_core::Error>,
    },
    /// An Exchange cmdlet failed.
    #[error("{action} for '{user}' in tenant '{tenant}': {source}")]
    Exchange {
        /// What was being done.
        action: String,
        /// The tenant.
        tenant: String,
        /// The user (UPN or id).
        user: String,
        /// The Exchange error, with the cmdlet's name, code and message.
        source: Box<cipp_exchange::ExchangeError>,
    },
    /// A SharePoint (CSOM) call failed, such as a OneDrive site change.
    #[error("{action} for '{user}' in tenant '{tenant}': {source}")]
    SharePoint {
        /// What was being done.
        action: String,
        /// The tenant.
        tenant: String,
        /// The user (UPN or id).
        user: String,
        /// The SharePoint error (a CSOM failure keeps its message and exception type).
        source: Box<cipp_sharepoint::SharePointError>,
    },
    /// The input is not usable; nothing was sent.
    #[error("invalid {field}: {message}")]
    InvalidInput {
        /// The argument or option at fault (`licences[1]`, `lifetime_minutes`).
        field: String,
        /// What was wrong.
        message: String,
    },
    /// A destructive action was asked for without its confirmation; nothing was sent.
    #[error("{action} is destructive and needs an explicit confirmation; nothing was changed")]
    NotConfirmed {
        /// The action that was refused.
        action: String,
    },
    /// The user (or object) does not exist in the tenant.
    #[error("tenant '{tenant}' has no user '{user}'")]
    UserNotFound {
        /// The tenant.
        tenant: String,
        /// The UPN or id asked for.
        user: String,
    },
}

impl ActionError {
    /// The HTTP status of a failed service call, if one was answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ActionError::Graph { source, .. } => source.status(),
            ActionError::Exchange { source, .. } => source.status(),
            ActionError::SharePoint { source, .. } => match source.as_ref() {
                cipp_sharepoint::SharePointError::Api(e) => e.status(),
                _ => None,
            },
            _ => None,
        }
    }
}

/// For front ends that speak the core error only: service errors pass through, everything
/// else becomes [`cipp_core::Error::InvalidInput`] with this error's message.
impl From<ActionError> for cipp_core::Error {
    fn from(e: ActionError) -> Self {
        match e {
            ActionError::Graph { source, .. } => *source,
            ActionError::Exchange { source, .. } => (*source).into(),
            ActionError::SharePoint { source, .. } => (*source).into(),
            // Already a field and a message: passed on as they are, so the text does not
            // say "invalid <field>:" twice.
            ActionError::InvalidInput { field, message } => {
                cipp_core::Error::InvalidInput { field, message }
            }
            other => {
                let field = match &other {
                    ActionError::NotConfirmed { action } => format!("{action} confirmation"),
                    ActionError::UserNotFound { user, .. } => format!("user {user}"),
                    _ => "action".to_string(),
                };
                cipp_core::Error::InvalidInput {
                    field,
                    message: other.to_string(),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_input_keeps_its_field_and_says_it_once() {
        let e: cipp_core::Error = ActionError::InvalidInput {
            field: "licences.add[0]".into(),
            message: "no SKU 'E9'".into(),
        }
        .into();
        assert_eq!(e.to_string(), "invalid licences.add[0]: no SKU 'E9'");
    }
}
