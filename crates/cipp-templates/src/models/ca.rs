//! Conditional Access templates: a policy body in name vocabulary plus the definitions of the
//! named locations it needs.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// `null` reads as the default (an empty list, `None`...).
pub(crate) fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A list that PowerShell may have written as a single object (a one-element array collapses
/// when CIPP serialises it), or `null`.
pub(crate) fn one_or_many<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany<T> {
        Many(Vec<T>),
        One(T),
    }
    Ok(match Option::<OneOrMany<T>>::deserialize(d)? {
        None => Vec::new(),
        Some(OneOrMany::Many(v)) => v,
        Some(OneOrMany::One(x)) => vec![x],
    })
}

/// A Conditional Access template (`*.CATemplate.json`): the policy as Graph shows it, with
/// user, group and named-location ids replaced by display names, and the definitions of the
/// named locations it refers to in `LocationInfo`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CaTemplate {
    /// The policy name; deploys create or update the policy of this name.
    #[serde(default, deserialize_with = "null_default")]
    pub display_name: String,
    /// `enabled`, `disabled` or `enabledForReportingButNotEnforced`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Who, what and where the policy applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<CaConditions>,
    /// Grant controls (`builtInControls`, `operator`, `authenticationStrength`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_controls: Option<Value>,
    /// Session controls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_controls: Option<Value>,
    /// Definitions of the named locations the policy refers to (by display name), to create
    /// them in tenants that lack them.
    #[serde(
        rename = "LocationInfo",
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub location_info: Vec<NamedLocation>,
    /// Authentication contexts the policy refers to (`id, displayName, description,
    /// isAvailable`).
    #[serde(
        rename = "AuthContextInfo",
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub auth_context_info: Vec<Value>,
    /// Every other property, kept as it is.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `conditions` of a policy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CaConditions {
    /// Users, groups and roles included and excluded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<CaUsers>,
    /// Named locations included and excluded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locations: Option<CaLocations>,
    /// Every other condition (`applications`, `clientAppTypes`, `platforms`...), kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `conditions.users`: user and group entries are display names in a template (or the
/// keywords `All`, `None`, `GuestsOrExternalUsers`); roles are role template ids, the same in
/// every tenant.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CaUsers {
    /// Users included.
    #[serde(default, deserialize_with = "null_default")]
    pub include_users: Vec<String>,
    /// Users excluded.
    #[serde(default, deserialize_with = "null_default")]
    pub exclude_users: Vec<String>,
    /// Groups included.
    #[serde(default, deserialize_with = "null_default")]
    pub include_groups: Vec<String>,
    /// Groups excluded.
    #[serde(default, deserialize_with = "null_default")]
    pub exclude_groups: Vec<String>,
    /// Directory roles included (role template ids).
    #[serde(default, deserialize_with = "null_default")]
    pub include_roles: Vec<String>,
    /// Directory roles excluded (role template ids).
    #[serde(default, deserialize_with = "null_default")]
    pub exclude_roles: Vec<String>,
    /// Every other property (`includeGuestsOrExternalUsers`...), kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `conditions.locations`: named location display names in a template (or `All`,
/// `AllTrusted`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CaLocations {
    /// Locations included.
    #[serde(default, deserialize_with = "null_default")]
    pub include_locations: Vec<String>,
    /// Locations excluded.
    #[serde(default, deserialize_with = "null_default")]
    pub exclude_locations: Vec<String>,
    /// Every other property, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A named location definition (IP ranges or countries).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NamedLocation {
    /// The id in the tenant the template was captured from (used only to map references
    /// that are still ids).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The name; locations are matched by it.
    #[serde(default, deserialize_with = "null_default")]
    pub display_name: String,
    /// `#microsoft.graph.ipNamedLocation` or `#microsoft.graph.countryNamedLocation`.
    #[serde(
        rename = "@odata.type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub odata_type: Option<String>,
    /// `ipRanges`, `isTrusted`, `countriesAndRegions`, `includeUnknownCountriesAndRegions`...
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl CaTemplate {
    /// The policy as JSON, without the template-only parts (`LocationInfo`,
    /// `AuthContextInfo`).
    pub fn policy_json(&self) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Value::Object(o) = &mut v {
            o.remove("LocationInfo");
            o.remove("AuthContextInfo");
        }
        v
    }
}
