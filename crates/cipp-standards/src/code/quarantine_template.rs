//! `QuarantineTemplate`: one named quarantine policy (tag) per instance.

use serde_json::{json, Map, Value};

use super::exchange_common::{switch, EXCHANGE_PLANS};
use super::util::{exchange, single, text};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// The quarantine policy named `displayName` grants end users exactly the permissions the
/// instance gives (`PermissionToBlockSender`, `PermissionToDelete`, `PermissionToPreview`,
/// `PermissionToAllowSender`, and `ReleaseAction`: `PermissionToRelease`,
/// `PermissionToRequestRelease` or neither; viewing headers and downloading are never granted,
/// as Microsoft documents them as having no effect) and sends notifications (`ESNEnabled`,
/// `IncludeMessagesFromBlockedSenderAddress`) as asked. Missing, it is created; different, it
/// is set. A template may hold many instances, one per policy; other policies are never
/// touched, and Microsoft's built-in policies (all-zero `Guid`) cannot be one.
///
/// Exchange reads the permissions as text (`[PermissionToViewHeader: False ...]`) and writes
/// them as one number of eight bits (`EndUserQuarantinePermissionsValue`), which is why this
/// is code.
#[derive(Debug, Clone, Copy, Default)]
pub struct QuarantineTemplate;

const CACHE: &str = "ExoQuarantinePolicy";
const BUILT_IN_GUID: &str = "00000000-0000-0000-0000-000000000000";

/// The permissions, highest bit first, as `EndUserQuarantinePermissionsValue` packs them.
const PERMISSIONS: [&str; 8] = [
    "PermissionToViewHeader",
    "PermissionToDownload",
    "PermissionToAllowSender",
    "PermissionToBlockSender",
    "PermissionToRequestRelease",
    "PermissionToRelease",
    "PermissionToPreview",
    "PermissionToDelete",
];

/// The bit of a permission in the value.
fn bit(name: &str) -> u64 {
    PERMISSIONS
        .iter()
        .position(|p| *p == name)
        .map(|i| 1 << (7 - i))
        .unwrap_or(0)
}

/// The permissions of a policy as read: the number when Exchange gives it, else the text.
fn permissions_of(policy: &Value) -> Option<u64> {
    if let Some(n) = policy["EndUserQuarantinePermissionsValue"].as_u64() {
        return Some(n);
    }
    let t = policy["EndUserQuarantinePermissions"].as_str()?;
    let mut value = 0;
    for line in t.trim().trim_matches(['[', ']']).lines() {
        let (name, on) = line.split_once(':')?;
        if on.trim().eq_ignore_ascii_case("true") {
            value |= bit(name.trim());
        }
    }
    Some(value)
}

/// The permissions as named switches, for people reading a report.
fn named(value: u64) -> Map<String, Value> {
    PERMISSIONS
        .iter()
        .map(|p| ((*p).to_string(), json!(value & bit(p) != 0)))
        .collect()
}

impl QuarantineTemplate {
    fn error(&self, setting: &str, message: impl Into<String>) -> StandardsError {
        StandardsError::Setting {
            standard: "QuarantineTemplate".into(),
            setting: setting.into(),
            message: message.into(),
        }
    }

    /// The permissions value the instance asks for.
    fn wanted_permissions(&self, s: &Map<String, Value>) -> Result<u64, StandardsError> {
        let mut value = 0;
        for p in [
            "PermissionToBlockSender",
            "PermissionToDelete",
            "PermissionToPreview",
            "PermissionToAllowSender",
        ] {
            if switch(self.name(), s, p, false)? {
                value |= bit(p);
            }
        }
        match text(s, "ReleaseAction").as_deref() {
            None | Some("") | Some("None") | Some("false") => {}
            Some(a) if a.eq_ignore_ascii_case("PermissionToRelease") => {
                value |= bit("PermissionToRelease")
            }
            Some(a) if a.eq_ignore_ascii_case("PermissionToRequestRelease") => {
                value |= bit("PermissionToRequestRelease")
            }
            Some(other) => {
                return Err(self.error(
                    "ReleaseAction",
                    format!("'{other}' is not PermissionToRelease or PermissionToRequestRelease"),
                ))
            }
        }
        Ok(value)
    }
}

