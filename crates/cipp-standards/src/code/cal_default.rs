//! `calDefault`: the permission everyone in the organisation (the `Default` entry) has on
//! each mailbox's calendar.

use serde_json::{json, Value};

use super::set_default_mailbox_font::EXCHANGE_PLANS;
use super::util::{exchange, per_object, text, Finding};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// The calendar roles Exchange takes as `-AccessRights`.
const ROLES: [&str; 11] = [
    "Owner",
    "PublishingEditor",
    "Editor",
    "PublishingAuthor",
    "Author",
    "NonEditingAuthor",
    "Reviewer",
    "Contributor",
    "AvailabilityOnly",
    "LimitedDetails",
    "None",
];

/// Each mailbox whose calendar's `Default` entry has another role than `permissionLevel`
/// gets one `Set-MailboxFolderPermission -Identity 'mailbox:\Calendar' -User Default`. Read
/// one mailbox at a time (the `CalendarPermissions` fan-out type, folder `Calendar`);
/// calendars without a `Default` entry are left alone.
#[derive(Debug, Clone, Copy, Default)]
pub struct CalDefault;

fn roles(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        Value::String(s) => s.split(',').map(|r| r.trim().to_string()).collect(),
        _ => Vec::new(),
    }
}

impl Standard for CalDefault {
    fn name(&self) -> &'static str {
        "calDefault"
    }
    fn label(&self) -> &'static str {
        "Sharing level of the default calendar"
    }
    fn category(&self) -> &'static str {
        "Exchange Standards"
    }
    fn description(&self) -> &'static str {
        "Sets what everyone in the organisation sees of each mailbox's calendar (free/busy \
         only, limited details, reviewer...), for every mailbox that differs."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["CalendarPermissions"]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        EXCHANGE_PLANS
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[("permissionLevel", "")]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let bad = |message: String| StandardsError::Setting {
            standard: self.name().into(),
            setting: "permissionLevel".into(),
            message,
        };
        let given = text(input.settings, "permissionLevel")
            .filter(|l| l != "Select a value")
            .ok_or_else(|| bad("is required (a calendar role such as AvailabilityOnly)".into()))?;
        let level = ROLES
            .iter()
            .find(|r| r.eq_ignore_ascii_case(&given))
            .ok_or_else(|| {
                bad(format!(
                    "'{given}' is not a calendar role ({})",
                    ROLES.join(", ")
                ))
            })?;
        let findings = input
            .rows("CalendarPermissions")
            .iter()
            .filter(|p| {
                p["User"]
                    .as_str()
                    .is_some_and(|u| u.eq_ignore_ascii_case("Default"))
            })
            .filter(|p| {
                let have = roles(&p["AccessRights"]);
                !(have.len() == 1 && have[0].eq_ignore_ascii_case(level))
            })
            .filter_map(|p| {
                let mailbox = p[cipp_snapshot::PARENT_KEY_FIELD].as_str()?;
                Some(Finding {
                    object: mailbox.to_string(),
                    current: json!({"AccessRights": roles(&p["AccessRights"])}),
                    expected: json!({"AccessRights": [level]}),
                    step: exchange(
                        "Set-MailboxFolderPermission",
                        json!({"Identity": format!("{mailbox}:\\Calendar"), "User": "Default",
                            "AccessRights": level}),
                    ),
                })
            })
            .collect();
        Ok(per_object(json!({"permissionLevel": level}), findings))
    }
}
