//! `SharePointMassDeletionAlert`: an alert policy that fires when one user deletes many
//! SharePoint or OneDrive files in a short time.

use serde_json::{json, Map};

use super::protection_alert_common::{find, notify_users, recipients, upsert, ALERTS};
use super::util::{number, single};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// The alert policy `CIPP SharePoint mass deletion of files by a user` (Security &
/// Compliance, operation `FileDeleted`, high severity) fires when a user deletes more than
/// `Threshold` files (default 20) within `TimeWindow` minutes (default 60) and notifies
/// exactly the addresses of `NotifyUser`. Threshold alerts need Azure Information Protection
/// P2 (`RMS_S_PREMIUM2`, in E5 and E5 Compliance). Created when missing, else set; other
/// alert policies are never touched.
#[derive(Debug, Clone, Copy, Default)]
pub struct SharePointMassDeletionAlert;

/// CIPP's name for the policy, so tenants CIPP already configured are recognised.
const POLICY: &str = "CIPP SharePoint mass deletion of files by a user";

impl Standard for SharePointMassDeletionAlert {
    fn name(&self) -> &'static str {
        "SharePointMassDeletionAlert"
    }
    fn label(&self) -> &'static str {
        "Alert on mass file deletion in SharePoint"
    }
    fn category(&self) -> &'static str {
        "Defender Standards"
    }
    fn description(&self) -> &'static str {
        "Keeps a Security & Compliance alert policy that e-mails the given addresses when one \
         user deletes more than a number of SharePoint files within a time window."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &[ALERTS]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        &["RMS_S_PREMIUM2"]
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("NotifyUser", ""),
            ("Threshold", "20"),
            ("TimeWindow", "60"),
        ]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let wanted = notify_users(self.name(), input.settings)?;
        let threshold = number(self.name(), input.settings, "Threshold", 20, 1)?;
        let window = number(self.name(), input.settings, "TimeWindow", 60, 1)?;
        let policy = find(input.rows(ALERTS), POLICY);
        let mut wanted_set: Vec<String> = wanted.iter().map(|w| w.to_ascii_lowercase()).collect();
        wanted_set.sort();
        let current = json!({
            "exists": policy.is_some(),
            "NotifyUser": recipients(policy),
            "Threshold": policy.map(|p| p["Threshold"].clone()),
            "TimeWindow": policy.map(|p| p["TimeWindow"].clone()),
        });
        let expected = json!({"exists": true, "NotifyUser": wanted_set,
                              "Threshold": threshold, "TimeWindow": window});
        let mut parameters = Map::new();
        parameters.insert("NotifyUser".into(), json!(wanted));
        parameters.insert("Category".into(), json!("DataGovernance"));
        parameters.insert("Operation".into(), json!("FileDeleted"));
        parameters.insert("Severity".into(), json!("High"));
        // Aggregation 1 (simple): count the events of one user within the window.
        parameters.insert("AggregationType".into(), json!("SimpleAggregation"));
        parameters.insert("Threshold".into(), json!(threshold));
        parameters.insert("TimeWindow".into(), json!(window));
        let step = upsert(policy.is_some(), POLICY, parameters);
        Ok(single(current, expected, vec![step]))
    }
}
