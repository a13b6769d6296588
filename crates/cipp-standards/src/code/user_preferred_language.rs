//! `UserPreferredLanguage`: every cloud member account has the chosen preferred language.

use serde_json::json;

use super::util::{graph_patch, per_object, text, Finding};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

const CACHE: &str = "UserPreferredLanguages";

/// Members (`userType` Member) that are not synchronised from on-premises and whose
/// `preferredLanguage` differs from the chosen one (`preferredLanguage`, a language tag such
/// as `en-GB`; required) get it, one `PATCH users/{id}` each. Synchronised accounts take
/// their language from on-premises and are left alone.
#[derive(Debug, Clone, Copy, Default)]
pub struct UserPreferredLanguage;

fn is_tag(s: &str) -> bool {
    let mut parts = s.split('-');
    parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()))
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

impl Standard for UserPreferredLanguage {
    fn name(&self) -> &'static str {
        "UserPreferredLanguage"
    }
    fn label(&self) -> &'static str {
        "Preferred language of every user"
    }
    fn category(&self) -> &'static str {
        "Entra (AAD) Standards"
    }
    fn description(&self) -> &'static str {
        "Sets the preferred language of every cloud member account to the chosen language \
         tag, overriding what users chose themselves."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &[CACHE]
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[("preferredLanguage", "")]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let language = text(input.settings, "preferredLanguage")
            .filter(|l| is_tag(l))
            .ok_or_else(|| StandardsError::Setting {
                standard: self.name().into(),
                setting: "preferredLanguage".into(),
                message: "a language tag such as en-GB is needed".into(),
            })?;
        let findings = input
            .rows(CACHE)
            .iter()
            .filter(|u| {
                u["userType"]
                    .as_str()
                    .is_none_or(|t| t.eq_ignore_ascii_case("Member"))
            })
            .filter(|u| u["onPremisesSyncEnabled"].as_bool() != Some(true))
            .filter(|u| {
                u["preferredLanguage"]
                    .as_str()
                    .is_none_or(|l| !l.eq_ignore_ascii_case(&language))
            })
            .filter_map(|u| {
                let id = u["id"].as_str()?;
                let upn = u["userPrincipalName"].as_str().unwrap_or(id);
                Some(Finding {
                    object: upn.to_string(),
                    current: json!({"preferredLanguage": u["preferredLanguage"].clone()}),
                    expected: json!({"preferredLanguage": language}),
                    step: graph_patch(
                        format!("users/{id}"),
                        json!({"preferredLanguage": language}),
                    ),
                })
            })
            .collect();
        Ok(per_object(json!({"preferredLanguage": language}), findings))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn language_tags() {
        assert!(super::is_tag("en-GB") && super::is_tag("nl") && super::is_tag("zh-Hans-CN"));
        assert!(!super::is_tag("english") && !super::is_tag("en_GB") && !super::is_tag(""));
    }
}
