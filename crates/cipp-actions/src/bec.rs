//! Compromised-account ("BEC") research and remediation.
//!
//! [`Bec::research`] gathers, for one user and a window (7 days by default), the sign-ins of
//! that user (only theirs, unlike CIPP), inbox rules with their forward/redirect/delete/move
//! flags, mailbox forwarding, MFA methods (recent ones flagged), users created and passwords
//! changed tenant-wide, new applications and consent grants, devices, sent mail, directory
//! audit events and unified audit log rule and permission changes, into one [`BecReport`].
//! The Graph reads travel in one `$batch`; Exchange reads run beside it; each source fails on
//! its own and says so.
//!
//! [`Bec::remediate`] runs CIPP's steps in CIPP's order (reset password, block sign-in,
//! revoke sessions, remove MFA methods, disable inbox rules, then remove forwarding, and
//! OneDrive sharing), each reported separately and going on past a failure. It needs
//! [`RemediationOptions::confirm`]; [`Bec::plan`] lists the steps and writes nothing.
//!
//! ```no_run
//! # async fn run(pipeline: cipp_core::Pipeline) -> Result<(), cipp_actions::ActionError> {
//! use cipp_actions::bec::{Bec, RemediationOptions, RemediationStep, ResearchOptions};
//! let tenant = "alpha.onmicrosoft.com";
//! let bec = Bec::new(cipp_actions::security::AccountSecurity::new(
//!     cipp_graph::GraphClient::new(pipeline.clone(), tenant),
//!     cipp_exchange::ExchangeClient::new(pipeline, tenant),
//! ));
//! let report = bec.research("miriam.vance@alphadental.com", &ResearchOptions::default()).await?;
//! println!("{}", report.to_markdown());
//! if report.is_alarming() {
//!     let options = RemediationOptions::confirmed().skip(RemediationStep::RemoveMfaMethods);
//!     let done = bec.remediate("miriam.vance@alphadental.com", &options).await?;
//!     for step in &done.steps {
//!         println!("{}: {:?} {}", step.step, step.state, step.result_text);
//!     }
//! }
//! # Ok(()) }
//! ```

mod remediate;
mod report;
mod research;
mod time;

pub use remediate::{RemediationOptions, RemediationReport, RemediationStep};
pub use report::{
    AuditEvent, BecReport, InboxRuleFinding, Indicator, MailboxForwarding, MfaMethodFinding,
    MobileDeviceFinding, Severity, SignIn, Source, Window,
};
pub use research::ResearchOptions;

use crate::security::AccountSecurity;
use crate::ActionError;

/// Compromised-account research and remediation for one tenant. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Bec {
    security: AccountSecurity,
}

impl Bec {
    /// Research and remediation through these primitives (which name the tenant).
    pub fn new(security: AccountSecurity) -> Self {
        Bec { security }
    }

    /// The primitives underneath.
    pub fn security(&self) -> &AccountSecurity {
        &self.security
    }

    /// Research `user` (UPN or object id). Fails only when the user cannot be looked up or
    /// the options are wrong; a source that cannot be read is marked in the report.
    pub async fn research(
        &self,
        user: &str,
        options: &ResearchOptions,
    ) -> Result<BecReport, ActionError> {
        research::research(&self.security, user, options).await
    }

    /// The remediation steps that would run for `user`, as `planned` (or `skipped`)
    /// outcomes. Looks the user up and writes nothing.
    pub async fn plan(
        &self,
        user: &str,
        options: &RemediationOptions,
    ) -> Result<RemediationReport, ActionError> {
        let user = self.security.resolve_user(user).await?;
        Ok(remediate::plan(&self.security, user, options))
    }

    /// Run the remediation steps for `user`, each reported on its own; a failed step does
    /// not stop the rest. Refused ([`ActionError::NotConfirmed`]) without
    /// [`RemediationOptions::confirm`], before anything is sent.
    pub async fn remediate(
        &self,
        user: &str,
        options: &RemediationOptions,
    ) -> Result<RemediationReport, ActionError> {
        if !options.confirm {
            return Err(ActionError::NotConfirmed {
                action: "compromised-account remediation".into(),
            });
        }
        let user = self.security.resolve_user(user).await?;
        Ok(remediate::remediate(&self.security, user, options).await)
    }
}