impl Standard for QuarantineTemplate {
    fn name(&self) -> &'static str {
        "QuarantineTemplate"
    }
    fn label(&self) -> &'static str {
        "Quarantine policy from a template"
    }
    fn category(&self) -> &'static str {
        "Defender Standards"
    }
    fn description(&self) -> &'static str {
        "Keeps a named quarantine policy with the end-user permissions (preview, delete, \
         release or request release, allow or block the sender) and notification settings \
         the template gives; one instance per policy."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &[CACHE]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        EXCHANGE_PLANS
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("displayName", ""),
            ("ReleaseAction", "PermissionToRequestRelease"),
            ("PermissionToBlockSender", "false"),
            ("PermissionToDelete", "false"),
            ("PermissionToPreview", "true"),
            ("PermissionToAllowSender", "false"),
            ("ESNEnabled", "true"),
            ("IncludeMessagesFromBlockedSenderAddress", "false"),
        ]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let s = input.settings;
        let name = text(s, "displayName")
            .ok_or_else(|| self.error("displayName", "is required: the policy's name"))?;
        let permissions = self.wanted_permissions(s)?;
        let esn = switch(self.name(), s, "ESNEnabled", false)?;
        let blocked = switch(
            self.name(),
            s,
            "IncludeMessagesFromBlockedSenderAddress",
            false,
        )?;
        let rows = input.rows(CACHE);
        let same_name = |p: &&Value| {
            p["Name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(&name))
        };
        if rows
            .iter()
            .filter(same_name)
            .any(|p| p["Guid"].as_str() == Some(BUILT_IN_GUID))
        {
            return Err(self.error(
                "displayName",
                format!("'{name}' is one of Microsoft's built-in quarantine policies, which cannot be changed"),
            ));
        }
        let existing = rows.iter().find(same_name);
        let current = json!({
            "displayName": name,
            "missing": existing.is_none(),
            "EndUserQuarantinePermissions": existing.and_then(permissions_of).map(named),
            "ESNEnabled": existing.map(|p| p["ESNEnabled"].as_bool().unwrap_or(false)),
            "IncludeMessagesFromBlockedSenderAddress": existing
                .map(|p| p["IncludeMessagesFromBlockedSenderAddress"].as_bool().unwrap_or(false)),
        });
        let expected = json!({
            "displayName": name,
            "missing": false,
            "EndUserQuarantinePermissions": named(permissions),
            "ESNEnabled": esn,
            "IncludeMessagesFromBlockedSenderAddress": blocked,
        });
        let mut params = json!({
            "EndUserQuarantinePermissionsValue": permissions,
            "ESNEnabled": esn,
            "IncludeMessagesFromBlockedSenderAddress": blocked,
        });
        let step = match existing {
            Some(p) => {
                params["Identity"] = p["Identity"].as_str().map_or(json!(name), |i| json!(i));
                exchange("Set-QuarantinePolicy", params)
            }
            None => {
                params["Name"] = json!(name);
                exchange("New-QuarantinePolicy", params)
            }
        };
        Ok(single(current, expected, vec![step]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_read_from_number_or_text() {
        assert_eq!(bit("PermissionToDelete"), 1);
        assert_eq!(bit("PermissionToViewHeader"), 128);
        assert_eq!(
            permissions_of(&json!({"EndUserQuarantinePermissionsValue": 27})),
            Some(27)
        );
        let text = "[PermissionToViewHeader: False\nPermissionToDownload: False\nPermissionToAllowSender: False\nPermissionToBlockSender: True\nPermissionToRequestRelease: True\nPermissionToRelease: False\nPermissionToPreview: True\nPermissionToDelete: True]";
        assert_eq!(
            permissions_of(&json!({"EndUserQuarantinePermissions": text})),
            Some(27)
        );
        assert_eq!(named(27)["PermissionToRelease"], json!(false));
    }
}
