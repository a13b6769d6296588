//! `SecureScoreRemediation`: the state of named Secure Score controls.

use serde_json::{json, Value};

use super::util::{graph_patch, list, per_object, Finding};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// The setting naming the controls of each state, the state Graph takes, and the comment
/// recorded with the change (CIPP records the state's name as the reason).
const STATES: [(&str, &str, &str); 4] = [
    ("Default", "default", "Default"),
    ("Ignored", "ignored", "Ignored"),
    ("ThirdParty", "thirdParty", "ThirdParty"),
    ("Reviewed", "reviewed", "Reviewed"),
];

/// Secure Score controls named in `Default`, `Ignored`, `ThirdParty` or `Reviewed` (lists of
/// control ids such as `AdminMFAV2`) are given that state, with the state's name as the
/// reason: one `PATCH security/secureScoreControlProfiles/{id}` per control whose latest
/// state update differs (a control never updated is at `default`). Only the controls named
/// are touched. Microsoft Defender controls (`scid_...`) take no state through this API and
/// are passed over, as CIPP does; named controls the tenant does not have are reported, not
/// written. A control named under two states is a settings error.
#[derive(Debug, Clone, Copy, Default)]
pub struct SecureScoreRemediation;

/// A control's state: that of its latest `controlStateUpdates` entry, else `default`.
fn state_of(control: &Value) -> String {
    control["controlStateUpdates"]
        .as_array()
        .into_iter()
        .flatten()
        .max_by(|a, b| {
            let t = |v: &Value| {
                v["updatedDateTime"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            };
            t(a).cmp(&t(b))
        })
        .and_then(|u| u["state"].as_str())
        .filter(|s| !s.is_empty())
        .unwrap_or("default")
        .to_string()
}

impl Standard for SecureScoreRemediation {
    fn name(&self) -> &'static str {
        "SecureScoreRemediation"
    }
    fn label(&self) -> &'static str {
        "Secure Score control states"
    }
    fn category(&self) -> &'static str {
        "Global Standards"
    }
    fn description(&self) -> &'static str {
        "Marks the named Secure Score controls as default, ignored, resolved by a third party \
         or reviewed, with the state as the reason."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["SecureScoreControlProfiles"]
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("Default", ""),
            ("Ignored", ""),
            ("ThirdParty", ""),
            ("Reviewed", ""),
        ]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        // (control, state, reason), in the order the settings name them.
        let mut wanted: Vec<(String, &str, &str)> = Vec::new();
        for (setting, state, reason) in STATES {
            for control in list(input.settings, setting) {
                if let Some((_, other, _)) = wanted
                    .iter()
                    .find(|(c, _, _)| c.eq_ignore_ascii_case(&control))
                {
                    return Err(StandardsError::Setting {
                        standard: self.name().into(),
                        setting: setting.into(),
                        message: format!("control '{control}' is also to be {other}"),
                    });
                }
                wanted.push((control, state, reason));
            }
        }
        let controls = input.rows("SecureScoreControlProfiles");
        let mut not_found = Vec::new();
        let mut skipped = Vec::new();
        let mut findings = Vec::new();
        for (name, state, reason) in &wanted {
            if name.to_ascii_lowercase().starts_with("scid_") {
                skipped.push(name.clone());
                continue;
            }
            let Some(control) = controls.iter().find(|c| {
                c["id"]
                    .as_str()
                    .is_some_and(|i| i.eq_ignore_ascii_case(name))
            }) else {
                not_found.push(name.clone());
                continue;
            };
            let id = control["id"].as_str().unwrap_or(name);
            let now = state_of(control);
            if now.eq_ignore_ascii_case(state) {
                continue;
            }
            findings.push(Finding {
                object: id.to_string(),
                current: json!({"state": now}),
                expected: json!({"state": state}),
                step: graph_patch(
                    format!("security/secureScoreControlProfiles/{id}"),
                    json!({
                        "state": state,
                        "comment": reason,
                        "vendorInformation": {"vendor": "Microsoft", "provider": "SecureScore"},
                    }),
                ),
            });
        }
        let scope = json!({
            "controls": wanted.iter().map(|(c, s, _)| json!({"control": c, "state": s})).collect::<Vec<_>>(),
            "notInTenant": not_found,
            "defenderControlsPassedOver": skipped,
        });
        Ok(per_object(scope, findings))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_update_is_the_state() {
        assert_eq!(state_of(&json!({})), "default");
        let c = json!({"controlStateUpdates": [
            {"state": "reviewed", "updatedDateTime": "2026-02-01T00:00:00Z"},
            {"state": "ignored", "updatedDateTime": "2026-03-01T00:00:00Z"},
            {"state": "thirdParty", "updatedDateTime": "2026-01-01T00:00:00Z"},
        ]});
        assert_eq!(state_of(&c), "ignored");
    }
}
