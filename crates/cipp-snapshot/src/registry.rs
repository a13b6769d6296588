//! The cache types a snapshot can hold, as data (`registry.json`, shipped in the crate): for
//! each, where its data comes from and which service plans a tenant needs for it to exist.
//! Names are CIPP's cache type names, so CIPP's standard definitions find their data.
//!
//! A source is one Graph read, one Exchange cmdlet, SharePoint's tenant settings, one Teams
//! configuration or Teams platform list, or a *fan-out*: one read per object of another cache type
//! ([`FanOutSource`]: per mailbox, per user), whose rows carry the object's key under
//! [`PARENT_KEY_FIELD`]. `docs/standards.md` describes the file format.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::SnapshotError;

/// The registry shipped with the crate.
const REGISTRY_JSON: &str = include_str!("../registry.json");

/// Where a cache type's data comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Source {
    /// One Graph collection or object (all pages).
    Graph(GraphSource),
    /// One Exchange cmdlet (all pages).
    Exchange(ExchangeSource),
    /// SharePoint's tenant object (`tenant`).
    Sharepoint(String),
    /// One Teams policy or configuration instance.
    Teams(TeamsSource),
    /// A list of the Teams admin platform (`Teams.PlatformService`), all pages:
    /// `ApplicationInstances` (the resource accounts of auto attendants and call queues).
    TeamsPlatform(String),
    /// One read per object of another cache type (per mailbox, per user).
    FanOut(FanOutSource),
}

/// A Graph read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GraphSource {
    /// `beta` (default) or `v1.0`.
    #[serde(default = "beta")]
    pub version: String,
    /// Path under the version root. `{tenantId}` stands for the tenant's GUID, resolved
    /// from its domain when the read is planned (`organization/{tenantId}/branding`).
    pub path: String,
    /// Query string without `?`.
    #[serde(default)]
    pub query: Option<String>,
    /// Needs `ConsistencyLevel: eventual`.
    #[serde(default)]
    pub consistency: bool,
}

/// The token in a Graph path that stands for the tenant's GUID.
pub const TENANT_ID_TOKEN: &str = "{tenantId}";

fn beta() -> String {
    "beta".into()
}

/// An Exchange cmdlet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ExchangeSource {
    /// The cmdlet.
    pub cmdlet: String,
    /// Its parameters.
    #[serde(default)]
    pub parameters: Map<String, Value>,
    /// Run on Security & Compliance (`Get-ProtectionAlert`, `Get-DlpCompliancePolicy`...)
    /// instead of Exchange Online. Left out of the JSON when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub compliance: bool,
}

/// A Teams configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TeamsSource {
    /// ConfigAPI type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Instance (`Global`).
    pub identity: String,
}

/// A cache type read once per object of another (its parent): per mailbox
/// (`Get-MailboxJunkEmailConfiguration -Identity {UserPrincipalName}`), per user
/// (`users/{id}/authentication/requirements`).
///
/// In the request template, `{Field}` stands for that field of the parent row (text, numbers
/// and booleans as written); the collector reads the parent first, then every child in as few
/// round trips as the service allows (Graph `$batch` of 20, Exchange `$batch` of 10, a few
/// batches in flight at once). Each child row carries the parent's `key` value under
/// [`PARENT_KEY_FIELD`], so a standard can join it to its parent. One failed child fails the
/// whole type, naming the object; a parent with no (matching) rows is a complete empty set.
///
/// ```
/// let registry = cipp_snapshot::Registry::builtin();
/// let t = registry.get("MailboxJunkEmailConfiguration").expect("shipped");
/// let cipp_snapshot::Source::FanOut(fan) = &t.source else { panic!("a fan-out type") };
/// assert_eq!(fan.parent, "Mailboxes");
/// assert_eq!(fan.key, "UserPrincipalName");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FanOutSource {
    /// The cache type whose rows are the objects (`Mailboxes`, `Users`). Not a fan-out type
    /// itself.
    pub parent: String,
    /// The parent field that names each object; its value keys the child rows.
    pub key: String,
    /// Only parent rows whose fields hold one of these values (field -> value or list of
    /// values; text compared in any case). Empty: every row.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub only: Map<String, Value>,
    /// The read sent per object.
    #[serde(flatten)]
    pub request: FanOutRequest,
}

/// The per-object read of a [`FanOutSource`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FanOutRequest {
    /// A Graph request; `{Field}` tokens in its path and query.
    Graph(GraphSource),
    /// An Exchange cmdlet; `{Field}` tokens in its text parameters.
    Exchange(ExchangeSource),
}

