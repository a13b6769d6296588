//! Who may register and join devices in Entra ID, and who becomes local administrator on
//! joined devices: three settings of the device registration policy that are chosen by a
//! membership *type* (`@odata.type`: everyone or no one), which the declarative comparison
//! skips as bookkeeping; here they are compared. Each write is a read-modify-write `PUT` of the
//! whole policy (the policy takes nothing else), made just before the write so that several of
//! these standards in one run do not undo each other.

use serde_json::{json, Value};

use super::util::{setting, single};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;
use crate::plan::Step;

const ALL: &str = "#microsoft.graph.allDeviceRegistrationMembership";
const NONE: &str = "#microsoft.graph.noDeviceRegistrationMembership";
const CACHE: &str = "DeviceRegistrationPolicy";

fn switch(
    standard: &str,
    input: &Input<'_>,
    key: &str,
    default: bool,
) -> Result<bool, StandardsError> {
    match setting(input.settings, key) {
        None => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(true),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(false),
        Some(other) => Err(StandardsError::Setting {
            standard: standard.into(),
            setting: key.into(),
            message: format!("{other} is not true or false"),
        }),
    }
}

fn at<'a>(policy: &'a Value, path: &[&str]) -> &'a Value {
    path.iter().fold(policy, |v, k| &v[*k])
}

/// Drift of one membership type at `path`, with the merge-PUT that sets it.
fn membership(input: &Input<'_>, path: &[&str], off: bool) -> Assessment {
    let policy = input.rows(CACHE).first().cloned().unwrap_or(Value::Null);
    let wanted = if off { NONE } else { ALL };
    let current = at(&policy, path)["@odata.type"].clone();
    let mut body = json!({"@odata.type": wanted});
    for key in path.iter().rev() {
        body = json!({ *key: body });
    }
    let name = path.join(".");
    single(
        json!({ name.clone(): current }),
        json!({ name: wanted }),
        vec![put(body)],
    )
}

fn put(body: Value) -> Step {
    Step::Graph {
        method: "PUT".into(),
        uri: "policies/deviceRegistrationPolicy".into(),
        body,
        continue_on_error: false,
        merge_current: true,
        create_when_missing: None,
        delegated: false,
    }
}

/// `intuneRestrictUserDeviceRegistration`: whether users may register personal devices
/// (`disableUserDeviceRegistration`, default on: no one may).
#[derive(Debug, Clone, Copy, Default)]
pub struct RestrictUserDeviceRegistration;

impl Standard for RestrictUserDeviceRegistration {
    fn name(&self) -> &'static str {
        "intuneRestrictUserDeviceRegistration"
    }
    fn label(&self) -> &'static str {
        "Stop users registering devices"
    }
    fn category(&self) -> &'static str {
        "Entra (AAD) Standards"
    }
    fn description(&self) -> &'static str {
        "Decides whether users may register their own devices in Entra ID (off by default \
         when the standard is on)."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &[CACHE]
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[("disableUserDeviceRegistration", "true")]
    }
    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let off = switch(self.name(), input, "disableUserDeviceRegistration", true)?;
        Ok(membership(
            input,
            &["azureADRegistration", "allowedToRegister"],
            off,
        ))
    }
}

/// `intuneRestrictUserDeviceJoin`: whether users may join devices to Entra ID
/// (`disableUserDeviceJoin`, default on: no one may).
#[derive(Debug, Clone, Copy, Default)]
pub struct RestrictUserDeviceJoin;

impl Standard for RestrictUserDeviceJoin {
    fn name(&self) -> &'static str {
        "intuneRestrictUserDeviceJoin"
    }
    fn label(&self) -> &'static str {
        "Stop users joining devices"
    }
    fn category(&self) -> &'static str {
        "Entra (AAD) Standards"
    }
    fn description(&self) -> &'static str {
        "Decides whether users may join devices to Entra ID themselves; when off, only \
         administrators and enrolment services can."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &[CACHE]
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[("disableUserDeviceJoin", "true")]
    }
    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let off = switch(self.name(), input, "disableUserDeviceJoin", true)?;
        Ok(membership(input, &["azureADJoin", "allowedToJoin"], off))
    }
}

/// `intuneDeviceRegLocalAdmins`: whether the user who joins a device becomes its local
/// administrator (`disableRegisteringUsers`, default on: they do not) and whether Global
/// Administrators do (`enableGlobalAdmins`, default on).
#[derive(Debug, Clone, Copy, Default)]
pub struct DeviceRegLocalAdmins;

impl Standard for DeviceRegLocalAdmins {
    fn name(&self) -> &'static str {
        "intuneDeviceRegLocalAdmins"
    }
    fn label(&self) -> &'static str {
        "Local administrators on joined devices"
    }
    fn category(&self) -> &'static str {
        "Entra (AAD) Standards"
    }
    fn description(&self) -> &'static str {
        "Keeps the user who joins a device from becoming its local administrator, and \
         decides whether Global Administrators are local administrators on joined devices."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &[CACHE]
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("disableRegisteringUsers", "true"),
            ("enableGlobalAdmins", "true"),
        ]
    }
    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let off = switch(self.name(), input, "disableRegisteringUsers", true)?;
        let admins = switch(self.name(), input, "enableGlobalAdmins", true)?;
        let policy = input.rows(CACHE).first().cloned().unwrap_or(Value::Null);
        let local = &policy["azureADJoin"]["localAdmins"];
        let wanted = if off { NONE } else { ALL };
        let current = json!({
            "registeringUsers": local["registeringUsers"]["@odata.type"].clone(),
            "enableGlobalAdmins": local["enableGlobalAdmins"].clone(),
        });
        let expected = json!({"registeringUsers": wanted, "enableGlobalAdmins": admins});
        let body = json!({"azureADJoin": {"localAdmins": {
            "enableGlobalAdmins": admins,
            "registeringUsers": {"@odata.type": wanted},
        }}});
        Ok(single(current, expected, vec![put(body)]))
    }
}
