//! `ProfilePhotos`: whether users may change their own profile photo.

use serde_json::{json, Value};

use super::exchange_common::EXCHANGE_PLANS;
use super::util::{exchange, graph, graph_patch, is, text};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;
use crate::evaluate::Outcome;

/// The Graph setting (under the beta root).
const PHOTO_SETTINGS: &str = "admin/people/photoUpdateSettings";

/// The roles that may still change photos when users may not (role template ids): Global
/// Administrator and User Administrator.
const ADMIN_ROLES: [&str; 2] = [
    "62e90394-69f5-4237-9190-012177145e10",
    "fe930be7-5e62-47db-91af-98c3a49a38b1",
];

/// Whether users may change their own profile photo (`state`: `enabled` or `disabled`). Two
/// services decide it and must agree: Graph's people setting (`photoUpdateSettings`: users
/// may when it names no `allowedRoles`) and Outlook on the web's default mailbox policy
/// (`SetPhotoEnabled`). Enabling sets the mailbox policy and deletes the Graph setting (which
/// puts back Microsoft's default, everyone); disabling sets the mailbox policy and limits
/// the Graph setting to Global and User Administrators. Only the side that differs is
/// written.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProfilePhotos;

impl Standard for ProfilePhotos {
    fn name(&self) -> &'static str {
        "ProfilePhotos"
    }
    fn label(&self) -> &'static str {
        "Allow users to change their profile photo"
    }
    fn category(&self) -> &'static str {
        "Global Standards"
    }
    fn description(&self) -> &'static str {
        "Allows or blocks users changing their own profile photo, in Microsoft 365 (Graph's \
         people settings) and in Outlook on the web alike."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["PhotoUpdateSettings", "OwaMailboxPolicy"]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        EXCHANGE_PLANS
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[("state", "")]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let state = text(input.settings, "state").unwrap_or_default();
        let wanted = match state.to_ascii_lowercase().as_str() {
            "enabled" => true,
            "disabled" => false,
            other => {
                return Err(StandardsError::Setting {
                    standard: self.name().into(),
                    setting: "state".into(),
                    message: if other.is_empty() {
                        "is required (enabled or disabled)".into()
                    } else {
                        format!("'{other}' is not enabled or disabled")
                    },
                })
            }
        };
        let graph_setting = input
            .rows("PhotoUpdateSettings")
            .first()
            .cloned()
            .unwrap_or(Value::Null);
        let roles: Vec<String> = graph_setting["allowedRoles"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r.as_str().map(str::to_ascii_lowercase))
            .collect();
        let users_may = roles.is_empty();
        let graph_right = if wanted {
            users_may
        } else {
            ADMIN_ROLES.iter().all(|a| roles.iter().any(|r| r == a))
        };
        let policies = input.rows("OwaMailboxPolicy");
        let Some(policy) = policies
            .iter()
            .find(|p| p["IsDefault"] == true)
            .or_else(|| {
                policies
                    .iter()
                    .find(|p| is(p, "Identity", "OwaMailboxPolicy-Default"))
            })
        else {
            return Ok(Assessment::outcome(Outcome::NoData {
                cache_type: "OwaMailboxPolicy".into(),
                reason: "the tenant has no default Outlook on the web mailbox policy".into(),
            }));
        };
        // Exchange leaves photo changes on unless a policy turns them off.
        let owa_enabled = policy["SetPhotoEnabled"].as_bool().unwrap_or(true);
        let owa_right = owa_enabled == wanted;
        let current = json!({
            "usersMayChangePhotoInMicrosoft365": users_may,
            "graphAllowedRoles": roles,
            "outlookWebSetPhotoEnabled": owa_enabled,
        });
        let expected = json!({
            "usersMayChangePhotoInMicrosoft365": wanted,
            // Other roles beside the two administrators are left as they are.
            "graphAllowedRoles": if graph_right {
                json!(roles)
            } else if wanted {
                json!([])
            } else {
                json!(ADMIN_ROLES)
            },
            "outlookWebSetPhotoEnabled": wanted,
        });
        if graph_right && owa_right {
            return Ok(Assessment::outcome(Outcome::Compliant { current }));
        }
        let mut steps = Vec::new();
        if !owa_right {
            let identity = policy["Identity"]
                .as_str()
                .unwrap_or("OwaMailboxPolicy-Default");
            steps.push(exchange(
                "Set-OwaMailboxPolicy",
                json!({"Identity": identity, "SetPhotoEnabled": wanted}),
            ));
        }
        if !graph_right {
            steps.push(if wanted {
                graph("DELETE", PHOTO_SETTINGS, Value::Null)
            } else {
                graph_patch(
                    PHOTO_SETTINGS,
                    json!({"source": "cloud", "allowedRoles": ADMIN_ROLES}),
                )
            });
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
