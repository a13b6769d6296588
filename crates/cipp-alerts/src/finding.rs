//! `Finding`: one thing an alert rule found in one tenant, with the content hash that
//! deduplication and snoozes key on.

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

/// One finding of one rule in one tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Finding {
    /// The rule (CIPP's name: `AppSecretExpiry`).
    pub rule: String,
    /// The tenant (as the run named it).
    pub tenant: String,
    /// One line for people (the row's `Message`).
    pub title: String,
    /// The row, with CIPP's field names for the rule.
    pub data: Value,
    /// `base64(sha256(raw_key))`: what deduplication and snoozes key on.
    pub hash: String,
    /// What was hashed.
    pub raw_key: String,
}

impl Finding {
    /// A finding from a rule's row; the hash follows CIPP's `Get-AlertContentHash` (see
    /// [`raw_key`]) unless `key_fields` names the fields that identify the row.
    pub fn new(rule: &str, tenant: &str, data: Value, key_fields: &[&str]) -> Finding {
        let title = data
            .get("Message")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| format!("{rule} in {tenant}"));
        let raw = if key_fields.is_empty() {
            raw_key(&data)
        } else {
            let picked: Map<String, Value> = key_fields
                .iter()
                .map(|f| (f.to_string(), data.get(*f).cloned().unwrap_or(Value::Null)))
                .collect();
            canonical(&Value::Object(picked))
        };
        Finding {
            rule: rule.to_string(),
            tenant: tenant.to_string(),
            title,
            hash: hash(&raw),
            raw_key: raw,
            data,
        }
    }

    /// The first 200 characters of the row, as CIPP's snooze records show it.
    pub fn preview(&self) -> String {
        canonical(&self.data).chars().take(200).collect()
    }
}

/// CIPP's key for a row (engines spec 3.4): the first non-empty of `UserPrincipalName`
/// (trimmed, lower case), `Id` (trimmed, lower case) and `Message` (trimmed); otherwise the
/// row with its keys sorted, as compact JSON.
pub fn raw_key(item: &Value) -> String {
    let field = |name: &str| {
        item.as_object().and_then(|o| {
            o.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .and_then(|(_, v)| v.as_str())
                .map(str::trim)
                .filter(|s| !s.is_empty())
        })
    };
    if let Some(upn) = field("UserPrincipalName") {
        return upn.to_lowercase();
    }
    if let Some(id) = field("Id") {
        return id.to_lowercase();
    }
    if let Some(m) = field("Message") {
        return m.to_string();
    }
    canonical(item)
}

/// `base64(sha256(text))`.
pub fn hash(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()))
}

/// Compact JSON with every object's keys sorted (so equal data hashes equally).
pub fn canonical(v: &Value) -> String {
    fn sort(v: &Value) -> Value {
        match v {
            Value::Object(o) => {
                let mut keys: Vec<&String> = o.keys().collect();
                keys.sort();
                Value::Object(keys.into_iter().map(|k| (k.clone(), sort(&o[k]))).collect())
            }
            Value::Array(a) => Value::Array(a.iter().map(sort).collect()),
            other => other.clone(),
        }
    }
    sort(v).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_follow_cipp_order() {
        let row = json!({"Message": "m", "Id": " ABC ", "UserPrincipalName": " Ann@X.com "});
        assert_eq!(raw_key(&row), "ann@x.com");
        assert_eq!(raw_key(&json!({"Message": " m ", "Id": ""})), "m");
        assert_eq!(
            raw_key(&json!({"b": 1, "a": {"d": 2, "c": 3}})),
            r#"{"a":{"c":3,"d":2},"b":1}"#
        );
        let a = Finding::new("R", "t", json!({"b": 1, "a": 2}), &[]);
        let b = Finding::new("R", "t", json!({"a": 2, "b": 1}), &[]);
        assert_eq!(a.hash, b.hash);
        assert_eq!(a.hash.len(), 44);
        let k1 = Finding::new(
            "R",
            "t",
            json!({"UserPrincipalName": "a", "SkuId": "1"}),
            &["UserPrincipalName", "SkuId"],
        );
        let k2 = Finding::new(
            "R",
            "t",
            json!({"UserPrincipalName": "a", "SkuId": "2"}),
            &["UserPrincipalName", "SkuId"],
        );
        assert_ne!(k1.hash, k2.hash);
        assert_eq!(k1.title, "R in t");
    }
}
