//! Out-of-the-box objects of the Graph standards added after the first catalogue (Intune's
//! default branding profile, the Defender connector collection, permission grant policies,
//! the organization's people-insights setting and company branding),
//! as data in `seed/standards_more_defaults.json`, laid under every tenant's tree where it
//! has no value of its own. Reads and writes are the generic store's, so remediation changes
//! what the next collection sees.

use std::sync::{PoisonError, RwLock};

use serde_json::Value;

use super::call::{Ctx, GraphCall};
use super::store::TenantStore;
use crate::reply::Reply;

/// The defaults, as data.
const DEFAULTS: &str = include_str!("../../seed/standards_more_defaults.json");

/// Add the defaults to a tenant's tree wherever it has no value of its own.
pub(crate) fn add_defaults(tree: &mut Value) {
    let Ok(defaults) = serde_json::from_str::<Value>(DEFAULTS) else {
        return; // a unit test parses the shipped file
    };
    if let (Value::Object(tree), Some(Value::Object(d))) = (&mut *tree, defaults.get("graph")) {
        super::standards_endpoints::fill_missing(tree, d);
    }
    // Intune's Windows restore enrollment configuration, which every tenant has (its id
    // differs per tenant; standards look it up by type).
    if let Some(Value::Array(configs)) = tree
        .get_mut("deviceManagement")
        .and_then(|d| d.get_mut("deviceEnrollmentConfigurations"))
    {
        let has_restore = configs
            .iter()
            .any(|c| c["deviceEnrollmentConfigurationType"] == "windowsRestore");
        if !has_restore {
            configs.push(serde_json::json!({
                "@odata.type": "#microsoft.graph.windowsRestoreDeviceEnrollmentConfiguration",
                "id": "9e1c0a52-6f2b-4d3e-8a71-0c5d2b7f4e10_WindowsRestore",
                "displayName": "Windows restore",
                "description": "Offers a restore of apps and settings during Windows setup.",
                "priority": 0,
                "deviceEnrollmentConfigurationType": "windowsRestore",
                "state": "notConfigured",
            }));
        }
    }
    // The MDM policies' included groups: an empty navigation collection until a group is added.
    if let Some(Value::Array(policies)) = tree
        .get_mut("policies")
        .and_then(|p| p.get_mut("mobileDeviceManagementPolicies"))
    {
        for p in policies.iter_mut().filter_map(Value::as_object_mut) {
            p.entry("includedGroups")
                .or_insert_with(|| Value::Array(Vec::new()));
        }
    }
}

/// The organization's people-insights setting (on, as in a new tenant) and its company
/// branding, which has no localization until one is created. Added after the seed is laid
/// over the defaults, because the seed brings the organization object itself.
pub(crate) fn add_organization_defaults(tree: &mut Value) {
    if let Some(Value::Array(orgs)) = tree.get_mut("organization") {
        for org in orgs.iter_mut().filter_map(Value::as_object_mut) {
            let settings = org
                .entry("settings")
                .or_insert_with(|| serde_json::json!({}));
            if let Some(settings) = settings.as_object_mut() {
                settings.entry("peopleInsights").or_insert_with(|| {
                    serde_json::json!({"isEnabledInOrganization": true, "disabledForGroup": null})
                });
            }
            org.entry("branding")
                .or_insert_with(|| serde_json::json!({"id": "0", "localizations": []}));
        }
    }
}

/// Writes the generic store needs help with: a new permission grant policy gets its empty
/// `includes` and `excludes` collections (as Graph gives every policy), so conditions can be
/// added to it with `POST .../includes`. `None`: the generic store answers.
pub(crate) fn serve(
    ctx: &Ctx<'_>,
    lock: &RwLock<TenantStore>,
    segs: &[String],
    call: &GraphCall,
) -> Option<Reply> {
    let is_grant_policies = segs.len() == 2
        && segs[0].eq_ignore_ascii_case("policies")
        && segs[1].eq_ignore_ascii_case("permissionGrantPolicies");
    if call.method != "POST" || !is_grant_policies {
        return None;
    }
    let mut call = call.clone();
    if let Some(Value::Object(body)) = &mut call.body {
        for k in ["includes", "excludes"] {
            body.entry(k).or_insert_with(|| Value::Array(Vec::new()));
        }
    }
    let mut store = lock.write().unwrap_or_else(PoisonError::into_inner);
    Some(super::write::write(ctx, &mut store, segs, &call))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_shipped_defaults_parse_and_fill_only_what_is_missing() {
        assert!(serde_json::from_str::<Value>(DEFAULTS).is_ok());
        let mut tree =
            json!({"deviceManagement": {"mobileThreatDefenseConnectors": [{"id": "x"}]}});
        add_defaults(&mut tree);
        assert_eq!(
            tree["deviceManagement"]["mobileThreatDefenseConnectors"],
            json!([{"id": "x"}])
        );
        assert_eq!(
            tree["deviceManagement"]["intuneBrandingProfiles"][0]["isDefaultProfile"],
            true
        );
        let mut tree = json!({"policies": {"mobileDeviceManagementPolicies": [{"id": "m"}]},
                              "deviceManagement": {"deviceEnrollmentConfigurations": []}});
        add_defaults(&mut tree);
        assert_eq!(
            tree["policies"]["mobileDeviceManagementPolicies"][0]["includedGroups"],
            json!([])
        );
        assert_eq!(
            tree["deviceManagement"]["deviceEnrollmentConfigurations"][0]["state"],
            "notConfigured"
        );
    }
}
