//! `AuthenticationMethods`: each authentication method on or off, for chosen groups.

use serde_json::{json, Map, Value};

use super::util::{graph_patch, list, setting, single, target_ids, text};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// The methods: CIPP's setting prefix, Graph's configuration id and its `@odata.type`.
const METHODS: [(&str, &str, &str); 10] = [
    (
        "MicrosoftAuthenticator",
        "MicrosoftAuthenticator",
        "#microsoft.graph.microsoftAuthenticatorAuthenticationMethodConfiguration",
    ),
    (
        "FIDO2",
        "Fido2",
        "#microsoft.graph.fido2AuthenticationMethodConfiguration",
    ),
    (
        "TAP",
        "TemporaryAccessPass",
        "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration",
    ),
    (
        "SoftwareOath",
        "SoftwareOath",
        "#microsoft.graph.softwareOathAuthenticationMethodConfiguration",
    ),
    (
        "HardwareOath",
        "HardwareOath",
        "#microsoft.graph.hardwareOathAuthenticationMethodConfiguration",
    ),
    (
        "SMS",
        "Sms",
        "#microsoft.graph.smsAuthenticationMethodConfiguration",
    ),
    (
        "Voice",
        "Voice",
        "#microsoft.graph.voiceAuthenticationMethodConfiguration",
    ),
    (
        "Email",
        "Email",
        "#microsoft.graph.emailAuthenticationMethodConfiguration",
    ),
    (
        "x509Certificate",
        "X509Certificate",
        "#microsoft.graph.x509CertificateAuthenticationMethodConfiguration",
    ),
    (
        "QRCodePin",
        "QRCodePin",
        "#microsoft.graph.qrCodePinAuthenticationMethodConfiguration",
    ),
];

/// Microsoft Authenticator's feature switches: CIPP's setting and Graph's feature setting.
const AUTHENTICATOR_FEATURES: [(&str, &str); 4] = [
    (
        "MicrosoftAuthenticatorNumberMatching",
        "numberMatchingRequiredState",
    ),
    (
        "MicrosoftAuthenticatorDisplayAppInfo",
        "displayAppInformationRequiredState",
    ),
    (
        "MicrosoftAuthenticatorDisplayLocation",
        "displayLocationInformationRequiredState",
    ),
    (
        "MicrosoftAuthenticatorCompanionApp",
        "companionAppAllowedState",
    ),
];

/// Numbers of the Temporary Access Pass and QR code methods: CIPP's setting, Graph's
/// property, and the allowed range.
const NUMBERS: [(&str, &str, &str, u64, u64); 6] = [
    (
        "TemporaryAccessPass",
        "TAPDefaultLifetime",
        "defaultLifetimeInMinutes",
        10,
        43_200,
    ),
    (
        "TemporaryAccessPass",
        "TAPMinLifetime",
        "minimumLifetimeInMinutes",
        10,
        43_200,
    ),
    (
        "TemporaryAccessPass",
        "TAPMaxLifetime",
        "maximumLifetimeInMinutes",
        10,
        43_200,
    ),
    (
        "TemporaryAccessPass",
        "TAPDefaultLength",
        "defaultLength",
        8,
        48,
    ),
    (
        "QRCodePin",
        "QRCodeLifetimeInDays",
        "standardQRCodeLifetimeInDays",
        1,
        395,
    ),
    ("QRCodePin", "QRCodePinLength", "pinLength", 8, 20),
];

/// The methods of the authentication methods policy, each `enabled` or `disabled` as its
/// `{Method}Enabled` switch says (a method whose switch the template does not give is left
/// alone), and when enabled: for the groups of `{Method}Group` (display names or ids,
/// looked up in the tenant; none: all users), with the method's own options when given
/// (Authenticator's OATH codes and feature switches, the Temporary Access Pass lifetimes,
/// length and one-time use, the QR code lifetime and PIN length). One `PATCH` of
/// `policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id}` per method
/// that differs.
#[derive(Debug, Clone, Copy, Default)]
pub struct AuthenticationMethods;

