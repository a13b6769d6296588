//! `OMEBranding`: how encrypted mail from the tenant looks to its recipients.

use serde_json::{json, Map, Value};

use super::exchange_common::{switch, EXCHANGE_PLANS};
use super::util::{exchange, setting, single, text};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// The Office Message Encryption configuration (`OME Configuration`) has the texts, colour,
/// privacy link and sign-in options given in the settings; settings left empty are neither
/// judged nor written (which is why this is code: the fields are optional). One
/// `Set-OMEConfiguration` with exactly the given fields. `LogoUrl` is not applied: the logo is
/// uploaded as image bytes fetched from the address, which a standard judged from a snapshot
/// does not do.
#[derive(Debug, Clone, Copy, Default)]
pub struct OmeBranding;

const CACHE: &str = "ExoOMEConfiguration";
const IDENTITY: &str = "OME Configuration";
/// Text fields, set as given.
const TEXTS: [&str; 7] = [
    "BackgroundColor",
    "IntroductionText",
    "ReadButtonText",
    "EmailText",
    "PrivacyStatementUrl",
    "DisclaimerText",
    "PortalText",
];

impl Standard for OmeBranding {
    fn name(&self) -> &'static str {
        "OMEBranding"
    }
    fn label(&self) -> &'static str {
        "Branding of encrypted mail"
    }
    fn category(&self) -> &'static str {
        "Exchange Standards"
    }
    fn description(&self) -> &'static str {
        "Brands the page and notice recipients of encrypted mail see (colour, texts, privacy \
         link) and chooses whether they may sign in with a one-time code or a social account."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &[CACHE]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        EXCHANGE_PLANS
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let s = input.settings;
        let mut wanted = Map::new();
        for key in TEXTS {
            if let Some(v) = text(s, key) {
                wanted.insert(key.into(), json!(v));
            }
        }
        if let Some(colour) = wanted.get("BackgroundColor").and_then(Value::as_str) {
            let hex = colour.strip_prefix('#').unwrap_or(colour);
            let named = colour.chars().all(|c| c.is_ascii_alphabetic());
            if !(named || (hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()))) {
                return Err(StandardsError::Setting {
                    standard: self.name().into(),
                    setting: "BackgroundColor".into(),
                    message: format!("'{colour}' is neither #rrggbb nor a colour name"),
                });
            }
        }
        for key in ["OTPEnabled", "SocialIdSignIn"] {
            if setting(s, key).is_some() {
                wanted.insert(key.into(), json!(switch(self.name(), s, key, false)?));
            }
        }
        if wanted.is_empty() {
            return Err(StandardsError::Setting {
                standard: self.name().into(),
                setting: "BackgroundColor".into(),
                message: "no branding field is given".into(),
            });
        }
        let config = input.rows(CACHE).first();
        let current: Map<String, Value> = wanted
            .keys()
            .map(|k| {
                (
                    k.clone(),
                    config.map(|c| c[k].clone()).unwrap_or(Value::Null),
                )
            })
            .collect();
        let mut params = wanted.clone();
        params.insert(
            "Identity".into(),
            json!(config
                .and_then(|c| c["Identity"].as_str())
                .unwrap_or(IDENTITY)),
        );
        Ok(single(
            Value::Object(current),
            Value::Object(wanted),
            vec![exchange("Set-OMEConfiguration", Value::Object(params))],
        ))
    }
}
