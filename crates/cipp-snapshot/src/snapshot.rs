//! `Snapshot`: what one collection found in one tenant, type by type.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::SnapshotError;

/// How a cache type's collection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Every row was read (an empty set is a complete empty set).
    Complete,
    /// The read failed; `error` says why. The rows are not to be trusted as "none".
    Failed,
    /// The tenant has none of the service plans the type needs; nothing was read.
    NotLicensed,
}

/// One cache type in a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TypeSnapshot {
    /// How the collection ended.
    pub status: Status,
    /// The rows (empty unless complete).
    #[serde(default)]
    pub rows: Vec<Value>,
    /// Why it failed, or which plans it needs when unlicensed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// When it was read (Unix seconds).
    pub collected_at: u64,
    /// For a type read once per object (a fan-out type): the reads sent, one per object of
    /// its parent. `None` for types read with one request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<u64>,
}

impl TypeSnapshot {
    pub(crate) fn complete(rows: Vec<Value>, at: u64) -> Self {
        TypeSnapshot {
            status: Status::Complete,
            rows,
            error: None,
            collected_at: at,
            requests: None,
        }
    }

    pub(crate) fn failed(error: impl Into<String>, at: u64) -> Self {
        TypeSnapshot {
            status: Status::Failed,
            rows: Vec::new(),
            error: Some(error.into()),
            collected_at: at,
            requests: None,
        }
    }

    pub(crate) fn with_requests(mut self, requests: u64) -> Self {
        self.requests = Some(requests);
        self
    }

    pub(crate) fn not_licensed(plans: &[String], at: u64) -> Self {
        TypeSnapshot {
            status: Status::NotLicensed,
            rows: Vec::new(),
            error: Some(format!(
                "needs one of the service plans {}",
                plans.join(", ")
            )),
            collected_at: at,
            requests: None,
        }
    }
}

/// Everything one collection read in one tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Snapshot {
    /// The tenant as asked (GUID or domain).
    pub tenant: String,
    /// When the collection started (Unix seconds).
    pub collected_at: u64,
    /// HTTP round trips the collection took.
    pub round_trips: u64,
    /// Per cache type.
    pub types: BTreeMap<String, TypeSnapshot>,
}

impl Snapshot {
    /// The rows of a complete cache type; `None` when it is missing, failed or unlicensed.
    pub fn rows(&self, cache_type: &str) -> Option<&[Value]> {
        self.get(cache_type)
            .filter(|t| t.status == Status::Complete)
            .map(|t| t.rows.as_slice())
    }

    /// A cache type's entry (any case).
    pub fn get(&self, cache_type: &str) -> Option<&TypeSnapshot> {
        self.types.get(cache_type).or_else(|| {
            self.types
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(cache_type))
                .map(|(_, v)| v)
        })
    }

    /// The cache types whose collection failed.
    pub fn failures(&self) -> impl Iterator<Item = (&str, &TypeSnapshot)> {
        self.types
            .iter()
            .filter(|(_, t)| t.status == Status::Failed)
            .map(|(k, t)| (k.as_str(), t))
    }

    /// The service plans the tenant has (upper case), from its `SubscribedSkus` rows: plans of
    /// SKUs that are not suspended or deleted, unless the plan is disabled. An error says why
    /// they are unknown (not collected, or the read failed).
    pub fn service_plans(&self) -> Result<BTreeSet<String>, String> {
        let Some(skus) = self.get(crate::collect::LICENCE_TYPE) else {
            return Err("the subscribed SKUs were not read".into());
        };
        if skus.status != Status::Complete {
            return Err(skus
                .error
                .clone()
                .unwrap_or_else(|| "the subscribed SKUs were not read".into()));
        }
        let mut plans = BTreeSet::new();
        for sku in &skus.rows {
            let status = sku["capabilityStatus"].as_str().unwrap_or("Enabled");
            if status.eq_ignore_ascii_case("Suspended") || status.eq_ignore_ascii_case("Deleted") {
                continue;
            }
            for plan in sku["servicePlans"].as_array().into_iter().flatten() {
                let off = plan["provisioningStatus"]
                    .as_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case("Disabled"));
                if let (Some(name), false) = (plan["servicePlanName"].as_str(), off) {
                    plans.insert(name.to_ascii_uppercase());
                }
            }
        }
        Ok(plans)
    }

    /// Write as JSON (atomically: a temporary file renamed over the target).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), SnapshotError> {
        let path = path.as_ref();
        let err = |e: &dyn std::fmt::Display| SnapshotError::File {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        let text = serde_json::to_vec_pretty(self).map_err(|e| err(&e))?;
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text).map_err(|e| err(&e))?;
        std::fs::rename(&tmp, path).map_err(|e| err(&e))
    }

    /// Read a snapshot written by [`Snapshot::save`].
    pub fn load(path: impl AsRef<Path>) -> Result<Snapshot, SnapshotError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| SnapshotError::File {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        let de = &mut serde_json::Deserializer::from_str(&text);
        serde_path_to_error::deserialize(de).map_err(|e| SnapshotError::File {
            path: path.display().to_string(),
            message: format!("at {}: {}", e.path(), e.inner()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn with_skus(skus: Option<TypeSnapshot>) -> Snapshot {
        let mut types = BTreeMap::new();
        if let Some(s) = skus {
            types.insert(crate::collect::LICENCE_TYPE.to_string(), s);
        }
        Snapshot {
            tenant: "t".into(),
            collected_at: 0,
            round_trips: 0,
            types,
        }
    }

    #[test]
    fn plans_skip_disabled_plans_and_suspended_skus() {
        let skus = TypeSnapshot::complete(
            vec![
                json!({"capabilityStatus": "Enabled", "servicePlans": [
                    {"servicePlanName": "EXCHANGE_S_STANDARD", "provisioningStatus": "Success"},
                    {"servicePlanName": "TEAMS1", "provisioningStatus": "Disabled"}]}),
                json!({"capabilityStatus": "Suspended", "servicePlans": [{"servicePlanName": "AAD_PREMIUM"}]}),
            ],
            0,
        );
        let plans = with_skus(Some(skus)).service_plans().unwrap();
        assert!(plans.contains("EXCHANGE_S_STANDARD"));
        assert!(!plans.contains("TEAMS1"));
        assert!(!plans.contains("AAD_PREMIUM"));
        assert!(with_skus(None).service_plans().is_err());
    }
}