fn switch(settings: &Map<String, Value>, key: &str) -> Option<bool> {
    match setting(settings, key)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "enabled" => Some(true),
            "false" | "disabled" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

impl Standard for AuthenticationMethods {
    fn name(&self) -> &'static str {
        "AuthenticationMethods"
    }
    fn label(&self) -> &'static str {
        "Authentication methods and who may use them"
    }
    fn category(&self) -> &'static str {
        "Entra (AAD) Standards"
    }
    fn description(&self) -> &'static str {
        "Turns each sign-in method (Authenticator, FIDO2, Temporary Access Pass, OATH, SMS, \
         voice, e-mail, certificates, QR code) on or off, for all users or the groups named, \
         with the method's own options."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["AuthenticationMethodsPolicy", "Groups"]
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("MicrosoftAuthenticatorEnabled", ""),
            ("FIDO2Enabled", ""),
            ("TAPEnabled", ""),
            ("SoftwareOathEnabled", ""),
            ("HardwareOathEnabled", ""),
            ("SMSEnabled", ""),
            ("VoiceEnabled", ""),
            ("EmailEnabled", ""),
            ("x509CertificateEnabled", ""),
            ("QRCodePinEnabled", ""),
        ]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let bad = |setting: &str, message: String| StandardsError::Setting {
            standard: self.name().into(),
            setting: setting.into(),
            message,
        };
        let groups = input.rows("Groups");
        let policy = input
            .rows("AuthenticationMethodsPolicy")
            .first()
            .cloned()
            .unwrap_or(Value::Null);
        let configs = policy["authenticationMethodConfigurations"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut current = Map::new();
        let mut expected = Map::new();
        let mut steps = Vec::new();
        let mut managed = 0;
        for (prefix, id, odata) in METHODS {
            let Some(enabled) = switch(input.settings, &format!("{prefix}Enabled")) else {
                continue;
            };
            managed += 1;
            let config = configs
                .iter()
                .find(|c| c["id"].as_str().is_some_and(|i| i.eq_ignore_ascii_case(id)))
                .cloned()
                .unwrap_or(Value::Null);
            let state = if enabled { "enabled" } else { "disabled" };
            let mut have = json!({"state": config["state"]});
            let mut want = json!({"state": state});
            let mut body = json!({"@odata.type": odata, "state": state});
            if enabled {
                let group_key = format!("{prefix}Group");
                let mut targets = Vec::new();
                for name in list(input.settings, &group_key) {
                    let gid = groups
                        .iter()
                        .find(|g| {
                            ["displayName", "id"].iter().any(|k| {
                                g[*k]
                                    .as_str()
                                    .is_some_and(|v| v.eq_ignore_ascii_case(&name))
                            })
                        })
                        .and_then(|g| g["id"].as_str())
                        .ok_or_else(|| {
                            bad(&group_key, format!("no group named '{name}' in the tenant"))
                        })?;
                    targets.push(gid.to_ascii_lowercase());
                }
                if targets.is_empty() {
                    targets.push("all_users".into());
                }
                targets.sort();
                targets.dedup();
                have["includeTargets"] = json!(target_ids(&config["includeTargets"]));
                want["includeTargets"] = json!(targets);
                body["includeTargets"] = json!(targets
                    .iter()
                    .map(
                        |t| json!({"targetType": "group", "id": t, "isRegistrationRequired": false})
                    )
                    .collect::<Vec<_>>());
                if id == "MicrosoftAuthenticator" {
                    if let Some(oath) = switch(input.settings, "MicrosoftAuthenticatorSoftwareOath")
                    {
                        have["isSoftwareOathEnabled"] = config["isSoftwareOathEnabled"].clone();
                        want["isSoftwareOathEnabled"] = json!(oath);
                        body["isSoftwareOathEnabled"] = json!(oath);
                    }
                    for (key, feature) in AUTHENTICATOR_FEATURES {
                        let Some(value) = text(input.settings, key) else {
                            continue;
                        };
                        let value = value.to_ascii_lowercase();
                        if !["default", "enabled", "disabled"].contains(&value.as_str()) {
                            return Err(bad(
                                key,
                                format!("'{value}' is not default, enabled or disabled"),
                            ));
                        }
                        let mut now = config["featureSettings"][feature].clone();
                        have[feature] = now["state"].clone();
                        want[feature] = json!(value);
                        if !now.is_object() {
                            now = json!({"includeTarget": {"targetType": "group", "id": "all_users"}});
                        }
                        now["state"] = json!(value);
                        body["featureSettings"][feature] = now;
                    }
                }
                if id == "TemporaryAccessPass" {
                    if let Some(once) = switch(input.settings, "TAPUsableOnce") {
                        have["isUsableOnce"] = config["isUsableOnce"].clone();
                        want["isUsableOnce"] = json!(once);
                        body["isUsableOnce"] = json!(once);
                    }
                }
                for (method, key, property, min, max) in NUMBERS {
                    if method != id || setting(input.settings, key).is_none() {
                        continue;
                    }
                    let n = super::util::number(self.name(), input.settings, key, min, min)?;
                    if n > max {
                        return Err(bad(key, format!("{n} is above {max}")));
                    }
                    have[property] = config[property].clone();
                    want[property] = json!(n);
                    body[property] = json!(n);
                }
            }
            let differs =
                !crate::compare::compare(&want, &have, crate::CompareOptions::default()).is_empty();
            if differs {
                steps.push(graph_patch(
                    format!("policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id}"),
                    body,
                ));
            }
            current.insert(id.to_string(), have);
            expected.insert(id.to_string(), want);
        }
        if managed == 0 {
            return Err(bad(
                "MicrosoftAuthenticatorEnabled",
                "no method is switched on or off (give at least one {Method}Enabled)".into(),
            ));
        }
        Ok(single(
            Value::Object(current),
            Value::Object(expected),
            steps,
        ))
    }
}
