//! The one error type of this crate.

use std::path::PathBuf;

/// What can go wrong loading, comparing, capturing or deploying a template. Every variant
/// names the template (its display name, or the file), and where it applies the tenant and the
/// JSON path at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// A template file or folder could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the file system said.
        source: std::io::Error,
    },
    /// A template's JSON is malformed or has the wrong shape.
    #[error("template '{template}' is not valid at {path}: {message}")]
    Parse {
        /// The template (file name or display name).
        template: String,
        /// JSON path of the offending value (`.` for the root; `RAWJson.settings[0]` inside an
        /// Intune template's payload).
        path: String,
        /// What was wrong.
        message: String,
    },
    /// No template in the library answers to this GUID or name.
    #[error("no template '{query}' in the library")]
    NotInLibrary {
        /// The GUID or display name asked for.
        query: String,
    },
    /// The template refers to something the tenant does not have (a group, a user, a named
    /// location), and the options do not allow creating it. Nothing was written.
    #[error("template '{template}' refers to {kind} '{name}' at {path}, which tenant '{tenant}' does not have")]
    MissingReference {
        /// The template's display name.
        template: String,
        /// The tenant.
        tenant: String,
        /// `group`, `user` or `namedLocation`.
        kind: &'static str,
        /// The name (or id) the template uses.
        name: String,
        /// Where in the template (`conditions.users.includeGroups`).
        path: String,
    },
    /// The template cannot be deployed as it is (an unknown Intune type, a policy without a
    /// name, a reference that cannot be resolved). Nothing was written for it.
    #[error("template '{template}' cannot be used at {path}: {message}")]
    Invalid {
        /// The template's display name.
        template: String,
        /// JSON path of the problem (`.` for the whole template).
        path: String,
        /// What was wrong.
        message: String,
    },
    /// A Graph call failed.
    #[error("template '{template}' in tenant '{tenant}': {source}")]
    Graph {
        /// The template's display name (or what was being read).
        template: String,
        /// The tenant.
        tenant: String,
        /// The Graph error, with status, code, message and request id.
        source: Box<cipp_core::Error>,
    },
    /// An Exchange cmdlet failed.
    #[error("template '{template}' in tenant '{tenant}': {source}")]
    Exchange {
        /// The template's display name (or what was being read).
        template: String,
        /// The tenant.
        tenant: String,
        /// The Exchange error, with the cmdlet's code and message.
        source: Box<cipp_exchange::ExchangeError>,
    },
    /// The object asked for (to capture) does not exist in the tenant.
    #[error("tenant '{tenant}' has no {kind} '{id}'")]
    NotFound {
        /// The tenant.
        tenant: String,
        /// `conditionalAccessPolicy`, `intunePolicy`, `group` or `transportRule`.
        kind: &'static str,
        /// The id asked for.
        id: String,
    },
}

impl TemplateError {
    pub(crate) fn invalid(
        template: impl Into<String>,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        TemplateError::Invalid {
            template: template.into(),
            path: path.into(),
            message: message.into(),
        }
    }

    /// `true` when the error says a referenced group, user or location is missing (nothing
    /// was written).
    pub fn is_missing_reference(&self) -> bool {
        matches!(self, TemplateError::MissingReference { .. })
    }

    /// The HTTP status of a failed service call, if one was answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            TemplateError::Graph { source, .. } => source.status(),
            TemplateError::Exchange { source, .. } => source.status(),
            _ => None,
        }
    }
}

/// Decode `text` as `T`, naming the JSON path of a mismatch.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    template: &str,
    prefix: &str,
    text: &str,
) -> Result<T, TemplateError> {
    let text = text.trim_start_matches('\u{feff}');
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let inner = e.path().to_string();
        TemplateError::Parse {
            template: template.to_string(),
            path: join_path(prefix, &inner),
            message: e.into_inner().to_string(),
        }
    })
}

/// Decode a JSON value as `T`, naming the JSON path of a mismatch.
pub(crate) fn from_value<T: serde::de::DeserializeOwned>(
    template: &str,
    prefix: &str,
    value: serde_json::Value,
) -> Result<T, TemplateError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let inner = e.path().to_string();
        TemplateError::Parse {
            template: template.to_string(),
            path: join_path(prefix, &inner),
            message: e.into_inner().to_string(),
        }
    })
}

fn join_path(prefix: &str, inner: &str) -> String {
    match (prefix.is_empty(), inner == ".") {
        (true, _) => inner.to_string(),
        (false, true) => prefix.to_string(),
        (false, false) => format!("{prefix}.{inner}"),
    }
}

/// For front ends that speak the core error only: service errors pass through, everything
/// else becomes [`cipp_core::Error::InvalidInput`] with this error's message.
impl From<TemplateError> for cipp_core::Error {
    fn from(e: TemplateError) -> Self {
        match e {
            TemplateError::Graph { source, .. } => *source,
            TemplateError::Exchange { source, .. } => (*source).into(),
            other => {
                let field = match &other {
                    TemplateError::Io { path, .. } => path.display().to_string(),
                    TemplateError::Parse { template, path, .. } => format!("{template} {path}"),
                    TemplateError::NotInLibrary { .. } => "template".to_string(),
                    TemplateError::MissingReference { template, path, .. }
                    | TemplateError::Invalid { template, path, .. } => format!("{template} {path}"),
                    TemplateError::NotFound { kind, .. } => (*kind).to_string(),
                    _ => "template".to_string(),
                };
                cipp_core::Error::InvalidInput {
                    field,
                    message: other.to_string(),
                }
            }
        }
    }
}
