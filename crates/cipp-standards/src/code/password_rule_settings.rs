//! The tenant's "Password Rule Settings" directory setting (`settings/{id}`), which
//! `SmartLockout` and `CustomBannedPasswordList` both write: each sets its own values and must
//! keep the other's, and the setting object may not exist yet.

use serde_json::{json, Value};

use super::util::{directory_setting_value, graph};
use super::Input;
use crate::plan::Step;

/// The directory setting template id of "Password Rule Settings".
const TEMPLATE: &str = "5cf42378-d67d-4f36-ba46-e8b86229381d";

/// Every value of the setting with Microsoft's default, sent whole on each write (Graph replaces
/// the values array).
const DEFAULTS: [(&str, &str); 6] = [
    ("EnableBannedPasswordCheck", "True"),
    ("BannedPasswordList", ""),
    ("LockoutDurationInSeconds", "60"),
    ("LockoutThreshold", "10"),
    ("EnableBannedPasswordCheckOnPremises", "False"),
    ("BannedPasswordCheckOnPremisesMode", "Audit"),
];

/// The tenant's setting object as read, if it has one.
pub(crate) struct PasswordRuleSettings<'a> {
    existing: Option<&'a Value>,
}

impl<'a> PasswordRuleSettings<'a> {
    /// Found in the `Settings` cache type by its template id.
    pub(crate) fn of(input: &'a Input<'_>) -> Self {
        let existing = input.rows("Settings").iter().find(|s| {
            s["templateId"]
                .as_str()
                .is_some_and(|t| t.eq_ignore_ascii_case(TEMPLATE))
        });
        PasswordRuleSettings { existing }
    }

    /// Whether the tenant has the setting object.
    pub(crate) fn exists(&self) -> bool {
        self.existing.is_some()
    }

    /// One value as the tenant holds it.
    pub(crate) fn value(&self, name: &str) -> Option<&'a str> {
        self.existing.and_then(|s| directory_setting_value(s, name))
    }

    /// The write that sets `changes` and keeps every other value (the tenant's, or the default
    /// when the object is created): `PATCH settings/{id}`, or `POST settings` when missing.
    pub(crate) fn write(&self, changes: &[(&str, String)]) -> Step {
        let values: Vec<Value> = DEFAULTS
            .iter()
            .map(|(name, default)| {
                let value = changes
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.as_str())
                    .or_else(|| self.value(name))
                    .unwrap_or(default);
                json!({"name": name, "value": value})
            })
            .collect();
        match self.existing.and_then(|s| s["id"].as_str()) {
            Some(id) => graph("PATCH", format!("settings/{id}"), json!({"values": values})),
            None => graph(
                "POST",
                "settings",
                json!({"templateId": TEMPLATE, "values": values}),
            ),
        }
    }
}
