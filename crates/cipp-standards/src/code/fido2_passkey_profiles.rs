//! `FIDO2PasskeyProfiles`: the default passkey profile of the FIDO2 method.

use serde_json::{json, Map, Value};

use super::util::{graph_patch, list, setting, single, text};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// The id Entra ID gives the default passkey profile.
const DEFAULT_PROFILE: &str = "00000000-0000-0000-0000-000000000001";

/// The FIDO2 (passkey) method's default passkey profile (`defaultPasskeyProfile`, else the
/// first profile; created when the tenant has none): which passkeys it allows
/// (`PasskeyTypes`: `deviceBound`, `synced` or both), whether attestation is enforced at
/// registration (`AttestationEnforcement`: `disabled` or `registrationOnly`; synced passkeys
/// need `disabled`), and key restrictions (`EnforceKeyRestrictions`, `EnforcementType`
/// `allow` or `block`, `AAGUIDs`). Given AAGUIDs are added to the profile's list, never
/// replacing it. One `PATCH` of the FIDO2 method configuration with every profile, the
/// others as they are.
#[derive(Debug, Clone, Copy, Default)]
pub struct Fido2PasskeyProfiles;

fn sorted_lower(items: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = items
        .into_iter()
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

fn guid_like(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

impl Standard for Fido2PasskeyProfiles {
    fn name(&self) -> &'static str {
        "FIDO2PasskeyProfiles"
    }
    fn label(&self) -> &'static str {
        "Passkey profile: types, attestation and allowed keys"
    }
    fn category(&self) -> &'static str {
        "Entra (AAD) Standards"
    }
    fn description(&self) -> &'static str {
        "Sets which passkeys the default passkey profile accepts (device-bound, synced), \
         whether attestation is enforced, and which authenticator models (AAGUIDs) are \
         allowed or blocked."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["AuthenticationMethodsPolicy"]
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("PasskeyTypes", "deviceBound,synced"),
            ("AttestationEnforcement", "disabled"),
            ("EnforceKeyRestrictions", "false"),
            ("EnforcementType", "allow"),
            ("AAGUIDs", ""),
        ]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let bad = |setting: &str, message: String| StandardsError::Setting {
            standard: self.name().into(),
            setting: setting.into(),
            message,
        };
        let types = sorted_lower(
            list(input.settings, "PasskeyTypes")
                .into_iter()
                .map(|t| t.to_string()),
        );
        let types = if types.is_empty() {
            vec!["devicebound".to_string(), "synced".to_string()]
        } else {
            types
        };
        if let Some(t) = types.iter().find(|t| *t != "devicebound" && *t != "synced") {
            return Err(bad(
                "PasskeyTypes",
                format!("'{t}' is not deviceBound or synced"),
            ));
        }
        let passkey_types = types
            .iter()
            .map(|t| {
                if t == "devicebound" {
                    "deviceBound"
                } else {
                    "synced"
                }
            })
            .collect::<Vec<_>>()
            .join(",");
        let attestation =
            text(input.settings, "AttestationEnforcement").unwrap_or_else(|| "disabled".into());
        let attestation = match attestation.to_ascii_lowercase().as_str() {
            "disabled" => "disabled",
            "registrationonly" => "registrationOnly",
            other => {
                return Err(bad(
                    "AttestationEnforcement",
                    format!("'{other}' is not disabled or registrationOnly"),
                ))
            }
        };
        if attestation == "registrationOnly" && types.iter().any(|t| t == "synced") {
            return Err(bad(
                "AttestationEnforcement",
                "synced passkeys cannot be attested: use disabled or deviceBound only".into(),
            ));
        }
        let enforce = match setting(input.settings, "EnforceKeyRestrictions") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s.trim().eq_ignore_ascii_case("true"),
            Some(_) => return Err(bad("EnforceKeyRestrictions", "is not a switch".into())),
        };
        let enforcement = text(input.settings, "EnforcementType").unwrap_or_else(|| "allow".into());
        let enforcement = match enforcement.to_ascii_lowercase().as_str() {
            "allow" => "allow",
            "block" => "block",
            other => {
                return Err(bad(
                    "EnforcementType",
                    format!("'{other}' is not allow or block"),
                ))
            }
        };
        let given = sorted_lower(list(input.settings, "AAGUIDs"));
        if let Some(g) = given.iter().find(|g| !guid_like(g)) {
            return Err(bad("AAGUIDs", format!("'{g}' is not an AAGUID")));
        }
        if enforce && enforcement == "allow" && given.is_empty() {
            return Err(bad(
                "AAGUIDs",
                "allowing only listed keys with no AAGUIDs would block every passkey".into(),
            ));
        }
        let config = input
            .rows("AuthenticationMethodsPolicy")
            .first()
            .and_then(|p| p["authenticationMethodConfigurations"].as_array())
            .and_then(|c| {
                c.iter().find(|m| {
                    m["id"]
                        .as_str()
                        .is_some_and(|i| i.eq_ignore_ascii_case("fido2"))
                })
            })
            .cloned()
            .unwrap_or(Value::Null);
        let profiles: Vec<Value> = config["passkeyProfiles"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let default_id = config["defaultPasskeyProfile"]
            .as_str()
            .map(str::to_string)
            .or_else(|| {
                profiles
                    .first()
                    .and_then(|p| p["id"].as_str())
                    .map(str::to_string)
            })
            .unwrap_or_else(|| DEFAULT_PROFILE.to_string());
        let profile = profiles
            .iter()
            .find(|p| {
                p["id"]
                    .as_str()
                    .is_some_and(|i| i.eq_ignore_ascii_case(&default_id))
            })
            .cloned()
            .unwrap_or(Value::Null);
        let have_guids = sorted_lower(
            profile["keyRestrictions"]["aaGuids"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|g| g.as_str().map(str::to_string)),
        );
        let missing: Vec<&String> = given.iter().filter(|g| !have_guids.contains(g)).collect();
        let have_types = sorted_lower(
            profile["passkeyTypes"]
                .as_str()
                .unwrap_or_default()
                .split(',')
                .map(str::to_string),
        );
        let current = json!({
            "passkeyTypes": have_types,
            "attestationEnforcement": profile["attestationEnforcement"],
            "keyRestrictionsEnforced": profile["keyRestrictions"]["isEnforced"],
            "enforcementType": profile["keyRestrictions"]["enforcementType"],
            "missingAaGuids": missing,
        });
        let expected = json!({
            "passkeyTypes": types,
            "attestationEnforcement": attestation,
            "keyRestrictionsEnforced": enforce,
            "enforcementType": enforcement,
            "missingAaGuids": [],
        });
        let mut guids = have_guids.clone();
        guids.extend(missing.iter().map(|g| g.to_string()));
        let mut ours = match &profile {
            Value::Object(o) => o.clone(),
            _ => {
                let mut o = Map::new();
                o.insert("id".into(), json!(default_id));
                o.insert("name".into(), json!("Default passkey profile"));
                o
            }
        };
        ours.insert("passkeyTypes".into(), json!(passkey_types));
        ours.insert("attestationEnforcement".into(), json!(attestation));
        ours.insert(
            "keyRestrictions".into(),
            json!({"isEnforced": enforce, "enforcementType": enforcement, "aaGuids": guids}),
        );
        let mut all: Vec<Value> = profiles
            .into_iter()
            .filter(|p| {
                !p["id"]
                    .as_str()
                    .is_some_and(|i| i.eq_ignore_ascii_case(&default_id))
            })
            .collect();
        all.insert(0, Value::Object(ours));
        let body = json!({
            "@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration",
            "passkeyProfiles": all,
        });
        Ok(single(
            current,
            expected,
            vec![graph_patch(
                "policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Fido2",
                body,
            )],
        ))
    }
}