/// The field every row of a fan-out cache type gets: the parent object's key value.
pub const PARENT_KEY_FIELD: &str = "parentKey";

impl FanOutSource {
    /// Whether `row` of the parent is one of the objects read.
    pub fn selects(&self, row: &Value) -> bool {
        self.only.iter().all(|(field, accepted)| {
            let have = &row[field.as_str()];
            let one = |want: &Value| match (want, have) {
                (Value::String(a), Value::String(b)) => a.eq_ignore_ascii_case(b),
                (a, b) => a == b,
            };
            match accepted {
                Value::Array(list) => list.iter().any(one),
                want => one(want),
            }
        })
    }

    /// `template` with its `{Field}` tokens filled from `row` (percent-encoded when `for_url`,
    /// so a guest's `#EXT#` name stays one path segment); an error names the first field the
    /// row lacks.
    pub fn fill(template: &str, row: &Value, for_url: bool) -> Result<String, String> {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else {
                out.push_str(&rest[open..]);
                return Ok(out);
            };
            let field = &after[..close];
            let value = match &row[field] {
                Value::String(s) if !s.is_empty() => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return Err(format!("has no value for '{field}'")),
            };
            if for_url {
                out.push_str(&percent_encode(&value));
            } else {
                out.push_str(&value);
            }
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// The template text the tokens live in (path and query, or the text parameters).
    fn template_texts(&self) -> Vec<&str> {
        match &self.request {
            FanOutRequest::Graph(g) => std::iter::once(g.path.as_str())
                .chain(g.query.as_deref())
                .collect(),
            FanOutRequest::Exchange(x) => x.parameters.values().filter_map(Value::as_str).collect(),
        }
    }
}

/// Every byte but the unreserved ones (and `@`, which object names carry and Graph takes
/// as is) percent-encoded.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'@') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One cache type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CacheType {
    /// CIPP's name (`Users`, `ExoOrganizationConfig`, `SPOTenant`...).
    pub name: String,
    /// Where the data comes from.
    #[serde(flatten)]
    pub source: Source,
    /// Service plans of which the tenant needs at least one (empty: no gate).
    #[serde(default)]
    pub gate: Vec<String>,
}

/// The registry: every cache type, in a stable order.
#[derive(Debug, Clone, PartialEq)]
pub struct Registry {
    types: Vec<CacheType>,
}

