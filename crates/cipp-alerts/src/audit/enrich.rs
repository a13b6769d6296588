//! Record enrichment, as CIPP does it before evaluating rules: the record's `auditData` with
//! its name/value arrays lifted to top-level properties (`ExtendedProperties`,
//! `DeviceProperties`, `Parameters`; each array also kept as JSON in `CIPP<Name>`),
//! `ModifiedProperties` lifted to `<Name>` = new value and `Previous_Value_<Name>` = old
//! value, the client IP without its port or brackets, and the Graph record's own fields
//! (without `auditData`) kept as JSON in `AuditRecord`.
//!
//! Not ported: CIPP's directory lookups (`CIPP<Name>` twins of GUID properties), trusted IPs
//! and geo-IP (`CIPPGeoLocation`...); `HasLocationData` is always false here, so a rule with
//! a `CIPPGeoLocation` condition never matches.

use serde::Serialize;
use serde_json::{Map, Value};

use super::operator::text;

/// Extended-property values CIPP drops a record for (sign-in plumbing, not user actions).
pub const IGNORED_EXTENDED_VALUES: [&str; 6] = [
    "OAuth2:Authorize",
    "OAuth2:Token",
    "SAS:EndAuth",
    "SAS:ProcessAuth",
    "deviceAuth:ReprocessTls",
    "Consent:Set",
];

/// One enriched unified audit log record.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct AuditRecord {
    /// The record's id (Graph's `id`, else the audit data's `Id`).
    pub id: String,
    /// The flattened properties rules are evaluated against.
    pub data: Map<String, Value>,
}

fn find<'a>(o: &'a Map<String, Value>, key: &str) -> Option<(&'a String, &'a Value)> {
    o.iter().find(|(k, _)| k.eq_ignore_ascii_case(key))
}

impl AuditRecord {
    /// A property by name (any case), or a dotted path into nested objects.
    pub fn get(&self, name: &str) -> Option<&Value> {
        if let Some((_, v)) = find(&self.data, name) {
            return Some(v);
        }
        let mut parts = name.split('.');
        let first = parts.next()?;
        let mut cur = find(&self.data, first)?.1;
        for p in parts {
            cur = match cur {
                Value::Object(o) => find(o, p)?.1,
                _ => return None,
            };
        }
        Some(cur)
    }

    /// A property as text (empty when missing).
    pub fn text(&self, name: &str) -> String {
        self.get(name).map(text).unwrap_or_default()
    }

    /// The user the record is about: `UserId`, else `UserKey`.
    pub fn user(&self) -> Option<String> {
        ["UserId", "UserKey"]
            .iter()
            .map(|k| self.text(k))
            .find(|u| !u.trim().is_empty())
    }
}

/// Lift `[{Name, Value}]` to properties (later entries win, as CIPP's forced Add-Member).
fn lift(data: &mut Map<String, Value>, items: &[Value], value_key: &str) {
    for item in items {
        let Some(o) = item.as_object() else { continue };
        let Some(name) = find(o, "Name")
            .map(|(_, v)| text(v))
            .filter(|n| !n.is_empty())
        else {
            continue;
        };
        let value = find(o, value_key)
            .map(|(_, v)| v.clone())
            .unwrap_or(Value::Null);
        data.insert(name, value);
    }
}

/// Strip a port (`1.2.3.4:443`) or brackets and port (`[2001:db8::1]:443`).
pub fn normalise_ip(ip: &str) -> String {
    let ip = ip.trim();
    if let Some(rest) = ip.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest).to_string();
    }
    match ip.rsplit_once(':') {
        // One colon: IPv4 with a port. More: a bare IPv6 address, left alone.
        Some((host, port)) if !host.contains(':') && port.chars().all(|c| c.is_ascii_digit()) => {
            host.to_string()
        }
        _ => ip.to_string(),
    }
}

