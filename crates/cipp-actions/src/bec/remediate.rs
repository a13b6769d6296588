//! Remediation in CIPP's order, each step run and reported on its own.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::security::{AccountSecurity, MethodSelection, ResetPasswordOptions, UserRef};
use crate::{ActionError, StepOutcome, StepState};

/// One remediation step. [`RemediationStep::ALL`] is the order they run in: CIPP's
/// (`ExecBECRemediate`), with removing mailbox forwarding after the inbox rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum RemediationStep {
    /// Set a random password the attacker does not know (nobody learns it).
    ResetPassword,
    /// Block sign-in.
    DisableAccount,
    /// Invalidate refresh tokens and sessions.
    RevokeSessions,
    /// Remove every MFA method but the password (an attacker may have added one).
    RemoveMfaMethods,
    /// Disable every inbox rule but Exchange's own.
    DisableInboxRules,
    /// Stop mailbox-level forwarding.
    RemoveForwarding,
    /// Stop external sharing of the user's OneDrive.
    DisableOneDriveSharing,
}

impl RemediationStep {
    /// Every step, in the order they run.
    pub const ALL: [RemediationStep; 7] = [
        RemediationStep::ResetPassword,
        RemediationStep::DisableAccount,
        RemediationStep::RevokeSessions,
        RemediationStep::RemoveMfaMethods,
        RemediationStep::DisableInboxRules,
        RemediationStep::RemoveForwarding,
        RemediationStep::DisableOneDriveSharing,
    ];

    /// The stable name (`resetPassword`), as in [`StepOutcome::step`].
    pub fn name(self) -> &'static str {
        match self {
            RemediationStep::ResetPassword => "resetPassword",
            RemediationStep::DisableAccount => "disableSignIn",
            RemediationStep::RevokeSessions => "revokeSessions",
            RemediationStep::RemoveMfaMethods => "removeMfaMethods",
            RemediationStep::DisableInboxRules => "disableInboxRules",
            RemediationStep::RemoveForwarding => "removeForwarding",
            RemediationStep::DisableOneDriveSharing => "disableOneDriveSharing",
        }
    }

    /// What the step would do, for a dry run.
    pub fn describe(self, upn: &str) -> String {
        match self {
            RemediationStep::ResetPassword => {
                format!("Reset the password of {upn} to a random one (forced change at next sign-in; writeback for synced users)")
            }
            RemediationStep::DisableAccount => format!("Block sign-in for {upn}"),
            RemediationStep::RevokeSessions => {
                format!("Revoke all sessions and refresh tokens of {upn}")
            }
            RemediationStep::RemoveMfaMethods => {
                format!("Remove every MFA method of {upn} except the password")
            }
            RemediationStep::DisableInboxRules => format!(
                "Disable every inbox rule of {upn} except the junk e-mail and out-of-office rules"
            ),
            RemediationStep::RemoveForwarding => {
                format!("Remove mailbox forwarding of {upn}")
            }
            RemediationStep::DisableOneDriveSharing => {
                format!("Turn off external sharing of {upn}'s OneDrive")
            }
        }
    }
}

impl fmt::Display for RemediationStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for RemediationStep {
    type Err = ActionError;

    /// A step by name, ignoring case, dashes and underscores (`reset-password`,
    /// `disableInboxRules`); `disableAccount` and `disableSignIn` are the same step.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let key: String = s
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | ' '))
            .collect::<String>()
            .to_ascii_lowercase();
        let alias = match key.as_str() {
            "disableaccount" | "disablesignin" | "blocksignin" => {
                Some(RemediationStep::DisableAccount)
            }
            "removemfa" | "removemfamethods" => Some(RemediationStep::RemoveMfaMethods),
            "removeforwarding" | "disableforwarding" => Some(RemediationStep::RemoveForwarding),
            "disableonedrivesharing" | "onedrive" => Some(RemediationStep::DisableOneDriveSharing),
            _ => None,
        };
        alias
            .or_else(|| {
                RemediationStep::ALL
                    .into_iter()
                    .find(|st| st.name().eq_ignore_ascii_case(&key))
            })
            .ok_or_else(|| ActionError::InvalidInput {
                field: "step".into(),
                message: format!(
                    "'{s}' is not a remediation step; use one of {}",
                    RemediationStep::ALL.map(RemediationStep::name).join(", ")
                ),
            })
    }
}

