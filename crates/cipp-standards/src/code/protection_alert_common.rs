//! What the alert-policy standards share: the Security & Compliance alert policy
//! (`Get-ProtectionAlert`) CIPP keeps under a fixed name, found by that name, and its
//! create-or-update as one compliance cmdlet.

use serde_json::{json, Map, Value};

use super::exchange_common::set_of;
use super::util::{compliance, list};
use crate::error::StandardsError;
use crate::plan::Step;

/// The cache type holding the tenant's alert policies.
pub(crate) const ALERTS: &str = "ProtectionAlerts";

/// The alert policy named `name` (any case, as the service matches names).
pub(crate) fn find<'a>(rows: &'a [Value], name: &str) -> Option<&'a Value> {
    rows.iter().find(|r| {
        r["Name"]
            .as_str()
            .or(r["Identity"].as_str())
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
    })
}

/// The recipients of `policy`, lower case and sorted (empty when there is no policy).
pub(crate) fn recipients(policy: Option<&Value>) -> Vec<String> {
    policy.map(|p| set_of(&p["NotifyUser"])).unwrap_or_default()
}

/// The `NotifyUser` setting: at least one address (a list, pickers, or text split on commas
/// and semicolons), each with an `@`.
pub(crate) fn notify_users(
    standard: &str,
    settings: &Map<String, Value>,
) -> Result<Vec<String>, StandardsError> {
    let bad = |message: String| StandardsError::Setting {
        standard: standard.into(),
        setting: "NotifyUser".into(),
        message,
    };
    let users = list(settings, "NotifyUser");
    if users.is_empty() {
        return Err(bad("no address to send the alert to was given".into()));
    }
    if let Some(u) = users.iter().find(|u| !u.contains('@')) {
        return Err(bad(format!("'{u}' is not an e-mail address")));
    }
    Ok(users)
}

/// `Set-ProtectionAlert` of the policy named `name` when it exists, else `New-ProtectionAlert`
/// (which also fixes `ThreatType`, the kind of signal it watches: user activity).
pub(crate) fn upsert(exists: bool, name: &str, mut parameters: Map<String, Value>) -> Step {
    if exists {
        parameters.insert("Identity".into(), json!(name));
        compliance("Set-ProtectionAlert", Value::Object(parameters))
    } else {
        parameters.insert("Name".into(), json!(name));
        parameters.insert("ThreatType".into(), json!("Activity"));
        compliance("New-ProtectionAlert", Value::Object(parameters))
    }
}