impl Registry {
    /// The registry shipped with the crate.
    pub fn builtin() -> &'static Registry {
        static BUILTIN: OnceLock<Registry> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            // A unit test parses the shipped file, so this cannot fail at run time.
            #[allow(clippy::expect_used)]
            Registry::from_json(REGISTRY_JSON).expect("the shipped registry is valid")
        })
    }

    /// A registry from JSON text (an array of cache types).
    pub fn from_json(text: &str) -> Result<Registry, SnapshotError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let types: Vec<CacheType> = serde_path_to_error::deserialize(de)
            .map_err(|e| SnapshotError::Registry(format!("{}: {}", e.path(), e.inner())))?;
        let mut seen = std::collections::HashSet::new();
        for t in &types {
            if !seen.insert(t.name.to_ascii_lowercase()) {
                return Err(SnapshotError::Registry(format!(
                    "cache type '{}' appears twice",
                    t.name
                )));
            }
        }
        for t in &types {
            let Source::FanOut(fan) = &t.source else {
                continue;
            };
            let parent = types
                .iter()
                .find(|p| p.name.eq_ignore_ascii_case(&fan.parent));
            let why = match parent.map(|p| &p.source) {
                None => Some(format!(
                    "its parent '{}' is not in the registry",
                    fan.parent
                )),
                Some(Source::FanOut(_)) => Some(format!(
                    "its parent '{}' is a fan-out type itself",
                    fan.parent
                )),
                Some(_) if !fan.template_texts().iter().any(|x| x.contains('{')) => Some(
                    "its request has no {Field} token, so every object would read the same".into(),
                ),
                Some(_) if fan.key.trim().is_empty() => Some("its key is empty".into()),
                Some(_) => None,
            };
            if let Some(why) = why {
                return Err(SnapshotError::Registry(format!(
                    "fan-out cache type '{}': {why}",
                    t.name
                )));
            }
        }
        Ok(Registry { types })
    }

    /// Every cache type.
    pub fn types(&self) -> &[CacheType] {
        &self.types
    }

    /// A cache type by name (any case).
    pub fn get(&self, name: &str) -> Option<&CacheType> {
        self.types
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_registry_parses_and_covers_each_family() {
        let r = Registry::builtin();
        assert!(r.types().len() >= 50);
        assert!(matches!(r.get("users").unwrap().source, Source::Graph(_)));
        assert!(matches!(
            r.get("ExoOrganizationConfig").unwrap().source,
            Source::Exchange(_)
        ));
        assert!(matches!(
            r.get("SPOTenant").unwrap().source,
            Source::Sharepoint(_)
        ));
        assert!(matches!(
            r.get("CsTeamsMeetingPolicy").unwrap().source,
            Source::Teams(_)
        ));
        assert!(r.get("NoSuchType").is_none());
        match &r.get("ProtectionAlerts").unwrap().source {
            Source::Exchange(x) => assert!(x.compliance && x.cmdlet == "Get-ProtectionAlert"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_compliance_flag_defaults_off_and_is_left_out_when_off() {
        let r = Registry::from_json(
            r#"[{"name": "A", "exchange": {"cmdlet": "Get-OrganizationConfig"}},
                {"name": "B", "exchange": {"cmdlet": "Get-Label", "compliance": true}}]"#,
        )
        .unwrap();
        let [a, b] = r.types() else {
            panic!("two types")
        };
        assert!(matches!(&a.source, Source::Exchange(x) if !x.compliance));
        assert!(matches!(&b.source, Source::Exchange(x) if x.compliance));
        let a = serde_json::to_value(a).unwrap();
        assert!(a["exchange"].get("compliance").is_none(), "{a}");
        assert_eq!(
            serde_json::to_value(b).unwrap()["exchange"]["compliance"],
            true
        );
    }

    #[test]
    fn fan_out_types_name_their_parent_and_fill_tokens() {
        let r = Registry::builtin();
        let Source::FanOut(mfa) = &r.get("PerUserMfaRequirements").unwrap().source else {
            panic!("fan-out");
        };
        assert_eq!(mfa.parent, "Users");
        assert!(mfa.selects(&serde_json::json!({"userType": "member", "accountEnabled": true})));
        assert!(!mfa.selects(&serde_json::json!({"userType": "Guest", "accountEnabled": true})));
        assert!(!mfa.selects(&serde_json::json!({"userType": "Member"})));
        let row = serde_json::json!({"id": "a b#EXT#@x", "n": 3});
        assert_eq!(
            FanOutSource::fill("users/{id}/x", &row, true).unwrap(),
            "users/a%20b%23EXT%23@x/x"
        );
        assert_eq!(
            FanOutSource::fill("{id}:\\Calendar", &row, false).unwrap(),
            "a b#EXT#@x:\\Calendar"
        );
        assert_eq!(FanOutSource::fill("{n}", &row, false).unwrap(), "3");
        let e = FanOutSource::fill("{missing}", &row, false).unwrap_err();
        assert!(e.contains("'missing'"), "{e}");
    }

    #[test]
    fn bad_fan_outs_are_refused() {
        let cases = [
            (
                r#"[{"name": "C", "fan_out": {"parent": "P", "key": "id", "graph": {"path": "users/{id}"}}}]"#,
                "not in the registry",
            ),
            (
                r#"[{"name": "P", "sharepoint": "tenant"}, {"name": "C", "fan_out": {"parent": "P", "key": "id", "graph": {"path": "users"}}}]"#,
                "no {Field} token",
            ),
            (
                r#"[{"name": "P", "sharepoint": "tenant"}, {"name": "C", "fan_out": {"parent": "P", "key": "id", "graph": {"path": "u/{id}"}}},
                {"name": "D", "fan_out": {"parent": "C", "key": "id", "graph": {"path": "u/{id}"}}}]"#,
                "fan-out type itself",
            ),
            (
                r#"[{"name": "P", "sharepoint": "tenant"}, {"name": "C", "fan_out": {"parent": "P", "graph": {"path": "u/{id}"}}}]"#,
                "key",
            ),
        ];
        for (json, why) in cases {
            let e = Registry::from_json(json).unwrap_err().to_string();
            assert!(e.contains(why), "{e}");
        }
    }

    #[test]
    fn bad_registries_say_where() {
        let e =
            Registry::from_json(r#"[{"name": "X", "graph": {"version": "beta"}}]"#).unwrap_err();
        assert!(e.to_string().contains("[0]"), "{e}");
        let e = Registry::from_json(
            r#"[{"name": "X", "sharepoint": "tenant"}, {"name": "x", "sharepoint": "tenant"}]"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("twice"));
    }
}
