//! User actions for the engines that run unattended: the handler audit-log rules call for
//! `disableUser` and `becremediate`, and the action commands the facade's scheduler knows
//! (`block-sign-in`, `revoke-sessions`, `reset-password`, `bec-remediate`, `offboard`).
//! The engines stay below `cipp-actions`; the facade, which sees both, joins them.

use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;
use cipp_actions::bec::{RemediationOptions, RemediationStep};
use cipp_actions::offboard::{FollowUp, OffboardOptions};
use cipp_actions::security::ResetPasswordOptions;
use cipp_actions::{StepOutcome, StepState};
use cipp_alerts::audit::{ActionError, AuditActionHandler, AuditEvent};
use cipp_scheduler::{
    handler_fn, Command, CommandCall, CommandHandler, SchedulerBuilder, Task, TenantSelector,
};
use serde::Serialize;
use serde_json::Value;

use crate::client::Cipp;
use crate::tenant::Tenant;

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

/// A one-step action's outcome as a command result: a failed step fails the command.
fn step_result(outcome: Result<StepOutcome, cipp_actions::ActionError>) -> Result<Value, String> {
    let outcome = outcome.map_err(|e| e.to_string())?;
    if outcome.failed() {
        Err(outcome.result_text)
    } else {
        Ok(serde_json::to_value(outcome).unwrap_or_default())
    }
}

/// A multi-step report as a command result: any failed step fails the command, with the
/// whole report in the message so the task history shows which.
fn report_result(kind: &str, failed: usize, report: &impl Serialize) -> Result<Value, String> {
    let value = serde_json::to_value(report).unwrap_or_default();
    if failed > 0 {
        Err(format!("{failed} {kind} step(s) failed: {value}"))
    } else {
        Ok(value)
    }
}

/// `bec-remediate`'s options: `confirm` (bool) and `skip` (step names).
fn remediation_options(parameters: &Value) -> Result<RemediationOptions, String> {
    let mut options = RemediationOptions {
        confirm: parameters["confirm"].as_bool().unwrap_or(false),
        ..RemediationOptions::default()
    };
    for (index, name) in parameters["skip"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let name = name
            .as_str()
            .ok_or_else(|| format!("parameters.skip[{index}]: a step name (text) is required"))?;
        let step: RemediationStep = name
            .parse()
            .map_err(|e: cipp_actions::ActionError| format!("parameters.skip[{index}]: {e}"))?;
        options = options.skip(step);
    }
    Ok(options)
}

/// An offboarding follow-up (the steps a run deferred, such as licence removal after a
/// mailbox conversion) as a one-off scheduler task: the `offboard` command this facade's
/// scheduler registers, for the same user and tenant, first run at `not_before`.
///
/// ```no_run
/// # async fn run(cipp: cipp::Cipp, scheduler: cipp::scheduler::Scheduler) -> Result<(), Box<dyn std::error::Error>> {
/// use cipp::actions::offboard::OffboardOptions;
/// let options = OffboardOptions::from_value(&serde_json::json!({
///     "convertToShared": true, "removeLicenses": true, "licenceRemovalDelayMinutes": 5,
///     "confirm": true,
/// }))?;
/// let report = cipp.tenant("contoso.com").offboarding().run("ada@contoso.com", &options).await?;
/// for follow_up in &report.follow_ups {
///     scheduler.add(cipp::follow_up_task(follow_up))?;
/// }
/// # Ok(()) }
/// ```
pub fn follow_up_task(follow_up: &FollowUp) -> Task {
    Task::new(
        follow_up.name.clone(),
        Command::Custom {
            name: follow_up.command.clone(),
            parameters: follow_up.parameters.clone(),
        },
        TenantSelector::tenant(follow_up.tenant.clone()),
    )
    .first_run(follow_up.not_before)
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
        let block = self.user_command(|tenant, user, _| async move {
            step_result(tenant.users().block_sign_in(&user).await)
        });
        let revoke = self.user_command(|tenant, user, _| async move {
            step_result(tenant.users().revoke_sessions(&user).await)
        });
        let reset = self.user_command(|tenant, user, _| async move {
            let options = ResetPasswordOptions::default();
            step_result(
                tenant
                    .users()
                    .reset_password(&user, &options)
                    .await
                    .map(|reset| reset.outcome),
            )
        });
        let bec = self.user_command(|tenant, user, parameters| async move {
            let options = remediation_options(&parameters)?;
            let report = tenant
                .bec()
                .remediate(&user, &options)
                .await
                .map_err(|e| e.to_string())?;
            report_result("remediation", report.failures().count(), &report)
        });
        let offboard = self.user_command(|tenant, user, parameters| async move {
            let options =
                OffboardOptions::from_value(&parameters["options"]).map_err(|e| e.to_string())?;
            let report = tenant
                .offboarding()
                .run(&user, &options)
                .await
                .map_err(|e| e.to_string())?;
            report_result("offboarding", report.failed().count(), &report)
        });
        builder
            .command("block-sign-in", block)
            .command("revoke-sessions", revoke)
            .command("reset-password", reset)
            .command("bec-remediate", bec)
            .command("offboard", offboard)
    }

    /// A scheduler command acting on the user named in the task's parameters, in the tenant
    /// the scheduler is running it for.
    fn user_command<F, Fut>(&self, action: F) -> Arc<dyn CommandHandler>
    where
        F: Fn(Tenant, String, Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Value, String>> + Send + 'static,
    {
        let cipp = self.clone();
        handler_fn(move |call| {
            let target = user_of(&call).map(|user| (cipp.tenant(call.tenant.clone()), user));
            let action = target.map(|(tenant, user)| action(tenant, user, call.parameters));
            async move { action?.await }
        })
    }
}
