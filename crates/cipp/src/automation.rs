//! User actions for the engines that run unattended: the handler audit-log rules call for
//! `disableUser` and `becremediate`, and the action commands the facade's scheduler knows
//! (`block-sign-in`, `revoke-sessions`, `reset-password`, `bec-remediate`, `offboard`).
//! The engines stay below `cipp-actions`; the facade, which sees both, joins them.

use std::sync::Arc;

use async_trait::async_trait;
use cipp_actions::bec::{RemediationOptions, RemediationStep};
use cipp_actions::offboard::OffboardOptions;
use cipp_actions::security::ResetPasswordOptions;
use cipp_actions::{StepOutcome, StepState};
use cipp_alerts::audit::{ActionError, AuditActionHandler, AuditEvent};
use cipp_scheduler::{handler_fn, CommandCall, SchedulerBuilder};
use serde_json::Value;

use crate::client::Cipp;

/// CIPP's short remediation for audit-log matches: reset the password, block sign-in,
/// revoke sessions, disable inbox rules (no MFA removal, no OneDrive change).
const AUDIT_REMEDIATION: [RemediationStep; 4] = [
    RemediationStep::ResetPassword,
    RemediationStep::DisableAccount,
    RemediationStep::RevokeSessions,
    RemediationStep::DisableInboxRules,
];

/// Performs audit-rule user actions through `cipp-actions`.
#[derive(Debug, Clone)]
pub struct AuditUserActions {
    cipp: Cipp,
}

fn summary(steps: &[StepOutcome]) -> Result<String, ActionError> {
    let text = steps
        .iter()
        .map(|s| format!("{}: {}", s.step, s.result_text))
        .collect::<Vec<_>>()
        .join("; ");
    if steps.iter().any(StepOutcome::failed) {
        Err(text.into())
    } else {
        Ok(text)
    }
}

#[async_trait]
impl AuditActionHandler for AuditUserActions {
    async fn disable_user(
        &self,
        tenant: &str,
        user: &str,
        _event: &AuditEvent,
    ) -> Result<String, ActionError> {
        let outcome = self.cipp.tenant(tenant).users().block_sign_in(user).await?;
        summary(&[outcome])
    }

    async fn remediate_compromised(
        &self,
        tenant: &str,
        user: &str,
        _event: &AuditEvent,
    ) -> Result<String, ActionError> {
        let mut options = RemediationOptions::confirmed();
        for step in RemediationStep::ALL {
            if !AUDIT_REMEDIATION.contains(&step) {
                options = options.skip(step);
            }
        }
        let report = self
            .cipp
            .tenant(tenant)
            .bec()
            .remediate(user, &options)
            .await?;
        let done: Vec<StepOutcome> = report
            .steps
            .into_iter()
            .filter(|s| s.state != StepState::Skipped)
            .collect();
        summary(&done)
    }
}

/// The user named in a scheduled action's parameters (`{"user": "upn"}`).
fn user_of(call: &CommandCall) -> Result<String, String> {
    call.parameters["user"]
        .as_str()
        .filter(|u| !u.trim().is_empty())
        .map(str::to_string)
        .ok_or_else(|| {
            format!(
                "task '{}': parameters.user (a UPN or id) is required",
                call.task_name
            )
        })
}

fn step_result(outcome: StepOutcome) -> Result<Value, String> {
    if outcome.failed() {
        Err(outcome.result_text)
    } else {
        Ok(serde_json::to_value(outcome).unwrap_or_default())
    }
}

impl Cipp {
    /// The handler audit-log rules use for `disableUser` and `becremediate`, acting through
    /// this client. Pass it to `AuditRunnerBuilder::action_handler` (user actions run only
    /// with `confirm_user_actions(true)`).
    pub fn audit_user_actions(&self) -> Arc<dyn AuditActionHandler> {
        Arc::new(AuditUserActions { cipp: self.clone() })
    }

    /// `builder` with the user actions registered as custom commands, each taking
    /// `{"user": "upn"}` in the task's parameters: `block-sign-in`, `revoke-sessions`,
    /// `reset-password`; `bec-remediate` (`skip`: step names; needs `"confirm": true`);
    /// `offboard` (`options`: offboarding options, `confirm` inside them for destructive
    /// steps). A failed step fails the tenant's result.
    pub(crate) fn with_user_action_commands(&self, builder: SchedulerBuilder) -> SchedulerBuilder {
        let c = self.clone();
        let block = handler_fn(move |call| {
            let c = c.clone();
            async move {
                let user = user_of(&call)?;
                let users = c.tenant(call.tenant.clone()).users();
                step_result(
                    users
                        .block_sign_in(&user)
                        .await
                        .map_err(|e| e.to_string())?,
                )
            }
        });
        let c = self.clone();
        let revoke = handler_fn(move |call| {
            let c = c.clone();
            async move {
                let user = user_of(&call)?;
                let users = c.tenant(call.tenant.clone()).users();
                step_result(
                    users
                        .revoke_sessions(&user)
                        .await
                        .map_err(|e| e.to_string())?,
                )
            }
        });
        let c = self.clone();
        let reset = handler_fn(move |call| {
            let c = c.clone();
            async move {
                let user = user_of(&call)?;
                let users = c.tenant(call.tenant.clone()).users();
                let reset = users
                    .reset_password(&user, &ResetPasswordOptions::default())
                    .await
                    .map_err(|e| e.to_string())?;
                step_result(reset.outcome)
            }
        });
        let c = self.clone();
        let bec = handler_fn(move |call| {
            let c = c.clone();
            async move {
                let user = user_of(&call)?;
                let mut options = RemediationOptions {
                    confirm: call.parameters["confirm"].as_bool().unwrap_or(false),
                    ..RemediationOptions::default()
                };
                for name in call.parameters["skip"].as_array().into_iter().flatten() {
                    let step: RemediationStep = name
                        .as_str()
                        .unwrap_or_default()
                        .parse()
                        .map_err(|e: cipp_actions::ActionError| e.to_string())?;
                    options = options.skip(step);
                }
                let report = c
                    .tenant(call.tenant.clone())
                    .bec()
                    .remediate(&user, &options)
                    .await
                    .map_err(|e| e.to_string())?;
                let failed = report.failures().count();
                let value = serde_json::to_value(&report).unwrap_or_default();
                if failed > 0 {
                    Err(format!("{failed} remediation step(s) failed: {value}"))
                } else {
                    Ok(value)
                }
            }
        });
        let c = self.clone();
        let offboard = handler_fn(move |call| {
            let c = c.clone();
            async move {
                let user = user_of(&call)?;
                let options = OffboardOptions::from_value(&call.parameters["options"])
                    .map_err(|e| e.to_string())?;
                let report = c
                    .tenant(call.tenant.clone())
                    .offboarding()
                    .run(&user, &options)
                    .await
                    .map_err(|e| e.to_string())?;
                let failed = report.failed().count();
                let value = serde_json::to_value(&report).unwrap_or_default();
                if failed > 0 {
                    Err(format!("{failed} offboarding step(s) failed: {value}"))
                } else {
                    Ok(value)
                }
            }
        });
        builder
            .command("block-sign-in", block)
            .command("revoke-sessions", revoke)
            .command("reset-password", reset)
            .command("bec-remediate", bec)
            .command("offboard", offboard)
    }
}
