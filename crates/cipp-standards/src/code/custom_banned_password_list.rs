//! `CustomBannedPasswordList`: Entra ID's custom banned password list holds the given words.

use serde_json::json;

use super::password_rule_settings::PasswordRuleSettings;
use super::util::{list, single};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// Entra ID keeps at most this many words.
const MAX_WORDS: usize = 1000;

/// The "Password Rule Settings" directory setting has the banned password check on and its
/// list holds every given word (4 to 16 characters each). Words already in the tenant's list
/// stay: the given words are merged in, never replacing the list. The setting is created
/// (`POST settings`, with Microsoft's defaults for the lockout values) when the tenant has
/// none, else updated (`PATCH settings/{id}`, its other values kept).
#[derive(Debug, Clone, Copy, Default)]
pub struct CustomBannedPasswordList;

impl Standard for CustomBannedPasswordList {
    fn name(&self) -> &'static str {
        "CustomBannedPasswordList"
    }
    fn label(&self) -> &'static str {
        "Custom banned password list"
    }
    fn category(&self) -> &'static str {
        "Entra (AAD) Standards"
    }
    fn description(&self) -> &'static str {
        "Turns on Entra ID's custom banned password check and adds the given words \
         (comma or semicolon separated, 4 to 16 characters) to the tenant's list."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["Settings"]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        &["AAD_PREMIUM", "AAD_PREMIUM_P2"]
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[("BannedWords", "")]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let bad = |message: String| StandardsError::Setting {
            standard: self.name().into(),
            setting: "BannedWords".into(),
            message,
        };
        let words = list(input.settings, "BannedWords");
        if words.is_empty() {
            return Err(bad("no words given".into()));
        }
        let wrong: Vec<&str> = words
            .iter()
            .map(String::as_str)
            .filter(|w| !(4..=16).contains(&w.chars().count()))
            .collect();
        if !wrong.is_empty() {
            return Err(bad(format!(
                "words must be 4 to 16 characters: {}",
                wrong.join(", ")
            )));
        }
        if words.len() > MAX_WORDS {
            return Err(bad(format!("{} words; at most {MAX_WORDS}", words.len())));
        }
        let setting = PasswordRuleSettings::of(input);
        let current_words: Vec<String> = setting
            .value("BannedPasswordList")
            .map(|l| {
                l.split('\t')
                    .filter(|w| !w.trim().is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let enabled = setting
            .value("EnableBannedPasswordCheck")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let missing: Vec<&String> = words
            .iter()
            .filter(|w| !current_words.iter().any(|c| c.eq_ignore_ascii_case(w)))
            .collect();
        let current = json!({
            "configured": setting.exists(),
            "enabled": enabled,
            "missingWords": missing,
        });
        let expected = json!({"configured": true, "enabled": true, "missingWords": []});
        let mut merged = current_words.clone();
        merged.extend(missing.iter().map(|w| w.to_string()));
        merged.truncate(MAX_WORDS);
        let step = setting.write(&[
            ("EnableBannedPasswordCheck", "True".into()),
            ("BannedPasswordList", merged.join("\t")),
        ]);
        Ok(single(current, expected, vec![step]))
    }
}
