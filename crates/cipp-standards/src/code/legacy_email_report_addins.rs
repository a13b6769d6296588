//! `LegacyEmailReportAddins`: the app registrations of the retired report-message add-ins.

use serde_json::{json, Value};

use super::util::{graph, per_object, Finding};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// The legacy Outlook add-ins Microsoft replaced with the built-in Report button: their
/// product id (the `id` of the app registration's `addIns` entry), store asset id and name.
const LEGACY_ADDINS: [(&str, &str, &str); 2] = [
    (
        "3f32746a-0586-4c54-b8ce-d3b611c5b6c8",
        "WA200002469",
        "Report Phishing",
    ),
    (
        "6046742c-3aee-485e-a4ac-92ab7199db2e",
        "WA104381180",
        "Report Message",
    ),
];

/// App registrations carrying one of the legacy report-message add-ins (Report Message,
/// Report Phishing: found by the add-in's product id, never by name) are deleted, one
/// `DELETE applications/{id}` each. Destructive: the runner writes it only when allowed, and
/// only the registrations the evaluation found; every other application, add-in or not, is
/// left alone. A deleted registration stays restorable from the directory's recycle bin for
/// 30 days.
#[derive(Debug, Clone, Copy, Default)]
pub struct LegacyEmailReportAddins;

/// The names of the legacy add-ins `app` carries.
fn legacy_addins(app: &Value) -> Vec<&'static str> {
    app["addIns"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| {
            let id = a["id"].as_str()?;
            LEGACY_ADDINS
                .iter()
                .find(|(product, _, _)| product.eq_ignore_ascii_case(id))
                .map(|(_, _, name)| *name)
        })
        .collect()
}

impl Standard for LegacyEmailReportAddins {
    fn name(&self) -> &'static str {
        "LegacyEmailReportAddins"
    }
    fn label(&self) -> &'static str {
        "Remove the legacy report-message add-ins"
    }
    fn category(&self) -> &'static str {
        "Exchange Standards"
    }
    fn description(&self) -> &'static str {
        "Deletes the app registrations of the retired Report Message and Report Phishing \
         Outlook add-ins, which the built-in Report button replaces."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["Apps"]
    }
    fn destructive(&self) -> bool {
        true
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let findings = input
            .rows("Apps")
            .iter()
            .filter_map(|app| {
                let addins = legacy_addins(app);
                if addins.is_empty() {
                    return None;
                }
                let id = app["id"].as_str()?;
                let name = app["displayName"].as_str().unwrap_or(id);
                Some(Finding {
                    object: format!("{name} ({id})"),
                    current: json!({"legacyAddIns": addins, "appId": app["appId"]}),
                    expected: json!({"deleted": true}),
                    step: graph("DELETE", format!("applications/{id}"), Value::Null),
                })
            })
            .collect();
        let scope = json!({
            "legacyAddIns": LEGACY_ADDINS.iter().map(|(_, _, n)| *n).collect::<Vec<_>>(),
        });
        Ok(per_object(scope, findings))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_ins_are_known_by_product_id_only() {
        let app = json!({"displayName": "Report Message", "addIns": [
            {"id": "6046742C-3AEE-485E-A4AC-92AB7199DB2E"}, {"id": "other"}]});
        assert_eq!(legacy_addins(&app), ["Report Message"]);
        let renamed = json!({"displayName": "Report Phishing", "addIns": [{"id": "x"}]});
        assert!(legacy_addins(&renamed).is_empty());
        assert!(legacy_addins(&json!({})).is_empty());
    }
}
