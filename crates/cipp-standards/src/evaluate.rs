//! Evaluation of one standard against one tenant snapshot: pure, no network.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use cipp_snapshot::{Snapshot, Status};

use crate::compare::{canonical, compare, project, CompareOptions, Difference};
use crate::definition::Definition;
use crate::error::StandardsError;
use crate::read;
use crate::render::{render, variables, TenantContext};

/// What a standard found in a tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Outcome {
    /// The tenant is as the standard wants it.
    Compliant {
        /// The current value (projected on the compared properties).
        current: Value,
    },
    /// The tenant differs.
    Drifted {
        /// The current value (projected).
        current: Value,
        /// The desired value.
        expected: Value,
        /// Every difference.
        diff: Vec<Difference>,
    },
    /// The tenant has none of the service plans the standard needs.
    NotApplicable {
        /// The plans of which one is needed.
        needs: Vec<String>,
    },
    /// The data to decide was not there: a failed or missing cache type, or nothing matched.
    NoData {
        /// The cache type.
        cache_type: String,
        /// Why.
        reason: String,
    },
    /// The standard is code, not data (prepare hooks, custom, manual), and this engine does
    /// not run it yet.
    Unsupported {
        /// What it needs.
        reason: String,
    },
}

/// The evaluation of one standard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Evaluation {
    /// The standard's name.
    pub standard: String,
    /// The tenant.
    pub tenant: String,
    /// What was found.
    pub outcome: Outcome,
}

impl Evaluation {
    /// `true` when compliant.
    pub fn is_compliant(&self) -> bool {
        matches!(self.outcome, Outcome::Compliant { .. })
    }
}

/// `NotApplicable` when the tenant has none of the plans `def` needs, `NoData` when its plans
/// could not be read; `None` when the standard may run.
pub(crate) fn licence_gap(def: &Definition, snapshot: &Snapshot) -> Option<Outcome> {
    licence_gap_for(&def.required_capabilities, snapshot)
}

/// [`licence_gap`] for a list of capabilities (empty: no licence needed).
pub(crate) fn licence_gap_for<S: AsRef<str>>(
    capabilities: &[S],
    snapshot: &Snapshot,
) -> Option<Outcome> {
    if capabilities.is_empty() {
        return None;
    }
    match snapshot.service_plans() {
        Ok(plans) => {
            let has = capabilities
                .iter()
                .any(|c| plans.contains(&c.as_ref().to_ascii_uppercase()));
            (!has).then(|| Outcome::NotApplicable {
                needs: capabilities
                    .iter()
                    .map(|c| c.as_ref().to_string())
                    .collect(),
            })
        }
        Err(reason) => Some(Outcome::NoData {
            cache_type: cipp_snapshot::LICENCE_TYPE.into(),
            reason,
        }),
    }
}

/// Whether a request of the definition's remediation creates the object when it is missing
/// (our `createWhenMissing` extension).
fn creates_when_missing(def: &Definition) -> bool {
    def.remediate
        .as_ref()
        .and_then(|r| r.get("requests"))
        .and_then(Value::as_array)
        .is_some_and(|rs| rs.iter().any(|r| r.get("createWhenMissing").is_some()))
}

/// Evaluate `def` with `settings` (its variables; defaults fill the rest) over `snapshot`.
/// Errors are problems of the definition or settings (unfilled tokens), never of the tenant.
pub fn evaluate(
    def: &Definition,
    settings: &Map<String, Value>,
    snapshot: &Snapshot,
    tenant: &TenantContext,
    options: CompareOptions,
) -> Result<Evaluation, StandardsError> {
    let done = |outcome| Evaluation {
        standard: def.name.clone(),
        tenant: snapshot.tenant.clone(),
        outcome,
    };
    if let Some(gap) = licence_gap(def, snapshot) {
        return Ok(done(gap));
    }
    let reason = def.unsupported_reason();
    let (None, Some(read), Some(expected)) = (reason, &def.read, &def.expected) else {
        return Ok(done(Outcome::Unsupported {
            reason: reason.unwrap_or_default().into(),
        }));
    };
    let vars = variables(def, settings);
    let expected = render(def, expected, &vars, tenant)?;
    let Some(data) = snapshot.get(&read.cache_type) else {
        return Ok(done(Outcome::NoData {
            cache_type: read.cache_type.clone(),
            reason: "not collected".into(),
        }));
    };
    if data.status != Status::Complete {
        return Ok(done(Outcome::NoData {
            cache_type: read.cache_type.clone(),
            reason: data
                .error
                .clone()
                .unwrap_or_else(|| format!("{:?}", data.status)),
        }));
    }
    let Some(current) = read::current(def, read, &data.rows, &vars, tenant)? else {
        if creates_when_missing(def) {
            // Remediation creates the object: its absence is drift from every expected value.
            return Ok(done(Outcome::Drifted {
                current: Value::Null,
                expected: canonical(&expected),
                diff: compare(
                    &expected,
                    &Value::Object(Map::new()),
                    CompareOptions {
                        hard_compare: true,
                        ..options
                    },
                ),
            }));
        }
        return Ok(done(Outcome::NoData {
            cache_type: read.cache_type.clone(),
            reason: "no object matched the read".into(),
        }));
    };
    let options = CompareOptions {
        hard_compare: options.hard_compare && def.hard_compare,
        ..options
    };
    let diff = compare(&expected, &current, options);
    let projected = project(&expected, &current);
    Ok(done(if diff.is_empty() {
        Outcome::Compliant { current: projected }
    } else {
        Outcome::Drifted {
            current: projected,
            expected: canonical(&expected),
            diff,
        }
    }))
}