/// Options of [`Bec::remediate`](super::Bec::remediate) and [`Bec::plan`](super::Bec::plan).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemediationOptions {
    /// Steps not to run.
    pub skip: BTreeSet<RemediationStep>,
    /// The caller confirms the remediation; without it [`Bec::remediate`](super::Bec::remediate)
    /// refuses and sends nothing.
    pub confirm: bool,
}

impl RemediationOptions {
    /// Confirmed options running every step.
    pub fn confirmed() -> Self {
        RemediationOptions {
            confirm: true,
            ..Default::default()
        }
    }

    /// The same options without `step`.
    pub fn skip(mut self, step: RemediationStep) -> Self {
        self.skip.insert(step);
        self
    }

    /// The steps to run, in order.
    pub fn steps(&self) -> Vec<RemediationStep> {
        RemediationStep::ALL
            .into_iter()
            .filter(|s| !self.skip.contains(s))
            .collect()
    }
}

/// What a remediation did (or, for a dry run, would do), step by step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RemediationReport {
    /// The tenant.
    pub tenant: String,
    /// The user.
    pub user: UserRef,
    /// `true` for a plan: nothing was changed.
    pub dry_run: bool,
    /// One outcome per step, in order (skipped steps included, as `skipped`).
    pub steps: Vec<StepOutcome>,
}

impl RemediationReport {
    /// The steps that failed.
    pub fn failures(&self) -> impl Iterator<Item = &StepOutcome> {
        self.steps.iter().filter(|s| s.failed())
    }

    /// The report as Markdown.
    pub fn to_markdown(&self) -> String {
        let mut md = format!(
            "# Compromised-account remediation{}: {}\n\nTenant `{}`.\n\n| Step | State | Result |\n|---|---|---|\n",
            if self.dry_run { " (dry run)" } else { "" },
            self.user.user_principal_name,
            self.tenant
        );
        for s in &self.steps {
            let state = serde_json::to_value(s.state)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            md.push_str(&format!("| {} | {state} | {} |\n", s.step, s.result_text));
        }
        md
    }
}

pub(crate) fn plan(
    security: &AccountSecurity,
    user: UserRef,
    options: &RemediationOptions,
) -> RemediationReport {
    let steps = RemediationStep::ALL
        .into_iter()
        .map(|step| {
            if options.skip.contains(&step) {
                StepOutcome::new(step.name(), StepState::Skipped, "Skipped by request")
            } else {
                StepOutcome::new(
                    step.name(),
                    StepState::Planned,
                    step.describe(&user.user_principal_name),
                )
            }
        })
        .collect();
    RemediationReport {
        tenant: security.tenant().to_string(),
        user,
        dry_run: true,
        steps,
    }
}

async fn run_step(
    security: &AccountSecurity,
    user: &UserRef,
    step: RemediationStep,
) -> Result<StepOutcome, ActionError> {
    match step {
        RemediationStep::ResetPassword => security
            .reset_password(user, &ResetPasswordOptions::default())
            .await
            .map(|r| r.outcome),
        RemediationStep::DisableAccount => security.block_sign_in(user).await,
        RemediationStep::RevokeSessions => security.revoke_sessions(user).await,
        RemediationStep::RemoveMfaMethods => {
            security
                .remove_mfa_methods(user, &MethodSelection::All)
                .await
        }
        RemediationStep::DisableInboxRules => security.disable_inbox_rules(user).await,
        RemediationStep::RemoveForwarding => security.remove_mailbox_forwarding(user).await,
        RemediationStep::DisableOneDriveSharing => security.disable_onedrive_sharing(user).await,
    }
}

pub(crate) async fn remediate(
    security: &AccountSecurity,
    user: UserRef,
    options: &RemediationOptions,
) -> RemediationReport {
    let mut steps = Vec::with_capacity(RemediationStep::ALL.len());
    // One after the other, as CIPP: a revoked session before the MFA removal, and no step
    // racing another on the same user.
    for step in RemediationStep::ALL {
        if options.skip.contains(&step) {
            steps.push(StepOutcome::new(
                step.name(),
                StepState::Skipped,
                "Skipped by request",
            ));
            continue;
        }
        let outcome = match run_step(security, &user, step).await {
            Ok(o) => o,
            Err(e) => {
                tracing::warn!(step = step.name(), error = %e, "remediation step failed");
                StepOutcome::new(step.name(), StepState::Error, e.to_string())
            }
        };
        steps.push(outcome);
    }
    RemediationReport {
        tenant: security.tenant().to_string(),
        user,
        dry_run: false,
        steps,
    }
}
