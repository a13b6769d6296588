//! The one error type of this crate.

/// What can go wrong preparing or running alerts. (A rule whose data is missing for a tenant
/// is not an error: it is reported as "no data" for that tenant.)
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AlertError {
    /// No rule has this name.
    #[error("unknown alert rule '{0}'")]
    UnknownRule(String),
    /// A rule's parameter has the wrong shape or value.
    #[error("alert {rule}: parameter {parameter}: {message}")]
    Parameter {
        /// The rule.
        rule: String,
        /// The parameter.
        parameter: String,
        /// What was wrong.
        message: String,
    },
    /// A rule could not read the data it needs in a tenant.
    #[error("alert {rule} in {tenant}: {message}")]
    Data {
        /// The rule.
        rule: String,
        /// The tenant.
        tenant: String,
        /// What was missing or malformed.
        message: String,
    },
    /// The alert configuration is malformed.
    #[error("alert configuration {source_name}: {message}")]
    Config {
        /// The file, or `-` for text.
        source_name: String,
        /// What was wrong, with the JSON path.
        message: String,
    },
    /// A destination could not be reached or refused the message. Never carries a secret
    /// or the full destination URL (webhook URLs often embed a token).
    #[error("destination {destination}: {message}")]
    Delivery {
        /// The destination's name.
        destination: String,
        /// What went wrong.
        message: String,
        /// HTTP status, when the destination answered.
        status: Option<u16>,
    },
    /// A secret the destination needs is missing or unreadable.
    #[error("destination {destination}: secret '{secret}': {message}")]
    Secret {
        /// The destination.
        destination: String,
        /// The secret's name (never its value).
        secret: String,
        /// What went wrong.
        message: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] cipp_snapshot::SnapshotError),
    /// An audit-log alert rule is malformed: which rule, which condition (0-based, as stored)
    /// and which field.
    #[error("audit rule {rule}: {}{field}: {message}", condition.map(|i| format!("condition {i}: ")).unwrap_or_default())]
    AuditRule {
        /// The rule's id (or its position in the file, `#0`, when it has none).
        rule: String,
        /// The condition, when the problem is in one.
        condition: Option<usize>,
        /// The field (`Property.label`, `Operator.value`, `Input.value`, `Actions`...).
        field: String,
        /// What was wrong.
        message: String,
    },
    /// A unified audit log search failed in a tenant.
    #[error("audit log search in {tenant}: {message}")]
    AuditSearch {
        /// The tenant.
        tenant: String,
        /// What went wrong (the service's code and message when it answered).
        message: String,
    },
}

impl AlertError {
    pub(crate) fn param(rule: &str, parameter: &str, message: impl Into<String>) -> AlertError {
        AlertError::Parameter {
            rule: rule.to_string(),
            parameter: parameter.to_string(),
            message: message.into(),
        }
    }
}

/// For front ends that speak the core error only: everything becomes
/// [`cipp_core::Error::InvalidInput`] naming the rule parameter, configuration, destination or
/// store at fault, with this error's message.
impl From<AlertError> for cipp_core::Error {
    fn from(e: AlertError) -> Self {
        let field = match &e {
            AlertError::UnknownRule(rule) => format!("rules.{rule}"),
            AlertError::Parameter {
                rule, parameter, ..
            } => format!("rules.{rule}.params.{parameter}"),
            AlertError::Data { rule, .. } => format!("rules.{rule}"),
            AlertError::Config { source_name, .. } => source_name.clone(),
            AlertError::Delivery { destination, .. } | AlertError::Secret { destination, .. } => {
                format!("destinations.{destination}")
            }
            AlertError::Store(_) => "store".to_string(),
            AlertError::AuditRule {
                rule,
                condition,
                field,
                ..
            } => match condition {
                Some(i) => format!("{rule}.Conditions[{i}].{field}"),
                None => format!("{rule}.{field}"),
            },
            AlertError::AuditSearch { tenant, .. } => format!("audit search {tenant}"),
        };
        cipp_core::Error::InvalidInput {
            field,
            message: e.to_string(),
        }
    }
}
