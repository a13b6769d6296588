//! What the Intune, Secure Score, add-in, people and Copilot standards need from Graph beyond
//! the generic store: their out-of-the-box objects (`seed/graphstd_defaults.json`, laid under
//! every tenant's tree, plus Intune's default enrollment status page, named after the tenant),
//! their demo data (`seed/graphstd.json`, an overlay of the demo seed), and the writes Graph
//! answers in its own way:
//!
//! - `PATCH security/secureScoreControlProfiles/{id}` does not set properties: it appends a
//!   `controlStateUpdates` entry (the latest entry is the control's state).
//! - `DELETE admin/people/photoUpdateSettings` does not remove the singleton: it puts back
//!   Microsoft's default (every user may change their photo), which the next read returns.
//! - `copilot/admin/policySettings/*` answers delegated tokens only, as Graph does today: an
//!   app-only call gets 403.
//!
//! Everything else is the generic store's, so remediation changes what the next collection
//! sees.

use std::sync::{PoisonError, RwLock};

use serde_json::{json, Value};

use super::call::{Ctx, GraphCall};
use super::errors;
use super::store::{TenantStore, Walk};
use crate::clock::{rfc3339, unix_now};
use crate::reply::Reply;

/// The defaults, as data.
const DEFAULTS: &str = include_str!("../../seed/graphstd_defaults.json");

/// The demo overlay (see `seed_overlay.rs` for the format).
pub(crate) const GRAPHSTD_SEED: &str = include_str!("../../seed/graphstd.json");

/// The states a Secure Score control can be given.
const CONTROL_STATES: [&str; 4] = ["default", "ignored", "thirdParty", "reviewed"];

/// Add the defaults to a tenant's tree wherever it has no value of its own.
pub(crate) fn add_defaults(tree: &mut Value) {
    let Ok(defaults) = serde_json::from_str::<Value>(DEFAULTS) else {
        return; // a unit test parses the shipped file
    };
    if let (Value::Object(tree), Some(Value::Object(d))) = (&mut *tree, defaults.get("graph")) {
        super::standards_endpoints::fill_missing(tree, d);
    }
    add_default_status_page(tree);
}

/// Intune's default enrollment status page (ESP), which every tenant has. Its id is
/// `{tenantId}_DefaultWindows10EnrollmentCompletionPageConfiguration`; the tenant id is taken
/// from the other default configurations, which carry the same prefix.
fn add_default_status_page(tree: &mut Value) {
    let Some(Value::Array(configs)) = tree
        .get_mut("deviceManagement")
        .and_then(|d| d.get_mut("deviceEnrollmentConfigurations"))
    else {
        return;
    };
    let has_page = configs.iter().any(|c| {
        c["@odata.type"] == "#microsoft.graph.windows10EnrollmentCompletionPageConfiguration"
    });
    let prefix = configs
        .iter()
        .filter_map(|c| c["id"].as_str())
        .find_map(|id| id.strip_suffix("_DefaultLimit"))
        .map(str::to_string);
    let (false, Some(prefix)) = (has_page, prefix) else {
        return;
    };
    configs.push(json!({
        "@odata.type": "#microsoft.graph.windows10EnrollmentCompletionPageConfiguration",
        "id": format!("{prefix}_DefaultWindows10EnrollmentCompletionPageConfiguration"),
        "displayName": "All users and all devices",
        "description": "This is the default enrollment status screen configuration applied with the lowest priority to all users and all devices regardless of group membership.",
        "priority": 0,
        "version": 1,
        "deviceEnrollmentConfigurationType": "windows10EnrollmentCompletionPageConfiguration",
        "showInstallationProgress": false,
        "blockDeviceSetupRetryByUser": false,
        "allowDeviceResetOnInstallFailure": false,
        "allowLogCollectionOnInstallFailure": false,
        "customErrorMessage": "",
        "installProgressTimeoutInMinutes": 60,
        "allowDeviceUseOnInstallFailure": false,
        "selectedMobileAppIds": [],
        "trackInstallProgressForAutopilotOnly": false,
        "disableUserStatusTrackingAfterFirstUser": false,
        "installQualityUpdates": false,
        "roleScopeTagIds": ["0"],
    }));
}

