//! `EnableAppConsentRequests`: users can ask admins to consent to apps.

use serde_json::{json, Value};

use super::util::{graph, list, single};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// Global Administrator's role template id: the reviewer when none is chosen.
const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";

/// The admin consent request workflow is on, with notifications and reminders, requests
/// lasting 30 days, and the holders of the chosen roles (`ReviewerRoles`: role template ids,
/// or role names looked up in the tenant's directory roles) as reviewers. Written with one
/// `PUT policies/adminConsentRequestPolicy` (the policy takes no `PATCH`).
#[derive(Debug, Clone, Copy, Default)]
pub struct EnableAppConsentRequests;

fn is_guid(s: &str) -> bool {
    s.len() == 36 && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

/// The role ids named in the reviewers' Graph queries.
fn reviewer_roles(policy: &Value) -> Vec<String> {
    let mut ids: Vec<String> = policy["reviewers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["query"].as_str())
        .filter_map(|q| {
            let at = q.find("roleDefinitionId eq '")? + "roleDefinitionId eq '".len();
            Some(q[at..].split('\'').next()?.to_ascii_lowercase())
        })
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

impl Standard for EnableAppConsentRequests {
    fn name(&self) -> &'static str {
        "EnableAppConsentRequests"
    }
    fn label(&self) -> &'static str {
        "Let users request admin consent for apps"
    }
    fn category(&self) -> &'static str {
        "Entra (AAD) Standards"
    }
    fn description(&self) -> &'static str {
        "Turns on the admin consent request workflow so users can ask for apps they cannot \
         consent to, reviewed by the holders of the chosen roles (default Global Administrator)."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["AdminConsentRequestPolicy", "Roles"]
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[("ReviewerRoles", GLOBAL_ADMIN)]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let roles = input.rows("Roles");
        let mut wanted = Vec::new();
        for name in list(input.settings, "ReviewerRoles") {
            let id = if is_guid(&name) {
                name.to_ascii_lowercase()
            } else {
                roles
                    .iter()
                    .find(|r| {
                        r["displayName"]
                            .as_str()
                            .is_some_and(|d| d.eq_ignore_ascii_case(&name))
                    })
                    .and_then(|r| r["roleTemplateId"].as_str())
                    .map(str::to_ascii_lowercase)
                    .ok_or_else(|| StandardsError::Setting {
                        standard: self.name().into(),
                        setting: "ReviewerRoles".into(),
                        message: format!("no directory role named '{name}' in the tenant"),
                    })?
            };
            wanted.push(id);
        }
        if wanted.is_empty() {
            wanted.push(GLOBAL_ADMIN.to_string());
        }
        wanted.sort();
        wanted.dedup();
        let policy = input
            .rows("AdminConsentRequestPolicy")
            .first()
            .cloned()
            .unwrap_or(Value::Null);
        let current = json!({
            "isEnabled": policy["isEnabled"].clone(),
            "notifyReviewers": policy["notifyReviewers"].clone(),
            "remindersEnabled": policy["remindersEnabled"].clone(),
            "requestDurationInDays": policy["requestDurationInDays"].clone(),
            "reviewerRoles": reviewer_roles(&policy),
        });
        let expected = json!({
            "isEnabled": true,
            "notifyReviewers": true,
            "remindersEnabled": true,
            "requestDurationInDays": 30,
            "reviewerRoles": wanted,
        });
        let reviewers: Vec<Value> = wanted
            .iter()
            .map(|id| {
                json!({
                    "query": format!(
                        "/beta/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '{id}'"
                    ),
                    "queryType": "MicrosoftGraph",
                    "queryRoot": null,
                })
            })
            .collect();
        let body = json!({
            "isEnabled": true,
            "notifyReviewers": true,
            "remindersEnabled": true,
            "requestDurationInDays": 30,
            "reviewers": reviewers,
        });
        let step = graph("PUT", "policies/adminConsentRequestPolicy", body);
        Ok(single(current, expected, vec![step]))
    }
}
