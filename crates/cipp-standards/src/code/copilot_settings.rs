//! `CopilotSettings`: Microsoft 365 Copilot's tenant policy settings.

use serde_json::{json, Map, Value};

use super::util::{graph_patch, text};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;
use crate::evaluate::Outcome;
use crate::plan::Step;

/// Each setting: CIPP's setting name, Graph's policy setting id, the cache type holding it,
/// and the values it takes.
const POLICY_SETTINGS: [(&str, &str, &str, &[&str]); 5] = [
    (
        "copilotChatPinning",
        "microsoft.copilot.copilotchatpinning",
        "CopilotPolicyChatPinning",
        &["0", "1"],
    ),
    (
        "blockAccessToOpenFiles",
        "microsoft.copilot.blockaccesstoopenfiles",
        "CopilotPolicyBlockAccessToOpenFiles",
        &["0", "1"],
    ),
    (
        "imageGeneration",
        "microsoft.copilot.imagegeneration",
        "CopilotPolicyImageGeneration",
        &["0", "1"],
    ),
    (
        "allowWebSearch",
        "microsoft.copilot.allowwebsearch",
        "CopilotPolicyAllowWebSearch",
        &["0", "1", "2"],
    ),
    (
        "allowInAdminCenters",
        "microsoft.copilot.allowinadmincenters",
        "CopilotPolicyAllowInAdminCenters",
        &["0", "1"],
    ),
];

/// Copilot's tenant-level admin policy settings (Graph beta `copilot/admin/policySettings`):
/// Copilot Chat pinning (`copilotChatPinning`), blocking access to open content
/// (`blockAccessToOpenFiles`), Designer image generation (`imageGeneration`), web search
/// (`allowWebSearch`: `2` on everywhere, `1` off everywhere, `0` off in work mode only) and
/// Copilot in the admin centers (`allowInAdminCenters`), each `1`/`0` or `donotconfigure`
/// (left alone, as is a blank). One `PATCH {"value": ...}` per setting that differs. The API
/// takes delegated tokens only, so these writes go with the signed-in admin's token
/// ([`Step::Graph`]'s `delegated`), as CIPP sends them.
#[derive(Debug, Clone, Copy, Default)]
pub struct CopilotSettings;

impl Standard for CopilotSettings {
    fn name(&self) -> &'static str {
        "CopilotSettings"
    }
    fn label(&self) -> &'static str {
        "Microsoft 365 Copilot policy settings"
    }
    fn category(&self) -> &'static str {
        "Copilot (M365) Standards"
    }
    fn description(&self) -> &'static str {
        "Sets Microsoft 365 Copilot's tenant policy settings: Chat pinning, access to open \
         content, image generation, web search and Copilot in the admin centers."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &[
            "CopilotPolicyChatPinning",
            "CopilotPolicyBlockAccessToOpenFiles",
            "CopilotPolicyImageGeneration",
            "CopilotPolicyAllowWebSearch",
            "CopilotPolicyAllowInAdminCenters",
        ]
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("copilotChatPinning", "donotconfigure"),
            ("blockAccessToOpenFiles", "donotconfigure"),
            ("imageGeneration", "donotconfigure"),
            ("allowWebSearch", "donotconfigure"),
            ("allowInAdminCenters", "donotconfigure"),
        ]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let mut current = Map::new();
        let mut expected = Map::new();
        let mut steps = Vec::new();
        for (key, id, cache_type, allowed) in POLICY_SETTINGS {
            let wanted = text(input.settings, key).unwrap_or_default();
            if wanted.is_empty() || wanted.eq_ignore_ascii_case("donotconfigure") {
                continue;
            }
            if !allowed.contains(&wanted.as_str()) {
                return Err(StandardsError::Setting {
                    standard: self.name().into(),
                    setting: key.into(),
                    message: format!(
                        "'{wanted}' is not one of {} or donotconfigure",
                        allowed.join(", ")
                    ),
                });
            }
            // The setting's value is text in Graph; a number is read as its text.
            let now = match input.rows(cache_type).first().map(|r| &r["value"]) {
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Number(n)) => Some(n.to_string()),
                _ => None,
            };
            if now.as_deref() != Some(wanted.as_str()) {
                let mut step = graph_patch(
                    format!("copilot/admin/policySettings/{id}"),
                    json!({"value": wanted}),
                );
                if let Step::Graph { delegated, .. } = &mut step {
                    *delegated = true;
                }
                steps.push(step);
            }
            current.insert(key.into(), json!(now));
            expected.insert(key.into(), json!(wanted));
        }
        let (current, expected) = (Value::Object(current), Value::Object(expected));
        if steps.is_empty() {
            return Ok(Assessment::outcome(Outcome::Compliant { current }));
        }
        let diff = crate::compare::compare(&expected, &current, crate::CompareOptions::default());
        Ok(Assessment {
            outcome: Outcome::Drifted {
                current,
                expected,
                diff,
            },
            steps,
        })
    }
}
