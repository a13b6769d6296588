//! Key Vault secret shapes (API version 7.4). Fields Microsoft adds later are kept in
//! `extra`; a secret's value is a [`SecretString`] and never shows in `Debug`.

use std::collections::BTreeMap;
use std::fmt;

use secrecy::SecretString;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

fn secret_value<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SecretString>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(SecretString::from))
}

/// `attributes` of a secret (times are Unix seconds).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SecretAttributes {
    /// Whether the secret can be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Not valid before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// Expires at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// Created at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<i64>,
    /// Last updated at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<i64>,
    /// `Recoverable+Purgeable`, `Recoverable`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_level: Option<String>,
    /// Days a deleted secret stays recoverable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recoverable_days: Option<i64>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// What Key Vault says about a secret, without its value (list items, versions).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SecretProperties {
    /// `https://{vault}.vault.azure.net/secrets/{name}[/{version}]`.
    #[serde(default)]
    pub id: String,
    /// Attributes.
    #[serde(default)]
    pub attributes: SecretAttributes,
    /// Tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    /// Content type (free text, e.g. `application/x-pkcs12`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// `true` when the secret backs a certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed: Option<bool>,
    /// Key id, for a certificate's secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// Fields not modelled here (never a value: a `value` field is dropped on reading).
    #[serde(flatten, deserialize_with = "without_value")]
    pub extra: Map<String, Value>,
}

fn without_value<'de, D: Deserializer<'de>>(d: D) -> Result<Map<String, Value>, D::Error> {
    let mut m = Map::<String, Value>::deserialize(d)?;
    m.remove("value");
    Ok(m)
}

impl SecretProperties {
    /// The properties as JSON with `name` and `version` added (what the CLI prints and the
    /// bindings return; never a value).
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_else(|_| serde_json::json!({}));
        if let serde_json::Value::Object(m) = &mut v {
            m.insert("name".into(), serde_json::json!(self.name()));
            m.insert("version".into(), serde_json::json!(self.version()));
        }
        v
    }

    fn id_segments(&self) -> Vec<&str> {
        let path = self
            .id
            .split_once("://")
            .map(|(_, rest)| rest)
            .unwrap_or(&self.id);
        let path = path.split(['?', '#']).next().unwrap_or_default();
        path.split('/').filter(|s| !s.is_empty()).collect()
    }

    /// The secret's name (from `id`).
    pub fn name(&self) -> Option<&str> {
        let segs = self.id_segments();
        let at = segs
            .iter()
            .rposition(|s| *s == "secrets" || *s == "deletedsecrets")?;
        segs.get(at + 1).copied()
    }

    /// The version (from `id`), when the id names one.
    pub fn version(&self) -> Option<&str> {
        let segs = self.id_segments();
        let at = segs
            .iter()
            .rposition(|s| *s == "secrets" || *s == "deletedsecrets")?;
        segs.get(at + 2).copied()
    }

    /// `attributes.enabled`, `true` when absent.
    pub fn enabled(&self) -> bool {
        self.attributes.enabled.unwrap_or(true)
    }
}

/// A secret with its value.
#[derive(Clone, Deserialize)]
#[non_exhaustive]
pub struct Secret {
    /// The value (absent in answers that carry none).
    #[serde(default, deserialize_with = "secret_value")]
    pub value: Option<SecretString>,
    /// Everything else.
    #[serde(flatten)]
    pub properties: SecretProperties,
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secret")
            .field("value", &self.value.as_ref().map(|_| "[REDACTED]"))
            .field("properties", &self.properties)
            .finish()
    }
}

impl Secret {
    /// The secret's name.
    pub fn name(&self) -> Option<&str> {
        self.properties.name()
    }

    /// The secret's version.
    pub fn version(&self) -> Option<&str> {
        self.properties.version()
    }
}

/// A soft-deleted secret.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeletedSecret {
    /// `https://{vault}.vault.azure.net/deletedsecrets/{name}`: where to recover or purge it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_id: Option<String>,
    /// When it was deleted (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_date: Option<i64>,
    /// When it will be purged (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_purge_date: Option<i64>,
    /// The secret as it was.
    #[serde(flatten)]
    pub properties: SecretProperties,
}

/// Options of [`crate::KeyVaultClient::set_secret_with`].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SetSecretOptions {
    /// Content type to record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Tags to record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    /// Attributes (`enabled`, `exp`, `nbf`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<SecretAttributes>,
}

impl SetSecretOptions {
    /// Record `content_type`.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// Add a tag.
    pub fn tag(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags
            .get_or_insert_with(BTreeMap::new)
            .insert(name.into(), value.into());
        self
    }

    /// Create the version disabled (or enabled).
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.attributes
            .get_or_insert_with(SecretAttributes::default)
            .enabled = Some(enabled);
        self
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn secret_keeps_unknown_fields_and_hides_the_value() {
        let s: Secret = serde_json::from_str(
            r#"{"value":"hunter2","id":"https://v.vault.azure.net/secrets/RefreshToken/3f9c","attributes":{"enabled":true,"created":1754000000,"recoveryLevel":"Recoverable+Purgeable","hsm":false},"tags":{},"newField":1}"#,
        )
        .unwrap();
        assert_eq!(s.value.as_ref().unwrap().expose_secret(), "hunter2");
        assert_eq!(s.name(), Some("RefreshToken"));
        assert_eq!(s.version(), Some("3f9c"));
        assert_eq!(s.properties.extra["newField"], 1);
        assert_eq!(s.properties.attributes.extra["hsm"], false);
        let dbg = format!("{s:?}");
        assert!(
            !dbg.contains("hunter2") && dbg.contains("REDACTED"),
            "{dbg}"
        );
    }

    #[test]
    fn properties_never_keep_a_value() {
        let p: SecretProperties =
            serde_json::from_str(r#"{"id":"https://v/secrets/a","value":"hunter2"}"#).unwrap();
        assert!(!format!("{p:?}").contains("hunter2"));
        assert_eq!(p.version(), None);
        let d: DeletedSecret = serde_json::from_str(
            r#"{"recoveryId":"https://v/deletedsecrets/a","deletedDate":5,"id":"https://v/secrets/a/1","value":"hunter2"}"#,
        )
        .unwrap();
        assert_eq!(d.properties.name(), Some("a"));
        assert!(!format!("{d:?}").contains("hunter2"));
    }
}
