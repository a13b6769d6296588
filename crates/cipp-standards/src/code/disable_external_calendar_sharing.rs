//! `DisableExternalCalendarSharing`: users cannot share calendars outside the organisation.

use serde_json::json;

use super::util::{exchange, per_object, Finding};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// Every enabled sharing policy that allows calendar sharing (a `Domains` entry with
/// `CalendarSharing`) is disabled, one `Set-SharingPolicy` each.
#[derive(Debug, Clone, Copy, Default)]
pub struct DisableExternalCalendarSharing;

impl Standard for DisableExternalCalendarSharing {
    fn name(&self) -> &'static str {
        "DisableExternalCalendarSharing"
    }
    fn label(&self) -> &'static str {
        "No external calendar sharing"
    }
    fn category(&self) -> &'static str {
        "Exchange Standards"
    }
    fn description(&self) -> &'static str {
        "Turns off the sharing policies that let users share their calendars with people \
         outside the organisation or anonymously."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["ExoSharingPolicy"]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let findings = input
            .rows("ExoSharingPolicy")
            .iter()
            .filter(|p| p["Enabled"].as_bool() == Some(true))
            .filter(|p| {
                p["Domains"].as_array().is_some_and(|d| {
                    d.iter()
                        .filter_map(|x| x.as_str())
                        .any(|x| x.to_ascii_lowercase().contains("calendarsharing"))
                })
            })
            .filter_map(|p| {
                let id = p["Identity"].as_str().or(p["Name"].as_str())?;
                Some(Finding {
                    object: id.to_string(),
                    current: json!({"Enabled": true, "Domains": p["Domains"].clone()}),
                    expected: json!({"Enabled": false}),
                    step: exchange(
                        "Set-SharingPolicy",
                        json!({"Identity": id, "Enabled": false}),
                    ),
                })
            })
            .collect();
        Ok(per_object(serde_json::Value::Null, findings))
    }
}
