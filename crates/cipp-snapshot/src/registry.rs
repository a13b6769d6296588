//! The cache types a snapshot can hold, as data (`registry.json`, shipped in the crate): for
//! each, where its data comes from and which service plans a tenant needs for it to exist.
//! Names are CIPP's cache type names, so CIPP's standard definitions find their data.

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