/// Enrich one Graph `auditLogRecord`; `None` when CIPP would skip it (an ignored extended
/// property value).
pub fn enrich(record: &Value) -> Option<AuditRecord> {
    let root = record.as_object()?;
    let mut data = match find(root, "auditData").map(|(_, v)| v) {
        Some(Value::Object(o)) => o.clone(),
        _ => root.clone(),
    };
    let array = |data: &Map<String, Value>, k: &str| -> Option<(String, Vec<Value>)> {
        find(data, k).and_then(|(key, v)| v.as_array().map(|a| (key.clone(), a.clone())))
    };
    if let Some((key, items)) = array(&data, "ExtendedProperties") {
        if items.iter().any(|i| {
            i.as_object()
                .and_then(|o| find(o, "Value"))
                .map(|(_, v)| text(v))
                .is_some_and(|v| {
                    IGNORED_EXTENDED_VALUES
                        .iter()
                        .any(|x| x.eq_ignore_ascii_case(&v))
                })
        }) {
            return None;
        }
        data.remove(&key);
        data.insert(
            "CIPPExtendedProperties".into(),
            Value::String(Value::Array(items.clone()).to_string()),
        );
        lift(&mut data, &items, "Value");
    }
    for (name, keep) in [
        ("DeviceProperties", "CIPPDeviceProperties"),
        ("Parameters", "CIPPParameters"),
    ] {
        if let Some((key, items)) = array(&data, name) {
            data.remove(&key);
            data.insert(
                keep.into(),
                Value::String(Value::Array(items.clone()).to_string()),
            );
            lift(&mut data, &items, "Value");
        }
    }
    if let Some((_, items)) = array(&data, "ModifiedProperties") {
        data.insert(
            "CIPPModifiedProperties".into(),
            Value::String(Value::Array(items.clone()).to_string()),
        );
        for item in &items {
            let Some(o) = item.as_object() else { continue };
            let Some(name) = find(o, "Name")
                .map(|(_, v)| text(v))
                .filter(|n| !n.is_empty())
            else {
                continue;
            };
            let new = find(o, "NewValue")
                .map(|(_, v)| text(v))
                .unwrap_or_default();
            let old = find(o, "OldValue")
                .map(|(_, v)| text(v))
                .unwrap_or_default();
            data.insert(format!("Previous_Value_{name}"), Value::String(old));
            data.insert(name, Value::String(new));
        }
    }
    // Client IP: redacted addresses (X...) are left as they are.
    let ip_key = ["ClientIP", "ClientIPAddress", "clientIp"]
        .iter()
        .find_map(|k| find(&data, k).map(|(key, _)| key.clone()));
    if let Some(key) = ip_key {
        let ip = data.get(&key).map(text).unwrap_or_default();
        if !ip.is_empty() && !ip.contains(['X', 'x']) {
            data.insert(key, Value::String(normalise_ip(&ip)));
        }
    }
    data.insert("HasLocationData".into(), Value::Bool(false));
    let mut rest = root.clone();
    if let Some((key, _)) = find(root, "auditData") {
        rest.remove(&key.clone());
    }
    let id = find(root, "id")
        .or_else(|| find(&data, "Id"))
        .map(|(_, v)| text(v))
        .unwrap_or_default();
    data.insert(
        "AuditRecord".into(),
        Value::String(Value::Object(rest).to_string()),
    );
    Some(AuditRecord { id, data })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flattens_as_cipp_does() {
        let rec = json!({"id": "r1", "operation": "Update user.", "auditData": {
            "Operation": "Update user.", "UserId": "admin@x", "ClientIP": "198.51.100.7:51234",
            "Parameters": [{"Name": "ForwardTo", "Value": "evil@y"}, {"Name": "Name", "Value": "fwd"}],
            "ExtendedProperties": [{"Name": "UserAgent", "Value": "curl"}],
            "DeviceProperties": [{"Name": "OS", "Value": "Windows"}],
            "ModifiedProperties": [{"Name": "AccountEnabled", "NewValue": "[false]", "OldValue": "[true]"}],
            "Target": {"Upn": "t@x"}}});
        let r = enrich(&rec).unwrap();
        assert_eq!(r.id, "r1");
        assert_eq!(r.text("forwardto"), "evil@y");
        assert_eq!(r.text("UserAgent"), "curl");
        assert_eq!(r.text("OS"), "Windows");
        assert_eq!(r.text("AccountEnabled"), "[false]");
        assert_eq!(r.text("Previous_Value_AccountEnabled"), "[true]");
        assert_eq!(r.text("ClientIP"), "198.51.100.7");
        assert_eq!(r.text("Target.Upn"), "t@x");
        assert!(r.get("Parameters").is_none() && r.get("ExtendedProperties").is_none());
        assert!(r.text("CIPPParameters").contains("evil@y"));
        assert!(
            r.get("ModifiedProperties").is_some(),
            "CIPP keeps ModifiedProperties"
        );
        assert!(r
            .text("AuditRecord")
            .contains("\"operation\":\"Update user.\""));
        assert!(!r.text("AuditRecord").contains("auditData"));
        assert_eq!(r.get("HasLocationData"), Some(&json!(false)));
        assert_eq!(r.user().as_deref(), Some("admin@x"));
    }

    #[test]
    fn ips_and_ignored_records() {
        assert_eq!(normalise_ip("[2001:db8::1]:443"), "2001:db8::1");
        assert_eq!(normalise_ip("2001:db8::1"), "2001:db8::1");
        assert_eq!(normalise_ip("10.0.0.1"), "10.0.0.1");
        let redacted =
            enrich(&json!({"id": "x", "auditData": {"ClientIP": "XXX.XXX.1.1:80"}})).unwrap();
        assert_eq!(redacted.text("ClientIP"), "XXX.XXX.1.1:80");
        let ignored = json!({"id": "y", "auditData": {"ExtendedProperties": [{"Name": "RequestType", "Value": "SAS:EndAuth"}]}});
        assert!(enrich(&ignored).is_none());
    }
}