fn eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// Answer the writes this module knows; `None` lets the generic store answer.
pub(crate) fn serve(
    ctx: &Ctx<'_>,
    lock: &RwLock<TenantStore>,
    segs: &[String],
    call: &GraphCall,
) -> Option<Reply> {
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    if let [copilot, admin, policy_settings, ..] = s.as_slice() {
        let is_copilot_policy =
            eq(copilot, "copilot") && eq(admin, "admin") && eq(policy_settings, "policySettings");
        if is_copilot_policy && ctx.user.is_none() {
            return Some(errors::error(
                403,
                "Forbidden",
                "Copilot policy settings support delegated (signed-in user) tokens only; \
                 application permissions are not supported.",
            ));
        }
    }
    match (call.method.as_str(), s.as_slice()) {
        ("PATCH", [security, profiles, _])
            if eq(security, "security") && eq(profiles, "secureScoreControlProfiles") =>
        {
            let mut store = lock.write().unwrap_or_else(PoisonError::into_inner);
            Some(update_control_state(&mut store, segs, call.body.as_ref()))
        }
        ("DELETE", [admin, people, photos])
            if eq(admin, "admin") && eq(people, "people") && eq(photos, "photoUpdateSettings") =>
        {
            let mut store = lock.write().unwrap_or_else(PoisonError::into_inner);
            Some(reset_photo_settings(&mut store, segs))
        }
        _ => None,
    }
}

/// Microsoft's photo update settings of a tenant that never changed them.
fn default_photo_settings() -> Value {
    json!({"source": "cloud", "allowedRoles": []})
}

/// `DELETE admin/people/photoUpdateSettings`: back to the default.
fn reset_photo_settings(store: &mut TenantStore, segs: &[String]) -> Reply {
    let Walk::Found(steps) = store.walk(&segs[..2]) else {
        return errors::not_found(&segs[2]);
    };
    let Some(Value::Object(people)) = store.get_mut(&steps) else {
        return errors::not_found(&segs[2]);
    };
    let key = people
        .keys()
        .find(|k| eq(k, "photoUpdateSettings"))
        .cloned()
        .unwrap_or_else(|| "photoUpdateSettings".into());
    people.insert(key, default_photo_settings());
    Reply::empty(204)
}

/// `PATCH security/secureScoreControlProfiles/{id}` `{state, comment, vendorInformation}`:
/// a new entry in the control's `controlStateUpdates`.
fn update_control_state(store: &mut TenantStore, segs: &[String], body: Option<&Value>) -> Reply {
    let body = body.cloned().unwrap_or(Value::Null);
    let Some(state) = body["state"].as_str() else {
        return errors::bad_request("BadRequest", "The request needs a 'state'.");
    };
    let Some(state) = CONTROL_STATES.iter().find(|s| eq(s, state)) else {
        return errors::bad_request(
            "BadRequest",
            &format!("'{state}' is not a control state (default, ignored, thirdParty, reviewed)."),
        );
    };
    if !body["vendorInformation"]["provider"].is_string() {
        return errors::bad_request(
            "BadRequest",
            "The request needs 'vendorInformation' with a 'provider'.",
        );
    }
    let Walk::Found(steps) = store.walk(segs) else {
        return errors::not_found(&segs[2]);
    };
    let Some(Value::Object(control)) = store.get_mut(&steps) else {
        return errors::not_found(&segs[2]);
    };
    let updates = control
        .entry("controlStateUpdates")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(updates) = updates {
        updates.push(json!({
            "assignedTo": "",
            "comment": body["comment"].as_str().unwrap_or_default(),
            "state": state,
            "updatedBy": "app",
            "updatedDateTime": rfc3339(unix_now()),
        }));
    }
    Reply::empty(204)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_shipped_files_parse_and_the_status_page_is_named_after_the_tenant() {
        let overlay: Value = serde_json::from_str(GRAPHSTD_SEED).unwrap();
        assert!(overlay["tenants"].is_object());
        let mut tree = json!({"deviceManagement": {"deviceEnrollmentConfigurations": [
            {"id": "t-1_DefaultLimit"}
        ]}});
        add_defaults(&mut tree);
        let configs = tree["deviceManagement"]["deviceEnrollmentConfigurations"]
            .as_array()
            .unwrap();
        assert_eq!(
            configs[1]["id"],
            "t-1_DefaultWindows10EnrollmentCompletionPageConfiguration"
        );
        assert_eq!(
            tree["deviceManagement"]["windowsAutopilotDeploymentProfiles"],
            json!([])
        );
        assert!(tree["security"]["secureScoreControlProfiles"].is_array());
        // A second pass adds nothing.
        add_defaults(&mut tree);
        assert_eq!(
            tree["deviceManagement"]["deviceEnrollmentConfigurations"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
    }
}
