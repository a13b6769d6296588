//! `QuarantineRequestAlert`: an alert policy that tells someone when a user asks for a
//! quarantined message to be released.

use serde_json::{json, Map};

use super::exchange_common::EXCHANGE_PLANS;
use super::protection_alert_common::{find, notify_users, recipients, upsert, ALERTS};
use super::util::single;
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// The alert policy `CIPP User requested to release a quarantined message` (Security &
/// Compliance, operation `QuarantineRequestReleaseMessage`) notifies every address of
/// `NotifyUser`. Judged as CIPP judges it: the policy exists and its recipients include the
/// addresses given (others it has are not drift). Remediation creates the policy when it is
/// missing, else sets it; recipients someone added are kept, since they are not drift.
/// Other alert policies are never touched.
#[derive(Debug, Clone, Copy, Default)]
pub struct QuarantineRequestAlert;

/// CIPP's name for the policy, so tenants CIPP already configured are recognised.
const POLICY: &str = "CIPP User requested to release a quarantined message";

impl Standard for QuarantineRequestAlert {
    fn name(&self) -> &'static str {
        "QuarantineRequestAlert"
    }
    fn label(&self) -> &'static str {
        "Alert on quarantine release requests"
    }
    fn category(&self) -> &'static str {
        "Defender Standards"
    }
    fn description(&self) -> &'static str {
        "Keeps a Security & Compliance alert policy that e-mails the given addresses when a \
         user asks for a quarantined message to be released, so someone reviews it."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &[ALERTS]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        EXCHANGE_PLANS
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[("NotifyUser", "")]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let wanted = notify_users(self.name(), input.settings)?;
        let policy = find(input.rows(ALERTS), POLICY);
        let has = recipients(policy);
        let missing: Vec<String> = wanted
            .iter()
            .filter(|w| !has.contains(&w.to_ascii_lowercase()))
            .cloned()
            .collect();
        let current = json!({"exists": policy.is_some(), "NotifyUser": has,
                             "missing": missing.len()});
        let expected = json!({"exists": true, "missing": 0});
        // Keep who else it notifies; add who is missing.
        let mut notify: Vec<String> = policy
            .map(|p| {
                p["NotifyUser"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        notify.extend(missing);
        let mut parameters = Map::new();
        parameters.insert("NotifyUser".into(), json!(notify));
        parameters.insert("Category".into(), json!("ThreatManagement"));
        parameters.insert("Operation".into(), json!("QuarantineRequestReleaseMessage"));
        parameters.insert("Severity".into(), json!("Informational"));
        parameters.insert("AggregationType".into(), json!("None"));
        let step = upsert(policy.is_some(), POLICY, parameters);
        Ok(single(current, expected, vec![step]))
    }
}
